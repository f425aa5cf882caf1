//! 联合检查 — the joint inspections of a year with their coverage and figures, scheduling one (from a
//! plan item or by hand), and one inspection with its per-agency acts.

use super::{agency_choices, members, mine_choices, Choice};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::checked;
use crate::pages::labels::label;
use crate::pages::Id;
use crate::pages::{
    agency_label, agency_options, query_value, render, render_form, see_other, FormData, FormErrors, Params,
    SelectOption,
};
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Datelike;
use orewatch_app::inspections::acts::{self, ScheduleInput};
use orewatch_app::organisation::{self};
use orewatch_app::AppError;
use orewatch_domain::inspection::ActFlow;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::{ActId, FieldErrors, InspectionId};

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/inspections", get(inspection_list).post(inspection_create))
        .route("/inspections/new", get(inspection_new))
        .route("/inspections/{id}", get(inspection_show))
}

pub struct InspectionRow {
    pub id: InspectionId,
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
        kinds: crate::pages::present::kind_options(&ctx, &form),
        agency_boxes: agency_choices(&ctx, &agencies, &form),
        mine_boxes: mine_choices(state, &ctx, &form).await?,
        today: local_date(state.app.now()).to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

/// A joint inspection's fields as `inspection_fields.html` sends them (no mines, no plan item).
pub(in crate::pages) fn typed_inspection(form: &FormData) -> ScheduleInput<'_> {
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
    pub id: ActId,
    pub agency: String,
    pub mine: String,
    pub doc_no: String,
    pub state: String,
    pub state_class: &'static str,
    pub problems: i64,
    pub signed: bool,
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
    draw: Option<crate::pages::draws::DrawBlock>,
}

async fn inspection_show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<InspectionId>,
) -> Result<Response, WebError> {
    let view = acts::show(&state.app, &ctx.caller(), id).await?;
    let draw = if view.inspection.drawn {
        orewatch_app::inspections::draws::of_inspection(&state.app, &ctx.caller(), id)
            .await?
            .map(|d| crate::pages::draws::draw_block(&ctx, &d))
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
                state_class: crate::pages::state_class::<ActFlow>(a.state),
                problems: a.problems,
                signed: a.signed_at.is_some(),
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
