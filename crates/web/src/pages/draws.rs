//! 双随机 — the mines' risk grades, the draw form, and a drawn inspection's draw as its page shows it
//! (seed, inputs by grade, the drawn mines and inspectors, and whether it replays).

use super::inspections::{agency_choices, members, typed_inspection, Choice};
use super::labels::label;
use super::present::kind_options;
use super::{agency_options, render_form, see_other, FormData, FormErrors, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::inspections::draws::{self, DrawRequest, DrawView};
use orewatch_app::organisation;
use orewatch_app::AppError;
use orewatch_domain::draw::RiskGrade;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::FieldErrors;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/inspections/draw", get(draw_new).post(draw_create))
        .route("/inspections/grades", get(grades_show).post(grades_save))
}

// ---------------------------------------------------------------------------------------------------
// Risk grades

pub struct GradeLine {
    pub mine_id: i64,
    pub name: String,
    pub township: String,
    pub company: String,
    pub status: String,
    pub options: Vec<SelectOption>,
    pub reason: String,
    pub set: String,
}

#[derive(Template)]
#[template(path = "grades.html")]
struct GradesPage {
    ctx: Ctx,
    lines: Vec<GradeLine>,
    /// Per grade: its letter and how many mines have it; then the ungraded count.
    counts: Vec<(&'static str, usize)>,
    ungraded: usize,
    may_edit: bool,
    errors: FormErrors,
}

async fn grades_screen(
    state: &WebState,
    ctx: Ctx,
    form: Option<&FormData>,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let rows = draws::grades(&state.app, &caller).await?;
    let lines = rows
        .iter()
        .map(|r| {
            let id = r.mine.id.0;
            let stored = r.grade.as_ref().map(|g| g.grade.as_str()).unwrap_or_default();
            let current = form.map_or(stored, |f| f.get(&format!("grade_{id}")));
            GradeLine {
                mine_id: id,
                name: r.mine.name.clone(),
                township: r.mine.township.clone(),
                company: r.mine.company_name.clone(),
                status: label(&ctx, "mine_status", r.mine.status.as_str()),
                options: std::iter::once(SelectOption::new("", "—", current))
                    .chain(
                        RiskGrade::ALL
                            .iter()
                            .map(|g| SelectOption::new(g.as_str(), g.letter(), current)),
                    )
                    .collect(),
                reason: match form {
                    Some(f) => f.get(&format!("reason_{id}")).to_string(),
                    None => r
                        .grade
                        .as_ref()
                        .and_then(|g| g.reason.clone())
                        .unwrap_or_default(),
                },
                set: r
                    .grade
                    .as_ref()
                    .map(|g| format!("{} · {}", ctx.time(&g.set_at), g.set_by_label))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let counts = RiskGrade::ALL
        .iter()
        .map(|g| {
            (
                g.letter(),
                rows.iter()
                    .filter(|r| r.grade.as_ref().is_some_and(|x| x.grade == *g))
                    .count(),
            )
        })
        .collect();
    let page = GradesPage {
        ungraded: rows.iter().filter(|r| r.grade.is_none()).count(),
        counts,
        lines,
        may_edit: caller.may(Action::GradeMines, &Resource::Installation),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn grades_show(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    grades_screen(&state, ctx, None, None).await
}

async fn grades_save(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let typed: Vec<(&str, &str, &str)> = form
        .0
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("grade_")?;
            let reason = form.0.get(&format!("reason_{id}")).map_or("", String::as_str);
            Some((id, v.as_str(), reason))
        })
        .collect();
    match draws::set_grades(&state.app, &ctx.caller(), &typed).await {
        Ok(n) => Ok(see_other(&format!("/inspections/grades?flash=saved&n={n}"))),
        Err(AppError::Invalid(e)) => grades_screen(&state, ctx, Some(&form), Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------------
// The draw

#[derive(Template)]
#[template(path = "draw_new.html")]
struct DrawNewPage {
    ctx: Ctx,
    form: FormData,
    errors: FormErrors,
    agencies: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    agency_boxes: Vec<Choice>,
    /// (field name, letter, value, mines of the grade).
    ratios: Vec<(String, &'static str, String, usize)>,
    per_act: String,
    ungraded: usize,
    today: String,
}

async fn draw_screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    caller.require(Action::ScheduleInspection, &Resource::Installation)?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let grades = draws::grades(&state.app, &caller).await?;
    let defaults = &state.app.settings.draw_ratios;
    let view = DrawNewPage {
        agencies: agency_options(&ctx, &members(&agencies), form.get("lead")),
        kinds: kind_options(&ctx, &form),
        agency_boxes: agency_choices(&ctx, &agencies, &form),
        ratios: RiskGrade::ALL
            .iter()
            .map(|g| {
                let name = format!("ratio_{}", g.as_str());
                let value = match form.get(&name) {
                    "" if errors.is_none() => defaults.of(*g).to_string(),
                    typed => typed.to_string(),
                };
                let n = grades
                    .iter()
                    .filter(|r| r.grade.as_ref().is_some_and(|x| x.grade == *g))
                    .count();
                (name, g.letter(), value, n)
            })
            .collect(),
        per_act: match form.get("per_act") {
            "" => "2".into(),
            typed => typed.into(),
        },
        ungraded: grades.iter().filter(|r| r.grade.is_none()).count(),
        today: local_date(state.app.now()).to_string(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn draw_new(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    draw_screen(&state, ctx, FormData::default(), None).await
}

async fn draw_create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let request = DrawRequest {
        inspection: typed_inspection(&form),
        ratios: [
            form.get("ratio_a"),
            form.get("ratio_b"),
            form.get("ratio_c"),
            form.get("ratio_d"),
        ],
        per_act: form.get("per_act"),
    };
    match draws::draw(&state.app, &ctx.caller(), &request).await {
        Ok((id, _warnings)) => Ok(see_other(&format!("/inspections/{id}?flash=drawn"))),
        Err(AppError::Invalid(e)) => draw_screen(&state, ctx, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------------
// A drawn inspection's draw, for its page

/// What the inspection page shows of its draw.
pub struct DrawBlock {
    pub seed: String,
    pub algorithm: String,
    pub replays: bool,
    pub drawn: String,
    /// (letter, mines of the grade, ratio, drawn).
    pub by_grade: Vec<(&'static str, usize, u32, usize)>,
    /// (mine id, mine, grade letter, "agency：names" lines).
    pub mines: Vec<(i64, String, &'static str, Vec<String>)>,
}

pub fn draw_block(ctx: &Ctx, view: &DrawView) -> DrawBlock {
    DrawBlock {
        seed: view.draw.seed.to_string(),
        algorithm: view.draw.algorithm.clone(),
        replays: view.replays,
        drawn: format!("{} · {}", ctx.time(&view.draw.drawn_at), view.draw.drawn_by_label),
        by_grade: view
            .by_grade
            .iter()
            .map(|(g, n, ratio, drawn)| (g.letter(), *n, *ratio, *drawn))
            .collect(),
        mines: view
            .mines
            .iter()
            .map(|m| {
                (
                    m.mine_id.0,
                    m.name.clone(),
                    m.grade.map_or("—", RiskGrade::letter),
                    m.officers
                        .iter()
                        .map(|(agency, names)| format!("{agency}：{}", names.join("、")))
                        .collect(),
                )
            })
            .collect(),
    }
}
