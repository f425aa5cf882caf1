//! Orewatch use cases. Each public function is one thing a person (or the operator) does:
//! check permission with the domain policy → validate → one write transaction holding the change and
//! its audit row → result. The web UI, the CLI and (later) the worker call these same functions, so
//! every rule exists exactly once.
//!
//! Main types: [`App`] (database, clock, password hasher, settings), [`Caller`] (who is acting) and
//! [`AppError`]. What must not live here: SQL (storage), HTML and HTTP (web), argument parsing (cli).

pub mod accounts;
pub mod audit_log;
pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod organisation;
pub mod password;
pub mod registry;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use orewatch_storage::{Backend, Db, DbOptions};

use chrono::Duration;
use orewatch_domain::policy::{decide, Action, Decision, Resource};
use orewatch_domain::{AccountId, Actor, AgencyCode, Role};
use orewatch_storage::audit::NewAuditEntry;
use std::sync::Arc;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Settings of the use cases.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session unused this long is over (default 30 minutes).
    pub session_idle: Duration,
    /// Argon2id cost.
    pub password: password::HashCost,
    /// How long recipients have to acknowledge a sharing-feed item before it shows as overdue.
    pub share_ack_deadline: Duration,
    /// Folder of the content-addressed file store (attachments).
    pub file_dir: std::path::PathBuf,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle: Duration::minutes(30),
            password: password::HashCost::default(),
            share_ack_deadline: Duration::hours(72),
            // The CLI puts it in the data directory; tests and tools share a temporary folder, which is
            // harmless for a content-addressed store.
            file_dir: std::env::temp_dir().join("orewatch-files"),
        }
    }
}

/// The application: what every use case needs.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    hasher: password::Hasher,
    caches: Arc<Caches>,
    files: orewatch_storage::files::FileStore,
}

/// What the read use cases keep between requests (see [`cache`]).
#[derive(Default)]
pub(crate) struct Caches {
    pub organisation: cache::Versioned<organisation::Organisation>,
    pub accounts_by_role: cache::Versioned<Vec<(String, i64)>>,
    pub recent_changes: cache::Versioned<Vec<orewatch_domain::audit::StoredAuditRow>>,
    pub county: cache::Versioned<registry::county::County>,
    /// Held while the county picture is computed, so that a crowd of requests after a change computes it
    /// once and the rest wait for it.
    pub county_loading: tokio::sync::Mutex<()>,
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> Result<Self> {
        let hasher = password::Hasher::new(&settings.password)?;
        let files = orewatch_storage::files::FileStore::new(settings.file_dir.clone());
        Ok(Self {
            db,
            clock,
            settings,
            hasher,
            caches: Arc::default(),
            files,
        })
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub(crate) fn hasher(&self) -> &password::Hasher {
        &self.hasher
    }

    pub(crate) fn files(&self) -> &orewatch_storage::files::FileStore {
        &self.files
    }

    pub(crate) fn caches(&self) -> &Caches {
        &self.caches
    }
}

/// Who is acting: a logged-in account, or the operator on the server's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `None` for the operator.
    pub account_id: Option<AccountId>,
    pub username: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub agency: Option<AgencyCode>,
    /// The account must choose a new password before doing anything else.
    pub must_change_password: bool,
    /// The data version read together with the session at the start of this request, so that read
    /// caches need no second round trip to check it (see [`cache`]). `None` outside a request.
    pub data_version: Option<i64>,
}

impl Caller {
    /// The operator of the installation (CLI).
    pub fn system() -> Self {
        Self {
            account_id: None,
            username: "system".into(),
            display_name: "系统运维".into(),
            role: None,
            agency: None,
            must_change_password: false,
            data_version: None,
        }
    }

    pub fn actor(&self) -> Actor {
        match (self.account_id, self.role) {
            (Some(id), Some(role)) => Actor::Account {
                id,
                role,
                agency: self.agency.clone(),
            },
            _ => Actor::System,
        }
    }

    /// Asks the policy; a refusal becomes [`AppError::Forbidden`].
    pub fn require(&self, action: Action, resource: &Resource) -> Result<()> {
        match decide(&self.actor(), action, resource) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => Err(AppError::Forbidden(reason)),
        }
    }

    /// Whether the policy allows it (for showing links and buttons; the use case checks again).
    pub fn may(&self, action: Action, resource: &Resource) -> bool {
        decide(&self.actor(), action, resource).is_allowed()
    }

    /// The start of an audit row written by this caller.
    pub(crate) fn audit(&self, action: &str, record_type: &str, record_id: impl ToString) -> NewAuditEntry {
        NewAuditEntry {
            actor_account_id: self.account_id.map(|id| id.0),
            actor_label: self.username.clone(),
            actor_agency: self.agency.as_ref().map(|a| a.as_str().to_string()),
            action: action.into(),
            record_type: record_type.into(),
            record_id: record_id.to_string(),
            ..Default::default()
        }
    }
}

/// JSON text of a value for an audit row's before/after.
pub(crate) fn json(value: serde_json::Value) -> Option<String> {
    Some(value.to_string())
}
