//! Login sessions: working state, stored in the database so that several server processes share them
//! (on SQLite in the attached working-state file). Written through operational transactions.
//!
//! A session is keyed by the SHA-256 of the cookie token (computed by the caller); the raw token is
//! never stored.

use crate::accounts::{self, Account, JOINED_COLUMNS};
use crate::versions::{self, Versions};
use crate::{get, get_time, Conn, Operational, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::AccountId;

/// A session row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub session_id: String,
    pub account_id: AccountId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn insert(w: &mut impl Operational, session: &Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO session (session_id, account_id, csrf_token, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(session.session_id.clone())
    .bind(session.account_id.0)
    .bind(session.csrf_token.clone())
    .bind(format_timestamp(session.created_at))
    .bind(format_timestamp(session.last_seen_at))
    .execute(&mut **w)
    .await?;
    Ok(())
}

/// A session, its account and the data versions in one query: every page request needs the first two,
/// and the read caches need the third.
pub async fn find_with_account(
    conn: &mut Conn,
    session_id: &str,
) -> Result<Option<(Session, Account, Versions)>> {
    let row = sqlx::query(&format!(
        "SELECT s.session_id, s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, {JOINED_COLUMNS}, \
         {} FROM session s JOIN account a ON a.account_id = s.account_id WHERE s.session_id = $1",
        versions::select_columns()
    ))
    .bind(session_id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let account = accounts::from_row(&row)?;
        let session = Session {
            session_id: get(&row, "session_id")?,
            account_id: account.id,
            csrf_token: get(&row, "csrf_token")?,
            created_at: get_time(&row, "session_created_at")?,
            last_seen_at: get_time(&row, "last_seen_at")?,
        };
        Ok((session, account, versions::from_row(&row)?))
    })
    .transpose()
}

/// Marks the session as used now.
pub async fn touch(w: &mut impl Operational, session_id: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE session SET last_seen_at = $1 WHERE session_id = $2")
        .bind(format_timestamp(now))
        .bind(session_id.to_string())
        .execute(&mut **w)
        .await?;
    Ok(())
}

pub async fn delete(w: &mut impl Operational, session_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM session WHERE session_id = $1")
        .bind(session_id.to_string())
        .execute(&mut **w)
        .await?;
    Ok(())
}

/// Ends every session of an account (after a password change or when it is disabled), except `except`.
pub async fn delete_for_account(
    w: &mut impl Operational,
    account_id: AccountId,
    except: Option<&str>,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM session WHERE account_id = $1 AND session_id <> $2")
        .bind(account_id.0)
        .bind(except.unwrap_or("").to_string())
        .execute(&mut **w)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes sessions last used before `cutoff`.
pub async fn delete_idle(w: &mut impl Operational, cutoff: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM session WHERE last_seen_at < $1")
        .bind(format_timestamp(cutoff))
        .execute(&mut **w)
        .await?;
    Ok(done.rows_affected())
}
