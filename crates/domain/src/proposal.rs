//! 监测问题清单 — what a survey analysis proposes for the ledger (DOMAIN.md §4, §7; WORKFLOW.md §2):
//! each of the engine's findings becomes a *proposed* finding with its evidence, which the office
//! confirms onto the ledger or dismisses with a reason; and what a later flight shows about it.
//!
//! The rules here: which ledger category each kind is, which kinds carry a volume for the penalty
//! estimate, which may be decided, and how a re-flight's figures read ([`Reflight`]). What must not
//! live here: computing the figures (spatial), the rows (storage).

use crate::agency::AgencyCode;
use crate::finding::Severity;
use crate::ids::{CompanyId, FindingId, MineId, ProposalId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::task_title::{self, TaskTitle};
use crate::workflow::{Context, Created, Issuer, Moved, Refused, Rule, Standing, Target, Workflow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use strum::IntoEnumIterator;

/// What the engine found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum ProposalKind {
    /// 越界开采 — cut patches outside the licence boundary.
    OutOfBounds,
    /// 越层开采 — cut below the licensed floor elevation.
    BelowFloor,
    /// 超量开采 — more extracted than the licensed output for the period.
    OverQuantity,
    /// 一面墙 — a working face higher than the benching rule allows.
    HighFace,
}

impl ProposalKind {
    /// The engine's name (`report::Finding::kind`), also the stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalKind::OutOfBounds => "out_of_bounds",
            ProposalKind::BelowFloor => "below_floor",
            ProposalKind::OverQuantity => "over_quantity",
            ProposalKind::HighFace => "high_face",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::iter().find(|k| k.as_str() == raw)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProposalKind::OutOfBounds => "越界开采",
            ProposalKind::BelowFloor => "越层开采",
            ProposalKind::OverQuantity => "超量开采",
            ProposalKind::HighFace => "一面墙",
        }
    }

    /// The ledger category a confirmed finding of this kind goes under.
    pub fn category(self) -> &'static str {
        match self {
            ProposalKind::OutOfBounds => "out_of_bounds",
            ProposalKind::BelowFloor => "below_floor",
            ProposalKind::OverQuantity => "over_quantity",
            ProposalKind::HighFace => "one_wall",
        }
    }

    /// Whether a confirmed finding carries the volume mined, for the value a penalty case estimates
    /// (非法采出矿产品价值): out of bounds and below the floor, not the others.
    pub fn carries_volume(self) -> bool {
        matches!(self, ProposalKind::OutOfBounds | ProposalKind::BelowFloor)
    }

    /// Whether the finding has outlines a later flight measures again.
    pub fn is_watched(self) -> bool {
        matches!(self, ProposalKind::OutOfBounds | ProposalKind::HighFace)
    }

    /// The agency a confirmed finding is given to unless the office picks another: the natural
    /// resources bureau, which answers for mining rights (DOMAIN.md §1).
    pub const DEFAULT_AGENCY: &'static str = "nr";

    /// The ledger severity the confirm form starts from (the office may change it): the engine's
    /// `high` is 较重, `medium` 一般.
    pub fn default_severity(engine_severity: &str) -> Severity {
        if engine_severity == "high" {
            Severity::Serious
        } else {
            Severity::General
        }
    }
}

/// Where a proposed finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum ProposalState {
    /// 待确认.
    Proposed,
    /// 已确认 — on the ledger as a finding.
    Confirmed,
    /// 已排除 — with the reason.
    Dismissed,
}

impl ProposalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Proposed => "proposed",
            ProposalState::Confirmed => "confirmed",
            ProposalState::Dismissed => "dismissed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::iter().find(|s| s.as_str() == raw)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProposalState::Proposed => "待确认",
            ProposalState::Confirmed => "已确认",
            ProposalState::Dismissed => "已排除",
        }
    }
}

/// A proposed finding as it is recorded, with what the policy needs of its mine.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: ProposalId,
    pub analysis_id: crate::ids::AnalysisId,
    pub mine_id: MineId,
    /// The mine's area agency and company (the policy's view of the mine).
    pub mine_area_agency: Option<AgencyCode>,
    pub company_id: CompanyId,
    pub kind: ProposalKind,
    /// The engine's `high` or `medium`.
    pub severity: String,
    pub message_zh: String,
    pub evidence_json: String,
    pub volume_m3: Option<f64>,
    pub state: ProposalState,
    pub finding_id: Option<FindingId>,
    pub dismiss_reason: Option<String>,
    pub decided_by_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A step of a proposal: the office decides it once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum ProposalStep {
    /// 确认 — onto the ledger as a finding.
    Confirm,
    /// 排除 — with the reason.
    Dismiss,
}

/// A decision with what it carries: the finding the proposal became (recorded in the same write), or
/// the reason it is dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalCommand {
    Confirm { finding: FindingId },
    Dismiss { reason: String },
}

/// The proposal's workflow: 待确认 → 已确认 | 已排除, each once, by the office that commissions the
/// monitoring. Confirming records the finding in the same write (the finding's own workflow then opens
/// its tasks); the proposal itself opens none.
#[derive(Debug, Clone, Copy)]
pub struct ProposalFlow;

impl Workflow for ProposalFlow {
    const RECORD: RecordType = RecordType::SurveyProposal;
    type State = ProposalState;
    type Step = ProposalStep;
    type Id = ProposalId;
    type Record = Proposal;
    type Command = ProposalCommand;

    fn id(p: &Proposal) -> ProposalId {
        p.id
    }

    fn state(p: &Proposal) -> ProposalState {
        p.state
    }

    fn standing(state: ProposalState) -> Standing {
        match state {
            ProposalState::Proposed => Standing::Waiting,
            ProposalState::Confirmed => Standing::Adverse,
            ProposalState::Dismissed => Standing::Neutral,
        }
    }

    fn resource(p: &Proposal) -> Resource {
        Resource::Mine {
            area_agency: p.mine_area_agency.clone(),
            company: p.company_id,
        }
    }

    fn mine(p: &Proposal) -> Option<MineId> {
        Some(p.mine_id)
    }

    fn task_title(p: &Proposal) -> TaskTitle {
        TaskTitle::Proposal {
            proposal_kind: p.kind.as_str().to_string(),
            message: task_title::short(&p.message_zh),
        }
    }

    fn issuer(_: &Proposal) -> Issuer {
        Issuer::Office
    }

    /// Found by an analysis (the worker records it with the analysis's result).
    fn created(_: &Proposal, _: &crate::workflow::Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::ProposalCreate,
            audit_note: None,
            tasks: Vec::new(),
        }
    }

    fn rule(step: ProposalStep) -> Rule<Self> {
        let decide = |to| Rule::new(&[ProposalState::Proposed], Target::To(to), Action::RecordSurvey);
        match step {
            ProposalStep::Confirm => decide(ProposalState::Confirmed),
            ProposalStep::Dismiss => decide(ProposalState::Dismissed),
        }
    }

    fn step_of(command: &ProposalCommand) -> ProposalStep {
        match command {
            ProposalCommand::Confirm { .. } => ProposalStep::Confirm,
            ProposalCommand::Dismiss { .. } => ProposalStep::Dismiss,
        }
    }

    fn apply(p: &Proposal, command: ProposalCommand, ctx: &Context<'_>) -> Result<Moved<Proposal>, Refused> {
        let mut next = p.clone();
        next.decided_by_label = Some(ctx.by.label.clone());
        next.decided_at = Some(ctx.now);
        let audit = match command {
            ProposalCommand::Confirm { finding } => {
                next.state = ProposalState::Confirmed;
                next.finding_id = Some(finding);
                AuditAction::ProposalConfirm
            }
            ProposalCommand::Dismiss { reason } => {
                next.state = ProposalState::Dismissed;
                next.dismiss_reason = Some(reason);
                AuditAction::ProposalDismiss
            }
        };
        Ok(Moved::to(next, audit))
    }

    fn state_label(state: ProposalState) -> &'static str {
        state.label_zh()
    }

    fn step_label(step: ProposalStep) -> &'static str {
        match step {
            ProposalStep::Confirm => "确认",
            ProposalStep::Dismiss => "排除",
        }
    }
}

/// What a later comparison measured in an earlier finding's outlines (`spatial::watch`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Remeasured {
    /// The outlines' cells on the later grid.
    pub area_m2: f64,
    /// Of those, the cells both surveys have values for.
    pub valid_area_m2: f64,
    pub cut_m3: f64,
    pub cut_area_m2: f64,
    pub fill_m3: f64,
    pub fill_area_m2: f64,
    /// Later faces meeting the outlines that exceed the allowed height, and the highest of all meeting.
    pub faces_exceeding: usize,
    pub highest_face_m: Option<f64>,
}

/// What a re-flight shows about an earlier finding. Each says a fact of the later comparison; none
/// claims more than the later survey covers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Reflight {
    /// The later survey lacks values in part of the outlines, and nothing there was cut: no conclusion.
    NotCovered { covered_share: f64 },
    /// Cut again in the patch (继续开采).
    CutAgain { cut_m3: f64, cut_area_m2: f64 },
    /// No further cut, and part refilled (已回填): the fill and its share of the earlier cut.
    Refilled { fill_m3: f64, share_of_cut: f64 },
    /// No further cut (未继续开采).
    NoFurtherCut,
    /// A face there is still higher than allowed.
    FaceStillHigh { highest_m: f64, limit_m: f64 },
    /// No face there exceeds the allowed height (the highest, if any face remains).
    FaceWithinLimit { highest_m: Option<f64>, limit_m: f64 },
    /// Cut again below the floor in the later period.
    BelowFloorAgain { area_m2: f64, volume_m3: f64 },
    /// No further cut below the floor, and nothing inside the licence lies below it any more.
    FloorRestored { lowest_m: f64, floor_m: f64 },
    /// No further cut below the floor; ground still lies below it (not refilled).
    BelowFloorStopped { lowest_m: f64, floor_m: f64 },
    /// The later period's extraction against its licensed share.
    Output { ratio: f64 },
}

impl Reflight {
    /// An out-of-bounds patch measured again; `earlier_cut_m3` is the cut the finding reported.
    pub fn of_patch(m: &Remeasured, earlier_cut_m3: f64) -> Reflight {
        if m.cut_area_m2 > 0.0 {
            return Reflight::CutAgain {
                cut_m3: m.cut_m3,
                cut_area_m2: m.cut_area_m2,
            };
        }
        if m.valid_area_m2 < m.area_m2 || m.area_m2 <= 0.0 {
            return Reflight::NotCovered {
                covered_share: if m.area_m2 > 0.0 {
                    m.valid_area_m2 / m.area_m2
                } else {
                    0.0
                },
            };
        }
        if m.fill_m3 > 0.0 {
            return Reflight::Refilled {
                fill_m3: m.fill_m3,
                share_of_cut: if earlier_cut_m3 > 0.0 {
                    m.fill_m3 / earlier_cut_m3
                } else {
                    0.0
                },
            };
        }
        Reflight::NoFurtherCut
    }

    /// A high face measured again against the allowed height.
    pub fn of_face(m: &Remeasured, limit_m: f64) -> Reflight {
        if m.faces_exceeding > 0 {
            return Reflight::FaceStillHigh {
                highest_m: m.highest_face_m.unwrap_or(f64::NAN),
                limit_m,
            };
        }
        if m.valid_area_m2 < m.area_m2 || m.area_m2 <= 0.0 {
            return Reflight::NotCovered {
                covered_share: if m.area_m2 > 0.0 {
                    m.valid_area_m2 / m.area_m2
                } else {
                    0.0
                },
            };
        }
        Reflight::FaceWithinLimit {
            highest_m: m.highest_face_m,
            limit_m,
        }
    }

    /// Mining below the floor, from the later comparison's below-floor figures and lowest elevation
    /// inside the licence (`None`: the later survey has no value inside).
    pub fn of_floor(area_m2: f64, volume_m3: f64, lowest_m: Option<f64>, floor_m: f64) -> Reflight {
        if area_m2 > 0.0 {
            return Reflight::BelowFloorAgain { area_m2, volume_m3 };
        }
        match lowest_m {
            None => Reflight::NotCovered { covered_share: 0.0 },
            Some(lowest_m) if lowest_m >= floor_m => Reflight::FloorRestored { lowest_m, floor_m },
            Some(lowest_m) => Reflight::BelowFloorStopped { lowest_m, floor_m },
        }
    }

    /// Whether it shows the problem gone: nothing cut again, refilled or brought within the limit.
    pub fn shows_rectified(&self) -> bool {
        match self {
            Reflight::NoFurtherCut
            | Reflight::Refilled { .. }
            | Reflight::FloorRestored { .. }
            | Reflight::BelowFloorStopped { .. }
            | Reflight::FaceWithinLimit { .. } => true,
            Reflight::Output { ratio } => *ratio <= 1.0,
            Reflight::NotCovered { .. }
            | Reflight::CutAgain { .. }
            | Reflight::FaceStillHigh { .. }
            | Reflight::BelowFloorAgain { .. } => false,
        }
    }

    /// The Chinese sentence for pages and the 复查 evidence.
    pub fn summary_zh(&self) -> String {
        match *self {
            Reflight::NotCovered { covered_share } => format!(
                "后期测量仅覆盖原问题范围的 {:.0}%，且覆盖部分未见挖方，无法判断是否已整改",
                covered_share * 100.0
            ),
            Reflight::CutAgain {
                cut_m3,
                cut_area_m2,
            } => format!("原图斑内继续开采：挖方 {cut_m3:.1} 立方米，面积 {cut_area_m2:.1} 平方米"),
            Reflight::Refilled {
                fill_m3,
                share_of_cut,
            } => format!(
                "原图斑内未继续开采，已回填 {fill_m3:.1} 立方米（为原挖方的 {:.0}%）",
                share_of_cut * 100.0
            ),
            Reflight::NoFurtherCut => "原图斑内未继续开采（无挖方、无回填）".to_string(),
            Reflight::FaceStillHigh { highest_m, limit_m } => {
                format!("原一面墙范围内作业面仍高 {highest_m:.1} 米，超过限高 {limit_m:.0} 米")
            }
            Reflight::FaceWithinLimit {
                highest_m: Some(h),
                limit_m,
            } => format!("原一面墙范围内最高作业面 {h:.1} 米，未超过限高 {limit_m:.0} 米"),
            Reflight::FaceWithinLimit {
                highest_m: None,
                limit_m,
            } => format!("原一面墙范围内已无高陡作业面（限高 {limit_m:.0} 米）"),
            Reflight::BelowFloorAgain { area_m2, volume_m3 } => format!(
                "本期继续在开采标高下限以下开采：{area_m2:.1} 平方米、{volume_m3:.1} 立方米"
            ),
            Reflight::FloorRestored { lowest_m, floor_m } => format!(
                "本期未越层开采，矿区内最低标高 {lowest_m:.1} 米，已不低于开采标高下限 {floor_m:.1} 米"
            ),
            Reflight::BelowFloorStopped { lowest_m, floor_m } => format!(
                "本期未继续越层开采；矿区内最低标高仍为 {lowest_m:.1} 米，低于开采标高下限 {floor_m:.1} 米（未回填）"
            ),
            Reflight::Output { ratio } if ratio <= 1.0 => {
                format!("下一期采出量为许可规模折算量的 {:.0}%，未超量", ratio * 100.0)
            }
            Reflight::Output { ratio } => {
                format!("下一期采出量仍为许可规模折算量的 {:.0}%，仍超量", ratio * 100.0)
            }
        }
    }
}

impl Reflight {
    /// The same in English, for the English interface.
    pub fn summary_en(&self) -> String {
        match *self {
            Reflight::NotCovered { covered_share } => format!(
                "The later survey covers only {:.0}% of the earlier finding's area and shows no cut there: no conclusion",
                covered_share * 100.0
            ),
            Reflight::CutAgain { cut_m3, cut_area_m2 } => {
                format!("Cut again in the patch: {cut_m3:.1} m³ over {cut_area_m2:.1} m²")
            }
            Reflight::Refilled { fill_m3, share_of_cut } => format!(
                "No further cut in the patch; refilled by {fill_m3:.1} m³ ({:.0}% of the earlier cut)",
                share_of_cut * 100.0
            ),
            Reflight::NoFurtherCut => "No further cut in the patch (no cut, no fill)".to_string(),
            Reflight::FaceStillHigh { highest_m, limit_m } => {
                format!("A face in the wall's area is still {highest_m:.1} m high, over the {limit_m:.0} m limit")
            }
            Reflight::FaceWithinLimit {
                highest_m: Some(h),
                limit_m,
            } => format!("The highest face in the wall's area is {h:.1} m, within the {limit_m:.0} m limit"),
            Reflight::FaceWithinLimit {
                highest_m: None,
                limit_m,
            } => format!("No steep face left in the wall's area (limit {limit_m:.0} m)"),
            Reflight::BelowFloorAgain { area_m2, volume_m3 } => {
                format!("Cut below the floor again this period: {area_m2:.1} m², {volume_m3:.1} m³")
            }
            Reflight::FloorRestored { lowest_m, floor_m } => format!(
                "No cut below the floor; the lowest point inside is {lowest_m:.1} m, not below the {floor_m:.1} m floor"
            ),
            Reflight::BelowFloorStopped { lowest_m, floor_m } => format!(
                "No further cut below the floor; the lowest point inside is still {lowest_m:.1} m, below the {floor_m:.1} m floor (not refilled)"
            ),
            Reflight::Output { ratio } if ratio <= 1.0 => {
                format!("The next period extracted {:.0}% of the licensed share: within it", ratio * 100.0)
            }
            Reflight::Output { ratio } => {
                format!("The next period extracted {:.0}% of the licensed share: still over", ratio * 100.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Problem;

    fn proposal(state: ProposalState) -> Proposal {
        Proposal {
            id: ProposalId(4),
            analysis_id: crate::ids::AnalysisId(2),
            mine_id: MineId(3),
            mine_area_agency: None,
            company_id: CompanyId(1),
            kind: ProposalKind::OutOfBounds,
            severity: "high".into(),
            message_zh: "矿区范围外挖损".into(),
            evidence_json: "{}".into(),
            volume_m3: Some(1200.0),
            state,
            finding_id: None,
            dismiss_reason: None,
            decided_by_label: None,
            decided_at: None,
        }
    }

    #[test]
    fn a_proposal_is_decided_once_either_way_and_never_opens_a_task() {
        use crate::workflow::testing::{explore, Exploration};
        use crate::workflow::Signer;
        let by = Signer {
            account: Some(crate::AccountId(1)),
            label: "office".into(),
        };
        let actor = crate::Actor::System;
        let commands = |step: ProposalStep, _: &Proposal| match step {
            ProposalStep::Confirm => vec![ProposalCommand::Confirm {
                finding: FindingId(9),
            }],
            ProposalStep::Dismiss => vec![ProposalCommand::Dismiss {
                reason: "堆料移动".into(),
            }],
        };
        let visited = explore(&Exploration::<ProposalFlow> {
            starts: vec![proposal(ProposalState::Proposed)],
            commands: &commands,
            ctx: crate::workflow::testing::context(
                chrono::DateTime::UNIX_EPOCH,
                chrono::NaiveDate::MIN,
                &by,
                &actor,
            ),
            depth: 3,
        });
        assert_eq!(visited, 3);
        // A double submit, either way, says it is already decided or names the decision.
        let confirmed = proposal(ProposalState::Confirmed);
        assert_eq!(
            crate::workflow::check::<ProposalFlow>(&confirmed, ProposalStep::Confirm, chrono::NaiveDate::MIN),
            Err(Problem::AlreadyDone {
                state: "已确认".into()
            }
            .into())
        );
        assert!(crate::workflow::check::<ProposalFlow>(
            &confirmed,
            ProposalStep::Dismiss,
            chrono::NaiveDate::MIN
        )
        .is_err());
    }

    fn patch(area: f64, valid: f64, cut: f64, fill: f64) -> Remeasured {
        Remeasured {
            area_m2: area,
            valid_area_m2: valid,
            cut_m3: cut,
            cut_area_m2: if cut > 0.0 { 1.0 } else { 0.0 },
            fill_m3: fill,
            fill_area_m2: if fill > 0.0 { 1.0 } else { 0.0 },
            ..Remeasured::default()
        }
    }

    #[test]
    fn a_patch_reads_cut_before_coverage_before_fill() {
        assert_eq!(
            Reflight::of_patch(&patch(12.0, 12.0, 0.0, 0.0), 12.0),
            Reflight::NoFurtherCut
        );
        assert_eq!(
            Reflight::of_patch(&patch(12.0, 12.0, 0.0, 6.0), 12.0),
            Reflight::Refilled {
                fill_m3: 6.0,
                share_of_cut: 0.5
            }
        );
        // A cut seen in part of the patch is a fact even when the rest has no values.
        assert!(matches!(
            Reflight::of_patch(&patch(12.0, 8.0, 2.0, 0.0), 12.0),
            Reflight::CutAgain { cut_m3, .. } if cut_m3 == 2.0
        ));
        // Without a cut, a patch not wholly covered proves nothing.
        let partial = Reflight::of_patch(&patch(12.0, 9.0, 0.0, 3.0), 12.0);
        assert_eq!(partial, Reflight::NotCovered { covered_share: 0.75 });
        assert!(!partial.shows_rectified());
        assert!(partial.summary_zh().contains("75%"));
        assert!(Reflight::NoFurtherCut.shows_rectified());
    }

    #[test]
    fn a_face_is_within_the_limit_only_when_no_meeting_face_exceeds_it() {
        let mut m = patch(50.0, 50.0, 0.0, 0.0);
        m.faces_exceeding = 1;
        m.highest_face_m = Some(21.8);
        let still = Reflight::of_face(&m, 15.0);
        assert!(!still.shows_rectified());
        assert_eq!(
            still.summary_zh(),
            "原一面墙范围内作业面仍高 21.8 米，超过限高 15 米"
        );
        m.faces_exceeding = 0;
        m.highest_face_m = Some(9.5);
        assert!(Reflight::of_face(&m, 15.0).shows_rectified());
        m.valid_area_m2 = 10.0;
        assert!(matches!(Reflight::of_face(&m, 15.0), Reflight::NotCovered { .. }));
    }

    #[test]
    fn the_floor_reads_further_cut_then_the_lowest_elevation() {
        assert!(matches!(
            Reflight::of_floor(4.0, 3.0, Some(280.0), 299.0),
            Reflight::BelowFloorAgain { .. }
        ));
        assert!(matches!(
            Reflight::of_floor(0.0, 0.0, Some(299.0), 299.0),
            Reflight::FloorRestored { .. }
        ));
        let stopped = Reflight::of_floor(0.0, 0.0, Some(296.0), 299.0);
        assert!(matches!(stopped, Reflight::BelowFloorStopped { .. }));
        assert!(stopped.summary_zh().contains("未回填"));
        assert!(matches!(
            Reflight::of_floor(0.0, 0.0, None, 299.0),
            Reflight::NotCovered { .. }
        ));
    }

    #[test]
    fn every_reading_reads_in_both_languages() {
        let readings = [
            Reflight::NotCovered { covered_share: 0.5 },
            Reflight::CutAgain {
                cut_m3: 1.0,
                cut_area_m2: 1.0,
            },
            Reflight::Refilled {
                fill_m3: 1.0,
                share_of_cut: 0.5,
            },
            Reflight::NoFurtherCut,
            Reflight::FaceStillHigh {
                highest_m: 20.0,
                limit_m: 15.0,
            },
            Reflight::FaceWithinLimit {
                highest_m: Some(9.0),
                limit_m: 15.0,
            },
            Reflight::FaceWithinLimit {
                highest_m: None,
                limit_m: 15.0,
            },
            Reflight::BelowFloorAgain {
                area_m2: 1.0,
                volume_m3: 1.0,
            },
            Reflight::FloorRestored {
                lowest_m: 300.0,
                floor_m: 299.0,
            },
            Reflight::BelowFloorStopped {
                lowest_m: 296.0,
                floor_m: 299.0,
            },
            Reflight::Output { ratio: 0.5 },
            Reflight::Output { ratio: 1.5 },
        ];
        for r in readings {
            let (zh, en) = (r.summary_zh(), r.summary_en());
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            assert!(
                !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{en}"
            );
        }
    }

    #[test]
    fn kinds_map_onto_ledger_categories() {
        assert_eq!(ProposalKind::HighFace.category(), "one_wall");
        assert_eq!(ProposalKind::BelowFloor.category(), "below_floor");
        assert!(ProposalKind::OutOfBounds.carries_volume());
        assert!(!ProposalKind::OverQuantity.carries_volume());
        for kind in ProposalKind::iter() {
            assert_eq!(ProposalKind::parse(kind.as_str()), Some(kind));
        }
    }
}
