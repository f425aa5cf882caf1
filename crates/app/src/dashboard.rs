//! The home dashboard's figures, all counted from the database.

use crate::{App, Caller, Result};
use chrono::{Duration, FixedOffset, Offset, TimeZone, Utc};
use orewatch_domain::audit::StoredAuditRow;
use orewatch_domain::policy::{Action, Resource};
use orewatch_storage::audit::{self, AuditFilter};
use orewatch_storage::stats;
use std::sync::Arc;

/// What the home page shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub member_agencies: i64,
    pub active_accounts: i64,
    pub accounts_by_role: Vec<(String, i64)>,
    pub vacant_seats: i64,
    pub people_online: i64,
    pub locked_accounts: i64,
    pub changes_today: i64,
    pub changes_week: i64,
    /// The latest changes, for those who may read the audit log.
    pub recent: Vec<StoredAuditRow>,
}

/// China Standard Time: the day on the dashboard is the day in the county.
/// Today's date in China Standard Time (permit expiry is counted in local days).
pub fn china_today(now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    now.with_timezone(&china_offset()).date_naive()
}

pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

pub async fn summary(app: &App, caller: &Caller) -> Result<Dashboard> {
    caller.require(Action::ViewDashboard, &Resource::Installation)?;
    let now = app.now();
    let local = now.with_timezone(&china_offset());
    let midnight = local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or(local.naive_local());
    let today = china_offset()
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let mut conn = app.db.conn().await?;
    let counts = stats::counts(
        &mut conn,
        now,
        now - app.settings.session_idle,
        today,
        now - Duration::days(7),
    )
    .await?;
    // Counts that depend on the clock are always fresh; the rest is cached per data version.
    let versions = match caller.versions {
        Some(v) => v,
        None => orewatch_storage::versions::read(&mut conn).await?,
    };
    let caches = app.caches();
    let accounts_by_role = match caches.accounts_by_role.get(&versions) {
        Some(cached) => cached,
        None => {
            let loaded = Arc::new(stats::active_accounts_by_role(&mut conn).await?);
            caches.accounts_by_role.put(&versions, loaded.clone());
            loaded
        }
    };
    let may_audit = caller.may(Action::ViewAudit, &Resource::Installation);
    let recent = if !may_audit {
        Arc::default()
    } else if let Some(cached) = caches.recent_changes.get(&versions) {
        cached
    } else {
        let filter = AuditFilter {
            limit: 8,
            ..Default::default()
        };
        let loaded = Arc::new(audit::list(&mut conn, &filter).await?);
        caches.recent_changes.put(&versions, loaded.clone());
        loaded
    };
    Ok(Dashboard {
        member_agencies: counts.member_agencies,
        active_accounts: accounts_by_role.iter().map(|(_, n)| n).sum(),
        accounts_by_role: accounts_by_role.to_vec(),
        vacant_seats: counts.vacant_seats,
        people_online: counts.people_online,
        locked_accounts: counts.locked_accounts,
        changes_today: counts.changes_today,
        changes_week: counts.changes_week,
        recent: recent.to_vec(),
    })
}
