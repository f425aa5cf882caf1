//! The use cases of a finding, from recording to 销号 (WORKFLOW.md §1.3, §2).
//!
//! Each step is parsed from the form into a [`FindingCommand`] and taken by the kernel
//! (`crate::workflow::step`): the policy, the finding's workflow (`domain::finding::flow`: its state,
//! its facts and its dates), one audited write that saves the finding, appends to its history, and
//! closes and opens its tasks. A step sent twice is refused with "already done" and changes nothing.

use crate::registry::sharing::mine_named;
use crate::workflow::Stepped;
use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::finding::{check_deadline, FindingSource, Severity};
pub use orewatch_domain::finding::{FindingCommand, FindingFlow, FindingStep};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::{open_steps, Workflow};
use orewatch_domain::{AgencyCode, AttachmentId, FieldErrors, FindingId, MineId, Problem, RecordType};
use orewatch_storage::files::Attachment;
use orewatch_storage::findings::{self, NewFinding};
pub use orewatch_storage::findings::{Category, Finding, LedgerFilter};
use orewatch_storage::tasks::TaskRow;
use orewatch_storage::{agencies, files, Page, WriteTx};

/// The policy's view of a finding.
pub fn resource(finding: &Finding) -> Resource {
    FindingFlow::resource(finding)
}

/// Raw input of a new finding.
#[derive(Debug, Clone, Default)]
pub struct FindingInput<'a> {
    /// The mine, by its exact name.
    pub mine: &'a str,
    pub source: &'a str,
    pub source_ref: &'a str,
    pub category: &'a str,
    pub description: &'a str,
    pub legal_basis: &'a str,
    pub severity: &'a str,
    /// The responsible agency's code.
    pub agency: &'a str,
    /// 一矿一策 — the measures for this mine.
    pub measures: &'a str,
    /// When it was found; empty is today.
    pub found_on: &'a str,
    pub deadline_on: &'a str,
}

/// The managed list of categories.
pub async fn categories(app: &App, caller: &Caller) -> Result<Vec<Category>> {
    caller.require(Action::ViewLedger, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(findings::categories(&mut conn).await?)
}

/// Puts a finding on the ledger (待整改) and gives its responsible agency the rectification task.
pub async fn record(app: &App, caller: &Caller, input: &FindingInput<'_>) -> Result<FindingId> {
    let valid = validate(app, caller, input).await?;
    let mut tx = app.write(caller).await?;
    let id = insert_valid(&mut tx, app, caller, &valid).await?;
    tx.commit().await?;
    Ok(id)
}

/// A finding's input, checked and resolved (the mine by its id).
#[derive(Debug, Clone)]
pub(crate) struct ValidFinding {
    mine_id: MineId,
    agency: AgencyCode,
    source: FindingSource,
    source_ref: Option<String>,
    category: String,
    description: String,
    legal_basis: Option<String>,
    severity: Severity,
    measures: Option<String>,
    found_on: chrono::NaiveDate,
    deadline_on: chrono::NaiveDate,
}

/// Checks a finding's input and the caller's right to record it in the agency's name.
pub(crate) async fn validate(app: &App, caller: &Caller, input: &FindingInput<'_>) -> Result<ValidFinding> {
    let today = local_date(app.now());
    let mut e = FieldErrors::new();
    let agency = e.take("agency", AgencyCode::parse(input.agency));
    let source = e.take("source", FindingSource::parse(input.source));
    let source_ref = e.take("source_ref", optional_text(input.source_ref, 100));
    let category = e.take("category", required_text(input.category, 40));
    let description = e.take("description", required_text(input.description, 2000));
    let legal_basis = e.take("legal_basis", optional_text(input.legal_basis, 500));
    let severity = e.take("severity", Severity::parse(input.severity));
    let measures = e.take("measures", optional_text(input.measures, 2000));
    let found_on = if input.found_on.trim().is_empty() {
        Some(today)
    } else {
        e.take(
            "found_on",
            date(input.found_on).and_then(|d| if d > today { Err(Problem::Invalid) } else { Ok(d) }),
        )
    };
    let deadline_on = e.take(
        "deadline_on",
        date(input.deadline_on).and_then(|d| check_deadline(d, today)),
    );
    let mine_name = e.take("mine", required_text(input.mine, 100));
    if let Some(agency) = &agency {
        caller.require(
            Action::RecordFinding,
            &Resource::Finding {
                agency: agency.clone(),
                evidence_by: None,
            },
        )?;
    }
    let mut conn = app.db.conn().await?;
    if let Some(code) = &agency {
        if !agencies::find(&mut conn, code)
            .await?
            .is_some_and(|a| a.is_member())
        {
            e.push("agency", Problem::NotFound);
        }
    }
    if let Some(category) = &category {
        let listed = findings::categories(&mut conn).await?;
        if !listed.iter().any(|c| &c.code == category) {
            e.push("category", Problem::CategoryNotListed);
        }
    }
    let mine_id = match &mine_name {
        Some(name) => match mine_named(&mut conn, name).await {
            Ok(id) => Some(id),
            Err(AppError::Invalid(errors)) => {
                e.0.extend(errors.0);
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    drop(conn);
    let (
        Some(agency),
        Some(source),
        Some(source_ref),
        Some(category),
        Some(description),
        Some(legal_basis),
        Some(severity),
        Some(measures),
        Some(found_on),
        Some(deadline_on),
        Some(mine_id),
    ) = (
        agency,
        source,
        source_ref,
        category,
        description,
        legal_basis,
        severity,
        measures,
        found_on,
        deadline_on,
        mine_id,
    )
    else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    Ok(ValidFinding {
        mine_id,
        agency,
        source,
        source_ref,
        category,
        description,
        legal_basis,
        severity,
        measures,
        found_on,
        deadline_on,
    })
}

/// Records a checked finding inside the caller's write, with its history and rectification task.
pub(crate) async fn insert_valid(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    v: &ValidFinding,
) -> Result<FindingId> {
    let id = findings::insert(
        tx,
        &NewFinding {
            mine_id: v.mine_id,
            source: v.source,
            source_ref: v.source_ref.as_deref(),
            category: &v.category,
            description: &v.description,
            legal_basis: v.legal_basis.as_deref(),
            severity: v.severity,
            agency: &v.agency,
            measures: v.measures.as_deref(),
            found_on: v.found_on,
            deadline_on: v.deadline_on,
            recorded_by: caller.account_id(),
            recorded_by_label: &caller.display_name,
        },
    )
    .await?;
    crate::workflow::created::<FindingFlow>(tx, app, caller, id).await?;
    Ok(id)
}

/// Takes one step of a finding through the kernel.
async fn take(
    app: &App,
    caller: &Caller,
    id: FindingId,
    command: FindingCommand,
    files: &[crate::evidence::Stored],
) -> Result<Stepped<FindingFlow>> {
    crate::workflow::step::<FindingFlow>(app, caller, id, command, files).await
}

/// 下达责令限期整改通知书: numbers the order and moves the finding to 整改中; returns the number.
pub async fn issue_notice(app: &App, caller: &Caller, id: FindingId) -> Result<String> {
    let stepped = take(app, caller, id, FindingCommand::IssueNotice, &[]).await?;
    Ok(stepped.document.unwrap_or_default())
}

pub use crate::evidence::EvidenceFile;

/// 申请销号: records the evidence of the fix (a note and files) and hands the finding to verification
/// within the verification period.
pub async fn apply_for_closure(
    app: &App,
    caller: &Caller,
    id: FindingId,
    note: &str,
    files_in: &[EvidenceFile<'_>],
) -> Result<()> {
    let note = required_text(note, 2000).map_err(|p| AppError::invalid("note", p))?;
    let stored = crate::evidence::store(app, files_in).await?;
    take(app, caller, id, FindingCommand::ApplyForClosure { note }, &stored).await?;
    Ok(())
}

/// 开始复查: the caller takes the verification on (never the person who recorded the evidence); the
/// agency's verification task becomes the caller's own.
pub async fn start_review(app: &App, caller: &Caller, id: FindingId) -> Result<()> {
    take(app, caller, id, FindingCommand::StartReview, &[]).await?;
    Ok(())
}

/// 复查证据: the verifier, while the finding is under review and the verification is theirs, attaches
/// stored evidence (a re-flight's comparison) with a note in the history.
pub(crate) async fn attach_review_evidence(
    app: &App,
    caller: &Caller,
    id: FindingId,
    stored: &[crate::evidence::Stored],
    note: &str,
) -> Result<()> {
    let command = FindingCommand::AddReviewEvidence {
        note: note.to_string(),
    };
    take(app, caller, id, command, stored).await?;
    Ok(())
}

/// 复查结论: passes (已销号) or returns (退回整改中, with the reasons) a finding under review. Only its
/// verifier, while still assigned, may.
pub async fn conclude_review(
    app: &App,
    caller: &Caller,
    id: FindingId,
    pass: bool,
    opinion: &str,
) -> Result<()> {
    let opinion = required_text(opinion, 2000).map_err(|p| AppError::invalid("opinion", p))?;
    let command = if pass {
        FindingCommand::Pass { opinion }
    } else {
        FindingCommand::Return { opinion }
    };
    take(app, caller, id, command, &[]).await?;
    Ok(())
}

/// The date and reason of an extension request or a listing, both required.
fn until_and_reason(until: &str, reason: &str) -> Result<(chrono::NaiveDate, String)> {
    let mut e = FieldErrors::new();
    let until = e.take("until", date(until));
    let reason = e.take("reason", required_text(reason, 1000));
    match (until, reason) {
        (Some(until), Some(reason)) => Ok((until, reason)),
        _ => Err(AppError::Invalid(e)),
    }
}

/// 申请延期: asks the office for a later deadline, before the deadline has passed.
pub async fn request_extension(
    app: &App,
    caller: &Caller,
    id: FindingId,
    until: &str,
    reason: &str,
) -> Result<()> {
    let (until, reason) = until_and_reason(until, reason)?;
    take(
        app,
        caller,
        id,
        FindingCommand::RequestExtension { until, reason },
        &[],
    )
    .await?;
    Ok(())
}

/// 延期审批: the office grants (the new deadline applies, the rectification task moves with it) or
/// refuses (with the reason) a pending request.
pub async fn decide_extension(
    app: &App,
    caller: &Caller,
    id: FindingId,
    grant: bool,
    note: &str,
) -> Result<()> {
    let note = optional_text(note, 1000).map_err(|p| AppError::invalid("note", p))?;
    let command = match (grant, note) {
        (true, note) => FindingCommand::GrantExtension { note },
        (false, Some(note)) => FindingCommand::RefuseExtension { note },
        (false, None) => return Err(AppError::invalid("note", Problem::Required)),
    };
    take(app, caller, id, command, &[]).await?;
    Ok(())
}

/// 挂牌督办: the office lists an open finding for supervision with a supervision deadline; the
/// rectification task follows the new deadline.
pub async fn list_for_supervision(
    app: &App,
    caller: &Caller,
    id: FindingId,
    until: &str,
    reason: &str,
) -> Result<()> {
    let (until, reason) = until_and_reason(until, reason)?;
    take(app, caller, id, FindingCommand::List { until, reason }, &[]).await?;
    Ok(())
}

/// 摘牌: the office ends the supervision of a listed finding, with the reason.
pub async fn delist(app: &App, caller: &Caller, id: FindingId, reason: &str) -> Result<()> {
    let reason = required_text(reason, 1000).map_err(|p| AppError::invalid("reason", p))?;
    take(app, caller, id, FindingCommand::Delist { reason }, &[]).await?;
    Ok(())
}

/// A finding as its page shows it: with its evidence, its open tasks and the steps open to the reader.
#[derive(Debug, Clone)]
pub struct FindingView {
    pub finding: Finding,
    pub attachments: Vec<Attachment>,
    pub open_tasks: Vec<TaskRow>,
    pub overdue: bool,
    pub today: chrono::NaiveDate,
    pub open: Vec<FindingStep>,
}

/// One finding with its evidence, open tasks and open steps.
pub async fn show(app: &App, caller: &Caller, id: FindingId) -> Result<FindingView> {
    let mut conn = app.db.conn().await?;
    let finding = findings::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewLedger, &resource(&finding))?;
    let attachments = files::of_record(&mut conn, RecordType::Finding, &id.to_string()).await?;
    let open_tasks =
        orewatch_storage::tasks::open_for(&mut conn, RecordType::Finding, &id.to_string(), None).await?;
    let tasks: Vec<_> = open_tasks.iter().map(|t| t.task.clone()).collect();
    let today = local_date(app.now());
    let open = open_steps::<FindingFlow>(&finding, &caller.actor, &tasks, today);
    Ok(FindingView {
        overdue: finding.overdue(today),
        finding,
        attachments,
        open_tasks,
        today,
        open,
    })
}

/// An evidence file and its bytes (checked against their SHA-256).
pub async fn evidence(
    app: &App,
    caller: &Caller,
    attachment_id: AttachmentId,
) -> Result<(Attachment, Vec<u8>)> {
    crate::evidence::file_of::<FindingFlow>(app, attachment_id, |finding| {
        caller.require(Action::ViewLedger, &resource(finding))
    })
    .await
}

/// The ledger: findings in the caller's scope that pass the filter.
pub async fn ledger(
    app: &App,
    caller: &Caller,
    filter: &LedgerFilter,
    limit: i64,
    offset: i64,
) -> Result<Page<Finding>> {
    caller.require(Action::ViewLedger, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(findings::list(
        &mut conn,
        &caller.scope(Listing::Ledger),
        filter,
        local_date(app.now()),
        limit,
        offset,
    )
    .await?)
}

/// A mine's part of the ledger: its findings (every state), the inspection records at it, and the
/// audit entries of both, newest first (the mine page's timeline adds them to the registry's).
#[derive(Debug, Clone)]
pub struct MineLedger {
    pub findings: Vec<Finding>,
    pub acts: Vec<orewatch_storage::acts::Act>,
    pub timeline: Vec<orewatch_domain::audit::StoredAuditRow>,
    pub today: chrono::NaiveDate,
}

pub async fn of_mine(app: &App, caller: &Caller, mine: MineId) -> Result<MineLedger> {
    caller.require(Action::ViewLedger, &Resource::Installation)?;
    let today = local_date(app.now());
    let mut conn = app.db.conn().await?;
    let found = findings::list(
        &mut conn,
        &caller.scope(Listing::Ledger),
        &LedgerFilter {
            mine: Some(mine),
            include_closed: true,
            ..Default::default()
        },
        today,
        500,
        0,
    )
    .await?;
    let mut acts = orewatch_storage::acts::acts_at_mine(&mut conn, mine).await?;
    acts.retain(|a| !crate::inspections::acts::list_hidden(app, caller, a.drawn, a.inspect_on));
    let records: Vec<(RecordType, String)> = found
        .rows
        .iter()
        .map(|f| (RecordType::Finding, f.id.to_string()))
        .chain(acts.iter().map(|a| (RecordType::InspectionAct, a.id.to_string())))
        .collect();
    let timeline = if records.is_empty() {
        Vec::new()
    } else {
        orewatch_storage::audit::list(
            &mut conn,
            &orewatch_storage::audit::AuditFilter {
                records,
                limit: 200,
                ..Default::default()
            },
        )
        .await?
    };
    Ok(MineLedger {
        findings: found.rows,
        acts,
        timeline,
        today,
    })
}

/// The mines with a finding late today (整改逾期 on the county map and the mine page).
pub async fn overdue_mines(app: &App, caller: &Caller) -> Result<std::collections::HashSet<MineId>> {
    caller.require(Action::ViewLedger, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(findings::overdue_mines(&mut conn, local_date(app.now()))
        .await?
        .into_iter()
        .collect())
}
