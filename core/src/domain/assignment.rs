//! People in charge of a client: staff assignments with a role.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// A staff member in charge of a client, in a role of the firm
/// ([`StaffRole`]): `partner`, `manager`, `staff`, or one the firm added.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The role's code (`partner`, `manager`, `staff`, or the firm's own).
    pub role: String,
    pub staff_id: Id,
}

impl Assignment {
    pub fn new(role: impl Into<String>, staff_id: Id) -> Self {
        Assignment { role: role.into(), staff_id }
    }
}

/// A role a staff member can have for a client, with its names. Three are
/// built in (`partner` / associé, `manager` / directeur, `staff` /
/// responsable); the host adds the firm's own with `staff_role.put`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffRole {
    /// Stable code, `[a-z][a-z0-9_]*` (at most 40 characters).
    pub code: String,
    pub label_fr: String,
    pub label_en: String,
    /// Built-in roles cannot be removed (their names can be changed).
    #[serde(default)]
    pub builtin: bool,
}

/// The built-in roles, in display order.
pub const BUILTIN_ROLES: [&str; 3] = ["partner", "manager", "staff"];
