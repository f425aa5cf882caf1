//! The audit chain: append a row inside the change's transaction, list with filters, verify.
//!
//! The hashing rule lives in `orewatch_domain::audit`; this module only stores and reads. Appending
//! must happen in a transaction opened with [`crate::Db::begin_write`], which holds the head lock.

use crate::{get, Conn, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::{
    chained_timestamp, format_timestamp, AuditRow, ChainBreak, ChainVerifier, StoredAuditRow,
};

/// What a caller supplies for a new audit row; sequence, time and hashes are added here.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub actor_account_id: Option<i64>,
    pub actor_label: String,
    pub actor_agency: Option<String>,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub note: Option<String>,
}

/// The head of the chain: the last sequence number and its hash.
pub async fn head(conn: &mut Conn) -> Result<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE audit_head_id = 1")
        .fetch_one(conn)
        .await?;
    Ok((get(&row, "seq")?, get(&row, "hash")?))
}

/// The head's sequence number alone: the version of all data (every change appends a row).
pub async fn head_seq(conn: &mut Conn) -> Result<i64> {
    let row = sqlx::query("SELECT seq FROM audit_head WHERE audit_head_id = 1")
        .fetch_one(conn)
        .await?;
    get(&row, "seq")
}

/// Appends one row to the chain and returns its sequence number.
pub async fn append(conn: &mut Conn, entry: NewAuditEntry, now: DateTime<Utc>) -> Result<i64> {
    let (last_seq, prev_hash) = head(&mut *conn).await?;
    let previous_at: Option<String> = sqlx::query_scalar("SELECT at FROM audit_entry WHERE seq = $1")
        .bind(last_seq)
        .fetch_optional(&mut *conn)
        .await?;
    let row = AuditRow {
        seq: last_seq + 1,
        at: chained_timestamp(previous_at.as_deref(), now),
        actor_account_id: entry.actor_account_id,
        actor_label: entry.actor_label,
        actor_agency: entry.actor_agency,
        action: entry.action,
        record_type: entry.record_type,
        record_id: entry.record_id,
        before_json: entry.before_json,
        after_json: entry.after_json,
        note: entry.note,
    };
    let hash = row.chain_hash(&prev_hash);
    sqlx::query(
        "INSERT INTO audit_entry (seq, at, actor_account_id, actor_label, actor_agency, action, record_type, \
         record_id, before_json, after_json, note, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(row.seq)
    .bind(row.at.clone())
    .bind(row.actor_account_id)
    .bind(row.actor_label.clone())
    .bind(row.actor_agency.clone())
    .bind(row.action.clone())
    .bind(row.record_type.clone())
    .bind(row.record_id.clone())
    .bind(row.before_json.clone())
    .bind(row.after_json.clone())
    .bind(row.note.clone())
    .bind(prev_hash)
    .bind(hash.clone())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE audit_head_id = 1")
        .bind(row.seq)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    Ok(row.seq)
}

const COLUMNS: &str =
    "seq, at, actor_account_id, actor_label, actor_agency, action, record_type, record_id, \
    before_json, after_json, note, prev_hash, hash";

fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredAuditRow> {
    Ok(StoredAuditRow {
        row: AuditRow {
            seq: get(row, "seq")?,
            at: get(row, "at")?,
            actor_account_id: get(row, "actor_account_id")?,
            actor_label: get(row, "actor_label")?,
            actor_agency: get(row, "actor_agency")?,
            action: get(row, "action")?,
            record_type: get(row, "record_type")?,
            record_id: get(row, "record_id")?,
            before_json: get(row, "before_json")?,
            after_json: get(row, "after_json")?,
            note: get(row, "note")?,
        },
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

/// Filters of the audit page; `None` does not filter. Times are inclusive-exclusive UTC bounds.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_account_id: Option<i64>,
    pub actor_agency: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Keyset pagination: only rows with a smaller sequence number.
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Rows matching the filter, newest first.
pub async fn list(conn: &mut Conn, filter: &AuditFilter) -> Result<Vec<StoredAuditRow>> {
    enum Bind {
        Int(i64),
        Text(String),
    }
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    let mut add = |sql: &str, bind: Bind| {
        binds.push(bind);
        conditions.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(id) = filter.actor_account_id {
        add("actor_account_id = ?", Bind::Int(id));
    }
    if let Some(agency) = &filter.actor_agency {
        add("actor_agency = ?", Bind::Text(agency.clone()));
    }
    if let Some(record_type) = &filter.record_type {
        add("record_type = ?", Bind::Text(record_type.clone()));
    }
    if let Some(record_id) = &filter.record_id {
        add("record_id = ?", Bind::Text(record_id.clone()));
    }
    if let Some(from) = filter.from {
        add("at >= ?", Bind::Text(format_timestamp(from)));
    }
    if let Some(until) = filter.until {
        add("at < ?", Bind::Text(format_timestamp(until)));
    }
    if let Some(before) = filter.before_seq {
        add("seq < ?", Bind::Int(before));
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_entry {where_clause} ORDER BY seq DESC LIMIT ${}",
        binds.len() + 1
    );
    let mut query = sqlx::query(&sql);
    for bind in binds {
        query = match bind {
            Bind::Int(value) => query.bind(value),
            Bind::Text(value) => query.bind(value),
        };
    }
    let rows = query.bind(filter.limit).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Verifies the whole chain in batches (memory stays flat however long the chain).
///
/// `Ok(Ok(n))`: `n` rows checked, all intact. `Ok(Err(break))`: the first broken row.
pub async fn verify(conn: &mut Conn) -> Result<Result<u64, ChainBreak>> {
    const BATCH: i64 = 5_000;
    let (head_seq, head_hash) = head(&mut *conn).await?;
    let mut verifier = ChainVerifier::new();
    let mut after = 0_i64;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_entry WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = get(last, "seq")?;
        for row in &rows {
            let stored = from_row(row)?;
            if let Err(broken) = verifier.push(&stored) {
                return Ok(Err(broken));
            }
        }
    }
    Ok(verifier.finish(head_seq, &head_hash))
}
