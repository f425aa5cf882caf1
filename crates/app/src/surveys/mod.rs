//! 无人机测量 — drone surveys of mines and their analyses (DOMAIN.md §4, §7; the monitoring
//! loop): the office records a survey with its DEM; when the mine has an earlier survey, an analysis of
//! the two against the licence in force is queued and a worker runs it ([`worker`]).
//!
//! - [`record`]: check the fields, the licence and the file ([`arrival`]), store the file, then one
//!   audited write holding the survey, its analysis and the analysis's job.
//! - [`cancel`] / [`retry`]: the office stops a pending analysis, or runs a failed or cancelled one again
//!   with the licence's figures as they are now.
//! - [`of_mine`], [`analysis`], [`analysis_file`]: what the mine page and the result page show.
//! - [`proposals`]: the findings an analysis proposes, confirmed onto the ledger or dismissed, and what
//!   a later flight shows about each.
//!
//! Rules (dates, states, the licence's figures) are `domain::survey`'s; SQL is `storage`'s.

pub mod arrival;
pub mod proposals;
pub mod uploads;
pub mod worker;
mod yardstick;

pub use yardstick::Inputs;

use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{date, required_text};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::survey::{check_flown_on, AnalysisCommand, AnalysisFlow, AnalysisStep, SurveyMethod};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::Workflow;
use orewatch_domain::{AnalysisId, AuditAction, FieldErrors, MineId, Problem, SurveyId};
use orewatch_spatial::compare::Thresholds;
use orewatch_spatial::pointcloud::{self, CloudError, GridRule};
use orewatch_storage::jobs::{self, Job, Subject};
use orewatch_storage::surveys::{self as store, NewAnalysis, NewSurvey};
pub use orewatch_storage::surveys::{Analysis, CloudSource, DemLayout, Survey};
use orewatch_storage::{licences, mines};
use std::path::PathBuf;

/// Settings of surveys and their analyses. The ore's density is the price table's
/// (`Settings::cases.prices`, `[minerals]` in the configuration): one figure per mineral for both.
#[derive(Debug, Clone)]
pub struct SurveySettings {
    pub thresholds: Thresholds,
    /// How long a worker's claim on a job lasts without a heartbeat.
    pub lease: chrono::Duration,
    /// How often a running job's worker renews its lease and reports progress.
    pub heartbeat: std::time::Duration,
    /// How often an idle worker looks for work.
    pub poll: std::time::Duration,
    /// Claims of one job before it is given up (its workers keep dying).
    pub max_attempts: i64,
    /// Where uploads are staged and files from object storage are fetched to for the engine.
    pub scratch_dir: PathBuf,
    /// The largest survey file accepted.
    pub max_dem_bytes: u64,
}

impl Default for SurveySettings {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            lease: chrono::Duration::seconds(60),
            heartbeat: std::time::Duration::from_secs(10),
            poll: std::time::Duration::from_secs(2),
            max_attempts: 3,
            scratch_dir: std::env::temp_dir().join("orewatch-scratch"),
            max_dem_bytes: 16 << 30,
        }
    }
}

/// A survey's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct SurveyInput<'a> {
    pub flown_on: &'a str,
    pub contractor: &'a str,
    pub method: &'a str,
    pub classified: bool,
    /// The cell size a point cloud is gridded at, m (ignored for a DEM).
    pub cell_m: &'a str,
}

/// A file that arrived and was staged on local disk, hashed on the way (the web streams it there).
/// [`record`] copies it into the file store; the caller removes the staged file afterwards.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// The last part of the name the browser sent.
    pub name: String,
    pub path: PathBuf,
    pub sha256: String,
    pub size_bytes: u64,
}

/// What recording a survey did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub survey_id: SurveyId,
    /// The analysis queued against the previous survey, if the mine had one.
    pub analysis_id: Option<AnalysisId>,
}

fn mine_resource(mine: &orewatch_storage::mines::Mine) -> Resource {
    Resource::Mine {
        area_agency: mine.area_agency.clone(),
        company: mine.company_id,
    }
}

/// A refusal on the licence: the reason in Chinese, on the `licence` field.
fn licence_problem(message: String) -> AppError {
    AppError::invalid("licence", Problem::SurveyFile { message })
}

/// The mine's licence in force on `on` and the figures an analysis takes from it.
fn yardstick_of<'a>(
    settings: &crate::Settings,
    stored: &'a [orewatch_storage::licences::Licence],
    on: chrono::NaiveDate,
) -> Result<(&'a orewatch_storage::licences::Licence, Inputs)> {
    let licence = yardstick::licence_in_force(stored, on).map_err(|p| licence_problem(p.to_string()))?;
    let inputs = yardstick::inputs(settings, licence).map_err(licence_problem)?;
    Ok((licence, inputs))
}

fn file_problem(message: String) -> AppError {
    AppError::invalid("dem", Problem::SurveyFile { message })
}

/// A survey file as it arrived: a DEM as it is, or a point cloud gridded into one.
enum Arrived {
    Dem(DemLayout),
    Cloud(arrival::GriddedCloud),
}

/// The typed cell size of a point cloud's DEM.
fn cell_size(text: &str) -> std::result::Result<f64, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    let cell: f64 = text
        .parse()
        .map_err(|_| match text.replace(['，', ','], ".").parse::<f64>() {
            Ok(_) => Problem::SurveyFile {
                message: format!("格网间距“{text}”请用小数点书写，如 0.5"),
            },
            Err(_) => Problem::BadNumber,
        })?;
    let (min, max) = GridRule::CELL_RANGE_M;
    if cell >= min && cell <= max {
        Ok(cell)
    } else {
        Err(Problem::SurveyFile {
            message: CloudError::BadCell {
                cell_m: cell,
                min,
                max,
            }
            .to_string(),
        })
    }
}

/// The files before the row: a failed write leaves an unreferenced file, never a row without it. A
/// point cloud is kept beside the DEM gridded from it.
async fn store_arrived(app: &App, file: &StagedFile, arrived: &Arrived) -> Result<()> {
    if let Arrived::Cloud(cloud) = arrived {
        app.files().put_file(&cloud.dem_path, &cloud.dem_sha256).await?;
    }
    app.files().put_file(&file.path, &file.sha256).await?;
    Ok(())
}

/// Records a survey of `mine_id` with its staged DEM, or its point cloud gridded into a DEM. Nothing is
/// stored when anything is wrong.
pub async fn record(
    app: &App,
    caller: &Caller,
    mine_id: MineId,
    input: &SurveyInput<'_>,
    file: &StagedFile,
) -> Result<Recorded> {
    let mut conn = app.db.conn().await?;
    let mine = mines::find(&mut conn, mine_id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::RecordSurvey, &mine_resource(&mine))?;
    let mut e = FieldErrors::new();
    let flown_on = e.take("flown_on", date(input.flown_on));
    let contractor = e.take("contractor", required_text(input.contractor, 100));
    let method = e.take("method", SurveyMethod::parse(input.method));
    if file.size_bytes == 0 {
        e.push("dem", Problem::Required);
    } else if file.size_bytes > app.settings.surveys.max_dem_bytes {
        e.push(
            "dem",
            Problem::FileTooLarge {
                name: file.name.clone(),
                max_mib: usize::try_from(app.settings.surveys.max_dem_bytes >> 20).unwrap_or(usize::MAX),
            },
        );
    }
    // A point cloud is told by its signature, not its name, and needs the cell size it is gridded at.
    let cell_m = if file.size_bytes > 0 && pointcloud::looks_like_cloud(&file.path) {
        e.take("cell_m", cell_size(input.cell_m))
    } else {
        None
    };
    let (Some(flown_on), Some(contractor), Some(method)) = (flown_on, contractor, method) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let today = local_date(app.now());
    check_flown_on(flown_on, today, None).map_err(|p| AppError::invalid("flown_on", p))?;
    // The licence in force on the survey's day is the yardstick of the file and of the analysis.
    let stored = licences::for_mine(&mut conn, mine_id).await?;
    let (licence, inputs) = yardstick_of(&app.settings, &stored, flown_on)?;
    let engine = yardstick::engine_licence(licence, &mine.name, &inputs).map_err(licence_problem)?;
    if let Some(existing) = store::find_by_file(&mut conn, mine_id, &file.sha256).await? {
        return Err(AppError::invalid(
            "dem",
            Problem::SurveyDuplicate {
                flown_on: existing.flown_on.to_string(),
            },
        ));
    }
    drop(conn);
    let (path, name) = (file.path.clone(), file.name.clone());
    let scratch = app.settings.surveys.scratch_dir.clone();
    let arrived = tokio::task::spawn_blocking(move || match cell_m {
        Some(cell_m) => arrival::grid_cloud(&path, &name, cell_m, &engine, &scratch).map(Arrived::Cloud),
        None => arrival::check(&path, &name, &engine).map(Arrived::Dem),
    })
    .await
    .map_err(|source| AppError::Thread {
        what: "the survey file's check",
        source,
    })?
    .map_err(file_problem)?;
    let stored = store_arrived(app, file, &arrived).await;
    if let Arrived::Cloud(cloud) = &arrived {
        let _ = tokio::fs::remove_file(&cloud.dem_path).await;
    }
    stored?;
    let (layout, dem_name, dem_sha256, dem_size_bytes, cloud) = match arrived {
        Arrived::Dem(layout) => (
            layout,
            file.name.clone(),
            file.sha256.clone(),
            file.size_bytes,
            None,
        ),
        Arrived::Cloud(cloud) => {
            let gridding_json = serde_json::to_string(&cloud.gridding).map_err(AppError::json("gridding"))?;
            (
                cloud.layout,
                cloud.dem_name,
                cloud.dem_sha256,
                cloud.dem_size_bytes,
                Some(CloudSource {
                    name: file.name.clone(),
                    sha256: file.sha256.clone(),
                    size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
                    gridding_json,
                }),
            )
        }
    };

    let mut tx = app.write(caller).await?;
    // Read inside the write, which audited writes take one at a time: two uploads cannot both be "the
    // latest".
    let latest = store::of_mine(&mut tx, mine_id).await?.into_iter().next();
    check_flown_on(flown_on, today, latest.as_ref().map(|s| s.flown_on))
        .map_err(|p| AppError::invalid("flown_on", p))?;
    let survey_id = store::insert(
        &mut tx,
        &NewSurvey {
            mine_id,
            flown_on,
            contractor: &contractor,
            method,
            layout: &layout,
            dem_name: &dem_name,
            dem_sha256: &dem_sha256,
            dem_size_bytes: i64::try_from(dem_size_bytes).unwrap_or(i64::MAX),
            classified: input.classified,
            recorded_by_label: &caller.display_name,
            cloud: cloud.as_ref(),
        },
    )
    .await
    .map_err(|e| match e {
        e if e.is_conflict_on("survey_file_key", "survey.dem_sha256") => AppError::invalid(
            "dem",
            Problem::SurveyDuplicate {
                flown_on: flown_on.to_string(),
            },
        ),
        other => other.into(),
    })?;
    tx.audit_of(AuditAction::SurveyRecord, survey_id, None, None)
        .await?;
    let mut analysis_id = None;
    if let Some(before) = latest {
        let inputs_json = serde_json::to_string(&inputs).map_err(AppError::json("analysis inputs"))?;
        let id = store::insert_analysis(
            &mut tx,
            &NewAnalysis {
                survey_id,
                before_survey_id: before.id,
                licence_id: licence.id,
                inputs_json: &inputs_json,
            },
        )
        .await?;
        // It waits for the analysis ending at the earlier survey, whose findings it measures again.
        let earlier = store::analyses_of_mine(&mut tx, mine_id)
            .await?
            .into_iter()
            .find(|a| a.survey_id == before.id);
        let after = match earlier {
            Some(a) => jobs::of_subject(&mut tx, Subject::SurveyAnalysis(a.id))
                .await?
                .map(|j| j.id),
            None => None,
        };
        jobs::enqueue(
            &mut tx,
            Subject::SurveyAnalysis(id),
            app.settings.surveys.max_attempts,
            after,
            app.now(),
        )
        .await?;
        crate::workflow::created::<AnalysisFlow>(&mut tx, app, caller, id).await?;
        analysis_id = Some(id);
    }
    tx.commit().await?;
    Ok(Recorded {
        survey_id,
        analysis_id,
    })
}

/// Marks a survey classified (涉密) or not; returns its mine.
pub async fn set_classified(
    app: &App,
    caller: &Caller,
    survey_id: SurveyId,
    classified: bool,
) -> Result<MineId> {
    let mut tx = app.write(caller).await?;
    let survey = store::find(&mut tx, survey_id).await?.ok_or(AppError::NotFound)?;
    let mine = mines::find(&mut tx, survey.mine_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(Action::RecordSurvey, &mine_resource(&mine))?;
    if survey.classified == classified {
        return Ok(survey.mine_id);
    }
    let before = tx.state_of(survey_id).await?;
    store::set_classified(&mut tx, survey_id, classified).await?;
    tx.audit_of(AuditAction::SurveyClassify, survey_id, before, None)
        .await?;
    tx.commit().await?;
    Ok(survey.mine_id)
}

/// An analysis with its (later) survey and the mine, once the caller may do `action` on the mine.
async fn analysis_for(
    conn: &mut orewatch_storage::Conn,
    caller: &Caller,
    action: Action,
    id: AnalysisId,
) -> Result<(Analysis, Survey, orewatch_storage::mines::Mine)> {
    let analysis = store::find_analysis(conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(action, &AnalysisFlow::resource(&analysis))?;
    let survey = store::find(conn, analysis.survey_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = mines::find(conn, survey.mine_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((analysis, survey, mine))
}

/// Cancels a pending analysis: a queued job at once, a running one at its worker's next heartbeat.
pub async fn cancel(app: &App, caller: &Caller, id: AnalysisId) -> Result<()> {
    let mut tx = app.write(caller).await?;
    crate::workflow::step_in::<AnalysisFlow>(&mut tx, app, caller, id, AnalysisCommand::Cancel, &[]).await?;
    jobs::cancel(&mut tx, Subject::SurveyAnalysis(id), app.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a failed or cancelled analysis again, with the licence in force and its figures as they are now.
pub async fn retry(app: &App, caller: &Caller, id: AnalysisId) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let analysis =
        crate::workflow::allowed::<AnalysisFlow>(&mut tx, app, caller, id, AnalysisStep::Retry).await?;
    let stored = licences::for_mine(&mut tx, analysis.mine_id).await?;
    let (licence, inputs) = yardstick_of(&app.settings, &stored, analysis.flown_on)?;
    let inputs_json = serde_json::to_string(&inputs).map_err(AppError::json("analysis inputs"))?;
    if !jobs::requeue(&mut tx, Subject::SurveyAnalysis(id), app.now()).await? {
        return Err(AppError::invalid("state", Problem::JobStillRunning));
    }
    let command = AnalysisCommand::Retry {
        licence_id: licence.id,
        inputs_json,
    };
    crate::workflow::step_in::<AnalysisFlow>(&mut tx, app, caller, id, command, &[]).await?;
    tx.commit().await?;
    Ok(())
}

/// A survey on the mine page, with the analysis against the survey before it.
#[derive(Debug, Clone)]
pub struct SurveyRow {
    pub survey: Survey,
    pub analysis: Option<AnalysisRow>,
}

/// An analysis in a list: its state, its job and its headline figures once done.
#[derive(Debug, Clone)]
pub struct AnalysisRow {
    pub analysis: Analysis,
    pub job: Option<Job>,
    pub figures: Option<Headline>,
    /// Its proposed findings the office has not yet confirmed or dismissed.
    pub undecided: usize,
}

/// The figures a list shows of a done analysis.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct Headline {
    pub extracted_t: f64,
    pub permitted_t: f64,
    pub ratio: f64,
    pub outside_cut_m3: f64,
    pub below_floor_m3: f64,
    pub findings: usize,
}

/// A mine's surveys, newest first, and whether the caller may record one.
#[derive(Debug, Clone)]
pub struct MineSurveys {
    pub mine_name: String,
    pub rows: Vec<SurveyRow>,
    pub may_record: bool,
}

/// What the report says, as the platform reads it back: the engine's own report type
/// (`orewatch_spatial::report`), read with its schema checked, so the figures shown are the figures
/// computed, field for field.
pub type Figures = orewatch_spatial::report::Report;

/// Reads a stored analysis report; one of another schema, or damaged, is refused by name.
pub fn read_report(report_json: &str) -> Result<Figures> {
    orewatch_spatial::report::read(report_json).map_err(AppError::corrupt("analysis report"))
}

/// The figures the mine's survey list shows for an analysis.
pub fn headline(f: &Figures) -> Headline {
    Headline {
        extracted_t: f.production.extracted_t,
        permitted_t: f.production.permitted_t,
        ratio: f.production.ratio,
        outside_cut_m3: f.outside_patches.iter().map(|p| p.cut_m3).sum(),
        below_floor_m3: f.below_floor.volume_m3,
        findings: f.findings.len(),
    }
}

/// Checks that the caller may record surveys of the mine (before a large file is sent).
pub async fn require_record(app: &App, caller: &Caller, mine_id: MineId) -> Result<()> {
    let mut conn = app.db.conn().await?;
    let mine = mines::find(&mut conn, mine_id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::RecordSurvey, &mine_resource(&mine))
}

/// The surveys of a mine for its page.
pub async fn of_mine(app: &App, caller: &Caller, mine_id: MineId) -> Result<MineSurveys> {
    let mut conn = app.db.conn().await?;
    let mine = mines::find(&mut conn, mine_id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewSurveys, &mine_resource(&mine))?;
    let surveys = store::of_mine(&mut conn, mine_id).await?;
    let analyses = store::analyses_of_mine(&mut conn, mine_id).await?;
    let mut rows = Vec::with_capacity(surveys.len());
    for survey in surveys {
        let analysis = match analyses.iter().find(|a| a.survey_id == survey.id) {
            Some(a) => Some(AnalysisRow {
                job: jobs::of_subject(&mut conn, Subject::SurveyAnalysis(a.id)).await?,
                undecided: orewatch_storage::proposals::of_analysis(&mut conn, a.id)
                    .await?
                    .iter()
                    .filter(|p| p.state == orewatch_domain::proposal::ProposalState::Proposed)
                    .count(),
                figures: a
                    .report_json
                    .as_deref()
                    .map(read_report)
                    .transpose()?
                    .map(|f| headline(&f)),
                analysis: a.clone(),
            }),
            None => None,
        };
        rows.push(SurveyRow { survey, analysis });
    }
    Ok(MineSurveys {
        mine_name: mine.name.clone(),
        rows,
        may_record: caller.may(Action::RecordSurvey, &mine_resource(&mine)),
    })
}

/// The result page of an analysis.
#[derive(Debug, Clone)]
pub struct AnalysisView {
    pub analysis: Analysis,
    pub inputs: Inputs,
    pub survey: Survey,
    pub before: Survey,
    pub mine_name: String,
    pub job: Option<Job>,
    pub figures: Option<Figures>,
    /// The overlay of change.png (see `orewatch_spatial::outputs::render`).
    pub overlay: Option<Overlay>,
    /// The steps the reader may take on it now (cancel, run again).
    pub open: Vec<AnalysisStep>,
}

/// What the page draws over change.png, in its pixels.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Overlay {
    pub png_width: f64,
    pub png_height: f64,
    pub map_width: f64,
    pub map_height: f64,
    pub boundary: Vec<Vec<(f64, f64)>>,
    pub patches: Vec<Vec<Vec<(f64, f64)>>>,
    pub faces: Vec<Vec<Vec<(f64, f64)>>>,
}

pub async fn analysis(app: &App, caller: &Caller, id: AnalysisId) -> Result<AnalysisView> {
    let mut conn = app.db.conn().await?;
    let (analysis, survey, mine) = analysis_for(&mut conn, caller, Action::ViewSurveys, id).await?;
    let before = store::find(&mut conn, analysis.before_survey_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let job = jobs::of_subject(&mut conn, Subject::SurveyAnalysis(id)).await?;
    let open = crate::workflow::offered::<AnalysisFlow>(&mut conn, app, caller, &analysis).await?;
    drop(conn);
    let inputs: Inputs = serde_json::from_str(&analysis.inputs_json)
        .map_err(AppError::corrupt(format!("inputs of analysis {}", analysis.id)))?;
    let figures = analysis.report_json.as_deref().map(read_report).transpose()?;
    let overlay = match &analysis.overlay_sha256 {
        Some(sha) => {
            let bytes = app.files().get(sha).await?;
            Some(
                serde_json::from_slice(&bytes)
                    .map_err(AppError::corrupt(format!("overlay of analysis {}", analysis.id)))?,
            )
        }
        None => None,
    };
    Ok(AnalysisView {
        open,
        mine_name: mine.name,
        analysis,
        inputs,
        survey,
        before,
        job,
        figures,
        overlay,
    })
}

/// A file of an analysis's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFile {
    ReportJson,
    PatchesGeojson,
    ChangePng,
}

impl ResultFile {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "report.json" => Some(ResultFile::ReportJson),
            "patches.geojson" => Some(ResultFile::PatchesGeojson),
            "change.png" => Some(ResultFile::ChangePng),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ResultFile::ReportJson => "report.json",
            ResultFile::PatchesGeojson => "patches.geojson",
            ResultFile::ChangePng => "change.png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ResultFile::ReportJson => "application/json",
            ResultFile::PatchesGeojson => "application/geo+json",
            ResultFile::ChangePng => "image/png",
        }
    }
}

/// The bytes of a result file, checked against the SHA-256 the analysis recorded.
pub async fn analysis_file(app: &App, caller: &Caller, id: AnalysisId, file: ResultFile) -> Result<Vec<u8>> {
    let mut conn = app.db.conn().await?;
    let (analysis, _, _) = analysis_for(&mut conn, caller, Action::ViewSurveys, id).await?;
    drop(conn);
    let sha = match file {
        ResultFile::ReportJson => analysis.report_sha256,
        ResultFile::PatchesGeojson => analysis.patches_sha256,
        ResultFile::ChangePng => analysis.change_png_sha256,
    }
    .ok_or(AppError::NotFound)?;
    Ok(app.files().get(&sha).await?)
}
