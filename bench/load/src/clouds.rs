//! The point-cloud benchmark's inputs and its measuring stick: a large synthetic LAS cloud, and the
//! cell-by-cell difference of two DEMs (Orewatch's and PDAL's gridding of it).

use anyhow::{ensure, Context, Result};
use orewatch_spatial::geotiff::DemReader;
use std::path::Path;

/// Writes `points` points as LAS 1.2, point format 0, EPSG:4525 in GeoKeys: a square of `side_m`
/// metres of rolling terrain with a benched pit, 70 % ground (class 2) and 30 % vegetation (class 5,
/// 2–12 m above it), in a scattered but repeatable order (a linear congruential sequence), so that
/// both programs read exactly the same file.
pub fn write_cloud(out: &Path, points: u64, side_m: f64) -> Result<()> {
    let mut writer = orewatch_testkit::survey::las_writer(out, (37_373_000.0, 2_708_000.0), 4525);
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..points {
        let (u, v, w) = (next(), next(), next());
        let (x, y) = (u * side_m, v * side_m);
        let ground = 300.0 + 12.0 * (x / 90.0).sin() * (y / 130.0).cos() + 0.01 * x;
        let (cx, cy) = (x - side_m / 2.0, y - side_m / 2.0);
        let r = (cx * cx + cy * cy).sqrt();
        let pit = if r < side_m / 4.0 {
            -((side_m / 4.0 - r) / 10.0).floor() * 10.0
        } else {
            0.0
        };
        let z = ground + pit + (w - 0.5) * 0.1;
        let (z, class) = if w < 0.7 {
            (z, las::point::Classification::Ground)
        } else {
            (
                z + 2.0 + (w - 0.7) * 33.0,
                las::point::Classification::HighVegetation,
            )
        };
        writer.write_point(las::Point {
            x: 37_373_000.0 + x,
            y: 2_708_000.0 + y,
            z,
            classification: class,
            ..Default::default()
        })?;
    }
    writer.close()?;
    Ok(())
}

/// Prints how two DEMs on the same grid differ: cells with a value in one and not the other, and the
/// largest absolute difference where both have one. Fails when the grids are not the same.
pub fn dem_diff(a: &Path, b: &Path) -> Result<()> {
    let mut da = DemReader::open(a).with_context(|| a.display().to_string())?;
    let mut db = DemReader::open(b).with_context(|| b.display().to_string())?;
    let (ga, gb) = (da.info().grid.clone(), db.info().grid.clone());
    ensure!(ga == gb, "the grids differ: {ga:?} and {gb:?}");
    let (va, vb) = (da.read_all()?, db.read_all()?);
    let (mut both, mut only_a, mut only_b, mut differing, mut max_abs) = (0u64, 0u64, 0u64, 0u64, 0f64);
    for (x, y) in va.iter().zip(&vb) {
        match (x.is_nan(), y.is_nan()) {
            (false, false) => {
                both += 1;
                let d = (x - y).abs();
                if d > 0.0 {
                    differing += 1;
                    max_abs = max_abs.max(d);
                }
            }
            (false, true) => only_a += 1,
            (true, false) => only_b += 1,
            (true, true) => {}
        }
    }
    println!(
        "grid {} × {} at {} m: {} cells with a value in both, {} differing (largest |Δ| {} m), {} only in {}, {} only in {}",
        ga.width,
        ga.height,
        ga.cell_x_m,
        both,
        differing,
        max_abs,
        only_a,
        a.display(),
        only_b,
        b.display()
    );
    Ok(())
}
