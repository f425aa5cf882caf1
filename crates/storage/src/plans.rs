//! 年度联合检查计划 — plan versions with their planned joint inspections (items) and history.
//!
//! No rule lives here: which step may follow which is `domain::inspection::plan`'s, who may act the
//! policy's. A version is saved as a step leaves it: its columns, its new items, and the items it no
//! longer has (a version being drafted may lose an item; an approved one is frozen by its rules).

use crate::bound::{Key, Value, PLAN, PLAN_EVENTS, PLAN_ITEMS};
use crate::inspections::{codes, ids, join_list};
use crate::workflow::Repository;
use crate::{get, get_code, get_opt_time, get_time, Conn, Result, StorageError, WriteTx};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::inspection::{PlanFlow, PlanState};
use orewatch_domain::workflow::{Event, HistoryEvent};
use orewatch_domain::{AccountId, AgencyCode, MineId, PlanId, PlanItemId};
use sqlx::any::AnyRow;

pub use orewatch_domain::inspection::{Plan, PlanItem};

/// A new plan version.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub year: i32,
    pub version: i64,
    pub supersedes: Option<PlanId>,
    pub reason: Option<&'a str>,
    pub drafted_by: Option<AccountId>,
    pub drafted_by_label: &'a str,
    /// The items it starts with (those of the version it revises).
    pub items: &'a [PlanItem],
}

/// Records a new plan version being drafted, with its items (the caller audits it); returns its id.
pub async fn insert_plan(tx: &mut WriteTx, p: &NewPlan<'_>) -> Result<PlanId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &PLAN,
            &[
                ("year", i64::from(p.year).into()),
                ("version", p.version.into()),
                ("state", PlanState::Draft.as_str().into()),
                ("supersedes_id", p.supersedes.map(|s| s.0).into()),
                ("reason", p.reason.into()),
                ("comments", Value::Null),
                ("drafted_by", p.drafted_by.map(|a| a.0).into()),
                ("drafted_by_label", p.drafted_by_label.into()),
                ("drafted_at", now.into()),
                ("submitted_at", Value::Null),
                ("decided_by", Value::Null),
                ("decided_by_label", Value::Null),
                ("decided_at", Value::Null),
            ],
        )
        .await?;
    for item in p.items {
        add_item(tx, &key, item).await?;
    }
    key.id(PlanId)
}

async fn add_item(tx: &mut WriteTx, plan: &Key, item: &PlanItem) -> Result<()> {
    let mines: Vec<i64> = item.mines.iter().map(|m| m.0).collect();
    tx.insert_child(
        &PLAN,
        &PLAN_ITEMS,
        plan,
        &[
            ("quarter", i64::from(item.quarter).into()),
            ("title", item.title.as_str().into()),
            ("lead_agency", item.lead.as_str().into()),
            ("agencies", join_list(&item.agencies).into()),
            ("focus", join_list(&item.focus).into()),
            ("mine_ids", join_list(&mines).into()),
        ],
    )
    .await
}

impl Repository for PlanFlow {
    async fn find(conn: &mut Conn, id: PlanId) -> Result<Option<Plan>> {
        find_plan(conn, id).await
    }

    async fn save(tx: &mut WriteTx, p: &Plan) -> Result<()> {
        let key = Key::Int(p.id.0);
        tx.update(
            &PLAN,
            &key,
            &[
                ("state", p.state.as_str().into()),
                ("comments", p.comments.as_deref().into()),
                ("submitted_at", p.submitted_at.map(format_timestamp).into()),
                ("decided_by", p.decided_by.map(|a| a.0).into()),
                ("decided_by_label", p.decided_by_label.as_deref().into()),
                ("decided_at", p.decided_at.map(format_timestamp).into()),
            ],
        )
        .await?;
        let stored: Vec<i64> = sqlx::query_scalar("SELECT plan_item_id FROM plan_item WHERE plan_id = $1")
            .bind(p.id.0)
            .fetch_all(&mut **tx)
            .await?;
        for gone in stored
            .iter()
            .filter(|s| !p.items.iter().any(|i| i.id == Some(PlanItemId(**s))))
        {
            tx.delete_child(&PLAN, &PLAN_ITEMS, &key, "plan_item_id = ?1", &[(*gone).into()])
                .await?;
        }
        for item in p.items.iter().filter(|i| i.id.is_none()) {
            add_item(tx, &key, item).await?;
        }
        Ok(())
    }

    async fn add_event(tx: &mut WriteTx, id: PlanId, event: &Event, by_label: &str) -> Result<()> {
        let at = format_timestamp(tx.now());
        tx.insert_child(
            &PLAN,
            &PLAN_EVENTS,
            &Key::Int(id.0),
            &[
                ("kind", event.kind.into()),
                ("at", at.into()),
                ("by_label", by_label.into()),
                ("note", event.note.as_deref().into()),
            ],
        )
        .await
    }
}

const PLAN_SELECT: &str = "SELECT plan_id, year, version, state, supersedes_id, reason, comments, \
    drafted_by, drafted_by_label, drafted_at, submitted_at, decided_by, decided_by_label, decided_at \
    FROM inspection_plan";

/// A stored number that must fit a narrower type (a year, a quarter), or the row is corrupt.
fn narrow<T: TryFrom<i64>>(r: &AnyRow, column: &str) -> Result<T> {
    let raw: i64 = get(r, column)?;
    T::try_from(raw).map_err(|_| StorageError::Corrupt(format!("{column} {raw}")))
}

fn plan_from_row(r: &AnyRow) -> Result<Plan> {
    Ok(Plan {
        id: PlanId(get(r, "plan_id")?),
        year: narrow(r, "year")?,
        version: get(r, "version")?,
        state: get_code(r, "state", PlanState::parse)?,
        supersedes: get::<Option<i64>>(r, "supersedes_id")?.map(PlanId),
        reason: get(r, "reason")?,
        comments: get(r, "comments")?,
        drafted_by: get::<Option<i64>>(r, "drafted_by")?.map(AccountId),
        drafted_by_label: get(r, "drafted_by_label")?,
        drafted_at: get_time(r, "drafted_at")?,
        submitted_at: get_opt_time(r, "submitted_at")?,
        decided_by: get::<Option<i64>>(r, "decided_by")?.map(AccountId),
        decided_by_label: get(r, "decided_by_label")?,
        decided_at: get_opt_time(r, "decided_at")?,
        items: Vec::new(),
        events: Vec::new(),
    })
}

/// One plan version with its items and history.
pub async fn find_plan(conn: &mut Conn, id: PlanId) -> Result<Option<Plan>> {
    let row = sqlx::query(&format!("{PLAN_SELECT} WHERE plan_id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut plan = plan_from_row(&row)?;
    let items = sqlx::query(
        "SELECT plan_item_id, quarter, title, lead_agency, agencies, focus, mine_ids FROM plan_item \
         WHERE plan_id = $1 ORDER BY quarter, plan_item_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    for r in &items {
        plan.items.push(PlanItem {
            id: Some(PlanItemId(get(r, "plan_item_id")?)),
            quarter: narrow(r, "quarter")?,
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
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    for r in &events {
        plan.events.push(HistoryEvent {
            kind: get(r, "kind")?,
            at: get_time(r, "at")?,
            by_label: get(r, "by_label")?,
            note: get(r, "note")?,
            on_date: None,
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
pub async fn approved_plan_id(conn: &mut Conn, year: i32) -> Result<Option<PlanId>> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT plan_id FROM inspection_plan WHERE year = $1 AND state = 'approved' ORDER BY version DESC",
    )
    .bind(i64::from(year))
    .fetch_optional(conn)
    .await?
    .map(PlanId))
}

/// A version of the year still open (drafted, submitted or returned), if any.
pub async fn open_plan_id(conn: &mut Conn, year: i32) -> Result<Option<PlanId>> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT plan_id FROM inspection_plan WHERE year = $1 AND state IN ('draft', 'submitted', 'returned')",
    )
    .bind(i64::from(year))
    .fetch_optional(conn)
    .await?
    .map(PlanId))
}
