//! 保护区域 — nature reserves, red lines, forest land, farmland and wetlands as polygons.

use crate::{get, Conn, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;

/// A stored protected area.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectedArea {
    pub id: i64,
    /// `reserve`, `red_line`, `forest`, `farmland` or `wetland`.
    pub kind: String,
    pub name: String,
    pub source: Option<String>,
    pub parcel_json: String,
    pub area_m2: f64,
}

pub async fn insert(
    conn: &mut Conn,
    kind: &str,
    name: &str,
    source: Option<&str>,
    parcel_json: &str,
    area_m2: f64,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO protected_area (kind, name, source, parcel_json, area_m2, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING protected_area_id",
    )
    .bind(kind.to_string())
    .bind(name.to_string())
    .bind(source.map(str::to_string))
    .bind(parcel_json.to_string())
    .bind(area_m2)
    .bind(format_timestamp(now))
    .fetch_one(conn)
    .await?)
}

pub async fn all(conn: &mut Conn) -> Result<Vec<ProtectedArea>> {
    let rows = sqlx::query(
        "SELECT protected_area_id, kind, name, source, parcel_json, area_m2 FROM protected_area ORDER BY kind, name",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ProtectedArea {
                id: get(r, "protected_area_id")?,
                kind: get(r, "kind")?,
                name: get(r, "name")?,
                source: get(r, "source")?,
                parcel_json: get(r, "parcel_json")?,
                area_m2: get(r, "area_m2")?,
            })
        })
        .collect()
}
