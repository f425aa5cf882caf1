//! 联合惩戒名单 — credit list entries about companies and people.

use crate::{date_text, get, get_date, Conn, Result};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;

/// A stored entry with its subject's name.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditEntry {
    pub id: i64,
    pub company_id: Option<i64>,
    pub person_id: Option<i64>,
    pub subject_name: String,
    pub reason: String,
    pub source_agency_code: String,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
    /// `active` or `lifted`.
    pub status: String,
}

pub struct NewCreditEntry<'a> {
    pub company_id: Option<i64>,
    pub person_id: Option<i64>,
    pub reason: &'a str,
    pub source_agency_code: &'a str,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

pub async fn insert(conn: &mut Conn, e: &NewCreditEntry<'_>, now: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO credit_entry (company_id, person_id, reason, source_agency_code, from_on, to_on, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) RETURNING credit_entry_id",
    )
    .bind(e.company_id)
    .bind(e.person_id)
    .bind(e.reason.to_string())
    .bind(e.source_agency_code.to_string())
    .bind(date_text(e.from_on))
    .bind(e.to_on.map(date_text))
    .bind(format_timestamp(now))
    .fetch_one(conn)
    .await?)
}

pub async fn lift(conn: &mut Conn, id: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE credit_entry SET status = 'lifted' WHERE credit_entry_id = $1 AND status = 'active'",
    )
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Every entry, newest first.
pub async fn all(conn: &mut Conn) -> Result<Vec<CreditEntry>> {
    let rows = sqlx::query(
        "SELECT e.credit_entry_id, e.company_id, e.person_id, COALESCE(c.name, p.name) AS subject_name, \
         e.reason, e.source_agency_code, e.from_on, e.to_on, e.status FROM credit_entry e \
         LEFT JOIN company c ON c.company_id = e.company_id LEFT JOIN person p ON p.person_id = e.person_id \
         ORDER BY e.credit_entry_id DESC",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let to_on: Option<String> = get(r, "to_on")?;
            Ok(CreditEntry {
                id: get(r, "credit_entry_id")?,
                company_id: get(r, "company_id")?,
                person_id: get(r, "person_id")?,
                subject_name: get(r, "subject_name")?,
                reason: get(r, "reason")?,
                source_agency_code: get(r, "source_agency_code")?,
                from_on: get_date(r, "from_on")?,
                to_on: to_on.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()),
                status: get(r, "status")?,
            })
        })
        .collect()
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<CreditEntry>> {
    Ok(all(conn).await?.into_iter().find(|e| e.id == id))
}
