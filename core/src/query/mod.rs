//! The query engine of the four lists: filters (text or JSON), keyword
//! search, sorting with a stable tie-break, keyset paging and counts,
//! compiled to one parameterised statement per backend.
//!
//! Data path: a list request → [`ListQuery`] → parsed and checked against
//! the list's field registry ([`fields`]) → compiled by [`sql`] → executed
//! by the store as one prepared statement that answers the page's records
//! with their sort keys (the cursor). The same filter evaluated in memory
//! ([`memory`]) is the reference the differential tests compare against.
//!
//! # Search (the `search` of a list request)
//!
//! The search text is cut into keywords ([`search_keywords`]: words, a run
//! of words shaped like a phone number staying one keyword). A record
//! matches when **every** keyword matches its own keyword text, or — client
//! and contact lists — when every keyword matches the text of **one** linked
//! record: for a client, one of its live contacts (names, company,
//! e-mails, phones); for a contact, one of its live clients in the actor's
//! offices (code, name, e-mails, phones). Words are not pooled across
//! records: `tremblay hélène` finds a client through a contact "Tremblay,
//! Hélène", not through a contact Tremblay and another Hélène.
//!
//! Each item of such a page says why it matched (`Record::matched_via`):
//! its own text first, else the first matching linked record (contacts by
//! file-as name then id; clients by code then id).
//!
//! Ranking, under the default sort only (`name`), clients and contacts:
//! rank 0 — the search text (folded, trimmed) equals the client's code or
//! name (the contact's file-as name); 1 — one of them starts with it; 2 —
//! any other match of the record's own text; 3 — matched only through a
//! linked record. Rows sort by rank, then by the sort key, then by id.

pub mod columns;
pub(crate) mod fields;
pub mod import_columns;
pub mod memory;
mod pg;
pub(crate) mod search;
pub(crate) mod sql;
pub(crate) mod window;

use chrono::{LocalResult, NaiveDate, TimeZone};
use clientele_filter::{DateContext, Limits, Typed};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use self::fields::Col;
use self::sql::{Bind, Compiler, KeywordIndex, Sql};
use crate::domain::{CustomFieldDef, Id};
use crate::error::{Error, Result, Span};

/// The four lists of the Manage Clients screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Clients,
    Contacts,
    Interactions,
    Transfers,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Clients => "clients",
            ListKind::Contacts => "contacts",
            ListKind::Interactions => "interactions",
            ListKind::Transfers => "transfers",
        }
    }
    pub const ALL: [ListKind; 4] = [ListKind::Clients, ListKind::Contacts, ListKind::Interactions, ListKind::Transfers];
}

/// A filter: the text syntax a person types, or the structured (JSON) form
/// a filter-builder dialog produces. See `docs/filters.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FilterInput {
    Text(String),
    Json(serde_json::Value),
}

/// Filtering, search, sorting and paging of a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListQuery {
    /// Restricts the rows (`status:active ville:Québec`).
    #[serde(default)]
    pub filter: Option<FilterInput>,
    /// Keyword search (the Search box): every word must match the start of
    /// a word of the record, ignoring case and accents.
    #[serde(default)]
    pub search: Option<String>,
    /// A sortable field, `-` in front for descending (`-when`). Ties break
    /// on the id, in the same direction.
    #[serde(default)]
    pub sort: Option<String>,
    /// Rows per page (default 50, at most 500).
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, with the same list, filter,
    /// search and sort (another answers `bad_request`). A page starts after
    /// the previous page's last row in the sort's order (not at a row
    /// number): rows added or deleted meanwhile shift nothing, but a row
    /// whose sorted value changes between two pages (renamed, say) may show
    /// again on a later page, or not at all.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Also answer the total number of matching rows.
    #[serde(default)]
    pub count: bool,
    /// Interactions: a named switch a person clicks, ANDed with `filter`
    /// (see [`ListPreset`] and `docs/filters.md`). Saved with a view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<ListPreset>,
}

/// The named switches of the interaction list: each is a filter of the
/// filter language, ANDed with the request's own, so rights, offices and a
/// client dashboard's scope apply as to any filter, and the in-memory
/// reference evaluates it alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListPreset {
    /// Mes suivis ouverts: `follow_up:me done:false`.
    MyOpenFollowUps,
    /// Suivis en retard (the firm's, as far as the viewer sees):
    /// `done:false due:<today` (add `suivi:moi` for one's own).
    OverdueFollowUps,
    /// Mes nouveaux messages: `for:me message:new`.
    MyNewMessages,
}

impl ListPreset {
    pub const ALL: [ListPreset; 3] =
        [ListPreset::MyOpenFollowUps, ListPreset::OverdueFollowUps, ListPreset::MyNewMessages];

    /// The filter the switch stands for.
    pub fn filter(self) -> &'static str {
        match self {
            ListPreset::MyOpenFollowUps => "follow_up:me done:false",
            ListPreset::OverdueFollowUps => "done:false due:<today",
            ListPreset::MyNewMessages => "for:me message:new",
        }
    }

    /// What the switch is called, in French and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            ListPreset::MyOpenFollowUps => ("Mes suivis ouverts", "My open follow-ups"),
            ListPreset::OverdueFollowUps => ("Suivis en retard", "Overdue follow-ups"),
            ListPreset::MyNewMessages => ("Mes nouveaux messages", "My new phone messages"),
        }
    }
}

/// Restrictions a list applies besides the user's filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Constraint {
    /// Clients: this client. Interactions, transfers: of this client.
    ClientIs(Id),
    /// Interactions, transfers: with this contact.
    ContactIs(Id),
    /// Interactions: the client's own and those of its contacts that
    /// concern no other client.
    Timeline(Id),
    /// Contacts: linked to this client.
    LinkedTo(Id),
    /// Interactions (when) and transfers (sent): at or after this instant.
    Since(i64),
    /// Transfers: waiting for files or ready for download.
    OpenOnly,
    /// Transfers: expiring after this instant (UTC ms): open ones past
    /// their expiry that the sweep could not close yet are not open.
    Unexpired(i64),
    /// The client `id` is live and of these offices (`None`: any office):
    /// a by-id visibility check made by the page statement itself, so a
    /// client's list costs no statement of its own
    /// ([`crate::visibility::client_constraint`]). An empty page is then
    /// checked again by id, to answer `not_found`
    /// ([`crate::visibility::check_deferred`]).
    ClientVisible(Id, Option<Vec<String>>),
}

/// The longest search text accepted.
pub const MAX_SEARCH_BYTES: usize = 500;

/// The most words one keyword (a search word, a filter keyword) may have
/// (`a-b-c` has three): each is a prefix term of the keyword index.
pub const MAX_KEYWORD_WORDS: usize = 8;

/// The most words a search text may have.
pub const MAX_SEARCH_WORDS: usize = 8;

/// The most keyword words of a whole request (filter and search together).
pub const MAX_KEYWORD_TERMS: usize = 16;

/// `count` stops at this many rows: past it the answer says
/// `total: 10000, total_capped: true` ("10,000 or more").
pub const MAX_COUNT: u64 = 10_000;

/// A count of up to `MAX_COUNT + 1` as the answer's `total` and
/// `total_capped`.
pub(crate) fn capped_total(total: Option<u64>) -> (Option<u64>, bool) {
    capped_total_at(total, MAX_COUNT)
}

/// A count of up to `cap + 1` as `total` and `total_capped`.
pub(crate) fn capped_total_at(total: Option<u64>, cap: u64) -> (Option<u64>, bool) {
    match total {
        Some(n) if n > cap => (Some(cap), true),
        other => (other, false),
    }
}

/// A request's `count_limit`, checked: 1 to [`MAX_COUNT`] (default).
pub(crate) fn count_limit(asked: Option<u32>) -> Result<u64> {
    match asked {
        None => Ok(MAX_COUNT),
        Some(n) if (1..=MAX_COUNT).contains(&u64::from(n)) => Ok(u64::from(n)),
        Some(n) => Err(Error::validation(
            "count_limit",
            "out_of_range",
            format!("count_limit must be between 1 and {MAX_COUNT}, not {n}"),
        )),
    }
}

/// Refuses keywords that cost without bound: more than
/// [`MAX_KEYWORD_WORDS`] words in one, or more than [`MAX_KEYWORD_TERMS`]
/// in all (`used` counts the words seen so far).
fn check_keyword(k: &str, span: Span, what: &str, used: &mut usize) -> Result<()> {
    let n = sql::keyword_words(k).len();
    *used += n;
    let too_many = |message: String| Error::filter("too_many_terms", message, Some(span));
    if n > MAX_KEYWORD_WORDS {
        return Err(too_many(format!(
            "{what}: a keyword of {n} words is too costly to search (at most {MAX_KEYWORD_WORDS}; \
             un mot-clé d'au plus {MAX_KEYWORD_WORDS} mots)"
        )));
    }
    if *used > MAX_KEYWORD_TERMS {
        return Err(too_many(format!(
            "{what}: more than {MAX_KEYWORD_TERMS} keyword words in one request (au plus {MAX_KEYWORD_TERMS} mots-clés)"
        )));
    }
    Ok(())
}

/// The keywords of a parsed filter, with their spans.
fn filter_keywords(e: &clientele_filter::Expr, out: &mut Vec<(String, Span)>) {
    use clientele_filter::Expr as E;
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            E::And(v) | E::Or(v) => stack.extend(v.iter().rev()),
            E::Not(x) => stack.push(x),
            E::Keyword { text, .. } => {
                out.push((text.node.clone(), Span { start: text.span.start, end: text.span.end }))
            }
            E::Cond { .. } => {}
        }
    }
}

/// Turns a filter error into the engine's: the kind, `expected` and
/// `suggestion` as their own fields, the field of the list named when the
/// error is about one (`text` is the filter text, for its span).
pub(crate) fn filter_error(e: clientele_filter::FilterError, what: &str, text: Option<&str>) -> Error {
    use clientele_filter::ErrorKind as K;
    let mut message = e.message.clone();
    if let Some(x) = e.expected.as_ref().filter(|x| !message.contains(x.as_str())) {
        message.push_str(&format!(" (expected {x})"));
    }
    if let Some(s) = e.suggestion.as_ref().filter(|s| !message.contains(s.as_str())) {
        message.push_str(&format!(" — {s}"));
    }
    // The span of an unknown or unfilterable field is its name.
    let field = match e.kind {
        K::UnknownField | K::NotFilterable => text
            .and_then(|t| t.get(e.span.start..e.span.end))
            .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_alphanumeric() || "_.-".contains(c)))
            .map(str::to_string),
        _ => None,
    };
    Error::filter(e.code(), format!("{what}: {message}"), Some(Span { start: e.span.start, end: e.span.end }))
        .with_filter(|f| {
            f.field = field;
            f.expected = e.expected;
            f.suggestion = e.suggestion;
        })
}

/// Instant (UTC ms) a day begins in the zone; a day whose midnight does not
/// exist (a DST gap) begins at the first instant that does.
pub(crate) fn day_start(tz: chrono_tz::Tz, d: NaiveDate) -> i64 {
    let mut t = d.and_hms_opt(0, 0, 0).expect("midnight exists");
    for _ in 0..4 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(x) => return x.timestamp_millis(),
            LocalResult::Ambiguous(x, _) => return x.timestamp_millis(),
            LocalResult::None => t += chrono::Duration::minutes(30),
        }
    }
    d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp_millis()
}

/// A list request, checked and ready to compile.
#[derive(Clone)]
pub(crate) struct Plan {
    pub kind: ListKind,
    pub fields: std::sync::Arc<fields::Registered>,
    pub filter: Typed,
    /// The search keywords (apart from the filter: client and contact
    /// lists also match them through linked records).
    pub search: Vec<String>,
    pub rank: Option<String>,
    pub sort: Sort,
    /// What a cursor of this plan carries as its sort: the sort field and a
    /// tag of the question ([`cursor_sort`]).
    pub cursor_sort: String,
    pub constraints: Vec<Constraint>,
    pub offices: Option<Vec<String>>,
    /// A client dashboard's client: a contact search matches through that
    /// client only.
    pub scope: Option<Id>,
    pub after: Option<Key>,
    pub limit: i64,
    pub count: bool,
    /// `count` stops one past this many rows.
    pub count_cap: u64,
    pub tz: chrono_tz::Tz,
    /// The page statement also answers the names a grid shows
    /// ([`crate::visibility::names_sql`]).
    pub names: bool,
    /// PostgreSQL: the names are joined to the page statement's cut rows
    /// ([`crate::visibility::pg_names_joined_sql`]) rather than read by
    /// its subqueries.
    pub names_joined: bool,
    /// How the search keywords reach the rows (`search.rs`); set from the
    /// sample's counts by [`Plan::set_search_shape`].
    pub search_shape: search::Shape,
    /// The order in which a row's keywords are checked (indices into
    /// `search`, rarest in the sample first, so that a row most keywords
    /// miss is given up after one check); empty: in `search`'s order. Set
    /// with the search shape.
    pub check_order: Vec<usize>,
    /// Ranked searches (clients, contacts): how the own-text and the
    /// linked-record tiers reach their rows (`search.rs`); set from the
    /// sample's counts by [`Plan::set_search_shape`].
    pub ranked_shape: search::Ranked,
    /// What sizes the windows of a driven search (`window.rs`): set with
    /// the search shape on SQLite, for interactions under their default
    /// sort.
    pub window_hint: Option<window::Hint>,
    /// The page statement's window (`window.rs`), while one is read.
    pub window: Option<window::Window>,
    /// Whether the firm has tags. Without, no record has one (each of a
    /// record's tags references the firm's), and the page statement
    /// answers none without looking: a tags column cost a contacts page
    /// of 51 rows 0.08 ms on PostgreSQL at size M, where contacts have
    /// none.
    pub tagged: bool,
    /// The page statement answers what rows keep in tables of their own
    /// ([`attached_sql`]); false: NULL, a grid none of whose columns
    /// shows it (`columns::Reads`).
    pub attached: bool,
}

/// The page statement's last column: what a record keeps in tables of its
/// own, as JSON, so a page stays one statement (`store::page::Attached`).
/// Clients: `[people in charge, tags]`, their people in charge in order,
/// each `[role, staff id, name, initials]`, and their tag codes in order.
/// Contacts: their tag codes in order. Interactions: `[follow-up, taken
/// for]`, the follow-up `[assignee, due, done, done at, done by, name,
/// initials]` and whom a message was taken for `[name, initials]` (either
/// null). Others: NULL. A client with no one in charge (and no tag) and
/// an interaction with neither answer NULL, read as none.
fn attached_sql(kind: ListKind, pg: bool, tagged: bool) -> &'static str {
    // A client's people in charge, as JSON. SQLite: no `ORDER BY` in the
    // aggregates (each one built a temporary b-tree per row: ~1.4 µs a
    // row, a quarter of a client page's statement at size M);
    // `store::page` sorts the few items. `CROSS JOIN` keeps the
    // assignments first: with a firm's few staff and no statistics yet,
    // the planner would scan the staff and read each one's assignments by
    // the staff index for every row.
    macro_rules! sqlite_people {
        () => {
            "json((SELECT json_group_array(json_array(a.role, a.staff_id, s.name, s.initials, a.position)) \
             FROM client_assignments a CROSS JOIN staff s ON s.id = a.staff_id WHERE a.client_id = t.id))"
        };
    }
    macro_rules! pg_people {
        () => {
            "(SELECT json_agg(json_build_array(a.role, a.staff_id, s.name, s.initials, a.position) \
             ORDER BY a.position) FROM client_assignments a JOIN staff s ON s.id = a.staff_id WHERE a.client_id = t.id)"
        };
    }
    // A client with no one in charge (and no tag) answers NULL (read as
    // none) after one index probe, where the aggregates over no rows cost
    // ~0.55 µs a row on SQLite: a 51-row page's statement 41 → 13 µs
    // without people in charge, 74 → 72 µs with them on two clients in
    // three (SQLite M, 2026-12-07); PostgreSQL 0.30 → 0.25–0.27 ms
    // (pgbench, prepared, the bench firm: no one in charge).
    macro_rules! anyone {
        () => {
            ", CASE WHEN EXISTS (SELECT 1 FROM client_assignments a WHERE a.client_id = t.id)"
        };
    }
    // An interaction's follow-up `[assignee, due, done, done at, done by,
    // name, initials]` with `$arr` (`json_array`, `json_build_array`),
    // and the rows it is read from.
    macro_rules! follow_up {
        ($arr:literal) => {
            concat!($arr, "(f.assignee_id, f.due, f.done, f.done_at, f.done_by, s.name, s.initials)")
        };
    }
    macro_rules! follow_up_from {
        () => {
            " FROM follow_ups f JOIN staff s ON s.id = f.assignee_id WHERE f.interaction_id = t.id"
        };
    }
    // An interaction's attached column with `$arr`, cast by `$text`
    // (PostgreSQL's `::text`).
    macro_rules! interaction_att {
        ($arr:literal, $text:literal) => {
            concat!(
                ", CASE WHEN t.taken_for_id IS NULL THEN (SELECT ",
                $arr,
                "(",
                follow_up!($arr),
                ", NULL)",
                follow_up_from!(),
                ")",
                $text,
                " ELSE ",
                $arr,
                "((SELECT ",
                follow_up!($arr),
                follow_up_from!(),
                "), (SELECT ",
                $arr,
                "(s.name, s.initials) FROM staff s WHERE s.id = t.taken_for_id))",
                $text,
                " END AS att"
            )
        };
    }
    // A firm without tags: no record has one (`Plan::tagged`).
    match (kind, pg, tagged) {
        (ListKind::Clients, false, false) => {
            concat!(anyone!(), " THEN json_array(", sqlite_people!(), ", NULL) END AS att")
        }
        (ListKind::Clients, false, true) => concat!(
            anyone!(),
            " OR EXISTS (SELECT 1 FROM client_tags x WHERE x.client_id = t.id) THEN json_array(",
            sqlite_people!(),
            ", json((SELECT json_group_array(x.tag) FROM client_tags x WHERE x.client_id = t.id))) END AS att"
        ),
        (ListKind::Clients, true, false) => {
            concat!(anyone!(), " THEN json_build_array(", pg_people!(), ", NULL)::text END AS att")
        }
        (ListKind::Clients, true, true) => concat!(
            anyone!(),
            " OR EXISTS (SELECT 1 FROM client_tags x WHERE x.client_id = t.id) THEN json_build_array(",
            pg_people!(),
            ", (SELECT json_agg(x.tag ORDER BY x.tag) FROM client_tags x WHERE x.client_id = t.id))::text END AS att"
        ),
        (ListKind::Contacts, _, false) => ", CAST(NULL AS TEXT) AS att",
        (ListKind::Contacts, false, true) => {
            ", (SELECT json_group_array(x.tag) FROM contact_tags x WHERE x.contact_id = t.id) AS att"
        }
        (ListKind::Contacts, true, true) => {
            ", (SELECT json_agg(x.tag ORDER BY x.tag)::text FROM contact_tags x WHERE x.contact_id = t.id) AS att"
        }
        // A row no message was taken for (most) runs one subquery, the
        // follow-up's, and answers NULL without one (read as neither), not
        // `[null,null]`. On SQLite each correlated subquery opens its
        // cursors per row: the two subqueries in `json_array` were ~21 µs
        // of a 51-row page's statement, this form ~13 µs (SQLite M,
        // 2026-12-07); on PostgreSQL the page's statement 0.25 → 0.20 ms
        // (pgbench, prepared).
        (ListKind::Interactions, false, _) => interaction_att!("json_array", ""),
        // The same on PostgreSQL.
        (ListKind::Interactions, true, _) => interaction_att!("json_build_array", "::text"),
        (ListKind::Transfers, _, _) => ", CAST(NULL AS TEXT) AS att",
    }
}

/// The sort of a list.
#[derive(Debug, Clone)]
pub(crate) struct Sort {
    pub field: String,
    pub col: Col,
    pub desc: bool,
}

impl Sort {
    fn text(&self) -> bool {
        match &self.col {
            Col::FollowUp(inner) => matches!(**inner, Col::Fold(_) | Col::Enum(_) | Col::Iso(_)),
            Col::Custom { ty, .. } => fields::custom_sorts(*ty),
            col => matches!(col, Col::Fold(_) | Col::Enum(_) | Col::Iso(_) | Col::Assigned(_)),
        }
    }
}

/// Room set aside for a statement cut at `limit` rows ([`Sql::expect_rows`]):
/// at most a page of the largest size (500) and one more; a larger read
/// grows as it goes.
fn expected_rows(limit: i64) -> usize {
    limit.clamp(0, 501) as usize
}

/// The sort key of a row: rank, text or integer key, id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Key {
    pub sort: String,
    pub rk: i64,
    pub kt: Option<String>,
    pub ki: Option<i64>,
    pub id: Id,
}

impl Key {
    pub(crate) fn encode(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let json = serde_json::to_string(self).expect("keys serialise");
        let mut out = String::with_capacity(2 * json.len());
        for b in json.bytes() {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
        out
    }

    fn decode(s: &str, sort: &str, text_sort: bool) -> Result<Key> {
        let bad = || {
            Error::bad_request(
                "invalid cursor (pass back next_cursor unchanged, with the same list, filter, search and sort; \
                 start again without a cursor when any of them changes)",
            )
        };
        if !s.len().is_multiple_of(2) || s.len() > 4096 {
            return Err(bad());
        }
        let bytes = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
            .collect::<Result<Vec<u8>>>()?;
        let key: Key = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        // The key's type must be the sort's: a text key for a text sort, an
        // integer key (or none) otherwise.
        if key.sort != sort || key.kt.is_some() != text_sort || (text_sort && key.ki.is_some()) {
            return Err(bad());
        }
        Ok(key)
    }
}

/// The sort a cursor carries: the sort field and a tag of the question it
/// pages through (the list, the filter as given, the search text), so a
/// cursor passed back with another filter, search or preset answers `bad_request`
/// instead of a page of the other question starting at a key that means
/// something else (a rank tier, a position in another order). Not a
/// secret: a check against mistakes. The relative constraints (since, open)
/// are left out: "last 30 days" moves with the clock between pages.
#[doc(hidden)]
pub fn cursor_sort(kind: ListKind, query: &ListQuery, sort: &str) -> String {
    // FNV-1a, 64 bits: stable across builds and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab", "") and ("a", "b") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(kind.as_str().as_bytes());
    match &query.filter {
        None => eat(b"-"),
        Some(FilterInput::Text(t)) => eat(format!("t{t}").as_bytes()),
        Some(FilterInput::Json(v)) => eat(format!("j{v}").as_bytes()),
    }
    eat(query.search.as_deref().unwrap_or("").as_bytes());
    eat(query.preset.map_or("", |p| p.filter()).as_bytes());
    format!("{sort}~{h:016x}")
}

/// The default sort of each list.
fn default_sort(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Clients | ListKind::Contacts => "name",
        ListKind::Interactions => "-when",
        ListKind::Transfers => "-sent",
    }
}

/// Everything a plan needs from the engine.
pub(crate) struct PlanInput<'a> {
    pub kind: ListKind,
    pub query: &'a ListQuery,
    pub custom: &'a [CustomFieldDef],
    /// The firm's roles of the people in charge (client fields).
    pub roles: &'a [crate::domain::StaffRole],
    /// The firm's tags (a `tag` filter names one by code or name).
    pub tags: &'a [crate::domain::Tag],
    pub constraints: Vec<Constraint>,
    pub offices: Option<Vec<String>>,
    /// A client dashboard's client: a contact search matches through that
    /// client only.
    pub scope: Option<Id>,
    pub today: NaiveDate,
    pub fiscal_year_start_month: u32,
    pub tz: chrono_tz::Tz,
    /// The staff member asking (`staff:me`); `None` for the host.
    pub actor: Option<Id>,
    /// Finds the ids behind client codes, staff initials and contact names
    /// ([`fields::resolve_people`]), among what the actor may see.
    pub people: &'a mut fields::Finder<'a>,
}

/// Parses and checks a list request.
pub(crate) fn plan(input: PlanInput<'_>) -> Result<Plan> {
    let registered = fields::registered(input.kind, input.custom, input.roles);
    let (fields, registry) = (&registered.fields, &registered.registry);
    let mut dates = DateContext::new(input.today);
    dates.fiscal_year_start_month = input.fiscal_year_start_month;
    let limits = Limits::default();
    let mut parts = Vec::new();
    // Keyword words of the request so far (filter, then search).
    let mut terms = 0;
    if let Some(f) = &input.query.filter {
        // NUL cannot be stored (validation refuses control characters) nor
        // bound on PostgreSQL: refuse it here, the same on both backends.
        let nul = match f {
            FilterInput::Text(t) => t.find('\0'),
            FilterInput::Json(v) => v.to_string().find("\\u0000").map(|_| 0),
        };
        if let Some(at) = nul {
            return Err(Error::filter(
                "invalid_value",
                "filter: contains a NUL character",
                Some(Span { start: at, end: at + 1 }),
            ));
        }
        let filter_text = match f {
            FilterInput::Text(t) => Some(t.as_str()),
            FilterInput::Json(_) => None,
        };
        let expr = match f {
            FilterInput::Text(t) => clientele_filter::parse_with_limits(t, &limits),
            FilterInput::Json(v) => clientele_filter::parse_json(&v.to_string(), &limits),
        }
        .map_err(|e| filter_error(e, "filter", filter_text))?;
        let mut keywords = Vec::new();
        filter_keywords(&expr, &mut keywords);
        for (k, span) in &keywords {
            check_keyword(k, *span, "filter", &mut terms)?;
        }
        let typed = clientele_filter::check_with_limits(&expr, registry, &dates, &limits)
            .map_err(|e| filter_error(e, "filter", filter_text))?;
        let typed = fields::resolve_people(typed, input.kind, input.actor, &mut *input.people)?;
        parts.push(fields::resolve_tags(typed, input.kind, input.tags)?);
    }
    if let Some(preset) = input.query.preset {
        if input.kind != ListKind::Interactions {
            return Err(Error::validation("preset", "not_for_kind", "presets are switches of the interaction list"));
        }
        let expr = clientele_filter::parse_with_limits(preset.filter(), &limits)
            .map_err(|e| filter_error(e, "preset", Some(preset.filter())))?;
        let typed = clientele_filter::check_with_limits(&expr, registry, &dates, &limits)
            .map_err(|e| filter_error(e, "preset", Some(preset.filter())))?;
        parts.push(fields::resolve_people(typed, input.kind, input.actor, &mut *input.people)?);
    }
    let mut rank = None;
    let mut search = Vec::new();
    if let Some(s) = input.query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if s.len() > MAX_SEARCH_BYTES {
            return Err(Error::filter(
                "too_long",
                format!("search: longer than {MAX_SEARCH_BYTES} bytes"),
                Some(Span { start: MAX_SEARCH_BYTES, end: s.len() }),
            ));
        }
        if s.contains('\0') {
            return Err(Error::filter("invalid_value", "search: contains a NUL character", None));
        }
        // A word without a letter or digit ("🥐", "-") would match every
        // row: refused, with its place in the search text as written.
        let raw = input.query.search.as_deref().unwrap_or_default();
        if let Some(w) = raw.split_whitespace().find(|w| sql::keyword_words(w).is_empty()) {
            let start = w.as_ptr() as usize - raw.as_ptr() as usize;
            return Err(Error::filter(
                "invalid_value",
                format!("search: `{w}` has no letter or digit (expected a word with a letter or a digit)"),
                Some(Span { start, end: start + w.len() }),
            ));
        }
        // Spans are offsets in the search text as sent (before trimming).
        let base = input.query.search.as_deref().unwrap_or(s).as_ptr() as usize;
        let spans: Vec<(&str, Span)> = s
            .split_whitespace()
            .map(|w| {
                let start = w.as_ptr() as usize - base;
                (w, Span { start, end: start + w.len() })
            })
            .collect();
        if let Some((_, span)) = spans.get(MAX_SEARCH_WORDS) {
            return Err(Error::filter(
                "too_many_terms",
                format!(
                    "search: more than {MAX_SEARCH_WORDS} words (au plus {MAX_SEARCH_WORDS} mots dans une recherche)"
                ),
                Some(*span),
            ));
        }
        for (w, span) in &spans {
            check_keyword(w, *span, "search", &mut terms)?;
        }
        search = search_keywords(s);
        rank = Some(crate::text::fold(s));
    }
    let filter = if parts.len() == 1 { parts.pop().expect("one") } else { Typed::And(parts) };
    let sort_text = input.query.sort.clone().unwrap_or_else(|| default_sort(input.kind).to_string());
    let (desc, name) = match sort_text.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, sort_text.as_str()),
    };
    let def = registry.lookup(name).filter(|d| d.sortable).ok_or_else(|| {
        let sortable: Vec<&str> = fields.iter().filter(|f| f.def.sortable).map(|f| f.def.name.as_str()).collect();
        Error::validation(
            "sort",
            "unknown_field",
            format!("cannot sort {} by '{name}'; sortable fields: {}", input.kind.as_str(), sortable.join(", ")),
        )
    })?;
    let field = fields.iter().find(|f| f.def.name == def.name).expect("registered");
    let sort = Sort { field: format!("{}{}", if desc { "-" } else { "" }, def.name), col: field.col.clone(), desc };
    let limit = crate::engine::page_limit(input.query.limit)?;
    let cursor_sort = cursor_sort(input.kind, input.query, &sort.field);
    let after = input.query.cursor.as_deref().map(|c| Key::decode(c, &cursor_sort, sort.text())).transpose()?;
    // Ranking only where an exact or prefix match of a code or name means
    // something, and only under the default sort.
    let rank =
        rank.filter(|_| input.query.sort.is_none() && matches!(input.kind, ListKind::Clients | ListKind::Contacts));
    Ok(Plan {
        kind: input.kind,
        fields: registered.clone(),
        filter,
        search,
        rank,
        sort,
        cursor_sort,
        constraints: input.constraints,
        offices: input.offices,
        scope: input.scope,
        after,
        limit,
        count: input.query.count,
        count_cap: MAX_COUNT,
        tz: input.tz,
        names: false,
        names_joined: false,
        search_shape: search::Shape::Index,
        check_order: Vec::new(),
        ranked_shape: search::Ranked::default(),
        window_hint: None,
        window: None,
        tagged: !input.tags.is_empty(),
        attached: true,
    })
}

/// The keywords of a search: its words (split at whitespace, folded),
/// except that a run of words shaped like one phone number
/// (`+1 514 555 0199 poste 12`, see [`crate::text::phone_query`]) is one
/// keyword. The longest run starting at a word wins.
pub(crate) fn search_keywords(s: &str) -> Vec<String> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // A number takes at most 8 words (`+1 514 555 0199 poste 12`, `0 11 …`).
        let run = (i + 2..=(i + 8).min(words.len()))
            .rev()
            .find(|&j| crate::text::phone_query(&words[i..j].join(" ")).is_some())
            .unwrap_or(i + 1);
        out.push(crate::text::fold(&words[i..run].join(" ")));
        i = run;
    }
    out
}

/// The keyword-index query (FTS5 `MATCH` text on SQLite, `to_tsquery`
/// text on PostgreSQL) that requires every keyword, as the engine writes
/// it; `None` when no keyword has a word. For hand-written baselines (the
/// benchmark) that must answer the engine's question.
pub fn keywords_index_query(keywords: &[String], pg: bool) -> Option<String> {
    sql::keywords_query(keywords, pg)
}

/// Sort columns that are never NULL.
const NOT_NULL: &[(ListKind, &str)] = &[
    (ListKind::Clients, "t.id"),
    (ListKind::Clients, "t.code_key"),
    (ListKind::Clients, "t.name_fold"),
    (ListKind::Clients, "t.kind"),
    (ListKind::Clients, "t.status"),
    (ListKind::Clients, "t.created_at"),
    (ListKind::Clients, "t.updated_at"),
    (ListKind::Contacts, "t.id"),
    (ListKind::Contacts, "t.file_as_fold"),
    (ListKind::Contacts, "t.created_at"),
    (ListKind::Contacts, "t.updated_at"),
    (ListKind::Interactions, "t.id"),
    (ListKind::Interactions, "t.kind"),
    (ListKind::Interactions, "t.occurred_at"),
    (ListKind::Interactions, "t.subject_fold"),
    (ListKind::Interactions, "t.created_at"),
    (ListKind::Interactions, "t.updated_at"),
    (ListKind::Transfers, "t.id"),
    (ListKind::Transfers, "t.status"),
    (ListKind::Transfers, "t.direction"),
    (ListKind::Transfers, "t.subject_fold"),
    (ListKind::Transfers, "t.sent_at"),
    (ListKind::Transfers, "t.expires_at"),
    (ListKind::Transfers, "t.created_at"),
    (ListKind::Transfers, "t.updated_at"),
];

fn table(kind: ListKind) -> &'static str {
    kind.as_str()
}

/// `by_expiry`: the page is sorted by expiry date (see [`Constraint::OpenOnly`]).
fn constraint_sql(sql: &mut Sql, kind: ListKind, c: &Constraint, by_expiry: bool) {
    match (c, kind) {
        (Constraint::ClientIs(id), ListKind::Clients) => {
            sql.push(" AND t.id = ").bind_int(*id);
        }
        (Constraint::ClientIs(id), _) => {
            sql.push(" AND t.client_id = ").bind_int(*id);
        }
        (Constraint::ContactIs(id), ListKind::Contacts) => {
            sql.push(" AND t.id = ").bind_int(*id);
        }
        (Constraint::ContactIs(id), ListKind::Transfers) => {
            sql.push(" AND t.to_contact = ").bind_int(*id);
        }
        (Constraint::ContactIs(id), _) => {
            sql.push(" AND t.contact_id = ").bind_int(*id);
        }
        (Constraint::Timeline(id), _) => {
            sql.push(" AND (t.client_id = ").bind_int(*id);
            sql.push(
                " OR (t.client_id IS NULL AND t.contact_id IN (SELECT contact_id FROM contact_links WHERE client_id = ",
            );
            sql.bind_int(*id).push(")))");
        }
        (Constraint::LinkedTo(id), _) => {
            sql.push(" AND t.id IN (SELECT contact_id FROM contact_links WHERE client_id = ").bind_int(*id).push(")");
        }
        (Constraint::Since(ms), ListKind::Transfers) => {
            sql.push(" AND t.sent_at >= ").bind_int(*ms);
        }
        (Constraint::Since(ms), _) => {
            sql.push(" AND t.occurred_at >= ").bind_int(*ms);
        }
        (Constraint::OpenOnly, _) => {
            // On SQLite `+` keeps the status index out: with it the planner
            // fetched every open transfer (a fifth of them) and sorted them
            // (10 ms at size M); without it, it walks the date index newest
            // first and stops at the page (0.03 ms). PostgreSQL plans it
            // well as it is (and has no unary `+` on text).
            // Sorted by expiry (Today's expiring transfers) the status is
            // left plain: only a plain `status IN` lets the planner use the
            // partial index of live open transfers by expiry
            // (`transfers_open_expires`), which reads the page in order;
            // with `+` SQLite scanned and sorted every transfer (80 ms at
            // size M, debug build).
            let status = if sql.pg || by_expiry { "t.status" } else { "+t.status" };
            sql.push(&format!(" AND {status} IN ('waiting_for_files', 'ready_for_download')"));
        }
        (Constraint::Unexpired(ms), _) => {
            sql.push(" AND t.expires_at > ").bind_int(*ms);
        }
        (Constraint::ClientVisible(id, offices), _) => {
            sql.push(" AND EXISTS (SELECT 1 FROM clients vc WHERE vc.id = ").bind_int(*id);
            sql.push(" AND vc.trash_id IS NULL");
            if let Some(o) = offices {
                sql.push(" AND vc.office IN ");
                crate::visibility::office_list_sql(sql, o);
            }
            sql.push(")");
        }
    }
}

impl Plan {
    fn compiler<'a>(&'a self, day_start: &'a dyn Fn(NaiveDate) -> i64) -> Compiler<'a> {
        Compiler { fields: &self.fields.fields, day_start, index: KeywordIndex { table: table(self.kind) } }
    }

    /// `WHERE` conditions shared by the page and the count.
    fn where_sql(&self, sql: &mut Sql) {
        self.base_where_sql(sql);
        if self.search_query(sql.pg).is_some() {
            sql.push(" AND ");
            self.search_sql(sql);
        }
    }

    /// `WHERE` conditions apart from the search: trash, constraints,
    /// offices, the filter.
    fn base_where_sql(&self, sql: &mut Sql) {
        let tz = self.tz;
        let day = move |d: NaiveDate| day_start(tz, d);
        sql.push(" WHERE t.trash_id IS NULL");
        let by_expiry = self.kind == ListKind::Transfers && self.sort.col == Col::Ms("t.expires_at");
        for c in &self.constraints {
            constraint_sql(sql, self.kind, c, by_expiry);
        }
        if let Some(o) = &self.offices {
            crate::visibility::offices_sql(sql, self.kind, o);
        }
        sql.push(" AND ");
        self.compiler(&day).filter(sql, &self.filter);
    }

    /// The index query of the search keywords (`None`: no search, or no
    /// keyword with a word).
    fn search_query(&self, pg: bool) -> Option<String> {
        sql::keywords_query(&self.search, pg)
    }

    /// The record's own text matches the search.
    fn own_match_sql(&self, sql: &mut Sql, q: String) {
        match self.search_shape {
            search::Shape::Index => sql::index_match_on(sql, table(self.kind), "t", q),
            search::Shape::Walk => search::check_all_sql(sql, "t", &self.checked_keywords()),
            search::Shape::Driver(i) => {
                let (driver, reduced) =
                    sql::keyword_probe(&self.search[i], sql.pg).expect("chosen among keywords with words");
                sql.push("(");
                match self.window {
                    Some(w) => sql::index_match_within(sql, table(self.kind), "t", driver, w.lo, w.hi),
                    None => sql::index_match_on(sql, table(self.kind), "t", driver),
                }
                for j in self.check_indices() {
                    if j != i || reduced {
                        sql.push(" AND ");
                        search::check_sql(sql, "t", &self.search[j]);
                    }
                }
                sql.push(")");
            }
        }
    }

    /// The indices of the keywords in the order a row checks them
    /// ([`Plan::check_order`]).
    fn check_indices(&self) -> Vec<usize> {
        if self.check_order.len() == self.search.len() {
            self.check_order.clone()
        } else {
            (0..self.search.len()).collect()
        }
    }

    /// The keywords in the order a row checks them.
    fn checked_keywords(&self) -> Vec<String> {
        self.check_indices().into_iter().map(|i| self.search[i].clone()).collect()
    }

    /// The statement sampling how common the search keywords are, when the
    /// search shape depends on it (interactions and transfers under their
    /// default sort; see `search.rs`). Ranked searches sample per rank
    /// ([`Plan::ranked_sample_sql`]).
    pub(crate) fn search_sample_sql(&self, pg: bool) -> Option<Sql> {
        if pg {
            // PostgreSQL samples in the page statement (`query/pg.rs`).
            return None;
        }
        if !self.shapes_its_search(pg) {
            return None;
        }
        let order = match self.kind {
            ListKind::Interactions => "t.occurred_at DESC, t.id DESC",
            _ => "t.sent_at DESC, t.id DESC",
        };
        Some(search::sample_sql(pg, table(self.kind), order, &self.search))
    }

    /// Interactions and transfers under their default sort, searched: the
    /// lists whose search chooses its shape (`query/search.rs`).
    fn shapes_its_search(&self, pg: bool) -> bool {
        matches!(self.kind, ListKind::Interactions | ListKind::Transfers)
            && self.sort.field == default_sort(self.kind)
            && self.search_query(pg).is_some()
    }

    /// The keyword index's counts (`search::index_count_sql`), when the
    /// newest rows' `counts` say a keyword is rare: it may be so only
    /// lately.
    pub(crate) fn search_index_count_sql(&self, counts: &str) -> Option<Sql> {
        if !search::needs_index_count(&self.search, counts) {
            return None;
        }
        search::index_count_sql(table(self.kind), &self.search, counts)
    }

    /// PostgreSQL: the keyword index whose statistics may make this search
    /// walk (interactions and transfers under their default sort, not yet
    /// shaped; `search::common_by_statistics`).
    pub(crate) fn statistics_index(&self, pg: bool) -> Option<&'static str> {
        if !pg || self.search_shape != search::Shape::Index || !self.shapes_its_search(pg) {
            return None;
        }
        Some(if self.kind == ListKind::Interactions { "interactions_search" } else { "transfers_search" })
    }

    /// Walks when the server's statistics (`lexemes`: the keyword index's
    /// most common words and their shares) call the keywords together
    /// common over the list.
    pub(crate) fn walk_if_common(&mut self, lexemes: &[(String, f64)]) {
        if search::common_by_statistics(&self.search, lexemes) {
            self.search_shape = search::Shape::Walk;
        }
    }

    /// Sets the search shape from the newest rows' counts and the keyword
    /// index's.
    pub(crate) fn set_search_shape(&mut self, counts: &str, index: Option<&str>) {
        self.search_shape = search::choose(&self.search, counts, index);
        self.check_order = search::rarest_first(&self.search, counts);
        // Interactions driven by a keyword read its matches newest first
        // (`window.rs`; the index count is SQLite's).
        self.window_hint = match (&self.search_shape, index) {
            (search::Shape::Driver(_), Some(index)) if self.kind == ListKind::Interactions => {
                search::window_hint(&self.search, index)
            }
            _ => None,
        };
    }

    /// The first window's blocks of this page (`None`: no window; SQLite,
    /// interactions driven by a keyword under their default sort).
    pub(crate) fn first_window_blocks(&self) -> Option<i64> {
        // One client's or contact's interactions are a sliver of the
        // matches the index counted: windows sized on all of them would
        // seldom fill a page.
        if self.constraints.iter().any(|c| {
            matches!(
                c,
                Constraint::ClientIs(_)
                    | Constraint::ContactIs(_)
                    | Constraint::Timeline(_)
                    | Constraint::ClientVisible(..)
            )
        }) {
            return None;
        }
        self.window_hint?.first_blocks(self.limit + 1)
    }

    /// The date a page's cursor stands at (interactions under their
    /// default sort: the next rows are dated at most this).
    pub(crate) fn after_date(&self) -> Option<i64> {
        self.after.as_ref().and_then(|k| k.ki)
    }

    /// The next window's blocks after `k` found too few rows.
    pub(crate) fn next_window_blocks(&self, k: i64) -> Option<i64> {
        self.window_hint?.next_blocks(k)
    }

    /// Sets how rank `r` (2 or 3) of a ranked search reaches its rows, from
    /// the answer of its sample ([`Plan::ranked_sample_sql`]).
    pub(crate) fn set_ranked_shape(&mut self, r: i64, count: &str) {
        self.ranked_shape.set(r, count);
    }

    /// A ranked search (clients, contacts under the default sort) whose
    /// page is read tier by tier (`ranked_page_sql`).
    fn ranked(&self) -> bool {
        self.rank.is_some() && self.search_query(false).is_some()
    }

    /// The statement sampling how common the keywords are for rank `r` of
    /// a ranked search, read just before that rank (SQLite only: there the
    /// name index serves a walk in order; PostgreSQL sorts by `COLLATE
    /// "C"`, which its name indexes do not serve, so every tier goes
    /// through the keyword index there). It answers a count, over
    /// [`search::RANKED_SAMPLE`] rows spread over the id range of a table:
    /// for rank 2, the live rows of the list whose own text matches and
    /// whose name or code does not start with the search text (rank 2's
    /// rows); for rank 3, the live rows of the linked table (contacts of
    /// clients, clients of contacts the actor sees) whose text matches
    /// (what rank 3 goes through). Spread over ids, not the first rows in
    /// name order: names are filed "Last, First", so those were one family
    /// name and said nothing of a first name. Each row is one seek by id
    /// and a check of its text; links are never walked (checking the links
    /// of 200 clients cost ~2 ms at size M).
    pub(crate) fn ranked_sample_sql(&self, pg: bool, r: i64) -> Option<Sql> {
        if pg || !self.ranked() || !(2..=3).contains(&r) {
            return None;
        }
        let q = self.rank.clone().expect("ranked");
        let (own, other) = match self.kind {
            ListKind::Clients => ("clients", "contacts"),
            _ => ("contacts", "clients"),
        };
        let mut sql = Sql::new(pg);
        sql.push(search::ranked_sample_rows()).push(" SELECT CAST(COALESCE(SUM(CASE WHEN ");
        let from = if r == 2 {
            sql.push("t.trash_id IS NULL AND NOT ");
            self.prefix_sql(&mut sql, &q, false);
            sql.push(" AND ");
            search::check_all_sql(&mut sql, "t", &self.search);
            own
        } else {
            sql.push("t.trash_id IS NULL");
            if self.kind == ListKind::Contacts {
                // Only clients the actor sees, and on a client's dashboard
                // that client only (as `linked_sql`).
                if let Some(offices) = &self.offices {
                    sql.push(" AND t.office IN ");
                    crate::visibility::office_list_sql(&mut sql, offices);
                }
                if let Some(x) = self.scope {
                    sql.push(" AND t.id = ").bind_int(x);
                }
            }
            sql.push(" AND ");
            search::check_all_sql(&mut sql, "t", &self.search);
            other
        };
        sql.push(&format!(" THEN 1 ELSE 0 END), 0) AS TEXT) AS counts FROM s JOIN {from} t ON t.id = "));
        Self::spread_id(&mut sql, from);
        Some(sql)
    }

    /// The id of the `s.k`-th of [`search::RANKED_SAMPLE`] rows spread over
    /// the id range of `table`, at `s.u` ten-thousandths into its stratum
    /// ([`search::ranked_sample_rows`]).
    fn spread_id(sql: &mut Sql, table: &str) {
        let n = search::RANKED_SAMPLE * 10_000;
        sql.push(&format!(
            "(SELECT MIN(id) FROM {table}) + ((s.k * 10000 + s.u) * \
             ((SELECT MAX(id) FROM {table}) - (SELECT MIN(id) FROM {table}) + 1)) / {n}"
        ));
    }

    /// A live linked record of `t` (a client's contact, a contact's client
    /// the actor sees) matches every keyword: checked on `t`'s links
    /// (`walk`), or `t.id` among the records the keyword index finds
    /// through links.
    fn linked_sql(&self, sql: &mut Sql, walk: bool) {
        let (other, this_col, other_col) = match self.kind {
            ListKind::Clients => ("contacts", "client_id", "contact_id"),
            _ => ("clients", "contact_id", "client_id"),
        };
        let head = if walk {
            format!(
                "(EXISTS (SELECT 1 FROM contact_links l JOIN {other} k ON k.id = l.{other_col} \
                 WHERE l.{this_col} = t.id AND k.trash_id IS NULL"
            )
        } else {
            let open = if sql.pg { "(t.id = ANY(ARRAY(" } else { "(t.id IN (" };
            format!(
                "{open}SELECT l.{this_col} FROM contact_links l JOIN {other} k ON k.id = l.{other_col} \
                 WHERE k.trash_id IS NULL"
            )
        };
        sql.push(&head);
        if self.kind == ListKind::Contacts {
            // Only clients the actor sees, and on a client's dashboard that
            // client only (as `search_sql`).
            if let Some(offices) = &self.offices {
                sql.push(" AND k.office IN ");
                crate::visibility::office_list_sql(sql, offices);
            }
            if let Some(x) = self.scope {
                sql.push(" AND k.id = ").bind_int(x);
            }
        }
        sql.push(" AND ");
        if walk {
            search::check_all_sql(sql, "k", &self.search);
            // PostgreSQL: `OFFSET 0` keeps the check a per-row subplan
            // (an index seek of the row's links). Pulled up into a semi
            // join, a small table was hash-joined whole and sorted instead
            // of walked in name order (tests/tests/plans.rs).
            sql.push(if sql.pg { " OFFSET 0))" } else { "))" });
        } else {
            let (q, reduced) = sql::keywords_probe(&self.search, sql.pg).expect("ranked searches have keywords");
            sql::index_match_on(sql, other, "k", q);
            if reduced {
                sql.push(" AND ");
                search::check_all_sql(sql, "k", &self.search);
            }
            sql.push(if sql.pg { ")))" } else { "))" });
        }
    }

    /// The columns of the rank condition: a client's code and name, a
    /// contact's file-as name.
    fn rank_cols(&self) -> &'static [&'static str] {
        match self.kind {
            ListKind::Clients => &["t.code_key", "t.name_fold"],
            _ => &["t.file_as_fold"],
        }
    }

    /// Rank 0: a rank column equals the search text.
    fn exact_sql(&self, sql: &mut Sql, q: &str) {
        sql.push("(");
        for (i, c) in self.rank_cols().iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push(&format!("{c} = ")).bind_text(q.to_string());
        }
        sql.push(")");
    }

    /// Rank 1 (or 0): a rank column starts with the search text. With
    /// `seek` on SQLite, each `LIKE` also carries the range it implies, so
    /// the column's index serves it (the range is a consequence of the
    /// prefix, never a change of the rows).
    fn prefix_sql(&self, sql: &mut Sql, q: &str, seek: bool) {
        self.prefix_on(sql, q, seek, self.rank_cols());
    }

    /// [`Plan::prefix_sql`] over some of the rank columns.
    fn prefix_on(&self, sql: &mut Sql, q: &str, seek: bool, cols: &[&str]) {
        let prefix = format!("{}%", crate::text::like_escape(q));
        // PostgreSQL: the folded columns are `COLLATE "C"` (byte order,
        // as SQLite's), and a range keeps a generic plan's seek.
        let upper = if seek { search::prefix_upper(q) } else { None };
        sql.push("(");
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("(");
            // PostgreSQL with a range: the range alone. On a `COLLATE "C"`
            // column it is exactly "starts with `q`" (UTF-8 byte order is
            // code-point order), where a `LIKE` of a parameter made a
            // generic plan expect ~1 row and bitmap-scan and sort the whole
            // prefix (every « tremblay… » contact) rather than walk the
            // index to the page.
            if !(sql.pg && upper.is_some()) {
                sql.push(&format!("{c} LIKE ")).bind_text(prefix.clone()).push(" ESCAPE '\\'");
                if upper.is_some() {
                    sql.push(" AND ");
                }
            }
            if let Some(u) = &upper {
                sql.push(&format!("{c} >= ")).bind_text(q.to_string());
                sql.push(&format!(" AND {c} < ")).bind_text(u.clone());
            }
            sql.push(")");
        }
        sql.push(")");
    }

    /// The columns every page statement answers: `columns` (of the alias
    /// `t`), the rank (`rank`), the sort key (`kt`, `ki`), the index text
    /// (`st`), the grid's names and the attached records.
    fn select_sql(&self, sql: &mut Sql, columns: &str, rank: impl FnOnce(&mut Sql), plus: bool) {
        sql.push("SELECT ").push(columns).push(", CAST(");
        rank(sql);
        sql.push(" AS BIGINT) AS rk, ");
        if self.sort.text() {
            self.key_sql_with(sql, plus);
            sql.push(" AS kt, CAST(NULL AS BIGINT) AS ki");
        } else {
            sql.push("CAST(NULL AS TEXT) AS kt, ");
            self.key_sql_with(sql, plus);
            sql.push(" AS ki");
        }
        sql.push(if self.search.is_empty() { ", CAST(NULL AS TEXT) AS st" } else { ", t.search_text AS st" });
        if self.linked_texts_inline(sql.pg) {
            self.linked_texts_sql(sql);
        } else if self.names {
            crate::visibility::names_sql(sql, self.kind, self.offices.as_deref(), self.scope);
        } else {
            sql.push(
                ", CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)",
            );
        }
        self.attached_into(sql);
        // Tiers never count on SQLite (their page is several statements);
        // on PostgreSQL their statement's CTE `cnt` did (`query/pg.rs`).
        sql.push(if self.count_inline(sql.pg) {
            ", (SELECT n FROM cnt) AS total"
        } else {
            ", CAST(NULL AS BIGINT) AS total"
        });
        sql.push(&format!(" FROM {} t", table(self.kind)));
    }

    /// The keyset condition `(key, id) > (cursor's key, id)` (`<` when
    /// descending), without the rank.
    fn after_key_sql(&self, sql: &mut Sql, k: &Key, plus: bool) {
        let gt = if self.sort.desc { "<" } else { ">" };
        // A row-value comparison, (key, id) > (k, i): both backends seek it
        // in a (key, id) index, where the OR form makes PostgreSQL scan.
        sql.push("((");
        self.key_sql_with(sql, plus);
        sql.push(", t.id) ");
        sql.push(gt);
        sql.push(" (");
        match (&k.kt, k.ki) {
            (Some(t), _) => {
                sql.bind(Bind::Text(t.clone()));
            }
            (None, Some(i)) => {
                sql.bind(Bind::Int(i));
            }
            (None, None) => {
                sql.bind(Bind::Int(i64::MIN + 1));
            }
        }
        sql.push(", ").bind_int(k.id).push("))");
    }

    /// The page of a ranked search, tier by tier: each rank's rows are
    /// their own statement, sorted by the key and cut at the page (the
    /// first page's worth after the cursor), and the page is the first of
    /// their union in (rank, key, id) order — exactly the rows and order of
    /// ranking the whole match set, without reading it:
    /// - 0 and 1 (code or name equal to, or starting with, the search
    ///   text): a seek in the name and code indexes, each row checked
    ///   against the keywords (its text, or its links');
    /// - 2 (its own text matches): walking the name index checking each
    ///   row's text when the sample says the keywords are common, else the
    ///   keyword index's rows sorted;
    /// - 3 (only a linked record matches): walking the name index checking
    ///   each row's links, or the rows the keyword index finds through
    ///   links, sorted.
    fn ranked_page_sql(&self, pg: bool, columns: &str) -> Sql {
        let mut sql = Sql::new(pg);
        let dir = if self.sort.desc { "DESC" } else { "ASC" };
        sql.push("SELECT * FROM (");
        for r in self.ranked_tiers(pg).expect("ranked") {
            if r > self.after.as_ref().map_or(0, |k| k.rk.clamp(0, 3)) {
                sql.push(" UNION ALL ");
            }
            sql.push("SELECT * FROM (");
            self.tier_into(&mut sql, columns, r, self.limit + 1);
            sql.push(&format!(") r{r}"));
        }
        sql.push(&format!(
            ") u ORDER BY rk ASC, {} {dir}, id {dir} LIMIT ",
            if self.sort.text() { "kt" } else { "ki" }
        ));
        sql.limit(self.limit + 1);
        sql
    }

    /// The ranks a ranked search still has to read (from the cursor's),
    /// when its page is read tier by tier (SQLite; see
    /// [`Plan::ranked_tier_sql`]); `None` otherwise.
    pub(crate) fn ranked_tiers(&self, pg: bool) -> Option<std::ops::RangeInclusive<i64>> {
        if pg || !self.ranked() {
            return None;
        }
        let from = self.after.as_ref().map_or(0, |k| k.rk);
        Some(from.clamp(0, 3)..=3)
    }

    /// Rank `r`'s rows of a ranked search after the cursor, in key order,
    /// at most `limit`: the page is these statements' rows, rank after
    /// rank, until it is full (`ops/lists.rs`), the lower ranks not read
    /// at all when the higher ones fill it. Their union is
    /// [`Plan::page_sql`] (what `explain` shows).
    pub(crate) fn ranked_tier_sql(&self, pg: bool, columns: &str, r: i64, limit: i64) -> Sql {
        let mut sql = Sql::new(pg);
        self.tier_into(&mut sql, columns, r, limit);
        sql.expect_rows = expected_rows(limit);
        sql
    }

    fn tier_into(&self, sql: &mut Sql, columns: &str, r: i64, limit: i64) {
        // Clients' rank 1 (the code or the name starts with the search
        // text) as two arms, each read in name order and cut at the page:
        // rows whose name starts with it (a walk of the name index that
        // stops at the page), and rows whose code alone starts with it.
        // As one `OR`, SQLite read both ranges and sorted every row with
        // its attached columns (1,000 Tremblay clients for a page of 50).
        if r == 1 && self.rank_cols().len() > 1 {
            let dir = if self.sort.desc { "DESC" } else { "ASC" };
            let key = if self.sort.text() { "kt" } else { "ki" };
            // (PostgreSQL 15 wants its subqueries named.)
            let (a, b) = if sql.pg { (" n1", " n2") } else { ("", "") };
            for arm in [Arm::Name, Arm::Code] {
                if arm == Arm::Name {
                    sql.push("SELECT * FROM (");
                } else {
                    sql.push(")").push(a).push(" UNION ALL SELECT * FROM (");
                }
                self.tier_arm(sql, columns, r, limit, arm);
            }
            sql.push(&format!("){b} ORDER BY {key} {dir}, id {dir} LIMIT "));
            sql.limit(limit);
            return;
        }
        self.tier_arm(sql, columns, r, limit, Arm::Both);
    }

    /// One statement of rank `r` (`tier_into`); for rank 1 of clients,
    /// `arm` says which prefix it reads.
    fn tier_arm(&self, sql: &mut Sql, columns: &str, r: i64, limit: i64, arm: Arm) {
        let q = self.rank.clone().expect("ranked");
        let pg = sql.pg;
        let dir = if self.sort.desc { "DESC" } else { "ASC" };
        // Walked tiers keep the key's index; index tiers sort the rows
        // the keyword index finds (`+` keeps SQLite off the key index).
        let plus = match r {
            2 => !self.ranked_shape.own_walk,
            3 => !self.ranked_shape.linked_walk,
            _ => false,
        };
        self.select_sql(
            sql,
            columns,
            |sql| {
                sql.push(&r.to_string());
            },
            plus,
        );
        self.base_where_sql(sql);
        sql.push(" AND ");
        match r {
            0 => {
                self.exact_sql(sql, &q);
                sql.push(" AND (");
                search::check_all_sql(sql, "t", &self.search);
                sql.push(" OR ");
                self.linked_sql(sql, true);
                sql.push(")");
            }
            1 => {
                sql.push("NOT ");
                self.exact_sql(sql, &q);
                sql.push(" AND ");
                match arm {
                    Arm::Both => self.prefix_sql(sql, &q, true),
                    // The name index's order: `t.name_fold` (clients).
                    Arm::Name => self.prefix_on(sql, &q, true, &["t.name_fold"]),
                    Arm::Code => {
                        self.prefix_on(sql, &q, true, &["t.code_key"]);
                        sql.push(" AND NOT ");
                        self.prefix_on(sql, &q, false, &["t.name_fold"]);
                    }
                }
                sql.push(" AND (");
                search::check_all_sql(sql, "t", &self.search);
                sql.push(" OR ");
                self.linked_sql(sql, true);
                sql.push(")");
            }
            2 => {
                sql.push("NOT ");
                self.prefix_sql(sql, &q, false);
                sql.push(" AND ");
                if self.ranked_shape.own_walk {
                    search::check_all_sql(sql, "t", &self.search);
                } else {
                    let (iq, reduced) = sql::keywords_probe(&self.search, pg).expect("ranked");
                    sql::index_match_on(sql, table(self.kind), "t", iq);
                    if reduced {
                        sql.push(" AND ");
                        search::check_all_sql(sql, "t", &self.search);
                    }
                }
            }
            _ => {
                sql.push("NOT ");
                self.prefix_sql(sql, &q, false);
                sql.push(" AND NOT ");
                search::check_all_sql(sql, "t", &self.search);
                sql.push(" AND ");
                self.linked_sql(sql, self.ranked_shape.linked_walk);
            }
        }
        if let Some(k) = self.after.as_ref().filter(|k| k.rk == r) {
            sql.push(" AND ");
            self.after_key_sql(sql, k, plus);
        }
        if self.after.as_ref().is_some_and(|k| k.rk > 3) {
            // A cursor past every rank (only a forged one): no row.
            sql.push(" AND 1 = 0");
        }
        sql.push(&format!(" ORDER BY {} {dir}, t.id {dir} LIMIT ", if self.sort.text() { "kt" } else { "ki" }));
        sql.limit(limit);
    }

    /// The search condition: the record's own text, or (clients, contacts)
    /// one linked live record's text, matches every keyword.
    fn search_sql(&self, sql: &mut Sql) {
        let Some(q) = self.search_query(sql.pg) else {
            sql.push("(1=1)");
            return;
        };
        if !matches!(self.kind, ListKind::Clients | ListKind::Contacts) {
            self.own_match_sql(sql, q);
            return;
        }
        // One IN over a UNION (not `own OR IN (…)`, which makes PostgreSQL
        // scan the table): both sides go through a keyword index. On
        // PostgreSQL the ids are gathered first (`= ANY(ARRAY(…))`) and
        // read through the primary key: as a join, a common prefix made it
        // hash-join a scan of the whole table.
        let open = if sql.pg { "(t.id = ANY(ARRAY(" } else { "(t.id IN (" };
        sql.push(&format!("{open}SELECT o.id FROM {} o WHERE ", table(self.kind)));
        sql::index_match_on(sql, table(self.kind), "o", q.clone());
        match self.kind {
            ListKind::Clients => {
                sql.push(
                    " UNION SELECT l.client_id FROM contact_links l JOIN contacts k ON k.id = l.contact_id \
                     WHERE k.trash_id IS NULL AND ",
                );
                sql::index_match_on(sql, "contacts", "k", q);
            }
            ListKind::Contacts => {
                sql.push(
                    " UNION SELECT l.contact_id FROM contact_links l JOIN clients k ON k.id = l.client_id \
                     WHERE k.trash_id IS NULL",
                );
                // Only clients the actor sees: a match must not reveal a
                // link to a client of another office.
                if let Some(offices) = &self.offices {
                    sql.push(" AND k.office IN ");
                    crate::visibility::office_list_sql(sql, offices);
                }
                // On a client's dashboard, through that client only.
                if let Some(x) = self.scope {
                    sql.push(" AND k.id = ").bind_int(x);
                }
                sql.push(" AND ");
                sql::index_match_on(sql, "clients", "k", q);
            }
            ListKind::Interactions | ListKind::Transfers => {}
        }
        sql.push(if sql.pg { ")))" } else { "))" });
    }

    /// The rank of a row for the search text: 0 exact code or name, 1
    /// prefix, 2 other match of its own text, 3 through a linked record
    /// (see the module docs).
    fn rank_sql(&self, sql: &mut Sql) {
        let Some(q) = &self.rank else {
            sql.push("0");
            return;
        };
        let cols: &[&str] = match self.kind {
            ListKind::Clients => &["t.code_key", "t.name_fold"],
            _ => &["t.file_as_fold"],
        };
        let prefix = format!("{}%", crate::text::like_escape(q));
        sql.push("CASE WHEN ");
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push(&format!("{c} = ")).bind_text(q.clone());
        }
        sql.push(" THEN 0 WHEN ");
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push(&format!("{c} LIKE ")).bind_text(prefix.clone()).push(" ESCAPE '\\'");
        }
        sql.push(" THEN 1");
        // A match of the record's own text ranks before one through a
        // linked record.
        if let Some(q) = self.search_query(sql.pg) {
            sql.push(" WHEN ");
            self.own_match_sql(sql, q);
            sql.push(" THEN 2 ELSE 3 END");
        } else {
            sql.push(" ELSE 2 END");
        }
    }

    fn key_sql(&self, sql: &mut Sql) {
        self.key_sql_with(sql, matches!(self.search_shape, search::Shape::Driver(_)));
    }

    /// The sort key; with `plus` on SQLite a NOT NULL column is written
    /// `+col`, which keeps its index out of the plan.
    fn key_sql_with(&self, sql: &mut Sql, plus: bool) {
        let col = match &self.sort.col {
            Col::Fold(c) | Col::Enum(c) | Col::Iso(c) | Col::Int(c) | Col::Id(c) | Col::Ms(c) | Col::Bool(c) => *c,
            Col::Linked | Col::Tags { .. } => "t.id",
            // Texts, choices and dates by their folded text (the
            // interactions' custom fields do not sort).
            Col::Custom { key, ty } if fields::custom_sorts(*ty) => {
                sql.push("COALESCE(");
                sql::custom_value_of(sql, key, crate::domain::CustomFieldType::Text);
                sql.push(", '')");
                if sql.pg {
                    sql.push(" COLLATE \"C\"");
                }
                return;
            }
            Col::Custom { .. } => "t.id",
            Col::FollowUp(_) => {
                let text = self.sort.text();
                sql.push("COALESCE(");
                sql::value_of(sql, &self.sort.col);
                sql.push(if text { ", '')" } else { ", -9223372036854775807)" });
                if text && sql.pg {
                    sql.push(" COLLATE \"C\"");
                }
                return;
            }
            Col::Assigned(role) => {
                sql.push("COALESCE(");
                sql::assigned_sort_key(sql, role.as_deref());
                sql.push(", '')");
                if sql.pg {
                    sql.push(" COLLATE \"C\"");
                }
                return;
            }
        };
        // NOT NULL columns sort as they are, so their indexes serve ORDER BY.
        let not_null = NOT_NULL.contains(&(self.kind, col));
        match (self.sort.text(), not_null) {
            // A search driven by a rare keyword (`search.rs`): on SQLite `+`
            // keeps the sort's index out, so the few rows the keyword index
            // finds are read and sorted, instead of the whole list walked
            // in order and each row probed against them.
            (_, true) if !sql.pg && plus => {
                sql.push("+").push(col);
            }
            // PostgreSQL has no unary `+` on text: an expression its
            // indexes do not serve, of the same value and order.
            (text, true) if plus => {
                sql.push(&if text { format!("({col} || '')") } else { format!("({col} + 0)") });
            }
            (_, true) => {
                sql.push(col);
            }
            (true, false) => {
                sql.push(&format!("COALESCE({col}, '')"));
            }
            (false, false) => {
                sql.push(&format!("COALESCE({col}, -9223372036854775807)"));
            }
        }
        if self.sort.text() && sql.pg {
            sql.push(" COLLATE \"C\"");
        }
    }

    /// The page statement's attached column ([`Plan::attached`]).
    fn attached_into(&self, sql: &mut Sql) {
        sql.push(if self.attached {
            attached_sql(self.kind, sql.pg, self.tagged)
        } else {
            ", CAST(NULL AS TEXT) AS att"
        });
    }

    /// A statement of this plan: its row counts written in unless it
    /// searches (see [`Sql::limit`]).
    fn new_sql(&self, pg: bool) -> Sql {
        let mut sql = Sql::new(pg);
        sql.literal_limits = self.search.is_empty();
        sql
    }

    /// The statement answering one page: `columns` (of the alias `t`)
    /// followed by the rows' rank and sort key (`rk`, `kt`, `ki`), their
    /// keyword index text when searching (`st`, else NULL: why each row
    /// matched is told from it without another statement), and the three
    /// names of a grid (else NULLs).
    pub(crate) fn page_sql(&self, pg: bool, columns: &str) -> Sql {
        let mut sql = self.page_rows_sql(pg, columns);
        sql.expect_rows = expected_rows(self.limit + 1);
        if pg && self.names_joined {
            // The page's own cut again at the top: a statement limited at
            // its top carries a kept actor's check as `SELECT * FROM (…)`,
            // not in a materialized CTE (`store::prepared`).
            let order = format!("{} LIMIT {}", self.page_order("p.", "p.id"), self.limit + 1);
            let (offices, scope) = (self.offices.as_deref(), self.scope);
            if let Some(named) =
                crate::visibility::pg_names_joined_sql(&sql, columns, &order, self.kind, offices, scope)
            {
                return named;
            }
        }
        sql
    }

    /// A page's order on its output columns: the rank first when ranked,
    /// then the sort key (`kt` or `ki`) and the id (`id`) in the sort's
    /// direction; `keys` prefixes the rank and the key (`p.` outside the
    /// page's own statement).
    fn page_order(&self, keys: &str, id: &str) -> String {
        let dir = if self.sort.desc { "DESC" } else { "ASC" };
        let key = if self.sort.text() { "kt" } else { "ki" };
        let rank = if self.rank.is_some() { format!("{keys}rk ASC, ") } else { String::new() };
        format!("{rank}{keys}{key} {dir}, {id} {dir}")
    }

    /// [`Plan::page_sql`] before a PostgreSQL grid's names are joined.
    fn page_rows_sql(&self, pg: bool, columns: &str) -> Sql {
        // PostgreSQL's searches shaped by their keywords, in one statement.
        if let Some(sql) = self.pg_page_sql(pg, columns) {
            return sql;
        }
        // PostgreSQL sorts text keys `COLLATE "C"`, which its name indexes
        // do not serve: tiers would not stop at the page there, so a ranked
        // search stays one ranking of the whole match set.
        if !pg && self.ranked() {
            return self.ranked_page_sql(pg, columns);
        }
        let mut sql = self.new_sql(pg);
        sql.push("SELECT ").push(columns).push(", CAST(");
        self.rank_sql(&mut sql);
        sql.push(" AS BIGINT) AS rk, ");
        if self.sort.text() {
            self.key_sql(&mut sql);
            sql.push(" AS kt, CAST(NULL AS BIGINT) AS ki");
        } else {
            sql.push("CAST(NULL AS TEXT) AS kt, ");
            self.key_sql(&mut sql);
            sql.push(" AS ki");
        }
        sql.push(if self.search.is_empty() { ", CAST(NULL AS TEXT) AS st" } else { ", t.search_text AS st" });
        if self.linked_texts_inline(pg) {
            self.linked_texts_sql(&mut sql);
        } else if self.names {
            crate::visibility::names_sql(&mut sql, self.kind, self.offices.as_deref(), self.scope);
        } else {
            sql.push(
                ", CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)",
            );
        }
        self.attached_into(&mut sql);
        if self.count_inline(pg) {
            // The count in the page's own statement: one round trip, and
            // the count and the rows of one snapshot (PostgreSQL).
            sql.push(", (");
            self.count_into(&mut sql);
            sql.push(") AS total");
        } else {
            sql.push(", CAST(NULL AS BIGINT) AS total");
        }
        sql.push(&format!(" FROM {} t", table(self.kind)));
        self.where_sql(&mut sql);
        if let Some(w) = self.window {
            // Every row dated after the window's bound is in its blocks
            // (`window.rs`).
            sql.push(" AND t.occurred_at > ").bind_int(w.after);
        }
        if let Some(k) = &self.after {
            let gt = if self.sort.desc { "<" } else { ">" };
            let key_bind = |sql: &mut Sql| match (&k.kt, k.ki) {
                (Some(t), _) => {
                    sql.bind(Bind::Text(t.clone()));
                }
                (None, Some(i)) => {
                    sql.bind(Bind::Int(i));
                }
                (None, None) => {
                    sql.bind(Bind::Int(i64::MIN + 1));
                }
            };
            sql.push(" AND (");
            if self.rank.is_some() {
                sql.push("(");
                self.rank_sql(&mut sql);
                sql.push(") > ").bind_int(k.rk).push(" OR ((");
                self.rank_sql(&mut sql);
                sql.push(") = ").bind_int(k.rk).push(" AND ");
            }
            // A row-value comparison, (key, id) > (k, i): both backends
            // seek it in a (key, id) index, where the OR form makes
            // PostgreSQL scan.
            sql.push("((");
            self.key_sql(&mut sql);
            sql.push(", t.id) ");
            sql.push(gt);
            sql.push(" (");
            key_bind(&mut sql);
            sql.push(", ").bind_int(k.id).push("))");
            // Closes `OR ((rank = k AND …)` when ranked, then `AND (`.
            if self.rank.is_some() {
                sql.push(")");
            }
            sql.push(")");
        }
        sql.push(" ORDER BY ").push(&self.page_order("", "t.id")).push(" LIMIT ").limit(self.limit + 1);
        sql
    }

    /// The statement counting the matching rows, up to one past
    /// [`MAX_COUNT`] (a count over a huge set costs as much as reading it).
    pub(crate) fn count_sql(&self, pg: bool) -> Sql {
        let mut sql = self.new_sql(pg);
        self.count_into(&mut sql);
        sql
    }

    /// Whether the page statement answers the count itself (column
    /// `total`, the same on every row): on PostgreSQL, where a statement
    /// more is a round trip more and two statements two snapshots. An
    /// empty page carries no count: the list then has none after the
    /// cursor, and is counted by [`Plan::count_sql`] only when it had a
    /// cursor. SQLite reads the page and its count in one transaction.
    pub(crate) fn count_inline(&self, pg: bool) -> bool {
        pg && self.count
    }

    fn count_into(&self, sql: &mut Sql) {
        // The inner alias `t` hides the page's own in the subquery.
        sql.push(&format!("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM {} t", table(self.kind)));
        self.where_sql(sql);
        sql.push(" LIMIT ").limit(self.count_cap as i64 + 1);
        sql.push(") counted");
    }
}

/// Which prefix a statement of rank 1 reads (`Plan::tier_into`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arm {
    /// Any rank column (contacts: the file-as name).
    Both,
    /// Clients whose name starts with the search text.
    Name,
    /// Clients whose code, and not their name, starts with it.
    Code,
}

/// What `list.count_by` groups by: the columns (`t.kind`) of up to two
/// choice fields, and the boundaries (UTC ms, one more than the periods)
/// of the periods of a date column.
pub(crate) struct Grouping {
    pub cols: Vec<&'static str>,
    /// Transfers: open ones past this instant (UTC ms) count as expired
    /// (the expiry sweep could not run before this read).
    pub expired_as_of: Option<i64>,
    pub periods: Option<(&'static str, Vec<i64>)>,
    /// Rows counted at most.
    pub limit: u64,
}

impl Plan {
    /// The statement of `list.count_by`: the list's rows (its `WHERE`,
    /// within the periods), at most one past `g.limit` of them, grouped.
    /// Columns `g0`, `g1` (text, NULL when not grouped), `p` (the period's
    /// index) and `n`.
    pub(crate) fn count_by_sql(&self, pg: bool, g: &Grouping) -> Sql {
        let mut sql = self.new_sql(pg);
        sql.push("SELECT x.g0, x.g1, x.p, COUNT(*) AS n FROM (SELECT ");
        for i in 0..2 {
            match g.cols.get(i) {
                Some(&"t.status") if self.kind == ListKind::Transfers && g.expired_as_of.is_some() => {
                    let now = g.expired_as_of.unwrap_or_default();
                    sql.push("CASE WHEN t.status IN ('waiting_for_files', 'ready_for_download') AND t.expires_at <= ")
                        .bind_int(now)
                        .push(&format!(" THEN 'expired' ELSE t.status END AS g{i}, "))
                }
                Some(col) => sql.push(&format!("{col} AS g{i}, ")),
                None => sql.push(&format!("CAST(NULL AS TEXT) AS g{i}, ")),
            };
        }
        match &g.periods {
            Some((col, bounds)) => {
                sql.push("CAST(CASE");
                for (i, b) in bounds[1..bounds.len() - 1].iter().enumerate() {
                    sql.push(&format!(" WHEN {col} < ")).bind_int(*b).push(&format!(" THEN {i}"));
                }
                sql.push(&format!(" ELSE {} END AS BIGINT) AS p", bounds.len() - 2));
            }
            None => {
                sql.push("CAST(NULL AS BIGINT) AS p");
            }
        }
        sql.push(&format!(" FROM {} t", table(self.kind)));
        self.where_sql(&mut sql);
        if let Some((col, bounds)) = &g.periods {
            sql.push(&format!(" AND {col} >= ")).bind_int(bounds[0]);
            sql.push(&format!(" AND {col} < ")).bind_int(*bounds.last().expect("two bounds at least"));
        }
        sql.push(" LIMIT ").limit(g.limit as i64 + 1);
        sql.push(") x GROUP BY x.g0, x.g1, x.p ORDER BY x.p, x.g0, x.g1");
        sql
    }

    /// The statement of `client.last_interaction` (a client plan): every
    /// client of the list's `WHERE` with its newest live interaction of its
    /// own (`client_id`), those idle since before `before` (or never), the
    /// longest idle first, one past `self.limit`, each row with the number
    /// of such clients. Columns `id`, `code`, `name`, `last_at`, `last_id`,
    /// `total`.
    pub(crate) fn last_interaction_sql(&self, pg: bool, before: Option<i64>) -> Sql {
        let mut sql = self.new_sql(pg);
        let newest = "FROM interactions i WHERE i.client_id = t.id AND i.trash_id IS NULL \
                      ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1";
        sql.push(&format!(
            "SELECT x.id, x.code, x.name, x.last_at, x.last_id, COUNT(*) OVER () AS total FROM (\
             SELECT t.id, t.code, t.name, (SELECT i.occurred_at {newest}) AS last_at, (SELECT i.id {newest}) AS last_id \
             FROM clients t"
        ));
        self.where_sql(&mut sql);
        sql.push(") x");
        if let Some(b) = before {
            sql.push(" WHERE x.last_at IS NULL OR x.last_at < ").bind_int(b);
        }
        sql.push(" ORDER BY (CASE WHEN x.last_at IS NULL THEN 0 ELSE 1 END), x.last_at, x.id LIMIT ")
            .limit(self.limit + 1);
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cursor is its key's JSON, two lowercase hex digits a byte (UTF-8
    /// accents included), and reads back as that key: cursors handed out
    /// by one build page on in the next.
    #[test]
    fn cursors_keep_their_encoding() {
        let key = Key { sort: "name".into(), rk: 0, kt: Some("côté".into()), ki: None, id: 7 };
        let hex = "7b22736f7274223a226e616d65222c22726b223a302c226b74223a2263c3b474c3a9222c226b69223a6e756c6c2c226964223a377d";
        assert_eq!(key.encode(), hex);
        assert_eq!(Key::decode(hex, "name", true).unwrap(), key);
    }

    /// The clients list planned for `query`, for an actor of every office.
    fn clients_plan(query: &ListQuery) -> Result<Plan> {
        test_plan(ListKind::Clients, query, None)
    }

    /// List `kind` planned for `query`, for an actor of `offices` (`None`:
    /// every office), no custom fields, on a fixed day.
    fn test_plan(kind: ListKind, query: &ListQuery, offices: Option<Vec<String>>) -> Result<Plan> {
        plan(PlanInput {
            kind,
            query,
            custom: &[],
            roles: &[],
            tags: &[],
            constraints: vec![],
            offices,
            scope: None,
            today: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            fiscal_year_start_month: 1,
            tz: chrono_tz::America::Toronto,
            actor: None,
            people: &mut |_: &fields::Lookup| Ok(vec![]),
        })
    }

    /// PostgreSQL: under generic plans a page's row counts are written in
    /// beside its other values (the plan knows the page's size), except
    /// where a keyword is bound (searches, a filter's keyword); under
    /// `auto` they stay bound beside values; SQLite writes them in the text.
    #[test]
    fn row_counts_are_written_in_unless_a_keyword_is_bound() {
        let planned = |filter: Option<&str>, search: Option<&str>, cursor: bool| {
            let mut query = ListQuery {
                filter: filter.map(|f| FilterInput::Text(f.to_string())),
                search: search.map(String::from),
                ..Default::default()
            };
            if cursor {
                let key = Key {
                    sort: cursor_sort(ListKind::Clients, &query, "name"),
                    rk: 0,
                    kt: Some("dupont".into()),
                    ki: None,
                    id: 7,
                };
                query.cursor = Some(key.encode());
            }
            clients_plan(&query).unwrap()
        };
        let written = |sql: &Sql| -> Vec<bool> {
            (0..sql.binds.len()).filter(|i| sql.limits.contains(i)).map(|i| sql.writes_in(i, true)).collect()
        };
        for (filter, search, cursor, expect) in [
            (None, None, false, true),
            (Some("statut:actif bureau:québec"), None, false, true),
            (Some("statut:actif"), None, true, true),
            (Some("dupont"), None, false, false),
            (None, Some("dupont"), false, false),
        ] {
            let p = planned(filter, search, cursor);
            let page = p.page_sql(true, "t.id");
            let w = written(&page);
            assert!(!w.is_empty(), "{filter:?} {search:?}: {}", page.text);
            assert!(w.iter().all(|x| *x == expect), "{filter:?} {search:?} {cursor}: {w:?} in {}", page.text);
            if expect {
                assert!(written(&p.count_sql(true)).iter().all(|x| *x));
            }
            // Under `auto` plans, bound beside other values.
            let others = page.binds.len() > page.limits.len();
            assert_eq!(others, filter.is_some() || search.is_some() || cursor, "{}", page.text);
            assert!(page.limits.iter().all(|i| page.writes_in(*i, false) != others), "{}", page.text);
            // SQLite writes them in the text: nothing bound to write in.
            let lite = p.page_sql(false, "t.id");
            assert!(lite.limits.is_empty() && (0..lite.binds.len()).all(|i| !lite.writes_in(i, true)));
        }
    }

    /// Every page statement — ranked or not, first page or later, text or
    /// integer sort, both backends — closes each parenthesis it opens.
    #[test]
    fn page_statements_balance_their_parentheses() {
        for (kind, sort, text_sort) in [
            (ListKind::Clients, None, true),
            (ListKind::Clients, Some("-created"), false),
            (ListKind::Contacts, None, true),
        ] {
            for search in [None, Some("Dupont")] {
                for cursor in [false, true] {
                    let name = sort.unwrap_or("name");
                    let mut query = ListQuery {
                        search: search.map(String::from),
                        sort: sort.map(String::from),
                        ..Default::default()
                    };
                    let key = Key {
                        sort: cursor_sort(kind, &query, name),
                        rk: 1,
                        kt: text_sort.then(|| "dupont".to_string()),
                        ki: (!text_sort).then_some(42),
                        id: 7,
                    };
                    query.cursor = cursor.then(|| key.encode());
                    let p = test_plan(kind, &query, Some(vec!["Montréal".into()])).unwrap();
                    assert_eq!(p.rank.is_some(), search.is_some() && sort.is_none());
                    for pg in [false, true] {
                        let sql = p.page_sql(pg, "t.id").text;
                        let mut depth = 0i32;
                        for c in sql.chars() {
                            depth += match c {
                                '(' => 1,
                                ')' => -1,
                                _ => 0,
                            };
                            assert!(depth >= 0, "{kind:?} {sort:?} {search:?} cursor {cursor} pg {pg}: {sql}");
                        }
                        assert_eq!(depth, 0, "{kind:?} {sort:?} {search:?} cursor {cursor} pg {pg}: {sql}");
                    }
                }
            }
        }
    }

    /// Rank 1 (the name starts with the search text) is a range of the
    /// folded name on PostgreSQL, with no `LIKE` of a parameter beside it:
    /// such a `LIKE` made a generic plan expect one row and sort every
    /// « tremblay… » contact. SQLite keeps its `LIKE` with the range.
    #[test]
    fn postgres_reads_a_name_prefix_as_a_range_alone() {
        let query = ListQuery { search: Some("Côté".into()), ..Default::default() };
        let p = test_plan(ListKind::Contacts, &query, None).unwrap();
        let pg = p.ranked_tier_sql(true, "t.id", 1, 51);
        assert!(!pg.text.contains("LIKE"), "{}", pg.text);
        // The value bound at the placeholder after `column op `.
        let bound = |op: &str| -> String {
            let at = pg.text.find(&format!("t.file_as_fold {op} $")).unwrap_or_else(|| panic!("{op}: {}", pg.text));
            let rest = &pg.text[at + format!("t.file_as_fold {op} $").len()..];
            let n: usize = rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();
            match &pg.binds[n - 1] {
                sql::Bind::Text(t) => t.clone(),
                _ => panic!("${n} is not a text"),
            }
        };
        assert_eq!(bound(">="), "cote");
        assert_eq!(bound("<"), "cotf");
        let lite = p.ranked_tier_sql(false, "t.id", 1, 51);
        assert!(lite.text.contains("t.file_as_fold LIKE ?"), "{}", lite.text);
    }

    /// A walk (and a driver's other keywords) checks each row's keywords
    /// rarest first in the sample, whatever order they were typed in.
    #[test]
    fn a_walk_checks_the_rarest_keyword_first() {
        let query = ListQuery { search: Some("reer cotisation 4".into()), ..Default::default() };
        let needles = |p: &Plan| -> Vec<String> {
            p.page_sql(false, "t.id")
                .binds
                .iter()
                .filter_map(|b| match b {
                    sql::Bind::Text(t) if t.starts_with(' ') => Some(t.trim().to_string()),
                    _ => None,
                })
                .collect()
        };
        let mut p = test_plan(ListKind::Interactions, &query, None).unwrap();
        p.set_search_shape("67,67,12,4", None);
        assert_eq!(p.search_shape, search::Shape::Walk);
        assert_eq!(needles(&p), ["4", "reer", "cotisation"]);
        // Driven by « 4 » (none together in the sample), the others rarest first.
        p.set_search_shape("67,40,12,0", None);
        assert_eq!(p.search_shape, search::Shape::Driver(2));
        assert_eq!(needles(&p), ["cotisation", "reer"]);
    }

    /// A search word with no letter or digit is refused where it stands.
    #[test]
    fn search_words_without_letters_are_refused_with_their_span() {
        for (s, start, end) in [("🥐", 0, 4), ("  dupont  -  ", 10, 11), ("hélène %_", 9, 11)] {
            let query = ListQuery { search: Some(s.into()), ..Default::default() };
            let e = clients_plan(&query).err().unwrap_or_else(|| panic!("{s:?} accepted"));
            assert_eq!(e.span(), Some(Span { start, end }), "{s:?}");
        }
    }

    #[test]
    fn search_keywords_group_phone_numbers() {
        assert_eq!(search_keywords("Hélène  514 555 0199"), ["helene", "514 555 0199"]);
        assert_eq!(search_keywords("+1 514 555 0199 poste 12 Côté"), ["+1 514 555 0199 poste 12", "cote"]);
        assert_eq!(search_keywords("5145550199 ext. 3"), ["5145550199 ext. 3"]);
        assert_eq!(search_keywords("514 555 0199 2024"), ["514 555 0199", "2024"]);
        assert_eq!(search_keywords("dossier 2024 impôts"), ["dossier", "2024", "impots"]);
        assert_eq!(search_keywords("555 0199"), ["555 0199"]);
        assert_eq!(search_keywords("514 555"), ["514", "555"]);
    }
}
