//! A survey file checked when it arrives, before anything is stored: it must be a DEM the engine reads
//! exactly (its layout and CRS, as `survey compare` checks them), its blocks must decode (the first and
//! the last block row, which a truncated or corrupt file fails), its CRS must be the licence's (the same
//! zone, with or without the zone prefix) and it must cover every corner of the licence's boundary. A
//! wrong file is refused at once with the reason, not later in a job.

use orewatch_spatial::geotiff::DemReader;
use orewatch_spatial::licence::Licence;
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
