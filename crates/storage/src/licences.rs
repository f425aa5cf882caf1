//! 矿业权 — licences with their boundary (parcel JSON) and their history.

use crate::{date_text, get, get_date, nullable_f64, Conn, Result};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;

/// A stored licence.
#[derive(Debug, Clone, PartialEq)]
pub struct Licence {
    pub id: i64,
    pub licence_no: String,
    pub kind: String,
    pub mine_id: i64,
    pub holder_company_id: i64,
    pub holder_name: String,
    pub mineral: String,
    pub method: String,
    pub scale: Option<f64>,
    pub scale_unit: Option<String>,
    pub declared_area_m2: f64,
    pub area_m2: f64,
    pub planar_area_m2: f64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub state: String,
    pub boundary_text: String,
    pub parcel_json: String,
    pub zone: i64,
    pub elevation_top_m: Option<f64>,
    pub elevation_floor_m: Option<f64>,
}

/// A licence to insert (validated by the use case).
#[derive(Debug, Clone)]
pub struct NewLicence<'a> {
    pub licence_no: &'a str,
    pub kind: &'a str,
    pub mine_id: i64,
    pub holder_company_id: i64,
    pub mineral: &'a str,
    pub method: &'a str,
    pub scale: Option<f64>,
    pub scale_unit: Option<&'a str>,
    pub declared_area_m2: f64,
    pub area_m2: f64,
    pub planar_area_m2: f64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub boundary_text: &'a str,
    pub parcel_json: &'a str,
    pub zone: i64,
    pub elevation_top_m: Option<f64>,
    pub elevation_floor_m: Option<f64>,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceEvent {
    pub licence_id: i64,
    pub kind: String,
    pub on_date: NaiveDate,
    pub note: Option<String>,
}

/// What the map and the overlap checks need of every licence.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceShape {
    pub id: i64,
    pub licence_no: String,
    pub kind: String,
    pub mine_id: i64,
    pub holder_company_id: i64,
    pub state: String,
    pub valid_to: NaiveDate,
    pub parcel_json: String,
}

const SELECT: &str = "SELECT l.licence_id, l.licence_no, l.kind, l.mine_id, l.holder_company_id, \
    c.name AS holder_name, l.mineral, l.method, l.scale, l.scale_unit, l.declared_area_m2, l.area_m2, \
    l.planar_area_m2, l.valid_from, l.valid_to, l.state, l.boundary_text, l.parcel_json, l.zone, \
    l.elevation_top_m, l.elevation_floor_m FROM licence l JOIN company c ON c.company_id = l.holder_company_id";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Licence> {
    Ok(Licence {
        id: get(row, "licence_id")?,
        licence_no: get(row, "licence_no")?,
        kind: get(row, "kind")?,
        mine_id: get(row, "mine_id")?,
        holder_company_id: get(row, "holder_company_id")?,
        holder_name: get(row, "holder_name")?,
        mineral: get(row, "mineral")?,
        method: get(row, "method")?,
        scale: get(row, "scale")?,
        scale_unit: get(row, "scale_unit")?,
        declared_area_m2: get(row, "declared_area_m2")?,
        area_m2: get(row, "area_m2")?,
        planar_area_m2: get(row, "planar_area_m2")?,
        valid_from: get_date(row, "valid_from")?,
        valid_to: get_date(row, "valid_to")?,
        state: get(row, "state")?,
        boundary_text: get(row, "boundary_text")?,
        parcel_json: get(row, "parcel_json")?,
        zone: get(row, "zone")?,
        elevation_top_m: get(row, "elevation_top_m")?,
        elevation_floor_m: get(row, "elevation_floor_m")?,
    })
}

pub async fn insert(conn: &mut Conn, l: &NewLicence<'_>, now: DateTime<Utc>) -> Result<i64> {
    let at = format_timestamp(now);
    Ok(sqlx::query_scalar(
        "INSERT INTO licence (licence_no, kind, mine_id, holder_company_id, mineral, method, scale, \
         scale_unit, declared_area_m2, area_m2, planar_area_m2, valid_from, valid_to, state, boundary_text, \
         parcel_json, zone, elevation_top_m, elevation_floor_m, created_at, updated_at) VALUES \
         ($1, $2, $3, $4, $5, $6, NULLIF($7, 'NaN'), $8, $9, $10, $11, $12, $13, 'active', $14, $15, $16, \
         NULLIF($17, 'NaN'), NULLIF($18, 'NaN'), $19, $19) \
         RETURNING licence_id",
    )
    .bind(l.licence_no.to_string())
    .bind(l.kind.to_string())
    .bind(l.mine_id)
    .bind(l.holder_company_id)
    .bind(l.mineral.to_string())
    .bind(l.method.to_string())
    .bind(nullable_f64(l.scale))
    .bind(l.scale_unit.map(str::to_string))
    .bind(l.declared_area_m2)
    .bind(l.area_m2)
    .bind(l.planar_area_m2)
    .bind(date_text(l.valid_from))
    .bind(date_text(l.valid_to))
    .bind(l.boundary_text.to_string())
    .bind(l.parcel_json.to_string())
    .bind(l.zone)
    .bind(nullable_f64(l.elevation_top_m))
    .bind(nullable_f64(l.elevation_floor_m))
    .bind(at)
    .fetch_one(conn)
    .await?)
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Licence>> {
    let row = sqlx::query(&format!("{SELECT} WHERE l.licence_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn exists_no(conn: &mut Conn, licence_no: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM licence WHERE licence_no = $1")
        .bind(licence_no.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// All licence numbers (for checking an import for duplicates in one read).
pub async fn all_numbers(conn: &mut Conn) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT licence_no FROM licence")
        .fetch_all(conn)
        .await?)
}

/// A mine's licences, mining first, newest validity first.
pub async fn for_mine(conn: &mut Conn, mine_id: i64) -> Result<Vec<Licence>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE l.mine_id = $1 ORDER BY l.kind DESC, l.valid_to DESC, l.licence_id"
    ))
    .bind(mine_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every licence's shape.
pub async fn all_shapes(conn: &mut Conn) -> Result<Vec<LicenceShape>> {
    let rows = sqlx::query(
        "SELECT licence_id, licence_no, kind, mine_id, holder_company_id, state, valid_to, parcel_json \
         FROM licence ORDER BY licence_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LicenceShape {
                id: get(r, "licence_id")?,
                licence_no: get(r, "licence_no")?,
                kind: get(r, "kind")?,
                mine_id: get(r, "mine_id")?,
                holder_company_id: get(r, "holder_company_id")?,
                state: get(r, "state")?,
                valid_to: get_date(r, "valid_to")?,
                parcel_json: get(r, "parcel_json")?,
            })
        })
        .collect()
}

pub async fn add_event(
    conn: &mut Conn,
    licence_id: i64,
    kind: &str,
    on_date: NaiveDate,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO licence_event (licence_id, kind, on_date, note, recorded_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING licence_event_id",
    )
    .bind(licence_id)
    .bind(kind.to_string())
    .bind(date_text(on_date))
    .bind(note.map(str::to_string))
    .bind(format_timestamp(now))
    .fetch_one(conn)
    .await?)
}

/// The history of a mine's licences, oldest first.
pub async fn events_for_mine(conn: &mut Conn, mine_id: i64) -> Result<Vec<LicenceEvent>> {
    let rows = sqlx::query(
        "SELECT e.licence_id, e.kind, e.on_date, e.note FROM licence_event e \
         JOIN licence l ON l.licence_id = e.licence_id WHERE l.mine_id = $1 \
         ORDER BY e.on_date, e.licence_event_id",
    )
    .bind(mine_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LicenceEvent {
                licence_id: get(r, "licence_id")?,
                kind: get(r, "kind")?,
                on_date: get_date(r, "on_date")?,
                note: get(r, "note")?,
            })
        })
        .collect()
}

/// Extends (new `valid_to`) or cancels a licence.
pub async fn set_validity(
    conn: &mut Conn,
    id: i64,
    valid_to: NaiveDate,
    state: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE licence SET valid_to = $1, state = $2, updated_at = $3 WHERE licence_id = $4")
            .bind(date_text(valid_to))
            .bind(state.to_string())
            .bind(format_timestamp(now))
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
