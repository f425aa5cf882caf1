//! Point clouds (LAS 1.0–1.4, and LAZ) gridded into a DEM, streaming: memory grows with the grid, never
//! with the number of points.
//!
//! **The gridding rule** is PDAL's `writers.gdal` with `output_type="mean"` and its default radius, so a
//! DEM made here can be checked against PDAL cell by cell: a cell's value is the mean elevation of every
//! point whose distance to the cell's centre is less than the radius (cell size × √2 unless given),
//! accumulated in file order as PDAL does (a running mean, `mean += (z − mean) / n`), so the two agree
//! to the bit. A cell with no point within the radius is nodata; nothing is interpolated.
//!
//! **Which points**: classified ground (class 2) when the cloud has any; every point when the cloud is
//! unclassified (only classes 0 and 1). A cloud classified without ground points is refused, since
//! its other classes (vegetation, buildings, noise) are not the ground. Withheld points never count.
//!
//! **The grid** is aligned to whole cells (its origin a multiple of the cell size, so successive
//! surveys' DEMs line up) and covers the header's bounds; a point outside the grid means the header lied
//! and the cloud is refused. The CRS comes from the header's WKT record (LAS 1.4) or GeoKeys.

use crate::crs::{CrsError, ProjectedCrs};
use crate::geotiff::GridGeometry;
use std::path::Path;

/// A cloud's header, read on arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudInfo {
    /// `1.2`, `1.4` …
    pub version: String,
    pub point_format: u8,
    /// LAZ (compressed).
    pub compressed: bool,
    pub points: u64,
    /// Header bounds: east, north, elevation.
    pub min: [f64; 3],
    pub max: [f64; 3],
    pub crs: ProjectedCrs,
}

/// How a cloud is gridded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridRule {
    pub cell_m: f64,
    /// A point counts for every cell whose centre is closer than this.
    pub radius_m: f64,
}

impl GridRule {
    /// The smallest and largest cell sizes accepted, in metres.
    pub const CELL_RANGE_M: (f64, f64) = (0.05, 50.0);

    /// PDAL's default: radius = cell × √2.
    pub fn with_cell(cell_m: f64) -> Self {
        Self {
            cell_m,
            radius_m: cell_m * 2f64.sqrt(),
        }
    }
}

/// Which points made the DEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointsUsed {
    /// Classified ground (class 2).
    Ground,
    /// Every point: the cloud is unclassified.
    All,
}

impl PointsUsed {
    pub fn label_zh(self) -> &'static str {
        match self {
            PointsUsed::Ground => "地面点（类别 2）",
            PointsUsed::All => "全部点（点云未分类）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PointsUsed::Ground => "ground points (class 2)",
            PointsUsed::All => "all points (unclassified cloud)",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PointsUsed::Ground => "ground",
            PointsUsed::All => "all",
        }
    }
}

/// A gridded cloud.
#[derive(Debug, Clone)]
pub struct Gridded {
    pub grid: GridGeometry,
    /// Row-major, north row first; NaN where no point was within the radius.
    pub values: Vec<f64>,
    pub used: PointsUsed,
    pub points_used: u64,
    pub points_read: u64,
    pub empty_cells: usize,
}

impl Gridded {
    /// The values as the DEM writer takes them (float32, rounded to nearest as GDAL converts).
    #[allow(clippy::cast_possible_truncation)]
    pub fn values_f32(&self) -> Vec<f32> {
        self.values.iter().map(|v| *v as f32).collect()
    }
}

/// The most cells a cloud is gridded to by default (12 bytes each while gridding: 600 MB).
pub const DEFAULT_MAX_CELLS: usize = 50_000_000;

/// Why a cloud was refused.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("文件“{file}”不是可读的 LAS/LAZ 点云：{problem}")]
    NotACloud { file: String, problem: String },
    #[error("点云“{file}”没有坐标系（LAS 头部既无 WKT 也无 GeoKey 记录）")]
    NoCrs { file: String },
    #[error("点云“{file}”的坐标系：{problem}")]
    Crs { file: String, problem: CrsError },
    #[error("点云“{file}”没有点")]
    Empty { file: String },
    #[error("点云“{file}”的头部范围无效（东 {min_x}–{max_x}，北 {min_y}–{max_y}）")]
    BadBounds {
        file: String,
        min_x: f64,
        max_x: f64,
        min_y: f64,
        max_y: f64,
    },
    #[error("格网间距 {cell_m} m 不可用：应在 {min} 与 {max} m 之间")]
    BadCell { cell_m: f64, min: f64, max: f64 },
    #[error(
        "点云“{file}”按 {cell_m} m 格网化为 {width} × {height} 格，超过上限 {max_cells} 格；请加大格网间距"
    )]
    TooManyCells {
        file: String,
        cell_m: f64,
        width: usize,
        height: usize,
        max_cells: usize,
    },
    #[error("点云“{file}”在第 {index} 个点附近读取失败（文件被截断或已损坏）：{problem}")]
    Corrupt {
        file: String,
        index: u64,
        problem: String,
    },
    #[error("点云“{file}”只有 {read} 个点，头部声明 {declared} 个（文件被截断）")]
    Short { file: String, read: u64, declared: u64 },
    #[error("点云“{file}”第 {index} 个点（东 {x}，北 {y}）在头部声明的范围之外；头部不可信，拒绝格网化")]
    OutsideHeader {
        file: String,
        index: u64,
        x: f64,
        y: f64,
    },
    #[error("点云“{file}”已分类但没有地面点（类别 2），只有类别 {classes}；请提交含地面点分类的点云，或未分类的点云")]
    NoGround { file: String, classes: String },
    #[error("已取消")]
    Cancelled,
}

impl CloudError {
    /// The same message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::NotACloud { file, problem } => {
                format!("{file} is not a readable LAS/LAZ point cloud: {problem}")
            }
            Self::NoCrs { file } => format!("{file} has no coordinate system (no WKT or GeoKey record)"),
            Self::Crs { file, problem } => format!("{file}: coordinate system: {problem}"),
            Self::Empty { file } => format!("{file} has no points"),
            Self::BadBounds { file, .. } => format!("{file}: the header's bounds are invalid"),
            Self::BadCell { cell_m, min, max } => {
                format!("cell size {cell_m} m must be between {min} and {max} m")
            }
            Self::TooManyCells {
                file,
                width,
                height,
                max_cells,
                ..
            } => format!(
                "{file} grids to {width} × {height} cells, over the limit of {max_cells}; use a larger cell"
            ),
            Self::Corrupt { file, index, problem } => {
                format!("{file}: reading failed near point {index} (truncated or corrupt): {problem}")
            }
            Self::Short { file, read, declared } => {
                format!("{file} has {read} points but its header declares {declared} (truncated)")
            }
            Self::OutsideHeader { file, index, x, y } => {
                format!("{file}: point {index} ({x}, {y}) lies outside the header's bounds")
            }
            Self::NoGround { file, classes } => {
                format!("{file} is classified but has no ground points (class 2), only classes {classes}")
            }
            Self::Cancelled => "cancelled".into(),
        }
    }
}

/// Whether the file starts like a LAS or LAZ file (the `LASF` signature).
pub fn looks_like_cloud(path: &Path) -> bool {
    use std::io::Read;
    let mut signature = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut signature))
        .is_ok()
        && &signature == b"LASF"
}

/// A reader's error in words: a file that ends early is said to be cut short (the crate's own words,
/// in English, follow for anything else).
fn describe(error: &las::Error) -> String {
    match error {
        las::Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => "文件不完整（被截断）".into(),
        other => other.to_string(),
    }
}

fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads a cloud's header: its version, points, bounds and CRS (refused unless the engine reconciles
/// it exactly).
pub fn open(path: &Path) -> Result<CloudInfo, CloudError> {
    let file = name_of(path);
    let reader = las::Reader::from_path(path).map_err(|e| CloudError::NotACloud {
        file: file.clone(),
        problem: describe(&e),
    })?;
    info_of(&file, reader.header())
}

fn info_of(file: &str, header: &las::Header) -> Result<CloudInfo, CloudError> {
    let crs = crs_of(file, header)?;
    let bounds = header.bounds();
    let points = header.number_of_points();
    if points == 0 {
        return Err(CloudError::Empty { file: file.into() });
    }
    let format = header.point_format();
    Ok(CloudInfo {
        version: format!("{}.{}", header.version().major, header.version().minor),
        point_format: format.to_u8().unwrap_or(u8::MAX),
        compressed: format.is_compressed,
        points,
        min: [bounds.min.x, bounds.min.y, bounds.min.z],
        max: [bounds.max.x, bounds.max.y, bounds.max.z],
        crs,
    })
}

/// The CRS of the header: its WKT record when the header says WKT is authoritative (LAS 1.4), else
/// its GeoKeys.
fn crs_of(file: &str, header: &las::Header) -> Result<ProjectedCrs, CloudError> {
    let crs_error = |problem| CloudError::Crs {
        file: file.into(),
        problem,
    };
    let projection = |id: u16| {
        header
            .all_vlrs()
            .find(|v| v.user_id == "LASF_Projection" && v.record_id == id)
            .map(|v| v.data.as_slice())
    };
    if header.has_wkt_crs() {
        if let Some(wkt) = projection(2112) {
            let text = String::from_utf8_lossy(wkt);
            return crate::wkt::projected_crs(text.trim_end_matches('\0')).map_err(crs_error);
        }
    }
    let Some(directory) = projection(34735) else {
        return match projection(2112) {
            Some(wkt) => {
                let text = String::from_utf8_lossy(wkt);
                crate::wkt::projected_crs(text.trim_end_matches('\0')).map_err(crs_error)
            }
            None => Err(CloudError::NoCrs { file: file.into() }),
        };
    };
    let directory: Vec<u16> = directory
        .chunks_exact(2)
        .filter_map(|b| b.try_into().ok().map(u16::from_le_bytes))
        .collect();
    let doubles: Vec<f64> = projection(34736)
        .unwrap_or_default()
        .chunks_exact(8)
        .filter_map(|b| b.try_into().ok().map(f64::from_le_bytes))
        .collect();
    crate::geotiff::crs_of_geo_keys(&directory, &doubles).map_err(crs_error)
}

/// The grid a cloud is gridded on: aligned to whole cells, covering the header's bounds.
pub fn plan(
    file: &str,
    info: &CloudInfo,
    rule: &GridRule,
    max_cells: usize,
) -> Result<GridGeometry, CloudError> {
    plan_bounds(file, info.min, info.max, rule, max_cells)
}

fn plan_bounds(
    file: &str,
    min: [f64; 3],
    max: [f64; 3],
    rule: &GridRule,
    max_cells: usize,
) -> Result<GridGeometry, CloudError> {
    let (min_cell, max_cell) = GridRule::CELL_RANGE_M;
    let usable =
        (min_cell..=max_cell).contains(&rule.cell_m) && rule.radius_m > 0.0 && rule.radius_m.is_finite();
    if !usable {
        return Err(CloudError::BadCell {
            cell_m: rule.cell_m,
            min: min_cell,
            max: max_cell,
        });
    }
    let [min_x, min_y, _] = min;
    let [max_x, max_y, _] = max;
    if !(min_x.is_finite() && min_y.is_finite() && max_x.is_finite() && max_y.is_finite())
        || min_x > max_x
        || min_y > max_y
    {
        return Err(CloudError::BadBounds {
            file: file.into(),
            min_x,
            max_x,
            min_y,
            max_y,
        });
    }
    let cell = rule.cell_m;
    let left = (min_x / cell).floor() * cell;
    let bottom = (min_y / cell).floor() * cell;
    // As PDAL counts cells: the cell of the largest coordinate is the last one.
    let width = ((max_x - left) / cell).floor() + 1.0;
    let height = ((max_y - bottom) / cell).floor() + 1.0;
    let cells = width * height;
    #[allow(clippy::cast_precision_loss)]
    if cells.is_nan() || cells > max_cells as f64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Err(CloudError::TooManyCells {
            file: file.into(),
            cell_m: cell,
            width: width.min(1e15) as usize,
            height: height.min(1e15) as usize,
            max_cells,
        });
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (width, height) = (width as usize, height as usize);
    #[allow(clippy::cast_precision_loss)]
    Ok(GridGeometry {
        width,
        height,
        left_m: left,
        top_m: bottom + cell * height as f64,
        cell_x_m: cell,
        cell_y_m: cell,
    })
}

/// PDAL's mean accumulation on a grid whose row 0 is the southernmost.
struct Accumulator {
    width: usize,
    height: usize,
    left: f64,
    bottom: f64,
    cell: f64,
    radius: f64,
    mean: Vec<f64>,
    count: Vec<u32>,
}

impl Accumulator {
    fn new(grid: &GridGeometry, radius: f64) -> Self {
        let cells = grid.width * grid.height;
        #[allow(clippy::cast_precision_loss)]
        Self {
            width: grid.width,
            height: grid.height,
            left: grid.left_m,
            bottom: grid.top_m - grid.cell_y_m * grid.height as f64,
            cell: grid.cell_x_m,
            radius,
            mean: vec![0.0; cells],
            count: vec![0; cells],
        }
    }

    /// The cell of a coordinate, as PDAL's `Raster::xCell` (may be outside the grid).
    fn cell_of(&self, v: f64, origin: f64) -> f64 {
        ((v - origin) / self.cell).floor()
    }

    /// Whether a point's own cell is in the grid.
    fn contains(&self, x: f64, y: f64) -> bool {
        let (i, j) = (self.cell_of(x, self.left), self.cell_of(y, self.bottom));
        #[allow(clippy::cast_precision_loss)]
        let inside = i >= 0.0 && j >= 0.0 && i < self.width as f64 && j < self.height as f64;
        inside
    }

    /// Adds a point to every cell whose centre is closer than the radius. The distance is computed as
    /// PDAL computes it (`sqrt(pow(dx, 2) + pow(dy, 2))`, both correctly rounded), so the set of cells
    /// is PDAL's exactly.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        clippy::indexing_slicing
    )]
    fn add(&mut self, x: f64, y: f64, z: f64) {
        let reach = self.radius / self.cell + 1.0;
        let span = |v: f64, origin: f64, n: usize| -> (usize, usize) {
            let at = (v - origin) / self.cell;
            let lo = (at - reach).floor().max(0.0);
            let hi = (at + reach).floor().min(n as f64 - 1.0);
            (lo as usize, hi as usize)
        };
        let (i_lo, i_hi) = span(x, self.left, self.width);
        let (j_lo, j_hi) = span(y, self.bottom, self.height);
        if i_lo > i_hi || j_lo > j_hi {
            return;
        }
        for j in j_lo..=j_hi {
            let dy = self.bottom + (j as f64 + 0.5) * self.cell - y;
            let dy2 = dy * dy;
            let row = j * self.width;
            for i in i_lo..=i_hi {
                let dx = self.left + (i as f64 + 0.5) * self.cell - x;
                if (dx * dx + dy2).sqrt() < self.radius {
                    // In range: i < width, j < height by the clamps above.
                    let at = row + i;
                    let n = self.count[at] + 1;
                    self.count[at] = n;
                    let mean = &mut self.mean[at];
                    *mean += (z - *mean) / f64::from(n);
                }
            }
        }
    }

    fn reset(&mut self) {
        self.mean.fill(0.0);
        self.count.fill(0);
    }

    /// North row first, NaN where empty; in place, so the peak memory is the accumulators'.
    fn finish(self) -> (Vec<f64>, usize) {
        let Self {
            width,
            mut mean,
            count,
            ..
        } = self;
        let mut empty = 0;
        for (value, n) in mean.iter_mut().zip(&count) {
            if *n == 0 {
                *value = f64::NAN;
                empty += 1;
            }
        }
        drop(count);
        if width > 0 {
            let mut rows: Vec<&mut [f64]> = mean.chunks_exact_mut(width).collect();
            let (height, half) = (rows.len(), rows.len() / 2);
            let (south, north) = rows.split_at_mut(height - half);
            for (a, b) in south.iter_mut().zip(north.iter_mut().rev()) {
                a.swap_with_slice(b);
            }
        }
        (mean, empty)
    }
}

/// One point's fields the gridding needs, decoded from its record.
struct Record {
    x: i32,
    y: i32,
    z: i32,
    class: u8,
    withheld: bool,
}

#[allow(clippy::indexing_slicing)]
fn decode(record: &[u8], extended: bool) -> Record {
    let i32_at = |at: usize| i32::from_le_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]]);
    // LAS 1.4 R15, tables 7 and 13: legacy formats keep class and flags in byte 15 (withheld is bit 7);
    // formats 6–10 keep the flags in byte 15 (withheld is bit 2) and the class in byte 16.
    let (class, withheld) = if extended {
        (record[16], record[15] & 0b0100 != 0)
    } else {
        (record[15] & 0b0001_1111, record[15] & 0b1000_0000 != 0)
    };
    Record {
        x: i32_at(0),
        y: i32_at(4),
        z: i32_at(8),
        class,
        withheld,
    }
}

/// Grids the cloud at `path` by `rule`. `progress` gets the share read (0–1) now and then and returns
/// false to cancel. Unclassified clouds are read twice (the first pass looks for ground points).
pub fn grid(
    path: &Path,
    rule: &GridRule,
    max_cells: usize,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(CloudInfo, Gridded), CloudError> {
    let info = open(path)?;
    let gridded = grid_points(path, info.points, info.min, info.max, rule, max_cells, progress)?;
    Ok((info, gridded))
}

/// The gridding itself, whatever the CRS (tests compare it with PDAL on clouds in feet).
fn grid_points(
    path: &Path,
    points: u64,
    min: [f64; 3],
    max: [f64; 3],
    rule: &GridRule,
    max_cells: usize,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Gridded, CloudError> {
    let file = name_of(path);
    let grid = plan_bounds(&file, min, max, rule, max_cells)?;
    let mut cells = Accumulator::new(&grid, rule.radius_m);
    let mut classes = [0u64; 256];
    let ground = pass(
        path,
        &file,
        points,
        &mut cells,
        Some(&mut classes),
        &mut |share| progress(share * 0.5),
    )?;
    let (used, points_used) = if ground > 0 {
        (PointsUsed::Ground, ground)
    } else {
        let present: Vec<String> = (0u8..=255)
            .filter(|c| classes.get(usize::from(*c)).is_some_and(|n| *n > 0))
            .map(|c| c.to_string())
            .collect();
        if present.iter().any(|c| c != "0" && c != "1") {
            return Err(CloudError::NoGround {
                file,
                classes: present.join("、"),
            });
        }
        cells.reset();
        let all = pass(path, &file, points, &mut cells, None, &mut |share| {
            progress(0.5 + share * 0.5)
        })?;
        (PointsUsed::All, all)
    };
    let (values, empty_cells) = cells.finish();
    Ok(Gridded {
        grid,
        values,
        used,
        points_used,
        points_read: points,
        empty_cells,
    })
}

/// One pass over the points: with `classes`, adds ground points and counts every class; without, adds
/// every point. Returns the points added.
fn pass(
    path: &Path,
    file: &str,
    points: u64,
    cells: &mut Accumulator,
    mut classes: Option<&mut [u64; 256]>,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<u64, CloudError> {
    const BATCH: u64 = 65_536;
    let mut reader = las::Reader::from_path(path).map_err(|e| CloudError::NotACloud {
        file: file.into(),
        problem: describe(&e),
    })?;
    let header = reader.header().clone();
    let transforms = *header.transforms();
    let extended = header.point_format().is_extended;
    let mut batch = las::PointDataBuilder::new().for_header(&header).build();
    let record_len = batch.record_len();
    let (mut read, mut added) = (0u64, 0u64);
    while read < points {
        let n = reader
            .fill_points(BATCH.min(points - read), &mut batch)
            .map_err(|e| CloudError::Corrupt {
                file: file.into(),
                index: read + 1,
                problem: describe(&e),
            })?;
        if n == 0 {
            return Err(CloudError::Short {
                file: file.into(),
                read,
                declared: points,
            });
        }
        for (k, bytes) in batch.raw_bytes().chunks_exact(record_len).enumerate() {
            let point = decode(bytes, extended);
            if point.withheld {
                continue;
            }
            if let Some(classes) = classes.as_deref_mut() {
                if let Some(c) = classes.get_mut(usize::from(point.class)) {
                    *c += 1;
                }
                if point.class != 2 {
                    continue;
                }
            }
            let x = transforms.x.direct(point.x);
            let y = transforms.y.direct(point.y);
            if !cells.contains(x, y) {
                return Err(CloudError::OutsideHeader {
                    file: file.into(),
                    index: read + k as u64 + 1,
                    x,
                    y,
                });
            }
            cells.add(x, y, transforms.z.direct(point.z));
            added += 1;
        }
        read += n;
        #[allow(clippy::cast_precision_loss)]
        if !progress(read as f64 / points as f64) {
            return Err(CloudError::Cancelled);
        }
    }
    Ok(added)
}

/// How a survey's DEM was gridded from its cloud, as kept with the survey.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gridding {
    pub points: u64,
    pub points_used: u64,
    pub used: PointsUsed,
    pub cell_m: f64,
    pub radius_m: f64,
    pub empty_cells: usize,
}

impl Gridding {
    pub fn of(rule: &GridRule, gridded: &Gridded) -> Self {
        Self {
            points: gridded.points_read,
            points_used: gridded.points_used,
            used: gridded.used,
            cell_m: rule.cell_m,
            radius_m: rule.radius_m,
            empty_cells: gridded.empty_cells,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_of(width: usize, height: usize, cell: f64) -> GridGeometry {
        #[allow(clippy::cast_precision_loss)]
        GridGeometry {
            width,
            height,
            left_m: 0.0,
            top_m: cell * height as f64,
            cell_x_m: cell,
            cell_y_m: cell,
        }
    }

    #[test]
    fn a_point_counts_for_every_cell_centre_within_the_radius_and_no_other() {
        let grid = grid_of(7, 7, 1.0);
        let radius = 2f64.sqrt();
        let mut cells = Accumulator::new(&grid, radius);
        cells.add(3.2, 3.7, 10.0);
        for j in 0..7 {
            for i in 0..7 {
                let d = ((i as f64 + 0.5 - 3.2).powi(2) + (j as f64 + 0.5 - 3.7).powi(2)).sqrt();
                assert_eq!(cells.count[j * 7 + i] == 1, d < radius, "cell {i},{j} at {d}");
            }
        }
    }

    #[test]
    fn the_mean_is_the_running_mean_in_file_order() {
        let grid = grid_of(1, 1, 1.0);
        let mut cells = Accumulator::new(&grid, 2f64.sqrt());
        let zs = [100.1, 100.7, 99.9];
        let mut expected = 0.0;
        for (n, z) in zs.iter().enumerate() {
            cells.add(0.5, 0.5, *z);
            expected += (z - expected) / (n as f64 + 1.0);
        }
        let (values, empty) = cells.finish();
        assert_eq!(values, vec![expected]);
        assert_eq!(empty, 0);
    }

    #[test]
    fn rows_come_out_north_first_and_empty_cells_are_nan() {
        let grid = grid_of(3, 4, 1.0);
        let mut cells = Accumulator::new(&grid, 0.5);
        cells.add(0.5, 0.5, 1.0); // south-west cell
        cells.add(2.5, 3.5, 2.0); // north-east cell
        let (values, empty) = cells.finish();
        assert_eq!(values[2], 2.0);
        assert_eq!(values[9], 1.0);
        assert_eq!(empty, 10);
        assert!(values[0].is_nan());
    }

    /// PDAL's Autzen sample (a real airborne LiDAR cloud, classified, LAZ, Oregon Lambert in feet) gridded
    /// by PDAL 2.8.4 itself (fixtures/pointcloud/README.md) reads back the same, double for double.
    #[test]
    fn a_public_cloud_grids_exactly_as_pdal_grids_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pointcloud");
        let cloud = dir.join("autzen_trim.laz");
        // Its CRS is in feet: refused for the platform, but the gridding itself is unit-free.
        assert!(matches!(open(&cloud), Err(CloudError::Crs { .. })));
        let reader = las::Reader::from_path(&cloud).unwrap();
        let header = reader.header();
        let b = header.bounds();
        let gridded = grid_points(
            &cloud,
            header.number_of_points(),
            [b.min.x, b.min.y, b.min.z],
            [b.max.x, b.max.y, b.max.z],
            &GridRule::with_cell(5.0),
            1 << 24,
            &mut |_| true,
        )
        .unwrap();
        assert_eq!(gridded.used, PointsUsed::Ground);
        assert_eq!((gridded.points_read, gridded.points_used), (110_000, 26_107));
        let mut pdal =
            crate::geotiff::DemReader::open_pixels(&dir.join("autzen_trim_pdal_mean_5.tif")).unwrap();
        let expected = pdal.read_all().unwrap();
        assert_eq!(
            (pdal.info().grid.width, pdal.info().grid.height),
            (gridded.grid.width, gridded.grid.height)
        );
        assert_eq!(expected.len(), gridded.values.len());
        let mut valued = 0;
        for (k, (ours, theirs)) in gridded.values.iter().zip(&expected).enumerate() {
            assert!(
                ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan()),
                "cell {k}: {ours} and PDAL's {theirs}"
            );
            valued += usize::from(!ours.is_nan());
        }
        assert_eq!((valued, gridded.empty_cells), (18_484, 8_184));
    }

    #[test]
    fn a_cut_or_foreign_file_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/pointcloud/autzen_trim.laz");
        let bytes = std::fs::read(&source).unwrap();
        let header_only = dir.path().join("header.laz");
        std::fs::write(&header_only, &bytes[..200]).unwrap();
        let message = open(&header_only).unwrap_err().to_string();
        assert!(
            message.contains("header.laz") && message.contains("被截断"),
            "{message}"
        );
        let not_a_cloud = dir.path().join("notes.las");
        std::fs::write(&not_a_cloud, "LASF but nothing else").unwrap();
        assert!(matches!(open(&not_a_cloud), Err(CloudError::NotACloud { .. })));
        assert!(looks_like_cloud(&not_a_cloud) && !looks_like_cloud(&source.with_extension("md")));
    }

    #[test]
    fn the_grid_is_aligned_to_whole_cells_and_bounded() {
        let info = CloudInfo {
            version: "1.2".into(),
            point_format: 1,
            compressed: false,
            points: 10,
            min: [37_373_000.3, 2_708_001.9, 300.0],
            max: [37_373_100.0, 2_708_050.0, 340.0],
            crs: ProjectedCrs::from_epsg(4525).unwrap(),
        };
        let grid = plan("c.las", &info, &GridRule::with_cell(0.5), 1 << 20).unwrap();
        assert_eq!(grid.left_m, 37_373_000.0);
        assert_eq!(grid.width, 201);
        assert_eq!(grid.height, 98);
        assert_eq!(grid.top_m, 2_708_001.5 + 0.5 * 98.0);
        assert!(matches!(
            plan("c.las", &info, &GridRule::with_cell(0.5), 10_000),
            Err(CloudError::TooManyCells { .. })
        ));
        assert!(matches!(
            plan("c.las", &info, &GridRule::with_cell(0.0), 1 << 20),
            Err(CloudError::BadCell { .. })
        ));
    }
}
