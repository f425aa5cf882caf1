//! The licence a survey is checked against: the `--licence` JSON of `orewatch survey compare`.
//!
//! ```json
//! {"licence_no": "C4502232009127130012001", "mine_name": "…", "mineral": "建筑石料用灰岩",
//!  "method": "open_pit", "crs": "EPSG:4525", "boundary": "1, 2708250.00, 37373200.00\n…",
//!  "elevation_top_m": 320.0, "elevation_floor_m": 200.0, "annual_output_10kt": 80.0,
//!  "density_t_m3": 2.7, "valid_from": "2021-03-01", "valid_to": "2027-02-28"}
//! ```
//! Parsing checks every field once, so the engine can trust a [`Licence`].

use crate::corners::{CornerPoint, CornerPointError, CornerPoints, Part};
use crate::crs::{zone_central_meridian, CrsError, ProjectedCrs};
use crate::parcel::Parcel;
use serde::Deserialize;

/// A mining licence, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Licence {
    pub licence_no: String,
    pub mine_name: String,
    pub mineral: String,
    pub method: String,
    /// The CRS the licence's coordinates are published in.
    pub crs: ProjectedCrs,
    pub boundary: CornerPoints,
    pub elevation_top_m: f64,
    pub elevation_floor_m: f64,
    /// Licensed production scale, 10⁴ t per year (万吨/年).
    pub annual_output_10kt: f64,
    /// Ore density (体重), t/m³.
    pub density_t_m3: f64,
    pub valid_from: String,
    pub valid_to: String,
}

/// What the registry and the configuration give a licence besides its boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceFigures {
    pub licence_no: String,
    pub mine_name: String,
    pub mineral: String,
    pub method: String,
    pub elevation_top_m: f64,
    pub elevation_floor_m: f64,
    pub annual_output_10kt: f64,
    pub density_t_m3: f64,
    pub valid_from: String,
    pub valid_to: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LicenceJson {
    licence_no: String,
    #[serde(default)]
    mine_name: String,
    #[serde(default)]
    mineral: String,
    #[serde(default)]
    method: String,
    crs: String,
    boundary: String,
    elevation_top_m: f64,
    elevation_floor_m: f64,
    annual_output_10kt: f64,
    density_t_m3: f64,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

/// Why a licence file could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LicenceError {
    #[error("许可证 JSON 第{line}行第{column}列：{message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("许可证字段 boundary（矿区范围拐点）{0}")]
    Boundary(CornerPointError),
    #[error("许可证字段 crs：{0}")]
    Crs(CrsError),
    #[error("许可证字段 {field}：{problem}")]
    Field { field: &'static str, problem: String },
}

impl Licence {
    /// Parses the licence JSON.
    pub fn from_json(text: &str) -> Result<Self, LicenceError> {
        let raw: LicenceJson = serde_json::from_str(text).map_err(|e| LicenceError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let crs = ProjectedCrs::parse(&raw.crs).map_err(LicenceError::Crs)?;
        let boundary = CornerPoints::parse(&raw.boundary).map_err(LicenceError::Boundary)?;
        let field = |field: &'static str, problem: &str| LicenceError::Field {
            field,
            problem: problem.to_string(),
        };
        if raw.licence_no.trim().is_empty() {
            return Err(field("licence_no", "不能为空"));
        }
        for (name, value) in [
            ("elevation_top_m", raw.elevation_top_m),
            ("elevation_floor_m", raw.elevation_floor_m),
        ] {
            if !value.is_finite() {
                return Err(field(name, "不是有效数字"));
            }
        }
        if raw.elevation_top_m <= raw.elevation_floor_m {
            return Err(field("elevation_floor_m", "开采标高下限必须低于上限"));
        }
        if !(raw.annual_output_10kt.is_finite() && raw.annual_output_10kt > 0.0) {
            return Err(field("annual_output_10kt", "生产规模必须大于 0"));
        }
        if !(raw.density_t_m3.is_finite() && raw.density_t_m3 > 0.5 && raw.density_t_m3 < 10.0) {
            return Err(field("density_t_m3", "矿石体重应在 0.5–10 t/m³ 之间"));
        }
        if let Some(zone) = boundary.zone {
            let cm = crs.central_meridian_deg;
            if zone_central_meridian(zone) != Some(cm) {
                return Err(field(
                    "boundary",
                    &format!(
                        "拐点坐标的带号 {zone} 与坐标系 {}（中央经线 {cm}°）不一致",
                        crs.label()
                    ),
                ));
            }
        }
        Ok(Self {
            licence_no: raw.licence_no.trim().to_string(),
            mine_name: raw.mine_name,
            mineral: raw.mineral,
            method: raw.method,
            crs,
            boundary,
            elevation_top_m: raw.elevation_top_m,
            elevation_floor_m: raw.elevation_floor_m,
            annual_output_10kt: raw.annual_output_10kt,
            density_t_m3: raw.density_t_m3,
            valid_from: raw.valid_from,
            valid_to: raw.valid_to,
        })
    }

    /// A licence from the registry: its stored parcel (eastings without the zone prefix, in the
    /// parcel's zone) and the figures the registry and the configuration give. The caller has checked
    /// the figures ([`orewatch_domain`]'s yardstick rules); this only assembles them.
    pub fn from_parcel(parcel: &Parcel, figures: LicenceFigures) -> Result<Self, LicenceError> {
        let crs = match parcel.zone {
            25..=45 => ProjectedCrs::gauss_kruger_3deg(parcel.zone, true),
            13..=23 => ProjectedCrs::from_epsg(4491 + parcel.zone - 13).map_err(LicenceError::Crs)?,
            other => {
                return Err(LicenceError::Field {
                    field: "zone",
                    problem: format!("带号 {other} 不是中国的 3 度带或 6 度带"),
                })
            }
        };
        let points = |ring: &[(f64, f64)]| -> Vec<CornerPoint> {
            ring.iter()
                .enumerate()
                .map(|(i, &(easting_m, northing_m))| CornerPoint {
                    name: (i + 1).to_string(),
                    line: 0,
                    northing_m,
                    easting_m,
                })
                .collect()
        };
        let boundary = CornerPoints {
            zone: Some(parcel.zone),
            parts: parcel
                .parts
                .iter()
                .map(|part| Part {
                    label: Some(part.name.clone()),
                    outer: points(&part.outer),
                    holes: part.holes.iter().map(|h| points(h)).collect(),
                    elevation: None,
                })
                .collect(),
            notes: Vec::new(),
            declared_areas: Vec::new(),
            datum: None,
        };
        Ok(Self {
            licence_no: figures.licence_no,
            mine_name: figures.mine_name,
            mineral: figures.mineral,
            method: figures.method,
            crs,
            boundary,
            elevation_top_m: figures.elevation_top_m,
            elevation_floor_m: figures.elevation_floor_m,
            annual_output_10kt: figures.annual_output_10kt,
            density_t_m3: figures.density_t_m3,
            valid_from: figures.valid_from,
            valid_to: figures.valid_to,
        })
    }

    /// The CRS of the boundary's coordinates as parsed (eastings without the zone prefix).
    pub fn boundary_crs(&self) -> ProjectedCrs {
        ProjectedCrs {
            false_easting_m: self.crs.false_easting_m - self.crs.false_easting_m.div_euclid(1e6) * 1e6,
            epsg: None,
            ..self.crs.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = r#"{"licence_no": "C4502232009127130012001", "mine_name": "示例采石场",
        "mineral": "建筑石料用灰岩", "method": "open_pit", "crs": "EPSG:4525",
        "boundary": "1, 2708250.00, 37373200.00\n2, 2708235.00, 37373620.00\n3, 2707900.00, 37373600.00\n4, 2707910.00, 37373210.00",
        "elevation_top_m": 320.0, "elevation_floor_m": 200.0, "annual_output_10kt": 80.0,
        "density_t_m3": 2.7, "valid_from": "2021-03-01", "valid_to": "2027-02-28"}"#;

    #[test]
    fn the_sample_licence_parses() {
        let licence = Licence::from_json(SAMPLE).unwrap();
        assert_eq!(licence.boundary.zone, Some(37));
        assert_eq!(licence.boundary.parts[0].outer.len(), 4);
        assert_eq!(licence.boundary_crs().false_easting_m, 500_000.0);
        assert_eq!(
            licence.boundary_crs().easting_offset_to(&licence.crs).unwrap(),
            37e6
        );
    }

    #[test]
    fn a_registry_parcel_gives_the_same_licence_as_its_json() {
        let json = Licence::from_json(SAMPLE).unwrap();
        let text = "1, 2708250.00, 37373200.00\n2, 2708235.00, 37373620.00\n3, 2707900.00, 37373600.00\n4, 2707910.00, 37373210.00";
        let parcel = Parcel::from_text(text, 37).unwrap();
        let from_parcel = Licence::from_parcel(
            &parcel,
            LicenceFigures {
                licence_no: json.licence_no.clone(),
                mine_name: json.mine_name.clone(),
                mineral: json.mineral.clone(),
                method: json.method.clone(),
                elevation_top_m: 320.0,
                elevation_floor_m: 200.0,
                annual_output_10kt: 80.0,
                density_t_m3: 2.7,
                valid_from: json.valid_from.clone(),
                valid_to: json.valid_to.clone(),
            },
        )
        .unwrap();
        assert_eq!(from_parcel.crs, json.crs);
        assert_eq!(from_parcel.boundary_crs(), json.boundary_crs());
        let rings = |l: &Licence| -> Vec<Vec<(f64, f64)>> {
            l.boundary
                .parts
                .iter()
                .map(|p| p.outer.iter().map(|c| (c.easting_m, c.northing_m)).collect())
                .collect()
        };
        assert_eq!(rings(&from_parcel), rings(&json));
        assert_eq!(from_parcel.elevation_floor_m, json.elevation_floor_m);
    }

    #[test]
    fn errors_name_the_field_or_the_line() {
        let err = Licence::from_json("{\"licence_no\": \"C1\",\n \"crs\": 4525}").unwrap_err();
        assert!(matches!(err, LicenceError::Json { line: 2, .. }), "{err}");
        let bad_point = SAMPLE.replace("2707900.00, 37373600.00", "2707900.00; 3737x3600.00");
        let err = Licence::from_json(&bad_point).unwrap_err();
        assert_eq!(
            err.to_string(),
            "许可证字段 boundary（矿区范围拐点）第3行：无法识别的拐点坐标 “3, 2707900.00; 3737x3600.00”"
        );
        let other_zone = SAMPLE.replace("EPSG:4525", "EPSG:4524");
        assert!(matches!(
            Licence::from_json(&other_zone).unwrap_err(),
            LicenceError::Field {
                field: "boundary",
                ..
            }
        ));
        let inverted = SAMPLE.replace("\"elevation_floor_m\": 200.0", "\"elevation_floor_m\": 400.0");
        assert!(matches!(
            Licence::from_json(&inverted).unwrap_err(),
            LicenceError::Field {
                field: "elevation_floor_m",
                ..
            }
        ));
        let plain = SAMPLE.replace("EPSG:4525", "EPSG:4546");
        let licence = Licence::from_json(&plain).unwrap();
        assert_eq!(
            licence.boundary_crs().easting_offset_to(&licence.crs).unwrap(),
            0.0
        );
    }
}
