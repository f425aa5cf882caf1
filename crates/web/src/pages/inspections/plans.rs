//! 年度联合检查计划 — the plan versions, one version with its items, gaps and history, and its steps
//! (the office edits and submits, the county government approves or returns).

use super::{agency_choices, members, mine_choices, Choice};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::checked;
use crate::pages::labels::label;
use crate::pages::{
    agency_label, agency_options, render_form, see_other, FormData, FormErrors, SelectOption,
};
use crate::pages::{Id, IdAnd};
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::Datelike;
use orewatch_app::inspections::plans::PlanStep;
use orewatch_app::inspections::plans::{self, ItemInput, FOCUS_GROUPS};
use orewatch_app::organisation::{self};
use orewatch_app::AppError;
use orewatch_domain::inspection::PlanFlow;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::{FieldErrors, PlanId};

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/plans", get(plan_list).post(plan_create))
        .route("/plans/{id}", get(plan_show))
        .route("/plans/{id}/{step}", post(plan_step))
}

pub struct PlanRow {
    pub id: PlanId,
    pub year: i32,
    pub version: i64,
    pub state: String,
    pub state_class: &'static str,
    pub drafted: String,
    pub decided: String,
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
            state_class: crate::pages::state_class::<PlanFlow>(p.state),
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
    /// The stored item's id, for its remove button.
    pub id: String,
    pub quarter: u8,
    pub title: String,
    pub lead: String,
    pub agencies: String,
    pub focus: String,
    pub mines: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    ctx: Ctx,
    id: PlanId,
    title: String,
    state: String,
    state_class: &'static str,
    reason: String,
    comments: String,
    items: Vec<ItemRow>,
    events: Vec<crate::pages::present::EventRow>,
    missing_quarters: String,
    missing_mines: Vec<String>,
    over_cap: Vec<String>,
    may_submit: bool,
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
    id: PlanId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = plans::show(&state.app, &caller, id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let p = &view.plan;
    let may = |step: PlanStep| view.open.contains(&step);
    let may_edit = may(PlanStep::AddItem);
    let items = p
        .items
        .iter()
        .map(|i| ItemRow {
            id: i.id.map(|id| id.to_string()).unwrap_or_default(),
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
        state_class: crate::pages::state_class::<PlanFlow>(p.state),
        reason: p.reason.clone().unwrap_or_default(),
        comments: p.comments.clone().unwrap_or_default(),
        items,
        events: crate::pages::present::history(&ctx, "plan_event", &p.events, false),
        missing_quarters: view
            .missing_quarters
            .iter()
            .map(|q| ctx.tf("plan.quarter_n", &[("n", q.to_string())]))
            .collect::<Vec<_>>()
            .join("、"),
        missing_mines: view.missing_mines.clone(),
        over_cap: view.over_cap.clone(),
        may_submit: may(PlanStep::Submit),
        may_edit,
        may_decide: may(PlanStep::Approve),
        may_revise: may(PlanStep::Revise),
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
    Id(id): Id<PlanId>,
) -> Result<Response, WebError> {
    plan_screen(&state, ctx, id, FormData::default(), None).await
}

async fn plan_step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, step): IdAnd<PlanId>,
    form: FormData,
) -> Result<Response, WebError> {
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
        "remove" => match form.get("item").parse::<i64>().map(orewatch_domain::PlanItemId) {
            Ok(item) => plans::remove_item(app, &caller, id, item).await,
            Err(_) => Err(AppError::invalid("item", orewatch_domain::Problem::Invalid)),
        },
        "submit" => plans::submit(app, &caller, id).await,
        "approve" => plans::decide(app, &caller, id, true, form.get("comments")).await,
        "return" => plans::decide(app, &caller, id, false, form.get("comments")).await,
        _ => return Err(crate::pages::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/plans/{id}?flash=saved"))),
        Err(AppError::Invalid(e)) => plan_screen(&state, ctx, id, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}
