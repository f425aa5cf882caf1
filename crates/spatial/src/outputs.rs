//! The files `orewatch survey compare --out DIR` writes: report.json, patches.geojson (RFC 7946:
//! longitude/latitude on CGCS2000, outside patches and faces as polygons with their figures, and the
//! licence boundary) and change.png (see [`crate::render`]). The printable report that shows them
//! together is an askama template in the web crate (`orewatch_web::survey_report`).

use crate::polygon::{ring_contains, shoelace};
use crate::render::{change_png, Overlay};
use crate::report::Report;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Why the outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("无法写入 {path}：{problem}")]
    Write { path: PathBuf, problem: std::io::Error },
    #[error("生成 change.png 失败：{0}")]
    Png(String),
    #[error("生成 JSON 失败：{0}")]
    Json(String),
}

/// The outputs of a comparison as bytes, for the file store (the platform) or a folder (the CLI).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub report_json: String,
    pub patches_geojson: String,
    pub change_png: Vec<u8>,
    /// What the result page draws over change.png, in its pixels: the boundary, and each patch's and
    /// each face's rings (in report order, so a drawn patch links to its figures).
    pub overlay_json: String,
}

/// Renders report.json, patches.geojson, change.png and the page overlay.
pub fn render(report: &Report) -> Result<Rendered, OutputError> {
    let json_error = |e: serde_json::Error| OutputError::Json(e.to_string());
    let drawn = overlay(report);
    let png = change_png(&report.change_map, &drawn, report.thresholds.min_change_m)
        .map_err(|e| OutputError::Png(e.to_string()))?;
    let (png_width, png_height) = crate::render::png_size(&report.change_map);
    let each = |outlines: Vec<&Vec<Vec<[f64; 2]>>>| -> Vec<Vec<Vec<(f64, f64)>>> {
        outlines
            .into_iter()
            .map(|rings| to_pixels(report, rings))
            .collect()
    };
    let overlay_json = json!({
        "png_width": png_width,
        "png_height": png_height,
        "map_width": report.change_map.width,
        "map_height": report.change_map.height,
        "boundary": drawn.boundary,
        "patches": each(report.outside_patches.iter().map(|p| &p.outline).collect()),
        "faces": each(report.faces.iter().map(|f| &f.outline).collect()),
    });
    Ok(Rendered {
        report_json: serde_json::to_string_pretty(report).map_err(json_error)?,
        patches_geojson: serde_json::to_string(&geojson(report)).map_err(json_error)?,
        change_png: png,
        overlay_json: serde_json::to_string(&overlay_json).map_err(json_error)?,
    })
}

/// Writes report.json, patches.geojson and change.png into `dir` (created if missing) and returns their
/// paths (the printable report.html is the web crate's, which the CLI writes beside them).
pub fn write_all(dir: &Path, report: &Report) -> Result<Vec<PathBuf>, OutputError> {
    let write = |name: &str, bytes: &[u8]| -> Result<PathBuf, OutputError> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|problem| OutputError::Write {
            path: path.clone(),
            problem,
        })?;
        Ok(path)
    };
    std::fs::create_dir_all(dir).map_err(|problem| OutputError::Write {
        path: dir.to_path_buf(),
        problem,
    })?;
    let rendered = render(report)?;
    Ok(vec![
        write("report.json", rendered.report_json.as_bytes())?,
        write("patches.geojson", rendered.patches_geojson.as_bytes())?,
        write("change.png", &rendered.change_png)?,
    ])
}

/// Longitude/latitude of a point in the report's grid CRS, rounded to 1e-8° (about 1 mm).
fn lon_lat(report: &Report, p: [f64; 2]) -> [f64; 2] {
    let Some(crs) = &report.crs else { return p };
    let (lon, lat) = crs.projection().inverse(p[0], p[1]);
    [(lon * 1e8).round() / 1e8, (lat * 1e8).round() / 1e8]
}

/// A polygon's rings (outer first) as GeoJSON MultiPolygon coordinates: each outer ring with the holes
/// inside it; rings closed by repeating the first point.
fn multipolygon(report: &Report, rings: &[Vec<[f64; 2]>]) -> Value {
    let pairs = |ring: &[[f64; 2]]| ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
    let area = |ring: &[[f64; 2]]| shoelace(&pairs(ring));
    type Rings<'a> = Vec<&'a Vec<[f64; 2]>>;
    let (outers, holes): (Rings, Rings) = rings.iter().partition(|r| area(r) > 0.0);
    let close = |ring: &[[f64; 2]]| -> Value {
        let mut points: Vec<[f64; 2]> = ring.iter().map(|&p| lon_lat(report, p)).collect();
        if let Some(&first) = points.first() {
            points.push(first);
        }
        json!(points)
    };
    let polygons: Vec<Value> = outers
        .iter()
        .map(|outer| {
            let mut coordinates = vec![close(outer)];
            for hole in &holes {
                // A hole's vertex midpoint of its first edge lies strictly inside its outer ring.
                if let (Some(a), Some(b)) = (hole.first(), hole.get(1)) {
                    if ring_contains(&pairs(outer), (a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0) {
                        coordinates.push(close(hole));
                    }
                }
            }
            json!(coordinates)
        })
        .collect();
    json!({"type": "MultiPolygon", "coordinates": polygons})
}

/// The GeoJSON feature collection of patches, faces and the licence boundary.
pub fn geojson(report: &Report) -> Value {
    let mut features = Vec::new();
    for (i, p) in report.outside_patches.iter().enumerate() {
        features.push(json!({
            "type": "Feature",
            "geometry": multipolygon(report, &p.outline),
            "properties": {
                "kind": "outside_patch", "number": i + 1, "area_m2": p.area_m2, "cut_m3": p.cut_m3,
                "max_depth_m": p.max_depth_m, "centroid_lon_lat": lon_lat(report, p.centroid),
                "centroid": p.centroid,
            }
        }));
    }
    for (i, f) in report.faces.iter().enumerate() {
        features.push(json!({
            "type": "Feature",
            "geometry": multipolygon(report, &f.outline),
            "properties": {
                "kind": "face", "number": i + 1, "height_m": f.height_m, "area_m2": f.area_m2,
                "mean_slope_deg": f.mean_slope_deg, "cut_share": f.cut_share, "exceeds": f.exceeds,
                "centroid_lon_lat": lon_lat(report, f.centroid), "centroid": f.centroid,
            }
        }));
    }
    // The licence boundary: parts are outer rings; the order of the corner points may run either way.
    let boundary: Vec<Vec<[f64; 2]>> = report
        .boundary
        .iter()
        .map(|ring| {
            let mut ring = ring.clone();
            if shoelace(&ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()) < 0.0 {
                ring.reverse();
            }
            ring
        })
        .collect();
    features.push(json!({
        "type": "Feature",
        "geometry": multipolygon(report, &boundary),
        "properties": {"kind": "licence_boundary", "licence_no": report.licence_no},
    }));
    json!({"type": "FeatureCollection", "features": features})
}

/// Projected rings to map pixel coordinates.
/// Rings in the grid's CRS as pixels of the change map.
fn to_pixels(report: &Report, rings: &[Vec<[f64; 2]>]) -> Vec<Vec<(f64, f64)>> {
    let g = &report.grid;
    let factor = report.change_map.factor.max(1) as f64;
    rings
        .iter()
        .map(|ring| {
            ring.iter()
                .map(|p| {
                    (
                        (p[0] - g.left_m) / g.cell_x_m / factor,
                        (g.top_m - p[1]) / g.cell_y_m / factor,
                    )
                })
                .collect()
        })
        .collect()
}

fn overlay(report: &Report) -> Overlay {
    Overlay {
        boundary: to_pixels(report, &report.boundary),
        patches: report
            .outside_patches
            .iter()
            .flat_map(|p| to_pixels(report, &p.outline))
            .collect(),
        faces: report
            .faces
            .iter()
            .flat_map(|f| to_pixels(report, &f.outline))
            .collect(),
    }
}
