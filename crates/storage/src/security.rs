//! Working state of logging in: the security log (登录日志), the per-username-and-client failure counts
//! behind the login delay (`domain::account::login_delay`), and fixed-window rate counters. All written
//! through operational writes: none of it is a record, none of it waits for the audit chain.

use crate::{get, get_code, get_opt_time, get_time, some, Conn, Operational, Result, StorageError};
use chrono::{DateTime, Duration, Utc};
use orewatch_domain::account::SecurityEventKind;
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::AccountId;

/// An event of the security log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: SecurityEventKind,
    /// As typed (lower-cased), also for names that do not exist.
    pub username: String,
    pub account_id: Option<AccountId>,
    pub client: Option<String>,
    pub detail: Option<String>,
}

/// Appends an event.
pub async fn log(
    w: &mut impl Operational,
    kind: SecurityEventKind,
    username: &str,
    account_id: Option<AccountId>,
    client: Option<&str>,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO security_event (at, kind, username, account_id, client, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(format_timestamp(at))
    .bind(kind.as_str().to_string())
    .bind(username.to_string())
    .bind(account_id.map(|a| a.0))
    .bind(client.map(str::to_string))
    .bind(detail.map(str::to_string))
    .execute(&mut **w)
    .await?;
    Ok(())
}

/// Filters of the security log.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub account_id: Option<AccountId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Keyset pagination: only events with a smaller id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Events matching the filter, newest first.
pub async fn events(conn: &mut Conn, filter: &EventFilter) -> Result<Vec<SecurityEvent>> {
    let mut conditions = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    if filter.account_id.is_some() {
        conditions.push(format!("account_id = ${}", next()));
    }
    if filter.from.is_some() {
        conditions.push(format!("at >= ${}", next()));
    }
    if filter.until.is_some() {
        conditions.push(format!("at < ${}", next()));
    }
    if filter.before_id.is_some() {
        conditions.push(format!("security_event_id < ${}", next()));
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT security_event_id, at, kind, username, account_id, client, detail FROM security_event \
         {where_clause} ORDER BY security_event_id DESC LIMIT ${}",
        next()
    );
    let mut query = sqlx::query(&sql);
    if let Some(id) = filter.account_id {
        query = query.bind(id.0);
    }
    if let Some(from) = filter.from {
        query = query.bind(format_timestamp(from));
    }
    if let Some(until) = filter.until {
        query = query.bind(format_timestamp(until));
    }
    if let Some(before) = filter.before_id {
        query = query.bind(before);
    }
    let rows = query.bind(filter.limit).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(SecurityEvent {
                id: get(r, "security_event_id")?,
                at: get_time(r, "at")?,
                kind: get_code(r, "kind", some(SecurityEventKind::parse))?,
                username: get(r, "username")?,
                account_id: get::<Option<i64>>(r, "account_id")?.map(AccountId),
                client: get(r, "client")?,
                detail: get(r, "detail")?,
            })
        })
        .collect()
}

/// When an account last logged in.
pub async fn last_login(conn: &mut Conn, account_id: AccountId) -> Result<Option<DateTime<Utc>>> {
    let row =
        sqlx::query("SELECT MAX(at) AS at FROM security_event WHERE account_id = $1 AND kind = 'login'")
            .bind(account_id.0)
            .fetch_one(conn)
            .await?;
    get_opt_time(&row, "at")
}

/// When each of these accounts last logged in (one query).
pub async fn last_logins(
    conn: &mut Conn,
    ids: &[AccountId],
) -> Result<std::collections::HashMap<AccountId, DateTime<Utc>>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT account_id, MAX(at) AS at FROM security_event WHERE kind = 'login' AND account_id IN ({}) \
         GROUP BY account_id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id.0);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter()
        .map(|r| Ok((AccountId(get(r, "account_id")?), get_time(r, "at")?)))
        .collect()
}

/// Which of these usernames have a client waiting now.
pub async fn waiting_among(
    conn: &mut Conn,
    usernames: &[String],
    now: DateTime<Utc>,
) -> Result<std::collections::HashSet<String>> {
    if usernames.is_empty() {
        return Ok(Default::default());
    }
    let placeholders: Vec<String> = (2..=usernames.len() + 1).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT DISTINCT username FROM login_throttle WHERE blocked_until > $1 AND username IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_scalar::<_, String>(&sql).bind(format_timestamp(now));
    for u in usernames {
        query = query.bind(u.clone());
    }
    Ok(query.fetch_all(conn).await?.into_iter().collect())
}

/// The failures of one username from one client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub failures: u32,
    pub last_failure_at: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
}

pub async fn throttle(conn: &mut Conn, username: &str, client: &str) -> Result<Option<Throttle>> {
    let row = sqlx::query(
        "SELECT failures, last_failure_at, blocked_until FROM login_throttle WHERE username = $1 AND client = $2",
    )
    .bind(username.to_string())
    .bind(client.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let failures: i64 = get(&r, "failures")?;
        Ok(Throttle {
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            last_failure_at: get_time(&r, "last_failure_at")?,
            blocked_until: get_opt_time(&r, "blocked_until")?,
        })
    })
    .transpose()
}

/// Stores the failures of a username from a client address.
pub async fn record_failure(
    w: &mut impl Operational,
    username: &str,
    client: &str,
    throttle: &Throttle,
) -> Result<()> {
    let values = |q: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>>| {
        q.bind(i64::from(throttle.failures))
            .bind(format_timestamp(throttle.last_failure_at))
            .bind(throttle.blocked_until.map(format_timestamp))
            .bind(username.to_string())
            .bind(client.to_string())
    };
    let updated = values(sqlx::query(
        "UPDATE login_throttle SET failures = $1, last_failure_at = $2, blocked_until = $3 \
         WHERE username = $4 AND client = $5",
    ))
    .execute(&mut **w)
    .await?
    .rows_affected();
    if updated == 0 {
        values(sqlx::query(
            "INSERT INTO login_throttle (failures, last_failure_at, blocked_until, username, client) \
             VALUES ($1, $2, $3, $4, $5)",
        ))
        .execute(&mut **w)
        .await?;
    }
    Ok(())
}

/// Forgets the failures of a username: from one client (a success), or from all (the office unlocks).
pub async fn clear(w: &mut impl Operational, username: &str, client: Option<&str>) -> Result<u64> {
    let done = match client {
        Some(client) => {
            sqlx::query("DELETE FROM login_throttle WHERE username = $1 AND client = $2")
                .bind(username.to_string())
                .bind(client.to_string())
                .execute(&mut **w)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM login_throttle WHERE username = $1")
                .bind(username.to_string())
                .execute(&mut **w)
                .await?
        }
    };
    Ok(done.rows_affected())
}

/// How many clients are waiting on a username now (the account page offers the office to lift them).
pub async fn waiting_clients(conn: &mut Conn, username: &str, now: DateTime<Utc>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM login_throttle WHERE username = $1 AND blocked_until > $2")
            .bind(username.to_string())
            .bind(format_timestamp(now))
            .fetch_one(conn)
            .await?,
    )
}

/// Usernames with a client waiting now (the dashboard's count of delayed accounts).
pub async fn waiting_usernames(conn: &mut Conn, now: DateTime<Utc>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(DISTINCT username) FROM login_throttle WHERE blocked_until > $1")
            .bind(format_timestamp(now))
            .fetch_one(conn)
            .await?,
    )
}

/// Counts a hit in `bucket`'s fixed window of `window` and returns the hits in the current window.
pub async fn hit(
    w: &mut impl Operational,
    bucket: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<i64> {
    let now_text = format_timestamp(now);
    let expired_before = format_timestamp(now - window);
    for _ in 0..2 {
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE rate_counter SET \
               hits = CASE WHEN window_start < $1 THEN 1 ELSE hits + 1 END, \
               window_start = CASE WHEN window_start < $1 THEN $2 ELSE window_start END \
             WHERE bucket = $3 RETURNING hits",
        )
        .bind(expired_before.clone())
        .bind(now_text.clone())
        .bind(bucket.to_string())
        .fetch_optional(&mut **w)
        .await?;
        if let Some(hits) = updated {
            return Ok(hits);
        }
        let inserted =
            sqlx::query("INSERT INTO rate_counter (bucket, window_start, hits) VALUES ($1, $2, 1)")
                .bind(bucket.to_string())
                .bind(now_text.clone())
                .execute(&mut **w)
                .await;
        match inserted {
            Ok(_) => return Ok(1),
            Err(e) => match StorageError::from(e) {
                // Another process inserted the bucket first: count on its row.
                StorageError::Conflict { .. } => continue,
                other => return Err(other),
            },
        }
    }
    Err(StorageError::Busy)
}

/// Deletes counters whose window ended before `cutoff` and failure counts no longer remembered.
pub async fn sweep(
    w: &mut impl Operational,
    counters_before: DateTime<Utc>,
    failures_before: DateTime<Utc>,
) -> Result<u64> {
    let a = sqlx::query("DELETE FROM rate_counter WHERE window_start < $1")
        .bind(format_timestamp(counters_before))
        .execute(&mut **w)
        .await?
        .rows_affected();
    let b = sqlx::query("DELETE FROM login_throttle WHERE last_failure_at < $1")
        .bind(format_timestamp(failures_before))
        .execute(&mut **w)
        .await?
        .rows_affected();
    Ok(a + b)
}
