//! Reading and verifying the audit log.

use crate::checkpoint::{self, Checkpoint};
use crate::{App, AppError, Caller, Result};
use ed25519_dalek::VerifyingKey;
use orewatch_domain::policy::{Action, Resource};
use orewatch_storage::audit::{self, VerifyReport};
use std::path::{Path, PathBuf};

pub use orewatch_domain::audit::StoredAuditRow;
pub use orewatch_storage::audit::AuditFilter;

/// A page of the log, newest first; `next_before` continues it.
pub async fn list(
    app: &App,
    caller: &Caller,
    mut filter: AuditFilter,
) -> Result<(Vec<StoredAuditRow>, Option<i64>)> {
    caller.require(Action::ViewAudit, &Resource::Installation)?;
    filter.limit = if filter.limit <= 0 {
        50
    } else {
        filter.limit.min(200)
    };
    let mut conn = app.db.conn().await?;
    let mut rows = audit::list(
        &mut conn,
        &AuditFilter {
            limit: filter.limit + 1,
            ..filter.clone()
        },
    )
    .await?;
    let more = rows.len() as i64 > filter.limit;
    rows.truncate(usize::try_from(filter.limit).unwrap_or(usize::MAX));
    let next_before = if more {
        rows.last().map(|r| r.row.seq)
    } else {
        None
    };
    Ok((rows, next_before))
}

/// The names an audit entry's ids refer to: mines and companies, so a change reads "矿山 拉沟…" rather
/// than "矿山 5".
#[derive(Debug, Clone, Default)]
pub struct RecordNames {
    pub mines: std::collections::HashMap<orewatch_domain::MineId, String>,
    pub companies: std::collections::HashMap<orewatch_domain::CompanyId, String>,
}

pub async fn record_names(app: &App, caller: &Caller) -> Result<RecordNames> {
    caller.require(Action::ViewAudit, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(RecordNames {
        mines: orewatch_storage::mines::all_names(&mut conn)
            .await?
            .into_iter()
            .collect(),
        companies: orewatch_storage::companies::all_codes(&mut conn)
            .await?
            .into_iter()
            .map(|(id, _, name)| (id, name))
            .collect(),
    })
}

/// The columns of a record's state in the order its table lists them (the key, the columns, the child
/// lists), for showing an entry's changes in that order.
pub fn column_order(record: orewatch_domain::RecordType) -> Vec<&'static str> {
    let table = orewatch_storage::bound::table_of(record);
    std::iter::once(table.key.name)
        .chain(table.cols.iter().map(|c| c.name))
        .chain(table.children.iter().map(|c| c.name))
        .collect()
}

/// Display names by account, to show people by name rather than by login (cached with the accounts).
pub async fn people(
    app: &App,
    caller: &Caller,
) -> Result<std::collections::HashMap<orewatch_domain::AccountId, String>> {
    caller.require(Action::ViewAudit, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(orewatch_storage::accounts::names(&mut conn)
        .await?
        .into_iter()
        .map(|(id, _, name)| (id, name))
        .collect())
}

/// The entry before `seq` about the same record (to show what an entry changed).
pub async fn previous_state(app: &App, caller: &Caller, row: &StoredAuditRow) -> Result<Option<String>> {
    caller.require(Action::ViewAudit, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let rows = audit::list(
        &mut conn,
        &AuditFilter {
            record_type: Some(row.row.record_type),
            record_id: Some(row.row.record_id.clone()),
            before_seq: Some(row.row.seq),
            limit: 1,
            ..AuditFilter::default()
        },
    )
    .await?;
    Ok(rows.into_iter().next().and_then(|r| r.row.after_json))
}

/// What became of one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointCheck {
    /// The chain holds the signed head as a prefix.
    Holds,
    /// The file could not be read.
    Unreadable(String),
    /// The signature is bad, or made by another key than the trusted one.
    BadSignature,
    /// The chain is shorter than the checkpoint: rows were cut off the end, or it was reset.
    Truncated { chain_seq: i64 },
    /// The row at the checkpoint's seq has another hash: history up to it was rewritten.
    Rewritten,
}

/// The outcome of `audit verify`.
#[derive(Debug, Clone)]
pub struct Verification {
    pub report: VerifyReport,
    /// Each checkpoint file with its seq (when readable) and what was found.
    pub checkpoints: Vec<(PathBuf, Option<i64>, CheckpointCheck)>,
}

impl Verification {
    /// Whether nothing at all was found wrong.
    pub fn intact(&self) -> bool {
        self.report.chain_break.is_none()
            && self.report.findings_total == 0
            && self
                .checkpoints
                .iter()
                .all(|(_, _, c)| *c == CheckpointCheck::Holds)
    }
}

/// Verifies the chain and every record in one snapshot, and, given a folder of checkpoints and the
/// public key to trust, that the chain still holds each of them.
pub async fn verify(
    app: &App,
    caller: &Caller,
    checkpoints: Option<(&Path, Option<VerifyingKey>)>,
) -> Result<Verification> {
    caller.require(Action::VerifyAudit, &Resource::Installation)?;
    let mut files = Vec::new();
    let mut trusted = None;
    if let Some((dir, key)) = checkpoints {
        files = checkpoint::read_dir(dir).map_err(AppError::Config)?;
        trusted = match key {
            Some(key) => Some(key),
            None => checkpoint::public_key(app)?,
        };
        if trusted.is_none() {
            return Err(AppError::Config(
                "没有可信的公钥：请用 --public-key 给出，或配置签名密钥文件".into(),
            ));
        }
    }
    let seqs: Vec<i64> = files
        .iter()
        .filter_map(|(_, c)| c.as_ref().ok().map(|c| c.seq))
        .collect();
    let mut tx = app.db.begin_read().await?;
    let report = audit::verify(&mut tx, &seqs).await?;
    tx.rollback().await?;
    let checked = files
        .into_iter()
        .map(|(path, parsed)| match parsed {
            Err(message) => (path, None, CheckpointCheck::Unreadable(message)),
            Ok(c) => {
                let seq = Some(c.seq);
                (path, seq, check_one(&c, trusted.as_ref(), &report))
            }
        })
        .collect();
    Ok(Verification {
        report,
        checkpoints: checked,
    })
}

fn check_one(c: &Checkpoint, trusted: Option<&VerifyingKey>, report: &VerifyReport) -> CheckpointCheck {
    if !trusted.is_some_and(|key| c.signed_by(key)) {
        return CheckpointCheck::BadSignature;
    }
    match report.hashes_at.get(&c.seq) {
        Some(hash) if *hash == c.hash => CheckpointCheck::Holds,
        Some(_) => CheckpointCheck::Rewritten,
        None if c.seq > report.head_seq => CheckpointCheck::Truncated {
            chain_seq: report.head_seq,
        },
        // The chain broke before reaching the checkpoint's row.
        None => CheckpointCheck::Rewritten,
    }
}
