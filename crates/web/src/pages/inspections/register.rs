//! The inspector register (enforcement cards, recusals) and the checklist templates.

use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::labels::label;
use crate::pages::{agency_label, render_form, see_other, FormData, FormErrors, SelectOption};
use crate::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::inspections::register::{self, CardInput};
use orewatch_app::organisation::{self};
use orewatch_app::AppError;
use orewatch_domain::inspection::Template as ChecklistTemplate;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::FieldErrors;
use strum::IntoEnumIterator;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/register", get(register_show))
        .route("/register/{step}", post(register_step))
}

pub struct CardRow {
    pub id: orewatch_domain::CardId,
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
    pub items: Vec<(orewatch_domain::ChecklistItemId, String, bool)>,
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
        "revoke" => match orewatch_domain::CardId::parse(form.get("card")) {
            Some(card) => register::revoke_card(app, &caller, card).await,
            None => Err(AppError::invalid("card", orewatch_domain::Problem::Invalid)),
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
        "retire" | "restore" => match orewatch_domain::ChecklistItemId::parse(form.get("item")) {
            Some(item) => {
                register::change_checklist_item(app, &caller, item, form.get("text"), step == "retire").await
            }
            None => Err(AppError::invalid("item", orewatch_domain::Problem::Invalid)),
        },
        _ => return Err(crate::pages::not_found().await),
    };
    match result {
        Ok(()) => Ok(see_other("/register?flash=saved")),
        Err(AppError::Invalid(e)) => register_screen(&state, ctx, form, Some(&e)).await,
        Err(other) => Err(other.into()),
    }
}
