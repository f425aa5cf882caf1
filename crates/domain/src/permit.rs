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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PermitStatus {
    Valid,
    /// Expires within 90 days (61–90 left).
    Expires90,
    /// Expires within 60 days (31–60 left).
    Expires60,
    /// Expires within 30 days (0–30 left).
    Expires30,
    Expired,
    Suspended,
    Revoked,
}

impl PermitStatus {
    pub const ALL: [PermitStatus; 7] = [
        PermitStatus::Valid,
        PermitStatus::Expires90,
        PermitStatus::Expires60,
        PermitStatus::Expires30,
        PermitStatus::Expired,
        PermitStatus::Suspended,
        PermitStatus::Revoked,
    ];

    /// The status on `today`: revocation and suspension first, then the days left until `valid_to`
    /// (the permit is valid through that day).
    pub fn on(state: PermitState, valid_to: NaiveDate, today: NaiveDate) -> Self {
        match state {
            PermitState::Revoked => return PermitStatus::Revoked,
            PermitState::Suspended => return PermitStatus::Suspended,
            PermitState::Active => {}
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
            PermitStatus::Expires90 => "expires90",
            PermitStatus::Expires60 => "expires60",
            PermitStatus::Expires30 => "expires30",
            PermitStatus::Expired => "expired",
            PermitStatus::Suspended => "suspended",
            PermitStatus::Revoked => "revoked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether the permit allows the activity today.
    pub fn in_force(self) -> bool {
        matches!(
            self,
            PermitStatus::Valid | PermitStatus::Expires90 | PermitStatus::Expires60 | PermitStatus::Expires30
        )
    }

    /// Whether it expires within 90 days.
    pub fn expiring(self) -> bool {
        matches!(
            self,
            PermitStatus::Expires90 | PermitStatus::Expires60 | PermitStatus::Expires30
        )
    }

    /// The `valid_to` range (inclusive) that gives this status on `today` for an active permit;
    /// `None` for the states that do not depend on dates. Lists filter with it in SQL.
    pub fn valid_to_range(self, today: NaiveDate) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
        let day = |n: i64| today.checked_add_signed(chrono::Duration::days(n));
        match self {
            PermitStatus::Valid => Some((day(91), None)),
            PermitStatus::Expires90 => Some((day(61), day(90))),
            PermitStatus::Expires60 => Some((day(31), day(60))),
            PermitStatus::Expires30 => Some((Some(today), day(30))),
            PermitStatus::Expired => Some((None, day(-1))),
            PermitStatus::Suspended | PermitStatus::Revoked => None,
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
        let on = |to: &str| PermitStatus::on(PermitState::Active, d(to), today);
        assert_eq!(on("2027-03-01"), PermitStatus::Valid);
        assert_eq!(on("2027-02-26"), PermitStatus::Expires90); // 90 days
        assert_eq!(on("2027-01-27"), PermitStatus::Expires60); // 60 days
        assert_eq!(on("2026-12-28"), PermitStatus::Expires30); // 30 days
        assert_eq!(on("2026-11-28"), PermitStatus::Expires30); // last day
        assert_eq!(on("2026-11-27"), PermitStatus::Expired);
    }

    #[test]
    fn revocation_and_suspension_win_over_dates() {
        let today = d("2026-11-28");
        assert_eq!(
            PermitStatus::on(PermitState::Revoked, d("2030-01-01"), today),
            PermitStatus::Revoked
        );
        assert_eq!(
            PermitStatus::on(PermitState::Suspended, d("2020-01-01"), today),
            PermitStatus::Suspended
        );
    }

    #[test]
    fn the_sql_ranges_agree_with_the_rule() {
        let today = d("2026-11-28");
        for offset in -5..200 {
            let to = today + chrono::Duration::days(offset);
            let status = PermitStatus::on(PermitState::Active, to, today);
            let matching: Vec<PermitStatus> = PermitStatus::ALL
                .into_iter()
                .filter(|s| {
                    s.valid_to_range(today).is_some_and(|(from, until)| {
                        from.is_none_or(|f| to >= f) && until.is_none_or(|u| to <= u)
                    })
                })
                .collect();
            assert_eq!(matching, vec![status], "{to}");
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
