//! Old datums: a corner list published in 1980西安 or 1954北京 coordinates is tens of metres from the
//! same numbers in CGCS2000. The national conversion uses locally published parameters, so a list in
//! an old datum is refused unless the deployment configures them ([`DatumTransform`]); then they are
//! applied and named in the parse notes.

use super::text::DeclaredDatum;
use crate::tmerc::{TransverseMercator, CGCS2000_A, CGCS2000_INV_F};

/// Parameters that take coordinates of an old datum to CGCS2000, as a county publishes them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum DatumTransform {
    /// A plane similarity transformation between the old and the CGCS2000 Gauss-Krüger grids of the
    /// same zone: `x' = dx + k (x cos θ − y sin θ)`, `y' = dy + k (x sin θ + y cos θ)` with `k = 1 +
    /// scale_ppm · 10⁻⁶`, x the northing and y the easting without the zone prefix, θ anticlockwise.
    FourParameter {
        from: DeclaredDatum,
        /// Who published the parameters and for which area (recorded with every conversion).
        name: String,
        dx_m: f64,
        dy_m: f64,
        rotation_arcsec: f64,
        scale_ppm: f64,
    },
    /// Bursa-Wolf seven parameters from the old datum's ellipsoid to CGCS2000, position-vector
    /// convention (EPSG method 9606): `X' = T + (1 + s)·R·X` with rotations in arc-seconds.
    SevenParameter {
        from: DeclaredDatum,
        name: String,
        dx_m: f64,
        dy_m: f64,
        dz_m: f64,
        rx_arcsec: f64,
        ry_arcsec: f64,
        rz_arcsec: f64,
        scale_ppm: f64,
    },
}

impl DatumTransform {
    pub fn from(&self) -> DeclaredDatum {
        match self {
            Self::FourParameter { from, .. } | Self::SevenParameter { from, .. } => *from,
        }
    }

    /// Refuses parameters no real set has (shifts of a kilometre, rotations of a minute of arc, scale
    /// of 100 ppm), and a set whose source nobody can name.
    pub fn check(&self) -> Result<(), String> {
        let (name, shifts, rotations, scale): (&str, &[f64], &[f64], f64) = match self {
            Self::FourParameter {
                name,
                dx_m,
                dy_m,
                rotation_arcsec,
                scale_ppm,
                ..
            } => (name, &[*dx_m, *dy_m], &[*rotation_arcsec], *scale_ppm),
            Self::SevenParameter {
                name,
                dx_m,
                dy_m,
                dz_m,
                rx_arcsec,
                ry_arcsec,
                rz_arcsec,
                scale_ppm,
                ..
            } => (
                name,
                &[*dx_m, *dy_m, *dz_m],
                &[*rx_arcsec, *ry_arcsec, *rz_arcsec],
                *scale_ppm,
            ),
        };
        if !matches!(self.from(), DeclaredDatum::Xian80 | DeclaredDatum::Beijing54) {
            return Err("from 应为 xian80 或 beijing54".into());
        }
        if name.trim().is_empty() {
            return Err("name 应写明参数的来源（发布机关、适用范围）".into());
        }
        let plausible = shifts.iter().all(|v| v.is_finite() && v.abs() < 1000.0)
            && rotations.iter().all(|v| v.is_finite() && v.abs() < 60.0)
            && scale.is_finite()
            && scale.abs() < 100.0;
        if plausible {
            Ok(())
        } else {
            Err("平移应小于 1000 米，旋转小于 60 角秒，尺度小于 100 ppm".into())
        }
    }

    /// How the conversion is described to the user.
    pub fn describe_zh(&self) -> String {
        match self {
            Self::FourParameter { from, name, .. } => {
                format!("已按“{name}”四参数由{}换算为2000国家大地坐标系", from.name_zh())
            }
            Self::SevenParameter { from, name, .. } => {
                format!("已按“{name}”七参数由{}换算为2000国家大地坐标系", from.name_zh())
            }
        }
    }

    /// Converts a point (northing, easting without prefix) of a zone with central meridian `cm`.
    pub fn apply(&self, cm: f64, northing_m: f64, easting_m: f64) -> Option<(f64, f64)> {
        match self {
            Self::FourParameter {
                dx_m,
                dy_m,
                rotation_arcsec,
                scale_ppm,
                ..
            } => {
                let theta = (rotation_arcsec / 3600.0).to_radians();
                let k = 1.0 + scale_ppm * 1e-6;
                let (s, c) = theta.sin_cos();
                Some((
                    dx_m + k * (northing_m * c - easting_m * s),
                    dy_m + k * (northing_m * s + easting_m * c),
                ))
            }
            Self::SevenParameter {
                from,
                dx_m,
                dy_m,
                dz_m,
                rx_arcsec,
                ry_arcsec,
                rz_arcsec,
                scale_ppm,
                ..
            } => {
                let (a, inv_f) = ellipsoid(*from)?;
                let source = TransverseMercator::new(a, inv_f, cm, 1.0, 500_000.0, 0.0);
                let (lon, lat) = source.inverse(easting_m, northing_m);
                let [x, y, z] = to_ecef(a, inv_f, lon, lat);
                let r = |arcsec: f64| (arcsec / 3600.0).to_radians();
                let (rx, ry, rz) = (r(*rx_arcsec), r(*ry_arcsec), r(*rz_arcsec));
                let k = 1.0 + scale_ppm * 1e-6;
                // Position vector rotation (small angles, as EPSG 9606 defines it).
                let x2 = dx_m + k * (x - rz * y + ry * z);
                let y2 = dy_m + k * (rz * x + y - rx * z);
                let z2 = dz_m + k * (-ry * x + rx * y + z);
                let (lon2, lat2) = from_ecef(CGCS2000_A, CGCS2000_INV_F, [x2, y2, z2]);
                let target = TransverseMercator::gauss_kruger(cm, 500_000.0);
                let (e, n) = target.forward(lon2, lat2);
                Some((n, e))
            }
        }
    }
}

/// The reference ellipsoid of an old datum: 1980西安 on IAG-75, 1954北京 on Krasovsky 1940.
pub(super) fn ellipsoid(datum: DeclaredDatum) -> Option<(f64, f64)> {
    match datum {
        DeclaredDatum::Xian80 => Some((6_378_140.0, 298.257)),
        DeclaredDatum::Beijing54 => Some((6_378_245.0, 298.3)),
        _ => None,
    }
}

fn to_ecef(a: f64, inv_f: f64, lon: f64, lat: f64) -> [f64; 3] {
    let f = 1.0 / inv_f;
    let e2 = f * (2.0 - f);
    let (sl, cl) = lat.to_radians().sin_cos();
    let (so, co) = lon.to_radians().sin_cos();
    let n = a / (1.0 - e2 * sl * sl).sqrt();
    [n * cl * co, n * cl * so, n * (1.0 - e2) * sl]
}

fn from_ecef(a: f64, inv_f: f64, [x, y, z]: [f64; 3]) -> (f64, f64) {
    let f = 1.0 / inv_f;
    let e2 = f * (2.0 - f);
    let p = x.hypot(y);
    let mut lat = z.atan2(p * (1.0 - e2));
    for _ in 0..10 {
        let s = lat.sin();
        let n = a / (1.0 - e2 * s * s).sqrt();
        lat = (z + e2 * n * s).atan2(p);
    }
    (y.atan2(x).to_degrees(), lat.to_degrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecef_round_trip() {
        let (lon, lat) = from_ecef(6_378_140.0, 298.257, to_ecef(6_378_140.0, 298.257, 111.3, 24.7));
        assert!((lon - 111.3).abs() < 1e-12 && (lat - 24.7).abs() < 1e-12);
    }

    #[test]
    fn four_parameters_by_hand() {
        let t = DatumTransform::FourParameter {
            from: DeclaredDatum::Xian80,
            name: "test".into(),
            dx_m: 10.0,
            dy_m: -20.0,
            rotation_arcsec: 0.0,
            scale_ppm: 0.0,
        };
        assert_eq!(
            t.apply(111.0, 2_700_000.0, 400_000.0),
            Some((2_700_010.0, 399_980.0))
        );
    }
}
