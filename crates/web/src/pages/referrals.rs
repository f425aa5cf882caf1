//! 行刑衔接 — referrals of suspected crimes (the list, one referral with its clocks, documents, history
//! and the step the caller may take now, its printed 移送书 and its package), the 应移未移 flags with
//! their written disposition, and the procuratorate's opinions with their answers.

use super::labels::label;
use super::{agency_label, agency_options, render, render_form, see_other};
use super::{FormData, FormErrors, Params, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::{Id, IdAnd};
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::enforcement::cases;
use orewatch_app::enforcement::referrals::{self, Referral, ReferralView, StepInput};
use orewatch_app::enforcement::{flags, opinions};
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::AppError;
use orewatch_domain::field::yuan_text;
use orewatch_domain::flag::{FlagFlow, FlagRule, FlagStep, StoredGrounds};
use orewatch_domain::referral::{RefStep, ReferralFlow};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::Workflow;
use orewatch_domain::{AgencyCode, FieldErrors, FlagId, OpinionId, ReferralId};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/referrals", get(list))
        .route("/referrals/{id}", get(show))
        .route("/referrals/{id}/print", get(print))
        .route(
            "/referrals/{id}/{step}",
            post(step).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/referrals/files/{id}", get(download))
        .route("/flags", get(flag_list))
        .route("/flags/{id}", get(flag_page).post(dispose))
        .route("/opinions", get(opinion_list).post(record_opinion))
        .route("/opinions/{id}/answer", post(answer_opinion))
}

/// One referral in a list.
pub struct RefRow {
    pub id: ReferralId,
    pub number: String,
    pub case_id: orewatch_domain::CaseId,
    pub case_no: String,
    pub mine: String,
    pub receiver: String,
    pub suspected: String,
    pub state: String,
    pub state_class: &'static str,
    pub reported: String,
}

pub fn ref_row(ctx: &Ctx, r: &Referral) -> RefRow {
    RefRow {
        id: r.id,
        number: r.referral_no.clone().unwrap_or_default(),
        case_id: r.case_id,
        case_no: r.case_no.clone(),
        mine: r.mine_name.clone(),
        receiver: r.receiver_name.clone(),
        suspected: r.suspected.clone(),
        state: label(ctx, "referral_state", r.state.as_str()),
        state_class: super::state_class::<ReferralFlow>(r.state),
        reported: ctx.time(&r.reported_at),
    }
}

/// One flag in a list.
pub struct FlagRow {
    pub id: FlagId,
    pub case_id: orewatch_domain::CaseId,
    pub case_no: String,
    pub mine: String,
    pub agency: String,
    pub rule: String,
    pub details: String,
    pub raised: String,
    pub dispose_by: String,
    pub state: String,
    pub state_class: &'static str,
    pub late: bool,
    pub disposition: String,
}

/// Why a flag was raised, in the reader's language (`flag_grounds.*`); words stored before grounds were
/// facts are shown as written.
fn grounds_text(ctx: &Ctx, rule: FlagRule, stored: &StoredGrounds) -> String {
    let g = match stored {
        StoredGrounds::Facts(g) => g,
        StoredGrounds::Words(text) => return text.clone(),
    };
    let mining = if g.out_of_bounds {
        ctx.t("flag_grounds.out_of_bounds").to_string()
    } else {
        String::new()
    };
    let value = g
        .value
        .as_ref()
        .map(|v| {
            let key = if v.appraised {
                "flag_grounds.appraised"
            } else {
                "flag_grounds.estimated"
            };
            let restricted = if v.restricted {
                ctx.t("flag_grounds.restricted").to_string()
            } else {
                String::new()
            };
            let figures = [
                ("value", yuan_text(v.value_fen)),
                ("threshold", yuan_text(v.threshold_fen)),
            ];
            ctx.tf(key, &figures) + &restricted
        })
        .unwrap_or_default();
    let decision = g
        .decision_no
        .as_ref()
        .map(|n| ctx.tf("flag_grounds.decision", &[("number", n.clone())]))
        .unwrap_or_default();
    let prior: Vec<String> = g.prior_penalties.iter().map(|d| d.to_string()).collect();
    let args = [
        ("case_no", g.case_no.clone()),
        ("mining", mining),
        ("value", value),
        ("days", g.after_days.to_string()),
        ("count", prior.len().to_string()),
        ("dates", prior.join("、")),
        ("decision", decision),
    ];
    ctx.tf(&format!("flag_grounds.{}", rule.as_str()), &args)
}

pub fn flag_row(ctx: &Ctx, agencies: &[AgencyRecord], f: &flags::Flag, today: chrono::NaiveDate) -> FlagRow {
    FlagRow {
        id: f.id,
        case_id: f.case_id,
        case_no: f.case_no.clone(),
        mine: f.mine_name.clone(),
        agency: agency_label(ctx, agencies, Some(f.agency.as_str())),
        rule: label(ctx, "flag_rule", f.rule.as_str()),
        details: grounds_text(ctx, f.rule, &f.details),
        raised: ctx.time(&f.raised_at),
        dispose_by: f.dispose_by_on.to_string(),
        state: label(ctx, "flag_state", FlagFlow::state(f).as_str()),
        state_class: super::state_class::<FlagFlow>(FlagFlow::state(f)),
        late: f.late(today),
        disposition: match (&f.disposition, &f.disposed_by_label, &f.disposed_at) {
            (Some(d), Some(by), Some(at)) => format!("{d}（{by} · {}）", ctx.time(at)),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ListPage {
    ctx: Ctx,
    tab: &'static str,
    referrals: Vec<RefRow>,
    flags: Vec<FlagRow>,
    opinions: Vec<OpinionRow>,
    open_flags: usize,
    agencies: Vec<SelectOption>,
    may_record: bool,
    today: String,
    errors: FormErrors,
    form: FormData,
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let agency = super::query_value(&query, "agency").and_then(|a| AgencyCode::parse(&a).ok());
    let found = referrals::list(&state.app, &caller, agency.as_ref()).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let members: Vec<AgencyRecord> = agencies.iter().filter(|a| a.is_member()).cloned().collect();
    let open_flags = flags::list(&state.app, &caller, None)
        .await?
        .iter()
        .filter(|f| f.open())
        .count();
    let view = ListPage {
        tab: "referrals",
        referrals: found.iter().map(|r| ref_row(&ctx, r)).collect(),
        flags: Vec::new(),
        opinions: Vec::new(),
        open_flags,
        agencies: agency_options(
            &ctx,
            &members,
            agency.as_ref().map(AgencyCode::as_str).unwrap_or_default(),
        ),
        may_record: false,
        today: String::new(),
        errors: FormErrors::default(),
        form: FormData::default(),
        ctx,
    };
    render(&view)
}

async fn flag_list(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let all = flags::list(&state.app, &caller, None).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let today = local_date(state.app.now());
    let view = ListPage {
        tab: "flags",
        referrals: Vec::new(),
        open_flags: all.iter().filter(|f| f.open()).count(),
        flags: all.iter().map(|f| flag_row(&ctx, &agencies, f, today)).collect(),
        opinions: Vec::new(),
        agencies: Vec::new(),
        may_record: false,
        today: String::new(),
        errors: FormErrors::default(),
        form: FormData::default(),
        ctx,
    };
    render(&view)
}

/// One opinion in the list.
pub struct OpinionRow {
    pub id: OpinionId,
    pub doc_no: String,
    pub from_body: String,
    pub agency: String,
    pub mine: String,
    pub case_id: Option<orewatch_domain::CaseId>,
    pub summary: String,
    pub received: String,
    pub answer_by: String,
    pub late: bool,
    pub answer: String,
    pub may_answer: bool,
}

async fn opinion_screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let all = opinions::list(&state.app, &caller, None).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let today = local_date(state.app.now());
    let open_flags = flags::list(&state.app, &caller, None)
        .await?
        .iter()
        .filter(|f| f.open())
        .count();
    let rows = all
        .iter()
        .map(|(o, may_answer)| OpinionRow {
            id: o.id,
            doc_no: o.doc_no.clone(),
            from_body: o.from_body.clone(),
            agency: agency_label(&ctx, &agencies, Some(o.agency.as_str())),
            mine: o.mine_name.clone().unwrap_or_default(),
            case_id: o.case_id,
            summary: o.summary.clone(),
            received: o.received_on.to_string(),
            answer_by: o.answer_by_on.to_string(),
            late: o.late(today),
            answer: match (&o.answer, &o.answered_on, &o.answered_by_label) {
                (Some(a), Some(on), Some(by)) => format!("{a}（{by} · {on}）"),
                _ => String::new(),
            },
            may_answer: *may_answer,
        })
        .collect();
    let may_record = opinions::may_record(&caller);
    let view = ListPage {
        tab: "opinions",
        referrals: Vec::new(),
        flags: Vec::new(),
        opinions: rows,
        open_flags,
        agencies: Vec::new(),
        may_record,
        today: today.to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn opinion_list(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    opinion_screen(&state, ctx, FormData::default(), None).await
}

async fn record_opinion(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let input = opinions::OpinionInput {
        doc_no: form.get("doc_no"),
        from_body: form.get("from_body"),
        received_on: form.get("received_on"),
        summary: form.get("summary"),
        mine: form.get("mine"),
        case: form.get("case"),
    };
    match opinions::record(&state.app, &ctx.caller(), &input).await {
        Ok(_) => Ok(see_other("/opinions?flash=saved")),
        Err(AppError::Invalid(errors)) => opinion_screen(&state, ctx, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn answer_opinion(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<OpinionId>,
    form: FormData,
) -> Result<Response, WebError> {
    match opinions::answer(&state.app, &ctx.caller(), id, form.get("answer")).await {
        Ok(()) => Ok(see_other("/opinions?flash=saved")),
        Err(AppError::Invalid(errors)) => opinion_screen(&state, ctx, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

/// A step form the caller may submit now.
pub struct StepForm {
    pub step: &'static str,
    pub label: String,
    /// Needs a reason or a text (required).
    pub text_required: bool,
    pub text_label: String,
    /// The filing's case number field.
    pub case_no: bool,
    /// The transfer's items and appraisal fields.
    pub transfer: bool,
    /// The receipt scan of an outside body.
    pub scan: bool,
    pub primary: bool,
}

/// One line of the five-document checklist.
pub struct CheckLine {
    pub label: String,
    pub present: bool,
}

#[derive(Template)]
#[template(path = "referral.html")]
struct ShowPage {
    ctx: Ctx,
    v: ReferralView,
    number: String,
    state: String,
    state_class: &'static str,
    agency: String,
    receiver_kind: String,
    outside: bool,
    reported: String,
    decided: String,
    checklist: Vec<CheckLine>,
    steps: Vec<StepForm>,
    events: Vec<super::present::EventRow>,
    tasks: Vec<super::present::TaskLine>,
    files: Vec<super::present::FileRow>,
    errors: FormErrors,
    form: FormData,
}

/// The forms of the steps the caller may take now (the kernel's open steps).
fn step_forms(ctx: &Ctx, v: &ReferralView) -> Vec<StepForm> {
    v.open
        .iter()
        .enumerate()
        .map(|(i, s)| StepForm {
            step: s.as_str(),
            label: label(ctx, "referral_step", s.as_str()),
            text_required: s.needs_text(),
            text_label: label(ctx, "referral_text", s.as_str()),
            case_no: *s == RefStep::File,
            transfer: *s == RefStep::Transfer,
            scan: *s == RefStep::Acknowledge && v.referral.outside(),
            primary: i == 0,
        })
        .collect()
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: ReferralId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let v = referrals::show(&state.app, &caller, id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let r = &v.referral;
    let now = state.app.now();
    let view = ShowPage {
        number: r.referral_no.clone().unwrap_or_default(),
        state: label(&ctx, "referral_state", r.state.as_str()),
        state_class: super::state_class::<ReferralFlow>(r.state),
        agency: agency_label(&ctx, &agencies, Some(r.agency.as_str())),
        receiver_kind: label(&ctx, "receiver", r.receiver.as_str()),
        outside: r.outside(),
        reported: format!("{} · {}", ctx.time(&r.reported_at), r.reported_by_label),
        decided: match (&r.decided_by_label, &r.decided_at) {
            (Some(by), Some(at)) => format!("{by} · {}", ctx.time(at)),
            _ => String::new(),
        },
        checklist: v
            .package
            .checklist()
            .into_iter()
            .map(|(d, present)| CheckLine {
                label: label(&ctx, "referral_doc", d.as_str()),
                present,
            })
            .collect(),
        steps: step_forms(&ctx, &v),
        events: super::present::history(&ctx, "referral_step", &r.events, false),
        tasks: super::present::task_lines(&ctx, &agencies, &v.open_tasks, now),
        files: super::present::file_rows(&ctx, &v.attachments),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        v,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<ReferralId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, FormData::default(), None).await
}

async fn step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, step): IdAnd<ReferralId>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let Ok(step) = RefStep::parse(&step) else {
        return Err(super::not_found().await);
    };
    let parts = crate::upload::read(&headers, body).await;
    let text = |name: &str| crate::upload::text(&parts, name);
    let (note, police_case_no, items, no_appraisal) = (
        text("note"),
        text("police_case_no"),
        text("items"),
        text("no_appraisal_reason"),
    );
    let input = StepInput {
        note: &note,
        police_case_no: &police_case_no,
        items: &items,
        no_appraisal_reason: &no_appraisal,
        files: crate::upload::evidence(&parts, "files"),
    };
    match referrals::step(&state.app, &ctx.caller(), id, step, &input).await {
        Ok(()) => Ok(see_other(&format!("/referrals/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => {
            let mut form = FormData::default();
            for (k, v) in [
                ("note", note.clone()),
                ("police_case_no", police_case_no.clone()),
                ("items", items.clone()),
                ("no_appraisal_reason", no_appraisal.clone()),
                ("step", step.as_str().to_string()),
            ] {
                form.0.insert(k.into(), v);
            }
            show_screen(&state, ctx, id, form, Some(&errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn download(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<orewatch_domain::AttachmentId>,
) -> Result<Response, WebError> {
    let (attachment, bytes) = referrals::file(&state.app, &ctx.caller(), id).await?;
    Ok(super::file_download(
        &attachment.file_name,
        &attachment.content_type,
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "referral_print.html")]
struct PrintPage {
    ctx: Ctx,
    v: ReferralView,
    agency: String,
    rows: Vec<(&'static str, String)>,
    date: String,
}

/// The printed 涉嫌犯罪案件移送书 — the same fields as the package's letter.
async fn print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<ReferralId>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let v = referrals::show(&state.app, &caller, id).await?;
    if v.referral.referral_no.is_none() {
        return Err(super::not_found().await);
    }
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let day = v
        .referral
        .transferred_at
        .map(local_date)
        .unwrap_or_else(|| local_date(state.app.now()));
    let page = PrintPage {
        agency: agency_label(&ctx, &agencies, Some(v.referral.agency.as_str())),
        rows: referrals::letter_rows(&v.referral, &v.case),
        date: orewatch_domain::field::chinese_date(day),
        v,
        ctx,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "flag.html")]
struct FlagPage {
    ctx: Ctx,
    f: FlagRow,
    may_dispose: bool,
    errors: FormErrors,
    form: FormData,
}

async fn flag_screen(
    state: &WebState,
    ctx: Ctx,
    id: FlagId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let (flag, open) = flags::show(&state.app, &caller, id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let view = FlagPage {
        f: flag_row(&ctx, &agencies, &flag, local_date(state.app.now())),
        may_dispose: open.contains(&FlagStep::Dispose),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn flag_page(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<FlagId>,
) -> Result<Response, WebError> {
    flag_screen(&state, ctx, id, FormData::default(), None).await
}

async fn dispose(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<FlagId>,
    form: FormData,
) -> Result<Response, WebError> {
    match flags::dispose(&state.app, &ctx.caller(), id, form.get("disposition")).await {
        Ok(()) => Ok(see_other(&format!("/flags/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => flag_screen(&state, ctx, id, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

/// What the case page shows of its referrals and flags, and whether it offers a report.
pub struct CaseReferrals {
    pub referrals: Vec<RefRow>,
    pub flags: Vec<FlagRow>,
    pub may_report: bool,
    pub receivers: Vec<SelectOption>,
    pub members: Vec<SelectOption>,
}

pub async fn of_case(
    state: &WebState,
    ctx: &Ctx,
    case: &cases::Case,
    agencies: &[AgencyRecord],
    form: &FormData,
) -> Result<CaseReferrals, WebError> {
    let caller = ctx.caller();
    let list = referrals::of_case(&state.app, &caller, case).await?;
    let case_flags = flags::list(&state.app, &caller, Some(case.id)).await?;
    let today = local_date(state.app.now());
    let may_report = referrals::may_report(&state.app, &caller, case).await?;
    let members: Vec<AgencyRecord> = agencies
        .iter()
        .filter(|a| a.is_member() && a.code != case.agency)
        .cloned()
        .collect();
    Ok(CaseReferrals {
        referrals: list.iter().map(|r| ref_row(ctx, r)).collect(),
        flags: case_flags
            .iter()
            .map(|f| flag_row(ctx, agencies, f, today))
            .collect(),
        may_report,
        receivers: <orewatch_domain::referral::Receiver as strum::IntoEnumIterator>::iter()
            .map(|r| {
                SelectOption::new(
                    r.as_str(),
                    label(ctx, "receiver", r.as_str()),
                    form.get("receiver"),
                )
            })
            .collect(),
        members: agency_options(ctx, &members, form.get("receiver_agency")),
    })
}
