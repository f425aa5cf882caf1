//! 一致性检查 — what is inconsistent about one mine's licences and permits on a given day.
//!
//! Pure: the caller gathers the mine's status, its licences, a summary of its permits and the overlaps
//! the spatial engine measured, and [`check_mine`] lists the problems. The same function serves the mine
//! page, the county list and the map colours, so they never disagree. Permits arrive summarised per
//! mine (a county has tens of thousands; the checks need only these few facts of them).

use crate::ids::CompanyId;
use crate::licence::{LicenceKind, LicenceState};
use crate::mine::MineStatus;
use chrono::NaiveDate;
use serde::Serialize;

/// A licence as the checks need it.
#[derive(Debug, Clone)]
pub struct LicenceFacts {
    pub number: String,
    pub kind: LicenceKind,
    pub state: LicenceState,
    pub valid_to: NaiveDate,
    pub holder_company_id: CompanyId,
}

/// What the checks need of one mine's permits.
#[derive(Debug, Clone, Default)]
pub struct PermitSummary {
    /// The latest end date among the mine's active (neither revoked nor suspended) safety production
    /// licences whose validity has begun.
    pub safety_valid_to: Option<NaiveDate>,
    /// The earliest start among its active safety production licences that have not begun yet.
    pub safety_starts_on: Option<NaiveDate>,
    /// The earliest end date among its active permits whose validity has begun.
    pub next_active_valid_to: Option<NaiveDate>,
    /// Who holds its permits that are not revoked: (company id, name, number of permits).
    pub holders: Vec<(CompanyId, String, usize)>,
}

impl PermitSummary {
    /// Whether a permit in force ends within 90 days of `today` (the last day counted).
    pub fn expiring(&self, today: NaiveDate) -> bool {
        self.next_active_valid_to
            .is_some_and(|to| to >= today && (to - today).num_days() <= 90)
    }

    /// Whether an active permit has run past its end.
    pub fn lapsed(&self, today: NaiveDate) -> bool {
        self.next_active_valid_to.is_some_and(|to| to < today)
    }
}

/// A measured overlap of one of the mine's licences with something else.
#[derive(Debug, Clone)]
pub struct OverlapFacts {
    pub licence_number: String,
    /// The other licence's number, or the protected area's name.
    pub other: String,
    /// `true` for a protected layer, `false` for another licence.
    pub protected: bool,
    pub area_m2: f64,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Serialize, strum::EnumIter)]
pub enum Inconsistency {
    /// The licence overlaps another licence.
    LicenceOverlap {
        licence: String,
        other: String,
        area_m2: f64,
    },
    /// The licence overlaps a protected area (reserve, red line, forest land, farmland, wetland).
    ProtectedOverlap {
        licence: String,
        area: String,
        area_m2: f64,
    },
    /// Producing without a safety production licence in force.
    ProducingWithoutSafetyLicence,
    /// Producing while its mining licence has expired or was cancelled.
    ProducingWithExpiredLicence { licence: String },
    /// Producing with no mining licence at all (无证开采 on paper).
    ProducingWithoutLicence,
    /// Permits issued to someone other than the mining licence's holder.
    PermitHolderMismatch { holder: String, permits: usize },
}

impl Inconsistency {
    /// Stable code (filters, CSS, JSON).
    pub fn code(&self) -> &'static str {
        match self {
            Inconsistency::LicenceOverlap { .. } => "licence_overlap",
            Inconsistency::ProtectedOverlap { .. } => "protected_overlap",
            Inconsistency::ProducingWithoutSafetyLicence => "no_safety_licence",
            Inconsistency::ProducingWithExpiredLicence { .. } => "expired_licence",
            Inconsistency::ProducingWithoutLicence => "no_licence",
            Inconsistency::PermitHolderMismatch { .. } => "holder_mismatch",
        }
    }
}

/// How a mine is coloured on the county map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum MapState {
    /// An enforcement measure binds the mine (停产整顿, 停电, 查封 …): shown above everything else.
    Measure,
    /// A finding of the rectification ledger is overdue (整改逾期): shown above the registry's states.
    Overdue,
    /// Has consistency problems.
    Problem,
    /// A permit or an active licence has run past its end (证照过期); not for a closed mine.
    Lapsed,
    /// A permit or an active licence ends within 90 days (证照临期); not for a closed mine.
    Expiring,
    Fine,
}

impl MapState {
    pub fn as_str(self) -> &'static str {
        match self {
            MapState::Measure => "measure",
            MapState::Overdue => "overdue",
            MapState::Problem => "problem",
            MapState::Lapsed => "lapsed",
            MapState::Expiring => "expiring",
            MapState::Fine => "fine",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        use strum::IntoEnumIterator;
        Self::iter().find(|s| s.as_str() == raw)
    }

    /// The state shown when the mine also has an enforcement measure in force, or an overdue finding
    /// (or neither): the measure first, then the overdue finding, then the registry's state.
    pub fn with_ledger(self, measure: bool, overdue: bool) -> Self {
        if measure {
            MapState::Measure
        } else if overdue {
            MapState::Overdue
        } else {
            self
        }
    }

    /// The state of a mine with these problems, licences and permits on `today` (the registry's part;
    /// the ledger's overdue findings and the measures come on top, [`MapState::with_ledger`]).
    pub fn of(
        status: MineStatus,
        problems: &[Inconsistency],
        licences: &[LicenceFacts],
        permits: &PermitSummary,
        today: NaiveDate,
    ) -> Self {
        let active = || licences.iter().filter(|l| l.state == LicenceState::Active);
        let licence_lapsed = active().any(|l| l.valid_to < today);
        let licence_due = active().any(|l| l.valid_to >= today && (l.valid_to - today).num_days() <= 90);
        if !problems.is_empty() {
            MapState::Problem
        } else if status == MineStatus::Closed {
            MapState::Fine
        } else if permits.lapsed(today) || licence_lapsed {
            MapState::Lapsed
        } else if permits.expiring(today) || licence_due {
            MapState::Expiring
        } else {
            MapState::Fine
        }
    }
}

/// The problems of one mine on `today`. Overlaps smaller than 1 m² are rounding, not problems.
pub fn check_mine(
    status: MineStatus,
    licences: &[LicenceFacts],
    permits: &PermitSummary,
    overlaps: &[OverlapFacts],
    today: NaiveDate,
) -> Vec<Inconsistency> {
    let mut found = Vec::new();
    for o in overlaps.iter().filter(|o| o.area_m2 >= 1.0) {
        found.push(if o.protected {
            Inconsistency::ProtectedOverlap {
                licence: o.licence_number.clone(),
                area: o.other.clone(),
                area_m2: o.area_m2,
            }
        } else {
            Inconsistency::LicenceOverlap {
                licence: o.licence_number.clone(),
                other: o.other.clone(),
                area_m2: o.area_m2,
            }
        });
    }
    let mining: Vec<&LicenceFacts> = licences
        .iter()
        .filter(|l| l.kind == LicenceKind::Mining)
        .collect();
    if status == MineStatus::Producing {
        let in_force = |l: &&LicenceFacts| l.state == LicenceState::Active && l.valid_to >= today;
        if mining.is_empty() {
            found.push(Inconsistency::ProducingWithoutLicence);
        } else if !mining.iter().any(in_force) {
            let latest = mining.iter().max_by_key(|l| l.valid_to);
            found.push(Inconsistency::ProducingWithExpiredLicence {
                licence: latest.map(|l| l.number.clone()).unwrap_or_default(),
            });
        }
        let safety_in_force = permits.safety_valid_to.is_some_and(|to| to >= today);
        if !safety_in_force {
            found.push(Inconsistency::ProducingWithoutSafetyLicence);
        }
    }
    let holders: Vec<CompanyId> = mining
        .iter()
        .filter(|l| l.state == LicenceState::Active)
        .map(|l| l.holder_company_id)
        .collect();
    if !holders.is_empty() {
        for (company, name, count) in &permits.holders {
            if !holders.contains(company) {
                found.push(Inconsistency::PermitHolderMismatch {
                    holder: name.clone(),
                    permits: *count,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    const TODAY: &str = "2026-11-28";

    fn licence(valid_to: &str) -> LicenceFacts {
        LicenceFacts {
            number: "C4502232010127130096532".into(),
            kind: LicenceKind::Mining,
            state: LicenceState::Active,
            valid_to: d(valid_to),
            holder_company_id: CompanyId(1),
        }
    }

    fn permits(safety_to: Option<&str>, holders: &[i64]) -> PermitSummary {
        PermitSummary {
            safety_valid_to: safety_to.map(d),
            safety_starts_on: None,
            next_active_valid_to: safety_to.map(d),
            holders: holders
                .iter()
                .map(|&h| (CompanyId(h), format!("company {h}"), 1))
                .collect(),
        }
    }

    #[test]
    fn a_producing_mine_with_licence_and_safety_licence_in_force_is_fine() {
        let found = check_mine(
            MineStatus::Producing,
            &[licence("2030-01-01")],
            &permits(Some("2027-01-01"), &[1]),
            &[],
            d(TODAY),
        );
        assert_eq!(found, vec![]);
    }

    #[test]
    fn producing_with_an_expired_safety_licence_and_licence_is_two_problems() {
        let found = check_mine(
            MineStatus::Producing,
            &[licence("2026-11-27")],
            &permits(Some("2026-11-01"), &[1]),
            &[],
            d(TODAY),
        );
        let codes: Vec<&str> = found.iter().map(Inconsistency::code).collect();
        assert_eq!(codes, ["expired_licence", "no_safety_licence"]);
    }

    #[test]
    fn a_suspended_mine_needs_no_safety_licence() {
        let found = check_mine(
            MineStatus::Suspended,
            &[licence("2020-01-01")],
            &PermitSummary::default(),
            &[],
            d(TODAY),
        );
        assert_eq!(found, vec![]);
    }

    #[test]
    fn permits_held_by_another_company_are_reported_per_holder() {
        let found = check_mine(
            MineStatus::Preparing,
            &[licence("2030-01-01")],
            &permits(None, &[1, 2]),
            &[],
            d(TODAY),
        );
        assert_eq!(
            found,
            vec![Inconsistency::PermitHolderMismatch {
                holder: "company 2".into(),
                permits: 1
            }]
        );
    }

    #[test]
    fn a_permit_due_within_ninety_days_is_expiring_and_an_expired_one_is_lapsed() {
        let today = d(TODAY);
        assert!(permits(Some("2027-02-26"), &[]).expiring(today));
        assert!(permits(Some("2026-11-28"), &[]).expiring(today));
        assert!(!permits(Some("2026-11-01"), &[]).expiring(today));
        assert!(permits(Some("2026-11-01"), &[]).lapsed(today));
        assert!(!permits(Some("2027-03-01"), &[]).expiring(today));
        assert!(!PermitSummary::default().expiring(today));
        let lic = [licence("2030-01-01")];
        assert_eq!(
            MapState::of(
                MineStatus::Preparing,
                &[],
                &lic,
                &permits(Some("2026-11-01"), &[1]),
                today
            ),
            MapState::Lapsed
        );
    }

    #[test]
    fn a_safety_licence_that_has_not_begun_does_not_clear_a_producing_mine() {
        // The summary counts only safety licences whose validity has begun; one starting next month is
        // in safety_starts_on, and the mine is still producing without one in force.
        let summary = PermitSummary {
            safety_valid_to: None,
            safety_starts_on: Some(d("2026-12-15")),
            next_active_valid_to: None,
            holders: vec![(CompanyId(1), "company 1".into(), 1)],
        };
        let found = check_mine(
            MineStatus::Producing,
            &[licence("2030-01-01")],
            &summary,
            &[],
            d(TODAY),
        );
        assert_eq!(found, vec![Inconsistency::ProducingWithoutSafetyLicence]);
    }

    #[test]
    fn problems_colour_a_mine_before_expiry_and_a_closed_mine_is_never_expiring() {
        let today = d(TODAY);
        let due = permits(Some("2026-12-20"), &[1]);
        let lic = [licence("2030-01-01")];
        assert_eq!(
            MapState::of(MineStatus::Producing, &[], &lic, &due, today),
            MapState::Expiring
        );
        let problem = [Inconsistency::ProducingWithoutLicence];
        assert_eq!(
            MapState::of(MineStatus::Producing, &problem, &lic, &due, today),
            MapState::Problem
        );
        assert_eq!(
            MapState::of(MineStatus::Closed, &[], &lic, &due, today),
            MapState::Fine
        );
        let licence_due = [licence("2027-01-15")];
        let fine_permits = permits(Some("2028-01-01"), &[1]);
        assert_eq!(
            MapState::of(MineStatus::Producing, &[], &licence_due, &fine_permits, today),
            MapState::Expiring
        );
        assert_eq!(
            MapState::of(MineStatus::Producing, &[], &lic, &fine_permits, today),
            MapState::Fine
        );
    }

    #[test]
    fn overlaps_below_a_square_metre_are_rounding() {
        let overlap = |area_m2, protected| OverlapFacts {
            licence_number: "C1".into(),
            other: "X".into(),
            protected,
            area_m2,
        };
        let found = check_mine(
            MineStatus::Closed,
            &[],
            &PermitSummary::default(),
            &[overlap(0.4, false), overlap(1520.0, true)],
            d(TODAY),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found.first().map(Inconsistency::code), Some("protected_overlap"));
    }
}
