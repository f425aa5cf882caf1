//! 无人机测量 — surveys of mines and the analyses that compare each with the one before.
//!
//! No rule lives here: which dates may follow which, what an analysis needs and which states may
//! follow which are `domain::survey`'s; running the analysis is the app's worker.

use crate::bound::{Key, Value, SURVEY, SURVEY_ANALYSIS};
use crate::workflow::Repository;
use crate::{
    date_text, get, get_code, get_date, get_opt_code, get_opt_time, get_time, some, Conn, Result, WriteTx,
};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::survey::{AnalysisFlow, AnalysisState, SurveyMethod};
use orewatch_domain::workflow::Event;
use orewatch_domain::{AgencyCode, AnalysisId, CompanyId, LicenceId, MineId, SurveyId};

pub use orewatch_domain::survey::Analysis;

/// What a DEM was found to be when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct DemLayout {
    /// The CRS as the platform names it (`CGCS2000 / 3-degree Gauss-Kruger CM 117E`).
    pub crs: String,
    pub cell_x_m: f64,
    pub cell_y_m: f64,
    pub width: i64,
    pub height: i64,
    /// (left, bottom, right, top) in the CRS, m.
    pub extent: [f64; 4],
}

/// The point cloud a survey's DEM was gridded from.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudSource {
    pub name: String,
    pub sha256: String,
    pub size_bytes: i64,
    /// How it was gridded (JSON, written and read by the app).
    pub gridding_json: String,
}

/// A survey to record.
#[derive(Debug, Clone)]
pub struct NewSurvey<'a> {
    pub mine_id: MineId,
    pub flown_on: NaiveDate,
    pub contractor: &'a str,
    pub method: SurveyMethod,
    pub layout: &'a DemLayout,
    pub dem_name: &'a str,
    pub dem_sha256: &'a str,
    pub dem_size_bytes: i64,
    pub classified: bool,
    pub recorded_by_label: &'a str,
    /// Set when the survey arrived as a point cloud.
    pub cloud: Option<&'a CloudSource>,
}

/// A stored survey.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    pub id: SurveyId,
    pub mine_id: MineId,
    pub mine_name: String,
    pub flown_on: NaiveDate,
    pub contractor: String,
    pub method: SurveyMethod,
    pub layout: DemLayout,
    pub dem_name: String,
    pub dem_sha256: String,
    pub dem_size_bytes: i64,
    pub classified: bool,
    pub recorded_by_label: String,
    pub recorded_at: DateTime<Utc>,
    pub cloud: Option<CloudSource>,
}

pub async fn insert(tx: &mut WriteTx, s: &NewSurvey<'_>) -> Result<SurveyId> {
    let now = format_timestamp(tx.now());
    let [left, bottom, right, top] = s.layout.extent;
    let key = tx
        .insert(
            &SURVEY,
            &[
                ("mine_id", s.mine_id.0.into()),
                ("flown_on", date_text(s.flown_on).into()),
                ("contractor", s.contractor.into()),
                ("method", s.method.as_str().into()),
                ("crs", s.layout.crs.as_str().into()),
                ("cell_x_m", s.layout.cell_x_m.into()),
                ("cell_y_m", s.layout.cell_y_m.into()),
                ("width", s.layout.width.into()),
                ("height", s.layout.height.into()),
                ("left_m", left.into()),
                ("bottom_m", bottom.into()),
                ("right_m", right.into()),
                ("top_m", top.into()),
                ("dem_name", s.dem_name.into()),
                ("dem_sha256", s.dem_sha256.into()),
                ("dem_size_bytes", s.dem_size_bytes.into()),
                ("classified", i64::from(s.classified).into()),
                ("recorded_by_label", s.recorded_by_label.into()),
                ("recorded_at", now.into()),
                ("cloud_name", s.cloud.map(|c| c.name.as_str()).into()),
                ("cloud_sha256", s.cloud.map(|c| c.sha256.as_str()).into()),
                ("cloud_size_bytes", s.cloud.map(|c| c.size_bytes).into()),
                ("cloud_gridding", s.cloud.map(|c| c.gridding_json.as_str()).into()),
            ],
        )
        .await?;
    key.id(SurveyId)
}

/// Marks a survey classified (涉密) or not; returns whether it changed.
pub async fn set_classified(tx: &mut WriteTx, id: SurveyId, classified: bool) -> Result<bool> {
    let changed = tx
        .update(
            &SURVEY,
            &Key::Int(id.0),
            &[("classified", i64::from(classified).into())],
        )
        .await?;
    Ok(changed > 0)
}

const SURVEY_SELECT: &str =
    "SELECT s.*, m.name AS mine_name FROM survey s JOIN mine m ON m.mine_id = s.mine_id";

fn survey_from_row(r: &sqlx::any::AnyRow) -> Result<Survey> {
    Ok(Survey {
        id: SurveyId(get(r, "survey_id")?),
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        flown_on: get_date(r, "flown_on")?,
        contractor: get(r, "contractor")?,
        method: get_code(r, "method", SurveyMethod::parse)?,
        layout: DemLayout {
            crs: get(r, "crs")?,
            cell_x_m: get(r, "cell_x_m")?,
            cell_y_m: get(r, "cell_y_m")?,
            width: get(r, "width")?,
            height: get(r, "height")?,
            extent: [
                get(r, "left_m")?,
                get(r, "bottom_m")?,
                get(r, "right_m")?,
                get(r, "top_m")?,
            ],
        },
        dem_name: get(r, "dem_name")?,
        dem_sha256: get(r, "dem_sha256")?,
        dem_size_bytes: get(r, "dem_size_bytes")?,
        classified: get::<i64>(r, "classified")? != 0,
        recorded_by_label: get(r, "recorded_by_label")?,
        recorded_at: get_time(r, "recorded_at")?,
        cloud: match get::<Option<String>>(r, "cloud_sha256")? {
            Some(sha256) => Some(CloudSource {
                name: get(r, "cloud_name")?,
                sha256,
                size_bytes: get(r, "cloud_size_bytes")?,
                gridding_json: get(r, "cloud_gridding")?,
            }),
            None => None,
        },
    })
}

pub async fn find(conn: &mut Conn, id: SurveyId) -> Result<Option<Survey>> {
    sqlx::query(&format!("{SURVEY_SELECT} WHERE s.survey_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(survey_from_row)
        .transpose()
}

/// A mine's surveys, newest first.
pub async fn of_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<Survey>> {
    sqlx::query(&format!(
        "{SURVEY_SELECT} WHERE s.mine_id = $1 ORDER BY s.flown_on DESC, s.survey_id DESC"
    ))
    .bind(mine_id.0)
    .fetch_all(conn)
    .await?
    .iter()
    .map(survey_from_row)
    .collect()
}

/// The mine's survey of this file (its DEM, or the point cloud its DEM was gridded from), if it was
/// recorded already.
pub async fn find_by_file(conn: &mut Conn, mine_id: MineId, sha256: &str) -> Result<Option<Survey>> {
    sqlx::query(&format!(
        "{SURVEY_SELECT} WHERE s.mine_id = $1 AND (s.dem_sha256 = $2 OR s.cloud_sha256 = $2)"
    ))
    .bind(mine_id.0)
    .bind(sha256)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(survey_from_row)
    .transpose()
}

/// An analysis to queue.
#[derive(Debug, Clone)]
pub struct NewAnalysis<'a> {
    pub survey_id: SurveyId,
    pub before_survey_id: SurveyId,
    pub licence_id: LicenceId,
    pub inputs_json: &'a str,
}

pub async fn insert_analysis(tx: &mut WriteTx, a: &NewAnalysis<'_>) -> Result<AnalysisId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &SURVEY_ANALYSIS,
            &[
                ("survey_id", a.survey_id.0.into()),
                ("before_survey_id", a.before_survey_id.0.into()),
                ("licence_id", a.licence_id.0.into()),
                ("inputs_json", a.inputs_json.into()),
                ("state", AnalysisState::Pending.as_str().into()),
                ("report_json", Value::Null),
                ("report_sha256", Value::Null),
                ("patches_sha256", Value::Null),
                ("change_png_sha256", Value::Null),
                ("overlay_sha256", Value::Null),
                ("failure", Value::Null),
                ("queued_at", now.into()),
                ("finished_at", Value::Null),
            ],
        )
        .await?;
    key.id(AnalysisId)
}

impl Repository for AnalysisFlow {
    async fn find(conn: &mut Conn, id: AnalysisId) -> Result<Option<Analysis>> {
        find_analysis(conn, id).await
    }

    async fn save(tx: &mut WriteTx, a: &Analysis) -> Result<()> {
        let time = |t: Option<DateTime<Utc>>| Value::from(t.map(format_timestamp));
        tx.update(
            &SURVEY_ANALYSIS,
            &Key::Int(a.id.0),
            &[
                ("licence_id", a.licence_id.0.into()),
                ("inputs_json", a.inputs_json.as_str().into()),
                ("state", a.state.as_str().into()),
                ("report_json", a.report_json.as_deref().into()),
                ("report_sha256", a.report_sha256.as_deref().into()),
                ("patches_sha256", a.patches_sha256.as_deref().into()),
                ("change_png_sha256", a.change_png_sha256.as_deref().into()),
                ("overlay_sha256", a.overlay_sha256.as_deref().into()),
                ("failure", a.failure.as_deref().into()),
                ("queued_at", format_timestamp(a.queued_at).into()),
                ("finished_at", time(a.finished_at)),
            ],
        )
        .await?;
        Ok(())
    }

    /// An analysis's history is its audit entries.
    async fn add_event(_: &mut WriteTx, _: AnalysisId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

const ANALYSIS_SELECT: &str = "SELECT a.*, s.flown_on, b.flown_on AS before_flown_on, s.mine_id, \
    m.area_agency_code, m.company_id FROM survey_analysis a \
    JOIN survey s ON s.survey_id = a.survey_id JOIN survey b ON b.survey_id = a.before_survey_id \
    JOIN mine m ON m.mine_id = s.mine_id";

fn analysis_from_row(r: &sqlx::any::AnyRow) -> Result<Analysis> {
    Ok(Analysis {
        id: AnalysisId(get(r, "analysis_id")?),
        survey_id: SurveyId(get(r, "survey_id")?),
        before_survey_id: SurveyId(get(r, "before_survey_id")?),
        flown_on: get_date(r, "flown_on")?,
        before_flown_on: get_date(r, "before_flown_on")?,
        licence_id: LicenceId(get(r, "licence_id")?),
        mine_id: MineId(get(r, "mine_id")?),
        area_agency: get_opt_code(r, "area_agency_code", AgencyCode::parse)?,
        company_id: CompanyId(get(r, "company_id")?),
        inputs_json: get(r, "inputs_json")?,
        state: get_code(r, "state", some(AnalysisState::parse))?,
        report_json: get(r, "report_json")?,
        report_sha256: get(r, "report_sha256")?,
        patches_sha256: get(r, "patches_sha256")?,
        change_png_sha256: get(r, "change_png_sha256")?,
        overlay_sha256: get(r, "overlay_sha256")?,
        failure: get(r, "failure")?,
        queued_at: get_time(r, "queued_at")?,
        finished_at: get_opt_time(r, "finished_at")?,
    })
}

pub async fn find_analysis(conn: &mut Conn, id: AnalysisId) -> Result<Option<Analysis>> {
    sqlx::query(&format!("{ANALYSIS_SELECT} WHERE a.analysis_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(analysis_from_row)
        .transpose()
}

/// The analyses of a mine's surveys (each against the survey before it), newest survey first.
pub async fn analyses_of_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<Analysis>> {
    sqlx::query(&format!(
        "{ANALYSIS_SELECT} WHERE s.mine_id = $1 ORDER BY s.flown_on DESC, a.analysis_id DESC"
    ))
    .bind(mine_id.0)
    .fetch_all(conn)
    .await?
    .iter()
    .map(analysis_from_row)
    .collect()
}

/// How many surveys are recorded (the demo loads its own only into an installation without any).
pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM survey")
        .fetch_one(conn)
        .await?)
}
