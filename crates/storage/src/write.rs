//! The two kinds of write (DESIGN.md "Storage rules").
//!
//! - [`WriteTx`], an **audited write**: opened by [`crate::Db::begin_write`], it holds the audit head's
//!   lock, writes records only through its own methods (which note what changed), appends one audit
//!   entry per changed record ([`WriteTx::audit`]) carrying the record's whole state, binds the record's
//!   row to that entry (`audit_seq`), and bumps the versions of the areas it touched. Its commit fails
//!   when no audit entry was appended, or when a changed record was not audited. The hash chain is
//!   computed in memory; entries are inserted in batches and the head is written once, at commit.
//! - [`OpTx`], an **operational write**: sessions, login throttling, rate-limit counters and the security
//!   log. It takes neither the audit head's lock nor a version bump, so a login never waits for an import.
//!   On SQLite its tables live in a second database file (attached as `ops`), so it does not even wait
//!   for the main file's write lock.
//!
//! Storage write functions for records take `&mut WriteTx`; those for working state take
//! `&mut impl Operational`. Reads take `&mut Conn`, which both transactions dereference to.

use crate::bound::{self, Child, Key, Link, State, Table, Value};
use crate::{get, Conn, Result, StorageError, Tx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::{chained_timestamp, AuditRow, StoredAuditRow};
use orewatch_domain::ids::Audited;
use orewatch_domain::{AuditAction, DataArea, RecordType};
use std::collections::{BTreeSet, HashMap};
use std::ops::{Deref, DerefMut};

/// Who an audit entry names as the actor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditActor {
    /// `None` for the operator on the command line.
    pub account_id: Option<orewatch_domain::AccountId>,
    /// The username, or `system`.
    pub label: String,
    pub agency: Option<String>,
}

/// Entries are inserted this many at a time.
const AUDIT_BATCH: usize = 500;
/// Bind parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// An audited write transaction.
pub struct WriteTx {
    tx: Tx,
    actor: AuditActor,
    now: DateTime<Utc>,
    /// The chain's head as it will be after the entries appended so far.
    seq: i64,
    hash: String,
    last_at: Option<String>,
    pending: Vec<StoredAuditRow>,
    appended: usize,
    /// Records changed and not audited yet.
    dirty: BTreeSet<(RecordType, Key)>,
    areas: BTreeSet<DataArea>,
    /// Batches use anonymous parameters (SQLite; see [`bound::Params`]).
    anonymous: bool,
    /// This process's writer turn on SQLite, held until the transaction ends.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

impl WriteTx {
    /// Opens an audited write: takes the head's lock (the transaction's first statement, so SQLite
    /// takes its write lock before any read) and reads the head.
    pub(crate) async fn begin(
        mut tx: Tx,
        actor: AuditActor,
        now: DateTime<Utc>,
        anonymous: bool,
        turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Result<WriteTx> {
        let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE audit_head_id = 1 RETURNING seq, hash")
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::MissingAuditHead)?;
        let seq: i64 = get(&row, "seq")?;
        let hash: String = get(&row, "hash")?;
        let last_at: Option<String> = sqlx::query_scalar("SELECT at FROM audit_entry WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&mut *tx)
            .await?;
        Ok(WriteTx {
            tx,
            actor,
            now,
            seq,
            hash,
            last_at,
            pending: Vec::new(),
            appended: 0,
            dirty: BTreeSet::new(),
            areas: BTreeSet::new(),
            anonymous,
            _turn: turn,
        })
    }

    /// The time this write is stamped with.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// How many audit entries this transaction has appended.
    pub fn appended(&self) -> usize {
        self.appended
    }

    // ---- records ----

    /// Inserts a root row; returns its key. Every column of the table must be given (and the key, for
    /// a natural-key table).
    pub(crate) async fn insert(&mut self, table: &'static Table, values: &[(&str, Value)]) -> Result<Key> {
        let mut cols: Vec<&bound::Col> = Vec::with_capacity(table.cols.len() + 1);
        if table.natural_key {
            cols.push(&table.key);
        }
        cols.extend(table.cols.iter());
        let ordered = ordered(table.name, &cols, values)?;
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
            table.name,
            cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
            cols.iter()
                .enumerate()
                .map(|(i, c)| bound::placeholder(c.kind, i + 1))
                .collect::<Vec<_>>()
                .join(", "),
            table.key.name
        );
        let mut query = sqlx::query(&sql);
        for (col, value) in cols.iter().zip(&ordered) {
            query = bound::bind(query, col.kind, value)?;
        }
        let row = query.fetch_one(&mut *self.tx).await?;
        let key = bound::read_key(&row, table)?;
        self.dirty.insert((table.record, key.clone()));
        Ok(key)
    }

    /// Changes columns of a root row; returns how many rows changed (0 or 1).
    pub(crate) async fn update(
        &mut self,
        table: &'static Table,
        key: &Key,
        set: &[(&str, Value)],
    ) -> Result<u64> {
        let mut cols = Vec::with_capacity(set.len());
        for (name, _) in set {
            let col =
                table.cols.iter().find(|c| c.name == *name).ok_or_else(|| {
                    StorageError::Internal(format!("{}.{name} is not a column", table.name))
                })?;
            cols.push(col);
        }
        let assignments: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = {}", c.name, bound::placeholder(c.kind, i + 1)))
            .collect();
        let sql = format!(
            "UPDATE {} SET {} WHERE {} = ${}",
            table.name,
            assignments.join(", "),
            table.key.name,
            cols.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for (col, (_, value)) in cols.iter().zip(set) {
            query = bound::bind(query, col.kind, value)?;
        }
        query = bound::bind(query, table.key.kind, &key.value())?;
        let changed = query.execute(&mut *self.tx).await?.rows_affected();
        if changed > 0 {
            self.dirty.insert((table.record, key.clone()));
        }
        Ok(changed)
    }

    /// Inserts a child row of a record (a licence event, a seat term, a recipient, an attachment).
    pub(crate) async fn insert_child(
        &mut self,
        table: &'static Table,
        child: &'static Child,
        parent: &Key,
        values: &[(&str, Value)],
    ) -> Result<()> {
        let (link_cols, link_values) = link_of(table, child, parent);
        // A generated child key (the first column, an integer) is left to the database.
        let own: Vec<&bound::Col> = child
            .cols
            .iter()
            .filter(|c| values.iter().any(|(n, _)| n == &c.name))
            .collect();
        let given = ordered(child.name, &own, values)?;
        let names: Vec<&str> = link_cols
            .iter()
            .copied()
            .chain(own.iter().map(|c| c.name))
            .collect();
        let kinds: Vec<bound::Kind> = link_values
            .iter()
            .map(|(k, _)| *k)
            .chain(own.iter().map(|c| c.kind))
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            child.name,
            names.join(", "),
            kinds
                .iter()
                .enumerate()
                .map(|(i, k)| bound::placeholder(*k, i + 1))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (kind, value) in link_values.iter() {
            query = bound::bind(query, *kind, value)?;
        }
        for (col, value) in own.iter().zip(&given) {
            query = bound::bind(query, col.kind, value)?;
        }
        query.execute(&mut *self.tx).await?;
        self.dirty.insert((table.record, parent.clone()));
        Ok(())
    }

    /// Changes child rows of a record that match `filter`; returns how many changed.
    pub(crate) async fn update_child(
        &mut self,
        table: &'static Table,
        child: &'static Child,
        parent: &Key,
        filter: &str,
        filter_values: &[Value],
        set: &[(&str, Value)],
    ) -> Result<u64> {
        let (link_cols, link_values) = link_of(table, child, parent);
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        let mut kinds = Vec::new();
        let mut assignments = Vec::new();
        for (name, _) in set {
            let col =
                child.cols.iter().find(|c| c.name == *name).ok_or_else(|| {
                    StorageError::Internal(format!("{}.{name} is not a column", child.name))
                })?;
            assignments.push(format!("{} = {}", col.name, bound::placeholder(col.kind, next())));
            kinds.push(col.kind);
        }
        let mut conditions: Vec<String> = link_cols.iter().map(|c| format!("{c} = ${}", next())).collect();
        // `filter` uses ?1, ?2 … for its own values.
        let base = n;
        let mut filter_sql = filter.to_string();
        for i in (1..=filter_values.len()).rev() {
            filter_sql = filter_sql.replace(&format!("?{i}"), &format!("${}", base + i));
        }
        if !filter_sql.is_empty() {
            conditions.push(filter_sql);
        }
        let sql = format!(
            "UPDATE {} SET {} WHERE {}",
            child.name,
            assignments.join(", "),
            conditions.join(" AND ")
        );
        let mut query = sqlx::query(&sql);
        for (kind, (_, value)) in kinds.iter().zip(set) {
            query = bound::bind(query, *kind, value)?;
        }
        for (kind, value) in &link_values {
            query = bound::bind(query, *kind, value)?;
        }
        query = bound::bind_values(query, filter_values);
        let changed = query.execute(&mut *self.tx).await?.rows_affected();
        if changed > 0 {
            self.dirty.insert((table.record, parent.clone()));
        }
        Ok(changed)
    }

    /// Removes child rows of a record that match `filter` (`?1` …) — only for parts of a draft that was
    /// never decided on (a plan item removed before submission); the audit keeps every state.
    pub(crate) async fn delete_child(
        &mut self,
        table: &'static Table,
        child: &'static Child,
        parent: &Key,
        filter: &str,
        filter_values: &[Value],
    ) -> Result<u64> {
        let (link_cols, link_values) = link_of(table, child, parent);
        let mut conditions: Vec<String> = link_cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let base = link_cols.len();
        let mut filter_sql = filter.to_string();
        for i in (1..=filter_values.len()).rev() {
            filter_sql = filter_sql.replace(&format!("?{i}"), &format!("${}", base + i));
        }
        if !filter_sql.is_empty() {
            conditions.push(filter_sql);
        }
        let sql = format!("DELETE FROM {} WHERE {}", child.name, conditions.join(" AND "));
        let mut query = sqlx::query(&sql);
        for (kind, value) in &link_values {
            query = bound::bind(query, *kind, value)?;
        }
        query = bound::bind_values(query, filter_values);
        let changed = query.execute(&mut *self.tx).await?.rows_affected();
        if changed > 0 {
            self.dirty.insert((table.record, parent.clone()));
        }
        Ok(changed)
    }

    /// The current state of a record (before a change), or `None` when it does not exist.
    pub async fn state(&mut self, record: RecordType, key: impl Into<Key>) -> Result<Option<State>> {
        crate::bound::read_state(&mut self.tx, bound::table_of(record), &key.into()).await
    }

    /// The state of the record `id` names, before a change that [`WriteTx::audit_of`] records.
    pub async fn state_of<I: Audited + Into<Key>>(&mut self, id: I) -> Result<Option<State>> {
        self.state(I::RECORD, id).await
    }

    // ---- the audit chain ----

    /// [`WriteTx::audit`] of the record `id` names: the id's type says which kind of record it is.
    pub async fn audit_of<I: Audited + Into<Key>>(
        &mut self,
        action: AuditAction,
        id: I,
        before: Option<State>,
        note: Option<String>,
    ) -> Result<i64> {
        self.audit(action, I::RECORD, id, before, note).await
    }

    /// Appends the audit entry of a change to `record`: binds its row to the entry and records its
    /// state after the change (and `before`, read with [`WriteTx::state`] before changing it).
    pub async fn audit(
        &mut self,
        action: AuditAction,
        record: RecordType,
        key: impl Into<Key>,
        before: Option<State>,
        note: Option<String>,
    ) -> Result<i64> {
        let key = &key.into();
        let table = bound::table_of(record);
        let seq = self.seq + 1;
        let after = bound::bind_state(&mut self.tx, table, key, seq).await?;
        self.dirty.remove(&(record, key.clone()));
        self.areas.insert(record.area());
        self.push(
            action,
            record,
            key.as_record_id(),
            before.map(|s| s.0),
            Some(after.0),
            note,
        )
        .await
    }

    /// Appends an entry that records no state (a note about a record, such as a credit-list override).
    pub async fn note(
        &mut self,
        action: AuditAction,
        record: RecordType,
        record_id: String,
        after_json: Option<String>,
        note: Option<String>,
    ) -> Result<i64> {
        if action.records_state() {
            return Err(StorageError::Internal(format!(
                "{} records state: use audit()",
                action.as_str()
            )));
        }
        self.push(action, record, record_id, None, after_json, note).await
    }

    async fn push(
        &mut self,
        action: AuditAction,
        record: RecordType,
        record_id: String,
        before_json: Option<String>,
        after_json: Option<String>,
        note: Option<String>,
    ) -> Result<i64> {
        let row = AuditRow {
            seq: self.seq + 1,
            at: chained_timestamp(self.last_at.as_deref(), self.now),
            actor_account_id: self.actor.account_id.map(|a| a.0),
            actor_label: self.actor.label.clone(),
            actor_agency: self.actor.agency.clone(),
            action,
            record_type: record,
            record_id,
            before_json,
            after_json,
            note,
        };
        let hash = row.chain_hash(&self.hash);
        let stored = StoredAuditRow {
            prev_hash: std::mem::replace(&mut self.hash, hash.clone()),
            hash,
            row,
        };
        self.seq = stored.row.seq;
        self.last_at = Some(stored.row.at.clone());
        self.pending.push(stored);
        self.appended += 1;
        if self.pending.len() >= AUDIT_BATCH {
            self.flush().await?;
        }
        Ok(self.seq)
    }

    /// Inserts the entries appended so far, in batches.
    async fn flush(&mut self) -> Result<()> {
        const COLUMNS: usize = 13;
        let pending = std::mem::take(&mut self.pending);
        for chunk in pending.chunks(AUDIT_BATCH.min(MAX_PARAMS / COLUMNS)) {
            let mut sql = String::from(
                "INSERT INTO audit_entry (seq, at, actor_account_id, actor_label, actor_agency, action, \
                 record_type, record_id, before_json, after_json, note, prev_hash, hash) VALUES ",
            );
            let mut params = bound::Params::new(self.anonymous);
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for c in 0..COLUMNS {
                    if c > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&params.next(bound::Kind::Text));
                }
                sql.push(')');
            }
            let mut query = sqlx::query(&sql);
            for e in chunk {
                let r = &e.row;
                query = query
                    .bind(r.seq)
                    .bind(r.at.clone())
                    .bind(r.actor_account_id)
                    .bind(r.actor_label.clone())
                    .bind(r.actor_agency.clone())
                    .bind(r.action.as_str().to_string())
                    .bind(r.record_type.as_str().to_string())
                    .bind(r.record_id.clone())
                    .bind(r.before_json.clone())
                    .bind(r.after_json.clone())
                    .bind(r.note.clone())
                    .bind(e.prev_hash.clone())
                    .bind(e.hash.clone());
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Inserts many new records of one table at once, each with its child rows and its own audit entry
    /// (an import). Returns their keys in input order.
    pub(crate) async fn insert_records(
        &mut self,
        table: &'static Table,
        records: Vec<NewRecord>,
        action: AuditAction,
        note: Option<&str>,
    ) -> Result<Vec<Key>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        if table.natural_key {
            return Err(StorageError::Internal(
                "batch insert needs a generated key".into(),
            ));
        }
        let first_seq = self.seq + 1;
        let cols: Vec<&bound::Col> = table.cols.iter().collect();
        let per_row = cols.len() + 1;
        let chunk_rows = (MAX_PARAMS / per_row).clamp(1, 500);
        // seq → (key, root values), filled from RETURNING (whose row order is not guaranteed).
        let mut inserted: HashMap<i64, (Key, Vec<Value>)> = HashMap::with_capacity(records.len());
        let mut offset = 0_usize;
        for chunk in records.chunks(chunk_rows) {
            let mut sql = format!(
                "INSERT INTO {} ({}, audit_seq) VALUES ",
                table.name,
                cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            );
            let mut params = bound::Params::new(self.anonymous);
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for c in &cols {
                    sql.push_str(&params.next(c.kind));
                    sql.push(',');
                }
                sql.push_str(&params.next(bound::Kind::Int));
                sql.push(')');
            }
            sql.push_str(&format!(
                " RETURNING {}, audit_seq, {}",
                table.key.name,
                cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            ));
            let mut query = sqlx::query(&sql);
            for (i, record) in chunk.iter().enumerate() {
                let values = ordered(table.name, &cols, &record.values)?;
                for (col, value) in cols.iter().zip(&values) {
                    query = bound::bind(query, col.kind, value)?;
                }
                query = query.bind(first_seq + (offset + i) as i64);
            }
            for row in query.fetch_all(&mut *self.tx).await? {
                let key = bound::read_key(&row, table)?;
                let seq: i64 = get(&row, "audit_seq")?;
                let values = cols
                    .iter()
                    .map(|c| bound::read(&row, c))
                    .collect::<Result<Vec<_>>>()?;
                inserted.insert(seq, (key, values));
            }
            offset += chunk.len();
        }
        let keys: Vec<Key> = (0..records.len())
            .map(|i| {
                inserted
                    .get(&(first_seq + i as i64))
                    .map(|(k, _)| k.clone())
                    .ok_or_else(|| StorageError::Internal("a batch row came back without its seq".into()))
            })
            .collect::<Result<_>>()?;
        // Child rows, by parent key.
        let mut children: Vec<HashMap<Key, Vec<Vec<Value>>>> = Vec::with_capacity(table.children.len());
        for (ci, child) in table.children.iter().enumerate() {
            let rows: Vec<(&Key, &Vec<(&'static str, Value)>)> = records
                .iter()
                .zip(&keys)
                .flat_map(|(r, k)| r.children.get(ci).into_iter().flatten().map(move |row| (k, row)))
                .collect();
            children.push(if rows.is_empty() {
                HashMap::new()
            } else {
                self.insert_child_rows(table, child, &rows).await?
            });
        }
        let mut states = Vec::with_capacity(records.len());
        for (i, key) in keys.iter().enumerate() {
            let values = inserted
                .remove(&(first_seq + i as i64))
                .map(|(_, v)| v)
                .unwrap_or_default();
            let kids: Vec<Vec<Vec<Value>>> = children
                .iter_mut()
                .map(|by_parent| by_parent.remove(key).unwrap_or_default())
                .collect();
            states.push(State::of(table, &values, &kids));
        }
        for (key, state) in keys.iter().zip(states) {
            self.push(
                action,
                table.record,
                key.as_record_id(),
                None,
                Some(state.0),
                note.map(str::to_string),
            )
            .await?;
        }
        self.areas.insert(table.record.area());
        Ok(keys)
    }

    /// Inserts child rows of several parents; returns their state rows by parent, in child order.
    async fn insert_child_rows(
        &mut self,
        table: &'static Table,
        child: &'static Child,
        rows: &[(&Key, &Vec<(&'static str, Value)>)],
    ) -> Result<HashMap<Key, Vec<Vec<Value>>>> {
        let Link::Column(fk) = child.link else {
            return Err(StorageError::Internal(
                "batch child rows need a column link".into(),
            ));
        };
        let own: Vec<&bound::Col> = child
            .cols
            .iter()
            .filter(|c| {
                rows.first()
                    .is_some_and(|(_, v)| v.iter().any(|(n, _)| n == &c.name))
            })
            .collect();
        let per_row = own.len() + 1;
        let chunk_rows = (MAX_PARAMS / per_row).clamp(1, 500);
        let mut out: HashMap<Key, Vec<Vec<Value>>> = HashMap::new();
        for chunk in rows.chunks(chunk_rows) {
            let mut sql = format!(
                "INSERT INTO {} ({fk}, {}) VALUES ",
                child.name,
                own.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            );
            let mut params = bound::Params::new(self.anonymous);
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                sql.push_str(&params.next(table.key.kind));
                for c in &own {
                    sql.push(',');
                    sql.push_str(&params.next(c.kind));
                }
                sql.push(')');
            }
            sql.push_str(&format!(
                " RETURNING {fk}, {}",
                child.cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            ));
            let mut query = sqlx::query(&sql);
            for (parent, values) in chunk {
                query = bound::bind(query, table.key.kind, &parent.value())?;
                let values = ordered(child.name, &own, values)?;
                for (col, value) in own.iter().zip(&values) {
                    query = bound::bind(query, col.kind, value)?;
                }
            }
            for row in query.fetch_all(&mut *self.tx).await? {
                let parent = match bound::read(
                    &row,
                    &bound::Col {
                        name: fk,
                        kind: table.key.kind,
                        added: false,
                    },
                )? {
                    Value::Int(n) => Key::Int(n),
                    Value::Text(t) => Key::Text(t),
                    other => return Err(StorageError::Corrupt(format!("{}.{fk}: {other:?}", child.name))),
                };
                let values = child
                    .cols
                    .iter()
                    .map(|c| bound::read(&row, c))
                    .collect::<Result<Vec<_>>>()?;
                out.entry(parent).or_default().push(values);
            }
        }
        let order = child
            .cols
            .iter()
            .position(|c| c.name == child.order_by)
            .unwrap_or(0);
        for rows in out.values_mut() {
            rows.sort_by(|a, b| bound::compare(a.get(order), b.get(order)));
        }
        Ok(out)
    }

    /// Commits: inserts the remaining entries, writes the head, bumps the touched areas' versions.
    pub async fn commit(mut self) -> Result<()> {
        if let Some((record, key)) = self.dirty.iter().next() {
            return Err(StorageError::Unaudited(format!(
                "{} {} changed without an audit entry",
                record.as_str(),
                key.as_record_id()
            )));
        }
        if self.appended == 0 {
            return Err(StorageError::Unaudited("no audit entry was appended".into()));
        }
        self.flush().await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE audit_head_id = 1")
            .bind(self.seq)
            .bind(self.hash.clone())
            .execute(&mut *self.tx)
            .await?;
        if !self.areas.is_empty() {
            let list: Vec<String> = self.areas.iter().map(|a| format!("'{}'", a.as_str())).collect();
            sqlx::query(&format!(
                "UPDATE data_version SET version = version + 1 WHERE area IN ({})",
                list.join(", ")
            ))
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons every change.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// A new record for [`WriteTx::insert_records`]: its columns and the rows of each child table.
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    pub values: Vec<(&'static str, Value)>,
    pub children: Vec<Vec<Vec<(&'static str, Value)>>>,
}

/// The given values in the order of `cols`; every column must be given, and nothing else.
fn ordered(table: &str, cols: &[&bound::Col], values: &[(&str, Value)]) -> Result<Vec<Value>> {
    if values.len() != cols.len() {
        let missing: Vec<&str> = cols
            .iter()
            .map(|c| c.name)
            .filter(|n| !values.iter().any(|(v, _)| v == n))
            .collect();
        return Err(StorageError::Internal(format!(
            "{table}: {} values for {} columns (missing {missing:?})",
            values.len(),
            cols.len()
        )));
    }
    cols.iter()
        .map(|c| {
            values
                .iter()
                .find(|(n, _)| *n == c.name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| StorageError::Internal(format!("{table}.{} not given", c.name)))
        })
        .collect()
}

/// The columns and values that link a child row to its parent.
fn link_of(table: &Table, child: &Child, parent: &Key) -> (Vec<&'static str>, Vec<(bound::Kind, Value)>) {
    match child.link {
        Link::Column(fk) => (vec![fk], vec![(table.key.kind, parent.value())]),
        Link::Tagged {
            type_column,
            id_column,
        } => (
            vec![type_column, id_column],
            vec![
                (bound::Kind::Text, Value::Text(table.record.as_str().to_string())),
                (bound::Kind::Text, Value::Text(parent.as_record_id())),
            ],
        ),
    }
}

/// A transaction for working state: no audit entry, no lock on the chain, no version bump.
pub struct OpTx {
    tx: Tx,
}

impl OpTx {
    pub(crate) fn new(tx: Tx) -> Self {
        Self { tx }
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for OpTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for OpTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

/// Something that may write working state: an operational transaction, an audited one (a password
/// change ends the account's other sessions in the same transaction), or a pooled connection for a
/// single statement.
pub trait Operational: DerefMut<Target = Conn> + Send {}

impl Operational for OpTx {}
impl Operational for WriteTx {}
impl Operational for sqlx::pool::PoolConnection<sqlx::Any> {}
