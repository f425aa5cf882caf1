//! The workflow kernel's one step function (DESIGN.md "Workflows").
//!
//! [`step`] takes any step of any workflow the same way: load the record inside an audited write → ask
//! the policy (the step's action on the record) → ask the workflow ([`check`]: open in this state, not
//! closed by its facts, and for an assigned step the caller among those its task waits for) → reserve
//! the number of the document the step issues → compute the record after the step
//! ([`Workflow::apply`], pure) → attach the step's files, save the record, append its history, audit it
//! → move its tasks → commit, and return the record with the steps now open to the caller (read after
//! the commit; [`step_in`], a step inside a larger write, returns the record as the step left it). A step the
//! rules refuse (the wrong state, sent twice, not the caller's) is refused before anything is written.
//!
//! [`offered`] gives a page the steps open to its reader; the web draws its buttons from that list.

use crate::evidence::Stored;
use crate::{tasks, App, AppError, Caller, Result};
use chrono::Datelike;
use orewatch_domain::document::next_number;
use orewatch_domain::task::{local_date, Task};
use orewatch_domain::workflow::{check, open_steps, Context, DocumentKind, Issuer, Refused, Rules, Workflow};
use orewatch_domain::FieldErrors;
use orewatch_storage::workflow::{documents_issued, Repository};
use orewatch_storage::{agencies, Conn, WriteTx};

/// A step taken: the record after it, the steps now open to the caller, and the number of the document
/// it issued.
#[derive(Debug, Clone)]
pub struct Stepped<W: Workflow> {
    pub record: W::Record,
    pub open: Vec<W::Step>,
    pub document: Option<String>,
}

/// A step taken inside a larger write: the record as the step left it (its new history is written but
/// not read back) and the number of the document it issued. The write's own use case goes on from here.
#[derive(Debug, Clone)]
pub struct Taken<W: Workflow> {
    pub record: W::Record,
    pub document: Option<String>,
}

impl From<Refused> for AppError {
    fn from(refused: Refused) -> Self {
        AppError::Invalid(FieldErrors::single(refused.field, refused.problem))
    }
}

/// The configured rules a workflow reads.
fn rules(app: &App) -> Rules<'_> {
    Rules {
        clocks: &app.settings.clocks,
        cases: &app.settings.cases,
        referrals: &app.settings.referrals,
    }
}

/// Takes one step on the record `id` as `caller`, attaching `files` (already in the file store), in a
/// write of its own.
pub(crate) async fn step<W: Repository>(
    app: &App,
    caller: &Caller,
    id: W::Id,
    command: W::Command,
    files: &[Stored],
) -> Result<Stepped<W>> {
    let mut tx = app.write(caller).await?;
    let taken = step_in::<W>(&mut tx, app, caller, id, command, files).await?;
    if tx.appended() == 0 {
        // The step changed nothing (the same form sent twice): nothing to write.
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    // Read back after the commit, so that the write holds its locks no longer than the step needs.
    let mut conn = app.db.conn().await?;
    let record = W::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let open = offered::<W>(&mut conn, app, caller, &record).await?;
    Ok(Stepped {
        record,
        open,
        document: taken.document,
    })
}

/// Takes one step inside a write that does more (confirming a proposal records its finding first): a
/// refusal returns before this step writes anything, and the caller's write is then dropped whole.
pub(crate) async fn step_in<W: Repository>(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    id: W::Id,
    command: W::Command,
    files: &[Stored],
) -> Result<Taken<W>> {
    let step = W::step_of(&command);
    let rule = W::rule(step);
    let record = W::find(tx, id).await?.ok_or(AppError::NotFound)?;
    let now = tx.now();
    caller.require(rule.action, &W::resource(&record))?;
    W::taken_by(&record, step, &caller.actor)?;
    check::<W>(&record, step, local_date(now))?;
    let record_id = id.to_string();
    if let Some(kind) = rule.assigned {
        tasks::require_assigned(tx, caller, (W::RECORD, &record_id), kind).await?;
    }
    let document = match rule.document {
        Some(kind) => {
            let on = W::document_date(&record, local_date(now));
            Some(reserve_number(tx, kind, &W::issuer(&record), on).await?)
        }
        None => None,
    };
    let signer = caller.signer();
    let ctx = Context {
        now,
        today: local_date(now),
        by: &signer,
        actor: &caller.actor,
        rules: rules(app),
        document: document.as_deref(),
    };
    let moved = W::apply(&record, command, &ctx)?;
    if moved.record == record && moved.events.is_empty() && moved.tasks.is_empty() && files.is_empty() {
        return Ok(Taken { record, document });
    }
    let before = tx.state(W::RECORD, id).await?;
    crate::evidence::attach(tx, caller, W::RECORD, id, files).await?;
    W::save(tx, &moved.record).await?;
    for event in &moved.events {
        W::add_event(tx, id, event, &caller.display_name).await?;
    }
    tx.audit(moved.audit, W::RECORD, id, before, moved.audit_note.clone())
        .await?;
    tasks::apply_moves(
        tx,
        app,
        caller,
        (W::RECORD, record_id),
        W::mine(&moved.record),
        &W::task_title(&moved.record),
        &moved.tasks,
    )
    .await?;
    Ok(Taken {
        record: moved.record,
        document,
    })
}

/// Completes the recording of a new record inside the write that inserted it: its first history
/// events, its audit entry and the tasks it opens ([`Workflow::created`]). Returns the record.
pub(crate) async fn created<W: Repository>(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    id: W::Id,
) -> Result<W::Record> {
    let record = W::find(tx, id).await?.ok_or(AppError::NotFound)?;
    let created = W::created(&record, &rules(app));
    for event in &created.events {
        W::add_event(tx, id, event, &caller.display_name).await?;
    }
    tx.audit(created.audit, W::RECORD, id, None, created.audit_note)
        .await?;
    let title = W::task_title(&record);
    for task in created.tasks {
        tasks::open(
            tx,
            app,
            task,
            (W::RECORD, id.to_string()),
            W::mine(&record),
            &title,
        )
        .await?;
    }
    Ok(record)
}

/// Reads a record and asks the policy and its workflow whether `caller` may take `step` on it now,
/// without taking it: for a use case that says so before it checks the rest of its input, or that
/// records a record of its own under this one (a consultation's decision). A step taken later checks
/// again inside its write.
pub(crate) async fn allowed<W: Repository>(
    conn: &mut Conn,
    app: &App,
    caller: &Caller,
    id: W::Id,
    step: W::Step,
) -> Result<W::Record> {
    let record = W::find(conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(W::rule(step).action, &W::resource(&record))?;
    W::taken_by(&record, step, &caller.actor)?;
    check::<W>(&record, step, local_date(app.now()))?;
    Ok(record)
}

/// Whether `caller` may take `step` on `record` now, by the policy and the rules (a list's buttons,
/// without reading each record's tasks: a step only a task's assignees take is never offered here).
pub(crate) fn may_take<W: Workflow>(app: &App, caller: &Caller, record: &W::Record, step: W::Step) -> bool {
    W::rule(step).assigned.is_none()
        && open_steps::<W>(record, &caller.actor, &[], local_date(app.now())).contains(&step)
}

/// The steps `caller` may take on `record` now (a page's buttons).
pub(crate) async fn offered<W: Workflow>(
    conn: &mut Conn,
    app: &App,
    caller: &Caller,
    record: &W::Record,
) -> Result<Vec<W::Step>> {
    let open: Vec<Task> =
        orewatch_storage::tasks::open_for(conn, W::RECORD, &W::id(record).to_string(), None)
            .await?
            .into_iter()
            .map(|row| row.task)
            .collect();
    Ok(open_steps::<W>(
        record,
        &caller.actor,
        &open,
        local_date(app.now()),
    ))
}

/// The number of the document a step (or a new record) issues: the issuer's next of its kind in the
/// year of `on`.
pub(crate) async fn reserve_number(
    tx: &mut WriteTx,
    kind: DocumentKind,
    issuer: &Issuer,
    on: chrono::NaiveDate,
) -> Result<String> {
    let short = match issuer {
        Issuer::Agency(code) => {
            let agency = agencies::find(tx, code).await?.ok_or(AppError::NotFound)?;
            orewatch_domain::agency::short_name(&agency.name_zh)
        }
        Issuer::Office => String::new(),
    };
    let prefix = kind.prefix(&short, on.year());
    let issued = documents_issued(tx, kind, &prefix).await?;
    Ok(next_number(&prefix, issued))
}
