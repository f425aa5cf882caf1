//! An analysis's workflow ([`AnalysisFlow`]): queued when a survey follows an earlier one, finished by
//! the worker (done with its result, failed with the reason, or cancelled when the office asked while it
//! ran), cancelled by the office while pending, and run again by the office once failed or cancelled,
//! with the licence and figures in force then.
//!
//! The job that computes it is working state (its lease, heartbeats and progress; `storage::jobs`);
//! the analysis is the record, audited, because its inputs and result are evidence.

use super::AnalysisState;
use crate::agency::AgencyCode;
use crate::ids::{AnalysisId, CompanyId, LicenceId, MineId, SurveyId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::task_title::TaskTitle;
use crate::workflow::{Context, Created, Issuer, Moved, Refused, Rule, Rules, Standing, Target, Workflow};
use chrono::{DateTime, NaiveDate, Utc};
use AnalysisState::*;

/// An analysis as stored, with its mine (the policy's view of it).
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub id: AnalysisId,
    /// The later survey, and the one it is compared with.
    pub survey_id: SurveyId,
    pub before_survey_id: SurveyId,
    /// The days the two surveys were flown.
    pub flown_on: NaiveDate,
    pub before_flown_on: NaiveDate,
    pub licence_id: LicenceId,
    pub mine_id: MineId,
    pub area_agency: Option<AgencyCode>,
    pub company_id: CompanyId,
    /// The licence's figures the engine was given (the yardstick), as JSON.
    pub inputs_json: String,
    pub state: AnalysisState,
    pub report_json: Option<String>,
    pub report_sha256: Option<String>,
    pub patches_sha256: Option<String>,
    pub change_png_sha256: Option<String>,
    pub overlay_sha256: Option<String>,
    pub failure: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// What a finished analysis produced: its report and the files it wrote, by SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Produced {
    pub report_json: String,
    pub report_sha256: String,
    pub patches_sha256: String,
    pub change_png_sha256: String,
    pub overlay_sha256: String,
    /// The report's summary, for the audit entry.
    pub summary: String,
}

/// How the worker ended an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done(Box<Produced>),
    /// The engine refused the inputs, or the job gave up; the reason is kept.
    Failed(String),
    /// The office asked to cancel while it ran.
    Cancelled,
}

/// A step of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum AnalysisStep {
    /// 取消 (the office, while pending).
    Cancel,
    /// 重新分析 (the office, once failed or cancelled).
    Retry,
    /// The worker's end of the run.
    Finish,
}

/// A step with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisCommand {
    Cancel,
    /// With the licence in force now and its figures.
    Retry {
        licence_id: LicenceId,
        inputs_json: String,
    },
    Finish(Outcome),
}

/// The analysis's workflow. See the module's documentation.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisFlow;

impl Workflow for AnalysisFlow {
    const RECORD: RecordType = RecordType::SurveyAnalysis;
    type State = AnalysisState;
    type Step = AnalysisStep;
    type Id = AnalysisId;
    type Record = Analysis;
    type Command = AnalysisCommand;

    fn id(a: &Analysis) -> AnalysisId {
        a.id
    }

    fn state(a: &Analysis) -> AnalysisState {
        a.state
    }

    fn standing(state: AnalysisState) -> Standing {
        match state {
            Pending => Standing::Waiting,
            Done => Standing::Settled,
            Failed => Standing::Adverse,
            Cancelled => Standing::Neutral,
        }
    }

    /// An analysis is its mine's, as the survey is.
    fn resource(a: &Analysis) -> Resource {
        Resource::Mine {
            area_agency: a.area_agency.clone(),
            company: a.company_id,
        }
    }

    fn mine(a: &Analysis) -> Option<MineId> {
        Some(a.mine_id)
    }

    fn task_title(a: &Analysis) -> TaskTitle {
        TaskTitle::Analysis { id: a.id.0 }
    }

    fn issuer(_: &Analysis) -> Issuer {
        Issuer::Office
    }

    /// Queued as its survey is recorded (one action, named on both records); its job is working state.
    fn created(a: &Analysis, _: &Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::SurveyRecord,
            audit_note: Some(format!("对比 {} 与 {} 的测量成果", a.before_flown_on, a.flown_on)),
            tasks: Vec::new(),
        }
    }

    fn rule(step: AnalysisStep) -> Rule<Self> {
        match step {
            AnalysisStep::Cancel => Rule::new(&[Pending], Target::To(Cancelled), Action::RecordSurvey),
            AnalysisStep::Retry => Rule::new(&[Failed, Cancelled], Target::To(Pending), Action::RecordSurvey),
            AnalysisStep::Finish => Rule::new(
                &[Pending],
                Target::OneOf(&[Done, Failed, Cancelled]),
                Action::RunAnalysis,
            ),
        }
    }

    fn step_of(command: &AnalysisCommand) -> AnalysisStep {
        match command {
            AnalysisCommand::Cancel => AnalysisStep::Cancel,
            AnalysisCommand::Retry { .. } => AnalysisStep::Retry,
            AnalysisCommand::Finish(_) => AnalysisStep::Finish,
        }
    }

    fn apply(a: &Analysis, command: AnalysisCommand, ctx: &Context<'_>) -> Result<Moved<Analysis>, Refused> {
        let mut next = a.clone();
        let moved = match command {
            AnalysisCommand::Cancel => {
                next.state = Cancelled;
                next.failure = None;
                next.finished_at = Some(ctx.now);
                Moved::to(next, AuditAction::AnalysisCancel)
            }
            AnalysisCommand::Retry {
                licence_id,
                inputs_json,
            } => {
                next.licence_id = licence_id;
                next.inputs_json = inputs_json;
                next.state = Pending;
                next.failure = None;
                next.queued_at = ctx.now;
                next.finished_at = None;
                Moved::to(next, AuditAction::AnalysisRetry)
            }
            AnalysisCommand::Finish(outcome) => {
                next.finished_at = Some(ctx.now);
                match outcome {
                    Outcome::Done(produced) => {
                        let Produced {
                            report_json,
                            report_sha256,
                            patches_sha256,
                            change_png_sha256,
                            overlay_sha256,
                            summary,
                        } = *produced;
                        next.state = Done;
                        next.report_json = Some(report_json);
                        next.report_sha256 = Some(report_sha256);
                        next.patches_sha256 = Some(patches_sha256);
                        next.change_png_sha256 = Some(change_png_sha256);
                        next.overlay_sha256 = Some(overlay_sha256);
                        next.failure = None;
                        Moved::to(next, AuditAction::AnalysisFinish).note(summary)
                    }
                    Outcome::Failed(reason) => {
                        next.state = Failed;
                        next.failure = Some(reason.clone());
                        Moved::to(next, AuditAction::AnalysisFinish).note(reason)
                    }
                    Outcome::Cancelled => {
                        next.state = Cancelled;
                        next.failure = None;
                        Moved::to(next, AuditAction::AnalysisFinish)
                    }
                }
            }
        };
        Ok(moved)
    }

    fn state_label(state: AnalysisState) -> &'static str {
        state.label_zh()
    }

    fn step_label(step: AnalysisStep) -> &'static str {
        match step {
            AnalysisStep::Cancel => "取消分析",
            AnalysisStep::Retry => "重新分析",
            AnalysisStep::Finish => "完成分析",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Problem;
    use crate::policy::Service;
    use crate::workflow::testing::{explore, Exploration};
    use crate::workflow::{check, open_steps, Signer};
    use chrono::TimeZone;

    fn analysis(state: AnalysisState) -> Analysis {
        Analysis {
            id: AnalysisId(1),
            survey_id: SurveyId(2),
            before_survey_id: SurveyId(1),
            flown_on: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            before_flown_on: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            licence_id: LicenceId(1),
            mine_id: MineId(1),
            area_agency: None,
            company_id: CompanyId(1),
            inputs_json: "{}".into(),
            state,
            report_json: None,
            report_sha256: None,
            patches_sha256: None,
            change_png_sha256: None,
            overlay_sha256: None,
            failure: None,
            queued_at: Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap(),
            finished_at: None,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn an_analysis_is_finished_by_the_worker_and_cancelled_or_run_again_by_the_office() {
        let by = Signer {
            account: None,
            label: "分析作业".into(),
        };
        let actor = crate::Actor::Service(Service::Worker);
        let commands = |step: AnalysisStep, _: &Analysis| match step {
            AnalysisStep::Cancel => vec![AnalysisCommand::Cancel],
            AnalysisStep::Retry => vec![AnalysisCommand::Retry {
                licence_id: LicenceId(2),
                inputs_json: "{\"floor\":200}".into(),
            }],
            AnalysisStep::Finish => vec![
                AnalysisCommand::Finish(Outcome::Done(Box::new(Produced {
                    report_json: "{}".into(),
                    report_sha256: "a".into(),
                    patches_sha256: "b".into(),
                    change_png_sha256: "c".into(),
                    overlay_sha256: "d".into(),
                    summary: "采出 1 t".into(),
                }))),
                AnalysisCommand::Finish(Outcome::Failed("DEM 不重叠".into())),
                AnalysisCommand::Finish(Outcome::Cancelled),
            ],
        };
        let visited = explore(&Exploration::<AnalysisFlow> {
            starts: vec![analysis(Pending)],
            commands: &commands,
            ctx: crate::workflow::testing::context(
                Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap(),
                today(),
                &by,
                &actor,
            ),
            depth: 4,
        });
        assert!(visited >= 6, "{visited}");
    }

    #[test]
    fn only_a_pending_analysis_is_cancelled_and_only_an_ended_one_runs_again() {
        assert!(check::<AnalysisFlow>(&analysis(Pending), AnalysisStep::Cancel, today()).is_ok());
        assert_eq!(
            check::<AnalysisFlow>(&analysis(Cancelled), AnalysisStep::Cancel, today()),
            Err(Problem::AlreadyDone {
                state: "已取消".into()
            }
            .into())
        );
        assert!(check::<AnalysisFlow>(&analysis(Done), AnalysisStep::Cancel, today()).is_err());
        for s in [Failed, Cancelled] {
            assert!(check::<AnalysisFlow>(&analysis(s), AnalysisStep::Retry, today()).is_ok());
        }
        for s in [Done, Pending] {
            assert!(check::<AnalysisFlow>(&analysis(s), AnalysisStep::Retry, today()).is_err());
        }
        // The worker finishes; it neither cancels nor reruns, and the office does not finish.
        let worker = crate::Actor::Service(Service::Worker);
        assert_eq!(
            open_steps::<AnalysisFlow>(&analysis(Pending), &worker, &[], today()),
            vec![AnalysisStep::Finish]
        );
        let office = crate::Actor::Account {
            id: crate::AccountId(1),
            role: crate::Role::Office,
            agency: None,
        };
        assert_eq!(
            open_steps::<AnalysisFlow>(&analysis(Pending), &office, &[], today()),
            vec![AnalysisStep::Cancel]
        );
        assert_eq!(
            open_steps::<AnalysisFlow>(&analysis(Failed), &office, &[], today()),
            vec![AnalysisStep::Retry]
        );
    }
}
