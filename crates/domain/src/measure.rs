//! 强制措施 — the enforcement ladder on a penalty case: what each measure is, whose power it is, what
//! it needs before it may be taken, when a power cut takes effect, and when a measure may be lifted
//! (WORKFLOW.md §3).
//!
//! A measure is taken by the case's agency in writing. Stopping power or explosives goes through the
//! supplier — the power-supply company or public security, both member agencies — who confirm in the
//! platform; both are allowed only once a suspension (停产整顿) is in force and the company keeps on
//! (安全生产法), and the company gets 24 hours' notice of a power cut unless it is an emergency. A
//! measure is lifted when the company complies; a revocation is not lifted.
//!
//! The measure's workflow ([`MeasureFlow`]) says who confirms and lifts it and which tasks follow.
//! What must not live here: the mine's status change and the licence's cancellation (the app does
//! them in the same write), who may act (the policy).

use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{CaseId, MeasureId, MineId};
use crate::mine::MineStatus;
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::task::{Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::TaskTitle;
use crate::workflow::{Context, Created, Issuer, Moved, Refused, Rule, Standing, Target, TaskMove, Workflow};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use strum::IntoEnumIterator;

/// A rung of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum MeasureKind {
    /// 责令停止违法行为.
    StopOrder,
    /// 责令停产整顿.
    Suspension,
    /// 停止供电 (through the power-supply company).
    PowerCut,
    /// 停止供应民用爆炸物品 (through public security).
    ExplosivesStop,
    /// 查封、扣押 (with an item list).
    Seal,
    /// 吊销采矿许可证 (the registry cancels the licence).
    Revocation,
}

impl MeasureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::StopOrder => "stop_order",
            MeasureKind::Suspension => "suspension",
            MeasureKind::PowerCut => "power_cut",
            MeasureKind::ExplosivesStop => "explosives_stop",
            MeasureKind::Seal => "seal",
            MeasureKind::Revocation => "revocation",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MeasureKind::StopOrder => "责令停止违法行为",
            MeasureKind::Suspension => "责令停产整顿",
            MeasureKind::PowerCut => "停止供电",
            MeasureKind::ExplosivesStop => "停止供应民用爆炸物品",
            MeasureKind::Seal => "查封、扣押",
            MeasureKind::Revocation => "吊销采矿许可证",
        }
    }

    /// The member agency that carries the measure out and confirms it (its code), if not the case's own.
    pub fn supplier(self) -> Option<&'static str> {
        match self {
            MeasureKind::PowerCut => Some("pw"),
            MeasureKind::ExplosivesStop => Some("ps"),
            _ => None,
        }
    }

    /// The document served on the company (and, for a supplier's measure, the notice to the supplier
    /// has its own title: [`MeasureKind::supplier_notice_title`]).
    pub fn decision_title(self) -> &'static str {
        match self {
            MeasureKind::StopOrder => "责令停止违法行为通知书",
            MeasureKind::Suspension => "责令停产整顿决定书",
            MeasureKind::PowerCut => "停止供电决定书",
            MeasureKind::ExplosivesStop => "停止供应民用爆炸物品决定书",
            MeasureKind::Seal => "查封（扣押）决定书",
            MeasureKind::Revocation => "吊销采矿许可证决定书",
        }
    }

    /// The written notice to the supplier.
    pub fn supplier_notice_title(self) -> Option<&'static str> {
        match self {
            MeasureKind::PowerCut => Some("停止供电通知书"),
            MeasureKind::ExplosivesStop => Some("停止供应民用爆炸物品通知书"),
            _ => None,
        }
    }

    /// The short word in the document number (`{agency}{word}〔year〕n号`).
    pub fn number_word(self) -> &'static str {
        match self {
            MeasureKind::StopOrder => "责停",
            MeasureKind::Suspension => "停整",
            MeasureKind::PowerCut => "停电",
            MeasureKind::ExplosivesStop => "停爆",
            MeasureKind::Seal => "查扣",
            MeasureKind::Revocation => "吊证",
        }
    }

    pub fn liftable(self) -> bool {
        self != MeasureKind::Revocation
    }
}

/// Where a measure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum MeasureState {
    /// Notified to the supplier, waiting for its confirmation.
    Pending,
    /// In force.
    InForce,
    /// Lifted (解除) once the company complied.
    Lifted,
}

impl MeasureState {
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureState::Pending => "pending",
            MeasureState::InForce => "in_force",
            MeasureState::Lifted => "lifted",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    /// Whether the measure binds the company (a pending power cut is already decided and served).
    pub fn binding(self) -> bool {
        self != MeasureState::Lifted
    }
}

/// A measure already on a mine, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Existing {
    pub kind: MeasureKind,
    pub state: MeasureState,
}

/// Whether `kind` may be taken now on a mine with `existing` measures, on a case whose decided penalty
/// revokes the licence (`revocation_decided`).
pub fn check_take(kind: MeasureKind, existing: &[Existing], revocation_decided: bool) -> Result<(), Problem> {
    let binding = |k: MeasureKind| existing.iter().any(|e| e.kind == k && e.state.binding());
    if binding(kind) {
        return Err(Problem::MeasureInForce {
            kind: kind.label_zh().to_string(),
        });
    }
    if kind.supplier().is_some() && !binding(MeasureKind::Suspension) {
        return Err(Problem::NeedsSuspension {
            kind: kind.label_zh().to_string(),
        });
    }
    if kind == MeasureKind::Revocation && !revocation_decided {
        return Err(Problem::RevocationNotDecided);
    }
    Ok(())
}

/// Whether a measure in `state` of `kind` may be lifted, with the mine's `existing` measures: a
/// suspension not while a power cut or explosives stop rests on it.
pub fn check_lift(kind: MeasureKind, state: MeasureState, existing: &[Existing]) -> Result<(), Problem> {
    if !kind.liftable() {
        return Err(Problem::NotLiftable);
    }
    if !state.binding() {
        return Err(Problem::MeasureNotInForce);
    }
    if kind == MeasureKind::Suspension {
        let resting: Vec<&str> = existing
            .iter()
            .filter(|e| e.kind.supplier().is_some() && e.state.binding())
            .map(|e| e.kind.label_zh())
            .collect();
        if !resting.is_empty() {
            return Err(Problem::LiftDependentsFirst {
                kinds: resting.join("、"),
            });
        }
    }
    Ok(())
}

/// A measure as it is recorded, with its case's number, its mine and company names, and the other
/// measures on its mine (a suspension is lifted only after what rests on it).
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub id: MeasureId,
    pub case_id: CaseId,
    pub case_no: String,
    pub mine_id: MineId,
    pub mine_name: String,
    pub company_name: String,
    pub kind: MeasureKind,
    pub agency: AgencyCode,
    pub supplier: Option<AgencyCode>,
    pub doc_no: String,
    pub basis: String,
    pub items: Option<String>,
    pub emergency: bool,
    pub state: MeasureState,
    pub taken_by_label: String,
    pub taken_at: DateTime<Utc>,
    pub effective_at: DateTime<Utc>,
    pub confirmed_by_label: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub mine_status_before: Option<MineStatus>,
    pub lifted_by_label: Option<String>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
    /// The supplier's confirmation that supply is restored, after a lifting.
    pub restored_by_label: Option<String>,
    pub restored_at: Option<DateTime<Utc>>,
    /// Every measure on the mine, this one included, as the rules see them.
    pub on_mine: Vec<Existing>,
}

/// A step of a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum MeasureStep {
    /// 确认已执行 — the supplier confirms it stopped supply, or, after a lifting, restored it.
    Confirm,
    /// 解除 — the case's head lifts it once the company complied.
    Lift,
}

/// A step with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeasureCommand {
    Confirm,
    Lift { reason: String },
}

/// The measure's workflow (WORKFLOW.md §3): a supplier's measure waits for the supplier (待协助执行)
/// and is in force once it confirms; any measure is lifted (解除) by the case's head, a suspension only
/// after what rests on it, and a supplier's lifting waits for the supplier to confirm the restoration.
#[derive(Debug, Clone, Copy)]
pub struct MeasureFlow;

impl MeasureFlow {
    /// The supplier's confirmation, due at `due_at`.
    fn confirmation(m: &Measure, due_at: DateTime<Utc>) -> Option<Task> {
        m.supplier.clone().map(|supplier| Task {
            kind: TaskKind::ConfirmMeasure,
            assignee: Assignee::Agency {
                agency: supplier.clone(),
                role: None,
            },
            agency: Some(supplier),
            due_at,
            level: Level::Open,
        })
    }
}

impl Workflow for MeasureFlow {
    const RECORD: RecordType = RecordType::Measure;
    type State = MeasureState;
    type Step = MeasureStep;
    type Id = MeasureId;
    type Record = Measure;
    type Command = MeasureCommand;

    fn id(m: &Measure) -> MeasureId {
        m.id
    }

    fn state(m: &Measure) -> MeasureState {
        m.state
    }

    fn standing(state: MeasureState) -> Standing {
        match state {
            MeasureState::Pending => Standing::Waiting,
            MeasureState::InForce => Standing::Adverse,
            MeasureState::Lifted => Standing::Settled,
        }
    }

    fn resource(m: &Measure) -> Resource {
        Resource::Measure {
            agency: m.agency.clone(),
            supplier: m.supplier.clone(),
        }
    }

    fn mine(m: &Measure) -> Option<MineId> {
        Some(m.mine_id)
    }

    /// A lifted measure's task is the restoration's.
    fn task_title(m: &Measure) -> TaskTitle {
        let (doc_no, measure_kind, mine) =
            (m.doc_no.clone(), m.kind.as_str().to_string(), m.mine_name.clone());
        if m.state == MeasureState::Lifted {
            TaskTitle::MeasureLifted {
                doc_no,
                measure_kind,
                mine,
            }
        } else {
            TaskTitle::Measure {
                doc_no,
                measure_kind,
                mine,
            }
        }
    }

    fn issuer(m: &Measure) -> Issuer {
        Issuer::Agency(m.agency.clone())
    }

    /// Taken in writing (its number is given when it is taken, with the checks of [`check_take`]); a
    /// supplier's measure waits for the supplier's confirmation, due when it takes effect.
    fn created(m: &Measure, _: &crate::workflow::Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::MeasureTake,
            audit_note: None,
            tasks: Self::confirmation(m, m.effective_at).into_iter().collect(),
        }
    }

    fn rule(step: MeasureStep) -> Rule<Self> {
        use MeasureState::*;
        match step {
            MeasureStep::Confirm => Rule::new(
                &[Pending, Lifted],
                Target::OneOf(&[InForce, Lifted]),
                Action::ConfirmMeasure,
            )
            .assigned(TaskKind::ConfirmMeasure)
            .closes(&[TaskKind::ConfirmMeasure]),
            MeasureStep::Lift => Rule::new(&[Pending, InForce], Target::To(Lifted), Action::TakeMeasure)
                .closes(&[TaskKind::ConfirmMeasure])
                .opens(&[TaskKind::ConfirmMeasure]),
        }
    }

    fn guard(m: &Measure, step: MeasureStep, _today: NaiveDate) -> Result<(), Refused> {
        match step {
            // A lifted measure is confirmed once more only by its supplier, for the restoration.
            MeasureStep::Confirm
                if m.state == MeasureState::Lifted && (m.supplier.is_none() || m.restored_at.is_some()) =>
            {
                Err(Problem::AlreadyDone {
                    state: MeasureFlow::state_label(m.state).into(),
                }
                .into())
            }
            // Whether it can be lifted at all; what rests on it is said when lifting (the button stays).
            MeasureStep::Lift => Ok(check_lift(m.kind, m.state, &[])?),
            MeasureStep::Confirm => Ok(()),
        }
    }

    fn step_of(command: &MeasureCommand) -> MeasureStep {
        match command {
            MeasureCommand::Confirm => MeasureStep::Confirm,
            MeasureCommand::Lift { .. } => MeasureStep::Lift,
        }
    }

    fn apply(m: &Measure, command: MeasureCommand, ctx: &Context<'_>) -> Result<Moved<Measure>, Refused> {
        let mut next = m.clone();
        let done = TaskMove::Close {
            kind: TaskKind::ConfirmMeasure,
            outcome: Outcome::Done,
        };
        match command {
            MeasureCommand::Confirm if m.state == MeasureState::Pending => {
                next.state = MeasureState::InForce;
                next.confirmed_by_label = Some(ctx.by.label.clone());
                next.confirmed_at = Some(ctx.now);
                Ok(Moved::to(next, AuditAction::MeasureConfirm)
                    .note("已按通知执行")
                    .task(done))
            }
            MeasureCommand::Confirm => {
                next.restored_by_label = Some(ctx.by.label.clone());
                next.restored_at = Some(ctx.now);
                Ok(Moved::to(next, AuditAction::MeasureConfirm)
                    .note("已恢复")
                    .task(done))
            }
            MeasureCommand::Lift { reason } => {
                check_lift(m.kind, m.state, &m.on_mine)?;
                next.state = MeasureState::Lifted;
                next.lifted_by_label = Some(ctx.by.label.clone());
                next.lifted_at = Some(ctx.now);
                next.lift_reason = Some(reason);
                // A confirmation still open (the supplier never confirmed the stop) is no longer needed
                // as such; the supplier confirms the restoration within a day.
                let mut moved = Moved::to(next, AuditAction::MeasureLift).task(TaskMove::Close {
                    kind: TaskKind::ConfirmMeasure,
                    outcome: Outcome::Cancelled,
                });
                if let Some(task) = Self::confirmation(m, ctx.now + Duration::hours(24)) {
                    moved = moved.task(TaskMove::Open(task));
                }
                Ok(moved)
            }
        }
    }

    fn state_label(state: MeasureState) -> &'static str {
        match state {
            MeasureState::Pending => "待协助执行",
            MeasureState::InForce => "执行中",
            MeasureState::Lifted => "已解除",
        }
    }

    fn step_label(step: MeasureStep) -> &'static str {
        match step {
            MeasureStep::Confirm => "确认已执行",
            MeasureStep::Lift => "解除",
        }
    }
}

/// The status a mine leaves when `kind` is taken (to restore when it is lifted): a suspension stops a
/// mine that is working; one already suspended or closed, and every other measure, change nothing.
pub fn status_left(kind: MeasureKind, status: MineStatus) -> Option<MineStatus> {
    (kind == MeasureKind::Suspension && matches!(status, MineStatus::Producing | MineStatus::Preparing))
        .then_some(status)
}

/// When a measure takes effect: a power cut 24 hours after the company was notified, unless it is an
/// emergency (安全生产法: 提前二十四小时通知); anything else at once.
pub fn effective_at(kind: MeasureKind, notified_at: DateTime<Utc>, emergency: bool) -> DateTime<Utc> {
    if kind == MeasureKind::PowerCut && !emergency {
        notified_at + Duration::hours(24)
    } else {
        notified_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(kind: MeasureKind, state: MeasureState) -> Existing {
        Existing { kind, state }
    }

    fn measure(kind: MeasureKind, supplier: Option<&str>) -> Measure {
        let at = DateTime::parse_from_rfc3339("2026-12-01T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Measure {
            id: MeasureId(3),
            case_id: CaseId(2),
            case_no: "自然资源和规划罚立〔2026〕1号".into(),
            mine_id: MineId(1),
            mine_name: "示例采石场".into(),
            company_name: "示例公司".into(),
            kind,
            agency: AgencyCode::parse("nr").unwrap(),
            supplier: supplier.map(|s| AgencyCode::parse(s).unwrap()),
            doc_no: "自然资源和规划停电〔2026〕1号".into(),
            basis: "拒不停止".into(),
            items: None,
            emergency: false,
            state: if supplier.is_some() {
                MeasureState::Pending
            } else {
                MeasureState::InForce
            },
            taken_by_label: "nr_head".into(),
            taken_at: at,
            effective_at: at + Duration::hours(24),
            confirmed_by_label: None,
            confirmed_at: None,
            mine_status_before: None,
            lifted_by_label: None,
            lifted_at: None,
            lift_reason: None,
            restored_by_label: None,
            restored_at: None,
            on_mine: Vec::new(),
        }
    }

    #[test]
    fn every_measure_is_confirmed_by_its_supplier_and_lifted_once_with_the_restoration_confirmed_once() {
        use crate::workflow::testing::{explore, Exploration};
        use crate::workflow::Signer;
        let by = Signer {
            account: Some(crate::AccountId(1)),
            label: "pw_officer".into(),
        };
        let actor = crate::Actor::System;
        let commands = |step: MeasureStep, _: &Measure| match step {
            MeasureStep::Confirm => vec![MeasureCommand::Confirm],
            MeasureStep::Lift => vec![MeasureCommand::Lift {
                reason: "已整改".into(),
            }],
        };
        let visited = explore(&Exploration::<MeasureFlow> {
            starts: MeasureKind::iter().map(|k| measure(k, k.supplier())).collect(),
            commands: &commands,
            ctx: crate::workflow::testing::context(
                DateTime::parse_from_rfc3339("2026-12-02T02:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc),
                chrono::NaiveDate::MIN,
                &by,
                &actor,
            ),
            depth: 4,
        });
        assert!(visited > 12, "{visited}");
    }

    #[test]
    fn a_suspension_is_lifted_only_after_what_rests_on_it_and_a_revocation_never() {
        use crate::workflow::check;
        let mut s = measure(MeasureKind::Suspension, None);
        s.on_mine = vec![
            has(MeasureKind::Suspension, MeasureState::InForce),
            has(MeasureKind::PowerCut, MeasureState::InForce),
        ];
        // Offered (the page says why when it is pressed) …
        assert!(check::<MeasureFlow>(&s, MeasureStep::Lift, chrono::NaiveDate::MIN).is_ok());
        // … and refused with the reason.
        let by = crate::workflow::Signer {
            account: None,
            label: "h".into(),
        };
        let ctx =
            crate::workflow::testing::context(s.taken_at, chrono::NaiveDate::MIN, &by, &crate::Actor::System);
        let refused = MeasureFlow::apply(&s, MeasureCommand::Lift { reason: "r".into() }, &ctx).unwrap_err();
        assert_eq!(
            refused.problem,
            Problem::LiftDependentsFirst {
                kinds: "停止供电".into()
            }
        );
        let revocation = measure(MeasureKind::Revocation, None);
        assert_eq!(
            check::<MeasureFlow>(&revocation, MeasureStep::Lift, chrono::NaiveDate::MIN),
            Err(Problem::NotLiftable.into())
        );
        let mut lifted = measure(MeasureKind::Seal, None);
        lifted.state = MeasureState::Lifted;
        assert_eq!(
            check::<MeasureFlow>(&lifted, MeasureStep::Lift, chrono::NaiveDate::MIN),
            Err(Problem::MeasureNotInForce.into())
        );
        assert!(check::<MeasureFlow>(&lifted, MeasureStep::Confirm, chrono::NaiveDate::MIN).is_err());
    }

    #[test]
    fn power_and_explosives_are_stopped_only_once_a_suspension_binds() {
        use MeasureKind::*;
        assert_eq!(
            check_take(PowerCut, &[], false),
            Err(Problem::NeedsSuspension {
                kind: "停止供电".into()
            })
        );
        let lifted = [has(Suspension, MeasureState::Lifted)];
        assert!(check_take(ExplosivesStop, &lifted, false).is_err());
        let suspended = [has(Suspension, MeasureState::InForce)];
        assert_eq!(check_take(PowerCut, &suspended, false), Ok(()));
        assert_eq!(check_take(ExplosivesStop, &suspended, false), Ok(()));
        assert_eq!(check_take(Seal, &[], false), Ok(()));
    }

    #[test]
    fn a_measure_in_force_is_not_taken_twice_and_a_revocation_needs_the_decision() {
        use MeasureKind::*;
        let pending = [
            has(Suspension, MeasureState::InForce),
            has(PowerCut, MeasureState::Pending),
        ];
        assert_eq!(
            check_take(PowerCut, &pending, false),
            Err(Problem::MeasureInForce {
                kind: "停止供电".into()
            })
        );
        assert_eq!(
            check_take(Revocation, &[], false),
            Err(Problem::RevocationNotDecided)
        );
        assert_eq!(check_take(Revocation, &[], true), Ok(()));
    }

    #[test]
    fn only_a_binding_liftable_measure_is_lifted_and_a_suspension_after_what_rests_on_it() {
        use MeasureKind::*;
        assert_eq!(check_lift(Suspension, MeasureState::InForce, &[]), Ok(()));
        assert_eq!(check_lift(PowerCut, MeasureState::Pending, &[]), Ok(()));
        assert_eq!(
            check_lift(Suspension, MeasureState::Lifted, &[]),
            Err(Problem::MeasureNotInForce)
        );
        assert_eq!(
            check_lift(Revocation, MeasureState::InForce, &[]),
            Err(Problem::NotLiftable)
        );
        let resting = [
            has(Suspension, MeasureState::InForce),
            has(PowerCut, MeasureState::InForce),
            has(ExplosivesStop, MeasureState::Lifted),
        ];
        assert_eq!(
            check_lift(Suspension, MeasureState::InForce, &resting),
            Err(Problem::LiftDependentsFirst {
                kinds: "停止供电".into()
            })
        );
        assert_eq!(check_lift(PowerCut, MeasureState::InForce, &resting), Ok(()));
    }

    #[test]
    fn a_suspension_stops_a_working_mine_and_leaves_others_as_they_are() {
        use MeasureKind::*;
        assert_eq!(
            status_left(Suspension, MineStatus::Producing),
            Some(MineStatus::Producing)
        );
        assert_eq!(
            status_left(Suspension, MineStatus::Preparing),
            Some(MineStatus::Preparing)
        );
        assert_eq!(status_left(Suspension, MineStatus::Closed), None);
        assert_eq!(status_left(Suspension, MineStatus::Suspended), None);
        assert_eq!(status_left(Seal, MineStatus::Producing), None);
    }

    #[test]
    fn a_power_cut_takes_effect_a_day_after_notice_unless_it_is_an_emergency() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            effective_at(MeasureKind::PowerCut, at, false),
            at + Duration::hours(24)
        );
        assert_eq!(effective_at(MeasureKind::PowerCut, at, true), at);
        assert_eq!(effective_at(MeasureKind::ExplosivesStop, at, false), at);
        for kind in MeasureKind::iter() {
            assert_eq!(MeasureKind::parse(kind.as_str()), Ok(kind));
        }
        for state in MeasureState::iter() {
            assert_eq!(MeasureState::parse(state.as_str()), Ok(state));
        }
    }
}
