//! 强制措施 — enforcement measures on penalty cases, by case and by mine.
//!
//! No rule lives here: what may be taken or lifted, and when a measure takes effect, are
//! `domain::measure`'s.

use crate::bound::{Key, Value, MEASURE};
use crate::workflow::Repository;
use crate::{get, get_code, get_opt_code, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::measure::{Existing, MeasureFlow, MeasureKind, MeasureState};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::workflow::Event;
use orewatch_domain::{AgencyCode, CaseId, MeasureId, MineId};

/// A measure to record.
#[derive(Debug, Clone)]
pub struct NewMeasure<'a> {
    pub case_id: CaseId,
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

pub use orewatch_domain::measure::Measure;

/// Records a measure (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, m: &NewMeasure<'_>) -> Result<MeasureId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &MEASURE,
            &[
                ("case_id", m.case_id.0.into()),
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
                ("restored_by_label", Value::Null),
                ("restored_at", Value::Null),
            ],
        )
        .await?;
    key.id(MeasureId)
}

impl Repository for MeasureFlow {
    async fn find(conn: &mut Conn, id: MeasureId) -> Result<Option<Measure>> {
        find(conn, id).await
    }

    async fn save(tx: &mut WriteTx, m: &Measure) -> Result<()> {
        let time = |t: Option<DateTime<Utc>>| Value::from(t.map(format_timestamp));
        tx.update(
            &MEASURE,
            &Key::Int(m.id.0),
            &[
                ("state", m.state.as_str().into()),
                ("confirmed_by_label", m.confirmed_by_label.as_deref().into()),
                ("confirmed_at", time(m.confirmed_at)),
                ("lifted_by_label", m.lifted_by_label.as_deref().into()),
                ("lifted_at", time(m.lifted_at)),
                ("lift_reason", m.lift_reason.as_deref().into()),
                ("restored_by_label", m.restored_by_label.as_deref().into()),
                ("restored_at", time(m.restored_at)),
            ],
        )
        .await?;
        Ok(())
    }

    /// A measure's history is its case's (the app adds the case's event).
    async fn add_event(_: &mut WriteTx, _: MeasureId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

const SELECT: &str = "SELECT x.measure_id, x.case_id, k.case_no, x.mine_id, m.name AS mine_name, \
    c.name AS company_name, x.kind, x.agency_code, x.supplier_code, x.doc_no, x.basis, x.items, \
    x.emergency, x.state, x.taken_by_label, x.taken_at, x.effective_at, x.confirmed_by_label, \
    x.confirmed_at, x.mine_status_before, x.lifted_by_label, x.lifted_at, x.lift_reason, \
    x.restored_by_label, x.restored_at \
    FROM enforcement_measure x JOIN penalty_case k ON k.case_id = x.case_id \
    JOIN mine m ON m.mine_id = x.mine_id JOIN company c ON c.company_id = k.company_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Measure> {
    let code = |raw: &str| AgencyCode::parse(raw);
    Ok(Measure {
        id: MeasureId(get(r, "measure_id")?),
        case_id: CaseId(get(r, "case_id")?),
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
        restored_by_label: get(r, "restored_by_label")?,
        restored_at: get_opt_time(r, "restored_at")?,
        on_mine: Vec::new(),
    })
}

/// The measures on a mine as the rules see them.
async fn on_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<Existing>> {
    let rows =
        sqlx::query("SELECT kind, state FROM enforcement_measure WHERE mine_id = $1 ORDER BY measure_id")
            .bind(mine_id.0)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(Existing {
                kind: get_code(r, "kind", MeasureKind::parse)?,
                state: get_code(r, "state", MeasureState::parse)?,
            })
        })
        .collect()
}

/// Reads measures, each with the measures on its mine.
async fn with_mine(conn: &mut Conn, sql: &str, bind: i64) -> Result<Vec<Measure>> {
    let rows = sqlx::query(sql).bind(bind).fetch_all(&mut *conn).await?;
    let mut out: Vec<Measure> = rows.iter().map(from_row).collect::<Result<_>>()?;
    let mut mines: Vec<(MineId, Vec<Existing>)> = Vec::new();
    for m in &mut out {
        if !mines.iter().any(|(id, _)| *id == m.mine_id) {
            mines.push((m.mine_id, on_mine(conn, m.mine_id).await?));
        }
        m.on_mine = mines
            .iter()
            .find(|(id, _)| *id == m.mine_id)
            .map(|(_, e)| e.clone())
            .unwrap_or_default();
    }
    Ok(out)
}

/// One measure, with the measures on its mine.
pub async fn find(conn: &mut Conn, id: MeasureId) -> Result<Option<Measure>> {
    let sql = format!("{SELECT} WHERE x.measure_id = $1");
    Ok(with_mine(conn, &sql, id.0).await?.into_iter().next())
}

/// A case's measures, in the order taken.
pub async fn of_case(conn: &mut Conn, case_id: CaseId) -> Result<Vec<Measure>> {
    let sql = format!("{SELECT} WHERE x.case_id = $1 ORDER BY x.measure_id");
    with_mine(conn, &sql, case_id.0).await
}

/// A mine's measures (of every case), in the order taken.
pub async fn of_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<Measure>> {
    let sql = format!("{SELECT} WHERE x.mine_id = $1 ORDER BY x.measure_id");
    with_mine(conn, &sql, mine_id.0).await
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
