//! Checking a corner-point list by hand (`orewatch boundary check`): per part the zone, every point
//! with its longitude/latitude on CGCS2000, the ellipsoidal and the planar area, the elevation range,
//! and the problems an official should see: a closing point that does not close the ring, repeated
//! points, edges that cross, points far beyond the zone's edge (once per part). Notes that do not stop
//! the list: how it was read (swapped columns, reordered table rows, longitude/latitude or old-datum
//! conversion), points in an extended zone, and each declared area compared with the computed ones.
//!
//! Areas: the ellipsoidal area is that of the geodesic polygon through the points on the CGCS2000
//! ellipsoid (Karney's algorithm, via `geographiclib-rs`), the planar area the shoelace area of the
//! Gauss-Krüger coordinates; holes are subtracted from both.

use crate::corners::{CornerPoint, CornerPointError, CornerPoints, ParseOptions};
use crate::crs::zone_central_meridian;
use crate::polygon::{self_intersections, shoelace};
use crate::tmerc::{TransverseMercator, CGCS2000_A, CGCS2000_INV_F};
use geographiclib_rs::{Geodesic, PolygonArea, Winding};
use serde::Serialize;

/// A point as checked: as written (X northing, Y easting in the list's own prefix convention) and in
/// longitude/latitude.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedPoint {
    pub name: String,
    pub line: usize,
    pub x: f64,
    pub y: f64,
    pub lon: f64,
    pub lat: f64,
}

/// One part (矿段) as checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedPart {
    pub name: String,
    pub zone: u32,
    pub central_meridian_deg: f64,
    /// Ellipsoidal area, m² (holes subtracted).
    pub area_m2: f64,
    /// Gauss-Krüger plane area, m² (holes subtracted).
    pub planar_area_m2: f64,
    pub elevation_top_m: Option<f64>,
    pub elevation_floor_m: Option<f64>,
    pub points: Vec<CheckedPoint>,
    /// Holes (扣除范围), each a ring of points.
    pub holes: Vec<Vec<CheckedPoint>>,
}

/// Something wrong with a part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoundaryProblem {
    /// 1-based part number.
    pub part: usize,
    /// `unclosed`, `duplicate_points`, `self_intersecting` or `outside_zone`.
    pub kind: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

/// Something the official should read that does not make the list wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoundaryNote {
    /// 1-based part number, when the note is about one part.
    pub part: Option<usize>,
    /// `parse`, `extended_zone`, `declared_area` or `declared_area_mismatch`.
    pub kind: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoundaryCheck {
    pub parts: Vec<CheckedPart>,
    pub problems: Vec<BoundaryProblem>,
    pub notes: Vec<BoundaryNote>,
}

/// How far a declared area may be from the computed one and still be rounding: 0.5 %, the figure
/// the registry's licence check uses (`orewatch_domain::licence::AREA_TOLERANCE`; the engine does not
/// depend on the domain crate), so the two never give a list different verdicts.
pub const DECLARED_AREA_TOLERANCE: f64 = 0.005;

/// How far beyond a zone's edge points may lie in an extended zone (as Inner Mongolia uses) before
/// they are taken for a wrong zone, degrees of longitude.
const EXTENDED_ZONE_DEG: f64 = 1.5;

/// Why the list could not be checked at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryCheckError {
    #[error("{0}")]
    Points(CornerPointError),
    #[error("坐标未带带号（Y 坐标前两位），请用 --zone 指定带号（鹿寨县为 37）")]
    NoZone,
    #[error("带号 {0} 不是中国的 3 度带（25–45）或 6 度带（13–23）")]
    BadZone(u32),
    #[error("坐标带号为 {found}，与 --zone 指定的 {given} 不一致")]
    ZoneConflict { given: u32, found: u32 },
}

/// Checks corner-point text. `zone` is needed when the eastings carry no zone prefix.
pub fn check(text: &str, zone: Option<u32>) -> Result<BoundaryCheck, BoundaryCheckError> {
    check_with(text, zone, &ParseOptions::default())
}

/// [`check`] with parse options (packed angles, configured old-datum parameters).
pub fn check_with(
    text: &str,
    zone: Option<u32>,
    options: &ParseOptions,
) -> Result<BoundaryCheck, BoundaryCheckError> {
    let options = ParseOptions {
        zone: options.zone.or(zone),
        ..options.clone()
    };
    let points = CornerPoints::parse_with(text, &options).map_err(BoundaryCheckError::Points)?;
    let zone = match (points.zone, zone) {
        (Some(found), Some(given)) if found != given => {
            return Err(BoundaryCheckError::ZoneConflict { given, found })
        }
        (Some(z), _) | (None, Some(z)) => z,
        (None, None) => return Err(BoundaryCheckError::NoZone),
    };
    let cm = zone_central_meridian(zone).ok_or(BoundaryCheckError::BadZone(zone))?;
    let half_width = if zone >= 25 { 1.5 } else { 3.0 };
    let projection = TransverseMercator::gauss_kruger(cm, 500_000.0);
    let geodesic = Geodesic::new(CGCS2000_A, 1.0 / CGCS2000_INV_F);
    let prefix = if points.zone.is_some() {
        f64::from(zone) * 1e6
    } else {
        0.0
    };
    let checked = |p: &CornerPoint| {
        let (lon, lat) = projection.inverse(p.easting_m, p.northing_m);
        CheckedPoint {
            name: p.name.clone(),
            line: p.line,
            x: p.northing_m,
            y: p.easting_m + prefix,
            lon: (lon * 1e9).round() / 1e9,
            lat: (lat * 1e9).round() / 1e9,
        }
    };
    let ellipsoidal = |ring: &[CornerPoint]| {
        let mut polygon = PolygonArea::new(&geodesic, Winding::CounterClockwise);
        for p in ring {
            let (lon, lat) = projection.inverse(p.easting_m, p.northing_m);
            polygon.add_point(lat, lon);
        }
        polygon.compute(true).1.abs()
    };
    let planar = |ring: &[CornerPoint]| {
        let xy: Vec<(f64, f64)> = ring.iter().map(|p| (p.easting_m, p.northing_m)).collect();
        shoelace(&xy).abs()
    };
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    let mut notes: Vec<BoundaryNote> = points
        .notes
        .iter()
        .map(|n| BoundaryNote {
            part: None,
            kind: "parse",
            message_zh: n.message_zh(),
            message_en: n.message_en(),
        })
        .collect();
    for (index, part) in points.parts.iter().enumerate() {
        let number = index + 1;
        let name = part.label.clone().unwrap_or_else(|| format!("第{number}部分"));
        for ring in std::iter::once(&part.outer).chain(part.holes.iter()) {
            ring_problems(number, ring, &mut problems);
        }
        zone_edge(
            (number, &name),
            part,
            (cm, half_width, &projection),
            &mut problems,
            &mut notes,
        );
        let holes_area: f64 = part.holes.iter().map(|h| ellipsoidal(h)).sum();
        let holes_planar: f64 = part.holes.iter().map(|h| planar(h)).sum();
        parts.push(CheckedPart {
            name,
            zone,
            central_meridian_deg: cm,
            area_m2: ellipsoidal(&part.outer) - holes_area,
            planar_area_m2: planar(&part.outer) - holes_planar,
            elevation_top_m: part.elevation.map(|e| e.top_m),
            elevation_floor_m: part.elevation.map(|e| e.bottom_m),
            points: part.outer.iter().map(checked).collect(),
            holes: part
                .holes
                .iter()
                .map(|h| h.iter().map(checked).collect())
                .collect(),
        });
    }
    compare_declared(&points, &parts, &mut notes);
    Ok(BoundaryCheck {
        parts,
        problems,
        notes,
    })
}

/// Points beyond the zone's edge, once per part: within [`EXTENDED_ZONE_DEG`] a note (an extended
/// zone), further a problem (most likely the wrong zone).
fn zone_edge(
    (part_number, part_name): (usize, &str),
    part: &crate::corners::Part,
    (cm, half_width, projection): (f64, f64, &TransverseMercator),
    problems: &mut Vec<BoundaryProblem>,
    notes: &mut Vec<BoundaryNote>,
) {
    let outside: Vec<(&CornerPoint, f64)> = part
        .outer
        .iter()
        .chain(part.holes.iter().flatten())
        .map(|p| (p, projection.inverse(p.easting_m, p.northing_m).0))
        .filter(|(_, lon)| (lon - cm).abs() > half_width + 1e-6)
        .collect();
    let Some(&(_, farthest)) = outside
        .iter()
        .max_by(|a, b| (a.1 - cm).abs().total_cmp(&(b.1 - cm).abs()))
    else {
        return;
    };
    let beyond = (farthest - cm).abs() - half_width;
    let names: Vec<&str> = outside.iter().map(|(p, _)| p.name.as_str()).collect();
    let listed = if names.len() > 6 {
        format!(
            "{} 等 {} 个",
            names.iter().take(6).copied().collect::<Vec<_>>().join("、"),
            names.len()
        )
    } else {
        names.join("、")
    };
    if beyond <= EXTENDED_ZONE_DEG {
        notes.push(BoundaryNote {
            part: Some(part_number),
            kind: "extended_zone",
            message_zh: format!(
                "{part_name}的拐点 {listed} 位于本带（中央经线 {cm}° ± {half_width}°）之外，最远东经 {farthest:.4}°，超出 {beyond:.3}°：按扩展带（如内蒙古）处理，仍以中央经线 {cm}° 计算"
            ),
            message_en: format!(
                "part {part_number}: points {} lie outside the zone (central meridian {cm}° ± {half_width}°), up to {farthest:.4}°E ({beyond:.3}° beyond): read as an extended zone",
                names.join(", ")
            ),
        });
    } else {
        problems.push(BoundaryProblem {
            part: part_number,
            kind: "outside_zone",
            message_zh: format!(
                "{part_name}的拐点 {listed} 超出本带范围（中央经线 {cm}° ± {half_width}°），最远东经 {farthest:.4}°：带号可能有误"
            ),
            message_en: format!(
                "part {part_number}: points {} are outside the zone (central meridian {cm}° ± {half_width}°), up to {farthest:.4}°E: the zone may be wrong",
                names.join(", ")
            ),
        });
    }
}

/// Each area the text declares, compared with the computed plane and ellipsoidal areas: equal within
/// the rounding of the figure written, close (within [`DECLARED_AREA_TOLERANCE`]), or not (a warning: a mistyped coordinate
/// or the wrong list).
fn compare_declared(points: &CornerPoints, parts: &[CheckedPart], notes: &mut Vec<BoundaryNote>) {
    for declared in &points.declared_areas {
        let (planar, ellipsoidal, whom_zh, whom_en) =
            match declared.part.and_then(|i| parts.get(i).map(|p| (i, p))) {
                Some((i, p)) => (
                    p.planar_area_m2,
                    p.area_m2,
                    p.name.clone(),
                    format!("part {} ({})", i + 1, p.name),
                ),
                None => (
                    parts.iter().map(|p| p.planar_area_m2).sum(),
                    parts.iter().map(|p| p.area_m2).sum(),
                    "全部范围".to_string(),
                    "the whole right".to_string(),
                ),
            };
        let nearest = if (declared.m2 - planar).abs() <= (declared.m2 - ellipsoidal).abs() {
            planar
        } else {
            ellipsoidal
        };
        let difference = (declared.m2 - nearest).abs();
        let relative = if declared.m2 > 0.0 {
            difference / declared.m2
        } else {
            f64::INFINITY
        };
        let (kind, verdict_zh, verdict_en) = if difference <= declared.half_unit_m2 + 1e-6 {
            (
                "declared_area",
                "相符（在所写位数的舍入范围内）".to_string(),
                "agrees within its rounding".to_string(),
            )
        } else if relative <= DECLARED_AREA_TOLERANCE {
            (
                "declared_area",
                format!("基本相符（相差 {:.3}%）", relative * 100.0),
                format!("close ({:.3} % apart)", relative * 100.0),
            )
        } else {
            (
                "declared_area_mismatch",
                format!("不符（相差 {:.2}%），请核对坐标或面积", relative * 100.0),
                format!(
                    "does NOT agree ({:.2} % apart): check the coordinates or the area",
                    relative * 100.0
                ),
            )
        };
        notes.push(BoundaryNote {
            part: declared.part.map(|i| i + 1),
            kind,
            message_zh: format!(
                "第{}行声明“{whom_zh}”的面积 {}（{:.2} 平方米），按拐点计算：平面 {planar:.2} 平方米、椭球 {ellipsoidal:.2} 平方米，{verdict_zh}",
                declared.line, declared.text, declared.m2
            ),
            message_en: format!(
                "line {}: declared area of {whom_en} {} ({:.2} m²); from the points: plane {planar:.2} m², ellipsoid {ellipsoidal:.2} m²: {verdict_en}",
                declared.line, declared.text, declared.m2
            ),
        });
    }
}

fn ring_problems(part: usize, ring: &[CornerPoint], out: &mut Vec<BoundaryProblem>) {
    let mut push = |kind, message_zh: String, message_en: String| {
        out.push(BoundaryProblem {
            part,
            kind,
            message_zh,
            message_en,
        })
    };
    // A last point named like the first but elsewhere: the ring was meant to close and does not.
    if let (Some(first), Some(last)) = (ring.first(), ring.last()) {
        if ring.len() > 3 && first.name == last.name {
            let gap = (first.northing_m - last.northing_m).hypot(first.easting_m - last.easting_m);
            push(
                "unclosed",
                format!(
                    "第{part}部分未闭合：第{}行的闭合点 {} 与第{}行的起点相距 {gap:.3} 米",
                    last.line, last.name, first.line
                ),
                format!(
                    "part {part} does not close: closing point {} on line {} is {gap:.3} m from the first (line {})",
                    last.name, last.line, first.line
                ),
            );
        }
    }
    for (i, a) in ring.iter().enumerate() {
        for b in ring.iter().skip(i + 1) {
            if (a.northing_m - b.northing_m).abs() < 1e-3 && (a.easting_m - b.easting_m).abs() < 1e-3 {
                push(
                    "duplicate_points",
                    format!(
                        "第{part}部分有重复拐点：第{}行 {} 与第{}行 {} 坐标相同",
                        a.line, a.name, b.line, b.name
                    ),
                    format!(
                        "part {part} repeats a point: {} (line {}) and {} (line {}) are the same",
                        a.name, a.line, b.name, b.line
                    ),
                );
            }
        }
    }
    let xy: Vec<(f64, f64)> = ring.iter().map(|p| (p.easting_m, p.northing_m)).collect();
    let n = ring.len();
    for (i, j) in self_intersections(&xy) {
        let name = |k: usize| ring.get(k % n).map_or(String::new(), |p| p.name.clone());
        push(
            "self_intersecting",
            format!(
                "第{part}部分自相交：边 {}–{} 与边 {}–{} 交叉",
                name(i),
                name(i + 1),
                name(j),
                name(j + 1)
            ),
            format!(
                "part {part} crosses itself: edge {}–{} crosses edge {}–{}",
                name(i),
                name(i + 1),
                name(j),
                name(j + 1)
            ),
        );
    }
}

impl BoundaryCheck {
    /// A readable Chinese report.
    pub fn summary_zh(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for (i, part) in self.parts.iter().enumerate() {
            let _ = writeln!(
                out,
                "第{}部分 {}：带号 {}（中央经线 {}°），拐点 {} 个",
                i + 1,
                part.name,
                part.zone,
                part.central_meridian_deg,
                part.points.len()
            );
            let _ = writeln!(
                out,
                "  椭球面积 {:.2} 平方米（{:.4} 平方千米），平面面积 {:.2} 平方米",
                part.area_m2,
                part.area_m2 / 1e6,
                part.planar_area_m2
            );
            if let (Some(top), Some(floor)) = (part.elevation_top_m, part.elevation_floor_m) {
                let _ = writeln!(out, "  开采标高 {top:+.2} 米至 {floor:+.2} 米");
            }
            let _ = writeln!(
                out,
                "  点号        X（北）          Y（东）          经度            纬度"
            );
            for p in part.points.iter().chain(part.holes.iter().flatten()) {
                let _ = writeln!(
                    out,
                    "  {:<8} {:>14.3} {:>16.3}   {:>13.8}   {:>12.8}",
                    p.name, p.x, p.y, p.lon, p.lat
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(out, "说明：{}", n.message_zh);
        }
        if self.problems.is_empty() {
            let _ = writeln!(out, "未发现问题。");
        } else {
            let _ = writeln!(out, "发现问题 {} 项：", self.problems.len());
            for p in &self.problems {
                let _ = writeln!(out, "  {}", p.message_zh);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = "J1, 2710000.000, 37500000.000\nJ2, 2710000.000, 37501000.000\n\
                          J3, 2709000.000, 37501000.000\nJ4, 2709000.000, 37500000.000\n";

    #[test]
    fn a_square_kilometre_on_the_central_meridian() {
        let check = check(SQUARE, None).unwrap();
        let part = &check.parts[0];
        assert_eq!((part.zone, part.central_meridian_deg), (37, 111.0));
        assert_eq!(part.planar_area_m2, 1e6);
        // On the central meridian the scale is 1: the ellipsoidal area is within 0.01 % of 1 km².
        assert!((part.area_m2 - 1e6).abs() < 100.0, "{}", part.area_m2);
        assert_eq!(part.points[0].y, 37_500_000.0);
        assert!((part.points[0].lon - 111.0).abs() < 1e-9);
        assert!(check.problems.is_empty());
    }

    #[test]
    fn problems_name_the_part_and_the_points() {
        let text = "1, 2710000, 37500000\n2, 2710000, 37501000\n3, 2709000, 37501000\n4, 2709000, 37500000\n\
                    5, 2710000, 37501000\n1, 2710000.5, 37500000\n";
        let found = check(text, None).unwrap();
        let kinds: Vec<&str> = found.problems.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, ["unclosed", "duplicate_points"]);
        assert_eq!(
            found.problems[0].message_zh,
            "第1部分未闭合：第6行的闭合点 1 与第1行的起点相距 0.500 米"
        );
        assert_eq!(
            found.problems[1].message_zh,
            "第1部分有重复拐点：第2行 2 与第5行 5 坐标相同"
        );
        // A bow tie: edges 2–3 and 4–1 cross.
        let bow = "1, 2710000, 37500000\n2, 2710000, 37501000\n3, 2709000, 37500000\n4, 2709000, 37501000\n";
        let crossed = check(bow, None).unwrap();
        assert_eq!(crossed.problems.len(), 1);
        assert_eq!(
            crossed.problems[0].message_zh,
            "第1部分自相交：边 2–3 与边 4–1 交叉"
        );
    }

    #[test]
    fn points_beyond_the_zone_edge_are_reported_once_per_part() {
        // 180 km east of the central meridian at 24.5°N: 0.28° beyond the edge, an extended zone.
        let text = "1, 2710000, 37680000\n2, 2710000, 37681000\n3, 2709000, 37681000\n";
        let extended = check(text, None).unwrap();
        assert!(extended.problems.is_empty(), "{:?}", extended.problems);
        let notes: Vec<_> = extended
            .notes
            .iter()
            .filter(|n| n.kind == "extended_zone")
            .collect();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].message_zh.contains("1、2、3"), "{}", notes[0].message_zh);
        // 400 km east: far beyond any extended zone, once for the part, not once per point.
        let text = "1, 2710000, 37900000\n2, 2710000, 37901000\n3, 2709000, 37901000\n4, 2709000, 37900000\n";
        let far = check(text, None).unwrap();
        assert_eq!(far.problems.len(), 1, "{:?}", far.problems);
        assert_eq!(far.problems[0].kind, "outside_zone");
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../fixtures/corners/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// What `fixtures/corners/proj_reference.py` recorded with PROJ.
    fn expected(list: &str) -> Vec<Vec<String>> {
        fixture("expected.tsv")
            .lines()
            .filter(|l| l.starts_with(list))
            .map(|l| l.split('\t').skip(1).map(str::to_string).collect())
            .collect()
    }

    /// A published table copied cell by cell from a web page: three parts, points in numbered order,
    /// each part's elevation and declared area; areas within 0.01 % of PROJ's.
    #[test]
    fn a_published_flattened_table_parses_exactly_with_proj_areas() {
        let checked = check(&fixture("ningbo_guanshantou_2019_flattened.txt"), None).unwrap();
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        assert_eq!(checked.parts.len(), 3);
        let names: Vec<&str> = checked.parts[2].points.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["J11", "J12", "J13", "J14", "J15", "J16"]);
        assert_eq!(checked.parts[1].elevation_top_m, Some(21.6));
        assert_eq!(checked.parts[1].elevation_floor_m, Some(3.94));
        for (row, part) in expected("ningbo_guanshantou_2019_flattened.txt")
            .iter()
            .zip(&checked.parts)
        {
            let planar: f64 = row[1].parse().unwrap();
            let ellipsoidal: f64 = row[2].parse().unwrap();
            assert!(
                (part.planar_area_m2 - planar).abs() / planar < 1e-4,
                "{} vs {planar}",
                part.planar_area_m2
            );
            assert!(
                (part.area_m2 - ellipsoidal).abs() / ellipsoidal < 1e-4,
                "{} vs {ellipsoidal}",
                part.area_m2
            );
        }
        let declared: Vec<_> = checked
            .notes
            .iter()
            .filter(|n| n.kind.starts_with("declared_area"))
            .collect();
        assert_eq!(declared.len(), 3, "{:?}", checked.notes);
        assert!(declared.iter().all(|n| n.kind == "declared_area"), "{declared:?}");
        assert!(
            declared[0].message_zh.contains("17269㎡"),
            "{}",
            declared[0].message_zh
        );
    }

    /// The same points as longitude/latitude (written by PROJ) convert back to the published
    /// coordinates within a millimetre, in every angle format.
    #[test]
    fn longitude_latitude_lists_convert_to_the_published_coordinates() {
        let published = check(&fixture("ningbo_guanshantou_2019_flattened.txt"), None).unwrap();
        for name in [
            "ningbo_lonlat_dms_by_proj.txt",
            "ningbo_lonlat_decimal_by_proj.txt",
            "ningbo_lonlat_packed_by_proj.txt",
        ] {
            let converted = check(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(converted.parts.len(), 3, "{name}");
            assert!(
                converted.notes.iter().any(|n| n.message_zh.contains("第 41 带")),
                "{name}: {:?}",
                converted.notes
            );
            for (a, b) in published.parts.iter().zip(&converted.parts) {
                for (p, q) in a.points.iter().zip(&b.points) {
                    // Rounding of what was written: 0.001″ (≈ 3 cm), 0.0001″, 10⁻⁹ degree.
                    let tolerance = match name {
                        n if n.contains("dms") => 0.02,
                        n if n.contains("packed") => 0.005,
                        _ => 0.001,
                    };
                    assert!(
                        (p.x - q.x).abs() < tolerance && (p.y - q.y).abs() < tolerance,
                        "{name} {}: {p:?} vs {q:?}",
                        p.name
                    );
                }
            }
        }
    }

    /// Geodesic areas from PROJ's `Geod` (fixtures/proj/make_reference.py): within 0.01 %.
    #[test]
    fn ellipsoidal_areas_agree_with_a_geodesic_reference() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/proj/polygon_areas.json");
        let reference: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let polygons = reference["polygons"].as_array().unwrap();
        assert_eq!(polygons.len(), 3);
        for polygon in polygons {
            let expected = polygon["area_m2"].as_f64().unwrap();
            let found = check(polygon["text"].as_str().unwrap(), None).unwrap();
            let area = found.parts[0].area_m2;
            assert!(
                ((area - expected) / expected).abs() < 1e-4,
                "{}: {area} vs {expected}",
                polygon["name"]
            );
        }
    }

    #[test]
    fn the_zone_comes_from_the_prefix_or_must_be_given() {
        let plain = SQUARE.replace(", 375", ", 5");
        assert_eq!(check(&plain, None).unwrap_err(), BoundaryCheckError::NoZone);
        let given = check(&plain, Some(37)).unwrap();
        assert_eq!(given.parts[0].points[0].y, 500_000.0);
        assert_eq!(
            check(SQUARE, Some(36)).unwrap_err(),
            BoundaryCheckError::ZoneConflict { given: 36, found: 37 }
        );
        assert_eq!(
            check(&plain, Some(60)).unwrap_err(),
            BoundaryCheckError::BadZone(60)
        );
        assert!(matches!(
            check("1, 2710000, 3750000O\n", None).unwrap_err(),
            BoundaryCheckError::Points(CornerPointError::Malformed { line: 1, .. })
        ));
    }
}
