//! 保护区域 — nature reserves, red lines, forest land, farmland and wetlands as polygons.

use crate::bound::PROTECTED_AREA;
use crate::write::NewRecord;
use crate::{get, get_code, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::protected::ProtectedKind;
use orewatch_domain::ProtectedAreaId;

/// A stored protected area.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectedArea {
    pub id: ProtectedAreaId,
    pub kind: ProtectedKind,
    pub name: String,
    pub source: Option<String>,
    pub parcel_json: String,
    pub area_m2: f64,
}

/// A protected area to add.
#[derive(Debug, Clone)]
pub struct NewProtectedArea<'a> {
    pub kind: ProtectedKind,
    pub name: &'a str,
    pub source: Option<&'a str>,
    pub parcel_json: &'a str,
    pub area_m2: f64,
}

impl NewProtectedArea<'_> {
    fn record(&self, now: DateTime<Utc>) -> NewRecord {
        NewRecord {
            values: vec![
                ("kind", self.kind.as_str().into()),
                ("name", self.name.into()),
                ("source", self.source.into()),
                ("parcel_json", self.parcel_json.into()),
                ("area_m2", self.area_m2.into()),
                ("created_at", format_timestamp(now).into()),
            ],
            children: Vec::new(),
        }
    }
}

/// Adds many areas (a layer), each with its audit entry; ids in order.
pub async fn insert_many(
    tx: &mut WriteTx,
    areas: &[NewProtectedArea<'_>],
    note: Option<&str>,
) -> Result<Vec<i64>> {
    let now = tx.now();
    let records = areas.iter().map(|a| a.record(now)).collect();
    let keys = tx
        .insert_records(
            &PROTECTED_AREA,
            records,
            orewatch_domain::AuditAction::ProtectedAreaCreate,
            note,
        )
        .await?;
    Ok(keys.iter().filter_map(crate::Key::int).collect())
}

/// Adds one area (the caller audits it).
pub async fn insert(tx: &mut WriteTx, area: &NewProtectedArea<'_>) -> Result<ProtectedAreaId> {
    let record = area.record(tx.now());
    let key = tx.insert(&PROTECTED_AREA, &record.values).await?;
    key.id(ProtectedAreaId)
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
                id: ProtectedAreaId(get(r, "protected_area_id")?),
                kind: get_code(r, "kind", ProtectedKind::parse)?,
                name: get(r, "name")?,
                source: get(r, "source")?,
                parcel_json: get(r, "parcel_json")?,
                area_m2: get(r, "area_m2")?,
            })
        })
        .collect()
}
