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

use super::own;
use super::prepared::Prepared;
use super::{Conn, with_backend};
use crate::domain::{Assignment, FollowUp};
use crate::error::{Error, Result};
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
    /// What the record keeps in tables of its own, as the page statement
    /// answered it (`query::attached_sql`; NULL: none).
    pub attached: Option<String>,
    /// The list's count (up to one past its cap), when the page statement
    /// counted (`Plan::count_inline`): the same on every row.
    pub total: Option<i64>,
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
    /// The row type's fields, in [`PageRow::columns`]' order.
    const FIELDS: &'static [&'static str];
    /// For each of [`PageRow::FIELDS`], what a page that does not need it
    /// reads in its place ([`PageRow::columns_reading`]): a constant of the
    /// column's type that the row's record accepts. None: always read (ids
    /// the names are looked up by, the version, codes the record parses).
    const PLACEHOLDERS: &'static [Option<&'static str>];
    /// The row from a statement's first columns ([`super::own`]).
    fn decode(r: &own::Cols) -> Result<Self>;
    /// The columns of the row type, on the page statement's alias `t`.
    fn columns() -> &'static str;
    /// [`PageRow::columns`] with every field `read` refuses answered by
    /// its placeholder (`CAST(NULL AS TEXT) AS body`) when it has one: a
    /// grid reads the columns its cells show and not, say, an
    /// interaction's body (`query::columns::Reads`). The row decodes as
    /// before, its left-out fields empty.
    fn columns_reading(read: impl Fn(&str) -> bool) -> String {
        let mut out = String::new();
        for (field, placeholder) in Self::FIELDS.iter().zip(Self::PLACEHOLDERS) {
            if !out.is_empty() {
                out.push_str(", ");
            }
            match placeholder {
                Some(p) if !read(field) => {
                    out.push_str(p);
                    out.push_str(" AS ");
                }
                _ => out.push_str("t."),
            }
            out.push_str(field);
        }
        out
    }
    /// Runs a page statement whose first columns are [`PageRow::columns`]
    /// followed by `rk`, `kt`, `ki`, `st`, five names (client name and
    /// code, contact, staff name and initials), the attached records and
    /// the count.
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

/// A page's row read straight from a SQLite statement ([`super::own`]):
/// the record's columns from 0 in [`PageRow::columns`]' order, then the
/// page's own columns after them.
fn read_keyed<R: PageRow>(r: &own::Cols) -> Result<Keyed<R>> {
    let n = R::FIELDS.len();
    Ok(Keyed {
        row: R::decode(r)?,
        rk: r.get(n)?,
        kt: r.get(n + 1)?,
        ki: r.get(n + 2)?,
        search_text: r.get(n + 3)?,
        names: [r.get(n + 4)?, r.get(n + 5)?, r.get(n + 6)?, r.get(n + 7)?, r.get(n + 8)?],
        attached: r.get(n + 9)?,
        total: r.get(n + 10)?,
    })
}

// The placeholders of left-out fields ([`PageRow::PLACEHOLDERS`]), typed
// alike on both backends.
const NULL_TEXT: &str = "CAST(NULL AS TEXT)";
const NULL_INT: &str = "CAST(NULL AS BIGINT)";
const ZERO: &str = "CAST(0 AS BIGINT)";
const EMPTY: &str = "CAST('' AS TEXT)";
const JSON_LIST: &str = "CAST('[]' AS TEXT)";
const JSON_MAP: &str = "CAST('{}' AS TEXT)";

/// Defines [`PageRow`] for a table's row type. `{ fields }` lists the row
/// type's fields in declaration order, which is the order of its diesel
/// selection and so of [`PageRow::columns`] (a test holds them equal);
/// `field = TEXT` gives a field's placeholder ([`PageRow::PLACEHOLDERS`]).
macro_rules! page_row {
    (@ph) => { None };
    (@ph $ph:expr) => { Some($ph) };
    ($module:ident, $table:ident, $kind:expr, |$r:ident| $people:expr, { $($field:ident $(= $ph:expr)?),* $(,)? }) => {
        impl PageRow for super::$module::Row {
            const KIND: ListKind = $kind;
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            const PLACEHOLDERS: &'static [Option<&'static str>] = &[$(page_row!(@ph $($ph)?)),*];

            fn decode(r: &own::Cols) -> Result<Self> {
                let mut at = 0;
                let mut next = || {
                    at += 1;
                    at - 1
                };
                Ok(Self { $($field: r.get(next())?),* })
            }

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
                if let super::AnyConnection::Sqlite(c) = &mut *conn
                    && let Some(own) = own::of(c)
                {
                    return own.rows(sql, super::prepared::kept(sql), read_keyed::<Self>);
                }
                type RowSql = diesel::dsl::SqlTypeOf<<super::$module::Row as Selectable<Sqlite>>::SelectExpression>;
                type Name = Nullable<Text>;
                type PageSql = (RowSql, BigInt, Nullable<Text>, Nullable<BigInt>, Nullable<Text>, Name, Name, Name, Name, Name, Name, Nullable<BigInt>);
                type Name_ = Option<String>;
                #[allow(clippy::type_complexity)]
                let rows: Vec<(super::$module::Row, i64, Option<String>, Option<i64>, Option<String>, Name_, Name_, Name_, Name_, Name_, Name_, Option<i64>)> =
                    with_backend!(conn, c => Prepared::<PageSql>::new(sql).load(c))?;
                Ok(rows
                    .into_iter()
                    .map(|(row, rk, kt, ki, search_text, a, b, c, d, e, attached, total)| Keyed {
                        row, rk, kt, ki, search_text, names: [a, b, c, d, e], attached, total,
                    })
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

// Placeholders by the field's type: `NULL_TEXT`, `NULL_INT`, `ZERO`,
// `EMPTY`, `JSON_LIST`, `JSON_MAP`. Ids, versions and codes
// parsed into enums have none. Of the fields a grid column shows, only
// those that cost (long texts, JSON parsed into the record) have one: each
// has its own page statement text per set of them read, and texts are
// prepared and kept per process up to a bound (`store::prepared`), so
// short ones are always read rather than multiplying the texts.
page_row!(clients, clients, ListKind::Clients, |_r| [None; 3], {
    id, code, name, kind, status, office, address = NULL_TEXT, phones = JSON_LIST, emails = JSON_LIST, website,
    notes = NULL_TEXT, referral_type = NULL_TEXT, referred_by = NULL_TEXT, won_date, won_reason = NULL_TEXT,
    left_date, lost_to = NULL_TEXT, lost_reason = NULL_TEXT, created_by = ZERO, created_at, updated_by = ZERO,
    updated_at, version, custom = JSON_MAP, language, fiscal_year_end, business_number,
});
page_row!(contacts, contacts, ListKind::Contacts, |_r| [None; 3], {
    id, first_name, last_name, file_as, company, title, phones = JSON_LIST, emails = JSON_LIST,
    address = NULL_TEXT, notes = NULL_TEXT, created_by = ZERO, created_at = ZERO, updated_by = ZERO, updated_at,
    version, import_key, custom = JSON_MAP, language,
});
page_row!(interactions, interactions, ListKind::Interactions, |r| [r.client_id, r.contact_id, r.staff_id], {
    id, kind, occurred_at, client_id, contact_id, staff_id, subject, body = EMPTY, direction, duration_secs, phone,
    email_from = NULL_TEXT, email_to = NULL_TEXT, email_cc = NULL_TEXT, taken_for = NULL_TEXT, custom = JSON_MAP,
    transfer_id = NULL_INT, created_by = ZERO, created_at = ZERO, updated_by = ZERO, updated_at = ZERO, version,
    taken_for_id, message_status, event = NULL_TEXT,
});
// A transfer's status, expiry and closing are always read: an open
// transfer past its expiry is answered expired (`transfer_records`).
page_row!(transfers, transfers, ListKind::Transfers, |r| [Some(r.client_id), Some(r.to_contact), Some(r.from_staff)], {
    id, direction, status, from_staff, to_contact, client_id, subject, message = EMPTY, signature_required,
    files = JSON_LIST, sent_at, expires_at, closed_at, created_by = ZERO, created_at = ZERO, updated_by = ZERO,
    updated_at = ZERO, version,
});

/// One name of [`names`]: `(which, id, name, code or initials)`.
pub(crate) type NameRow = (i64, i64, Option<String>, Option<String>);

/// A grid page's names read after it is cut
/// (`visibility::names_lookup_sql`): `(which, id, name, code or
/// initials)`.
pub(crate) fn names(conn: &mut Conn, sql: &Sql) -> Result<Vec<NameRow>> {
    match conn {
        super::AnyConnection::Sqlite(c) => {
            if let Some(own) = own::of(c) {
                return own.rows(sql, super::prepared::kept(sql), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)));
            }
            type NamesSql = (BigInt, BigInt, Nullable<Text>, Nullable<Text>);
            Ok(Prepared::<NamesSql>::new(sql).load(c)?)
        }
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(_) => Err(Error::internal("names are read by the page statement on PostgreSQL")),
    }
}

/// A staff member as a page row names them: (id, name, initials).
pub(crate) type StaffName = (i64, String, String);

/// A client page row's people in charge (`query::attached_sql`), with the
/// staff members' names, and its tags: the people in charge in the order
/// of their position; the tags in code order, sorted here when `sort_tags`
/// (SQLite's statement answers them unordered; PostgreSQL's orders them by
/// the database's collation, as every other read of tags there).
#[allow(clippy::type_complexity)]
pub(crate) fn attached_client(
    att: Option<&str>,
    sort_tags: bool,
) -> Result<(Vec<Assignment>, Vec<StaffName>, Vec<String>)> {
    type People = Option<Vec<(String, i64, String, String, i64)>>;
    let Some(text) = att else { return Ok(Default::default()) };
    let (people, tags): (People, Option<Vec<String>>) = super::from_json(text, "people in charge and tags")?;
    let mut people = people.unwrap_or_default();
    people.sort_by(|a, b| (a.4, &a.0, a.1).cmp(&(b.4, &b.0, b.1)));
    let (assignments, names) = people
        .into_iter()
        .map(|(role, staff_id, name, initials, _)| (Assignment { role, staff_id }, (staff_id, name, initials)))
        .unzip();
    let mut tags = tags.unwrap_or_default();
    if sort_tags {
        tags.sort_unstable();
    }
    Ok((assignments, names, tags))
}

/// A contact page row's tags (`query::attached_sql`), in code order
/// (sorted here when `sort_tags`, as [`attached_client`]).
pub(crate) fn attached_tags(att: Option<&str>, sort_tags: bool) -> Result<Vec<String>> {
    let mut tags: Vec<String> = match att {
        Some(text) => super::from_json(text, "tags")?,
        None => Vec::new(),
    };
    if sort_tags {
        tags.sort_unstable();
    }
    Ok(tags)
}

/// What an interaction page row carries beside its columns.
#[derive(Default)]
pub(crate) struct InteractionAttached {
    pub follow_up: Option<FollowUp>,
    /// The follow-up's assignee: (name, initials).
    pub assignee: Option<(String, String)>,
    /// Whom its message was taken for: (name, initials).
    pub taken_for: Option<(String, String)>,
}

/// An interaction page row's follow-up and whom its message was taken for
/// (`query::attached_sql`), with the staff members' names.
pub(crate) fn attached_follow_up(att: Option<&str>) -> Result<InteractionAttached> {
    type FollowUpJson = (i64, Option<String>, serde_json::Value, Option<i64>, Option<i64>, String, String);
    let Some(text) = att else { return Ok(Default::default()) };
    let (follow, taken_for): (Option<FollowUpJson>, Option<(String, String)>) = super::from_json(text, "follow-up")?;
    let mut out = InteractionAttached { taken_for, ..Default::default() };
    if let Some((assignee_id, due, done, done_at, done_by, name, initials)) = follow {
        out.assignee = Some((name, initials));
        let due = due
            .map(|d| d.parse().map_err(|_| Error::storage(format!("corrupt date '{d}' in database"))))
            .transpose()?;
        // `done`: 0/1 on SQLite, a boolean on PostgreSQL.
        let done = done.as_bool().unwrap_or_else(|| done.as_i64().is_some_and(|n| n != 0));
        out.follow_up = Some(FollowUp { assignee_id, due, done, done_at: done_at.map(crate::time::from_ms), done_by });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_name_the_alias() {
        let c = <super::super::clients::Row as PageRow>::columns();
        assert!(c.starts_with("t.id, t.code, t.name"), "{c}");
        assert!(!c.contains('`') && !c.contains("clients."), "{c}");
    }

    /// The fields a page row is read into straight from SQLite are its
    /// selected columns, in order: a field listed out of order or left out
    /// would read another column (or fail to compile, when left out).
    #[test]
    fn rows_read_straight_are_their_columns_in_order() {
        fn check<R: PageRow>() {
            let fields: Vec<String> = R::FIELDS.iter().map(|f| format!("t.{f}")).collect();
            assert_eq!(R::columns(), fields.join(", "), "{:?}", R::KIND);
        }
        check::<super::super::clients::Row>();
        check::<super::super::contacts::Row>();
        check::<super::super::interactions::Row>();
        check::<super::super::transfers::Row>();
    }

    /// Every column of a grid is known to [`Reads`] and reads its fields
    /// from the table; reading everything is [`PageRow::columns`]; the
    /// first column alone reads less.
    #[test]
    fn grid_columns_read_fields_of_their_rows() {
        use crate::domain::{CustomFieldDef, StaffRole, Tag};
        use crate::query::columns::{Reads, catalogue_with};
        use serde_json::json;
        fn check<R: PageRow>() {
            let roles: Vec<StaffRole> =
                serde_json::from_value(json!([{"code": "partner", "label_fr": "Associé", "label_en": "Partner"}]))
                    .unwrap();
            let tags: Vec<Tag> = serde_json::from_value(
                json!([{"code": "vip", "name_fr": "VIP", "name_en": "VIP", "colour": "#000000", "version": 0}]),
            )
            .unwrap();
            let custom: Vec<CustomFieldDef> = serde_json::from_value(json!(["client", "contact", "interaction"].map(
                |record| json!({"record": record, "key": "dossier", "label_fr": "Dossier", "label_en": "File", "field_type": "text"})
            )))
            .unwrap();
            let columns: Vec<String> =
                catalogue_with(R::KIND, &roles, &tags, &custom).into_iter().map(|c| c.id).collect();
            for col in &columns {
                let reads = Reads::of(R::KIND, std::slice::from_ref(col));
                assert_ne!(reads, Reads::of(R::KIND, &["no such column".to_string()]), "{:?} {col}: known", R::KIND);
                let fields: Vec<&str> = R::FIELDS.iter().copied().filter(|f| reads.field(f)).collect();
                let read = R::columns_reading(|f| reads.field(f));
                let read: Vec<&str> = read.split(", ").collect();
                for f in &fields {
                    assert!(read.contains(&format!("t.{f}").as_str()), "{:?} {col}: {f} read in {read:?}", R::KIND);
                }
            }
            let all = Reads::of(R::KIND, &columns);
            assert!(all.attached || R::KIND == ListKind::Transfers, "{:?}", R::KIND);
            assert_eq!(R::columns_reading(|_| true), R::columns(), "{:?}", R::KIND);
            for f in all.fields().unwrap() {
                assert!(R::FIELDS.contains(f), "{:?}: a column reads {f}, a field of the row", R::KIND);
            }
            let first = Reads::of(R::KIND, &columns[..1]);
            assert_ne!(R::columns_reading(|f| first.field(f)), R::columns(), "{:?}: one column reads less", R::KIND);
        }
        check::<super::super::clients::Row>();
        check::<super::super::contacts::Row>();
        check::<super::super::interactions::Row>();
        check::<super::super::transfers::Row>();
    }
}
