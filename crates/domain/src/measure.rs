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
//! What must not live here: the mine's status change and the licence's cancellation (the app does
//! them in the same write), who may act (the policy).

use crate::field::Problem;
use crate::mine::MineStatus;
use chrono::{DateTime, Duration, Utc};
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
        if raw.trim().is_empty() {
            return Err(Problem::Required);
        }
        Self::iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or(Problem::Invalid)
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
        Self::iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or(Problem::Invalid)
    }

    /// Whether the measure binds the company (a pending power cut is already decided and served).
    pub fn binding(self) -> bool {
        self != MeasureState::Lifted
    }
}

/// A measure already on a mine, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
