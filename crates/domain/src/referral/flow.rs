//! A referral's workflow ([`ReferralFlow`]): Order 310's steps from the team's report to the result,
//! with the reconsideration and supervision after a refusal to file, and the clock each state runs.
//!
//! Who takes a step: the head decides (never one of the team, the policy says); the receiving body
//! answers its own steps (`AnswerReferral`: a member agency in the platform, or the case team
//! recording an outside body's answers); the team takes the others. After a refusal to file the agency
//! asks for reconsideration once and for supervision once; under supervision the police explain once
//! and the procuratorate's notice to file comes once ([`ReferralFlow::guard`]).

use super::{clock_in, Due, Holder, Package, Receiver, RefState, RefStep};
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{CaseId, MineId, ReferralId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::role::Role;
use crate::task::{end_of_day, local_date, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::{self, TaskTitle};
use crate::workflow::{
    Context, Created, DocumentKind, Event, HistoryEvent, Issuer, Moved, Refused, Rule, Rules, Standing,
    Target, TaskMove, Workflow,
};
use crate::AccountId;
use chrono::{DateTime, NaiveDate, Utc};
use RefState::*;

/// A referral as stored, with its case's number, mine and party.
#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    pub id: ReferralId,
    pub case_id: CaseId,
    pub case_no: String,
    pub mine_id: MineId,
    pub mine_name: String,
    pub company_name: String,
    pub agency: AgencyCode,
    /// The case team when the referral was read (the policy's view: they refer and record).
    pub team: Vec<AccountId>,
    pub referral_no: Option<String>,
    pub receiver: Receiver,
    pub receiver_agency: Option<AgencyCode>,
    pub receiver_name: String,
    pub suspected: String,
    pub report: String,
    pub team_names: String,
    pub state: RefState,
    pub reported_by_label: String,
    pub reported_at: DateTime<Utc>,
    pub decided_by_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub items: Option<String>,
    pub no_appraisal_reason: Option<String>,
    pub transferred_at: Option<DateTime<Utc>>,
    pub package_sha256: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub police_case_no: Option<String>,
    pub reconsider_at: Option<DateTime<Utc>>,
    pub supervise_at: Option<DateTime<Utc>>,
    pub explained_at: Option<DateTime<Utc>>,
    pub ordered_on: Option<NaiveDate>,
    pub filed_on: Option<NaiveDate>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub result: Option<String>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub events: Vec<HistoryEvent>,
}

impl Referral {
    /// Whether the receiving body is outside the platform (the team records its answers).
    pub fn outside(&self) -> bool {
        self.receiver_agency.is_none()
    }

    /// What it has of the five documents, with the case's appraisal files (the letter and the case
    /// summary are always printed by the platform).
    pub fn package(&self, appraisal_files: usize) -> Package {
        Package {
            report: !self.report.trim().is_empty(),
            items: self.items.as_ref().is_some_and(|i| !i.trim().is_empty()),
            appraisal_files,
            no_appraisal_reason: self.no_appraisal_reason.clone(),
            other_files: 1,
        }
    }

    /// The referral with a transfer's documents, before the transfer is taken (the package is built
    /// from it).
    pub fn with_transfer(&self, items: &str, no_appraisal_reason: Option<&str>) -> Referral {
        Referral {
            items: Some(items.to_string()),
            no_appraisal_reason: no_appraisal_reason.map(str::to_string),
            ..self.clone()
        }
    }
}

/// The referral of a case still in progress, if any: one at a time.
pub fn in_progress(referrals: &[Referral]) -> Option<&Referral> {
    referrals.iter().find(|r| !r.state.ended())
}

/// What a transfer carries besides its note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The items list ("无" when there are none).
    pub items: String,
    pub no_appraisal_reason: Option<String>,
    /// The case's appraisal files.
    pub appraisal_files: usize,
    /// The SHA-256 of the package built for it.
    pub package_sha256: String,
}

/// A step with what the user gave for it. `note` is the reason, the explanation or the result for
/// the steps that need one ([`RefStep::needs_text`]), a note otherwise (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralCommand {
    pub step: RefStep,
    pub note: String,
    /// The transfer's documents.
    pub transfer: Option<Transfer>,
    /// Scans attached to the step (an outside body's receipt).
    pub scans: usize,
    /// The receiver's case number when it files (立案决定书文号).
    pub police_case_no: Option<String>,
}

impl ReferralCommand {
    /// A step with a note only.
    pub fn new(step: RefStep, note: impl Into<String>) -> Self {
        Self {
            step,
            note: note.into(),
            transfer: None,
            scans: 0,
            police_case_no: None,
        }
    }
}

/// The referral's workflow (Order 310). See the module's documentation.
#[derive(Debug, Clone, Copy)]
pub struct ReferralFlow;

impl ReferralFlow {
    /// Who holds a clock: the head, the referring agency, or the receiving member agency (the
    /// referring agency for an outside body, which it records the answers of).
    fn assignee(r: &Referral, holder: Holder) -> (AgencyCode, Option<Role>) {
        match (holder, &r.receiver_agency) {
            (Holder::Head, _) => (r.agency.clone(), Some(Role::AgencyHead)),
            (Holder::Receiver, Some(receiver)) => (receiver.clone(), None),
            (Holder::Agency | Holder::Receiver, _) => (r.agency.clone(), None),
        }
    }

    /// The task of the clock running in `state` (reached at `at`, on `today`), if one runs.
    fn clock(
        r: &Referral,
        state: RefState,
        at: DateTime<Utc>,
        today: NaiveDate,
        rules: &Rules<'_>,
    ) -> Option<Task> {
        let (kind, holder) = clock_in(state)?;
        let due = rules.referrals.due_in(state, at, today)?;
        Some(Self::task(r, kind, holder, due))
    }

    fn task(r: &Referral, kind: TaskKind, holder: Holder, due: Due) -> Task {
        let (agency, role) = Self::assignee(r, holder);
        Task {
            kind,
            assignee: Assignee::Agency {
                agency: agency.clone(),
                role,
            },
            agency: Some(agency),
            due_at: match due {
                Due::Day(day) => end_of_day(day),
                Due::At(at) => at,
            },
            level: Level::Open,
        }
    }
}

/// Writes `head` and then the note, when there is one, with a separator.
fn joined(head: &str, note: &str, separator: &str) -> String {
    match (head.is_empty(), note.is_empty()) {
        (_, true) => head.to_string(),
        (true, false) => note.to_string(),
        (false, false) => format!("{head}{separator}{note}"),
    }
}

impl Workflow for ReferralFlow {
    const RECORD: RecordType = RecordType::Referral;
    type State = RefState;
    type Step = RefStep;
    type Id = ReferralId;
    type Record = Referral;
    type Command = ReferralCommand;

    fn id(r: &Referral) -> ReferralId {
        r.id
    }

    fn state(r: &Referral) -> RefState {
        r.state
    }

    fn standing(state: RefState) -> Standing {
        match state {
            Filed | HandedOver | Concluded => Standing::Settled,
            Refused | Declined | Dropped => Standing::Adverse,
            Reported | Approved | Transferred | Received | Reconsidering | Supervised => Standing::Waiting,
        }
    }

    fn resource(r: &Referral) -> Resource {
        Resource::Referral {
            agency: r.agency.clone(),
            team: r.team.clone(),
            receiver: r.receiver_agency.clone(),
        }
    }

    fn mine(r: &Referral) -> Option<MineId> {
        Some(r.mine_id)
    }

    fn task_title(r: &Referral) -> TaskTitle {
        TaskTitle::Referral {
            case_no: r.case_no.clone(),
            receiver: r.receiver_name.clone(),
            suspected: task_title::short(&r.suspected),
        }
    }

    fn issuer(r: &Referral) -> Issuer {
        Issuer::Agency(r.agency.clone())
    }

    /// Reported: the head's 3 days start.
    fn created(r: &Referral, rules: &Rules<'_>) -> Created {
        let event = Event::new("reported").facts(&[
            ("receiver", r.receiver_name.clone()),
            ("suspected", r.suspected.clone()),
            ("team", r.team_names.clone()),
        ]);
        Created {
            events: vec![event],
            audit: AuditAction::ReferralReport,
            audit_note: None,
            tasks: Self::clock(r, Reported, r.reported_at, local_date(r.reported_at), rules)
                .into_iter()
                .collect(),
        }
    }

    fn rule(step: RefStep) -> Rule<Self> {
        use TaskKind::*;
        let action = match step {
            RefStep::Approve | RefStep::Refuse => Action::DecideReferral,
            s if s.receivers() => Action::AnswerReferral,
            _ => Action::ReferCase,
        };
        let rule = |from, to, closes, opens| Rule::new(from, to, action).closes(closes).opens(opens);
        match step {
            RefStep::Approve => rule(
                &[Reported],
                Target::To(Approved),
                &[DecideReferral],
                &[TransferReferral],
            )
            .document(DocumentKind::Referral),
            RefStep::Refuse => rule(&[Reported], Target::To(Refused), &[DecideReferral], &[]),
            RefStep::Transfer => rule(
                &[Approved],
                Target::To(Transferred),
                &[TransferReferral],
                &[AcknowledgeReferral],
            ),
            RefStep::Acknowledge => rule(
                &[Transferred],
                Target::To(Received),
                &[AcknowledgeReferral],
                &[FileReferral],
            ),
            RefStep::File => rule(
                &[Received, Reconsidering, Supervised],
                Target::To(Filed),
                &[FileReferral, ExplainReferral],
                &[HandOverReferral],
            ),
            RefStep::Decline => rule(
                &[Received, Reconsidering],
                Target::To(Declined),
                &[FileReferral],
                &[AskReferral],
            ),
            RefStep::Reconsider => rule(
                &[Declined],
                Target::To(Reconsidering),
                &[AskReferral],
                &[FileReferral],
            ),
            RefStep::Supervise => rule(
                &[Declined],
                Target::To(Supervised),
                &[AskReferral],
                &[ExplainReferral],
            ),
            RefStep::Accept => rule(&[Declined], Target::To(Dropped), &[AskReferral], &[]),
            RefStep::Explain => rule(&[Supervised], Target::Stay, &[ExplainReferral], &[]),
            // The procuratorate's notice to file starts the police's 15 days.
            RefStep::Order => rule(&[Supervised], Target::Stay, &[ExplainReferral], &[FileReferral]),
            RefStep::Uphold => rule(
                &[Supervised],
                Target::To(Dropped),
                &[ExplainReferral, FileReferral],
                &[],
            ),
            RefStep::HandOver => rule(&[Filed], Target::To(HandedOver), &[HandOverReferral], &[]),
            RefStep::Feedback => rule(&[HandedOver], Target::To(Concluded), &[], &[]),
        }
    }

    /// Each request after a refusal to file, the explanation and the notice to file come once.
    fn guard(r: &Referral, step: RefStep, _today: NaiveDate) -> Result<(), Refused> {
        let asked = match (r.state, step) {
            (Declined, RefStep::Reconsider) => r.reconsider_at.is_some(),
            (Declined, RefStep::Supervise) => r.supervise_at.is_some(),
            (Supervised, RefStep::Explain) => r.explained_at.is_some(),
            (Supervised, RefStep::Order) => r.ordered_on.is_some(),
            _ => false,
        };
        if asked {
            return Err(Problem::AlreadyAsked {
                what: step.label_zh().to_string(),
            }
            .into());
        }
        Ok(())
    }

    fn step_of(command: &ReferralCommand) -> RefStep {
        command.step
    }

    fn apply(r: &Referral, command: ReferralCommand, ctx: &Context<'_>) -> Result<Moved<Referral>, Refused> {
        let (now, today) = (ctx.now, ctx.today);
        let step = command.step;
        let to = match Self::rule(step).to {
            Target::To(state) => state,
            Target::Stay | Target::OneOf(_) => r.state,
        };
        let note = command.note;
        let mut next = r.clone();
        next.state = to;
        let mut text = note.clone();
        let mut tasks: Vec<TaskMove> = Vec::new();
        match step {
            RefStep::Approve | RefStep::Refuse => {
                next.decided_by_label = Some(ctx.by.label.clone());
                next.decided_at = Some(now);
                if step == RefStep::Refuse {
                    next.refusal_reason = Some(note.clone());
                } else {
                    let number = ctx.document.unwrap_or_default().to_string();
                    text = joined(&number, &note, " ");
                    next.referral_no = Some(number);
                }
            }
            RefStep::Transfer => {
                let Some(transfer) = command.transfer else {
                    return Err(Refused::at("items", Problem::Required));
                };
                next.items = Some(transfer.items);
                next.no_appraisal_reason = transfer.no_appraisal_reason;
                next.package(transfer.appraisal_files)
                    .check()
                    .map_err(|p| Refused::at("items", p))?;
                next.transferred_at = Some(now);
                next.package_sha256 = Some(transfer.package_sha256);
                text = joined(&format!("五项材料齐全，移送{}", r.receiver_name), &note, "；");
            }
            RefStep::Acknowledge => {
                // An outside body's receipt is its scan.
                if r.outside() && command.scans == 0 {
                    return Err(Refused::at("files", Problem::Required));
                }
                next.received_at = Some(now);
            }
            RefStep::File => {
                let Some(no) = command.police_case_no.filter(|n| !n.trim().is_empty()) else {
                    return Err(Refused::at("police_case_no", Problem::Required));
                };
                text = joined(&no, &note, " ");
                next.police_case_no = Some(no);
                next.filed_on = Some(today);
            }
            RefStep::Reconsider => next.reconsider_at = Some(now),
            RefStep::Supervise => next.supervise_at = Some(now),
            RefStep::Explain => next.explained_at = Some(now),
            RefStep::Order => {
                next.ordered_on = Some(today);
                let due = Due::Day(ctx.rules.referrals.ordered_file_by(today));
                tasks.push(TaskMove::Open(Self::task(
                    r,
                    TaskKind::FileReferral,
                    Holder::Receiver,
                    due,
                )));
            }
            RefStep::HandOver => next.handed_over_at = Some(now),
            RefStep::Feedback => {
                next.result = Some(note.clone());
                next.concluded_at = Some(now);
            }
            RefStep::Decline | RefStep::Accept | RefStep::Uphold => {}
        }
        // The clocks: the step fulfils the old state's task and starts the new state's (the
        // procuratorate's notice starts its own, above).
        let mut moves: Vec<TaskMove> = Self::rule(step)
            .closes
            .iter()
            .map(|kind| TaskMove::Close {
                kind: *kind,
                outcome: Outcome::Done,
            })
            .collect();
        if to != r.state {
            moves.extend(Self::clock(&next, to, now, today, &ctx.rules).map(TaskMove::Open));
        }
        moves.extend(tasks);
        let mut event = Event::new(step.as_str()).on(today);
        if !text.is_empty() {
            event = event.note(text);
        }
        let mut moved = Moved::to(next, AuditAction::ReferralStep).event(event);
        moved.tasks = moves;
        Ok(moved)
    }

    fn state_label(state: RefState) -> &'static str {
        state.label_zh()
    }

    fn step_label(step: RefStep) -> &'static str {
        step.label_zh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{explore, rules, Exploration};
    use crate::workflow::{check, Signer};
    use chrono::TimeZone;

    fn referral(receiver: Option<&str>) -> Referral {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, 30, 0).unwrap();
        Referral {
            id: ReferralId(1),
            case_id: CaseId(1),
            case_no: "自然资源和规划罚立〔2026〕1号".into(),
            mine_id: MineId(1),
            mine_name: "示例采石场".into(),
            company_name: "示例公司".into(),
            agency: AgencyCode::parse("nr").unwrap(),
            team: vec![AccountId(1), AccountId(2)],
            referral_no: None,
            receiver: if receiver.is_some() {
                Receiver::PublicSecurity
            } else {
                Receiver::Procuratorate
            },
            receiver_agency: receiver.map(|c| AgencyCode::parse(c).unwrap()),
            receiver_name: "公安局".into(),
            suspected: "非法采矿罪".into(),
            report: "经查……".into(),
            team_names: "甲、乙".into(),
            state: Reported,
            reported_by_label: "甲".into(),
            reported_at: at,
            decided_by_label: None,
            decided_at: None,
            refusal_reason: None,
            items: None,
            no_appraisal_reason: None,
            transferred_at: None,
            package_sha256: None,
            received_at: None,
            police_case_no: None,
            reconsider_at: None,
            supervise_at: None,
            explained_at: None,
            ordered_on: None,
            filed_on: None,
            handed_over_at: None,
            result: None,
            concluded_at: None,
            events: Vec::new(),
        }
    }

    fn command(step: RefStep) -> ReferralCommand {
        ReferralCommand {
            transfer: (step == RefStep::Transfer).then(|| Transfer {
                items: "挖掘机一台".into(),
                no_appraisal_reason: None,
                appraisal_files: 1,
                package_sha256: "ab".into(),
            }),
            scans: 1,
            police_case_no: (step == RefStep::File).then(|| "公立〔2026〕9号".into()),
            ..ReferralCommand::new(step, "理由")
        }
    }

    fn signer() -> Signer {
        Signer {
            account: Some(AccountId(3)),
            label: "局长".into(),
        }
    }

    fn ctx<'a>(by: &'a Signer, actor: &'a crate::Actor) -> Context<'a> {
        Context {
            now: Utc.with_ymd_and_hms(2026, 3, 2, 1, 30, 0).unwrap(),
            today: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            by,
            actor,
            rules: rules(),
            document: Some("自然资源和规划移〔2026〕1号"),
        }
    }

    /// Takes steps one after another, as the kernel would (checked first).
    fn walk(mut r: Referral, steps: &[RefStep]) -> Result<Referral, Refused> {
        let (by, actor) = (signer(), crate::Actor::System);
        let ctx = ctx(&by, &actor);
        for step in steps {
            check::<ReferralFlow>(&r, *step, ctx.today)?;
            r = ReferralFlow::apply(&r, command(*step), &ctx)?.record;
        }
        Ok(r)
    }

    #[test]
    fn every_referral_walks_by_its_rules_with_a_clock_in_every_waiting_state() {
        let (by, actor) = (signer(), crate::Actor::System);
        let commands = |step: RefStep, _: &Referral| vec![command(step)];
        let visited = explore(&Exploration::<ReferralFlow> {
            starts: vec![referral(Some("ps")), referral(None)],
            commands: &commands,
            ctx: ctx(&by, &actor),
            depth: 9,
        });
        assert!(visited > 40, "{visited}");
    }

    #[test]
    fn the_happy_path_runs_from_report_to_result() {
        use RefStep::*;
        let r = walk(
            referral(Some("ps")),
            &[Approve, Transfer, Acknowledge, File, HandOver, Feedback],
        )
        .unwrap();
        assert_eq!(r.state, Concluded);
        assert!(r.state.ended() && r.state.referred());
        assert_eq!(r.referral_no.as_deref(), Some("自然资源和规划移〔2026〕1号"));
        assert_eq!(r.police_case_no.as_deref(), Some("公立〔2026〕9号"));
    }

    #[test]
    fn a_refusal_may_be_challenged_once_each_way() {
        use RefStep::*;
        let declined = walk(referral(Some("ps")), &[Approve, Transfer, Acknowledge, Decline]).unwrap();
        assert_eq!(declined.state, Declined);
        let reconsidered = walk(declined.clone(), &[Reconsider, Decline]).unwrap();
        assert_eq!(reconsidered.state, Declined);
        assert_eq!(
            walk(reconsidered.clone(), &[Reconsider]).unwrap_err().problem,
            Problem::AlreadyAsked {
                what: "提请复议".into()
            }
        );
        assert_eq!(walk(reconsidered.clone(), &[Accept]).unwrap().state, Dropped);
        // Under supervision the police explain once, may be told to file once, file or have the
        // refusal upheld; they may not decline again.
        let supervised = walk(reconsidered, &[Supervise]).unwrap();
        assert_eq!(supervised.state, Supervised);
        let explained = walk(supervised.clone(), &[Explain, Order]).unwrap();
        assert_eq!(explained.state, Supervised);
        assert!(matches!(
            walk(explained.clone(), &[Explain]).unwrap_err().problem,
            Problem::AlreadyAsked { .. }
        ));
        assert!(matches!(
            walk(explained.clone(), &[Order]).unwrap_err().problem,
            Problem::AlreadyAsked { .. }
        ));
        assert_eq!(walk(explained, &[File]).unwrap().state, Filed);
        assert_eq!(walk(supervised.clone(), &[Uphold]).unwrap().state, Dropped);
        assert!(matches!(
            walk(supervised, &[Decline]).unwrap_err().problem,
            Problem::WrongState { .. }
        ));
    }

    #[test]
    fn a_step_sent_twice_is_already_done_and_a_step_out_of_turn_is_refused() {
        use RefStep::*;
        let approved = walk(referral(Some("ps")), &[Approve]).unwrap();
        assert_eq!(
            walk(approved, &[Approve]).unwrap_err().problem,
            Problem::AlreadyDone {
                state: "批准移送".into()
            }
        );
        let refused = walk(referral(Some("ps")), &[Refuse]).unwrap();
        assert_eq!(
            walk(refused, &[Approve]).unwrap_err().problem,
            Problem::WrongState {
                state: "不予移送".into(),
                step: "批准移送".into()
            }
        );
        assert!(matches!(
            walk(referral(None), &[Transfer]).unwrap_err().problem,
            Problem::WrongState { .. }
        ));
        let concluded = walk(
            referral(None),
            &[Approve, Transfer, Acknowledge, File, HandOver, Feedback],
        )
        .unwrap();
        assert!(matches!(
            walk(concluded, &[Feedback]).unwrap_err().problem,
            Problem::AlreadyDone { .. }
        ));
    }

    #[test]
    fn the_clocks_are_held_by_the_head_the_team_and_the_receiver() {
        let (by, actor) = (signer(), crate::Actor::System);
        let ctx = ctx(&by, &actor);
        let holder = |r: &Referral, step: RefStep| {
            let moved = ReferralFlow::apply(r, command(step), &ctx).unwrap();
            moved
                .tasks
                .iter()
                .find_map(|m| match m {
                    TaskMove::Open(t) => Some((t.kind, t.assignee.clone(), t.due_at)),
                    _ => None,
                })
                .unwrap()
        };
        let inside = referral(Some("ps"));
        let created = ReferralFlow::created(&inside, &rules());
        assert_eq!(
            created.tasks[0].assignee,
            Assignee::Agency {
                agency: AgencyCode::parse("nr").unwrap(),
                role: Some(Role::AgencyHead)
            }
        );
        // Approved on 2026-03-02 09:30 in the county: transferred within 24 hours.
        let (kind, _, due) = holder(&inside, RefStep::Approve);
        assert_eq!(kind, TaskKind::TransferReferral);
        assert_eq!(due, ctx.now + chrono::Duration::hours(24));
        let transferred = walk(inside, &[RefStep::Approve, RefStep::Transfer]).unwrap();
        let (_, who, _) = holder(&transferred, RefStep::Acknowledge);
        assert_eq!(
            who,
            Assignee::Agency {
                agency: AgencyCode::parse("ps").unwrap(),
                role: None
            }
        );
        // An outside body's answers are recorded by the referring agency.
        let outside = walk(referral(None), &[RefStep::Approve, RefStep::Transfer]).unwrap();
        let (_, who, _) = holder(&outside, RefStep::Acknowledge);
        assert_eq!(
            who,
            Assignee::Agency {
                agency: AgencyCode::parse("nr").unwrap(),
                role: None
            }
        );
        let mut no_scan = command(RefStep::Acknowledge);
        no_scan.scans = 0;
        assert_eq!(
            ReferralFlow::apply(&outside, no_scan, &ctx).unwrap_err(),
            Refused::at("files", Problem::Required)
        );
        // Told to file on 2026-03-02: 15 days.
        let supervised = Referral {
            state: Supervised,
            ..referral(Some("ps"))
        };
        let (kind, _, due) = holder(&supervised, RefStep::Order);
        assert_eq!(kind, TaskKind::FileReferral);
        assert_eq!(due, end_of_day(NaiveDate::from_ymd_opt(2026, 3, 17).unwrap()));
    }

    #[test]
    fn a_transfer_needs_its_documents() {
        let (by, actor) = (signer(), crate::Actor::System);
        let ctx = ctx(&by, &actor);
        let approved = walk(referral(Some("ps")), &[RefStep::Approve]).unwrap();
        let mut c = command(RefStep::Transfer);
        if let Some(t) = c.transfer.as_mut() {
            t.appraisal_files = 0;
        }
        assert_eq!(
            ReferralFlow::apply(&approved, c, &ctx).unwrap_err(),
            Refused::at(
                "items",
                Problem::PackageIncomplete {
                    missing: "有关检验报告或者鉴定意见".into()
                }
            )
        );
    }
}
