//! Saved filters (views), chosen columns and dashboard layouts.

use diesel::prelude::*;

use super::schema::{chosen_columns, layouts, saved_views};
use super::{Conn, from_json, on_unique, to_json, with_backend};
use crate::domain::Id;
use crate::error::{Error, Result};
use crate::protocol::{Layout, SavedView};
use crate::query::{ListKind, ListQuery};

/// Inserts `$values` (answering the new id), or updates the row `(id,
/// version)` to version + 1 (answering `None` when that version is no
/// longer the stored one). A racing firm default answers `duplicate`.
macro_rules! save_versioned {
    ($conn:expr, $table:ident, $id:expr, $values:expr) => {
        match $id {
            Some((id, version)) => {
                let n = diesel::update($table::table.filter($table::id.eq(id)).filter($table::version.eq(version)))
                    .set(($values, $table::version.eq(version + 1)))
                    .execute($conn)
                    .map_err(|e| on_unique(e, default_taken))?;
                Ok((n == 1).then_some(id))
            }
            None => Ok(Some(
                with_backend!($conn, c => diesel::insert_into($table::table)
                    .values($values)
                    .returning($table::id)
                    .get_result::<i64>(c))
                .map_err(|e| on_unique(e, default_taken))?,
            )),
        }
    };
}

type ViewRow = (i64, String, String, Option<i64>, bool, bool, String, i64, i64);

fn view(r: ViewRow) -> Result<SavedView> {
    let (id, list, name, owner, shared, firm_default, query, updated_at, version) = r;
    Ok(SavedView {
        id,
        list: crate::store::clients::enum_from(&list, "list")?,
        name,
        owner,
        shared,
        firm_default,
        query: from_json::<ListQuery>(&query, "saved view")?,
        updated_at: crate::time::from_ms(updated_at),
        version,
    })
}

const VIEW_COLS: (
    saved_views::id,
    saved_views::list,
    saved_views::name,
    saved_views::owner,
    saved_views::shared,
    saved_views::firm_default,
    saved_views::query,
    saved_views::updated_at,
    saved_views::version,
) = (
    saved_views::id,
    saved_views::list,
    saved_views::name,
    saved_views::owner,
    saved_views::shared,
    saved_views::firm_default,
    saved_views::query,
    saved_views::updated_at,
    saved_views::version,
);

pub(crate) fn get_view(conn: &mut Conn, id: Id) -> Result<Option<SavedView>> {
    saved_views::table.find(id).select(VIEW_COLS).first::<ViewRow>(conn).optional()?.map(view).transpose()
}

/// Views of a list a staff member sees: their own, shared ones and the
/// firm default. (`None`: the host, which sees firm-wide ones.)
pub(crate) fn list_views(conn: &mut Conn, list: ListKind, staff: Option<Id>) -> Result<Vec<SavedView>> {
    let mut q = saved_views::table.filter(saved_views::list.eq(list.as_str())).into_boxed();
    q = match staff {
        Some(s) => {
            q.filter(saved_views::owner.eq(s).or(saved_views::shared.eq(true)).or(saved_views::firm_default.eq(true)))
        }
        None => q.filter(saved_views::owner.is_null()),
    };
    q.order((saved_views::firm_default.desc(), saved_views::name, saved_views::id))
        .select(VIEW_COLS)
        .load::<ViewRow>(conn)?
        .into_iter()
        .map(view)
        .collect()
}

pub(crate) fn clear_view_default(conn: &mut Conn, list: ListKind) -> Result<()> {
    diesel::update(
        saved_views::table.filter(saved_views::list.eq(list.as_str())).filter(saved_views::firm_default.eq(true)),
    )
    .set(saved_views::firm_default.eq(false))
    .execute(conn)?;
    Ok(())
}

/// Saves a view: new, or over `(id, version)` — `None` when that version
/// is no longer the stored one.
pub(crate) fn save_view(conn: &mut Conn, id: Option<(Id, i64)>, v: &SavedView, now: i64) -> Result<Option<Id>> {
    let values = (
        saved_views::list.eq(v.list.as_str()),
        saved_views::name.eq(&v.name),
        saved_views::owner.eq(v.owner),
        saved_views::shared.eq(v.shared),
        saved_views::firm_default.eq(v.firm_default),
        saved_views::query.eq(to_json(&v.query)),
        saved_views::updated_at.eq(now),
    );
    save_versioned!(conn, saved_views, id, values)
}

pub(crate) fn delete_view(conn: &mut Conn, id: Id) -> Result<bool> {
    Ok(diesel::delete(saved_views::table.find(id)).execute(conn)? == 1)
}

/// Another writer made another view or layout the firm default first.
fn default_taken(_: &str) -> Error {
    Error::Duplicate {
        field: "firm_default".into(),
        value: "true".into(),
        where_: " by another firm default saved at the same time".into(),
    }
}

pub(crate) fn save_columns(conn: &mut Conn, staff: Id, list: ListKind, columns: &[String]) -> Result<()> {
    diesel::delete(
        chosen_columns::table.filter(chosen_columns::staff_id.eq(staff)).filter(chosen_columns::list.eq(list.as_str())),
    )
    .execute(conn)?;
    diesel::insert_into(chosen_columns::table)
        .values((
            chosen_columns::staff_id.eq(staff),
            chosen_columns::list.eq(list.as_str()),
            chosen_columns::column_ids.eq(to_json(&columns)),
        ))
        .execute(conn)
        .map_err(|e| {
            on_unique(e, |_| Error::Duplicate {
                field: "columns".into(),
                value: list.as_str().into(),
                where_: ": another choice was saved at the same time".into(),
            })
        })?;
    Ok(())
}

type LayoutRow = (i64, String, String, Option<i64>, bool, String, i64, i64);

const LAYOUT_COLS: (
    layouts::id,
    layouts::dashboard,
    layouts::name,
    layouts::owner,
    layouts::firm_default,
    layouts::layout,
    layouts::updated_at,
    layouts::version,
) = (
    layouts::id,
    layouts::dashboard,
    layouts::name,
    layouts::owner,
    layouts::firm_default,
    layouts::layout,
    layouts::updated_at,
    layouts::version,
);

fn layout(r: LayoutRow) -> Result<Layout> {
    let (id, dashboard, name, owner, firm_default, layout, updated_at, version) = r;
    Ok(Layout {
        id,
        dashboard: crate::store::clients::enum_from(&dashboard, "dashboard kind")?,
        name,
        owner,
        firm_default,
        layout: from_json(&layout, "layout")?,
        updated_at: crate::time::from_ms(updated_at),
        version,
    })
}

pub(crate) fn get_layout(conn: &mut Conn, id: Id) -> Result<Option<Layout>> {
    layouts::table.find(id).select(LAYOUT_COLS).first::<LayoutRow>(conn).optional()?.map(layout).transpose()
}

pub(crate) fn list_layouts(conn: &mut Conn, dashboard: &str, staff: Option<Id>) -> Result<Vec<Layout>> {
    let mut q = layouts::table.filter(layouts::dashboard.eq(dashboard)).into_boxed();
    q = match staff {
        Some(s) => q.filter(layouts::owner.eq(s).or(layouts::firm_default.eq(true))),
        None => q.filter(layouts::owner.is_null()),
    };
    q.order((layouts::firm_default.desc(), layouts::name, layouts::id))
        .select(LAYOUT_COLS)
        .load::<LayoutRow>(conn)?
        .into_iter()
        .map(layout)
        .collect()
}

pub(crate) fn clear_layout_default(conn: &mut Conn, dashboard: &str) -> Result<()> {
    diesel::update(layouts::table.filter(layouts::dashboard.eq(dashboard)).filter(layouts::firm_default.eq(true)))
        .set(layouts::firm_default.eq(false))
        .execute(conn)?;
    Ok(())
}

/// Saves a layout: new, or over `(id, version)` — `None` when that
/// version is no longer the stored one.
pub(crate) fn save_layout(conn: &mut Conn, id: Option<(Id, i64)>, l: &Layout, now: i64) -> Result<Option<Id>> {
    let values = (
        layouts::dashboard.eq(crate::store::clients::enum_str(&l.dashboard)),
        layouts::name.eq(&l.name),
        layouts::owner.eq(l.owner),
        layouts::firm_default.eq(l.firm_default),
        layouts::layout.eq(to_json(&l.layout)),
        layouts::updated_at.eq(now),
    );
    save_versioned!(conn, layouts, id, values)
}

pub(crate) fn delete_layout(conn: &mut Conn, id: Id) -> Result<bool> {
    Ok(diesel::delete(layouts::table.find(id)).execute(conn)? == 1)
}
