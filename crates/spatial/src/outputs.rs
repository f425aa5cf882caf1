//! The files `orewatch survey compare --out DIR` writes: report.json, patches.geojson (RFC 7946:
//! longitude/latitude on CGCS2000, outside patches and faces as polygons with their figures, and the
//! licence boundary), change.png (see [`crate::render`]) and report.html, which shows them together.

use crate::polygon::{ring_contains, shoelace};
use crate::render::{change_png, Overlay};
use crate::report::Report;
use serde_json::{json, Value};
use std::fmt::Write as _;
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

/// Writes the four files into `dir` (created if missing) and returns their paths.
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
        write("report.html", html(report).as_bytes())?,
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

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A self-contained Chinese HTML page: summary, findings, the change map, patches and faces.
pub fn html(report: &Report) -> String {
    let mut h = String::new();
    let title = format!("无人机监测比对报告 — {}", report.mine_name);
    let _ = write!(
        h,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:sans-serif;margin:2em;color:#222;max-width:1300px}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:4px 8px;text-align:right}}\
         th{{background:#eef2f7}}td.l,th.l{{text-align:left}}.high{{color:#b2182b;font-weight:bold}}\
         .medium{{color:#d67500;font-weight:bold}}img{{max-width:100%;border:1px solid #999}}\
         .key span{{display:inline-block;width:1.2em;height:0.8em;margin:0 0.3em 0 1em;vertical-align:middle}}\
         code{{font-size:90%}}</style></head><body><h1>{}</h1>",
        escape(&title),
        escape(&title)
    );
    let _ = write!(
        h,
        "<p>采矿许可证 {}；监测期 {} 至 {}（{} 天）；网格 {}×{}，像元 {}×{} 米，坐标系 {}</p>",
        escape(&report.licence_no),
        report.period.start,
        report.period.end,
        report.period.days,
        report.grid.width,
        report.grid.height,
        report.grid.cell_x_m,
        report.grid.cell_y_m,
        escape(&report.grid.crs)
    );
    h.push_str("<h2>发现的问题</h2>");
    if report.findings.is_empty() {
        h.push_str("<p>未发现问题。</p>");
    } else {
        h.push_str("<ul>");
        for f in &report.findings {
            let level = if f.severity == "high" { "严重" } else { "一般" };
            let _ = write!(
                h,
                "<li class=\"{}\">[{level}] {}</li>",
                f.severity,
                escape(&f.message_zh)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>挖填方量</h2><table><tr><th class=\"l\"></th><th>挖方（立方米）</th><th>挖方面积（平方米）</th><th>填方（立方米）</th><th>填方面积（平方米）</th><th>有效面积（平方米）</th></tr>");
    for (name, r) in [("矿区范围内", &report.inside), ("矿区范围外", &report.outside)] {
        let _ = write!(
            h,
            "<tr><th class=\"l\">{name}</th><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr>",
            r.cut_m3, r.cut_area_m2, r.fill_m3, r.fill_area_m2, r.valid_area_m2
        );
    }
    let _ = write!(
        h,
        "</table><p>无数据面积 {:.1} 平方米。采出量 {:.0} 吨（体重 {} 吨/立方米），许可规模折算 {:.0} 吨，比值 {:.2}。\
         开采标高下限 {:.1} 米：低于下限 {:.1} 平方米、{:.1} 立方米。</p>",
        report.nodata_area_m2,
        report.production.extracted_t,
        report.production.density_t_m3,
        report.production.permitted_t,
        report.production.ratio,
        report.below_floor.floor_m,
        report.below_floor.area_m2,
        report.below_floor.volume_m3
    );
    h.push_str(
        "<h2>高程变化图</h2><p class=\"key\">红色为挖方、蓝色为填方、灰色为无数据；\
         <span style=\"background:#141414\"></span>矿区范围\
         <span style=\"background:#c800c8\"></span>越界图斑\
         <span style=\"background:#ff8c00\"></span>作业面（图下色带单位：米）</p>\
         <img src=\"change.png\" alt=\"高程变化图\">",
    );
    h.push_str("<h2>越界图斑</h2><table><tr><th>序号</th><th>面积（平方米）</th><th>挖方（立方米）</th><th>最大挖深（米）</th><th class=\"l\">中心（经度, 纬度）</th></tr>");
    for (i, p) in report.outside_patches.iter().enumerate() {
        let ll = lon_lat(report, p.centroid);
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.2}</td><td class=\"l\">{:.6}, {:.6}</td></tr>",
            i + 1,
            p.area_m2,
            p.cut_m3,
            p.max_depth_m,
            ll[0],
            ll[1]
        );
    }
    h.push_str("</table><h2>作业面</h2><table><tr><th>序号</th><th>高度（米）</th><th>面积（平方米）</th><th>平均坡度（度）</th><th>本期挖损占比</th><th class=\"l\">中心（经度, 纬度）</th><th class=\"l\">超高</th></tr>");
    for (i, f) in report.faces.iter().enumerate() {
        let ll = lon_lat(report, f.centroid);
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.0}%</td><td class=\"l\">{:.6}, {:.6}</td><td class=\"l\">{}</td></tr>",
            i + 1,
            f.height_m,
            f.area_m2,
            f.mean_slope_deg,
            f.cut_share * 100.0,
            ll[0],
            ll[1],
            if f.exceeds { "是" } else { "否" }
        );
    }
    h.push_str(
        "</table><h2>输入文件</h2><table><tr><th class=\"l\">文件</th><th class=\"l\">SHA-256</th></tr>",
    );
    for input in &report.inputs {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\"><code>{}</code></td></tr>",
            escape(&input.name),
            input.sha256
        );
    }
    let t = &report.thresholds;
    let _ = write!(
        h,
        "</table><p>阈值：最小高程变化 {} 米，最小图斑面积 {} 平方米，作业面坡度 {}°，最大台阶高度 {} 米，\
         最小作业面面积 {} 平方米。图斑与作业面范围另见 patches.geojson，完整数据见 report.json。</p></body></html>",
        t.min_change_m, t.min_patch_area_m2, t.face_slope_deg, t.max_face_height_m, t.min_face_area_m2
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_licence_is_escaped_in_the_page() {
        assert_eq!(
            escape("<b>\"矿\" & 'x'</b>"),
            "&lt;b&gt;&quot;矿&quot; &amp; &#39;x&#39;&lt;/b&gt;"
        );
    }
}
