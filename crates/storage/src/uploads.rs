//! Resumable uploads of survey files: working state in the database (every `serve` process reads the
//! same rows), bytes as parts in the file store's staging area ([`crate::files::FileStore::stage`]).
//! Written through operational transactions.
//!
//! A part is committed by [`commit_part`] only when the upload still stands at the part's offset: the
//! update of `received_bytes` is conditional on it and the part's primary key is (upload, offset), so
//! of two chunks racing for one offset (two tabs, two processes, a retry) exactly one lands.

use crate::{get, get_time, Conn, Operational, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::{AccountId, MineId};

/// An upload as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// 43 URL-safe characters, random.
    pub id: String,
    pub account_id: AccountId,
    pub mine_id: MineId,
    pub name: String,
    pub size_bytes: u64,
    pub received_bytes: u64,
    pub started_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A committed part: `size_bytes` bytes from `offset_bytes`, in the staging area under `object_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub offset_bytes: u64,
    pub size_bytes: u64,
    pub object_key: String,
}

fn stored(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn read(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub async fn insert(w: &mut impl Operational, u: &Upload) -> Result<()> {
    sqlx::query(
        "INSERT INTO upload (upload_id, account_id, mine_id, name, size_bytes, received_bytes, started_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(u.id.clone())
    .bind(u.account_id.0)
    .bind(u.mine_id.0)
    .bind(u.name.clone())
    .bind(stored(u.size_bytes))
    .bind(stored(u.received_bytes))
    .bind(format_timestamp(u.started_at))
    .bind(format_timestamp(u.expires_at))
    .execute(&mut **w)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: &str) -> Result<Option<Upload>> {
    let row = sqlx::query(
        "SELECT upload_id, account_id, mine_id, name, size_bytes, received_bytes, started_at, expires_at \
         FROM upload WHERE upload_id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Upload {
            id: get(&r, "upload_id")?,
            account_id: AccountId(get(&r, "account_id")?),
            mine_id: MineId(get(&r, "mine_id")?),
            name: get(&r, "name")?,
            size_bytes: read(get(&r, "size_bytes")?),
            received_bytes: read(get(&r, "received_bytes")?),
            started_at: get_time(&r, "started_at")?,
            expires_at: get_time(&r, "expires_at")?,
        })
    })
    .transpose()
}

/// The committed parts of an upload, in order.
pub async fn parts(conn: &mut Conn, id: &str) -> Result<Vec<Part>> {
    let rows = sqlx::query(
        "SELECT offset_bytes, size_bytes, object_key FROM upload_part WHERE upload_id = $1 ORDER BY offset_bytes",
    )
    .bind(id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Part {
                offset_bytes: read(get(r, "offset_bytes")?),
                size_bytes: read(get(r, "size_bytes")?),
                object_key: get(r, "object_key")?,
            })
        })
        .collect()
}

/// Commits a staged part at `part.offset_bytes`: `true` when the upload stood there (it now holds the
/// part's bytes too), `false` when another part got there first (nothing changed; the caller removes
/// its staged bytes). Run in its own operational transaction.
pub async fn commit_part(w: &mut impl Operational, id: &str, part: &Part) -> Result<bool> {
    let moved = sqlx::query(
        "UPDATE upload SET received_bytes = $1 WHERE upload_id = $2 AND received_bytes = $3 \
         AND received_bytes + $4 <= size_bytes",
    )
    .bind(stored(part.offset_bytes + part.size_bytes))
    .bind(id.to_string())
    .bind(stored(part.offset_bytes))
    .bind(stored(part.size_bytes))
    .execute(&mut **w)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO upload_part (upload_id, offset_bytes, size_bytes, object_key) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.to_string())
    .bind(stored(part.offset_bytes))
    .bind(stored(part.size_bytes))
    .bind(part.object_key.clone())
    .execute(&mut **w)
    .await?;
    Ok(true)
}

/// The uploads kept past `now`.
pub async fn expired(conn: &mut Conn, now: DateTime<Utc>) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT upload_id FROM upload WHERE expires_at < $1 ORDER BY upload_id")
            .bind(format_timestamp(now))
            .fetch_all(conn)
            .await?,
    )
}

/// Removes an upload's rows (its staged parts are the caller's to remove first).
pub async fn delete(w: &mut impl Operational, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM upload_part WHERE upload_id = $1")
        .bind(id.to_string())
        .execute(&mut **w)
        .await?;
    sqlx::query("DELETE FROM upload WHERE upload_id = $1")
        .bind(id.to_string())
        .execute(&mut **w)
        .await?;
    Ok(())
}
