//! 矿山 — mines. The mine list is filtered in memory from the county picture (orewatch-app), so
//! here are only the writes, one mine, and all mines.

use crate::{get, Conn, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;

/// A stored mine with its operating company's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Mine {
    pub id: i64,
    pub name: String,
    pub township: String,
    pub mineral: String,
    /// `open_pit` / `underground` (domain::mine::MiningMethod).
    pub method: String,
    /// domain::mine::MineStatus code.
    pub status: String,
    pub company_id: i64,
    pub company_name: String,
    /// The company's unified social credit code.
    pub company_code: String,
    pub area_agency_code: Option<String>,
    pub supervisor: Option<String>,
}

/// A mine to insert.
#[derive(Debug, Clone)]
pub struct NewMine<'a> {
    pub name: &'a str,
    pub township: &'a str,
    pub mineral: &'a str,
    pub method: &'a str,
    pub status: &'a str,
    pub company_id: i64,
    pub area_agency_code: Option<&'a str>,
    pub supervisor: Option<&'a str>,
}

const SELECT: &str = "SELECT m.mine_id, m.name, m.township, m.mineral, m.method, m.status, m.company_id, \
    c.name AS company_name, c.credit_code AS company_code, m.area_agency_code, m.supervisor";

fn mine_from_row(row: &sqlx::any::AnyRow) -> Result<Mine> {
    Ok(Mine {
        id: get(row, "mine_id")?,
        name: get(row, "name")?,
        township: get(row, "township")?,
        mineral: get(row, "mineral")?,
        method: get(row, "method")?,
        status: get(row, "status")?,
        company_id: get(row, "company_id")?,
        company_name: get(row, "company_name")?,
        company_code: get(row, "company_code")?,
        area_agency_code: get(row, "area_agency_code")?,
        supervisor: get(row, "supervisor")?,
    })
}

pub async fn insert(conn: &mut Conn, m: &NewMine<'_>, now: DateTime<Utc>) -> Result<i64> {
    let at = format_timestamp(now);
    Ok(sqlx::query_scalar(
        "INSERT INTO mine (name, township, mineral, method, status, company_id, area_agency_code, \
         supervisor, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING mine_id",
    )
    .bind(m.name.to_string())
    .bind(m.township.to_string())
    .bind(m.mineral.to_string())
    .bind(m.method.to_string())
    .bind(m.status.to_string())
    .bind(m.company_id)
    .bind(m.area_agency_code.map(str::to_string))
    .bind(m.supervisor.map(str::to_string))
    .bind(at)
    .fetch_one(conn)
    .await?)
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Mine>> {
    let row = sqlx::query(&format!(
        "{SELECT} FROM mine m JOIN company c ON c.company_id = m.company_id WHERE m.mine_id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(mine_from_row).transpose()
}

/// Sets a mine's status.
pub async fn set_status(conn: &mut Conn, id: i64, status: &str, now: DateTime<Utc>) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE mine SET status = $1, updated_at = $2 WHERE mine_id = $3")
            .bind(status.to_string())
            .bind(format_timestamp(now))
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Every mine (id, name, status, township) — for the map and county checks.
pub async fn all(conn: &mut Conn) -> Result<Vec<Mine>> {
    let rows = sqlx::query(&format!(
        "{SELECT} FROM mine m JOIN company c ON c.company_id = m.company_id ORDER BY m.mine_id"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(mine_from_row).collect()
}

/// Id and name of every mine (for resolving imports).
pub async fn all_names(conn: &mut Conn) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT mine_id, name FROM mine")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((get(r, "mine_id")?, get(r, "name")?)))
        .collect()
}
