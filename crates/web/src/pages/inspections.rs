//! 联合检查 — the annual plan and its versions, the joint inspections with their coverage, each
//! agency's act (approval, the on-site checklist with photos drawn on the mine, signing, problems onto
//! the ledger), the printable 现场检查笔录, and the inspector register and checklist templates.

use super::labels::label;
use super::{
    agency_label, agency_options, query_value, render, render_form, see_other, FormData, FormErrors, Params,
    SelectOption,
};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::svg;
use crate::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::Datelike;
use orewatch_app::inspections::acts::{self, Act, FillInput, PhotoUpload, ProblemInput, ScheduleInput};
use orewatch_app::inspections::plans::{self, ItemInput, FOCUS_GROUPS};
use orewatch_app::inspections::register::{self, CardInput};
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::registry::mines as mine_cases;
use orewatch_app::AppError;
use orewatch_domain::inspection::{ActKind, ActState, ItemResult, PlanState, Template as ChecklistTemplate};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::FieldErrors;
use strum::IntoEnumIterator;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/plans", get(plan_list).post(plan_create))
        .route("/plans/{id}", get(plan_show))
        .route("/plans/{id}/{step}", post(plan_step))
        .route("/inspections", get(inspection_list).post(inspection_create))
        .route("/inspections/new", get(inspection_new))
        .route("/inspections/{id}", get(inspection_show))
        .route("/acts/{id}", get(act_show))
        .route("/acts/{id}/print", get(act_print))
        .route("/acts/{id}/{step}", post(act_step))
        .route(
            "/acts/{id}/photos",
            post(act_photo).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/acts/{id}/photos/{photo}", get(photo_download))
        .route("/register", get(register_show))
        .route("/register/{step}", post(register_step))
}

pub(super) use super::number;

/// The values of the checked boxes named `{prefix}{value}`.
pub(super) fn checked<'a>(form: &'a FormData, prefix: &str) -> Vec<&'a str> {
    let mut out: Vec<&str> = form
        .0
        .iter()
        .filter(|(k, v)| k.starts_with(prefix) && !v.is_empty())
        .filter_map(|(k, _)| k.strip_prefix(prefix))
        .collect();
    out.sort_unstable();
    out
}

/// The member agencies (those that inspect), for choosing.
pub(super) fn members(agencies: &[AgencyRecord]) -> Vec<AgencyRecord> {
    agencies.iter().filter(|a| a.is_member()).cloned().collect()
}

/// A checkbox of a list.
pub struct Choice {
    pub name: String,
    pub label: String,
    pub checked: bool,
}

pub(super) fn agency_choices(ctx: &Ctx, agencies: &[AgencyRecord], form: &FormData) -> Vec<Choice> {
    members(agencies)
        .iter()
        .map(|a| Choice {
            name: format!("agency_{}", a.code.as_str()),
            label: ctx.agency_name(a).to_string(),
            checked: !form.get(&format!("agency_{}", a.code.as_str())).is_empty(),
        })
        .collect()
}

async fn mine_choices(state: &WebState, ctx: &Ctx, form: &FormData) -> Result<Vec<Choice>, WebError> {
    Ok(acts::mine_choices(&state.app, &ctx.caller())
        .await?
        .iter()
        .map(|(id, name, township, status)| Choice {
            name: format!("mine_{}", id.0),
            label: format!(
                "{name}（{township}，{}）",
                label(ctx, "mine_status", status.as_str())
            ),
            checked: !form.get(&format!("mine_{}", id.0)).is_empty(),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------------
// Plans

pub struct PlanRow {
    pub id: i64,
    pub year: i32,
    pub version: i64,
    pub state: String,
    pub state_class: &'static str,
    pub drafted: String,
    pub decided: String,
}

fn plan_class(state: PlanState) -> &'static str {
    match state {
        PlanState::Approved => "ok",
        PlanState::Returned => "bad",
        PlanState::Submitted => "warn",
        PlanState::Draft | PlanState::Superseded => "",
    }
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlanListPage {
    ctx: Ctx,
    rows: Vec<PlanRow>,
    may_draft: bool,
    next_year: i32,
    form: FormData,
    errors: FormErrors,
}

async fn plan_list_screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let rows = plans::plans(&state.app, &caller)
        .await?
        .iter()
        .map(|p| PlanRow {
            id: p.id,
            year: p.year,
            version: p.version,
            state: label(&ctx, "plan_state", p.state.as_str()),
            state_class: plan_class(p.state),
            drafted: format!("{} · {}", ctx.time(&p.drafted_at), p.drafted_by_label),
            decided: match (&p.decided_at, &p.decided_by_label) {
                (Some(at), Some(by)) => format!("{} · {}", ctx.time(at), by),
                _ => String::new(),
            },
        })
        .collect();
    let view = PlanListPage {
        rows,
        may_draft: caller.may(Action::DraftPlan, &Resource::Installation),
        next_year: local_date(state.app.now()).year() + 1,
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn plan_list(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    plan_list_screen(&state, ctx, FormData::default(), None).await
}

async fn plan_create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    match plans::new_version(&state.app, &ctx.caller(), form.get("year"), form.get("reason")).await {
        Ok(id) => Ok(see_other(&format!("/plans/{id}?flash=created"))),
        Err(AppError::Invalid(e)) => plan_list_screen(&state, ctx, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

pub struct ItemRow {
    pub id: i64,
    pub quarter: u8,
    pub title: String,
    pub lead: String,
    pub agencies: String,
    pub focus: String,
    pub mines: String,
}

pub struct EventLine {
    pub at: String,
    pub what: String,
    pub by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    ctx: Ctx,
    id: i64,
    title: String,
    state: String,
    state_class: &'static str,
    reason: String,
    comments: String,
    items: Vec<ItemRow>,
    events: Vec<EventLine>,
    missing_quarters: String,
    missing_mines: Vec<String>,
    over_cap: Vec<String>,
    editable: bool,
    may_edit: bool,
    may_decide: bool,
    may_revise: bool,
    year: i32,
    agencies: Vec<SelectOption>,
    agency_boxes: Vec<Choice>,
    focus_boxes: Vec<Choice>,
    mine_boxes: Vec<Choice>,
    form: FormData,
    errors: FormErrors,
}

async fn plan_screen(
    state: &WebState,
    ctx: Ctx,
    id: i64,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = plans::show(&state.app, &caller, id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let p = &view.plan;
    let editable = matches!(p.state, PlanState::Draft | PlanState::Returned);
    let may_edit = editable && caller.may(Action::DraftPlan, &plans::resource(p));
    let items = p
        .items
        .iter()
        .map(|i| ItemRow {
            id: i.id,
            quarter: i.quarter,
            title: i.title.clone(),
            lead: agency_label(&ctx, &agencies, Some(i.lead.as_str())),
            agencies: i
                .agencies
                .iter()
                .map(|a| agency_label(&ctx, &agencies, Some(a.as_str())))
                .collect::<Vec<_>>()
                .join("、"),
            focus: i
                .focus
                .iter()
                .map(|f| label(&ctx, "category_group", f))
                .collect::<Vec<_>>()
                .join("、"),
            mines: i
                .mines
                .iter()
                .map(|m| view.mine_names.get(m).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    let focus_boxes = FOCUS_GROUPS
        .iter()
        .map(|g| Choice {
            name: format!("focus_{g}"),
            label: label(&ctx, "category_group", g),
            checked: !form.get(&format!("focus_{g}")).is_empty(),
        })
        .collect();
    let page = PlanPage {
        id: p.id,
        title: format!("{}年度联合检查计划 · 第{}版", p.year, p.version),
        state: label(&ctx, "plan_state", p.state.as_str()),
        state_class: plan_class(p.state),
        reason: p.reason.clone().unwrap_or_default(),
        comments: p.comments.clone().unwrap_or_default(),
        items,
        events: p
            .events
            .iter()
            .map(|e| EventLine {
                at: ctx.time(&e.at),
                what: label(&ctx, "plan_event", &e.kind),
                by: e.by_label.clone(),
                note: e.note.clone().unwrap_or_default(),
            })
            .collect(),
        missing_quarters: view
            .missing_quarters
            .iter()
            .map(|q| format!("第{q}季度"))
            .collect::<Vec<_>>()
            .join("、"),
        missing_mines: view.missing_mines.clone(),
        over_cap: view.over_cap.clone(),
        editable,
        may_edit,
        may_decide: p.state == PlanState::Submitted && caller.may(Action::DecidePlan, &plans::resource(p)),
        may_revise: p.state == PlanState::Approved && caller.may(Action::DraftPlan, &Resource::Installation),
        year: p.year,
        agencies: agency_options(&ctx, &members(&agencies), form.get("lead")),
        agency_boxes: agency_choices(&ctx, &agencies, &form),
        focus_boxes,
        mine_boxes: if may_edit {
            mine_choices(state, &ctx, &form).await?
        } else {
            Vec::new()
        },
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn plan_show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    plan_screen(&state, ctx, id, FormData::default(), None).await
}

async fn plan_step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path((raw, step)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    let app = &state.app;
    let caller = ctx.caller();
    let result = match step.as_str() {
        "items" => {
            let input = ItemInput {
                quarter: form.get("quarter"),
                title: form.get("title"),
                lead: form.get("lead"),
                agencies: checked(&form, "agency_"),
                focus: checked(&form, "focus_"),
                mines: checked(&form, "mine_"),
            };
            plans::add_item(app, &caller, id, &input).await
        }
        "remove" => match form.get("item").parse::<i64>() {
            Ok(item) => plans::remove_item(app, &caller, id, item).await,
            Err(_) => Err(AppError::invalid("item", orewatch_domain::Problem::Invalid)),
        },
        "submit" => plans::submit(app, &caller, id).await,
        "approve" => plans::decide(app, &caller, id, true, form.get("comments")).await,
        "return" => plans::decide(app, &caller, id, false, form.get("comments")).await,
        _ => return Err(super::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/plans/{id}?flash=saved"))),
        Err(AppError::Invalid(e)) => plan_screen(&state, ctx, id, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------------
// Joint inspections

pub struct InspectionRow {
    pub id: i64,
    pub title: String,
    pub date: String,
    pub lead: String,
    pub agencies: String,
    pub mines: usize,
    pub progress: String,
    pub closed: bool,
    pub drawn: bool,
    /// A drawn inspection whose list the reader may not see yet.
    pub hidden: bool,
}

pub struct QuarterRow {
    pub quarter: u8,
    pub planned: usize,
    pub scheduled: usize,
    pub held: usize,
    pub short: bool,
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionListPage {
    ctx: Ctx,
    year: i32,
    prev: i32,
    next: i32,
    rows: Vec<InspectionRow>,
    quarters: Vec<QuarterRow>,
    not_inspected: Vec<(i64, String)>,
    participation: Vec<(String, usize, usize)>,
    may_schedule: bool,
    may_grade: bool,
    /// The chosen quarter's figures (when the caller may read the ledger).
    figures: Option<FiguresView>,
    quarter_links: Vec<(u8, bool)>,
}

/// A quarter's ledger figures as shown.
pub struct FiguresView {
    pub quarter: u8,
    pub as_of: String,
    pub held: usize,
    pub scheduled: usize,
    pub recorded: usize,
    pub closed_on_time: usize,
    pub closed_late: usize,
    pub open: usize,
    pub open_overdue: usize,
    pub verified_in_time: usize,
    pub verified_late: usize,
    pub by_category: Vec<(String, usize)>,
    pub by_agency: Vec<(String, usize)>,
}

async fn inspection_list(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let this_year = local_date(state.app.now()).year();
    let year = query_value(&query, "year")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let list = acts::inspections(&state.app, &caller, year).await?;
    let coverage = acts::coverage(&state.app, &caller, year).await?;
    let today = local_date(state.app.now());
    let quarter = query_value(&query, "q")
        .and_then(|q| q.parse::<u8>().ok())
        .filter(|q| (1..=4).contains(q))
        .unwrap_or_else(|| {
            if year == today.year() {
                orewatch_domain::inspection::quarter_of(today)
            } else {
                4
            }
        });
    let figures = if caller.may(Action::ViewLedger, &Resource::Installation) {
        let q = orewatch_app::ledger::figures::quarter(&state.app, &caller, year, quarter).await?;
        let categories = orewatch_app::ledger::findings::categories(&state.app, &caller).await?;
        let category_name = |code: &str| {
            categories
                .iter()
                .find(|c| c.code == code)
                .map_or_else(|| code.to_string(), |c| c.label_zh.clone())
        };
        let f = &q.figures;
        let mut by_category: Vec<(String, usize)> = f
            .by_category
            .iter()
            .map(|(c, n)| (category_name(c), *n))
            .collect();
        by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut by_agency: Vec<(String, usize)> = f
            .by_agency
            .iter()
            .map(|(a, n)| (agency_label(&ctx, &agencies, Some(a.as_str())), *n))
            .collect();
        by_agency.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Some(FiguresView {
            quarter,
            as_of: q.as_of.to_string(),
            held: q.inspections_held,
            scheduled: q.inspections_scheduled,
            recorded: f.recorded,
            closed_on_time: f.closed_on_time,
            closed_late: f.closed_late,
            open: f.open,
            open_overdue: f.open_overdue,
            verified_in_time: f.verified_in_time,
            verified_late: f.verified_late,
            by_category,
            by_agency,
        })
    } else {
        None
    };
    let view = InspectionListPage {
        figures,
        quarter_links: (1..=4).map(|q| (q, q == quarter)).collect(),
        rows: list
            .iter()
            .map(|i| InspectionRow {
                id: i.id,
                title: i.title.clone(),
                date: i.inspect_on.to_string(),
                lead: agency_label(&ctx, &agencies, Some(i.lead.as_str())),
                agencies: i
                    .agencies
                    .iter()
                    .map(|a| agency_label(&ctx, &agencies, Some(a.as_str())))
                    .collect::<Vec<_>>()
                    .join("、"),
                mines: i.mines.len(),
                progress: format!("{}/{}", i.acts_signed, i.acts),
                closed: i.closed,
                drawn: i.drawn,
                hidden: i.drawn && i.mines.is_empty(),
            })
            .collect(),
        quarters: coverage
            .quarters
            .iter()
            .map(|&(quarter, planned, scheduled, held)| QuarterRow {
                quarter,
                planned,
                scheduled,
                held,
                short: held < planned,
            })
            .collect(),
        not_inspected: coverage
            .not_inspected
            .iter()
            .map(|(id, n)| (id.0, n.clone()))
            .collect(),
        participation: coverage.agencies.clone(),
        may_schedule: caller.may(Action::ScheduleInspection, &Resource::Installation),
        may_grade: caller.may(Action::GradeMines, &Resource::Installation),
        year,
        prev: year - 1,
        next: year + 1,
        ctx,
    };
    render(&view)
}

#[derive(Template)]
#[template(path = "inspection_new.html")]
struct InspectionNewPage {
    ctx: Ctx,
    form: FormData,
    errors: FormErrors,
    agencies: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    agency_boxes: Vec<Choice>,
    mine_boxes: Vec<Choice>,
    today: String,
}

async fn inspection_new_screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    caller.require(Action::ScheduleInspection, &Resource::Installation)?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let view = InspectionNewPage {
        agencies: agency_options(&ctx, &members(&agencies), form.get("lead")),
        kinds: kind_options(&ctx, &form),
        agency_boxes: agency_choices(&ctx, &agencies, &form),
        mine_boxes: mine_choices(state, &ctx, &form).await?,
        today: local_date(state.app.now()).to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

/// The kinds of inspection to choose from (routine unless another was typed).
pub(super) fn kind_options(ctx: &Ctx, form: &FormData) -> Vec<SelectOption> {
    let kind = match form.get("kind") {
        "" => "routine",
        k => k,
    };
    ActKind::iter()
        .map(|k| SelectOption::new(k.as_str(), label(ctx, "act_kind", k.as_str()), kind))
        .collect()
}

/// A joint inspection's fields as `inspection_fields.html` sends them (no mines, no plan item).
pub(super) fn typed_inspection(form: &FormData) -> ScheduleInput<'_> {
    ScheduleInput {
        title: form.get("title"),
        inspect_on: form.get("inspect_on"),
        kind: form.get("kind"),
        lead: form.get("lead"),
        agencies: checked(form, "agency_"),
        ..ScheduleInput::default()
    }
}

async fn inspection_new(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    inspection_new_screen(&state, ctx, FormData::default(), None).await
}

async fn inspection_create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let input = ScheduleInput {
        mines: checked(&form, "mine_"),
        plan_item: form.get("plan_item"),
        ..typed_inspection(&form)
    };
    match acts::schedule(&state.app, &ctx.caller(), &input).await {
        Ok((id, _warnings)) => Ok(see_other(&format!("/inspections/{id}?flash=created"))),
        Err(AppError::Invalid(e)) => inspection_new_screen(&state, ctx, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

pub struct ActRow {
    pub id: i64,
    pub agency: String,
    pub mine: String,
    pub doc_no: String,
    pub state: String,
    pub state_class: &'static str,
    pub officers: String,
    pub problems: i64,
    pub signed: bool,
}

fn act_class(state: ActState) -> &'static str {
    match state {
        ActState::Signed => "ok",
        ActState::Approved => "warn",
        ActState::Requested => "",
    }
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct InspectionPage {
    ctx: Ctx,
    title: String,
    date: String,
    lead: String,
    closed: bool,
    progress: String,
    acts: Vec<ActRow>,
    over_cap: Vec<String>,
    drawn: bool,
    /// The drawn list is still secret from the reader.
    hidden: bool,
    hidden_notice: String,
    draw: Option<super::draws::DrawBlock>,
}

async fn inspection_show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    let view = acts::show(&state.app, &ctx.caller(), id).await?;
    let draw = if view.inspection.drawn {
        orewatch_app::inspections::draws::of_inspection(&state.app, &ctx.caller(), id)
            .await?
            .map(|d| super::draws::draw_block(&ctx, &d))
    } else {
        None
    };
    let i = &view.inspection;
    let name = |code: &orewatch_domain::AgencyCode| {
        view.agency_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.as_str().to_string())
    };
    let page = InspectionPage {
        title: i.title.clone(),
        date: i.inspect_on.to_string(),
        lead: name(&i.lead),
        closed: i.closed,
        progress: format!("{}/{}", i.acts_signed, i.acts),
        acts: view
            .acts
            .iter()
            .map(|a| ActRow {
                id: a.id,
                agency: name(&a.agency),
                mine: a.mine_name.clone(),
                doc_no: a.doc_no.clone().unwrap_or_default(),
                state: label(&ctx, "act_state", a.state.as_str()),
                state_class: act_class(a.state),
                officers: String::new(),
                problems: a.problems,
                signed: a.state == ActState::Signed,
            })
            .collect(),
        over_cap: view.over_cap.clone(),
        drawn: i.drawn,
        hidden: view.hidden,
        hidden_notice: ctx.tf("draw.hidden", &[("date", i.inspect_on.to_string())]),
        draw,
        ctx,
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------------------
// Acts

pub struct ItemLine {
    pub id: i64,
    pub seq: i64,
    pub text: String,
    pub result: String,
    pub result_label: String,
    pub note: String,
    pub finding: Option<orewatch_domain::FindingId>,
    pub is_problem: bool,
    pub options: Vec<SelectOption>,
}

pub struct PhotoLine {
    pub id: i64,
    pub n: usize,
    pub name: String,
    pub item: String,
    pub taken: String,
    pub position: String,
    pub by: String,
}

pub struct OfficerBox {
    pub account: i64,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "act.html")]
struct ActPage {
    ctx: Ctx,
    a: Act,
    agency: String,
    state: String,
    state_class: &'static str,
    kind: String,
    officers: String,
    items: Vec<ItemLine>,
    photos: Vec<PhotoLine>,
    drawing: String,
    register: Vec<OfficerBox>,
    kinds: Vec<SelectOption>,
    severities: Vec<SelectOption>,
    may_approve: bool,
    may_fill: bool,
    may_finding: bool,
    item_options: Vec<SelectOption>,
    form: FormData,
    errors: FormErrors,
}

/// The mine's first licence drawn with the numbered photo positions on it; photos without a position,
/// or too far from the licence to share its drawing, are listed without a mark.
async fn drawing_with_photos(
    state: &WebState,
    ctx: &Ctx,
    act: &Act,
) -> Result<(String, Vec<Option<usize>>), WebError> {
    let view = mine_cases::show(&state.app, &ctx.caller(), act.mine_id).await?;
    let Some(parcel) = view.licences.iter().find_map(|l| l.parcel.as_ref()) else {
        return Ok((String::new(), vec![None; act.photos.len()]));
    };
    let mut marks = Vec::new();
    let mut numbers = Vec::new();
    for (i, p) in act.photos.iter().enumerate() {
        let placed = match (p.lat, p.lon) {
            (Some(lat), Some(lon)) => svg::place_near(parcel, lat, lon).map(|(e, n)| {
                marks.push(svg::Mark {
                    easting: e,
                    northing: n,
                    label: (i + 1).to_string(),
                    href: format!("/acts/{}/photos/{}", act.id, p.id),
                });
                i + 1
            }),
            _ => None,
        };
        numbers.push(placed);
    }
    let (svg, _) = svg::licence_drawing_marked(parcel, &[], &[], &marks);
    Ok((svg, numbers))
}

async fn act_screen(
    state: &WebState,
    ctx: Ctx,
    id: i64,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = acts::show_act(&state.app, &caller, id).await?;
    let a = view.act;
    let resource = acts::resource(&a);
    let may_fill = a.state == ActState::Approved && view.is_officer && caller.may(Action::WorkAct, &resource);
    let (drawing, numbers) = drawing_with_photos(state, &ctx, &a).await?;
    let items = a
        .items
        .iter()
        .map(|i| {
            let current = match form.get(&format!("result_{}", i.id)) {
                "" => i.result.map(ItemResult::as_str).unwrap_or("").to_string(),
                typed => typed.to_string(),
            };
            let note = match form.0.get(&format!("note_{}", i.id)) {
                Some(typed) => typed.clone(),
                None => i.note.clone().unwrap_or_default(),
            };
            ItemLine {
                id: i.id,
                seq: i.seq,
                text: i.text.clone(),
                result_label: i
                    .result
                    .map(|r| label(&ctx, "item_result", r.as_str()))
                    .unwrap_or_default(),
                is_problem: i.result == Some(ItemResult::Problem),
                options: std::iter::once(SelectOption::new("", "—", &current))
                    .chain(ItemResult::iter().map(|r| {
                        SelectOption::new(r.as_str(), label(&ctx, "item_result", r.as_str()), &current)
                    }))
                    .collect(),
                result: current,
                note,
                finding: i.finding_id,
            }
        })
        .collect();
    let photos = a
        .photos
        .iter()
        .zip(numbers)
        .enumerate()
        .map(|(i, (p, mark))| PhotoLine {
            id: p.id,
            n: i + 1,
            name: p.file_name.clone(),
            item: p
                .item_id
                .and_then(|item| a.items.iter().find(|x| x.id == item))
                .map(|x| format!("第{}项", x.seq))
                .unwrap_or_default(),
            taken: p
                .taken_at
                .clone()
                .unwrap_or_else(|| ctx.t("act.time_unknown").to_string()),
            position: match (p.lat, p.lon, p.exif.as_str()) {
                (Some(lat), Some(lon), _) => format!(
                    "{lat:.6}, {lon:.6}{}",
                    if mark.is_some() { "" } else { ctx.t("act.far_away") }
                ),
                (_, _, "broken") => ctx.t("act.exif_broken").to_string(),
                _ => ctx.t("act.position_unknown").to_string(),
            },
            by: format!("{} · {}", ctx.time(&p.added_at), p.added_by_label),
        })
        .collect();
    let kind = if form.get("kind").is_empty() {
        a.kind.as_str()
    } else {
        form.get("kind")
    };
    let item_options = std::iter::once(SelectOption::new("", "—", form.get("item")))
        .chain(
            a.items
                .iter()
                .map(|i| SelectOption::new(i.id.to_string(), format!("第{}项", i.seq), form.get("item"))),
        )
        .collect();
    let page = ActPage {
        agency: view.agency_name,
        state: label(&ctx, "act_state", a.state.as_str()),
        state_class: act_class(a.state),
        kind: label(&ctx, "act_kind", a.kind.as_str()),
        officers: a
            .officers
            .iter()
            .map(|o| format!("{}（执法证号 {}）", o.name, o.card_no))
            .collect::<Vec<_>>()
            .join("、"),
        items,
        photos,
        drawing,
        register: view
            .register
            .iter()
            .map(|c| OfficerBox {
                account: c.account_id.0,
                label: format!("{}（{}，有效期至 {}）", c.holder, c.card_no, c.valid_until),
                checked: !form.get(&format!("officer_{}", c.account_id.0)).is_empty(),
            })
            .collect(),
        kinds: ActKind::iter()
            .map(|k| SelectOption::new(k.as_str(), label(&ctx, "act_kind", k.as_str()), kind))
            .collect(),
        severities: orewatch_domain::finding::Severity::iter()
            .map(|s| {
                SelectOption::new(
                    s.as_str(),
                    label(&ctx, "severity", s.as_str()),
                    form.get("severity"),
                )
            })
            .collect(),
        may_approve: a.state == ActState::Requested && caller.may(Action::ApproveAct, &resource),
        may_finding: a.state == ActState::Signed
            && a.items
                .iter()
                .any(|i| i.result == Some(ItemResult::Problem) && i.finding_id.is_none())
            && caller.may(Action::WorkAct, &resource),
        may_fill,
        item_options,
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        a,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn act_show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    act_screen(&state, ctx, id, FormData::default(), None).await
}

async fn act_step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path((raw, step)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    let app = &state.app;
    let caller = ctx.caller();
    let result = match step.as_str() {
        "approve" => acts::approve(app, &caller, id, form.get("kind"), &checked(&form, "officer_"))
            .await
            .map(|_| ()),
        "fill" | "sign" => {
            let mut answers = Vec::new();
            for (key, value) in &form.0 {
                if let Some(item) = key.strip_prefix("result_").and_then(|i| i.parse::<i64>().ok()) {
                    answers.push((item, value.as_str(), form.get(&format!("note_{item}"))));
                }
            }
            answers.sort_by_key(|a| a.0);
            let input = FillInput {
                place: form.get("place"),
                person_on_site: form.get("person_on_site"),
                started_at: form.get("started_at"),
                ended_at: form.get("ended_at"),
                summary: form.get("summary"),
                answers,
            };
            match acts::fill(app, &caller, id, &input).await {
                Ok(()) if step == "sign" => acts::sign(app, &caller, id).await,
                other => other,
            }
        }
        "finding" => match form.get("item").parse::<i64>() {
            Ok(item) => acts::to_finding(
                app,
                &caller,
                id,
                item,
                &ProblemInput {
                    severity: form.get("severity"),
                    deadline_on: form.get("deadline_on"),
                    legal_basis: form.get("legal_basis"),
                    measures: form.get("measures"),
                },
            )
            .await
            .map(|_| ()),
            Err(_) => Err(AppError::invalid("item", orewatch_domain::Problem::Invalid)),
        },
        _ => return Err(super::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/acts/{id}?flash=saved"))),
        Err(AppError::Invalid(e)) => act_screen(&state, ctx, id, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

async fn act_photo(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(raw): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    let parts = crate::upload::read(&headers, body).await;
    let item = parts
        .iter()
        .find(|p| p.name == "item")
        .and_then(|p| String::from_utf8_lossy(&p.data).trim().parse::<i64>().ok());
    let file = parts.iter().find(|p| p.name == "photo");
    let upload = PhotoUpload {
        name: file.and_then(|p| p.file_name.as_deref()).unwrap_or(""),
        bytes: file.map_or(&[][..], |p| &p.data[..]),
        item,
    };
    match acts::add_photo(&state.app, &ctx.caller(), id, &upload).await {
        Ok(_) => Ok(see_other(&format!("/acts/{id}?flash=saved"))),
        Err(AppError::Invalid(e)) => act_screen(&state, ctx, id, FormData::default(), Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

async fn photo_download(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path((raw, photo)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    let photo_id = number(&photo)?;
    let (photo, bytes) = acts::photo(&state.app, &ctx.caller(), id, photo_id).await?;
    Ok(super::file_download(&photo.file_name, &photo.content_type, bytes))
}

#[derive(Template)]
#[template(path = "act_print.html")]
struct ActPrintPage {
    ctx: Ctx,
    a: Act,
    agency: String,
    kind: String,
    problems: Vec<(i64, String, String)>,
}

async fn act_print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = number(&raw)?;
    let view = acts::show_act(&state.app, &ctx.caller(), id).await?;
    let a = view.act;
    let page = ActPrintPage {
        agency: view.agency_name,
        kind: label(&ctx, "act_kind", a.kind.as_str()),
        problems: a
            .items
            .iter()
            .filter(|i| i.result == Some(ItemResult::Problem))
            .map(|i| (i.seq, i.text.clone(), i.note.clone().unwrap_or_default()))
            .collect(),
        a,
        ctx,
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------------------
// The inspector register and the checklist templates

pub struct CardRow {
    pub id: i64,
    pub holder: String,
    pub agency: String,
    pub card_no: String,
    pub valid_until: String,
    pub recusals: usize,
    pub revoked: bool,
    pub may_revoke: bool,
}

pub struct TemplateBlock {
    pub name: String,
    pub items: Vec<(i64, String, bool)>,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: Ctx,
    cards: Vec<CardRow>,
    blocks: Vec<TemplateBlock>,
    holders: Vec<SelectOption>,
    templates: Vec<SelectOption>,
    categories: Vec<SelectOption>,
    may_cards: bool,
    may_checklist: bool,
    today: String,
    form: FormData,
    errors: FormErrors,
}

async fn register_screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let cards = register::cards(&state.app, &caller).await?;
    let checklist = register::checklist(&state.app, &caller).await?;
    let categories = orewatch_app::ledger::findings::categories(&state.app, &caller).await?;
    let own_agency = caller.agency().cloned();
    let may_cards = match &own_agency {
        Some(a) => caller.may(Action::ManageCards, &Resource::Agency(a.clone())),
        None => caller.may(Action::ManageCards, &Resource::Installation),
    };
    let holders = if may_cards {
        register::holders(&state.app, &caller)
            .await?
            .into_iter()
            .filter(|(_, _, agency)| own_agency.is_none() || own_agency.as_ref() == agency.as_ref())
            .map(|(id, name, agency)| {
                let agency = agency
                    .map(|a| agency_label(&ctx, &agencies, Some(a.as_str())))
                    .unwrap_or_default();
                SelectOption::new(
                    id.0.to_string(),
                    format!("{name}（{agency}）"),
                    form.get("account"),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = RegisterPage {
        cards: cards
            .iter()
            .map(|c| CardRow {
                id: c.id,
                holder: c.holder.clone(),
                agency: c
                    .agency
                    .as_ref()
                    .map(|a| agency_label(&ctx, &agencies, Some(a.as_str())))
                    .unwrap_or_default(),
                card_no: c.card_no.clone(),
                valid_until: c.valid_until.to_string(),
                recusals: c.recusals.len(),
                revoked: c.revoked_at.is_some(),
                may_revoke: c.revoked_at.is_none()
                    && caller.may(
                        Action::ManageCards,
                        &Resource::Account {
                            id: c.account_id,
                            agency: c.agency.clone(),
                        },
                    ),
            })
            .collect(),
        blocks: ChecklistTemplate::iter()
            .map(|t| TemplateBlock {
                name: label(&ctx, "checklist_template", t.as_str()),
                items: checklist
                    .iter()
                    .filter(|i| i.template == t)
                    .map(|i| (i.id, i.text.clone(), i.retired))
                    .collect(),
            })
            .collect(),
        holders,
        templates: ChecklistTemplate::iter()
            .map(|t| {
                SelectOption::new(
                    t.as_str(),
                    label(&ctx, "checklist_template", t.as_str()),
                    form.get("template"),
                )
            })
            .collect(),
        categories: categories
            .iter()
            .map(|c| SelectOption::new(c.code.as_str(), c.label_zh.as_str(), form.get("category")))
            .collect(),
        may_cards,
        may_checklist: caller.may(Action::ScheduleInspection, &Resource::Installation),
        today: local_date(state.app.now()).to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn register_show(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    register_screen(&state, ctx, FormData::default(), None).await
}

async fn register_step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(step): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let app = &state.app;
    let caller = ctx.caller();
    let result = match step.as_str() {
        "card" => register::register_card(
            app,
            &caller,
            &CardInput {
                account: form.get("account"),
                card_no: form.get("card_no"),
                valid_until: form.get("valid_until"),
                recusals: form.get("recusals"),
            },
        )
        .await
        .map(|_| ()),
        "revoke" => match form.get("card").parse::<i64>() {
            Ok(card) => register::revoke_card(app, &caller, card).await,
            Err(_) => Err(AppError::invalid("card", orewatch_domain::Problem::Invalid)),
        },
        "item" => register::add_checklist_item(
            app,
            &caller,
            form.get("template"),
            form.get("text"),
            form.get("category"),
        )
        .await
        .map(|_| ()),
        "retire" | "restore" => match form.get("item").parse::<i64>() {
            Ok(item) => {
                register::change_checklist_item(app, &caller, item, form.get("text"), step == "retire").await
            }
            Err(_) => Err(AppError::invalid("item", orewatch_domain::Problem::Invalid)),
        },
        _ => return Err(super::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other("/register?flash=saved")),
        Err(AppError::Invalid(e)) => register_screen(&state, ctx, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}
