//! `orewatch survey compare`: two DEM surveys of a mine checked against its licence. Runs offline on
//! local files (no database); exit 0 when the analysis ran, whatever it found, and 2 with a message
//! naming the file and the problem when an input is wrong.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use orewatch_spatial::compare::{compare_files, Analysis, Period, Thresholds};
use orewatch_spatial::licence::Licence;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A readable Chinese summary.
    Text,
    /// The report as JSON (schema orewatch.survey-compare/1).
    Json,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The licence as JSON (licence_no, crs, boundary corner points, elevation range, output, density…).
    #[arg(long)]
    licence: PathBuf,
    /// The earlier DEM (GeoTIFF, metres).
    #[arg(long)]
    before: PathBuf,
    /// The later DEM (GeoTIFF, metres).
    #[arg(long)]
    after: PathBuf,
    /// The survey period START..END (ISO dates, END exclusive).
    #[arg(long)]
    period: String,
    // The defaults are `Thresholds::default()`'s: one place, shown by --help.
    /// Smallest elevation change that counts, m.
    #[arg(long, default_value_t = Thresholds::default().min_change_m, allow_negative_numbers = true)]
    min_change: f64,
    /// Smallest outside patch reported, m².
    #[arg(long, default_value_t = Thresholds::default().min_patch_area_m2, allow_negative_numbers = true)]
    min_patch_area: f64,
    /// Slope from which a cell belongs to a face, degrees.
    #[arg(long, default_value_t = Thresholds::default().face_slope_deg, allow_negative_numbers = true)]
    face_slope: f64,
    /// Highest allowed face, m.
    #[arg(long, default_value_t = Thresholds::default().max_face_height_m, allow_negative_numbers = true)]
    max_face_height: f64,
    /// Smallest face reported, m².
    #[arg(long, default_value_t = Thresholds::default().min_face_area_m2, allow_negative_numbers = true)]
    min_face_area: f64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write report.json, patches.geojson, change.png and report.html into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print progress to standard error.
    #[arg(long)]
    progress: bool,
}

/// Runs the comparison; an error carries the message shown before exit code 2.
pub fn compare(args: &CompareArgs) -> Result<()> {
    let licence_text = std::fs::read_to_string(&args.licence).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在".to_string(),
            std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
            std::io::ErrorKind::InvalidData => "不是 UTF-8 文本".to_string(),
            _ => e.to_string(),
        };
        anyhow::anyhow!("无法读取许可证文件 {}：{reason}", args.licence.display())
    })?;
    let licence = Licence::from_json(&licence_text)
        .map_err(|e| anyhow::anyhow!("许可证文件 {}：{e}", args.licence.display()))?;
    let analysis = Analysis {
        licence,
        period: Period::parse(&args.period)?,
        thresholds: Thresholds {
            min_change_m: args.min_change,
            min_patch_area_m2: args.min_patch_area,
            face_slope_deg: args.face_slope,
            max_face_height_m: args.max_face_height,
            min_face_area_m2: args.min_face_area,
        },
        watch: Vec::new(),
    };
    analysis.thresholds.validate()?;
    let mut last_shown = -1i64;
    let show = args.progress;
    let mut progress = |share: f64| {
        let percent = (share * 100.0).floor() as i64;
        if show && percent / 10 != last_shown / 10 {
            eprintln!("进度 {percent}%");
            last_shown = percent;
        }
    };
    // Ctrl-C stops the analysis at the next block row instead of killing it mid-write.
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let report = compare_files(
        &analysis,
        Some(&args.licence),
        &args.before,
        &args.after,
        &mut progress,
        &cancel,
    )?;
    if let Some(dir) = &args.out {
        let mut written = orewatch_spatial::outputs::write_all(dir, &report)?;
        written.push(write_report_html(dir, &report)?);
        for path in written {
            eprintln!("已写入 {}", path.display());
        }
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).context("生成报告 JSON")?
        ),
        Format::Text => print!("{}", report.summary_zh()),
    }
    Ok(())
}

/// The printable report beside the other outputs: the platform's template, read from the report's
/// JSON as the platform reads it, with the change map beside it.
fn write_report_html(
    dir: &std::path::Path,
    report: &orewatch_spatial::report::Report,
) -> Result<std::path::PathBuf> {
    let json = serde_json::to_string(report).context("生成报告 JSON")?;
    let figures = orewatch_app::surveys::read_report(&json).map_err(|e| anyhow::anyhow!("{e}"))?;
    let i18n = std::sync::Arc::new(orewatch_web::i18n::I18n::load()?);
    let page = orewatch_web::survey_report::render(
        i18n.tr(orewatch_web::i18n::Lang::Zh),
        &figures,
        orewatch_web::survey_report::Context {
            mine_name: report.mine_name.clone(),
            png_src: "change.png".to_string(),
            standalone: true,
            ..Default::default()
        },
    )
    .context("生成 report.html")?;
    let path = dir.join("report.html");
    std::fs::write(&path, page).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(path)
}

#[derive(Debug, Args)]
pub struct GridArgs {
    /// The point cloud (LAS or LAZ, projected CRS in metres).
    cloud: PathBuf,
    /// Cell size, m.
    #[arg(long)]
    cell: f64,
    /// A point counts for each cell whose centre is closer than this, m (default: cell × √2, PDAL's).
    #[arg(long)]
    radius: Option<f64>,
    /// Where to write the DEM (GeoTIFF, float32, NaN nodata).
    #[arg(long)]
    out: PathBuf,
    /// The most cells accepted.
    #[arg(long, default_value_t = orewatch_spatial::pointcloud::DEFAULT_MAX_CELLS)]
    max_cells: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Grids a point cloud into a DEM (PDAL `writers.gdal` mean rule), and prints what it did: the grid's
/// origin, size and the points used, at full precision (a comparison with PDAL gives PDAL the same
/// grid).
pub fn grid(args: &GridArgs) -> Result<()> {
    use orewatch_spatial::pointcloud::{self, GridRule};
    let mut rule = GridRule::with_cell(args.cell);
    if let Some(radius) = args.radius {
        rule.radius_m = radius;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let (info, gridded) = pointcloud::grid(&args.cloud, &rule, args.max_cells, &mut |_| {
        !cancel.load(Ordering::Relaxed)
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    orewatch_spatial::dem_writer::write_dem(&args.out, &gridded.grid, &info.crs, &gridded.values_f32())?;
    let grid = &gridded.grid;
    let summary = serde_json::json!({
        "cloud": args.cloud.display().to_string(),
        "crs": info.crs.label(),
        "points": info.points,
        "points_used": gridded.points_used,
        "used": gridded.used.as_str(),
        "cell_m": rule.cell_m,
        "radius_m": rule.radius_m,
        "origin_x": grid.left_m,
        "origin_y": grid.bottom_m(),
        "width": grid.width,
        "height": grid.height,
        "empty_cells": gridded.empty_cells,
        "dem": args.out.display().to_string(),
    });
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&summary).context("生成 JSON")?),
        Format::Text => {
            println!(
                "点云 {}：{} 个点，使用{} {} 个；坐标系 {}",
                args.cloud.display(),
                info.points,
                gridded.used.label_zh(),
                gridded.points_used,
                info.crs.label()
            );
            println!(
                "格网 {} × {}，间距 {} m，半径 {} m，原点（西南角）东 {:?} 北 {:?}；无数据格 {} 个",
                grid.width,
                grid.height,
                rule.cell_m,
                rule.radius_m,
                grid.left_m,
                grid.bottom_m(),
                gridded.empty_cells
            );
            println!("已写入 {}", args.out.display());
        }
    }
    Ok(())
}
