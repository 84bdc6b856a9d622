//! The people in charge of clients (`client_assignments`) and the firm's
//! roles (`staff_roles`).

use std::collections::HashMap;

use diesel::prelude::*;

use super::Conn;
use super::schema::{client_assignments, staff, staff_roles};
use crate::domain::{Assignment, Id, StaffRole};
use crate::error::Result;

/// The assignments of clients, by client, in their order.
pub(crate) fn of_clients(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, Vec<Assignment>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let q = client_assignments::table.order((client_assignments::client_id, client_assignments::position)).select((
        client_assignments::client_id,
        client_assignments::role,
        client_assignments::staff_id,
    ));
    let rows: Vec<(i64, String, i64)> = super::load_by_ids!(q, client_assignments::client_id, ids, conn)?;
    let mut out: HashMap<Id, Vec<Assignment>> = HashMap::new();
    for (client, role, staff_id) in rows {
        out.entry(client).or_default().push(Assignment { role, staff_id });
    }
    Ok(out)
}

/// Replaces the assignments of a client (checked by the caller: known
/// roles and staff members, no repeats).
pub(crate) fn replace(conn: &mut Conn, client: Id, list: &[Assignment]) -> Result<()> {
    diesel::delete(client_assignments::table.filter(client_assignments::client_id.eq(client))).execute(conn)?;
    insert(conn, client, list)
}

/// Writes the people in charge of a client that has none yet (a client
/// just inserted: ids are never reused, so nothing is left to delete).
pub(crate) fn insert(conn: &mut Conn, client: Id, list: &[Assignment]) -> Result<()> {
    for (i, a) in list.iter().enumerate() {
        diesel::insert_into(client_assignments::table)
            .values((
                client_assignments::client_id.eq(client),
                client_assignments::role.eq(&a.role),
                client_assignments::staff_id.eq(a.staff_id),
                client_assignments::position.eq(i as i64),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The firm's roles, in display order (built-in ones first).
pub(crate) fn roles(conn: &mut Conn) -> Result<Vec<StaffRole>> {
    let rows: Vec<(String, String, String, bool)> = staff_roles::table
        .order((staff_roles::position, staff_roles::code))
        .select((staff_roles::code, staff_roles::label_fr, staff_roles::label_en, staff_roles::builtin))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, label_fr, label_en, builtin)| StaffRole { code, label_fr, label_en, builtin })
        .collect())
}

/// Adds a role (last in order) or renames one.
pub(crate) fn put_role(conn: &mut Conn, role: &StaffRole) -> Result<()> {
    let n = diesel::update(staff_roles::table.filter(staff_roles::code.eq(&role.code)))
        .set((staff_roles::label_fr.eq(&role.label_fr), staff_roles::label_en.eq(&role.label_en)))
        .execute(conn)?;
    if n == 0 {
        let last: Option<i64> = staff_roles::table.select(diesel::dsl::max(staff_roles::position)).first(conn)?;
        diesel::insert_into(staff_roles::table)
            .values((
                staff_roles::code.eq(&role.code),
                staff_roles::label_fr.eq(&role.label_fr),
                staff_roles::label_en.eq(&role.label_en),
                staff_roles::position.eq(last.unwrap_or(0) + 1),
                staff_roles::builtin.eq(false),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Which of these staff ids exist.
pub(crate) fn existing_staff(conn: &mut Conn, ids: &[Id]) -> Result<Vec<Id>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(super::load_by_ids!(staff::table.select(staff::id), staff::id, ids, conn)?)
}

/// How many assignments (of any client, in the trash too) use a role.
pub(crate) fn uses_of_role(conn: &mut Conn, code: &str) -> Result<i64> {
    Ok(client_assignments::table.filter(client_assignments::role.eq(code)).count().get_result(conn)?)
}

/// Deletes a role (the caller checked that nothing uses it).
pub(crate) fn delete_role(conn: &mut Conn, code: &str) -> Result<()> {
    diesel::delete(staff_roles::table.filter(staff_roles::code.eq(code))).execute(conn)?;
    Ok(())
}
