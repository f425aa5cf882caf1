//! 监测问题清单 — the findings a survey analysis proposes, until the office confirms or dismisses them.
//!
//! No rule lives here: which kinds exist, which carry a volume and which may still be decided are
//! `domain::proposal`'s.

use crate::bound::{Key, Value, SURVEY_PROPOSAL};
use crate::{get, get_code, get_opt_time, some, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::proposal::{ProposalKind, ProposalState};
use orewatch_domain::MineId;

/// A proposal to record when an analysis finishes.
#[derive(Debug, Clone)]
pub struct NewProposal<'a> {
    pub analysis_id: i64,
    pub mine_id: MineId,
    pub kind: ProposalKind,
    /// The engine's `high` or `medium`.
    pub severity: &'a str,
    pub message_zh: &'a str,
    pub evidence_json: &'a str,
    pub volume_m3: Option<f64>,
}

/// A stored proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: i64,
    pub analysis_id: i64,
    pub mine_id: MineId,
    pub kind: ProposalKind,
    pub severity: String,
    pub message_zh: String,
    pub evidence_json: String,
    pub volume_m3: Option<f64>,
    pub state: ProposalState,
    pub finding_id: Option<i64>,
    pub dismiss_reason: Option<String>,
    pub decided_by_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn insert(tx: &mut WriteTx, p: &NewProposal<'_>) -> Result<i64> {
    let key = tx
        .insert(
            &SURVEY_PROPOSAL,
            &[
                ("analysis_id", p.analysis_id.into()),
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
    Ok(key.int().unwrap_or_default())
}

/// What the office decided.
#[derive(Debug, Clone, Copy)]
pub enum Decision<'a> {
    /// Confirmed onto the ledger as this finding.
    Confirmed {
        finding_id: i64,
    },
    Dismissed {
        reason: &'a str,
    },
}

/// Records the office's decision (the caller has checked, inside the same write, that the proposal is
/// still proposed); returns whether a row changed.
pub async fn decide(tx: &mut WriteTx, id: i64, decision: Decision<'_>, by_label: &str) -> Result<bool> {
    let now = format_timestamp(tx.now());
    let (state, finding, reason): (ProposalState, Value, Value) = match decision {
        Decision::Confirmed { finding_id } => (ProposalState::Confirmed, finding_id.into(), Value::Null),
        Decision::Dismissed { reason } => (ProposalState::Dismissed, Value::Null, reason.into()),
    };
    let changed = tx
        .update(
            &SURVEY_PROPOSAL,
            &Key::Int(id),
            &[
                ("state", state.as_str().into()),
                ("finding_id", finding),
                ("dismiss_reason", reason),
                ("decided_by_label", by_label.into()),
                ("decided_at", now.into()),
            ],
        )
        .await?;
    Ok(changed > 0)
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Proposal> {
    Ok(Proposal {
        id: get(r, "proposal_id")?,
        analysis_id: get(r, "analysis_id")?,
        mine_id: MineId(get(r, "mine_id")?),
        kind: get_code(r, "kind", some(ProposalKind::parse))?,
        severity: get(r, "severity")?,
        message_zh: get(r, "message_zh")?,
        evidence_json: get(r, "evidence_json")?,
        volume_m3: get(r, "volume_m3")?,
        state: get_code(r, "state", some(ProposalState::parse))?,
        finding_id: get(r, "finding_id")?,
        dismiss_reason: get(r, "dismiss_reason")?,
        decided_by_label: get(r, "decided_by_label")?,
        decided_at: get_opt_time(r, "decided_at")?,
    })
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Proposal>> {
    sqlx::query("SELECT * FROM survey_proposal WHERE proposal_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// An analysis's proposals, in the engine's order of kinds.
pub async fn of_analysis(conn: &mut Conn, analysis_id: i64) -> Result<Vec<Proposal>> {
    sqlx::query("SELECT * FROM survey_proposal WHERE analysis_id = $1 ORDER BY proposal_id")
        .bind(analysis_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The proposals of the analysis whose later survey is `survey_id`: those a comparison starting from
/// that survey measures again.
pub async fn ending_at_survey(conn: &mut Conn, survey_id: i64) -> Result<Vec<Proposal>> {
    sqlx::query(
        "SELECT p.* FROM survey_proposal p JOIN survey_analysis a ON a.analysis_id = p.analysis_id \
         WHERE a.survey_id = $1 ORDER BY p.proposal_id",
    )
    .bind(survey_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The proposal a finding was confirmed from, if it came from monitoring.
pub async fn of_finding(conn: &mut Conn, finding_id: i64) -> Result<Option<Proposal>> {
    sqlx::query("SELECT * FROM survey_proposal WHERE finding_id = $1")
        .bind(finding_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Proposals of findings linked to a penalty case that carry a volume.
pub async fn with_volume_of_case(conn: &mut Conn, case_id: i64) -> Result<Vec<Proposal>> {
    sqlx::query(
        "SELECT p.* FROM survey_proposal p JOIN case_finding cf ON cf.finding_id = p.finding_id \
         WHERE cf.case_id = $1 AND p.volume_m3 IS NOT NULL ORDER BY p.proposal_id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}
