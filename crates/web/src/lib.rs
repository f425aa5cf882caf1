//! Orewatch's web interface: server-rendered pages in Simplified Chinese (English on request).
//!
//! [`router`] merges one router per area (`pages::*`), wrapped in the middleware of [`session`]
//! (session cookie → [`orewatch_app::auth::CurrentSession`], CSRF check on every POST, login rate
//! limit, body size limit), [`error`] (turns a failed handler into a Chinese error page) and security
//! headers. Pages are askama templates in `templates/`, one typed struct per page; every visible
//! string comes from the catalogues in `i18n/` ([`i18n`]). CSS and the small first-party script are
//! embedded ([`assets`]).
//!
//! What must not live here: permission rules (domain policy, asked through the use cases), SQL.

pub mod assets;
pub mod ctx;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod serve;
pub mod session;
pub mod survey_report;
pub mod svg;
pub mod upload;

use axum::Router;
use orewatch_app::App;
use std::sync::Arc;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Shown in the title: `鹿寨县` → 鹿寨县矿产资源开发保护联合监管平台.
    pub county_name: String,
    /// The county's name in the English interface.
    pub county_name_en: String,
    /// Add `Secure` to cookies (set when served over HTTPS behind a proxy).
    pub secure_cookies: bool,
    /// Login attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Largest accepted form body, in bytes.
    pub max_form_bytes: usize,
    /// Largest accepted file upload (a workbook), in bytes.
    pub max_upload_bytes: usize,
    /// Show the demo accounts' hint on the login page.
    pub demo_mode: bool,
    /// Proxies whose `X-Forwarded-For` is believed; any other peer is the client itself.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a form's body may take to arrive.
    pub form_read_timeout: std::time::Duration,
    /// How long an upload's body may take to arrive.
    pub upload_read_timeout: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            county_name: "鹿寨县".into(),
            county_name_en: "Luzhai County".into(),
            secure_cookies: false,
            login_attempts_per_minute: 30,
            max_form_bytes: 64 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            demo_mode: false,
            trusted_proxies: Vec::new(),
            form_read_timeout: std::time::Duration::from_secs(20),
            upload_read_timeout: std::time::Duration::from_secs(120),
        }
    }
}

impl WebConfig {
    /// The county's name in a language.
    pub fn county(&self, lang: i18n::Lang) -> &str {
        match lang {
            i18n::Lang::Zh => &self.county_name,
            i18n::Lang::En => &self.county_name_en,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub i18n: Arc<i18n::I18n>,
}

impl WebState {
    pub fn new(app: App, config: WebConfig) -> Result<Self, i18n::CatalogueError> {
        Ok(Self {
            app,
            config: Arc::new(config),
            i18n: Arc::new(i18n::I18n::load()?),
        })
    }
}

/// The whole site.
pub fn router(state: WebState) -> Router {
    let pages = Router::new()
        .merge(pages::auth::router())
        .merge(pages::home::router())
        .merge(pages::organisation::router())
        .merge(pages::accounts::router())
        .merge(pages::audit::router())
        .merge(pages::me::router())
        .merge(pages::mines::router())
        .merge(pages::permits::router())
        .merge(pages::companies::router())
        .merge(pages::map::router())
        .merge(pages::import::router())
        .merge(pages::credit::router())
        .merge(pages::feed::router())
        .merge(pages::ledger::router())
        .merge(pages::cases::router())
        .merge(pages::referrals::router())
        .merge(pages::meetings::router())
        .merge(pages::inspections::router())
        .merge(pages::draws::router())
        .merge(pages::townships::router())
        .merge(pages::surveys::router())
        .merge(pages::proposals::router())
        .fallback(pages::not_found)
        // A GET of an address that only takes a form's POST (a reload after a refused form, the
        // language switch on such a page) goes back to the form's page instead of a bare 405.
        .method_not_allowed_fallback(pages::back_to_form);
    pages
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::render_layer,
        ))
        .merge(assets::router())
        .layer(axum::middleware::from_fn(session::security_headers))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
            }),
        )
        .with_state(state)
}
