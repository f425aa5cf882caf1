//! Reading and verifying the audit log.

use crate::{App, Caller, Result};
use orewatch_domain::audit::ChainBreak;
use orewatch_domain::policy::{Action, Resource};
use orewatch_storage::audit;

pub use orewatch_domain::audit::StoredAuditRow;
pub use orewatch_storage::audit::AuditFilter;

/// Record types that appear in the log, for the filter (kept here rather than queried: a DISTINCT over
/// the whole log would cost a scan on every page view).
pub const RECORD_TYPES: &[&str] = &[
    "account",
    "agency",
    "seat",
    "company",
    "mine",
    "licence",
    "permit",
    "protected_area",
    "credit_entry",
    "share_item",
];

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

/// Verifies the chain: `Ok(rows checked)` or the first broken row.
pub async fn verify(app: &App, caller: &Caller) -> Result<Result<u64, ChainBreak>> {
    caller.require(Action::VerifyAudit, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(audit::verify(&mut conn).await?)
}
