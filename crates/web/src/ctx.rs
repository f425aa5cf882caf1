//! What every page needs to render: language, who is logged in, navigation, CSRF token, flash text.
//!
//! [`Ctx`] is extracted from any request; [`Auth`] additionally requires a live session (otherwise the
//! request is sent to the login page) and a password that need not be changed first.

use crate::error::WebError;
use crate::i18n::{Lang, Tr};
use crate::session::{cookie, ClientAddr, SessionState, LANG_COOKIE};
use crate::WebState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use orewatch_app::auth::CurrentSession;
use orewatch_app::Caller;
use orewatch_domain::policy::{Action, Resource};

/// One entry of the side navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
    /// A count shown beside the label (open tasks on 工作台), red when some are overdue.
    pub badge: Option<(i64, bool)>,
}

/// The page context.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub session: Option<CurrentSession>,
    /// Path and query of this request (for the language switch and return links).
    pub here: String,
    pub site_title: String,
    /// A confirmation shown once after a redirect (`?flash=saved`).
    pub flash: Option<String>,
    pub nav: Vec<NavItem>,
    pub expired: bool,
    /// The client's address (for the security log).
    pub client: String,
}

/// Confirmation messages a redirect may ask for; anything else in `?flash=` is ignored.
pub const FLASHES: &[&str] = &[
    "saved",
    "created",
    "account_created",
    "drawn",
    "filed",
    "password_changed",
    "password_reset",
    "logged_out",
    "area_warning",
    "registered",
    "unlocked",
    "acknowledged",
    "already_acknowledged",
    "survey_recorded",
    "analysis_cancelled",
    "analysis_retried",
    "proposal_confirmed",
    "proposal_dismissed",
];

impl Ctx {
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.tr.t(key)
    }

    pub fn tf(&self, key: &str, args: &[(&str, String)]) -> String {
        self.tr.tf(key, args)
    }

    pub fn lang(&self) -> Lang {
        self.tr.lang
    }

    /// Who is acting: the session's account, or — without a session — the public, which may do only the
    /// public actions. The operator never comes through the web.
    pub fn caller(&self) -> Caller {
        self.session
            .as_ref()
            .map(|s| s.caller.clone())
            .unwrap_or_else(Caller::public)
    }

    pub fn csrf(&self) -> &str {
        self.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")
    }

    pub fn user_name(&self) -> &str {
        self.session
            .as_ref()
            .map(|s| s.caller.display_name.as_str())
            .unwrap_or("")
    }

    pub fn role_label(&self) -> &str {
        self.session
            .as_ref()
            .and_then(|s| s.caller.role())
            .map(|r| self.tr.t(r.label_key()))
            .unwrap_or("")
    }

    /// Link that switches the language and comes back here.
    pub fn lang_switch_href(&self) -> String {
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{}?next={next}", self.lang().other().code())
    }

    pub fn lang_switch_label(&self) -> &str {
        self.t("lang.switch")
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang().code()
    }

    /// Shows a date-time in China Standard Time.
    pub fn time(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&orewatch_app::dashboard::china_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The date of a moment as documents write it ("2026年12月2日"), in China Standard Time.
    pub fn date(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        let local = at.with_timezone(&orewatch_app::dashboard::china_offset());
        orewatch_domain::field::chinese_date(local.date_naive())
    }

    /// A date-time to the second, in China Standard Time (when a wait ends).
    pub fn time_seconds(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&orewatch_app::dashboard::china_offset())
            .format("%H:%M:%S")
            .to_string()
    }

    /// Same as [`Ctx::time`] for a stored timestamp text.
    pub fn stored_time(&self, raw: &str) -> String {
        orewatch_domain::audit::parse_timestamp(raw)
            .map(|at| self.time(&at))
            .unwrap_or_else(|| raw.to_string())
    }

    /// The text of an empty list: nothing registered yet, or nothing matching the filter.
    pub fn empty_text(&self, filtered: bool) -> &str {
        if filtered {
            self.t("common.no_match")
        } else {
            self.t("common.none_yet")
        }
    }

    /// An agency's name in the reader's language, from the state's agency list.
    pub fn agency_name<'a>(&self, agency: &'a orewatch_app::organisation::AgencyRecord) -> &'a str {
        match self.lang() {
            Lang::Zh => &agency.name_zh,
            Lang::En => &agency.name_en,
        }
    }
}

fn build(parts: &Parts, state: &WebState) -> Ctx {
    let lang = cookie(&parts.headers, LANG_COOKIE)
        .map(Lang::parse)
        .unwrap_or_default();
    let tr = state.i18n.tr(lang);
    let session_state = parts
        .extensions
        .get::<SessionState>()
        .cloned()
        .unwrap_or_default();
    let here = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let flash = parts
        .uri
        .query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "flash")
                .map(|(_, v)| v.into_owned())
        })
        .filter(|f| FLASHES.contains(&f.as_str()))
        .map(|f| tr.t(&format!("flash.{f}")).to_string());
    let path = parts.uri.path();
    let mut nav = Vec::new();
    if let Some(current) = &session_state.current {
        let caller = &current.caller;
        let registry = caller.may(Action::ViewRegistry, &Resource::Installation);
        let inspections = caller.may(Action::ViewInspections, &Resource::Installation);
        let entries: [(&'static str, &str, bool); 18] = [
            ("/", "nav.home", true),
            ("/inspections", "nav.inspections", inspections),
            (
                "/ledger",
                "nav.ledger",
                caller.may(Action::ViewLedger, &Resource::Installation),
            ),
            (
                "/cases",
                "nav.cases",
                caller.may(Action::ViewCases, &Resource::Installation),
            ),
            (
                "/referrals",
                "nav.referrals",
                caller.may(Action::ViewCases, &Resource::Installation),
            ),
            (
                "/meetings",
                "nav.meetings",
                caller.may(Action::ViewMeetings, &Resource::Installation),
            ),
            ("/plans", "nav.plans", inspections),
            ("/map", "nav.map", registry),
            ("/mines", "nav.mines", registry),
            ("/permits", "nav.permits", registry),
            ("/companies", "nav.companies", registry),
            (
                "/feed",
                "nav.feed",
                caller.may(Action::ViewSharing, &Resource::Installation),
            ),
            ("/credit", "nav.credit", registry),
            (
                "/registry/import",
                "nav.import",
                caller.may(Action::EditRegistry, &Resource::Installation),
            ),
            (
                "/organisation",
                "nav.organisation",
                caller.may(Action::ViewOrganisation, &Resource::Installation),
            ),
            (
                "/accounts",
                "nav.accounts",
                caller.may(Action::ListAccounts, &Resource::Installation),
            ),
            (
                "/audit",
                "nav.audit",
                caller.may(Action::ViewAudit, &Resource::Installation),
            ),
            ("/me", "nav.me", true),
        ];
        for (href, key, shown) in entries {
            if shown {
                // A whole path segment: "/me" is not active on "/meetings".
                let active = if href == "/" {
                    path == "/"
                } else {
                    path.strip_prefix(href)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                };
                nav.push(NavItem {
                    href,
                    label: tr.t(key).to_string(),
                    active,
                    badge: None,
                });
            }
        }
    }
    let client = parts
        .extensions
        .get::<ClientAddr>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    Ctx {
        client,
        site_title: tr.tf("site.title", &[("county", state.config.county(lang).to_string())]),
        tr,
        session: session_state.current,
        here,
        flash,
        nav,
        // The login page is reached by redirect after expiry, with the cookie already cleared.
        expired: session_state.expired
            || parts
                .uri
                .query()
                .is_some_and(|q| q.split('&').any(|p| p == "expired=1")),
    }
}

impl FromRequestParts<WebState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        Ok(build(parts, state))
    }
}

/// A page context with a logged-in user.
#[derive(Debug, Clone)]
pub struct Auth(pub Ctx);

impl FromRequestParts<WebState> for Auth {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let ctx = build(parts, state);
        let Some(session) = &ctx.session else {
            if ctx.expired {
                return Err(WebError::SessionExpired);
            }
            return Err(WebError::NotLoggedIn { next: ctx.here });
        };
        let path = parts.uri.path();
        if session.caller.must_change_password && path != "/me/password" && path != "/logout" {
            return Err(WebError::MustChangePassword);
        }
        let caller = session.caller.clone();
        let mut ctx = ctx;
        // The inbox's count beside 工作台 on every page; a failure to count never fails the page.
        match orewatch_app::tasks::counts(&state.app, &caller).await {
            Ok(counts) if counts.all > 0 => {
                if let Some(home) = ctx.nav.iter_mut().find(|n| n.href == "/") {
                    home.badge = Some((counts.all, counts.overdue > 0));
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error.chain(), "counting the inbox"),
        }
        Ok(Auth(ctx))
    }
}
