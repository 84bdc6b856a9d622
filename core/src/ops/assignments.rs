//! The people in charge of clients: `client.assign`, `client.unassign`,
//! the firm's roles (`staff_role.put`, `staff_role.list`), and the checks
//! every client write makes of its assignments.

use crate::domain::*;
use crate::engine::{Engine, Who};
use crate::error::{Error, Result};
use crate::store::{self, Conn};

/// Refuses assignments naming a role the firm does not have or a staff
/// member who does not exist (the shape was checked by `validate`).
pub(crate) fn check(c: &mut Conn, list: &[Assignment], prefix: &str) -> Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let roles = store::assignments::roles(c)?;
    let staff: Vec<Id> = list.iter().map(|a| a.staff_id).collect();
    let known = store::assignments::existing_staff(c, &staff)?;
    check_against(list, &roles, &known, prefix)
}

/// [`check`] against roles and staff ids already read (an import reads
/// them once for all its rows).
pub(crate) fn check_against(list: &[Assignment], roles: &[StaffRole], known: &[Id], prefix: &str) -> Result<()> {
    for (i, a) in list.iter().enumerate() {
        if !roles.iter().any(|r| r.code == a.role) {
            let codes: Vec<&str> = roles.iter().map(|r| r.code.as_str()).collect();
            return Err(Error::validation(
                format!("{prefix}assignments[{i}].role"),
                "unknown_role",
                format!("no role `{}`; roles: {}", a.role, codes.join(", ")),
            ));
        }
        if !known.contains(&a.staff_id) {
            return Err(Error::validation(
                format!("{prefix}assignments[{i}].staff_id"),
                "unknown_staff",
                format!("no staff member {}", a.staff_id),
            ));
        }
    }
    Ok(())
}

impl Engine {
    pub(crate) fn client_assign(&self, who: &Who, id: Id, version: i64, a: Assignment) -> Result<Record<ClientData>> {
        self.client_change(who, id, version, crate::domain::HistoryOp::Assign, |data| {
            let a = Assignment { role: a.role.trim().to_string(), staff_id: a.staff_id };
            if data.assignments.contains(&a) {
                return Err(Error::validation(
                    "assignment",
                    "duplicate",
                    format!("staff member {} already has the role `{}` for this client", a.staff_id, a.role),
                ));
            }
            data.assignments.push(a);
            Ok(())
        })
    }

    pub(crate) fn client_unassign(&self, who: &Who, id: Id, version: i64, a: Assignment) -> Result<Record<ClientData>> {
        self.client_change(who, id, version, crate::domain::HistoryOp::Unassign, |data| {
            let before = data.assignments.len();
            data.assignments.retain(|x| !(x.role == a.role.trim() && x.staff_id == a.staff_id));
            if data.assignments.len() == before {
                return Err(Error::validation(
                    "assignment",
                    "not_assigned",
                    format!("staff member {} does not have the role `{}` for this client", a.staff_id, a.role),
                ));
            }
            Ok(())
        })
    }

    /// Host only: adds or renames a role; answers every role.
    pub(crate) fn staff_role_put(&self, role: StaffRole) -> Result<Vec<StaffRole>> {
        let role = crate::validate::staff_role(&role)?;
        self.write(|c| {
            store::assignments::put_role(c, &role)?;
            store::assignments::roles(c)
        })
    }

    /// Host only: deletes a role the firm added; refused for a built-in
    /// role and while assignments (the trash's clients included) use it.
    pub(crate) fn staff_role_delete(&self, code: String) -> Result<Vec<StaffRole>> {
        let code = code.trim().to_string();
        self.write(|c| {
            let roles = store::assignments::roles(c)?;
            let Some(role) = roles.iter().find(|r| r.code == code) else {
                return Err(Error::validation("code", "unknown_role", format!("no role `{code}`")));
            };
            if role.builtin {
                return Err(Error::validation(
                    "code",
                    "builtin",
                    format!("the role `{code}` is built in: it can be renamed, not deleted"),
                ));
            }
            let n = store::assignments::uses_of_role(c, &code)?;
            if n > 0 {
                return Err(Error::validation(
                    "code",
                    "in_use",
                    format!("the role `{code}` is used by {n} assignment(s) (the trash included); unassign them first"),
                ));
            }
            store::assignments::delete_role(c, &code)?;
            store::assignments::roles(c)
        })
    }

    pub(crate) fn staff_role_list(&self) -> Result<Vec<StaffRole>> {
        self.read(store::assignments::roles)
    }
}
