//! 行刑衔接 — referrals of suspected crimes out of a penalty case, the procuratorate's opinions coming in,
//! and their clocks (WORKFLOW.md §5; State Council Order 310, revised 2020).
//!
//! A referral runs 报请审批 → (不予移送 | 批准移送) → 已移送 → 已接收 → (已立案 | 不予立案) … → 已移交 →
//! 已反馈. After the receiving body refuses to file, the agency may once ask it to reconsider and once
//! ask the procuratorate to supervise, or accept the refusal; under supervision the police explain
//! within 7 days and, when told to, file within 15. [`flow::ReferralFlow`] is the workflow (its states,
//! steps, clocks and the referral number), [`Receiver`] says who receives and whether it answers in the
//! platform, [`Package`] is the checklist of the five documents, and [`ReferralRules`] holds the clocks.
//! [`opinion`] is the other direction: the procuratorate's opinions coming in.
//!
//! The periods of Order 310 are written in days (日), counted here as calendar days.
//!
//! What must not live here: who may take a step (the policy), the documents' layout, the zip.

use crate::field::Problem;
use crate::task::TaskKind;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::Serialize;
use strum::IntoEnumIterator;

pub mod flow;
pub mod opinion;

pub use flow::{Referral, ReferralCommand, ReferralFlow, Transfer};
pub use opinion::{Opinion, OpinionFlow};

/// Who receives a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum Receiver {
    /// 公安机关 — the member agency `ps`, which answers in the platform.
    PublicSecurity,
    /// 扫黑除恶斗争领导小组办公室 (outside the platform).
    AntiGang,
    /// 人民检察院 (outside the platform).
    Procuratorate,
    /// 纪委监委 — clues of official misconduct (outside the platform).
    Discipline,
    /// Another administrative agency with jurisdiction, a member agency answering in the platform.
    Agency,
}

impl Receiver {
    pub fn as_str(self) -> &'static str {
        match self {
            Receiver::PublicSecurity => "ps",
            Receiver::AntiGang => "anti_gang",
            Receiver::Procuratorate => "procuratorate",
            Receiver::Discipline => "discipline",
            Receiver::Agency => "agency",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Receiver::PublicSecurity => "公安机关",
            Receiver::AntiGang => "扫黑除恶斗争领导小组办公室",
            Receiver::Procuratorate => "人民检察院",
            Receiver::Discipline => "纪委监委",
            Receiver::Agency => "其他行政机关",
        }
    }

    /// The member agency that answers in the platform: public security's own code, a chosen agency
    /// for [`Receiver::Agency`], none for an outside body (the case team records its answers, with a
    /// scan of its receipt).
    pub fn member(self, chosen: Option<&str>) -> Result<Option<String>, Problem> {
        match (self, chosen.map(str::trim).filter(|c| !c.is_empty())) {
            (Receiver::PublicSecurity, _) => Ok(Some("ps".to_string())),
            (Receiver::Agency, Some(code)) => Ok(Some(code.to_string())),
            (Receiver::Agency, None) => Err(Problem::AgencyRequired),
            (_, _) => Ok(None),
        }
    }

    /// Whether it decides to file a criminal case (the police, and the procuratorate for its own
    /// cases); the others take the matter over without a filing decision in Order 310's sense.
    pub fn files_cases(self) -> bool {
        matches!(self, Receiver::PublicSecurity | Receiver::Procuratorate)
    }
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum RefState {
    /// 报请审批 — the team's report waits for the head.
    Reported,
    /// 不予移送 — the head refused, with reasons.
    Refused,
    /// 批准移送 — to be transferred within 24 hours.
    Approved,
    /// 已移送 — waiting for the receipt.
    Transferred,
    /// 已接收 — the receiving body decides whether to file.
    Received,
    /// 不予立案 — the agency may ask for reconsideration or supervision, or accept.
    Declined,
    /// 复议中.
    Reconsidering,
    /// 检察监督中.
    Supervised,
    /// 已立案 — items and files to hand over within 3 days.
    Filed,
    /// 已移交 — waiting for the result.
    HandedOver,
    /// 已反馈结果.
    Concluded,
    /// 终结（不予立案） — the refusal stands.
    Dropped,
}

impl RefState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefState::Reported => "reported",
            RefState::Refused => "refused",
            RefState::Approved => "approved",
            RefState::Transferred => "transferred",
            RefState::Received => "received",
            RefState::Declined => "declined",
            RefState::Reconsidering => "reconsidering",
            RefState::Supervised => "supervised",
            RefState::Filed => "filed",
            RefState::HandedOver => "handed_over",
            RefState::Concluded => "concluded",
            RefState::Dropped => "dropped",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RefState::Reported => "报请审批",
            RefState::Refused => "不予移送",
            RefState::Approved => "批准移送",
            RefState::Transferred => "已移送",
            RefState::Received => "已接收",
            RefState::Declined => "不予立案",
            RefState::Reconsidering => "复议中",
            RefState::Supervised => "检察监督中",
            RefState::Filed => "已立案",
            RefState::HandedOver => "已移交",
            RefState::Concluded => "已反馈结果",
            RefState::Dropped => "终结（不予立案）",
        }
    }

    /// Whether the case has gone (or is approved to go) to the receiving body: the referral the
    /// 应移未移 rules look for. A report still waiting or refused by the head is not a referral.
    pub fn referred(self) -> bool {
        !matches!(self, RefState::Reported | RefState::Refused)
    }

    /// Whether nothing more happens to it.
    pub fn ended(self) -> bool {
        matches!(self, RefState::Refused | RefState::Concluded | RefState::Dropped)
    }
}

/// A step of a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum RefStep {
    /// 批准移送 (the head).
    Approve,
    /// 不予批准, with reasons (the head).
    Refuse,
    /// 移送 with the five documents (the team).
    Transfer,
    /// 签收 (the receiving body; for an outside body, the team records its receipt with a scan).
    Acknowledge,
    /// 立案.
    File,
    /// 不予立案, with reasons.
    Decline,
    /// 提请复议 (the agency).
    Reconsider,
    /// 建议检察院立案监督 (the agency).
    Supervise,
    /// 接受不予立案决定 (the agency).
    Accept,
    /// 说明不立案理由 (the police, under supervision).
    Explain,
    /// 检察院通知立案 (recorded by the agency).
    Order,
    /// 检察院认为不立案理由成立.
    Uphold,
    /// 移交涉案物品和材料 (the team).
    HandOver,
    /// 反馈处理结果.
    Feedback,
}

impl RefStep {
    pub fn as_str(self) -> &'static str {
        match self {
            RefStep::Approve => "approve",
            RefStep::Refuse => "refuse",
            RefStep::Transfer => "transfer",
            RefStep::Acknowledge => "acknowledge",
            RefStep::File => "file",
            RefStep::Decline => "decline",
            RefStep::Reconsider => "reconsider",
            RefStep::Supervise => "supervise",
            RefStep::Accept => "accept",
            RefStep::Explain => "explain",
            RefStep::Order => "order",
            RefStep::Uphold => "uphold",
            RefStep::HandOver => "hand_over",
            RefStep::Feedback => "feedback",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RefStep::Approve => "批准移送",
            RefStep::Refuse => "不予移送",
            RefStep::Transfer => "移送",
            RefStep::Acknowledge => "签收",
            RefStep::File => "立案",
            RefStep::Decline => "不予立案",
            RefStep::Reconsider => "提请复议",
            RefStep::Supervise => "提请检察监督",
            RefStep::Accept => "接受不予立案决定",
            RefStep::Explain => "说明不立案理由",
            RefStep::Order => "检察院通知立案",
            RefStep::Uphold => "检察院认为不立案理由成立",
            RefStep::HandOver => "移交涉案物品和材料",
            RefStep::Feedback => "反馈处理结果",
        }
    }

    /// Whether the step needs a written reason or content (refusals, declines, explanations, the
    /// result).
    pub fn needs_text(self) -> bool {
        matches!(
            self,
            RefStep::Refuse | RefStep::Decline | RefStep::Explain | RefStep::Uphold | RefStep::Feedback
        )
    }

    /// Whether the receiving body takes this step (in the platform if it is a member agency; the team
    /// records it otherwise). The other steps are the referring agency's.
    pub fn receivers(self) -> bool {
        matches!(
            self,
            RefStep::Acknowledge | RefStep::File | RefStep::Decline | RefStep::Explain | RefStep::Feedback
        )
    }
}

/// One of the five documents Order 310 Art. 6 requires with a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum Document {
    /// 涉嫌犯罪案件移送书 (printed by the platform).
    Letter,
    /// 涉嫌犯罪案件情况的调查报告 (the team's report, printed).
    Report,
    /// 涉案物品清单 (printed from the list entered).
    Items,
    /// 有关检验报告或者鉴定意见 (the case's appraisal files).
    Appraisal,
    /// 其他有关涉嫌犯罪的材料 (the case's decision and evidence, when there are any).
    Other,
}

impl Document {
    pub fn as_str(self) -> &'static str {
        match self {
            Document::Letter => "letter",
            Document::Report => "report",
            Document::Items => "items",
            Document::Appraisal => "appraisal",
            Document::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Document::Letter => "涉嫌犯罪案件移送书",
            Document::Report => "涉嫌犯罪案件情况的调查报告",
            Document::Items => "涉案物品清单",
            Document::Appraisal => "有关检验报告或者鉴定意见",
            Document::Other => "其他有关涉嫌犯罪的材料",
        }
    }

    /// The file-name prefix in the package, which keeps the documents in the order of Art. 6.
    pub fn number(self) -> u8 {
        match self {
            Document::Letter => 1,
            Document::Report => 2,
            Document::Items => 3,
            Document::Appraisal => 4,
            Document::Other => 5,
        }
    }
}

/// What a transfer has of the five documents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Package {
    /// The team's report text (the letter is always printed from the referral itself).
    pub report: bool,
    /// The items list entered, or "无涉案物品" stated.
    pub items: bool,
    /// Appraisal files attached to the case.
    pub appraisal_files: usize,
    /// Why there is no appraisal report, when there is none (e.g. 价值由销售凭证证明).
    pub no_appraisal_reason: Option<String>,
    /// Other material (the decision, evidence files) — optional.
    pub other_files: usize,
}

impl Package {
    /// Each document and whether it is there.
    pub fn checklist(&self) -> Vec<(Document, bool)> {
        vec![
            (Document::Letter, true),
            (Document::Report, self.report),
            (Document::Items, self.items),
            (
                Document::Appraisal,
                self.appraisal_files > 0 || self.no_appraisal_reason.is_some(),
            ),
            (Document::Other, self.other_files > 0),
        ]
    }

    /// Whether it may be transferred: the first four documents (an appraisal or a stated reason for
    /// none); the fifth is "other material" and may be empty.
    pub fn check(&self) -> Result<(), Problem> {
        let missing: Vec<&str> = self
            .checklist()
            .into_iter()
            .filter(|(d, present)| !present && *d != Document::Other)
            .map(|(d, _)| d.label_zh())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Problem::PackageIncomplete {
                missing: missing.join("、"),
            })
        }
    }
}

/// The clocks of referrals (Order 310, the procuratorate's supervision rules), in calendar days
/// unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralRules {
    /// Art. 5: the head decides within 3 days of the report.
    pub decide_days: i64,
    /// Art. 5: an approved case goes within 24 hours.
    pub transfer_hours: i64,
    /// The receiving body signs the receipt on the spot (Art. 8); the platform gives it a day [local].
    pub acknowledge_days: i64,
    /// Art. 8: the police decide within 3 days of receipt.
    pub police_decide_days: i64,
    /// Art. 9: the agency may ask for reconsideration within 3 days of the refusal notice.
    pub ask_days: i64,
    /// Art. 9: the police decide a reconsideration within 3 days.
    pub reconsider_days: i64,
    /// The police explain a refusal within 7 days of the procuratorate's request.
    pub explain_days: i64,
    /// … and file within 15 days of its notice to file.
    pub ordered_file_days: i64,
    /// Art. 10: items and files are handed over within 3 days of filing.
    pub hand_over_days: i64,
    /// A procuratorate's opinion (检察意见) is answered within 2 months.
    pub opinion_months: u32,
}

impl Default for ReferralRules {
    fn default() -> Self {
        Self {
            decide_days: 3,
            transfer_hours: 24,
            acknowledge_days: 1,
            police_decide_days: 3,
            ask_days: 3,
            reconsider_days: 3,
            explain_days: 7,
            ordered_file_days: 15,
            hand_over_days: 3,
            opinion_months: 2,
        }
    }
}

/// A deadline: a whole day (the end of it in the county), or a moment (the 24-hour transfer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl ReferralRules {
    /// The deadline the state reached at `at` (on `today`) sets, if it has one.
    pub fn due_in(&self, state: RefState, at: DateTime<Utc>, today: NaiveDate) -> Option<Due> {
        let day = |n: i64| Some(Due::Day(today + Duration::days(n)));
        match state {
            RefState::Reported => day(self.decide_days),
            RefState::Approved => Some(Due::At(at + Duration::hours(self.transfer_hours))),
            RefState::Transferred => day(self.acknowledge_days),
            RefState::Received => day(self.police_decide_days),
            RefState::Declined => day(self.ask_days),
            RefState::Reconsidering => day(self.reconsider_days),
            RefState::Supervised => day(self.explain_days),
            RefState::Filed => day(self.hand_over_days),
            RefState::Refused | RefState::HandedOver | RefState::Concluded | RefState::Dropped => None,
        }
    }

    /// The police's deadline to file once the procuratorate told them to, from its notice.
    pub fn ordered_file_by(&self, notified_on: NaiveDate) -> NaiveDate {
        notified_on + Duration::days(self.ordered_file_days)
    }

    /// The last day to answer a procuratorate's opinion received on `received_on`.
    pub fn opinion_due(&self, received_on: NaiveDate) -> NaiveDate {
        received_on
            .checked_add_months(Months::new(self.opinion_months))
            .unwrap_or(received_on)
    }
}

/// Who a referral's clock waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The head of the referring agency.
    Head,
    /// The referring agency (its case team).
    Agency,
    /// The receiving member agency, or — for an outside body — the referring agency, which records
    /// the body's answer.
    Receiver,
}

/// The states in which a case does not count as referred ([`RefState::referred`]), for queries.
pub fn not_referred() -> Vec<&'static str> {
    RefState::iter()
        .filter(|s| !s.referred())
        .map(RefState::as_str)
        .collect()
}

/// The clock that runs in a state: the task that waits for its next step, and who holds it. Under
/// supervision the police's explanation runs first; the procuratorate's notice to file starts
/// [`TaskKind::FileReferral`] again (opened by that step).
pub fn clock_in(state: RefState) -> Option<(TaskKind, Holder)> {
    match state {
        RefState::Reported => Some((TaskKind::DecideReferral, Holder::Head)),
        RefState::Approved => Some((TaskKind::TransferReferral, Holder::Agency)),
        RefState::Transferred => Some((TaskKind::AcknowledgeReferral, Holder::Receiver)),
        RefState::Received | RefState::Reconsidering => Some((TaskKind::FileReferral, Holder::Receiver)),
        RefState::Declined => Some((TaskKind::AskReferral, Holder::Agency)),
        RefState::Supervised => Some((TaskKind::ExplainReferral, Holder::Receiver)),
        RefState::Filed => Some((TaskKind::HandOverReferral, Holder::Agency)),
        RefState::Refused | RefState::HandedOver | RefState::Concluded | RefState::Dropped => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn only_an_approved_referral_counts_as_referred() {
        assert!(!RefState::Reported.referred());
        assert!(!RefState::Refused.referred());
        for s in RefState::iter().filter(|s| !matches!(s, RefState::Reported | RefState::Refused)) {
            assert!(s.referred(), "{s:?}");
        }
    }

    #[test]
    fn the_clocks_follow_order_310() {
        let r = ReferralRules::default();
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap();
        let today = d("2026-03-02");
        assert_eq!(
            r.due_in(RefState::Reported, at, today),
            Some(Due::Day(d("2026-03-05")))
        );
        assert_eq!(
            r.due_in(RefState::Approved, at, today),
            Some(Due::At(Utc.with_ymd_and_hms(2026, 3, 3, 9, 30, 0).unwrap()))
        );
        assert_eq!(
            r.due_in(RefState::Received, at, today),
            Some(Due::Day(d("2026-03-05")))
        );
        assert_eq!(
            r.due_in(RefState::Declined, at, today),
            Some(Due::Day(d("2026-03-05")))
        );
        assert_eq!(
            r.due_in(RefState::Supervised, at, today),
            Some(Due::Day(d("2026-03-09")))
        );
        assert_eq!(
            r.due_in(RefState::Filed, at, today),
            Some(Due::Day(d("2026-03-05")))
        );
        assert_eq!(r.due_in(RefState::HandedOver, at, today), None);
        assert_eq!(r.ordered_file_by(d("2026-03-10")), d("2026-03-25"));
        // Two months, at the end of a shorter month the last day of it.
        assert_eq!(r.opinion_due(d("2026-03-15")), d("2026-05-15"));
        assert_eq!(r.opinion_due(d("2026-12-31")), d("2027-02-28"));
    }

    #[test]
    fn every_state_with_a_deadline_has_a_clock_and_no_other() {
        let r = ReferralRules::default();
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap();
        for s in RefState::iter() {
            assert_eq!(
                clock_in(s).is_some(),
                r.due_in(s, at, d("2026-03-02")).is_some(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn the_package_needs_four_documents_and_an_appraisal_or_a_reason() {
        let mut p = Package {
            report: true,
            items: true,
            ..Package::default()
        };
        assert_eq!(
            p.check(),
            Err(Problem::PackageIncomplete {
                missing: "有关检验报告或者鉴定意见".into()
            })
        );
        p.no_appraisal_reason = Some("价值以销售凭证认定".into());
        assert_eq!(p.check(), Ok(()));
        p.appraisal_files = 1;
        p.no_appraisal_reason = None;
        assert_eq!(p.check(), Ok(()));
        assert_eq!(
            Package::default().check(),
            Err(Problem::PackageIncomplete {
                missing: "涉嫌犯罪案件情况的调查报告、涉案物品清单、有关检验报告或者鉴定意见".into()
            })
        );
        assert_eq!(p.checklist().len(), 5);
    }

    #[test]
    fn public_security_answers_in_the_platform_and_outside_bodies_do_not() {
        assert_eq!(Receiver::PublicSecurity.member(None), Ok(Some("ps".into())));
        assert_eq!(Receiver::Agency.member(Some("ee")), Ok(Some("ee".into())));
        assert_eq!(Receiver::Agency.member(Some(" ")), Err(Problem::AgencyRequired));
        assert_eq!(Receiver::Procuratorate.member(Some("ps")), Ok(None));
        for r in Receiver::iter() {
            assert_eq!(Receiver::parse(r.as_str()), Ok(r));
        }
        assert_eq!(Receiver::parse(""), Err(Problem::Required));
    }
}
