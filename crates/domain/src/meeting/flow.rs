//! The workflows of a consultation and of its decisions (WORKFLOW.md §6).
//!
//! ```text
//! consultation: 已召集 ─(记录出席 · 增加议题)─▶ 已召集 ─印发纪要─▶ 已印发纪要
//! decision:     待印发 ─印发(随纪要)─▶ 待落实 ─报告落实─▶ 已落实
//! ```
//!
//! While convened the office records each invited agency's attendance and the agenda; the minutes
//! (numbered 矿监纪〔year〕n号) are issued only with every attendance recorded and an agenda, and close
//! the consultation: anything more is refused as "the minutes are issued". Each decision, recorded
//! while convened with its owner agency and deadline, becomes its owner's task when the minutes are
//! issued and is closed when the owner reports it done.

use super::{Attendee, Decision, Item, Meeting, MeetingState, Presence};
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{DecisionId, MeetingId, MineId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::task::{end_of_day, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::{self, TaskTitle};
use crate::workflow::{
    Context, Created, DocumentKind, Issuer, Moved, Refused, Rule, Standing, Target, TaskMove, Workflow,
};
use chrono::NaiveDate;

/// A step of a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum MeetingStep {
    /// 记录出席情况.
    Attend,
    /// 增加议题.
    AddItem,
    /// 增加议定事项 (the decision is a record of its own; the consultation must still be open).
    AddDecision,
    /// 印发纪要.
    Issue,
}

/// A step of a consultation with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingCommand {
    Attend {
        agency: AgencyCode,
        presence: Presence,
        person: Option<String>,
    },
    AddItem(Item),
    Issue {
        minutes: String,
    },
}

/// The consultation's workflow.
#[derive(Debug, Clone, Copy)]
pub struct MeetingFlow;

impl Workflow for MeetingFlow {
    const RECORD: RecordType = RecordType::Meeting;
    type State = MeetingState;
    type Step = MeetingStep;
    type Id = MeetingId;
    type Record = Meeting;
    type Command = MeetingCommand;

    fn id(m: &Meeting) -> MeetingId {
        m.id
    }

    fn state(m: &Meeting) -> MeetingState {
        m.state
    }

    fn standing(state: MeetingState) -> Standing {
        match state {
            MeetingState::Convened => Standing::Waiting,
            MeetingState::Issued => Standing::Settled,
        }
    }

    fn resource(_: &Meeting) -> Resource {
        Resource::Installation
    }

    fn mine(_: &Meeting) -> Option<MineId> {
        None
    }

    fn task_title(m: &Meeting) -> TaskTitle {
        TaskTitle::Verbatim {
            text: m.title.clone(),
        }
    }

    fn issuer(_: &Meeting) -> Issuer {
        Issuer::Office
    }

    fn created(_: &Meeting, _: &crate::workflow::Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::MeetingConvene,
            audit_note: None,
            tasks: Vec::new(),
        }
    }

    fn rule(step: MeetingStep) -> Rule<Self> {
        let record = |to| Rule::new(&[MeetingState::Convened], to, Action::ConveneMeeting);
        match step {
            MeetingStep::Attend | MeetingStep::AddItem | MeetingStep::AddDecision => record(Target::Stay),
            MeetingStep::Issue => record(Target::To(MeetingState::Issued)).document(DocumentKind::Minutes),
        }
    }

    /// Issued minutes close the consultation: every change after says so.
    fn guard(m: &Meeting, _: MeetingStep, _today: NaiveDate) -> Result<(), Refused> {
        Ok(m.state.check_open()?)
    }

    fn step_of(command: &MeetingCommand) -> MeetingStep {
        match command {
            MeetingCommand::Attend { .. } => MeetingStep::Attend,
            MeetingCommand::AddItem(_) => MeetingStep::AddItem,
            MeetingCommand::Issue { .. } => MeetingStep::Issue,
        }
    }

    fn apply(m: &Meeting, command: MeetingCommand, ctx: &Context<'_>) -> Result<Moved<Meeting>, Refused> {
        let mut next = m.clone();
        match command {
            MeetingCommand::Attend {
                agency,
                presence,
                person,
            } => {
                let Some(a) = next.attendees.iter_mut().find(|a| a.agency == agency) else {
                    return Err(Refused::at("agency", Problem::NotFound));
                };
                a.presence = presence;
                a.person = person;
                let note = format!("{} {}", agency.as_str(), presence.as_str());
                Ok(Moved::to(next, AuditAction::MeetingRecord).note(note))
            }
            MeetingCommand::AddItem(item) => {
                let note = format!("议题：{}", item.title);
                next.items.push(Item { id: None, ..item });
                Ok(Moved::to(next, AuditAction::MeetingRecord).note(note))
            }
            MeetingCommand::Issue { minutes } => {
                let unrecorded: Vec<&Attendee> = m
                    .attendees
                    .iter()
                    .filter(|a| a.presence == Presence::Invited)
                    .collect();
                if !unrecorded.is_empty() {
                    let names: Vec<&str> = unrecorded.iter().map(|a| a.name_zh.as_str()).collect();
                    return Err(Refused::at(
                        "attendance",
                        Problem::AttendanceUnrecorded {
                            agencies: names.join("、"),
                        },
                    ));
                }
                if m.items.is_empty() {
                    return Err(Refused::at("item_title", Problem::NoAgenda));
                }
                next.state = MeetingState::Issued;
                next.minutes_no = ctx.document.map(str::to_string);
                next.minutes = Some(minutes);
                next.issued_by_label = Some(ctx.by.label.clone());
                next.issued_at = Some(ctx.now);
                Ok(Moved::to(next, AuditAction::MeetingIssue))
            }
        }
    }

    fn state_label(state: MeetingState) -> &'static str {
        match state {
            MeetingState::Convened => "已召集",
            MeetingState::Issued => "已印发纪要",
        }
    }

    fn step_label(step: MeetingStep) -> &'static str {
        match step {
            MeetingStep::Attend => "记录出席情况",
            MeetingStep::AddItem => "增加议题",
            MeetingStep::AddDecision => "增加议定事项",
            MeetingStep::Issue => "印发纪要",
        }
    }
}

/// Where a decision stands: not stored, it follows from its consultation's minutes and its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum DecisionState {
    /// 待印发 — recorded; the minutes are not issued yet.
    Drafted,
    /// 待落实 — its owner's task.
    Open,
    /// 已落实 — reported done.
    Done,
}

/// A step of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum DecisionStep {
    /// 印发 — with its consultation's minutes: it becomes its owner's task (the office).
    Publish,
    /// 报告落实情况 (the owner agency).
    Complete,
}

/// A decision's step with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionCommand {
    /// With the number of the minutes being issued.
    Publish {
        minutes_no: String,
    },
    Complete {
        note: String,
    },
}

/// A decision's workflow.
#[derive(Debug, Clone, Copy)]
pub struct DecisionFlow;

impl DecisionFlow {
    fn task(d: &Decision) -> Task {
        Task {
            kind: TaskKind::MeetingDecision,
            assignee: Assignee::Agency {
                agency: d.agency.clone(),
                role: None,
            },
            agency: Some(d.agency.clone()),
            due_at: end_of_day(d.due_on),
            level: Level::Open,
        }
    }
}

impl Workflow for DecisionFlow {
    const RECORD: RecordType = RecordType::MeetingDecision;
    type State = DecisionState;
    type Step = DecisionStep;
    type Id = DecisionId;
    type Record = Decision;
    type Command = DecisionCommand;

    fn id(d: &Decision) -> DecisionId {
        d.id
    }

    fn state(d: &Decision) -> DecisionState {
        match (&d.minutes_no, &d.done_at) {
            (None, _) => DecisionState::Drafted,
            (Some(_), None) => DecisionState::Open,
            (Some(_), Some(_)) => DecisionState::Done,
        }
    }

    fn standing(state: DecisionState) -> Standing {
        match state {
            DecisionState::Drafted => Standing::Neutral,
            DecisionState::Open => Standing::Waiting,
            DecisionState::Done => Standing::Settled,
        }
    }

    fn resource(d: &Decision) -> Resource {
        Resource::Decision {
            agency: d.agency.clone(),
        }
    }

    fn mine(_: &Decision) -> Option<MineId> {
        None
    }

    fn task_title(d: &Decision) -> TaskTitle {
        TaskTitle::Decision {
            minutes_no: d.minutes_no.clone().unwrap_or_default(),
            seq: d.seq,
            text: task_title::short(&d.text),
        }
    }

    fn issuer(_: &Decision) -> Issuer {
        Issuer::Office
    }

    /// Recorded while its consultation is open; it becomes a task when published.
    fn created(_: &Decision, _: &crate::workflow::Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::MeetingRecord,
            audit_note: None,
            tasks: Vec::new(),
        }
    }

    fn rule(step: DecisionStep) -> Rule<Self> {
        use DecisionState::*;
        match step {
            DecisionStep::Publish => Rule::new(&[Drafted], Target::To(Open), Action::ConveneMeeting)
                .opens(&[TaskKind::MeetingDecision]),
            DecisionStep::Complete => Rule::new(&[Open], Target::To(Done), Action::CompleteDecision)
                .closes(&[TaskKind::MeetingDecision]),
        }
    }

    /// Said on the report's own field: not yet a task, or already reported.
    fn guard(d: &Decision, step: DecisionStep, _today: NaiveDate) -> Result<(), Refused> {
        match (Self::state(d), step) {
            (DecisionState::Drafted, DecisionStep::Complete) => Err(Refused::at(
                "done_note",
                Problem::WrongState {
                    state: "纪要未印发".into(),
                    step: "报告落实情况".into(),
                },
            )),
            (DecisionState::Done, DecisionStep::Complete) => Err(Refused::at(
                "done_note",
                Problem::AlreadyDone {
                    state: "已落实".into(),
                },
            )),
            (DecisionState::Open, DecisionStep::Complete) | (_, DecisionStep::Publish) => Ok(()),
        }
    }

    fn step_of(command: &DecisionCommand) -> DecisionStep {
        match command {
            DecisionCommand::Publish { .. } => DecisionStep::Publish,
            DecisionCommand::Complete { .. } => DecisionStep::Complete,
        }
    }

    fn apply(d: &Decision, command: DecisionCommand, ctx: &Context<'_>) -> Result<Moved<Decision>, Refused> {
        let mut next = d.clone();
        match command {
            DecisionCommand::Publish { minutes_no } => {
                next.minutes_no = Some(minutes_no);
                let task = Self::task(&next);
                Ok(Moved::to(next, AuditAction::MeetingIssue).task(TaskMove::Open(task)))
            }
            DecisionCommand::Complete { note } => {
                next.done_at = Some(ctx.now);
                next.done_by_label = Some(ctx.by.label.clone());
                next.done_note = Some(note);
                Ok(Moved::to(next, AuditAction::DecisionDone).task(TaskMove::Close {
                    kind: TaskKind::MeetingDecision,
                    outcome: Outcome::Done,
                }))
            }
        }
    }

    fn state_label(state: DecisionState) -> &'static str {
        match state {
            DecisionState::Drafted => "纪要未印发",
            DecisionState::Open => "待落实",
            DecisionState::Done => "已落实",
        }
    }

    fn step_label(step: DecisionStep) -> &'static str {
        match step {
            DecisionStep::Publish => "印发",
            DecisionStep::Complete => "报告落实情况",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountId;
    use crate::meeting::MeetingKind;
    use crate::workflow::testing::{explore, Exploration};
    use crate::workflow::{check, Signer};
    use chrono::{DateTime, NaiveDate, Utc};

    fn code(c: &str) -> AgencyCode {
        AgencyCode::parse(c).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn meeting() -> Meeting {
        Meeting {
            id: MeetingId(1),
            kind: MeetingKind::Special,
            title: "越界开采专项整治会商".into(),
            held_on: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            place: "会议室".into(),
            chair: "副指挥长".into(),
            state: MeetingState::Convened,
            convened_by_label: "office".into(),
            convened_at: now(),
            minutes_no: None,
            minutes: None,
            issued_by_label: None,
            issued_at: None,
            attendees: ["nr", "ps"]
                .iter()
                .map(|c| Attendee {
                    agency: code(c),
                    name_zh: format!("{c}局"),
                    presence: Presence::Invited,
                    person: None,
                })
                .collect(),
            items: Vec::new(),
        }
    }

    fn decision(minutes: Option<&str>) -> Decision {
        Decision {
            id: DecisionId(5),
            meeting_id: MeetingId(1),
            meeting_title: "会商".into(),
            minutes_no: minutes.map(str::to_string),
            seq: 1,
            text: "开展联合执法".into(),
            agency: code("ps"),
            due_on: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            done_at: None,
            done_by_label: None,
            done_note: None,
        }
    }

    fn ctx(by: &Signer) -> Context<'_> {
        Context {
            now: now(),
            today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            by,
            actor: &crate::policy::Actor::System,
            rules: crate::workflow::testing::rules(),
            document: None,
        }
    }

    #[test]
    fn a_consultation_records_attendance_and_agenda_until_its_minutes_are_issued_and_then_nothing() {
        let by = Signer {
            account: Some(AccountId(1)),
            label: "office".into(),
        };
        let commands = |step: MeetingStep, m: &Meeting| match step {
            MeetingStep::Attend => m
                .attendees
                .iter()
                .map(|a| MeetingCommand::Attend {
                    agency: a.agency.clone(),
                    presence: Presence::Present,
                    person: None,
                })
                .collect(),
            MeetingStep::AddItem => vec![MeetingCommand::AddItem(Item {
                id: None,
                title: "越界开采问题".into(),
                discussion: None,
                mine_id: None,
                mine_name: None,
                finding_id: None,
                case_id: None,
                case_no: None,
            })],
            // Recording a decision makes a record of its own; the consultation itself does not change.
            MeetingStep::AddDecision => Vec::new(),
            MeetingStep::Issue => vec![MeetingCommand::Issue {
                minutes: "纪要".into(),
            }],
        };
        // Issuing is refused until every attendance and an agenda item are in; those refusals are the
        // step's own, so the walk starts from a consultation ready to issue.
        let mut ready = meeting();
        for a in &mut ready.attendees {
            a.presence = Presence::Present;
        }
        ready.items = commands(MeetingStep::AddItem, &ready)
            .into_iter()
            .filter_map(|c| match c {
                MeetingCommand::AddItem(i) => Some(i),
                _ => None,
            })
            .collect();
        let visited = explore(&Exploration::<MeetingFlow> {
            starts: vec![ready],
            commands: &commands,
            ctx: ctx(&by),
            depth: 3,
        });
        assert!(visited > 5, "{visited}");
        let not_ready = meeting();
        let refused = MeetingFlow::apply(
            &not_ready,
            MeetingCommand::Issue {
                minutes: "纪要".into(),
            },
            &ctx(&by),
        )
        .unwrap_err();
        assert_eq!(
            refused.problem,
            Problem::AttendanceUnrecorded {
                agencies: "nr局、ps局".into()
            }
        );
        let mut issued = meeting();
        issued.state = MeetingState::Issued;
        for step in [MeetingStep::Attend, MeetingStep::AddDecision, MeetingStep::Issue] {
            assert_eq!(
                check::<MeetingFlow>(&issued, step, chrono::NaiveDate::MIN),
                Err(Problem::MinutesIssued.into())
            );
        }
    }

    #[test]
    fn a_decision_becomes_a_task_with_the_minutes_and_is_reported_done_once() {
        let by = Signer {
            account: Some(AccountId(2)),
            label: "ps_o".into(),
        };
        let visited = explore(&Exploration::<DecisionFlow> {
            starts: vec![decision(None)],
            commands: &|step, _| match step {
                DecisionStep::Publish => vec![DecisionCommand::Publish {
                    minutes_no: "矿监纪〔2026〕1号".into(),
                }],
                DecisionStep::Complete => vec![DecisionCommand::Complete {
                    note: "已完成".into(),
                }],
            },
            ctx: ctx(&by),
            depth: 3,
        });
        assert_eq!(visited, 3);
        assert!(matches!(
            check::<DecisionFlow>(&decision(None), DecisionStep::Complete, chrono::NaiveDate::MIN),
            Err(Refused {
                field: "done_note",
                problem: Problem::WrongState { .. }
            })
        ));
    }
}
