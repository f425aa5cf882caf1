//! Failed requests become pages. A handler returns `Err(WebError)`; its `IntoResponse` gives the
//! status and an [`ErrorPage`] marker, and [`render_layer`] (outermost page middleware) renders the
//! marker as a Chinese (or English) page. Internal errors are logged with their cause and shown only
//! as "系统内部错误".
//!
//! | variant | status |
//! |---|---|
//! | `NotLoggedIn` | 303 to the login page |
//! | `SessionExpired` | 303 to the login page, which says the session expired |
//! | `MustChangePassword` | 303 to the password page |
//! | `Forbidden`, `Csrf` | 403 |
//! | `NotFound` | 404 |
//! | `Invalid` | 422 (forms usually re-render themselves instead) |
//! | `BadUpload` | 400 (a body that broke off or is not valid multipart) |
//! | `SlowBody` | 408 (a body that stopped arriving) |
//! | `FileAltered` | 409 |
//! | `TooLarge` | 413 |
//! | `TooManyRequests` | 429 |
//! | `Internal` | 500 |
//! | `Busy` | 503 |

use crate::i18n::Lang;
use crate::session::{cookie, LANG_COOKIE};
use crate::WebState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use orewatch_app::AppError;
use orewatch_domain::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not logged in")]
    NotLoggedIn { next: String },
    #[error("session expired")]
    SessionExpired,
    #[error("the password must be changed first")]
    MustChangePassword,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("form larger than {max_bytes} bytes")]
    TooLarge { max_bytes: usize },
    #[error("too many requests")]
    TooManyRequests,
    #[error("upload broken off or malformed")]
    BadUpload,
    #[error("request body too slow")]
    SlowBody,
    #[error("a stored file failed its integrity check: {0}")]
    FileAltered(String),
    #[error("the database is busy")]
    Busy,
    #[error("internal: {0}")]
    Internal(String),
}

impl From<AppError> for WebError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Forbidden(reason) => WebError::Forbidden(reason.message_key()),
            AppError::NotFound => WebError::NotFound,
            AppError::Invalid(errors) => WebError::Invalid(errors),
            AppError::Busy => WebError::Busy,
            AppError::FileAltered(sha) => WebError::FileAltered(sha),
            AppError::TooLarge { max_bytes } => WebError::TooLarge {
                max_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX),
            },
            // The cause chain goes to the log; the page says only that something went wrong.
            other => WebError::Internal(other.chain()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        WebError::Internal(format!("template: {error}"))
    }
}

/// What the error page shows: catalogue keys, so the page can be rendered in the reader's language.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title_key: &'static str,
    pub message_key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub problems: FieldErrors,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = |status: StatusCode, title_key, message_key, args| {
            let mut response = status.into_response();
            response.extensions_mut().insert(ErrorPage {
                title_key,
                message_key,
                args,
                problems: FieldErrors::new(),
            });
            response
        };
        match self {
            WebError::NotLoggedIn { next } => {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            WebError::SessionExpired => {
                let mut response = Redirect::to("/login?expired=1").into_response();
                if let Ok(value) =
                    crate::session::set_cookie(crate::session::SESSION_COOKIE, "", Some(0), false).parse()
                {
                    response.headers_mut().insert(header::SET_COOKIE, value);
                }
                response
            }
            WebError::MustChangePassword => Redirect::to("/me/password").into_response(),
            WebError::Forbidden(reason_key) => {
                page(StatusCode::FORBIDDEN, "error.403.title", reason_key, vec![])
            }
            WebError::Csrf => page(
                StatusCode::FORBIDDEN,
                "error.csrf.title",
                "error.csrf.message",
                vec![],
            ),
            WebError::NotFound => page(
                StatusCode::NOT_FOUND,
                "error.404.title",
                "error.404.message",
                vec![],
            ),
            WebError::Invalid(problems) => {
                let mut response = page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "error.422.title",
                    "error.422.message",
                    vec![],
                );
                if let Some(page) = response.extensions_mut().get_mut::<ErrorPage>() {
                    page.problems = problems;
                }
                response
            }
            WebError::TooLarge { max_bytes } => page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "error.413.title",
                "error.413.message",
                vec![("kib", (max_bytes / 1024).to_string())],
            ),
            WebError::TooManyRequests => page(
                StatusCode::TOO_MANY_REQUESTS,
                "error.429.title",
                "error.429.message",
                vec![],
            ),
            WebError::BadUpload => page(
                StatusCode::BAD_REQUEST,
                "error.bad_upload.title",
                "error.bad_upload.message",
                vec![],
            ),
            WebError::SlowBody => page(
                StatusCode::REQUEST_TIMEOUT,
                "error.408.title",
                "error.408.message",
                vec![],
            ),
            WebError::FileAltered(sha) => {
                tracing::error!(%sha, "a stored file failed its integrity check");
                page(
                    StatusCode::CONFLICT,
                    "error.file_altered.title",
                    "error.file_altered.message",
                    vec![("sha", sha)],
                )
            }
            WebError::Busy => {
                let mut response = page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "error.503.title",
                    "error.503.message",
                    vec![],
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
                response
            }
            WebError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.500.title",
                    "error.500.message",
                    vec![],
                )
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    tr: crate::i18n::Tr,
    status: u16,
    title: &'a str,
    message: String,
    problems: Vec<(String, String)>,
    site_title: String,
}

/// Renders the [`ErrorPage`] of any response that carries one.
pub async fn render_layer(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let lang = cookie(request.headers(), LANG_COOKIE)
        .map(Lang::parse)
        .unwrap_or_default();
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let tr = state.i18n.tr(lang);
    let problems = page
        .problems
        .0
        .iter()
        .map(|e| {
            (
                // A field without a catalogued name is left unnamed rather than shown as its key.
                tr.find(&format!("field.{}", e.field))
                    .unwrap_or_default()
                    .to_string(),
                tr.tf(e.problem.message_key(), &e.problem.args()),
            )
        })
        .collect();
    let template = ErrorTemplate {
        status: response.status().as_u16(),
        title: tr.t(page.title_key),
        message: tr.tf(page.message_key, &page.args),
        problems,
        site_title: tr.tf("site.title", &[("county", state.config.county(lang).to_string())]),
        tr: tr.clone(),
    };
    match template.render() {
        Ok(html) => (response.status(), Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering the error page");
            (response.status(), "Error").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_a_503_with_a_retry_hint_not_a_500() {
        let response = WebError::from(AppError::Busy).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    }
}
