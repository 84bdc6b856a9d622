//! One statement per list page: the page statement of the query engine
//! answers the records' own columns beside their sort keys, decoded
//! straight into each table's row type on the backend's own connection
//! (no second statement with an IN-list of ids, no decoding through the
//! multi-backend layer).

use std::sync::OnceLock;

use diesel::prelude::*;
use diesel::query_builder::{QueryBuilder, QueryFragment};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::Sqlite;

use super::prepared::Prepared;
use super::{Conn, with_backend};
use crate::error::Result;
use crate::query::sql::Sql;
use crate::query::{Key, ListKind};

/// A page's row: the record's columns, then its rank and sort key, and
/// its keyword index text when the page was searched.
pub(crate) struct Keyed<R> {
    pub row: R,
    pub rk: i64,
    pub kt: Option<String>,
    pub ki: Option<i64>,
    pub search_text: Option<String>,
    /// The names of the row's client, contact and staff member a grid
    /// shows ([`crate::visibility::names_sql`]).
    pub names: [Option<String>; 5],
}

impl<R: PageRow> Keyed<R> {
    /// The row's cursor key under `sort`.
    pub(crate) fn key(&self, sort: &str) -> Key {
        Key { sort: sort.to_string(), rk: self.rk, kt: self.kt.clone(), ki: self.ki, id: self.row.id() }
    }
}

/// The row type of one list's table.
pub(crate) trait PageRow: Sized {
    const KIND: ListKind;
    /// The columns of the row type, on the page statement's alias `t`.
    fn columns() -> &'static str;
    /// Runs a page statement whose first columns are [`PageRow::columns`]
    /// followed by `rk`, `kt`, `ki`, `st` and five names (client name and code, contact, staff name and initials).
    fn load(conn: &mut Conn, sql: &Sql) -> Result<Vec<Keyed<Self>>>;
    fn id(&self) -> i64;
    /// The client, contact and staff member the row points at, in the
    /// order of its names.
    fn people(&self) -> [Option<i64>; 3];
}

/// A select expression's column list rewritten on the alias `t`, without
/// quotes (plain names, the same on both backends).
fn columns_on_alias<S: QueryFragment<Sqlite>>(selection: S, table: &str) -> String {
    let mut qb = diesel::sqlite::SqliteQueryBuilder::new();
    selection.to_sql(&mut qb, &Sqlite).expect("a column list always writes");
    qb.finish().replace(&format!("`{table}`."), "t.").replace('`', "")
}

macro_rules! page_row {
    ($module:ident, $table:ident, $kind:expr, |$r:ident| $people:expr) => {
        impl PageRow for super::$module::Row {
            const KIND: ListKind = $kind;

            fn columns() -> &'static str {
                static COLUMNS: OnceLock<String> = OnceLock::new();
                COLUMNS.get_or_init(|| {
                    columns_on_alias(
                        <super::$module::Row as Selectable<Sqlite>>::construct_selection(),
                        stringify!($table),
                    )
                })
            }

            fn load(conn: &mut Conn, sql: &Sql) -> Result<Vec<Keyed<Self>>> {
                type RowSql = diesel::dsl::SqlTypeOf<<super::$module::Row as Selectable<Sqlite>>::SelectExpression>;
                type Name = Nullable<Text>;
                type PageSql = (RowSql, BigInt, Nullable<Text>, Nullable<BigInt>, Nullable<Text>, Name, Name, Name, Name, Name);
                type Name_ = Option<String>;
                #[allow(clippy::type_complexity)]
                let rows: Vec<(super::$module::Row, i64, Option<String>, Option<i64>, Option<String>, Name_, Name_, Name_, Name_, Name_)> =
                    with_backend!(conn, c => Prepared::<PageSql>::new(sql).load(c))?;
                Ok(rows
                    .into_iter()
                    .map(|(row, rk, kt, ki, search_text, a, b, c, d, e)| Keyed { row, rk, kt, ki, search_text, names: [a, b, c, d, e] })
                    .collect())
            }

            fn id(&self) -> i64 {
                self.id
            }

            fn people(&self) -> [Option<i64>; 3] {
                let $r = self;
                $people
            }
        }
    };
}

page_row!(clients, clients, ListKind::Clients, |_r| [None; 3]);
page_row!(contacts, contacts, ListKind::Contacts, |_r| [None; 3]);
page_row!(interactions, interactions, ListKind::Interactions, |r| [r.client_id, r.contact_id, r.staff_id]);
page_row!(transfers, transfers, ListKind::Transfers, |r| [Some(r.client_id), Some(r.to_contact), Some(r.from_staff)]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_name_the_alias() {
        let c = <super::super::clients::Row as PageRow>::columns();
        assert!(c.starts_with("t.id, t.code, t.name"), "{c}");
        assert!(!c.contains('`') && !c.contains("clients."), "{c}");
    }
}
