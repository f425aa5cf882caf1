//! The audit chain: reading the head, listing entries, binding records written before the binding
//! existed, and verifying — the chain's hashes and every record's state against its latest entry, in
//! one consistent snapshot of a live database.
//!
//! Entries are appended only by [`crate::write::WriteTx`]; the hashing rule lives in
//! `orewatch_domain::audit`, the record states in [`crate::bound`].

use crate::bound::{self, Key, State, Table, TABLES};
use crate::{get, Conn, Result, StorageError, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::{format_timestamp, AuditRow, ChainBreak, ChainVerifier, StoredAuditRow};
use orewatch_domain::{AuditAction, RecordType};
use std::collections::{BTreeMap, HashMap};

/// The head of the chain: the last sequence number and its hash.
pub async fn head(conn: &mut Conn) -> Result<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE audit_head_id = 1")
        .fetch_optional(conn)
        .await?
        .ok_or(StorageError::MissingAuditHead)?;
    Ok((get(&row, "seq")?, get(&row, "hash")?))
}

const COLUMNS: &str =
    "seq, at, actor_account_id, actor_label, actor_agency, action, record_type, record_id, \
    before_json, after_json, note, prev_hash, hash";

/// An entry read back; an unknown action or record type is corrupt.
fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredAuditRow> {
    read_row(row)?.map_err(|(seq, what)| StorageError::Corrupt(format!("audit_entry {seq}: {what}")))
}

/// An entry read back, or — when its action or record type is unknown — its seq and the bad code
/// (verification reports such a row as altered instead of failing).
fn read_row(row: &sqlx::any::AnyRow) -> Result<std::result::Result<StoredAuditRow, (i64, String)>> {
    let seq: i64 = get(row, "seq")?;
    let action: String = get(row, "action")?;
    let record_type: String = get(row, "record_type")?;
    let (Ok(action), Ok(record_type)) = (AuditAction::parse(&action), RecordType::parse(&record_type)) else {
        return Ok(Err((
            seq,
            format!("action “{action}” / record type “{record_type}”"),
        )));
    };
    Ok(Ok(StoredAuditRow {
        row: AuditRow {
            seq,
            at: get(row, "at")?,
            actor_account_id: get(row, "actor_account_id")?,
            actor_label: get(row, "actor_label")?,
            actor_agency: get(row, "actor_agency")?,
            action,
            record_type,
            record_id: get(row, "record_id")?,
            before_json: get(row, "before_json")?,
            after_json: get(row, "after_json")?,
            note: get(row, "note")?,
        },
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    }))
}

/// Filters of the audit page; `None` does not filter. Times are inclusive-exclusive UTC bounds.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_account_id: Option<orewatch_domain::AccountId>,
    pub actor_agency: Option<String>,
    pub record_type: Option<RecordType>,
    pub record_id: Option<String>,
    /// Entries about any of these records (a mine page's timeline: the mine, its licences, its permits).
    pub records: Vec<(RecordType, String)>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Keyset pagination: only rows with a smaller sequence number.
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Rows matching the filter, newest first, in one query.
pub async fn list(conn: &mut Conn, filter: &AuditFilter) -> Result<Vec<StoredAuditRow>> {
    let mut conditions = Vec::new();
    let mut binds: Vec<bound::Value> = Vec::new();
    let mut add = |sql: &str, value: bound::Value, binds: &mut Vec<bound::Value>| {
        binds.push(value);
        conditions.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(id) = filter.actor_account_id {
        add("actor_account_id = ?", id.0.into(), &mut binds);
    }
    if let Some(agency) = &filter.actor_agency {
        add("actor_agency = ?", agency.as_str().into(), &mut binds);
    }
    if let Some(record_type) = filter.record_type {
        add("record_type = ?", record_type.as_str().into(), &mut binds);
    }
    if let Some(record_id) = &filter.record_id {
        add("record_id = ?", record_id.as_str().into(), &mut binds);
    }
    if let Some(from) = filter.from {
        add("at >= ?", format_timestamp(from).into(), &mut binds);
    }
    if let Some(until) = filter.until {
        add("at < ?", format_timestamp(until).into(), &mut binds);
    }
    if let Some(before) = filter.before_seq {
        add("seq < ?", before.into(), &mut binds);
    }
    if !filter.records.is_empty() {
        let mut by_type: BTreeMap<RecordType, Vec<&str>> = BTreeMap::new();
        for (t, id) in &filter.records {
            by_type.entry(*t).or_default().push(id);
        }
        let mut groups = Vec::new();
        for (t, ids) in by_type {
            binds.push(t.as_str().into());
            let type_n = binds.len();
            let mut placeholders = Vec::new();
            for id in ids {
                binds.push(id.into());
                placeholders.push(format!("${}", binds.len()));
            }
            groups.push(format!(
                "(record_type = ${type_n} AND record_id IN ({}))",
                placeholders.join(", ")
            ));
        }
        conditions.push(format!("({})", groups.join(" OR ")));
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
    let rows = bound::bind_values(sqlx::query(&sql), &binds)
        .bind(filter.limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The entry with this sequence number.
pub async fn entry(conn: &mut Conn, seq: i64) -> Result<Option<StoredAuditRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_entry WHERE seq = $1"))
        .bind(seq)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Binds every record whose row has no audit entry yet: one `record.baseline` entry each, holding its
/// state now. Run once, by the upgrade that introduced the binding (afterwards an unbound row is one
/// written behind the application's back, and `verify` reports it). Returns how many were bound.
pub async fn bind_unbound(tx: &mut WriteTx, note: &str) -> Result<u64> {
    let mut bound_rows = 0;
    for table in TABLES {
        let sql = format!(
            "SELECT {} FROM {} WHERE audit_seq IS NULL ORDER BY {}",
            table.key.name, table.name, table.key.name
        );
        let rows = sqlx::query(&sql).fetch_all(&mut **tx).await?;
        let keys = rows
            .iter()
            .map(|r| bound::read_key(r, table))
            .collect::<Result<Vec<Key>>>()?;
        for key in keys {
            tx.audit(
                AuditAction::RecordBaseline,
                table.record,
                &key,
                None,
                Some(note.to_string()),
            )
            .await?;
            bound_rows += 1;
        }
    }
    Ok(bound_rows)
}

/// Something `verify` found wrong with the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordFinding {
    /// The row differs from the state its entry recorded, in these fields.
    Altered {
        table: &'static str,
        id: String,
        seq: i64,
        fields: Vec<String>,
    },
    /// The row names no audit entry: written behind the application's back.
    Unbound { table: &'static str, id: String },
    /// The row names an entry that is not the record's latest (or holds no state of it).
    Relinked {
        table: &'static str,
        id: String,
        row_seq: i64,
        latest_seq: Option<i64>,
    },
    /// The log holds a record that no longer exists: deleted behind the application's back.
    Deleted {
        record: RecordType,
        id: String,
        seq: i64,
    },
}

impl std::fmt::Display for RecordFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordFinding::Altered {
                table,
                id,
                seq,
                fields,
            } => write!(
                f,
                "{table} {id}：与第{seq}条审计记录的状态不符，字段 {}（记录被绕过系统改动）",
                fields.join("、")
            ),
            RecordFinding::Unbound { table, id } => {
                write!(f, "{table} {id}：没有对应的审计记录（记录被绕过系统写入）")
            }
            RecordFinding::Relinked {
                table,
                id,
                row_seq,
                latest_seq,
            } => match latest_seq {
                Some(latest) => write!(
                    f,
                    "{table} {id}：指向第{row_seq}条审计记录，而其最新审计记录为第{latest}条（关联被改动）"
                ),
                None => write!(
                    f,
                    "{table} {id}：指向第{row_seq}条审计记录，但审计日志中没有该记录的状态（关联被改动）"
                ),
            },
            RecordFinding::Deleted { record, id, seq } => write!(
                f,
                "{} {id}：审计日志第{seq}条记载了它，但记录已不存在（记录被绕过系统删除）",
                bound::table_of(*record).name
            ),
        }
    }
}

/// What `verify` found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub rows_checked: u64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first break of the hash chain, if any (entries after it are not trusted).
    pub chain_break: Option<ChainBreak>,
    /// The verified chain's hash at each requested sequence number (present when the chain reaches it).
    pub hashes_at: BTreeMap<i64, String>,
    pub records_checked: u64,
    /// Up to [`MAX_FINDINGS`] record findings.
    pub findings: Vec<RecordFinding>,
    /// All record findings, also those not listed.
    pub findings_total: u64,
}

/// Record findings listed in a report (the total is counted regardless).
pub const MAX_FINDINGS: usize = 200;

/// Verifies the chain and every record, in one snapshot: `conn` should be a read transaction
/// ([`crate::Db::begin_read`]) so that writers working meanwhile cannot make it see half a change.
/// `hashes_at` asks for the chain's hash at those sequence numbers (to check signed checkpoints).
pub async fn verify(conn: &mut Conn, hashes_at: &[i64]) -> Result<VerifyReport> {
    const BATCH: i64 = 5_000;
    let (head_seq, head_hash) = head(&mut *conn).await?;
    let wanted: std::collections::BTreeSet<i64> = hashes_at.iter().copied().collect();
    let mut report = VerifyReport {
        head_seq,
        head_hash: head_hash.clone(),
        ..VerifyReport::default()
    };
    // The latest recorded state of every record: (record type, id) → (seq, SHA-256 of the state text).
    let mut latest: HashMap<(RecordType, String), (i64, [u8; 32])> = HashMap::new();
    let mut verifier = ChainVerifier::new();
    let mut after = 0_i64;
    'chain: loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_entry WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
        ))
        .bind(after)
        .bind(head_seq)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = get(last, "seq")?;
        for row in &rows {
            let stored = match read_row(row)? {
                Ok(stored) => stored,
                Err((seq, _)) => {
                    report.chain_break = Some(ChainBreak::ContentAltered { seq });
                    break 'chain;
                }
            };
            if let Err(broken) = verifier.push(&stored) {
                report.chain_break = Some(broken);
                break 'chain;
            }
            report.rows_checked += 1;
            let r = &stored.row;
            if wanted.contains(&r.seq) {
                report.hashes_at.insert(r.seq, stored.hash.clone());
            }
            if r.action.records_state() {
                if let Some(after_json) = &r.after_json {
                    let digest = State(after_json.clone()).digest();
                    latest.insert((r.record_type, r.record_id.clone()), (r.seq, digest));
                }
            }
        }
    }
    if report.chain_break.is_none() {
        if let Err(broken) = verifier.finish(head_seq, &head_hash) {
            report.chain_break = Some(broken);
        }
    }
    for table in TABLES {
        verify_table(conn, table, &mut latest, &mut report).await?;
    }
    let mut gone: Vec<_> = latest.into_iter().collect();
    gone.sort_by_key(|(_, (seq, _))| *seq);
    for ((record, id), (seq, _)) in gone {
        push_finding(&mut report, RecordFinding::Deleted { record, id, seq });
    }
    Ok(report)
}

fn push_finding(report: &mut VerifyReport, finding: RecordFinding) {
    report.findings_total += 1;
    if report.findings.len() < MAX_FINDINGS {
        report.findings.push(finding);
    }
}

/// Checks every row of one table against the latest states, removing the ones it matched.
async fn verify_table(
    conn: &mut Conn,
    table: &'static Table,
    latest: &mut HashMap<(RecordType, String), (i64, [u8; 32])>,
    report: &mut VerifyReport,
) -> Result<()> {
    let children = all_children(conn, table).await?;
    let columns = table.cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
    let rows = sqlx::query(&format!(
        "SELECT {}, audit_seq, {columns} FROM {} ORDER BY {}",
        table.key.name, table.name, table.key.name
    ))
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        report.records_checked += 1;
        let key = bound::read_key(row, table)?;
        let id = key.as_record_id();
        let row_seq: Option<i64> = get(row, "audit_seq")?;
        let expected = latest.remove(&(table.record, id.clone()));
        let Some(row_seq) = row_seq else {
            push_finding(
                report,
                RecordFinding::Unbound {
                    table: table.name,
                    id,
                },
            );
            continue;
        };
        let Some((latest_seq, digest)) = expected else {
            push_finding(
                report,
                RecordFinding::Relinked {
                    table: table.name,
                    id,
                    row_seq,
                    latest_seq: None,
                },
            );
            continue;
        };
        if row_seq != latest_seq {
            push_finding(
                report,
                RecordFinding::Relinked {
                    table: table.name,
                    id,
                    row_seq,
                    latest_seq: Some(latest_seq),
                },
            );
            continue;
        }
        let values = table
            .cols
            .iter()
            .map(|c| bound::read(row, c))
            .collect::<Result<Vec<_>>>()?;
        let kids: Vec<Vec<Vec<bound::Value>>> = children
            .iter()
            .map(|by_parent| by_parent.get(&key).cloned().unwrap_or_default())
            .collect();
        let state = State::of(table, &values, &kids);
        if state.digest() != digest {
            let recorded = entry(&mut *conn, latest_seq)
                .await?
                .and_then(|e| e.row.after_json)
                .unwrap_or_default();
            let fields = bound::differing_fields(&recorded, &state.0);
            push_finding(
                report,
                RecordFinding::Altered {
                    table: table.name,
                    id,
                    seq: latest_seq,
                    fields,
                },
            );
        }
    }
    Ok(())
}

/// Every child row of a table's records, by parent key, in child order.
async fn all_children(conn: &mut Conn, table: &Table) -> Result<Vec<HashMap<Key, Vec<Vec<bound::Value>>>>> {
    let mut out = Vec::with_capacity(table.children.len());
    for child in table.children {
        let columns = child.cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
        let (parent_col, condition) = match child.link {
            bound::Link::Column(fk) => (fk, String::new()),
            bound::Link::Tagged {
                type_column,
                id_column,
            } => (
                id_column,
                format!("WHERE {type_column} = '{}'", table.record.as_str()),
            ),
        };
        let sql = format!(
            "SELECT {parent_col} AS parent_key, {columns} FROM {} {condition} ORDER BY {}",
            child.name, child.order_by
        );
        let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
        let mut by_parent: HashMap<Key, Vec<Vec<bound::Value>>> = HashMap::new();
        for row in &rows {
            let parent = match child.link {
                bound::Link::Column(_) => bound::read(
                    row,
                    &bound::Col {
                        name: "parent_key",
                        kind: table.key.kind,
                        added: false,
                    },
                )?,
                bound::Link::Tagged { .. } => {
                    let text: String = get(row, "parent_key")?;
                    match table.key.kind {
                        bound::Kind::Int => text
                            .parse::<i64>()
                            .map(bound::Value::Int)
                            .unwrap_or(bound::Value::Text(text)),
                        _ => bound::Value::Text(text),
                    }
                }
            };
            let key = match parent {
                bound::Value::Int(n) => Key::Int(n),
                bound::Value::Text(t) => Key::Text(t),
                _ => continue,
            };
            let values = child
                .cols
                .iter()
                .map(|c| bound::read(row, c))
                .collect::<Result<Vec<_>>>()?;
            by_parent.entry(key).or_default().push(values);
        }
        out.push(by_parent);
    }
    Ok(out)
}
