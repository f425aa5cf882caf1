//! 流程内核 — the one description every workflow is written in.
//!
//! An aggregate that moves through states (a finding, a plan, an act, a case, a measure, a referral, a
//! meeting, a survey proposal …) implements [`Workflow`] once, here in domain:
//! - its states and its steps, side steps included (an extension request, 挂牌督办, a reconsideration);
//! - for every step one [`Rule`]: the states it is open in, the state it leads to, the policy action it
//!   needs, the task whose assignees alone may take it, the tasks it closes and opens, and the numbered
//!   document it issues;
//! - the facts beyond the state that close a step ([`Workflow::guard`]: an extension already pending);
//! - what the step does to the record ([`Workflow::apply`]): the record after it, the history event,
//!   the audit action and the task moves, computed purely from the record, the command and a
//!   [`Context`] (the time, the clocks, the reserved document number).
//!
//! From that description alone come [`check`] (may this step be taken on this record now, and if not
//! why, in the words the users know), [`open_steps`] (the steps a page offers this actor: the web draws
//! its buttons from this list and never compares states) and the property test of every workflow
//! ([`testing::explore`]): from every reachable record exactly the steps the rules allow succeed, the
//! state moves as the rule says, the tasks move as the rule says, and every open task is waiting for a
//! step that is open.
//!
//! App runs every step through one function (load → policy → [`check`] → [`Workflow::apply`] → save →
//! history and audit → task moves → commit); storage saves the record after the step through the
//! aggregate's own repository. Nothing here does IO.

use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{MineId, RecordId};
use crate::penalty::CaseRules;
use crate::policy::{decide, Action, Actor, Resource};
use crate::record::{AuditAction, RecordType};
use crate::referral::ReferralRules;
use crate::task::{Assignee, Clocks, Outcome, Task, TaskKind};
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Debug;
use strum::IntoEnumIterator;

pub use crate::document::DocumentKind;

/// Where a step leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<S: 'static> {
    /// The state stays: a side step (an extension request, 挂牌督办, filling in a record).
    Stay,
    /// To this state.
    To(S),
    /// To one of these, chosen by the step's facts (a case's defence: a hearing, a review or the decision).
    OneOf(&'static [S]),
}

impl<S: Copy + PartialEq> Target<S> {
    /// Whether `state` is where the step leads (for a side step, nowhere in particular).
    pub fn reaches(&self, state: S) -> bool {
        match self {
            Target::Stay => false,
            Target::To(s) => *s == state,
            Target::OneOf(all) => all.contains(&state),
        }
    }

    /// Whether a step from `from` may end in `to`.
    pub fn allows(&self, from: S, to: S) -> bool {
        match self {
            Target::Stay => from == to,
            _ => self.reaches(to),
        }
    }
}

/// How a state stands at a glance (a page colours its badge by this, never by the state itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    /// Work goes on; nothing to flag.
    Neutral,
    /// Waiting for someone's decision or check.
    Waiting,
    /// Done as it should be (closed, approved, concluded).
    Settled,
    /// Ended against the party or the rule (a violation confirmed, a referral refused).
    Adverse,
    /// Over and no longer in force (superseded, lifted, dropped).
    Ended,
}

/// One step's rule: everything about a step except what it writes.
#[derive(Debug, Clone, Copy)]
pub struct Rule<W: Workflow> {
    /// The states the step is open in.
    pub from: &'static [W::State],
    pub to: Target<W::State>,
    /// The policy action the step needs on the record.
    pub action: Action,
    /// Only someone an open task of this kind waits for may take the step (the verifier while still
    /// assigned).
    pub assigned: Option<TaskKind>,
    /// The tasks the step closes (when open) and may open.
    pub closes: &'static [TaskKind],
    pub opens: &'static [TaskKind],
    /// The tasks the step is part of without ending them (issuing the rectification order is part of
    /// the rectification the agency's task asks for).
    pub serves: &'static [TaskKind],
    /// The numbered document the step issues.
    pub document: Option<DocumentKind>,
}

impl<W: Workflow> Rule<W> {
    /// A step open in `from`, leading `to`, that needs `action`; it moves no task and issues nothing
    /// until the builders below say so.
    pub fn new(from: &'static [W::State], to: Target<W::State>, action: Action) -> Self {
        Self {
            from,
            to,
            action,
            assigned: None,
            closes: &[],
            opens: &[],
            serves: &[],
            document: None,
        }
    }

    /// Only those an open task of `kind` waits for take it.
    pub fn assigned(self, kind: TaskKind) -> Self {
        Self {
            assigned: Some(kind),
            ..self
        }
    }

    pub fn closes(self, kinds: &'static [TaskKind]) -> Self {
        Self {
            closes: kinds,
            ..self
        }
    }

    pub fn opens(self, kinds: &'static [TaskKind]) -> Self {
        Self { opens: kinds, ..self }
    }

    pub fn serves(self, kinds: &'static [TaskKind]) -> Self {
        Self {
            serves: kinds,
            ..self
        }
    }

    pub fn document(self, kind: DocumentKind) -> Self {
        Self {
            document: Some(kind),
            ..self
        }
    }
}

/// Why a step was refused, and which form field the refusal belongs to (`state` for the record's state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub field: &'static str,
    pub problem: Problem,
}

impl Refused {
    pub fn at(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

impl From<Problem> for Refused {
    /// A refusal about the record's state.
    fn from(problem: Problem) -> Self {
        Self {
            field: "state",
            problem,
        }
    }
}

/// Who takes a step, as the record will name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub account: Option<AccountId>,
    /// The name written on the record and in its history.
    pub label: String,
}

/// The configured rules a step may read: the ledger's clocks, the penalty cases' periods, thresholds
/// and calendar, the referrals' clocks.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub clocks: &'a Clocks,
    pub cases: &'a CaseRules,
    pub referrals: &'a ReferralRules,
}

/// What a step's computation may read besides the record and the command: given, never fetched.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    /// The county's date at `now`.
    pub today: NaiveDate,
    pub by: &'a Signer,
    pub actor: &'a Actor,
    pub rules: Rules<'a>,
    /// The number reserved for the document the step's rule issues.
    pub document: Option<&'a str>,
}

/// One entry of a record's history (its code is named by the catalogue: `<aggregate>_event.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: &'static str,
    pub note: Option<String>,
    pub on_date: Option<NaiveDate>,
}

impl Event {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            note: None,
            on_date: None,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The facts of an event the platform writes itself (a value estimated from its figures): kept as
    /// named values, never as a sentence, and put into words by the catalogue (`<aggregate>_event_note.
    /// <kind>`, with `{name}` for each), so each reader reads them in their own language. Stored in the
    /// note, as a JSON object ([`event_facts`] reads it back).
    pub fn facts(mut self, facts: &[(&str, String)]) -> Self {
        let object: serde_json::Map<String, serde_json::Value> = facts
            .iter()
            .map(|(name, value)| (name.to_string(), serde_json::Value::String(value.clone())))
            .collect();
        self.note = Some(serde_json::Value::Object(object).to_string());
        self
    }

    pub fn on(mut self, date: NaiveDate) -> Self {
        self.on_date = Some(date);
        self
    }
}

/// The facts an event's note holds ([`Event::facts`]), or `None` for a note written as words.
pub fn event_facts(note: &str) -> Option<Vec<(String, String)>> {
    let serde_json::Value::Object(object) = serde_json::from_str(note).ok()? else {
        return None;
    };
    object
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Some((name, text)),
            _ => None,
        })
        .collect()
}

/// One entry of a record's history as stored: what was done, when, by whom, with its note and the day
/// it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEvent {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub by_label: String,
    pub note: Option<String>,
    pub on_date: Option<NaiveDate>,
}

/// What a step does to the record's tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskMove {
    /// Close the open tasks of a kind.
    Close { kind: TaskKind, outcome: Outcome },
    /// Open a task (at the level it already has: one opened late climbs at once).
    Open(Task),
    /// Hand the open tasks of a kind to someone else, keeping their due moment (the verifier taking
    /// the agency's verification on).
    Hand { kind: TaskKind, to: Assignee },
    /// Move the due moment of the open tasks of a kind (an extension, a supervision deadline).
    Reschedule { kind: TaskKind, due_at: DateTime<Utc> },
}

impl TaskMove {
    pub fn kind(&self) -> TaskKind {
        match self {
            TaskMove::Close { kind, .. }
            | TaskMove::Hand { kind, .. }
            | TaskMove::Reschedule { kind, .. } => *kind,
            TaskMove::Open(task) => task.kind,
        }
    }
}

/// What a step did: the record after it, its history, its audit entry (with a note where the entry
/// says more than the action) and its task moves.
#[derive(Debug, Clone)]
pub struct Moved<R> {
    pub record: R,
    pub events: Vec<Event>,
    pub audit: AuditAction,
    pub audit_note: Option<String>,
    pub tasks: Vec<TaskMove>,
}

impl<R> Moved<R> {
    /// A step that changes the record and nothing else.
    pub fn to(record: R, audit: AuditAction) -> Self {
        Self {
            record,
            events: Vec::new(),
            audit,
            audit_note: None,
            tasks: Vec::new(),
        }
    }

    pub fn event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }

    pub fn task(mut self, task: TaskMove) -> Self {
        self.tasks.push(task);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.audit_note = Some(note.into());
        self
    }
}

/// What recording a new record does besides inserting it: its first history events, its audit action
/// and the tasks it opens.
#[derive(Debug, Clone)]
pub struct Created {
    pub events: Vec<Event>,
    pub audit: AuditAction,
    pub audit_note: Option<String>,
    pub tasks: Vec<Task>,
}

/// Who issues a step's document, for its number's prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// A member agency, by the short form of its name (公安局 → 公安).
    Agency(AgencyCode),
    /// The office, in the command's name (矿监纪).
    Office,
}

/// An aggregate's workflow. See the module's documentation.
pub trait Workflow: Sized + 'static {
    /// The record type its audit entries and tasks name.
    const RECORD: RecordType;
    type State: Copy + Eq + Debug + IntoEnumIterator + 'static;
    /// The steps, one per button.
    type Step: Copy + Eq + Debug + IntoEnumIterator + 'static;
    type Id: RecordId;
    /// The record, as storage reads it.
    type Record: Clone + Debug + PartialEq;
    /// A step with what the user gave for it (checked input).
    type Command: Debug;

    fn id(record: &Self::Record) -> Self::Id;
    fn state(record: &Self::Record) -> Self::State;
    /// How a state stands at a glance.
    fn standing(state: Self::State) -> Standing;
    /// The policy's view of the record.
    fn resource(record: &Self::Record) -> Resource;
    /// The mine the record is about (its tasks are listed on the mine), and the title its tasks carry.
    fn mine(record: &Self::Record) -> Option<MineId>;
    fn task_title(record: &Self::Record) -> crate::task_title::TaskTitle;
    /// Who issues the record's numbered documents.
    fn issuer(record: &Self::Record) -> Issuer;
    /// The day whose year a document of the record is numbered in (the day it is issued, unless the
    /// record says otherwise: an inspection record is numbered in the year of the inspection).
    fn document_date(_record: &Self::Record, today: NaiveDate) -> NaiveDate {
        today
    }

    /// What recording the record did (it is inserted by its own use case, with its own input); `rules`
    /// are the configured clocks its first tasks run by.
    fn created(record: &Self::Record, rules: &Rules<'_>) -> Created;

    /// Every step's rule: the match is exhaustive, so a new step does not compile without one.
    fn rule(step: Self::Step) -> Rule<Self>;
    /// Facts beyond the state that close a step its rule opens (`today` is the county's date: some steps
    /// wait for a day).
    fn guard(_record: &Self::Record, _step: Self::Step, _today: NaiveDate) -> Result<(), Refused> {
        Ok(())
    }

    /// Who, among those the policy allows, may take the step on this record (an act is filled in by
    /// its own officers only). Asked after the policy.
    fn taken_by(_record: &Self::Record, _step: Self::Step, _actor: &Actor) -> Result<(), Refused> {
        Ok(())
    }

    fn step_of(command: &Self::Command) -> Self::Step;
    /// The record after the step. Called only when [`check`] allows the step; may still refuse the
    /// command's input against the record (an extension asking for an earlier date).
    fn apply(
        record: &Self::Record,
        command: Self::Command,
        ctx: &Context<'_>,
    ) -> Result<Moved<Self::Record>, Refused>;

    /// The names of a state and a step in the refusals (the catalogue names them on pages).
    fn state_label(state: Self::State) -> &'static str;
    fn step_label(step: Self::Step) -> &'static str;
}

/// Whether `step` may be taken on `record` now: not closed by its facts, and open in its state. The facts
/// are asked first, as their refusal is the more precise ("not in force", "an extension is already
/// pending"). A step refused because the record is already where the step leads (the same form sent
/// twice, or a colleague was quicker) says so; any other mismatch names the state and the step.
pub fn check<W: Workflow>(record: &W::Record, step: W::Step, today: NaiveDate) -> Result<(), Refused> {
    W::guard(record, step, today)?;
    let rule = W::rule(step);
    let state = W::state(record);
    if !rule.from.contains(&state) {
        let label = W::state_label(state).to_string();
        return Err(if rule.to.reaches(state) {
            Problem::AlreadyDone { state: label }
        } else {
            Problem::WrongState {
                state: label,
                step: W::step_label(step).to_string(),
            }
        }
        .into());
    }
    Ok(())
}

/// Whether `actor` is among those an open task of `kind` waits for.
pub fn assigned(kind: TaskKind, open_tasks: &[Task], actor: &Actor) -> bool {
    open_tasks
        .iter()
        .any(|t| t.kind == kind && t.assignee.includes(actor))
}

/// The steps `actor` may take on `record` on `today`, in the order of the step enum: open by the rules,
/// allowed by the policy and the record's own rule of who, and (for an assigned step) waited for by one
/// of `open_tasks`.
pub fn open_steps<W: Workflow>(
    record: &W::Record,
    actor: &Actor,
    open_tasks: &[Task],
    today: NaiveDate,
) -> Vec<W::Step> {
    let resource = W::resource(record);
    W::Step::iter()
        .filter(|step| {
            let rule = W::rule(*step);
            check::<W>(record, *step, today).is_ok()
                && decide(actor, rule.action, &resource).is_allowed()
                && W::taken_by(record, *step, actor).is_ok()
                && rule.assigned.is_none_or(|kind| assigned(kind, open_tasks, actor))
        })
        .collect()
}

/// The property test every workflow runs (and the tools it needs), in domain so that each aggregate's
/// tests call it next to its rules.
#[cfg(test)]
pub mod testing {
    use super::*;
    use std::collections::{BTreeSet, HashSet, VecDeque};
    use std::sync::LazyLock;

    static CLOCKS: LazyLock<Clocks> = LazyLock::new(Clocks::default);
    static CASES: LazyLock<CaseRules> = LazyLock::new(CaseRules::default);
    static REFERRALS: LazyLock<ReferralRules> = LazyLock::new(ReferralRules::default);

    /// The default rules, for tests.
    pub fn rules() -> Rules<'static> {
        Rules {
            clocks: &CLOCKS,
            cases: &CASES,
            referrals: &REFERRALS,
        }
    }

    /// A step's context in a test: the default rules, no document reserved.
    pub fn context<'a>(
        now: DateTime<Utc>,
        today: NaiveDate,
        by: &'a Signer,
        actor: &'a Actor,
    ) -> Context<'a> {
        Context {
            now,
            today,
            by,
            actor,
            rules: rules(),
            document: None,
        }
    }

    /// Valid commands for a step on a record.
    pub type Commands<W> =
        dyn Fn(<W as Workflow>::Step, &<W as Workflow>::Record) -> Vec<<W as Workflow>::Command>;

    /// How a workflow is explored: its new records (their tasks are those [`Workflow::created`] opens),
    /// and valid commands for each step on a record (several where the step's facts choose the state:
    /// pass and return).
    pub struct Exploration<'a, W: Workflow> {
        pub starts: Vec<W::Record>,
        pub commands: &'a Commands<W>,
        pub ctx: Context<'a>,
        /// How many steps deep to walk.
        pub depth: usize,
    }

    /// Walks every record reachable within `depth` steps and checks, on each:
    /// - every step [`check`] allows succeeds with every valid command (the others are refused by the
    ///   kernel before [`Workflow::apply`] is called);
    /// - the state after a step is where its rule leads, and its id stays;
    /// - a step closes and opens only task kinds its rule names, and never a second open task of a kind;
    /// - every open task is waiting for a step that is open now and closes (or serves) it;
    ///
    /// and, over the whole walk, that every task a rule says it opens was opened by it somewhere (a
    /// rule that forgot to open its task fails here). Returns how many records it visited.
    pub fn explore<W: Workflow>(e: &Exploration<'_, W>) -> usize {
        let mut opened_by: HashSet<(String, &'static str)> = HashSet::new();
        let mut queue: VecDeque<(W::Record, Vec<Task>, usize)> = e
            .starts
            .iter()
            .map(|r| (r.clone(), W::created(r, &e.ctx.rules).tasks, 0))
            .collect();
        let mut seen: HashSet<String> = HashSet::new();
        let mut visited = 0;
        while let Some((record, tasks, depth)) = queue.pop_front() {
            if !seen.insert(format!("{record:?}{tasks:?}")) {
                continue;
            }
            visited += 1;
            check_tasks_wait_for_steps::<W>(&record, &tasks, e.ctx.today);
            if depth == e.depth {
                continue;
            }
            for step in W::Step::iter() {
                let rule = W::rule(step);
                let allowed = check::<W>(&record, step, e.ctx.today);
                // A step without commands is only checked, never taken (recording a consultation's
                // decision asks that the consultation is open; the decision is a record of its own).
                let commands = (e.commands)(step, &record);
                for command in commands {
                    assert_eq!(
                        W::step_of(&command),
                        step,
                        "a command of {step:?} names another step"
                    );
                    if allowed.is_err() {
                        continue;
                    }
                    let number = rule.document.map(|_| "测〔2026〕1号");
                    let ctx = Context {
                        document: number,
                        ..e.ctx.clone()
                    };
                    let moved = W::apply(&record, command, &ctx)
                        .unwrap_or_else(|r| panic!("{step:?} open on {record:?} but refused: {r:?}"));
                    let (from, to) = (W::state(&record), W::state(&moved.record));
                    assert!(
                        rule.to.allows(from, to),
                        "{step:?} led from {from:?} to {to:?}, its rule says {:?}",
                        rule.to
                    );
                    assert_eq!(W::id(&moved.record), W::id(&record), "{step:?} changed the id");
                    let next = move_tasks::<W>(step, &rule, &tasks, &moved.tasks);
                    for m in &moved.tasks {
                        if let TaskMove::Open(t) = m {
                            opened_by.insert((format!("{step:?}"), t.kind.as_str()));
                        }
                    }
                    queue.push_back((moved.record, next, depth + 1));
                }
            }
        }
        for step in W::Step::iter() {
            for kind in W::rule(step).opens {
                // A hand-over reopens what it closes; it is checked where it happens.
                let handed = W::rule(step).closes.contains(kind);
                assert!(
                    handed || opened_by.contains(&(format!("{step:?}"), kind.as_str())),
                    "{step:?} never opened the {kind:?} task its rule names"
                );
            }
        }
        visited
    }

    /// Every open task is waiting for a step that is open on the record and closes it (or serves it).
    fn check_tasks_wait_for_steps<W: Workflow>(record: &W::Record, tasks: &[Task], today: NaiveDate) {
        for task in tasks {
            let waiting = W::Step::iter().any(|step| {
                let rule = W::rule(step);
                (rule.closes.contains(&task.kind) || rule.serves.contains(&task.kind))
                    && check::<W>(record, step, today).is_ok()
            });
            assert!(
                waiting,
                "an open {:?} task on {record:?} waits for no open step",
                task.kind
            );
        }
        let kinds: Vec<TaskKind> = tasks.iter().map(|t| t.kind).collect();
        let distinct: BTreeSet<&str> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            distinct.len(),
            kinds.len(),
            "two open tasks of one kind: {kinds:?}"
        );
    }

    /// The open tasks after a step's moves, checking the moves against the rule.
    fn move_tasks<W: Workflow>(
        step: W::Step,
        rule: &Rule<W>,
        tasks: &[Task],
        moves: &[TaskMove],
    ) -> Vec<Task> {
        let mut open = tasks.to_vec();
        let mut closed = BTreeSet::new();
        let mut opened = BTreeSet::new();
        for m in moves {
            match m {
                TaskMove::Close { kind, .. } => {
                    assert!(
                        rule.closes.contains(kind),
                        "{step:?} closes {kind:?}, not in its rule"
                    );
                    open.retain(|t| t.kind != *kind);
                    closed.insert(kind.as_str());
                }
                TaskMove::Open(task) => {
                    assert!(
                        rule.opens.contains(&task.kind),
                        "{step:?} opens {:?}, not in its rule",
                        task.kind
                    );
                    open.push(task.clone());
                    opened.insert(task.kind.as_str());
                }
                TaskMove::Hand { kind, to } => {
                    assert!(
                        rule.closes.contains(kind) && rule.opens.contains(kind),
                        "{step:?} hands {kind:?} on without its rule closing and opening it"
                    );
                    for t in open.iter_mut().filter(|t| t.kind == *kind) {
                        t.assignee = to.clone();
                    }
                    closed.insert(kind.as_str());
                    opened.insert(kind.as_str());
                }
                TaskMove::Reschedule { kind, due_at } => {
                    for t in open.iter_mut().filter(|t| t.kind == *kind) {
                        t.due_at = *due_at;
                    }
                }
            }
        }
        assert!(
            opened.iter().all(|k| rule.opens.iter().any(|o| o.as_str() == *k)),
            "{step:?} opened a task its rule does not name"
        );
        // A rule's closes are those it ends when they are open; none other may be closed.
        assert!(
            closed
                .iter()
                .all(|k| rule.closes.iter().any(|c| c.as_str() == *k)),
            "{step:?} closed a task its rule does not name"
        );
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_events_facts_are_read_back_as_written_and_words_are_not_facts() {
        let event =
            Event::new("estimated").facts(&[("volume", "3200".into()), ("value", "376,320.00".into())]);
        let facts = event_facts(event.note.as_deref().unwrap()).unwrap();
        assert!(facts.contains(&("volume".into(), "3200".into())));
        assert!(facts.contains(&("value".into(), "376,320.00".into())));
        for words in ["当事人未提出陈述申辩", "{会商}", "[1, 2]", "{\"n\": 3}", ""] {
            assert_eq!(event_facts(words), None, "{words}");
        }
    }

    #[test]
    fn a_side_step_reaches_no_state_and_allows_only_staying() {
        let stay: Target<u8> = Target::Stay;
        assert!(!stay.reaches(1));
        assert!(stay.allows(1, 1) && !stay.allows(1, 2));
        let one_of: Target<u8> = Target::OneOf(&[2, 3]);
        assert!(one_of.reaches(3) && !one_of.reaches(1));
        assert!(one_of.allows(1, 2) && !one_of.allows(1, 1));
    }
}
