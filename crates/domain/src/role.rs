//! 角色 — what kind of user an account is. What each role may do is decided in [`crate::policy`].

use crate::field::Problem;

/// The role of an account (DESIGN.md, "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 指挥长/副指挥长 — reads everything; approves plans, closes escalations.
    CommandLeader,
    /// 监管办 — runs the registry, plans, inspections, ledger, meetings, reports and accounts.
    Office,
    /// 成员单位经办人 — works on its own agency's records and assigned problems.
    AgencyOfficer,
    /// 成员单位负责人 — as an officer, plus the agency's approvals.
    AgencyHead,
    /// 县人民政府 — approves the annual joint-inspection plan.
    CountyGovernment,
    /// 举报受理人 — the only role that may open a whistleblower's identity.
    TipHandler,
    /// 矿山企业 — its own mines only.
    Enterprise,
    /// 上级/市指挥部 — reads reports and statistics.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::CommandLeader,
        Role::Office,
        Role::AgencyOfficer,
        Role::AgencyHead,
        Role::CountyGovernment,
        Role::TipHandler,
        Role::Enterprise,
        Role::Auditor,
    ];

    /// Stable code stored in the database and used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CommandLeader => "command_leader",
            Role::Office => "office",
            Role::AgencyOfficer => "agency_officer",
            Role::AgencyHead => "agency_head",
            Role::CountyGovernment => "county_government",
            Role::TipHandler => "tip_handler",
            Role::Enterprise => "enterprise",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Required);
        }
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or(Problem::Invalid)
    }

    /// Key of the role's name in the message catalogue.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::CommandLeader => "role.command_leader",
            Role::Office => "role.office",
            Role::AgencyOfficer => "role.agency_officer",
            Role::AgencyHead => "role.agency_head",
            Role::CountyGovernment => "role.county_government",
            Role::TipHandler => "role.tip_handler",
            Role::Enterprise => "role.enterprise",
            Role::Auditor => "role.auditor",
        }
    }

    /// Whether an account of this role belongs to a member agency: required, optional or forbidden.
    pub fn agency_rule(self) -> AgencyRule {
        match self {
            Role::AgencyOfficer | Role::AgencyHead => AgencyRule::Required,
            Role::Office | Role::TipHandler | Role::CommandLeader => AgencyRule::Optional,
            Role::CountyGovernment | Role::Enterprise | Role::Auditor => AgencyRule::Forbidden,
        }
    }
}

/// How a role relates to an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyRule {
    Required,
    Optional,
    Forbidden,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_code() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
    }

    #[test]
    fn unknown_role_is_invalid() {
        assert_eq!(Role::parse("root"), Err(Problem::Invalid));
        assert_eq!(Role::parse(" "), Err(Problem::Required));
    }
}
