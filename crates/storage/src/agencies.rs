//! Agencies (成员单位): their names, duties and order.

use crate::{get, Conn, Result, StorageError};
use orewatch_domain::agency::{AgencyCode, AgencyKind, StandardAgency};

/// An agency as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub code: String,
    pub kind: &'static str,
    pub name_zh: String,
    pub name_en: String,
    pub duty_zh: String,
    pub duty_en: String,
    pub sort_order: i64,
}

impl Agency {
    pub fn is_member(&self) -> bool {
        self.kind == AgencyKind::Member.as_str()
    }
}

const COLUMNS: &str = "agency_code, kind, name_zh, name_en, duty_zh, duty_en, sort_order";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Agency> {
    let kind: String = get(row, "kind")?;
    let kind =
        AgencyKind::parse(&kind).ok_or_else(|| StorageError::Corrupt(format!("agency.kind {kind}")))?;
    Ok(Agency {
        code: get(row, "agency_code")?,
        kind: kind.as_str(),
        name_zh: get(row, "name_zh")?,
        name_en: get(row, "name_en")?,
        duty_zh: get(row, "duty_zh")?,
        duty_en: get(row, "duty_en")?,
        sort_order: get(row, "sort_order")?,
    })
}

/// All agencies in display order.
pub async fn list(conn: &mut Conn) -> Result<Vec<Agency>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM agency ORDER BY sort_order, agency_code"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find(conn: &mut Conn, code: &AgencyCode) -> Result<Option<Agency>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM agency WHERE agency_code = $1"))
        .bind(code.as_str().to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts a standard agency if its code is not there yet; returns whether it was inserted.
pub async fn insert_if_missing(conn: &mut Conn, agency: &StandardAgency, sort_order: i64) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO agency (agency_code, kind, name_zh, name_en, duty_zh, duty_en, sort_order) \
         SELECT $1, $2, $3, $4, $5, $6, $7 \
         WHERE NOT EXISTS (SELECT 1 FROM agency WHERE agency_code = $8)",
    )
    .bind(agency.code.to_string())
    .bind(agency.kind.as_str().to_string())
    .bind(agency.name_zh.to_string())
    .bind(agency.name_en.to_string())
    .bind(agency.duty_zh.to_string())
    .bind(agency.duty_en.to_string())
    .bind(sort_order)
    .bind(agency.code.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces an agency's duties text.
pub async fn update_duties(conn: &mut Conn, code: &AgencyCode, duty_zh: &str, duty_en: &str) -> Result<()> {
    sqlx::query("UPDATE agency SET duty_zh = $1, duty_en = $2 WHERE agency_code = $3")
        .bind(duty_zh.to_string())
        .bind(duty_en.to_string())
        .bind(code.as_str().to_string())
        .execute(conn)
        .await?;
    Ok(())
}
