//! The use cases of a finding, from recording to 销号 (WORKFLOW.md §1.3, §2).
//!
//! Each step: check the policy on the finding → check the step against its state
//! (`FindingState::after`) and its dates (`domain::finding`) → one audited write that changes the
//! finding, appends to its history, and closes and opens its tasks. A step sent twice is refused with
//! "already done" and changes nothing.

use crate::registry::sharing::mine_named;
use crate::tasks::{self as task_cases};
use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::finding::{
    check_deadline, check_extension, FindingSource, FindingState, Severity, Step,
};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::task::{end_of_day, local_date, Assignee, Level, Task, TaskKind};
use orewatch_domain::{AgencyCode, AuditAction, FieldErrors, MineId, Problem, RecordType};
use orewatch_storage::bound::Value;
use orewatch_storage::files::Attachment;
use orewatch_storage::findings::{self, NewFinding};
pub use orewatch_storage::findings::{Category, Finding, FindingEvent, LedgerFilter};
use orewatch_storage::tasks::{Outcome, TaskRow};
use orewatch_storage::{agencies, date_text, files, Key, Page, WriteTx};

/// The policy's view of a finding.
pub fn resource(finding: &Finding) -> Resource {
    Resource::Finding {
        agency: finding.agency.clone(),
        evidence_by: finding.evidence_by,
    }
}

fn record_of(id: i64) -> (RecordType, String) {
    (RecordType::Finding, id.to_string())
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
pub async fn record(app: &App, caller: &Caller, input: &FindingInput<'_>) -> Result<i64> {
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
) -> Result<i64> {
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
    findings::add_event(tx, id, "record", &caller.display_name, None, Some(v.deadline_on)).await?;
    tx.audit(
        AuditAction::FindingCreate,
        RecordType::Finding,
        &Key::Int(id),
        None,
        None,
    )
    .await?;
    open_rectify_task(tx, app, id, v.mine_id, &v.agency, &v.description, v.deadline_on).await?;
    Ok(id)
}

/// The title a task about a finding carries in the inbox.
fn task_title(finding_id: i64, description: &str) -> String {
    let short: String = description.chars().take(40).collect();
    format!("#{finding_id} {short}")
}

async fn open_rectify_task(
    tx: &mut WriteTx,
    app: &App,
    id: i64,
    mine_id: MineId,
    agency: &AgencyCode,
    description: &str,
    deadline_on: chrono::NaiveDate,
) -> Result<i64> {
    task_cases::open(
        tx,
        app,
        Task {
            kind: TaskKind::Rectify,
            assignee: Assignee::Agency {
                agency: agency.clone(),
                role: None,
            },
            agency: Some(agency.clone()),
            due_at: end_of_day(deadline_on),
            level: Level::Open,
        },
        record_of(id),
        Some(mine_id),
        &task_title(id, description),
    )
    .await
}

/// Reads a finding inside the write and checks the policy and the step; returns it and the state the
/// step leads to.
async fn prepare(
    tx: &mut WriteTx,
    caller: &Caller,
    id: i64,
    action: Action,
    step: Option<Step>,
) -> Result<(Finding, FindingState)> {
    let finding = findings::find(tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(action, &resource(&finding))?;
    let next = match step {
        Some(step) => finding
            .state
            .after(step)
            .map_err(|p| AppError::invalid("state", p))?,
        None => finding.state,
    };
    Ok((finding, next))
}

/// Commits a finding's change: its columns, an event, the audit entry.
async fn change(
    tx: &mut WriteTx,
    caller: &Caller,
    finding: &Finding,
    action: AuditAction,
    event: (&str, Option<&str>, Option<chrono::NaiveDate>),
    set: &[(&str, Value)],
) -> Result<()> {
    let key = Key::Int(finding.id);
    let before = tx.state(RecordType::Finding, &key).await?;
    if !set.is_empty() {
        findings::update(tx, finding.id, set).await?;
    }
    findings::add_event(tx, finding.id, event.0, &caller.display_name, event.1, event.2).await?;
    tx.audit(action, RecordType::Finding, &key, before, None).await?;
    Ok(())
}

/// 下达责令限期整改通知书: numbers the order and moves the finding to 整改中.
pub async fn issue_notice(app: &App, caller: &Caller, id: i64) -> Result<String> {
    let mut tx = app.write(caller).await?;
    let (finding, next) = prepare(&mut tx, caller, id, Action::WorkFinding, Some(Step::IssueNotice)).await?;
    let agency = agencies::find(&mut tx, &finding.agency)
        .await?
        .ok_or(AppError::NotFound)?;
    let year = local_date(tx.now()).format("%Y").to_string();
    let short = orewatch_domain::agency::short_name(&agency.name_zh);
    let prefix = format!("{short}责改〔{year}〕");
    let issued = findings::notices_with_prefix(&mut tx, &prefix).await?;
    let number = format!("{prefix}{}号", issued + 1);
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    change(
        &mut tx,
        caller,
        &finding,
        AuditAction::FindingNotice,
        ("notice", Some(&number), Some(finding.deadline_on)),
        &[
            ("state", next.as_str().into()),
            ("notice_no", number.as_str().into()),
            ("notice_issued_at", now.into()),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(number)
}

pub use crate::evidence::EvidenceFile;

/// 申请销号: records the evidence of the fix (a note and files) and hands the finding to verification
/// within the verification period.
pub async fn apply_for_closure(
    app: &App,
    caller: &Caller,
    id: i64,
    note: &str,
    files_in: &[EvidenceFile<'_>],
) -> Result<()> {
    let note = required_text(note, 2000).map_err(|p| AppError::invalid("note", p))?;
    let stored = crate::evidence::store(app, files_in).await?;
    let mut tx = app.write(caller).await?;
    let (finding, next) = prepare(
        &mut tx,
        caller,
        id,
        Action::WorkFinding,
        Some(Step::ApplyForClosure),
    )
    .await?;
    let today = local_date(tx.now());
    let verify_due = today + chrono::Duration::days(app.settings.clocks.verify_within_days);
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    let key = Key::Int(id);
    let before = tx.state(RecordType::Finding, &key).await?;
    crate::evidence::attach(&mut tx, caller, RecordType::Finding, &key, &stored).await?;
    findings::update(
        &mut tx,
        id,
        &[
            ("state", next.as_str().into()),
            ("evidence_by", caller.account_id().map(|a| a.0).into()),
            ("evidence_by_label", caller.display_name.as_str().into()),
            ("evidence_at", now.into()),
            ("evidence_note", note.as_str().into()),
            ("verify_due_on", date_text(verify_due).into()),
        ],
    )
    .await?;
    findings::add_event(
        &mut tx,
        id,
        "evidence",
        &caller.display_name,
        Some(&note),
        Some(verify_due),
    )
    .await?;
    tx.audit(
        AuditAction::FindingEvidence,
        RecordType::Finding,
        &key,
        before,
        None,
    )
    .await?;
    let record = record_of(id);
    task_cases::close_open(
        &mut tx,
        caller,
        (RecordType::Finding, &record.1),
        TaskKind::Rectify,
        Outcome::Done,
    )
    .await?;
    task_cases::open(
        &mut tx,
        app,
        Task {
            kind: TaskKind::Verify,
            assignee: Assignee::Agency {
                agency: finding.agency.clone(),
                role: None,
            },
            agency: Some(finding.agency.clone()),
            due_at: end_of_day(verify_due),
            level: Level::Open,
        },
        record,
        Some(finding.mine_id),
        &task_title(id, &finding.description),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 开始复查: the caller takes the verification on (never the person who recorded the evidence); the
/// agency's verification task becomes the caller's own.
pub async fn start_review(app: &App, caller: &Caller, id: i64) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let (finding, next) = prepare(
        &mut tx,
        caller,
        id,
        Action::VerifyRectification,
        Some(Step::StartReview),
    )
    .await?;
    let record = record_of(id);
    task_cases::require_assigned(
        &mut tx,
        caller,
        (RecordType::Finding, &record.1),
        TaskKind::Verify,
    )
    .await?;
    change(
        &mut tx,
        caller,
        &finding,
        AuditAction::FindingReviewStart,
        ("review_start", None, None),
        &[
            ("state", next.as_str().into()),
            ("verifier_id", caller.account_id().map(|a| a.0).into()),
            ("verifier_label", caller.display_name.as_str().into()),
        ],
    )
    .await?;
    let closed = task_cases::close_open(
        &mut tx,
        caller,
        (RecordType::Finding, &record.1),
        TaskKind::Verify,
        Outcome::Reassigned,
    )
    .await?;
    let due_at = closed
        .first()
        .map(|t| t.task.due_at)
        .or(finding.verify_due_on.map(end_of_day))
        .unwrap_or_else(|| tx.now());
    let Some(me) = caller.account_id() else {
        return Err(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role));
    };
    task_cases::open(
        &mut tx,
        app,
        Task {
            kind: TaskKind::Verify,
            assignee: Assignee::Account(me),
            agency: Some(finding.agency.clone()),
            due_at,
            level: Level::Open,
        },
        record,
        Some(finding.mine_id),
        &task_title(id, &finding.description),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 复查证据: the verifier, while the finding is under review and the verification is theirs, attaches
/// stored evidence (a re-flight's comparison) with a note in the history.
pub(crate) async fn attach_review_evidence(
    app: &App,
    caller: &Caller,
    id: i64,
    stored: &[crate::evidence::Stored],
    note: &str,
) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let (finding, _) = prepare(&mut tx, caller, id, Action::VerifyRectification, None).await?;
    if finding.state != FindingState::Reviewing {
        return Err(AppError::invalid(
            "state",
            Problem::WrongState {
                state: finding.state.label_zh().to_string(),
                step: "附加复查证据".to_string(),
            },
        ));
    }
    let record = record_of(id);
    task_cases::require_assigned(
        &mut tx,
        caller,
        (RecordType::Finding, &record.1),
        TaskKind::Verify,
    )
    .await?;
    let key = Key::Int(id);
    let before = tx.state(RecordType::Finding, &key).await?;
    crate::evidence::attach(&mut tx, caller, RecordType::Finding, &key, stored).await?;
    findings::add_event(
        &mut tx,
        id,
        "review_evidence",
        &caller.display_name,
        Some(note),
        None,
    )
    .await?;
    tx.audit(
        AuditAction::FindingReviewEvidence,
        RecordType::Finding,
        &key,
        before,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 复查结论: passes (已销号) or returns (退回整改中, with the reasons) a finding under review. Only its
/// verifier, while still assigned, may.
pub async fn conclude_review(app: &App, caller: &Caller, id: i64, pass: bool, opinion: &str) -> Result<()> {
    let opinion = required_text(opinion, 2000).map_err(|p| AppError::invalid("opinion", p))?;
    let step = if pass { Step::Pass } else { Step::Return };
    let mut tx = app.write(caller).await?;
    let (finding, next) = prepare(&mut tx, caller, id, Action::VerifyRectification, Some(step)).await?;
    let record = record_of(id);
    task_cases::require_assigned(
        &mut tx,
        caller,
        (RecordType::Finding, &record.1),
        TaskKind::Verify,
    )
    .await?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    if pass {
        let mut set = vec![
            ("state", next.as_str().into()),
            ("verified_at", now.clone().into()),
            ("verify_opinion", opinion.as_str().into()),
            ("closed_at", now.into()),
        ];
        if finding.listed_at.is_some() {
            set.push(("listed_at", Value::Null));
            set.push(("listed_reason", Value::Null));
            set.push(("listed_deadline_on", Value::Null));
        }
        let key = Key::Int(id);
        let before = tx.state(RecordType::Finding, &key).await?;
        findings::update(&mut tx, id, &set).await?;
        findings::add_event(&mut tx, id, "pass", &caller.display_name, Some(&opinion), None).await?;
        if finding.listed_at.is_some() {
            findings::add_event(
                &mut tx,
                id,
                "delist",
                &caller.display_name,
                Some("整改销号，督办随之解除"),
                None,
            )
            .await?;
        }
        tx.audit(AuditAction::FindingPass, RecordType::Finding, &key, before, None)
            .await?;
        task_cases::close_open(
            &mut tx,
            caller,
            (RecordType::Finding, &record.1),
            TaskKind::Verify,
            Outcome::Done,
        )
        .await?;
        task_cases::close_open(
            &mut tx,
            caller,
            (RecordType::Finding, &record.1),
            TaskKind::DecideExtension,
            Outcome::Cancelled,
        )
        .await?;
    } else {
        change(
            &mut tx,
            caller,
            &finding,
            AuditAction::FindingReturn,
            ("return", Some(&opinion), None),
            &[
                ("state", next.as_str().into()),
                ("verified_at", now.into()),
                ("verify_opinion", opinion.as_str().into()),
                ("verify_due_on", Value::Null),
            ],
        )
        .await?;
        task_cases::close_open(
            &mut tx,
            caller,
            (RecordType::Finding, &record.1),
            TaskKind::Verify,
            Outcome::Done,
        )
        .await?;
        // Back to rectifying against the deadline in force (or the supervision deadline): a late
        // finding is raised again at once.
        let deadline = finding.listed_deadline_on.unwrap_or(finding.deadline_on);
        open_rectify_task(
            &mut tx,
            app,
            id,
            finding.mine_id,
            &finding.agency,
            &finding.description,
            deadline,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// 申请延期: asks the office for a later deadline, before the deadline has passed.
pub async fn request_extension(app: &App, caller: &Caller, id: i64, until: &str, reason: &str) -> Result<()> {
    let mut e = FieldErrors::new();
    let until = e.take("until", date(until));
    let reason = e.take("reason", required_text(reason, 1000));
    let (Some(until), Some(reason)) = (until, reason) else {
        return Err(AppError::Invalid(e));
    };
    let mut tx = app.write(caller).await?;
    let (finding, _) = prepare(&mut tx, caller, id, Action::WorkFinding, None).await?;
    if !finding.state.is_open() {
        return Err(AppError::invalid(
            "state",
            Problem::WrongState {
                state: finding.state.label_zh().into(),
                step: "申请延期".into(),
            },
        ));
    }
    if finding.extension_on.is_some() {
        return Err(AppError::invalid("until", Problem::ExtensionPending));
    }
    let today = local_date(tx.now());
    let until =
        check_extension(finding.deadline_on, until, today).map_err(|p| AppError::invalid("until", p))?;
    change(
        &mut tx,
        caller,
        &finding,
        AuditAction::FindingExtensionRequest,
        ("extension_request", Some(&reason), Some(until)),
        &[
            ("extension_on", date_text(until).into()),
            ("extension_reason", reason.as_str().into()),
        ],
    )
    .await?;
    task_cases::open(
        &mut tx,
        app,
        Task {
            kind: TaskKind::DecideExtension,
            assignee: Assignee::Office,
            agency: Some(finding.agency.clone()),
            due_at: end_of_day(finding.deadline_on),
            level: Level::Open,
        },
        record_of(id),
        Some(finding.mine_id),
        &task_title(id, &finding.description),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 延期审批: the office grants (the new deadline applies, the rectification task moves with it) or
/// refuses a pending request.
pub async fn decide_extension(app: &App, caller: &Caller, id: i64, grant: bool, note: &str) -> Result<()> {
    let note = optional_text(note, 1000).map_err(|p| AppError::invalid("note", p))?;
    if !grant && note.is_none() {
        return Err(AppError::invalid("note", Problem::Required));
    }
    let mut tx = app.write(caller).await?;
    let (finding, _) = prepare(&mut tx, caller, id, Action::DecideExtension, None).await?;
    let Some(until) = finding.extension_on else {
        return Err(AppError::invalid(
            "state",
            Problem::AlreadyDone {
                state: "无待审批的延期申请".into(),
            },
        ));
    };
    let mut set: Vec<(&str, Value)> = vec![("extension_on", Value::Null), ("extension_reason", Value::Null)];
    if grant {
        set.push(("deadline_on", date_text(until).into()));
    }
    change(
        &mut tx,
        caller,
        &finding,
        AuditAction::FindingExtensionDecide,
        (
            if grant {
                "extension_granted"
            } else {
                "extension_refused"
            },
            note.as_deref(),
            Some(until),
        ),
        &set,
    )
    .await?;
    let record = record_of(id);
    task_cases::close_open(
        &mut tx,
        caller,
        (RecordType::Finding, &record.1),
        TaskKind::DecideExtension,
        Outcome::Done,
    )
    .await?;
    if grant && finding.listed_deadline_on.is_none() {
        task_cases::reschedule_open(
            &mut tx,
            app,
            (RecordType::Finding, &record.1),
            TaskKind::Rectify,
            end_of_day(until),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// 挂牌督办: the office lists an open finding for supervision with a supervision deadline; the
/// rectification task follows the new deadline.
pub async fn list_for_supervision(
    app: &App,
    caller: &Caller,
    id: i64,
    until: &str,
    reason: &str,
) -> Result<()> {
    let mut e = FieldErrors::new();
    let until = e.take("until", date(until));
    let reason = e.take("reason", required_text(reason, 1000));
    let (Some(until), Some(reason)) = (until, reason) else {
        return Err(AppError::Invalid(e));
    };
    let mut tx = app.write(caller).await?;
    let (finding, _) = prepare(&mut tx, caller, id, Action::SuperviseFinding, None).await?;
    if !finding.state.is_open() {
        return Err(AppError::invalid(
            "state",
            Problem::WrongState {
                state: finding.state.label_zh().into(),
                step: "挂牌督办".into(),
            },
        ));
    }
    if finding.listed_at.is_some() {
        return Err(AppError::invalid(
            "state",
            Problem::AlreadyDone {
                state: "挂牌督办".into(),
            },
        ));
    }
    let today = local_date(tx.now());
    let until = check_deadline(until, today).map_err(|p| AppError::invalid("until", p))?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    change(
        &mut tx,
        caller,
        &finding,
        AuditAction::FindingList,
        ("list", Some(&reason), Some(until)),
        &[
            ("listed_at", now.into()),
            ("listed_reason", reason.as_str().into()),
            ("listed_deadline_on", date_text(until).into()),
        ],
    )
    .await?;
    let record = record_of(id);
    task_cases::reschedule_open(
        &mut tx,
        app,
        (RecordType::Finding, &record.1),
        TaskKind::Rectify,
        end_of_day(until),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 摘牌: the office ends the supervision of a listed finding, with the reason.
pub async fn delist(app: &App, caller: &Caller, id: i64, reason: &str) -> Result<()> {
    let reason = required_text(reason, 1000).map_err(|p| AppError::invalid("reason", p))?;
    let mut tx = app.write(caller).await?;
    let (finding, _) = prepare(&mut tx, caller, id, Action::SuperviseFinding, None).await?;
    if finding.listed_at.is_none() {
        return Err(AppError::invalid(
            "state",
            Problem::AlreadyDone {
                state: "未挂牌".into(),
            },
        ));
    }
    change(
        &mut tx,
        caller,
        &finding,
        AuditAction::FindingDelist,
        ("delist", Some(&reason), None),
        &[
            ("listed_at", Value::Null),
            ("listed_reason", Value::Null),
            ("listed_deadline_on", Value::Null),
        ],
    )
    .await?;
    let record = record_of(id);
    task_cases::reschedule_open(
        &mut tx,
        app,
        (RecordType::Finding, &record.1),
        TaskKind::Rectify,
        end_of_day(finding.deadline_on),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A finding as its page shows it.
#[derive(Debug, Clone)]
pub struct FindingView {
    pub finding: Finding,
    pub attachments: Vec<Attachment>,
    pub open_tasks: Vec<TaskRow>,
    pub overdue: bool,
    pub today: chrono::NaiveDate,
}

/// One finding with its evidence and open tasks.
pub async fn show(app: &App, caller: &Caller, id: i64) -> Result<FindingView> {
    let mut conn = app.db.conn().await?;
    let finding = findings::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewLedger, &resource(&finding))?;
    let attachments = files::of_record(&mut conn, RecordType::Finding, &id.to_string()).await?;
    let open_tasks =
        orewatch_storage::tasks::open_for(&mut conn, RecordType::Finding, &id.to_string(), None).await?;
    let today = local_date(app.now());
    Ok(FindingView {
        overdue: orewatch_domain::finding::is_overdue(
            finding.state,
            finding.deadline_on,
            finding.verify_due_on,
            today,
        ),
        finding,
        attachments,
        open_tasks,
        today,
    })
}

/// An evidence file and its bytes (checked against their SHA-256).
pub async fn evidence(app: &App, caller: &Caller, attachment_id: i64) -> Result<(Attachment, Vec<u8>)> {
    let mut conn = app.db.conn().await?;
    let (found, id) = crate::evidence::find_attached(&mut conn, attachment_id, RecordType::Finding).await?;
    let finding = findings::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewLedger, &resource(&finding))?;
    let bytes = crate::evidence::bytes_of(app, &found).await?;
    Ok((found, bytes))
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
    pub acts: Vec<orewatch_storage::inspections::Act>,
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
    let mut acts = orewatch_storage::inspections::acts_at_mine(&mut conn, mine).await?;
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
