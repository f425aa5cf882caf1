//! 强制措施 — enforcement measures on penalty cases, by case and by mine.
//!
//! No rule lives here: what may be taken or lifted, and when a measure takes effect, are
//! `domain::measure`'s.

use crate::bound::{Key, Value, MEASURE};
use crate::{get, get_code, get_opt_code, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::measure::{MeasureKind, MeasureState};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::{AgencyCode, MineId};

/// A measure to record.
#[derive(Debug, Clone)]
pub struct NewMeasure<'a> {
    pub case_id: i64,
    pub mine_id: MineId,
    pub kind: MeasureKind,
    pub agency: &'a AgencyCode,
    pub supplier: Option<&'a AgencyCode>,
    pub doc_no: &'a str,
    pub basis: &'a str,
    pub items: Option<&'a str>,
    pub emergency: bool,
    pub state: MeasureState,
    pub taken_by_label: &'a str,
    pub effective_at: DateTime<Utc>,
    pub mine_status_before: Option<MineStatus>,
}

/// A stored measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub id: i64,
    pub case_id: i64,
    pub case_no: String,
    pub mine_id: MineId,
    pub mine_name: String,
    pub company_name: String,
    pub kind: MeasureKind,
    pub agency: AgencyCode,
    pub supplier: Option<AgencyCode>,
    pub doc_no: String,
    pub basis: String,
    pub items: Option<String>,
    pub emergency: bool,
    pub state: MeasureState,
    pub taken_by_label: String,
    pub taken_at: DateTime<Utc>,
    pub effective_at: DateTime<Utc>,
    pub confirmed_by_label: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub mine_status_before: Option<MineStatus>,
    pub lifted_by_label: Option<String>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

/// Records a measure (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, m: &NewMeasure<'_>) -> Result<i64> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &MEASURE,
            &[
                ("case_id", m.case_id.into()),
                ("mine_id", m.mine_id.0.into()),
                ("kind", m.kind.as_str().into()),
                ("agency_code", m.agency.as_str().into()),
                ("supplier_code", m.supplier.map(AgencyCode::as_str).into()),
                ("doc_no", m.doc_no.into()),
                ("basis", m.basis.into()),
                ("items", m.items.into()),
                ("emergency", i64::from(m.emergency).into()),
                ("state", m.state.as_str().into()),
                ("taken_by_label", m.taken_by_label.into()),
                ("taken_at", now.into()),
                ("effective_at", format_timestamp(m.effective_at).into()),
                ("confirmed_by_label", Value::Null),
                ("confirmed_at", Value::Null),
                (
                    "mine_status_before",
                    m.mine_status_before.map(MineStatus::as_str).into(),
                ),
                ("lifted_by_label", Value::Null),
                ("lifted_at", Value::Null),
                ("lift_reason", Value::Null),
            ],
        )
        .await?;
    Ok(key.int().unwrap_or_default())
}

/// Changes columns of a measure (the caller has checked the step and audits it).
pub async fn update(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&MEASURE, &Key::Int(id), set).await
}

const SELECT: &str = "SELECT x.measure_id, x.case_id, k.case_no, x.mine_id, m.name AS mine_name, \
    c.name AS company_name, x.kind, x.agency_code, x.supplier_code, x.doc_no, x.basis, x.items, \
    x.emergency, x.state, x.taken_by_label, x.taken_at, x.effective_at, x.confirmed_by_label, \
    x.confirmed_at, x.mine_status_before, x.lifted_by_label, x.lifted_at, x.lift_reason \
    FROM enforcement_measure x JOIN penalty_case k ON k.case_id = x.case_id \
    JOIN mine m ON m.mine_id = x.mine_id JOIN company c ON c.company_id = k.company_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Measure> {
    let code = |raw: &str| AgencyCode::parse(raw);
    Ok(Measure {
        id: get(r, "measure_id")?,
        case_id: get(r, "case_id")?,
        case_no: get(r, "case_no")?,
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        company_name: get(r, "company_name")?,
        kind: get_code(r, "kind", MeasureKind::parse)?,
        agency: get_code(r, "agency_code", code)?,
        supplier: get_opt_code(r, "supplier_code", code)?,
        doc_no: get(r, "doc_no")?,
        basis: get(r, "basis")?,
        items: get(r, "items")?,
        emergency: get::<i64>(r, "emergency")? != 0,
        state: get_code(r, "state", MeasureState::parse)?,
        taken_by_label: get(r, "taken_by_label")?,
        taken_at: get_time(r, "taken_at")?,
        effective_at: get_time(r, "effective_at")?,
        confirmed_by_label: get(r, "confirmed_by_label")?,
        confirmed_at: get_opt_time(r, "confirmed_at")?,
        mine_status_before: get_opt_code(r, "mine_status_before", MineStatus::parse)?,
        lifted_by_label: get(r, "lifted_by_label")?,
        lifted_at: get_opt_time(r, "lifted_at")?,
        lift_reason: get(r, "lift_reason")?,
    })
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Measure>> {
    let row = sqlx::query(&format!("{SELECT} WHERE x.measure_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A case's measures, in the order taken.
pub async fn of_case(conn: &mut Conn, case_id: i64) -> Result<Vec<Measure>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE x.case_id = $1 ORDER BY x.measure_id"))
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A mine's measures (of every case), in the order taken.
pub async fn of_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<Measure>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE x.mine_id = $1 ORDER BY x.measure_id"))
        .bind(mine_id.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The mines with a measure that binds (pending or in force), with the kinds, for the county map.
pub async fn binding_by_mine(conn: &mut Conn) -> Result<Vec<(MineId, MeasureKind)>> {
    let rows = sqlx::query(
        "SELECT mine_id, kind FROM enforcement_measure WHERE state <> 'lifted' ORDER BY mine_id, measure_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                MineId(get(r, "mine_id")?),
                get_code(r, "kind", MeasureKind::parse)?,
            ))
        })
        .collect()
}

/// How many documents carry a number starting with `prefix`.
pub async fn numbers_with_prefix(conn: &mut Conn, prefix: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM enforcement_measure WHERE doc_no LIKE $1 ESCAPE '\\'")
            .bind(format!("{}%", crate::like_pattern(prefix).trim_matches('%')))
            .fetch_one(conn)
            .await?,
    )
}
