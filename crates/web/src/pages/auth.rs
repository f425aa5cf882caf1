//! Login, logout and the language switch.

use super::{see_other, with_cookie, FormData};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::session::{client_of, cookie, set_cookie, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::{auth, AppError};
use std::collections::HashMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(switch_language))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    demo: bool,
}

/// Only a plain path of this site may be returned to (no open redirect): it starts with one `/`, holds
/// no backslash, whitespace or control character (a browser drops a tab or newline, so `/\t/evil.example`
/// would become `//evil.example`), and parses as a path without scheme or host.
pub fn safe_next(raw: &str) -> String {
    let plain = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '\\')
        && !raw.starts_with("/login")
        && raw
            .parse::<axum::http::Uri>()
            .is_ok_and(|u| u.scheme().is_none() && u.authority().is_none());
    if plain {
        raw.to_string()
    } else {
        "/".to_string()
    }
}

/// The login page; sets the pre-session CSRF cookie it submits against.
fn login_page(
    ctx: Ctx,
    state: &WebState,
    csrf: Option<&str>,
    next: &str,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let token = csrf.map(str::to_string).unwrap_or_else(auth::random_token);
    let page = LoginPage {
        ctx,
        csrf: token.clone(),
        next: safe_next(next),
        username: username.to_string(),
        error,
        demo: state.config.demo_mode,
    };
    let response = (status, Html(page.render()?)).into_response();
    Ok(with_cookie(
        response,
        &set_cookie(LOGIN_CSRF_COOKIE, &token, None, state.config.secure_cookies),
    ))
}

async fn login_form(
    State(state): State<WebState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Result<Response, WebError> {
    if ctx.session.is_some() {
        return Ok(see_other("/"));
    }
    let csrf = cookie(request.headers(), LOGIN_CSRF_COOKIE).map(str::to_string);
    let next = query.get("next").map(String::as_str).unwrap_or("/");
    login_page(ctx, &state, csrf.as_deref(), next, "", None, StatusCode::OK)
}

async fn login(State(state): State<WebState>, ctx: Ctx, request: Request) -> Result<Response, WebError> {
    let csrf = cookie(request.headers(), LOGIN_CSRF_COOKIE).map(str::to_string);
    let client = client_of(&request);
    let form = FormData::from_request_parts_body(request, &state).await?;
    let username = form.get("username").chars().take(64).collect::<String>();
    let next = form.get("next").to_string();
    if !auth::within_rate(&state.app, &client, state.config.login_attempts_per_minute).await? {
        let message = ctx.t("login.too_many").to_string();
        return login_page(
            ctx,
            &state,
            csrf.as_deref(),
            &next,
            &username,
            Some(message),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    match auth::login(&state.app, &username, form.get("password"), &client).await {
        Ok(logged_in) => {
            // A person whose password was set by the office chooses their own before anything else.
            let target = if logged_in.caller.must_change_password {
                "/me/password".to_string()
            } else {
                safe_next(&next)
            };
            let cookie = set_cookie(
                SESSION_COOKIE,
                &logged_in.token,
                None,
                state.config.secure_cookies,
            );
            Ok(with_cookie(see_other(&target), &cookie))
        }
        Err(error) => {
            let (message, status) = match error {
                // Said alike for every name typed, real or not (failures are counted per name typed).
                AppError::BadCredentials { remaining } if remaining <= 2 => (
                    ctx.tf("login.bad_credentials_remaining", &[("n", remaining.to_string())]),
                    StatusCode::UNAUTHORIZED,
                ),
                AppError::BadCredentials { .. } => (
                    ctx.t("login.bad_credentials").to_string(),
                    StatusCode::UNAUTHORIZED,
                ),
                AppError::Delayed { until } => (
                    ctx.tf("login.delayed", &[("until", ctx.time_seconds(&until))]),
                    StatusCode::TOO_MANY_REQUESTS,
                ),
                AppError::Disabled => (ctx.t("login.disabled").to_string(), StatusCode::FORBIDDEN),
                other => return Err(other.into()),
            };
            login_page(
                ctx,
                &state,
                csrf.as_deref(),
                &next,
                &username,
                Some(message),
                status,
            )
        }
    }
}

async fn logout(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    if let Some(session) = &ctx.session {
        auth::logout(&state.app, session, &ctx.client).await?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies);
    Ok(with_cookie(see_other("/login?flash=logged_out"), &cookie))
}

async fn switch_language(
    State(state): State<WebState>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // A GET of a form's POST address comes back to the form's page (see pages::back_to_form).
    let lang = crate::i18n::Lang::parse(&code);
    let next = safe_next(query.get("next").map(String::as_str).unwrap_or("/"));
    let cookie = set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(365 * 24 * 3600),
        state.config.secure_cookies,
    );
    with_cookie(see_other(&next), &cookie)
}

impl FormData {
    /// Reads the form from a request whose headers the handler also needed.
    pub async fn from_request_parts_body(request: Request, state: &WebState) -> Result<Self, WebError> {
        <Self as axum::extract::FromRequest<WebState>>::from_request(request, state).await
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_plain_paths_of_this_site_are_returned_to() {
        assert_eq!(safe_next("/mines?page=2"), "/mines?page=2");
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "evil.example",
            "/login?next=//x",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
