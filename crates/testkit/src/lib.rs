//! Test helpers: a fresh, migrated database per test on SQLite and on PostgreSQL.
//!
//! [`sqlite`] gives a database in a temporary file. [`postgres`] gives a new schema in the server named
//! by `OREWATCH_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`); when that server is
//! unreachable it returns `None` and says so once on the terminal, unless `OREWATCH_REQUIRE_PG=1`
//! (CI), where it fails the test. [`on_both_backends!`] turns one `async fn(Db)` into two tests.
//!
//! [`survey`] holds the quarry fixture's licence and LAS clouds in its CRS.
//!
//! Dev-dependency only: nothing here is linked into the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use orewatch_storage::{Db, DbOptions};
use sqlx::Connection;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use tempfile;

/// A test database; keep it alive for the test's duration.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl TestDb {
    /// Closes the pool and, on PostgreSQL, drops the test's schema.
    pub async fn finish(mut self) {
        self.db.close().await;
        if let Some(schema) = self.schema.take() {
            drop_schema(&schema).await;
        }
    }
}

/// A test that panics (or never calls [`TestDb::finish`]) still leaves nothing behind: its schema is
/// dropped here, and its SQLite folder with its temporary directory.
impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            // Drop cannot wait on the test's runtime: a thread with its own does the work.
            let _ = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    runtime.block_on(drop_schema(&schema));
                }
            })
            .join();
        }
    }
}

/// Drops a test schema; gives up after two seconds if a connection still holds a lock in it (the
/// hourly sweep then takes it).
async fn drop_schema(schema: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_base_url()).await {
        let _ = sqlx::query("SET lock_timeout = '2s'").execute(&mut conn).await;
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&mut conn)
            .await;
    }
}

/// A fresh migrated SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let db = Db::connect(&url, &DbOptions { max_connections: 4 })
        .await
        .expect("open SQLite");
    db.migrate().await.expect("migrate SQLite");
    TestDb {
        db,
        url,
        _dir: Some(dir),
        schema: None,
    }
}

/// Base URL of the PostgreSQL server used by tests.
pub fn pg_base_url() -> String {
    std::env::var("OREWATCH_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Whether PostgreSQL tests must run (CI sets `OREWATCH_REQUIRE_PG=1`).
pub fn pg_required() -> bool {
    std::env::var("OREWATCH_REQUIRE_PG").is_ok_and(|v| v == "1")
}

static SKIP_NOTICE: Once = Once::new();
static SWEEP: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes straight to the terminal: libtest captures `println!` of passing tests, not this.
fn notice(text: &str) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{text}");
}

/// A fresh migrated PostgreSQL schema, or `None` (with a notice) when no server is reachable.
pub async fn postgres() -> Option<TestDb> {
    let base = pg_base_url();
    let connect = tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&base)).await;
    let mut admin = match connect {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return skip_or_fail(&base, &e.to_string()),
        Err(_) => return skip_or_fail(&base, "timed out"),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    SWEEP.get_or_init(|| sweep_old_schemas(&base, now)).await;
    let schema = format!(
        "ow_t_{now}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    let _ = admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let db = Db::connect(&url, &DbOptions { max_connections: 4 })
        .await
        .expect("open PostgreSQL");
    db.migrate().await.expect("migrate PostgreSQL");
    Some(TestDb {
        db,
        url,
        _dir: None,
        schema: Some(schema),
    })
}

fn skip_or_fail(base: &str, why: &str) -> Option<TestDb> {
    if pg_required() {
        panic!("OREWATCH_REQUIRE_PG=1 but PostgreSQL at {base} is unreachable: {why}");
    }
    SKIP_NOTICE.call_once(|| {
        notice(&format!(
            "\n*** PostgreSQL tests SKIPPED: {base} is unreachable ({why}). \
             Set OREWATCH_REQUIRE_PG=1 to make this an error. ***\n"
        ))
    });
    None
}

/// Drops test schemas left behind by crashed runs more than an hour ago.
async fn sweep_old_schemas(base: &str, now: u64) {
    let Ok(mut conn) = sqlx::PgConnection::connect(base).await else {
        return;
    };
    let names: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'ow\\_t\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    for name in names {
        let created = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(now);
        if now.saturating_sub(created) > 3600 {
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Runs raw SQL against a test database (for tests that tamper with stored rows on purpose).
pub async fn execute_sql(db: &Db, sql: &str) -> u64 {
    sqlx::query(sql)
        .execute(db.pool())
        .await
        .expect("raw test SQL")
        .rows_affected()
}

/// The first column of the first row of a raw query, as an integer (tamper tests read what they change).
pub async fn fetch_i64(db: &Db, sql: &str) -> Option<i64> {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_optional(db.pool())
        .await
        .expect("raw test SQL")
}

/// The first column of the first row of a raw query, as text.
pub async fn fetch_text(db: &Db, sql: &str) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>(sql)
        .fetch_optional(db.pool())
        .await
        .expect("raw test SQL")
        .flatten()
}

/// Zip archives for tests that take uploads apart and put them back (a workbook with one sheet changed,
/// a Shapefile with a mangled `.shp`).
pub mod s3;
pub mod survey;

pub mod zips {
    use std::io::{Cursor, Read, Write};

    /// Every entry of a zip, by name, unpacked.
    pub fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        (0..archive.len())
            .filter_map(|i| {
                let mut file = archive.by_index(i).ok()?;
                let mut data = Vec::new();
                file.read_to_end(&mut data).ok()?;
                Some((file.name().ok()?.to_string(), data))
            })
            .collect()
    }

    /// A zip of the given entries (deflated).
    pub fn zip_of<N: AsRef<str>, D: AsRef<[u8]>>(entries: &[(N, D)]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut out);
            for (name, data) in entries {
                writer
                    .start_file(name.as_ref(), zip::write::SimpleFileOptions::default())
                    .expect("zip entry");
                writer.write_all(data.as_ref()).expect("zip write");
            }
            writer.finish().expect("zip finish");
        }
        out.into_inner()
    }
}

/// Turns `async fn name(db: Db)` into the tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test_db = $crate::sqlite().await;
                super::$name(test_db.db.clone()).await;
                test_db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(test_db) = $crate::postgres().await else { return };
                super::$name(test_db.db.clone()).await;
                test_db.finish().await;
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn schema_exists(name: &str) -> bool {
        let mut conn = sqlx::PgConnection::connect(&pg_base_url()).await.unwrap();
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .unwrap()
            > 0
    }

    #[tokio::test]
    async fn a_dropped_test_database_leaves_nothing_behind() {
        let sqlite_db = sqlite().await;
        let file = sqlite_db.url.trim_start_matches("sqlite:").to_string();
        assert!(std::path::Path::new(&file).exists());
        drop(sqlite_db);
        assert!(
            !std::path::Path::new(&file).exists(),
            "the SQLite file is removed"
        );
        let Some(pg) = postgres().await else {
            return;
        };
        let schema = pg.schema.clone().unwrap();
        assert!(schema_exists(&schema).await);
        // As when a test panics: no finish().
        drop(pg);
        assert!(!schema_exists(&schema).await, "the schema is dropped");
    }
}
