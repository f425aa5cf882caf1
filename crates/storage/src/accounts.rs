//! Accounts (账户): who may log in, with their role, agency and login state.

use crate::{get, Conn, Result, StorageError};
use chrono::{DateTime, Utc};
use orewatch_domain::account::AccountStatus;
use orewatch_domain::audit::{format_timestamp, parse_timestamp};
use orewatch_domain::{AccountId, Role};

/// An account as stored. The password hash is a PHC string (Argon2id).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub agency_code: Option<String>,
    pub status: AccountStatus,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "account_id, username, display_name, role, agency_code, status, password_hash, \
    must_change_password, failed_logins, locked_until, last_login_at, created_at";

/// The account columns qualified with the alias `a.`, for joins.
pub(crate) const JOINED_COLUMNS: &str = "a.account_id, a.username, a.display_name, a.role, a.agency_code, \
    a.status, a.password_hash, a.must_change_password, a.failed_logins, a.locked_until, a.last_login_at, \
    a.created_at";

fn timestamp(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    let raw: Option<String> = get(row, column)?;
    raw.map(|text| parse_timestamp(&text).ok_or_else(|| StorageError::Corrupt(format!("{column}: {text}"))))
        .transpose()
}

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Account> {
    let role: String = get(row, "role")?;
    let status: String = get(row, "status")?;
    let failed: i64 = get(row, "failed_logins")?;
    Ok(Account {
        id: AccountId(get(row, "account_id")?),
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        role: Role::parse(&role).map_err(|_| StorageError::Corrupt(format!("account.role {role}")))?,
        agency_code: get(row, "agency_code")?,
        status: AccountStatus::parse(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("account.status {status}")))?,
        password_hash: get(row, "password_hash")?,
        must_change_password: get::<i64>(row, "must_change_password")? != 0,
        failed_logins: u32::try_from(failed).unwrap_or(u32::MAX),
        locked_until: timestamp(row, "locked_until")?,
        last_login_at: timestamp(row, "last_login_at")?,
        created_at: timestamp(row, "created_at")?
            .ok_or_else(|| StorageError::Corrupt("account.created_at is empty".into()))?,
    })
}

/// What a new account row holds.
#[derive(Debug, Clone)]
pub struct NewAccountRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub agency_code: Option<&'a str>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// Inserts an account. A taken username is a [`StorageError::Conflict`] on `account_username_key`.
pub async fn insert(conn: &mut Conn, new: &NewAccountRow<'_>, now: DateTime<Utc>) -> Result<AccountId> {
    let now = format_timestamp(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO account (username, display_name, role, agency_code, status, password_hash, \
         must_change_password, failed_logins, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, 0, $7, $8) RETURNING account_id",
    )
    .bind(new.username.to_string())
    .bind(new.display_name.to_string())
    .bind(new.role.as_str().to_string())
    .bind(new.agency_code.map(str::to_string))
    .bind(new.password_hash.to_string())
    .bind(i64::from(new.must_change_password))
    .bind(now.clone())
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(AccountId(id))
}

pub async fn find(conn: &mut Conn, id: AccountId) -> Result<Option<Account>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM account WHERE account_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_username(conn: &mut Conn, username: &str) -> Result<Option<Account>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM account WHERE username = $1"))
        .bind(username.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Filters of the account list; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Part of the username or display name.
    pub text: Option<String>,
    pub role: Option<Role>,
    pub agency_code: Option<String>,
    pub status: Option<AccountStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of accounts (by username) and the number of all that match.
pub async fn list(conn: &mut Conn, filter: &AccountFilter) -> Result<(Vec<Account>, i64)> {
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(text) = &filter.text {
        binds.push(format!("%{}%", escape_like(&text.to_lowercase())));
        let n = binds.len();
        conditions.push(format!(
            "(LOWER(username) LIKE ${n} ESCAPE '\\' OR LOWER(display_name) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(role) = filter.role {
        binds.push(role.as_str().to_string());
        conditions.push(format!("role = ${}", binds.len()));
    }
    if let Some(agency) = &filter.agency_code {
        binds.push(agency.clone());
        conditions.push(format!("agency_code = ${}", binds.len()));
    }
    if let Some(status) = filter.status {
        binds.push(status.as_str().to_string());
        conditions.push(format!("status = ${}", binds.len()));
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let count_sql = format!("SELECT COUNT(*) FROM account {where_clause}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for bind in &binds {
        count = count.bind(bind.clone());
    }
    let total = count.fetch_one(&mut *conn).await?;
    let n = binds.len();
    let list_sql = format!(
        "SELECT {COLUMNS} FROM account {where_clause} ORDER BY username LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut query = sqlx::query(&list_sql);
    for bind in binds {
        query = query.bind(bind);
    }
    let rows = query
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&mut *conn)
        .await?;
    let accounts = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok((accounts, total))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Active accounts for a holder select list, by display name.
pub async fn list_active(conn: &mut Conn) -> Result<Vec<Account>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM account WHERE status = 'active' ORDER BY display_name, username"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Records a failed login: the new consecutive-failure count and the lock it earned.
pub async fn record_failed_login(
    conn: &mut Conn,
    id: AccountId,
    failures: u32,
    locked_until: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query("UPDATE account SET failed_logins = $1, locked_until = $2 WHERE account_id = $3")
        .bind(i64::from(failures))
        .bind(locked_until.map(format_timestamp))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a successful login: clears failures and lock.
pub async fn record_login(conn: &mut Conn, id: AccountId, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE account SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE account_id = $2",
    )
    .bind(format_timestamp(now))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes what an administrator may change about an account.
pub async fn update_admin_fields(
    conn: &mut Conn,
    id: AccountId,
    display_name: &str,
    role: Role,
    agency_code: Option<&str>,
    status: AccountStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE account SET display_name = $1, role = $2, agency_code = $3, status = $4, updated_at = $5 \
         WHERE account_id = $6",
    )
    .bind(display_name.to_string())
    .bind(role.as_str().to_string())
    .bind(agency_code.map(str::to_string))
    .bind(status.as_str().to_string())
    .bind(format_timestamp(now))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores a new password hash; also lifts any login lock.
pub async fn set_password(
    conn: &mut Conn,
    id: AccountId,
    password_hash: &str,
    must_change_password: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE account SET password_hash = $1, must_change_password = $2, failed_logins = 0, \
         locked_until = NULL, updated_at = $3 WHERE account_id = $4",
    )
    .bind(password_hash.to_string())
    .bind(i64::from(must_change_password))
    .bind(format_timestamp(now))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Number of accounts (for bootstrap decisions).
pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM account")
        .fetch_one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("a%b_c\\d"), "a\\%b\\_c\\\\d");
    }
}
