//! 行政处罚案件 — the list of cases (by agency and state; undecided ones by their 90-day deadline),
//! filing a case from a finding, one case with its clocks, estimate, appraisal, history and the form
//! of the step the caller may take now, and its printed notice and decision.

use super::checked;
use super::labels::label;
use super::{agency_label, agency_options, filter_query, query_value, render, render_form, see_other};
use super::{FormData, FormErrors, Pager, Params, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::{Id, IdAnd};
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::enforcement::cases::CaseStep;
use orewatch_app::enforcement::cases::{
    self, Case, CaseFilter, CaseView, FileInput, NoticeInput, PenaltyInput,
};
use orewatch_app::enforcement::measures::MeasureStep;
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::AppError;
use orewatch_domain::field::yuan_text;
use orewatch_domain::measure::MeasureFlow;
use orewatch_domain::penalty::{CaseState, Penalty, PenaltyKind, NO_PENALTY};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, CaseId, FieldErrors, FindingId, MeasureId, MineId};
use strum::IntoEnumIterator;

const PAGE_SIZE: i64 = 25;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/cases", get(list).post(create))
        .route("/cases/new", get(new_form))
        .route("/cases/{id}", get(show))
        .route("/cases/{id}/print/{doc}", get(print))
        .route("/cases/{id}/{step}", post(step))
        .route(
            "/cases/{id}/appraisal",
            post(appraisal).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/cases/files/{id}", get(download))
        .route("/measures/{id}", get(measure_page))
        .route("/measures/{id}/print/{doc}", get(measure_print))
        .route("/measures/{id}/{step}", post(measure_step))
}

fn filter_of(query: &Params) -> CaseFilter {
    CaseFilter {
        agency: query_value(query, "agency").and_then(|a| AgencyCode::parse(&a).ok()),
        state: query_value(query, "state").and_then(|s| CaseState::parse(&s).ok()),
        mine: query_value(query, "mine")
            .and_then(|m| m.parse::<i64>().ok())
            .map(MineId),
        finding: query_value(query, "finding").and_then(|f| FindingId::parse(&f)),
        include_closed: query.get("closed").is_some_and(|v| v == "1"),
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    ctx: Ctx,
    agencies: Vec<SelectOption>,
    states: Vec<SelectOption>,
    closed: bool,
    rows: Vec<super::present::CaseRow>,
    empty: String,
    pager: Pager,
    may_file: bool,
}

/// Whether the caller may file cases (an agency head, in its own agency).
fn may_file(ctx: &Ctx) -> bool {
    let caller = ctx.caller();
    caller
        .agency()
        .is_some_and(|a| caller.may(Action::FileCase, &Resource::Agency(a.clone())))
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let page = Pager::requested(&query);
    let filter = filter_of(&query);
    let found = cases::list(
        &state.app,
        &caller,
        &filter,
        PAGE_SIZE,
        Pager::offset(page, PAGE_SIZE),
    )
    .await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let members: Vec<AgencyRecord> = agencies.iter().filter(|a| a.is_member()).cloned().collect();
    let today = orewatch_domain::task::local_date(state.app.now());
    let value = |k: &str| query_value(&query, k).unwrap_or_default();
    let view = ListPage {
        agencies: agency_options(&ctx, &members, &value("agency")),
        states: CaseState::iter()
            .map(|s| SelectOption::new(s.as_str(), label(&ctx, "case_state", s.as_str()), &value("state")))
            .collect(),
        closed: filter.include_closed,
        rows: found
            .rows
            .iter()
            .map(|c| super::present::case_row(&ctx, &agencies, c, today))
            .collect(),
        empty: ctx.empty_text(!filter_query(&query).is_empty()).to_string(),
        pager: Pager::new(&ctx, "/cases", &query, page, PAGE_SIZE, found.total),
        may_file: may_file(&ctx),
        ctx,
    };
    render(&view)
}

/// A checkbox of a list (a finding to link, an officer for the team).
pub struct Check {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    ctx: Ctx,
    form: FormData,
    errors: FormErrors,
    findings: Vec<Check>,
    officers: Vec<Check>,
}

async fn new_screen(
    state: &WebState,
    ctx: Ctx,
    mut form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let agency = caller
        .agency()
        .cloned()
        .ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    let officers = cases::team_candidates(&state.app, &caller, &agency).await?;
    let finding = FindingId::parse(form.get("from_finding"));
    let mine = form.get("from_mine").parse::<i64>().ok().map(MineId);
    let (mine, open) = cases::filing_context(&state.app, &caller, finding, mine).await?;
    if let Some(m) = &mine {
        if form.get("mine").is_empty() {
            form.0.insert("mine".into(), m.name.clone());
        }
    }
    let chosen_findings = checked(&form, "finding_");
    let chosen_officers = checked(&form, "officer_");
    let view = NewPage {
        findings: open
            .iter()
            .map(|f| {
                let value = f.id.to_string();
                Check {
                    checked: chosen_findings.contains(&value.as_str()) || Some(f.id) == finding,
                    label: format!("#{} {} · {}", f.id, f.category_zh, f.description),
                    value,
                }
            })
            .collect(),
        officers: officers
            .iter()
            .map(|c| {
                let value = c.account_id.0.to_string();
                Check {
                    checked: chosen_officers.contains(&value.as_str()),
                    label: format!("{}（{} {}）", c.holder, ctx.t("print.card"), c.card_no),
                    value,
                }
            })
            .collect(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn new_form(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
) -> Result<Response, WebError> {
    if !may_file(&ctx) {
        return Err(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role).into());
    }
    let mut form = FormData::default();
    if let Some(f) = query_value(&query, "finding") {
        form.0.insert("from_finding".into(), f);
    }
    if let Some(m) = query_value(&query, "mine") {
        form.0.insert("from_mine".into(), m);
    }
    new_screen(&state, ctx, form, None).await
}

async fn create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let input = FileInput {
        mine: form.get("mine"),
        findings: checked(&form, "finding_"),
        cause: form.get("cause"),
        major: form.get("major"),
        officers: checked(&form, "officer_"),
    };
    match cases::file(&state.app, &ctx.caller(), &input).await {
        Ok(id) => Ok(see_other(&format!("/cases/{id}?flash=created"))),
        Err(AppError::Invalid(errors)) => new_screen(&state, ctx, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

/// The kinds of penalty as checkboxes, checked as `current` says.
fn kind_checks(ctx: &Ctx, current: &[&str], with_none: bool) -> Vec<Check> {
    let mut out: Vec<Check> = PenaltyKind::iter()
        .map(|k| Check {
            value: k.as_str().to_string(),
            label: label(ctx, "penalty_kind", k.as_str()),
            checked: current.contains(&k.as_str()),
        })
        .collect();
    if with_none {
        out.push(Check {
            value: NO_PENALTY.to_string(),
            label: ctx.t("case.no_penalty").to_string(),
            checked: current.contains(&NO_PENALTY),
        });
    }
    out
}

fn penalty_text(ctx: &Ctx, p: &Penalty) -> String {
    if p.is_none() {
        return ctx.t("case.no_penalty").to_string();
    }
    p.kinds
        .iter()
        .map(|k| match (k, p.fine_fen, p.gains_fen) {
            (PenaltyKind::Fine, Some(f), _) => {
                format!("{} ¥{}", label(ctx, "penalty_kind", k.as_str()), yuan_text(f))
            }
            (PenaltyKind::ConfiscateGains, _, Some(g)) => {
                format!("{} ¥{}", label(ctx, "penalty_kind", k.as_str()), yuan_text(g))
            }
            (k, _, _) => label(ctx, "penalty_kind", k.as_str()),
        })
        .collect::<Vec<_>>()
        .join("；")
}

#[derive(Template)]
#[template(path = "case.html")]
struct ShowPage {
    ctx: Ctx,
    c: Case,
    refs: super::referrals::CaseReferrals,
    restricted: bool,
    r: super::present::CaseRow,
    estimate: String,
    appraised: String,
    proposed: String,
    decided: String,
    paid: String,
    heavy: bool,
    days_left: i64,
    events: Vec<super::present::EventRow>,
    tasks: Vec<super::present::TaskLine>,
    files: Vec<super::present::FileRow>,
    form: FormData,
    errors: FormErrors,
    notice_kinds: Vec<Check>,
    decide_kinds: Vec<Check>,
    hosts: Vec<SelectOption>,
    may_work: bool,
    may_notify: bool,
    may_defend: bool,
    may_hear: bool,
    may_review: bool,
    may_decide: bool,
    may_close: bool,
    /// The 90-day decision clock still runs.
    undecided: bool,
    measures: Vec<MeasureRow>,
    measure_kinds: Vec<SelectOption>,
    may_take: bool,
    today: String,
}

/// One measure of a case as shown.
pub struct MeasureRow {
    pub id: MeasureId,
    pub kind: String,
    pub doc_no: String,
    pub state: String,
    pub state_class: &'static str,
    pub effective: String,
    pub detail: String,
    pub has_supplier_notice: bool,
    pub may_lift: bool,
    pub may_confirm: bool,
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    case_id: CaseId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let mut form = form;
    let CaseView {
        case: c,
        attachments,
        open_tasks,
        today,
        heavy,
        open: steps,
    } = cases::show(&state.app, &caller, case_id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let may = |step: CaseStep| steps.contains(&step);
    let may_hear = may(CaseStep::Hear);
    let hosts = if may_hear {
        cases::outside_team(&state.app, &caller, &c)
            .await?
            .into_iter()
            .map(|(id, name)| SelectOption::new(id.0.to_string(), name, form.get("host")))
            .collect()
    } else {
        Vec::new()
    };
    // The estimate starts from the volume the case's findings carry from surveys, if any.
    if errors.is_none() && c.estimate.is_none() {
        if let Some((volume, basis)) =
            orewatch_app::surveys::proposals::volume_of_case(&state.app, &caller, case_id).await?
        {
            form.0.insert("volume".into(), format!("{volume:.1}"));
            form.0.insert("basis".into(), basis);
        }
    }
    // A refused form comes back with what was typed; a fresh decision starts from the notice's penalty.
    if errors.is_none() && may(CaseStep::Decide) {
        if let Some(p) = &c.proposed {
            for (field, amount) in [("fine", p.fine_fen), ("gains", p.gains_fen)] {
                if let Some(fen) = amount {
                    form.0
                        .insert(field.into(), orewatch_domain::field::yuan_plain(fen));
                }
            }
        }
    }
    let proposed_codes: Vec<String> = c
        .proposed
        .as_ref()
        .map(|p| p.kinds.iter().map(|k| k.as_str().to_string()).collect())
        .unwrap_or_default();
    let typed = checked(&form, "kind_");
    let decide_current: Vec<&str> = if errors.is_some() {
        typed.clone()
    } else {
        proposed_codes.iter().map(String::as_str).collect()
    };
    let now = state.app.now();
    let taken = orewatch_app::enforcement::measures::of_case(&state.app, &caller, &c).await?;
    let open = orewatch_app::enforcement::measures::open_on(&state.app, &caller, &c, &taken).await?;
    let agencies_of = |code: Option<&AgencyCode>| agency_label(&ctx, &agencies, code.map(AgencyCode::as_str));
    let measure_rows: Vec<MeasureRow> = taken
        .iter()
        .zip(&open)
        .map(|(m, open)| {
            let mut detail = vec![format!("{} · {}", m.taken_by_label, ctx.time(&m.taken_at))];
            if let Some(s) = &m.supplier {
                detail.push(format!("{}：{}", ctx.t("measure.supplier"), agencies_of(Some(s))));
            }
            if let Some(by) = &m.confirmed_by_label {
                detail.push(format!("{} {by}", ctx.t("measure.confirmed_by")));
            }
            if let Some(items) = &m.items {
                detail.push(format!("{}：{items}", ctx.t("measure.items")));
            }
            if let Some(reason) = &m.lift_reason {
                detail.push(format!("{}：{reason}", ctx.t("measure.lifted")));
            }
            if let Some(by) = &m.restored_by_label {
                detail.push(format!("{} {by}", ctx.t("measure.restored_by")));
            }
            MeasureRow {
                id: m.id,
                kind: label(&ctx, "measure_kind", m.kind.as_str()),
                doc_no: m.doc_no.clone(),
                state: label(&ctx, "measure_state", m.state.as_str()),
                state_class: super::state_class::<MeasureFlow>(m.state),
                effective: format!(
                    "{}{}",
                    ctx.time(&m.effective_at),
                    if m.emergency {
                        format!(" · {}", ctx.t("measure.emergency"))
                    } else {
                        String::new()
                    }
                ),
                detail: detail.join("；"),
                has_supplier_notice: m.kind.supplier_notice_title().is_some(),
                may_lift: open.contains(&MeasureStep::Lift),
                may_confirm: open.contains(&MeasureStep::Confirm),
            }
        })
        .collect();
    let refs = super::referrals::of_case(state, &ctx, &c, &agencies, &form).await?;
    let restricted = c.restricted();
    let view = ShowPage {
        refs,
        restricted,
        measures: measure_rows,
        measure_kinds: orewatch_domain::measure::MeasureKind::iter()
            .map(|k| {
                SelectOption::new(
                    k.as_str(),
                    label(&ctx, "measure_kind", k.as_str()),
                    form.get("kind"),
                )
            })
            .collect(),
        may_take: may(CaseStep::TakeMeasure),
        r: super::present::case_row(&ctx, &agencies, &c, today),
        estimate: c
            .estimate
            .map(|e| {
                format!(
                    "¥{} = {} m³ × {} t/m³ × ¥{}/t（{} t）",
                    yuan_text(e.value_fen),
                    e.volume_m3,
                    e.density_t_m3,
                    yuan_text(e.price_fen_t),
                    (e.tonnes() * 100.0).round() / 100.0
                )
            })
            .unwrap_or_default(),
        appraised: c
            .appraised_fen
            .map(|v| format!("¥{}", yuan_text(v)))
            .unwrap_or_default(),
        proposed: c
            .proposed
            .as_ref()
            .map(|p| penalty_text(&ctx, p))
            .unwrap_or_default(),
        decided: c
            .decided
            .as_ref()
            .map(|p| penalty_text(&ctx, p))
            .unwrap_or_default(),
        paid: c
            .paid_fen
            .map(|v| format!("¥{}", yuan_text(v)))
            .unwrap_or_default(),
        heavy,
        days_left: (c.decide_by_on - today).num_days(),
        events: super::present::history(&ctx, "case_event", &c.events, true),
        tasks: super::present::task_lines(&ctx, &agencies, &open_tasks, now),
        files: super::present::file_rows(&ctx, &attachments),
        notice_kinds: kind_checks(&ctx, &typed, false),
        decide_kinds: kind_checks(&ctx, &decide_current, true),
        hosts,
        may_work: may(CaseStep::Estimate),
        may_notify: may(CaseStep::Notify),
        may_defend: may(CaseStep::Defence),
        may_hear,
        may_review: may(CaseStep::ReviewPass),
        may_decide: may(CaseStep::Decide),
        may_close: may(CaseStep::Close),
        undecided: c.decided_on.is_none(),
        today: today.to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        c,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<CaseId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, FormData::default(), None).await
}

fn penalty_input<'a>(form: &'a FormData) -> PenaltyInput<'a> {
    PenaltyInput {
        kinds: checked(form, "kind_"),
        fine: form.get("fine"),
        gains: form.get("gains"),
    }
}

async fn step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, step): IdAnd<CaseId>,
    form: FormData,
) -> Result<Response, WebError> {
    let app = &state.app;
    let caller = ctx.caller();
    let mut referral_id: Option<orewatch_domain::ReferralId> = None;
    let result = match step.as_str() {
        "estimate" => cases::estimate(app, &caller, id, form.get("volume"), form.get("basis")).await,
        "notify" => {
            let input = NoticeInput {
                facts: form.get("facts"),
                evidence: form.get("evidence"),
                legal_basis: form.get("legal_basis"),
                penalty: penalty_input(&form),
                served_on: form.get("served_on"),
            };
            cases::notify(app, &caller, id, &input).await
        }
        "defence" => {
            cases::record_defence(
                app,
                &caller,
                id,
                form.get("statement"),
                form.get("waived"),
                form.get("hearing"),
            )
            .await
        }
        "hearing" => {
            cases::record_hearing(
                app,
                &caller,
                id,
                form.get("held_on"),
                form.get("host"),
                form.get("record"),
            )
            .await
        }
        "pass" => cases::review(app, &caller, id, true, form.get("opinion")).await,
        "return" => cases::review(app, &caller, id, false, form.get("opinion")).await,
        "decide" => cases::decide(app, &caller, id, &penalty_input(&form)).await,
        "close" => cases::close(app, &caller, id, form.get("execution"), form.get("paid")).await,
        "refer" => orewatch_app::enforcement::referrals::report(
            app,
            &caller,
            id,
            &orewatch_app::enforcement::referrals::ReportInput {
                receiver: form.get("receiver"),
                receiver_agency: form.get("receiver_agency"),
                receiver_name: form.get("receiver_name"),
                suspected: form.get("suspected"),
                report: form.get("report"),
            },
        )
        .await
        .map(|referral| referral_id = Some(referral)),
        "restricted" => {
            cases::mark_restricted(
                app,
                &caller,
                id,
                form.get("restricted") == "1",
                form.get("restricted_basis"),
            )
            .await
        }
        "measure" => orewatch_app::enforcement::measures::take(
            app,
            &caller,
            id,
            &orewatch_app::enforcement::measures::TakeInput {
                kind: form.get("kind"),
                basis: form.get("basis"),
                items: form.get("items"),
                emergency: form.get("emergency"),
            },
        )
        .await
        .map(|_| ()),
        _ => return Err(super::not_found().await),
    };
    match (result, referral_id) {
        (Ok(()), Some(referral)) => Ok(see_other(&format!("/referrals/{referral}?flash=saved"))),
        (Ok(()), None) => Ok(see_other(&format!("/cases/{id}?flash=saved"))),
        (Err(AppError::Invalid(errors)), _) => show_screen(&state, ctx, id, form, Some(&errors)).await,
        (Err(other), _) => Err(other.into()),
    }
}

async fn appraisal(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<CaseId>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let parts = crate::upload::read(&headers, body).await;
    let (value, note) = (
        crate::upload::text(&parts, "value"),
        crate::upload::text(&parts, "note"),
    );
    let files = crate::upload::evidence(&parts, "files");
    match cases::appraisal(&state.app, &ctx.caller(), id, &value, &note, &files).await {
        Ok(()) => Ok(see_other(&format!("/cases/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => {
            let mut form = FormData::default();
            form.0.insert("value".into(), value);
            form.0.insert("note".into(), note);
            show_screen(&state, ctx, id, form, Some(&errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn download(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(attachment_id): Id<orewatch_domain::AttachmentId>,
) -> Result<Response, WebError> {
    let (attachment, bytes) = cases::appraisal_file(&state.app, &ctx.caller(), attachment_id).await?;
    Ok(super::file_download(
        &attachment.file_name,
        &attachment.content_type,
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "case_print.html")]
struct PrintPage {
    ctx: Ctx,
    c: Case,
    decision: bool,
    title: String,
    number: String,
    agency: String,
    penalty: String,
    date: String,
    defence_ends: String,
    payment_due: String,
    heavy: bool,
}

use orewatch_domain::field::chinese_date;

/// The printed 行政处罚告知书 (once served) or 行政处罚决定书 (once decided).
async fn print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, doc): IdAnd<CaseId>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = cases::show(&state.app, &caller, id).await?;
    let c = view.case;
    let (decision, number, penalty, date) = match doc.as_str() {
        "notice" => match (&c.notice_no, &c.proposed, c.served_on) {
            (Some(n), Some(p), Some(d)) => (false, n.clone(), p.describe_zh(), d),
            _ => return Err(super::not_found().await),
        },
        "decision" => match (&c.decision_no, &c.decided, c.decided_on) {
            (Some(n), Some(p), Some(d)) => (true, n.clone(), p.describe_zh(), d),
            _ => return Err(super::not_found().await),
        },
        _ => return Err(super::not_found().await),
    };
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let page = PrintPage {
        decision,
        title: ctx
            .t(if decision {
                "case.decision_title"
            } else {
                "case.notice_title"
            })
            .to_string(),
        number,
        agency: agency_label(&ctx, &agencies, Some(c.agency.as_str())),
        penalty,
        date: chinese_date(date),
        defence_ends: c.defence_ends_on.map(chinese_date).unwrap_or_default(),
        payment_due: c.payment_due_on.map(chinese_date).unwrap_or_default(),
        heavy: view.heavy,
        c,
        ctx,
    };
    render(&page)
}

/// A measure lives on its case's page.
async fn measure_page(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<MeasureId>,
) -> Result<Response, WebError> {
    let m = orewatch_app::enforcement::measures::show(&state.app, &ctx.caller(), id).await?;
    Ok(see_other(&format!("/cases/{}#measures", m.case_id)))
}

async fn measure_step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, step): IdAnd<MeasureId>,
    form: FormData,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let m = orewatch_app::enforcement::measures::show(&state.app, &caller, id).await?;
    let result = match step.as_str() {
        "confirm" => orewatch_app::enforcement::measures::confirm(&state.app, &caller, id).await,
        "lift" => {
            orewatch_app::enforcement::measures::lift(&state.app, &caller, id, form.get("reason")).await
        }
        _ => return Err(super::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{}?flash=saved#measures", m.case_id))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, m.case_id, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "measure_print.html")]
struct MeasurePrint {
    ctx: Ctx,
    m: orewatch_app::enforcement::measures::Measure,
    c: Case,
    title: String,
    to_supplier: bool,
    supplier: String,
    agency: String,
    kind: String,
    date: String,
    effective: String,
}

/// The printed decision served on the company, or (for a power cut or explosives stop) the written
/// notice to the supplier.
async fn measure_print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, doc): IdAnd<MeasureId>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let m = orewatch_app::enforcement::measures::show(&state.app, &caller, id).await?;
    let (title, to_supplier) = match (doc.as_str(), m.kind.supplier_notice_title()) {
        ("decision", _) => (m.kind.decision_title().to_string(), false),
        ("notice", Some(title)) => (title.to_string(), true),
        _ => return Err(super::not_found().await),
    };
    let c = cases::show(&state.app, &caller, m.case_id).await?.case;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let page = MeasurePrint {
        title,
        to_supplier,
        supplier: agency_label(&ctx, &agencies, m.supplier.as_ref().map(AgencyCode::as_str)),
        agency: agency_label(&ctx, &agencies, Some(m.agency.as_str())),
        kind: m.kind.label_zh().to_string(),
        date: chinese_date(orewatch_domain::task::local_date(m.taken_at)),
        effective: {
            let t = m.effective_at.with_timezone(&orewatch_domain::task::china());
            format!("{} {}", chinese_date(t.date_naive()), t.format("%H:%M"))
        },
        m,
        c,
        ctx,
    };
    render(&page)
}
