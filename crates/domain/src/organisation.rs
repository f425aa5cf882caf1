//! 组织机构 — the command centre (指挥部) and its office (监管办) as seats held by accounts.
//!
//! A seat (`position`) is a place in one body: the commander, a deputy commander, the member for an
//! agency, the office director, the office member for an agency. Who sits there is a history of terms;
//! a change of holder is *filed* (备案) with the office and closes the previous term rather than erasing
//! it. This module holds the vocabulary and the filing rule; storage keeps the rows.

use crate::account::AccountId;
use crate::field::{optional_text, FieldErrors, Problem};
use chrono::NaiveDate;

/// The two bodies of the mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Body {
    /// 指挥部
    Command,
    /// 监管办
    Office,
}

impl Body {
    pub fn as_str(self) -> &'static str {
        match self {
            Body::Command => "command",
            Body::Office => "office",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "command" => Some(Body::Command),
            "office" => Some(Body::Office),
            _ => None,
        }
    }
}

/// The title of a seat; its body follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeatTitle {
    /// 指挥长
    Commander,
    /// 副指挥长
    DeputyCommander,
    /// 指挥部成员 (one per member agency)
    CommandMember,
    /// 监管办主任
    OfficeDirector,
    /// 监管办成员 (section head of a member agency)
    OfficeMember,
}

impl SeatTitle {
    pub const ALL: [SeatTitle; 5] = [
        SeatTitle::Commander,
        SeatTitle::DeputyCommander,
        SeatTitle::CommandMember,
        SeatTitle::OfficeDirector,
        SeatTitle::OfficeMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SeatTitle::Commander => "commander",
            SeatTitle::DeputyCommander => "deputy_commander",
            SeatTitle::CommandMember => "command_member",
            SeatTitle::OfficeDirector => "office_director",
            SeatTitle::OfficeMember => "office_member",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        SeatTitle::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    pub fn body(self) -> Body {
        match self {
            SeatTitle::Commander | SeatTitle::DeputyCommander | SeatTitle::CommandMember => Body::Command,
            SeatTitle::OfficeDirector | SeatTitle::OfficeMember => Body::Office,
        }
    }

    /// Whether a seat with this title stands for one member agency.
    pub fn per_agency(self) -> bool {
        matches!(self, SeatTitle::CommandMember | SeatTitle::OfficeMember)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            SeatTitle::Commander => "seat.commander",
            SeatTitle::DeputyCommander => "seat.deputy_commander",
            SeatTitle::CommandMember => "seat.command_member",
            SeatTitle::OfficeDirector => "seat.office_director",
            SeatTitle::OfficeMember => "seat.office_member",
        }
    }
}

/// How many deputy commander seats a new installation starts with (the Luzhai plan names two).
pub const STANDARD_DEPUTY_SEATS: usize = 2;

/// A validated filing (备案) of a new holder for a seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    /// The new holder, or `None` to leave the seat vacant.
    pub holder: Option<AccountId>,
    /// First day of the new term (and the day after the previous term ends).
    pub from_on: NaiveDate,
    pub note: Option<String>,
}

/// The seat's current term, as far as the filing rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentTerm {
    pub holder: Option<AccountId>,
    pub from_on: NaiveDate,
}

/// Maximum length of a filing note.
pub const NOTE_MAX: usize = 500;

/// Validates a filing against the seat's current term.
///
/// The new term may not start before the current one (history is never rewritten backwards), and a
/// filing must change something.
pub fn check_filing(
    current: Option<CurrentTerm>,
    holder: Option<AccountId>,
    from_on: Result<NaiveDate, Problem>,
    note: &str,
) -> Result<Filing, FieldErrors> {
    let mut errors = FieldErrors::new();
    let from_on = errors.take("from_on", from_on);
    let note = errors.take("note", optional_text(note, NOTE_MAX));
    if let Some(current) = current {
        if current.holder == holder {
            errors.push("holder", Problem::Unchanged);
        }
        if let Some(from) = from_on {
            if from < current.from_on {
                errors.push(
                    "from_on",
                    Problem::BeforeCurrentTerm {
                        since: current.from_on.to_string(),
                    },
                );
            }
        }
    } else if holder.is_none() {
        errors.push("holder", Problem::Unchanged);
    }
    match (from_on, note) {
        (Some(from_on), Some(note)) if errors.is_empty() => Ok(Filing {
            holder,
            from_on,
            note,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn filing_a_new_holder_for_a_vacant_seat_is_fine() {
        let filing = check_filing(None, Some(AccountId(7)), Ok(day("2026-01-05")), " 县政府调整 ").unwrap();
        assert_eq!(filing.holder, Some(AccountId(7)));
        assert_eq!(filing.note.as_deref(), Some("县政府调整"));
    }

    #[test]
    fn a_filing_may_not_start_before_the_current_term() {
        let current = CurrentTerm {
            holder: Some(AccountId(1)),
            from_on: day("2026-03-01"),
        };
        let errors = check_filing(Some(current), Some(AccountId(2)), Ok(day("2026-02-28")), "").unwrap_err();
        assert_eq!(
            errors.get("from_on"),
            Some(&Problem::BeforeCurrentTerm {
                since: "2026-03-01".into()
            })
        );
    }

    #[test]
    fn filing_the_same_holder_again_changes_nothing_and_is_refused() {
        let current = CurrentTerm {
            holder: Some(AccountId(1)),
            from_on: day("2026-03-01"),
        };
        let errors = check_filing(Some(current), Some(AccountId(1)), Ok(day("2026-04-01")), "").unwrap_err();
        assert_eq!(errors.get("holder"), Some(&Problem::Unchanged));
    }

    #[test]
    fn vacating_an_empty_seat_is_refused() {
        let errors = check_filing(None, None, Ok(day("2026-04-01")), "").unwrap_err();
        assert_eq!(errors.get("holder"), Some(&Problem::Unchanged));
    }

    #[test]
    fn overlong_note_and_bad_date_are_both_reported() {
        let note = "注".repeat(NOTE_MAX + 1);
        let errors = check_filing(None, Some(AccountId(1)), Err(Problem::BadDate), &note).unwrap_err();
        assert_eq!(errors.get("from_on"), Some(&Problem::BadDate));
        assert_eq!(errors.get("note"), Some(&Problem::TooLong { max: NOTE_MAX }));
    }

    #[test]
    fn member_seats_belong_to_their_body() {
        assert_eq!(SeatTitle::CommandMember.body(), Body::Command);
        assert_eq!(SeatTitle::OfficeMember.body(), Body::Office);
        assert!(SeatTitle::OfficeMember.per_agency());
        assert!(!SeatTitle::Commander.per_agency());
    }
}
