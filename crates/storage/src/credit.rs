//! 联合惩戒名单 — credit list entries about companies and people.

use crate::bound::{Key, CREDIT_ENTRY};
use crate::{date_text, get, get_code, get_date, get_opt_date, some, Conn, Result, WriteTx};
use chrono::NaiveDate;
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::credit::CreditStatus;
use orewatch_domain::{AgencyCode, CompanyId, CreditEntryId, PersonId};

/// A stored entry with its subject's name.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditEntry {
    pub id: CreditEntryId,
    pub company_id: Option<CompanyId>,
    pub person_id: Option<PersonId>,
    pub subject_name: String,
    pub reason: String,
    pub source: AgencyCode,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
    pub status: CreditStatus,
}

pub struct NewCreditEntry<'a> {
    pub company_id: Option<CompanyId>,
    pub person_id: Option<PersonId>,
    pub reason: &'a str,
    pub source: &'a AgencyCode,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

pub async fn insert(tx: &mut WriteTx, e: &NewCreditEntry<'_>) -> Result<CreditEntryId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &CREDIT_ENTRY,
            &[
                ("company_id", e.company_id.map(|c| c.0).into()),
                ("person_id", e.person_id.map(|p| p.0).into()),
                ("reason", e.reason.into()),
                ("source_agency_code", e.source.as_str().into()),
                ("from_on", date_text(e.from_on).into()),
                ("to_on", e.to_on.map(date_text).into()),
                ("status", CreditStatus::Active.as_str().into()),
                ("created_at", now.into()),
            ],
        )
        .await?;
    key.id(CreditEntryId)
}

/// Lifts an active entry; 0 when it was lifted already.
pub async fn lift(tx: &mut WriteTx, id: CreditEntryId) -> Result<u64> {
    let current = find(&mut *tx, id).await?;
    if current.is_none_or(|e| e.status != CreditStatus::Active) {
        return Ok(0);
    }
    tx.update(
        &CREDIT_ENTRY,
        &Key::from(id),
        &[("status", CreditStatus::Lifted.as_str().into())],
    )
    .await
}

const SELECT: &str =
    "SELECT e.credit_entry_id, e.company_id, e.person_id, COALESCE(c.name, p.name) AS subject_name, \
    e.reason, e.source_agency_code, e.from_on, e.to_on, e.status FROM credit_entry e \
    LEFT JOIN company c ON c.company_id = e.company_id LEFT JOIN person p ON p.person_id = e.person_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<CreditEntry> {
    Ok(CreditEntry {
        id: CreditEntryId(get(r, "credit_entry_id")?),
        company_id: get::<Option<i64>>(r, "company_id")?.map(CompanyId),
        person_id: get::<Option<i64>>(r, "person_id")?.map(PersonId),
        subject_name: get(r, "subject_name")?,
        reason: get(r, "reason")?,
        source: get_code(r, "source_agency_code", AgencyCode::parse)?,
        from_on: get_date(r, "from_on")?,
        to_on: get_opt_date(r, "to_on")?,
        status: get_code(r, "status", some(CreditStatus::parse))?,
    })
}

/// Every entry, newest first.
pub async fn all(conn: &mut Conn) -> Result<Vec<CreditEntry>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY e.credit_entry_id DESC"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find(conn: &mut Conn, id: CreditEntryId) -> Result<Option<CreditEntry>> {
    let row = sqlx::query(&format!("{SELECT} WHERE e.credit_entry_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The companies with an active entry in force on `today`, directly or through a listed controller.
pub async fn listed_companies(conn: &mut Conn, today: NaiveDate) -> Result<Vec<CompanyId>> {
    let day = date_text(today);
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT e.company_id FROM credit_entry e WHERE e.company_id IS NOT NULL AND e.status = 'active' \
           AND e.from_on <= $1 AND (e.to_on IS NULL OR e.to_on >= $1) \
         UNION SELECT k.company_id FROM credit_entry e JOIN control_link k ON k.person_id = e.person_id \
         WHERE e.status = 'active' AND e.from_on <= $1 AND (e.to_on IS NULL OR e.to_on >= $1)",
    )
    .bind(day)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(CompanyId).collect())
}
