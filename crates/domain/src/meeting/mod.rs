//! 会商 / 联席会议 — consultations: their kinds, the attendance of the member agencies, and the decisions
//! each given to one agency with a deadline and followed like any task (WORKFLOW.md §6).
//!
//! A consultation is convened by the office (召集) with the agencies invited; while it is open the
//! office records who attended, the agenda items and the decisions; issuing the minutes (印发纪要)
//! closes it and turns every decision into a task of its owner agency. A decision without an owner or
//! a deadline is refused: the plan asks that decisions be followed to the end. Attendance counts in the
//! yearly assessment of agencies ([`Attendance`]).
//!
//! What must not live here: the minutes' layout (the web's print), who may act (the policy).

pub mod flow;

pub use flow::{DecisionCommand, DecisionFlow, DecisionStep, MeetingCommand, MeetingFlow, MeetingStep};

use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{CaseId, DecisionId, FindingId, MeetingId, MeetingItemId, MineId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use strum::IntoEnumIterator;

/// What kind of consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum MeetingKind {
    /// 年度联席会议 — at least one a year.
    Annual,
    /// 紧急会商 — an emergency.
    Emergency,
    /// 专题会商 — a special topic.
    Special,
    /// 上级交办 — a matter assigned from above.
    Assigned,
}

impl MeetingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::Annual => "annual",
            MeetingKind::Emergency => "emergency",
            MeetingKind::Special => "special",
            MeetingKind::Assigned => "assigned",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MeetingKind::Annual => "年度联席会议",
            MeetingKind::Emergency => "紧急会商",
            MeetingKind::Special => "专题会商",
            MeetingKind::Assigned => "上级交办会商",
        }
    }
}

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum MeetingState {
    /// 已召集 — attendance, agenda and decisions are being recorded.
    Convened,
    /// 已印发纪要 — closed; its decisions are tasks.
    Issued,
}

impl MeetingState {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Convened => "convened",
            MeetingState::Issued => "issued",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    /// Whether attendance, items and decisions may still change.
    pub fn check_open(self) -> Result<(), Problem> {
        match self {
            MeetingState::Convened => Ok(()),
            MeetingState::Issued => Err(Problem::MinutesIssued),
        }
    }
}

/// How an invited agency attended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum Presence {
    /// 待确认 — invited, not yet recorded.
    Invited,
    /// 出席 — its member (or head) attended.
    Present,
    /// 委托出席 — someone else attended for it.
    Delegated,
    /// 请假 — excused in advance.
    Excused,
    /// 缺席 — absent without leave.
    Absent,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Invited => "invited",
            Presence::Present => "present",
            Presence::Delegated => "delegated",
            Presence::Excused => "excused",
            Presence::Absent => "absent",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Presence::Invited => "待确认",
            Presence::Present => "出席",
            Presence::Delegated => "委托出席",
            Presence::Excused => "请假",
            Presence::Absent => "缺席",
        }
    }

    /// Whether the agency took part (in person or by delegate).
    pub fn attended(self) -> bool {
        matches!(self, Presence::Present | Presence::Delegated)
    }
}

/// An invited agency and how it attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub agency: AgencyCode,
    /// Its name, for the refusal that lists who is still unrecorded.
    pub name_zh: String,
    pub presence: Presence,
    pub person: Option<String>,
}

/// An agenda item; `id` is `None` until it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: Option<MeetingItemId>,
    pub title: String,
    pub discussion: Option<String>,
    pub mine_id: Option<MineId>,
    pub mine_name: Option<String>,
    pub finding_id: Option<FindingId>,
    pub case_id: Option<CaseId>,
    pub case_no: Option<String>,
}

/// A consultation with its attendance and agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    pub id: MeetingId,
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub chair: String,
    pub state: MeetingState,
    pub convened_by_label: String,
    pub convened_at: DateTime<Utc>,
    pub minutes_no: Option<String>,
    pub minutes: Option<String>,
    pub issued_by_label: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub attendees: Vec<Attendee>,
    pub items: Vec<Item>,
}

/// A decision of a consultation, with its consultation's title and minutes' number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: DecisionId,
    pub meeting_id: MeetingId,
    pub meeting_title: String,
    pub minutes_no: Option<String>,
    pub seq: i64,
    pub text: String,
    pub agency: AgencyCode,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by_label: Option<String>,
    pub done_note: Option<String>,
}

/// Checks a decision: its text, its owner and its deadline (not before the meeting).
pub fn check_decision(
    text: &str,
    owner: Option<&str>,
    due_on: Option<NaiveDate>,
    held_on: NaiveDate,
) -> Result<(), (&'static str, Problem)> {
    if text.trim().is_empty() {
        return Err(("text", Problem::Required));
    }
    if owner.is_none_or(|o| o.trim().is_empty()) {
        return Err(("agency", Problem::DecisionOwnerRequired));
    }
    match due_on {
        None => Err(("due_on", Problem::Required)),
        Some(d) if d < held_on => Err((
            "due_on",
            Problem::DeadlineBeforeMeeting {
                date: held_on.to_string(),
            },
        )),
        Some(_) => Ok(()),
    }
}

/// One agency's attendance over a period, for the yearly assessment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Attendance {
    pub invited: usize,
    pub attended: usize,
    pub excused: usize,
    pub absent: usize,
    /// Invitations to meetings whose attendance was never recorded.
    pub unrecorded: usize,
}

impl Attendance {
    pub fn add(&mut self, presence: Presence) {
        self.invited += 1;
        match presence {
            Presence::Present | Presence::Delegated => self.attended += 1,
            Presence::Excused => self.excused += 1,
            Presence::Absent => self.absent += 1,
            Presence::Invited => self.unrecorded += 1,
        }
    }

    /// Attended of the invitations whose attendance is known, in per cent (rounded down), if any.
    pub fn rate_percent(&self) -> Option<usize> {
        let known = self.invited - self.unrecorded;
        (known > 0).then(|| self.attended * 100 / known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_decision_needs_an_owner_and_a_deadline_not_before_the_meeting() {
        let held = d("2026-03-10");
        assert_eq!(
            check_decision("整治越界开采", None, Some(d("2026-04-10")), held),
            Err(("agency", Problem::DecisionOwnerRequired))
        );
        assert_eq!(
            check_decision("整治越界开采", Some(" "), Some(d("2026-04-10")), held),
            Err(("agency", Problem::DecisionOwnerRequired))
        );
        assert_eq!(
            check_decision("整治越界开采", Some("nr"), None, held),
            Err(("due_on", Problem::Required))
        );
        assert_eq!(
            check_decision("整治越界开采", Some("nr"), Some(d("2026-03-09")), held),
            Err((
                "due_on",
                Problem::DeadlineBeforeMeeting {
                    date: "2026-03-10".into()
                }
            ))
        );
        assert_eq!(
            check_decision(" ", Some("nr"), Some(held), held),
            Err(("text", Problem::Required))
        );
        assert_eq!(check_decision("整治", Some("nr"), Some(held), held), Ok(()));
    }

    #[test]
    fn attendance_counts_for_the_assessment() {
        let mut a = Attendance::default();
        for p in [
            Presence::Present,
            Presence::Delegated,
            Presence::Absent,
            Presence::Excused,
            Presence::Invited,
        ] {
            a.add(p);
        }
        assert_eq!(
            (a.invited, a.attended, a.absent, a.excused, a.unrecorded),
            (5, 2, 1, 1, 1)
        );
        assert_eq!(a.rate_percent(), Some(50));
        assert_eq!(Attendance::default().rate_percent(), None);
    }

    #[test]
    fn an_issued_meeting_is_closed_and_codes_read_back() {
        assert_eq!(MeetingState::Issued.check_open(), Err(Problem::MinutesIssued));
        assert_eq!(MeetingState::Convened.check_open(), Ok(()));
        for k in MeetingKind::iter() {
            assert_eq!(MeetingKind::parse(k.as_str()), Ok(k));
        }
        for p in Presence::iter() {
            assert_eq!(Presence::parse(p.as_str()), Ok(p));
        }
        assert_eq!(Presence::parse("late"), Err(Problem::Invalid));
    }
}
