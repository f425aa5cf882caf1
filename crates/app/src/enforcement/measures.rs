//! The enforcement ladder on a penalty case (WORKFLOW.md §3): taking a measure with its document,
//! the supplier's confirmation, and lifting it when the company complies.
//!
//! Each use case: the policy → `domain::measure`'s rule → one audited write. A suspension sets the
//! mine's status to 停产整顿 in the same write (and its lifting restores the status it had); a
//! revocation cancels the mine's licences through the registry's own licence event; a power cut or
//! explosives stop opens a confirmation task for the supplier (the power company, public security),
//! due when it takes effect, and its lifting one for the restoration.

use crate::enforcement::cases::{self as case_cases, Case};
use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{optional_text, required_text};
use orewatch_domain::licence::{LicenceEventKind, LicenceState};
pub use orewatch_domain::measure::MeasureStep;
use orewatch_domain::measure::{
    check_take, effective_at, status_left, Existing, MeasureCommand, MeasureFlow, MeasureKind, MeasureState,
};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::penalty::{CaseFlow, CaseStep, PenaltyKind};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::{DocumentKind, Issuer, Workflow};
use orewatch_domain::{AgencyCode, AuditAction, CaseId, FieldErrors, MeasureId, Problem};
pub use orewatch_storage::measures::Measure;
use orewatch_storage::measures::{self, NewMeasure};
use orewatch_storage::{agencies, cases, licences, mines, WriteTx};

/// The policy's view of a measure.
pub fn resource(m: &Measure) -> Resource {
    MeasureFlow::resource(m)
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
    let code = AgencyCode::parse(code).map_err(|_| AppError::Invariant(format!("agency {code}")))?;
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

/// Takes a measure on a case: the case's head, in writing, with its numbered document. Refused when the
/// same measure already binds the mine, when power or explosives are to be stopped without a
/// suspension in force, or a licence revoked without a decision to revoke it.
pub async fn take(app: &App, caller: &Caller, case_id: CaseId, input: &TakeInput<'_>) -> Result<MeasureId> {
    let mut e = FieldErrors::new();
    let kind = e.take("kind", MeasureKind::parse(input.kind));
    let basis = e.take("basis", required_text(input.basis, 2000));
    let items = e.take("items", optional_text(input.items, 4000));
    let emergency = matches!(input.emergency.trim(), "1" | "on" | "true");
    let mut tx = app.write(caller).await?;
    let case =
        crate::workflow::allowed::<CaseFlow>(&mut tx, app, caller, case_id, CaseStep::TakeMeasure).await?;
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
    let doc_no = crate::workflow::reserve_number(
        &mut tx,
        DocumentKind::Measure(kind),
        &Issuer::Agency(case.agency.clone()),
        today,
    )
    .await?;
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
    crate::workflow::created::<MeasureFlow>(&mut tx, app, caller, id).await?;
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
    let case_before = tx.state_of(case_id).await?;
    cases::add_event(
        &mut tx,
        case_id,
        "measure",
        &caller.display_name,
        Some(&format!("{doc_no} {}", kind.label_zh())),
        None,
    )
    .await?;
    tx.audit_of(AuditAction::MeasureTake, case_id, case_before, None)
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
    let before = tx.state_of(*mine).await?;
    mines::set_status(tx, *mine, status).await?;
    tx.audit_of(AuditAction::MineStatus, *mine, before, Some(note.to_string()))
        .await?;
    Ok(())
}

/// The supplier confirms it has stopped supply (a pending measure comes into force), or, after a
/// lifting, that it has restored it.
pub async fn confirm(app: &App, caller: &Caller, id: MeasureId) -> Result<()> {
    crate::workflow::step::<MeasureFlow>(app, caller, id, MeasureCommand::Confirm, &[]).await?;
    Ok(())
}

/// Lifts a measure once the company complied, with the reason: a suspension restores the mine's
/// status (after any power cut or explosives stop resting on it has been lifted); a supplier's
/// measure asks the supplier to confirm the restoration. The case's history says so.
pub async fn lift(app: &App, caller: &Caller, id: MeasureId, reason: &str) -> Result<()> {
    let reason = required_text(reason, 1000).map_err(|p| AppError::invalid("reason", p))?;
    let mut tx = app.write(caller).await?;
    let note = reason.clone();
    let m = crate::workflow::step_in::<MeasureFlow>(
        &mut tx,
        app,
        caller,
        id,
        MeasureCommand::Lift { reason },
        &[],
    )
    .await?
    .record;
    if let Some(before) = m.mine_status_before {
        let mine = mines::find(&mut tx, m.mine_id).await?.ok_or(AppError::NotFound)?;
        if mine.status == MineStatus::Suspended {
            set_mine_status(&mut tx, &m.mine_id, before, &format!("解除 {}", m.doc_no)).await?;
        }
    }
    let case_key = m.case_id;
    let case_before = tx.state_of(case_key).await?;
    cases::add_event(
        &mut tx,
        m.case_id,
        "measure_lift",
        &caller.display_name,
        Some(&format!("{} {}：{note}", m.doc_no, m.kind.label_zh())),
        None,
    )
    .await?;
    tx.audit_of(AuditAction::MeasureLift, case_key, case_before, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One measure, if the caller may read its case.
pub async fn show(app: &App, caller: &Caller, id: MeasureId) -> Result<Measure> {
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

/// The steps open to the caller on each of a case's measures (a page's buttons), after the caller's
/// right to the case.
pub async fn open_on(
    app: &App,
    caller: &Caller,
    case: &Case,
    taken: &[Measure],
) -> Result<Vec<Vec<MeasureStep>>> {
    caller.require(Action::ViewCases, &case_cases::resource(case))?;
    let mut conn = app.db.conn().await?;
    let mut out = Vec::with_capacity(taken.len());
    for m in taken {
        out.push(crate::workflow::offered::<MeasureFlow>(&mut conn, app, caller, m).await?);
    }
    Ok(out)
}
