//! The organisation: command centre and office seats, filings (备案), agencies and their duties.

use super::{
    agency_label, render, render_form, render_invalid, see_other, FormData, FormErrors, SelectOption,
};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::pages::Id;
use crate::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::organisation::{self, AgencyRecord, FilingInput, SeatView, TermRecord};
use orewatch_app::{accounts, AppError};
use orewatch_domain::organisation::Body;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, FieldErrors};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/organisation", get(overview))
        .route("/organisation/seats/{id}", get(seat_page))
        .route("/organisation/seats/{id}/file", axum::routing::post(file))
        .route(
            "/organisation/agencies/{code}",
            get(agency_form).post(agency_save),
        )
}

pub struct SeatRow {
    pub id: orewatch_domain::SeatId,
    pub title: String,
    pub agency: String,
    pub holder: String,
    pub vacant: bool,
    pub since: String,
    pub earlier: String,
}

pub struct BodyView {
    pub code: &'static str,
    pub title: String,
    pub seats: Vec<SeatRow>,
}

pub struct AgencyRow {
    pub code: String,
    pub name: String,
    pub member: bool,
    pub kind: String,
    pub duty: String,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    ctx: Ctx,
    bodies: Vec<BodyView>,
    agencies: Vec<AgencyRow>,
    may_file: bool,
    may_edit: bool,
}

fn holder_name(term: &TermRecord) -> Option<String> {
    term.holder_display_name.clone()
}

fn seat_title(ctx: &Ctx, view: &SeatView) -> String {
    let title = ctx.t(view.seat.title.label_key());
    match &view.agency {
        Some(agency) => format!("{title}（{}）", ctx.agency_name(agency)),
        None => title.to_string(),
    }
}

async fn overview(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let org = organisation::view(&state.app, &caller).await?;
    let bodies = [Body::Command, Body::Office]
        .into_iter()
        .map(|body| BodyView {
            code: body.as_str(),
            title: ctx.t(&format!("body.{}", body.as_str())).to_string(),
            seats: org
                .seats
                .iter()
                .filter(|s| s.seat.title.body() == body)
                .map(|s| {
                    let current = s.current.as_ref();
                    let holder = current.and_then(holder_name);
                    SeatRow {
                        id: s.seat.id,
                        title: ctx.t(s.seat.title.label_key()).to_string(),
                        agency: s
                            .agency
                            .as_ref()
                            .map(|a| ctx.agency_name(a).to_string())
                            .unwrap_or_default(),
                        vacant: holder.is_none(),
                        holder: holder.unwrap_or_default(),
                        since: current.map(|t| t.from_on.to_string()).unwrap_or_default(),
                        earlier: s
                            .history
                            .iter()
                            .filter_map(holder_name)
                            .collect::<Vec<_>>()
                            .join("、"),
                    }
                })
                .collect(),
        })
        .collect();
    let agencies = org
        .agencies
        .iter()
        .map(|a| AgencyRow {
            code: a.code.as_str().to_string(),
            name: ctx.agency_name(a).to_string(),
            member: a.is_member(),
            kind: ctx.t(&format!("agency_kind.{}", a.kind.as_str())).to_string(),
            duty: match ctx.lang() {
                Lang::Zh => a.duty_zh.clone(),
                Lang::En => a.duty_en.clone(),
            },
        })
        .collect();
    let may_file = caller.may(Action::FilePosition, &Resource::Installation);
    let may_edit = caller.may(Action::EditAgency, &Resource::Installation);
    render(&OrganisationPage {
        ctx,
        bodies,
        agencies,
        may_file,
        may_edit,
    })
}

pub struct TermRow {
    pub holder: String,
    pub from_on: String,
    pub to_on: String,
    pub filed_by: String,
    pub filed_at: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "seat.html")]
struct SeatPage {
    ctx: Ctx,
    seat_id: orewatch_domain::SeatId,
    seat_title: String,
    body_title: String,
    current: String,
    terms: Vec<TermRow>,
    may_file: bool,
    holders: Vec<SelectOption>,
    from_on: String,
    note: String,
    errors: FormErrors,
}

fn term_row(ctx: &Ctx, term: &TermRecord) -> TermRow {
    TermRow {
        holder: holder_name(term).unwrap_or_else(|| ctx.t("org.vacant").to_string()),
        from_on: term.from_on.to_string(),
        to_on: term
            .to_on
            .map(|d| d.to_string())
            .unwrap_or_else(|| ctx.t("org.until_now").to_string()),
        filed_by: term.filed_by_label.clone(),
        filed_at: ctx.time(&term.filed_at),
        note: term.note.clone().unwrap_or_default(),
    }
}

async fn seat_screen(
    state: &WebState,
    ctx: Ctx,
    seat_id: orewatch_domain::SeatId,
    form: Option<(&FormData, &FieldErrors)>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = organisation::seat(&state.app, &caller, seat_id).await?;
    let may_file = caller.may(Action::FilePosition, &Resource::Installation);
    let selected = match form {
        Some((data, _)) => data.get("holder").to_string(),
        None => view.holder().map(|id| id.0.to_string()).unwrap_or_default(),
    };
    let holders = if may_file {
        accounts::active_accounts(&state.app, &caller)
            .await?
            .iter()
            .map(|a| {
                SelectOption::new(
                    a.id.0.to_string(),
                    format!("{}（{}）", a.display_name, a.username),
                    &selected,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut terms: Vec<TermRow> = view.current.iter().map(|t| term_row(&ctx, t)).collect();
    terms.extend(view.history.iter().map(|t| term_row(&ctx, t)));
    let today = state
        .app
        .now()
        .with_timezone(&orewatch_app::dashboard::china_offset())
        .date_naive()
        .to_string();
    let page = SeatPage {
        seat_id,
        seat_title: seat_title(&ctx, &view),
        body_title: ctx
            .t(&format!("body.{}", view.seat.title.body().as_str()))
            .to_string(),
        current: view.current.as_ref().and_then(holder_name).unwrap_or_default(),
        terms,
        may_file,
        holders,
        from_on: form.map(|(d, _)| d.get("from_on").to_string()).unwrap_or(today),
        note: form.map(|(d, _)| d.get("note").to_string()).unwrap_or_default(),
        errors: form.map(|(_, e)| FormErrors::from(&ctx, e)).unwrap_or_default(),
        ctx,
    };
    render_form(&page, form.is_some())
}

async fn seat_page(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<orewatch_domain::SeatId>,
) -> Result<Response, WebError> {
    seat_screen(&state, ctx, id, None).await
}

async fn file(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<orewatch_domain::SeatId>,
    form: FormData,
) -> Result<Response, WebError> {
    let input = FilingInput {
        holder: form.get("holder"),
        from_on: form.get("from_on"),
        note: form.get("note"),
    };
    match organisation::file_holder(&state.app, &ctx.caller(), id, &input).await {
        Ok(_) => Ok(see_other(&format!("/organisation/seats/{id}?flash=filed"))),
        Err(AppError::Invalid(errors)) => seat_screen(&state, ctx, id, Some((&form, &errors))).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "agency_edit.html")]
struct AgencyPage {
    ctx: Ctx,
    code: String,
    name: String,
    duty_zh: String,
    duty_en: String,
    errors: FormErrors,
}

async fn find_agency(state: &WebState, ctx: &Ctx, code: &str) -> Result<AgencyRecord, WebError> {
    let caller = ctx.caller();
    let parsed = AgencyCode::parse(code).map_err(|_| WebError::NotFound)?;
    caller.require(Action::EditAgency, &Resource::Agency(parsed))?;
    let org = organisation::view(&state.app, &caller).await?;
    org.agencies
        .iter()
        .find(|a| a.code.as_str() == code)
        .cloned()
        .ok_or(WebError::NotFound)
}

async fn agency_form(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let agency = find_agency(&state, &ctx, &code).await?;
    let name = agency_label(&ctx, std::slice::from_ref(&agency), Some(agency.code.as_str()));
    render(&AgencyPage {
        name,
        code: agency.code.as_str().to_string(),
        duty_zh: agency.duty_zh,
        duty_en: agency.duty_en,
        errors: FormErrors::default(),
        ctx,
    })
}

async fn agency_save(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    match organisation::update_duties(
        &state.app,
        &ctx.caller(),
        &code,
        form.get("duty_zh"),
        form.get("duty_en"),
    )
    .await
    {
        Ok(()) => Ok(see_other("/organisation?flash=saved")),
        Err(AppError::Invalid(errors)) => {
            let agency = find_agency(&state, &ctx, &code).await?;
            let name = agency_label(&ctx, std::slice::from_ref(&agency), Some(agency.code.as_str()));
            let errors = FormErrors::from(&ctx, &errors);
            render_invalid(&AgencyPage {
                name,
                code: agency.code.as_str().to_string(),
                duty_zh: form.get("duty_zh").to_string(),
                duty_en: form.get("duty_en").to_string(),
                errors,
                ctx,
            })
        }
        Err(other) => Err(other.into()),
    }
}
