//! A licence's boundary as the registry keeps it (a "parcel"): the zone, each part's rings in
//! Gauss-Krüger metres (easting *without* the zone prefix, false easting 500 000 m), its elevation
//! range, the ellipsoidal and planar area, and the bounding box. It serialises to JSON for storage.
//!
//! [`Parcel::from_text`] refuses what [`crate::boundary_check`] finds wrong (unclosed rings, repeated
//! points, crossing edges, points beyond the zone), so a stored parcel is always a valid polygon.
//! [`Parcel::overlap_area_m2`] measures the planar area two parcels share (geo's boolean operations),
//! moving one into the other's zone through longitude/latitude when their zones differ.

use crate::boundary_check::{check_with, BoundaryCheckError};
use crate::corners::{CornerPointError, CornerPoints, ParseOptions};
use crate::crs::zone_central_meridian;
use crate::polygon::{shoelace, Ring};
use crate::tmerc::{TransverseMercator, CGCS2000_A, CGCS2000_INV_F};
use geo::{Area, BooleanOps, InteriorPoint, LineString, MultiPolygon, Polygon};
use geographiclib_rs::{Geodesic, PolygonArea, Winding};
use serde::{Deserialize, Serialize};

/// How the coordinates of a GIS layer are given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coordinates {
    /// Longitude, latitude in degrees (CGCS2000; WGS 84 differs by centimetres).
    LonLat,
    /// Gauss-Krüger easting, northing in metres of a 3-degree zone.
    GaussKruger { zone: u32, prefixed: bool },
}

/// Why a layer's coordinate cannot be what its coordinate system says, if it cannot.
fn implausible(x: f64, y: f64, coordinates: Coordinates) -> Option<String> {
    if !x.is_finite() || !y.is_finite() {
        return Some("有无效坐标".into());
    }
    match coordinates {
        Coordinates::LonLat if !(73.0..=136.0).contains(&x) || !(3.0..=54.0).contains(&y) => Some(format!(
            "经度 {x}、纬度 {y} 不在中国境内（东经73°–136°，北纬3°–54°）；如果坐标是以米为单位的投影坐标，\
             请在文件中注明坐标系（如 EPSG:4525）"
        )),
        Coordinates::GaussKruger { zone, prefixed } => {
            let easting = if prefixed { x - f64::from(zone) * 1e6 } else { x };
            (!(0.0..=1_000_000.0).contains(&easting) || !(0.0..=6_200_000.0).contains(&y)).then(|| {
                format!(
                    "坐标 ({x}, {y}) 不在 CGCS2000 3度带第 {zone} 带的范围内{}",
                    if prefixed {
                        "（东坐标应带带号）"
                    } else {
                        "（东坐标应不带带号）"
                    }
                )
            })
        }
        Coordinates::LonLat => None,
    }
}

/// One part (矿段/开采区).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParcelPart {
    pub name: String,
    pub outer: Ring,
    pub holes: Vec<Ring>,
    pub elevation_top_m: Option<f64>,
    pub elevation_floor_m: Option<f64>,
}

/// A stored boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parcel {
    /// 3-degree (or 6-degree) zone of the coordinates.
    pub zone: u32,
    pub parts: Vec<ParcelPart>,
    /// Ellipsoidal (geodesic) area, m², holes subtracted.
    pub area_m2: f64,
    /// Gauss-Krüger plane area, m².
    pub planar_area_m2: f64,
    /// (min easting, min northing, max easting, max northing) over all parts.
    pub bbox: [f64; 4],
}

/// Why corner-point text cannot become a parcel.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParcelError {
    /// The text could not be read; the message names the line.
    #[error("{0}")]
    Points(#[from] CornerPointError),
    #[error("带号 {0} 不是中国的 3 度带（25–45）或 6 度带（13–23）")]
    BadZone(u32),
    /// The geometry is wrong; each message names the part and the points.
    #[error("{}", .0.join("；"))]
    Geometry(Vec<String>),
}

impl Parcel {
    /// Reads corner-point text; `default_zone` is used when the eastings carry no zone prefix.
    pub fn from_text(text: &str, default_zone: u32) -> Result<Self, ParcelError> {
        Self::from_text_with(text, default_zone, &ParseOptions::default())
    }

    /// [`Parcel::from_text`] with parse options (configured old-datum parameters).
    pub fn from_text_with(
        text: &str,
        default_zone: u32,
        options: &ParseOptions,
    ) -> Result<Self, ParcelError> {
        let points = CornerPoints::parse_with(text, options)?;
        let zone = points.zone.unwrap_or(default_zone);
        let checked = check_with(text, Some(zone), options).map_err(|e| match e {
            BoundaryCheckError::Points(p) => ParcelError::Points(p),
            BoundaryCheckError::BadZone(z) => ParcelError::BadZone(z),
            other => ParcelError::Geometry(vec![other.to_string()]),
        })?;
        if !checked.problems.is_empty() {
            return Err(ParcelError::Geometry(
                checked.problems.iter().map(|p| p.message_zh.clone()).collect(),
            ));
        }
        let ring = |pts: &[crate::corners::CornerPoint]| -> Ring {
            pts.iter().map(|p| (p.easting_m, p.northing_m)).collect()
        };
        let parts: Vec<ParcelPart> = points
            .parts
            .iter()
            .zip(&checked.parts)
            .map(|(part, c)| ParcelPart {
                name: c.name.clone(),
                outer: ring(&part.outer),
                holes: part.holes.iter().map(|h| ring(h)).collect(),
                elevation_top_m: c.elevation_top_m,
                elevation_floor_m: c.elevation_floor_m,
            })
            .collect();
        let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for &(e, n) in parts.iter().flat_map(|p| p.outer.iter()) {
            bbox = [bbox[0].min(e), bbox[1].min(n), bbox[2].max(e), bbox[3].max(n)];
        }
        Ok(Self {
            zone,
            area_m2: checked.parts.iter().map(|p| p.area_m2).sum(),
            planar_area_m2: checked.parts.iter().map(|p| p.planar_area_m2).sum(),
            parts,
            bbox,
        })
    }

    /// A parcel from polygons of a GIS layer: each polygon is rings of (x, y), the first the outer ring
    /// and the rest holes, in longitude/latitude (CGCS2000) or in Gauss-Krüger metres of a zone (with
    /// or without the zone prefix on the easting). A closing point equal to the first is dropped.
    pub fn from_polygons(
        polygons: &[Vec<Vec<(f64, f64)>>],
        coordinates: Coordinates,
    ) -> Result<Self, ParcelError> {
        let first = polygons
            .iter()
            .flat_map(|p| p.iter())
            .flat_map(|r| r.iter())
            .next()
            .copied()
            .ok_or_else(|| ParcelError::Geometry(vec!["没有多边形".into()]))?;
        // Coordinates far outside what the layer claims to be (a projected layer read as longitude and
        // latitude, a typo) are named before any zone is derived from them.
        for (index, polygon) in polygons.iter().enumerate() {
            for &(x, y) in polygon.iter().flatten() {
                if let Some(problem) = implausible(x, y, coordinates) {
                    return Err(ParcelError::Geometry(vec![format!(
                        "第{}个多边形：{problem}",
                        index + 1
                    )]));
                }
            }
        }
        let (zone, prefix) = match coordinates {
            // In range: 73°–136° gives zones 24–45.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Coordinates::LonLat => ((first.0 / 3.0).round() as u32, 0.0),
            Coordinates::GaussKruger { zone, prefixed } => {
                (zone, if prefixed { f64::from(zone) * 1e6 } else { 0.0 })
            }
        };
        let cm = zone_central_meridian(zone).ok_or(ParcelError::BadZone(zone))?;
        let projection = TransverseMercator::gauss_kruger(cm, 500_000.0);
        let geodesic = Geodesic::new(CGCS2000_A, 1.0 / CGCS2000_INV_F);
        let mut parts = Vec::new();
        let mut area_m2 = 0.0;
        let mut planar_area_m2 = 0.0;
        for (index, polygon) in polygons.iter().enumerate() {
            let mut rings: Vec<Ring> = Vec::new();
            for (ring_index, raw) in polygon.iter().enumerate() {
                let mut ring: Vec<(f64, f64)> = raw.clone();
                if ring.len() > 1 && ring.first() == ring.last() {
                    ring.pop();
                }
                if ring.len() < 3 || ring.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
                    return Err(ParcelError::Geometry(vec![format!(
                        "第{}个多边形的第{}个环少于3个点或有无效坐标",
                        index + 1,
                        ring_index + 1
                    )]));
                }
                let (lonlat, gk): (Ring, Ring) = ring
                    .iter()
                    .map(|&(x, y)| match coordinates {
                        Coordinates::LonLat => ((x, y), projection.forward(x, y)),
                        Coordinates::GaussKruger { .. } => {
                            (projection.inverse(x - prefix, y), (x - prefix, y))
                        }
                    })
                    .unzip();
                if let Some((i, j)) = crate::polygon::self_intersections(&gk).first() {
                    return Err(ParcelError::Geometry(vec![format!(
                        "第{}个多边形的第{}个环自相交：第{}条边与第{}条边交叉",
                        index + 1,
                        ring_index + 1,
                        i + 1,
                        j + 1
                    )]));
                }
                let mut geodesic_polygon = PolygonArea::new(&geodesic, Winding::CounterClockwise);
                for (lon, lat) in &lonlat {
                    geodesic_polygon.add_point(*lat, *lon);
                }
                let ellipsoidal = geodesic_polygon.compute(true).1.abs();
                let planar = shoelace(&gk).abs();
                let sign = if ring_index == 0 { 1.0 } else { -1.0 };
                area_m2 += sign * ellipsoidal;
                planar_area_m2 += sign * planar;
                rings.push(gk);
            }
            let mut rings = rings.into_iter();
            if let Some(outer) = rings.next() {
                parts.push(ParcelPart {
                    name: format!("第{}部分", index + 1),
                    outer,
                    holes: rings.collect(),
                    elevation_top_m: None,
                    elevation_floor_m: None,
                });
            }
        }
        let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for &(e, n) in parts.iter().flat_map(|p| p.outer.iter()) {
            bbox = [bbox[0].min(e), bbox[1].min(n), bbox[2].max(e), bbox[3].max(n)];
        }
        Ok(Self {
            zone,
            parts,
            area_m2,
            planar_area_m2,
            bbox,
        })
    }

    /// The highest top and lowest floor over the parts that give an elevation range.
    pub fn elevation_range(&self) -> (Option<f64>, Option<f64>) {
        let top = self
            .parts
            .iter()
            .filter_map(|p| p.elevation_top_m)
            .reduce(f64::max);
        let floor = self
            .parts
            .iter()
            .filter_map(|p| p.elevation_floor_m)
            .reduce(f64::min);
        (top, floor)
    }

    /// This parcel with its coordinates moved into `zone` (through longitude/latitude); itself when
    /// already there.
    pub fn in_zone(&self, zone: u32) -> Parcel {
        let (Some(from_cm), Some(to_cm)) = (zone_central_meridian(self.zone), zone_central_meridian(zone))
        else {
            return self.clone();
        };
        if zone == self.zone {
            return self.clone();
        }
        let from = TransverseMercator::gauss_kruger(from_cm, 500_000.0);
        let to = TransverseMercator::gauss_kruger(to_cm, 500_000.0);
        let move_ring = |ring: &Ring| -> Ring {
            ring.iter()
                .map(|&(e, n)| {
                    let (lon, lat) = from.inverse(e, n);
                    to.forward(lon, lat)
                })
                .collect()
        };
        let parts: Vec<ParcelPart> = self
            .parts
            .iter()
            .map(|p| ParcelPart {
                outer: move_ring(&p.outer),
                holes: p.holes.iter().map(move_ring).collect(),
                ..p.clone()
            })
            .collect();
        let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for &(e, n) in parts.iter().flat_map(|p| p.outer.iter()) {
            bbox = [bbox[0].min(e), bbox[1].min(n), bbox[2].max(e), bbox[3].max(n)];
        }
        Parcel {
            zone,
            parts,
            bbox,
            ..self.clone()
        }
    }

    fn multipolygon(&self) -> MultiPolygon<f64> {
        let line = |ring: &Ring| LineString::from(ring.clone());
        MultiPolygon::new(
            self.parts
                .iter()
                .map(|p| Polygon::new(line(&p.outer), p.holes.iter().map(line).collect()))
                .collect(),
        )
    }

    /// A point inside the parcel's largest part, where a label can sit (the centre of a concave township
    /// may lie outside it).
    pub fn label_point(&self) -> (f64, f64) {
        let line = |ring: &Ring| LineString::from(ring.clone());
        self.parts
            .iter()
            .max_by(|a, b| shoelace(&a.outer).abs().total_cmp(&shoelace(&b.outer).abs()))
            .and_then(|p| Polygon::new(line(&p.outer), p.holes.iter().map(line).collect()).interior_point())
            .map_or(
                (
                    (self.bbox[0] + self.bbox[2]) / 2.0,
                    (self.bbox[1] + self.bbox[3]) / 2.0,
                ),
                |p| (p.x(), p.y()),
            )
    }

    /// Whether the bounding boxes of two parcels in the same zone meet.
    pub fn bbox_meets(&self, other: &Parcel) -> bool {
        crate::polygon::bbox_meets(self.bbox, other.bbox)
    }

    /// The plane area (m², in this parcel's zone) that the two parcels share.
    pub fn overlap_area_m2(&self, other: &Parcel) -> f64 {
        let other = other.in_zone(self.zone);
        if !self.bbox_meets(&other) {
            return 0.0;
        }
        self.multipolygon()
            .intersection(&other.multipolygon())
            .unsigned_area()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_outside_china_are_named_not_turned_into_a_zone() {
        // Once a longitude of 1.5e10 became "带号 4294967295".
        let square = |x: f64, y: f64| {
            vec![vec![
                (x, y),
                (x + 0.001, y),
                (x + 0.001, y + 0.001),
                (x, y + 0.001),
            ]]
        };
        let err = Parcel::from_polygons(&[square(1.5e10, 24.5)], Coordinates::LonLat).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("不在中国境内") && !text.contains("4294967295"),
            "{text}"
        );
        // Metres read as degrees: the hint says to name the coordinate system.
        let err =
            Parcel::from_polygons(&[square(37_380_000.0, 2_700_000.0)], Coordinates::LonLat).unwrap_err();
        assert!(err.to_string().contains("EPSG:4525"), "{err}");
        let gk = Coordinates::GaussKruger {
            zone: 37,
            prefixed: true,
        };
        let err = Parcel::from_polygons(&[square(380_000.0, 2_700_000.0)], gk).unwrap_err();
        assert!(err.to_string().contains("应带带号"), "{err}");
        assert!(Parcel::from_polygons(&[square(109.7, 24.5)], Coordinates::LonLat).is_ok());
    }

    #[test]
    fn a_label_sits_inside_a_concave_parcel() {
        // A U shape whose bounding-box centre (50, 50 m from the corner) is in the notch.
        let u = "1,2712000,37500000\n2,2712000,37500100\n3,2712100,37500100\n4,2712100,37500070\n\
                 5,2712030,37500070\n6,2712030,37500030\n7,2712100,37500030\n8,2712100,37500000";
        let parcel = Parcel::from_text(u, 37).unwrap();
        let (e, n) = parcel.label_point();
        let ring = &parcel.parts[0].outer;
        assert!(crate::polygon::ring_contains(ring, e, n), "({e}, {n})");
    }

    const SQUARE: &str = "J1, 2712000.00, 37500000.00\nJ2, 2712000.00, 37500100.00\nJ3, 2712100.00, 37500100.00\nJ4, 2712100.00, 37500000.00\n+310m至+180m";

    fn shifted(de: f64, dn: f64) -> String {
        format!(
            "1,{:.2},{:.2}\n2,{:.2},{:.2}\n3,{:.2},{:.2}\n4,{:.2},{:.2}",
            2712000.0 + dn,
            37500000.0 + de,
            2712000.0 + dn,
            37500100.0 + de,
            2712100.0 + dn,
            37500100.0 + de,
            2712100.0 + dn,
            37500000.0 + de
        )
    }

    #[test]
    fn a_square_hectare_is_read_with_its_zone_area_and_elevation() {
        let parcel = Parcel::from_text(SQUARE, 36).unwrap();
        assert_eq!(parcel.zone, 37);
        assert!((parcel.planar_area_m2 - 10_000.0).abs() < 1e-6);
        assert!((parcel.area_m2 - 10_000.0).abs() < 10.0, "{}", parcel.area_m2);
        assert_eq!(parcel.elevation_range(), (Some(310.0), Some(180.0)));
        assert_eq!(parcel.bbox, [500000.0, 2712000.0, 500100.0, 2712100.0]);
    }

    #[test]
    fn unprefixed_points_take_the_default_zone() {
        let text = SQUARE.replace("37500", "500");
        assert_eq!(Parcel::from_text(&text, 37).unwrap().zone, 37);
    }

    #[test]
    fn a_crossing_boundary_is_refused_with_the_edges_named() {
        let bow =
            "J1, 2712000, 37500000\nJ2, 2712100, 37500100\nJ3, 2712000, 37500100\nJ4, 2712100, 37500000";
        let err = Parcel::from_text(bow, 37).unwrap_err();
        assert!(err.to_string().contains("自相交"), "{err}");
    }

    #[test]
    fn a_malformed_line_is_named() {
        let err = Parcel::from_text(
            "J1, 2712000, 37500000\nJ2, 27x2000, 37500100\nJ3, 2712100, 37500100",
            37,
        )
        .unwrap_err();
        assert!(err.to_string().contains("第2行"), "{err}");
    }

    #[test]
    fn overlapping_squares_share_the_hand_computed_area() {
        let a = Parcel::from_text(SQUARE, 37).unwrap();
        let b = Parcel::from_text(&shifted(60.0, 30.0), 37).unwrap();
        assert!((a.overlap_area_m2(&b) - 40.0 * 70.0).abs() < 1e-6);
        let far = Parcel::from_text(&shifted(500.0, 0.0), 37).unwrap();
        assert_eq!(a.overlap_area_m2(&far), 0.0);
        let touching = Parcel::from_text(&shifted(100.0, 0.0), 37).unwrap();
        assert!(a.overlap_area_m2(&touching) < 1e-6);
    }

    #[test]
    fn a_parcel_moved_to_the_next_zone_and_back_is_unchanged() {
        let a = Parcel::from_text(SQUARE, 37).unwrap();
        let back = a.in_zone(36).in_zone(37);
        for (p, q) in a.parts[0].outer.iter().zip(&back.parts[0].outer) {
            assert!((p.0 - q.0).abs() < 1e-4 && (p.1 - q.1).abs() < 1e-4);
        }
        assert!((a.overlap_area_m2(&a.in_zone(36)) - 10_000.0).abs() < 0.5);
    }

    #[test]
    fn a_layer_polygon_in_lonlat_and_in_gauss_kruger_gives_the_same_parcel() {
        let square = Parcel::from_text(SQUARE, 37).unwrap();
        let tm = TransverseMercator::gauss_kruger(111.0, 500_000.0);
        let gk: Vec<(f64, f64)> = square.parts[0].outer.clone();
        let mut lonlat: Vec<(f64, f64)> = gk.iter().map(|&(e, n)| tm.inverse(e, n)).collect();
        lonlat.push(lonlat[0]);
        let from_lonlat = Parcel::from_polygons(&[vec![lonlat]], Coordinates::LonLat).unwrap();
        assert_eq!(from_lonlat.zone, 37);
        assert!(
            (from_lonlat.area_m2 - square.area_m2).abs() < 0.01,
            "{} {}",
            from_lonlat.area_m2,
            square.area_m2
        );
        let prefixed: Vec<(f64, f64)> = gk.iter().map(|&(e, n)| (e + 37e6, n)).collect();
        let from_gk = Parcel::from_polygons(
            &[vec![prefixed]],
            Coordinates::GaussKruger {
                zone: 37,
                prefixed: true,
            },
        )
        .unwrap();
        assert!((from_gk.planar_area_m2 - 10_000.0).abs() < 1e-6);
        assert!(from_gk.overlap_area_m2(&square) > 9_999.0);
    }

    #[test]
    fn a_hole_is_subtracted() {
        let outer = vec![
            (500000.0, 2712000.0),
            (500100.0, 2712000.0),
            (500100.0, 2712100.0),
            (500000.0, 2712100.0),
        ];
        let hole = vec![
            (500040.0, 2712040.0),
            (500060.0, 2712040.0),
            (500060.0, 2712060.0),
            (500040.0, 2712060.0),
        ];
        let p = Parcel::from_polygons(
            &[vec![outer, hole]],
            Coordinates::GaussKruger {
                zone: 37,
                prefixed: false,
            },
        )
        .unwrap();
        assert!((p.planar_area_m2 - 9_600.0).abs() < 1e-6);
    }

    #[test]
    fn a_stored_parcel_reads_back_equal() {
        let a = Parcel::from_text(SQUARE, 37).unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Parcel>(&json).unwrap(), a);
    }
}
