//! Writing a DEM as GeoTIFF: float32 samples in strips, the grid as a tie point and pixel scale, the CRS
//! as its EPSG code (GeoKeys: projected, pixel-is-area) and the nodata value as GDAL writes it. The
//! demo's generated surveys (and, later, gridded point clouds) are written here; [`crate::geotiff`]
//! reads them back exactly like files GDAL wrote.

use crate::crs::ProjectedCrs;
use crate::geotiff::GridGeometry;
use std::path::Path;
use tiff::encoder::{colortype::Gray32Float, TiffEncoder};
use tiff::tags::Tag;

/// Why a DEM could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("写入 {path} 失败：{problem}")]
    Io { path: String, problem: String },
    #[error("坐标系 {0} 没有 EPSG 代码，无法写入 GeoTIFF")]
    NoEpsg(String),
    #[error("格网 {width} × {height} 与 {values} 个值不符")]
    Size {
        width: usize,
        height: usize,
        values: usize,
    },
}

/// Writes `values` (row-major, north row first; NaN is nodata) on `grid` in `crs` to `path`.
pub fn write_dem(
    path: &Path,
    grid: &GridGeometry,
    crs: &ProjectedCrs,
    values: &[f32],
) -> Result<(), WriteError> {
    let epsg = crs.epsg.ok_or_else(|| WriteError::NoEpsg(crs.label()))?;
    if grid.width.checked_mul(grid.height) != Some(values.len()) {
        return Err(WriteError::Size {
            width: grid.width,
            height: grid.height,
            values: values.len(),
        });
    }
    let io = |problem: String| WriteError::Io {
        path: path.display().to_string(),
        problem,
    };
    let file = std::fs::File::create(path).map_err(|e| io(e.to_string()))?;
    let mut encoder = TiffEncoder::new(std::io::BufWriter::new(file)).map_err(|e| io(e.to_string()))?;
    let width = u32::try_from(grid.width).map_err(|e| io(e.to_string()))?;
    let height = u32::try_from(grid.height).map_err(|e| io(e.to_string()))?;
    let mut image = encoder
        .new_image::<Gray32Float>(width, height)
        .map_err(|e| io(e.to_string()))?;
    let code = u16::try_from(epsg).map_err(|e| io(e.to_string()))?;
    // GeoKey directory: version 1.1.0 with 3 keys — model type projected (1024 = 1), raster type
    // pixel-is-area (1025 = 1), projected CRS (3072 = EPSG code).
    let keys: [u16; 16] = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, code];
    let tags = image.encoder();
    tags.write_tag(Tag::ModelPixelScaleTag, &[grid.cell_x_m, grid.cell_y_m, 0.0][..])
        .and_then(|()| {
            tags.write_tag(
                Tag::ModelTiepointTag,
                &[0.0, 0.0, 0.0, grid.left_m, grid.top_m, 0.0][..],
            )
        })
        .and_then(|()| tags.write_tag(Tag::GeoKeyDirectoryTag, &keys[..]))
        .and_then(|()| tags.write_tag(Tag::GdalNodata, "nan"))
        .map_err(|e| io(e.to_string()))?;
    image.write_data(values).map_err(|e| io(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geotiff::DemReader;

    #[test]
    fn a_written_dem_reads_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dem.tif");
        let grid = GridGeometry {
            width: 5,
            height: 3,
            left_m: 37_373_000.0,
            top_m: 2_708_800.0,
            cell_x_m: 2.0,
            cell_y_m: 2.5,
        };
        let crs = ProjectedCrs::from_epsg(4525).unwrap();
        let mut values: Vec<f32> = (0..15).map(|i| 300.0 + i as f32 * 0.25).collect();
        values[7] = f32::NAN;
        write_dem(&path, &grid, &crs, &values).unwrap();
        let mut dem = DemReader::open(&path).unwrap();
        assert_eq!(dem.info().grid, grid);
        assert_eq!(dem.info().crs, crs);
        let read = dem.read_all().unwrap();
        for (a, b) in read.iter().zip(&values) {
            assert!((a.is_nan() && b.is_nan()) || *a == f64::from(*b), "{a} {b}");
        }
        let no_code = ProjectedCrs {
            epsg: None,
            ..crs.clone()
        };
        assert!(matches!(
            write_dem(&path, &grid, &no_code, &values),
            Err(WriteError::NoEpsg(_))
        ));
        assert!(matches!(
            write_dem(&path, &grid, &crs, &values[..14]),
            Err(WriteError::Size { .. })
        ));
    }
}
