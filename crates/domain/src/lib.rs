//! Orewatch's domain: pure types and the rules that decide.
//!
//! Everything here is plain data and functions: validators that turn raw input into types that are
//! always valid (`Username::parse`, `AgencyCode::parse`), the permission policy
//! ([`policy::decide`]), the login lock-out schedule, the filing rules of the organisation, and the
//! canonical form and hash of an audit row.
//!
//! What must *not* live here: SQL, HTTP, files, async, clocks or random numbers. Time and randomness
//! arrive as parameters so that tests control them.

pub mod account;
pub mod agency;
pub mod audit;
pub mod calendar;
pub mod company;
pub mod consistency;
pub mod credit;
pub mod document;
pub mod draw;
pub mod field;
pub mod finding;
pub mod flag;
pub mod ids;
pub mod inspection;
pub mod licence;
pub mod measure;
pub mod meeting;
pub mod mine;
pub mod organisation;
pub mod penalty;
pub mod permit;
pub mod policy;
pub mod proposal;
pub mod protected;
pub mod record;
pub mod referral;
pub mod registry;
pub mod role;
pub mod sharing;
pub mod survey;
pub mod task;
pub mod task_title;
pub mod workflow;

pub use account::{AccountId, DisplayName, Password, Username};
pub use agency::AgencyCode;
pub use company::CreditCode;
pub use field::{FieldError, FieldErrors, Problem};
pub use ids::{
    ActId, ActItemId, ActOfficerId, AnalysisId, AttachmentId, BoundaryId, CardId, CaseId, ChecklistItemId,
    CompanyId, ControlLinkId, CreditEntryId, DecisionId, DrawId, FindingId, FlagId, InspectionId, JobId,
    LicenceId, MeasureId, MeetingId, MeetingItemId, MineId, OpinionId, PermitId, PersonId, PhotoId, PlanId,
    PlanItemId, ProposalId, ProtectedAreaId, ReferralId, SeatId, ShareItemId, SurveyId, TaskId, TermId,
    TownshipId,
};
pub use policy::{Action, Actor, Decision, Listing, Resource, Scope};
pub use record::{AuditAction, DataArea, RecordType};
pub use role::Role;
