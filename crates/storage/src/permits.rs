//! 许可证 — the permits of every agency, per mine.

use crate::{date_text, get, get_date, like_pattern, Conn, Page, Result};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;

/// A stored permit with its holder's and mine's names.
#[derive(Debug, Clone, PartialEq)]
pub struct Permit {
    pub id: i64,
    /// domain::permit::PermitKind code.
    pub kind: String,
    pub permit_no: String,
    pub agency_code: String,
    pub holder_company_id: i64,
    pub holder_name: String,
    pub mine_id: i64,
    pub mine_name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub scope: Option<String>,
    /// domain::permit::PermitState code.
    pub state: String,
}

/// A permit to insert (validated by the use case).
#[derive(Debug, Clone)]
pub struct NewPermit<'a> {
    pub kind: &'a str,
    pub permit_no: &'a str,
    pub agency_code: &'a str,
    pub holder_company_id: i64,
    pub mine_id: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub scope: Option<&'a str>,
    pub state: &'a str,
}

/// Filters of the permit list.
#[derive(Debug, Clone, Default)]
pub struct PermitFilter {
    /// In the number, the holder's or the mine's name.
    pub text: Option<String>,
    pub kind: Option<String>,
    pub agency_code: Option<String>,
    /// A state (`revoked`, `suspended`), or `active` with a `valid_to` range (inclusive) for the
    /// date-derived statuses (domain::permit::PermitStatus::valid_to_range).
    pub state: Option<String>,
    pub valid_to_from: Option<NaiveDate>,
    pub valid_to_until: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

const SELECT: &str = "SELECT p.permit_id, p.kind, p.permit_no, p.agency_code, p.holder_company_id, \
    c.name AS holder_name, p.mine_id, m.name AS mine_name, p.valid_from, p.valid_to, p.scope, p.state \
    FROM permit p JOIN company c ON c.company_id = p.holder_company_id JOIN mine m ON m.mine_id = p.mine_id";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Permit> {
    Ok(Permit {
        id: get(row, "permit_id")?,
        kind: get(row, "kind")?,
        permit_no: get(row, "permit_no")?,
        agency_code: get(row, "agency_code")?,
        holder_company_id: get(row, "holder_company_id")?,
        holder_name: get(row, "holder_name")?,
        mine_id: get(row, "mine_id")?,
        mine_name: get(row, "mine_name")?,
        valid_from: get_date(row, "valid_from")?,
        valid_to: get_date(row, "valid_to")?,
        scope: get(row, "scope")?,
        state: get(row, "state")?,
    })
}

pub async fn insert(conn: &mut Conn, p: &NewPermit<'_>, now: DateTime<Utc>) -> Result<i64> {
    let at = format_timestamp(now);
    Ok(sqlx::query_scalar(
        "INSERT INTO permit (kind, permit_no, agency_code, holder_company_id, mine_id, valid_from, valid_to, \
         scope, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         RETURNING permit_id",
    )
    .bind(p.kind.to_string())
    .bind(p.permit_no.to_string())
    .bind(p.agency_code.to_string())
    .bind(p.holder_company_id)
    .bind(p.mine_id)
    .bind(date_text(p.valid_from))
    .bind(date_text(p.valid_to))
    .bind(p.scope.map(str::to_string))
    .bind(p.state.to_string())
    .bind(at)
    .fetch_one(conn)
    .await?)
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Permit>> {
    let row = sqlx::query(&format!("{SELECT} WHERE p.permit_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Changes a permit's state (revoke, suspend, reinstate) or validity (renewal).
pub async fn update(
    conn: &mut Conn,
    id: i64,
    state: &str,
    valid_to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE permit SET state = $1, valid_to = $2, updated_at = $3 WHERE permit_id = $4")
            .bind(state.to_string())
            .bind(date_text(valid_to))
            .bind(format_timestamp(now))
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Every (kind, number) pair (for checking an import for duplicates in one read).
pub async fn all_keys(conn: &mut Conn) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT kind, permit_no FROM permit")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((get(r, "kind")?, get(r, "permit_no")?)))
        .collect()
}

/// A mine's permits by kind and expiry.
pub async fn for_mine(conn: &mut Conn, mine_id: i64) -> Result<Vec<Permit>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE p.mine_id = $1 ORDER BY p.kind, p.valid_to DESC, p.permit_id"
    ))
    .bind(mine_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Per mine: the latest end date among active permits of one kind, the earliest end date among all
/// active permits, and how many permits it has. One row per mine with permits (a GROUP BY, so a county's
/// tens of thousands of permits never cross the wire for the county checks).
#[derive(Debug, Clone, PartialEq)]
pub struct MinePermitSummary {
    pub mine_id: i64,
    pub kind_valid_to: Option<NaiveDate>,
    pub next_active_valid_to: Option<NaiveDate>,
    pub count: i64,
}

fn opt_date(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<NaiveDate>> {
    let raw: Option<String> = get(row, column)?;
    raw.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| crate::StorageError::Corrupt(format!("permit.{column}: {t}")))
    })
    .transpose()
}

pub async fn summaries(conn: &mut Conn, kind: &str) -> Result<Vec<MinePermitSummary>> {
    let rows = sqlx::query(
        "SELECT mine_id, \
         MAX(CASE WHEN kind = $1 AND state = 'active' THEN valid_to END) AS kind_valid_to, \
         MIN(CASE WHEN state = 'active' THEN valid_to END) AS next_active_valid_to, \
         COUNT(*) AS permit_count FROM permit GROUP BY mine_id",
    )
    .bind(kind.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MinePermitSummary {
                mine_id: get(r, "mine_id")?,
                kind_valid_to: opt_date(r, "kind_valid_to")?,
                next_active_valid_to: opt_date(r, "next_active_valid_to")?,
                count: get(r, "permit_count")?,
            })
        })
        .collect()
}

/// Per mine and holder, how many permits (other than revoked ones) the holder has: (mine, company,
/// count).
pub async fn holders(conn: &mut Conn) -> Result<Vec<(i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT mine_id, holder_company_id, COUNT(*) AS permit_count FROM permit \
         WHERE state <> 'revoked' GROUP BY mine_id, holder_company_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get(r, "mine_id")?,
                get(r, "holder_company_id")?,
                get(r, "permit_count")?,
            ))
        })
        .collect()
}

/// A page of the permit list, soonest expiry first.
pub async fn list(conn: &mut Conn, f: &PermitFilter) -> Result<Page<Permit>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut add = |sql: &str, value: String, binds: &mut Vec<String>| {
        binds.push(value);
        clauses.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(text) = &f.text {
        add(
            "(p.permit_no LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\' OR m.name LIKE ? ESCAPE '\\')",
            like_pattern(text),
            &mut binds,
        );
    }
    if let Some(kind) = &f.kind {
        add("p.kind = ?", kind.clone(), &mut binds);
    }
    if let Some(agency) = &f.agency_code {
        add("p.agency_code = ?", agency.clone(), &mut binds);
    }
    if let Some(state) = &f.state {
        add("p.state = ?", state.clone(), &mut binds);
    }
    if let Some(from) = f.valid_to_from {
        add("p.valid_to >= ?", date_text(from), &mut binds);
    }
    if let Some(until) = f.valid_to_until {
        add("p.valid_to <= ?", date_text(until), &mut binds);
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let n = binds.len();
    let sql = format!(
        "{SELECT} {filter} ORDER BY p.valid_to, p.permit_id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b.clone());
    }
    let rows = query.bind(f.limit).bind(f.offset).fetch_all(&mut *conn).await?;
    // The names are needed only to search them.
    let count_sql = if f.text.is_some() {
        format!(
            "SELECT COUNT(*) FROM permit p JOIN company c ON c.company_id = p.holder_company_id \
             JOIN mine m ON m.mine_id = p.mine_id {filter}"
        )
    } else {
        format!("SELECT COUNT(*) FROM permit p {filter}")
    };
    let mut count = sqlx::query_scalar(&count_sql);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total: i64 = count.fetch_one(&mut *conn).await?;
    Ok(Page {
        rows: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
    })
}
