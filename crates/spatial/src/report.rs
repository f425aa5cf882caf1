//! The survey comparison report (`"schema": "orewatch.survey-compare/1"`): figures, findings with
//! Chinese and English messages, and a readable Chinese summary.

use crate::compare::Thresholds;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt::Write;

pub const SCHEMA: &str = "orewatch.survey-compare/1";

/// Why a stored report cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Another schema (an older or newer release wrote it): its figures are not guessed at.
    #[error("report schema {found:?}, this release reads {SCHEMA}")]
    Schema { found: String },
    #[error("report is not valid JSON of its schema: {0}")]
    Json(#[from] serde_json::Error),
}

/// Reads a report as [`Report`]'s JSON wrote it, refusing any other schema before reading its figures.
/// What the JSON does not hold (the CRS, the boundary, the change map, the outlines) is left empty.
pub fn read(json: &str) -> Result<Report, ReadError> {
    #[derive(Deserialize)]
    struct Head {
        schema: String,
    }
    let head: Head = serde_json::from_str(json)?;
    if head.schema != SCHEMA {
        return Err(ReadError::Schema { found: head.schema });
    }
    Ok(serde_json::from_str(json)?)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: Cow<'static, str>,
    pub licence_no: String,
    pub mine_name: String,
    pub grid: GridReport,
    pub period: PeriodReport,
    pub thresholds: Thresholds,
    pub inside: Region,
    pub outside: Region,
    pub nodata_area_m2: f64,
    pub below_floor: BelowFloor,
    pub production: Production,
    pub outside_patches: Vec<Patch>,
    pub faces: Vec<Face>,
    pub findings: Vec<Finding>,
    /// What this comparison measured in earlier findings' regions (absent when none was watched).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watched: Vec<crate::watch::WatchedRegion>,
    /// The files analysed with their SHA-256, so that a finding can serve as evidence.
    pub inputs: Vec<InputFile>,
    /// For the drawn outputs (not in the JSON): the before grid's CRS, the licence boundary's rings in
    /// it, and the change map.
    #[serde(skip)]
    pub crs: Option<crate::crs::ProjectedCrs>,
    #[serde(skip)]
    pub boundary: Vec<Vec<[f64; 2]>>,
    #[serde(skip)]
    pub change_map: crate::render::ChangeMap,
}

/// The before grid, on which everything is computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridReport {
    pub crs: String,
    pub width: usize,
    pub height: usize,
    pub left_m: f64,
    pub top_m: f64,
    pub cell_x_m: f64,
    pub cell_y_m: f64,
    pub cell_area_m2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodReport {
    pub start: String,
    pub end: String,
    pub days: i64,
}

/// Cut and fill inside or outside the licence boundary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub cut_m3: f64,
    pub fill_m3: f64,
    pub cut_area_m2: f64,
    pub fill_area_m2: f64,
    /// Area where both surveys have values.
    pub valid_area_m2: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BelowFloor {
    pub floor_m: f64,
    pub area_m2: f64,
    pub volume_m3: f64,
    /// Lowest after elevation inside the boundary (`None` when no inside cell has values).
    pub lowest_elevation_m: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Production {
    pub density_t_m3: f64,
    pub extracted_t: f64,
    pub permitted_t: f64,
    pub ratio: f64,
}

/// An outside cut patch (越界开采图斑).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patch {
    pub area_m2: f64,
    pub cut_m3: f64,
    pub max_depth_m: f64,
    /// [easting, northing] in the before grid's CRS: the mean of the cell centres.
    pub centroid: [f64; 2],
    /// [min easting, min northing, max easting, max northing] of the cells.
    pub bbox: [f64; 4],
    /// Outline rings of the cells (outer counterclockwise, holes clockwise), in the grid's CRS.
    #[serde(skip)]
    pub outline: Vec<Vec<[f64; 2]>>,
}

/// A working face (台阶坡面/高陡边坡).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Face {
    pub height_m: f64,
    pub area_m2: f64,
    pub mean_slope_deg: f64,
    /// Share of its cells cut this period.
    pub cut_share: f64,
    pub centroid: [f64; 2],
    pub bbox: [f64; 4],
    pub exceeds: bool,
    #[serde(skip)]
    pub outline: Vec<Vec<[f64; 2]>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    pub name: String,
    pub sha256: String,
}

/// A problem found, as it goes into the problem list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `out_of_bounds`, `below_floor`, `over_quantity` or `high_face`.
    pub kind: Cow<'static, str>,
    /// `high` or `medium`.
    pub severity: Cow<'static, str>,
    pub message_zh: String,
    pub message_en: String,
}

impl Finding {
    /// The findings of a comparison, in a fixed order.
    pub fn all(
        patches: &[Patch],
        below_floor: &BelowFloor,
        production: &Production,
        faces: &[Face],
        thresholds: &Thresholds,
    ) -> Vec<Finding> {
        let mut found = Vec::new();
        if !patches.is_empty() {
            let area: f64 = patches.iter().map(|p| p.area_m2).sum();
            let volume: f64 = patches.iter().map(|p| p.cut_m3).sum();
            found.push(Finding {
                kind: Cow::Borrowed("out_of_bounds"),
                severity: Cow::Borrowed("high"),
                message_zh: format!(
                    "越界开采：矿区范围外有 {} 处挖损图斑，面积 {area:.0} 平方米，挖方 {volume:.0} 立方米",
                    patches.len()
                ),
                message_en: format!(
                    "Out-of-bounds mining: {} cut patch(es) outside the licence, {area:.0} m², {volume:.0} m³",
                    patches.len()
                ),
            });
        }
        if below_floor.area_m2 > 0.0 {
            let lowest = below_floor.lowest_elevation_m.unwrap_or(below_floor.floor_m);
            found.push(Finding {
                kind: Cow::Borrowed("below_floor"),
                severity: Cow::Borrowed("high"),
                message_zh: format!(
                    "越层开采：低于开采标高下限 {:.1} 米开采 {:.0} 平方米、{:.0} 立方米，最低标高 {lowest:.1} 米",
                    below_floor.floor_m, below_floor.area_m2, below_floor.volume_m3
                ),
                message_en: format!(
                    "Mining below the licensed floor of {:.1} m: {:.0} m², {:.0} m³, lowest {lowest:.1} m",
                    below_floor.floor_m, below_floor.area_m2, below_floor.volume_m3
                ),
            });
        }
        if production.ratio > 1.0 {
            found.push(Finding {
                kind: Cow::Borrowed("over_quantity"),
                severity: Cow::Borrowed(if production.ratio > 1.3 { "high" } else { "medium" }),
                message_zh: format!(
                    "超量开采：本期采出约 {:.0} 吨，为许可规模折算量 {:.0} 吨的 {:.0}%",
                    production.extracted_t,
                    production.permitted_t,
                    production.ratio * 100.0
                ),
                message_en: format!(
                    "Over-quantity mining: about {:.0} t extracted, {:.0}% of the {:.0} t licensed for the period",
                    production.extracted_t,
                    production.ratio * 100.0,
                    production.permitted_t
                ),
            });
        }
        let high: Vec<&Face> = faces.iter().filter(|f| f.exceeds).collect();
        if let Some(highest) = high.first() {
            found.push(Finding {
                kind: Cow::Borrowed("high_face"),
                severity: Cow::Borrowed("medium"),
                message_zh: format!(
                    "未按台阶自上而下开采（一面墙）：{} 处作业面高度超过 {:.0} 米，最高 {:.1} 米",
                    high.len(),
                    thresholds.max_face_height_m,
                    highest.height_m
                ),
                message_en: format!(
                    "Benching rule broken (single high face): {} face(s) higher than {:.0} m, highest {:.1} m",
                    high.len(),
                    thresholds.max_face_height_m,
                    highest.height_m
                ),
            });
        }
        found
    }
}

impl Report {
    /// A readable Chinese summary (the command's `--format text`).
    pub fn summary_zh(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "矿山：{}（采矿许可证 {}）", self.mine_name, self.licence_no);
        let _ = writeln!(
            out,
            "监测期：{} 至 {}（{} 天）；网格 {}×{}，像元 {}×{} 米，坐标系 {}",
            self.period.start,
            self.period.end,
            self.period.days,
            self.grid.width,
            self.grid.height,
            self.grid.cell_x_m,
            self.grid.cell_y_m,
            self.grid.crs
        );
        for (name, r) in [("矿区范围内", &self.inside), ("矿区范围外", &self.outside)] {
            let _ = writeln!(
                out,
                "{name}：挖方 {:.1} 立方米（{:.1} 平方米），填方 {:.1} 立方米（{:.1} 平方米）",
                r.cut_m3, r.cut_area_m2, r.fill_m3, r.fill_area_m2
            );
        }
        let _ = writeln!(out, "无数据面积：{:.1} 平方米", self.nodata_area_m2);
        let _ = writeln!(
            out,
            "采出量：{:.0} 吨；许可规模折算 {:.0} 吨；比值 {:.2}",
            self.production.extracted_t, self.production.permitted_t, self.production.ratio
        );
        let lowest = self
            .below_floor
            .lowest_elevation_m
            .map_or("—".to_string(), |v| format!("{v:.2} 米"));
        let _ = writeln!(
            out,
            "开采标高下限 {:.1} 米：低于下限面积 {:.1} 平方米、方量 {:.1} 立方米；范围内最低标高 {lowest}",
            self.below_floor.floor_m, self.below_floor.area_m2, self.below_floor.volume_m3
        );
        let _ = writeln!(out, "越界图斑 {} 处：", self.outside_patches.len());
        for (i, p) in self.outside_patches.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. 面积 {:.1} 平方米，挖方 {:.1} 立方米，最大挖深 {:.2} 米，中心 E {:.2} N {:.2}",
                i + 1,
                p.area_m2,
                p.cut_m3,
                p.max_depth_m,
                p.centroid[0],
                p.centroid[1]
            );
        }
        let _ = writeln!(out, "作业面 {} 处：", self.faces.len());
        for (i, f) in self.faces.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. 高 {:.1} 米{}，面积 {:.1} 平方米，平均坡度 {:.1}°，中心 E {:.2} N {:.2}",
                i + 1,
                f.height_m,
                if f.exceeds { "（超高）" } else { "" },
                f.area_m2,
                f.mean_slope_deg,
                f.centroid[0],
                f.centroid[1]
            );
        }
        if self.findings.is_empty() {
            let _ = writeln!(out, "结论：未发现问题。");
        } else {
            let _ = writeln!(out, "发现问题 {} 项：", self.findings.len());
            for f in &self.findings {
                let level = if f.severity == "high" { "严重" } else { "一般" };
                let _ = writeln!(out, "  [{level}] {}", f.message_zh);
            }
        }
        for input in &self.inputs {
            let _ = writeln!(out, "输入文件 {}  SHA-256 {}", input.name, input.sha256);
        }
        out
    }
}
