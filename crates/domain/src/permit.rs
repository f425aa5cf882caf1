//! 许可证 — the permits every agency issues to a mine (DOMAIN.md §5), which agency issues each kind,
//! and the status a permit has on a given day.

use crate::company::CreditCode;
use crate::field::Problem;
use crate::mine::parse_choice;
use chrono::NaiveDate;
use serde::Serialize;

/// A kind of permit and the agency that issues it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PermitKind {
    /// 安全生产许可证 — emergency management, 3 years.
    Safety,
    /// 排污许可证 — ecology and environment; number = credit code + 3 digits + 1 letter.
    PollutantDischarge,
    /// 环评批复 — ecology and environment.
    EiaApproval,
    /// 使用林地审核同意书 — forestry.
    ForestLand,
    /// 水土保持方案批复 — water resources.
    SoilWaterConservation,
    /// 取水许可证 — water resources.
    WaterAbstraction,
    /// 用地批准 — natural resources.
    LandUse,
    /// 营业执照 — market regulation.
    BusinessLicence,
    /// 爆破作业单位许可证 — public security.
    Blasting,
}

impl PermitKind {
    pub const ALL: [PermitKind; 9] = [
        PermitKind::Safety,
        PermitKind::PollutantDischarge,
        PermitKind::EiaApproval,
        PermitKind::ForestLand,
        PermitKind::SoilWaterConservation,
        PermitKind::WaterAbstraction,
        PermitKind::LandUse,
        PermitKind::BusinessLicence,
        PermitKind::Blasting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PermitKind::Safety => "safety",
            PermitKind::PollutantDischarge => "pollutant",
            PermitKind::EiaApproval => "eia",
            PermitKind::ForestLand => "forest_land",
            PermitKind::SoilWaterConservation => "soil_water",
            PermitKind::WaterAbstraction => "water_abstraction",
            PermitKind::LandUse => "land_use",
            PermitKind::BusinessLicence => "business",
            PermitKind::Blasting => "blasting",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PermitKind::Safety => "安全生产许可证",
            PermitKind::PollutantDischarge => "排污许可证",
            PermitKind::EiaApproval => "环评批复",
            PermitKind::ForestLand => "使用林地审核同意书",
            PermitKind::SoilWaterConservation => "水土保持方案批复",
            PermitKind::WaterAbstraction => "取水许可证",
            PermitKind::LandUse => "用地批准",
            PermitKind::BusinessLicence => "营业执照",
            PermitKind::Blasting => "爆破作业单位许可证",
        }
    }

    /// The code of the agency that issues this kind (DOMAIN.md §1 codes).
    pub fn issuing_agency(self) -> &'static str {
        match self {
            PermitKind::Safety => "em",
            PermitKind::PollutantDischarge | PermitKind::EiaApproval => "ee",
            PermitKind::ForestLand => "fo",
            PermitKind::SoilWaterConservation | PermitKind::WaterAbstraction => "wa",
            PermitKind::LandUse => "nr",
            PermitKind::BusinessLicence => "mr",
            PermitKind::Blasting => "ps",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_choice(raw, &Self::ALL, |k| [k.as_str(), k.label_zh()])
    }

    /// Checks a permit number of this kind. Most kinds have no fixed form (any 2–60 characters); a
    /// pollutant discharge permit is the holder's credit code + 3 digits + 1 letter.
    pub fn check_number(self, raw: &str) -> Result<String, Problem> {
        crate::field::no_control_characters(raw)?;
        let no = raw.trim();
        if no.is_empty() {
            return Err(Problem::Required);
        }
        let count = no.chars().count();
        if !(2..=60).contains(&count) {
            return Err(Problem::Invalid);
        }
        if self == PermitKind::PollutantDischarge {
            let upper = no.to_ascii_uppercase();
            let well_formed = upper.len() == 22
                && upper.get(..18).is_some_and(|c| CreditCode::parse(c).is_ok())
                && upper
                    .get(18..21)
                    .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
                && upper
                    .get(21..)
                    .is_some_and(|l| l.bytes().all(|b| b.is_ascii_uppercase()));
            if !well_formed {
                return Err(Problem::BadPollutantPermitNo);
            }
            return Ok(upper);
        }
        Ok(no.to_string())
    }
}

/// What an agency has done to a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PermitState {
    Active,
    /// 吊销/撤销
    Revoked,
    /// 暂扣/中止
    Suspended,
}

impl PermitState {
    pub const ALL: [PermitState; 3] = [PermitState::Active, PermitState::Revoked, PermitState::Suspended];

    pub fn as_str(self) -> &'static str {
        match self {
            PermitState::Active => "active",
            PermitState::Revoked => "revoked",
            PermitState::Suspended => "suspended",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let label = |s: PermitState| match s {
            PermitState::Active => "有效",
            PermitState::Revoked => "吊销",
            PermitState::Suspended => "暂扣",
        };
        parse_choice(raw, &Self::ALL, |s| [s.as_str(), label(s)])
    }
}

/// A permit's status on a day, derived from its state and validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum PermitStatus {
    /// In force, more than 90 days left.
    Valid,
    /// 未生效 — its validity has not begun.
    NotYetValid,
    /// In force, 61–90 days left.
    Expires90,
    /// In force, 31–60 days left.
    Expires60,
    /// In force, 0–30 days left (the last day included).
    Expires30,
    Expired,
    Suspended,
    Revoked,
}

impl PermitStatus {
    /// The status on `today`: revocation and suspension first, then whether the validity has begun, then
    /// the days left until `valid_to` (the permit is valid through that day).
    pub fn on(state: PermitState, valid_from: NaiveDate, valid_to: NaiveDate, today: NaiveDate) -> Self {
        match state {
            PermitState::Revoked => return PermitStatus::Revoked,
            PermitState::Suspended => return PermitStatus::Suspended,
            PermitState::Active => {}
        }
        if today < valid_from {
            return PermitStatus::NotYetValid;
        }
        let left = (valid_to - today).num_days();
        match left {
            l if l < 0 => PermitStatus::Expired,
            0..=30 => PermitStatus::Expires30,
            31..=60 => PermitStatus::Expires60,
            61..=90 => PermitStatus::Expires90,
            _ => PermitStatus::Valid,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PermitStatus::Valid => "valid",
            PermitStatus::NotYetValid => "not_yet_valid",
            PermitStatus::Expires90 => "expires90",
            PermitStatus::Expires60 => "expires60",
            PermitStatus::Expires30 => "expires30",
            PermitStatus::Expired => "expired",
            PermitStatus::Suspended => "suspended",
            PermitStatus::Revoked => "revoked",
        }
    }

    /// Whether the permit allows the activity today.
    pub fn in_force(self) -> bool {
        matches!(
            self,
            PermitStatus::Valid | PermitStatus::Expires90 | PermitStatus::Expires60 | PermitStatus::Expires30
        )
    }

    /// Whether it is in force and ends within 90 days.
    pub fn expiring(self) -> bool {
        matches!(
            self,
            PermitStatus::Expires90 | PermitStatus::Expires60 | PermitStatus::Expires30
        )
    }
}

/// What a permit list can be filtered by. The "due within" filters are cumulative: "within 90 days"
/// includes those due within 30 and 60 (a person asking for 90 days wants all of them), while a
/// permit's own [`PermitStatus`] names its narrowest band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum PermitListFilter {
    /// In force (started, not ended, neither suspended nor revoked).
    InForce,
    NotYetValid,
    DueWithin30,
    DueWithin60,
    DueWithin90,
    Expired,
    Suspended,
    Revoked,
}

/// The SQL-friendly form of a [`PermitListFilter`] on a day: the stored state, and inclusive bounds on
/// `valid_from` (after / until) and `valid_to` (from / until).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateFilter {
    pub state: Option<PermitState>,
    pub valid_from_after: Option<NaiveDate>,
    pub valid_from_until: Option<NaiveDate>,
    pub valid_to_from: Option<NaiveDate>,
    pub valid_to_until: Option<NaiveDate>,
}

impl PermitListFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            PermitListFilter::InForce => "in_force",
            PermitListFilter::NotYetValid => "not_yet_valid",
            PermitListFilter::DueWithin30 => "due30",
            PermitListFilter::DueWithin60 => "due60",
            PermitListFilter::DueWithin90 => "due90",
            PermitListFilter::Expired => "expired",
            PermitListFilter::Suspended => "suspended",
            PermitListFilter::Revoked => "revoked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        use strum::IntoEnumIterator;
        Self::iter().find(|f| f.as_str() == raw)
    }

    /// Whether a permit with this status passes (the rule the SQL form must agree with).
    pub fn admits(self, status: PermitStatus) -> bool {
        use PermitStatus as S;
        match self {
            PermitListFilter::InForce => status.in_force(),
            PermitListFilter::NotYetValid => status == S::NotYetValid,
            PermitListFilter::DueWithin30 => status == S::Expires30,
            PermitListFilter::DueWithin60 => matches!(status, S::Expires30 | S::Expires60),
            PermitListFilter::DueWithin90 => status.expiring(),
            PermitListFilter::Expired => status == S::Expired,
            PermitListFilter::Suspended => status == S::Suspended,
            PermitListFilter::Revoked => status == S::Revoked,
        }
    }

    /// The filter as bounds for SQL on `today`.
    pub fn date_filter(self, today: NaiveDate) -> DateFilter {
        let day = |n: i64| today.checked_add_signed(chrono::Duration::days(n));
        let started = DateFilter {
            state: Some(PermitState::Active),
            valid_from_until: Some(today),
            ..DateFilter::default()
        };
        let due_within = |days| DateFilter {
            valid_to_from: Some(today),
            valid_to_until: day(days),
            ..started
        };
        match self {
            PermitListFilter::InForce => DateFilter {
                valid_to_from: Some(today),
                ..started
            },
            PermitListFilter::NotYetValid => DateFilter {
                state: Some(PermitState::Active),
                valid_from_after: Some(today),
                ..DateFilter::default()
            },
            PermitListFilter::DueWithin30 => due_within(30),
            PermitListFilter::DueWithin60 => due_within(60),
            PermitListFilter::DueWithin90 => due_within(90),
            PermitListFilter::Expired => DateFilter {
                valid_to_until: day(-1),
                ..started
            },
            PermitListFilter::Suspended => DateFilter {
                state: Some(PermitState::Suspended),
                ..DateFilter::default()
            },
            PermitListFilter::Revoked => DateFilter {
                state: Some(PermitState::Revoked),
                ..DateFilter::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn status_follows_the_days_left() {
        let today = d("2026-11-28");
        let from = d("2025-01-01");
        let on = |to: &str| PermitStatus::on(PermitState::Active, from, d(to), today);
        assert_eq!(on("2027-03-01"), PermitStatus::Valid);
        assert_eq!(on("2027-02-26"), PermitStatus::Expires90); // 90 days
        assert_eq!(on("2027-01-27"), PermitStatus::Expires60); // 60 days
        assert_eq!(on("2026-12-28"), PermitStatus::Expires30); // 30 days
        assert_eq!(on("2026-11-28"), PermitStatus::Expires30); // last day
        assert_eq!(on("2026-11-27"), PermitStatus::Expired);
    }

    #[test]
    fn a_permit_that_starts_next_month_is_not_yet_valid_and_not_in_force() {
        let today = d("2026-11-28");
        let status = PermitStatus::on(PermitState::Active, d("2026-12-15"), d("2029-12-14"), today);
        assert_eq!(status, PermitStatus::NotYetValid);
        assert!(!status.in_force());
        // Its first day counts.
        let first_day = PermitStatus::on(PermitState::Active, today, d("2029-12-14"), today);
        assert_eq!(first_day, PermitStatus::Valid);
    }

    #[test]
    fn revocation_and_suspension_win_over_dates() {
        let today = d("2026-11-28");
        assert_eq!(
            PermitStatus::on(PermitState::Revoked, d("2025-01-01"), d("2030-01-01"), today),
            PermitStatus::Revoked
        );
        assert_eq!(
            PermitStatus::on(PermitState::Suspended, d("2019-01-01"), d("2020-01-01"), today),
            PermitStatus::Suspended
        );
    }

    #[test]
    fn due_within_filters_are_cumulative() {
        use PermitListFilter as F;
        assert!(F::DueWithin90.admits(PermitStatus::Expires30));
        assert!(F::DueWithin90.admits(PermitStatus::Expires60));
        assert!(F::DueWithin60.admits(PermitStatus::Expires30));
        assert!(!F::DueWithin60.admits(PermitStatus::Expires90));
        assert!(!F::DueWithin90.admits(PermitStatus::Expired));
    }

    #[test]
    fn the_sql_bounds_agree_with_the_rule() {
        use strum::IntoEnumIterator;
        let today = d("2026-11-28");
        for start in [-400, -1, 0, 1, 20] {
            for offset in -5..200 {
                let from = today + chrono::Duration::days(start);
                let to = today + chrono::Duration::days(offset);
                if to < from {
                    continue;
                }
                for state in PermitState::ALL {
                    let status = PermitStatus::on(state, from, to, today);
                    for filter in PermitListFilter::iter() {
                        let f = filter.date_filter(today);
                        let sql = f.state.is_none_or(|s| s == state)
                            && f.valid_from_after.is_none_or(|a| from > a)
                            && f.valid_from_until.is_none_or(|u| from <= u)
                            && f.valid_to_from.is_none_or(|a| to >= a)
                            && f.valid_to_until.is_none_or(|u| to <= u);
                        assert_eq!(sql, filter.admits(status), "{filter:?} {state:?} {from} {to}");
                    }
                }
            }
        }
    }

    #[test]
    fn pollutant_permit_numbers_carry_the_credit_code() {
        let kind = PermitKind::PollutantDischarge;
        assert_eq!(
            kind.check_number("91450481MACGA1K675001x"),
            Ok("91450481MACGA1K675001X".to_string())
        );
        assert_eq!(
            kind.check_number("91450481MACGA1K676001X"),
            Err(Problem::BadPollutantPermitNo)
        );
        assert_eq!(
            PermitKind::Safety
                .check_number("（桂）FM安许证字〔2024〕M0001号")
                .map(|_| ()),
            Ok(())
        );
    }

    #[test]
    fn every_kind_is_issued_by_a_standard_agency() {
        let codes: Vec<&str> = crate::agency::STANDARD_AGENCIES.iter().map(|a| a.code).collect();
        for kind in PermitKind::ALL {
            assert!(codes.contains(&kind.issuing_agency()), "{kind:?}");
            assert_eq!(PermitKind::parse(kind.label_zh()), Ok(kind));
        }
    }
}
