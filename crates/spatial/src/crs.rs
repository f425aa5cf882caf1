//! Projected coordinate reference systems: which transverse Mercator a grid or a licence is in, and
//! whether two of them can be reconciled.
//!
//! Orewatch works in CGCS2000 Gauss-Krüger (DOMAIN.md §6): 3-degree zones with the zone number as an
//! easting prefix (EPSG:4513–4533) or without it (EPSG:4534–4554), and the 6-degree zones
//! (EPSG:4491–4512). Two CRSs are *reconcilable* when they are the same projection on the same datum and
//! differ only in false easting (the prefix convention): coordinates then convert by adding a constant.
//! Anything else — another zone, another datum — is refused, never guessed. UTM on WGS 84 or ETRS89 is
//! understood as well (real test rasters use it). What must not live here: the projection formulas
//! ([`crate::tmerc`]).

use crate::tmerc::{TransverseMercator, CGCS2000_A, CGCS2000_INV_F};

/// A geodetic datum, as far as reconciliation needs to know.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Datum {
    Cgcs2000,
    Wgs84,
    Etrs89,
    /// Another datum (Xian 1980, Beijing 1954, …): named for messages; never reconciled with others.
    Other(String),
}

impl Datum {
    pub fn name(&self) -> &str {
        match self {
            Datum::Cgcs2000 => "CGCS2000",
            Datum::Wgs84 => "WGS 84",
            Datum::Etrs89 => "ETRS89",
            Datum::Other(name) => name,
        }
    }
}

/// A transverse Mercator CRS (serialised with its parameters, so an outline kept as evidence can be
/// moved into a later grid's CRS exactly).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProjectedCrs {
    pub datum: Datum,
    pub central_meridian_deg: f64,
    pub latitude_of_origin_deg: f64,
    pub scale: f64,
    pub false_easting_m: f64,
    pub false_northing_m: f64,
    /// The EPSG code, when it came from one.
    pub epsg: Option<u32>,
}

/// Why a CRS is not usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    #[error("不支持的坐标系 {0}（应为 CGCS2000 高斯-克吕格投影，如 EPSG:4525 或 EPSG:4546）")]
    Unsupported(String),
    #[error("坐标系不一致：{a} 与 {b} 的中央经线、基准或投影参数不同，不能换算（不同带号或不同基准）")]
    Irreconcilable { a: String, b: String },
}

impl ProjectedCrs {
    /// A CGCS2000 3-degree Gauss-Krüger zone (`prefixed`: easting carries the zone number).
    pub fn gauss_kruger_3deg(zone: u32, prefixed: bool) -> Self {
        let false_easting_m = if prefixed {
            f64::from(zone) * 1e6 + 500_000.0
        } else {
            500_000.0
        };
        let epsg = match (zone, prefixed) {
            (25..=45, true) => Some(4513 + zone - 25),
            (25..=45, false) => Some(4534 + zone - 25),
            _ => None,
        };
        Self {
            datum: Datum::Cgcs2000,
            central_meridian_deg: f64::from(zone) * 3.0,
            latitude_of_origin_deg: 0.0,
            scale: 1.0,
            false_easting_m,
            false_northing_m: 0.0,
            epsg,
        }
    }

    /// From an EPSG code (CGCS2000 Gauss-Krüger, UTM on WGS 84 or ETRS89).
    pub fn from_epsg(code: u32) -> Result<Self, CrsError> {
        let tm = |datum, central_meridian_deg, scale, false_easting_m, false_northing_m| Self {
            datum,
            central_meridian_deg,
            latitude_of_origin_deg: 0.0,
            scale,
            false_easting_m,
            false_northing_m,
            epsg: Some(code),
        };
        Ok(match code {
            4513..=4533 => Self::gauss_kruger_3deg(code - 4513 + 25, true),
            4534..=4554 => Self::gauss_kruger_3deg(code - 4534 + 25, false),
            // 6-degree zones 13–23 with the zone prefix, then the same without it.
            4491..=4501 => {
                let zone = code - 4491 + 13;
                tm(
                    Datum::Cgcs2000,
                    f64::from(zone) * 6.0 - 3.0,
                    1.0,
                    f64::from(zone) * 1e6 + 500_000.0,
                    0.0,
                )
            }
            4502..=4512 => {
                let zone = code - 4502 + 13;
                tm(Datum::Cgcs2000, f64::from(zone) * 6.0 - 3.0, 1.0, 500_000.0, 0.0)
            }
            32601..=32660 => tm(Datum::Wgs84, utm_meridian(code - 32600), 0.9996, 500_000.0, 0.0),
            32701..=32760 => tm(
                Datum::Wgs84,
                utm_meridian(code - 32700),
                0.9996,
                500_000.0,
                10_000_000.0,
            ),
            25828..=25838 => tm(Datum::Etrs89, utm_meridian(code - 25800), 0.9996, 500_000.0, 0.0),
            _ => return Err(CrsError::Unsupported(format!("EPSG:{code}"))),
        })
    }

    /// From text such as `EPSG:4525`.
    pub fn parse(text: &str) -> Result<Self, CrsError> {
        let trimmed = text.trim();
        let code = trimmed
            .strip_prefix("EPSG:")
            .or_else(|| trimmed.strip_prefix("epsg:"))
            .and_then(|c| c.trim().parse::<u32>().ok())
            .ok_or_else(|| CrsError::Unsupported(trimmed.to_string()))?;
        Self::from_epsg(code)
    }

    /// A short name for messages and reports: `EPSG:4525` or the parameters.
    pub fn label(&self) -> String {
        match self.epsg {
            Some(code) => format!("EPSG:{code}"),
            None => format!(
                "{} TM(中央经线 {}°, 比例 {}, 东偏 {} m)",
                self.datum.name(),
                self.central_meridian_deg,
                self.scale,
                self.false_easting_m
            ),
        }
    }

    /// The constant to add to an easting in `self` to get the easting in `other`; an error when the two
    /// are different projections.
    pub fn easting_offset_to(&self, other: &ProjectedCrs) -> Result<f64, CrsError> {
        let same = self.datum == other.datum
            && (self.central_meridian_deg - other.central_meridian_deg).abs() < 1e-9
            && (self.latitude_of_origin_deg - other.latitude_of_origin_deg).abs() < 1e-9
            && (self.scale - other.scale).abs() < 1e-12
            && (self.false_northing_m - other.false_northing_m).abs() < 1e-6;
        if !same {
            return Err(CrsError::Irreconcilable {
                a: self.label(),
                b: other.label(),
            });
        }
        Ok(other.false_easting_m - self.false_easting_m)
    }

    /// The projection, for converting to longitude/latitude (CGCS2000 and GRS80 ellipsoids; WGS 84's
    /// differs from GRS80 by 0.1 mm in the semi-minor axis, which does not matter here).
    pub fn projection(&self) -> TransverseMercator {
        TransverseMercator::new(
            CGCS2000_A,
            CGCS2000_INV_F,
            self.central_meridian_deg,
            self.scale,
            self.false_easting_m,
            self.false_northing_m,
        )
    }
}

/// Central meridian of a Gauss-Krüger zone number as written in an easting prefix: 3-degree zones
/// 25–45 (meridian 3n), 6-degree zones 13–23 (meridian 6n − 3); China uses no other numbers.
pub fn zone_central_meridian(zone: u32) -> Option<f64> {
    match zone {
        25..=45 => Some(f64::from(zone) * 3.0),
        13..=23 => Some(f64::from(zone) * 6.0 - 3.0),
        _ => None,
    }
}

fn utm_meridian(zone: u32) -> f64 {
    f64::from(zone) * 6.0 - 183.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_and_plain_codes_of_one_zone_reconcile_by_the_prefix() {
        let prefixed = ProjectedCrs::from_epsg(4525).unwrap();
        let plain = ProjectedCrs::from_epsg(4546).unwrap();
        assert_eq!(Some(prefixed.central_meridian_deg), zone_central_meridian(37));
        assert_eq!(plain.central_meridian_deg, 111.0);
        assert_eq!(plain.easting_offset_to(&prefixed).unwrap(), 37_000_000.0);
        assert_eq!(prefixed.easting_offset_to(&plain).unwrap(), -37_000_000.0);
    }

    #[test]
    fn another_zone_or_datum_is_refused() {
        let zone37 = ProjectedCrs::from_epsg(4525).unwrap();
        let zone36 = ProjectedCrs::from_epsg(4545).unwrap();
        assert!(matches!(
            zone37.easting_offset_to(&zone36),
            Err(CrsError::Irreconcilable { .. })
        ));
        let utm = ProjectedCrs::from_epsg(32649).unwrap();
        assert!(zone37.easting_offset_to(&utm).is_err());
        let mut xian = zone37.clone();
        xian.datum = Datum::Other("Xian 1980".into());
        assert!(zone37.easting_offset_to(&xian).is_err());
    }

    #[test]
    fn six_degree_zone_19_is_the_same_projection_as_3_degree_zone_37() {
        let six = ProjectedCrs::from_epsg(4497).unwrap();
        assert_eq!(six.central_meridian_deg, 111.0);
        let three = ProjectedCrs::from_epsg(4546).unwrap();
        assert_eq!(three.easting_offset_to(&six).unwrap(), 19_000_000.0);
    }

    #[test]
    fn text_codes_parse_and_unknown_ones_are_named() {
        assert_eq!(ProjectedCrs::parse(" EPSG:4525 ").unwrap().epsg, Some(4525));
        assert_eq!(
            ProjectedCrs::parse("EPSG:4326").unwrap_err().to_string(),
            "不支持的坐标系 EPSG:4326（应为 CGCS2000 高斯-克吕格投影，如 EPSG:4525 或 EPSG:4546）"
        );
        assert!(ProjectedCrs::parse("zone 37").is_err());
        assert_eq!(ProjectedCrs::from_epsg(25833).unwrap().central_meridian_deg, 15.0);
    }
}
