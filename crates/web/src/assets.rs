//! The stylesheet and the one first-party script, embedded in the binary (no CDN, works offline).

use crate::WebState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");
/// The printable survey report's styles (also written inline into the CLI's report.html).
pub const REPORT_CSS: &str = include_str!("../static/report.css");

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/static/report.css",
            get(|| async { asset("text/css; charset=utf-8", REPORT_CSS) }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", JS) }),
        )
        .route("/healthz", get(|| async { "ok" }))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}
