//! My account and my password.

use super::{agency_label, render, render_form, seat_names, see_other, FormData, FormErrors};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::{accounts, organisation, AppError};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/me", get(me))
        .route("/me/password", get(password_form).post(change_password))
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    ctx: Ctx,
    username: String,
    display_name: String,
    role: String,
    agency: String,
    seats: Vec<String>,
    last_login: String,
}

async fn me(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let id = caller.account_id().ok_or(WebError::NotFound)?;
    let view = accounts::get(&state.app, &caller, id).await?;
    let account = &view.account;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let seats = seat_names(&ctx, &agencies, &view.seats);
    let page = MePage {
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: ctx.t(account.role.label_key()).to_string(),
        agency: agency_label(&ctx, &agencies, account.agency.as_ref().map(|a| a.as_str())),
        seats,
        last_login: view.last_login.map(|t| ctx.time(&t)).unwrap_or_default(),
        ctx,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    must_change: bool,
    errors: FormErrors,
}

fn password_screen(ctx: Ctx, errors: Option<FormErrors>) -> Result<Response, WebError> {
    let must_change = ctx.caller().must_change_password;
    let refused = errors.is_some();
    let page = PasswordPage {
        errors: errors.unwrap_or_default(),
        must_change,
        ctx,
    };
    render_form(&page, refused)
}

async fn password_form(Auth(ctx): Auth) -> Result<Response, WebError> {
    password_screen(ctx, None)
}

async fn change_password(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let keep = ctx
        .session
        .as_ref()
        .map(|s| s.session_id.clone())
        .unwrap_or_default();
    let result = accounts::change_own_password(
        &state.app,
        &ctx.caller(),
        &keep,
        &ctx.client,
        form.get("current"),
        form.get("password"),
        form.get("password_again"),
    )
    .await;
    match result {
        Ok(()) => Ok(see_other("/me?flash=password_changed")),
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::from(&ctx, &errors);
            password_screen(ctx, Some(errors))
        }
        // Too many wrong current passwords from here: counted like failed logins.
        Err(AppError::Delayed { until }) => {
            let message = ctx.tf("login.delayed", &[("until", ctx.time_seconds(&until))]);
            password_screen(ctx, Some(FormErrors::message("current", message)))
        }
        Err(other) => Err(other.into()),
    }
}
