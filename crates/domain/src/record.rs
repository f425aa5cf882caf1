//! What the audit trail names: the kinds of record ([`RecordType`]), what was done to them
//! ([`AuditAction`]), and which area of data each belongs to ([`DataArea`], the unit of the read caches).
//!
//! They are stored as their codes (`permit`, `permit.update`); reading an unknown code back is a
//! corrupt row, never a default.

use crate::field::Problem;
use serde::Serialize;
use strum::IntoEnumIterator;

/// An area of data with its own version: a change bumps its area's version in the same transaction, and
/// read caches are keyed by the versions they depend on, so a login or an acknowledgement does not
/// throw away the county picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum DataArea {
    /// Agencies, seats and their terms.
    Organisation,
    /// Accounts.
    Accounts,
    /// Companies, people, mines, licences, permits, attachments, protected areas, boundaries, townships.
    Registry,
    /// The credit list.
    Credit,
    /// The sharing feed.
    Sharing,
    /// The rectification ledger (findings) and the tasks that follow them.
    Ledger,
    /// Plans, joint inspections and their acts, the inspector register and the checklists.
    Inspections,
    /// Penalty cases (and, later, enforcement measures and referrals).
    Enforcement,
    /// Drone surveys and their analyses.
    Monitoring,
}

impl DataArea {
    pub fn as_str(self) -> &'static str {
        match self {
            DataArea::Organisation => "organisation",
            DataArea::Accounts => "accounts",
            DataArea::Registry => "registry",
            DataArea::Credit => "credit",
            DataArea::Sharing => "sharing",
            DataArea::Ledger => "ledger",
            DataArea::Inspections => "inspections",
            DataArea::Enforcement => "enforcement",
            DataArea::Monitoring => "monitoring",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::iter().find(|a| a.as_str() == raw)
    }

    /// Position in [`DataArea::iter`] order (for arrays of versions).
    pub fn index(self) -> usize {
        self as usize
    }

    pub const COUNT: usize = 9;
}

/// The kind of record an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum RecordType {
    Agency,
    Account,
    /// A seat with its terms (任职记录).
    Seat,
    Company,
    Person,
    ControlLink,
    Mine,
    /// A licence with its history (新立/延续/变更/注销).
    Licence,
    /// A permit with its attachments.
    Permit,
    ProtectedArea,
    /// An administrative boundary (the county or a township) drawn on the map.
    Boundary,
    /// A township of the managed list.
    Township,
    CreditEntry,
    /// An item of the sharing feed with its recipients' acknowledgements.
    ShareItem,
    /// A finding of the rectification ledger with its history and evidence.
    Finding,
    /// A task: who must act on which record by when, and how far it has escalated.
    Task,
    /// A version of the annual joint-inspection plan with its items and history.
    Plan,
    /// An officer's enforcement card in the inspector register.
    EnforcementCard,
    /// An item of a checklist template.
    ChecklistItem,
    /// A joint inspection scheduled by the office.
    Inspection,
    /// One agency's inspection of one mine, with its officers, checklist and photos.
    InspectionAct,
    /// A mine's risk grade, which sets how often 双随机 draws it.
    RiskGrade,
    /// A 双随机 draw: its seed, inputs and result, for replay.
    Draw,
    /// A penalty case (行政处罚案件) with its team, findings, history and appraisal documents.
    PenaltyCase,
    /// An enforcement measure on a case (停产整顿, 停止供电, 查封扣押 …).
    Measure,
    /// A referral of a suspected crime out of a case (涉嫌犯罪案件移送), with its five documents.
    Referral,
    /// A 应移未移 flag on a case and its disposition.
    CaseFlag,
    /// A procuratorate's opinion (检察意见) received, and the agency's answer.
    Opinion,
    /// A consultation (会商/联席会议) with its attendance and agenda.
    Meeting,
    /// A decision of a consultation, owned by one agency until it is done.
    MeetingDecision,
    /// A drone survey of a mine: its DEM, how and when it was made, whether it is classified.
    Survey,
    /// An analysis of a survey against the one before it and the mine's licence, with its result.
    SurveyAnalysis,
    /// A finding an analysis proposes, with its evidence, until the office confirms or dismisses it.
    SurveyProposal,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Agency => "agency",
            RecordType::Account => "account",
            RecordType::Seat => "seat",
            RecordType::Company => "company",
            RecordType::Person => "person",
            RecordType::ControlLink => "control_link",
            RecordType::Mine => "mine",
            RecordType::Licence => "licence",
            RecordType::Permit => "permit",
            RecordType::ProtectedArea => "protected_area",
            RecordType::Boundary => "boundary",
            RecordType::Township => "township",
            RecordType::CreditEntry => "credit_entry",
            RecordType::ShareItem => "share_item",
            RecordType::Finding => "finding",
            RecordType::Task => "task",
            RecordType::Plan => "plan",
            RecordType::EnforcementCard => "enforcement_card",
            RecordType::ChecklistItem => "checklist_item",
            RecordType::Inspection => "inspection",
            RecordType::InspectionAct => "inspection_act",
            RecordType::RiskGrade => "risk_grade",
            RecordType::Draw => "draw",
            RecordType::PenaltyCase => "penalty_case",
            RecordType::Measure => "measure",
            RecordType::Referral => "referral",
            RecordType::CaseFlag => "case_flag",
            RecordType::Opinion => "opinion",
            RecordType::Meeting => "meeting",
            RecordType::MeetingDecision => "meeting_decision",
            RecordType::Survey => "survey",
            RecordType::SurveyAnalysis => "survey_analysis",
            RecordType::SurveyProposal => "survey_proposal",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        Self::iter().find(|t| t.as_str() == raw).ok_or(Problem::Invalid)
    }

    /// The area whose version a change of this record bumps.
    pub fn area(self) -> DataArea {
        match self {
            RecordType::Agency | RecordType::Seat => DataArea::Organisation,
            RecordType::Account => DataArea::Accounts,
            RecordType::Company
            | RecordType::Person
            | RecordType::ControlLink
            | RecordType::Mine
            | RecordType::Licence
            | RecordType::Permit
            | RecordType::ProtectedArea
            | RecordType::Boundary
            | RecordType::Township => DataArea::Registry,
            RecordType::CreditEntry => DataArea::Credit,
            RecordType::ShareItem => DataArea::Sharing,
            RecordType::Finding | RecordType::Task => DataArea::Ledger,
            RecordType::Plan
            | RecordType::EnforcementCard
            | RecordType::ChecklistItem
            | RecordType::Inspection
            | RecordType::InspectionAct
            | RecordType::RiskGrade
            | RecordType::Draw => DataArea::Inspections,
            RecordType::PenaltyCase
            | RecordType::Measure
            | RecordType::Referral
            | RecordType::CaseFlag
            | RecordType::Opinion
            | RecordType::Meeting
            | RecordType::MeetingDecision => DataArea::Enforcement,
            RecordType::Survey | RecordType::SurveyAnalysis | RecordType::SurveyProposal => {
                DataArea::Monitoring
            }
        }
    }
}

/// What was done. Every action but a few notes ([`AuditAction::records_state`]) carries the record's
/// whole state after the change, which `audit verify` compares with the stored row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum AuditAction {
    AgencyCreate,
    AgencyUpdateDuties,
    SeatCreate,
    SeatFile,
    AccountCreate,
    AccountUpdate,
    AccountResetPassword,
    AccountChangePassword,
    CompanyCreate,
    CompanyUpdate,
    PersonCreate,
    ControlLinkCreate,
    MineCreate,
    MineUpdate,
    MineStatus,
    LicenceCreate,
    LicenceUpdate,
    LicenceExtended,
    LicenceChanged,
    LicenceCancelled,
    PermitCreate,
    PermitUpdate,
    PermitAttach,
    ProtectedAreaCreate,
    BoundaryCreate,
    TownshipCreate,
    CreditList,
    CreditLift,
    /// A grant to a listed applicant went ahead with a written reason (a note; the grant has its own entry).
    CreditOverride,
    SharePost,
    ShareAcknowledge,
    FindingCreate,
    FindingNotice,
    FindingEvidence,
    FindingReviewStart,
    /// The verifier attaches evidence to a finding under review (a re-flight's comparison).
    FindingReviewEvidence,
    FindingPass,
    FindingReturn,
    FindingExtensionRequest,
    FindingExtensionDecide,
    FindingList,
    FindingDelist,
    TaskCreate,
    TaskClose,
    /// The sweep found a task at a higher step of its ladder (a reminder, or escalation to the head or
    /// the office).
    TaskEscalate,
    PlanCreate,
    PlanEdit,
    PlanSubmit,
    PlanReturn,
    PlanApprove,
    PlanSupersede,
    CardRegister,
    CardRevoke,
    ChecklistItemCreate,
    ChecklistItemUpdate,
    InspectionCreate,
    InspectionClose,
    ActCreate,
    ActApprove,
    ActFill,
    ActPhoto,
    ActSign,
    ActFinding,
    RiskGradeSet,
    /// A 双随机 draw, whose entry carries its seed, inputs and result.
    DrawCreate,
    /// 立案 — a penalty case is filed.
    CaseFile,
    /// The estimated value of a case is set from a volume and the price table.
    CaseEstimate,
    /// An appraisal document with the legal value is attached to a case.
    CaseAppraisal,
    CaseNotify,
    CaseDefence,
    CaseHearing,
    CaseReview,
    CaseDecide,
    CaseClose,
    /// An enforcement measure is taken (its document served).
    MeasureTake,
    /// The supplier (power company, public security) confirms it has carried a measure out.
    MeasureConfirm,
    /// A measure is lifted once the company complied.
    MeasureLift,
    /// The case team reports a suspected crime for referral.
    ReferralReport,
    /// A step of a referral (the head's decision, the transfer, the receiver's answers …).
    ReferralStep,
    /// A procuratorate's opinion is recorded as received.
    OpinionReceive,
    /// The agency answers a procuratorate's opinion.
    OpinionAnswer,
    /// A 应移未移 flag is raised on a case.
    FlagRaise,
    /// The owning agency's head disposes of a flag, with the reason.
    FlagDispose,
    /// The office convenes a consultation.
    MeetingConvene,
    /// Attendance, an agenda item or a decision is recorded on an open consultation.
    MeetingRecord,
    /// The minutes are issued; the decisions become tasks.
    MeetingIssue,
    /// The owner agency reports a decision done.
    DecisionDone,
    /// The office records a survey (and, when the mine has an earlier one, queues its analysis).
    SurveyRecord,
    /// The office marks a survey classified (涉密) or not.
    SurveyClassify,
    /// A worker records an analysis's result: done, or failed with the reason.
    AnalysisFinish,
    /// The office cancels a pending analysis.
    AnalysisCancel,
    /// The office runs a failed or cancelled analysis again.
    AnalysisRetry,
    /// A finished analysis proposes a finding.
    ProposalCreate,
    /// The office confirms a proposed finding onto the ledger.
    ProposalConfirm,
    /// The office dismisses a proposed finding, with the reason.
    ProposalDismiss,
    /// The state of a record that existed before records were bound to the audit (written once, by the
    /// upgrade that introduced the binding).
    RecordBaseline,
    /// Logins were audited before the security log existed; old chains still hold these.
    LegacyLogin,
    LegacyLoginFailed,
    LegacyLogout,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        use AuditAction::*;
        match self {
            AgencyCreate => "agency.create",
            AgencyUpdateDuties => "agency.update_duties",
            SeatCreate => "seat.create",
            SeatFile => "seat.file",
            AccountCreate => "account.create",
            AccountUpdate => "account.update",
            AccountResetPassword => "account.reset_password",
            AccountChangePassword => "account.change_password",
            CompanyCreate => "company.create",
            CompanyUpdate => "company.update",
            PersonCreate => "person.create",
            ControlLinkCreate => "control_link.create",
            MineCreate => "mine.create",
            MineUpdate => "mine.update",
            MineStatus => "mine.status",
            LicenceCreate => "licence.create",
            LicenceUpdate => "licence.update",
            LicenceExtended => "licence.extended",
            LicenceChanged => "licence.changed",
            LicenceCancelled => "licence.cancelled",
            PermitCreate => "permit.create",
            PermitUpdate => "permit.update",
            PermitAttach => "permit.attach",
            ProtectedAreaCreate => "protected_area.create",
            BoundaryCreate => "boundary.create",
            TownshipCreate => "township.create",
            CreditList => "credit.list",
            CreditLift => "credit.lift",
            CreditOverride => "credit.override",
            SharePost => "share.post",
            ShareAcknowledge => "share.acknowledge",
            FindingCreate => "finding.create",
            FindingNotice => "finding.notice",
            FindingEvidence => "finding.evidence",
            FindingReviewStart => "finding.review_start",
            FindingReviewEvidence => "finding.review_evidence",
            FindingPass => "finding.pass",
            FindingReturn => "finding.return",
            FindingExtensionRequest => "finding.extension_request",
            FindingExtensionDecide => "finding.extension_decide",
            FindingList => "finding.list",
            FindingDelist => "finding.delist",
            TaskCreate => "task.create",
            TaskClose => "task.close",
            TaskEscalate => "task.escalate",
            PlanCreate => "plan.create",
            PlanEdit => "plan.edit",
            PlanSubmit => "plan.submit",
            PlanReturn => "plan.return",
            PlanApprove => "plan.approve",
            PlanSupersede => "plan.supersede",
            CardRegister => "card.register",
            CardRevoke => "card.revoke",
            ChecklistItemCreate => "checklist_item.create",
            ChecklistItemUpdate => "checklist_item.update",
            InspectionCreate => "inspection.create",
            InspectionClose => "inspection.close",
            ActCreate => "act.create",
            ActApprove => "act.approve",
            ActFill => "act.fill",
            ActPhoto => "act.photo",
            ActSign => "act.sign",
            ActFinding => "act.finding",
            RiskGradeSet => "risk_grade.set",
            DrawCreate => "draw.create",
            CaseFile => "case.file",
            CaseEstimate => "case.estimate",
            CaseAppraisal => "case.appraisal",
            CaseNotify => "case.notify",
            CaseDefence => "case.defence",
            CaseHearing => "case.hearing",
            CaseReview => "case.review",
            CaseDecide => "case.decide",
            CaseClose => "case.close",
            MeasureTake => "measure.take",
            MeasureConfirm => "measure.confirm",
            MeasureLift => "measure.lift",
            ReferralReport => "referral.report",
            ReferralStep => "referral.step",
            OpinionReceive => "opinion.receive",
            OpinionAnswer => "opinion.answer",
            FlagRaise => "flag.raise",
            FlagDispose => "flag.dispose",
            MeetingConvene => "meeting.convene",
            MeetingRecord => "meeting.record",
            MeetingIssue => "meeting.issue",
            DecisionDone => "meeting.decision_done",
            SurveyRecord => "survey.record",
            SurveyClassify => "survey.classify",
            AnalysisFinish => "analysis.finish",
            AnalysisCancel => "analysis.cancel",
            AnalysisRetry => "analysis.retry",
            ProposalCreate => "proposal.create",
            ProposalConfirm => "proposal.confirm",
            ProposalDismiss => "proposal.dismiss",
            RecordBaseline => "record.baseline",
            LegacyLogin => "login",
            LegacyLoginFailed => "login.failed",
            LegacyLogout => "logout",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        Self::iter().find(|a| a.as_str() == raw).ok_or(Problem::Invalid)
    }

    /// Whether the entry's `after_json` is the record's whole state after the change.
    pub fn records_state(self) -> bool {
        !matches!(
            self,
            AuditAction::CreditOverride
                | AuditAction::LegacyLogin
                | AuditAction::LegacyLoginFailed
                | AuditAction::LegacyLogout
        )
    }

    /// Catalogue key of the action's label.
    pub fn label_key(self) -> String {
        format!("audit_action.{}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::iter() {
            assert!(seen.insert(action.as_str()), "{action:?}");
            assert_eq!(AuditAction::parse(action.as_str()), Ok(action));
        }
        for record in RecordType::iter() {
            assert_eq!(RecordType::parse(record.as_str()), Ok(record));
        }
        for (i, area) in DataArea::iter().enumerate() {
            assert_eq!(area.index(), i);
            assert_eq!(DataArea::parse(area.as_str()), Some(area));
        }
        assert_eq!(DataArea::iter().count(), DataArea::COUNT);
        assert_eq!(AuditAction::parse("permit.delete"), Err(Problem::Invalid));
    }
}
