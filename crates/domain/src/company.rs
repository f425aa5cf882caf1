//! 矿业权人/企业 — companies and the people behind them: the unified social credit code and the kinds
//! of control link (legal representative, controller, shareholder).

use crate::field::Problem;
use serde::Serialize;
use std::fmt;

/// The alphabet of GB 32100-2015 (no I, O, S, V, Z), in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weight of position i (0-based) is 3^i mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// 统一社会信用代码 — an 18-character unified social credit code whose check character is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a code, accepting lower case and surrounding spaces. A wrong check character names the
    /// character it should be, so a typing error is easy to find.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(Problem::Required);
        }
        if code.chars().count() != 18 {
            return Err(Problem::CreditCodeLength {
                found: code.chars().count(),
            });
        }
        if let Some((i, c)) = code.bytes().enumerate().find(|(_, c)| !ALPHABET.contains(c)) {
            return Err(Problem::CreditCodeCharacter {
                position: i + 1,
                found: char::from(c).to_string(),
            });
        }
        let expected = Self::check_character(code.get(..17).unwrap_or_default()).unwrap_or('?');
        if code.chars().nth(17) != Some(expected) {
            return Err(Problem::CreditCodeCheck {
                expected: expected.to_string(),
            });
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The check character (the 18th) of a code's first 17 characters, by GB 32100-2015; `None` when
    /// they are not 17 characters of its alphabet.
    pub fn check_character(first17: &str) -> Option<char> {
        let values: Vec<u32> = first17
            .bytes()
            .map(|c| ALPHABET.iter().position(|&a| a == c).map(|v| v as u32))
            .collect::<Option<_>>()?;
        if values.len() != 17 {
            return None;
        }
        let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        ALPHABET
            .get(((31 - sum % 31) % 31) as usize)
            .map(|&b| char::from(b))
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a person stands behind a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ControlRole {
    /// 法定代表人
    LegalRepresentative,
    /// 实际控制人
    Controller,
    /// 股东
    Shareholder,
}

impl ControlRole {
    pub const ALL: [ControlRole; 3] = [
        ControlRole::LegalRepresentative,
        ControlRole::Controller,
        ControlRole::Shareholder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ControlRole::LegalRepresentative => "legal_rep",
            ControlRole::Controller => "controller",
            ControlRole::Shareholder => "shareholder",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Required);
        }
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw || r.label_zh() == raw)
            .ok_or(Problem::Invalid)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ControlRole::LegalRepresentative => "法定代表人",
            ControlRole::Controller => "实际控制人",
            ControlRole::Shareholder => "股东",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_examples_are_valid() {
        for code in ["91130200699229617X", "91450481MACGA1K675", "91450481macga1k675 "] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn a_wrong_check_character_names_the_right_one() {
        assert_eq!(
            CreditCode::parse("91130200699229617Y"),
            Err(Problem::CreditCodeCheck { expected: "X".into() })
        );
    }

    #[test]
    fn a_typo_in_the_body_is_caught_by_the_check_character() {
        assert!(matches!(
            CreditCode::parse("91130200699229618X"),
            Err(Problem::CreditCodeCheck { .. })
        ));
    }

    #[test]
    fn letters_outside_the_alphabet_and_wrong_lengths_are_named() {
        assert_eq!(
            CreditCode::parse("9113020069922961OX"),
            Err(Problem::CreditCodeCharacter {
                position: 17,
                found: "O".into()
            })
        );
        assert_eq!(
            CreditCode::parse("9113020069922961"),
            Err(Problem::CreditCodeLength { found: 16 })
        );
        assert_eq!(CreditCode::parse(" "), Err(Problem::Required));
    }

    #[test]
    fn every_body_has_exactly_one_valid_check_character() {
        let body = "91450481MACGA1K67";
        let valid: Vec<u8> = ALPHABET
            .iter()
            .copied()
            .filter(|&c| CreditCode::parse(&format!("{body}{}", char::from(c))).is_ok())
            .collect();
        assert_eq!(valid, b"5".to_vec());
    }
}
