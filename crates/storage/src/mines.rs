//! 矿山 — mines. The mine list is filtered in memory from the county picture (orewatch-app), so
//! here are only the writes, one mine, and all mines.

use crate::bound::{Key, MINE};
use crate::{get, get_code, get_opt_code, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::{AgencyCode, CompanyId, MineId};

/// A stored mine with its operating company's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Mine {
    pub id: MineId,
    pub name: String,
    pub township: String,
    pub mineral: String,
    pub method: MiningMethod,
    pub status: MineStatus,
    pub company_id: CompanyId,
    pub company_name: String,
    /// The company's unified social credit code.
    pub company_code: String,
    pub area_agency: Option<AgencyCode>,
    pub supervisor: Option<String>,
}

/// A mine's fields.
#[derive(Debug, Clone)]
pub struct MineFields<'a> {
    pub name: &'a str,
    pub township: &'a str,
    pub mineral: &'a str,
    pub method: MiningMethod,
    pub status: MineStatus,
    pub company_id: CompanyId,
    pub area_agency: Option<&'a AgencyCode>,
    pub supervisor: Option<&'a str>,
}

impl MineFields<'_> {
    fn values(&self) -> Vec<(&'static str, crate::bound::Value)> {
        vec![
            ("name", self.name.into()),
            ("township", self.township.into()),
            ("mineral", self.mineral.into()),
            ("method", self.method.as_str().into()),
            ("status", self.status.as_str().into()),
            ("company_id", self.company_id.0.into()),
            (
                "area_agency_code",
                self.area_agency.map(AgencyCode::as_str).into(),
            ),
            ("supervisor", self.supervisor.into()),
        ]
    }

    pub fn new_record(&self, now: DateTime<Utc>) -> crate::write::NewRecord {
        let at = format_timestamp(now);
        let mut values = self.values();
        values.push(("created_at", at.clone().into()));
        values.push(("updated_at", at.into()));
        crate::write::NewRecord {
            values,
            children: Vec::new(),
        }
    }
}

const SELECT: &str = "SELECT m.mine_id, m.name, m.township, m.mineral, m.method, m.status, m.company_id, \
    c.name AS company_name, c.credit_code AS company_code, m.area_agency_code, m.supervisor";

fn mine_from_row(row: &sqlx::any::AnyRow) -> Result<Mine> {
    Ok(Mine {
        id: MineId(get(row, "mine_id")?),
        name: get(row, "name")?,
        township: get(row, "township")?,
        mineral: get(row, "mineral")?,
        method: get_code(row, "method", MiningMethod::parse)?,
        status: get_code(row, "status", MineStatus::parse)?,
        company_id: CompanyId(get(row, "company_id")?),
        company_name: get(row, "company_name")?,
        company_code: get(row, "company_code")?,
        area_agency: get_opt_code(row, "area_agency_code", AgencyCode::parse)?,
        supervisor: get(row, "supervisor")?,
    })
}

pub async fn insert(tx: &mut WriteTx, m: &MineFields<'_>) -> Result<MineId> {
    let record = m.new_record(tx.now());
    let key = tx.insert(&MINE, &record.values).await?;
    key.id(MineId)
}

/// Inserts many mines at once, each with its audit entry; returns their ids in order.
pub async fn insert_many(
    tx: &mut WriteTx,
    mines: &[MineFields<'_>],
    note: Option<&str>,
) -> Result<Vec<MineId>> {
    let now = tx.now();
    let records = mines.iter().map(|m| m.new_record(now)).collect();
    let keys = tx
        .insert_records(&MINE, records, orewatch_domain::AuditAction::MineCreate, note)
        .await?;
    keys.iter().map(|k| k.id(MineId)).collect()
}

/// Changes a mine's fields (an import that updates by name).
pub async fn update(tx: &mut WriteTx, id: MineId, m: &MineFields<'_>) -> Result<()> {
    let mut values = m.values();
    values.push(("updated_at", format_timestamp(tx.now()).into()));
    tx.update(&MINE, &Key::Int(id.0), &values).await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: MineId) -> Result<Option<Mine>> {
    let row = sqlx::query(&format!(
        "{SELECT} FROM mine m JOIN company c ON c.company_id = m.company_id WHERE m.mine_id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(mine_from_row).transpose()
}

/// Sets a mine's status.
pub async fn set_status(tx: &mut WriteTx, id: MineId, status: MineStatus) -> Result<u64> {
    let now = format_timestamp(tx.now());
    tx.update(
        &MINE,
        &Key::Int(id.0),
        &[("status", status.as_str().into()), ("updated_at", now.into())],
    )
    .await
}

/// Every mine — for the map and county checks.
pub async fn all(conn: &mut Conn) -> Result<Vec<Mine>> {
    let rows = sqlx::query(&format!(
        "{SELECT} FROM mine m JOIN company c ON c.company_id = m.company_id ORDER BY m.mine_id"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(mine_from_row).collect()
}

/// Id and name of every mine (for resolving imports and the name search of the feed's mine picker).
pub async fn all_names(conn: &mut Conn) -> Result<Vec<(MineId, String)>> {
    let rows = sqlx::query("SELECT mine_id, name FROM mine")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((MineId(get(r, "mine_id")?), get(r, "name")?)))
        .collect()
}
