//! 权限策略 — the one permission policy: may this actor do this action on this record, and which
//! records may it see in a list?
//!
//! [`decide`] answers for one record: the [`Resource`] carries what the rule needs (an account's agency,
//! a permit's issuing agency, a mine's area agency and company, a shared item's recipients). [`scope`]
//! answers for a list: which records of a [`Listing`] the actor may see, as a [`Scope`] that storage turns
//! into a filter. Reading one record is decided by the same scope that filters its list
//! ([`Scope::admits`]), so a page and its list can never disagree.
//!
//! Nothing else in the code base decides access. Hiding a button is a courtesy; this is the rule.
//!
//! People act as [`Actor::Account`]; the platform's own background work (the analysis worker, the
//! deadline sweep and the clock rules it runs, the checkpoint signer) as [`Actor::Service`], each with
//! its own row; [`Actor::System`] is the operator on the command line only.

use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::ids::CompanyId;
use crate::role::Role;
use crate::sharing::Party;

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Someone without a session: may do only the public actions (none yet; the tip-off form will be
    /// the first).
    Public,
    /// A logged-in account.
    Account {
        id: AccountId,
        role: Role,
        agency: Option<AgencyCode>,
    },
    /// The operator of the installation on the server's command line (bootstrap, migrations,
    /// verification). Only an explicit command-line path yields it; it never acts through the web.
    System,
    /// Work the platform does on its own, each under its own name and its own row of the policy.
    Service(Service),
}

/// The platform's own workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum Service {
    /// The analysis worker: claims survey analysis jobs and records their results.
    Worker,
    /// The deadline sweep: raises overdue tasks up their ladders and runs the clock rules features
    /// register with it (the 应移未移 scan).
    Sweep,
    /// The serving process's periodic signer of audit checkpoints.
    Signer,
}

impl Service {
    /// The name its audit entries carry.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Worker => "worker",
            Service::Sweep => "sweep",
            Service::Signer => "signer",
        }
    }

    /// The name a record or a history shows.
    pub fn label_zh(self) -> &'static str {
        match self {
            Service::Worker => "分析作业",
            Service::Sweep => "到期检查",
            Service::Signer => "审计签名",
        }
    }
}

/// What the actor wants to do. The list is derived from the enum (`Action::iter()`), so the matrix test
/// cannot miss a new action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum Action {
    /// See the home dashboard.
    ViewDashboard,
    /// See the organisation: agencies, duties, seats and their history.
    ViewOrganisation,
    /// File (备案) a change of holder of a seat, or add a seat.
    FilePosition,
    /// Change an agency's names or duties.
    EditAgency,
    /// List accounts (within the scope of [`Listing::Accounts`]).
    ListAccounts,
    /// See one account.
    ViewAccount,
    /// Create an account.
    CreateAccount,
    /// Change another account's role, agency or status, reset its password or lift its login delay.
    ManageAccount,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Read the audit log and the security log (logins and logouts).
    ViewAudit,
    /// Verify the audit chain.
    VerifyAudit,
    /// Sign a checkpoint of the audit chain with the installation's key.
    SignAuditCheckpoint,
    /// Apply database migrations.
    Migrate,
    /// Read the registry: companies, mines, licences, permits, the county map, the credit list.
    ViewRegistry,
    /// Add or change companies, mines, licences, protected areas, boundaries and townships, and import
    /// workbooks (the office keeps the registry).
    EditRegistry,
    /// Record or change a permit issued by the agency of the resource.
    RecordPermit,
    /// Put an entry on the credit list, or lift one, as the source agency of the resource.
    ManageCreditList,
    /// Read the sharing feed (信息共享) within the scope of [`Listing::ShareFeed`].
    ViewSharing,
    /// Post to the sharing feed.
    ShareInformation,
    /// Acknowledge an item addressed to one's party.
    AcknowledgeShared,
    /// Read the rectification ledger (整改台账) within the scope of [`Listing::Ledger`].
    ViewLedger,
    /// Put a finding on the ledger in an agency's name (the office for any agency).
    RecordFinding,
    /// Work a finding as its responsible agency: issue the rectification order, record the evidence of
    /// the fix, ask for a longer deadline.
    WorkFinding,
    /// Verify a rectification on site and close or return it — as the responsible agency, and never
    /// the person who recorded the evidence.
    VerifyRectification,
    /// Grant or refuse a longer deadline (the office).
    DecideExtension,
    /// List a finding for supervision (挂牌督办) or delist it (the office).
    SuperviseFinding,
    /// Read plans, joint inspections, their acts, the inspector register and the checklists.
    ViewInspections,
    /// Draft, edit and submit the annual plan, or start a new version of it (the office).
    DraftPlan,
    /// Approve or return a submitted plan (the county government), never one's own.
    DecidePlan,
    /// Schedule a joint inspection, draw one by 双随机, and edit the checklist templates (the office).
    ScheduleInspection,
    /// Set the mines' risk grades that the draw works from (the office).
    GradeMines,
    /// See a drawn list — the mines and inspectors of a 双随机 draw — before the inspection day (the
    /// office only: the list is kept secret until the visit).
    SeeDrawnList,
    /// Register or revoke an enforcement card: the office, or an agency head for its own staff.
    ManageCards,
    /// Approve an inspection act and name its officers (the head of the act's agency).
    ApproveAct,
    /// Fill in, add photos to and sign an act of one's own agency.
    WorkAct,
    /// Read penalty cases within the scope of [`Listing::Cases`].
    ViewCases,
    /// File a penalty case (立案) in one's agency's name: its head approves the filing.
    FileCase,
    /// Work a case of one's own agency: the estimate, appraisal, notice, defence, hearing and execution.
    WorkCase,
    /// Review a case before its decision (法制审核): one's own agency, never a member of the case team.
    ReviewCase,
    /// Decide a case and close it (the head of its agency).
    DecideCase,
    /// Take or lift an enforcement measure on a case (the head of the case's agency).
    TakeMeasure,
    /// Confirm that a measure was carried out, as its supplier (the power company, public security).
    ConfirmMeasure,
    /// Work a case's referral as its agency: write the report, transfer, ask for reconsideration or
    /// supervision, hand over, and record an outside body's answers (the case's agency's staff).
    ReferCase,
    /// Approve or refuse a referral report (the head of the case's agency, never on the case team).
    DecideReferral,
    /// Answer a referral for the receiving body: receipt, filing or not, the explanation, the result —
    /// the receiving member agency in the platform; for a body outside it (the procuratorate, the
    /// discipline commission …) the referring agency's staff, who record its answers with its papers.
    AnswerReferral,
    /// Dispose of a 应移未移 flag on a case, in writing (the head of the case's agency).
    DisposeFlag,
    /// Record a procuratorate's opinion received by one's agency (its staff); the head answers it
    /// (`DecideCase` on the agency).
    RecordOpinion,
    /// Read consultations, their minutes and decisions, and the attendance of agencies.
    ViewMeetings,
    /// Convene a consultation and record its attendance, agenda, decisions and minutes (the office).
    ConveneMeeting,
    /// Report a consultation's decision done, as its owner agency.
    CompleteDecision,
    /// Read drone surveys of mines and their analyses (as the registry is read; the enterprise portal
    /// will show a company its own unclassified results).
    ViewSurveys,
    /// Record a survey, mark it classified, cancel or rerun its analysis (the office, which commissions
    /// the monitoring).
    RecordSurvey,
    /// Send the next chunk of a resumable upload of a survey file, ask how far it is, or name it in the
    /// survey form: only the account that started it, while it may record surveys.
    ContinueUpload,
    /// Claim a survey analysis job, run it and record its result or its failure (the worker).
    RunAnalysis,
    /// Raise overdue tasks up their ladders and end expired leases of the sweep (the sweep).
    SweepDeadlines,
    /// Raise the 应移未移 flags now due on the cases (the sweep's clock rule).
    RaiseFlags,
}

/// What the action is done to, with what the rule needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The installation as a whole (dashboard, organisation, audit log, the lists themselves).
    Installation,
    /// One agency (its duties, or something recorded in its name).
    Agency(AgencyCode),
    /// One account, with the agency it belongs to.
    Account {
        id: AccountId,
        agency: Option<AgencyCode>,
    },
    /// One mine: the agency answering for its area (分片区包干) and its operating company.
    Mine {
        area_agency: Option<AgencyCode>,
        company: CompanyId,
    },
    /// One permit: its issuing agency and holder.
    Permit { agency: AgencyCode, holder: CompanyId },
    /// One entry of the credit list, with the agency that listed it.
    CreditEntry { source: AgencyCode },
    /// One item of the sharing feed: who posted it and to whom.
    SharedItem {
        from: Option<Party>,
        recipients: Vec<Party>,
    },
    /// One finding of the ledger: the agency answering for it, and who recorded its latest evidence.
    Finding {
        agency: AgencyCode,
        evidence_by: Option<AccountId>,
    },
    /// One version of the annual plan, with who drafted it.
    Plan { drafted_by: Option<AccountId> },
    /// One inspection act, with the agency whose act it is.
    Act { agency: AgencyCode },
    /// One penalty case: the agency whose case it is and the officers of its team.
    Case {
        agency: AgencyCode,
        team: Vec<AccountId>,
    },
    /// One enforcement measure: the agency that took it and the supplier that carries it out.
    Measure {
        agency: AgencyCode,
        supplier: Option<AgencyCode>,
    },
    /// One decision of a consultation, with the agency that owns it.
    Decision { agency: AgencyCode },
    /// One referral: the case's agency and team, and the member agency receiving it (none for an
    /// outside body such as the procuratorate).
    Referral {
        agency: AgencyCode,
        team: Vec<AccountId>,
        receiver: Option<AgencyCode>,
    },
    /// One resumable upload, with the account that started it.
    Upload { started_by: AccountId },
}

/// The kinds of list the policy scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum Listing {
    /// 账户管理.
    Accounts,
    /// Companies, mines, licences, permits, protected areas, the map and the credit list.
    Registry,
    /// The sharing feed.
    ShareFeed,
    /// The audit log and the security log.
    Audit,
    /// The rectification ledger.
    Ledger,
    /// Plans, joint inspections and acts.
    Inspections,
    /// Penalty cases.
    Cases,
}

/// Which records of a list an actor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Those of (or, in the feed, posted by or addressed to) one agency.
    Agency(AgencyCode),
    /// Those of one company (the enterprise portal).
    Company(CompanyId),
    /// Those assigned to one account (findings and tasks).
    AssignedTo(AccountId),
    None,
}

impl Scope {
    /// Whether a record falls inside this scope.
    pub fn admits(&self, resource: &Resource) -> bool {
        match self {
            Scope::All => true,
            Scope::None | Scope::AssignedTo(_) => false,
            Scope::Agency(code) => match resource {
                Resource::Agency(a) => a == code,
                Resource::Account { agency, .. } => agency.as_ref() == Some(code),
                Resource::Mine { area_agency, .. } => area_agency.as_ref() == Some(code),
                Resource::Permit { agency, .. } => agency == code,
                Resource::CreditEntry { source } => source == code,
                Resource::Finding { agency, .. }
                | Resource::Act { agency }
                | Resource::Case { agency, .. } => agency == code,
                Resource::Measure { agency, supplier } => agency == code || supplier.as_ref() == Some(code),
                Resource::Referral { agency, receiver, .. } => {
                    agency == code || receiver.as_ref() == Some(code)
                }
                Resource::Decision { agency } => agency == code,
                Resource::Plan { .. } => false,
                Resource::SharedItem { from, recipients } => {
                    let party = Party::Agency(code.clone());
                    from.as_ref() == Some(&party) || recipients.contains(&party)
                }
                Resource::Installation | Resource::Upload { .. } => false,
            },
            Scope::Company(id) => match resource {
                Resource::Mine { company, .. } => company == id,
                Resource::Permit { holder, .. } => holder == id,
                _ => false,
            },
        }
    }

    pub fn is_none(&self) -> bool {
        *self == Scope::None
    }
}

/// Why an action was refused; the web layer shows the matching catalogue text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum DenyReason {
    /// Not logged in: only public actions are open.
    NotLoggedIn,
    /// The role may never do this.
    Role,
    /// The role may, but not on another agency's or person's record.
    Scope,
    /// Not on one's own account (an administrator cannot disable or demote themself).
    OwnAccount,
    /// Not on evidence one recorded oneself (a rectification is verified by someone else).
    OwnEvidence,
    /// Not on a plan one drafted oneself (the county government approves the office's plan).
    OwnPlan,
    /// A drawn inspection's list (its mines and inspectors) before the inspection day: the office's only.
    DrawListSecret,
    /// Not on a case one investigates: its legal review is done by someone outside the case team.
    OwnCase,
}

impl DenyReason {
    pub fn message_key(self) -> &'static str {
        match self {
            DenyReason::NotLoggedIn => "forbidden.not_logged_in",
            DenyReason::Role => "forbidden.role",
            DenyReason::Scope => "forbidden.scope",
            DenyReason::OwnAccount => "forbidden.own_account",
            DenyReason::OwnEvidence => "forbidden.own_evidence",
            DenyReason::OwnPlan => "forbidden.own_plan",
            DenyReason::DrawListSecret => "forbidden.draw_list_secret",
            DenyReason::OwnCase => "forbidden.own_case",
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(DenyReason),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }

    fn from_bool(allowed: bool, reason: DenyReason) -> Self {
        if allowed {
            Decision::Allow
        } else {
            Decision::Deny(reason)
        }
    }

    /// Allowed when the scope admits the resource; a role with no scope at all is refused for its role.
    fn within(scope: &Scope, resource: &Resource) -> Self {
        if scope.is_none() {
            Decision::Deny(DenyReason::Role)
        } else if matches!(resource, Resource::Installation) || scope.admits(resource) {
            Decision::Allow
        } else {
            Decision::Deny(DenyReason::Scope)
        }
    }
}

/// The feed party an actor reads and acknowledges for: the office, or its own agency.
pub fn party_of(actor: &Actor) -> Option<Party> {
    match actor {
        Actor::Account {
            role: Role::Office, ..
        } => Some(Party::Office),
        Actor::Account {
            role: Role::AgencyOfficer | Role::AgencyHead,
            agency: Some(code),
            ..
        } => Some(Party::Agency(code.clone())),
        _ => None,
    }
}

/// Which records of `listing` the actor may see.
pub fn scope(actor: &Actor, listing: Listing) -> Scope {
    let Actor::Account { role, agency, .. } = actor else {
        // The operator works on the command line and the services on their own work, not through lists;
        // the public sees none.
        return Scope::None;
    };
    use Role::*;
    let own_agency = || agency.clone().map_or(Scope::None, Scope::Agency);
    match listing {
        Listing::Accounts => match role {
            Office | CommandLeader => Scope::All,
            AgencyHead => own_agency(),
            _ => Scope::None,
        },
        // Every agency shares one picture of every mine. Enterprises will see their own mines through
        // the company portal (Scope::Company), which is not built yet.
        Listing::Registry => match role {
            Enterprise => Scope::None,
            _ => Scope::All,
        },
        Listing::ShareFeed => match role {
            AgencyOfficer | AgencyHead => own_agency(),
            Enterprise => Scope::None,
            _ => Scope::All,
        },
        Listing::Audit => match role {
            Office | CommandLeader => Scope::All,
            _ => Scope::None,
        },
        // The ledger is the mechanism's shared picture of problems: every agency sees every finding
        // (it acts only on its own). The company portal will show a company its own.
        Listing::Ledger => match role {
            Enterprise => Scope::None,
            _ => Scope::All,
        },
        // The joint inspections are the mechanism's shared work: every agency sees every plan and act
        // (it acts only on its own). The enterprise sees its inspections through its portal, later.
        Listing::Inspections => match role {
            Enterprise | TipHandler => Scope::None,
            _ => Scope::All,
        },
        // Penalty cases are each agency's own, but the mechanism exists so that everyone can see what
        // is being done about a mine and whether a crime was passed on: every agency reads every case
        // (and acts only on its own). The company sees its own notices through the portal, later.
        Listing::Cases => match role {
            Enterprise | TipHandler => Scope::None,
            _ => Scope::All,
        },
    }
}

/// May `actor` do `action` on `resource`?
pub fn decide(actor: &Actor, action: Action, resource: &Resource) -> Decision {
    let (id, role, agency) = match actor {
        Actor::Public => return Decision::Deny(DenyReason::NotLoggedIn),
        Actor::System => {
            // The operator bootstraps and maintains; everyday work is done by people with accounts.
            let allowed = matches!(
                action,
                Action::CreateAccount
                    | Action::ViewAccount
                    | Action::VerifyAudit
                    | Action::SignAuditCheckpoint
                    | Action::Migrate
            );
            return Decision::from_bool(allowed, DenyReason::Role);
        }
        Actor::Service(service) => {
            // Each worker does its own work and nothing else; people's work is never a service's.
            let allowed = match service {
                Service::Worker => action == Action::RunAnalysis,
                Service::Sweep => matches!(action, Action::SweepDeadlines | Action::RaiseFlags),
                Service::Signer => action == Action::SignAuditCheckpoint,
            };
            return Decision::from_bool(allowed, DenyReason::Role);
        }
        Actor::Account { id, role, agency } => (*id, *role, agency.as_ref()),
    };
    let own_account = matches!(resource, Resource::Account { id: target, .. } if *target == id);
    // Recording in an agency's name: the office for everyone, agency staff for their own agency.
    let for_own_agency = |target: &AgencyCode| match role {
        Role::Office => Decision::Allow,
        Role::AgencyOfficer | Role::AgencyHead => {
            Decision::from_bool(agency == Some(target), DenyReason::Scope)
        }
        _ => Decision::Deny(DenyReason::Role),
    };
    use Action::*;
    use Role::*;
    match action {
        ViewDashboard | ViewOrganisation => Decision::Allow,
        ChangeOwnPassword => Decision::from_bool(own_account, DenyReason::Scope),
        FilePosition | EditAgency | CreateAccount => Decision::from_bool(role == Office, DenyReason::Role),
        ManageAccount => match role {
            Office if own_account => Decision::Deny(DenyReason::OwnAccount),
            Office => Decision::Allow,
            _ => Decision::Deny(DenyReason::Role),
        },
        ListAccounts => Decision::within(&scope(actor, Listing::Accounts), &Resource::Installation),
        ViewAccount if own_account => Decision::Allow,
        ViewAccount => Decision::within(&scope(actor, Listing::Accounts), resource),
        ViewAudit => Decision::within(&scope(actor, Listing::Audit), resource),
        VerifyAudit => Decision::from_bool(matches!(role, Office | CommandLeader), DenyReason::Role),
        // The operator's and the services' work: never a person's.
        SignAuditCheckpoint | Migrate | RunAnalysis | SweepDeadlines | RaiseFlags => {
            Decision::Deny(DenyReason::Role)
        }
        ViewRegistry => Decision::within(&scope(actor, Listing::Registry), resource),
        EditRegistry => Decision::from_bool(role == Office, DenyReason::Role),
        RecordPermit => match resource {
            Resource::Permit { agency, .. } | Resource::Agency(agency) => for_own_agency(agency),
            _ => Decision::Deny(DenyReason::Scope),
        },
        ManageCreditList => match resource {
            Resource::CreditEntry { source } | Resource::Agency(source) => for_own_agency(source),
            _ => Decision::Deny(DenyReason::Scope),
        },
        ViewSharing => Decision::within(&scope(actor, Listing::ShareFeed), resource),
        ShareInformation => Decision::from_bool(party_of(actor).is_some(), DenyReason::Role),
        AcknowledgeShared => match (party_of(actor), resource) {
            (None, _) => Decision::Deny(DenyReason::Role),
            (Some(party), Resource::SharedItem { recipients, .. }) => {
                Decision::from_bool(recipients.contains(&party), DenyReason::Scope)
            }
            (Some(_), _) => Decision::Deny(DenyReason::Scope),
        },
        ViewLedger => Decision::within(&scope(actor, Listing::Ledger), resource),
        RecordFinding => match resource {
            Resource::Finding { agency, .. } | Resource::Agency(agency) => for_own_agency(agency),
            _ => Decision::Deny(DenyReason::Scope),
        },
        // The responsible agency works its findings itself; the office coordinates but does not act in
        // an agency's name (WORKFLOW.md §1.1).
        WorkFinding | VerifyRectification => match (role, resource) {
            (
                AgencyOfficer | AgencyHead,
                Resource::Finding {
                    agency: a,
                    evidence_by,
                },
            ) => {
                if agency != Some(a) {
                    Decision::Deny(DenyReason::Scope)
                } else if action == VerifyRectification && *evidence_by == Some(id) {
                    Decision::Deny(DenyReason::OwnEvidence)
                } else {
                    Decision::Allow
                }
            }
            (AgencyOfficer | AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        DecideExtension | SuperviseFinding => Decision::from_bool(role == Office, DenyReason::Role),
        ViewInspections => Decision::within(&scope(actor, Listing::Inspections), resource),
        DraftPlan | ScheduleInspection | GradeMines | SeeDrawnList => {
            Decision::from_bool(role == Office, DenyReason::Role)
        }
        DecidePlan => match (role, resource) {
            (CountyGovernment, Resource::Plan { drafted_by }) if *drafted_by == Some(id) => {
                Decision::Deny(DenyReason::OwnPlan)
            }
            (CountyGovernment, _) => Decision::Allow,
            _ => Decision::Deny(DenyReason::Role),
        },
        ManageCards => match (role, resource) {
            (Office, _) => Decision::Allow,
            (
                AgencyHead,
                Resource::Agency(target)
                | Resource::Account {
                    agency: Some(target), ..
                },
            ) => Decision::from_bool(agency == Some(target), DenyReason::Scope),
            (AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        // Each act is the agency's own inspection (WORKFLOW.md §1.1): its head approves it, its
        // officers fill and sign it; the office schedules but does not inspect.
        ApproveAct | WorkAct => match (role, resource) {
            (AgencyHead, Resource::Act { agency: a }) => {
                Decision::from_bool(agency == Some(a), DenyReason::Scope)
            }
            (AgencyOfficer, Resource::Act { agency: a }) if action == WorkAct => {
                Decision::from_bool(agency == Some(a), DenyReason::Scope)
            }
            (AgencyOfficer, Resource::Act { .. }) => Decision::Deny(DenyReason::Role),
            (AgencyOfficer | AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        ViewCases => Decision::within(&scope(actor, Listing::Cases), resource),
        // A penalty is the agency's own act (WORKFLOW.md §4): its head files and decides, its staff
        // work the case; the office coordinates and reads, as for findings.
        FileCase | DecideCase | TakeMeasure | DisposeFlag => match (role, resource) {
            (
                AgencyHead,
                Resource::Case { agency: a, .. } | Resource::Agency(a) | Resource::Measure { agency: a, .. },
            ) => Decision::from_bool(agency == Some(a), DenyReason::Scope),
            (AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        WorkCase | ReviewCase | ReferCase => match (role, resource) {
            (
                AgencyOfficer | AgencyHead,
                Resource::Case { agency: a, team } | Resource::Referral { agency: a, team, .. },
            ) => {
                if agency != Some(a) {
                    Decision::Deny(DenyReason::Scope)
                } else if action == ReviewCase && team.contains(&id) {
                    Decision::Deny(DenyReason::OwnCase)
                } else {
                    Decision::Allow
                }
            }
            (AgencyOfficer | AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        // Order 310 Art. 5: the head approves a referral; one who wrote it as a member of the case team
        // does not approve it too.
        DecideReferral => match (role, resource) {
            (AgencyHead, Resource::Referral { agency: a, team, .. } | Resource::Case { agency: a, team }) => {
                if agency != Some(a) {
                    Decision::Deny(DenyReason::Scope)
                } else if team.contains(&id) {
                    Decision::Deny(DenyReason::OwnCase)
                } else {
                    Decision::Allow
                }
            }
            (AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        AnswerReferral => match (role, resource) {
            (
                AgencyOfficer | AgencyHead,
                Resource::Referral {
                    receiver, agency: a, ..
                },
            ) => Decision::from_bool(agency == receiver.as_ref().or(Some(a)), DenyReason::Scope),
            (AgencyOfficer | AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        // Consultations are the whole mechanism's (WORKFLOW.md §6): everyone in it reads them, the office
        // convenes and minutes them, each decision's owner reports it done.
        ViewMeetings => match role {
            Enterprise | TipHandler => Decision::Deny(DenyReason::Role),
            _ => Decision::Allow,
        },
        ConveneMeeting => Decision::from_bool(role == Office, DenyReason::Role),
        ViewSurveys => Decision::within(&scope(actor, Listing::Registry), resource),
        RecordSurvey => Decision::from_bool(role == Office, DenyReason::Role),
        ContinueUpload => match (role, resource) {
            (Office, Resource::Upload { started_by }) => {
                Decision::from_bool(*started_by == id, DenyReason::Scope)
            }
            (Office, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        CompleteDecision => match (role, resource) {
            (AgencyOfficer | AgencyHead, Resource::Decision { agency: a }) => {
                Decision::from_bool(agency == Some(a), DenyReason::Scope)
            }
            (AgencyOfficer | AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        RecordOpinion => match (role, resource) {
            (AgencyOfficer | AgencyHead, Resource::Agency(a)) => {
                Decision::from_bool(agency == Some(a), DenyReason::Scope)
            }
            (AgencyOfficer | AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
        // The supplier carries a measure out on the written notice and says so (WORKFLOW.md §3).
        ConfirmMeasure => match (role, resource) {
            (AgencyOfficer | AgencyHead, Resource::Measure { supplier, .. }) => Decision::from_bool(
                supplier.is_some() && agency == supplier.as_ref(),
                DenyReason::Scope,
            ),
            (AgencyOfficer | AgencyHead, _) => Decision::Deny(DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    fn code(c: &str) -> AgencyCode {
        AgencyCode::parse(c).unwrap()
    }

    /// The actor used for each role: account 1, in agency `ps` where the role belongs to an agency.
    fn actor(role: Role) -> Actor {
        let agency = match role.agency_rule() {
            crate::role::AgencyRule::Forbidden => None,
            _ => Some(code("ps")),
        };
        Actor::Account {
            id: AccountId(1),
            role,
            agency,
        }
    }

    const Y: Decision = Decision::Allow;
    const R: Decision = Decision::Deny(DenyReason::Role);
    const S: Decision = Decision::Deny(DenyReason::Scope);
    const O: Decision = Decision::Deny(DenyReason::OwnAccount);
    const E: Decision = Decision::Deny(DenyReason::OwnEvidence);
    const P: Decision = Decision::Deny(DenyReason::OwnPlan);
    const C: Decision = Decision::Deny(DenyReason::OwnCase);

    fn own() -> Resource {
        Resource::Account {
            id: AccountId(1),
            agency: Some(code("ps")),
        }
    }
    fn colleague() -> Resource {
        Resource::Account {
            id: AccountId(2),
            agency: Some(code("ps")),
        }
    }
    fn stranger() -> Resource {
        Resource::Account {
            id: AccountId(3),
            agency: Some(code("tr")),
        }
    }
    fn permit(agency: &str) -> Resource {
        Resource::Permit {
            agency: code(agency),
            holder: CompanyId(9),
        }
    }
    fn mine(area: &str) -> Resource {
        Resource::Mine {
            area_agency: Some(code(area)),
            company: CompanyId(9),
        }
    }
    fn finding(agency: &str, evidence_by: Option<i64>) -> Resource {
        Resource::Finding {
            agency: code(agency),
            evidence_by: evidence_by.map(AccountId),
        }
    }
    fn plan(drafted_by: Option<i64>) -> Resource {
        Resource::Plan {
            drafted_by: drafted_by.map(AccountId),
        }
    }
    fn act(agency: &str) -> Resource {
        Resource::Act { agency: code(agency) }
    }
    fn case(agency: &str, team: &[i64]) -> Resource {
        Resource::Case {
            agency: code(agency),
            team: team.iter().copied().map(AccountId).collect(),
        }
    }
    fn measure(agency: &str, supplier: Option<&str>) -> Resource {
        Resource::Measure {
            agency: code(agency),
            supplier: supplier.map(code),
        }
    }
    fn referral(agency: &str, team: &[i64], receiver: Option<&str>) -> Resource {
        Resource::Referral {
            agency: code(agency),
            team: team.iter().copied().map(AccountId).collect(),
            receiver: receiver.map(code),
        }
    }
    fn shared(to: &[Party]) -> Resource {
        Resource::SharedItem {
            from: Some(Party::Office),
            recipients: to.to_vec(),
        }
    }

    /// The expected answers per role, in the order of `Role::ALL` (leader, office, officer, head,
    /// county, tip handler, enterprise, auditor), for each action on the resources that matter to it.
    /// The match has no wildcard: a new action does not compile until its rows are written here.
    fn table(action: Action) -> Vec<(Resource, [Decision; 8])> {
        let all = Resource::Installation;
        let ps = Party::Agency(code("ps"));
        let tr = Party::Agency(code("tr"));
        match action {
            Action::ViewDashboard | Action::ViewOrganisation => vec![(all, [Y, Y, Y, Y, Y, Y, Y, Y])],
            Action::FilePosition | Action::CreateAccount => vec![(all, [R, Y, R, R, R, R, R, R])],
            Action::EditAgency => vec![(Resource::Agency(code("ps")), [R, Y, R, R, R, R, R, R])],
            Action::ListAccounts => vec![(all, [Y, Y, R, Y, R, R, R, R])],
            Action::ViewAccount => vec![
                (own(), [Y, Y, Y, Y, Y, Y, Y, Y]),
                (colleague(), [Y, Y, R, Y, R, R, R, R]),
                (stranger(), [Y, Y, R, S, R, R, R, R]),
            ],
            Action::ManageAccount => vec![
                (colleague(), [R, Y, R, R, R, R, R, R]),
                (own(), [R, O, R, R, R, R, R, R]),
            ],
            Action::ChangeOwnPassword => vec![
                (own(), [Y, Y, Y, Y, Y, Y, Y, Y]),
                (colleague(), [S, S, S, S, S, S, S, S]),
            ],
            Action::ViewAudit | Action::VerifyAudit => vec![(all, [Y, Y, R, R, R, R, R, R])],
            Action::SignAuditCheckpoint
            | Action::Migrate
            | Action::RunAnalysis
            | Action::SweepDeadlines
            | Action::RaiseFlags => vec![(all, [R, R, R, R, R, R, R, R])],
            Action::ViewRegistry => vec![
                (all, [Y, Y, Y, Y, Y, Y, R, Y]),
                (mine("tr"), [Y, Y, Y, Y, Y, Y, R, Y]),
                (permit("em"), [Y, Y, Y, Y, Y, Y, R, Y]),
            ],
            Action::EditRegistry => vec![(all, [R, Y, R, R, R, R, R, R])],
            Action::RecordPermit => vec![
                (Resource::Agency(code("ps")), [R, Y, Y, Y, R, R, R, R]),
                (permit("ps"), [R, Y, Y, Y, R, R, R, R]),
                (permit("tr"), [R, Y, S, S, R, R, R, R]),
                (mine("ps"), [S, S, S, S, S, S, S, S]),
            ],
            Action::ManageCreditList => vec![
                (Resource::Agency(code("ps")), [R, Y, Y, Y, R, R, R, R]),
                (
                    Resource::CreditEntry { source: code("tr") },
                    [R, Y, S, S, R, R, R, R],
                ),
            ],
            Action::ViewSharing => vec![
                (all, [Y, Y, Y, Y, Y, Y, R, Y]),
                (shared(std::slice::from_ref(&ps)), [Y, Y, Y, Y, Y, Y, R, Y]),
                (shared(std::slice::from_ref(&tr)), [Y, Y, S, S, Y, Y, R, Y]),
            ],
            Action::ShareInformation => vec![(all, [R, Y, Y, Y, R, R, R, R])],
            Action::AcknowledgeShared => vec![
                (shared(&[ps]), [R, S, Y, Y, R, R, R, R]),
                (shared(&[tr, Party::Office]), [R, Y, S, S, R, R, R, R]),
            ],
            Action::ViewLedger => vec![
                (all, [Y, Y, Y, Y, Y, Y, R, Y]),
                (finding("tr", None), [Y, Y, Y, Y, Y, Y, R, Y]),
            ],
            Action::RecordFinding => vec![
                (Resource::Agency(code("ps")), [R, Y, Y, Y, R, R, R, R]),
                (finding("ps", None), [R, Y, Y, Y, R, R, R, R]),
                (finding("tr", None), [R, Y, S, S, R, R, R, R]),
            ],
            Action::WorkFinding => vec![
                (finding("ps", Some(1)), [R, R, Y, Y, R, R, R, R]),
                (finding("tr", None), [R, R, S, S, R, R, R, R]),
                (mine("ps"), [R, R, S, S, R, R, R, R]),
            ],
            Action::VerifyRectification => vec![
                (finding("ps", Some(2)), [R, R, Y, Y, R, R, R, R]),
                (finding("ps", None), [R, R, Y, Y, R, R, R, R]),
                (finding("ps", Some(1)), [R, R, E, E, R, R, R, R]),
                (finding("tr", Some(2)), [R, R, S, S, R, R, R, R]),
            ],
            Action::DecideExtension | Action::SuperviseFinding => {
                vec![(finding("ps", None), [R, Y, R, R, R, R, R, R])]
            }
            Action::ViewInspections => vec![
                (all, [Y, Y, Y, Y, Y, R, R, Y]),
                (act("tr"), [Y, Y, Y, Y, Y, R, R, Y]),
            ],
            Action::DraftPlan | Action::ScheduleInspection | Action::GradeMines | Action::SeeDrawnList => {
                vec![(all, [R, Y, R, R, R, R, R, R])]
            }
            Action::DecidePlan => vec![
                (plan(Some(7)), [R, R, R, R, Y, R, R, R]),
                (plan(Some(1)), [R, R, R, R, P, R, R, R]),
            ],
            Action::ManageCards => vec![
                (Resource::Agency(code("ps")), [R, Y, R, Y, R, R, R, R]),
                (stranger(), [R, Y, R, S, R, R, R, R]),
                (colleague(), [R, Y, R, Y, R, R, R, R]),
            ],
            Action::ApproveAct => vec![
                (act("ps"), [R, R, R, Y, R, R, R, R]),
                (act("tr"), [R, R, R, S, R, R, R, R]),
                (mine("ps"), [R, R, S, S, R, R, R, R]),
            ],
            Action::WorkAct => vec![
                (act("ps"), [R, R, Y, Y, R, R, R, R]),
                (act("tr"), [R, R, S, S, R, R, R, R]),
            ],
            Action::ViewCases => vec![
                (all, [Y, Y, Y, Y, Y, R, R, Y]),
                (case("tr", &[2]), [Y, Y, Y, Y, Y, R, R, Y]),
            ],
            Action::FileCase | Action::DecideCase => vec![
                (Resource::Agency(code("ps")), [R, R, R, Y, R, R, R, R]),
                (case("ps", &[1, 2]), [R, R, R, Y, R, R, R, R]),
                (case("tr", &[2]), [R, R, R, S, R, R, R, R]),
                (mine("ps"), [R, R, R, S, R, R, R, R]),
            ],
            Action::WorkCase => vec![
                (case("ps", &[1, 2]), [R, R, Y, Y, R, R, R, R]),
                (case("ps", &[2, 3]), [R, R, Y, Y, R, R, R, R]),
                (case("tr", &[2]), [R, R, S, S, R, R, R, R]),
                (finding("ps", None), [R, R, S, S, R, R, R, R]),
            ],
            Action::TakeMeasure => vec![
                (case("ps", &[1]), [R, R, R, Y, R, R, R, R]),
                (measure("ps", Some("pw")), [R, R, R, Y, R, R, R, R]),
                (measure("tr", Some("ps")), [R, R, R, S, R, R, R, R]),
            ],
            Action::ConfirmMeasure => vec![
                (measure("nr", Some("ps")), [R, R, Y, Y, R, R, R, R]),
                (measure("ps", Some("pw")), [R, R, S, S, R, R, R, R]),
                (measure("ps", None), [R, R, S, S, R, R, R, R]),
                (case("ps", &[1]), [R, R, S, S, R, R, R, R]),
            ],
            Action::ReferCase => vec![
                (referral("ps", &[1, 2], Some("tr")), [R, R, Y, Y, R, R, R, R]),
                (referral("ps", &[2, 3], None), [R, R, Y, Y, R, R, R, R]),
                (referral("tr", &[2], Some("ps")), [R, R, S, S, R, R, R, R]),
                (case("ps", &[2]), [R, R, Y, Y, R, R, R, R]),
            ],
            Action::DecideReferral => vec![
                (referral("ps", &[2, 3], Some("tr")), [R, R, R, Y, R, R, R, R]),
                (referral("ps", &[1, 2], None), [R, R, R, C, R, R, R, R]),
                (referral("tr", &[2], Some("ps")), [R, R, R, S, R, R, R, R]),
            ],
            Action::AnswerReferral => vec![
                (referral("tr", &[2], Some("ps")), [R, R, Y, Y, R, R, R, R]),
                (referral("ps", &[1], Some("tr")), [R, R, S, S, R, R, R, R]),
                (referral("ps", &[1], None), [R, R, Y, Y, R, R, R, R]),
                (referral("tr", &[2], None), [R, R, S, S, R, R, R, R]),
                (case("ps", &[1]), [R, R, S, S, R, R, R, R]),
            ],
            Action::DisposeFlag => vec![
                (case("ps", &[1, 2]), [R, R, R, Y, R, R, R, R]),
                (case("tr", &[2]), [R, R, R, S, R, R, R, R]),
            ],
            Action::RecordOpinion => vec![
                (Resource::Agency(code("ps")), [R, R, Y, Y, R, R, R, R]),
                (Resource::Agency(code("tr")), [R, R, S, S, R, R, R, R]),
            ],
            Action::ViewMeetings => vec![(all, [Y, Y, Y, Y, Y, R, R, Y])],
            Action::ConveneMeeting => vec![(all, [R, Y, R, R, R, R, R, R])],
            Action::ViewSurveys => vec![
                (all, [Y, Y, Y, Y, Y, Y, R, Y]),
                (mine("tr"), [Y, Y, Y, Y, Y, Y, R, Y]),
            ],
            Action::RecordSurvey => vec![(mine("tr"), [R, Y, R, R, R, R, R, R])],
            Action::ContinueUpload => vec![
                (
                    Resource::Upload {
                        started_by: AccountId(1),
                    },
                    [R, Y, R, R, R, R, R, R],
                ),
                (
                    Resource::Upload {
                        started_by: AccountId(2),
                    },
                    [R, S, R, R, R, R, R, R],
                ),
                (mine("tr"), [R, S, R, R, R, R, R, R]),
            ],
            Action::CompleteDecision => vec![
                (
                    Resource::Decision { agency: code("ps") },
                    [R, R, Y, Y, R, R, R, R],
                ),
                (
                    Resource::Decision { agency: code("tr") },
                    [R, R, S, S, R, R, R, R],
                ),
                (act("ps"), [R, R, S, S, R, R, R, R]),
            ],
            Action::ReviewCase => vec![
                (case("ps", &[2, 3]), [R, R, Y, Y, R, R, R, R]),
                (case("ps", &[1, 2]), [R, R, C, C, R, R, R, R]),
                (case("tr", &[2]), [R, R, S, S, R, R, R, R]),
            ],
        }
    }

    #[test]
    fn every_role_and_action_is_decided_as_the_table_says() {
        for action in Action::iter() {
            let rows = table(action);
            assert!(!rows.is_empty(), "{action:?} has no row in the table");
            for (resource, expected) in rows {
                for (role, want) in Role::ALL.into_iter().zip(expected) {
                    let got = decide(&actor(role), action, &resource);
                    assert_eq!(got, want, "{role:?} {action:?} {resource:?}");
                }
            }
        }
    }

    #[test]
    fn a_caller_without_a_session_is_denied_every_action() {
        let resources = [
            Resource::Installation,
            own(),
            permit("ps"),
            mine("ps"),
            shared(&[Party::Office]),
        ];
        for action in Action::iter() {
            for resource in &resources {
                assert_eq!(
                    decide(&Actor::Public, action, resource),
                    Decision::Deny(DenyReason::NotLoggedIn),
                    "{action:?}"
                );
            }
        }
        for listing in Listing::iter() {
            assert_eq!(scope(&Actor::Public, listing), Scope::None);
        }
    }

    #[test]
    fn the_system_operator_only_bootstraps_verifies_and_signs() {
        for action in Action::iter() {
            let want = matches!(
                action,
                Action::CreateAccount
                    | Action::ViewAccount
                    | Action::VerifyAudit
                    | Action::SignAuditCheckpoint
                    | Action::Migrate
            );
            assert_eq!(
                decide(&Actor::System, action, &Resource::Installation).is_allowed(),
                want,
                "{action:?}"
            );
        }
    }

    /// The services' rows of the matrix: what each may do (anywhere); every other action is refused.
    /// The match has no wildcard: a new service does not compile until its row is written here.
    fn service_row(service: Service) -> Vec<Action> {
        match service {
            Service::Worker => vec![Action::RunAnalysis],
            Service::Sweep => vec![Action::SweepDeadlines, Action::RaiseFlags],
            Service::Signer => vec![Action::SignAuditCheckpoint],
        }
    }

    #[test]
    fn each_service_does_its_own_work_and_nothing_else() {
        let resources = [
            Resource::Installation,
            Resource::Agency(code("ps")),
            case("ps", &[1]),
            finding("ps", Some(1)),
        ];
        for service in Service::iter() {
            let actor = Actor::Service(service);
            for action in Action::iter() {
                let want = service_row(service).contains(&action);
                for resource in &resources {
                    assert_eq!(
                        decide(&actor, action, resource).is_allowed(),
                        want,
                        "{service:?} {action:?} {resource:?}"
                    );
                }
            }
            for listing in Listing::iter() {
                assert_eq!(scope(&actor, listing), Scope::None);
            }
        }
    }

    #[test]
    fn a_list_admits_exactly_what_a_single_record_is_allowed() {
        // The same rule decides and filters: for every role, viewing an account is allowed exactly
        // when the account list's scope admits it (one's own account aside).
        for role in Role::ALL {
            let a = actor(role);
            let list = scope(&a, Listing::Accounts);
            for resource in [colleague(), stranger()] {
                assert_eq!(
                    decide(&a, Action::ViewAccount, &resource).is_allowed(),
                    list.admits(&resource),
                    "{role:?} {resource:?}"
                );
            }
        }
    }

    #[test]
    fn agency_staff_see_their_agencys_feed_and_accounts_only() {
        let head = actor(Role::AgencyHead);
        assert_eq!(scope(&head, Listing::Accounts), Scope::Agency(code("ps")));
        assert_eq!(scope(&head, Listing::ShareFeed), Scope::Agency(code("ps")));
        assert_eq!(scope(&head, Listing::Registry), Scope::All);
        assert_eq!(party_of(&head), Some(Party::Agency(code("ps"))));
        assert_eq!(party_of(&actor(Role::Office)), Some(Party::Office));
        assert_eq!(party_of(&actor(Role::CommandLeader)), None);
    }
}
