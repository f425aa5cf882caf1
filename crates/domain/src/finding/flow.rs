//! The workflow of a finding (WORKFLOW.md §1.3, §2): every step of the rectification, the side steps
//! around it (an extension asked for and decided, 挂牌督办 and 摘牌, a verifier's extra evidence), each
//! step's rule, and what each step writes.
//!
//! ```text
//! 待整改 ─下达整改通知─▶ 整改中 ─申请销号─▶ 申请销号 ─开始复查─▶ 复查 ─复查通过─▶ 已销号
//!                          ▲                                     │
//!                          └──────────────退回整改───────────────┘
//! side steps while open: 申请延期 → 批准/不批准延期; 挂牌督办 → 摘牌
//! ```
//!
//! Tasks: recording opens the agency's rectification (整改); the application for closure ends it and
//! opens the verification (复查), due within `verify_within_days`, which the verifier takes on as
//! their own; a return opens the rectification again against the deadline in force. An extension
//! request is the office's to decide by the deadline. A supervision deadline (or a granted extension)
//! moves the rectification's due moment.

use super::{check_deadline, check_extension, Finding, FindingState};
use crate::field::Problem;
use crate::ids::{FindingId, MineId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::task::{end_of_day, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::{self, TaskTitle};
use crate::workflow::{
    Context, Created, DocumentKind, Event, Issuer, Moved, Refused, Rule, Standing, Target, TaskMove, Workflow,
};
use chrono::NaiveDate;
use FindingState::*;

/// A step of a finding, one button each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum FindingStep {
    /// 下达责令限期整改通知书.
    IssueNotice,
    /// 申请销号, with evidence.
    ApplyForClosure,
    /// 开始复查 (the verifier takes it on).
    StartReview,
    /// 附加复查证据 (a re-flight's comparison), while reviewing.
    AddReviewEvidence,
    /// 复查通过，销号.
    Pass,
    /// 复查不通过，退回整改.
    Return,
    /// 申请延期.
    RequestExtension,
    /// 批准延期 (the office).
    GrantExtension,
    /// 不批准延期 (the office).
    RefuseExtension,
    /// 挂牌督办 (the office).
    List,
    /// 摘牌 (the office).
    Delist,
}

impl FindingStep {
    pub fn label_zh(self) -> &'static str {
        match self {
            FindingStep::IssueNotice => "下达整改通知",
            FindingStep::ApplyForClosure => "申请销号",
            FindingStep::StartReview => "开始复查",
            FindingStep::AddReviewEvidence => "附加复查证据",
            FindingStep::Pass => "复查通过并销号",
            FindingStep::Return => "退回整改",
            FindingStep::RequestExtension => "申请延期",
            FindingStep::GrantExtension => "批准延期",
            FindingStep::RefuseExtension => "不批准延期",
            FindingStep::List => "挂牌督办",
            FindingStep::Delist => "摘牌",
        }
    }
}

/// A step with what the user gave for it (checked text and dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingCommand {
    IssueNotice,
    ApplyForClosure { note: String },
    StartReview,
    AddReviewEvidence { note: String },
    Pass { opinion: String },
    Return { opinion: String },
    RequestExtension { until: NaiveDate, reason: String },
    GrantExtension { note: Option<String> },
    RefuseExtension { note: String },
    List { until: NaiveDate, reason: String },
    Delist { reason: String },
}

/// The finding's workflow.
#[derive(Debug, Clone, Copy)]
pub struct FindingFlow;

const OPEN: &[FindingState] = &[Pending, Rectifying, Applied, Reviewing];
const ANY: &[FindingState] = &[Pending, Rectifying, Applied, Reviewing, Closed];

/// The event a listing ends with when the finding is closed (the catalogue says why).
const DELISTED_ON_CLOSING: &str = "delist_on_closing";

fn rectification(finding: &Finding, deadline: NaiveDate) -> Task {
    Task {
        kind: TaskKind::Rectify,
        assignee: Assignee::Agency {
            agency: finding.agency.clone(),
            role: None,
        },
        agency: Some(finding.agency.clone()),
        due_at: end_of_day(deadline),
        level: Level::Open,
    }
}

impl Workflow for FindingFlow {
    const RECORD: RecordType = RecordType::Finding;
    type State = FindingState;
    type Step = FindingStep;
    type Id = FindingId;
    type Record = Finding;
    type Command = FindingCommand;

    fn id(f: &Finding) -> FindingId {
        f.id
    }

    fn state(f: &Finding) -> FindingState {
        f.state
    }

    fn standing(state: FindingState) -> Standing {
        match state {
            Pending | Rectifying => Standing::Neutral,
            Applied | Reviewing => Standing::Waiting,
            Closed => Standing::Settled,
        }
    }

    fn resource(f: &Finding) -> Resource {
        Resource::Finding {
            agency: f.agency.clone(),
            evidence_by: f.evidence_by,
        }
    }

    fn mine(f: &Finding) -> Option<MineId> {
        Some(f.mine_id)
    }

    fn task_title(f: &Finding) -> TaskTitle {
        TaskTitle::Finding {
            id: f.id.0,
            text: task_title::short(&f.description),
        }
    }

    fn issuer(f: &Finding) -> Issuer {
        Issuer::Agency(f.agency.clone())
    }

    /// A new finding opens its agency's rectification, due on its deadline.
    fn created(f: &Finding, _: &crate::workflow::Rules<'_>) -> Created {
        Created {
            events: vec![Event::new("record").on(f.deadline_on)],
            audit: AuditAction::FindingCreate,
            audit_note: None,
            tasks: vec![rectification(f, f.deadline_on)],
        }
    }

    fn rule(step: FindingStep) -> Rule<Self> {
        use Action::*;
        use TaskKind::{DecideExtension as Decide, Rectify, Verify};
        let rule = Rule::new;
        match step {
            FindingStep::IssueNotice => rule(&[Pending], Target::To(Rectifying), WorkFinding)
                .serves(&[Rectify])
                .document(DocumentKind::RectificationOrder),
            FindingStep::ApplyForClosure => rule(&[Rectifying], Target::To(Applied), WorkFinding)
                .closes(&[Rectify])
                .opens(&[Verify]),
            FindingStep::StartReview => rule(&[Applied], Target::To(Reviewing), VerifyRectification)
                .assigned(Verify)
                .closes(&[Verify])
                .opens(&[Verify]),
            FindingStep::AddReviewEvidence => rule(&[Reviewing], Target::Stay, VerifyRectification)
                .assigned(Verify)
                .serves(&[Verify]),
            FindingStep::Pass => rule(&[Reviewing], Target::To(Closed), VerifyRectification)
                .assigned(Verify)
                .closes(&[Verify, Decide]),
            FindingStep::Return => rule(&[Reviewing], Target::To(Rectifying), VerifyRectification)
                .assigned(Verify)
                .closes(&[Verify])
                .opens(&[Rectify]),
            FindingStep::RequestExtension => rule(OPEN, Target::Stay, WorkFinding).opens(&[Decide]),
            FindingStep::GrantExtension | FindingStep::RefuseExtension => {
                rule(OPEN, Target::Stay, DecideExtension).closes(&[Decide])
            }
            FindingStep::List => rule(OPEN, Target::Stay, SuperviseFinding),
            // A listing ends with the finding, but an old one left on a closed finding may still be taken
            // down.
            FindingStep::Delist => rule(ANY, Target::Stay, SuperviseFinding),
        }
    }

    fn guard(f: &Finding, step: FindingStep, _today: NaiveDate) -> Result<(), Refused> {
        let already = |state: &str| Err(Problem::AlreadyDone { state: state.into() }.into());
        match step {
            FindingStep::RequestExtension if f.extension_on.is_some() => {
                Err(Refused::at("until", Problem::ExtensionPending))
            }
            FindingStep::GrantExtension | FindingStep::RefuseExtension if f.extension_on.is_none() => {
                already("无待审批的延期申请")
            }
            FindingStep::List if f.listed_at.is_some() => already("挂牌督办"),
            FindingStep::Delist if f.listed_at.is_none() => already("未挂牌"),
            _ => Ok(()),
        }
    }

    fn step_of(command: &FindingCommand) -> FindingStep {
        match command {
            FindingCommand::IssueNotice => FindingStep::IssueNotice,
            FindingCommand::ApplyForClosure { .. } => FindingStep::ApplyForClosure,
            FindingCommand::StartReview => FindingStep::StartReview,
            FindingCommand::AddReviewEvidence { .. } => FindingStep::AddReviewEvidence,
            FindingCommand::Pass { .. } => FindingStep::Pass,
            FindingCommand::Return { .. } => FindingStep::Return,
            FindingCommand::RequestExtension { .. } => FindingStep::RequestExtension,
            FindingCommand::GrantExtension { .. } => FindingStep::GrantExtension,
            FindingCommand::RefuseExtension { .. } => FindingStep::RefuseExtension,
            FindingCommand::List { .. } => FindingStep::List,
            FindingCommand::Delist { .. } => FindingStep::Delist,
        }
    }

    fn apply(f: &Finding, command: FindingCommand, ctx: &Context<'_>) -> Result<Moved<Finding>, Refused> {
        let mut next = f.clone();
        let mut tasks = Vec::new();
        let (audit, events) = match command {
            FindingCommand::IssueNotice => {
                let number = ctx.document.unwrap_or_default().to_string();
                next.state = Rectifying;
                next.notice_no = Some(number.clone());
                next.notice_issued_at = Some(ctx.now);
                (
                    AuditAction::FindingNotice,
                    vec![Event::new("notice").note(number).on(f.deadline_on)],
                )
            }
            FindingCommand::ApplyForClosure { note } => {
                let verify_due = ctx.today + chrono::Duration::days(ctx.rules.clocks.verify_within_days);
                next.state = Applied;
                next.evidence_by = ctx.by.account;
                next.evidence_by_label = Some(ctx.by.label.clone());
                next.evidence_at = Some(ctx.now);
                next.evidence_note = Some(note.clone());
                next.verify_due_on = Some(verify_due);
                tasks.push(TaskMove::Close {
                    kind: TaskKind::Rectify,
                    outcome: Outcome::Done,
                });
                tasks.push(TaskMove::Open(Task {
                    kind: TaskKind::Verify,
                    due_at: end_of_day(verify_due),
                    ..rectification(f, f.deadline_on)
                }));
                (
                    AuditAction::FindingEvidence,
                    vec![Event::new("evidence").note(note).on(verify_due)],
                )
            }
            FindingCommand::StartReview => {
                let Some(me) = ctx.by.account else {
                    return Err(Problem::NoLongerAssigned.into());
                };
                next.state = Reviewing;
                next.verifier_id = Some(me);
                next.verifier_label = Some(ctx.by.label.clone());
                tasks.push(TaskMove::Hand {
                    kind: TaskKind::Verify,
                    to: Assignee::Account(me),
                });
                (AuditAction::FindingReviewStart, vec![Event::new("review_start")])
            }
            FindingCommand::AddReviewEvidence { note } => (
                AuditAction::FindingReviewEvidence,
                vec![Event::new("review_evidence").note(note)],
            ),
            FindingCommand::Pass { opinion } => {
                next.state = Closed;
                next.verified_at = Some(ctx.now);
                next.verify_opinion = Some(opinion.clone());
                next.closed_at = Some(ctx.now);
                // A pending extension request ends with the finding (its task is cancelled below).
                next.extension_on = None;
                next.extension_reason = None;
                let mut events = vec![Event::new("pass").note(opinion)];
                if f.listed_at.is_some() {
                    next.listed_at = None;
                    next.listed_reason = None;
                    next.listed_deadline_on = None;
                    events.push(Event::new(DELISTED_ON_CLOSING));
                }
                tasks.push(TaskMove::Close {
                    kind: TaskKind::Verify,
                    outcome: Outcome::Done,
                });
                tasks.push(TaskMove::Close {
                    kind: TaskKind::DecideExtension,
                    outcome: Outcome::Cancelled,
                });
                (AuditAction::FindingPass, events)
            }
            FindingCommand::Return { opinion } => {
                next.state = Rectifying;
                next.verified_at = Some(ctx.now);
                next.verify_opinion = Some(opinion.clone());
                next.verify_due_on = None;
                tasks.push(TaskMove::Close {
                    kind: TaskKind::Verify,
                    outcome: Outcome::Done,
                });
                // Back to rectifying against the deadline in force: a late finding is raised again at
                // once.
                tasks.push(TaskMove::Open(rectification(f, f.deadline_in_force())));
                (
                    AuditAction::FindingReturn,
                    vec![Event::new("return").note(opinion)],
                )
            }
            FindingCommand::RequestExtension { until, reason } => {
                let until =
                    check_extension(f.deadline_on, until, ctx.today).map_err(|p| Refused::at("until", p))?;
                next.extension_on = Some(until);
                next.extension_reason = Some(reason.clone());
                tasks.push(TaskMove::Open(Task {
                    kind: TaskKind::DecideExtension,
                    assignee: Assignee::Office,
                    agency: Some(f.agency.clone()),
                    due_at: end_of_day(f.deadline_on),
                    level: Level::Open,
                }));
                (
                    AuditAction::FindingExtensionRequest,
                    vec![Event::new("extension_request").note(reason).on(until)],
                )
            }
            FindingCommand::GrantExtension { note } => {
                let until = f.extension_on.unwrap_or(f.deadline_on);
                next.extension_on = None;
                next.extension_reason = None;
                next.deadline_on = until;
                tasks.push(TaskMove::Close {
                    kind: TaskKind::DecideExtension,
                    outcome: Outcome::Done,
                });
                // While listed, the supervision deadline is the one in force.
                if f.listed_deadline_on.is_none() {
                    tasks.push(TaskMove::Reschedule {
                        kind: TaskKind::Rectify,
                        due_at: end_of_day(until),
                    });
                }
                let mut event = Event::new("extension_granted").on(until);
                event.note = note;
                (AuditAction::FindingExtensionDecide, vec![event])
            }
            FindingCommand::RefuseExtension { note } => {
                let until = f.extension_on.unwrap_or(f.deadline_on);
                next.extension_on = None;
                next.extension_reason = None;
                tasks.push(TaskMove::Close {
                    kind: TaskKind::DecideExtension,
                    outcome: Outcome::Done,
                });
                (
                    AuditAction::FindingExtensionDecide,
                    vec![Event::new("extension_refused").note(note).on(until)],
                )
            }
            FindingCommand::List { until, reason } => {
                let until = check_deadline(until, ctx.today).map_err(|p| Refused::at("until", p))?;
                next.listed_at = Some(ctx.now);
                next.listed_reason = Some(reason.clone());
                next.listed_deadline_on = Some(until);
                tasks.push(TaskMove::Reschedule {
                    kind: TaskKind::Rectify,
                    due_at: end_of_day(until),
                });
                (
                    AuditAction::FindingList,
                    vec![Event::new("list").note(reason).on(until)],
                )
            }
            FindingCommand::Delist { reason } => {
                next.listed_at = None;
                next.listed_reason = None;
                next.listed_deadline_on = None;
                tasks.push(TaskMove::Reschedule {
                    kind: TaskKind::Rectify,
                    due_at: end_of_day(f.deadline_on),
                });
                (
                    AuditAction::FindingDelist,
                    vec![Event::new("delist").note(reason)],
                )
            }
        };
        Ok(Moved {
            record: next,
            events,
            audit,
            audit_note: None,
            tasks,
        })
    }

    fn state_label(state: FindingState) -> &'static str {
        state.label_zh()
    }

    fn step_label(step: FindingStep) -> &'static str {
        step.label_zh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountId;
    use crate::agency::AgencyCode;
    use crate::finding::{FindingSource, Severity};
    use crate::policy::Actor;
    use crate::role::Role;
    use crate::workflow::testing::{explore, Exploration};
    use crate::workflow::{check, open_steps, Signer};
    use chrono::{DateTime, Utc};
    use strum::IntoEnumIterator;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-10T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn finding(state: FindingState) -> Finding {
        Finding {
            id: FindingId(7),
            mine_id: MineId(3),
            mine_name: "鹿寨县示例采石场".into(),
            township: "鹿寨镇".into(),
            company_name: "示例建材有限公司".into(),
            source: FindingSource::JointInspection,
            source_ref: None,
            category: "dust".into(),
            category_zh: "扬尘".into(),
            category_en: "Dust".into(),
            description: "破碎站未设喷淋".into(),
            legal_basis: None,
            severity: Severity::General,
            agency: AgencyCode::parse("ee").unwrap(),
            measures: None,
            found_on: d("2026-03-01"),
            original_deadline_on: d("2026-03-31"),
            deadline_on: d("2026-03-31"),
            state,
            notice_no: None,
            notice_issued_at: None,
            recorded_by: Some(AccountId(2)),
            recorded_by_label: "office".into(),
            recorded_at: now(),
            evidence_by: None,
            evidence_by_label: None,
            evidence_at: None,
            evidence_note: None,
            verifier_id: None,
            verifier_label: None,
            verify_due_on: None,
            verified_at: None,
            verify_opinion: None,
            closed_at: None,
            extension_on: None,
            extension_reason: None,
            listed_at: None,
            listed_reason: None,
            listed_deadline_on: None,
            events: Vec::new(),
        }
    }

    fn officer(id: i64) -> Actor {
        Actor::Account {
            id: AccountId(id),
            role: Role::AgencyOfficer,
            agency: Some(AgencyCode::parse("ee").unwrap()),
        }
    }

    /// Valid commands for each step on a record (both answers where the step has two).
    fn commands(step: FindingStep, f: &Finding) -> Vec<FindingCommand> {
        let later = f.deadline_on + chrono::Duration::days(30);
        match step {
            FindingStep::IssueNotice => vec![FindingCommand::IssueNotice],
            FindingStep::ApplyForClosure => vec![FindingCommand::ApplyForClosure {
                note: "已安装喷淋".into(),
            }],
            FindingStep::StartReview => vec![FindingCommand::StartReview],
            FindingStep::AddReviewEvidence => vec![FindingCommand::AddReviewEvidence {
                note: "复飞比对".into(),
            }],
            FindingStep::Pass => vec![FindingCommand::Pass {
                opinion: "合格".into(),
            }],
            FindingStep::Return => vec![FindingCommand::Return {
                opinion: "未完成".into(),
            }],
            FindingStep::RequestExtension => vec![FindingCommand::RequestExtension {
                until: later,
                reason: "设备到货延迟".into(),
            }],
            FindingStep::GrantExtension => vec![FindingCommand::GrantExtension { note: None }],
            FindingStep::RefuseExtension => vec![FindingCommand::RefuseExtension {
                note: "理由不充分".into(),
            }],
            FindingStep::List => vec![FindingCommand::List {
                until: d("2026-04-15"),
                reason: "久拖不改".into(),
            }],
            FindingStep::Delist => vec![FindingCommand::Delist {
                reason: "已见成效".into(),
            }],
        }
    }

    #[test]
    fn from_every_reachable_finding_exactly_the_open_steps_succeed_and_move_state_and_tasks_as_their_rules_say(
    ) {
        let by = Signer {
            account: Some(AccountId(5)),
            label: "ee_officer".into(),
        };
        let actor = officer(5);
        let visited = explore(&Exploration::<FindingFlow> {
            starts: vec![finding(Pending)],
            commands: &commands,
            ctx: crate::workflow::testing::context(now(), d("2026-03-10"), &by, &actor),
            depth: 9,
        });
        // Every state, listed and not, with and without a pending extension.
        assert!(visited > 100, "explored only {visited} findings");
    }

    #[test]
    fn a_step_sent_twice_says_it_is_already_done_and_a_step_out_of_order_names_state_and_step() {
        assert_eq!(
            check::<FindingFlow>(
                &finding(Applied),
                FindingStep::ApplyForClosure,
                chrono::NaiveDate::MIN
            ),
            Err(Problem::AlreadyDone {
                state: "申请销号".into()
            }
            .into())
        );
        assert_eq!(
            check::<FindingFlow>(&finding(Closed), FindingStep::Pass, chrono::NaiveDate::MIN),
            Err(Problem::AlreadyDone {
                state: "已销号".into()
            }
            .into())
        );
        assert_eq!(
            check::<FindingFlow>(&finding(Rectifying), FindingStep::Pass, chrono::NaiveDate::MIN),
            Err(Problem::WrongState {
                state: "整改中".into(),
                step: "复查通过并销号".into()
            }
            .into())
        );
        for step in FindingStep::iter().filter(|s| *s != FindingStep::Delist) {
            assert!(
                check::<FindingFlow>(&finding(Closed), step, chrono::NaiveDate::MIN).is_err(),
                "{step:?} on a closed finding"
            );
        }
    }

    #[test]
    fn the_side_steps_are_closed_by_their_facts_with_the_field_they_concern() {
        let mut f = finding(Rectifying);
        f.extension_on = Some(d("2026-04-30"));
        assert_eq!(
            check::<FindingFlow>(&f, FindingStep::RequestExtension, chrono::NaiveDate::MIN),
            Err(Refused::at("until", Problem::ExtensionPending))
        );
        assert!(check::<FindingFlow>(&f, FindingStep::GrantExtension, chrono::NaiveDate::MIN).is_ok());
        let plain = finding(Rectifying);
        assert_eq!(
            check::<FindingFlow>(&plain, FindingStep::GrantExtension, chrono::NaiveDate::MIN),
            Err(Problem::AlreadyDone {
                state: "无待审批的延期申请".into()
            }
            .into())
        );
        assert!(check::<FindingFlow>(&plain, FindingStep::Delist, chrono::NaiveDate::MIN).is_err());
        assert!(check::<FindingFlow>(&plain, FindingStep::List, chrono::NaiveDate::MIN).is_ok());
    }

    #[test]
    fn only_the_assigned_verifier_is_offered_the_conclusion_and_never_the_one_who_recorded_the_evidence() {
        let mut f = finding(Reviewing);
        f.evidence_by = Some(AccountId(5));
        let verifier_task = Task {
            kind: TaskKind::Verify,
            assignee: Assignee::Account(AccountId(6)),
            agency: Some(f.agency.clone()),
            due_at: now(),
            level: Level::Open,
        };
        let tasks = [verifier_task];
        let verifier = open_steps::<FindingFlow>(&f, &officer(6), &tasks, d("2026-03-10"));
        assert!(verifier.contains(&FindingStep::Pass) && verifier.contains(&FindingStep::Return));
        let colleague = open_steps::<FindingFlow>(&f, &officer(7), &tasks, d("2026-03-10"));
        assert!(!colleague.contains(&FindingStep::Pass));
        assert!(colleague.contains(&FindingStep::RequestExtension));
        // The policy refuses the evidence's author even with the task.
        let author = open_steps::<FindingFlow>(&f, &officer(5), &tasks, d("2026-03-10"));
        assert!(!author.contains(&FindingStep::Pass) && !author.contains(&FindingStep::AddReviewEvidence));
    }

    #[test]
    fn a_return_reopens_the_rectification_against_the_supervision_deadline_while_listed() {
        let mut f = finding(Reviewing);
        f.listed_at = Some(now());
        f.listed_deadline_on = Some(d("2026-03-20"));
        let by = Signer {
            account: Some(AccountId(6)),
            label: "v".into(),
        };
        let actor = officer(6);
        let ctx = crate::workflow::testing::context(now(), d("2026-03-10"), &by, &actor);
        let moved = FindingFlow::apply(
            &f,
            FindingCommand::Return {
                opinion: "不合格".into(),
            },
            &ctx,
        )
        .unwrap();
        assert_eq!(moved.record.state, Rectifying);
        assert_eq!(moved.record.verify_due_on, None);
        assert!(moved.tasks.contains(&TaskMove::Open(Task {
            kind: TaskKind::Rectify,
            assignee: Assignee::Agency {
                agency: f.agency.clone(),
                role: None
            },
            agency: Some(f.agency.clone()),
            due_at: end_of_day(d("2026-03-20")),
            level: Level::Open,
        })));
        // Closing a listed finding ends its listing, with its own line in the history.
        let passed = FindingFlow::apply(
            &f,
            FindingCommand::Pass {
                opinion: "合格".into(),
            },
            &ctx,
        )
        .unwrap();
        assert_eq!(passed.record.listed_at, None);
        assert_eq!(passed.events.len(), 2);
        assert_eq!(passed.events[1].kind, "delist_on_closing");
    }

    #[test]
    fn an_extension_asked_after_the_deadline_is_refused_on_its_date_field() {
        let f = finding(Rectifying);
        let by = Signer {
            account: Some(AccountId(5)),
            label: "o".into(),
        };
        let actor = officer(5);
        let ctx = crate::workflow::testing::context(now(), d("2026-04-02"), &by, &actor);
        let refused = FindingFlow::apply(
            &f,
            FindingCommand::RequestExtension {
                until: d("2026-05-01"),
                reason: "r".into(),
            },
            &ctx,
        )
        .unwrap_err();
        assert_eq!(refused.field, "until");
        assert!(matches!(refused.problem, Problem::ExtensionTooLate { .. }));
    }
}
