//! 无人机监测比对报告 — the printable report of a survey comparison: one askama template for the
//! platform's print page (`/analyses/{id}/print`) and the `report.html` that `orewatch survey compare
//! --out` writes. It is built from the report's JSON as the platform reads it back
//! ([`orewatch_app::surveys::Figures`]), so both show the same figures the same way, self-contained
//! (its own styles; the change map by the address given).

use crate::i18n::Tr;
use crate::pages::surveys::num;
use askama::Template;
use orewatch_app::surveys::Figures;

/// What the platform knows beyond the report: the surveys by date, the proposals' states.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub mine_name: String,
    /// Where the change map is: `change.png` beside the file, or the platform's address.
    pub png_src: String,
    /// (label, date, file name) of the earlier and later survey, when known.
    pub surveys: Vec<(String, String, String)>,
    /// (kind, state, message) of each proposed finding, when the platform has them.
    pub proposals: Vec<(String, String, String)>,
    /// Where the screen-only "back" link goes (none in a file on disk).
    pub back: Option<(String, String)>,
    /// When and by whom it was printed (the platform).
    pub printed: String,
    /// A file on its own (the CLI's report.html): styles inline; else the platform's stylesheet.
    pub standalone: bool,
    /// The survey files' names by SHA-256 (the engine reads stored files, named by their hash).
    pub names: Vec<(String, String)>,
}

pub struct Row {
    pub label: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "survey_report.html")]
pub struct SurveyReport {
    pub tr: Tr,
    pub css: &'static str,
    pub lang: &'static str,
    pub c: Context,
    pub licence_no: String,
    pub period: String,
    pub grid: String,
    pub findings: Vec<(bool, String)>,
    pub regions: Vec<Row>,
    pub production: Vec<(String, String)>,
    pub patches: Vec<Row>,
    pub faces: Vec<Row>,
    pub inputs: Vec<(String, String)>,
    pub thresholds: String,
}

/// The report of `f` in the language of `tr`.
pub fn build(tr: Tr, f: &Figures, c: Context) -> SurveyReport {
    let t = |key: &str| tr.t(key).to_string();
    let region = |key: &str, r: &orewatch_spatial::report::Region| Row {
        label: t(key),
        cells: vec![
            num(r.cut_m3, 1),
            num(r.cut_area_m2, 1),
            num(r.fill_m3, 1),
            num(r.fill_area_m2, 1),
            num(r.valid_area_m2, 1),
        ],
    };
    let lowest = f
        .below_floor
        .lowest_elevation_m
        .map_or("—".to_string(), |v| format!("{} m", num(v, 2)));
    SurveyReport {
        css: crate::assets::REPORT_CSS,
        lang: tr.lang.code(),
        licence_no: f.licence_no.clone(),
        period: format!(
            "{} – {}（{} {}）",
            f.period.start,
            f.period.end,
            f.period.days,
            t("report.days")
        ),
        grid: format!(
            "{} · {} × {} · {} × {} m",
            f.grid.crs, f.grid.width, f.grid.height, f.grid.cell_x_m, f.grid.cell_y_m
        ),
        findings: f
            .findings
            .iter()
            .map(|k| {
                let message = if tr.lang == crate::i18n::Lang::En {
                    k.message_en.clone()
                } else {
                    k.message_zh.clone()
                };
                (k.severity == "high", message)
            })
            .collect(),
        regions: vec![
            region("report.inside", &f.inside),
            region("report.outside", &f.outside),
        ],
        production: vec![
            (
                t("survey.extracted"),
                format!(
                    "{} t / {} t（{}%）",
                    num(f.production.extracted_t, 0),
                    num(f.production.permitted_t, 0),
                    num(f.production.ratio * 100.0, 1)
                ),
            ),
            (
                t("survey.density"),
                format!("{} t/m³", num(f.production.density_t_m3, 2)),
            ),
            (
                t("survey.below_floor"),
                format!(
                    "{} m：{} m³ / {} m²",
                    num(f.below_floor.floor_m, 1),
                    num(f.below_floor.volume_m3, 1),
                    num(f.below_floor.area_m2, 1)
                ),
            ),
            (t("survey.lowest"), lowest),
            (t("survey.nodata"), format!("{} m²", num(f.nodata_area_m2, 1))),
        ],
        patches: f
            .outside_patches
            .iter()
            .enumerate()
            .map(|(i, p)| Row {
                label: (i + 1).to_string(),
                cells: vec![
                    num(p.area_m2, 1),
                    num(p.cut_m3, 1),
                    num(p.max_depth_m, 2),
                    format!("{:.2}, {:.2}", p.centroid[0], p.centroid[1]),
                ],
            })
            .collect(),
        faces: f
            .faces
            .iter()
            .enumerate()
            .map(|(i, x)| Row {
                label: (i + 1).to_string(),
                cells: vec![
                    num(x.height_m, 1),
                    num(x.area_m2, 1),
                    num(x.mean_slope_deg, 1),
                    format!("{}%", num(x.cut_share * 100.0, 0)),
                    format!("{:.2}, {:.2}", x.centroid[0], x.centroid[1]),
                    if x.exceeds {
                        t("report.yes")
                    } else {
                        t("report.no")
                    },
                ],
            })
            .collect(),
        inputs: f
            .inputs
            .iter()
            .map(|i| {
                let name = c
                    .names
                    .iter()
                    .find(|(sha, _)| *sha == i.sha256)
                    .map_or_else(|| i.name.clone(), |(_, name)| name.clone());
                (name, i.sha256.clone())
            })
            .collect(),
        thresholds: {
            let th = &f.thresholds;
            tr.tf(
                "report.thresholds",
                &[
                    ("change", th.min_change_m.to_string()),
                    ("patch", th.min_patch_area_m2.to_string()),
                    ("slope", th.face_slope_deg.to_string()),
                    ("height", th.max_face_height_m.to_string()),
                    ("face", th.min_face_area_m2.to_string()),
                ],
            )
        },
        c,
        tr,
    }
}

/// The report as a page.
pub fn render(tr: Tr, f: &Figures, c: Context) -> Result<String, askama::Error> {
    build(tr, f, c).render()
}
