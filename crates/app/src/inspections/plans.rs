//! 年度联合检查计划 — the office drafts the year's plan, the county government approves or returns it;
//! an approved version is frozen and a change is a new version with a reason (WORKFLOW.md §1.1).

use super::names;
use crate::workflow;
use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{optional_text, required_text};
pub use orewatch_domain::inspection::PlanStep;
use orewatch_domain::inspection::{parse_quarter, plan_gaps, PlanCommand, PlanFlow, PlanState};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::workflow::Workflow;
use orewatch_domain::{AgencyCode, FieldErrors, MineId, PlanId, PlanItemId, Problem};
use orewatch_storage::mines;
use orewatch_storage::plans::{self, NewPlan};
pub use orewatch_storage::plans::{Plan, PlanItem};
use std::collections::BTreeMap;

/// The policy's view of a plan version.
pub fn resource(plan: &Plan) -> Resource {
    PlanFlow::resource(plan)
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
    /// The steps open to the reader.
    pub open: Vec<PlanStep>,
}

pub async fn show(app: &App, caller: &Caller, id: PlanId) -> Result<PlanView> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let plan = plans::find_plan(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let open = workflow::offered::<PlanFlow>(&mut conn, app, caller, &plan).await?;
    let all = mines::all(&mut conn).await?;
    let mine_names: BTreeMap<MineId, String> = all.iter().map(|m| (m.id, m.name.clone())).collect();
    let producing: Vec<MineId> = all
        .iter()
        .filter(|m| m.status == MineStatus::Producing)
        .map(|m| m.id)
        .collect();
    let gaps = plan_gaps(&plan.planned(), &producing);
    let over_cap = over_cap(app, &mut conn, &plan, &mine_names).await?;
    Ok(PlanView {
        open,
        missing_quarters: gaps.quarters,
        missing_mines: gaps.mines.iter().map(|m| names::mine(&mine_names, *m)).collect(),
        plan,
        mine_names,
        over_cap,
    })
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
pub async fn new_version(app: &App, caller: &Caller, year: &str, reason: &str) -> Result<PlanId> {
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
        let version = plans::find_plan(&mut tx, open).await?.map_or(0, |p| p.version);
        return Err(AppError::invalid(
            "year",
            Problem::DuplicateOf {
                existing: format!("{year}年度计划第{version}版（起草中）"),
            },
        ));
    }
    let approved = plans::approved_plan_id(&mut tx, year).await?;
    if approved.is_some() && reason.is_none() {
        return Err(AppError::invalid("reason", Problem::Required));
    }
    let items = match approved {
        Some(previous) => {
            workflow::allowed::<PlanFlow>(&mut tx, app, caller, previous, PlanStep::Revise)
                .await?
                .items
        }
        None => Vec::new(),
    };
    let version = plans::last_version(&mut tx, year).await? + 1;
    let id = plans::insert_plan(
        &mut tx,
        &NewPlan {
            year,
            version,
            supersedes: approved,
            reason: reason.as_deref(),
            drafted_by: caller.account_id(),
            drafted_by_label: &caller.display_name,
            items: &items,
        },
    )
    .await?;
    workflow::created::<PlanFlow>(&mut tx, app, caller, id).await?;
    tx.commit().await?;
    Ok(id)
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

/// Adds a planned joint inspection to a version being drafted.
pub async fn add_item(app: &App, caller: &Caller, plan_id: PlanId, input: &ItemInput<'_>) -> Result<()> {
    let mut conn = app.db.conn().await?;
    // A frozen or submitted plan says so before anything typed is checked.
    workflow::allowed::<PlanFlow>(&mut conn, app, caller, plan_id, PlanStep::AddItem).await?;
    let mut e = FieldErrors::new();
    let quarter = e.take("quarter", parse_quarter(input.quarter));
    let title = e.take("title", required_text(input.title, 200));
    let lead = e.take("lead", AgencyCode::parse(input.lead));
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
    let item = PlanItem {
        id: None,
        quarter,
        title,
        lead,
        agencies: agencies_in,
        focus,
        mines: mine_ids,
    };
    workflow::step::<PlanFlow>(app, caller, plan_id, PlanCommand::AddItem(item), &[]).await?;
    Ok(())
}

/// Removes a planned joint inspection from a version being drafted.
pub async fn remove_item(app: &App, caller: &Caller, plan_id: PlanId, item_id: PlanItemId) -> Result<()> {
    workflow::step::<PlanFlow>(app, caller, plan_id, PlanCommand::RemoveItem { item_id }, &[]).await?;
    Ok(())
}

/// 报送: submits the version to the county government, once it has a joint inspection in every quarter
/// and every producing mine in at least one.
pub async fn submit(app: &App, caller: &Caller, plan_id: PlanId) -> Result<()> {
    let all = {
        let mut conn = app.db.conn().await?;
        mines::all(&mut conn).await?
    };
    let command = PlanCommand::Submit {
        producing: all
            .iter()
            .filter(|m| m.status == MineStatus::Producing)
            .map(|m| m.id)
            .collect(),
        mine_names: all.iter().map(|m| (m.id, m.name.clone())).collect(),
    };
    workflow::step::<PlanFlow>(app, caller, plan_id, command, &[]).await?;
    Ok(())
}

/// The county government's decision: approve (the version is frozen and replaces the version it
/// revises), or return it with comments, which the office must address.
pub async fn decide(
    app: &App,
    caller: &Caller,
    plan_id: PlanId,
    approve: bool,
    comments: &str,
) -> Result<()> {
    let comments = if approve {
        optional_text(comments, 2000)
    } else {
        required_text(comments, 2000).map(Some)
    }
    .map_err(|p| AppError::invalid("comments", p))?;
    let command = match (approve, comments) {
        (true, comments) => PlanCommand::Approve { comments },
        (false, comments) => PlanCommand::Return {
            comments: comments.unwrap_or_default(),
        },
    };
    let mut tx = app.write(caller).await?;
    let plan = workflow::step_in::<PlanFlow>(&mut tx, app, caller, plan_id, command, &[])
        .await?
        .record;
    if let (PlanState::Approved, Some(old)) = (plan.state, plan.supersedes) {
        let supersede = PlanCommand::Supersede {
            by_version: plan.version,
        };
        workflow::step_in::<PlanFlow>(&mut tx, app, caller, old, supersede, &[]).await?;
    }
    tx.commit().await?;
    Ok(())
}
