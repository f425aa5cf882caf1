//! 整改台账 — findings on the rectification ledger, their states and the rules of each step
//! (WORKFLOW.md §1.3 and §2).
//!
//! A finding is one problem found at one mine, with the agency that answers for its rectification and a
//! deadline. It moves 待整改 → 整改中 → 申请销号 → 复查 → 已销号, or from 复查 back to 整改中 (退回). The
//! record ([`Finding`]), the deadline rules ([`check_deadline`], [`check_extension`]) and what counts as
//! overdue or on time are here; its workflow (every step with its rule, tasks and document) is
//! [`flow`]; who may take a step is decided by the policy (`Action::VerifyRectification` refuses the
//! person who recorded the evidence).

pub mod flow;

pub use flow::{FindingCommand, FindingFlow, FindingStep};

use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{FindingId, MineId};
use crate::workflow::HistoryEvent;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use strum::IntoEnumIterator;

/// Where a finding is in its rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum FindingState {
    /// 待整改 — recorded; the rectification order is not yet issued.
    Pending,
    /// 整改中 — the order is issued; the company is fixing it.
    Rectifying,
    /// 申请销号 — evidence of the fix is recorded; waiting for verification.
    Applied,
    /// 复查 — the responsible agency is verifying on site.
    Reviewing,
    /// 已销号 — verified and closed.
    Closed,
}

impl FindingState {
    /// Every state, in the order of the workflow.
    pub const ALL: [FindingState; 5] = [
        FindingState::Pending,
        FindingState::Rectifying,
        FindingState::Applied,
        FindingState::Reviewing,
        FindingState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Pending => "pending",
            FindingState::Rectifying => "rectifying",
            FindingState::Applied => "applied",
            FindingState::Reviewing => "reviewing",
            FindingState::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FindingState::Pending => "待整改",
            FindingState::Rectifying => "整改中",
            FindingState::Applied => "申请销号",
            FindingState::Reviewing => "复查",
            FindingState::Closed => "已销号",
        }
    }

    pub fn is_open(self) -> bool {
        self != FindingState::Closed
    }
}

/// Where a finding came from. The list stays open: monitoring and tip-offs will add findings too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum FindingSource {
    /// 联合检查.
    JointInspection,
    /// 部门检查 — an agency's own inspection.
    AgencyInspection,
    /// 监测 — drone or satellite monitoring.
    Monitoring,
    /// 举报.
    TipOff,
    /// 其他 (a referral from above, a media report).
    Other,
}

impl FindingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSource::JointInspection => "joint_inspection",
            FindingSource::AgencyInspection => "agency_inspection",
            FindingSource::Monitoring => "monitoring",
            FindingSource::TipOff => "tip_off",
            FindingSource::Other => "other",
        }
    }

    /// The Chinese name, for exports and printed documents (the web uses its catalogue).
    pub fn label_zh(self) -> &'static str {
        match self {
            FindingSource::JointInspection => "联合检查",
            FindingSource::AgencyInspection => "部门检查",
            FindingSource::Monitoring => "监测发现",
            FindingSource::TipOff => "举报",
            FindingSource::Other => "其他",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum Severity {
    /// 一般.
    General,
    /// 较重.
    Serious,
    /// 重大.
    Major,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::General => "general",
            Severity::Serious => "serious",
            Severity::Major => "major",
        }
    }

    /// The Chinese name, for exports and printed documents (the web uses its catalogue).
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::General => "一般",
            Severity::Serious => "较重",
            Severity::Major => "重大",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }
}

/// A finding as it is recorded, with what the ledger shows beside it (its mine, company and category
/// names) and its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: FindingId,
    pub mine_id: MineId,
    pub mine_name: String,
    pub township: String,
    pub company_name: String,
    pub source: FindingSource,
    pub source_ref: Option<String>,
    pub category: String,
    pub category_zh: String,
    pub category_en: String,
    pub description: String,
    pub legal_basis: Option<String>,
    pub severity: Severity,
    pub agency: AgencyCode,
    pub measures: Option<String>,
    pub found_on: NaiveDate,
    pub original_deadline_on: NaiveDate,
    pub deadline_on: NaiveDate,
    pub state: FindingState,
    pub notice_no: Option<String>,
    pub notice_issued_at: Option<DateTime<Utc>>,
    pub recorded_by: Option<AccountId>,
    pub recorded_by_label: String,
    pub recorded_at: DateTime<Utc>,
    pub evidence_by: Option<AccountId>,
    pub evidence_by_label: Option<String>,
    pub evidence_at: Option<DateTime<Utc>>,
    pub evidence_note: Option<String>,
    pub verifier_id: Option<AccountId>,
    pub verifier_label: Option<String>,
    pub verify_due_on: Option<NaiveDate>,
    pub verified_at: Option<DateTime<Utc>>,
    pub verify_opinion: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// A pending request for a longer deadline: the date asked for and why.
    pub extension_on: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    /// Listed for supervision (挂牌督办) since, and why.
    pub listed_at: Option<DateTime<Utc>>,
    pub listed_reason: Option<String>,
    pub listed_deadline_on: Option<NaiveDate>,
    pub events: Vec<HistoryEvent>,
}

impl Finding {
    /// Whether it is late on `today` ([`is_overdue`]).
    pub fn overdue(&self, today: NaiveDate) -> bool {
        is_overdue(self.state, self.deadline_on, self.verify_due_on, today)
    }

    /// The deadline the rectification is held to now: the supervision deadline while listed.
    pub fn deadline_in_force(&self) -> NaiveDate {
        self.listed_deadline_on.unwrap_or(self.deadline_on)
    }
}

/// A new deadline must not lie in the past (today, in the county, is allowed).
pub fn check_deadline(deadline: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Problem> {
    if deadline < today {
        return Err(Problem::DeadlineInPast {
            today: today.to_string(),
        });
    }
    Ok(deadline)
}

/// An extension is asked for before the deadline has passed, and asks for a later date.
pub fn check_extension(
    current: NaiveDate,
    requested: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, Problem> {
    if today > current {
        return Err(Problem::ExtensionTooLate {
            deadline: current.to_string(),
        });
    }
    if requested <= current {
        return Err(Problem::ExtensionNotLater {
            deadline: current.to_string(),
        });
    }
    Ok(requested)
}

/// Whether a finding is late now (the deadline day itself is still in time): before its evidence is
/// recorded, against its rectification deadline; once evidence is recorded (申请销号, 复查), the
/// company has done its part and only the verification can be late, against its own deadline. A
/// closed finding is never late. `storage::findings` filters by the same rule in SQL; a test keeps the
/// two equal.
pub fn is_overdue(
    state: FindingState,
    deadline: NaiveDate,
    verify_due: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    match state {
        FindingState::Pending | FindingState::Rectifying => today > deadline,
        FindingState::Applied | FindingState::Reviewing => verify_due.is_some_and(|due| today > due),
        FindingState::Closed => false,
    }
}

/// Whether a finding was closed by its deadline (the deadline in force when it closed, extensions
/// included; a supervision deadline does not make a late finding on time).
pub fn closed_on_time(closed_on: NaiveDate, deadline: NaiveDate) -> bool {
    closed_on <= deadline
}

/// What the quarterly figures need of one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingFacts {
    pub state: FindingState,
    pub category: String,
    pub agency: crate::agency::AgencyCode,
    pub deadline_on: NaiveDate,
    /// The day the evidence that was finally accepted was recorded (the last application).
    pub evidence_on: Option<NaiveDate>,
    pub verify_due_on: Option<NaiveDate>,
    /// The day the verification concluded.
    pub verified_on: Option<NaiveDate>,
}

/// A quarter's ledger figures (the reporting work's input): of the findings recorded in the quarter,
/// by category and agency; how many were closed on time or late (judged by the day the accepted
/// evidence was recorded against the deadline in force, so the agency's verification time does not
/// make the company late); how many are open and, of those, overdue on `as_of`; and how many
/// verifications concluded within their own deadline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarterFigures {
    pub recorded: usize,
    pub by_category: std::collections::BTreeMap<String, usize>,
    pub by_agency: std::collections::BTreeMap<crate::agency::AgencyCode, usize>,
    pub closed_on_time: usize,
    pub closed_late: usize,
    pub open: usize,
    pub open_overdue: usize,
    pub verified_in_time: usize,
    pub verified_late: usize,
}

pub fn quarter_figures(facts: &[FindingFacts], as_of: NaiveDate) -> QuarterFigures {
    let mut out = QuarterFigures {
        recorded: facts.len(),
        ..QuarterFigures::default()
    };
    for f in facts {
        *out.by_category.entry(f.category.clone()).or_default() += 1;
        *out.by_agency.entry(f.agency.clone()).or_default() += 1;
        if f.state == FindingState::Closed {
            match f.evidence_on {
                Some(day) if closed_on_time(day, f.deadline_on) => out.closed_on_time += 1,
                _ => out.closed_late += 1,
            }
        } else {
            out.open += 1;
            if is_overdue(f.state, f.deadline_on, f.verify_due_on, as_of) {
                out.open_overdue += 1;
            }
        }
        if let (Some(done), Some(due)) = (f.verified_on, f.verify_due_on) {
            if done <= due {
                out.verified_in_time += 1;
            } else {
                out.verified_late += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;
    use FindingState::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_deadline_in_the_past_is_refused_and_today_is_allowed() {
        assert_eq!(
            check_deadline(d("2026-03-10"), d("2026-03-10")),
            Ok(d("2026-03-10"))
        );
        assert_eq!(
            check_deadline(d("2026-03-09"), d("2026-03-10")),
            Err(Problem::DeadlineInPast {
                today: "2026-03-10".into()
            })
        );
    }

    #[test]
    fn an_extension_must_come_before_the_deadline_passes_and_ask_for_a_later_date() {
        let deadline = d("2026-03-10");
        assert_eq!(
            check_extension(deadline, d("2026-04-10"), d("2026-03-10")),
            Ok(d("2026-04-10"))
        );
        assert!(matches!(
            check_extension(deadline, d("2026-04-10"), d("2026-03-11")),
            Err(Problem::ExtensionTooLate { .. })
        ));
        assert!(matches!(
            check_extension(deadline, d("2026-03-10"), d("2026-03-01")),
            Err(Problem::ExtensionNotLater { .. })
        ));
    }

    #[test]
    fn a_finding_is_overdue_the_day_after_its_deadline_unless_its_evidence_is_in_or_it_is_closed() {
        let deadline = d("2026-03-10");
        assert!(!is_overdue(Rectifying, deadline, None, d("2026-03-10")));
        assert!(is_overdue(Rectifying, deadline, None, d("2026-03-11")));
        assert!(is_overdue(Pending, deadline, None, d("2026-03-11")));
        // Evidence recorded on time: waiting for verification is not the company's delay...
        assert!(!is_overdue(
            Applied,
            deadline,
            Some(d("2026-03-15")),
            d("2026-03-12")
        ));
        // ...but a verification past its own deadline is late.
        assert!(is_overdue(
            Reviewing,
            deadline,
            Some(d("2026-03-15")),
            d("2026-03-16")
        ));
        assert!(!is_overdue(Closed, deadline, None, d("2026-05-01")));
        assert!(closed_on_time(d("2026-03-10"), deadline));
        assert!(!closed_on_time(d("2026-03-11"), deadline));
    }

    #[test]
    fn codes_round_trip() {
        for s in FindingState::iter() {
            assert_eq!(FindingState::parse(s.as_str()), Ok(s));
        }
        for s in FindingSource::iter() {
            assert_eq!(FindingSource::parse(s.as_str()), Ok(s));
        }
        for s in Severity::iter() {
            assert_eq!(Severity::parse(s.as_str()), Ok(s));
        }
        assert_eq!(Severity::parse(""), Err(Problem::Required));
    }

    #[test]
    fn a_quarter_counts_on_time_by_the_accepted_evidence_and_verification_by_its_own_deadline() {
        let ps = crate::agency::AgencyCode::parse("ps").unwrap();
        let em = crate::agency::AgencyCode::parse("em").unwrap();
        let fact = |state,
                    agency: &crate::agency::AgencyCode,
                    evidence: Option<&str>,
                    verified: Option<&str>| FindingFacts {
            state,
            category: "dust".into(),
            agency: agency.clone(),
            deadline_on: d("2026-03-31"),
            evidence_on: evidence.map(d),
            verify_due_on: evidence.map(|e| d(e) + chrono::Duration::days(10)),
            verified_on: verified.map(d),
        };
        let facts = [
            // Evidence by the deadline, verified after it but within its own ten days: on time.
            fact(Closed, &ps, Some("2026-03-30"), Some("2026-04-05")),
            // Evidence after the deadline: late; verified on the day its deadline ends.
            fact(Closed, &ps, Some("2026-04-02"), Some("2026-04-12")),
            // Verified late.
            fact(Closed, &em, Some("2026-03-01"), Some("2026-03-20")),
            fact(Rectifying, &em, None, None),
            fact(Applied, &em, Some("2026-04-20"), None),
        ];
        let q = quarter_figures(&facts, d("2026-04-25"));
        assert_eq!(q.recorded, 5);
        assert_eq!((q.closed_on_time, q.closed_late), (2, 1));
        assert_eq!((q.open, q.open_overdue), (2, 1));
        assert_eq!((q.verified_in_time, q.verified_late), (2, 1));
        assert_eq!(q.by_agency.get(&ps), Some(&2));
        assert_eq!(q.by_category.get("dust"), Some(&5));
    }
}
