//! 联合惩戒名单 — the joint-punishment credit list: who is on it on a given day, and whether an applicant
//! or anyone who controls it is.

use crate::ids::{CompanyId, PersonId};
use chrono::NaiveDate;
use serde::Serialize;

/// What a credit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CreditSubject {
    Company(CompanyId),
    Person(PersonId),
}

/// Whether an entry is still on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CreditStatus {
    Active,
    /// 移出名单 — lifted by its source agency (entries are never deleted).
    Lifted,
}

impl CreditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditStatus::Active => "active",
            CreditStatus::Lifted => "lifted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(CreditStatus::Active),
            "lifted" => Some(CreditStatus::Lifted),
            _ => None,
        }
    }
}

/// An entry as the check needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditFacts {
    pub id: crate::ids::CreditEntryId,
    pub subject: CreditSubject,
    /// Who it is (company or person name), for the warning.
    pub subject_name: String,
    pub reason: String,
    /// `false` once lifted.
    pub active: bool,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

impl CreditFacts {
    /// Whether the entry is in force on `today`: not lifted, started, not ended.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.active && self.from_on <= today && self.to_on.is_none_or(|to| to >= today)
    }
}

/// The entries in force on `today` that concern the applicant company or a person who controls it.
pub fn hits<'a>(
    entries: &'a [CreditFacts],
    applicant: CompanyId,
    controllers: &[PersonId],
    today: NaiveDate,
) -> Vec<&'a CreditFacts> {
    entries
        .iter()
        .filter(|e| e.in_force(today))
        .filter(|e| match e.subject {
            CreditSubject::Company(id) => id == applicant,
            CreditSubject::Person(id) => controllers.contains(&id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn entry(subject: CreditSubject, to_on: Option<&str>, active: bool) -> CreditFacts {
        CreditFacts {
            id: crate::ids::CreditEntryId(1),
            subject,
            subject_name: "x".into(),
            reason: "越界开采".into(),
            active,
            from_on: d("2025-01-01"),
            to_on: to_on.map(d),
        }
    }

    #[test]
    fn a_listed_controller_is_a_hit_for_every_company_it_controls() {
        let entries = [entry(CreditSubject::Person(PersonId(7)), None, true)];
        let (c1, p7, p8) = (CompanyId(1), PersonId(7), PersonId(8));
        assert_eq!(hits(&entries, c1, &[p7, p8], d("2026-11-28")).len(), 1);
        assert!(hits(&entries, c1, &[p8], d("2026-11-28")).is_empty());
    }

    #[test]
    fn lifted_and_ended_entries_are_not_hits() {
        let today = d("2026-11-28");
        let c1 = CompanyId(1);
        let lifted = [entry(CreditSubject::Company(c1), None, false)];
        assert!(hits(&lifted, c1, &[], today).is_empty());
        let ended = [entry(CreditSubject::Company(c1), Some("2026-11-27"), true)];
        assert!(hits(&ended, c1, &[], today).is_empty());
        let last_day = [entry(CreditSubject::Company(c1), Some("2026-11-28"), true)];
        assert_eq!(hits(&last_day, c1, &[], today).len(), 1);
    }
}
