//! 矿业权 — licences with their boundary (parcel JSON) and their history (新立/延续/变更/注销), which is
//! part of the licence's record.

use crate::bound::{Key, Value, LICENCE, LICENCE_EVENTS};
use crate::write::NewRecord;
use crate::{get, get_code, get_date, get_opt_code, Conn, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::licence::{LicenceEventKind, LicenceKind, LicenceState, ScaleUnit};
use orewatch_domain::mine::MiningMethod;
use orewatch_domain::{CompanyId, LicenceId, MineId};

/// A stored licence.
#[derive(Debug, Clone, PartialEq)]
pub struct Licence {
    pub id: LicenceId,
    pub licence_no: String,
    pub kind: LicenceKind,
    pub mine_id: MineId,
    pub holder_company_id: CompanyId,
    pub holder_name: String,
    pub mineral: String,
    pub method: MiningMethod,
    pub scale: Option<f64>,
    pub scale_unit: Option<ScaleUnit>,
    pub declared_area_m2: f64,
    pub area_m2: f64,
    pub planar_area_m2: f64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub state: LicenceState,
    pub boundary_text: String,
    pub parcel_json: String,
    pub zone: i64,
    pub elevation_top_m: Option<f64>,
    pub elevation_floor_m: Option<f64>,
}

/// A licence's fields (validated by the use case).
#[derive(Debug, Clone)]
pub struct LicenceFields<'a> {
    pub licence_no: &'a str,
    pub kind: LicenceKind,
    pub mine_id: MineId,
    pub holder_company_id: CompanyId,
    pub mineral: &'a str,
    pub method: MiningMethod,
    pub scale: Option<f64>,
    pub scale_unit: Option<ScaleUnit>,
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

impl LicenceFields<'_> {
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("licence_no", self.licence_no.into()),
            ("kind", self.kind.as_str().into()),
            ("mine_id", self.mine_id.0.into()),
            ("holder_company_id", self.holder_company_id.0.into()),
            ("mineral", self.mineral.into()),
            ("method", self.method.as_str().into()),
            ("scale", self.scale.into()),
            ("scale_unit", self.scale_unit.map(ScaleUnit::as_str).into()),
            ("declared_area_m2", self.declared_area_m2.into()),
            ("area_m2", self.area_m2.into()),
            ("planar_area_m2", self.planar_area_m2.into()),
            ("valid_from", self.valid_from.to_string().into()),
            ("valid_to", self.valid_to.to_string().into()),
            ("boundary_text", self.boundary_text.into()),
            ("parcel_json", self.parcel_json.into()),
            ("zone", self.zone.into()),
            ("elevation_top_m", self.elevation_top_m.into()),
            ("elevation_floor_m", self.elevation_floor_m.into()),
        ]
    }

    /// A new licence (state active) with its first history entry, granted on `valid_from`.
    pub fn new_record(&self, now: DateTime<Utc>) -> NewRecord {
        let at = format_timestamp(now);
        let mut values = self.values();
        values.push(("state", LicenceState::Active.as_str().into()));
        values.push(("created_at", at.clone().into()));
        values.push(("updated_at", at.clone().into()));
        NewRecord {
            values,
            children: vec![vec![event_values(
                LicenceEventKind::Granted,
                self.valid_from,
                None,
                &at,
            )]],
        }
    }
}

fn event_values(
    kind: LicenceEventKind,
    on_date: NaiveDate,
    note: Option<&str>,
    recorded_at: &str,
) -> Vec<(&'static str, Value)> {
    vec![
        ("kind", kind.as_str().into()),
        ("on_date", on_date.to_string().into()),
        ("note", note.into()),
        ("recorded_at", recorded_at.into()),
    ]
}

/// One history entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceEvent {
    pub licence_id: LicenceId,
    pub kind: LicenceEventKind,
    pub on_date: NaiveDate,
    pub note: Option<String>,
}

/// What the map and the overlap checks need of every licence.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceShape {
    pub id: LicenceId,
    pub licence_no: String,
    pub kind: LicenceKind,
    pub mine_id: MineId,
    pub holder_company_id: CompanyId,
    pub state: LicenceState,
    pub valid_to: NaiveDate,
    pub parcel_json: String,
}

const SELECT: &str = "SELECT l.licence_id, l.licence_no, l.kind, l.mine_id, l.holder_company_id, \
    c.name AS holder_name, l.mineral, l.method, l.scale, l.scale_unit, l.declared_area_m2, l.area_m2, \
    l.planar_area_m2, l.valid_from, l.valid_to, l.state, l.boundary_text, l.parcel_json, l.zone, \
    l.elevation_top_m, l.elevation_floor_m FROM licence l JOIN company c ON c.company_id = l.holder_company_id";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Licence> {
    Ok(Licence {
        id: LicenceId(get(row, "licence_id")?),
        licence_no: get(row, "licence_no")?,
        kind: get_code(row, "kind", LicenceKind::parse)?,
        mine_id: MineId(get(row, "mine_id")?),
        holder_company_id: CompanyId(get(row, "holder_company_id")?),
        holder_name: get(row, "holder_name")?,
        mineral: get(row, "mineral")?,
        method: get_code(row, "method", MiningMethod::parse)?,
        scale: get(row, "scale")?,
        scale_unit: get_opt_code(row, "scale_unit", ScaleUnit::parse)?,
        declared_area_m2: get(row, "declared_area_m2")?,
        area_m2: get(row, "area_m2")?,
        planar_area_m2: get(row, "planar_area_m2")?,
        valid_from: get_date(row, "valid_from")?,
        valid_to: get_date(row, "valid_to")?,
        state: get_code(row, "state", crate::some(LicenceState::parse))?,
        boundary_text: get(row, "boundary_text")?,
        parcel_json: get(row, "parcel_json")?,
        zone: get(row, "zone")?,
        elevation_top_m: get(row, "elevation_top_m")?,
        elevation_floor_m: get(row, "elevation_floor_m")?,
    })
}

/// Inserts a licence with its "granted" history entry.
pub async fn insert(tx: &mut WriteTx, l: &LicenceFields<'_>) -> Result<LicenceId> {
    let record = l.new_record(tx.now());
    let key = tx.insert(&LICENCE, &record.values).await?;
    for event in record.children.iter().flatten() {
        tx.insert_child(&LICENCE, &LICENCE_EVENTS, &key, event).await?;
    }
    key.id(LicenceId)
}

/// Inserts many licences at once, each with its history entry and audit entry; ids in order.
pub async fn insert_many(
    tx: &mut WriteTx,
    licences: &[LicenceFields<'_>],
    note: Option<&str>,
) -> Result<Vec<LicenceId>> {
    let now = tx.now();
    let records = licences.iter().map(|l| l.new_record(now)).collect();
    let keys = tx
        .insert_records(
            &LICENCE,
            records,
            orewatch_domain::AuditAction::LicenceCreate,
            note,
        )
        .await?;
    keys.iter().map(|k| k.id(LicenceId)).collect()
}

/// Changes a licence's fields (an import that updates by number); its state and history stay.
pub async fn update(tx: &mut WriteTx, id: LicenceId, l: &LicenceFields<'_>) -> Result<()> {
    let mut values = l.values();
    values.push(("updated_at", format_timestamp(tx.now()).into()));
    tx.update(&LICENCE, &Key::Int(id.0), &values).await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: LicenceId) -> Result<Option<Licence>> {
    let row = sqlx::query(&format!("{SELECT} WHERE l.licence_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// All licence numbers with their ids (for checking an import for duplicates in one read).
pub async fn all_numbers(conn: &mut Conn) -> Result<Vec<(LicenceId, String)>> {
    let rows = sqlx::query("SELECT licence_id, licence_no FROM licence")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((LicenceId(get(r, "licence_id")?), get(r, "licence_no")?)))
        .collect()
}

/// A mine's licences, mining first, newest validity first.
pub async fn for_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<Licence>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE l.mine_id = $1 ORDER BY l.kind DESC, l.valid_to DESC, l.licence_id"
    ))
    .bind(mine_id.0)
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
                id: LicenceId(get(r, "licence_id")?),
                licence_no: get(r, "licence_no")?,
                kind: get_code(r, "kind", LicenceKind::parse)?,
                mine_id: MineId(get(r, "mine_id")?),
                holder_company_id: CompanyId(get(r, "holder_company_id")?),
                state: get_code(r, "state", crate::some(LicenceState::parse))?,
                valid_to: get_date(r, "valid_to")?,
                parcel_json: get(r, "parcel_json")?,
            })
        })
        .collect()
}

/// Records an event of a licence's history.
pub async fn add_event(
    tx: &mut WriteTx,
    licence_id: LicenceId,
    kind: LicenceEventKind,
    on_date: NaiveDate,
    note: Option<&str>,
) -> Result<()> {
    let at = format_timestamp(tx.now());
    tx.insert_child(
        &LICENCE,
        &LICENCE_EVENTS,
        &Key::Int(licence_id.0),
        &event_values(kind, on_date, note, &at),
    )
    .await
}

/// The history of a mine's licences, oldest first.
pub async fn events_for_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<LicenceEvent>> {
    let rows = sqlx::query(
        "SELECT e.licence_id, e.kind, e.on_date, e.note FROM licence_event e \
         JOIN licence l ON l.licence_id = e.licence_id WHERE l.mine_id = $1 \
         ORDER BY e.on_date, e.licence_event_id",
    )
    .bind(mine_id.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LicenceEvent {
                licence_id: LicenceId(get(r, "licence_id")?),
                kind: get_code(r, "kind", LicenceEventKind::parse)?,
                on_date: get_date(r, "on_date")?,
                note: get(r, "note")?,
            })
        })
        .collect()
}

/// Extends (new `valid_to`) or cancels a licence.
pub async fn set_validity(
    tx: &mut WriteTx,
    id: LicenceId,
    valid_to: NaiveDate,
    state: LicenceState,
) -> Result<u64> {
    let now = format_timestamp(tx.now());
    tx.update(
        &LICENCE,
        &Key::Int(id.0),
        &[
            ("valid_to", valid_to.to_string().into()),
            ("state", state.as_str().into()),
            ("updated_at", now.into()),
        ],
    )
    .await
}
