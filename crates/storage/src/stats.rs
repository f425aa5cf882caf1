//! Counts for the dashboard, in as few round trips as possible (it is the busiest page).

use crate::{get, Conn, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;

/// Accounts per role code (active accounts only).
pub async fn active_accounts_by_role(conn: &mut Conn) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query_as::<_, (String, i64)>(
        "SELECT role, COUNT(*) FROM account WHERE status = 'active' GROUP BY role ORDER BY role",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// The dashboard's single-number figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub member_agencies: i64,
    pub vacant_seats: i64,
    pub people_online: i64,
    /// Usernames with a client made to wait after failed passwords.
    pub locked_accounts: i64,
    pub changes_today: i64,
    pub changes_week: i64,
    /// The audit head's sequence number when counted: the version of all data.
    pub data_version: i64,
}

/// All of [`Counts`] in one round trip (the dashboard is the busiest page).
pub async fn counts(
    conn: &mut Conn,
    now: DateTime<Utc>,
    online_since: DateTime<Utc>,
    today_since: DateTime<Utc>,
    week_since: DateTime<Utc>,
) -> Result<Counts> {
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM agency WHERE kind = 'member') AS member_agencies, \
           (SELECT COUNT(*) FROM seat s WHERE NOT EXISTS (SELECT 1 FROM seat_term t \
              WHERE t.seat_id = s.seat_id AND t.to_on IS NULL AND t.account_id IS NOT NULL)) AS vacant_seats, \
           (SELECT COUNT(DISTINCT account_id) FROM session WHERE last_seen_at >= $1) AS people_online, \
           (SELECT COUNT(DISTINCT username) FROM login_throttle WHERE blocked_until > $2) AS locked_accounts, \
           (SELECT seq FROM audit_head WHERE audit_head_id = 1) AS head_seq, \
           (SELECT seq FROM audit_entry WHERE at >= $3 ORDER BY at, seq LIMIT 1) AS first_today, \
           (SELECT seq FROM audit_entry WHERE at >= $4 ORDER BY at, seq LIMIT 1) AS first_week",
    )
    .bind(format_timestamp(online_since))
    .bind(format_timestamp(now))
    .bind(format_timestamp(today_since))
    .bind(format_timestamp(week_since))
    .fetch_one(conn)
    .await?;
    // Times never go back along the chain, so the rows since T are those from the first one at or
    // after T up to the head: two index probes instead of counting thousands of rows.
    let head_seq: i64 = get(&row, "head_seq")?;
    let since = |first: Option<i64>| first.map_or(0, |first| head_seq - first + 1);
    Ok(Counts {
        member_agencies: get(&row, "member_agencies")?,
        vacant_seats: get(&row, "vacant_seats")?,
        people_online: get(&row, "people_online")?,
        locked_accounts: get(&row, "locked_accounts")?,
        changes_today: since(get(&row, "first_today")?),
        changes_week: since(get(&row, "first_week")?),
        data_version: head_seq,
    })
}
