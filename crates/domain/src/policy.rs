//! 权限策略 — the one permission policy: may this actor do this action on this resource?
//!
//! Every web route and CLI command asks [`decide`] before it acts; the answer depends on the actor's
//! role, the agency scope of the resource and ownership (an account's own record). Nothing else in the
//! code base decides access. Hiding a button is a courtesy; this is the rule.

use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::role::Role;

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A logged-in account.
    Account {
        id: AccountId,
        role: Role,
        agency: Option<AgencyCode>,
    },
    /// The operator of the installation, on the command line of the server (bootstrap, migrations,
    /// verification). It never acts through the web.
    System,
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the home dashboard.
    ViewDashboard,
    /// See the organisation: agencies, duties, seats and their history.
    ViewOrganisation,
    /// File (备案) a change of holder of a seat, or add a seat.
    FilePosition,
    /// Change an agency's names or duties.
    EditAgency,
    /// List accounts (scoped by agency for agency heads).
    ListAccounts,
    /// See one account.
    ViewAccount,
    /// Create an account.
    CreateAccount,
    /// Change another account's role, agency or status, or reset its password.
    ManageAccount,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Read the audit log.
    ViewAudit,
    /// Verify the audit chain.
    VerifyAudit,
    /// Apply database migrations.
    Migrate,
    /// Read the registry: companies, mines, licences, permits, the county map.
    ViewRegistry,
    /// Add or change companies, mines and licences, and import workbooks (the office keeps the
    /// registry).
    EditRegistry,
    /// Record or change a permit issued by the agency of the resource (`Resource::Agency`).
    RecordPermit,
    /// Put an entry on the credit list, or lift one, as the source agency of the resource.
    ManageCreditList,
    /// Post to the sharing feed (信息共享) and acknowledge what is addressed to one's agency.
    ShareInformation,
}

impl Action {
    pub const ALL: [Action; 17] = [
        Action::ViewDashboard,
        Action::ViewOrganisation,
        Action::FilePosition,
        Action::EditAgency,
        Action::ListAccounts,
        Action::ViewAccount,
        Action::CreateAccount,
        Action::ManageAccount,
        Action::ChangeOwnPassword,
        Action::ViewAudit,
        Action::VerifyAudit,
        Action::Migrate,
        Action::ViewRegistry,
        Action::EditRegistry,
        Action::RecordPermit,
        Action::ManageCreditList,
        Action::ShareInformation,
    ];
}

/// What the action is done to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The installation as a whole (dashboard, organisation, audit log, account lists).
    Installation,
    /// One agency.
    Agency(AgencyCode),
    /// One account, with the agency it belongs to.
    Account {
        id: AccountId,
        agency: Option<AgencyCode>,
    },
}

/// Why an action was refused; the web layer shows the matching catalogue text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The role may never do this.
    Role,
    /// The role may, but not on another agency's or person's record.
    Scope,
    /// Not on one's own account (an administrator cannot disable or demote themself).
    OwnAccount,
}

impl DenyReason {
    pub fn message_key(self) -> &'static str {
        match self {
            DenyReason::Role => "forbidden.role",
            DenyReason::Scope => "forbidden.scope",
            DenyReason::OwnAccount => "forbidden.own_account",
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
}

/// May `actor` do `action` on `resource`?
pub fn decide(actor: &Actor, action: Action, resource: &Resource) -> Decision {
    let (id, role, agency) = match actor {
        Actor::System => {
            // The operator bootstraps and maintains; everyday work is done by people with accounts.
            let allowed = matches!(
                action,
                Action::CreateAccount | Action::VerifyAudit | Action::Migrate
            );
            return Decision::from_bool(allowed, DenyReason::Role);
        }
        Actor::Account { id, role, agency } => (*id, *role, agency.as_ref()),
    };
    let own_account = matches!(resource, Resource::Account { id: target, .. } if *target == id);
    let same_agency = match (resource, agency) {
        (
            Resource::Account {
                agency: Some(target), ..
            },
            Some(mine),
        ) => target == mine,
        (Resource::Agency(target), Some(mine)) => target == mine,
        _ => false,
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
        ListAccounts => match role {
            Office | CommandLeader | AgencyHead => Decision::Allow,
            _ => Decision::Deny(DenyReason::Role),
        },
        ViewAccount => match role {
            Office | CommandLeader => Decision::Allow,
            _ if own_account => Decision::Allow,
            AgencyHead => Decision::from_bool(same_agency, DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Scope),
        },
        ViewAudit | VerifyAudit => {
            Decision::from_bool(matches!(role, Office | CommandLeader), DenyReason::Role)
        }
        Migrate => Decision::Deny(DenyReason::Role),
        // Enterprises will see their own mines through the company portal, not the registry.
        ViewRegistry => Decision::from_bool(role != Enterprise, DenyReason::Role),
        EditRegistry => Decision::from_bool(role == Office, DenyReason::Role),
        // The office keeps the registry for everyone (it imports the agencies' spreadsheets); an
        // agency records only what it issued itself.
        ShareInformation => Decision::from_bool(
            matches!(role, Office | AgencyOfficer | AgencyHead),
            DenyReason::Role,
        ),
        RecordPermit | ManageCreditList => match role {
            Office => Decision::Allow,
            AgencyOfficer | AgencyHead => Decision::from_bool(same_agency, DenyReason::Scope),
            _ => Decision::Deny(DenyReason::Role),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Expected answers per role for one action on one resource, in the order of `Role::ALL`:
    /// leader, office, officer, head, county, tip handler, enterprise, auditor.
    fn check(action: Action, resource: Resource, expected: [Decision; 8]) {
        for (role, want) in Role::ALL.into_iter().zip(expected) {
            let got = decide(&actor(role), action, &resource);
            assert_eq!(got, want, "{role:?} {action:?} {resource:?}");
        }
    }

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

    #[test]
    fn every_role_and_action_is_decided_as_the_table_says() {
        let all = Resource::Installation;
        check(Action::ViewDashboard, all.clone(), [Y, Y, Y, Y, Y, Y, Y, Y]);
        check(Action::ViewOrganisation, all.clone(), [Y, Y, Y, Y, Y, Y, Y, Y]);
        check(Action::FilePosition, all.clone(), [R, Y, R, R, R, R, R, R]);
        check(
            Action::EditAgency,
            Resource::Agency(code("ps")),
            [R, Y, R, R, R, R, R, R],
        );
        check(Action::ListAccounts, all.clone(), [Y, Y, R, Y, R, R, R, R]);
        check(Action::ViewAccount, own(), [Y, Y, Y, Y, Y, Y, Y, Y]);
        check(Action::ViewAccount, colleague(), [Y, Y, S, Y, S, S, S, S]);
        check(Action::ViewAccount, stranger(), [Y, Y, S, S, S, S, S, S]);
        check(Action::CreateAccount, all.clone(), [R, Y, R, R, R, R, R, R]);
        check(Action::ManageAccount, colleague(), [R, Y, R, R, R, R, R, R]);
        check(Action::ManageAccount, own(), [R, O, R, R, R, R, R, R]);
        check(Action::ChangeOwnPassword, own(), [Y, Y, Y, Y, Y, Y, Y, Y]);
        check(Action::ChangeOwnPassword, colleague(), [S, S, S, S, S, S, S, S]);
        check(Action::ViewAudit, all.clone(), [Y, Y, R, R, R, R, R, R]);
        check(Action::VerifyAudit, all.clone(), [Y, Y, R, R, R, R, R, R]);
        check(Action::Migrate, all.clone(), [R, R, R, R, R, R, R, R]);
        check(Action::ViewRegistry, all.clone(), [Y, Y, Y, Y, Y, Y, R, Y]);
        check(Action::EditRegistry, all, [R, Y, R, R, R, R, R, R]);
        check(
            Action::RecordPermit,
            Resource::Agency(code("ps")),
            [R, Y, Y, Y, R, R, R, R],
        );
        check(
            Action::RecordPermit,
            Resource::Agency(code("tr")),
            [R, Y, S, S, R, R, R, R],
        );
        check(
            Action::ShareInformation,
            Resource::Installation,
            [R, Y, Y, Y, R, R, R, R],
        );
        check(
            Action::ManageCreditList,
            Resource::Agency(code("ps")),
            [R, Y, Y, Y, R, R, R, R],
        );
        check(
            Action::ManageCreditList,
            Resource::Agency(code("tr")),
            [R, Y, S, S, R, R, R, R],
        );
    }

    #[test]
    fn the_table_covers_every_action() {
        // If an action is added, the table above must grow: this lists what it covers.
        let covered = [
            Action::ViewDashboard,
            Action::ViewOrganisation,
            Action::FilePosition,
            Action::EditAgency,
            Action::ListAccounts,
            Action::ViewAccount,
            Action::CreateAccount,
            Action::ManageAccount,
            Action::ChangeOwnPassword,
            Action::ViewAudit,
            Action::VerifyAudit,
            Action::Migrate,
            Action::ViewRegistry,
            Action::EditRegistry,
            Action::RecordPermit,
            Action::ManageCreditList,
            Action::ShareInformation,
        ];
        for action in Action::ALL {
            assert!(
                covered.contains(&action),
                "{action:?} has no row in the policy table"
            );
        }
    }

    #[test]
    fn the_system_operator_only_bootstraps_and_verifies() {
        for action in Action::ALL {
            let want = matches!(
                action,
                Action::CreateAccount | Action::VerifyAudit | Action::Migrate
            );
            assert_eq!(
                decide(&Actor::System, action, &Resource::Installation).is_allowed(),
                want,
                "{action:?}"
            );
        }
    }

    #[test]
    fn agency_head_cannot_see_another_agencys_account() {
        let head = actor(Role::AgencyHead);
        assert_eq!(decide(&head, Action::ViewAccount, &stranger()), S);
        assert_eq!(decide(&head, Action::ViewAccount, &colleague()), Y);
    }
}
