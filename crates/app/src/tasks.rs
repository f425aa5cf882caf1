//! 待办 — tasks, the inbox, and the sweep that climbs overdue tasks up their ladder.
//!
//! Use cases open a task ([`open`]) when they make work for someone and close it ([`close_open`]) with
//! the act that fulfils it, inside their own audited write. The inbox ([`inbox`]) is one query over the
//! tasks that reach the caller (`domain::task::reach`). The sweep ([`sweep`]) runs inside `serve`: one
//! process at a time holds the lease (an operational write), and each step a task reaches is raised by a
//! conditional update, so even two sweeps racing past an expired lease raise it once.
//!
//! Notifications: the in-app channel is the inbox itself (a raised task shows there, red, with its
//! step). Other channels (SMS, e-mail) plug in behind [`Notifier`], which receives the steps raised
//! after the sweep's transaction commits, so a slow gateway never holds the audit lock.

use crate::{App, AppError, Caller, Result};
use chrono::{DateTime, Duration, Utc};
use orewatch_domain::policy::{Action, Resource, Service};
use orewatch_domain::task::{reach, Level, Task, TaskKind};
use orewatch_domain::task_title::TaskTitle;
use orewatch_domain::workflow::TaskMove;
use orewatch_domain::{AuditAction, MineId, Problem, RecordType, TaskId};
use orewatch_storage::tasks::{self, NewTask, Outcome};
pub use orewatch_storage::tasks::{InboxCounts, InboxPart, TaskRow};
use orewatch_storage::WriteTx;

/// A step the sweep raised: which task reached which level.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub task_id: TaskId,
    pub level: Level,
    pub title: TaskTitle,
    pub record_type: RecordType,
    pub record_id: String,
}

/// A channel beyond the inbox (SMS, e-mail). Called after the sweep's commit with what it raised.
pub trait Notifier: Send + Sync {
    fn deliver(&self, notices: &[Notice]);
}

/// Only the inbox: nothing more to deliver.
#[derive(Debug, Default, Clone, Copy)]
pub struct InboxOnly;

impl Notifier for InboxOnly {
    fn deliver(&self, _notices: &[Notice]) {}
}

/// Opens a task inside a use case's write, at the level it already has (a task created late is raised
/// at once), and audits it.
pub(crate) async fn open(
    tx: &mut WriteTx,
    app: &App,
    task: Task,
    record: (RecordType, String),
    mine_id: Option<MineId>,
    title: &TaskTitle,
) -> Result<TaskId> {
    let ladder = task.kind.ladder(&app.settings.clocks);
    let level = ladder.level_at(task.due_at, tx.now());
    let task = Task { level, ..task };
    let id = tasks::insert(
        tx,
        &NewTask {
            task: &task,
            record,
            mine_id,
            title,
            next_step_at: ladder.next_step_at(task.due_at, level),
        },
    )
    .await?;
    tx.audit_of(AuditAction::TaskCreate, id, None, None).await?;
    Ok(id)
}

/// Closes the open tasks of `kind` about a record, auditing each; returns them as they were.
pub(crate) async fn close_open(
    tx: &mut WriteTx,
    caller: &Caller,
    record: (RecordType, &str),
    kind: TaskKind,
    outcome: Outcome,
) -> Result<Vec<TaskRow>> {
    let open = tasks::open_for(tx, record.0, record.1, Some(kind)).await?;
    for row in &open {
        let before = tx.state_of(row.id).await?;
        if tasks::close(tx, row.id, &caller.display_name, outcome).await? > 0 {
            tx.audit_of(AuditAction::TaskClose, row.id, before, None).await?;
        }
    }
    Ok(open)
}

/// Refuses a caller who is not among those an open task of `kind` waits for (a verifier who has been
/// replaced, a person who left the agency).
pub(crate) async fn require_assigned(
    tx: &mut WriteTx,
    caller: &Caller,
    record: (RecordType, &str),
    kind: TaskKind,
) -> Result<()> {
    let open = tasks::open_for(tx, record.0, record.1, Some(kind)).await?;
    if open.iter().any(|row| row.task.assignee.includes(&caller.actor)) {
        Ok(())
    } else {
        Err(AppError::invalid("task", Problem::NoLongerAssigned))
    }
}

/// Moves the due moment of the open tasks of `kind` about a record (an extension, a supervision
/// deadline), back to the level they have at the new time.
pub(crate) async fn reschedule_open(
    tx: &mut WriteTx,
    app: &App,
    record: (RecordType, &str),
    kind: TaskKind,
    due_at: DateTime<Utc>,
) -> Result<()> {
    let ladder = kind.ladder(&app.settings.clocks);
    let level = ladder.level_at(due_at, tx.now());
    for row in tasks::open_for(tx, record.0, record.1, Some(kind)).await? {
        let before = tx.state_of(row.id).await?;
        tasks::reschedule(tx, row.id, due_at, level, ladder.next_step_at(due_at, level)).await?;
        tx.audit_of(
            AuditAction::TaskEscalate,
            row.id,
            before,
            Some(format!(
                "期限调整为 {}",
                orewatch_domain::audit::format_timestamp(due_at)
            )),
        )
        .await?;
    }
    Ok(())
}

/// Carries out a step's task moves on the record inside its write: closes, opens, hands on (keeping
/// the due moment) and reschedules, auditing each task.
pub(crate) async fn apply_moves(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    record: (RecordType, String),
    mine_id: Option<MineId>,
    title: &TaskTitle,
    moves: &[TaskMove],
) -> Result<()> {
    for m in moves {
        match m {
            TaskMove::Close { kind, outcome } => {
                close_open(tx, caller, (record.0, &record.1), *kind, *outcome).await?;
            }
            TaskMove::Open(task) => {
                open(tx, app, task.clone(), record.clone(), mine_id, title).await?;
            }
            TaskMove::Hand { kind, to } => {
                let handed =
                    close_open(tx, caller, (record.0, &record.1), *kind, Outcome::Reassigned).await?;
                for row in handed {
                    let task = Task {
                        assignee: to.clone(),
                        level: Level::Open,
                        ..row.task
                    };
                    open(tx, app, task, record.clone(), mine_id, title).await?;
                }
            }
            TaskMove::Reschedule { kind, due_at } => {
                reschedule_open(tx, app, (record.0, &record.1), *kind, *due_at).await?;
            }
        }
    }
    Ok(())
}

/// What an inbox shows.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub counts: InboxCounts,
    pub part: InboxPart,
    pub rows: Vec<TaskRow>,
    pub now: DateTime<Utc>,
}

/// How many tasks one inbox page lists.
pub const INBOX_PAGE: i64 = 100;

fn week_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(7)
}

/// The caller's inbox: counts, and the tasks of one part, most urgent first.
pub async fn inbox(app: &App, caller: &Caller, part: InboxPart) -> Result<Inbox> {
    caller.require(Action::ViewDashboard, &Resource::Installation)?;
    let now = app.now();
    let counts = counts(app, caller).await?;
    let reach = reach(&caller.actor);
    let mut conn = app.db.conn().await?;
    let me = caller.account_id();
    let rows = tasks::inbox(&mut conn, &reach, part, me, now, week_end(now), INBOX_PAGE).await?;
    Ok(Inbox {
        counts,
        part,
        rows,
        now,
    })
}

/// The counts only (the navigation's badge), kept for the minute while no task changes (see
/// `Caches::inbox_counts`; an account's role or agency is part of the accounts' version).
pub async fn counts(app: &App, caller: &Caller) -> Result<InboxCounts> {
    let Some(me) = caller.account_id() else {
        return Ok(InboxCounts::default());
    };
    let now = app.now();
    // Each account's minute starts at its own second, so the counts of many people do not all
    // expire (and get counted again) in the same instant.
    let minute = (now.timestamp() + me.0.wrapping_mul(7919).rem_euclid(60)).div_euclid(60);
    let versions = app.versions(caller).await?;
    let caches = app.caches();
    if let Some(kept) = caches.inbox_counts.get(&versions, &(me.0, minute)) {
        return Ok(*kept);
    }
    // The minute has turned but nothing changed: serve last minute's counts and count again off the
    // page's path (counting takes tens of milliseconds at 100,000 open tasks).
    if let Some(last) = caches.inbox_counts.get(&versions, &(me.0, minute - 1)) {
        let first = caches
            .inbox_refreshing
            .lock()
            .is_ok_and(|mut busy| busy.insert(me.0));
        if first {
            let (app, reach) = (app.clone(), reach(&caller.actor));
            tokio::spawn(async move {
                if let Ok(counts) = count(&app, &reach, me, now).await {
                    app.caches()
                        .inbox_counts
                        .put(&versions, (me.0, minute), std::sync::Arc::new(counts), 64);
                }
                if let Ok(mut busy) = app.caches().inbox_refreshing.lock() {
                    busy.remove(&me.0);
                }
            });
        }
        return Ok(*last);
    }
    let counts = count(app, &reach(&caller.actor), me, now).await?;
    caches
        .inbox_counts
        .put(&versions, (me.0, minute), std::sync::Arc::new(counts), 64);
    Ok(counts)
}

async fn count(
    app: &App,
    reach: &[orewatch_domain::task::Reach],
    me: orewatch_domain::AccountId,
    now: DateTime<Utc>,
) -> Result<InboxCounts> {
    let mut conn = app.db.conn().await?;
    Ok(tasks::inbox_counts(&mut conn, reach, Some(me), now, week_end(now)).await?)
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SweepReport {
    /// Whether this process held the lease (otherwise it did nothing).
    pub held: bool,
    pub raised: Vec<Notice>,
    /// What each clock rule raised (by its name), in the order they ran.
    pub rules: Vec<(&'static str, usize)>,
}

impl SweepReport {
    /// How many records the clock rule `name` raised in this sweep.
    pub fn raised_by(&self, name: &str) -> usize {
        self.rules
            .iter()
            .filter(|(rule, _)| *rule == name)
            .map(|(_, n)| n)
            .sum()
    }
}

/// A clock rule's run: how many records it raised.
pub type Running<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<usize>> + Send + 'a>>;

/// A rule a feature runs on the sweep's clock and under its lease, registered with the app (the
/// 应移未移 scan is one): it raises what has come due since the last sweep, in writes of its own, and
/// says how many records it raised. The sweep knows no feature; the composition root lists the rules.
#[derive(Clone, Copy)]
pub struct ClockRule {
    pub name: &'static str,
    pub run: for<'a> fn(&'a App) -> Running<'a>,
}

impl std::fmt::Debug for ClockRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Tasks the sweep handles per transaction.
const SWEEP_BATCH: i64 = 1_000;

/// The name of the sweep's lease row.
const LEASE: &str = "tasks";

/// The caller the sweep writes as.
fn sweeper() -> Caller {
    Caller::service(Service::Sweep, Service::Sweep.as_str())
}

/// One sweep: if this process (`holder`) holds or can take the lease for `lease_for`, raise every open
/// task whose next step has come, hand what was raised to the notifier, and raise the 应移未移 flags now due.
pub async fn sweep(app: &App, holder: &str, lease_for: Duration) -> Result<SweepReport> {
    let now = app.now();
    let mut op = app.db.begin_operational().await?;
    let held = tasks::take_lease(&mut op, LEASE, holder, now, now + lease_for).await?;
    op.commit().await?;
    if !held {
        return Ok(SweepReport::default());
    }
    let caller = sweeper();
    caller.require(Action::SweepDeadlines, &Resource::Installation)?;
    let mut raised = Vec::new();
    loop {
        let mut tx = app.write(&caller).await?;
        let now = tx.now();
        let due = tasks::due_for_sweep(&mut tx, now, SWEEP_BATCH).await?;
        let batch_len = due.len();
        for row in due {
            let ladder = row.task.kind.ladder(&app.settings.clocks);
            let level = ladder.level_at(row.task.due_at, now);
            let before = tx.state_of(row.id).await?;
            let next = ladder.next_step_at(row.task.due_at, level.max(row.task.level));
            if level > row.task.level {
                if tasks::escalate(&mut tx, row.id, level, next).await? == 0 {
                    continue;
                }
                tx.audit_of(
                    AuditAction::TaskEscalate,
                    row.id,
                    before,
                    Some(level.code().to_string()),
                )
                .await?;
                raised.push(Notice {
                    task_id: row.id,
                    level,
                    title: row.title.clone(),
                    record_type: row.record_type,
                    record_id: row.record_id.clone(),
                });
            } else {
                // Its step was moved (a rescheduled deadline) after it was read: just look again later.
                tasks::reschedule(&mut tx, row.id, row.task.due_at, row.task.level, next).await?;
                tx.audit_of(AuditAction::TaskEscalate, row.id, before, None)
                    .await?;
            }
        }
        if tx.appended() == 0 {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        if batch_len < usize::try_from(SWEEP_BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    app.notifier.deliver(&raised);
    // The features' clock rules run on the same clock, under the same lease.
    let mut rules = Vec::with_capacity(app.clock_rules.len());
    for rule in &app.clock_rules {
        rules.push((rule.name, (rule.run)(app).await?));
    }
    Ok(SweepReport { held, raised, rules })
}

/// Gives the lease up (a process shutting down).
pub async fn release(app: &App, holder: &str) -> Result<()> {
    let mut op = app.db.begin_operational().await?;
    tasks::release_lease(&mut op, LEASE, holder).await?;
    op.commit().await?;
    Ok(())
}
