//! Counts for the dashboard. Each is one indexed query.

use crate::{Conn, Result};
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

/// Agencies that are members of the command centre.
pub async fn member_agencies(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM agency WHERE kind = 'member'")
            .fetch_one(conn)
            .await?,
    )
}

/// Seats without a current holder (no open term, or an open term that left it vacant).
pub async fn vacant_seats(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM seat s WHERE NOT EXISTS (SELECT 1 FROM seat_term t \
         WHERE t.seat_id = s.seat_id AND t.to_on IS NULL AND t.account_id IS NOT NULL)",
    )
    .fetch_one(conn)
    .await?)
}

/// Sessions used since `since` (people working now).
pub async fn sessions_seen_since(conn: &mut Conn, since: DateTime<Utc>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(DISTINCT account_id) FROM session WHERE last_seen_at >= $1")
            .bind(format_timestamp(since))
            .fetch_one(conn)
            .await?,
    )
}

/// Accounts currently locked after failed logins.
pub async fn locked_accounts(conn: &mut Conn, now: DateTime<Utc>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM account WHERE locked_until > $1")
            .bind(format_timestamp(now))
            .fetch_one(conn)
            .await?,
    )
}
