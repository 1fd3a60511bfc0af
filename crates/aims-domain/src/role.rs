//! Roles a user holds in an organisation, and what each role may do.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user's role in one organisation. A user may hold a different role in each organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including user management.
    Admin,
    /// Edits everything in the management system and approves.
    Manager,
    /// Creates and edits records; no approvals, no user management.
    Contributor,
    /// Reads everything, changes nothing.
    Auditor,
}

/// What a route needs. Every route states one; the role decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Read,
    Edit,
    Approve,
    ManageUsers,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Contributor, Role::Auditor];

    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::Edit => matches!(self, Role::Admin | Role::Manager | Role::Contributor),
            Permission::Approve => matches!(self, Role::Admin | Role::Manager),
            Permission::ManageUsers => self == Role::Admin,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Contributor => "contributor",
            Role::Auditor => "auditor",
        }
    }

    /// What the role may do, in a sentence for people.
    pub fn description(self) -> &'static str {
        match self {
            Role::Admin => "Everything, including users and their roles.",
            Role::Manager => "Creates, edits and approves everything in the management system.",
            Role::Contributor => "Creates and edits records; no approvals, no user management.",
            Role::Auditor => "Reads everything, changes nothing.",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Manager => "Manager",
            Role::Contributor => "Contributor",
            Role::Auditor => "Auditor",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("expected one of admin, manager, contributor, auditor; got `{s}`")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_follow_the_role_table() {
        use Permission::*;
        let table = [
            (Role::Admin, [true, true, true, true]),
            (Role::Manager, [true, true, true, false]),
            (Role::Contributor, [true, true, false, false]),
            (Role::Auditor, [true, false, false, false]),
        ];
        for (role, expected) in table {
            let got = [Read, Edit, Approve, ManageUsers].map(|p| role.allows(p));
            assert_eq!(got, expected, "{role}");
        }
    }

    #[test]
    fn parses_its_own_names_only() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
