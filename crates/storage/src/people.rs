//! People behind companies and their control links (法定代表人/实际控制人/股东).

use crate::{get, Conn, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;

/// A control link with the person's and company's names.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlLink {
    pub id: i64,
    pub company_id: i64,
    pub company_name: String,
    pub person_id: i64,
    pub person_name: String,
    pub id_number: Option<String>,
    /// domain::company::ControlRole code.
    pub role: String,
    pub share_percent: Option<f64>,
}

/// The person with this id number, or else with this name and no id number; inserted if new.
pub async fn find_or_insert(
    conn: &mut Conn,
    name: &str,
    id_number: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let found: Option<i64> = match id_number {
        Some(number) => {
            sqlx::query_scalar("SELECT person_id FROM person WHERE id_number = $1")
                .bind(number.to_string())
                .fetch_optional(&mut *conn)
                .await?
        }
        None => sqlx::query_scalar(
            "SELECT person_id FROM person WHERE name = $1 AND id_number IS NULL ORDER BY person_id LIMIT 1",
        )
        .bind(name.to_string())
        .fetch_optional(&mut *conn)
        .await?,
    };
    if let Some(id) = found {
        return Ok(id);
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO person (name, id_number, created_at) VALUES ($1, $2, $3) RETURNING person_id",
    )
    .bind(name.to_string())
    .bind(id_number.map(str::to_string))
    .bind(format_timestamp(now))
    .fetch_one(conn)
    .await?)
}

pub async fn insert_link(
    conn: &mut Conn,
    company_id: i64,
    person_id: i64,
    role: &str,
    share_percent: Option<f64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO control_link (company_id, person_id, role, share_percent, created_at) \
         VALUES ($1, $2, $3, NULLIF($4, 'NaN'), $5) RETURNING control_link_id",
    )
    .bind(company_id)
    .bind(person_id)
    .bind(role.to_string())
    .bind(crate::nullable_f64(share_percent))
    .bind(format_timestamp(now))
    .fetch_one(conn)
    .await?)
}

const SELECT: &str = "SELECT k.control_link_id, k.company_id, c.name AS company_name, k.person_id, \
    p.name AS person_name, p.id_number, k.role, k.share_percent FROM control_link k \
    JOIN company c ON c.company_id = k.company_id JOIN person p ON p.person_id = k.person_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<ControlLink> {
    Ok(ControlLink {
        id: get(r, "control_link_id")?,
        company_id: get(r, "company_id")?,
        company_name: get(r, "company_name")?,
        person_id: get(r, "person_id")?,
        person_name: get(r, "person_name")?,
        id_number: get(r, "id_number")?,
        role: get(r, "role")?,
        share_percent: get(r, "share_percent")?,
    })
}

/// The people behind a company.
pub async fn of_company(conn: &mut Conn, company_id: i64) -> Result<Vec<ControlLink>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE k.company_id = $1 ORDER BY k.role, p.name"
    ))
    .bind(company_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every link of the given people (the companies they stand behind).
pub async fn of_people(conn: &mut Conn, person_ids: &[i64]) -> Result<Vec<ControlLink>> {
    let mut out = Vec::new();
    for id in person_ids {
        let rows = sqlx::query(&format!("{SELECT} WHERE k.person_id = $1 ORDER BY c.name"))
            .bind(*id)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            out.push(from_row(r)?);
        }
    }
    Ok(out)
}

/// A person's name.
pub async fn name_of(conn: &mut Conn, person_id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT name FROM person WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(conn)
        .await?)
}
