//! The workflow of a version of the annual joint-inspection plan (WORKFLOW.md §1.1).
//!
//! ```text
//! 起草中 ─报送─▶ 待审批 ─批准─▶ 已批准 ─(a later version is approved)─▶ 已被替代
//!   ▲  (增删检查)    │
//!   └── 已退回 ◀─退回┘   (已退回: 增删检查, 报送 again)
//! ```
//!
//! The office drafts and submits; the county government approves or returns with comments (never a
//! version it drafted itself: the policy). Submission is refused while a quarter has no joint
//! inspection or a producing mine is in none. An approved version is frozen: a change is a new
//! version ([`PlanStep::Revise`] is asked of the approved one), and approving the new one supersedes
//! it. Tasks: the county government's approval (due in `plan_decide_days`), and after a return the
//! office's revision (due in `plan_revise_days`).

use super::{plan_gaps, PlanState, PlannedInspection};
use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{MineId, PlanId, PlanItemId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::role::Role;
use crate::task::{end_of_day, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::TaskTitle;
use crate::workflow::{
    Context, Created, Event, HistoryEvent, Issuer, Moved, Refused, Rule, Standing, Target, TaskMove, Workflow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;
use PlanState::*;

/// A planned joint inspection; `id` is `None` until it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub id: Option<PlanItemId>,
    pub quarter: u8,
    pub title: String,
    pub lead: AgencyCode,
    /// Every agency taking part, the lead first.
    pub agencies: Vec<AgencyCode>,
    /// Focus: finding-category groups (DOMAIN.md §3).
    pub focus: Vec<String>,
    pub mines: Vec<MineId>,
}

/// A version of the year's plan with its items and history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: PlanId,
    pub year: i32,
    pub version: i64,
    pub state: PlanState,
    /// The approved version it revises.
    pub supersedes: Option<PlanId>,
    pub reason: Option<String>,
    pub comments: Option<String>,
    pub drafted_by: Option<AccountId>,
    pub drafted_by_label: String,
    pub drafted_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by: Option<AccountId>,
    pub decided_by_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub items: Vec<PlanItem>,
    pub events: Vec<HistoryEvent>,
}

impl Plan {
    /// The items as the completeness rule sees them.
    pub fn planned(&self) -> Vec<PlannedInspection> {
        self.items
            .iter()
            .map(|i| PlannedInspection {
                quarter: i.quarter,
                mines: i.mines.clone(),
            })
            .collect()
    }
}

/// A step of a plan version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum PlanStep {
    /// 增加检查.
    AddItem,
    /// 删除检查.
    RemoveItem,
    /// 报送审批.
    Submit,
    /// 批准 (the county government).
    Approve,
    /// 退回, with comments (the county government).
    Return,
    /// 新建版本 — asked of the approved version when a new one is started (the new version is a record
    /// of its own).
    Revise,
    /// 被替代 — the approved version, when a later version is approved.
    Supersede,
}

/// A plan step with its input. Submission carries what the completeness rule reads of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanCommand {
    AddItem(PlanItem),
    RemoveItem {
        item_id: PlanItemId,
    },
    Submit {
        /// The mines producing today, and the names of every mine (for the refusal).
        producing: Vec<MineId>,
        mine_names: BTreeMap<MineId, String>,
    },
    Approve {
        comments: Option<String>,
    },
    Return {
        comments: String,
    },
    /// By the version now approved.
    Supersede {
        by_version: i64,
    },
}

/// The plan's workflow.
#[derive(Debug, Clone, Copy)]
pub struct PlanFlow;

/// The editable states.
const DRAFTING: &[PlanState] = &[Draft, Returned];

impl Workflow for PlanFlow {
    const RECORD: RecordType = RecordType::Plan;
    type State = PlanState;
    type Step = PlanStep;
    type Id = PlanId;
    type Record = Plan;
    type Command = PlanCommand;

    fn id(p: &Plan) -> PlanId {
        p.id
    }

    fn state(p: &Plan) -> PlanState {
        p.state
    }

    fn standing(state: PlanState) -> Standing {
        match state {
            Draft => Standing::Neutral,
            Submitted | Returned => Standing::Waiting,
            Approved => Standing::Settled,
            Superseded => Standing::Ended,
        }
    }

    fn resource(p: &Plan) -> Resource {
        Resource::Plan {
            drafted_by: p.drafted_by,
        }
    }

    fn mine(_: &Plan) -> Option<MineId> {
        None
    }

    /// The task a version carries is the county's approval while submitted, the office's revision
    /// once returned.
    fn task_title(p: &Plan) -> TaskTitle {
        let (year, version) = (p.year, p.version);
        if p.state == Returned {
            TaskTitle::PlanRevise { year, version }
        } else {
            TaskTitle::PlanApprove { year, version }
        }
    }

    fn issuer(_: &Plan) -> Issuer {
        Issuer::Office
    }

    /// A new version; one revising an approved version says why in its history and its audit entry.
    fn created(p: &Plan, _: &crate::workflow::Rules<'_>) -> Created {
        let mut events = Vec::new();
        if p.supersedes.is_some() {
            let mut revise = Event::new("revise");
            revise.note = p.reason.clone();
            events.push(revise);
        }
        Created {
            events,
            audit: AuditAction::PlanCreate,
            audit_note: p.reason.clone(),
            tasks: Vec::new(),
        }
    }

    fn rule(step: PlanStep) -> Rule<Self> {
        let office = |from, to| Rule::new(from, to, Action::DraftPlan);
        let county = |to| {
            Rule::new(&[Submitted], Target::To(to), Action::DecidePlan)
                .assigned(TaskKind::ApprovePlan)
                .closes(&[TaskKind::ApprovePlan])
        };
        match step {
            PlanStep::AddItem | PlanStep::RemoveItem => {
                office(DRAFTING, Target::Stay).serves(&[TaskKind::RevisePlan])
            }
            PlanStep::Submit => office(DRAFTING, Target::To(Submitted))
                .closes(&[TaskKind::RevisePlan])
                .opens(&[TaskKind::ApprovePlan]),
            PlanStep::Approve => county(Approved),
            PlanStep::Return => county(Returned).opens(&[TaskKind::RevisePlan]),
            PlanStep::Revise => office(&[Approved], Target::Stay),
            PlanStep::Supersede => Rule::new(&[Approved], Target::To(Superseded), Action::DecidePlan),
        }
    }

    /// An approved (or replaced) version is frozen: editing it says how to change it.
    fn guard(p: &Plan, step: PlanStep, _today: NaiveDate) -> Result<(), Refused> {
        match (step, p.state) {
            (PlanStep::AddItem | PlanStep::RemoveItem, Approved | Superseded) => {
                Err(Problem::PlanFrozen.into())
            }
            _ => Ok(()),
        }
    }

    fn step_of(command: &PlanCommand) -> PlanStep {
        match command {
            PlanCommand::AddItem(_) => PlanStep::AddItem,
            PlanCommand::RemoveItem { .. } => PlanStep::RemoveItem,
            PlanCommand::Submit { .. } => PlanStep::Submit,
            PlanCommand::Approve { .. } => PlanStep::Approve,
            PlanCommand::Return { .. } => PlanStep::Return,
            PlanCommand::Supersede { .. } => PlanStep::Supersede,
        }
    }

    fn apply(p: &Plan, command: PlanCommand, ctx: &Context<'_>) -> Result<Moved<Plan>, Refused> {
        let mut next = p.clone();
        match command {
            PlanCommand::AddItem(item) => {
                let note = format!("新增：{}", item.title);
                next.items.push(PlanItem { id: None, ..item });
                Ok(Moved::to(next, AuditAction::PlanEdit).note(note))
            }
            PlanCommand::RemoveItem { item_id } => {
                let Some(at) = p.items.iter().position(|i| i.id == Some(item_id)) else {
                    return Err(Refused::at(
                        "item",
                        Problem::AlreadyDone {
                            state: "已删除".into(),
                        },
                    ));
                };
                let removed = next.items.remove(at);
                Ok(Moved::to(next, AuditAction::PlanEdit).note(format!("删除：{}", removed.title)))
            }
            PlanCommand::Submit {
                producing,
                mine_names,
            } => {
                let gaps = plan_gaps(&p.planned(), &producing);
                if !gaps.is_empty() {
                    let mut parts = Vec::new();
                    if !gaps.quarters.is_empty() {
                        let qs: Vec<String> = gaps.quarters.iter().map(|q| format!("第{q}季度")).collect();
                        parts.push(format!("{}没有安排联合检查", qs.join("、")));
                    }
                    if !gaps.mines.is_empty() {
                        let ms: Vec<String> = gaps
                            .mines
                            .iter()
                            .map(|m| mine_names.get(m).cloned().unwrap_or_else(|| format!("#{m}")))
                            .collect();
                        parts.push(format!("生产矿山未列入任何一次检查：{}", ms.join("、")));
                    }
                    return Err(Refused::at(
                        "items",
                        Problem::PlanGaps {
                            gaps: parts.join("；"),
                        },
                    ));
                }
                next.state = Submitted;
                next.submitted_at = Some(ctx.now);
                let due = end_of_day(ctx.today + Duration::days(ctx.rules.clocks.plan_decide_days));
                Ok(Moved::to(next, AuditAction::PlanSubmit)
                    .event(Event::new("submit"))
                    .task(TaskMove::Close {
                        kind: TaskKind::RevisePlan,
                        outcome: Outcome::Done,
                    })
                    .task(TaskMove::Open(Task {
                        kind: TaskKind::ApprovePlan,
                        assignee: Assignee::Role(Role::CountyGovernment),
                        agency: None,
                        due_at: due,
                        level: Level::Open,
                    })))
            }
            PlanCommand::Approve { comments } => {
                next.state = Approved;
                decided(&mut next, comments.clone(), ctx);
                let mut event = Event::new("approve");
                event.note = comments;
                Ok(Moved::to(next, AuditAction::PlanApprove)
                    .event(event)
                    .task(TaskMove::Close {
                        kind: TaskKind::ApprovePlan,
                        outcome: Outcome::Done,
                    }))
            }
            PlanCommand::Return { comments } => {
                next.state = Returned;
                decided(&mut next, Some(comments.clone()), ctx);
                let due = end_of_day(ctx.today + Duration::days(ctx.rules.clocks.plan_revise_days));
                Ok(Moved::to(next, AuditAction::PlanReturn)
                    .event(Event::new("return").note(comments))
                    .task(TaskMove::Close {
                        kind: TaskKind::ApprovePlan,
                        outcome: Outcome::Done,
                    })
                    .task(TaskMove::Open(Task {
                        kind: TaskKind::RevisePlan,
                        assignee: Assignee::Office,
                        agency: None,
                        due_at: due,
                        level: Level::Open,
                    })))
            }
            PlanCommand::Supersede { by_version } => {
                next.state = Superseded;
                Ok(Moved::to(next, AuditAction::PlanSupersede)
                    .event(Event::new("superseded_by").note(by_version.to_string())))
            }
        }
    }

    fn state_label(state: PlanState) -> &'static str {
        state.label_zh()
    }

    fn step_label(step: PlanStep) -> &'static str {
        match step {
            PlanStep::AddItem | PlanStep::RemoveItem => "修改",
            PlanStep::Submit => "报送审批",
            PlanStep::Return => "退回",
            PlanStep::Approve => "批准",
            PlanStep::Revise => "新建版本",
            PlanStep::Supersede => "替代",
        }
    }
}

/// Records the county government's decision on a version.
fn decided(p: &mut Plan, comments: Option<String>, ctx: &Context<'_>) {
    p.comments = comments;
    p.decided_by = ctx.by.account;
    p.decided_by_label = Some(ctx.by.label.clone());
    p.decided_at = Some(ctx.now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{explore, Exploration};
    use crate::workflow::{check, Signer};

    fn ps() -> AgencyCode {
        AgencyCode::parse("ps").unwrap()
    }

    fn item(id: Option<i64>, quarter: u8) -> PlanItem {
        PlanItem {
            id: id.map(PlanItemId),
            quarter,
            title: format!("第{quarter}季度联合检查"),
            lead: ps(),
            agencies: vec![ps()],
            focus: vec!["open_pit".into()],
            mines: vec![MineId(1)],
        }
    }

    fn plan(state: PlanState) -> Plan {
        Plan {
            id: PlanId(1),
            year: 2026,
            version: 1,
            state,
            supersedes: None,
            reason: None,
            comments: None,
            drafted_by: Some(AccountId(2)),
            drafted_by_label: "office".into(),
            drafted_at: DateTime::UNIX_EPOCH,
            submitted_at: None,
            decided_by: None,
            decided_by_label: None,
            decided_at: None,
            items: (1..=4).map(|q| item(Some(i64::from(q)), q)).collect(),
            events: Vec::new(),
        }
    }

    #[test]
    fn a_plan_is_drafted_submitted_returned_resubmitted_approved_and_replaced_with_its_tasks() {
        let by = Signer {
            account: Some(AccountId(7)),
            label: "county".into(),
        };
        let commands = |step: PlanStep, p: &Plan| match step {
            PlanStep::AddItem => vec![PlanCommand::AddItem(item(None, 2))],
            // Removing an item may leave a quarter empty; submission then is refused (tested below).
            PlanStep::RemoveItem => Vec::new(),
            PlanStep::Submit => {
                let gaps = plan_gaps(&p.planned(), &[MineId(1)]);
                if gaps.is_empty() {
                    vec![PlanCommand::Submit {
                        producing: vec![MineId(1)],
                        mine_names: BTreeMap::new(),
                    }]
                } else {
                    Vec::new()
                }
            }
            PlanStep::Approve => vec![PlanCommand::Approve { comments: None }],
            PlanStep::Return => vec![PlanCommand::Return {
                comments: "第三季度检查对象不全".into(),
            }],
            PlanStep::Revise => Vec::new(),
            PlanStep::Supersede => vec![PlanCommand::Supersede { by_version: 2 }],
        };
        let visited = explore(&Exploration::<PlanFlow> {
            starts: vec![plan(Draft)],
            commands: &commands,
            ctx: crate::workflow::testing::context(
                DateTime::UNIX_EPOCH,
                NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
                &by,
                &crate::policy::Actor::System,
            ),
            depth: 6,
        });
        assert!(visited > 10, "{visited}");
    }

    #[test]
    fn an_approved_plan_is_frozen_and_an_incomplete_one_is_not_submitted() {
        let today = NaiveDate::MIN;
        let approved = plan(Approved);
        assert_eq!(
            check::<PlanFlow>(&approved, PlanStep::AddItem, today),
            Err(Problem::PlanFrozen.into())
        );
        assert!(matches!(
            check::<PlanFlow>(&approved, PlanStep::Approve, today),
            Err(Refused {
                problem: Problem::AlreadyDone { .. },
                ..
            })
        ));
        assert!(check::<PlanFlow>(&approved, PlanStep::Revise, today).is_ok());
        assert!(matches!(
            check::<PlanFlow>(&plan(Submitted), PlanStep::AddItem, today),
            Err(Refused {
                problem: Problem::WrongState { .. },
                ..
            })
        ));
        let mut three = plan(Draft);
        three.items.retain(|i| i.quarter != 3);
        let by = Signer {
            account: None,
            label: "office".into(),
        };
        let refused = PlanFlow::apply(
            &three,
            PlanCommand::Submit {
                producing: vec![MineId(1), MineId(2)],
                mine_names: [(MineId(2), "二号石场".to_string())].into_iter().collect(),
            },
            &Context {
                now: DateTime::UNIX_EPOCH,
                today,
                by: &by,
                actor: &crate::policy::Actor::System,
                rules: crate::workflow::testing::rules(),
                document: None,
            },
        )
        .unwrap_err();
        assert_eq!(
            refused,
            Refused::at(
                "items",
                Problem::PlanGaps {
                    gaps: "第3季度没有安排联合检查；生产矿山未列入任何一次检查：二号石场".into()
                }
            )
        );
    }
}
