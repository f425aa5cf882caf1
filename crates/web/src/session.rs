//! Request middleware: the session cookie, the CSRF check, the login rate limit, security headers.
//!
//! [`layer`] runs before every page handler. It resolves the `ow_session` cookie through
//! `orewatch_app::auth::current` and stores a [`SessionState`] in the request's extensions; for every
//! POST it reads the form body (refusing bodies over the configured size) and compares its `csrf`
//! field with the session's token — or, before login, with the `ow_csrf` cookie (double submit).
//! Handlers therefore never see a forged or oversized form.

use crate::error::WebError;
use crate::WebState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orewatch_app::auth::{self, CurrentSession, NoSession};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "ow_session";
pub const LOGIN_CSRF_COOKIE: &str = "ow_csrf";
pub const LANG_COOKIE: &str = "ow_lang";

/// What the session middleware found.
#[derive(Debug, Clone, Default)]
pub struct SessionState {
    pub current: Option<CurrentSession>,
    /// The cookie named a session that went idle (the login page says so).
    pub expired: bool,
}

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site; `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    text
}

/// Compares two tokens in time independent of where they differ.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes().zip(b.bytes()).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address (the direct peer; a proxy in front must be trusted to limit by itself).
pub fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The session and CSRF middleware.
pub async fn layer(State(state): State<WebState>, request: Request, next: Next) -> Response {
    match resolve(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

async fn resolve(state: &WebState, mut request: Request) -> Result<Request, WebError> {
    let mut session = SessionState::default();
    if let Some(token) = cookie(request.headers(), SESSION_COOKIE).filter(|t| !t.is_empty()) {
        match auth::current(&state.app, token).await? {
            Ok(current) => session.current = Some(current),
            Err(NoSession::Expired) => session.expired = true,
            Err(NoSession::Unknown) => {}
        }
    }
    if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // File uploads (workbooks) may be larger than forms; they carry their token as a form field.
        let multipart = crate::upload::is_multipart(content_type.as_deref());
        let max_bytes = if multipart {
            state.config.max_upload_bytes
        } else {
            state.config.max_form_bytes
        };
        let bytes = axum::body::to_bytes(body, max_bytes)
            .await
            .map_err(|_| WebError::TooLarge { max_bytes })?;
        let sent = if multipart {
            crate::upload::parts(content_type.as_deref().unwrap_or_default(), bytes.clone())
                .await
                .and_then(|parts| parts.into_iter().find(|p| p.name == "csrf"))
                .and_then(|p| String::from_utf8(p.data).ok())
        } else {
            form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
        };
        let expected = match &session.current {
            Some(current) => Some(current.csrf_token.clone()),
            None if session.expired => return Err(WebError::SessionExpired),
            None => cookie(&parts.headers, LOGIN_CSRF_COOKIE).map(str::to_string),
        };
        let valid = matches!((&sent, &expected), (Some(s), Some(e)) if tokens_match(s, e));
        if !valid {
            tracing::warn!(path = %parts.uri.path(), "POST refused: missing or wrong CSRF token");
            return Err(WebError::Csrf);
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    request.extensions_mut().insert(session);
    Ok(request)
}

/// Adds headers that keep pages out of frames, stop MIME sniffing and allow only our own scripts.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed = [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A fixed-window limiter per client address (login attempts).
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt at `now`; false when the address has used up its minute.
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(mut windows) = self.windows.lock() else {
            return true;
        };
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; ow_session=abc; ow_lang=en"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn empty_or_different_tokens_never_match() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match("abc", "abcd"));
    }

    #[test]
    fn the_limiter_refuses_past_the_limit_and_forgives_after_a_minute() {
        let limiter = RateLimiter::new(3);
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let start = Instant::now();
        assert!((0..3).all(|_| limiter.allow(ip, start)));
        assert!(!limiter.allow(ip, start));
        assert!(limiter.allow(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), start));
        assert!(limiter.allow(ip, start + Duration::from_secs(61)));
    }
}
