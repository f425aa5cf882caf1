//! The enforcement ladder on a penalty case (WORKFLOW.md §3): taking a measure with its document,
//! the supplier's confirmation, and lifting it when the company complies.
//!
//! Each use case: the policy → `domain::measure`'s rule → one audited write. A suspension sets the
//! mine's status to 停产整顿 in the same write (and its lifting restores the status it had); a
//! revocation cancels the mine's licences through the registry's own licence event; a power cut or
//! explosives stop opens a confirmation task for the supplier (the power company, public security),
//! due when it takes effect, and its lifting one for the restoration.

use crate::enforcement::cases::{self as case_cases, Case};
use crate::tasks as task_cases;
use crate::{App, AppError, Caller, Result};
use chrono::Datelike;
use orewatch_domain::field::{optional_text, required_text};
use orewatch_domain::licence::{LicenceEventKind, LicenceState};
use orewatch_domain::measure::{
    check_lift, check_take, effective_at, status_left, Existing, MeasureKind, MeasureState,
};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::penalty::{CaseState, PenaltyKind};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::{local_date, Assignee, Level, Task, TaskKind};
use orewatch_domain::{AgencyCode, AuditAction, FieldErrors, Problem, RecordType};
pub use orewatch_storage::measures::Measure;
use orewatch_storage::measures::{self, NewMeasure};
use orewatch_storage::tasks::Outcome;
use orewatch_storage::{agencies, cases, licences, mines, Key, WriteTx};

/// The policy's view of a measure.
pub fn resource(m: &Measure) -> Resource {
    Resource::Measure {
        agency: m.agency.clone(),
        supplier: m.supplier.clone(),
    }
}

fn record_of(id: i64) -> (RecordType, String) {
    (RecordType::Measure, id.to_string())
}

/// Raw input of a measure.
#[derive(Debug, Clone, Default)]
pub struct TakeInput<'a> {
    pub kind: &'a str,
    /// The facts and legal basis the document states.
    pub basis: &'a str,
    /// 查封、扣押: the list of items.
    pub items: &'a str,
    /// "1": an emergency power cut, without the 24 hours' notice.
    pub emergency: &'a str,
}

async fn supplier_of(tx: &mut WriteTx, kind: MeasureKind) -> Result<Option<AgencyCode>> {
    let Some(code) = kind.supplier() else {
        return Ok(None);
    };
    let code = AgencyCode::parse(code).map_err(|_| AppError::Internal(format!("agency {code}")))?;
    // The supplier must be a member agency of this installation to confirm in the platform.
    match agencies::find(tx, &code).await? {
        Some(a) if a.is_member() => Ok(Some(code)),
        _ => Err(AppError::invalid("kind", Problem::NotFound)),
    }
}

/// The measures on a mine, as the rules see them.
async fn existing_at(tx: &mut WriteTx, mine: orewatch_domain::MineId) -> Result<Vec<Existing>> {
    Ok(measures::of_mine(tx, mine)
        .await?
        .iter()
        .map(|m| Existing {
            kind: m.kind,
            state: m.state,
        })
        .collect())
}

async fn open_confirm_task(
    tx: &mut WriteTx,
    app: &App,
    m_id: i64,
    case: &Case,
    supplier: &AgencyCode,
    due_at: chrono::DateTime<chrono::Utc>,
    title: &str,
) -> Result<i64> {
    task_cases::open(
        tx,
        app,
        Task {
            kind: TaskKind::ConfirmMeasure,
            assignee: Assignee::Agency {
                agency: supplier.clone(),
                role: None,
            },
            agency: Some(supplier.clone()),
            due_at,
            level: Level::Open,
        },
        record_of(m_id),
        Some(case.mine_id),
        title,
    )
    .await
}

/// Takes a measure on a case: the case's head, in writing, with its numbered document. Refused when the
/// same measure already binds the mine, when power or explosives are to be stopped without a
/// suspension in force, or a licence revoked without a decision to revoke it.
pub async fn take(app: &App, caller: &Caller, case_id: i64, input: &TakeInput<'_>) -> Result<i64> {
    let mut e = FieldErrors::new();
    let kind = e.take("kind", MeasureKind::parse(input.kind));
    let basis = e.take("basis", required_text(input.basis, 2000));
    let items = e.take("items", optional_text(input.items, 4000));
    let emergency = matches!(input.emergency.trim(), "1" | "on" | "true");
    let mut tx = app.write(caller).await?;
    let case = cases::find(&mut tx, case_id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::TakeMeasure, &case_cases::resource(&case))?;
    if case.state == CaseState::Closed {
        return Err(AppError::invalid(
            "state",
            Problem::WrongState {
                state: CaseState::Closed.label_zh().to_string(),
                step: "采取强制措施".to_string(),
            },
        ));
    }
    let (Some(kind), Some(basis), Some(items)) = (kind, basis, items) else {
        return Err(AppError::Invalid(e));
    };
    if kind == MeasureKind::Seal && items.is_none() {
        return Err(AppError::invalid("items", Problem::ItemsRequired));
    }
    let existing = existing_at(&mut tx, case.mine_id).await?;
    let revocation_decided = case
        .decided
        .as_ref()
        .is_some_and(|p| p.kinds.contains(&PenaltyKind::Revocation));
    check_take(kind, &existing, revocation_decided).map_err(|p| AppError::invalid("kind", p))?;
    let supplier = supplier_of(&mut tx, kind).await?;
    let now = tx.now();
    let today = local_date(now);
    let agency = agencies::find(&mut tx, &case.agency)
        .await?
        .ok_or(AppError::NotFound)?;
    let short = orewatch_domain::agency::short_name(&agency.name_zh);
    let prefix = format!("{short}{}〔{}〕", kind.number_word(), today.year());
    let doc_no = format!(
        "{prefix}{}号",
        measures::numbers_with_prefix(&mut tx, &prefix).await? + 1
    );
    let mine = mines::find(&mut tx, case.mine_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status_before = status_left(kind, mine.status);
    let effective = effective_at(kind, now, emergency);
    let id = measures::insert(
        &mut tx,
        &NewMeasure {
            case_id,
            mine_id: case.mine_id,
            kind,
            agency: &case.agency,
            supplier: supplier.as_ref(),
            doc_no: &doc_no,
            basis: &basis,
            items: items.as_deref(),
            emergency: emergency && kind == MeasureKind::PowerCut,
            state: if supplier.is_some() {
                MeasureState::Pending
            } else {
                MeasureState::InForce
            },
            taken_by_label: &caller.display_name,
            effective_at: effective,
            mine_status_before: status_before,
        },
    )
    .await?;
    tx.audit(
        AuditAction::MeasureTake,
        RecordType::Measure,
        &Key::Int(id),
        None,
        None,
    )
    .await?;
    if status_before.is_some() {
        set_mine_status(&mut tx, &mine.id, MineStatus::Suspended, &doc_no).await?;
    }
    if kind == MeasureKind::Revocation {
        for licence in licences::for_mine(&mut tx, case.mine_id).await? {
            if licence.state == LicenceState::Active {
                crate::registry::licences::apply_event(
                    &mut tx,
                    app,
                    caller,
                    licence.id,
                    LicenceEventKind::Cancelled,
                    today,
                    None,
                    Some(format!(
                        "{doc_no}（{}）",
                        case.decision_no.clone().unwrap_or_default()
                    )),
                    "",
                )
                .await?;
            }
        }
    }
    if let Some(supplier) = &supplier {
        let title = format!("{doc_no} {}：{}", kind.label_zh(), case.mine_name);
        open_confirm_task(&mut tx, app, id, &case, supplier, effective, &title).await?;
    }
    let key = Key::Int(case_id);
    let case_before = tx.state(RecordType::PenaltyCase, &key).await?;
    cases::add_event(
        &mut tx,
        case_id,
        "measure",
        &caller.display_name,
        Some(&format!("{doc_no} {}", kind.label_zh())),
        None,
    )
    .await?;
    tx.audit(
        AuditAction::MeasureTake,
        RecordType::PenaltyCase,
        &key,
        case_before,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn set_mine_status(
    tx: &mut WriteTx,
    mine: &orewatch_domain::MineId,
    status: MineStatus,
    note: &str,
) -> Result<()> {
    let key = Key::Int(mine.0);
    let before = tx.state(RecordType::Mine, &key).await?;
    mines::set_status(tx, *mine, status).await?;
    tx.audit(
        AuditAction::MineStatus,
        RecordType::Mine,
        &key,
        before,
        Some(note.to_string()),
    )
    .await?;
    Ok(())
}

/// The supplier confirms it has stopped supply (a pending measure comes into force), or, after a
/// lifting, that it has restored it.
pub async fn confirm(app: &App, caller: &Caller, id: i64) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let m = measures::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ConfirmMeasure, &resource(&m))?;
    let record = record_of(id);
    let open =
        orewatch_storage::tasks::open_for(&mut tx, record.0, &record.1, Some(TaskKind::ConfirmMeasure))
            .await?;
    if open.is_empty() {
        return Err(AppError::invalid(
            "state",
            Problem::AlreadyDone {
                state: state_label(m.state).to_string(),
            },
        ));
    }
    let key = Key::Int(id);
    let before = tx.state(RecordType::Measure, &key).await?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    let note = if m.state == MeasureState::Pending {
        measures::update(
            &mut tx,
            id,
            &[
                ("state", MeasureState::InForce.as_str().into()),
                ("confirmed_by_label", caller.display_name.as_str().into()),
                ("confirmed_at", now.into()),
            ],
        )
        .await?;
        "已按通知执行"
    } else {
        "已恢复"
    };
    tx.audit(
        AuditAction::MeasureConfirm,
        RecordType::Measure,
        &key,
        before,
        Some(note.to_string()),
    )
    .await?;
    task_cases::close_open(
        &mut tx,
        caller,
        (record.0, &record.1),
        TaskKind::ConfirmMeasure,
        Outcome::Done,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn state_label(state: MeasureState) -> &'static str {
    match state {
        MeasureState::Pending => "待协助执行",
        MeasureState::InForce => "执行中",
        MeasureState::Lifted => "已解除",
    }
}

/// Lifts a measure once the company complied, with the reason: a suspension restores the mine's
/// status (after any power cut or explosives stop resting on it has been lifted); a supplier's
/// measure asks the supplier to confirm the restoration.
pub async fn lift(app: &App, caller: &Caller, id: i64, reason: &str) -> Result<()> {
    let reason = required_text(reason, 1000).map_err(|p| AppError::invalid("reason", p))?;
    let mut tx = app.write(caller).await?;
    let m = measures::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::TakeMeasure, &resource(&m))?;
    let existing = existing_at(&mut tx, m.mine_id).await?;
    check_lift(m.kind, m.state, &existing).map_err(|p| AppError::invalid("state", p))?;
    let key = Key::Int(id);
    let before = tx.state(RecordType::Measure, &key).await?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    measures::update(
        &mut tx,
        id,
        &[
            ("state", MeasureState::Lifted.as_str().into()),
            ("lifted_by_label", caller.display_name.as_str().into()),
            ("lifted_at", now.into()),
            ("lift_reason", reason.as_str().into()),
        ],
    )
    .await?;
    tx.audit(AuditAction::MeasureLift, RecordType::Measure, &key, before, None)
        .await?;
    let record = record_of(id);
    // A confirmation still open (the supplier never confirmed the stop) is no longer needed as such.
    task_cases::close_open(
        &mut tx,
        caller,
        (record.0, &record.1),
        TaskKind::ConfirmMeasure,
        Outcome::Cancelled,
    )
    .await?;
    if let Some(before) = m.mine_status_before {
        let mine = mines::find(&mut tx, m.mine_id).await?.ok_or(AppError::NotFound)?;
        if mine.status == MineStatus::Suspended {
            set_mine_status(&mut tx, &m.mine_id, before, &format!("解除 {}", m.doc_no)).await?;
        }
    }
    if let Some(supplier) = &m.supplier {
        let case = cases::find(&mut tx, m.case_id).await?.ok_or(AppError::NotFound)?;
        let title = format!("解除 {} {}：{}", m.doc_no, m.kind.label_zh(), m.mine_name);
        let due = tx.now() + chrono::Duration::hours(24);
        open_confirm_task(&mut tx, app, id, &case, supplier, due, &title).await?;
    }
    let case_key = Key::Int(m.case_id);
    let case_before = tx.state(RecordType::PenaltyCase, &case_key).await?;
    cases::add_event(
        &mut tx,
        m.case_id,
        "measure_lift",
        &caller.display_name,
        Some(&format!("{} {}：{reason}", m.doc_no, m.kind.label_zh())),
        None,
    )
    .await?;
    tx.audit(
        AuditAction::MeasureLift,
        RecordType::PenaltyCase,
        &case_key,
        case_before,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One measure, if the caller may read its case.
pub async fn show(app: &App, caller: &Caller, id: i64) -> Result<Measure> {
    let mut conn = app.db.conn().await?;
    let m = measures::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewCases, &resource(&m))?;
    Ok(m)
}

/// A case's measures.
pub async fn of_case(app: &App, caller: &Caller, case: &Case) -> Result<Vec<Measure>> {
    caller.require(Action::ViewCases, &case_cases::resource(case))?;
    let mut conn = app.db.conn().await?;
    Ok(measures::of_case(&mut conn, case.id).await?)
}

/// A mine's measures that bind (pending or in force).
pub async fn binding_at_mine(
    app: &App,
    caller: &Caller,
    mine: orewatch_domain::MineId,
) -> Result<Vec<Measure>> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(measures::of_mine(&mut conn, mine)
        .await?
        .into_iter()
        .filter(|m| m.state.binding())
        .collect())
}

/// The mines bound by a measure (pending or in force), for the county map.
pub async fn binding_mines(
    app: &App,
    caller: &Caller,
) -> Result<std::collections::HashSet<orewatch_domain::MineId>> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(measures::binding_by_mine(&mut conn)
        .await?
        .into_iter()
        .map(|(mine, _)| mine)
        .collect())
}

/// Whether each measure of a case has an open confirmation task (for the supplier's button).
pub async fn awaiting_confirmation(app: &App, measures_of_case: &[Measure]) -> Result<Vec<i64>> {
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for m in measures_of_case {
        let record = record_of(m.id);
        if !orewatch_storage::tasks::open_for(&mut conn, record.0, &record.1, Some(TaskKind::ConfirmMeasure))
            .await?
            .is_empty()
        {
            out.push(m.id);
        }
    }
    Ok(out)
}
