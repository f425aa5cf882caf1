//! 联合惩戒名单 — the credit list: entries with reason, source agency, period and status; adding an
//! entry (about a company or a person) and lifting one, each by its source agency or the office.

use super::{agency_label, agency_options, render_form, see_other, FormData, FormErrors, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::Id;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::organisation;
use orewatch_app::registry::credit::{self, CreditInput};
use orewatch_app::AppError;
use orewatch_domain::credit::CreditStatus;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, FieldErrors};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/credit", get(list).post(add))
        .route("/credit/export.xlsx", get(export))
        .route("/credit/{id}/lift", post(lift))
}

pub struct EntryRow {
    pub id: orewatch_domain::CreditEntryId,
    pub subject: String,
    pub kind: String,
    pub reason: String,
    pub source: String,
    pub period: String,
    pub active: bool,
    pub may_lift: bool,
}

#[derive(Template)]
#[template(path = "credit.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<EntryRow>,
    may_add: bool,
    agencies: Vec<SelectOption>,
    form: FormData,
    errors: FormErrors,
}

async fn screen(
    state: &WebState,
    ctx: Ctx,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let entries = credit::list(&state.app, &caller).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let may = |code: &str| {
        AgencyCode::parse(code).is_ok_and(|a| caller.may(Action::ManageCreditList, &Resource::Agency(a)))
    };
    let rows = entries
        .iter()
        .map(|e| EntryRow {
            id: e.id,
            subject: e.subject_name.clone(),
            kind: ctx
                .t(if e.company_id.is_some() {
                    "credit.company"
                } else {
                    "credit.person"
                })
                .to_string(),
            reason: e.reason.clone(),
            source: agency_label(&ctx, &agencies, Some(e.source.as_str())),
            period: format!(
                "{} ~ {}",
                e.from_on,
                e.to_on
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| ctx.t("credit.open_ended").to_string())
            ),
            active: e.status == CreditStatus::Active,
            may_lift: e.status == CreditStatus::Active && may(e.source.as_str()),
        })
        .collect();
    // The agencies this caller may list for: all for the office, its own for agency staff.
    let own: Vec<_> = agencies
        .iter()
        .filter(|a| may(a.code.as_str()))
        .cloned()
        .collect();
    let default_agency = caller
        .agency()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let current = if form.get("source_agency").is_empty() {
        default_agency
    } else {
        form.get("source_agency").to_string()
    };
    let page = ListPage {
        rows,
        may_add: !own.is_empty(),
        agencies: agency_options(&ctx, &own, &current),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    screen(&state, ctx, FormData::default(), None).await
}

async fn export(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    let bytes = orewatch_app::registry::workbook::export_credit(&state.app, &ctx.caller()).await?;
    Ok(super::xlsx("联合惩戒名单.xlsx", bytes))
}

async fn add(State(state): State<WebState>, Auth(ctx): Auth, form: FormData) -> Result<Response, WebError> {
    let input = CreditInput {
        subject: form.get("subject"),
        credit_code: form.get("credit_code"),
        person_name: form.get("person_name"),
        id_number: form.get("id_number"),
        reason: form.get("reason"),
        source_agency: form.get("source_agency"),
        from_on: form.get("from_on"),
        to_on: form.get("to_on"),
    };
    match credit::add(&state.app, &ctx.caller(), &input).await {
        Ok(_) => Ok(see_other("/credit?flash=saved")),
        Err(AppError::Invalid(errors)) => screen(&state, ctx, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn lift(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<orewatch_domain::CreditEntryId>,
    form: FormData,
) -> Result<Response, WebError> {
    match credit::lift(&state.app, &ctx.caller(), id, form.get("note")).await {
        Ok(()) => Ok(see_other("/credit?flash=saved")),
        Err(AppError::Invalid(errors)) => screen(&state, ctx, FormData::default(), Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}
