//! Page handlers, one module (and one `router()`) per area. Handlers turn requests into use-case
//! calls and use-case results into typed askama pages; they decide nothing themselves.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod changes;
pub mod companies;
pub mod credit;
pub mod draws;
pub mod feed;
pub mod home;
pub mod import;
pub mod inspections;
pub mod labels;
pub mod ledger;
pub mod map;
pub mod me;
pub mod meetings;
pub mod mines;
pub mod organisation;
pub mod permits;
pub mod present;
pub mod proposals;
pub mod referrals;
pub mod surveys;
pub mod townships;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use orewatch_app::organisation::AgencyRecord;
use orewatch_domain::ids::RecordId;
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

/// The page a POST-only address belongs to: the record's page for an action on a record
/// (`/mines/5/status` → `/mines/5`, `/feed/12/ack` → `/feed`), the list for a list's form.
pub fn form_page_of(path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        [] => "/".into(),
        // The feed has no page per item.
        ["feed", ..] => "/feed".into(),
        ["login"] | ["logout"] => "/login".into(),
        [one] => format!("/{one}"),
        [head @ .., _] => format!("/{}", head.join("/")),
    }
}

/// A GET (or HEAD) of an address that takes only a form's POST: back to the form's page, instead of the
/// browser's bare "HTTP ERROR 405" (a reload after a refused form, the language switch on it).
pub async fn back_to_form(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        see_other(&form_page_of(uri.path()))
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

/// A record id from the path; anything but a positive integer is the Chinese 404 page (not axum's
/// English plain-text rejection).
pub fn id<T>(raw: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, WebError> {
    parse(raw).ok_or(WebError::NotFound)
}

/// The record id of an address like `/findings/{id}`, typed at the edge: anything but a positive
/// integer is the 404 an unknown record is. Put it after [`crate::ctx::Auth`], so that a visitor
/// without a session is sent to log in first, whatever the address.
pub struct Id<T>(pub T);

impl<S: Send + Sync, T: RecordId> FromRequestParts<S> for Id<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::NotFound)?;
        T::parse(&raw).map(Id).ok_or(WebError::NotFound)
    }
}

/// The record id and the word after it, of an address like `/findings/{id}/{step}`.
pub struct IdAnd<T>(pub T, pub String);

impl<S: Send + Sync, T: RecordId> FromRequestParts<S> for IdAnd<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let Path((raw, word)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::NotFound)?;
        let id = T::parse(&raw).ok_or(WebError::NotFound)?;
        Ok(IdAnd(id, word))
    }
}

/// The CSS class of a state's badge, by how the state stands (`domain::workflow::Standing`): the one
/// place a page turns a workflow's state into a colour.
pub fn state_class<W: orewatch_domain::workflow::Workflow>(state: W::State) -> &'static str {
    use orewatch_domain::workflow::Standing;
    match W::standing(state) {
        Standing::Neutral => "",
        Standing::Waiting => "warn",
        Standing::Settled => "ok",
        Standing::Adverse => "bad",
        Standing::Ended => "off",
    }
}

/// A numeric record id from the path (a positive integer), or the Chinese 404 page.
pub fn number(raw: &str) -> Result<i64, WebError> {
    id(raw, |r| r.trim().parse::<i64>().ok().filter(|n| *n > 0))
}

/// The query string as text by name. (A value holding a control character never gets here: the session
/// layer refuses it for every page.)
#[derive(Debug, Clone, Default)]
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Params {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Params(
            parts
                .uri
                .query()
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        ))
    }
}

impl std::ops::Deref for Params {
    type Target = HashMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// A sortable column heading: a link that sorts by it (again: the other way), and its arrow.
#[derive(Debug, Clone)]
pub struct SortHeading {
    pub label: String,
    pub href: String,
    /// "▲" / "▼" on the column sorted by, empty otherwise.
    pub arrow: &'static str,
}

/// The headings of a sortable table: `(key, label)` pairs, the current `sort` and `dir` from the
/// query, keeping every other parameter but the page.
pub fn sort_headings(
    path: &str,
    query: &HashMap<String, String>,
    columns: &[(&str, String)],
) -> Vec<SortHeading> {
    let current = query.get("sort").map(String::as_str).unwrap_or("");
    let descending = query.get("dir").is_some_and(|d| d == "desc");
    columns
        .iter()
        .map(|(key, label)| {
            let active = *key == current;
            let mut params: Vec<(String, String)> = query
                .iter()
                .filter(|(k, v)| !matches!(k.as_str(), "page" | "flash" | "sort" | "dir") && !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            params.sort();
            params.push(("sort".into(), key.to_string()));
            if active && !descending {
                params.push(("dir".into(), "desc".into()));
            }
            let encoded: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish();
            SortHeading {
                label: label.clone(),
                href: format!("{path}?{encoded}"),
                arrow: match (active, descending) {
                    (true, false) => "▲",
                    (true, true) => "▼",
                    _ => "",
                },
            }
        })
        .collect()
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
    /// Every (field, message), in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }

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

    /// One message for one field (a refusal that is not a field problem, such as a wait).
    pub fn message(field: &str, text: String) -> Self {
        Self(vec![(field.to_string(), text)])
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
        .map(|a| SelectOption::new(a.code.as_str(), ctx.agency_name(a), current))
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
            .find(|a| a.code.as_str() == code)
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
            match &s.agency {
                Some(code) => format!("{title}（{}）", agency_label(ctx, agencies, Some(code.as_str()))),
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

/// A stored file sent back for download under its own name (UTF-8, RFC 6266).
pub fn file_download(file_name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    use axum::response::IntoResponse;
    let encoded: String = form_urlencoded::byte_serialize(file_name.as_bytes()).collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"file\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The values of the checked boxes named `{prefix}{value}`.
pub fn checked<'a>(form: &'a FormData, prefix: &str) -> Vec<&'a str> {
    let mut out: Vec<&str> = form
        .0
        .iter()
        .filter(|(k, v)| k.starts_with(prefix) && !v.is_empty())
        .filter_map(|(k, _)| k.strip_prefix(prefix))
        .collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_only_address_goes_back_to_its_form() {
        assert_eq!(form_page_of("/mines/5/status"), "/mines/5");
        assert_eq!(form_page_of("/mines/5/licences"), "/mines/5");
        assert_eq!(form_page_of("/licences/9/events"), "/licences/9");
        assert_eq!(form_page_of("/feed/12/ack"), "/feed");
        assert_eq!(form_page_of("/accounts/new"), "/accounts");
        assert_eq!(form_page_of("/registry/import"), "/registry");
        assert_eq!(form_page_of("/logout"), "/login");
    }
}
