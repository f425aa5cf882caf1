//! 待办 — tasks: who must act, on which record, by when, and how an overdue task climbs the ladder.
//!
//! A [`Task`] is created by the use case that makes work for someone (recording a finding makes a
//! rectification task for the responsible agency; applying for closure makes a verification task) and is
//! closed by the act that fulfils it, in the same write. Its [`Assignee`] is a person, a role within an
//! agency, a whole agency, the office, or a role of the county (the county government approving a plan).
//!
//! The clock rules live here and nowhere else: [`Ladder::level_at`] says which step of escalation a task
//! has reached at a moment, [`Ladder::next_step_at`] when the sweep must look at it again, and
//! [`reach`] which tasks an actor's inbox holds — its own, its agency's, and those escalated to it. The
//! sweep (in `app`) only applies these functions; storage only turns [`Reach`] into a filter.
//!
//! What must not live here: the query, the sweep's lease, notifications.

use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::policy::Actor;
use crate::role::Role;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, TimeZone, Utc};
use serde::Serialize;

/// What a task asks for. Stored as its code; the catalogue names it (`task.kind.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum TaskKind {
    /// 整改 — follow a finding's rectification until evidence is recorded (the responsible agency).
    Rectify,
    /// 复查 — verify a rectification on site (the responsible agency, within the verification period).
    Verify,
    /// 延期审批 — decide a request to extend a rectification deadline (the office, before the deadline).
    DecideExtension,
    /// 计划审批 — approve or return the submitted annual plan (the county government).
    ApprovePlan,
    /// 计划修改 — revise a returned plan and submit it again (the office).
    RevisePlan,
    /// 检查审批 — approve an inspection act and name its officers (the agency head), by the inspection day.
    ApproveAct,
    /// 检查签署 — fill in and sign the act on site (the agency's officers).
    SignAct,
    /// 处罚决定 — decide a penalty case within 90 days of filing (the agency head).
    CaseDecide,
    /// 陈述申辩 — record the party's statement and defence once its period ends (the agency).
    CaseDefence,
    /// 听证 — hold the hearing the party asked for (the agency).
    CaseHearing,
    /// 法制审核 — review a heavy or major penalty before the decision (the agency).
    CaseReview,
    /// 执行 — see the decision carried out and close the case (the agency).
    CaseExecute,
    /// 协助执行确认 — the supplier (power company, public security) confirms it stopped (or restored)
    /// supply, by the moment the measure takes effect.
    ConfirmMeasure,
    /// 移送审批 — the head decides a referral report within 3 days.
    DecideReferral,
    /// 移送 — transfer an approved referral within 24 hours (the case's agency).
    TransferReferral,
    /// 签收 — the receiving body acknowledges receipt (or the agency records an outside body's).
    AcknowledgeReferral,
    /// 立案决定 — the receiving body decides whether to file within 3 days (and a reconsideration,
    /// and a filing the procuratorate ordered, in theirs).
    FileReferral,
    /// 复议/监督 — the agency asks for reconsideration or supervision, or accepts, within 3 days.
    AskReferral,
    /// 说明理由 — the police explain a refusal to the procuratorate within 7 days.
    ExplainReferral,
    /// 移交 — hand over items and files within 3 days of filing (the case's agency).
    HandOverReferral,
    /// 答复检察意见 — answer a procuratorate's opinion within 2 months (the agency head).
    AnswerOpinion,
    /// 应移未移处置 — the owning agency's head disposes of a flag; the office and leaders see it at once.
    DisposeFlag,
    /// 会商决定落实 — the owner agency carries out a consultation's decision by its deadline.
    MeetingDecision,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Rectify => "finding.rectify",
            TaskKind::Verify => "finding.verify",
            TaskKind::DecideExtension => "finding.extension",
            TaskKind::ApprovePlan => "plan.approve",
            TaskKind::RevisePlan => "plan.revise",
            TaskKind::ApproveAct => "act.approve",
            TaskKind::SignAct => "act.sign",
            TaskKind::CaseDecide => "case.decide",
            TaskKind::CaseDefence => "case.defence",
            TaskKind::CaseHearing => "case.hearing",
            TaskKind::CaseReview => "case.review",
            TaskKind::CaseExecute => "case.execute",
            TaskKind::ConfirmMeasure => "measure.confirm",
            TaskKind::DecideReferral => "referral.decide",
            TaskKind::TransferReferral => "referral.transfer",
            TaskKind::AcknowledgeReferral => "referral.acknowledge",
            TaskKind::FileReferral => "referral.file",
            TaskKind::AskReferral => "referral.ask",
            TaskKind::ExplainReferral => "referral.explain",
            TaskKind::HandOverReferral => "referral.hand_over",
            TaskKind::AnswerOpinion => "opinion.answer",
            TaskKind::DisposeFlag => "flag.dispose",
            TaskKind::MeetingDecision => "meeting.decision",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        use strum::IntoEnumIterator;
        Self::iter().find(|k| k.as_str() == raw).ok_or(Problem::Invalid)
    }

    /// The ladder an overdue task of this kind climbs.
    pub fn ladder(self, clocks: &Clocks) -> Ladder {
        match self {
            TaskKind::Rectify
            | TaskKind::Verify
            | TaskKind::SignAct
            | TaskKind::CaseDefence
            | TaskKind::CaseHearing
            | TaskKind::CaseReview
            | TaskKind::CaseExecute
            | TaskKind::MeetingDecision => clocks.rectification,
            // A supplier's confirmation is due when the measure takes effect: remind an hour before,
            // the supplier's head the next day, the office the day after.
            TaskKind::ConfirmMeasure => Ladder {
                remind_before: Duration::hours(1),
                head_after: Some(Duration::days(1)),
                office_after: Some(Duration::days(2)),
            },
            // The referral clocks are short and legal (Order 310): reminded a day before (an hour for the
            // 24-hour transfer), the head of the agency concerned on the day after, the office and
            // leaders the day after that.
            TaskKind::TransferReferral => Ladder {
                remind_before: Duration::hours(2),
                head_after: Some(Duration::zero()),
                office_after: Some(Duration::days(1)),
            },
            TaskKind::AcknowledgeReferral
            | TaskKind::FileReferral
            | TaskKind::AskReferral
            | TaskKind::ExplainReferral
            | TaskKind::HandOverReferral => Ladder {
                remind_before: Duration::days(1),
                head_after: Some(Duration::days(1)),
                office_after: Some(Duration::days(2)),
            },
            // Deciding a referral and answering the procuratorate are the head's own: the office and
            // leaders are told when the day passes.
            TaskKind::DecideReferral | TaskKind::AnswerOpinion => Ladder {
                remind_before: Duration::days(1),
                head_after: None,
                office_after: Some(Duration::zero()),
            },
            // A flag is the office's and the leaders' from the moment it is raised: the disposition is
            // due `dispose_days` later, and the office step is reached at once (any offset back to the
            // raising does; a year is more than any configuration allows).
            TaskKind::DisposeFlag => Ladder {
                remind_before: Duration::days(1),
                head_after: None,
                office_after: Some(-Duration::days(365)),
            },
            // The 90-day decision is the head's own and a hard legal limit: the head is reminded ten
            // days before, and the office and the leaders are told the moment it passes.
            TaskKind::CaseDecide => Ladder {
                remind_before: Duration::days(10),
                head_after: None,
                office_after: Some(Duration::zero()),
            },
            // The head approving an act is the head's own delay: straight to the office.
            TaskKind::ApproveAct => Ladder {
                remind_before: clocks.rectification.remind_before,
                head_after: None,
                office_after: clocks.rectification.head_after,
            },
            // An undecided extension is the office's own delay: remind the office on the day; nobody
            // above the office but the leaders, who see it at the last step.
            TaskKind::DecideExtension | TaskKind::ApprovePlan | TaskKind::RevisePlan => Ladder {
                remind_before: clocks.rectification.remind_before,
                head_after: None,
                office_after: Some(Duration::days(1)),
            },
        }
    }
}

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The act it asked for was done.
    Done,
    /// It is no longer needed (the record moved on another way).
    Cancelled,
    /// It was handed to someone else (a new task carries on).
    Reassigned,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Cancelled => "cancelled",
            Outcome::Reassigned => "reassigned",
        }
    }
}

/// Who must act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// One person (a named verifier).
    Account(AccountId),
    /// Anyone of an agency, or only its holders of `role` (the head approving an act).
    Agency { agency: AgencyCode, role: Option<Role> },
    /// The supervision office (监管办).
    Office,
    /// Every account of a role without an agency (the county government approving the plan).
    Role(Role),
}

impl Assignee {
    /// Whether `actor` is one of the people this task waits for (not merely someone it was escalated
    /// to). Only they may fulfil it; a person who has since left the agency or changed role may not.
    pub fn includes(&self, actor: &Actor) -> bool {
        let Actor::Account { id, role, agency } = actor else {
            return false;
        };
        match self {
            Assignee::Account(who) => who == id,
            Assignee::Agency {
                agency: target,
                role: wanted,
            } => {
                matches!(role, Role::AgencyOfficer | Role::AgencyHead)
                    && agency.as_ref() == Some(target)
                    && wanted.is_none_or(|w| w == *role)
            }
            Assignee::Office => *role == Role::Office,
            Assignee::Role(wanted) => role == wanted,
        }
    }
}

/// How far an overdue task has climbed. Ordered: each level includes the ones below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::EnumIter)]
pub enum Level {
    /// Not yet due.
    Open = 0,
    /// The deadline day: the assignee is reminded.
    Reminded = 1,
    /// Overdue by `head_after`: the agency head is told.
    Head = 2,
    /// Overdue by `office_after`: the office and the command leaders are told.
    Office = 3,
}

impl Level {
    pub fn as_i64(self) -> i64 {
        self as i64
    }

    pub fn from_i64(raw: i64) -> Option<Self> {
        use strum::IntoEnumIterator;
        Self::iter().find(|l| l.as_i64() == raw)
    }

    pub fn code(self) -> &'static str {
        match self {
            Level::Open => "open",
            Level::Reminded => "reminded",
            Level::Head => "head",
            Level::Office => "office",
        }
    }
}

/// The steps of escalation, as offsets from the moment a task falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ladder {
    /// The reminder comes this long before the due moment (one day: on the deadline day).
    pub remind_before: Duration,
    /// The head is told this long after (none: skip the step).
    pub head_after: Option<Duration>,
    /// The office and leaders are told this long after.
    pub office_after: Option<Duration>,
}

impl Ladder {
    /// The moment each level is reached, lowest first.
    fn steps(&self, due_at: DateTime<Utc>) -> Vec<(Level, DateTime<Utc>)> {
        let mut steps = vec![(Level::Reminded, due_at - self.remind_before)];
        if let Some(after) = self.head_after {
            steps.push((Level::Head, due_at + after));
        }
        if let Some(after) = self.office_after {
            steps.push((Level::Office, due_at + after));
        }
        steps
    }

    /// The level a task due at `due_at` has reached at `now`.
    pub fn level_at(&self, due_at: DateTime<Utc>, now: DateTime<Utc>) -> Level {
        self.steps(due_at)
            .into_iter()
            .filter(|(_, at)| *at <= now)
            .map(|(level, _)| level)
            .max()
            .unwrap_or(Level::Open)
    }

    /// When a task at `level` next needs the sweep; `None` once it has reached the top.
    pub fn next_step_at(&self, due_at: DateTime<Utc>, level: Level) -> Option<DateTime<Utc>> {
        self.steps(due_at)
            .into_iter()
            .filter(|(l, _)| *l > level)
            .map(|(_, at)| at)
            .min()
    }
}

/// The configurable clocks of the ledger (WORKFLOW.md §1.3, §2), with the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    /// Reminder on the deadline day; the head at +3 days; the office and leaders at +7.
    pub rectification: Ladder,
    /// The responsible agency re-inspects within this many days of an application for closure.
    pub verify_within_days: i64,
    /// The county government decides a submitted plan within this many days.
    pub plan_decide_days: i64,
    /// The office resubmits a returned plan within this many days.
    pub plan_revise_days: i64,
    /// The officers sign an act within this many days after the inspection day.
    pub act_sign_days: i64,
}

impl Default for Clocks {
    fn default() -> Self {
        Self {
            rectification: Ladder {
                remind_before: Duration::days(1),
                head_after: Some(Duration::days(3)),
                office_after: Some(Duration::days(7)),
            },
            verify_within_days: 10,
            plan_decide_days: 15,
            plan_revise_days: 10,
            act_sign_days: 2,
        }
    }
}

/// China Standard Time, in which deadlines are written.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The date in the county at `now`.
pub fn local_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&china()).date_naive()
}

/// A deadline written as a date falls due at the end of that day in the county (the next midnight).
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    let next = date.succ_opt().unwrap_or(date);
    next.and_hms_opt(0, 0, 0)
        .and_then(|t| china().from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default()))
}

/// One way a task reaches an inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Assigned to this person.
    Account(AccountId),
    /// Assigned to this agency as a whole, or to this role within it.
    Agency { agency: AgencyCode, role: Role },
    /// Assigned to the office.
    Office,
    /// Assigned to a role of the county (no agency).
    Role(Role),
    /// Any task of this agency (or of one of its people) that has climbed to `level` or higher.
    EscalatedInAgency { agency: AgencyCode, level: Level },
    /// Any task anywhere that has climbed to `level` or higher.
    EscalatedAnywhere { level: Level },
}

/// Which tasks an actor's inbox holds: what is assigned to it, and what has been escalated to it.
pub fn reach(actor: &Actor) -> Vec<Reach> {
    let Actor::Account { id, role, agency } = actor else {
        return Vec::new();
    };
    let mut out = vec![Reach::Account(*id)];
    match (role, agency) {
        (Role::AgencyOfficer, Some(code)) => out.push(Reach::Agency {
            agency: code.clone(),
            role: *role,
        }),
        (Role::AgencyHead, Some(code)) => {
            out.push(Reach::Agency {
                agency: code.clone(),
                role: *role,
            });
            out.push(Reach::EscalatedInAgency {
                agency: code.clone(),
                level: Level::Head,
            });
        }
        (Role::Office, _) => {
            out.push(Reach::Office);
            out.push(Reach::EscalatedAnywhere { level: Level::Office });
        }
        (Role::CommandLeader, _) => out.push(Reach::EscalatedAnywhere { level: Level::Office }),
        (Role::CountyGovernment, _) => out.push(Reach::Role(*role)),
        _ => {}
    }
    out
}

/// A task as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub kind: TaskKind,
    pub assignee: Assignee,
    /// The agency whose work it is (also for a task assigned to one of its people), whose head it
    /// reaches when it climbs.
    pub agency: Option<AgencyCode>,
    pub due_at: DateTime<Utc>,
    pub level: Level,
}

impl Task {
    /// Whether `actor`'s inbox holds this task (the same rule as [`reach`], for one task).
    pub fn reaches(&self, actor: &Actor) -> bool {
        reach(actor).iter().any(|r| match r {
            Reach::Account(id) => self.assignee == Assignee::Account(*id),
            Reach::Agency { agency, role } => match &self.assignee {
                Assignee::Agency {
                    agency: a,
                    role: wanted,
                } => a == agency && wanted.is_none_or(|w| w == *role),
                _ => false,
            },
            Reach::Office => self.assignee == Assignee::Office,
            Reach::Role(role) => self.assignee == Assignee::Role(*role),
            Reach::EscalatedInAgency { agency, level } => {
                self.level >= *level && self.agency.as_ref() == Some(agency)
            }
            Reach::EscalatedAnywhere { level } => self.level >= *level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> AgencyCode {
        AgencyCode::parse(c).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn person(id: i64, role: Role, agency: Option<&str>) -> Actor {
        Actor::Account {
            id: AccountId(id),
            role,
            agency: agency.map(code),
        }
    }

    #[test]
    fn a_date_deadline_falls_due_at_the_next_midnight_in_the_county() {
        let due = end_of_day(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(due, at("2026-03-10T16:00:00Z"));
        assert_eq!(local_date(at("2026-03-10T15:59:59Z")).to_string(), "2026-03-10");
        assert_eq!(local_date(at("2026-03-10T16:00:00Z")).to_string(), "2026-03-11");
    }

    #[test]
    fn a_rectification_is_reminded_on_the_day_then_climbs_to_the_head_at_three_and_the_office_at_seven() {
        let ladder = Clocks::default().rectification;
        let due = end_of_day(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        // The day before the deadline day: nothing yet.
        assert_eq!(ladder.level_at(due, at("2026-03-09T15:59:59Z")), Level::Open);
        // 00:00 on the deadline day (China time).
        assert_eq!(ladder.level_at(due, at("2026-03-09T16:00:00Z")), Level::Reminded);
        // Overdue by three whole days: the 11th, 12th and 13th have passed.
        assert_eq!(ladder.level_at(due, at("2026-03-13T15:59:59Z")), Level::Reminded);
        assert_eq!(ladder.level_at(due, at("2026-03-13T16:00:00Z")), Level::Head);
        assert_eq!(ladder.level_at(due, at("2026-03-17T16:00:00Z")), Level::Office);
        assert_eq!(ladder.level_at(due, at("2027-01-01T00:00:00Z")), Level::Office);
    }

    #[test]
    fn the_next_step_is_the_first_one_above_the_level_reached_and_none_at_the_top() {
        let ladder = Clocks::default().rectification;
        let due = at("2026-03-10T16:00:00Z");
        assert_eq!(
            ladder.next_step_at(due, Level::Open),
            Some(at("2026-03-09T16:00:00Z"))
        );
        assert_eq!(
            ladder.next_step_at(due, Level::Reminded),
            Some(at("2026-03-13T16:00:00Z"))
        );
        assert_eq!(
            ladder.next_step_at(due, Level::Head),
            Some(at("2026-03-17T16:00:00Z"))
        );
        assert_eq!(ladder.next_step_at(due, Level::Office), None);
    }

    #[test]
    fn a_ladder_without_a_head_step_goes_from_the_reminder_to_the_office() {
        let ladder = TaskKind::DecideExtension.ladder(&Clocks::default());
        let due = at("2026-03-10T16:00:00Z");
        assert_eq!(
            ladder.next_step_at(due, Level::Reminded),
            Some(at("2026-03-11T16:00:00Z"))
        );
        assert_eq!(ladder.level_at(due, at("2026-03-11T16:00:00Z")), Level::Office);
    }

    #[test]
    fn a_task_for_an_agency_waits_for_its_staff_and_a_head_only_task_for_its_head() {
        let anyone = Assignee::Agency {
            agency: code("ps"),
            role: None,
        };
        let head_only = Assignee::Agency {
            agency: code("ps"),
            role: Some(Role::AgencyHead),
        };
        let officer = person(1, Role::AgencyOfficer, Some("ps"));
        let head = person(2, Role::AgencyHead, Some("ps"));
        let other = person(3, Role::AgencyOfficer, Some("tr"));
        let office = person(4, Role::Office, None);
        assert!(anyone.includes(&officer) && anyone.includes(&head));
        assert!(!anyone.includes(&other) && !anyone.includes(&office));
        assert!(head_only.includes(&head) && !head_only.includes(&officer));
        // A person who has moved to another agency is no longer among those it waits for.
        assert!(!Assignee::Account(AccountId(9)).includes(&officer));
        assert!(Assignee::Office.includes(&office));
        assert!(!Assignee::Office.includes(&Actor::Public));
    }

    #[test]
    fn an_overdue_task_reaches_the_head_at_the_head_step_and_the_office_and_leaders_at_the_last() {
        let mut task = Task {
            kind: TaskKind::Rectify,
            assignee: Assignee::Agency {
                agency: code("ps"),
                role: None,
            },
            agency: Some(code("ps")),
            due_at: at("2026-03-10T16:00:00Z"),
            level: Level::Reminded,
        };
        let officer = person(1, Role::AgencyOfficer, Some("ps"));
        let head = person(2, Role::AgencyHead, Some("ps"));
        let other_head = person(3, Role::AgencyHead, Some("tr"));
        let office = person(4, Role::Office, None);
        let leader = person(5, Role::CommandLeader, None);
        let county = person(6, Role::CountyGovernment, None);
        assert!(task.reaches(&officer) && task.reaches(&head));
        assert!(!task.reaches(&office) && !task.reaches(&leader) && !task.reaches(&other_head));
        task.level = Level::Office;
        assert!(task.reaches(&office) && task.reaches(&leader));
        assert!(!task.reaches(&other_head) && !task.reaches(&county));

        // A head-only task never reaches the agency's officers: they are not told of their head's delays.
        let head_task = Task {
            assignee: Assignee::Agency {
                agency: code("ps"),
                role: Some(Role::AgencyHead),
            },
            level: Level::Head,
            ..task.clone()
        };
        assert!(head_task.reaches(&head) && !head_task.reaches(&officer));

        // A verifier's own task climbs to the head of the verifier's agency.
        let verifier_task = Task {
            assignee: Assignee::Account(AccountId(1)),
            level: Level::Head,
            ..task.clone()
        };
        assert!(verifier_task.reaches(&officer) && verifier_task.reaches(&head));
        assert!(!verifier_task.reaches(&person(7, Role::AgencyOfficer, Some("ps"))));
    }

    #[test]
    fn every_kind_of_task_ends_with_the_office_and_the_leaders() {
        use strum::IntoEnumIterator;
        let clocks = Clocks::default();
        let due = end_of_day(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        for kind in TaskKind::iter() {
            let ladder = kind.ladder(&clocks);
            assert_eq!(
                ladder.level_at(due, at("2026-04-30T00:00:00Z")),
                Level::Office,
                "{kind:?}"
            );
            assert_eq!(ladder.next_step_at(due, Level::Office), None, "{kind:?}");
        }
    }

    #[test]
    fn the_referral_clocks_climb_fast_and_a_flag_is_the_leaders_from_the_start() {
        let clocks = Clocks::default();
        let due = end_of_day(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        // The 24-hour transfer: reminded two hours before, the head the moment it passes, the office a
        // day later.
        let transfer = TaskKind::TransferReferral.ladder(&clocks);
        let at_due = at("2026-03-10T16:00:00Z");
        assert_eq!(transfer.level_at(at_due, at("2026-03-10T13:59:59Z")), Level::Open);
        assert_eq!(
            transfer.level_at(at_due, at("2026-03-10T14:00:00Z")),
            Level::Reminded
        );
        assert_eq!(transfer.level_at(at_due, at_due), Level::Head);
        assert_eq!(
            transfer.level_at(at_due, at("2026-03-11T16:00:00Z")),
            Level::Office
        );
        // The receiving body's and the agency's 3-day steps: the head a day late, the office two.
        for kind in [
            TaskKind::AcknowledgeReferral,
            TaskKind::FileReferral,
            TaskKind::AskReferral,
            TaskKind::ExplainReferral,
            TaskKind::HandOverReferral,
        ] {
            let ladder = kind.ladder(&clocks);
            assert_eq!(
                ladder.level_at(due, at("2026-03-09T16:00:00Z")),
                Level::Reminded,
                "{kind:?}"
            );
            assert_eq!(
                ladder.level_at(due, at("2026-03-11T15:59:59Z")),
                Level::Reminded,
                "{kind:?}"
            );
            assert_eq!(
                ladder.level_at(due, at("2026-03-11T16:00:00Z")),
                Level::Head,
                "{kind:?}"
            );
            assert_eq!(
                ladder.level_at(due, at("2026-03-12T16:00:00Z")),
                Level::Office,
                "{kind:?}"
            );
        }
        // The head's own decisions (a referral, the procuratorate's opinion): the office when the day
        // passes.
        for kind in [TaskKind::DecideReferral, TaskKind::AnswerOpinion] {
            let ladder = kind.ladder(&clocks);
            assert_eq!(
                ladder.level_at(due, at("2026-03-10T15:59:59Z")),
                Level::Reminded,
                "{kind:?}"
            );
            assert_eq!(ladder.level_at(due, due), Level::Office, "{kind:?}");
        }
        // A flag due in five days is with the office and the leaders from the moment it is raised.
        let flag = TaskKind::DisposeFlag.ladder(&clocks);
        let raised = at("2026-03-05T08:00:00Z");
        assert_eq!(flag.level_at(due, raised), Level::Office);
        assert_eq!(flag.next_step_at(due, Level::Office), None);
    }

    #[test]
    fn a_task_kind_round_trips_through_its_code() {
        use strum::IntoEnumIterator;
        for kind in TaskKind::iter() {
            assert_eq!(TaskKind::parse(kind.as_str()), Ok(kind));
        }
        for level in Level::iter() {
            assert_eq!(Level::from_i64(level.as_i64()), Some(level));
        }
        assert!(TaskKind::parse("finding.close").is_err());
    }
}
