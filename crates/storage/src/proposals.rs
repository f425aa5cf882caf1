//! 监测问题清单 — the findings a survey analysis proposes, until the office confirms or dismisses them.
//!
//! No rule lives here: which kinds exist, which carry a volume and which may still be decided are
//! `domain::proposal`'s.

use crate::bound::{Key, Value, SURVEY_PROPOSAL};
use crate::workflow::Repository;
use crate::{get, get_code, get_opt_code, get_opt_time, some, Conn, Result, WriteTx};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::proposal::{ProposalFlow, ProposalKind, ProposalState};
use orewatch_domain::workflow::Event;
use orewatch_domain::{AgencyCode, CompanyId, FindingId, MineId, ProposalId};

/// A proposal to record when an analysis finishes.
#[derive(Debug, Clone)]
pub struct NewProposal<'a> {
    pub analysis_id: orewatch_domain::AnalysisId,
    pub mine_id: MineId,
    pub kind: ProposalKind,
    /// The engine's `high` or `medium`.
    pub severity: &'a str,
    pub message_zh: &'a str,
    pub evidence_json: &'a str,
    pub volume_m3: Option<f64>,
}

pub use orewatch_domain::proposal::Proposal;

/// Records a proposal as an analysis finds it (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, p: &NewProposal<'_>) -> Result<ProposalId> {
    let key = tx
        .insert(
            &SURVEY_PROPOSAL,
            &[
                ("analysis_id", p.analysis_id.0.into()),
                ("mine_id", p.mine_id.0.into()),
                ("kind", p.kind.as_str().into()),
                ("severity", p.severity.into()),
                ("message_zh", p.message_zh.into()),
                ("evidence_json", p.evidence_json.into()),
                ("volume_m3", p.volume_m3.into()),
                ("state", ProposalState::Proposed.as_str().into()),
                ("finding_id", Value::Null),
                ("dismiss_reason", Value::Null),
                ("decided_by_label", Value::Null),
                ("decided_at", Value::Null),
            ],
        )
        .await?;
    key.id(ProposalId)
}

impl Repository for ProposalFlow {
    async fn find(conn: &mut Conn, id: ProposalId) -> Result<Option<Proposal>> {
        find(conn, id).await
    }

    async fn save(tx: &mut WriteTx, p: &Proposal) -> Result<()> {
        tx.update(
            &SURVEY_PROPOSAL,
            &Key::Int(p.id.0),
            &[
                ("state", p.state.as_str().into()),
                ("finding_id", p.finding_id.map(|f| f.0).into()),
                ("dismiss_reason", p.dismiss_reason.as_deref().into()),
                ("decided_by_label", p.decided_by_label.as_deref().into()),
                ("decided_at", p.decided_at.map(format_timestamp).into()),
            ],
        )
        .await?;
        Ok(())
    }

    /// A proposal keeps no history of its own: its one decision is its audit entry.
    async fn add_event(_: &mut WriteTx, _: ProposalId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

/// A proposal with its mine's area agency and company.
const SELECT: &str = "SELECT p.*, m.area_agency_code, m.company_id FROM survey_proposal p \
    JOIN mine m ON m.mine_id = p.mine_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Proposal> {
    Ok(Proposal {
        id: ProposalId(get(r, "proposal_id")?),
        analysis_id: orewatch_domain::AnalysisId(get(r, "analysis_id")?),
        mine_id: MineId(get(r, "mine_id")?),
        mine_area_agency: get_opt_code(r, "area_agency_code", AgencyCode::parse)?,
        company_id: CompanyId(get(r, "company_id")?),
        kind: get_code(r, "kind", some(ProposalKind::parse))?,
        severity: get(r, "severity")?,
        message_zh: get(r, "message_zh")?,
        evidence_json: get(r, "evidence_json")?,
        volume_m3: get(r, "volume_m3")?,
        state: get_code(r, "state", some(ProposalState::parse))?,
        finding_id: get::<Option<i64>>(r, "finding_id")?.map(FindingId),
        dismiss_reason: get(r, "dismiss_reason")?,
        decided_by_label: get(r, "decided_by_label")?,
        decided_at: get_opt_time(r, "decided_at")?,
    })
}

pub async fn find(conn: &mut Conn, id: ProposalId) -> Result<Option<Proposal>> {
    sqlx::query(&format!("{SELECT} WHERE p.proposal_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// An analysis's proposals, in the engine's order of kinds.
pub async fn of_analysis(conn: &mut Conn, analysis_id: orewatch_domain::AnalysisId) -> Result<Vec<Proposal>> {
    sqlx::query(&format!(
        "{SELECT} WHERE p.analysis_id = $1 ORDER BY p.proposal_id"
    ))
    .bind(analysis_id.0)
    .fetch_all(conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The proposals of the analysis whose later survey is `survey_id`: those a comparison starting from
/// that survey measures again.
pub async fn ending_at_survey(
    conn: &mut Conn,
    survey_id: orewatch_domain::SurveyId,
) -> Result<Vec<Proposal>> {
    sqlx::query(&format!(
        "{SELECT} JOIN survey_analysis a ON a.analysis_id = p.analysis_id \
         WHERE a.survey_id = $1 ORDER BY p.proposal_id"
    ))
    .bind(survey_id.0)
    .fetch_all(conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The proposal a finding was confirmed from, if it came from monitoring.
pub async fn of_finding(conn: &mut Conn, finding_id: FindingId) -> Result<Option<Proposal>> {
    sqlx::query(&format!("{SELECT} WHERE p.finding_id = $1"))
        .bind(finding_id.0)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Proposals of findings linked to a penalty case that carry a volume.
pub async fn with_volume_of_case(conn: &mut Conn, case_id: orewatch_domain::CaseId) -> Result<Vec<Proposal>> {
    sqlx::query(&format!(
        "{SELECT} JOIN case_finding cf ON cf.finding_id = p.finding_id \
         WHERE cf.case_id = $1 AND p.volume_m3 IS NOT NULL ORDER BY p.proposal_id"
    ))
    .bind(case_id.0)
    .fetch_all(conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}
