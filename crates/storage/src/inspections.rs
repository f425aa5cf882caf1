//! Joint inspections: plan versions with their items and history, the inspector register, the
//! checklist templates, joint inspections and the per-agency acts with their officers, checklist
//! answers and photos.
//!
//! No rule lives here: which step may follow which, who may act and what a signed act needs are
//! decided in `domain::inspection` and the policy.

use crate::bound::{
    Key, Value, ACT, ACT_ITEMS, ACT_OFFICERS, ACT_PHOTOS, CHECKLIST_ITEM, ENFORCEMENT_CARD, INSPECTION, PLAN,
    PLAN_EVENTS, PLAN_ITEMS,
};
use crate::{date_text, get, get_code, get_date, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::inspection::{ActKind, ActState, ItemResult, PlanState, Template};
use orewatch_domain::{AccountId, AgencyCode, CompanyId, MineId};
use sqlx::any::AnyRow;

/// A space-separated list of codes or ids, as the list columns hold them.
pub fn join_list<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn codes(raw: &str) -> Result<Vec<AgencyCode>> {
    raw.split_whitespace()
        .map(|c| AgencyCode::parse(c).map_err(|_| crate::StorageError::Corrupt(format!("agency code {c}"))))
        .collect()
}

fn ids(raw: &str) -> Result<Vec<i64>> {
    raw.split_whitespace()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| crate::StorageError::Corrupt(format!("id {c}")))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Plans

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

// ---------------------------------------------------------------------------------------------------
// The inspector register

/// An enforcement card in the register, with its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: i64,
    pub account_id: AccountId,
    pub holder: String,
    pub agency: Option<AgencyCode>,
    pub role: String,
    pub card_no: String,
    pub valid_until: NaiveDate,
    /// Companies the holder has declared a link to (回避).
    pub recusals: Vec<CompanyId>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether the holder's account is active.
    pub holder_active: bool,
}

pub async fn insert_card(
    tx: &mut WriteTx,
    account: AccountId,
    card_no: &str,
    valid_until: NaiveDate,
    recusals: &[CompanyId],
    by_label: &str,
) -> Result<i64> {
    let now = format_timestamp(tx.now());
    let recusals: Vec<i64> = recusals.iter().map(|c| c.0).collect();
    let key = tx
        .insert(
            &ENFORCEMENT_CARD,
            &[
                ("account_id", account.0.into()),
                ("card_no", card_no.into()),
                ("valid_until", date_text(valid_until).into()),
                ("recusals", join_list(&recusals).into()),
                ("registered_by_label", by_label.into()),
                ("registered_at", now.into()),
                ("revoked_at", Value::Null),
            ],
        )
        .await?;
    Ok(key.int().unwrap_or_default())
}

pub async fn revoke_card(tx: &mut WriteTx, id: i64) -> Result<u64> {
    let now = format_timestamp(tx.now());
    tx.update(&ENFORCEMENT_CARD, &Key::Int(id), &[("revoked_at", now.into())])
        .await
}

const CARD_SELECT: &str = "SELECT k.card_id, k.account_id, a.display_name, a.agency_code, a.role, k.card_no, \
    k.valid_until, k.recusals, k.revoked_at, a.status FROM enforcement_card k JOIN account a ON a.account_id = k.account_id";

fn card_from_row(r: &AnyRow) -> Result<Card> {
    Ok(Card {
        id: get(r, "card_id")?,
        account_id: AccountId(get(r, "account_id")?),
        holder: get(r, "display_name")?,
        agency: get::<Option<String>>(r, "agency_code")?
            .map(|c| AgencyCode::parse(&c))
            .transpose()
            .map_err(|_| crate::StorageError::Corrupt("agency code".into()))?,
        role: get(r, "role")?,
        card_no: get(r, "card_no")?,
        valid_until: get_date(r, "valid_until")?,
        recusals: ids(&get::<String>(r, "recusals")?)?
            .into_iter()
            .map(CompanyId)
            .collect(),
        revoked_at: get_opt_time(r, "revoked_at")?,
        holder_active: get::<String>(r, "status")? == "active",
    })
}

impl Card {
    /// Whether it lets its holder inspect on `day` (`domain::inspection::card_valid_on`).
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        orewatch_domain::inspection::card_valid_on(
            day,
            self.valid_until,
            self.revoked_at.is_some(),
            self.holder_active,
        )
    }
}

/// The cards of an agency's staff (or every card), revoked ones included, by holder.
pub async fn cards(conn: &mut Conn, agency: Option<&AgencyCode>) -> Result<Vec<Card>> {
    let rows = match agency {
        Some(a) => {
            sqlx::query(&format!(
                "{CARD_SELECT} WHERE a.agency_code = $1 ORDER BY a.display_name, k.card_id"
            ))
            .bind(a.as_str())
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "{CARD_SELECT} ORDER BY a.agency_code, a.display_name, k.card_id"
            ))
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter().map(card_from_row).collect()
}

pub async fn find_card(conn: &mut Conn, id: i64) -> Result<Option<Card>> {
    let row = sqlx::query(&format!("{CARD_SELECT} WHERE k.card_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(card_from_row).transpose()
}

// ---------------------------------------------------------------------------------------------------
// Checklist templates

/// An item of a checklist template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub id: i64,
    pub template: Template,
    pub sort_order: i64,
    pub text: String,
    pub category: String,
    pub retired: bool,
}

pub async fn insert_checklist_item(
    tx: &mut WriteTx,
    template: Template,
    sort_order: i64,
    text: &str,
    category: &str,
) -> Result<i64> {
    let key = tx
        .insert(
            &CHECKLIST_ITEM,
            &[
                ("template", template.as_str().into()),
                ("sort_order", sort_order.into()),
                ("text", text.into()),
                ("category", category.into()),
                ("retired", 0_i64.into()),
            ],
        )
        .await?;
    Ok(key.int().unwrap_or_default())
}

pub async fn update_checklist_item(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&CHECKLIST_ITEM, &Key::Int(id), set).await
}

/// The items of every template, in order (retired ones too).
pub async fn checklist(conn: &mut Conn) -> Result<Vec<ChecklistItem>> {
    let rows = sqlx::query(
        "SELECT checklist_item_id, template, sort_order, text, category, retired FROM checklist_item \
         ORDER BY template, sort_order, checklist_item_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChecklistItem {
                id: get(r, "checklist_item_id")?,
                template: get_code(r, "template", Template::parse)?,
                sort_order: get(r, "sort_order")?,
                text: get(r, "text")?,
                category: get(r, "category")?,
                retired: get::<i64>(r, "retired")? != 0,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Joint inspections

/// A joint inspection with how far its acts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub id: i64,
    pub plan_item_id: Option<i64>,
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
    pub plan_item_id: Option<i64>,
    pub title: &'a str,
    pub inspect_on: NaiveDate,
    pub lead: &'a AgencyCode,
    pub agencies: &'a [AgencyCode],
    pub mines: &'a [MineId],
    pub by_label: &'a str,
}

pub async fn insert_inspection(tx: &mut WriteTx, i: &NewInspection<'_>) -> Result<i64> {
    let now = format_timestamp(tx.now());
    let mines: Vec<i64> = i.mines.iter().map(|m| m.0).collect();
    let key = tx
        .insert(
            &INSPECTION,
            &[
                ("plan_item_id", i.plan_item_id.into()),
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
    Ok(key.int().unwrap_or_default())
}

/// Closes a joint inspection whose acts are all signed; returns whether it changed.
pub async fn close_inspection(tx: &mut WriteTx, id: i64) -> Result<bool> {
    let now = format_timestamp(tx.now());
    Ok(tx
        .update(
            &INSPECTION,
            &Key::Int(id),
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
        id: get(r, "inspection_id")?,
        plan_item_id: get(r, "plan_item_id")?,
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

pub async fn find_inspection(conn: &mut Conn, id: i64) -> Result<Option<Inspection>> {
    let row = sqlx::query(&format!("{INSPECTION_SELECT} WHERE j.inspection_id = $1"))
        .bind(id)
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

// ---------------------------------------------------------------------------------------------------
// Acts

/// An officer named on an act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActOfficer {
    pub account_id: AccountId,
    pub name: String,
    pub card_no: String,
}

/// A checklist answer of an act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActItem {
    pub id: i64,
    pub seq: i64,
    pub text: String,
    pub category: String,
    pub result: Option<ItemResult>,
    pub note: Option<String>,
    pub finding_id: Option<orewatch_domain::FindingId>,
}

/// A photo of an act.
#[derive(Debug, Clone, PartialEq)]
pub struct ActPhoto {
    pub id: i64,
    pub item_id: Option<i64>,
    pub sha256: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub content_type: String,
    /// `read`, `none` or `broken`.
    pub exif: String,
    pub taken_at: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub added_by_label: String,
    pub added_at: DateTime<Utc>,
}

/// An act with what its record prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Act {
    pub id: i64,
    pub inspection_id: i64,
    pub inspection_title: String,
    pub inspect_on: NaiveDate,
    pub agency: AgencyCode,
    pub mine_id: MineId,
    pub mine_name: String,
    pub township: String,
    pub company_id: CompanyId,
    pub company_name: String,
    pub legal_rep: Option<String>,
    pub company_address: Option<String>,
    pub company_phone: Option<String>,
    pub kind: ActKind,
    pub state: ActState,
    pub doc_no: Option<String>,
    pub approved_by: Option<AccountId>,
    pub approved_by_label: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    pub person_on_site: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub summary: Option<String>,
    pub recorded_by_label: Option<String>,
    pub signed_by_label: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// Whether its joint inspection was drawn by 双随机.
    pub drawn: bool,
    /// How many checklist items were found a problem.
    pub problems: i64,
    pub officers: Vec<ActOfficer>,
    pub items: Vec<ActItem>,
    pub photos: Vec<ActPhoto>,
}

/// A new act waiting for its head's approval, with its checklist copied in (the caller audits it).
pub async fn insert_act(
    tx: &mut WriteTx,
    inspection_id: i64,
    agency: &AgencyCode,
    mine: MineId,
    kind: ActKind,
    items: &[(&str, &str)],
) -> Result<i64> {
    let key = tx
        .insert(
            &ACT,
            &[
                ("inspection_id", inspection_id.into()),
                ("agency_code", agency.as_str().into()),
                ("mine_id", mine.0.into()),
                ("kind", kind.as_str().into()),
                ("state", ActState::Requested.as_str().into()),
                ("doc_no", Value::Null),
                ("approved_by", Value::Null),
                ("approved_by_label", Value::Null),
                ("approved_at", Value::Null),
                ("place", Value::Null),
                ("person_on_site", Value::Null),
                ("started_at", Value::Null),
                ("ended_at", Value::Null),
                ("summary", Value::Null),
                ("recorded_by_label", Value::Null),
                ("signed_by_label", Value::Null),
                ("signed_at", Value::Null),
            ],
        )
        .await?;
    for (seq, (text, category)) in (1_i64..).zip(items) {
        tx.insert_child(
            &ACT,
            &ACT_ITEMS,
            &key,
            &[
                ("seq", seq.into()),
                ("text", (*text).into()),
                ("category", (*category).into()),
                ("result", Value::Null),
                ("note", Value::Null),
                ("finding_id", Value::Null),
            ],
        )
        .await?;
    }
    Ok(key.int().unwrap_or_default())
}

/// Changes columns of an act.
pub async fn update_act(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&ACT, &Key::Int(id), set).await
}

pub async fn add_officer(tx: &mut WriteTx, act: i64, officer: &ActOfficer) -> Result<()> {
    tx.insert_child(
        &ACT,
        &ACT_OFFICERS,
        &Key::Int(act),
        &[
            ("account_id", officer.account_id.0.into()),
            ("name", officer.name.as_str().into()),
            ("card_no", officer.card_no.as_str().into()),
        ],
    )
    .await
}

/// Records the answer to one checklist item; returns whether the item is the act's.
pub async fn answer_item(
    tx: &mut WriteTx,
    act: i64,
    item: i64,
    result: Option<ItemResult>,
    note: Option<&str>,
) -> Result<bool> {
    Ok(tx
        .update_child(
            &ACT,
            &ACT_ITEMS,
            &Key::Int(act),
            "act_item_id = ?1",
            &[item.into()],
            &[
                ("result", result.map(ItemResult::as_str).into()),
                ("note", note.into()),
            ],
        )
        .await?
        > 0)
}

/// Links a problem item to the finding it became.
pub async fn link_item_finding(
    tx: &mut WriteTx,
    act: i64,
    item: i64,
    finding: orewatch_domain::FindingId,
) -> Result<u64> {
    tx.update_child(
        &ACT,
        &ACT_ITEMS,
        &Key::Int(act),
        "act_item_id = ?1 AND finding_id IS NULL",
        &[item.into()],
        &[("finding_id", finding.0.into())],
    )
    .await
}

/// A photo to add to an act.
#[derive(Debug, Clone)]
pub struct NewPhoto<'a> {
    pub item_id: Option<i64>,
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub size_bytes: i64,
    pub content_type: &'a str,
    pub exif: &'a str,
    pub taken_at: Option<&'a str>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub by_label: &'a str,
}

pub async fn add_photo(tx: &mut WriteTx, act: i64, p: &NewPhoto<'_>) -> Result<()> {
    let now = format_timestamp(tx.now());
    tx.insert_child(
        &ACT,
        &ACT_PHOTOS,
        &Key::Int(act),
        &[
            ("act_item_id", p.item_id.into()),
            ("sha256", p.sha256.into()),
            ("file_name", p.file_name.into()),
            ("size_bytes", p.size_bytes.into()),
            ("content_type", p.content_type.into()),
            ("exif", p.exif.into()),
            ("taken_at", p.taken_at.into()),
            ("lat", p.lat.into()),
            ("lon", p.lon.into()),
            ("added_by_label", p.by_label.into()),
            ("added_at", now.into()),
        ],
    )
    .await
}

const ACT_SELECT: &str = "SELECT a.act_id, a.inspection_id, j.title AS inspection_title, j.inspect_on, \
    a.agency_code, a.mine_id, m.name AS mine_name, m.township, c.company_id, c.name AS company_name, \
    c.legal_rep, c.address, c.phone, a.kind, a.state, a.doc_no, a.approved_by, a.approved_by_label, \
    a.approved_at, a.place, a.person_on_site, a.started_at, a.ended_at, a.summary, a.recorded_by_label, \
    a.signed_by_label, a.signed_at, \
    (SELECT COUNT(*) FROM inspection_draw d WHERE d.inspection_id = a.inspection_id) AS drawn, \
    (SELECT COUNT(*) FROM act_item i WHERE i.act_id = a.act_id AND i.result = 'problem') AS problems \
    FROM inspection_act a \
    JOIN joint_inspection j ON j.inspection_id = a.inspection_id \
    JOIN mine m ON m.mine_id = a.mine_id JOIN company c ON c.company_id = m.company_id";

fn act_from_row(r: &AnyRow) -> Result<Act> {
    Ok(Act {
        id: get(r, "act_id")?,
        inspection_id: get(r, "inspection_id")?,
        inspection_title: get(r, "inspection_title")?,
        inspect_on: get_date(r, "inspect_on")?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        township: get(r, "township")?,
        company_id: CompanyId(get(r, "company_id")?),
        company_name: get(r, "company_name")?,
        legal_rep: get(r, "legal_rep")?,
        company_address: get(r, "address")?,
        company_phone: get(r, "phone")?,
        kind: get_code(r, "kind", ActKind::parse)?,
        state: get_code(r, "state", ActState::parse)?,
        doc_no: get(r, "doc_no")?,
        approved_by: get::<Option<i64>>(r, "approved_by")?.map(AccountId),
        approved_by_label: get(r, "approved_by_label")?,
        approved_at: get_opt_time(r, "approved_at")?,
        place: get(r, "place")?,
        person_on_site: get(r, "person_on_site")?,
        started_at: get(r, "started_at")?,
        ended_at: get(r, "ended_at")?,
        summary: get(r, "summary")?,
        recorded_by_label: get(r, "recorded_by_label")?,
        signed_by_label: get(r, "signed_by_label")?,
        signed_at: get_opt_time(r, "signed_at")?,
        drawn: get::<i64>(r, "drawn")? > 0,
        problems: get(r, "problems")?,
        officers: Vec::new(),
        items: Vec::new(),
        photos: Vec::new(),
    })
}

/// One act with its officers, checklist and photos.
pub async fn find_act(conn: &mut Conn, id: i64) -> Result<Option<Act>> {
    let row = sqlx::query(&format!("{ACT_SELECT} WHERE a.act_id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut act = act_from_row(&row)?;
    for r in sqlx::query(
        "SELECT account_id, name, card_no FROM act_officer WHERE act_id = $1 ORDER BY act_officer_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    {
        act.officers.push(ActOfficer {
            account_id: AccountId(get(&r, "account_id")?),
            name: get(&r, "name")?,
            card_no: get(&r, "card_no")?,
        });
    }
    for r in sqlx::query(
        "SELECT act_item_id, seq, text, category, result, note, finding_id FROM act_item WHERE act_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    {
        act.items.push(ActItem {
            id: get(&r, "act_item_id")?,
            seq: get(&r, "seq")?,
            text: get(&r, "text")?,
            category: get(&r, "category")?,
            result: get::<Option<String>>(&r, "result")?
                .map(|s| ItemResult::parse(&s))
                .transpose()
                .map_err(|_| crate::StorageError::Corrupt("act_item.result".into()))?
                .flatten(),
            note: get(&r, "note")?,
            finding_id: get::<Option<i64>>(&r, "finding_id")?.map(orewatch_domain::FindingId),
        });
    }
    for r in sqlx::query(
        "SELECT act_photo_id, act_item_id, sha256, file_name, size_bytes, content_type, exif, taken_at, lat, lon, \
         added_by_label, added_at FROM act_photo WHERE act_id = $1 ORDER BY act_photo_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    {
        act.photos.push(ActPhoto {
            id: get(&r, "act_photo_id")?,
            item_id: get(&r, "act_item_id")?,
            sha256: get(&r, "sha256")?,
            file_name: get(&r, "file_name")?,
            size_bytes: get(&r, "size_bytes")?,
            content_type: get(&r, "content_type")?,
            exif: get(&r, "exif")?,
            taken_at: get(&r, "taken_at")?,
            lat: get(&r, "lat")?,
            lon: get(&r, "lon")?,
            added_by_label: get(&r, "added_by_label")?,
            added_at: get_time(&r, "added_at")?,
        });
    }
    Ok(Some(act))
}

/// The acts of a joint inspection (without their children), by agency and mine.
pub async fn acts_of(conn: &mut Conn, inspection_id: i64) -> Result<Vec<Act>> {
    let rows = sqlx::query(&format!(
        "{ACT_SELECT} WHERE a.inspection_id = $1 ORDER BY a.agency_code, m.name, a.act_id"
    ))
    .bind(inspection_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(act_from_row).collect()
}

/// The acts at a mine (without their children), newest first.
pub async fn acts_at_mine(conn: &mut Conn, mine: MineId) -> Result<Vec<Act>> {
    let rows = sqlx::query(&format!(
        "{ACT_SELECT} WHERE a.mine_id = $1 ORDER BY j.inspect_on DESC, a.act_id DESC"
    ))
    .bind(mine.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(act_from_row).collect()
}

/// One agency's acts at one mine in a year (every state): what the yearly cap counts.
pub async fn acts_in_year(conn: &mut Conn, agency: &AgencyCode, mine: MineId, year: i32) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM inspection_act a JOIN joint_inspection j ON j.inspection_id = a.inspection_id \
         WHERE a.agency_code = $1 AND a.mine_id = $2 AND j.inspect_on >= $3 AND j.inspect_on <= $4",
    )
    .bind(agency.as_str())
    .bind(mine.0)
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_one(conn)
    .await?)
}

/// Every act of a year as (agency, mine, date, signed): the coverage view's input.
pub async fn act_coverage(conn: &mut Conn, year: i32) -> Result<Vec<(AgencyCode, MineId, NaiveDate, bool)>> {
    let rows = sqlx::query(
        "SELECT a.agency_code, a.mine_id, j.inspect_on, a.state FROM inspection_act a \
         JOIN joint_inspection j ON j.inspection_id = a.inspection_id \
         WHERE j.inspect_on >= $1 AND j.inspect_on <= $2",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_code(r, "agency_code", AgencyCode::parse)?,
                MineId(get(r, "mine_id")?),
                get_date(r, "inspect_on")?,
                get::<String>(r, "state")? == "signed",
            ))
        })
        .collect()
}

/// How many record numbers with this prefix exist (the next is one more).
pub async fn records_with_prefix(conn: &mut Conn, prefix: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM inspection_act WHERE doc_no LIKE $1 ESCAPE '\\'")
            .bind(format!("{}%", crate::like_pattern(prefix).trim_matches('%')))
            .fetch_one(conn)
            .await?,
    )
}

/// The act with this record number, if any.
pub async fn act_numbered(conn: &mut Conn, doc_no: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT act_id FROM inspection_act WHERE doc_no = $1")
            .bind(doc_no)
            .fetch_optional(conn)
            .await?,
    )
}
