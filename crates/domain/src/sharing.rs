//! 信息共享 — who posts to and reads the sharing feed, and what kinds of item it carries.

use crate::agency::AgencyCode;
use crate::field::Problem;
use serde::Serialize;
use std::fmt;

/// A sender or recipient of the feed: the supervision office, or a member agency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Party {
    /// 监管办.
    Office,
    Agency(AgencyCode),
}

impl Party {
    /// The stored code of the office.
    pub const OFFICE: &'static str = "office";

    /// `office`, or the agency's code.
    pub fn code(&self) -> &str {
        match self {
            Party::Office => Self::OFFICE,
            Party::Agency(code) => code.as_str(),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw.trim() {
            Self::OFFICE => Ok(Party::Office),
            other => AgencyCode::parse(other).map(Party::Agency),
        }
    }

    /// The agency, for an agency party.
    pub fn agency(&self) -> Option<&AgencyCode> {
        match self {
            Party::Office => None,
            Party::Agency(code) => Some(code),
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What an item of the feed is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum ShareKind {
    /// 审批 — a licence, permit or approval granted or renewed.
    Approval,
    /// 撤销 — revoked, suspended or cancelled.
    Revocation,
    /// 线索 — a case lead found in daily work.
    Lead,
    /// 处置结果 — the result of handling a lead.
    Disposal,
    /// 联合惩戒 — an entry put on or lifted from the credit list.
    Credit,
}

impl ShareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Approval => "approval",
            ShareKind::Revocation => "revocation",
            ShareKind::Lead => "lead",
            ShareKind::Disposal => "disposal",
            ShareKind::Credit => "credit",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        use strum::IntoEnumIterator;
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    /// Whether a person may post this kind by hand (the platform posts credit-list items itself).
    pub fn posted_by_hand(self) -> bool {
        self != ShareKind::Credit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn parties_and_kinds_round_trip_through_their_codes() {
        for party in [Party::Office, Party::Agency(AgencyCode::parse("em").unwrap())] {
            assert_eq!(Party::parse(party.code()), Ok(party));
        }
        assert!(Party::parse("EM").is_err());
        for kind in ShareKind::iter() {
            assert_eq!(ShareKind::parse(kind.as_str()), Ok(kind));
        }
    }
}
