//! Accounts (账户): who may log in, with their role and agency. Login state (failures, delays, last
//! login) is working state in [`crate::security`]; an account row changes only through audited writes.

use crate::bound::{Key, Value, ACCOUNT};
use crate::{get, get_code, get_opt_code, get_time, like_pattern, some, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::account::AccountStatus;
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::policy::Scope;
use orewatch_domain::{AccountId, AgencyCode, Role};

/// An account as stored. The password hash is a PHC string (Argon2id).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub agency: Option<AgencyCode>,
    pub status: AccountStatus,
    pub password_hash: String,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

impl Account {
    pub fn key(&self) -> Key {
        Key::Int(self.id.0)
    }
}

const COLUMNS: &str = "account_id, username, display_name, role, agency_code, status, password_hash, \
    must_change_password, created_at";

/// The account columns qualified with the alias `a.`, for joins.
pub(crate) const JOINED_COLUMNS: &str = "a.account_id, a.username, a.display_name, a.role, a.agency_code, \
    a.status, a.password_hash, a.must_change_password, a.created_at";

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Account> {
    Ok(Account {
        id: AccountId(get(row, "account_id")?),
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        role: get_code(row, "role", Role::parse)?,
        agency: get_opt_code(row, "agency_code", AgencyCode::parse)?,
        status: get_code(row, "status", some(AccountStatus::parse))?,
        password_hash: get(row, "password_hash")?,
        must_change_password: get::<i64>(row, "must_change_password")? != 0,
        created_at: get_time(row, "created_at")?,
    })
}

/// What a new account row holds.
#[derive(Debug, Clone)]
pub struct NewAccountRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub agency: Option<&'a AgencyCode>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// Inserts an account. A taken username is a [`crate::StorageError::Conflict`] on `account_username_key`.
pub async fn insert(tx: &mut WriteTx, new: &NewAccountRow<'_>) -> Result<AccountId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &ACCOUNT,
            &[
                ("username", new.username.into()),
                ("display_name", new.display_name.into()),
                ("role", new.role.as_str().into()),
                ("agency_code", new.agency.map(AgencyCode::as_str).into()),
                ("status", AccountStatus::Active.as_str().into()),
                ("password_hash", new.password_hash.into()),
                ("must_change_password", i64::from(new.must_change_password).into()),
                ("created_at", now.clone().into()),
                ("updated_at", now.into()),
            ],
        )
        .await?;
    key.id(AccountId)
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
    pub agency: Option<AgencyCode>,
    pub status: Option<AccountStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of the accounts inside `scope` (by username) and the number of all that match.
pub async fn list(conn: &mut Conn, scope: &Scope, filter: &AccountFilter) -> Result<(Vec<Account>, i64)> {
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    match scope {
        Scope::All => {}
        Scope::Agency(code) => {
            binds.push(code.as_str().to_string());
            conditions.push(format!("agency_code = ${}", binds.len()));
        }
        Scope::Company(_) | Scope::AssignedTo(_) | Scope::None => return Ok((Vec::new(), 0)),
    }
    if let Some(text) = &filter.text {
        binds.push(like_pattern(&text.to_lowercase()));
        let n = binds.len();
        conditions.push(format!(
            "(LOWER(username) LIKE ${n} ESCAPE '\\' OR LOWER(display_name) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(role) = filter.role {
        binds.push(role.as_str().to_string());
        conditions.push(format!("role = ${}", binds.len()));
    }
    if let Some(agency) = &filter.agency {
        binds.push(agency.as_str().to_string());
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

/// Active accounts for a holder select list, by display name.
pub async fn list_active(conn: &mut Conn) -> Result<Vec<Account>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM account WHERE status = 'active' ORDER BY display_name, username"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Display names by account id, for showing people by name (seat holders, posters, the audit log).
pub async fn names(conn: &mut Conn) -> Result<Vec<(AccountId, String, String)>> {
    let rows = sqlx::query("SELECT account_id, username, display_name FROM account")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                AccountId(get(r, "account_id")?),
                get(r, "username")?,
                get(r, "display_name")?,
            ))
        })
        .collect()
}

/// Changes what an administrator may change about an account.
pub async fn update_admin_fields(
    tx: &mut WriteTx,
    id: AccountId,
    display_name: &str,
    role: Role,
    agency: Option<&AgencyCode>,
    status: AccountStatus,
) -> Result<()> {
    let now = format_timestamp(tx.now());
    tx.update(
        &ACCOUNT,
        &Key::Int(id.0),
        &[
            ("display_name", display_name.into()),
            ("role", role.as_str().into()),
            ("agency_code", agency.map(AgencyCode::as_str).into()),
            ("status", status.as_str().into()),
            ("updated_at", now.into()),
        ],
    )
    .await?;
    Ok(())
}

/// Stores a new password hash.
pub async fn set_password(
    tx: &mut WriteTx,
    id: AccountId,
    password_hash: &str,
    must_change_password: bool,
) -> Result<()> {
    let now = format_timestamp(tx.now());
    tx.update(
        &ACCOUNT,
        &Key::Int(id.0),
        &[
            ("password_hash", password_hash.into()),
            (
                "must_change_password",
                Value::Int(i64::from(must_change_password)),
            ),
            ("updated_at", now.into()),
        ],
    )
    .await?;
    Ok(())
}

/// Number of accounts (for bootstrap decisions).
pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM account")
        .fetch_one(conn)
        .await?)
}
