//! Newtype ids of the records, so that a mine's id cannot be passed where a company's is
//! expected. Each wraps the database's 64-bit key; `Display` prints the bare number (URLs, audit rows).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What every record id is: the database's 64-bit key of one record type.
pub trait RecordId: Copy + Eq + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// The key as stored.
    fn raw(self) -> i64;
    /// The id a URL segment or form field names; `None` for anything but a positive integer.
    fn parse(raw: &str) -> Option<Self>;
}

/// The id of a record the audit chain names by itself (a part of a record, such as an act's photo, is
/// audited as its record): its type says which kind of record it is, so an audit entry cannot name
/// the wrong kind.
pub trait Audited: RecordId {
    const RECORD: crate::record::RecordType;
}

macro_rules! audited {
    ($id:ident, $record:ident) => {
        impl Audited for $id {
            const RECORD: crate::record::RecordType = crate::record::RecordType::$record;
        }
    };
}

impl Audited for crate::account::AccountId {
    const RECORD: crate::record::RecordType = crate::record::RecordType::Account;
}
audited!(SeatId, Seat);
audited!(CompanyId, Company);
audited!(PersonId, Person);
audited!(ControlLinkId, ControlLink);
audited!(MineId, Mine);
audited!(LicenceId, Licence);
audited!(PermitId, Permit);
audited!(ProtectedAreaId, ProtectedArea);
audited!(BoundaryId, Boundary);
audited!(TownshipId, Township);
audited!(CreditEntryId, CreditEntry);
audited!(ShareItemId, ShareItem);
audited!(FindingId, Finding);
audited!(TaskId, Task);
audited!(PlanId, Plan);
audited!(CardId, EnforcementCard);
audited!(ChecklistItemId, ChecklistItem);
audited!(InspectionId, Inspection);
audited!(ActId, InspectionAct);
audited!(DrawId, Draw);
audited!(CaseId, PenaltyCase);
audited!(MeasureId, Measure);
audited!(ReferralId, Referral);
audited!(FlagId, CaseFlag);
audited!(OpinionId, Opinion);
audited!(MeetingId, Meeting);
audited!(DecisionId, MeetingDecision);
audited!(SurveyId, Survey);
audited!(AnalysisId, SurveyAnalysis);
audited!(ProposalId, SurveyProposal);

/// A positive integer, as an id is written.
pub fn parse_key(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

/// Defines one id type: a `Copy` wrapper around the database key.
macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl RecordId for $name {
            fn raw(self) -> i64 {
                self.0
            }

            fn parse(raw: &str) -> Option<Self> {
                parse_key(raw).map(Self)
            }
        }

        impl $name {
            /// Parses an id from a URL segment or form field; `None` for anything but a positive integer.
            pub fn parse(raw: &str) -> Option<Self> {
                <Self as RecordId>::parse(raw)
            }
        }
    };
}

record_id!(
    /// 矿山 — a mine.
    MineId
);
record_id!(
    /// 企业 — a company.
    CompanyId
);
record_id!(
    /// 矿业权 — a mining or exploration licence.
    LicenceId
);
record_id!(
    /// 许可证 — a permit of any agency.
    PermitId
);
record_id!(
    /// A person behind a company (or on the credit list).
    PersonId
);

record_id!(
    /// 整改问题 — a finding of the rectification ledger.
    FindingId
);
record_id!(
    /// 待办 — a task.
    TaskId
);
record_id!(
    /// 年度联合检查计划 — one version of the annual plan.
    PlanId
);
record_id!(
    /// 联合检查 — a joint inspection.
    InspectionId
);
record_id!(
    /// 检查 — one agency's inspection act at one mine.
    ActId
);
record_id!(
    /// 行政处罚案件 — a penalty case.
    CaseId
);
record_id!(
    /// 强制措施 — an enforcement measure on a case.
    MeasureId
);
record_id!(
    /// 移送 — a referral of a suspected crime.
    ReferralId
);
record_id!(
    /// 检察意见 — a procuratorate's opinion received.
    OpinionId
);
record_id!(
    /// 应移未移 — a flag raised on a case.
    FlagId
);
record_id!(
    /// 会商 — a consultation.
    MeetingId
);
record_id!(
    /// 会商决定 — a consultation's decision.
    DecisionId
);
record_id!(
    /// 测量 — a drone survey of a mine.
    SurveyId
);
record_id!(
    /// 比对分析 — the analysis of a survey against the one before.
    AnalysisId
);
record_id!(
    /// 作业 — machine work in the queue.
    JobId
);
record_id!(
    /// 监测问题 — a finding an analysis proposes to the office.
    ProposalId
);
record_id!(
    /// 附件 — a file attached to a record.
    AttachmentId
);

record_id!(
    /// 乡镇 — a township of the county.
    TownshipId
);
record_id!(
    /// 保护区 — a protected area (a layer of the county map).
    ProtectedAreaId
);
record_id!(
    /// 边界 — a boundary of a mine or the county (a layer of the county map).
    BoundaryId
);
record_id!(
    /// 岗位 — a seat of the organisation.
    SeatId
);
record_id!(
    /// 任职 — one holder's term in a seat.
    TermId
);
record_id!(
    /// 执法证 — an enforcement card in the inspector register.
    CardId
);
record_id!(
    /// 检查项 — an item of a checklist template.
    ChecklistItemId
);
record_id!(
    /// 计划事项 — an item of an annual plan version.
    PlanItemId
);
record_id!(
    /// 现场照片 — a photo of an inspection act.
    PhotoId
);
record_id!(
    /// 检查记录项 — a checklist item of an inspection act with its answer.
    ActItemId
);
record_id!(
    /// 执法人员 — an officer named on an inspection act.
    ActOfficerId
);
record_id!(
    /// 议题 — an agenda item of a meeting.
    MeetingItemId
);
record_id!(
    /// 双随机抽取 — a draw.
    DrawId
);
record_id!(
    /// 控制关系 — a person's link to a company (shareholder, legal representative …).
    ControlLinkId
);
record_id!(
    /// 信用名单 — an entry of the credit list.
    CreditEntryId
);
record_id!(
    /// 信息共享 — an item shared with agencies.
    ShareItemId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_positive_integers() {
        assert_eq!(MineId::parse(" 17 "), Some(MineId(17)));
        assert_eq!(MineId::parse("0"), None);
        assert_eq!(MineId::parse("-3"), None);
        assert_eq!(MineId::parse("abc"), None);
        assert_eq!(MineId(17).to_string(), "17");
    }
}
