//! 乡镇名录 — the managed list of townships: each with its number of mines, and adding one.

use super::{render_form, see_other, FormData, FormErrors};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::registry::{county, townships};
use orewatch_app::AppError;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::FieldErrors;

pub fn router() -> Router<WebState> {
    Router::new().route("/townships", get(list).post(add))
}

#[derive(Template)]
#[template(path = "townships.html")]
struct TownshipsPage {
    ctx: Ctx,
    rows: Vec<(String, usize, bool)>,
    may_edit: bool,
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
    let listed = townships::list(&state.app, &caller).await?;
    let picture = county::county(&state.app, &caller).await?;
    let count = |name: &str| picture.entries.iter().filter(|e| e.mine.township == name).count();
    let mut rows: Vec<(String, usize, bool)> = listed
        .iter()
        .map(|t| (t.name.clone(), count(&t.name), true))
        .collect();
    // Townships mines name that are not on the list (written before the list existed).
    for name in &picture.townships {
        if !listed.iter().any(|t| &t.name == name) {
            rows.push((name.clone(), count(name), false));
        }
    }
    let page = TownshipsPage {
        rows,
        may_edit: caller.may(Action::EditRegistry, &Resource::Installation),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    screen(&state, ctx, FormData::default(), None).await
}

async fn add(State(state): State<WebState>, Auth(ctx): Auth, form: FormData) -> Result<Response, WebError> {
    match townships::add(&state.app, &ctx.caller(), form.get("township")).await {
        Ok(_) => Ok(see_other("/townships?flash=saved")),
        Err(AppError::Invalid(errors)) => screen(&state, ctx, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}
