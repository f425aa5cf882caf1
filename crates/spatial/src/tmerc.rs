//! The transverse Mercator projection on the CGCS2000 ellipsoid (Gauss-Krüger).
//!
//! Method: Krüger's n-series to the 6th order as given by Karney (2011, "Transverse Mercator with an
//! accuracy of a few nanometers", J. Geodesy 85, eqs. 7–11, 35–36) — the series PROJ uses by default
//! for `tmerc`. Within a 3-degree zone the error is far below a millimetre. Angles are in degrees at the
//! API, metres for projected coordinates. What must not live here: zone numbers and EPSG codes
//! ([`crate::crs`]).

/// The CGCS2000 ellipsoid (the same as GRS80 to 0.1 mm): semi-major axis.
pub const CGCS2000_A: f64 = 6_378_137.0;
/// The CGCS2000 ellipsoid's inverse flattening.
pub const CGCS2000_INV_F: f64 = 298.257_222_101;

/// A transverse Mercator projection: central meridian, scale 1 on it (Gauss-Krüger), false easting.
#[derive(Debug, Clone, PartialEq)]
pub struct TransverseMercator {
    central_meridian_deg: f64,
    scale: f64,
    false_easting_m: f64,
    false_northing_m: f64,
    e: f64,
    /// Rectifying radius times the scale.
    ka: f64,
    alpha: [f64; 6],
    beta: [f64; 6],
}

impl TransverseMercator {
    /// Gauss-Krüger on CGCS2000: scale 1, false northing 0.
    pub fn gauss_kruger(central_meridian_deg: f64, false_easting_m: f64) -> Self {
        Self::new(
            CGCS2000_A,
            CGCS2000_INV_F,
            central_meridian_deg,
            1.0,
            false_easting_m,
            0.0,
        )
    }

    /// A general transverse Mercator on an ellipsoid given by `a` and `1/f`.
    pub fn new(
        a: f64,
        inv_f: f64,
        central_meridian_deg: f64,
        scale: f64,
        false_easting_m: f64,
        false_northing_m: f64,
    ) -> Self {
        let f = 1.0 / inv_f;
        let n = f / (2.0 - f);
        let (n2, n3) = (n * n, n * n * n);
        let (n4, n5, n6) = (n2 * n2, n2 * n3, n3 * n3);
        let rectifying = a / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0);
        let alpha = [
            n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0 + 41.0 * n4 / 180.0 - 127.0 * n5 / 288.0
                + 7891.0 * n6 / 37800.0,
            13.0 * n2 / 48.0 - 3.0 * n3 / 5.0 + 557.0 * n4 / 1440.0 + 281.0 * n5 / 630.0
                - 1_983_433.0 * n6 / 1_935_360.0,
            61.0 * n3 / 240.0 - 103.0 * n4 / 140.0 + 15061.0 * n5 / 26880.0 + 167_603.0 * n6 / 181_440.0,
            49561.0 * n4 / 161_280.0 - 179.0 * n5 / 168.0 + 6_601_661.0 * n6 / 7_257_600.0,
            34729.0 * n5 / 80640.0 - 3_418_889.0 * n6 / 1_995_840.0,
            212_378_941.0 * n6 / 319_334_400.0,
        ];
        let beta = [
            n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0 - n4 / 360.0 - 81.0 * n5 / 512.0
                + 96199.0 * n6 / 604_800.0,
            n2 / 48.0 + n3 / 15.0 - 437.0 * n4 / 1440.0 + 46.0 * n5 / 105.0 - 1_118_711.0 * n6 / 3_870_720.0,
            17.0 * n3 / 480.0 - 37.0 * n4 / 840.0 - 209.0 * n5 / 4480.0 + 5569.0 * n6 / 90720.0,
            4397.0 * n4 / 161_280.0 - 11.0 * n5 / 504.0 - 830_251.0 * n6 / 7_257_600.0,
            4583.0 * n5 / 161_280.0 - 108_847.0 * n6 / 3_991_680.0,
            20_648_693.0 * n6 / 638_668_800.0,
        ];
        Self {
            central_meridian_deg,
            scale,
            false_easting_m,
            false_northing_m,
            e: (f * (2.0 - f)).sqrt(),
            ka: scale * rectifying,
            alpha,
            beta,
        }
    }

    pub fn central_meridian_deg(&self) -> f64 {
        self.central_meridian_deg
    }

    pub fn false_easting_m(&self) -> f64 {
        self.false_easting_m
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Longitude/latitude (degrees) to easting/northing (metres).
    pub fn forward(&self, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
        let lambda = (lon_deg - self.central_meridian_deg).to_radians();
        let phi = lat_deg.to_radians();
        let e = self.e;
        let tau = phi.tan();
        let sigma = (e * (e * tau / tau.hypot(1.0)).atanh()).sinh();
        // tan of the conformal latitude.
        let tau_c = tau * sigma.hypot(1.0) - sigma * tau.hypot(1.0);
        let xi_p = tau_c.atan2(lambda.cos());
        let eta_p = (lambda.sin() / tau_c.hypot(lambda.cos())).asinh();
        let (mut xi, mut eta) = (xi_p, eta_p);
        for (j, a) in self.alpha.iter().enumerate() {
            let k = 2.0 * (j as f64 + 1.0);
            xi += a * (k * xi_p).sin() * (k * eta_p).cosh();
            eta += a * (k * xi_p).cos() * (k * eta_p).sinh();
        }
        (
            self.false_easting_m + self.ka * eta,
            self.false_northing_m + self.ka * xi,
        )
    }

    /// Easting/northing (metres) to longitude/latitude (degrees).
    pub fn inverse(&self, easting_m: f64, northing_m: f64) -> (f64, f64) {
        let xi = (northing_m - self.false_northing_m) / self.ka;
        let eta = (easting_m - self.false_easting_m) / self.ka;
        let (mut xi_p, mut eta_p) = (xi, eta);
        for (j, b) in self.beta.iter().enumerate() {
            let k = 2.0 * (j as f64 + 1.0);
            xi_p -= b * (k * xi).sin() * (k * eta).cosh();
            eta_p -= b * (k * xi).cos() * (k * eta).sinh();
        }
        let lambda = eta_p.sinh().atan2(xi_p.cos());
        // tan of the conformal latitude, then Newton's method for tan(latitude) (Karney 2011, eq. 19–21).
        let tau_c = xi_p.sin() / eta_p.sinh().hypot(xi_p.cos());
        let e = self.e;
        let e2m = 1.0 - e * e;
        let mut tau = tau_c;
        for _ in 0..5 {
            let sigma = (e * (e * tau / tau.hypot(1.0)).atanh()).sinh();
            let tau_i = tau * sigma.hypot(1.0) - sigma * tau.hypot(1.0);
            let step = (tau_c - tau_i) / tau_i.hypot(1.0) * (1.0 + e2m * tau * tau) / (e2m * tau.hypot(1.0));
            tau += step;
            if step.abs() < 1e-14 {
                break;
            }
        }
        (
            self.central_meridian_deg + lambda.to_degrees(),
            tau.atan().to_degrees(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reference values from PROJ 9.5.1 (pyproj: `Transformer.from_crs("EPSG:4490", "EPSG:4546")`),
    /// as (longitude, latitude, easting, northing).
    #[allow(clippy::unreadable_literal)]
    const PROJ_4546: [(f64, f64, f64, f64); 4] = [
        (111.0, 24.5, 500000.0, 2710669.5780),
        (110.0, 24.5, 398641.8165, 2711036.4063),
        (109.5, 24.25, 347657.0222, 2683797.8283),
        (112.4, 45.0, 610385.5866, 4985898.0877),
    ];

    #[test]
    fn forward_and_inverse_match_proj() {
        let gk = TransverseMercator::gauss_kruger(111.0, 500_000.0);
        for (lon, lat, easting, northing) in PROJ_4546 {
            let (e, n) = gk.forward(lon, lat);
            assert!(
                (e - easting).abs() < 1e-3,
                "{lon} {lat}: easting {e} vs {easting}"
            );
            assert!(
                (n - northing).abs() < 1e-3,
                "{lon} {lat}: northing {n} vs {northing}"
            );
            let (lon2, lat2) = gk.inverse(easting, northing);
            assert!(
                (lon2 - lon).abs() < 1e-8 && (lat2 - lat).abs() < 1e-8,
                "{lon2} {lat2}"
            );
        }
    }

    /// 84 points in every 3-degree zone 25–45, prefixed and not, from PROJ
    /// (fixtures/proj/make_reference.py): forward and inverse within 1 mm.
    #[test]
    fn agrees_with_proj_in_every_zone_to_a_millimetre() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/proj/gk_points.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let mut checked = 0;
        for line in text.lines().skip(1) {
            let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
            let (lon, lat, epsg, easting, northing) = (v[0], v[1], v[2] as u32, v[3], v[4]);
            let crs = crate::crs::ProjectedCrs::from_epsg(epsg).unwrap();
            let tm = crs.projection();
            let (e, n) = tm.forward(lon, lat);
            assert!(
                (e - easting).abs() < 1e-3 && (n - northing).abs() < 1e-3,
                "EPSG:{epsg} {lon} {lat}: {e} {n}"
            );
            let (lon2, lat2) = tm.inverse(easting, northing);
            // 1 mm is about 1e-8 degrees.
            assert!(
                (lon2 - lon).abs() < 1e-8 && (lat2 - lat).abs() < 1e-8,
                "EPSG:{epsg}: {lon2} {lat2}"
            );
            checked += 1;
        }
        assert_eq!(checked, 84);
    }

    #[test]
    fn the_central_meridian_maps_to_the_false_easting() {
        let gk = TransverseMercator::gauss_kruger(111.0, 37_500_000.0);
        let (e, _) = gk.forward(111.0, 30.0);
        assert!((e - 37_500_000.0).abs() < 1e-6);
        let (lon, lat) = gk.inverse(37_500_000.0, 0.0);
        assert!((lon - 111.0).abs() < 1e-12 && lat.abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn forward_then_inverse_returns_the_point(lon in -1.6f64..1.6, lat in 18.0f64..54.0) {
            let gk = TransverseMercator::gauss_kruger(111.0, 500_000.0);
            let (e, n) = gk.forward(111.0 + lon, lat);
            let (lon2, lat2) = gk.inverse(e, n);
            // 1e-9 degrees is about 0.1 mm.
            prop_assert!((lon2 - 111.0 - lon).abs() < 1e-9, "lon {} vs {}", lon2, 111.0 + lon);
            prop_assert!((lat2 - lat).abs() < 1e-9, "lat {} vs {}", lat2, lat);
        }

        #[test]
        fn inverse_then_forward_returns_the_coordinates(e in 330_000.0f64..670_000.0, n in 2_000_000.0f64..5_900_000.0) {
            let gk = TransverseMercator::gauss_kruger(111.0, 500_000.0);
            let (lon, lat) = gk.inverse(e, n);
            let (e2, n2) = gk.forward(lon, lat);
            prop_assert!((e2 - e).abs() < 1e-4 && (n2 - n).abs() < 1e-4, "{} {} -> {} {}", e, n, e2, n2);
        }
    }
}
