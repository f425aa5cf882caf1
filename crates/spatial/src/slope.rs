//! Slope by Horn's method (Horn 1981, "Hill shading and the reflectance map"; as `gdaldem slope`).
//!
//! For the 3×3 window
//! ```text
//!   a b c
//!   d e f
//!   g h i
//! ```
//! dz/dx = ((c + 2f + i) − (a + 2d + g)) / (8·Δx), dz/dy = ((g + 2h + i) − (a + 2b + c)) / (8·Δy), and
//! slope = atan(√(dz/dx² + dz/dy²)) in degrees. Defined only where all nine cells hold a value (not
//! NaN); elsewhere, and in the first and last column, the slope is NaN. Units: cell sizes and heights
//! in metres.

/// Slope in degrees of the middle row of three consecutive rows, written into `out`.
pub fn horn_slope_row(
    above: &[f64],
    row: &[f64],
    below: &[f64],
    cell_x_m: f64,
    cell_y_m: f64,
    out: &mut [f64],
) {
    horn_gradient2_row(above, row, below, cell_x_m, cell_y_m, out);
    for v in out.iter_mut() {
        *v = v.sqrt().atan().to_degrees();
    }
}

/// The squared gradient, tan²(slope), of the middle row (NaN where undefined): the same method without
/// the arctangent, so a threshold test costs a comparison (`tan² ≥ tan²(threshold)`).
pub fn horn_gradient2_row(
    above: &[f64],
    row: &[f64],
    below: &[f64],
    cell_x_m: f64,
    cell_y_m: f64,
    out: &mut [f64],
) {
    let width = row.len().min(above.len()).min(below.len()).min(out.len());
    out.iter_mut().for_each(|v| *v = f64::NAN);
    if width < 3 {
        return;
    }
    let (kx, ky) = (1.0 / (8.0 * cell_x_m), 1.0 / (8.0 * cell_y_m));
    for (c, slot) in out.iter_mut().enumerate().take(width - 1).skip(1) {
        let (Some(top), Some(mid), Some(bot)) = (
            above.get(c - 1..c + 2),
            row.get(c - 1..c + 2),
            below.get(c - 1..c + 2),
        ) else {
            continue;
        };
        let (&[a, b, cc], &[d, _e, f], &[g, h, i]) = (top, mid, bot) else {
            continue;
        };
        let dzdx = ((cc + 2.0 * f + i) - (a + 2.0 * d + g)) * kx;
        let dzdy = ((g + 2.0 * h + i) - (a + 2.0 * b + cc)) * ky;
        // NaN in any of the eight neighbours propagates through the sums; the centre is checked apart.
        *slot = if mid.get(1).is_some_and(|e| e.is_nan()) {
            f64::NAN
        } else {
            dzdx * dzdx + dzdy * dzdy
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geotiff::DemReader;
    use std::path::Path;

    #[test]
    fn a_plane_rising_one_metre_per_metre_eastward_is_45_degrees() {
        let row = |_: usize| vec![0.0, 1.0, 2.0, 3.0];
        let mut out = vec![0.0; 4];
        horn_slope_row(&row(0), &row(1), &row(2), 1.0, 1.0, &mut out);
        assert!(out[0].is_nan() && out[3].is_nan());
        assert!((out[1] - 45.0).abs() < 1e-12 && (out[2] - 45.0).abs() < 1e-12);
        // Twice the cell size halves the gradient.
        horn_slope_row(&row(0), &row(1), &row(2), 2.0, 2.0, &mut out);
        assert!((out[1] - 0.5f64.atan().to_degrees()).abs() < 1e-12);
    }

    #[test]
    fn a_missing_neighbour_leaves_the_slope_undefined() {
        let mut out = vec![0.0; 4];
        horn_slope_row(
            &[0.0, f64::NAN, 0.0, 0.0],
            &[0.0; 4],
            &[0.0; 4],
            1.0,
            1.0,
            &mut out,
        );
        assert!(out[1].is_nan() && out[2].is_nan());
        assert_eq!(out[1..3].iter().filter(|v| v.is_nan()).count(), 2);
    }

    /// GDAL's own Horn slope of a real 20 m DEM crop (fixtures/dem/longyearbyen, see its README). The
    /// DEM we have is the crop moved one cell: its cell (r, c) is the reference's (r − 1, c + 1). GDAL
    /// computes in float32 and stores float32, hence the tolerance.
    #[test]
    fn matches_gdaldem_slope_on_a_real_dem() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dem/longyearbyen");
        let mut dem = DemReader::open(&dir.join("dem.tif")).unwrap();
        let mut reference = DemReader::open(&dir.join("slope_horn_gdal.tif")).unwrap();
        let grid = dem.info().grid.clone();
        let (z, want) = (dem.read_all().unwrap(), reference.read_all().unwrap());
        let w = grid.width;
        let mut out = vec![0.0; w];
        let mut compared = 0;
        for r in 1..grid.height - 1 {
            let row = |k: usize| &z[k * w..(k + 1) * w];
            horn_slope_row(
                row(r - 1),
                row(r),
                row(r + 1),
                grid.cell_x_m,
                grid.cell_y_m,
                &mut out,
            );
            for c in 1..w - 2 {
                let expected = want[(r - 1) * w + c + 1];
                if expected.is_nan() || out[c].is_nan() {
                    continue;
                }
                assert!(
                    (out[c] - expected).abs() < 5e-4,
                    "({r}, {c}): {} vs {expected}",
                    out[c]
                );
                compared += 1;
            }
        }
        assert!(compared > 2000, "{compared}");
    }
}
