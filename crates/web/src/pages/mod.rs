//! Page handlers, one module (and one `router()`) per area. Handlers turn requests into use-case
//! calls and use-case results into typed askama pages; they decide nothing themselves.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod companies;
pub mod credit;
pub mod feed;
pub mod home;
pub mod import;
pub mod map;
pub mod me;
pub mod mines;
pub mod organisation;
pub mod permits;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use orewatch_app::organisation::AgencyRecord;
use orewatch_domain::FieldErrors;
use std::collections::HashMap;

/// Renders a page with status 200.
pub fn render<T: Template>(page: &T) -> Result<Response, WebError> {
    Ok(Html(page.render()?).into_response())
}

/// Renders a form again with its errors (422, so scripts and tests can tell).
pub fn render_invalid<T: Template>(page: &T) -> Result<Response, WebError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

/// Renders a form page: 422 when it shows the errors of a refused submission, 200 otherwise.
pub fn render_form<T: Template>(page: &T, refused: bool) -> Result<Response, WebError> {
    if refused {
        render_invalid(page)
    } else {
        render(page)
    }
}

/// 303 See Other: the answer to a successful POST.
pub fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response()
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// A submitted form (or query string): every field as text, missing fields empty. The body has already
/// passed the size limit and CSRF check of the session middleware.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub HashMap<String, String>);

impl FormData {
    pub fn parse(bytes: &[u8]) -> Self {
        Self(form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
}

impl FromRequest<WebState> for FormData {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| WebError::TooLarge {
                max_bytes: state.config.max_form_bytes,
            })?;
        Ok(Self::parse(&bytes))
    }
}

/// Field problems translated for a form.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    pub fn from(ctx: &Ctx, errors: &FieldErrors) -> Self {
        Self(
            errors
                .0
                .iter()
                .map(|e| {
                    (
                        e.field.to_string(),
                        ctx.tf(e.problem.message_key(), &e.problem.args()),
                    )
                })
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One `<option>`.
#[derive(Debug, Clone)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        let selected = value == current;
        Self {
            value,
            label: label.into(),
            selected,
        }
    }
}

/// Options for choosing an agency.
pub fn agency_options(ctx: &Ctx, agencies: &[AgencyRecord], current: &str) -> Vec<SelectOption> {
    agencies
        .iter()
        .map(|a| SelectOption::new(a.code.clone(), ctx.agency_name(a), current))
        .collect()
}

/// Options for choosing a role.
pub fn role_options(ctx: &Ctx, current: &str) -> Vec<SelectOption> {
    orewatch_domain::Role::ALL
        .into_iter()
        .map(|r| SelectOption::new(r.as_str(), ctx.t(r.label_key()), current))
        .collect()
}

/// The name of an agency code in the reader's language (the code itself if unknown).
pub fn agency_label(ctx: &Ctx, agencies: &[AgencyRecord], code: Option<&str>) -> String {
    match code {
        None => String::new(),
        Some(code) => agencies
            .iter()
            .find(|a| a.code == code)
            .map(|a| ctx.agency_name(a).to_string())
            .unwrap_or_else(|| code.to_string()),
    }
}

/// "title（agency）" for each seat an account holds.
pub fn seat_names(
    ctx: &Ctx,
    agencies: &[AgencyRecord],
    seats: &[orewatch_app::accounts::SeatRecord],
) -> Vec<String> {
    seats
        .iter()
        .map(|s| {
            let title = ctx.t(s.title.label_key());
            match &s.agency_code {
                Some(code) => format!("{title}（{}）", agency_label(ctx, agencies, Some(code))),
                None => title.to_string(),
            }
        })
        .collect()
}

/// Adds a `Set-Cookie` header built by [`crate::session::set_cookie`].
pub fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = axum::http::HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A list's position: page number (from `?page=`), size, and links to the neighbours keeping every
/// other query parameter.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub size: i64,
    pub summary: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    /// The page asked for (1 when absent or nonsense).
    pub fn requested(query: &HashMap<String, String>) -> i64 {
        query
            .get("page")
            .and_then(|p| p.trim().parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, 1_000_000)
    }

    pub fn offset(page: i64, size: i64) -> i64 {
        (page - 1) * size
    }

    pub fn new(
        ctx: &Ctx,
        path: &str,
        query: &HashMap<String, String>,
        page: i64,
        size: i64,
        total: i64,
    ) -> Self {
        let pages = ((total + size - 1) / size).max(1);
        let link = |p: i64| {
            let mut params: Vec<(String, String)> = query
                .iter()
                .filter(|(k, v)| *k != "page" && *k != "flash" && !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            params.sort();
            params.push(("page".into(), p.to_string()));
            let encoded: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish();
            format!("{path}?{encoded}")
        };
        Self {
            page,
            size,
            summary: ctx.tf(
                "common.page_summary",
                &[
                    ("total", total.to_string()),
                    ("page", page.to_string()),
                    ("pages", pages.to_string()),
                ],
            ),
            prev_href: (page > 1).then(|| link(page - 1)),
            next_href: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// The query string without `page` and `flash` (for export links that keep the filters).
pub fn filter_query(query: &HashMap<String, String>) -> String {
    let mut params: Vec<(&String, &String)> = query
        .iter()
        .filter(|(k, v)| *k != "page" && *k != "flash" && !v.is_empty())
        .collect();
    params.sort();
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// A trimmed query value, `None` when empty; at most 64 characters.
pub fn query_value(query: &HashMap<String, String>, key: &str) -> Option<String> {
    query
        .get(key)
        .map(|v| v.trim().chars().take(64).collect::<String>())
        .filter(|v| !v.is_empty())
}

/// An .xlsx download.
pub fn xlsx(file_name: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(file_name.as_bytes()).collect();
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}
