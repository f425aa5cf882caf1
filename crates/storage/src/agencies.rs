//! Agencies (成员单位): their names, duties and order.

use crate::bound::{Key, AGENCY};
use crate::{get, get_code, some, Conn, Result, WriteTx};
use orewatch_domain::agency::{AgencyCode, AgencyKind, StandardAgency};

/// An agency as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub code: AgencyCode,
    pub kind: AgencyKind,
    pub name_zh: String,
    pub name_en: String,
    pub duty_zh: String,
    pub duty_en: String,
    pub sort_order: i64,
}

impl Agency {
    pub fn is_member(&self) -> bool {
        self.kind == AgencyKind::Member
    }
}

const COLUMNS: &str = "agency_code, kind, name_zh, name_en, duty_zh, duty_en, sort_order";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Agency> {
    Ok(Agency {
        code: get_code(row, "agency_code", AgencyCode::parse)?,
        kind: get_code(row, "kind", some(AgencyKind::parse))?,
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

/// Inserts a standard agency if its code is not there yet; returns its key when it was inserted.
pub async fn insert_if_missing(
    tx: &mut WriteTx,
    agency: &StandardAgency,
    sort_order: i64,
) -> Result<Option<Key>> {
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agency WHERE agency_code = $1")
        .bind(agency.code.to_string())
        .fetch_one(&mut **tx)
        .await?;
    if exists > 0 {
        return Ok(None);
    }
    let key = tx
        .insert(
            &AGENCY,
            &[
                ("agency_code", agency.code.into()),
                ("kind", agency.kind.as_str().into()),
                ("name_zh", agency.name_zh.into()),
                ("name_en", agency.name_en.into()),
                ("duty_zh", agency.duty_zh.into()),
                ("duty_en", agency.duty_en.into()),
                ("sort_order", sort_order.into()),
            ],
        )
        .await?;
    Ok(Some(key))
}

/// Replaces an agency's duties text.
pub async fn update_duties(tx: &mut WriteTx, code: &AgencyCode, duty_zh: &str, duty_en: &str) -> Result<()> {
    tx.update(
        &AGENCY,
        &Key::Text(code.as_str().to_string()),
        &[("duty_zh", duty_zh.into()), ("duty_en", duty_en.into())],
    )
    .await?;
    Ok(())
}
