//! 矿山 — mines, and the mine list with its licence and permit summary per row.

use crate::{date_text, get, like_pattern, Conn, Page, Result};
use chrono::{DateTime, NaiveDate, Utc};
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

/// One row of the mine list.
#[derive(Debug, Clone, PartialEq)]
pub struct MineRow {
    pub mine: Mine,
    /// The mining licence with the latest validity, if any.
    pub licence_no: Option<String>,
    pub licence_valid_to: Option<NaiveDate>,
    /// The earliest expiry among active permits.
    pub next_permit_expiry: Option<NaiveDate>,
    pub permit_count: i64,
}

/// Filters of the mine list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct MineFilter {
    /// In the mine's or company's name, or a licence number.
    pub text: Option<String>,
    pub township: Option<String>,
    pub status: Option<String>,
    pub area_agency_code: Option<String>,
    /// Only mines with an active permit whose validity ends on or before this day (expired or due).
    pub permits_due_by: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
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

fn opt_date(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<NaiveDate>> {
    let raw: Option<String> = get(row, column)?;
    Ok(raw.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()))
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

/// The townships in use, sorted.
pub async fn townships(conn: &mut Conn) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT township FROM mine ORDER BY township")
            .fetch_all(conn)
            .await?,
    )
}

/// A page of the mine list, by township and name.
pub async fn list(conn: &mut Conn, f: &MineFilter) -> Result<Page<MineRow>> {
    // Placeholders are numbered in the order the filters are added; both engines accept $n.
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let next = |value: String, binds: &mut Vec<String>| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if let Some(text) = &f.text {
        let p = next(like_pattern(text), &mut binds);
        clauses.push(format!(
            "(m.name LIKE {p} ESCAPE '\\' OR c.name LIKE {p} ESCAPE '\\' OR EXISTS (SELECT 1 FROM licence l \
             WHERE l.mine_id = m.mine_id AND l.licence_no LIKE {p} ESCAPE '\\'))"
        ));
    }
    if let Some(t) = &f.township {
        let p = next(t.clone(), &mut binds);
        clauses.push(format!("m.township = {p}"));
    }
    if let Some(s) = &f.status {
        let p = next(s.clone(), &mut binds);
        clauses.push(format!("m.status = {p}"));
    }
    if let Some(a) = &f.area_agency_code {
        let p = next(a.clone(), &mut binds);
        clauses.push(format!("m.area_agency_code = {p}"));
    }
    if let Some(until) = f.permits_due_by {
        let p = next(date_text(until), &mut binds);
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM permit p WHERE p.mine_id = m.mine_id AND p.state = 'active' AND p.valid_to <= {p})"
        ));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let from = "FROM mine m JOIN company c ON c.company_id = m.company_id";
    let limit = format!("${}", binds.len() + 1);
    let offset = format!("${}", binds.len() + 2);
    let sql = format!(
        "{SELECT}, \
         (SELECT l.licence_no FROM licence l WHERE l.mine_id = m.mine_id AND l.kind = 'mining' ORDER BY l.valid_to DESC LIMIT 1) AS licence_no, \
         (SELECT MAX(l.valid_to) FROM licence l WHERE l.mine_id = m.mine_id AND l.kind = 'mining') AS licence_valid_to, \
         (SELECT MIN(p.valid_to) FROM permit p WHERE p.mine_id = m.mine_id AND p.state = 'active') AS next_permit_expiry, \
         (SELECT COUNT(*) FROM permit p WHERE p.mine_id = m.mine_id) AS permit_count \
         {from} {filter} ORDER BY m.township, m.name, m.mine_id LIMIT {limit} OFFSET {offset}"
    );
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b.clone());
    }
    let rows = query.bind(f.limit).bind(f.offset).fetch_all(&mut *conn).await?;
    let count_sql = format!("SELECT COUNT(*) {from} {filter}");
    let mut count = sqlx::query_scalar(&count_sql);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total: i64 = count.fetch_one(&mut *conn).await?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(MineRow {
                mine: mine_from_row(r)?,
                licence_no: get(r, "licence_no")?,
                licence_valid_to: opt_date(r, "licence_valid_to")?,
                next_permit_expiry: opt_date(r, "next_permit_expiry")?,
                permit_count: get(r, "permit_count")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Page { rows, total })
}
