//! 行政区划 — the county's outline and its townships', drawn on the county map for orientation, and the
//! county's extent against which a licence far away is questioned.

use crate::bound::BOUNDARY;
use crate::write::NewRecord;
use crate::{get, get_code, Conn, Result, WriteTx};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::protected::BoundaryKind;
use orewatch_domain::BoundaryId;

/// A stored boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub id: BoundaryId,
    pub kind: BoundaryKind,
    pub name: String,
    pub source: Option<String>,
    pub parcel_json: String,
    pub area_m2: f64,
}

/// A boundary to add.
#[derive(Debug, Clone)]
pub struct NewBoundary<'a> {
    pub kind: BoundaryKind,
    pub name: &'a str,
    pub source: Option<&'a str>,
    pub parcel_json: &'a str,
    pub area_m2: f64,
}

/// Adds boundaries (a layer), each with its audit entry; ids in order.
pub async fn insert_many(
    tx: &mut WriteTx,
    items: &[NewBoundary<'_>],
    note: Option<&str>,
) -> Result<Vec<i64>> {
    let at = format_timestamp(tx.now());
    let records = items
        .iter()
        .map(|b| NewRecord {
            values: vec![
                ("kind", b.kind.as_str().into()),
                ("name", b.name.into()),
                ("source", b.source.into()),
                ("parcel_json", b.parcel_json.into()),
                ("area_m2", b.area_m2.into()),
                ("created_at", at.clone().into()),
            ],
            children: Vec::new(),
        })
        .collect();
    let keys = tx
        .insert_records(
            &BOUNDARY,
            records,
            orewatch_domain::AuditAction::BoundaryCreate,
            note,
        )
        .await?;
    Ok(keys.iter().filter_map(crate::Key::int).collect())
}

pub async fn all(conn: &mut Conn) -> Result<Vec<Boundary>> {
    let rows = sqlx::query(
        "SELECT boundary_id, kind, name, source, parcel_json, area_m2 FROM boundary ORDER BY kind, name, boundary_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Boundary {
                id: BoundaryId(get(r, "boundary_id")?),
                kind: get_code(r, "kind", BoundaryKind::parse)?,
                name: get(r, "name")?,
                source: get(r, "source")?,
                parcel_json: get(r, "parcel_json")?,
                area_m2: get(r, "area_m2")?,
            })
        })
        .collect()
}
