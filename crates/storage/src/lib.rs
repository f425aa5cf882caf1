//! Orewatch storage: the only crate with SQL.
//!
//! [`Db`] wraps a connection pool over SQLite (embedded default) or PostgreSQL, chosen by the URL.
//! Both speak the same portable SQL (`$1` placeholders, no extensions, no triggers) through sqlx's
//! `Any` driver; migrations live in `migrations/sqlite` and `migrations/postgres` with the same names.
//!
//! Two kinds of write ([`write`]): an audited [`WriteTx`] for records, which appends their audit entries
//! and binds each row to the entry holding its state ([`bound`]), and an operational [`OpTx`] for
//! working state (sessions, login throttling, rate counters, the security log). On SQLite the working
//! state lives in a second file, attached as `ops`, so a login never waits for the main file's lock.
//!
//! One module per aggregate holds its queries: [`accounts`], [`agencies`], [`seats`], the registry
//! ([`companies`], [`people`], [`mines`], [`licences`], [`permits`], [`protected_areas`],
//! [`boundaries`], [`townships`]), [`credit`], [`sharing`], [`files`]; working state in [`sessions`] and
//! [`security`]; [`audit`] (the chain, its listing and verification), [`versions`] (per-area data
//! versions) and [`stats`] (dashboard counts). Read functions take a `&mut Conn`, so they run on a pooled
//! connection or inside either transaction. Rows come out as domain types: an unknown stored code is a
//! [`StorageError::Corrupt`] error, never a default. Storage holds no business rules: validation and
//! decisions are in `orewatch-domain`, orchestration in `orewatch-app`.

pub mod accounts;
pub mod acts;
pub mod agencies;
pub mod audit;
pub mod bound;
pub mod boundaries;
pub mod cases;
pub mod companies;
pub mod credit;
pub mod draws;
pub mod files;
pub mod findings;
pub mod flags;
pub mod inspections;
pub mod jobs;
pub mod licences;
pub mod measures;
pub mod meetings;
pub mod mines;
pub mod opinions;
pub mod people;
pub mod permits;
pub mod plans;
pub mod proposals;
pub mod protected_areas;
pub mod referrals;
pub mod register;
pub mod seats;
pub mod security;
pub mod sessions;
pub mod sharing;
pub mod stats;
pub mod surveys;
pub mod tasks;
pub mod townships;
pub mod uploads;
pub mod versions;
pub mod workflow;
pub mod write;

pub use bound::Key;
pub use write::{AuditActor, OpTx, Operational, WriteTx};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A connection (pooled or inside a transaction) that repository functions run on.
pub type Conn = AnyConnection;
/// A database transaction.
pub type Tx = sqlx::Transaction<'static, Any>;

/// Which database engine is behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL names no supported database.
    #[error("不支持的数据库地址“{0}”：应以 sqlite: 或 postgres:// 开头")]
    UnsupportedUrl(String),
    /// A unique or foreign-key constraint refused the change; `constraint` names it where the
    /// engine says (PostgreSQL does, SQLite gives the columns in `message`).
    #[error("数据冲突：{message}")]
    Conflict {
        constraint: Option<String>,
        message: String,
    },
    /// A stored value could not be read back (a corrupt or hand-edited row).
    #[error("数据库中的值无效：{0}")]
    Corrupt(String),
    /// The audit chain's head row is missing (the database was not migrated, or was tampered with).
    #[error("审计链头记录（audit_head）缺失：数据库未迁移或已被改动")]
    MissingAuditHead,
    /// An audited write would have committed a change without its audit entry (a programming fault).
    #[error("未审计的写入：{0}")]
    Unaudited(String),
    /// The database stayed busy with another write for longer than the wait allows.
    #[error("数据库正忙，请稍后再试")]
    Busy,
    /// A fault in how storage was called (a programming error), not in the data.
    #[error("存储层内部错误：{0}")]
    Internal(String),
    /// The file store could not read or write a file.
    #[error("文件存储错误：{0}")]
    File(String),
    /// A stored file no longer matches the SHA-256 it was stored under.
    #[error("文件 {sha256} 未通过完整性校验：内容与登记的 SHA-256 不符，可能已被改动或损坏")]
    FileAltered { sha256: String },
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据库错误：{0}")]
    Sqlx(sqlx::Error),
}

/// A value's JSON to store; a value that cannot be written as JSON is a fault in the caller's type.
pub(crate) fn encoded(what: &str, json: serde_json::Result<String>) -> Result<String> {
    json.map_err(|e| StorageError::Internal(format!("{what} as JSON: {e}")))
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error {
            if db.is_unique_violation() || db.is_foreign_key_violation() {
                return StorageError::Conflict {
                    constraint: db.constraint().map(str::to_string),
                    message: db.message().to_string(),
                };
            }
            // SQLite's SQLITE_BUSY (5) and SQLITE_LOCKED (6) after the busy timeout; PostgreSQL's
            // lock_not_available (55P03) and serialization failures never reach here unasked.
            let code = db.code();
            if matches!(code.as_deref(), Some("5" | "6" | "517" | "55P03")) {
                return StorageError::Busy;
            }
        }
        if matches!(error, sqlx::Error::PoolTimedOut) {
            return StorageError::Busy;
        }
        StorageError::Sqlx(error)
    }
}

impl StorageError {
    /// Whether this is a unique violation of the named constraint (PostgreSQL) or on the given
    /// `table.column` (SQLite's wording).
    pub fn is_conflict_on(&self, constraint_name: &str, table_column: &str) -> bool {
        match self {
            StorageError::Conflict { constraint, message } => {
                constraint.as_deref() == Some(constraint_name) || message.contains(table_column)
            }
            _ => false,
        }
    }
}

/// The database driver's error, for callers that commit or roll back a [`Tx`].
pub use sqlx::Error as DriverError;

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { max_connections: 16 }
    }
}

/// The database: a pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: this process's audited writes queue here, in order, instead of
    /// meeting at the file lock, where SQLite's busy handler makes a waiting writer sleep in steps of up
    /// to 100 ms (a feed post waited 1.3 s behind four others). Other processes still meet at the lock.
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Db {
    /// Connects to `sqlite:PATH` (the file is created if missing) or `postgres://…`.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StorageError::UnsupportedUrl(url.to_string()));
        };
        let ops_path = match backend {
            Backend::Sqlite => Some(ops_path_of(url)?),
            Backend::Postgres => None,
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let connect_options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(30))
            // The default pings every connection on every checkout: a round trip per page load for
            // nothing in steady state. A connection broken by a database restart fails one request
            // and is dropped; idle connections are recycled after ten minutes.
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(600))
            .after_connect(move |conn, _meta| {
                let ops_path = ops_path.clone();
                Box::pin(async move {
                    if let Some(ops_path) = ops_path {
                        // WAL lets readers work while one writer writes; the busy timeout makes a
                        // second writer wait for the first (an import takes seconds) instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 30000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // Working state (sessions, throttling, the security log) has its own file and
                        // so its own write lock: a login does not wait for an import.
                        sqlx::query("ATTACH DATABASE $1 AS ops")
                            .bind(ops_path)
                            .execute(&mut *conn)
                            .await?;
                        conn.execute("PRAGMA ops.journal_mode = WAL").await?;
                        conn.execute("PRAGMA ops.synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await?;
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            writer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the migrations of this backend that have not run yet; returns the versions it applied.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied = || async {
            sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await
                .unwrap_or_default()
        };
        let before = applied().await;
        migrator.run(&self.pool).await?;
        let mut ran: Vec<i64> = applied()
            .await
            .into_iter()
            .filter(|v| !before.contains(v))
            .collect();
        ran.sort_unstable();
        Ok(ran)
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction for reads that must see one consistent state (on PostgreSQL a repeatable-read
    /// snapshot; on SQLite the read transaction's WAL snapshot, taken at its first read).
    pub async fn begin_read(&self) -> Result<Tx> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// An audited write by `actor` at `now` (see [`WriteTx`]).
    ///
    /// Its first statement takes the audit-head lock, so audited writes run one after another: the
    /// hash chain cannot fork, check-then-insert rules (a free username) cannot race, and on SQLite the
    /// write lock is taken before any read (avoiding a failed lock upgrade).
    pub async fn begin_write(
        &self,
        actor: AuditActor,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<WriteTx> {
        // The turn first, then a connection: a waiting writer holds no connection.
        let turn = match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        };
        let tx = self.pool.begin().await?;
        WriteTx::begin(tx, actor, now, self.backend == Backend::Sqlite, turn).await
    }

    /// A write of working state (see [`OpTx`]).
    pub async fn begin_operational(&self) -> Result<OpTx> {
        Ok(OpTx::new(self.pool.begin().await?))
    }

    /// Refreshes the query planner's statistics (after a bulk load; both engines understand it).
    pub async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file of SQLite's working-state database beside the main one: `orewatch.db` → `orewatch.ops.db`.
fn ops_path_of(url: &str) -> Result<String> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(StorageError::UnsupportedUrl(url.to_string()));
    }
    let path = std::path::Path::new(path);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("orewatch");
    Ok(path
        .with_file_name(format!("{stem}.ops.db"))
        .display()
        .to_string())
}

/// Reads a required column; a type mismatch becomes [`StorageError::Corrupt`] naming the column.
pub(crate) fn get<'r, T>(row: &'r sqlx::any::AnyRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    use sqlx::Row;
    row.try_get(column)
        .map_err(|e| StorageError::Corrupt(format!("{column}: {e}")))
}

/// Reads an ISO date column (`YYYY-MM-DD`).
pub(crate) fn get_date(row: &sqlx::any::AnyRow, column: &str) -> Result<chrono::NaiveDate> {
    let raw: String = get(row, column)?;
    chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
        .map_err(|_| StorageError::Corrupt(format!("{column}: {raw}")))
}

/// Reads an optional ISO date column.
pub(crate) fn get_opt_date(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<chrono::NaiveDate>> {
    let raw: Option<String> = get(row, column)?;
    raw.map(|raw| {
        chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .map_err(|_| StorageError::Corrupt(format!("{column}: {raw}")))
    })
    .transpose()
}

/// Reads a stored timestamp (`domain::audit::format_timestamp`).
pub(crate) fn get_time(row: &sqlx::any::AnyRow, column: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let raw: String = get(row, column)?;
    orewatch_domain::audit::parse_timestamp(&raw)
        .ok_or_else(|| StorageError::Corrupt(format!("{column}: {raw}")))
}

/// Reads an optional stored timestamp.
pub(crate) fn get_opt_time(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let raw: Option<String> = get(row, column)?;
    raw.map(|raw| {
        orewatch_domain::audit::parse_timestamp(&raw)
            .ok_or_else(|| StorageError::Corrupt(format!("{column}: {raw}")))
    })
    .transpose()
}

/// Reads a stored code and parses it into its domain type; an unknown code is [`StorageError::Corrupt`]
/// naming the column and the value — never a default (a corrupt "revoked" must not read as valid).
pub(crate) fn get_code<T, E>(
    row: &sqlx::any::AnyRow,
    column: &str,
    parse: impl Fn(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    let raw: String = get(row, column)?;
    parse(&raw).map_err(|_| StorageError::Corrupt(format!("{column}: “{raw}”")))
}

/// Like [`get_code`] for a nullable column.
pub(crate) fn get_opt_code<T, E>(
    row: &sqlx::any::AnyRow,
    column: &str,
    parse: impl Fn(&str) -> std::result::Result<T, E>,
) -> Result<Option<T>> {
    let raw: Option<String> = get(row, column)?;
    raw.map(|raw| parse(&raw).map_err(|_| StorageError::Corrupt(format!("{column}: “{raw}”"))))
        .transpose()
}

/// Turns a `fn(&str) -> Option<T>` parser into one `get_code` takes.
pub(crate) fn some<T>(parse: impl Fn(&str) -> Option<T>) -> impl Fn(&str) -> std::result::Result<T, ()> {
    move |raw| parse(raw).ok_or(())
}

/// Appends an event to a record's history table (a finding's, a case's): kind, time, who, a note and a
/// date, in the columns those tables share.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn add_history(
    tx: &mut WriteTx,
    table: &'static bound::Table,
    child: &'static bound::Child,
    id: i64,
    kind: &str,
    by_label: &str,
    note: Option<&str>,
    on_date: Option<chrono::NaiveDate>,
) -> Result<()> {
    let at = orewatch_domain::audit::format_timestamp(tx.now());
    tx.insert_child(
        table,
        child,
        &Key::Int(id),
        &[
            ("kind", kind.into()),
            ("at", at.into()),
            ("by_label", by_label.into()),
            ("note", note.into()),
            ("on_date", on_date.map(date_text).into()),
        ],
    )
    .await
}

pub use orewatch_domain::workflow::HistoryEvent;

/// A record's history, oldest first, as [`add_history`] wrote it into `child`.
pub(crate) async fn history(
    conn: &mut Conn,
    child: &'static bound::Child,
    id: i64,
) -> Result<Vec<HistoryEvent>> {
    let bound::Link::Column(link) = child.link else {
        return Err(StorageError::Internal(format!("{} is not a history", child.name)));
    };
    let sql = format!(
        "SELECT kind, at, by_label, note, on_date FROM {} WHERE {link} = $1 ORDER BY {}",
        child.name, child.order_by
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(HistoryEvent {
                kind: get(r, "kind")?,
                at: get_time(r, "at")?,
                by_label: get(r, "by_label")?,
                note: get(r, "note")?,
                on_date: get_opt_date(r, "on_date")?,
            })
        })
        .collect()
}

/// The ISO text of a date, as stored.
pub fn date_text(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern and wraps it in `%`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A page of a list: the rows and how many match in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}
