//! 监测问题清单 on the analysis page (each proposed finding with its evidence, the office's confirm and
//! dismiss forms, what a later flight shows) and on a finding's page (where it came from, the volume,
//! the re-flight and the verifier's "attach as 复查 evidence").

use super::labels::label;
use super::{agency_options, see_other, FormData, FormErrors, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::Id;
use crate::WebState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use orewatch_app::organisation::AgencyRecord;
use orewatch_app::surveys::proposals::{self, ConfirmInput, FindingMonitoring, ProposalView, ReflightView};
use orewatch_app::AppError;
use orewatch_domain::finding::Severity;
use orewatch_domain::proposal::{ProposalFlow, ProposalStep};
use orewatch_domain::ProposalId;
use strum::IntoEnumIterator;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/proposals/{id}/confirm", post(confirm))
        .route("/proposals/{id}/dismiss", post(dismiss))
}

/// A later flight's reading as shown.
pub struct ReflightLine {
    pub analysis_id: orewatch_domain::AnalysisId,
    pub flown_on: String,
    pub summary: String,
    pub rectified: bool,
}

fn reflight_line(ctx: &Ctx, r: &ReflightView) -> ReflightLine {
    ReflightLine {
        analysis_id: r.analysis_id,
        flown_on: r.flown_on.to_string(),
        summary: if ctx.html_lang() == "en" {
            r.reading.summary_en()
        } else {
            r.reading.summary_zh()
        },
        rectified: r.reading.shows_rectified(),
    }
}

/// One proposed finding on the analysis page.
pub struct ProposalLine {
    pub id: ProposalId,
    pub kind: String,
    pub state: String,
    pub state_class: &'static str,
    pub severity: String,
    pub message: String,
    pub volume: String,
    pub finding_id: Option<orewatch_domain::FindingId>,
    pub dismiss_reason: String,
    pub decided: String,
    pub reflight: Option<ReflightLine>,
    pub may_decide: bool,
    pub agencies: Vec<SelectOption>,
    pub severities: Vec<SelectOption>,
    pub form: FormData,
    pub errors: FormErrors,
    /// Which form the errors belong to (`confirm` or `dismiss`), so it opens.
    pub failed_form: &'static str,
}

/// A confirm or dismiss that was refused, to show again with its values and errors.
pub struct Refused {
    pub id: ProposalId,
    pub which: &'static str,
    pub form: FormData,
    pub errors: FormErrors,
}

pub fn lines(
    ctx: &Ctx,
    views: &[ProposalView],
    messages_en: &[(String, String)],
    agencies: &[AgencyRecord],
    mut refused: Option<Refused>,
) -> Vec<ProposalLine> {
    let english = ctx.html_lang() == "en";
    let members: Vec<AgencyRecord> = agencies.iter().filter(|a| a.is_member()).cloned().collect();
    views
        .iter()
        .map(|v| {
            let p = &v.proposal;
            let mut form = FormData::default();
            form.0.insert("agency".into(), v.suggested.agency.into());
            form.0.insert("severity".into(), v.suggested.severity.into());
            form.0
                .insert("deadline_on".into(), v.suggested.deadline_on.to_string());
            form.0
                .insert("description".into(), v.suggested.description.clone());
            let (errors, failed_form) = match refused.take_if(|r| r.id == p.id) {
                Some(r) => {
                    // What was sent wins over the suggestions.
                    form.0.extend(r.form.0.into_iter().filter(|(k, _)| k != "csrf"));
                    (r.errors, r.which)
                }
                None => (FormErrors::default(), ""),
            };
            // The heading names the kind; the engine's message starts with it too ("越界开采：…").
            let message = match messages_en.iter().find(|(k, _)| k == p.kind.as_str()) {
                Some((_, en)) if english => after_label(en, ": "),
                _ => after_label(&p.message_zh, "："),
            };
            ProposalLine {
                id: p.id,
                kind: label(ctx, "proposal_kind", p.kind.as_str()),
                state: label(ctx, "proposal_state", p.state.as_str()),
                state_class: super::state_class::<ProposalFlow>(p.state),
                severity: label(ctx, "proposal_severity", &p.severity),
                message,
                volume: p
                    .volume_m3
                    .map(|v| format!("{} m³", super::surveys::num(v, 1)))
                    .unwrap_or_default(),
                finding_id: p.finding_id,
                dismiss_reason: p.dismiss_reason.clone().unwrap_or_default(),
                decided: match (&p.decided_by_label, &p.decided_at) {
                    (Some(by), Some(at)) => format!("{by} · {}", ctx.time(at)),
                    _ => String::new(),
                },
                reflight: v.reflight.as_ref().map(|r| reflight_line(ctx, r)),
                may_decide: v.open.contains(&ProposalStep::Confirm),
                agencies: agency_options(ctx, &members, form.get("agency")),
                severities: Severity::iter()
                    .map(|s| {
                        SelectOption::new(
                            s.as_str(),
                            label(ctx, "severity", s.as_str()),
                            form.get("severity"),
                        )
                    })
                    .collect(),
                form,
                errors,
                failed_form,
            }
        })
        .collect()
}

/// The message without its leading "kind：" label.
fn after_label(message: &str, separator: &str) -> String {
    message
        .split_once(separator)
        .map_or(message, |(_, rest)| rest)
        .to_string()
}

/// What a finding's page shows of the survey it came from.
pub struct MonitoringLine {
    pub analysis_id: orewatch_domain::AnalysisId,
    pub kind: String,
    pub volume: String,
    pub surveys: Vec<(String, String, String)>,
    pub reflight: Option<ReflightLine>,
}

pub fn monitoring_line(ctx: &Ctx, m: &FindingMonitoring) -> MonitoringLine {
    MonitoringLine {
        analysis_id: m.proposal.analysis_id,
        kind: label(ctx, "proposal_kind", m.proposal.kind.as_str()),
        volume: m
            .proposal
            .volume_m3
            .map(|v| format!("{} m³", super::surveys::num(v, 1)))
            .unwrap_or_default(),
        surveys: m
            .evidence
            .surveys
            .iter()
            .map(|s| (s.flown_on.clone(), s.dem_name.clone(), s.sha256.clone()))
            .collect(),
        reflight: m.reflight.as_ref().map(|r| reflight_line(ctx, r)),
    }
}

/// The result page again, with the refused form's values and reasons at its proposal.
async fn refused(
    state: &WebState,
    ctx: Ctx,
    analysis: orewatch_domain::AnalysisId,
    (id, which): (ProposalId, &'static str),
    form: FormData,
    errors: &orewatch_domain::FieldErrors,
) -> Result<Response, WebError> {
    let refused = Refused {
        id,
        which,
        errors: FormErrors::from(&ctx, errors),
        form,
    };
    super::surveys::analysis_screen(state, ctx, analysis, Some(refused)).await
}

async fn confirm(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<ProposalId>,
    form: FormData,
) -> Result<Response, WebError> {
    let analysis = proposals::analysis_of(&state.app, &ctx.caller(), id).await?;
    let input = ConfirmInput {
        agency: form.get("agency"),
        severity: form.get("severity"),
        description: form.get("description"),
        legal_basis: form.get("legal_basis"),
        measures: form.get("measures"),
        deadline_on: form.get("deadline_on"),
    };
    match proposals::confirm(&state.app, &ctx.caller(), id, &input).await {
        Ok(_) => Ok(see_other(&format!(
            "/analyses/{analysis}?flash=proposal_confirmed#proposal-{id}"
        ))),
        Err(AppError::Invalid(errors)) => {
            refused(&state, ctx, analysis, (id, "confirm"), form, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn dismiss(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<ProposalId>,
    form: FormData,
) -> Result<Response, WebError> {
    let analysis = proposals::analysis_of(&state.app, &ctx.caller(), id).await?;
    match proposals::dismiss(&state.app, &ctx.caller(), id, form.get("reason")).await {
        Ok(()) => Ok(see_other(&format!(
            "/analyses/{analysis}?flash=proposal_dismissed#proposal-{id}"
        ))),
        Err(AppError::Invalid(errors)) => {
            refused(&state, ctx, analysis, (id, "dismiss"), form, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}
