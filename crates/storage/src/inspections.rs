//! 联合检查 — joint inspections (a bundle of per-agency acts on one day), and the list columns that
//! plans, inspections and acts share. Plans are in [`crate::plans`], acts in [`crate::acts`], the
//! inspector register and checklists in [`crate::register`].
//!
//! No rule lives here: which step may follow which, who may act and what a signed act needs are
//! decided in `domain::inspection` and the policy.

use crate::bound::{Key, Value, INSPECTION};
use crate::{date_text, get, get_code, get_date, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::{AgencyCode, InspectionId, MineId, PlanItemId};
use sqlx::any::AnyRow;

/// A space-separated list of codes or ids, as the list columns hold them.
pub fn join_list<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn codes(raw: &str) -> Result<Vec<AgencyCode>> {
    raw.split_whitespace()
        .map(|c| AgencyCode::parse(c).map_err(|_| crate::StorageError::Corrupt(format!("agency code {c}"))))
        .collect()
}

pub(crate) fn ids(raw: &str) -> Result<Vec<i64>> {
    raw.split_whitespace()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| crate::StorageError::Corrupt(format!("id {c}")))
        })
        .collect()
}

/// A joint inspection with how far its acts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub id: InspectionId,
    pub plan_item_id: Option<PlanItemId>,
    pub title: String,
    pub inspect_on: NaiveDate,
    pub lead: AgencyCode,
    pub agencies: Vec<AgencyCode>,
    pub mines: Vec<MineId>,
    pub closed: bool,
    pub created_by_label: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub acts: i64,
    pub acts_signed: i64,
    /// Whether it was drawn by 双随机 (its list is then secret until the day).
    pub drawn: bool,
}

/// A joint inspection to schedule.
#[derive(Debug, Clone)]
pub struct NewInspection<'a> {
    pub plan_item_id: Option<PlanItemId>,
    pub title: &'a str,
    pub inspect_on: NaiveDate,
    pub lead: &'a AgencyCode,
    pub agencies: &'a [AgencyCode],
    pub mines: &'a [MineId],
    pub by_label: &'a str,
}

pub async fn insert_inspection(tx: &mut WriteTx, i: &NewInspection<'_>) -> Result<InspectionId> {
    let now = format_timestamp(tx.now());
    let mines: Vec<i64> = i.mines.iter().map(|m| m.0).collect();
    let key = tx
        .insert(
            &INSPECTION,
            &[
                ("plan_item_id", i.plan_item_id.map(|p| p.0).into()),
                ("title", i.title.into()),
                ("inspect_on", date_text(i.inspect_on).into()),
                ("lead_agency", i.lead.as_str().into()),
                ("agencies", join_list(i.agencies).into()),
                ("mine_ids", join_list(&mines).into()),
                ("state", "open".into()),
                ("created_by_label", i.by_label.into()),
                ("created_at", now.into()),
                ("closed_at", Value::Null),
            ],
        )
        .await?;
    key.id(InspectionId)
}

/// Closes a joint inspection whose acts are all signed; returns whether it changed.
pub async fn close_inspection(tx: &mut WriteTx, id: InspectionId) -> Result<bool> {
    let now = format_timestamp(tx.now());
    Ok(tx
        .update(
            &INSPECTION,
            &Key::Int(id.0),
            &[("state", "closed".into()), ("closed_at", now.into())],
        )
        .await?
        > 0)
}

const INSPECTION_SELECT: &str = "SELECT j.inspection_id, j.plan_item_id, j.title, j.inspect_on, j.lead_agency, \
    j.agencies, j.mine_ids, j.state, j.created_by_label, j.created_at, j.closed_at, \
    (SELECT COUNT(*) FROM inspection_act a WHERE a.inspection_id = j.inspection_id) AS acts, \
    (SELECT COUNT(*) FROM inspection_act a WHERE a.inspection_id = j.inspection_id AND a.state = 'signed') AS acts_signed, \
    (SELECT COUNT(*) FROM inspection_draw d WHERE d.inspection_id = j.inspection_id) AS drawn \
    FROM joint_inspection j";

fn inspection_from_row(r: &AnyRow) -> Result<Inspection> {
    Ok(Inspection {
        id: InspectionId(get(r, "inspection_id")?),
        plan_item_id: get::<Option<i64>>(r, "plan_item_id")?.map(PlanItemId),
        title: get(r, "title")?,
        inspect_on: get_date(r, "inspect_on")?,
        lead: get_code(r, "lead_agency", AgencyCode::parse)?,
        agencies: codes(&get::<String>(r, "agencies")?)?,
        mines: ids(&get::<String>(r, "mine_ids")?)?
            .into_iter()
            .map(MineId)
            .collect(),
        closed: get::<String>(r, "state")? == "closed",
        created_by_label: get(r, "created_by_label")?,
        created_at: get_time(r, "created_at")?,
        closed_at: get_opt_time(r, "closed_at")?,
        acts: get(r, "acts")?,
        acts_signed: get(r, "acts_signed")?,
        drawn: get::<i64>(r, "drawn")? > 0,
    })
}

pub async fn find_inspection(conn: &mut Conn, id: InspectionId) -> Result<Option<Inspection>> {
    let row = sqlx::query(&format!("{INSPECTION_SELECT} WHERE j.inspection_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(inspection_from_row).transpose()
}

/// The joint inspections held or scheduled in a year, newest first.
pub async fn inspections_in(conn: &mut Conn, year: i32) -> Result<Vec<Inspection>> {
    let rows = sqlx::query(&format!(
        "{INSPECTION_SELECT} WHERE j.inspect_on >= $1 AND j.inspect_on <= $2 ORDER BY j.inspect_on DESC, j.inspection_id DESC"
    ))
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(conn)
    .await?;
    rows.iter().map(inspection_from_row).collect()
}
