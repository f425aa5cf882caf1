//! 年度联合检查计划 — the office drafts the year's plan, the county government approves or returns it;
//! an approved version is frozen and a change is a new version with a reason (WORKFLOW.md §1.1).

use super::names;
use crate::tasks as task_cases;
use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{optional_text, required_text};
use orewatch_domain::inspection::{parse_quarter, plan_gaps, PlanState, PlanStep, PlannedInspection};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::{end_of_day, local_date, Assignee, Level, Task, TaskKind};
use orewatch_domain::{AgencyCode, AuditAction, FieldErrors, MineId, Problem, RecordType, Role};
use orewatch_storage::plans::{self, NewPlanItem};
pub use orewatch_storage::plans::{Plan, PlanEvent, PlanItem};
use orewatch_storage::tasks::Outcome;
use orewatch_storage::{mines, Key, WriteTx};
use std::collections::BTreeMap;

/// The policy's view of a plan version.
pub fn resource(plan: &Plan) -> Resource {
    Resource::Plan {
        drafted_by: plan.drafted_by,
    }
}

fn record_of(id: i64) -> (RecordType, String) {
    (RecordType::Plan, id.to_string())
}

/// The finding-category groups a planned inspection may focus on (DOMAIN.md §3).
pub const FOCUS_GROUPS: [&str; 5] = ["key_links", "open_pit", "underground", "operations", "illegal"];

/// Every plan version.
pub async fn plans(app: &App, caller: &Caller) -> Result<Vec<Plan>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(plans::plans(&mut conn).await?)
}

/// A plan version as its page shows it.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: Plan,
    /// Names of the mines the items name.
    pub mine_names: BTreeMap<MineId, String>,
    /// What the plan still lacks before submission (quarters; producing mines by name).
    pub missing_quarters: Vec<u8>,
    pub missing_mines: Vec<String>,
    /// Warnings: agency and mine pairs planned more often than the yearly cap allows.
    pub over_cap: Vec<String>,
}

pub async fn show(app: &App, caller: &Caller, id: i64) -> Result<PlanView> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let plan = plans::find_plan(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let all = mines::all(&mut conn).await?;
    let mine_names: BTreeMap<MineId, String> = all.iter().map(|m| (m.id, m.name.clone())).collect();
    let producing: Vec<MineId> = all
        .iter()
        .filter(|m| m.status == MineStatus::Producing)
        .map(|m| m.id)
        .collect();
    let gaps = plan_gaps(&planned(&plan), &producing);
    let over_cap = over_cap(app, &mut conn, &plan, &mine_names).await?;
    Ok(PlanView {
        missing_quarters: gaps.quarters,
        missing_mines: gaps.mines.iter().map(|m| names::mine(&mine_names, *m)).collect(),
        plan,
        mine_names,
        over_cap,
    })
}

fn planned(plan: &Plan) -> Vec<PlannedInspection> {
    plan.items
        .iter()
        .map(|i| PlannedInspection {
            quarter: i.quarter,
            mines: i.mines.clone(),
        })
        .collect()
}

/// Agency and mine pairs the plan would inspect more often than the yearly cap.
async fn over_cap(
    app: &App,
    conn: &mut orewatch_storage::Conn,
    plan: &Plan,
    mine_names: &BTreeMap<MineId, String>,
) -> Result<Vec<String>> {
    let mut counts: BTreeMap<(AgencyCode, MineId), u32> = BTreeMap::new();
    for item in &plan.items {
        for agency in &item.agencies {
            for mine in &item.mines {
                *counts.entry((agency.clone(), *mine)).or_default() += 1;
            }
        }
    }
    let agency_names = names::agencies(conn).await?;
    Ok(counts
        .into_iter()
        .filter(|((agency, _), n)| {
            app.settings
                .inspection_cap
                .exceeded_by_one_more(agency, n.saturating_sub(1))
        })
        .map(|((agency, mine), n)| {
            format!(
                "{}：{} {} 次（上限 {} 次）",
                names::agency(&agency_names, &agency),
                names::mine(mine_names, mine),
                n,
                app.settings.inspection_cap.for_agency(&agency)
            )
        })
        .collect())
}

/// Starts the year's plan: version 1, or — after an approval — a new version carrying the approved
/// items, with the reason for the change. A year has at most one version open at a time.
pub async fn new_version(app: &App, caller: &Caller, year: &str, reason: &str) -> Result<i64> {
    caller.require(Action::DraftPlan, &Resource::Installation)?;
    let year: i32 = year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::invalid("year", Problem::Invalid))?;
    let reason = optional_text(reason, 500).map_err(|p| AppError::invalid("reason", p))?;
    let mut tx = app.write(caller).await?;
    if let Some(open) = plans::open_plan_id(&mut tx, year).await? {
        return Err(AppError::invalid(
            "year",
            Problem::DuplicateOf {
                existing: format!("{year}年度计划第{}版（起草中）", version_of(&mut tx, open).await?),
            },
        ));
    }
    let approved = plans::approved_plan_id(&mut tx, year).await?;
    if approved.is_some() && reason.is_none() {
        return Err(AppError::invalid("reason", Problem::Required));
    }
    let version = plans::last_version(&mut tx, year).await? + 1;
    let id = plans::insert_plan(
        &mut tx,
        year,
        version,
        approved,
        reason.as_deref(),
        caller.account_id(),
        &caller.display_name,
    )
    .await?;
    if let Some(previous) = approved {
        let old = plans::find_plan(&mut tx, previous)
            .await?
            .ok_or(AppError::NotFound)?;
        old.state
            .after(PlanStep::Revise)
            .map_err(|p| AppError::invalid("state", p))?;
        for item in &old.items {
            plans::add_plan_item(
                &mut tx,
                id,
                &NewPlanItem {
                    quarter: item.quarter,
                    title: &item.title,
                    lead: &item.lead,
                    agencies: &item.agencies,
                    focus: &item.focus,
                    mines: &item.mines,
                },
            )
            .await?;
        }
        plans::add_plan_event(&mut tx, id, "revise", &caller.display_name, reason.as_deref()).await?;
    }
    tx.audit(
        AuditAction::PlanCreate,
        RecordType::Plan,
        &Key::Int(id),
        None,
        reason.clone(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn version_of(tx: &mut WriteTx, id: i64) -> Result<i64> {
    Ok(plans::find_plan(tx, id).await?.map_or(0, |p| p.version))
}

/// A planned joint inspection as typed.
#[derive(Debug, Clone, Default)]
pub struct ItemInput<'a> {
    pub quarter: &'a str,
    pub title: &'a str,
    pub lead: &'a str,
    /// The other participating agencies (the lead is added).
    pub agencies: Vec<&'a str>,
    pub focus: Vec<&'a str>,
    /// Mine ids.
    pub mines: Vec<&'a str>,
}

/// Loads a plan version for a step, checks the policy and the step.
async fn prepare(
    tx: &mut WriteTx,
    caller: &Caller,
    id: i64,
    action: Action,
    step: PlanStep,
) -> Result<(Plan, PlanState)> {
    let plan = plans::find_plan(tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(action, &resource(&plan))?;
    let next = plan
        .state
        .after(step)
        .map_err(|p| AppError::invalid("state", p))?;
    Ok((plan, next))
}

/// Adds a planned joint inspection to a version being drafted.
pub async fn add_item(app: &App, caller: &Caller, plan_id: i64, input: &ItemInput<'_>) -> Result<()> {
    caller.require(Action::DraftPlan, &Resource::Installation)?;
    {
        // A frozen or submitted plan says so before anything typed is checked.
        let mut conn = app.db.conn().await?;
        let plan = plans::find_plan(&mut conn, plan_id)
            .await?
            .ok_or(AppError::NotFound)?;
        plan.state
            .after(PlanStep::Edit)
            .map_err(|p| AppError::invalid("state", p))?;
    }
    let mut e = FieldErrors::new();
    let quarter = e.take("quarter", parse_quarter(input.quarter));
    let title = e.take("title", required_text(input.title, 200));
    let lead = e.take("lead", AgencyCode::parse(input.lead));
    let mut conn = app.db.conn().await?;
    let agencies_in =
        super::input::agencies_taking_part(&mut conn, lead.as_ref(), &input.agencies, &mut e).await?;
    let mut focus = Vec::new();
    for raw in &input.focus {
        if FOCUS_GROUPS.contains(raw) {
            focus.push((*raw).to_string());
        } else {
            e.push("focus", Problem::Invalid);
        }
    }
    let mine_ids: Vec<MineId> = super::input::mines_chosen(&mut conn, &input.mines, &mut e)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    drop(conn);
    let (Some(quarter), Some(title), Some(lead)) = (quarter, title, lead) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let mut tx = app.write(caller).await?;
    let (_, _) = prepare(&mut tx, caller, plan_id, Action::DraftPlan, PlanStep::Edit).await?;
    let key = Key::Int(plan_id);
    let before = tx.state(RecordType::Plan, &key).await?;
    plans::add_plan_item(
        &mut tx,
        plan_id,
        &NewPlanItem {
            quarter,
            title: &title,
            lead: &lead,
            agencies: &agencies_in,
            focus: &focus,
            mines: &mine_ids,
        },
    )
    .await?;
    tx.audit(
        AuditAction::PlanEdit,
        RecordType::Plan,
        &key,
        before,
        Some(format!("新增：{title}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a planned joint inspection from a version being drafted.
pub async fn remove_item(app: &App, caller: &Caller, plan_id: i64, item_id: i64) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let (plan, _) = prepare(&mut tx, caller, plan_id, Action::DraftPlan, PlanStep::Edit).await?;
    let Some(item) = plan.items.iter().find(|i| i.id == item_id) else {
        return Err(AppError::invalid(
            "item",
            Problem::AlreadyDone {
                state: "已删除".into(),
            },
        ));
    };
    let key = Key::Int(plan_id);
    let before = tx.state(RecordType::Plan, &key).await?;
    plans::remove_plan_item(&mut tx, plan_id, item_id).await?;
    tx.audit(
        AuditAction::PlanEdit,
        RecordType::Plan,
        &key,
        before,
        Some(format!("删除：{}", item.title)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 报送: submits the version to the county government, once it has a joint inspection in every quarter
/// and every producing mine in at least one.
pub async fn submit(app: &App, caller: &Caller, plan_id: i64) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let (plan, next) = prepare(&mut tx, caller, plan_id, Action::DraftPlan, PlanStep::Submit).await?;
    let all = mines::all(&mut tx).await?;
    let producing: Vec<MineId> = all
        .iter()
        .filter(|m| m.status == MineStatus::Producing)
        .map(|m| m.id)
        .collect();
    let gaps = plan_gaps(&planned(&plan), &producing);
    if !gaps.is_empty() {
        let mine_names: BTreeMap<MineId, String> = all.iter().map(|m| (m.id, m.name.clone())).collect();
        let mut parts = Vec::new();
        if !gaps.quarters.is_empty() {
            let qs: Vec<String> = gaps.quarters.iter().map(|q| format!("第{q}季度")).collect();
            parts.push(format!("{}没有安排联合检查", qs.join("、")));
        }
        if !gaps.mines.is_empty() {
            let ms: Vec<String> = gaps.mines.iter().map(|m| names::mine(&mine_names, *m)).collect();
            parts.push(format!("生产矿山未列入任何一次检查：{}", ms.join("、")));
        }
        return Err(AppError::invalid(
            "items",
            Problem::PlanGaps {
                gaps: parts.join("；"),
            },
        ));
    }
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    let key = Key::Int(plan_id);
    let before = tx.state(RecordType::Plan, &key).await?;
    plans::update_plan(
        &mut tx,
        plan_id,
        &[("state", next.as_str().into()), ("submitted_at", now.into())],
    )
    .await?;
    plans::add_plan_event(&mut tx, plan_id, "submit", &caller.display_name, None).await?;
    tx.audit(AuditAction::PlanSubmit, RecordType::Plan, &key, before, None)
        .await?;
    let record = record_of(plan_id);
    task_cases::close_open(
        &mut tx,
        caller,
        (record.0, &record.1),
        TaskKind::RevisePlan,
        Outcome::Done,
    )
    .await?;
    let due = end_of_day(local_date(tx.now()) + chrono::Duration::days(app.settings.clocks.plan_decide_days));
    task_cases::open(
        &mut tx,
        app,
        Task {
            kind: TaskKind::ApprovePlan,
            assignee: Assignee::Role(Role::CountyGovernment),
            agency: None,
            due_at: due,
            level: Level::Open,
        },
        record,
        None,
        &format!("审批{}年度联合检查计划（第{}版）", plan.year, plan.version),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The county government's decision: approve (the version is frozen and replaces the version it
/// revises), or return it with comments, which the office must address.
pub async fn decide(app: &App, caller: &Caller, plan_id: i64, approve: bool, comments: &str) -> Result<()> {
    let comments = if approve {
        optional_text(comments, 2000)
    } else {
        required_text(comments, 2000).map(Some)
    }
    .map_err(|p| AppError::invalid("comments", p))?;
    let step = if approve {
        PlanStep::Approve
    } else {
        PlanStep::Return
    };
    let mut tx = app.write(caller).await?;
    let (plan, next) = prepare(&mut tx, caller, plan_id, Action::DecidePlan, step).await?;
    let record = record_of(plan_id);
    task_cases::require_assigned(&mut tx, caller, (record.0, &record.1), TaskKind::ApprovePlan).await?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    let key = Key::Int(plan_id);
    let before = tx.state(RecordType::Plan, &key).await?;
    plans::update_plan(
        &mut tx,
        plan_id,
        &[
            ("state", next.as_str().into()),
            ("comments", comments.clone().into()),
            ("decided_by", caller.account_id().map(|a| a.0).into()),
            ("decided_by_label", caller.display_name.as_str().into()),
            ("decided_at", now.into()),
        ],
    )
    .await?;
    plans::add_plan_event(
        &mut tx,
        plan_id,
        if approve { "approve" } else { "return" },
        &caller.display_name,
        comments.as_deref(),
    )
    .await?;
    tx.audit(
        if approve {
            AuditAction::PlanApprove
        } else {
            AuditAction::PlanReturn
        },
        RecordType::Plan,
        &key,
        before,
        None,
    )
    .await?;
    task_cases::close_open(
        &mut tx,
        caller,
        (record.0, &record.1),
        TaskKind::ApprovePlan,
        Outcome::Done,
    )
    .await?;
    if approve {
        if let Some(old) = plan.supersedes {
            let old_key = Key::Int(old);
            let before = tx.state(RecordType::Plan, &old_key).await?;
            if plans::update_plan(&mut tx, old, &[("state", PlanState::Superseded.as_str().into())]).await?
                > 0
            {
                plans::add_plan_event(
                    &mut tx,
                    old,
                    "supersede",
                    &caller.display_name,
                    Some(&format!("由第{}版替代", plan.version)),
                )
                .await?;
                tx.audit(
                    AuditAction::PlanSupersede,
                    RecordType::Plan,
                    &old_key,
                    before,
                    None,
                )
                .await?;
            }
        }
    } else {
        let due =
            end_of_day(local_date(tx.now()) + chrono::Duration::days(app.settings.clocks.plan_revise_days));
        task_cases::open(
            &mut tx,
            app,
            Task {
                kind: TaskKind::RevisePlan,
                assignee: Assignee::Office,
                agency: None,
                due_at: due,
                level: Level::Open,
            },
            record,
            None,
            &format!(
                "按审批意见修改{}年度联合检查计划（第{}版）",
                plan.year, plan.version
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
