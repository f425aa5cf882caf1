//! A survey file checked when it arrives, before anything is stored: it must be a DEM the engine reads
//! exactly (its layout and CRS, as `survey compare` checks them), its blocks must decode (the first and
//! the last block row, which a truncated or corrupt file fails), its CRS must be the licence's (the same
//! zone, with or without the zone prefix) and it must cover every corner of the licence's boundary. A
//! wrong file is refused at once with the reason, not later in a job.
//!
//! A LAS/LAZ point cloud is gridded into a DEM here ([`grid_cloud`]), and that DEM is checked the same
//! way: reading every point is the only check that finds a truncated cloud, so it is done on arrival.

use orewatch_spatial::compare::sha256_file;
use orewatch_spatial::dem_writer::write_dem;
use orewatch_spatial::geotiff::DemReader;
use orewatch_spatial::licence::Licence;
use orewatch_spatial::pointcloud::{self, CloudError, GridRule, Gridding};
use orewatch_storage::surveys::DemLayout;
use std::path::Path;

/// Checks the file at `path` (named `name` in messages) against `licence`; returns its layout.
pub fn check(path: &Path, name: &str, licence: &Licence) -> Result<DemLayout, String> {
    let mut dem = DemReader::open(path).map_err(|e| format!("文件“{name}”：{}", e.reason()))?;
    let info = dem.info().clone();
    let mut block = Vec::<f64>::new();
    let last = dem.block_rows().saturating_sub(1);
    for index in [0, last] {
        dem.read_block_row(index, &mut block)
            .map_err(|e| format!("文件“{name}”：{}", e.reason()))?;
    }
    let offset = licence
        .boundary_crs()
        .easting_offset_to(&info.crs)
        .map_err(|_| {
            format!(
                "文件“{name}”的坐标系为 {}，与采矿许可证 {} 的坐标系（{}）不同；请提交与矿区范围同一坐标系（同一带号）的 DEM",
                info.crs.label(),
                licence.licence_no,
                licence.crs.label()
            )
        })?;
    let grid = &info.grid;
    let extent = [grid.left_m, grid.bottom_m(), grid.right_m(), grid.top_m];
    let outside: Vec<&str> = licence
        .boundary
        .parts
        .iter()
        .flat_map(|part| part.outer.iter())
        .filter(|p| {
            let x = p.easting_m + offset;
            let y = p.northing_m;
            !(extent[0] <= x && x <= extent[2] && extent[1] <= y && y <= extent[3])
        })
        .map(|p| p.name.as_str())
        .collect();
    if !outside.is_empty() {
        return Err(format!(
            "文件“{name}”的范围（东 {:.1}–{:.1} m，北 {:.1}–{:.1} m）未覆盖采矿许可证 {} 的矿区范围：拐点 {} 在范围之外",
            extent[0],
            extent[2],
            extent[1],
            extent[3],
            licence.licence_no,
            outside.join("、")
        ));
    }
    Ok(DemLayout {
        crs: info.crs.label(),
        cell_x_m: grid.cell_x_m,
        cell_y_m: grid.cell_y_m,
        width: i64::try_from(grid.width).unwrap_or(i64::MAX),
        height: i64::try_from(grid.height).unwrap_or(i64::MAX),
        extent,
    })
}

/// A point cloud gridded on arrival: the DEM written to the scratch folder (checked by [`check`] like an
/// uploaded DEM) and how it was gridded.
#[derive(Debug, Clone)]
pub struct GriddedCloud {
    pub dem_path: std::path::PathBuf,
    pub dem_name: String,
    pub dem_sha256: String,
    pub dem_size_bytes: u64,
    pub layout: DemLayout,
    pub gridding: Gridding,
}

/// Grids the point cloud at `path` (named `name`) at `cell_m` into a DEM in `scratch` and checks that
/// DEM against `licence`. The DEM is removed again when anything is wrong.
pub fn grid_cloud(
    path: &Path,
    name: &str,
    cell_m: f64,
    licence: &Licence,
    scratch: &Path,
) -> Result<GriddedCloud, String> {
    let rule = GridRule::with_cell(cell_m);
    let (info, gridded) = pointcloud::grid(path, &rule, pointcloud::DEFAULT_MAX_CELLS, &mut |_| true)
        .map_err(|e| match e {
            // The cloud's own name, not the staged file's.
            CloudError::NotACloud { problem, .. } => {
                format!("文件“{name}”不是可读的 LAS/LAZ 点云：{problem}")
            }
            other => other.to_string().replacen(&staged_name(path), name, 1),
        })?;
    std::fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let dem_name = format!("{stem}.dem.tif");
    let dem_path = scratch.join(format!("{}-{dem_name}", crate::auth::random_token()));
    let written = write_dem(&dem_path, &gridded.grid, &info.crs, &gridded.values_f32())
        .map_err(|e| e.to_string())
        .and_then(|()| {
            let layout = check(&dem_path, name, licence)?;
            let sha256 = sha256_file(&dem_path).map_err(|e| format!("{}: {e}", dem_path.display()))?;
            let size = std::fs::metadata(&dem_path)
                .map_err(|e| format!("{}: {e}", dem_path.display()))?
                .len();
            Ok((layout, sha256, size))
        });
    match written {
        Ok((layout, dem_sha256, dem_size_bytes)) => Ok(GriddedCloud {
            dem_path,
            dem_name,
            dem_sha256,
            dem_size_bytes,
            layout,
            gridding: Gridding::of(&rule, &gridded),
        }),
        Err(message) => {
            let _ = std::fs::remove_file(&dem_path);
            Err(message)
        }
    }
}

fn staged_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
