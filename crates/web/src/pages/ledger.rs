//! 整改台账 — the ledger (filters by agency, township, category, state, source, overdue, listed; pages),
//! recording a finding, and one finding with its history, evidence, open tasks and the forms of the
//! steps the caller may take now. Overdue findings are red everywhere.

use super::labels::label;
use super::{
    agency_label, agency_options, filter_query, query_value, render, render_form, see_other, FormData,
    FormErrors, Pager, Params, SelectOption,
};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::{Id, IdAnd};
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::ledger::findings::FindingStep;
use orewatch_app::ledger::findings::{self, FindingInput, FindingView};
use orewatch_app::ledger::findings::{Finding, LedgerFilter};
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::registry::townships;
use orewatch_app::AppError;
use orewatch_domain::finding::{FindingSource, FindingState, Severity};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::{AgencyCode, FieldErrors, FindingId, MineId};
use std::collections::HashMap;
use strum::IntoEnumIterator;

const PAGE_SIZE: i64 = 25;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/ledger", get(list).post(create))
        .route("/ledger/new", get(new_form))
        .route("/ledger/export.xlsx", get(export))
        .route("/findings/{id}", get(show))
        .route("/findings/{id}/print/{doc}", get(print))
        .route("/findings/{id}/{step}", post(step))
        .route(
            "/findings/{id}/evidence",
            post(evidence).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/findings/files/{id}", get(download))
}

fn filter_of(query: &HashMap<String, String>) -> LedgerFilter {
    LedgerFilter {
        agency: query_value(query, "agency").and_then(|a| AgencyCode::parse(&a).ok()),
        township: query_value(query, "township"),
        category: query_value(query, "category"),
        state: query_value(query, "state").and_then(|s| FindingState::parse(&s).ok()),
        source: query_value(query, "source").and_then(|s| FindingSource::parse(&s).ok()),
        mine: query_value(query, "mine")
            .and_then(|m| m.parse::<i64>().ok())
            .map(MineId),
        overdue: query.get("overdue").is_some_and(|v| v == "1"),
        listed: query.get("listed").is_some_and(|v| v == "1"),
        include_closed: query.get("closed").is_some_and(|v| v == "1"),
    }
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct ListPage {
    ctx: Ctx,
    agencies: Vec<SelectOption>,
    townships: Vec<SelectOption>,
    categories: Vec<SelectOption>,
    states: Vec<SelectOption>,
    sources: Vec<SelectOption>,
    overdue: bool,
    listed: bool,
    closed: bool,
    rows: Vec<super::present::FindingRow>,
    empty: String,
    pager: Pager,
    may_record: bool,
    export_href: String,
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let page = Pager::requested(&query);
    let filter = filter_of(&query);
    let found = findings::ledger(
        &state.app,
        &caller,
        &filter,
        PAGE_SIZE,
        Pager::offset(page, PAGE_SIZE),
    )
    .await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let categories = findings::categories(&state.app, &caller).await?;
    let township_names = townships::list(&state.app, &caller).await?;
    let today = local_date(state.app.now());
    let value = |k: &str| query_value(&query, k).unwrap_or_default();
    let filtered = !filter_query(&query).is_empty();
    let view = ListPage {
        agencies: agency_options(&ctx, &agencies, &value("agency")),
        townships: township_names
            .iter()
            .map(|t| SelectOption::new(t.name.as_str(), t.name.as_str(), &value("township")))
            .collect(),
        categories: categories
            .iter()
            .map(|c| {
                let text = match ctx.lang() {
                    crate::i18n::Lang::En => c.label_en.as_str(),
                    _ => c.label_zh.as_str(),
                };
                SelectOption::new(c.code.as_str(), text, &value("category"))
            })
            .collect(),
        states: FindingState::ALL
            .iter()
            .map(|s| {
                SelectOption::new(
                    s.as_str(),
                    label(&ctx, "finding_state", s.as_str()),
                    &value("state"),
                )
            })
            .collect(),
        sources: FindingSource::iter()
            .map(|s| {
                SelectOption::new(
                    s.as_str(),
                    label(&ctx, "finding_source", s.as_str()),
                    &value("source"),
                )
            })
            .collect(),
        overdue: filter.overdue,
        listed: filter.listed,
        closed: filter.include_closed,
        rows: found
            .rows
            .iter()
            .map(|f| super::present::finding_row(&ctx, &agencies, f, today))
            .collect(),
        empty: ctx.empty_text(filtered).to_string(),
        pager: Pager::new(&ctx, "/ledger", &query, page, PAGE_SIZE, found.total),
        may_record: may_record(&ctx),
        export_href: format!("/ledger/export.xlsx?{}", filter_query(&query)),
        ctx,
    };
    render(&view)
}

/// The filtered ledger (every page) as a workbook.
async fn export(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let bytes = orewatch_app::ledger::export::export(&state.app, &ctx.caller(), &filter_of(&query)).await?;
    Ok(super::xlsx("整改台账.xlsx", bytes))
}

/// Whether the caller may record a finding at all: in its own agency's name, or (the office) in the
/// natural-resources bureau's, which the office may as it may for any agency.
fn may_record(ctx: &Ctx) -> bool {
    let caller = ctx.caller();
    let agency = caller.agency().cloned().or_else(|| AgencyCode::parse("nr").ok());
    agency.is_some_and(|a| caller.may(Action::RecordFinding, &Resource::Agency(a)))
}

#[derive(Template)]
#[template(path = "finding_new.html")]
struct NewPage {
    ctx: Ctx,
    form: FormData,
    errors: FormErrors,
    agencies: Vec<SelectOption>,
    categories: Vec<(String, Vec<SelectOption>)>,
    sources: Vec<SelectOption>,
    severities: Vec<SelectOption>,
}

async fn new_screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let categories = findings::categories(&state.app, &caller).await?;
    // An agency records in its own name; the office picks the agency.
    let own = caller
        .agency()
        .filter(|_| caller.role() != Some(orewatch_domain::Role::Office));
    let agency_choices: Vec<AgencyRecord> = agencies
        .iter()
        .filter(|a| a.is_member() && own.is_none_or(|o| *o == a.code))
        .cloned()
        .collect();
    let mut groups: Vec<(String, Vec<SelectOption>)> = Vec::new();
    for c in &categories {
        let group = label(&ctx, "category_group", &c.group);
        let text = match ctx.lang() {
            crate::i18n::Lang::En => c.label_en.as_str(),
            _ => c.label_zh.as_str(),
        };
        let option = SelectOption::new(c.code.as_str(), text, form.get("category"));
        match groups.last_mut() {
            Some((g, options)) if *g == group => options.push(option),
            _ => groups.push((group, vec![option])),
        }
    }
    let source = if form.get("source").is_empty() {
        if own.is_some() {
            "agency_inspection"
        } else {
            "joint_inspection"
        }
    } else {
        form.get("source")
    };
    let severity = if form.get("severity").is_empty() {
        "general"
    } else {
        form.get("severity")
    };
    let view = NewPage {
        agencies: agency_options(&ctx, &agency_choices, form.get("agency")),
        categories: groups,
        sources: FindingSource::iter()
            .map(|s| SelectOption::new(s.as_str(), label(&ctx, "finding_source", s.as_str()), source))
            .collect(),
        severities: Severity::iter()
            .map(|s| SelectOption::new(s.as_str(), label(&ctx, "severity", s.as_str()), severity))
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
    if !may_record(&ctx) {
        return Err(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role).into());
    }
    let mut form = FormData::default();
    if let Some(mine) = query_value(&query, "mine_name") {
        form.0.insert("mine".into(), mine);
    }
    new_screen(&state, ctx, form, None).await
}

async fn create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let agency = match (caller.role(), caller.agency()) {
        (Some(orewatch_domain::Role::Office), _) | (_, None) => form.get("agency").to_string(),
        (_, Some(own)) => own.as_str().to_string(),
    };
    let input = FindingInput {
        mine: form.get("mine"),
        source: form.get("source"),
        source_ref: form.get("source_ref"),
        category: form.get("category"),
        description: form.get("description"),
        legal_basis: form.get("legal_basis"),
        severity: form.get("severity"),
        agency: &agency,
        measures: form.get("measures"),
        found_on: form.get("found_on"),
        deadline_on: form.get("deadline_on"),
    };
    match findings::record(&state.app, &caller, &input).await {
        Ok(id) => Ok(see_other(&format!("/findings/{id}?flash=created"))),
        Err(AppError::Invalid(errors)) => new_screen(&state, ctx, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "finding.html")]
struct ShowPage {
    ctx: Ctx,
    f: Finding,
    r: super::present::FindingRow,
    source: String,
    events: Vec<super::present::EventRow>,
    files: Vec<super::present::FileRow>,
    tasks: Vec<super::present::TaskLine>,
    form: FormData,
    errors: FormErrors,
    may_notice: bool,
    may_evidence: bool,
    may_extend: bool,
    may_start_review: bool,
    may_conclude: bool,
    may_decide: bool,
    may_list: bool,
    may_delist: bool,
    /// The penalty cases about this finding: link, number, state.
    cases: Vec<(orewatch_domain::CaseId, String, String)>,
    may_file_case: bool,
    today: String,
    /// Where a finding from a drone survey came from, and what a later flight shows.
    monitoring: Option<super::proposals::MonitoringLine>,
    may_attach_reflight: bool,
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    finding_id: FindingId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let FindingView {
        finding: f,
        attachments,
        open_tasks,
        overdue: _,
        today,
        open,
    } = findings::show(&state.app, &caller, finding_id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let may = |step: FindingStep| open.contains(&step);
    let now = state.app.now();
    let cases = orewatch_app::enforcement::cases::list(
        &state.app,
        &caller,
        &orewatch_app::enforcement::cases::CaseFilter {
            finding: Some(f.id),
            include_closed: true,
            ..Default::default()
        },
        20,
        0,
    )
    .await?
    .rows
    .iter()
    .map(|c| {
        (
            c.id,
            c.case_no.clone(),
            label(&ctx, "case_state", c.state.as_str()),
        )
    })
    .collect();
    let monitoring = orewatch_app::surveys::proposals::of_finding(&state.app, &caller, finding_id)
        .await?
        .map(|m| super::proposals::monitoring_line(&ctx, &m));
    let may_file_case = caller
        .agency()
        .is_some_and(|a| caller.may(Action::FileCase, &Resource::Agency(a.clone())));
    let view = ShowPage {
        r: super::present::finding_row(&ctx, &agencies, &f, today),
        source: format!(
            "{}{}",
            label(&ctx, "finding_source", f.source.as_str()),
            f.source_ref
                .as_deref()
                .map(|r| format!(" · {r}"))
                .unwrap_or_default()
        ),
        events: super::present::history(&ctx, "finding_event", &f.events, true),
        files: super::present::file_rows(&ctx, &attachments),
        tasks: super::present::task_lines(&ctx, &agencies, &open_tasks, now),
        may_notice: may(FindingStep::IssueNotice),
        may_evidence: may(FindingStep::ApplyForClosure),
        may_extend: may(FindingStep::RequestExtension),
        may_start_review: may(FindingStep::StartReview),
        may_conclude: may(FindingStep::Pass),
        may_attach_reflight: may(FindingStep::AddReviewEvidence)
            && monitoring.as_ref().is_some_and(|m| m.reflight.is_some()),
        monitoring,
        may_decide: may(FindingStep::GrantExtension),
        may_list: may(FindingStep::List),
        may_delist: may(FindingStep::Delist),
        cases,
        may_file_case,
        today: today.to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        f,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<FindingId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, FormData::default(), None).await
}

async fn step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, step): IdAnd<FindingId>,
    form: FormData,
) -> Result<Response, WebError> {
    let app = &state.app;
    let caller = ctx.caller();
    let result = match step.as_str() {
        "notice" => findings::issue_notice(app, &caller, id).await.map(|_| ()),
        "review" => findings::start_review(app, &caller, id).await,
        "pass" => findings::conclude_review(app, &caller, id, true, form.get("opinion")).await,
        "return" => findings::conclude_review(app, &caller, id, false, form.get("opinion")).await,
        "extension" => {
            findings::request_extension(app, &caller, id, form.get("until"), form.get("reason")).await
        }
        "grant" => findings::decide_extension(app, &caller, id, true, form.get("note")).await,
        "refuse" => findings::decide_extension(app, &caller, id, false, form.get("note")).await,
        "list" => {
            findings::list_for_supervision(app, &caller, id, form.get("until"), form.get("reason")).await
        }
        "delist" => findings::delist(app, &caller, id, form.get("reason")).await,
        "reflight" => orewatch_app::surveys::proposals::attach_reflight(app, &caller, id).await,
        _ => return Err(super::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/findings/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn evidence(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<FindingId>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let parts = crate::upload::read(&headers, body).await;
    let note = crate::upload::text(&parts, "note");
    let files = crate::upload::evidence(&parts, "files");
    match findings::apply_for_closure(&state.app, &ctx.caller(), id, &note, &files).await {
        Ok(()) => Ok(see_other(&format!("/findings/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => {
            let mut form = FormData::default();
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
    let (attachment, bytes) = findings::evidence(&state.app, &ctx.caller(), attachment_id).await?;
    Ok(super::file_download(
        &attachment.file_name,
        &attachment.content_type,
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "finding_print.html")]
struct PrintPage {
    ctx: Ctx,
    f: Finding,
    review: bool,
    title: String,
    number: String,
    agency: String,
    found: String,
    deadline: String,
    issued: String,
    decided: String,
    officers: Vec<orewatch_app::inspections::acts::ActOfficer>,
}

/// The printed 责令限期整改通知书 (once the order is issued) or 整改复查意见书 (once verified).
async fn print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, doc): IdAnd<FindingId>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = findings::show(&state.app, &caller, id).await?;
    let f = view.finding;
    let review = match doc.as_str() {
        "notice" => false,
        "review" => true,
        _ => return Err(super::not_found().await),
    };
    let Some(notice_no) = f.notice_no.clone() else {
        return Err(super::not_found().await);
    };
    if review && f.verified_at.is_none() {
        return Err(super::not_found().await);
    }
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let officers = match (&f.source_ref, review) {
        (Some(r), false) => {
            orewatch_app::inspections::acts::officers_of_record(&state.app, &caller, r).await?
        }
        _ => Vec::new(),
    };
    let date = orewatch_domain::field::chinese_date;
    let page = PrintPage {
        review,
        title: ctx
            .t(if review {
                "print.review_title"
            } else {
                "print.notice_title"
            })
            .to_string(),
        number: if review {
            orewatch_domain::document::review_number(&notice_no)
        } else {
            notice_no
        },
        agency: agency_label(&ctx, &agencies, Some(f.agency.as_str())),
        found: date(f.found_on),
        deadline: date(f.deadline_on),
        issued: f
            .notice_issued_at
            .as_ref()
            .map(|t| ctx.date(t))
            .unwrap_or_default(),
        decided: f.verified_at.as_ref().map(|t| ctx.date(t)).unwrap_or_default(),
        officers,
        f,
        ctx,
    };
    render(&page)
}
