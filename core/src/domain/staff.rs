use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// What a staff member may do with one kind of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Perms {
    #[serde(default)]
    pub view: bool,
    #[serde(default)]
    pub add: bool,
    #[serde(default)]
    pub edit: bool,
    #[serde(default)]
    pub delete: bool,
}

impl Perms {
    pub const ALL: Perms = Perms { view: true, add: true, edit: true, delete: true };
    pub const VIEW: Perms = Perms { view: true, add: false, edit: false, delete: false };
}

/// A staff member's privileges, as the host grants them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    #[serde(default)]
    pub clients: Perms,
    #[serde(default)]
    pub contacts: Perms,
    #[serde(default)]
    pub interactions: Perms,
    #[serde(default)]
    pub file_transfers: Perms,
    /// When set, the only offices whose clients this staff member sees.
    #[serde(default)]
    pub offices: Option<Vec<String>>,
}

impl Rights {
    /// Every right, every office.
    pub fn all() -> Rights {
        Rights {
            clients: Perms::ALL,
            contacts: Perms::ALL,
            interactions: Perms::ALL,
            file_transfers: Perms::ALL,
            offices: None,
        }
    }

    /// View-only on everything, every office.
    pub fn read_only() -> Rights {
        Rights {
            clients: Perms::VIEW,
            contacts: Perms::VIEW,
            interactions: Perms::VIEW,
            file_transfers: Perms::VIEW,
            offices: None,
        }
    }

    /// May this staff member see clients of `office`?
    pub fn sees_office(&self, office: Option<&str>) -> bool {
        match &self.offices {
            None => true,
            Some(list) => office.is_some_and(|o| list.iter().any(|x| x == o)),
        }
    }
}

/// A staff member as the host describes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffData {
    pub name: String,
    pub initials: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub office: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub rights: Rights,
}

fn yes() -> bool {
    true
}

/// A staff member as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct StaffMember {
    pub id: Id,
    /// Send it back with a `staff.put` that replaces this member.
    pub version: i64,
    pub data: StaffData,
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub updated_at: DateTime<Utc>,
}
