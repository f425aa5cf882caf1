//! The workflow of a penalty case (WORKFLOW.md §4): 立案（调查取证）→ 告知 → [听证] → [法制审核] → 决定 →
//! 执行 → 结案, with the side steps of the investigation (the estimate, the appraisal, the restricted-area
//! mark) while it is open.
//!
//! ```text
//! 调查取证 ─告知─▶ 已告知 ─陈述申辩─▶ 听证 ─听证─▶ 法制审核 ─通过─▶ 待决定 ─决定(罚)─▶ 执行中 ─结案─▶ 已结案
//!    ▲                      └──────────────▶ 法制审核         │          └─决定(不罚)──────────────▶ 已结案
//!    └─────────────────────────────退回补充调查──────────────┘
//! ```
//!
//! Tasks: filing opens the head's 90-day decision (it climbs to the office and leaders the moment it
//! passes); the notice opens the defence period (counted in working days on the configured calendar);
//! the defence and the hearing open the next station's task (a hearing, a legal review); a penalty
//! decided opens its execution. Numbered documents: the notice and the decision.

use super::{Estimate, Penalty};
use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::{yuan_text, Problem};
use crate::ids::{CaseId, CompanyId, FindingId, MineId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::role::Role;
use crate::task::{end_of_day, local_date, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::{self, TaskTitle};
use crate::workflow::{
    Context, Created, DocumentKind, Event, HistoryEvent, Issuer, Moved, Refused, Rule, Standing, Target,
    TaskMove, Workflow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};

pub use super::CaseState;
use CaseState::*;

/// The event kinds that mark a case's mining as in a planned mining area, of a protected mineral or
/// in a no-mining area (the lower criminal threshold), and that clear the mark.
pub const RESTRICTED: &str = "restricted";
pub const UNRESTRICTED: &str = "unrestricted";

/// An officer of a case team, with the card held when the case was filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOfficer {
    pub account_id: AccountId,
    pub name: String,
    pub card_no: String,
}

/// A finding a case is about, as the case page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFinding {
    pub finding_id: FindingId,
    pub category_zh: String,
    pub description: String,
}

/// A penalty case with its team, findings and history.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: CaseId,
    pub case_no: String,
    pub agency: AgencyCode,
    pub mine_id: MineId,
    pub mine_name: String,
    pub mineral_of_mine: String,
    pub township: String,
    pub company_id: CompanyId,
    pub company_name: String,
    pub company_code: String,
    pub legal_rep: String,
    pub company_address: Option<String>,
    pub cause: String,
    pub major: bool,
    pub state: CaseState,
    pub filed_on: NaiveDate,
    pub decide_by_on: NaiveDate,
    pub filed_by_label: String,
    pub filed_at: DateTime<Utc>,
    /// The estimated value with the figures it was computed with.
    pub estimate: Option<Estimate>,
    pub estimate_mineral: Option<String>,
    pub estimate_basis: Option<String>,
    pub appraised_fen: Option<i64>,
    pub appraisal_note: Option<String>,
    pub facts: Option<String>,
    pub evidence: Option<String>,
    pub legal_basis: Option<String>,
    pub notice_no: Option<String>,
    pub served_on: Option<NaiveDate>,
    pub defence_ends_on: Option<NaiveDate>,
    pub proposed: Option<Penalty>,
    pub statement: Option<String>,
    pub waived: Option<bool>,
    pub hearing_requested: Option<bool>,
    pub hearing_on: Option<NaiveDate>,
    pub hearing_host_id: Option<AccountId>,
    pub hearing_host_label: Option<String>,
    pub hearing_record: Option<String>,
    pub reviewer_id: Option<AccountId>,
    pub reviewer_label: Option<String>,
    pub review_opinion: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub decision_no: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub decided_by_label: Option<String>,
    pub decided: Option<Penalty>,
    pub payment_due_on: Option<NaiveDate>,
    pub execution: Option<String>,
    pub paid_fen: Option<i64>,
    pub closed_on: Option<NaiveDate>,
    pub closed_by_label: Option<String>,
    pub team: Vec<CaseOfficer>,
    pub findings: Vec<CaseFinding>,
    pub events: Vec<HistoryEvent>,
}

impl Case {
    pub fn team_ids(&self) -> Vec<AccountId> {
        self.team.iter().map(|o| o.account_id).collect()
    }

    /// Whether its mining is marked as in a planned mining area, of a protected mineral or in a
    /// no-mining area: the latest mark decides.
    pub fn restricted(&self) -> bool {
        self.events
            .iter()
            .rev()
            .find(|e| e.kind == RESTRICTED || e.kind == UNRESTRICTED)
            .is_some_and(|e| e.kind == RESTRICTED)
    }

    /// The day the case was first valued (estimated or appraised): the 应移未移 clock starts there, and a
    /// later estimate does not restart it.
    pub fn valued_on(&self) -> Option<NaiveDate> {
        self.events
            .iter()
            .find(|e| e.kind == "estimate" || e.kind == "appraisal")
            .map(|e| local_date(e.at))
    }
}

/// A step of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum CaseStep {
    /// 估算价值 (volume × density × unit price; always an estimate).
    Estimate,
    /// 标记较低入罪标准 (or clear it).
    MarkRestricted,
    /// 附鉴定（认定）文书 — the only legal value.
    Appraisal,
    /// 送达行政处罚告知书.
    Notify,
    /// 记录陈述申辩.
    Defence,
    /// 记录听证.
    Hear,
    /// 法制审核通过.
    ReviewPass,
    /// 法制审核退回补充调查.
    ReviewReturn,
    /// 作出处罚决定 (or none).
    Decide,
    /// 结案.
    Close,
    /// 采取强制措施 — a measure is a record of its own, taken on an open case by its head.
    TakeMeasure,
    /// 报请移送 — a referral is a record of its own, reported from a case (open or closed) by its team.
    Refer,
}

/// A case's step with its input (checked; the hearing's host is one of the agency's accounts).
#[derive(Debug, Clone, PartialEq)]
pub enum CaseCommand {
    Estimate {
        estimate: Estimate,
        mineral: String,
        basis: String,
    },
    MarkRestricted {
        restricted: bool,
        basis: String,
    },
    Appraisal {
        value_fen: i64,
        note: String,
    },
    Notify {
        facts: String,
        evidence: String,
        legal_basis: String,
        proposed: Penalty,
        served_on: NaiveDate,
    },
    Defence {
        statement: Option<String>,
        waived: bool,
        hearing: bool,
    },
    Hear {
        held_on: NaiveDate,
        host: AccountId,
        host_name: String,
        record: String,
    },
    ReviewPass {
        opinion: String,
    },
    ReviewReturn {
        opinion: String,
    },
    Decide {
        penalty: Penalty,
    },
    Close {
        execution: String,
        paid_fen: Option<i64>,
    },
}

/// The penalty case's workflow.
#[derive(Debug, Clone, Copy)]
pub struct CaseFlow;

/// The states a case is open in.
const OPEN: &[CaseState] = &[Investigating, Notified, Hearing, Reviewing, Deciding, Executing];

impl CaseFlow {
    /// A task of the case's agency (or of its head), due at the end of `due_on`.
    fn task(c: &Case, kind: TaskKind, role: Option<Role>, due_on: NaiveDate) -> Task {
        Task {
            kind,
            assignee: Assignee::Agency {
                agency: c.agency.clone(),
                role,
            },
            agency: Some(c.agency.clone()),
            due_at: end_of_day(due_on),
            level: Level::Open,
        }
    }

    /// The task of the station a case has just reached (a hearing or a legal review).
    fn station(c: &Case, next: CaseState, ctx: &Context<'_>) -> Option<TaskMove> {
        let rules = ctx.rules.cases;
        let (kind, days) = match next {
            Hearing => (TaskKind::CaseHearing, rules.hearing_within_days),
            Reviewing => (TaskKind::CaseReview, rules.review_within_days),
            _ => return None,
        };
        Some(TaskMove::Open(Self::task(
            c,
            kind,
            None,
            ctx.today + Duration::days(days),
        )))
    }
}

/// The legal review's conclusion: on to the decision, or back to investigation (a new notice follows).
fn reviewed(mut next: Case, pass: bool, opinion: String, ctx: &Context<'_>) -> Moved<Case> {
    next.state = if pass { Deciding } else { Investigating };
    next.reviewer_id = ctx.by.account;
    next.reviewer_label = Some(ctx.by.label.clone());
    next.review_opinion = Some(opinion.clone());
    next.reviewed_at = Some(ctx.now);
    let kind = if pass { "review_pass" } else { "review_return" };
    Moved::to(next, AuditAction::CaseReview)
        .event(Event::new(kind).note(opinion))
        .task(done(TaskKind::CaseReview))
}

fn done(kind: TaskKind) -> TaskMove {
    TaskMove::Close {
        kind,
        outcome: Outcome::Done,
    }
}

impl Workflow for CaseFlow {
    const RECORD: RecordType = RecordType::PenaltyCase;
    type State = CaseState;
    type Step = CaseStep;
    type Id = CaseId;
    type Record = Case;
    type Command = CaseCommand;

    fn id(c: &Case) -> CaseId {
        c.id
    }

    fn state(c: &Case) -> CaseState {
        c.state
    }

    fn standing(state: CaseState) -> Standing {
        match state {
            Investigating => Standing::Neutral,
            Notified | Hearing | Reviewing | Deciding | Executing => Standing::Waiting,
            Closed => Standing::Settled,
        }
    }

    fn resource(c: &Case) -> Resource {
        Resource::Case {
            agency: c.agency.clone(),
            team: c.team_ids(),
        }
    }

    fn mine(c: &Case) -> Option<MineId> {
        Some(c.mine_id)
    }

    /// The case's number and, by its station, what is awaited.
    fn task_title(c: &Case) -> TaskTitle {
        let case_no = c.case_no.clone();
        match c.state {
            Investigating => TaskTitle::CaseInvestigate {
                case_no,
                cause: task_title::short(&c.cause),
            },
            Notified => TaskTitle::CaseStatement { case_no },
            Hearing => TaskTitle::CaseHearing { case_no },
            Reviewing => TaskTitle::CaseReview { case_no },
            Deciding => TaskTitle::CaseDecide {
                case_no,
                cause: task_title::short(&c.cause),
            },
            Executing | Closed => TaskTitle::CaseExecute {
                number: c.decision_no.clone().unwrap_or(case_no),
            },
        }
    }

    fn issuer(c: &Case) -> Issuer {
        Issuer::Agency(c.agency.clone())
    }

    /// Filed by its head: the 90-day decision is the head's from the start.
    fn created(c: &Case, _: &crate::workflow::Rules<'_>) -> Created {
        Created {
            events: vec![Event::new("file").note(format!("{}，决定期限至 {}", c.case_no, c.decide_by_on))],
            audit: AuditAction::CaseFile,
            audit_note: None,
            tasks: vec![Self::task(
                c,
                TaskKind::CaseDecide,
                Some(Role::AgencyHead),
                c.decide_by_on,
            )],
        }
    }

    fn rule(step: CaseStep) -> Rule<Self> {
        use Action::{DecideCase, ReviewCase, WorkCase};
        use TaskKind::*;
        let rule = Rule::new;
        match step {
            CaseStep::Estimate | CaseStep::MarkRestricted | CaseStep::Appraisal => {
                rule(OPEN, Target::Stay, WorkCase).serves(&[CaseDecide])
            }
            CaseStep::Notify => rule(&[Investigating], Target::To(Notified), WorkCase)
                .opens(&[CaseDefence])
                .serves(&[CaseDecide])
                .document(DocumentKind::PenaltyNotice),
            CaseStep::Defence => rule(
                &[Notified],
                Target::OneOf(&[Hearing, Reviewing, Deciding]),
                WorkCase,
            )
            .closes(&[CaseDefence])
            .opens(&[CaseHearing, CaseReview])
            .serves(&[CaseDecide]),
            CaseStep::Hear => rule(&[Hearing], Target::To(Reviewing), WorkCase)
                .closes(&[CaseHearing])
                .opens(&[CaseReview])
                .serves(&[CaseDecide]),
            CaseStep::ReviewPass => rule(&[Reviewing], Target::To(Deciding), ReviewCase)
                .closes(&[CaseReview])
                .serves(&[CaseDecide]),
            CaseStep::ReviewReturn => rule(&[Reviewing], Target::To(Investigating), ReviewCase)
                .closes(&[CaseReview])
                .serves(&[CaseDecide]),
            CaseStep::Decide => rule(&[Deciding], Target::OneOf(&[Executing, Closed]), DecideCase)
                .closes(&[CaseDecide])
                .opens(&[CaseExecute])
                .document(DocumentKind::PenaltyDecision),
            CaseStep::Close => rule(&[Executing], Target::To(Closed), DecideCase).closes(&[CaseExecute]),
            CaseStep::TakeMeasure => rule(OPEN, Target::Stay, Action::TakeMeasure),
            // A closed case may still have to be referred (a fine instead of a referral is 以罚代刑).
            CaseStep::Refer => rule(&CaseState::ALL, Target::Stay, Action::ReferCase),
        }
    }

    /// A decision leads to 执行中, or straight to 已结案 when nothing is imposed; sent on a closed case it
    /// is out of place, not "already done".
    fn guard(c: &Case, step: CaseStep, _today: NaiveDate) -> Result<(), Refused> {
        match (step, c.state) {
            (CaseStep::Decide, Closed) => Err(Problem::WrongState {
                state: Closed.label_zh().into(),
                step: Self::step_label(step).into(),
            }
            .into()),
            _ => Ok(()),
        }
    }

    fn step_of(command: &CaseCommand) -> CaseStep {
        match command {
            CaseCommand::Estimate { .. } => CaseStep::Estimate,
            CaseCommand::MarkRestricted { .. } => CaseStep::MarkRestricted,
            CaseCommand::Appraisal { .. } => CaseStep::Appraisal,
            CaseCommand::Notify { .. } => CaseStep::Notify,
            CaseCommand::Defence { .. } => CaseStep::Defence,
            CaseCommand::Hear { .. } => CaseStep::Hear,
            CaseCommand::ReviewPass { .. } => CaseStep::ReviewPass,
            CaseCommand::ReviewReturn { .. } => CaseStep::ReviewReturn,
            CaseCommand::Decide { .. } => CaseStep::Decide,
            CaseCommand::Close { .. } => CaseStep::Close,
        }
    }

    fn apply(c: &Case, command: CaseCommand, ctx: &Context<'_>) -> Result<Moved<Case>, Refused> {
        let rules = ctx.rules.cases;
        let mut next = c.clone();
        match command {
            CaseCommand::Estimate {
                estimate,
                mineral,
                basis,
            } => {
                let note = format!(
                    "{} m³ × {} t/m³ × {} 元/t = {} 元（{}）",
                    estimate.volume_m3,
                    estimate.density_t_m3,
                    yuan_text(estimate.price_fen_t),
                    yuan_text(estimate.value_fen),
                    super::ESTIMATE_LABEL
                );
                next.estimate = Some(estimate);
                next.estimate_mineral = Some(mineral);
                next.estimate_basis = Some(basis);
                Ok(Moved::to(next, AuditAction::CaseEstimate).event(Event::new("estimate").note(note)))
            }
            CaseCommand::MarkRestricted { restricted, basis } => {
                if c.restricted() == restricted {
                    let state = if restricted {
                        "适用较低标准"
                    } else {
                        "适用一般标准"
                    };
                    return Err(Refused::at(
                        "restricted",
                        Problem::AlreadyDone { state: state.into() },
                    ));
                }
                let kind = if restricted { RESTRICTED } else { UNRESTRICTED };
                Ok(Moved::to(next, AuditAction::CaseEstimate).event(Event::new(kind).note(basis)))
            }
            CaseCommand::Appraisal { value_fen, note } => {
                let text = format!("{} 元 · {note}", yuan_text(value_fen));
                next.appraised_fen = Some(value_fen);
                next.appraisal_note = Some(note);
                Ok(Moved::to(next, AuditAction::CaseAppraisal).event(Event::new("appraisal").note(text)))
            }
            CaseCommand::Notify {
                facts,
                evidence,
                legal_basis,
                proposed,
                served_on,
            } => {
                if served_on > ctx.today || served_on < c.filed_on {
                    return Err(Refused::at("served_on", Problem::Invalid));
                }
                let ends_on = rules
                    .defence_ends_on(served_on)
                    .map_err(|p| Refused::at("served_on", p))?;
                if proposed.is_none() {
                    return Err(Refused::at("kinds", Problem::NoPenalty));
                }
                let number = ctx.document.unwrap_or_default().to_string();
                let heavy = proposed.is_heavy(rules.heavy_fen);
                let note = format!(
                    "{number} · {}{}",
                    proposed.describe_zh(),
                    if heavy { "（告知听证权利）" } else { "" }
                );
                next.state = Notified;
                next.facts = Some(facts);
                next.evidence = Some(evidence);
                next.legal_basis = Some(legal_basis);
                next.notice_no = Some(number);
                next.served_on = Some(served_on);
                next.defence_ends_on = Some(ends_on);
                next.proposed = Some(proposed);
                next.statement = None;
                next.waived = None;
                next.hearing_requested = None;
                let defence = Self::task(c, TaskKind::CaseDefence, None, ends_on);
                Ok(Moved::to(next, AuditAction::CaseNotify)
                    .event(Event::new("notify").note(note).on(ends_on))
                    .task(TaskMove::Open(defence)))
            }
            CaseCommand::Defence {
                statement,
                waived,
                hearing,
            } => {
                let proposed = c.proposed.clone().unwrap_or_default();
                if hearing && !proposed.is_heavy(rules.heavy_fen) {
                    return Err(Refused::at("hearing", Problem::HearingNotAvailable));
                }
                let ends_on = c.defence_ends_on.unwrap_or(ctx.today);
                rules
                    .check_defence_time(ends_on, ctx.today, waived, hearing)
                    .map_err(|p| Refused::at("statement", p))?;
                let to = if hearing {
                    Hearing
                } else if rules.needs_review(&proposed, c.major) {
                    Reviewing
                } else {
                    Deciding
                };
                let note = format!(
                    "{}{}{}",
                    statement.as_deref().unwrap_or("当事人未提出陈述申辩"),
                    if waived { "（当事人书面放弃）" } else { "" },
                    if hearing { "；要求听证" } else { "" }
                );
                next.state = to;
                next.statement = statement;
                next.waived = Some(waived);
                next.hearing_requested = Some(hearing);
                let mut moved = Moved::to(next, AuditAction::CaseDefence)
                    .event(Event::new("defence").note(note))
                    .task(done(TaskKind::CaseDefence));
                if let Some(station) = Self::station(c, to, ctx) {
                    moved = moved.task(station);
                }
                Ok(moved)
            }
            CaseCommand::Hear {
                held_on,
                host,
                host_name,
                record,
            } => {
                if held_on > ctx.today || c.served_on.is_some_and(|s| held_on < s) {
                    return Err(Refused::at("held_on", Problem::Invalid));
                }
                if c.team_ids().contains(&host) {
                    return Err(Refused::at("host", Problem::HostOnCase));
                }
                next.state = Reviewing;
                next.hearing_on = Some(held_on);
                next.hearing_host_id = Some(host);
                next.hearing_host_label = Some(host_name.clone());
                next.hearing_record = Some(record);
                let mut moved = Moved::to(next, AuditAction::CaseHearing)
                    .event(
                        Event::new("hearing")
                            .note(format!("主持人 {host_name}"))
                            .on(held_on),
                    )
                    .task(done(TaskKind::CaseHearing));
                if let Some(station) = Self::station(c, Reviewing, ctx) {
                    moved = moved.task(station);
                }
                Ok(moved)
            }
            CaseCommand::ReviewPass { opinion } => Ok(reviewed(next, true, opinion, ctx)),
            CaseCommand::ReviewReturn { opinion } => Ok(reviewed(next, false, opinion, ctx)),
            CaseCommand::Decide { penalty } => {
                if let Some(what) = c.proposed.as_ref().and_then(|p| penalty.heavier_than(p)) {
                    return Err(Refused::at("kinds", Problem::HeavierThanNotice { what }));
                }
                let number = ctx.document.unwrap_or_default().to_string();
                let late = ctx.today > c.decide_by_on;
                let mut note = format!("{number} · {}", penalty.describe_zh());
                if late {
                    note.push_str(&format!("（超过 {} 的决定期限）", c.decide_by_on));
                }
                next.decision_no = Some(number);
                next.decided_on = Some(ctx.today);
                next.decided_by_label = Some(ctx.by.label.clone());
                let mut moved_tasks = vec![done(TaskKind::CaseDecide)];
                if penalty.is_none() {
                    next.state = Closed;
                    next.closed_on = Some(ctx.today);
                    next.closed_by_label = Some(ctx.by.label.clone());
                } else {
                    let due = ctx.today + Duration::days(rules.payment_days);
                    next.state = Executing;
                    next.payment_due_on = Some(due);
                    moved_tasks.push(TaskMove::Open(Self::task(c, TaskKind::CaseExecute, None, due)));
                }
                next.decided = Some(penalty);
                let mut moved = Moved::to(next, AuditAction::CaseDecide)
                    .event(Event::new("decide").note(note).on(ctx.today));
                moved.tasks = moved_tasks;
                Ok(moved)
            }
            CaseCommand::Close { execution, paid_fen } => {
                next.state = Closed;
                next.execution = Some(execution.clone());
                next.paid_fen = paid_fen;
                next.closed_on = Some(ctx.today);
                next.closed_by_label = Some(ctx.by.label.clone());
                Ok(Moved::to(next, AuditAction::CaseClose)
                    .event(Event::new("close").note(execution).on(ctx.today))
                    .task(done(TaskKind::CaseExecute)))
            }
        }
    }

    fn state_label(state: CaseState) -> &'static str {
        state.label_zh()
    }

    fn step_label(step: CaseStep) -> &'static str {
        match step {
            CaseStep::Estimate | CaseStep::MarkRestricted | CaseStep::Appraisal => "修改",
            CaseStep::Notify => "送达处罚告知书",
            CaseStep::Defence => "记录陈述申辩",
            CaseStep::Hear => "记录听证",
            CaseStep::ReviewPass | CaseStep::ReviewReturn => "法制审核",
            CaseStep::Decide => "作出处罚决定",
            CaseStep::Close => "结案",
            CaseStep::TakeMeasure => "采取强制措施",
            CaseStep::Refer => "报请移送",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{explore, rules, Exploration};
    use crate::workflow::{check, Signer};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn penalty(kinds: &[&str], fine: Option<i64>) -> Penalty {
        Penalty::parse(kinds, fine, None).unwrap()
    }

    fn case() -> Case {
        Case {
            id: CaseId(1),
            case_no: "自然资源和规划罚立〔2026〕1号".into(),
            agency: AgencyCode::parse("nr").unwrap(),
            mine_id: MineId(2),
            mine_name: "示例采石场".into(),
            mineral_of_mine: "建筑石料用灰岩".into(),
            township: "鹿寨镇".into(),
            company_id: CompanyId(3),
            company_name: "示例公司".into(),
            company_code: "91450223MA00000000".into(),
            legal_rep: "张三".into(),
            company_address: None,
            cause: "越界开采".into(),
            major: false,
            state: Investigating,
            filed_on: day(11, 2),
            decide_by_on: day(11, 2) + Duration::days(90),
            filed_by_label: "nr_head".into(),
            filed_at: DateTime::UNIX_EPOCH,
            estimate: None,
            estimate_mineral: None,
            estimate_basis: None,
            appraised_fen: None,
            appraisal_note: None,
            facts: None,
            evidence: None,
            legal_basis: None,
            notice_no: None,
            served_on: None,
            defence_ends_on: None,
            proposed: None,
            statement: None,
            waived: None,
            hearing_requested: None,
            hearing_on: None,
            hearing_host_id: None,
            hearing_host_label: None,
            hearing_record: None,
            reviewer_id: None,
            reviewer_label: None,
            review_opinion: None,
            reviewed_at: None,
            decision_no: None,
            decided_on: None,
            decided_by_label: None,
            decided: None,
            payment_due_on: None,
            execution: None,
            paid_fen: None,
            closed_on: None,
            closed_by_label: None,
            team: vec![CaseOfficer {
                account_id: AccountId(5),
                name: "干部5".into(),
                card_no: "45005".into(),
            }],
            findings: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Valid commands for each step: a light and a heavy notice, a defence with and without a hearing
    /// (waived, so that it need not wait for the period), both reviews, a penalty and none.
    fn commands(step: CaseStep, c: &Case) -> Vec<CaseCommand> {
        let heavy = c
            .proposed
            .as_ref()
            .is_some_and(|p| p.is_heavy(rules().cases.heavy_fen));
        match step {
            CaseStep::Estimate => Vec::new(),
            CaseStep::MarkRestricted => vec![CaseCommand::MarkRestricted {
                restricted: !c.restricted(),
                basis: "位于规划矿区".into(),
            }],
            CaseStep::Appraisal => Vec::new(),
            CaseStep::Notify => vec![
                CaseCommand::Notify {
                    facts: "事实".into(),
                    evidence: "证据".into(),
                    legal_basis: "《矿产资源法》".into(),
                    proposed: penalty(&["warning"], None),
                    served_on: day(11, 20),
                },
                CaseCommand::Notify {
                    facts: "事实".into(),
                    evidence: "证据".into(),
                    legal_basis: "《矿产资源法》".into(),
                    proposed: penalty(&["suspension"], None),
                    served_on: day(11, 20),
                },
            ],
            CaseStep::Defence => {
                let mut out = vec![CaseCommand::Defence {
                    statement: None,
                    waived: true,
                    hearing: false,
                }];
                if heavy {
                    out.push(CaseCommand::Defence {
                        statement: Some("要求听证".into()),
                        waived: false,
                        hearing: true,
                    });
                }
                out
            }
            CaseStep::Hear => vec![CaseCommand::Hear {
                held_on: day(11, 25),
                host: AccountId(9),
                host_name: "主持人".into(),
                record: "听证笔录".into(),
            }],
            CaseStep::ReviewPass => vec![CaseCommand::ReviewPass {
                opinion: "同意".into(),
            }],
            CaseStep::ReviewReturn => vec![CaseCommand::ReviewReturn {
                opinion: "补充调查".into(),
            }],
            CaseStep::Decide => vec![
                CaseCommand::Decide {
                    penalty: c.proposed.clone().unwrap_or_default(),
                },
                CaseCommand::Decide {
                    penalty: penalty(&["none"], None),
                },
            ],
            CaseStep::Close => vec![CaseCommand::Close {
                execution: "已执行".into(),
                paid_fen: None,
            }],
            // Records of their own: only checked.
            CaseStep::TakeMeasure | CaseStep::Refer => Vec::new(),
        }
    }

    #[test]
    fn a_case_passes_every_station_its_facts_call_for_with_its_clocks() {
        let by = Signer {
            account: Some(AccountId(6)),
            label: "nr_head".into(),
        };
        let visited = explore(&Exploration::<CaseFlow> {
            starts: vec![case()],
            commands: &commands,
            ctx: Context {
                now: DateTime::UNIX_EPOCH,
                today: day(11, 30),
                by: &by,
                actor: &crate::policy::Actor::System,
                rules: rules(),
                document: Some("自然资源和规划罚告〔2026〕1号"),
            },
            depth: 7,
        });
        assert!(visited > 30, "{visited}");
    }

    #[test]
    fn the_party_is_heard_only_on_a_heavy_penalty_and_the_decision_is_never_heavier_than_the_notice() {
        let by = Signer {
            account: Some(AccountId(6)),
            label: "nr_head".into(),
        };
        let ctx = Context {
            now: DateTime::UNIX_EPOCH,
            today: day(11, 21),
            by: &by,
            actor: &crate::policy::Actor::System,
            rules: rules(),
            document: Some("自然资源和规划罚决〔2026〕1号"),
        };
        let mut notified = case();
        notified.state = Notified;
        notified.proposed = Some(penalty(&["warning"], None));
        notified.defence_ends_on = Some(day(11, 27));
        let refused = CaseFlow::apply(
            &notified,
            CaseCommand::Defence {
                statement: None,
                waived: false,
                hearing: true,
            },
            &ctx,
        )
        .unwrap_err();
        assert_eq!(refused, Refused::at("hearing", Problem::HearingNotAvailable));
        // Before the period ends, only a written waiver lets the case go on.
        let early = CaseFlow::apply(
            &notified,
            CaseCommand::Defence {
                statement: None,
                waived: false,
                hearing: false,
            },
            &ctx,
        )
        .unwrap_err();
        assert!(matches!(early.problem, Problem::DefencePeriodRunning { .. }));
        let mut deciding = notified.clone();
        deciding.state = Deciding;
        let heavier = CaseFlow::apply(
            &deciding,
            CaseCommand::Decide {
                penalty: penalty(&["fine"], Some(500_000)),
            },
            &ctx,
        )
        .unwrap_err();
        assert!(matches!(heavier.problem, Problem::HeavierThanNotice { .. }));
        // A step sent twice is already done; a decision on a closed case is the wrong state.
        assert!(matches!(
            check::<CaseFlow>(&notified, CaseStep::Notify, day(11, 21)),
            Err(Refused {
                problem: Problem::AlreadyDone { .. },
                ..
            })
        ));
        let mut closed = case();
        closed.state = Closed;
        assert!(matches!(
            check::<CaseFlow>(&closed, CaseStep::Decide, day(11, 21)),
            Err(Refused {
                problem: Problem::WrongState { .. },
                ..
            })
        ));
    }
}
