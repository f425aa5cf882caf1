//! Comparing two DEM surveys of a mine against its licence (`orewatch survey compare`).
//!
//! Definitions (exact, so anyone can reproduce the figures; `bench/survey/reference.py` implements them
//! independently with numpy):
//! - The after survey is resampled onto the before grid by bilinear interpolation. A cell is nodata
//!   where the before cell is nodata, or where the after sample point lies outside the after grid or any
//!   of the after cells it interpolates from is nodata. On an axis where the grids are aligned (the same
//!   cell size, origins a whole number of cells apart to within 10⁻⁴ of a cell), cells are matched by
//!   index and nothing is interpolated; elsewhere a sample weight of exactly zero does not use its cell.
//!   `d = after − before`.
//! - cut: `d ≤ −min_change`; fill: `d ≥ +min_change`; volumes Σ|d|·cell area, areas cells × cell area.
//! - inside: the cell centre is inside the licence boundary (see [`crate::polygon`]).
//! - outside patches: 8-connected components of outside cut cells with area ≥ `min_patch_area`.
//! - below floor: inside cut cells with `after < floor − min_change`; volume Σ(min(before, floor) −
//!   after)·cell area; the lowest after elevation over inside cells.
//! - production: `extracted_t = inside.cut_m3 × density`, `permitted_t = annual_output × 10⁴ × days /
//!   365`, `ratio = extracted / permitted`.
//! - watched regions: an earlier comparison's outlines measured again ([`crate::watch`]); there the
//!   steep components count whether or not they were worked this period.
//! - faces: Horn slope of the resampled after surface (defined where the 3×3 window is valid); face
//!   cells have slope ≥ `face_slope`; a face is an 8-connected component of face cells, at least half of
//!   them cut, with area ≥ `min_face_area`; height = max − min after elevation; exceeds when height >
//!   `max_face_height`.
//!
//! The engine streams: it works in column stripes of [`STRIPE_COLS`] (files in strips: the whole
//! width), decodes one block row of each file at a time within the stripe, and labels patches across
//! rows with union-find ([`crate::patches`]); components cut by a stripe edge are joined afterwards.
//! Memory therefore grows neither with the raster's height nor, beyond one stripe, with its width.
//! [`compare_files`] decodes the two files on two threads one block row ahead ([`crate::prefetch`])
//! and hashes them on a third.

use crate::crs::{CrsError, ProjectedCrs};
use crate::geotiff::{DemReader, GridGeometry, RasterError};
use crate::licence::Licence;
use crate::patches::{find, union, Blob, Labeller, RowRuns};
use crate::polygon::Boundary;
use crate::prefetch::Prefetch;
use crate::raster::{BlockSource, DemSource};
use crate::render::ChangeMap;
use crate::report::{
    BelowFloor, Face, Finding, GridReport, InputFile, Patch, PeriodReport, Production, Region, Report, SCHEMA,
};
use crate::resample::{aligned_offset, aligned_sample, sample_axis, Resampler, Sample};
use crate::slope::horn_gradient2_row;
use crate::watch::{self, Watch};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Thresholds of the analysis (defaults as in the issue and DOMAIN.md §7).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    /// Smallest |d| that counts as a change, m.
    pub min_change_m: f64,
    pub min_patch_area_m2: f64,
    pub face_slope_deg: f64,
    pub max_face_height_m: f64,
    pub min_face_area_m2: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_change_m: 0.5,
            min_patch_area_m2: 100.0,
            face_slope_deg: 60.0,
            max_face_height_m: 15.0,
            min_face_area_m2: 20.0,
        }
    }
}

impl Thresholds {
    /// Checks every threshold is a sensible number.
    pub fn validate(&self) -> Result<(), CompareError> {
        let checks: [(&'static str, f64, bool); 5] = [
            ("min-change", self.min_change_m, self.min_change_m > 0.0),
            (
                "min-patch-area",
                self.min_patch_area_m2,
                self.min_patch_area_m2 >= 0.0,
            ),
            (
                "face-slope",
                self.face_slope_deg,
                self.face_slope_deg > 0.0 && self.face_slope_deg < 90.0,
            ),
            (
                "max-face-height",
                self.max_face_height_m,
                self.max_face_height_m > 0.0,
            ),
            (
                "min-face-area",
                self.min_face_area_m2,
                self.min_face_area_m2 >= 0.0,
            ),
        ];
        for (name, value, ok) in checks {
            if !ok || !value.is_finite() {
                return Err(CompareError::Threshold { name, value });
            }
        }
        Ok(())
    }
}

/// The survey period: `start..end`, end exclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
}

impl Period {
    /// Parses `2025-01-01..2025-04-01`.
    pub fn parse(text: &str) -> Result<Self, CompareError> {
        let bad = |reason: &str| CompareError::Period {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (start, end) = text
            .split_once("..")
            .ok_or_else(|| bad("应写作 开始日期..结束日期"))?;
        let date = |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d");
        let start = date(start).map_err(|_| bad("开始日期不是 YYYY-MM-DD"))?;
        let end = date(end).map_err(|_| bad("结束日期不是 YYYY-MM-DD"))?;
        if end <= start {
            return Err(bad("结束日期必须晚于开始日期"));
        }
        Ok(Self { start, end })
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
}

/// Why a comparison could not run.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Raster(#[from] RasterError),
    /// `what` and `other` name the two inputs (with their files).
    #[error("{what}与{other}：{problem}")]
    Crs {
        what: String,
        other: String,
        problem: CrsError,
    },
    #[error("前后两期 DEM 没有重叠区域（{before} 与 {after}）")]
    NoOverlap { before: String, after: String },
    #[error("矿区范围在前后两期 DEM 的重叠区域之外，无法分析")]
    BoundaryOutside,
    #[error("监测期 “{text}” 有误：{reason}")]
    Period { text: String, reason: String },
    #[error("阈值 --{name} 的值 {value} 无效")]
    Threshold { name: &'static str, value: f64 },
    #[error("读取 {path} 失败：{problem}")]
    Io { path: PathBuf, problem: std::io::Error },
    #[error("分析已取消")]
    Cancelled,
}

/// Columns per stripe: a block row of a stripe holds at most 2,048 × block-height values, whatever the
/// raster's width (4 MiB of float32 rows with 512-row tiles, per block held). Narrower stripes decode
/// more after tiles twice at their edges; measured at 10,000², 2,048 keeps peak memory flat for about
/// 15 % more time than 4,096.
pub const STRIPE_COLS: usize = 2048;

/// Components (patches or faces) as the stripes finish them. Those touching the edge between two
/// stripes wait until all stripes are done, then join their neighbours across the edge (8-connected).
/// Only components that `keep` accepts are kept (so noise does not pile up); those at a stripe edge are
/// judged after joining.
struct Blobs {
    keep: Box<dyn Fn(&Blob) -> bool>,
    done: Vec<Blob>,
    pending: Vec<Blob>,
}

impl Blobs {
    fn new(keep: impl Fn(&Blob) -> bool + 'static) -> Self {
        Self {
            keep: Box::new(keep),
            done: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn finished(&mut self, blob: Blob, at_stripe_edge: bool) {
        if at_stripe_edge {
            self.pending.push(blob);
        } else if (self.keep)(&blob) {
            self.done.push(blob);
        }
    }

    /// Every kept component, those split by stripe edges joined again.
    fn complete(mut self, stripes: &[(usize, usize)]) -> Vec<Blob> {
        let n = self.pending.len();
        let mut parent: Vec<usize> = (0..n).collect();
        for &(_, edge) in stripes.iter().take(stripes.len().saturating_sub(1)) {
            // Rows where each pending component holds the last column left of the edge.
            let mut left: std::collections::HashMap<usize, Vec<usize>> = std::collections::HashMap::new();
            for (i, blob) in self.pending.iter().enumerate() {
                for &(row, _, end) in &blob.runs {
                    if end + 1 == edge {
                        left.entry(row).or_default().push(i);
                    }
                }
            }
            for (j, blob) in self.pending.iter().enumerate() {
                for &(row, start, _) in &blob.runs {
                    if start != edge {
                        continue;
                    }
                    for r in row.saturating_sub(1)..=row + 1 {
                        for &i in left.get(&r).map(Vec::as_slice).unwrap_or(&[]) {
                            union(&mut parent, i, j);
                        }
                    }
                }
            }
        }
        let mut merged: Vec<Option<Blob>> = vec![None; n];
        for (k, blob) in std::mem::take(&mut self.pending).into_iter().enumerate() {
            let root = find(&mut parent, k);
            if let Some(slot) = merged.get_mut(root) {
                match slot {
                    Some(acc) => acc.merge(blob),
                    None => *slot = Some(blob),
                }
            }
        }
        let keep = &self.keep;
        self.done.extend(merged.into_iter().flatten().filter(|b| keep(b)));
        // A stable order whatever the stripes: by first row, then first column.
        self.done.sort_by_key(|b| (b.min_row, b.min_col, b.cells));
        self.done
    }
}

/// Running totals of the analysis.
#[derive(Debug, Default)]
struct Totals {
    inside: RegionCount,
    outside: RegionCount,
    nodata_cells: u64,
    below_floor_cells: u64,
    below_floor_m3: f64,
    lowest_inside_m: Option<f64>,
    watched: Vec<watch::Prepared>,
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RegionCount {
    valid_cells: u64,
    cut_cells: u64,
    fill_cells: u64,
    cut_depth_sum: f64,
    fill_height_sum: f64,
}

impl RegionCount {
    /// Counts one valid cell whose change is `d = after − before`.
    pub(crate) fn add(&mut self, d: f64, min_change: f64) {
        self.valid_cells += 1;
        if d <= -min_change {
            self.cut_cells += 1;
            self.cut_depth_sum += -d;
        } else if d >= min_change {
            self.fill_cells += 1;
            self.fill_height_sum += d;
        }
    }
}

/// What to check the surveys against.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub licence: Licence,
    pub period: Period,
    pub thresholds: Thresholds,
    /// Regions of earlier findings to measure again (none for a first look).
    pub watch: Vec<Watch>,
}

/// Compares two DEM files against a licence. `progress` receives the share done (0–1); setting
/// `cancel` stops the analysis at the next block row. `licence_file`, when given, is hashed into the
/// report's inputs with the two DEMs.
pub fn compare_files(
    analysis: &Analysis,
    licence_file: Option<&Path>,
    before: &Path,
    after: &Path,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<Report, CompareError> {
    let before_dem = DemReader::open(before)?;
    let after_dem = DemReader::open(after)?;
    // Hash the inputs on another thread while the analysis decodes them (both read the same files).
    let mut files: Vec<PathBuf> = licence_file.map(Path::to_path_buf).into_iter().collect();
    files.push(before.to_path_buf());
    files.push(after.to_path_buf());
    let (report, hashes) = std::thread::scope(|scope| {
        let hasher = scope.spawn(move || files.iter().map(|p| hash_file(p)).collect::<Vec<_>>());
        // Each survey decodes on its own thread, one block row ahead of the analysis.
        let mut before_blocks = Prefetch::spawn(scope, DemSource::new(before_dem));
        let mut after_blocks = Prefetch::spawn(scope, DemSource::new(after_dem));
        let report = compare(analysis, &mut before_blocks, &mut after_blocks, progress, cancel);
        drop(before_blocks);
        drop(after_blocks);
        (report, hasher.join())
    });
    let mut report = report?;
    let hashes = hashes.map_err(|_| CompareError::Cancelled)?;
    for hash in hashes {
        report.inputs.push(hash?);
    }
    Ok(report)
}

/// The SHA-256 of a file, hex, read 1 MiB at a time.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(buffer.get(..n).unwrap_or(&[]));
    }
    Ok(hex::encode(hasher.finalize()))
}

fn hash_file(path: &Path) -> Result<InputFile, CompareError> {
    let sha256 = sha256_file(path).map_err(|problem| CompareError::Io {
        path: path.to_path_buf(),
        problem,
    })?;
    Ok(InputFile {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
    })
}

/// Compares two DEM sources against a licence (the engine; [`compare_files`] adds file IO).
pub fn compare(
    analysis: &Analysis,
    before: &mut dyn BlockSource,
    after: &mut dyn BlockSource,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<Report, CompareError> {
    compare_in_stripes(analysis, before, after, STRIPE_COLS, progress, cancel)
}

/// [`compare`] with stripes of `stripe_cols` columns (the result does not depend on it).
pub fn compare_in_stripes(
    analysis: &Analysis,
    before: &mut dyn BlockSource,
    after: &mut dyn BlockSource,
    stripe_cols: usize,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<Report, CompareError> {
    let Analysis {
        licence,
        period,
        thresholds,
        watch,
    } = analysis;
    thresholds.validate()?;
    let grid = before.grid().clone();
    let before_crs = before.crs().clone();
    let after_grid = after.grid().clone();
    // x_before = x_after + offset.
    let after_offset = after
        .crs()
        .easting_offset_to(&before_crs)
        .map_err(|problem| CompareError::Crs {
            what: format!("后期 DEM（{}）", after.name()),
            other: format!("前期 DEM（{}）", before.name()),
            problem,
        })?;
    let boundary_offset = licence
        .boundary_crs()
        .easting_offset_to(&before_crs)
        .map_err(|problem| CompareError::Crs {
            what: format!("许可证（{}）", licence.crs.label()),
            other: format!("前期 DEM（{}）", before.name()),
            problem,
        })?;
    let boundary = Boundary::from_corner_points(&licence.boundary, boundary_offset);
    let watched = watch::prepare(watch, &before_crs).map_err(|(key, problem)| CompareError::Crs {
        what: format!("此前问题图斑（{key}）"),
        other: format!("前期 DEM（{}）", before.name()),
        problem,
    })?;

    // The overlap of the two grids, in before coordinates.
    let overlap = (
        grid.left_m.max(after_grid.left_m + after_offset),
        grid.bottom_m().max(after_grid.bottom_m()),
        grid.right_m().min(after_grid.right_m() + after_offset),
        grid.top_m.min(after_grid.top_m),
    );
    if overlap.0 >= overlap.2 || overlap.1 >= overlap.3 {
        return Err(CompareError::NoOverlap {
            before: extent_label(&grid, 0.0),
            after: extent_label(&after_grid, after_offset),
        });
    }
    let bbox = boundary.bbox();
    if bbox.0 >= overlap.2 || bbox.2 <= overlap.0 || bbox.1 >= overlap.3 || bbox.3 <= overlap.1 {
        return Err(CompareError::BoundaryOutside);
    }

    let (width, height) = (grid.width, grid.height);
    let cell_area = grid.cell_area_m2();
    // Every before column's sampling of the after grid (whole after columns).
    let column_offset = aligned_offset(
        grid.left_m - after_offset,
        grid.cell_x_m,
        after_grid.left_m,
        after_grid.cell_x_m,
    );
    let columns: Vec<Sample> = (0..width)
        .map(|c| match column_offset {
            Some(offset) => aligned_sample(c, offset, after_grid.width),
            None => {
                let x_after = grid.center_x(c) - after_offset;
                sample_axis(
                    (x_after - after_grid.left_m) / after_grid.cell_x_m - 0.5,
                    after_grid.width,
                )
            }
        })
        .collect();
    // Stripes of columns bound the memory of a block row whatever the raster's width; files in
    // strips decode whole rows anyway, so they are read in one stripe.
    let stripe_cols = if before.windowed() && after.windowed() {
        stripe_cols.max(1)
    } else {
        width
    };
    let stripes: Vec<(usize, usize)> = (0..width.div_ceil(stripe_cols))
        .map(|k| (k * stripe_cols, ((k + 1) * stripe_cols).min(width)))
        .collect();
    let mut resampler = Resampler::new(after, &after_grid, &grid);

    let floor = licence.elevation_floor_m;
    let min_change = thresholds.min_change_m;
    let tan2_face = thresholds.face_slope_deg.to_radians().tan().powi(2);
    let mut totals = Totals {
        watched,
        ..Totals::default()
    };
    let mut change_map = ChangeMap::new(width, height);
    let min_patch_cells = thresholds.min_patch_area_m2 / cell_area;
    let min_face_cells = thresholds.min_face_area_m2 / cell_area;
    let mut patches = Blobs::new(move |b| b.cells as f64 >= min_patch_cells - 1e-9);
    // Watched regions also need the steep faces nobody worked this period (a wall left standing), so
    // those are kept too when there is anything to watch; `build_report` tells the two apart.
    let keep_unworked = !watch.is_empty();
    let mut faces =
        Blobs::new(move |b| b.cells as f64 >= min_face_cells - 1e-9 && (keep_unworked || is_worked(b)));
    let block_rows = height.div_ceil(before.block_height());
    let mut block = Vec::new();

    for (stripe_index, &(c0, c1)) in stripes.iter().enumerate() {
        // The stripe with one column of margin each side (the slope's window).
        let (w0, w1) = (c0.saturating_sub(1), (c1 + 1).min(width));
        let ww = w1 - w0;
        resampler.restart(columns.get(w0..w1).unwrap_or(&[]))?;
        before.start(w0..w1)?;
        let internal = |c: usize| (c == c0 && c0 > 0) || (c + 1 == c1 && c1 < width);
        let mut patch_labeller = Labeller::default();
        let mut face_labeller = Labeller::default();
        let mut patch_runs = RowRuns::default();
        let mut face_runs = RowRuns::default();
        let mut keep_patch = |b: Blob| {
            let at_edge = internal(b.min_col) || internal(b.max_col);
            patches.finished(b, at_edge);
        };
        let mut keep_face = |b: Blob| {
            let at_edge = internal(b.min_col) || internal(b.max_col);
            faces.finished(b, at_edge);
        };

        // Rolling rows of the window: after (resampled) above/current/below, before current/below.
        let nan_row = vec![f64::NAN; ww];
        let mut a_above = nan_row.clone();
        let mut a_mid = nan_row.clone();
        let mut a_below = nan_row.clone();
        let mut b_mid = nan_row.clone();
        let mut b_below = nan_row.clone();
        let mut gradient2 = vec![f64::NAN; ww];

        let mut process = |r: usize,
                           b: &[f64],
                           above: &[f64],
                           a: &[f64],
                           below: &[f64],
                           gradient2: &mut [f64],
                           totals: &mut Totals| {
            // The window's first and last columns get no slope: they are the margins, or the grid's
            // own edges (no full 3×3 window there).
            horn_gradient2_row(above, a, below, grid.cell_x_m, grid.cell_y_m, gradient2);
            let y = grid.center_y(r);
            let intervals = boundary.intervals_at(y);
            let mut next_interval = 0;
            let map_row = change_map.row_start(r);
            for c in c0..c1 {
                let k = c - w0;
                let (Some(&bv), Some(&av), Some(&g2)) = (b.get(k), a.get(k), gradient2.get(k)) else {
                    continue;
                };
                let x = grid.center_x(c);
                while intervals.get(next_interval).is_some_and(|&(_, end)| x >= end) {
                    next_interval += 1;
                }
                let inside = intervals
                    .get(next_interval)
                    .is_some_and(|&(start, end)| x >= start && x < end);
                let valid = bv.is_finite() && av.is_finite();
                let d = av - bv;
                let cut = valid && d <= -min_change;
                if valid {
                    change_map.add(map_row, c, d);
                    let region = if inside {
                        &mut totals.inside
                    } else {
                        &mut totals.outside
                    };
                    region.add(d, min_change);
                    if inside {
                        totals.lowest_inside_m = Some(totals.lowest_inside_m.map_or(av, |low| low.min(av)));
                        if cut && av < floor - min_change {
                            totals.below_floor_cells += 1;
                            totals.below_floor_m3 += (bv.min(floor) - av) * cell_area;
                        }
                    } else if cut {
                        let blob = patch_runs.cell(r, c);
                        blob.cut_m3 += -d * cell_area;
                        blob.max_depth_m = blob.max_depth_m.max(-d);
                    }
                } else {
                    totals.nodata_cells += 1;
                }
                if g2 >= tan2_face {
                    let blob = face_runs.cell(r, c);
                    blob.sum_slope_deg += g2.sqrt().atan().to_degrees();
                    blob.min_z_m = blob.min_z_m.min(av);
                    blob.max_z_m = blob.max_z_m.max(av);
                    if cut {
                        blob.cut_cells += 1;
                    }
                }
            }
            for w in &mut totals.watched {
                for c in w.columns_at(&grid, y, c0, c1) {
                    let k = c - w0;
                    let (Some(&bv), Some(&av)) = (b.get(k), a.get(k)) else {
                        continue;
                    };
                    w.cells += 1;
                    if bv.is_finite() && av.is_finite() {
                        w.count.add(av - bv, min_change);
                    }
                }
            }
            patch_labeller.push_row(patch_runs.take(), &mut keep_patch);
            face_labeller.push_row(face_runs.take(), &mut keep_face);
        };

        let mut produced = 0usize;
        for index in 0..block_rows {
            if cancel.load(Ordering::Relaxed) {
                return Err(CompareError::Cancelled);
            }
            let (first, rows) = before.read_block_row(index, &mut block)?;
            for k in 0..rows {
                let r = first + k;
                // Shift the rolling rows down one row.
                std::mem::swap(&mut a_above, &mut a_mid);
                std::mem::swap(&mut a_mid, &mut a_below);
                std::mem::swap(&mut b_mid, &mut b_below);
                resampler.resample_row(r, &mut a_below)?;
                b_below.clear();
                match block.get(k * ww..(k + 1) * ww) {
                    Some(row) => b_below.extend(row.iter().map(|&v| f64::from(v))),
                    None => b_below.extend_from_slice(&nan_row),
                }
                if produced >= 1 {
                    process(
                        r - 1,
                        &b_mid,
                        &a_above,
                        &a_mid,
                        &a_below,
                        &mut gradient2,
                        &mut totals,
                    );
                }
                produced += 1;
            }
            progress((stripe_index as f64 + (index + 1) as f64 / block_rows as f64) / stripes.len() as f64);
        }
        if produced >= 1 {
            std::mem::swap(&mut a_above, &mut a_mid);
            std::mem::swap(&mut a_mid, &mut a_below);
            std::mem::swap(&mut b_mid, &mut b_below);
            process(
                height - 1,
                &b_mid,
                &a_above,
                &a_mid,
                &nan_row,
                &mut gradient2,
                &mut totals,
            );
        }
        patch_labeller.finish(&mut keep_patch);
        face_labeller.finish(&mut keep_face);
    }
    let patches = patches.complete(&stripes);
    let faces = faces.complete(&stripes);

    let mut report = build_report(
        licence,
        &grid,
        &before_crs,
        period,
        thresholds,
        &totals,
        patches,
        faces,
    );
    report.change_map = change_map;
    report.boundary = boundary
        .parts
        .iter()
        .flat_map(|p| std::iter::once(&p.outer).chain(p.holes.iter()))
        .map(|ring| ring.iter().map(|&(x, y)| [x, y]).collect())
        .collect();
    Ok(report)
}

/// A steep component is a working face when at least half its cells were cut this period.
fn is_worked(b: &Blob) -> bool {
    2 * b.cut_cells >= b.cells
}

fn extent_label(grid: &GridGeometry, offset: f64) -> String {
    format!(
        "E {:.1}–{:.1}, N {:.1}–{:.1}",
        grid.left_m + offset,
        grid.right_m() + offset,
        grid.bottom_m(),
        grid.top_m
    )
}

fn centroid(grid: &GridGeometry, blob: &Blob) -> [f64; 2] {
    let (col, row) = blob.mean_col_row();
    [
        grid.left_m + (col + 0.5) * grid.cell_x_m,
        grid.top_m - (row + 0.5) * grid.cell_y_m,
    ]
}

/// The outline rings of a blob's cells in the grid's CRS, outer rings counterclockwise (the ring
/// walker goes clockwise as seen, so each ring is reversed).
fn outline(grid: &GridGeometry, blob: &Blob) -> Vec<Vec<[f64; 2]>> {
    crate::outline::rings(&blob.runs)
        .into_iter()
        .map(|ring| {
            ring.into_iter()
                .rev()
                .map(|(col, row)| {
                    [
                        grid.left_m + col as f64 * grid.cell_x_m,
                        grid.top_m - row as f64 * grid.cell_y_m,
                    ]
                })
                .collect()
        })
        .collect()
}

fn bbox(grid: &GridGeometry, blob: &Blob) -> [f64; 4] {
    [
        grid.left_m + blob.min_col as f64 * grid.cell_x_m,
        grid.top_m - (blob.max_row + 1) as f64 * grid.cell_y_m,
        grid.left_m + (blob.max_col + 1) as f64 * grid.cell_x_m,
        grid.top_m - blob.min_row as f64 * grid.cell_y_m,
    ]
}

#[allow(clippy::too_many_arguments)]
fn build_report(
    licence: &Licence,
    grid: &GridGeometry,
    crs: &ProjectedCrs,
    period: &Period,
    thresholds: &Thresholds,
    totals: &Totals,
    patches: Vec<Blob>,
    faces: Vec<Blob>,
) -> Report {
    let area = grid.cell_area_m2();
    let region = |r: &RegionCount| Region {
        cut_m3: r.cut_depth_sum * area,
        fill_m3: r.fill_height_sum * area,
        cut_area_m2: r.cut_cells as f64 * area,
        fill_area_m2: r.fill_cells as f64 * area,
        valid_area_m2: r.valid_cells as f64 * area,
    };
    let inside = region(&totals.inside);
    let outside = region(&totals.outside);
    let mut outside_patches: Vec<Patch> = patches
        .iter()
        .map(|b| Patch {
            area_m2: b.cells as f64 * area,
            cut_m3: b.cut_m3,
            max_depth_m: b.max_depth_m,
            centroid: centroid(grid, b),
            bbox: bbox(grid, b),
            outline: outline(grid, b),
        })
        .collect();
    outside_patches.sort_by(|a, b| b.cut_m3.total_cmp(&a.cut_m3));
    let face_cells: Vec<(&[crate::outline::CellRun], f64, bool)> = faces
        .iter()
        .map(|b| {
            let height_m = b.max_z_m - b.min_z_m;
            (
                b.runs.as_slice(),
                height_m,
                height_m > thresholds.max_face_height_m,
            )
        })
        .collect();
    let watched = totals
        .watched
        .iter()
        .map(|w| w.finish(grid, region, &face_cells))
        .collect();
    let mut faces: Vec<Face> = faces
        .iter()
        .filter(|b| is_worked(b))
        .map(|b| {
            let height_m = b.max_z_m - b.min_z_m;
            Face {
                height_m,
                area_m2: b.cells as f64 * area,
                mean_slope_deg: b.sum_slope_deg / b.cells.max(1) as f64,
                cut_share: b.cut_cells as f64 / b.cells.max(1) as f64,
                centroid: centroid(grid, b),
                bbox: bbox(grid, b),
                exceeds: height_m > thresholds.max_face_height_m,
                outline: outline(grid, b),
            }
        })
        .collect();
    faces.sort_by(|a, b| b.height_m.total_cmp(&a.height_m));
    let days = period.days();
    let extracted_t = inside.cut_m3 * licence.density_t_m3;
    let permitted_t = licence.annual_output_10kt * 1e4 * days as f64 / 365.0;
    let production = Production {
        density_t_m3: licence.density_t_m3,
        extracted_t,
        permitted_t,
        ratio: extracted_t / permitted_t,
    };
    let below_floor = BelowFloor {
        floor_m: licence.elevation_floor_m,
        area_m2: totals.below_floor_cells as f64 * area,
        volume_m3: totals.below_floor_m3,
        lowest_elevation_m: totals.lowest_inside_m,
    };
    let findings = Finding::all(&outside_patches, &below_floor, &production, &faces, thresholds);
    Report {
        schema: SCHEMA.into(),
        licence_no: licence.licence_no.clone(),
        mine_name: licence.mine_name.clone(),
        grid: GridReport {
            crs: crs.label(),
            width: grid.width,
            height: grid.height,
            left_m: grid.left_m,
            top_m: grid.top_m,
            cell_x_m: grid.cell_x_m,
            cell_y_m: grid.cell_y_m,
            cell_area_m2: area,
        },
        period: PeriodReport {
            start: period.start.to_string(),
            end: period.end.to_string(),
            days,
        },
        thresholds: *thresholds,
        inside,
        outside,
        nodata_area_m2: totals.nodata_cells as f64 * area,
        below_floor,
        production,
        outside_patches,
        faces,
        findings,
        watched,
        inputs: Vec::new(),
        crs: Some(crs.clone()),
        boundary: Vec::new(),
        change_map: ChangeMap::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::MemoryDem;
    use chrono::NaiveDate;

    const LEFT: f64 = 373_000.0;
    const TOP: f64 = 2_708_010.0;

    /// A licence over E 373002–373008, N 2708002–2708008 (cells rows 2–7 × cols 2–7 of the test grid),
    /// floor 299 m, density 2.5 t/m³, 0.00365 万吨/年 (= 36.5 t a year, 10 t per 100 days).
    fn licence(crs: &str) -> Licence {
        let json = format!(
            r#"{{"licence_no": "C0000000000000000000001", "mine_name": "测试矿", "crs": "{crs}",
               "boundary": "1, 2708008, 373002\n2, 2708008, 373008\n3, 2708002, 373008\n4, 2708002, 373002",
               "elevation_top_m": 320.0, "elevation_floor_m": 299.0, "annual_output_10kt": 0.00365,
               "density_t_m3": 2.5}}"#
        );
        Licence::from_json(&json).unwrap()
    }

    fn dem(left: f64, epsg: u32, rows: &[Vec<f64>], block_height: usize) -> MemoryDem {
        MemoryDem {
            grid: GridGeometry {
                width: rows[0].len(),
                height: rows.len(),
                left_m: left,
                top_m: TOP,
                cell_x_m: 1.0,
                cell_y_m: 1.0,
            },
            crs: ProjectedCrs::from_epsg(epsg).unwrap(),
            values: rows.concat(),
            block_height,
            cols: 0..rows[0].len(),
        }
    }

    fn period_of_100_days() -> Period {
        Period {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 4, 11).unwrap(),
        }
    }

    fn analysis(licence: &Licence, thresholds: &Thresholds) -> Analysis {
        Analysis {
            licence: licence.clone(),
            period: period_of_100_days(),
            thresholds: *thresholds,
            watch: Vec::new(),
        }
    }

    fn run(licence: &Licence, before: &mut MemoryDem, after: &mut MemoryDem, t: &Thresholds) -> Report {
        compare(
            &analysis(licence, t),
            before,
            after,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap()
    }

    fn flat(value: f64) -> Vec<Vec<f64>> {
        vec![vec![value; 10]; 10]
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Before flat at 300 m. After: a 2 m pit of 4 cells inside (rows 3–4, cols 3–4), +0.75 m fill on
    /// two inside cells, −0.25 m (under the threshold) on one, a 1 m dig of 12 cells outside (rows 0–1,
    /// cols 0–5), and a lone 1 m dig outside at (9, 9), too small to be a patch.
    fn pit_scenario() -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let before = flat(300.0);
        let mut after = flat(300.0);
        for (r, c) in [(3, 3), (3, 4), (4, 3), (4, 4)] {
            after[r][c] = 298.0;
        }
        after[6][6] = 300.75;
        after[6][7] = 300.75;
        after[5][6] = 299.75;
        for row in after.iter_mut().take(2) {
            for v in row.iter_mut().take(6) {
                *v = 299.0;
            }
        }
        after[9][9] = 299.0;
        (before, after)
    }

    /// A re-flight of the pit scenario: the outside patch (rows 0–1, cols 0–5) is measured again in a
    /// comparison of its after surface with a third one where columns 0–1 are refilled by 1 m, (1, 5)
    /// is dug 2 m deeper and (0, 4) has no value.
    #[test]
    fn a_watched_patch_is_measured_again_in_a_later_comparison() {
        let (before, after) = pit_scenario();
        let t = Thresholds {
            min_patch_area_m2: 10.0,
            ..Thresholds::default()
        };
        let first = run(
            &licence("EPSG:4546"),
            &mut dem(LEFT, 4546, &before, 3),
            &mut dem(LEFT, 4546, &after, 4),
            &t,
        );
        let patch = &first.outside_patches[0];
        let mut third = after.clone();
        for row in third.iter_mut().take(2) {
            row[0] += 1.0;
            row[1] += 1.0;
        }
        third[1][5] -= 2.0;
        third[0][4] = f64::NAN;
        let mut analysis = analysis(&licence("EPSG:4546"), &t);
        // The earlier outline in the zone-prefixed CRS of the same zone (EPSG:4525 is zone 37 with its
        // prefix; 4546 is zone 37 without): the engine moves it by the prefix.
        analysis.watch = vec![Watch {
            key: "7".to_string(),
            crs: ProjectedCrs::from_epsg(4525).unwrap(),
            polygons: vec![patch
                .outline
                .iter()
                .map(|ring| ring.iter().map(|p| [p[0] + 37_000_000.0, p[1]]).collect())
                .collect()],
        }];
        let later = compare(
            &analysis,
            &mut dem(LEFT, 4546, &after, 3),
            &mut dem(LEFT, 4546, &third, 2),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(later.watched.len(), 1);
        let w = &later.watched[0];
        assert_eq!(w.key, "7");
        assert!(close(w.area_m2, 12.0), "{w:?}");
        assert!(
            close(w.change.valid_area_m2, 11.0),
            "one cell has no value: {w:?}"
        );
        assert!(
            close(w.change.fill_m3, 4.0) && close(w.change.fill_area_m2, 4.0),
            "{w:?}"
        );
        assert!(
            close(w.change.cut_m3, 2.0) && close(w.change.cut_area_m2, 1.0),
            "{w:?}"
        );
        assert_eq!((w.faces_meeting, w.highest_face_m), (0, None));
        let json = serde_json::to_value(&later).unwrap();
        assert_eq!(json["watched"][0]["change"]["fill_m3"], 4.0);
        assert!(
            serde_json::to_value(&first).unwrap().get("watched").is_none(),
            "a comparison that watched nothing has no such field"
        );
    }

    /// A 30 m wall that nobody worked this period is not a working face, but a watched region over it
    /// still sees it: that is what tells a re-flight the wall is still standing.
    #[test]
    fn a_wall_left_standing_is_seen_in_a_watched_region() {
        let mut wall = flat(300.0);
        for row in wall.iter_mut() {
            for v in row.iter_mut().skip(5) {
                *v = 330.0;
            }
        }
        let t = Thresholds {
            min_face_area_m2: 5.0,
            ..Thresholds::default()
        };
        let unwatched = run(
            &licence("EPSG:4546"),
            &mut dem(LEFT, 4546, &wall, 3),
            &mut dem(LEFT, 4546, &wall, 3),
            &t,
        );
        assert!(unwatched.faces.is_empty(), "not worked this period");
        let mut analysis = analysis(&licence("EPSG:4546"), &t);
        let (x0, x1) = (LEFT + 3.0, LEFT + 7.0);
        analysis.watch = vec![Watch {
            key: "wall".to_string(),
            crs: ProjectedCrs::from_epsg(4546).unwrap(),
            polygons: vec![vec![vec![
                [x0, TOP - 10.0],
                [x1, TOP - 10.0],
                [x1, TOP],
                [x0, TOP],
            ]]],
        }];
        let watched = compare(
            &analysis,
            &mut dem(LEFT, 4546, &wall, 3),
            &mut dem(LEFT, 4546, &wall, 3),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        assert!(
            watched.faces.is_empty(),
            "watching does not change the working faces"
        );
        let w = &watched.watched[0];
        assert_eq!((w.faces_meeting, w.faces_exceeding), (1, 1), "{w:?}");
        assert_eq!(w.highest_face_m, Some(30.0));
        assert!(close(w.change.cut_m3, 0.0) && close(w.area_m2, 40.0), "{w:?}");
    }

    #[test]
    fn volumes_patches_floor_and_production_by_hand() {
        let (before, after) = pit_scenario();
        let t = Thresholds {
            min_patch_area_m2: 10.0,
            ..Thresholds::default()
        };
        let report = run(
            &licence("EPSG:4546"),
            &mut dem(LEFT, 4546, &before, 3),
            &mut dem(LEFT, 4546, &after, 4),
            &t,
        );
        assert!(
            close(report.inside.cut_m3, 8.0) && close(report.inside.cut_area_m2, 4.0),
            "{:?}",
            report.inside
        );
        assert!(close(report.inside.fill_m3, 1.5) && close(report.inside.fill_area_m2, 2.0));
        assert!(close(report.inside.valid_area_m2, 36.0));
        assert!(close(report.outside.cut_m3, 13.0) && close(report.outside.cut_area_m2, 13.0));
        assert_eq!(report.nodata_area_m2, 0.0);
        assert_eq!(
            report.outside_patches.len(),
            1,
            "the lone cell is under the minimum area"
        );
        let patch = &report.outside_patches[0];
        assert!(close(patch.area_m2, 12.0) && close(patch.cut_m3, 12.0) && close(patch.max_depth_m, 1.0));
        assert_eq!(patch.centroid, [373_003.0, 2_708_009.0]);
        assert_eq!(patch.bbox, [373_000.0, 2_708_008.0, 373_006.0, 2_708_010.0]);
        assert_eq!(patch.outline.len(), 1);
        let ring: Vec<(f64, f64)> = patch.outline[0].iter().map(|p| (p[0], p[1])).collect();
        assert_eq!(
            crate::polygon::shoelace(&ring),
            12.0,
            "outer rings run counterclockwise"
        );
        let mut corners = patch.outline.concat();
        corners.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(
            corners,
            [
                [373_000.0, 2_708_008.0],
                [373_000.0, 2_708_010.0],
                [373_006.0, 2_708_008.0],
                [373_006.0, 2_708_010.0]
            ]
        );
        // Below the floor: after 298 < 299 − 0.5 on the 4 pit cells; Σ(min(300, 299) − 298) = 4.
        assert!(close(report.below_floor.area_m2, 4.0) && close(report.below_floor.volume_m3, 4.0));
        assert_eq!(report.below_floor.lowest_elevation_m, Some(298.0));
        // 8 m³ × 2.5 t/m³ = 20 t against 36.5 t × 100 / 365 = 10 t.
        assert!(close(report.production.extracted_t, 20.0));
        assert!(close(report.production.permitted_t, 10.0));
        assert!(close(report.production.ratio, 2.0));
        assert!(
            report.faces.is_empty(),
            "a 2 m pit in 1 m cells is steep but not 60°"
        );
        let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.as_ref()).collect();
        assert_eq!(kinds, ["out_of_bounds", "below_floor", "over_quantity"]);
        assert!(report.findings[0].message_zh.contains("1 处挖损图斑"));
        // Read back as stored: every figure the JSON holds, exactly; the drawn parts are left empty.
        let json = serde_json::to_string(&report).unwrap();
        let read = crate::report::read(&json).unwrap();
        let drawn_only = |r: &crate::report::Report| {
            let mut r = r.clone();
            r.crs = None;
            r.boundary.clear();
            r.change_map = Default::default();
            r.outside_patches.iter_mut().for_each(|p| p.outline.clear());
            r.faces.iter_mut().for_each(|f| f.outline.clear());
            r
        };
        assert_eq!(read, drawn_only(&report));
        // Another schema is refused before its figures are read.
        let older = json.replace(crate::report::SCHEMA, "orewatch.survey-compare/0");
        assert!(matches!(
            crate::report::read(&older),
            Err(crate::report::ReadError::Schema { found }) if found == "orewatch.survey-compare/0"
        ));
        assert!(crate::report::read("{\"schema\": \"orewatch.survey-compare/1\"}").is_err());
    }

    #[test]
    fn block_sizes_do_not_change_the_result() {
        let (before, after) = pit_scenario();
        let t = Thresholds {
            min_patch_area_m2: 10.0,
            ..Thresholds::default()
        };
        let l = licence("EPSG:4546");
        let reference = run(
            &l,
            &mut dem(LEFT, 4546, &before, 10),
            &mut dem(LEFT, 4546, &after, 10),
            &t,
        );
        for (bb, ab) in [(1, 1), (1, 7), (4, 3), (9, 2)] {
            let other = run(
                &l,
                &mut dem(LEFT, 4546, &before, bb),
                &mut dem(LEFT, 4546, &after, ab),
                &t,
            );
            assert_eq!(other, reference, "blocks {bb}/{ab}");
        }
    }

    /// Close enough for sums taken in another order.
    fn same_report(a: &Report, b: &Report) -> bool {
        let near = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(1.0);
        let regions = |r: &Region, s: &Region| {
            near(r.cut_m3, s.cut_m3)
                && near(r.fill_m3, s.fill_m3)
                && r.cut_area_m2 == s.cut_area_m2
                && r.fill_area_m2 == s.fill_area_m2
                && r.valid_area_m2 == s.valid_area_m2
        };
        let patches = a.outside_patches.len() == b.outside_patches.len()
            && a.outside_patches.iter().zip(&b.outside_patches).all(|(p, q)| {
                p.area_m2 == q.area_m2
                    && near(p.cut_m3, q.cut_m3)
                    && p.bbox == q.bbox
                    && p.centroid == q.centroid
            });
        let faces = a.faces.len() == b.faces.len()
            && a.faces.iter().zip(&b.faces).all(|(f, g)| {
                f.area_m2 == g.area_m2
                    && f.height_m == g.height_m
                    && f.exceeds == g.exceeds
                    && near(f.mean_slope_deg, g.mean_slope_deg)
            });
        regions(&a.inside, &b.inside)
            && regions(&a.outside, &b.outside)
            && a.nodata_area_m2 == b.nodata_area_m2
            && a.below_floor.area_m2 == b.below_floor.area_m2
            && near(a.below_floor.volume_m3, b.below_floor.volume_m3)
            && a.below_floor.lowest_elevation_m == b.below_floor.lowest_elevation_m
            && patches
            && faces
            && a.findings == b.findings
            && a.change_map == b.change_map
    }

    /// Stripes of any width give the same report as one pass over the whole width: components cut
    /// by a stripe edge are joined again, the slope sees across the edge.
    #[test]
    fn stripes_do_not_change_the_result() {
        let (before, mut after) = pit_scenario();
        // A 20 m wall down the grid between columns 4 and 5: a face and patches across stripe edges.
        for row in after.iter_mut() {
            for v in row.iter_mut().skip(5) {
                *v = 280.0;
            }
        }
        let t = Thresholds {
            min_patch_area_m2: 10.0,
            min_face_area_m2: 3.0,
            ..Thresholds::default()
        };
        let a = analysis(&licence("EPSG:4546"), &t);
        let go = |stripe_cols: usize, shift: f64| {
            compare_in_stripes(
                &a,
                &mut dem(LEFT, 4546, &before, 3),
                &mut dem(LEFT + shift, 4546, &after, 4),
                stripe_cols,
                &mut |_| {},
                &AtomicBool::new(false),
            )
            .unwrap()
        };
        for shift in [0.0, 0.3] {
            let whole = go(100, shift);
            assert!(!whole.faces.is_empty() && !whole.outside_patches.is_empty());
            for stripe_cols in [1, 2, 3, 4, 7] {
                let striped = go(stripe_cols, shift);
                assert!(
                    same_report(&whole, &striped),
                    "stripes of {stripe_cols}, shift {shift}:\n{whole:#?}\n{striped:#?}"
                );
            }
        }
    }

    /// Two cut cells touching only at a corner across a stripe edge are one patch.
    #[test]
    fn a_patch_joined_diagonally_across_a_stripe_edge_is_one_patch() {
        let mut after = flat(300.0);
        after[8][3] = 299.0;
        after[9][4] = 299.0;
        let t = Thresholds {
            min_patch_area_m2: 2.0,
            ..Thresholds::default()
        };
        let a = analysis(&licence("EPSG:4546"), &t);
        for stripe_cols in [4, 100] {
            let report = compare_in_stripes(
                &a,
                &mut dem(LEFT, 4546, &flat(300.0), 3),
                &mut dem(LEFT, 4546, &after, 3),
                stripe_cols,
                &mut |_| {},
                &AtomicBool::new(false),
            )
            .unwrap();
            assert_eq!(report.outside_patches.len(), 1, "stripes of {stripe_cols}");
            assert_eq!(report.outside_patches[0].area_m2, 2.0);
        }
    }

    /// A 20 m wall between columns 4 and 5 dug this period is a face; the same wall standing in both
    /// surveys (a natural cliff) is not.
    #[test]
    fn a_dug_wall_is_a_high_face_and_an_old_cliff_is_not() {
        let wall: Vec<Vec<f64>> = (0..10)
            .map(|_| (0..10).map(|c| if c < 5 { 300.0 } else { 280.0 }).collect())
            .collect();
        let t = Thresholds {
            min_face_area_m2: 10.0,
            ..Thresholds::default()
        };
        let l = licence("EPSG:4546");
        let report = run(
            &l,
            &mut dem(LEFT, 4546, &flat(300.0), 5),
            &mut dem(LEFT, 4546, &wall, 5),
            &t,
        );
        assert_eq!(report.faces.len(), 1);
        let face = &report.faces[0];
        // Columns 4 and 5 of rows 1–8 (rows 0 and 9 have no full window).
        assert!(close(face.area_m2, 16.0));
        assert!(close(face.height_m, 20.0) && face.exceeds);
        assert!(close(face.cut_share, 0.5));
        assert!(close(face.mean_slope_deg, 10f64.atan().to_degrees()));
        assert_eq!(face.centroid, [373_005.0, 2_708_005.0]);
        assert!(report.findings.iter().any(|f| f.kind == "high_face"));

        let old = run(
            &l,
            &mut dem(LEFT, 4546, &wall, 5),
            &mut dem(LEFT, 4546, &wall, 5),
            &t,
        );
        assert!(old.faces.is_empty());
        assert!(old.findings.is_empty());
        // A smaller minimum area than the face, a lower wall: not exceeding.
        let low: Vec<Vec<f64>> = wall
            .iter()
            .map(|r| r.iter().map(|v| v.max(290.0)).collect())
            .collect();
        let report = run(
            &l,
            &mut dem(LEFT, 4546, &flat(300.0), 5),
            &mut dem(LEFT, 4546, &low, 5),
            &t,
        );
        assert_eq!(report.faces.len(), 1);
        assert!(!report.faces[0].exceeds);
    }

    /// After shifted half a cell east and published with the zone prefix: bilinear on a plane is
    /// exact, and the first column samples outside the after grid.
    #[test]
    fn misaligned_after_survey_in_the_prefixed_convention() {
        let plane = |shift: f64, offset: f64| -> Vec<Vec<f64>> {
            (0..10)
                .map(|r| {
                    (0..10)
                        .map(|c| 300.0 + (c as f64 + 0.5 + shift) * 0.1 + r as f64 * 0.05 + offset)
                        .collect()
                })
                .collect()
        };
        // Before cell centres at x = c + 0.5; after centres at x = c + 1.0.
        let before = plane(0.0, 0.0);
        let after = plane(0.5, -1.0);
        let t = Thresholds {
            min_patch_area_m2: 1000.0,
            ..Thresholds::default()
        };
        let report = run(
            &licence("EPSG:4525"),
            &mut dem(LEFT, 4546, &before, 3),
            &mut dem(LEFT + 37e6 + 0.5, 4525, &after, 4),
            &t,
        );
        assert!(close(report.nodata_area_m2, 10.0), "{}", report.nodata_area_m2);
        // Every valid cell: d = −1 exactly (bilinear reproduces a plane).
        let valid = report.inside.valid_area_m2 + report.outside.valid_area_m2;
        assert!(close(valid, 90.0));
        assert!(close(report.inside.cut_m3 + report.outside.cut_m3, 90.0));
    }

    /// A DEM compared with itself: no change and every valid cell, whatever the cell size, on a grid
    /// whose origin is not a multiple of the cell and whose eastings carry the zone prefix (rounding of
    /// 37 million metres once cost the cells next to every hole at 0.02 m).
    #[test]
    fn a_dem_compared_with_itself_keeps_every_cell_at_every_cell_size() {
        for cell in [0.02, 0.05, 0.1, 0.3, 0.25, 0.5, 1.0, 0.123, 2.0, 0.07] {
            let n = (14.0 / cell) as usize;
            let mut holes = 0usize;
            let rows: Vec<Vec<f64>> = (0..n)
                .map(|r| {
                    (0..n)
                        .map(|c| {
                            if r == 0 || (r * 7 + c * 3) % 29 == 0 {
                                holes += 1;
                                f64::NAN
                            } else {
                                300.0 + 0.37 * r as f64 * cell - 0.11 * c as f64 * cell
                            }
                        })
                        .collect()
                })
                .collect();
            let mut grid = dem(LEFT + 37e6 - 1.37, 4525, &rows, 7);
            grid.grid.cell_x_m = cell;
            grid.grid.cell_y_m = cell;
            grid.grid.top_m = TOP + 2.71;
            let mut same = grid.clone();
            let report = run(
                &licence("EPSG:4525"),
                &mut grid,
                &mut same,
                &Thresholds::default(),
            );
            let area = cell * cell;
            let valid = report.inside.valid_area_m2 + report.outside.valid_area_m2;
            assert!(
                (valid - (n * n - holes) as f64 * area).abs() < 1e-6 * valid,
                "{cell} m: valid {valid} of {}",
                (n * n - holes) as f64 * area
            );
            assert!(
                (report.nodata_area_m2 - holes as f64 * area).abs() < 1e-6 * report.nodata_area_m2,
                "{cell} m: nodata {}",
                report.nodata_area_m2
            );
            for region in [report.inside, report.outside] {
                assert_eq!((region.cut_m3, region.fill_m3), (0.0, 0.0), "{cell} m");
            }
            assert!(report.findings.is_empty(), "{cell} m: {:?}", report.findings);
        }
    }

    /// A nodata after cell spoils every before cell that interpolates from it; a zero-weight sample
    /// does not; a nodata before cell is nodata.
    #[test]
    fn nodata_spreads_through_the_cells_it_is_interpolated_from() {
        let mut after = flat(299.0);
        after[5][5] = f64::NAN;
        let mut before = flat(300.0);
        before[2][2] = f64::NAN;
        let t = Thresholds::default();
        let l = licence("EPSG:4546");
        // Half a cell east: before column c samples after columns c − 1 and c; rows are aligned.
        let shifted = run(
            &l,
            &mut dem(LEFT, 4546, &before, 4),
            &mut dem(LEFT + 0.5, 4546, &after, 4),
            &t,
        );
        // Column 0 falls outside (10 cells), (5, 5) and (5, 6) touch the hole, (2, 2) is before's.
        assert!(close(shifted.nodata_area_m2, 13.0), "{}", shifted.nodata_area_m2);
        let aligned = run(
            &l,
            &mut dem(LEFT, 4546, &before, 4),
            &mut dem(LEFT, 4546, &after, 4),
            &t,
        );
        assert!(close(aligned.nodata_area_m2, 2.0), "{}", aligned.nodata_area_m2);
    }

    #[test]
    fn bad_geometry_and_parameters_are_refused() {
        let l = licence("EPSG:4546");
        let t = Thresholds::default();
        let cancel = AtomicBool::new(false);
        let go = |before: &mut MemoryDem, after: &mut MemoryDem, t: &Thresholds, cancel: &AtomicBool| {
            compare(&analysis(&l, t), before, after, &mut |_| {}, cancel)
        };
        let far = go(
            &mut dem(LEFT, 4546, &flat(1.0), 5),
            &mut dem(LEFT + 500.0, 4546, &flat(1.0), 5),
            &t,
            &cancel,
        );
        assert!(matches!(far, Err(CompareError::NoOverlap { .. })), "{far:?}");
        let other_zone = go(
            &mut dem(LEFT, 4546, &flat(1.0), 5),
            &mut dem(LEFT, 4545, &flat(1.0), 5),
            &t,
            &cancel,
        );
        let err = other_zone.unwrap_err();
        assert!(matches!(err, CompareError::Crs { .. }));
        assert!(
            err.to_string()
                .starts_with("后期 DEM（内存中的 DEM）与前期 DEM（内存中的 DEM）：坐标系不一致"),
            "{err}"
        );
        let away = go(
            &mut dem(LEFT - 50.0, 4546, &flat(1.0), 5),
            &mut dem(LEFT - 50.0, 4546, &flat(1.0), 5),
            &t,
            &cancel,
        );
        assert!(matches!(away, Err(CompareError::BoundaryOutside)));
        let bad = Thresholds {
            face_slope_deg: 95.0,
            ..t
        };
        let err = go(
            &mut dem(LEFT, 4546, &flat(1.0), 5),
            &mut dem(LEFT, 4546, &flat(1.0), 5),
            &bad,
            &cancel,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "阈值 --face-slope 的值 95 无效");
        cancel.store(true, Ordering::Relaxed);
        let stopped = go(
            &mut dem(LEFT, 4546, &flat(1.0), 5),
            &mut dem(LEFT, 4546, &flat(1.0), 5),
            &t,
            &cancel,
        );
        assert!(matches!(stopped, Err(CompareError::Cancelled)));
    }

    #[test]
    fn periods_parse_or_say_why_not() {
        assert_eq!(Period::parse("2025-01-01..2025-04-11").unwrap().days(), 100);
        for bad in [
            "2025-01-01",
            "2025-04-01..2025-01-01",
            "2025-13-01..2025-14-01",
            "2025-01-01..2025-01-01",
        ] {
            assert!(
                matches!(Period::parse(bad), Err(CompareError::Period { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn progress_reaches_one() {
        let (before, after) = pit_scenario();
        let mut seen = Vec::new();
        compare(
            &analysis(&licence("EPSG:4546"), &Thresholds::default()),
            &mut dem(LEFT, 4546, &before, 3),
            &mut dem(LEFT, 4546, &after, 3),
            &mut |p| seen.push(p),
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(seen.len(), 4);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(seen.last(), Some(&1.0));
    }
}
