//! Request middleware: the client's address, the session cookie, the CSRF check, body limits and
//! timeouts, security headers.
//!
//! [`layer`] runs before every page handler. It works out the client's address ([`ClientAddr`]: the
//! peer, or — only when the peer is a configured proxy — the last address `X-Forwarded-For` names that
//! is not one of those proxies), resolves the `ow_session` cookie through
//! `orewatch_app::auth::current` and stores a [`SessionState`]; for every POST it reads the body within
//! the size limit and the read timeout (a body that stops arriving is answered 408, not waited for)
//! and compares its `csrf` field with the session's token — or, before login, with the `ow_csrf`
//! cookie (double submit). Handlers therefore never see a forged, oversized or half-sent form.

use crate::error::WebError;
use crate::WebState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orewatch_app::auth::{self, CurrentSession, NoSession};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

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

/// The client's address, as far as the server may believe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

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

/// The client's address: the direct peer, unless the peer is a trusted proxy, in which case the last
/// address of `X-Forwarded-For` that is not itself a trusted proxy (earlier entries can be forged by
/// the client).
pub fn client_addr(headers: &HeaderMap, peer: IpAddr, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

fn peer_of(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The client address the middleware stored (for handlers).
pub fn client_of(request: &Request) -> String {
    request
        .extensions()
        .get::<ClientAddr>()
        .map(|c| c.0.clone())
        .unwrap_or_else(|| peer_of(request).to_string())
}

/// The session and CSRF middleware.
pub async fn layer(State(state): State<WebState>, request: Request, next: Next) -> Response {
    match resolve(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

async fn resolve(state: &WebState, mut request: Request) -> Result<Request, WebError> {
    // A control character in any query parameter (a NUL would reach the database, a 500 on
    // PostgreSQL and a stored NUL on SQLite) is refused here, for every page alike.
    if let Some(query) = request.uri().query() {
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            for text in [&key, &value] {
                orewatch_domain::field::no_control_characters(text).map_err(|problem| {
                    WebError::Invalid(orewatch_domain::FieldErrors::single("query", problem))
                })?;
            }
        }
    }
    let client = client_addr(
        request.headers(),
        peer_of(&request),
        &state.config.trusted_proxies,
    );
    request.extensions_mut().insert(ClientAddr(client.to_string()));
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
        // File uploads may be larger and slower than forms; they carry their token as a form field.
        let multipart = crate::upload::is_multipart(content_type.as_deref());
        let expected = match &session.current {
            Some(current) => Some(current.csrf_token.clone()),
            None if session.expired => return Err(WebError::SessionExpired),
            None => cookie(&parts.headers, LOGIN_CSRF_COOKIE).map(str::to_string),
        };
        if multipart && crate::upload::streams(parts.uri.path()) {
            // A survey's DEM: the handler streams it to disk and checks the token first.
            request = Request::from_parts(parts, body);
            request
                .extensions_mut()
                .insert(crate::upload::StreamCsrf(expected));
            request.extensions_mut().insert(session);
            return Ok(request);
        }
        let (max_bytes, timeout) = if multipart {
            (state.config.max_upload_bytes, state.config.upload_read_timeout)
        } else {
            (state.config.max_form_bytes, state.config.form_read_timeout)
        };
        let bytes = match tokio::time::timeout(timeout, axum::body::to_bytes(body, max_bytes)).await {
            Err(_) => return Err(WebError::SlowBody),
            Ok(Err(error)) => {
                // Too large, or the connection broke off mid-body.
                let too_large = std::error::Error::source(&error)
                    .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                    || error.to_string().contains("length limit");
                return Err(if too_large {
                    WebError::TooLarge { max_bytes }
                } else {
                    WebError::BadUpload
                });
            }
            Ok(Ok(bytes)) => bytes,
        };
        let sent = if multipart {
            let parts = crate::upload::parts(content_type.as_deref().unwrap_or_default(), bytes.clone())
                .await
                .ok_or(WebError::BadUpload)?;
            parts
                .into_iter()
                .find(|p| p.name == "csrf")
                .and_then(|p| String::from_utf8(p.data).ok())
        } else {
            form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
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
    fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let mut headers = HeaderMap::new();
        // The first entry is the client's claim; the proxy appended the address it saw.
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 203.0.113.7"),
        );
        assert_eq!(client_addr(&headers, proxy, &[proxy]), client);
        // From anyone else, the header is ignored.
        assert_eq!(client_addr(&headers, client, &[proxy]), client);
        assert_eq!(client_addr(&headers, proxy, &[]), proxy);
    }
}
