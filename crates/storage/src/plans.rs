//! 年度联合检查计划 — plan versions with their planned joint inspections (items) and history.
//!
//! No rule lives here: which step may follow which is `domain::inspection::plan`'s, who may act the
//! policy's.

use crate::bound::{Key, Value, PLAN, PLAN_EVENTS, PLAN_ITEMS};
use crate::inspections::{codes, ids, join_list};
use crate::{get, get_code, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::inspection::PlanState;
use orewatch_domain::{AccountId, AgencyCode, MineId};
use sqlx::any::AnyRow;

/// A planned joint inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub id: i64,
    pub quarter: u8,
    pub title: String,
    pub lead: AgencyCode,
    /// Every agency taking part, the lead first.
    pub agencies: Vec<AgencyCode>,
    /// Focus: finding-category groups (DOMAIN.md §3).
    pub focus: Vec<String>,
    pub mines: Vec<MineId>,
}

/// One event of a plan's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEvent {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub by_label: String,
    pub note: Option<String>,
}

/// A plan version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: i64,
    pub year: i32,
    pub version: i64,
    pub state: PlanState,
    pub supersedes: Option<i64>,
    pub reason: Option<String>,
    pub comments: Option<String>,
    pub drafted_by: Option<AccountId>,
    pub drafted_by_label: String,
    pub drafted_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub items: Vec<PlanItem>,
    pub events: Vec<PlanEvent>,
}

/// A new plan version (the caller audits it).
pub async fn insert_plan(
    tx: &mut WriteTx,
    year: i32,
    version: i64,
    supersedes: Option<i64>,
    reason: Option<&str>,
    drafted_by: Option<AccountId>,
    drafted_by_label: &str,
) -> Result<i64> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &PLAN,
            &[
                ("year", i64::from(year).into()),
                ("version", version.into()),
                ("state", PlanState::Draft.as_str().into()),
                ("supersedes_id", supersedes.into()),
                ("reason", reason.into()),
                ("comments", Value::Null),
                ("drafted_by", drafted_by.map(|a| a.0).into()),
                ("drafted_by_label", drafted_by_label.into()),
                ("drafted_at", now.into()),
                ("submitted_at", Value::Null),
                ("decided_by", Value::Null),
                ("decided_by_label", Value::Null),
                ("decided_at", Value::Null),
            ],
        )
        .await?;
    Ok(key.int().unwrap_or_default())
}

/// Changes columns of a plan version.
pub async fn update_plan(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&PLAN, &Key::Int(id), set).await
}

/// A planned joint inspection to add.
#[derive(Debug, Clone)]
pub struct NewPlanItem<'a> {
    pub quarter: u8,
    pub title: &'a str,
    pub lead: &'a AgencyCode,
    pub agencies: &'a [AgencyCode],
    pub focus: &'a [String],
    pub mines: &'a [MineId],
}

pub async fn add_plan_item(tx: &mut WriteTx, plan_id: i64, item: &NewPlanItem<'_>) -> Result<()> {
    let mines: Vec<i64> = item.mines.iter().map(|m| m.0).collect();
    tx.insert_child(
        &PLAN,
        &PLAN_ITEMS,
        &Key::Int(plan_id),
        &[
            ("quarter", i64::from(item.quarter).into()),
            ("title", item.title.into()),
            ("lead_agency", item.lead.as_str().into()),
            ("agencies", join_list(item.agencies).into()),
            ("focus", join_list(item.focus).into()),
            ("mine_ids", join_list(&mines).into()),
        ],
    )
    .await
}

/// Removes an item from a plan still being drafted; returns whether it was there.
pub async fn remove_plan_item(tx: &mut WriteTx, plan_id: i64, item_id: i64) -> Result<bool> {
    Ok(tx
        .delete_child(
            &PLAN,
            &PLAN_ITEMS,
            &Key::Int(plan_id),
            "plan_item_id = ?1",
            &[item_id.into()],
        )
        .await?
        > 0)
}

pub async fn add_plan_event(
    tx: &mut WriteTx,
    plan_id: i64,
    kind: &str,
    by_label: &str,
    note: Option<&str>,
) -> Result<()> {
    let at = format_timestamp(tx.now());
    tx.insert_child(
        &PLAN,
        &PLAN_EVENTS,
        &Key::Int(plan_id),
        &[
            ("kind", kind.into()),
            ("at", at.into()),
            ("by_label", by_label.into()),
            ("note", note.into()),
        ],
    )
    .await
}

const PLAN_SELECT: &str = "SELECT plan_id, year, version, state, supersedes_id, reason, comments, \
    drafted_by, drafted_by_label, drafted_at, submitted_at, decided_by_label, decided_at FROM inspection_plan";

fn plan_from_row(r: &AnyRow) -> Result<Plan> {
    let year: i64 = get(r, "year")?;
    Ok(Plan {
        id: get(r, "plan_id")?,
        year: i32::try_from(year).unwrap_or_default(),
        version: get(r, "version")?,
        state: get_code(r, "state", PlanState::parse)?,
        supersedes: get(r, "supersedes_id")?,
        reason: get(r, "reason")?,
        comments: get(r, "comments")?,
        drafted_by: get::<Option<i64>>(r, "drafted_by")?.map(AccountId),
        drafted_by_label: get(r, "drafted_by_label")?,
        drafted_at: get_time(r, "drafted_at")?,
        submitted_at: get_opt_time(r, "submitted_at")?,
        decided_by_label: get(r, "decided_by_label")?,
        decided_at: get_opt_time(r, "decided_at")?,
        items: Vec::new(),
        events: Vec::new(),
    })
}

/// One plan version with its items and history.
pub async fn find_plan(conn: &mut Conn, id: i64) -> Result<Option<Plan>> {
    let row = sqlx::query(&format!("{PLAN_SELECT} WHERE plan_id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut plan = plan_from_row(&row)?;
    let items = sqlx::query(
        "SELECT plan_item_id, quarter, title, lead_agency, agencies, focus, mine_ids FROM plan_item \
         WHERE plan_id = $1 ORDER BY quarter, plan_item_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &items {
        let quarter: i64 = get(r, "quarter")?;
        plan.items.push(PlanItem {
            id: get(r, "plan_item_id")?,
            quarter: u8::try_from(quarter).unwrap_or_default(),
            title: get(r, "title")?,
            lead: get_code(r, "lead_agency", AgencyCode::parse)?,
            agencies: codes(&get::<String>(r, "agencies")?)?,
            focus: get::<String>(r, "focus")?
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            mines: ids(&get::<String>(r, "mine_ids")?)?
                .into_iter()
                .map(MineId)
                .collect(),
        });
    }
    let events = sqlx::query(
        "SELECT kind, at, by_label, note FROM plan_event WHERE plan_id = $1 ORDER BY plan_event_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &events {
        plan.events.push(PlanEvent {
            kind: get(r, "kind")?,
            at: get_time(r, "at")?,
            by_label: get(r, "by_label")?,
            note: get(r, "note")?,
        });
    }
    Ok(Some(plan))
}

/// Every plan version, newest year and version first (without items).
pub async fn plans(conn: &mut Conn) -> Result<Vec<Plan>> {
    let rows = sqlx::query(&format!("{PLAN_SELECT} ORDER BY year DESC, version DESC"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(plan_from_row).collect()
}

/// The highest version of a year's plan (0 when none).
pub async fn last_version(conn: &mut Conn, year: i32) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM inspection_plan WHERE year = $1")
            .bind(i64::from(year))
            .fetch_one(conn)
            .await?
            .unwrap_or(0),
    )
}

/// The version of a year in force (approved), if any.
pub async fn approved_plan_id(conn: &mut Conn, year: i32) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT plan_id FROM inspection_plan WHERE year = $1 AND state = 'approved' ORDER BY version DESC",
    )
    .bind(i64::from(year))
    .fetch_optional(conn)
    .await?)
}

/// A version of the year still open (drafted, submitted or returned), if any.
pub async fn open_plan_id(conn: &mut Conn, year: i32) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT plan_id FROM inspection_plan WHERE year = $1 AND state IN ('draft', 'submitted', 'returned')",
    )
    .bind(i64::from(year))
    .fetch_optional(conn)
    .await?)
}
