//! 无人机测量 — a mine's surveys (the list with the volume trend against the licensed output, and the
//! office's upload form, streamed to disk) and an analysis's result page (its state and progress while a
//! worker runs it, the figures, change.png with the boundary and clickable patches and faces drawn over
//! it, the findings, and the downloads with their SHA-256).

use super::labels::label;
use super::{render_form, see_other, FormData, FormErrors, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::{Id, IdAnd};
use crate::upload::{stream_to_disk, StreamCsrf};
use crate::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use orewatch_app::surveys::uploads::Appended;
use orewatch_app::surveys::{self, AnalysisRow, AnalysisView, ResultFile, SurveyInput, SurveyRow};
use orewatch_app::AppError;
use orewatch_domain::survey::{AnalysisFlow, AnalysisState, AnalysisStep, SurveyMethod};
use orewatch_domain::workflow::{Standing, Workflow};
use orewatch_domain::{AnalysisId, FieldErrors, MineId, SurveyId};
use strum::IntoEnumIterator;

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/mines/{id}/surveys",
            get(list)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/mines/{id}/surveys/uploads", post(start_upload))
        .route(
            "/uploads/{id}",
            get(upload_status)
                .put(upload_chunk)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/surveys/{id}/classified", post(classify))
        .route("/analyses/{id}", get(show))
        .route("/analyses/{id}/cancel", post(cancel))
        .route("/analyses/{id}/retry", post(retry))
        .route("/analyses/{id}/files/{name}", get(file))
        .route("/analyses/{id}/print", get(print))
}

/// `1,234.5` style with `decimals` places.
pub(crate) fn num(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    // No "-0.0": the sign only when a digit shown is not zero.
    let sign = if value < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

fn state_class(state: AnalysisState) -> &'static str {
    super::state_class::<AnalysisFlow>(state)
}

/// Whether an analysis still waits for its run (its page refreshes, its job's progress shows).
fn waiting(state: AnalysisState) -> bool {
    AnalysisFlow::standing(state) == Standing::Waiting
}

/// An analysis in the list.
pub struct AnalysisLine {
    pub id: AnalysisId,
    pub state: String,
    pub state_class: &'static str,
    /// `运行中 42%` while a worker has it.
    pub progress: String,
    pub extracted_t: String,
    pub permitted_t: String,
    pub ratio: String,
    pub over: bool,
    pub outside_m3: String,
    pub below_floor_m3: String,
    pub findings: usize,
    /// Proposed findings awaiting the office's decision.
    pub undecided: usize,
}

pub struct SurveyLine {
    pub id: SurveyId,
    pub flown_on: String,
    pub contractor: String,
    pub method: String,
    pub file: String,
    pub size: String,
    pub crs: String,
    pub cell: String,
    /// The point cloud the DEM was gridded from, and how; empty for a DEM upload.
    pub source: String,
    pub classified: bool,
    pub analysis: Option<AnalysisLine>,
}

/// A bar pair of the trend chart (one done analysis): extracted against permitted tonnes.
pub struct TrendBar {
    pub label: String,
    pub x: f64,
    pub extracted_y: f64,
    pub extracted_h: f64,
    pub permitted_y: f64,
    pub permitted_h: f64,
    pub over: bool,
    pub title: String,
}

fn job_progress(ctx: &Ctx, row: &AnalysisRow) -> String {
    match &row.job {
        Some(job) if job.state.is_running() => {
            format!(
                "{} {:.0}%",
                label(ctx, "job_state", job.state.as_str()),
                job.progress * 100.0
            )
        }
        Some(job) if waiting(row.analysis.state) => label(ctx, "job_state", job.state.as_str()),
        _ => String::new(),
    }
}

/// "Gridded from the point cloud …", read from the gridding the survey recorded.
fn cloud_source(ctx: &Ctx, cloud: &orewatch_app::surveys::CloudSource) -> String {
    use orewatch_spatial::pointcloud::Gridding;
    let Ok(g) = serde_json::from_str::<Gridding>(&cloud.gridding_json) else {
        return cloud.name.clone();
    };
    let used = match ctx.lang() {
        crate::i18n::Lang::En => g.used.label_en(),
        _ => g.used.label_zh(),
    };
    ctx.tf(
        "survey.cloud_source",
        &[
            ("name", cloud.name.clone()),
            ("size", num(cloud.size_bytes as f64 / 1e6, 1)),
            ("points", g.points.to_string()),
            ("used", used.to_string()),
            ("points_used", g.points_used.to_string()),
            ("radius", num(g.radius_m, 3)),
            ("empty", g.empty_cells.to_string()),
        ],
    )
}

fn survey_line(ctx: &Ctx, row: &SurveyRow) -> SurveyLine {
    let s = &row.survey;
    SurveyLine {
        id: s.id,
        flown_on: s.flown_on.to_string(),
        contractor: s.contractor.clone(),
        method: label(ctx, "survey_method", s.method.as_str()),
        file: s.dem_name.clone(),
        size: format!("{} MB", num(s.dem_size_bytes as f64 / 1e6, 1)),
        crs: s.layout.crs.clone(),
        cell: format!("{} × {} m", num(s.layout.cell_x_m, 2), num(s.layout.cell_y_m, 2)),
        source: s.cloud.as_ref().map(|c| cloud_source(ctx, c)).unwrap_or_default(),
        classified: s.classified,
        analysis: row.analysis.as_ref().map(|a| {
            let f = a.figures;
            AnalysisLine {
                id: a.analysis.id,
                state: label(ctx, "analysis_state", a.analysis.state.as_str()),
                state_class: state_class(a.analysis.state),
                progress: job_progress(ctx, a),
                extracted_t: f.map(|f| num(f.extracted_t, 0)).unwrap_or_default(),
                permitted_t: f.map(|f| num(f.permitted_t, 0)).unwrap_or_default(),
                ratio: f.map(|f| format!("{:.1}%", f.ratio * 100.0)).unwrap_or_default(),
                over: f.is_some_and(|f| f.ratio > 1.0),
                outside_m3: f.map(|f| num(f.outside_cut_m3, 0)).unwrap_or_default(),
                below_floor_m3: f.map(|f| num(f.below_floor_m3, 0)).unwrap_or_default(),
                findings: f.map_or(0, |f| f.findings),
                undecided: a.undecided,
            }
        }),
    }
}

/// The trend: oldest period first, bars scaled to the largest figure (200 px high chart).
fn trend(rows: &[SurveyRow]) -> Vec<TrendBar> {
    let done: Vec<(&SurveyRow, surveys::Headline)> = rows
        .iter()
        .rev()
        .filter_map(|r| r.analysis.as_ref().and_then(|a| a.figures).map(|f| (r, f)))
        .collect();
    let top = done
        .iter()
        .map(|(_, f)| f.extracted_t.max(f.permitted_t))
        .fold(0.0, f64::max);
    if top <= 0.0 {
        return Vec::new();
    }
    let height = 160.0;
    done.iter()
        .enumerate()
        .map(|(i, (r, f))| {
            let eh = f.extracted_t / top * height;
            let ph = f.permitted_t / top * height;
            TrendBar {
                label: r.survey.flown_on.to_string(),
                x: 40.0 + i as f64 * 70.0,
                extracted_y: 180.0 - eh,
                extracted_h: eh,
                permitted_y: 180.0 - ph,
                permitted_h: ph,
                over: f.ratio > 1.0,
                title: format!("{} t / {} t", num(f.extracted_t, 0), num(f.permitted_t, 0)),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct ListPage {
    ctx: Ctx,
    mine_id: i64,
    mine_name: String,
    rows: Vec<SurveyLine>,
    bars: Vec<TrendBar>,
    chart_width: f64,
    may_record: bool,
    /// Files from this size go up in resumable chunks (with the script).
    resumable_from: u64,
    methods: Vec<SelectOption>,
    errors: FormErrors,
    form: FormData,
}

async fn list_screen(
    state: &WebState,
    ctx: Ctx,
    mine: MineId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = surveys::of_mine(&state.app, &caller, mine).await?;
    let bars = trend(&view.rows);
    let page = ListPage {
        mine_id: mine.0,
        mine_name: view.mine_name.clone(),
        rows: view.rows.iter().map(|r| survey_line(&ctx, r)).collect(),
        chart_width: 60.0 + bars.len() as f64 * 70.0,
        bars,
        may_record: view.may_record,
        resumable_from: surveys::uploads::RESUMABLE_FROM_BYTES,
        methods: SurveyMethod::iter()
            .map(|m| SelectOption {
                value: m.as_str().into(),
                label: label(&ctx, "survey_method", m.as_str()),
                selected: form.get("method") == m.as_str(),
            })
            .collect(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn list(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(mine): Id<orewatch_domain::MineId>,
) -> Result<Response, WebError> {
    list_screen(&state, ctx, mine, FormData::default(), None).await
}

/// The office's upload: the body streamed to scratch (hashed on the way), then recorded; the staged
/// file is removed whatever happens.
async fn upload(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(mine): Id<orewatch_domain::MineId>,
    Extension(csrf): Extension<StreamCsrf>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, WebError> {
    let settings = &state.app.settings.surveys;
    let streamed = stream_to_disk(
        &headers,
        body,
        &csrf,
        "dem",
        &settings.scratch_dir,
        settings.max_dem_bytes,
        state.config.upload_read_timeout,
    )
    .await?;
    let form = FormData(streamed.fields);
    let caller = ctx.caller();
    // A file sent in chunks beforehand (the script's resumable upload) is named, not sent again.
    let resumed = form.get("upload").to_string();
    let from_upload = streamed.file.is_none() && !resumed.is_empty();
    let staged = match streamed.file {
        Some(file) => file,
        None if from_upload => match surveys::uploads::staged(&state.app, &caller, &resumed, mine).await? {
            Some(file) => file,
            None => {
                let errors = FieldErrors::single(
                    "dem",
                    orewatch_domain::Problem::SurveyFile {
                        message: ctx.t("survey.upload_unfinished").to_string(),
                    },
                );
                return list_screen(&state, ctx, mine, form, Some(&errors)).await;
            }
        },
        None => orewatch_app::surveys::StagedFile {
            name: String::new(),
            path: settings.scratch_dir.join("none"),
            sha256: String::new(),
            size_bytes: 0,
        },
    };
    let input = SurveyInput {
        flown_on: form.get("flown_on"),
        contractor: form.get("contractor"),
        method: form.get("method"),
        classified: form.get("classified") == "1",
        cell_m: form.get("cell_m"),
    };
    let outcome = surveys::record(&state.app, &caller, mine, &input, &staged).await;
    if staged.size_bytes > 0 {
        let _ = tokio::fs::remove_file(&staged.path).await;
    }
    // An upload is kept while the form is refused, so a corrected form need not send the file again.
    if from_upload && outcome.is_ok() {
        surveys::uploads::remove(&state.app, &caller, &resumed).await?;
    }
    match outcome {
        Ok(recorded) => Ok(match recorded.analysis_id {
            Some(id) => see_other(&format!("/analyses/{id}?flash=survey_recorded")),
            None => see_other(&format!("/mines/{mine}/surveys?flash=survey_recorded")),
        }),
        Err(AppError::Invalid(errors)) => list_screen(&state, ctx, mine, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn classify(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<SurveyId>,
    form: FormData,
) -> Result<Response, WebError> {
    let mine = surveys::set_classified(&state.app, &ctx.caller(), id, form.get("classified") == "1").await?;
    Ok(see_other(&format!("/mines/{mine}/surveys?flash=saved")))
}

pub struct FigureLine {
    pub label: String,
    pub value: String,
    pub bad: bool,
}

pub struct PatchLine {
    pub number: usize,
    pub area_m2: String,
    pub cut_m3: String,
    pub max_depth_m: String,
    pub centroid: String,
}

pub struct FaceLine {
    pub number: usize,
    pub height_m: String,
    pub area_m2: String,
    pub slope_deg: String,
    pub exceeds: bool,
}

/// A drawn ring or rings as an SVG path.
pub struct Shape {
    pub number: usize,
    pub d: String,
    pub exceeds: bool,
}

fn path_of(rings: &[Vec<(f64, f64)>]) -> String {
    let mut d = String::new();
    for ring in rings {
        for (i, (x, y)) in ring.iter().enumerate() {
            d.push_str(&format!("{}{:.1} {:.1} ", if i == 0 { "M" } else { "L" }, x, y));
        }
        d.push_str("Z ");
    }
    d.trim_end().to_string()
}

/// A survey as an analysis names it: date, DEM and its SHA-256, and the point cloud it was gridded from
/// (how, and the cloud's SHA-256), if it was.
struct SurveyFiles {
    date: String,
    dem: String,
    sha256: String,
    cloud: String,
    cloud_sha256: String,
}

impl SurveyFiles {
    fn of(ctx: &Ctx, s: &surveys::Survey) -> Self {
        Self {
            date: s.flown_on.to_string(),
            dem: s.dem_name.clone(),
            sha256: s.dem_sha256.clone(),
            cloud: s.cloud.as_ref().map(|c| cloud_source(ctx, c)).unwrap_or_default(),
            cloud_sha256: s.cloud.as_ref().map(|c| c.sha256.clone()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "analysis.html")]
struct ShowPage {
    ctx: Ctx,
    id: AnalysisId,
    mine_id: i64,
    mine_name: String,
    before: SurveyFiles,
    after: SurveyFiles,
    state: String,
    state_class: &'static str,
    pending: bool,
    progress: String,
    attempts: String,
    failure: String,
    may_cancel: bool,
    may_retry: bool,
    inputs: Vec<FigureLine>,
    figures: Vec<FigureLine>,
    /// The engine's messages, each naming its kind (越界开采：…).
    findings: Vec<String>,
    patches: Vec<PatchLine>,
    faces: Vec<FaceLine>,
    png: Option<(f64, f64)>,
    boundary: String,
    patch_shapes: Vec<Shape>,
    face_shapes: Vec<Shape>,
    downloads: Vec<(String, String)>,
    proposals: Vec<super::proposals::ProposalLine>,
    /// A confirm or dismiss was refused (the page answers 422).
    refused: bool,
}

fn show_page(ctx: Ctx, v: AnalysisView) -> ShowPage {
    let english = ctx.html_lang() == "en";
    let t = |key: &str| ctx.t(key).to_string();
    let a = &v.analysis;
    let i = &v.inputs;
    let inputs = vec![
        FigureLine {
            label: t("survey.licence_no"),
            value: i.licence_no.clone(),
            bad: false,
        },
        FigureLine {
            label: t("survey.floor"),
            value: format!("{} m", num(i.floor_m, 2)),
            bad: false,
        },
        FigureLine {
            label: t("survey.output"),
            value: format!("{} 万t/a", num(i.annual_output_10kt, 2)),
            bad: false,
        },
        FigureLine {
            label: t("survey.density"),
            value: format!("{} t/m³", num(i.density_t_m3, 2)),
            bad: false,
        },
        FigureLine {
            label: t("survey.thresholds"),
            value: format!(
                "±{} m · {} m² · {}° · {} m · {} m²",
                i.thresholds.min_change_m,
                i.thresholds.min_patch_area_m2,
                i.thresholds.face_slope_deg,
                i.thresholds.max_face_height_m,
                i.thresholds.min_face_area_m2
            ),
            bad: false,
        },
    ];
    let mut figures = Vec::new();
    let mut findings = Vec::new();
    let mut patches = Vec::new();
    let mut faces = Vec::new();
    let mut downloads = Vec::new();
    if let Some(f) = &v.figures {
        let line = |key: &str, value: String, bad: bool| FigureLine {
            label: ctx.t(key).to_string(),
            value,
            bad,
        };
        figures = vec![
            line(
                "survey.period",
                format!("{} – {}（{} 天）", f.period.start, f.period.end, f.period.days),
                false,
            ),
            line(
                "survey.inside_cut",
                format!("{} m³", num(f.inside.cut_m3, 1)),
                false,
            ),
            line(
                "survey.inside_fill",
                format!("{} m³", num(f.inside.fill_m3, 1)),
                false,
            ),
            line(
                "survey.outside_cut",
                format!("{} m³", num(f.outside.cut_m3, 1)),
                !f.outside_patches.is_empty(),
            ),
            line(
                "survey.below_floor",
                format!(
                    "{} m³ / {} m²",
                    num(f.below_floor.volume_m3, 1),
                    num(f.below_floor.area_m2, 0)
                ),
                f.below_floor.volume_m3 > 0.0,
            ),
            line(
                "survey.lowest",
                f.below_floor
                    .lowest_elevation_m
                    .map(|z| format!("{} m", num(z, 2)))
                    .unwrap_or_else(|| "—".into()),
                false,
            ),
            line(
                "survey.extracted",
                format!(
                    "{} t / {} t（{:.1}%）",
                    num(f.production.extracted_t, 0),
                    num(f.production.permitted_t, 0),
                    f.production.ratio * 100.0
                ),
                f.production.ratio > 1.0,
            ),
            line("survey.nodata", format!("{} m²", num(f.nodata_area_m2, 0)), false),
            line(
                "survey.grid",
                format!(
                    "{} · {} × {} · {} × {} m",
                    f.grid.crs, f.grid.width, f.grid.height, f.grid.cell_x_m, f.grid.cell_y_m
                ),
                false,
            ),
        ];
        findings = f
            .findings
            .iter()
            .map(|k| {
                if english {
                    k.message_en.clone()
                } else {
                    k.message_zh.clone()
                }
            })
            .collect();
        patches = f
            .outside_patches
            .iter()
            .enumerate()
            .map(|(n, p)| PatchLine {
                number: n + 1,
                area_m2: num(p.area_m2, 0),
                cut_m3: num(p.cut_m3, 1),
                max_depth_m: num(p.max_depth_m, 2),
                centroid: format!("{:.1}, {:.1}", p.centroid[0], p.centroid[1]),
            })
            .collect();
        faces = f
            .faces
            .iter()
            .enumerate()
            .map(|(n, x)| FaceLine {
                number: n + 1,
                height_m: num(x.height_m, 1),
                area_m2: num(x.area_m2, 0),
                slope_deg: num(x.mean_slope_deg, 1),
                exceeds: x.exceeds,
            })
            .collect();
        let shas = [
            (ResultFile::ReportJson, &a.report_sha256),
            (ResultFile::PatchesGeojson, &a.patches_sha256),
            (ResultFile::ChangePng, &a.change_png_sha256),
        ];
        downloads = shas
            .iter()
            .filter_map(|(file, sha)| sha.as_ref().map(|s| (file.name().to_string(), s.clone())))
            .collect();
    }
    let (png, boundary, patch_shapes, face_shapes) = match &v.overlay {
        Some(o) => (
            Some((o.png_width, o.png_height)),
            path_of(&o.boundary),
            o.patches
                .iter()
                .enumerate()
                .map(|(n, rings)| Shape {
                    number: n + 1,
                    d: path_of(rings),
                    exceeds: false,
                })
                .collect(),
            o.faces
                .iter()
                .enumerate()
                .map(|(n, rings)| Shape {
                    number: n + 1,
                    d: path_of(rings),
                    exceeds: v
                        .figures
                        .as_ref()
                        .and_then(|f| f.faces.get(n))
                        .is_some_and(|x| x.exceeds),
                })
                .collect(),
        ),
        None => (None, String::new(), Vec::new(), Vec::new()),
    };
    let progress = match &v.job {
        Some(job) if job.state.is_running() => format!("{:.0}%", job.progress * 100.0),
        _ => String::new(),
    };
    ShowPage {
        id: a.id,
        mine_id: v.survey.mine_id.0,
        mine_name: v.mine_name.clone(),
        before: SurveyFiles::of(&ctx, &v.before),
        after: SurveyFiles::of(&ctx, &v.survey),
        state: label(&ctx, "analysis_state", a.state.as_str()),
        state_class: state_class(a.state),
        pending: waiting(a.state),
        progress,
        attempts: v
            .job
            .as_ref()
            .filter(|j| j.attempts > 1 || waiting(a.state))
            .map(|j| {
                format!(
                    "{} · {} {}/{}",
                    label(&ctx, "job_state", j.state.as_str()),
                    ctx.t("survey.attempts"),
                    j.attempts,
                    j.max_attempts
                )
            })
            .unwrap_or_default(),
        failure: a.failure.clone().unwrap_or_default(),
        may_cancel: v.open.contains(&AnalysisStep::Cancel),
        may_retry: v.open.contains(&AnalysisStep::Retry),
        inputs,
        figures,
        findings,
        patches,
        faces,
        png,
        boundary,
        patch_shapes,
        face_shapes,
        downloads,
        proposals: Vec::new(),
        refused: false,
        ctx,
    }
}

/// The result page, with its problem list; `refused` is a confirm or dismiss to show again.
pub(super) async fn analysis_screen(
    state: &WebState,
    ctx: Ctx,
    id: AnalysisId,
    refused: Option<super::proposals::Refused>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = surveys::analysis(&state.app, &caller, id).await?;
    let listed = surveys::proposals::of_analysis(&state.app, &caller, id).await?;
    // The confirm forms name the agency a finding goes to.
    let agencies = if listed.iter().any(|p| !p.open.is_empty()) {
        orewatch_app::organisation::agencies(&state.app, &caller).await?
    } else {
        Vec::new()
    };
    let messages_en: Vec<(String, String)> = view
        .figures
        .iter()
        .flat_map(|f| {
            f.findings
                .iter()
                .map(|k| (k.kind.to_string(), k.message_en.clone()))
        })
        .collect();
    let was_refused = refused.is_some();
    let proposals = super::proposals::lines(&ctx, &listed, &messages_en, &agencies, refused);
    let mut page = show_page(ctx, view);
    if !proposals.is_empty() {
        // The problem list says what the engine's findings say, with their state and evidence.
        page.findings.clear();
    }
    page.proposals = proposals;
    page.refused = was_refused;
    render_form(&page, was_refused)
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AnalysisId>,
) -> Result<Response, WebError> {
    analysis_screen(&state, ctx, id, None).await
}

/// Starts a resumable upload of a survey file (the script's; answered in JSON).
async fn start_upload(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(mine): Id<orewatch_domain::MineId>,
    form: FormData,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    surveys::require_record(&state.app, &caller, mine).await?;
    let size: u64 = form.get("size").trim().parse().unwrap_or(0);
    let status = surveys::uploads::start(&state.app, &caller, mine, form.get("name"), size).await?;
    Ok(axum::Json(status).into_response())
}

async fn upload_status(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let status = surveys::uploads::status(&state.app, &ctx.caller(), &id).await?;
    Ok(axum::Json(status).into_response())
}

/// One chunk of a resumable upload, at `?offset=`, with the session's token in `X-CSRF-Token`.
async fn upload_chunk(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, WebError> {
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if ctx.csrf().is_empty() || !crate::session::tokens_match(sent, ctx.csrf()) {
        return Err(WebError::Csrf);
    }
    let offset: u64 = query
        .get("offset")
        .and_then(|v| v.parse().ok())
        .ok_or(WebError::BadUpload)?;
    let chunk = paced(body, state.config.upload_read_timeout);
    let appended = surveys::uploads::append(&state.app, &ctx.caller(), &id, offset, chunk).await?;
    let (status, received) = match appended {
        Appended::Now(received) => (axum::http::StatusCode::OK, received),
        Appended::Elsewhere { received } => (axum::http::StatusCode::CONFLICT, received),
        // What arrived is kept; the script asks where the upload stands and goes on from there.
        Appended::Broken { cause, .. } => return Err(cause),
    };
    Ok((status, axum::Json(serde_json::json!({ "received": received }))).into_response())
}

/// A request body as pieces, each of which must arrive within `idle` (a stalled sender is cut off, not
/// waited for).
fn paced(
    body: axum::body::Body,
    idle: std::time::Duration,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, WebError>> + Unpin {
    use futures_util::StreamExt;
    let stream = body.into_data_stream();
    Box::pin(futures_util::stream::unfold(
        Some(stream),
        move |state| async move {
            let mut stream = state?;
            match tokio::time::timeout(idle, stream.next()).await {
                Err(_) => Some((Err(WebError::SlowBody), None)),
                Ok(None) => None,
                Ok(Some(Err(_))) => Some((Err(WebError::BadUpload), None)),
                Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(stream))),
            }
        },
    ))
}

/// The printable report (the same template as the CLI's report.html), with the proposals' decisions.
async fn print(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AnalysisId>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let view = surveys::analysis(&state.app, &caller, id).await?;
    let Some(figures) = &view.figures else {
        return Err(WebError::NotFound);
    };
    let listed = surveys::proposals::of_analysis(&state.app, &caller, id).await?;
    let t = |key: &str| ctx.t(key).to_string();
    let survey = |label: &str, s: &surveys::Survey| {
        let cloud = s
            .cloud
            .as_ref()
            .map(|c| format!(" · {} · SHA-256 {}", cloud_source(&ctx, c), c.sha256))
            .unwrap_or_default();
        (
            t(label),
            s.flown_on.to_string(),
            format!("{} · {}{cloud}", s.dem_name, label_of_method(&ctx, s.method)),
        )
    };
    let proposals = listed
        .iter()
        .map(|v| {
            let p = &v.proposal;
            let note = match (p.finding_id, &p.dismiss_reason) {
                (Some(f), _) => format!("{}#{f}", t("survey.confirmed_as")),
                (None, Some(reason)) => format!("{}{reason}", t("survey.dismissed_because")),
                _ => String::new(),
            };
            (
                label(&ctx, "proposal_kind", p.kind.as_str()),
                label(&ctx, "proposal_state", p.state.as_str()),
                note,
            )
        })
        .collect();
    let c = crate::survey_report::Context {
        mine_name: view.mine_name.clone(),
        png_src: format!("/analyses/{id}/files/change.png"),
        surveys: vec![
            survey("survey.before", &view.before),
            survey("survey.after", &view.survey),
        ],
        proposals,
        back: Some((format!("/analyses/{id}"), t("survey.analysis_title"))),
        standalone: false,
        names: [&view.before, &view.survey]
            .iter()
            .map(|s| (s.dem_sha256.clone(), s.dem_name.clone()))
            .collect(),
        printed: ctx.tf(
            "report.printed",
            &[
                ("at", ctx.time(&state.app.now())),
                ("by", caller.display_name.clone()),
            ],
        ),
    };
    let page = crate::survey_report::build(ctx.tr.clone(), figures, c);
    super::render(&page)
}

fn label_of_method(ctx: &Ctx, method: SurveyMethod) -> String {
    label(ctx, "survey_method", method.as_str())
}

async fn cancel(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AnalysisId>,
) -> Result<Response, WebError> {
    surveys::cancel(&state.app, &ctx.caller(), id).await?;
    Ok(see_other(&format!("/analyses/{id}?flash=analysis_cancelled")))
}

async fn retry(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<AnalysisId>,
) -> Result<Response, WebError> {
    surveys::retry(&state.app, &ctx.caller(), id).await?;
    Ok(see_other(&format!("/analyses/{id}?flash=analysis_retried")))
}

async fn file(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    IdAnd(id, name): IdAnd<AnalysisId>,
) -> Result<Response, WebError> {
    let which = ResultFile::parse(&name).ok_or(WebError::NotFound)?;
    let bytes = surveys::analysis_file(&state.app, &ctx.caller(), id, which).await?;
    let disposition = if which == ResultFile::ChangePng {
        "inline".to_string()
    } else {
        format!("attachment; filename=\"analysis-{id}-{}\"", which.name())
    };
    Ok((
        [
            (header::CONTENT_TYPE, which.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_and_never_negative_zero() {
        assert_eq!(super::num(1_234_567.891, 1), "1,234,567.9");
        assert_eq!(super::num(999.0, 0), "999");
        assert_eq!(super::num(-1234.5, 1), "-1,234.5");
        assert_eq!(super::num(-0.04, 1), "0.0");
    }
}
