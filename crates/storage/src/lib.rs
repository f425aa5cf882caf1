//! Orewatch storage: the only crate with SQL.
//!
//! [`Db`] wraps a connection pool over SQLite (embedded default) or PostgreSQL, chosen by the URL.
//! Both speak the same portable SQL (`$1` placeholders, no extensions, no triggers) through sqlx's
//! `Any` driver; migrations live in `migrations/sqlite` and `migrations/postgres` with the same names.
//!
//! One module per aggregate holds its queries: [`accounts`], [`agencies`], [`seats`], [`sessions`],
//! the registry ([`companies`], [`mines`], [`licences`], [`permits`], [`protected_areas`]),
//! [`audit`] (the hash chain) and [`stats`] (dashboard counts). Functions take a `&mut Conn` so they
//! run inside a caller's transaction. Storage holds no business rules: validation and decisions are
//! in `orewatch-domain`, orchestration in `orewatch-app`.

pub mod accounts;
pub mod agencies;
pub mod audit;
pub mod companies;
pub mod credit;
pub mod files;
pub mod licences;
pub mod mines;
pub mod people;
pub mod permits;
pub mod protected_areas;
pub mod seats;
pub mod sessions;
pub mod sharing;
pub mod stats;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use std::str::FromStr;
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
    /// The file store could not read or write a file.
    #[error("文件存储错误：{0}")]
    File(String),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据库错误：{0}")]
    Sqlx(sqlx::Error),
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
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer writes; the busy timeout makes a
                        // second writer wait for the first instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await?;
        Ok(Db { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction for reads that must see one consistent state.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// A transaction that will change data and append to the audit chain.
    ///
    /// Its first statement takes the audit-head lock, so write transactions run one after another:
    /// the hash chain cannot fork, check-then-insert rules (a free username) cannot race, and on
    /// SQLite the write lock is taken before any read (avoiding a failed lock upgrade).
    pub async fn begin_write(&self) -> Result<Tx> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE audit_head_id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
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

/// The ISO text of a date, as stored.
pub(crate) fn date_text(date: chrono::NaiveDate) -> String {
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

/// An optional float for a `NULLIF($n, 'NaN')` placeholder. sqlx's `Any` driver sends a `None` float to
/// PostgreSQL in a form it refuses ("incorrect binary data format"), so absent floats travel as NaN and
/// the SQL turns NaN back into NULL (SQLite stores a bound NaN as NULL by itself).
pub(crate) fn nullable_f64(value: Option<f64>) -> f64 {
    value.unwrap_or(f64::NAN)
}
