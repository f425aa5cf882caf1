//! Orewatch use cases. Each public function is one thing a person (or the operator) does:
//! check permission with the domain policy → validate → one audited write transaction holding the
//! change and its audit entries → result. The web UI, the CLI and (later) the worker call these same
//! functions, so every rule exists exactly once.
//!
//! Main types: [`App`] (database, clock, password hasher, settings, caches), [`Caller`] (who is
//! acting: an account, the public, or the operator) and [`AppError`]. What must not live here: SQL
//! (storage), HTML and HTTP (web), argument parsing (cli).

pub mod accounts;
pub mod audit_log;
pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod checkpoint;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod enforcement;
pub mod error;
pub mod evidence;
pub mod inspections;
pub mod ledger;
pub mod meetings;
pub mod organisation;
pub mod password;
pub mod registry;
pub mod surveys;
pub mod tasks;
pub mod workflow;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use orewatch_storage::security::{EventFilter as SecurityFilter, SecurityEvent};
pub use orewatch_storage::versions::Versions;
pub use orewatch_storage::{Backend, Db, DbOptions};

use chrono::Duration;
use orewatch_domain::policy::{decide, scope, Action, Decision, Listing, Resource, Scope};
use orewatch_domain::{AccountId, Actor, AgencyCode, Role};
use orewatch_storage::{AuditActor, WriteTx};
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
    /// Where the content-addressed file store keeps attachments and survey files: a local folder, or
    /// an S3-compatible bucket.
    pub files: orewatch_storage::files::FileBackend,
    /// The 3-degree Gauss-Krüger zone the county map is drawn in (a city or province spanning zones
    /// picks the zone of its centre; parcels of other zones are moved into it).
    pub map_zone: u32,
    /// The county's extent in the map zone (min easting, min northing, max easting, max northing), when
    /// configured; otherwise an imported county boundary gives it. A licence outside it is questioned.
    pub county_extent: Option<[f64; 4]>,
    /// The audit signing key (Ed25519 seed, hex) and where signed checkpoints are written.
    pub checkpoint: checkpoint::CheckpointSettings,
    /// Limits on what an upload may unpack to (workbooks, layers).
    pub upload_limits: registry::limits::UploadLimits,
    /// Deadlines and escalation steps of the ledger.
    pub clocks: orewatch_domain::task::Clocks,
    /// Largest evidence file (a photo, a scanned document).
    pub max_evidence_bytes: usize,
    /// The yearly cap on inspections of one mine by one agency (a warning, WORKFLOW.md §1.1).
    pub inspection_cap: orewatch_domain::inspection::InspectionCap,
    /// 双随机: the share of each risk grade's mines a draw takes, unless the office types others.
    pub draw_ratios: orewatch_domain::draw::Ratios,
    /// Penalty cases: their clocks and thresholds, the working-day calendar and the price table.
    pub cases: orewatch_domain::penalty::CaseRules,
    /// Referrals of suspected crimes: the clocks of Order 310.
    pub referrals: orewatch_domain::referral::ReferralRules,
    /// The 应移未移 rules: thresholds, days, the categories of illegal mining.
    pub flags: orewatch_domain::flag::FlagRules,
    /// Configured parameters for corner points in 1980西安 or 1954北京 (none: such lists are refused).
    pub datum_transforms: Vec<orewatch_spatial::corners::DatumTransform>,
    /// Drone surveys: ore densities, thresholds, the job queue's lease and the scratch folder.
    pub surveys: surveys::SurveySettings,
}

impl Settings {
    /// How corner-point text is read: the configured old-datum parameters.
    pub fn corner_options(&self, zone: u32) -> orewatch_spatial::corners::ParseOptions {
        orewatch_spatial::corners::ParseOptions {
            zone: Some(zone),
            transforms: self.datum_transforms.clone(),
            ..Default::default()
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        let temp = std::env::temp_dir();
        Self {
            session_idle: Duration::minutes(30),
            password: password::HashCost::default(),
            share_ack_deadline: Duration::hours(72),
            // The CLI puts these in the data directory; tests and tools share a temporary folder, which
            // is harmless for a content-addressed store.
            files: orewatch_storage::files::FileBackend::Local(temp.join("orewatch-files")),
            map_zone: registry::input::DEFAULT_ZONE,
            county_extent: None,
            checkpoint: checkpoint::CheckpointSettings::default(),
            upload_limits: registry::limits::UploadLimits::default(),
            clocks: orewatch_domain::task::Clocks::default(),
            max_evidence_bytes: 20 * 1024 * 1024,
            inspection_cap: orewatch_domain::inspection::InspectionCap::default(),
            draw_ratios: orewatch_domain::draw::Ratios::default(),
            cases: orewatch_domain::penalty::CaseRules::default(),
            referrals: orewatch_domain::referral::ReferralRules::default(),
            flags: orewatch_domain::flag::FlagRules::default(),
            datum_transforms: Vec::new(),
            surveys: surveys::SurveySettings::default(),
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
    /// Channels beyond the inbox for the sweep's reminders.
    pub notifier: Arc<dyn tasks::Notifier>,
    /// The rules the features run on the sweep's clock.
    pub(crate) clock_rules: Vec<tasks::ClockRule>,
}

/// What the read use cases keep between requests (see [`cache`]).
pub(crate) struct Caches {
    pub organisation: cache::Versioned<organisation::Organisation>,
    pub accounts_by_role: cache::Versioned<Vec<(String, i64)>>,
    pub recent_changes: cache::Versioned<Vec<orewatch_domain::audit::StoredAuditRow>>,
    pub county: cache::Versioned<registry::county::County>,
    /// Held while the county picture is computed, so that a crowd of requests after a change computes it
    /// once and the rest wait for it.
    pub county_loading: tokio::sync::Mutex<()>,
    /// Mine pages, by mine, at the registry's version (every record a mine page shows is registry data),
    /// up to about 64 MiB.
    pub mine_views: cache::VersionedMap<orewatch_domain::MineId, registry::mines::MineView>,
    /// The navigation's inbox counts, by account and minute, at the ledger's and inspections' versions:
    /// every page shows them, and counting over 100,000 open tasks on every request would cost more
    /// than the page. When an account's minute turns, the previous minute's counts are served while
    /// the new ones are counted in the background, so a count is at most two minutes behind the clock
    /// (a task falling due); a change to the data is counted before the next page.
    pub inbox_counts: cache::VersionedMap<(i64, i64), orewatch_storage::tasks::InboxCounts>,
    /// Accounts whose counts are being counted in the background.
    pub inbox_refreshing: std::sync::Mutex<std::collections::HashSet<i64>>,
}

impl Default for Caches {
    fn default() -> Self {
        use orewatch_domain::DataArea as A;
        Self {
            // Seat holders are shown by their accounts' names.
            organisation: cache::Versioned::new(&[A::Organisation, A::Accounts]),
            accounts_by_role: cache::Versioned::new(&[A::Accounts]),
            recent_changes: cache::Versioned::new(cache::ALL_AREAS),
            county: cache::Versioned::new(&[A::Registry]),
            county_loading: tokio::sync::Mutex::new(()),
            mine_views: cache::VersionedMap::new(&[A::Registry], 64 * 1024 * 1024),
            inbox_counts: cache::VersionedMap::new(
                &[A::Ledger, A::Inspections, A::Accounts],
                4 * 1024 * 1024,
            ),
            inbox_refreshing: std::sync::Mutex::default(),
        }
    }
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> Result<Self> {
        let hasher = password::Hasher::new(&settings.password)?;
        let files = orewatch_storage::files::FileStore::open(&settings.files)?;
        Ok(Self {
            db,
            clock,
            settings,
            hasher,
            caches: Arc::default(),
            files,
            notifier: Arc::new(tasks::InboxOnly),
            clock_rules: vec![enforcement::flags::CLOCK_RULE],
        })
    }

    /// The same app with another notification channel.
    pub fn with_notifier(mut self, notifier: Arc<dyn tasks::Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// An audited write by `caller`, stamped now.
    pub(crate) async fn write(&self, caller: &Caller) -> Result<WriteTx> {
        Ok(self.db.begin_write(caller.audit_actor(), self.now()).await?)
    }

    /// The data versions: those read with the caller's session, or read now.
    pub(crate) async fn versions(&self, caller: &Caller) -> Result<Versions> {
        match caller.versions {
            Some(versions) => Ok(versions),
            None => {
                let mut conn = self.db.conn().await?;
                Ok(orewatch_storage::versions::read(&mut conn).await?)
            }
        }
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

/// Who is acting: a logged-in account, someone without a session, or the operator on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub username: String,
    pub display_name: String,
    /// The account must choose a new password before doing anything else.
    pub must_change_password: bool,
    /// The data versions read together with the session at the start of this request, so that read
    /// caches need no second round trip to check them (see [`cache`]). `None` outside a request.
    pub versions: Option<Versions>,
}

impl Caller {
    /// The operator of the installation. Only command-line bootstrap paths (`migrate`, `user create`,
    /// `audit verify`) use it; the web never does.
    pub fn system() -> Self {
        Self {
            actor: Actor::System,
            username: "system".into(),
            display_name: "系统运维".into(),
            must_change_password: false,
            versions: None,
        }
    }

    /// One of the platform's own workers, named `name` in the audit log (a worker by its lease
    /// holder); it may do its own work only (the policy's service rows).
    pub fn service(service: orewatch_domain::policy::Service, name: impl Into<String>) -> Self {
        Self {
            actor: Actor::Service(service),
            username: name.into(),
            display_name: service.label_zh().into(),
            must_change_password: false,
            versions: None,
        }
    }

    /// Someone without a session: no rights but the public actions.
    pub fn public() -> Self {
        Self {
            actor: Actor::Public,
            username: String::new(),
            display_name: String::new(),
            must_change_password: false,
            versions: None,
        }
    }

    pub fn account_id(&self) -> Option<AccountId> {
        match &self.actor {
            Actor::Account { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match &self.actor {
            Actor::Account { role, .. } => Some(*role),
            _ => None,
        }
    }

    pub fn agency(&self) -> Option<&AgencyCode> {
        match &self.actor {
            Actor::Account { agency, .. } => agency.as_ref(),
            _ => None,
        }
    }

    /// Asks the policy; a refusal becomes [`AppError::Forbidden`].
    pub fn require(&self, action: Action, resource: &Resource) -> Result<()> {
        match decide(&self.actor, action, resource) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => Err(AppError::Forbidden(reason)),
        }
    }

    /// Whether the policy allows it (for showing links and buttons; the use case checks again).
    pub fn may(&self, action: Action, resource: &Resource) -> bool {
        decide(&self.actor, action, resource).is_allowed()
    }

    /// Which records of a list this caller may see.
    pub fn scope(&self, listing: Listing) -> Scope {
        scope(&self.actor, listing)
    }

    /// Who a step's record names as having taken it.
    pub(crate) fn signer(&self) -> orewatch_domain::workflow::Signer {
        orewatch_domain::workflow::Signer {
            account: self.account_id(),
            label: self.display_name.clone(),
        }
    }

    /// Who audit entries written by this caller name.
    pub(crate) fn audit_actor(&self) -> AuditActor {
        AuditActor {
            account_id: self.account_id(),
            label: self.username.clone(),
            agency: self.agency().map(|a| a.as_str().to_string()),
        }
    }
}
