//! 应移未移 — the rules that flag a penalty case which should have been referred as a suspected crime
//! and was not (WORKFLOW.md §5: 刑法 Art. 343 and 402, 法释〔2016〕25号, the procuratorate's filing
//! standard for failure to refer).
//!
//! A case of illegal mining meets the criminal standard when the value of the ore (the appraised,
//! legal value when there is one, otherwise the estimate) reaches the threshold — lower in planned
//! mining areas, for protected minerals and in no-mining areas — or when the party was penalised for
//! illegal mining twice within two years before. Mining outside the licence counts as mining without
//! one, so both categories are illegal mining. Such a case is flagged when it has not been referred
//! some days after it met the standard, and at once when a fine is decided on it instead (以罚代刑).
//!
//! What must not live here: where the facts come from (the app gathers them), who disposes (policy).

use crate::field::Problem;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use strum::IntoEnumIterator;

/// Why a case is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum FlagRule {
    /// The value reaches the threshold and the case was not referred within the days allowed.
    Value,
    /// The party was penalised twice for illegal mining within two years, mined illegally again, and
    /// the case was not referred within the days allowed.
    Repeat,
    /// A fine was decided on a case that meets the standard and was not referred (以罚代刑).
    FineInstead,
}

impl FlagRule {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagRule::Value => "value",
            FlagRule::Repeat => "repeat",
            FlagRule::FineInstead => "fine_instead",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        Self::iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or(Problem::Invalid)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FlagRule::Value => "涉案价值达到刑事立案标准而未移送",
            FlagRule::Repeat => "二年内两次因非法采矿受罚后又非法采矿而未移送",
            FlagRule::FineInstead => "以罚代刑：达到移送标准的案件作出罚款决定而未移送",
        }
    }
}

/// The configurable rules, with WORKFLOW.md §5's defaults (Guangxi's own figures are unverified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRules {
    /// 数额较大 for illegal mining (default ¥100,000).
    pub threshold_fen: i64,
    /// … in planned mining areas, for protected minerals and in no-mining areas (default ¥50,000).
    pub restricted_threshold_fen: i64,
    /// Flag a case that meets the standard and is not referred this many days later (default 3: the
    /// head's time to decide a referral under Order 310).
    pub after_days: i64,
    /// Finding categories that are illegal mining: unlicensed, and out-of-bounds which counts as
    /// unlicensed (法释〔2016〕25号 Art. 2).
    pub illegal_categories: Vec<String>,
    /// Penalties for illegal mining that make the next one a crime whatever its value …
    pub repeat_count: usize,
    /// … within this many years before.
    pub repeat_years: u32,
    /// The owning agency's head disposes of a flag within this many days.
    pub dispose_days: i64,
}

impl Default for FlagRules {
    fn default() -> Self {
        Self {
            threshold_fen: 10_000_000,
            restricted_threshold_fen: 5_000_000,
            after_days: 3,
            illegal_categories: vec!["unlicensed".to_string(), "out_of_bounds".to_string()],
            repeat_count: 2,
            repeat_years: 2,
            dispose_days: 5,
        }
    }
}

/// What the rules need to know about a case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseFacts {
    /// The categories of the case's findings.
    pub categories: Vec<String>,
    /// The appraised (legal) value, when there is one.
    pub appraised_fen: Option<i64>,
    /// The estimated value, when there is one.
    pub estimated_fen: Option<i64>,
    /// The day the case was first valued (estimate or appraisal); a later revaluation does not restart
    /// the days allowed.
    pub valued_on: Option<NaiveDate>,
    /// In a planned mining area, a protected mineral or a no-mining area (the lower threshold).
    pub restricted: bool,
    /// The day the case was filed.
    pub filed_on: NaiveDate,
    /// The days the same party's earlier illegal-mining penalties were decided.
    pub prior_penalties: Vec<NaiveDate>,
    /// Whether a referral of the case was approved (or went further).
    pub referred: bool,
    /// Whether a fine was decided on the case.
    pub fine_decided: bool,
}

impl FlagRules {
    fn illegal(&self, facts: &CaseFacts) -> bool {
        facts
            .categories
            .iter()
            .any(|c| self.illegal_categories.iter().any(|i| i == c))
    }

    /// The value the rules compare: the appraisal's when there is one — it replaces the estimate,
    /// lower or higher.
    pub fn value_fen(facts: &CaseFacts) -> Option<i64> {
        facts.appraised_fen.or(facts.estimated_fen)
    }

    pub fn threshold(&self, restricted: bool) -> i64 {
        if restricted {
            self.restricted_threshold_fen
        } else {
            self.threshold_fen
        }
    }

    /// Whether the value reaches the criminal standard.
    pub fn value_reaches(&self, facts: &CaseFacts) -> bool {
        self.illegal(facts) && Self::value_fen(facts).is_some_and(|v| v >= self.threshold(facts.restricted))
    }

    /// Whether the party is a repeat offender: `repeat_count` earlier illegal-mining penalties decided
    /// within `repeat_years` before this case was filed.
    pub fn repeat(&self, facts: &CaseFacts) -> bool {
        let since = facts
            .filed_on
            .checked_sub_months(chrono::Months::new(12 * self.repeat_years))
            .unwrap_or(facts.filed_on);
        self.illegal(facts)
            && facts
                .prior_penalties
                .iter()
                .filter(|d| **d >= since && **d <= facts.filed_on)
                .count()
                >= self.repeat_count
    }

    /// Whether the case meets the standard for referral at all.
    pub fn should_refer(&self, facts: &CaseFacts) -> bool {
        self.value_reaches(facts) || self.repeat(facts)
    }

    /// The flags a case carries on `today`.
    pub fn flags(&self, facts: &CaseFacts, today: NaiveDate) -> Vec<FlagRule> {
        if facts.referred {
            return Vec::new();
        }
        let late = |since: NaiveDate| today > since + Duration::days(self.after_days);
        let mut out = Vec::new();
        if self.value_reaches(facts) && late(facts.valued_on.unwrap_or(facts.filed_on)) {
            out.push(FlagRule::Value);
        }
        if self.repeat(facts) && late(facts.filed_on) {
            out.push(FlagRule::Repeat);
        }
        if facts.fine_decided && self.should_refer(facts) {
            out.push(FlagRule::FineInstead);
        }
        out
    }

    /// The last day to dispose of a flag raised on `raised_on`.
    pub fn dispose_by(&self, raised_on: NaiveDate) -> NaiveDate {
        raised_on + Duration::days(self.dispose_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case(category: &str, estimated: Option<i64>) -> CaseFacts {
        CaseFacts {
            categories: vec![category.to_string()],
            estimated_fen: estimated,
            valued_on: Some(d("2026-05-04")),
            filed_on: d("2026-05-01"),
            ..CaseFacts::default()
        }
    }

    #[test]
    fn a_value_over_the_threshold_is_flagged_once_its_days_have_passed() {
        let r = FlagRules::default();
        let f = case("out_of_bounds", Some(10_000_000));
        assert_eq!(r.flags(&f, d("2026-05-07")), vec![]);
        assert_eq!(r.flags(&f, d("2026-05-08")), vec![FlagRule::Value]);
        // Just under the threshold: nothing; in a restricted area the lower threshold applies.
        let under = case("out_of_bounds", Some(9_999_999));
        assert_eq!(r.flags(&under, d("2026-06-01")), vec![]);
        let restricted = CaseFacts {
            restricted: true,
            estimated_fen: Some(5_000_000),
            ..under
        };
        assert_eq!(r.flags(&restricted, d("2026-06-01")), vec![FlagRule::Value]);
        // A referral clears every flag.
        let referred = CaseFacts { referred: true, ..f };
        assert_eq!(r.flags(&referred, d("2026-06-01")), vec![]);
    }

    #[test]
    fn out_of_bounds_counts_as_unlicensed_and_other_problems_do_not() {
        let r = FlagRules::default();
        assert!(r.value_reaches(&case("unlicensed", Some(20_000_000))));
        assert!(r.value_reaches(&case("out_of_bounds", Some(20_000_000))));
        assert!(!r.value_reaches(&case("dust", Some(20_000_000))));
    }

    #[test]
    fn the_appraised_value_replaces_the_estimate() {
        let r = FlagRules::default();
        let f = CaseFacts {
            appraised_fen: Some(8_000_000),
            ..case("unlicensed", Some(12_000_000))
        };
        assert!(!r.value_reaches(&f));
        let f = CaseFacts {
            appraised_fen: Some(12_000_000),
            ..case("unlicensed", Some(8_000_000))
        };
        assert!(r.value_reaches(&f));
    }

    #[test]
    fn two_penalties_within_two_years_make_the_next_one_a_repeat() {
        let r = FlagRules::default();
        let mut f = case("unlicensed", Some(100));
        f.prior_penalties = vec![d("2024-05-01"), d("2025-09-01")];
        assert!(r.repeat(&f));
        assert_eq!(r.flags(&f, d("2026-05-04")), vec![]);
        assert_eq!(r.flags(&f, d("2026-05-05")), vec![FlagRule::Repeat]);
        // One of them more than two years before the filing: not a repeat.
        f.prior_penalties = vec![d("2024-04-30"), d("2025-09-01")];
        assert!(!r.repeat(&f));
    }

    #[test]
    fn a_fine_on_a_case_that_should_be_referred_is_flagged_at_once() {
        let r = FlagRules::default();
        let f = CaseFacts {
            fine_decided: true,
            ..case("out_of_bounds", Some(15_000_000))
        };
        assert_eq!(r.flags(&f, d("2026-05-05")), vec![FlagRule::FineInstead]);
        let small = CaseFacts {
            fine_decided: true,
            ..case("out_of_bounds", Some(1_000_000))
        };
        assert_eq!(r.flags(&small, d("2026-09-05")), vec![]);
        assert_eq!(r.dispose_by(d("2026-05-05")), d("2026-05-10"));
        for rule in FlagRule::iter() {
            assert_eq!(FlagRule::parse(rule.as_str()), Ok(rule));
        }
    }
}
