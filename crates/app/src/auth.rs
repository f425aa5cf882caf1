//! Logging in and out, and finding who is behind a session cookie.
//!
//! The cookie carries a random token; the database keeps only its SHA-256 (the session id), with a
//! CSRF token and the time it was last used. Failed logins count towards a lock-out
//! (`domain::account::lock_after_failure`).

use crate::{json, App, AppError, Caller, Result};
use chrono::Duration;
use orewatch_domain::account::{lock_after_failure, session_expired, AccountStatus, FREE_LOGIN_FAILURES};
use orewatch_domain::AgencyCode;
use orewatch_storage::accounts::{self, Account};
use orewatch_storage::audit;
use orewatch_storage::sessions::{self, Session};
use rand::RngCore;
use serde_json::json as j;
use sha2::{Digest, Sha256};

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The session id stored for a cookie token.
pub fn session_id_of(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A successful login: the cookie token and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub token: String,
    pub csrf_token: String,
    pub caller: Caller,
}

/// A live session and who is behind it.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub session_id: String,
    pub csrf_token: String,
    pub caller: Caller,
}

/// Why a cookie did not give a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSession {
    /// No such session (never was, logged out, or deleted).
    Unknown,
    /// The session went idle and has been ended.
    Expired,
}

pub(crate) fn caller_of(account: &Account) -> Caller {
    Caller {
        account_id: Some(account.id),
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: Some(account.role),
        agency: account
            .agency_code
            .as_deref()
            .and_then(|c| AgencyCode::parse(c).ok()),
        must_change_password: account.must_change_password,
        data_version: None,
    }
}

/// Checks a username and password and opens a session.
pub async fn login(app: &App, username: &str, password: &str) -> Result<LoggedIn> {
    let username = username.trim().to_ascii_lowercase();
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let Some(account) = accounts::find_by_username(&mut tx, &username).await? else {
        tx.rollback().await?;
        app.hasher().verify_dummy(password);
        return Err(AppError::BadCredentials { remaining: None });
    };
    if let Some(until) = account.locked_until.filter(|until| *until > now) {
        tx.rollback().await?;
        return Err(AppError::Locked { until });
    }
    let caller = caller_of(&account);
    if !app.hasher().verify(&account.password_hash, password) {
        let failures = account.failed_logins.saturating_add(1);
        let lock = lock_after_failure(failures, now);
        accounts::record_failed_login(&mut tx, account.id, failures, lock).await?;
        let mut entry = caller.audit("login.failed", "account", account.id);
        entry.before_json = json(j!({ "failed_logins": account.failed_logins }));
        entry.after_json = json(j!({ "failed_logins": failures, "locked": lock.is_some() }));
        audit::append(&mut tx, entry, now).await?;
        tx.commit().await?;
        return Err(match lock {
            Some(until) => AppError::Locked { until },
            None => AppError::BadCredentials {
                remaining: Some(FREE_LOGIN_FAILURES - failures),
            },
        });
    }
    if account.status == AccountStatus::Disabled {
        tx.rollback().await?;
        return Err(AppError::Disabled);
    }
    accounts::record_login(&mut tx, account.id, now).await?;
    let token = random_token();
    let session = Session {
        session_id: session_id_of(&token),
        account_id: account.id,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
    };
    sessions::insert(&mut tx, &session).await?;
    audit::append(&mut tx, caller.audit("login", "account", account.id), now).await?;
    tx.commit().await?;
    Ok(LoggedIn {
        token,
        csrf_token: session.csrf_token,
        caller,
    })
}

/// Resolves a cookie token to a live session, ending it if it went idle.
///
/// A session's last use is written at most once a minute, so reading pages does not write each time.
pub async fn current(app: &App, token: &str) -> Result<Result<CurrentSession, NoSession>> {
    let session_id = session_id_of(token);
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let Some((session, account, data_version)) = sessions::find_with_account(&mut conn, &session_id).await?
    else {
        return Ok(Err(NoSession::Unknown));
    };
    if session_expired(session.last_seen_at, app.settings.session_idle, now) {
        sessions::delete(&mut conn, &session_id).await?;
        return Ok(Err(NoSession::Expired));
    }
    if account.status != AccountStatus::Active {
        sessions::delete(&mut conn, &session_id).await?;
        return Ok(Err(NoSession::Unknown));
    }
    if now - session.last_seen_at >= Duration::seconds(60) {
        sessions::touch(&mut conn, &session_id, now).await?;
    }
    let mut caller = caller_of(&account);
    caller.data_version = Some(data_version);
    Ok(Ok(CurrentSession {
        session_id,
        csrf_token: session.csrf_token,
        caller,
    }))
}

/// Ends a session.
pub async fn logout(app: &App, current: &CurrentSession) -> Result<()> {
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    sessions::delete(&mut tx, &current.session_id).await?;
    if let Some(id) = current.caller.account_id {
        audit::append(&mut tx, current.caller.audit("logout", "account", id), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes sessions that went idle (housekeeping; the server runs it now and then).
pub async fn sweep_idle_sessions(app: &App) -> Result<u64> {
    let cutoff = app.now() - app.settings.session_idle;
    let mut conn = app.db.conn().await?;
    Ok(sessions::delete_idle(&mut conn, cutoff).await?)
}
