use diesel::prelude::*;

use super::schema::staff;
use super::{Conn, from_json, to_json, with_backend};
use crate::domain::{Id, StaffData, StaffMember};
use crate::error::Result;
use crate::time::from_ms;

#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = staff)]
pub(crate) struct Row {
    id: i64,
    name: String,
    initials: String,
    email: Option<String>,
    office: Option<String>,
    active: bool,
    rights: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = staff, treat_none_as_null = true)]
struct Write<'a> {
    name: &'a str,
    initials: &'a str,
    email: Option<&'a str>,
    office: Option<&'a str>,
    active: bool,
    rights: String,
    updated_at: i64,
    name_fold: Option<String>,
}

fn write(s: &StaffData, now: i64) -> Write<'_> {
    Write {
        name: &s.name,
        initials: &s.initials,
        email: s.email.as_deref(),
        office: s.office.as_deref(),
        active: s.active,
        rights: to_json(&s.rights),
        updated_at: now,
        name_fold: Some(crate::text::fold(s.name.trim())),
    }
}

pub(crate) fn member(r: Row) -> Result<StaffMember> {
    Ok(StaffMember {
        id: r.id,
        version: r.version,
        data: StaffData {
            name: r.name,
            initials: r.initials,
            email: r.email,
            office: r.office,
            active: r.active,
            rights: from_json(&r.rights, "staff rights")?,
        },
        created_at: from_ms(r.created_at),
        updated_at: from_ms(r.updated_at),
    })
}

pub(crate) fn insert(conn: &mut Conn, s: &StaffData, now: i64) -> Result<Id> {
    let w = write(s, now);
    let id = with_backend!(conn, c => diesel::insert_into(staff::table)
        .values((&w, staff::created_at.eq(now)))
        .returning(staff::id)
        .get_result::<i64>(c))?;
    Ok(id)
}

/// Replaces a staff member still at `version`; false when there is none
/// with this id and version.
pub(crate) fn update(conn: &mut Conn, id: Id, version: i64, s: &StaffData, now: i64) -> Result<bool> {
    let n = diesel::update(staff::table.filter(staff::id.eq(id)).filter(staff::version.eq(version)))
        .set((&write(s, now), staff::version.eq(version + 1)))
        .execute(conn)?;
    Ok(n == 1)
}

pub(crate) fn version_of(conn: &mut Conn, id: Id) -> Result<Option<i64>> {
    Ok(staff::table.find(id).select(staff::version).first(conn).optional()?)
}

pub(crate) fn get(conn: &mut Conn, id: Id) -> Result<Option<StaffMember>> {
    staff::table.find(id).select(Row::as_select()).first(conn).optional()?.map(member).transpose()
}

pub(crate) fn list(conn: &mut Conn) -> Result<Vec<StaffMember>> {
    staff::table.order(staff::id).select(Row::as_select()).load(conn)?.into_iter().map(member).collect()
}

/// Folds the names of staff members written before `name_fold` existed
/// (folding is Rust's, not SQL's). Reads only when every name is folded.
pub(crate) fn fold_names(db: &super::Db) -> Result<()> {
    let missing = |c: &mut Conn| -> Result<Vec<(i64, String)>> {
        Ok(staff::table.filter(staff::name_fold.is_null()).select((staff::id, staff::name)).load(c)?)
    };
    if db.query(missing)?.is_empty() {
        return Ok(());
    }
    db.write(|c| {
        for (id, name) in missing(c)? {
            diesel::update(staff::table.find(id))
                .set(staff::name_fold.eq(crate::text::fold(name.trim())))
                .execute(c)?;
        }
        Ok(())
    })
}
