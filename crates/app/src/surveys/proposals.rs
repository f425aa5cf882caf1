//! 监测问题清单 — the engine's findings proposed to the office (the issue's "problem list goes to the
//! ledger") and what a later flight shows about each (a re-flight as proof of rectification).
//!
//! - [`build`]: a finished comparison's findings as proposals with their evidence (pure).
//! - [`watches`]: the outlines of earlier proposals a new comparison measures again (pure).
//! - [`confirm`] / [`dismiss`]: the office puts a proposal on the ledger as a finding (source 监测,
//!   category by kind, the volume kept for the penalty estimate) or dismisses it with a reason.
//! - [`reflight`]: the later comparison's reading of a proposal (`domain::proposal::Reflight`).
//! - [`attach_reflight`]: the verifier attaches that reading to the finding as 复查 evidence.

use super::{analysis_for, Figures};
use crate::ledger::findings::{self as ledger, FindingInput};
use crate::workflow::{step, step_in};
use crate::{App, AppError, Caller, Result};
use orewatch_domain::policy::Action;
use orewatch_domain::proposal::{ProposalCommand, ProposalFlow, ProposalStep};
use orewatch_domain::proposal::{ProposalKind, ProposalState, Reflight, Remeasured};
use orewatch_domain::survey::AnalysisState;
use orewatch_domain::task::local_date;
use orewatch_domain::{AnalysisId, SurveyId};
use orewatch_domain::{CaseId, FindingId, Problem, ProposalId};
use orewatch_spatial::crs::ProjectedCrs;
use orewatch_spatial::report::Report;
use orewatch_spatial::watch::Watch;
use orewatch_storage::proposals as store;
pub use orewatch_storage::proposals::Proposal;
use orewatch_storage::surveys::{self as surveys_store, Survey};
use orewatch_storage::{mines, Conn};
use serde::{Deserialize, Serialize};

/// What a proposal carries as evidence (its `evidence_json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub analysis_id: AnalysisId,
    pub licence_no: String,
    /// The earlier and the later survey.
    pub surveys: Vec<SurveyEvidence>,
    /// The CRS of the outlines (the earlier survey's grid), with its parameters.
    pub crs: ProjectedCrs,
    pub crs_label: String,
    /// The engine's figures for this finding (its patches, faces, below-floor or production figures).
    pub figures: serde_json::Value,
    /// Outlines (polygons of rings, outer first, `[easting, northing]`) of the patches or faces; empty for
    /// the kinds without any.
    pub outlines: Vec<Vec<Vec<[f64; 2]>>>,
    /// The cut the finding reports (out of bounds), m³, for a re-flight's refilled share.
    pub cut_m3: f64,
    pub max_face_height_m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyEvidence {
    pub survey_id: SurveyId,
    pub flown_on: String,
    pub dem_name: String,
    pub sha256: String,
}

/// A proposal as a finished comparison makes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub kind: ProposalKind,
    pub severity: String,
    pub message_zh: String,
    pub evidence: Evidence,
    pub volume_m3: Option<f64>,
}

/// The proposals of a finished comparison, one per engine finding, in the engine's order. An engine
/// finding of a kind the platform does not know is an error, not a silent omission.
pub fn build(
    report: &Report,
    analysis_id: AnalysisId,
    before: &Survey,
    after: &Survey,
) -> Result<Vec<Built>> {
    let crs = report
        .crs
        .clone()
        .ok_or_else(|| AppError::Invariant("comparison without a CRS".to_string()))?;
    let survey = |s: &Survey| SurveyEvidence {
        survey_id: s.id,
        flown_on: s.flown_on.to_string(),
        dem_name: s.dem_name.clone(),
        sha256: s.dem_sha256.clone(),
    };
    let json = |v: serde_json::Result<serde_json::Value>| v.map_err(AppError::json("proposal figures"));
    let mut built = Vec::with_capacity(report.findings.len());
    for finding in &report.findings {
        let kind = ProposalKind::parse(&finding.kind)
            .ok_or_else(|| AppError::Invariant(format!("unknown engine finding {}", finding.kind)))?;
        let cut_m3: f64 = report.outside_patches.iter().map(|p| p.cut_m3).sum();
        let high_faces: Vec<_> = report.faces.iter().filter(|f| f.exceeds).collect();
        let (figures, outlines, volume_m3) = match kind {
            ProposalKind::OutOfBounds => (
                json(serde_json::to_value(&report.outside_patches))?,
                report.outside_patches.iter().map(|p| p.outline.clone()).collect(),
                Some(cut_m3),
            ),
            ProposalKind::BelowFloor => (
                json(serde_json::to_value(report.below_floor))?,
                Vec::new(),
                Some(report.below_floor.volume_m3),
            ),
            ProposalKind::OverQuantity => (
                json(serde_json::to_value((report.production, &report.period)))?,
                Vec::new(),
                None,
            ),
            ProposalKind::HighFace => (
                json(serde_json::to_value(&high_faces))?,
                high_faces.iter().map(|f| f.outline.clone()).collect(),
                None,
            ),
        };
        built.push(Built {
            kind,
            severity: finding.severity.to_string(),
            message_zh: finding.message_zh.clone(),
            evidence: Evidence {
                analysis_id,
                licence_no: report.licence_no.clone(),
                surveys: vec![survey(before), survey(after)],
                crs: crs.clone(),
                crs_label: crs.label(),
                figures,
                outlines,
                cut_m3,
                max_face_height_m: report.thresholds.max_face_height_m,
            },
            volume_m3,
        });
    }
    Ok(built)
}

fn evidence_of(p: &Proposal) -> Result<Evidence> {
    serde_json::from_str(&p.evidence_json)
        .map_err(AppError::corrupt(format!("evidence of proposal {}", p.id)))
}

/// The outlines a comparison starting from `survey_id` measures again: those of the proposals (not
/// dismissed) of the comparison that ended at it, keyed by kind (one proposal per kind there, and a
/// key that does not depend on the order results were recorded in).
pub(crate) async fn watches(conn: &mut Conn, survey_id: SurveyId) -> Result<Vec<Watch>> {
    let mut out = Vec::new();
    for p in store::ending_at_survey(conn, survey_id).await? {
        if !p.kind.is_watched() || p.state == ProposalState::Dismissed {
            continue;
        }
        let evidence = evidence_of(&p)?;
        out.push(Watch {
            key: p.kind.as_str().to_string(),
            crs: evidence.crs,
            polygons: evidence.outlines,
        });
    }
    Ok(out)
}

/// A later comparison's reading of a proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct ReflightView {
    pub analysis_id: AnalysisId,
    pub flown_on: chrono::NaiveDate,
    pub reading: Reflight,
}

/// How the later comparison `later` (from the proposal's later survey onwards) reads the proposal;
/// `None` when that comparison did not measure its outlines (it ran before the proposal existed:
/// running it again measures them).
pub fn read(p: &Proposal, evidence: &Evidence, later: &Figures) -> Option<Reflight> {
    match p.kind {
        ProposalKind::OutOfBounds | ProposalKind::HighFace => {
            let w = later.watched.iter().find(|w| w.key == p.kind.as_str())?;
            let m = Remeasured {
                area_m2: w.area_m2,
                valid_area_m2: w.change.valid_area_m2,
                cut_m3: w.change.cut_m3,
                cut_area_m2: w.change.cut_area_m2,
                fill_m3: w.change.fill_m3,
                fill_area_m2: w.change.fill_area_m2,
                faces_exceeding: w.faces_exceeding,
                highest_face_m: w.highest_face_m,
            };
            Some(if p.kind == ProposalKind::OutOfBounds {
                Reflight::of_patch(&m, evidence.cut_m3)
            } else {
                Reflight::of_face(&m, evidence.max_face_height_m)
            })
        }
        ProposalKind::BelowFloor => Some(Reflight::of_floor(
            later.below_floor.area_m2,
            later.below_floor.volume_m3,
            later.below_floor.lowest_elevation_m,
            later.below_floor.floor_m,
        )),
        ProposalKind::OverQuantity => Some(Reflight::Output {
            ratio: later.production.ratio,
        }),
    }
}

/// The reading of the finished comparison that starts at the proposal's later survey, if any.
async fn reflight_in(conn: &mut Conn, p: &Proposal) -> Result<Option<ReflightView>> {
    let Some(own) = surveys_store::find_analysis(conn, p.analysis_id).await? else {
        return Ok(None);
    };
    let later = surveys_store::analyses_of_mine(conn, p.mine_id)
        .await?
        .into_iter()
        .find(|a| a.before_survey_id == own.survey_id && a.state == AnalysisState::Done);
    let Some(later) = later else {
        return Ok(None);
    };
    let (Some(report), Some(survey)) = (
        later.report_json.as_deref(),
        surveys_store::find(conn, later.survey_id).await?,
    ) else {
        return Ok(None);
    };
    let figures = super::read_report(report)?;
    Ok(read(p, &evidence_of(p)?, &figures).map(|reading| ReflightView {
        analysis_id: later.id,
        flown_on: survey.flown_on,
        reading,
    }))
}

/// A proposal with what the page shows about it.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub evidence: Evidence,
    pub reflight: Option<ReflightView>,
    /// The confirm form's starting values.
    pub suggested: Suggested,
    /// The decisions open to the reader.
    pub open: Vec<ProposalStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suggested {
    pub agency: &'static str,
    pub description: String,
    pub severity: &'static str,
    pub deadline_on: chrono::NaiveDate,
}

/// Days the confirm form suggests for rectification (the office sets the deadline it orders).
const SUGGESTED_DAYS: i64 = 30;

/// An analysis's proposals for its page.
pub async fn of_analysis(app: &App, caller: &Caller, analysis_id: AnalysisId) -> Result<Vec<ProposalView>> {
    let mut conn = app.db.conn().await?;
    analysis_for(&mut conn, caller, Action::ViewSurveys, analysis_id).await?;
    let today = local_date(app.now());
    let mut out = Vec::new();
    for proposal in store::of_analysis(&mut conn, analysis_id).await? {
        let evidence = evidence_of(&proposal)?;
        let reflight = reflight_in(&mut conn, &proposal).await?;
        let period = match evidence.surveys.as_slice() {
            [a, b] => format!("{}至{}", a.flown_on, b.flown_on),
            _ => String::new(),
        };
        out.push(ProposalView {
            open: orewatch_domain::workflow::open_steps::<ProposalFlow>(&proposal, &caller.actor, &[], today),
            suggested: Suggested {
                agency: ProposalKind::DEFAULT_AGENCY,
                description: format!(
                    "{}（无人机测量对比分析 #{analysis_id}，{period}）",
                    proposal.message_zh
                ),
                severity: ProposalKind::default_severity(&proposal.severity).as_str(),
                deadline_on: today + chrono::Duration::days(SUGGESTED_DAYS),
            },
            proposal,
            evidence,
            reflight,
        });
    }
    Ok(out)
}

/// The analysis a proposal belongs to, for a caller who may see it.
pub async fn analysis_of(app: &App, caller: &Caller, id: ProposalId) -> Result<AnalysisId> {
    let mut conn = app.db.conn().await?;
    let p = store::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    analysis_for(&mut conn, caller, Action::ViewSurveys, p.analysis_id).await?;
    Ok(p.analysis_id)
}

/// What the office enters to confirm a proposal.
#[derive(Debug, Clone, Default)]
pub struct ConfirmInput<'a> {
    pub agency: &'a str,
    pub severity: &'a str,
    pub description: &'a str,
    pub legal_basis: &'a str,
    pub measures: &'a str,
    pub deadline_on: &'a str,
}

/// Reads a proposal and asks its workflow whether the caller may take `step` on it now, before any
/// input is checked (a double submit is told so before a form's fields).
async fn decidable(
    app: &App,
    caller: &Caller,
    id: ProposalId,
    step: ProposalStep,
) -> Result<(Proposal, mines::Mine)> {
    let mut conn = app.db.conn().await?;
    let p = crate::workflow::allowed::<ProposalFlow>(&mut conn, app, caller, id, step).await?;
    let mine = mines::find(&mut conn, p.mine_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((p, mine))
}

/// Confirms a proposal onto the ledger: a finding from 监测, its category by kind, found on the later
/// survey's date, with the responsible agency's rectification task; the proposal keeps the finding.
pub async fn confirm(
    app: &App,
    caller: &Caller,
    id: ProposalId,
    input: &ConfirmInput<'_>,
) -> Result<FindingId> {
    let (p, mine) = decidable(app, caller, id, ProposalStep::Confirm).await?;
    let found_on = evidence_of(&p)?
        .surveys
        .last()
        .map(|s| s.flown_on.clone())
        .unwrap_or_default();
    let source_ref = format!("无人机测量对比分析#{}", p.analysis_id);
    let valid = ledger::validate(
        app,
        caller,
        &FindingInput {
            mine: &mine.name,
            source: "monitoring",
            source_ref: &source_ref,
            category: p.kind.category(),
            description: input.description,
            legal_basis: input.legal_basis,
            severity: input.severity,
            agency: input.agency,
            measures: input.measures,
            found_on: &found_on,
            deadline_on: input.deadline_on,
        },
    )
    .await?;
    // One write: the finding, then the decision naming it. A proposal decided meanwhile (a double
    // submit, a colleague) is refused by its workflow and the finding goes with the write.
    let mut tx = app.write(caller).await?;
    let finding = ledger::insert_valid(&mut tx, app, caller, &valid).await?;
    step_in::<ProposalFlow>(
        &mut tx,
        app,
        caller,
        id,
        ProposalCommand::Confirm { finding },
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(finding)
}

/// Dismisses a proposal with the reason (a false alarm: a stockpile moved, a shadow, a permitted
/// road cut …).
pub async fn dismiss(app: &App, caller: &Caller, id: ProposalId, reason: &str) -> Result<()> {
    let reason =
        orewatch_domain::field::required_text(reason, 1000).map_err(|p| AppError::invalid("reason", p))?;
    step::<ProposalFlow>(app, caller, id, ProposalCommand::Dismiss { reason }, &[]).await?;
    Ok(())
}

/// What the finding page shows of a finding that came from a survey.
#[derive(Debug, Clone)]
pub struct FindingMonitoring {
    pub proposal: Proposal,
    pub evidence: Evidence,
    pub reflight: Option<ReflightView>,
}

/// The monitoring evidence of a finding, if it was confirmed from a proposal.
pub async fn of_finding(
    app: &App,
    caller: &Caller,
    finding_id: FindingId,
) -> Result<Option<FindingMonitoring>> {
    let mut conn = app.db.conn().await?;
    let finding = orewatch_storage::findings::find(&mut conn, finding_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(Action::ViewLedger, &ledger::resource(&finding))?;
    let Some(proposal) = store::of_finding(&mut conn, finding_id).await? else {
        return Ok(None);
    };
    let evidence = evidence_of(&proposal)?;
    let reflight = reflight_in(&mut conn, &proposal).await?;
    Ok(Some(FindingMonitoring {
        proposal,
        evidence,
        reflight,
    }))
}

/// The volume mined out of bounds and below the floor that a penalty case's findings carry (as
/// confirmed from surveys), with its basis, for the case's estimate form to start from; `None` when no
/// finding of the case came from a survey with a volume.
pub async fn volume_of_case(app: &App, caller: &Caller, case_id: CaseId) -> Result<Option<(f64, String)>> {
    let mut conn = app.db.conn().await?;
    let case = orewatch_storage::cases::find(&mut conn, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(Action::ViewCases, &crate::enforcement::cases::resource(&case))?;
    let rows = store::with_volume_of_case(&mut conn, case_id).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let total: f64 = rows.iter().filter_map(|p| p.volume_m3).sum();
    let basis = rows
        .iter()
        .map(|p| {
            format!(
                "无人机测量对比分析#{} {} {:.1} 立方米",
                p.analysis_id,
                p.kind.label_zh(),
                p.volume_m3.unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("；");
    Ok(Some((total, basis)))
}

/// The re-flight comparison as a document: what was found, where, what the later flight shows, and
/// the files both rest on with their SHA-256.
pub fn reflight_document(
    m: &FindingMonitoring,
    finding_id: FindingId,
    later_sha256: &[(String, String)],
) -> Option<String> {
    let r = m.reflight.as_ref()?;
    let mut out = String::new();
    use std::fmt::Write;
    let _ = writeln!(out, "无人机测量复查比对（问题 #{finding_id}）");
    let _ = writeln!(out, "问题类型：{}", m.proposal.kind.label_zh());
    let _ = writeln!(out, "原发现：{}", m.proposal.message_zh);
    if let Some(v) = m.proposal.volume_m3 {
        let _ = writeln!(out, "原方量：{v:.1} 立方米");
    }
    let _ = writeln!(out, "原分析：无人机测量对比分析 #{}", m.evidence.analysis_id);
    for s in &m.evidence.surveys {
        let _ = writeln!(
            out,
            "  测量成果 {} {} SHA-256 {}",
            s.flown_on, s.dem_name, s.sha256
        );
    }
    let _ = writeln!(
        out,
        "复查分析：无人机测量对比分析 #{}（{} 测量）",
        r.analysis_id, r.flown_on
    );
    for (name, sha) in later_sha256 {
        let _ = writeln!(out, "  测量成果 {name} SHA-256 {sha}");
    }
    let _ = writeln!(out, "复查结果：{}", r.reading.summary_zh());
    let _ = writeln!(
        out,
        "结论提示：{}",
        if r.reading.shows_rectified() {
            "测量数据显示问题已停止或已消除，仍须结合现场核查"
        } else {
            "测量数据未显示问题已整改"
        }
    );
    let _ = writeln!(out, "坐标系：{}", m.evidence.crs_label);
    Some(out)
}

/// The verifier attaches the re-flight comparison to a finding under review as 复查 evidence.
pub async fn attach_reflight(app: &App, caller: &Caller, finding_id: FindingId) -> Result<()> {
    // The right to the finding first: someone who may not see it learns nothing about its evidence.
    let m = of_finding(app, caller, finding_id)
        .await?
        .ok_or_else(|| AppError::invalid("reflight", Problem::NotFromSurvey))?;
    let Some(r) = &m.reflight else {
        return Err(AppError::invalid("reflight", Problem::NoReflight));
    };
    let mut conn = app.db.conn().await?;
    let later = surveys_store::find_analysis(&mut conn, r.analysis_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut later_files = Vec::new();
    for id in [later.before_survey_id, later.survey_id] {
        if let Some(s) = surveys_store::find(&mut conn, id).await? {
            later_files.push((format!("{} {}", s.flown_on, s.dem_name), s.dem_sha256));
        }
    }
    drop(conn);
    let text = reflight_document(&m, finding_id, &later_files)
        .ok_or_else(|| AppError::invalid("reflight", Problem::NoReflight))?;
    let name = format!("无人机测量复查比对-分析{}.txt", r.analysis_id);
    let stored =
        crate::evidence::Stored::of_bytes(app, &name, "text/plain; charset=utf-8", text.as_bytes()).await?;
    let note = format!(
        "附无人机测量复查比对（分析 #{}）：{}",
        r.analysis_id,
        r.reading.summary_zh()
    );
    ledger::attach_review_evidence(app, caller, finding_id, &[stored], &note).await
}
