//! 矿业权 — mining licences (采矿许可证) and exploration permits (探矿权/勘查许可证): the number, the
//! production-scale unit, the history kinds (新立/延续/变更/注销) and the declared-area check.

use crate::field::Problem;
use crate::mine::parse_choice;
use serde::Serialize;
use std::fmt;

/// Mining right or exploration right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LicenceKind {
    /// 采矿权
    Mining,
    /// 探矿权
    Exploration,
}

impl LicenceKind {
    pub const ALL: [LicenceKind; 2] = [LicenceKind::Mining, LicenceKind::Exploration];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceKind::Mining => "mining",
            LicenceKind::Exploration => "exploration",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LicenceKind::Mining => "采矿权",
            LicenceKind::Exploration => "探矿权",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_choice(raw, &Self::ALL, |k| [k.as_str(), k.label_zh()])
    }
}

/// A licence number: the permanent 23-character form since 2020 (`C`/`T` + 22 digits or capitals), or a
/// legacy number kept as written (loosely checked: 6–40 characters, no spaces, at least one digit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LicenceNo(String);

impl LicenceNo {
    pub fn parse(raw: &str, kind: LicenceKind) -> Result<Self, Problem> {
        crate::field::no_control_characters(raw)?;
        let no: String = raw.trim().chars().map(|c| c.to_ascii_uppercase()).collect();
        if no.is_empty() {
            return Err(Problem::Required);
        }
        let modern = no.len() == 23
            && no.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            && matches!(no.as_bytes().first(), Some(b'C' | b'T'));
        if modern {
            let wanted = match kind {
                LicenceKind::Mining => 'C',
                LicenceKind::Exploration => 'T',
            };
            if !no.starts_with(wanted) {
                return Err(Problem::LicenceNoKind {
                    expected: wanted.to_string(),
                });
            }
            return Ok(Self(no));
        }
        let count = no.chars().count();
        let legacy = (6..=40).contains(&count)
            && !no.chars().any(char::is_whitespace)
            && no.chars().any(|c| c.is_ascii_digit());
        if legacy {
            Ok(Self(no))
        } else {
            Err(Problem::BadLicenceNo)
        }
    }

    /// Whether this is the 23-character permanent form.
    pub fn is_modern(&self) -> bool {
        self.0.len() == 23 && self.0.is_ascii()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LicenceNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 生产规模 unit (万 = 10⁴).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ScaleUnit {
    /// 万吨/年
    WanTonnesPerYear,
    /// 万立方米/年
    WanCubicMetresPerYear,
}

impl ScaleUnit {
    pub const ALL: [ScaleUnit; 2] = [ScaleUnit::WanTonnesPerYear, ScaleUnit::WanCubicMetresPerYear];

    pub fn as_str(self) -> &'static str {
        match self {
            ScaleUnit::WanTonnesPerYear => "wan_t_per_year",
            ScaleUnit::WanCubicMetresPerYear => "wan_m3_per_year",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ScaleUnit::WanTonnesPerYear => "万吨/年",
            ScaleUnit::WanCubicMetresPerYear => "万立方米/年",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        // The stored code first: `wan_m3_per_year` must not become `wan_立方米_per_year` below.
        if let Some(unit) = Self::ALL.into_iter().find(|u| u.as_str() == raw.trim()) {
            return Ok(unit);
        }
        let raw = raw.trim().replace("m³", "立方米").replace("m3", "立方米");
        parse_choice(&raw, &Self::ALL, |u| [u.as_str(), u.label_zh()])
    }
}

/// A licence's standing in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LicenceState {
    /// In force (it may still have run past its validity; see [`licence_expired`]).
    Active,
    /// 注销
    Cancelled,
}

impl LicenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceState::Active => "active",
            LicenceState::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(LicenceState::Active),
            "cancelled" => Some(LicenceState::Cancelled),
            _ => None,
        }
    }
}

/// One entry of a licence's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LicenceEventKind {
    /// 新立
    Granted,
    /// 延续
    Extended,
    /// 变更
    Changed,
    /// 注销
    Cancelled,
}

impl LicenceEventKind {
    pub const ALL: [LicenceEventKind; 4] = [
        LicenceEventKind::Granted,
        LicenceEventKind::Extended,
        LicenceEventKind::Changed,
        LicenceEventKind::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceEventKind::Granted => "granted",
            LicenceEventKind::Extended => "extended",
            LicenceEventKind::Changed => "changed",
            LicenceEventKind::Cancelled => "cancelled",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LicenceEventKind::Granted => "新立",
            LicenceEventKind::Extended => "延续",
            LicenceEventKind::Changed => "变更",
            LicenceEventKind::Cancelled => "注销",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_choice(raw, &Self::ALL, |k| [k.as_str(), k.label_zh()])
    }
}

/// The largest relative difference between the declared and the computed area that is taken as
/// rounding (0.5 %); beyond it a coordinate was probably mistyped. The corner-point check uses the
/// same figure (`orewatch_spatial::boundary_check::DECLARED_AREA_TOLERANCE`); change both together.
pub const AREA_TOLERANCE: f64 = 0.005;

/// The relative difference `(computed − declared) / declared` when it exceeds [`AREA_TOLERANCE`].
pub fn area_mismatch(declared_m2: f64, computed_m2: f64) -> Option<f64> {
    if declared_m2 <= 0.0 {
        return None;
    }
    let relative = (computed_m2 - declared_m2) / declared_m2;
    (relative.abs() > AREA_TOLERANCE).then_some(relative)
}

/// Parses a declared area in km² (licences give 4 decimals) into m².
pub fn declared_area_m2(raw_km2: &str) -> Result<f64, Problem> {
    let raw = raw_km2
        .trim()
        .trim_end_matches("km²")
        .trim_end_matches("km2")
        .trim();
    if raw.is_empty() {
        return Err(Problem::Required);
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 10_000.0 => Ok(v * 1e6),
        _ => Err(Problem::BadNumber),
    }
}

/// Parses a positive number (production scale).
pub fn positive_number(raw: &str) -> Result<f64, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Problem::Required);
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(Problem::BadNumber),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_numbers_must_match_their_kind() {
        let mining = "C4502232010127130096532";
        assert!(LicenceNo::parse(mining, LicenceKind::Mining).is_ok_and(|n| n.is_modern()));
        assert_eq!(
            LicenceNo::parse(mining, LicenceKind::Exploration),
            Err(Problem::LicenceNoKind { expected: "T".into() })
        );
        assert!(LicenceNo::parse("t4500002009011010021234", LicenceKind::Exploration).is_ok());
    }

    #[test]
    fn legacy_numbers_are_kept_as_written() {
        let no = LicenceNo::parse("4502000410123", LicenceKind::Mining);
        assert_eq!(no.as_ref().map(LicenceNo::as_str), Ok("4502000410123"));
        assert!(!no.is_ok_and(|n| n.is_modern()));
        assert_eq!(
            LicenceNo::parse("采矿 证", LicenceKind::Mining),
            Err(Problem::BadLicenceNo)
        );
        assert_eq!(LicenceNo::parse("", LicenceKind::Mining), Err(Problem::Required));
    }

    #[test]
    fn a_declared_area_off_by_more_than_half_a_percent_is_flagged() {
        assert_eq!(area_mismatch(100_000.0, 100_400.0), None);
        let off = area_mismatch(100_000.0, 101_000.0);
        assert!(off.is_some_and(|r| (r - 0.01).abs() < 1e-12));
        assert_eq!(declared_area_m2("0.1234"), Ok(123_400.0));
        assert_eq!(declared_area_m2("-1"), Err(Problem::BadNumber));
    }

    #[test]
    fn scale_units_read_their_usual_spellings() {
        assert_eq!(ScaleUnit::parse("万吨/年"), Ok(ScaleUnit::WanTonnesPerYear));
        assert_eq!(ScaleUnit::parse("万m³/年"), Ok(ScaleUnit::WanCubicMetresPerYear));
        assert_eq!(ScaleUnit::parse("吨"), Err(Problem::Invalid));
        // The stored codes read back (a code with "m3" in it once failed to).
        for unit in ScaleUnit::ALL {
            assert_eq!(ScaleUnit::parse(unit.as_str()), Ok(unit));
        }
    }
}
