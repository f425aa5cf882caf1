//! Logging in and out, finding who is behind a session cookie, and the login delay.
//!
//! The cookie carries a random token; the database keeps only its SHA-256 (the session id), with a
//! CSRF token and the time it was last used. Everything here is working state written through
//! operational writes — sessions, failure counts, rate counters and the security log — so logging in
//! never waits for the audit chain (nor, on SQLite, for an import holding the main file).
//!
//! Failed passwords are counted per username *and* client address (`domain::account::login_delay`):
//! someone guessing from elsewhere slows only themselves; an unknown username is counted and answered
//! exactly like a real one; a wrong current password on the password page counts the same.

use crate::{App, AppError, Caller, Result};
use chrono::{DateTime, Duration, Utc};
use orewatch_domain::account::{
    attempts_before_delay, failures_remembered, login_delay, session_expired, AccountStatus,
    SecurityEventKind, LOGIN_FAILURE_MEMORY,
};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AccountId, Actor};
use orewatch_storage::accounts::{self, Account};
use orewatch_storage::security::{self, Throttle};
use orewatch_storage::sessions::{self, Session};
use orewatch_storage::Operational;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A session's last use is written when it is older than this, so the idle timeout is exact to within
/// these seconds while page views do not write every time.
const TOUCH_AFTER_SECONDS: i64 = 5;

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
        actor: Actor::Account {
            id: account.id,
            role: account.role,
            agency: account.agency.clone(),
        },
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        must_change_password: account.must_change_password,
        versions: None,
    }
}

/// The username as the login form's field holds it, for lookups and counting.
fn normalise(username: &str) -> String {
    username.trim().to_ascii_lowercase().chars().take(64).collect()
}

/// Refuses a password attempt while this username and client must wait (and logs the refusal).
async fn check_delay(
    app: &App,
    username: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Option<Throttle>> {
    let mut conn = app.db.conn().await?;
    let throttle = security::throttle(&mut conn, username, client).await?;
    if let Some(until) = throttle
        .and_then(|t| t.blocked_until)
        .filter(|until| *until > now)
    {
        security::log(
            &mut conn,
            SecurityEventKind::LoginDelayed,
            username,
            None,
            Some(client),
            None,
            now,
        )
        .await?;
        return Err(AppError::Delayed { until });
    }
    Ok(throttle)
}

/// Counts a failed password for this username and client; returns the error to answer with.
async fn count_failure(
    w: &mut impl Operational,
    username: &str,
    client: &str,
    previous: Option<Throttle>,
    now: DateTime<Utc>,
) -> Result<AppError> {
    let remembered = previous.map_or(0, |t| failures_remembered(t.failures, t.last_failure_at, now));
    let failures = remembered.saturating_add(1);
    let blocked_until = login_delay(failures).map(|d| now + d);
    security::record_failure(
        w,
        username,
        client,
        &Throttle {
            failures,
            last_failure_at: now,
            blocked_until,
        },
    )
    .await?;
    Ok(match blocked_until {
        Some(until) => AppError::Delayed { until },
        None => AppError::BadCredentials {
            remaining: attempts_before_delay(failures),
        },
    })
}

/// Checks a username and password from `client` and opens a session.
pub async fn login(app: &App, username: &str, password: &str, client: &str) -> Result<LoggedIn> {
    let username = normalise(username);
    let now = app.now();
    let throttle = check_delay(app, &username, client, now).await?;
    let mut conn = app.db.conn().await?;
    let account = accounts::find_by_username(&mut conn, &username).await?;
    drop(conn);
    let password_ok = match &account {
        Some(account) => app.hasher().verify(&account.password_hash, password),
        None => {
            // As long as for a real name, so timing does not tell which names exist.
            app.hasher().verify_dummy(password);
            false
        }
    };
    let known = account.as_ref().map(|a| a.id);
    let mut op = app.db.begin_operational().await?;
    let Some(account) = account.filter(|_| password_ok) else {
        let error = count_failure(&mut op, &username, client, throttle, now).await?;
        let detail = match &error {
            AppError::Delayed { .. } => Some("此后须等待"),
            _ => None,
        };
        security::log(
            &mut op,
            SecurityEventKind::LoginFailed,
            &username,
            known,
            Some(client),
            detail,
            now,
        )
        .await?;
        op.commit().await?;
        return Err(error);
    };
    if account.status == AccountStatus::Disabled {
        security::log(
            &mut op,
            SecurityEventKind::LoginFailed,
            &username,
            Some(account.id),
            Some(client),
            Some("账户已停用"),
            now,
        )
        .await?;
        op.commit().await?;
        return Err(AppError::Disabled);
    }
    security::clear(&mut op, &username, Some(client)).await?;
    let token = random_token();
    let session = Session {
        session_id: session_id_of(&token),
        account_id: account.id,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
    };
    sessions::insert(&mut op, &session).await?;
    security::log(
        &mut op,
        SecurityEventKind::Login,
        &username,
        Some(account.id),
        Some(client),
        None,
        now,
    )
    .await?;
    op.commit().await?;
    Ok(LoggedIn {
        token,
        csrf_token: session.csrf_token,
        caller: caller_of(&account),
    })
}

/// Checks a person's current password before a change of their own, counted like a login.
pub(crate) async fn check_own_password(
    app: &App,
    account: &Account,
    password: &str,
    client: &str,
) -> Result<bool> {
    let now = app.now();
    let throttle = check_delay(app, &account.username, client, now).await?;
    if app.hasher().verify(&account.password_hash, password) {
        return Ok(true);
    }
    let mut op = app.db.begin_operational().await?;
    let error = count_failure(&mut op, &account.username, client, throttle, now).await?;
    security::log(
        &mut op,
        SecurityEventKind::PasswordFailed,
        &account.username,
        Some(account.id),
        Some(client),
        None,
        now,
    )
    .await?;
    op.commit().await?;
    match error {
        AppError::Delayed { .. } => Err(error),
        _ => Ok(false),
    }
}

/// Counts a login attempt from `client` against the per-minute limit; `false` when over it.
pub async fn within_rate(app: &App, client: &str, per_minute: u32) -> Result<bool> {
    let mut conn = app.db.conn().await?;
    let hits = security::hit(
        &mut conn,
        &format!("login:{client}"),
        app.now(),
        Duration::minutes(1),
    )
    .await?;
    Ok(hits <= i64::from(per_minute))
}

/// Resolves a cookie token to a live session, ending it if it went idle.
pub async fn current(app: &App, token: &str) -> Result<Result<CurrentSession, NoSession>> {
    let session_id = session_id_of(token);
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let Some((session, account, versions)) = sessions::find_with_account(&mut conn, &session_id).await?
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
    if now - session.last_seen_at >= Duration::seconds(TOUCH_AFTER_SECONDS) {
        sessions::touch(&mut conn, &session_id, now).await?;
    }
    let mut caller = caller_of(&account);
    caller.versions = Some(versions);
    Ok(Ok(CurrentSession {
        session_id,
        csrf_token: session.csrf_token,
        caller,
    }))
}

/// Ends a session.
pub async fn logout(app: &App, current: &CurrentSession, client: &str) -> Result<()> {
    let now = app.now();
    let mut op = app.db.begin_operational().await?;
    sessions::delete(&mut op, &current.session_id).await?;
    security::log(
        &mut op,
        SecurityEventKind::Logout,
        &current.caller.username,
        current.caller.account_id(),
        Some(client),
        None,
        now,
    )
    .await?;
    op.commit().await?;
    Ok(())
}

/// Lifts every wait of an account's username (the office, when a person is locked out).
pub async fn unlock(app: &App, caller: &Caller, id: AccountId) -> Result<u64> {
    let mut conn = app.db.conn().await?;
    let account = accounts::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    caller.require(Action::ManageAccount, &crate::accounts::resource(&account))?;
    let mut op = app.db.begin_operational().await?;
    let lifted = security::clear(&mut op, &account.username, None).await?;
    security::log(
        &mut op,
        SecurityEventKind::Unlocked,
        &account.username,
        Some(account.id),
        None,
        Some(&format!("由 {} 解除", caller.display_name)),
        app.now(),
    )
    .await?;
    op.commit().await?;
    Ok(lifted)
}

/// Whether an account has a client waiting now (the account page offers to lift it).
pub async fn is_delayed(app: &App, account: &Account) -> Result<bool> {
    let mut conn = app.db.conn().await?;
    Ok(security::waiting_clients(&mut conn, &account.username, app.now()).await? > 0)
}

/// Deletes idle sessions, finished rate windows and forgotten failure counts (the server runs it now
/// and then).
pub async fn sweep(app: &App) -> Result<u64> {
    let now = app.now();
    let mut op = app.db.begin_operational().await?;
    let sessions = sessions::delete_idle(&mut op, now - app.settings.session_idle).await?;
    let counters = security::sweep(&mut op, now - Duration::minutes(2), now - LOGIN_FAILURE_MEMORY).await?;
    op.commit().await?;
    Ok(sessions + counters)
}

/// The security log, for those who may read the audit log.
pub async fn security_log(
    app: &App,
    caller: &Caller,
    filter: security::EventFilter,
) -> Result<Vec<security::SecurityEvent>> {
    caller.require(Action::ViewAudit, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let filter = security::EventFilter {
        limit: filter.limit.clamp(1, 200),
        ..filter
    };
    Ok(security::events(&mut conn, &filter).await?)
}
