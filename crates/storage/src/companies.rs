//! 企业 — companies holding licences and permits.

use crate::{get, like_pattern, Conn, Page, Result, StorageError};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::{format_timestamp, parse_timestamp};

/// A stored company.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub legal_rep: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A company to insert; its code has been checked by the domain.
#[derive(Debug, Clone)]
pub struct NewCompany<'a> {
    pub credit_code: &'a str,
    pub name: &'a str,
    pub legal_rep: &'a str,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
}

const COLUMNS: &str = "company_id, credit_code, name, legal_rep, address, phone, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Company> {
    let created: String = get(row, "created_at")?;
    Ok(Company {
        id: get(row, "company_id")?,
        credit_code: get(row, "credit_code")?,
        name: get(row, "name")?,
        legal_rep: get(row, "legal_rep")?,
        address: get(row, "address")?,
        phone: get(row, "phone")?,
        created_at: parse_timestamp(&created)
            .ok_or_else(|| StorageError::Corrupt(format!("company.created_at {created}")))?,
    })
}

pub async fn insert(conn: &mut Conn, c: &NewCompany<'_>, now: DateTime<Utc>) -> Result<i64> {
    let at = format_timestamp(now);
    Ok(sqlx::query_scalar(
        "INSERT INTO company (credit_code, name, legal_rep, address, phone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING company_id",
    )
    .bind(c.credit_code.to_string())
    .bind(c.name.to_string())
    .bind(c.legal_rep.to_string())
    .bind(c.address.map(str::to_string))
    .bind(c.phone.map(str::to_string))
    .bind(at)
    .fetch_one(conn)
    .await?)
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Company>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM company WHERE company_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_credit_code(conn: &mut Conn, code: &str) -> Result<Option<Company>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM company WHERE credit_code = $1"))
        .bind(code.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Companies whose name or code contains `text`, by name.
pub async fn list(conn: &mut Conn, text: Option<&str>, limit: i64, offset: i64) -> Result<Page<Company>> {
    let pattern = text.map(like_pattern).unwrap_or_else(|| "%".into());
    let filter = "WHERE (name LIKE $1 ESCAPE '\\' OR credit_code LIKE $1 ESCAPE '\\')";
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM company {filter} ORDER BY name, company_id LIMIT $2 OFFSET $3"
    ))
    .bind(pattern.clone())
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM company {filter}"))
        .bind(pattern)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Page {
        rows: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
    })
}

/// Every company's id, code and name (for resolving imports).
pub async fn all_codes(conn: &mut Conn) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query("SELECT company_id, credit_code, name FROM company")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((get(r, "company_id")?, get(r, "credit_code")?, get(r, "name")?)))
        .collect()
}
