//! 检察意见 — the procuratorate's opinions coming in (reverse referral, WORKFLOW.md §5): when it drops a
//! criminal case but a penalty is due, it sends the agency an opinion, which the agency's head answers
//! within 2 months ([`super::ReferralRules::opinion_due`]). [`OpinionFlow`] is its one step.

use crate::agency::AgencyCode;
use crate::ids::{CaseId, MineId, OpinionId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::role::Role;
use crate::task::{end_of_day, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::TaskTitle;
use crate::workflow::{
    Context, Created, Issuer, Moved, Refused, Rule, Rules, Standing, Target, TaskMove, Workflow,
};
use chrono::NaiveDate;

/// An opinion received, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opinion {
    pub id: OpinionId,
    pub agency: AgencyCode,
    pub doc_no: String,
    pub from_body: String,
    pub mine_id: Option<MineId>,
    pub mine_name: Option<String>,
    pub case_id: Option<CaseId>,
    pub summary: String,
    pub received_on: NaiveDate,
    pub answer_by_on: NaiveDate,
    pub recorded_by_label: String,
    pub answered_on: Option<NaiveDate>,
    pub answered_by_label: Option<String>,
    pub answer: Option<String>,
}

impl Opinion {
    /// Whether it waits past its day for the answer.
    pub fn late(&self, today: NaiveDate) -> bool {
        self.answered_on.is_none() && today > self.answer_by_on
    }
}

/// Where an opinion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum OpinionState {
    /// 待答复.
    Awaiting,
    /// 已答复.
    Answered,
}

impl OpinionState {
    pub fn label_zh(self) -> &'static str {
        match self {
            OpinionState::Awaiting => "待答复",
            OpinionState::Answered => "已答复",
        }
    }
}

/// The one step of an opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum OpinionStep {
    /// 答复 — what the agency did: a case filed, a penalty decided, or why not.
    Answer,
}

/// An opinion's workflow: recorded by the agency's staff with the head's 2-month task, answered once by
/// the head.
#[derive(Debug, Clone, Copy)]
pub struct OpinionFlow;

impl Workflow for OpinionFlow {
    const RECORD: RecordType = RecordType::Opinion;
    type State = OpinionState;
    type Step = OpinionStep;
    type Id = OpinionId;
    type Record = Opinion;
    /// The answer.
    type Command = String;

    fn id(o: &Opinion) -> OpinionId {
        o.id
    }

    fn state(o: &Opinion) -> OpinionState {
        if o.answered_on.is_some() {
            OpinionState::Answered
        } else {
            OpinionState::Awaiting
        }
    }

    fn standing(state: OpinionState) -> Standing {
        match state {
            OpinionState::Awaiting => Standing::Waiting,
            OpinionState::Answered => Standing::Settled,
        }
    }

    /// The opinion is its agency's; the head answers it as a decision of the agency's.
    fn resource(o: &Opinion) -> Resource {
        Resource::Agency(o.agency.clone())
    }

    fn mine(o: &Opinion) -> Option<MineId> {
        o.mine_id
    }

    fn task_title(o: &Opinion) -> TaskTitle {
        TaskTitle::Opinion {
            doc_no: o.doc_no.clone(),
        }
    }

    fn issuer(o: &Opinion) -> Issuer {
        Issuer::Agency(o.agency.clone())
    }

    fn created(o: &Opinion, _: &Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::OpinionReceive,
            audit_note: None,
            tasks: vec![Task {
                kind: TaskKind::AnswerOpinion,
                assignee: Assignee::Agency {
                    agency: o.agency.clone(),
                    role: Some(Role::AgencyHead),
                },
                agency: Some(o.agency.clone()),
                due_at: end_of_day(o.answer_by_on),
                level: Level::Open,
            }],
        }
    }

    fn rule(step: OpinionStep) -> Rule<Self> {
        match step {
            OpinionStep::Answer => Rule::new(
                &[OpinionState::Awaiting],
                Target::To(OpinionState::Answered),
                Action::DecideCase,
            )
            .closes(&[TaskKind::AnswerOpinion]),
        }
    }

    fn step_of(_: &String) -> OpinionStep {
        OpinionStep::Answer
    }

    fn apply(o: &Opinion, answer: String, ctx: &Context<'_>) -> Result<Moved<Opinion>, Refused> {
        let next = Opinion {
            answered_on: Some(ctx.today),
            answered_by_label: Some(ctx.by.label.clone()),
            answer: Some(answer),
            ..o.clone()
        };
        Ok(Moved::to(next, AuditAction::OpinionAnswer).task(TaskMove::Close {
            kind: TaskKind::AnswerOpinion,
            outcome: Outcome::Done,
        }))
    }

    fn state_label(state: OpinionState) -> &'static str {
        state.label_zh()
    }

    fn step_label(_: OpinionStep) -> &'static str {
        "答复"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Problem;
    use crate::workflow::testing::{explore, Exploration};
    use crate::workflow::{check, Signer};
    use chrono::{TimeZone, Utc};

    #[test]
    fn an_opinion_is_answered_once_and_its_task_closes() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let opinion = Opinion {
            id: OpinionId(1),
            agency: AgencyCode::parse("nr").unwrap(),
            doc_no: "鹿检行意〔2026〕3号".into(),
            from_body: "鹿寨县人民检察院".into(),
            mine_id: None,
            mine_name: None,
            case_id: None,
            summary: "建议给予行政处罚".into(),
            received_on: day("2026-11-27"),
            answer_by_on: day("2027-01-27"),
            recorded_by_label: "甲".into(),
            answered_on: None,
            answered_by_label: None,
            answer: None,
        };
        let by = Signer {
            account: None,
            label: "局长".into(),
        };
        let actor = crate::Actor::System;
        let commands = |_: OpinionStep, _: &Opinion| vec!["已立案查处".to_string()];
        let visited = explore(&Exploration::<OpinionFlow> {
            starts: vec![opinion.clone()],
            commands: &commands,
            ctx: crate::workflow::testing::context(
                Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap(),
                day("2026-12-01"),
                &by,
                &actor,
            ),
            depth: 2,
        });
        assert_eq!(visited, 2);
        let answered = Opinion {
            answered_on: Some(day("2026-12-01")),
            ..opinion
        };
        assert_eq!(
            check::<OpinionFlow>(&answered, OpinionStep::Answer, day("2026-12-01")),
            Err(Problem::AlreadyDone {
                state: "已答复".into()
            }
            .into())
        );
    }
}
