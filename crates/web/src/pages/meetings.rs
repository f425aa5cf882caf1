//! 会商 / 联席会议 — the list of consultations with the convening form, one consultation with its
//! attendance, agenda, decisions and minutes (the office records them; each decision's owner reports it
//! done), the printed 会议纪要 (GB/T 9704), and the agencies' attendance over a year.

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
use chrono::Datelike;
use orewatch_app::meetings::{
    self, ConveneInput, DecisionStep, DecisionView, ItemInput, MeetingStep, MeetingView,
};
use orewatch_app::organisation::{self, AgencyRecord};
use orewatch_app::AppError;
use orewatch_domain::meeting::{MeetingFlow, MeetingKind, Presence};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::{DecisionId, FieldErrors, MeetingId};
use strum::IntoEnumIterator;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/meetings", get(list).post(convene))
        .route("/meetings/attendance", get(attendance))
        .route("/meetings/{id}", get(show))
        .route("/meetings/{id}/print", get(print))
        .route("/meetings/{id}/{step}", post(step))
        .route("/decisions/{id}", get(decision_page))
        .route("/decisions/{id}/done", post(done))
}

pub struct MeetingRow {
    pub id: MeetingId,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub issued: bool,
    pub minutes_no: String,
}

/// An agency as a checkbox.
pub struct AgencyCheck {
    pub code: String,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<MeetingRow>,
    may_convene: bool,
    kinds: Vec<SelectOption>,
    agencies: Vec<AgencyCheck>,
    errors: FormErrors,
    form: FormData,
}

async fn list_screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let all = meetings::list(&state.app, &caller).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let chosen: Vec<&str> = form.0.keys().filter_map(|k| k.strip_prefix("agency_")).collect();
    let view = ListPage {
        rows: all
            .iter()
            .map(|m| MeetingRow {
                id: m.id,
                kind: label(&ctx, "meeting_kind", m.kind.as_str()),
                title: m.title.clone(),
                held_on: m.held_on.to_string(),
                place: m.place.clone(),
                issued: m.minutes_no.is_some(),
                minutes_no: m.minutes_no.clone().unwrap_or_default(),
            })
            .collect(),
        may_convene: caller.may(Action::ConveneMeeting, &Resource::Installation),
        kinds: MeetingKind::iter()
            .map(|k| {
                SelectOption::new(
                    k.as_str(),
                    label(&ctx, "meeting_kind", k.as_str()),
                    form.get("kind"),
                )
            })
            .collect(),
        agencies: agencies
            .iter()
            .filter(|a| a.is_member())
            .map(|a| AgencyCheck {
                code: a.code.as_str().to_string(),
                name: ctx.agency_name(a).to_string(),
                checked: errors.is_none() || chosen.contains(&a.code.as_str()),
            })
            .collect(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    list_screen(&state, ctx, FormData::default(), None).await
}

async fn convene(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let chosen: Vec<&str> = form.0.keys().filter_map(|k| k.strip_prefix("agency_")).collect();
    let input = ConveneInput {
        kind: form.get("kind"),
        title: form.get("title"),
        held_on: form.get("held_on"),
        place: form.get("place"),
        chair: form.get("chair"),
        agencies: chosen,
    };
    match meetings::convene(&state.app, &ctx.caller(), &input).await {
        Ok(id) => Ok(see_other(&format!("/meetings/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => list_screen(&state, ctx, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

pub struct AttendeeRow {
    pub code: String,
    pub agency: String,
    pub presence: String,
    pub presence_code: &'static str,
    pub person: String,
}

pub struct DecisionRow {
    pub id: DecisionId,
    pub seq: i64,
    pub text: String,
    pub agency: String,
    pub due_on: String,
    pub done: String,
    pub late: bool,
    pub level: String,
    pub may_done: bool,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct ShowPage {
    ctx: Ctx,
    v: MeetingView,
    kind: String,
    state: String,
    state_class: &'static str,
    issued: bool,
    may_attend: bool,
    may_add_item: bool,
    may_add_decision: bool,
    may_issue: bool,
    attendees: Vec<AttendeeRow>,
    presences: Vec<SelectOption>,
    decisions: Vec<DecisionRow>,
    agencies: Vec<SelectOption>,
    errors: FormErrors,
    form: FormData,
}

fn decision_rows(
    ctx: &Ctx,
    agencies: &[AgencyRecord],
    v: &MeetingView,
    today: chrono::NaiveDate,
) -> Vec<DecisionRow> {
    v.decisions
        .iter()
        .map(
            |DecisionView {
                 decision: d,
                 task,
                 open,
             }| DecisionRow {
                id: d.id,
                seq: d.seq,
                text: d.text.clone(),
                agency: agency_label(ctx, agencies, Some(d.agency.as_str())),
                due_on: d.due_on.to_string(),
                done: match (&d.done_note, &d.done_by_label, &d.done_at) {
                    (Some(n), Some(by), Some(at)) => format!("{n}（{by} · {}）", ctx.time(at)),
                    _ => String::new(),
                },
                late: d.done_at.is_none() && today > d.due_on,
                level: task
                    .as_ref()
                    .map(|t| label(ctx, "task_level", t.task.level.code()))
                    .unwrap_or_default(),
                may_done: open.contains(&DecisionStep::Complete),
            },
        )
        .collect()
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: MeetingId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let v = meetings::show(&state.app, &caller, id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let members: Vec<AgencyRecord> = agencies.iter().filter(|a| a.is_member()).cloned().collect();
    let today = local_date(state.app.now());
    let may = |step: MeetingStep| v.open.contains(&step);
    let view = ShowPage {
        kind: label(&ctx, "meeting_kind", v.meeting.kind.as_str()),
        state: label(&ctx, "meeting_state", v.meeting.state.as_str()),
        state_class: super::state_class::<MeetingFlow>(v.meeting.state),
        issued: v.meeting.minutes_no.is_some(),
        may_attend: may(MeetingStep::Attend),
        may_add_item: may(MeetingStep::AddItem),
        may_add_decision: may(MeetingStep::AddDecision),
        may_issue: may(MeetingStep::Issue),
        attendees: v
            .meeting
            .attendees
            .iter()
            .map(|a| AttendeeRow {
                code: a.agency.as_str().to_string(),
                agency: agency_label(&ctx, &agencies, Some(a.agency.as_str())),
                presence: label(&ctx, "presence", a.presence.as_str()),
                presence_code: a.presence.as_str(),
                person: a.person.clone().unwrap_or_default(),
            })
            .collect(),
        presences: Presence::iter()
            .filter(|p| *p != Presence::Invited)
            .map(|p| SelectOption::new(p.as_str(), label(&ctx, "presence", p.as_str()), ""))
            .collect(),
        decisions: decision_rows(&ctx, &agencies, &v, today),
        agencies: agency_options(&ctx, &members, form.get("agency")),
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
    Id(id): Id<MeetingId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, FormData::default(), None).await
}

async fn step(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, step): IdAnd<MeetingId>,
    form: FormData,
) -> Result<Response, WebError> {
    let app = &state.app;
    let caller = ctx.caller();
    let result = match step.as_str() {
        "attendance" => {
            meetings::record_attendance(
                app,
                &caller,
                id,
                form.get("agency"),
                form.get("presence"),
                form.get("person"),
            )
            .await
        }
        "item" => {
            let input = ItemInput {
                title: form.get("item_title"),
                discussion: form.get("discussion"),
                mine: form.get("mine"),
                finding: form.get("finding"),
                case: form.get("case"),
            };
            meetings::add_item(app, &caller, id, &input).await
        }
        "decision" => meetings::add_decision(
            app,
            &caller,
            id,
            form.get("text"),
            form.get("agency"),
            form.get("due_on"),
        )
        .await
        .map(|_| ()),
        "issue" => meetings::issue(app, &caller, id, form.get("minutes")).await,
        _ => return Err(super::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/meetings/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

/// A decision lives on its meeting's page.
async fn decision_page(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<DecisionId>,
) -> Result<Response, WebError> {
    let meeting = meetings::meeting_of_decision(&state.app, &ctx.caller(), id).await?;
    Ok(see_other(&format!("/meetings/{meeting}#decision-{id}")))
}

async fn done(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<DecisionId>,
    form: FormData,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let meeting = meetings::meeting_of_decision(&state.app, &caller, id).await?;
    match meetings::complete_decision(&state.app, &caller, id, form.get("done_note")).await {
        Ok(()) => Ok(see_other(&format!("/meetings/{meeting}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, meeting, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "meeting_print.html")]
struct PrintPage {
    ctx: Ctx,
    v: MeetingView,
    date: String,
    held: String,
    present: String,
    absent: String,
    decisions: Vec<DecisionRow>,
    paragraphs: Vec<String>,
}

/// The printed 会议纪要, laid out as a 公文 (GB/T 9704-2012).
async fn print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<MeetingId>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let v = meetings::show(&state.app, &caller, id).await?;
    // Only issued minutes are printed: they carry their number.
    if v.meeting.minutes_no.is_none() {
        return Err(super::not_found().await);
    }
    let agencies = organisation::agencies(&state.app, &caller).await?;
    // Who attended (with who sat for the agency), and who did not (with why: excused or absent).
    let names = |attended: bool| {
        v.meeting
            .attendees
            .iter()
            .filter(|a| a.presence.attended() == attended)
            .map(|a| {
                let name = agency_label(&ctx, &agencies, Some(a.agency.as_str()));
                match (&a.person, attended) {
                    (Some(p), true) if !p.is_empty() => format!("{name}{p}"),
                    (_, true) => name,
                    (_, false) => format!("{name}（{}）", a.presence.label_zh()),
                }
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    let issued = v.meeting.issued_at.map(local_date).unwrap_or(v.meeting.held_on);
    // Dates in a 公文 are written 2026年4月13日.
    let mut decisions = decision_rows(&ctx, &agencies, &v, issued);
    for (row, d) in decisions.iter_mut().zip(&v.decisions) {
        row.due_on = chinese_date(d.decision.due_on);
    }
    let page = PrintPage {
        decisions,
        date: chinese_date(issued),
        held: chinese_date(v.meeting.held_on),
        present: names(true),
        absent: names(false),
        paragraphs: v
            .meeting
            .minutes
            .clone()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        v,
        ctx,
    };
    render(&page)
}

use orewatch_domain::field::chinese_date;

pub struct AttendanceRow {
    pub agency: String,
    pub invited: usize,
    pub attended: usize,
    pub excused: usize,
    pub absent: usize,
    pub unrecorded: usize,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "meeting_attendance.html")]
struct AttendancePage {
    ctx: Ctx,
    year: i32,
    rows: Vec<AttendanceRow>,
}

async fn attendance(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let year = super::query_value(&query, "year")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| local_date(state.app.now()).year());
    let counts = meetings::attendance(&state.app, &caller, year).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let rows = counts
        .iter()
        .map(|(code, a)| AttendanceRow {
            agency: agency_label(&ctx, &agencies, Some(code.as_str())),
            invited: a.invited,
            attended: a.attended,
            excused: a.excused,
            absent: a.absent,
            unrecorded: a.unrecorded,
            rate: a
                .rate_percent()
                .map(|r| format!("{r}%"))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    render(&AttendancePage { year, rows, ctx })
}
