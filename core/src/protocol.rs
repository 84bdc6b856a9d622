//! The request protocol: every operation of the engine as one typed
//! request, answered by one typed response.
//!
//! JSON form: `{"actor": 7, "op": "client.create", "data": {...}}`. The
//! `actor` is a staff member's id, or `"host"` for the embedding
//! application's own administration (staff and custom fields). The C ABI and
//! the portlets' data access carry exactly these requests.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::*;

/// Who is making a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Actor {
    /// A staff member: every client-management operation is made by one.
    Staff(Id),
    /// The embedding application itself: may manage staff, rights and
    /// custom field definitions, nothing else.
    Host(HostActor),
}

/// The literal `"host"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostActor {
    Host,
}

impl Actor {
    pub const HOST: Actor = Actor::Host(HostActor::Host);
}

pub use crate::bulk::{
    CommitMode, ContactRow, ImportOptions, ImportReport, ImportedTransfer, InteractionRow, LinkRow, OnExisting,
    RowError, RowWarning, Stopped, TransferRow,
};
pub use crate::query::{FilterInput, ListKind, ListPreset, ListQuery};

/// A dashboard kind (layouts are saved per kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DashboardKind {
    Staff,
    Client,
    Firm,
}

/// Where a read may reach: a staff member's whole (rights and offices), or
/// one client's records only (a client dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataScope {
    Staff,
    Client { client_id: Id },
}

/// A saved filter of a list: what the Filter drop-down offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SavedView {
    pub id: Id,
    pub list: ListKind,
    pub name: String,
    /// The staff member who owns it; none for the firm's own views.
    pub owner: Option<Id>,
    /// Offered to every staff member.
    pub shared: bool,
    /// The list's default view for the whole firm (at most one per list).
    pub firm_default: bool,
    /// Filter, search and sort (cursor and limit are not kept).
    pub query: ListQuery,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

/// A saved dashboard layout. The engine keeps `layout` as given; the
/// dashboard layer defines and checks its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Layout {
    pub id: Id,
    pub dashboard: DashboardKind,
    pub name: String,
    pub owner: Option<Id>,
    pub firm_default: bool,
    pub layout: serde_json::Value,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

/// A list projected on chosen columns: what a grid draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Grid {
    pub list: ListKind,
    pub columns: Vec<crate::query::columns::ColumnDef>,
    pub rows: Vec<GridRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// True when `total` is a floor: counting stopped at 10,000.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

/// Periods of a date field for `list.count_by`: `count` periods of `days`
/// days each, the first starting on `from` (days in the firm's time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountPeriods {
    /// A date-and-time field of the list (`when`, `sent`, `expires`…).
    pub field: String,
    /// The first day of the first period (`YYYY-MM-DD`).
    pub from: chrono::NaiveDate,
    /// Days per period, 1 to 366 (7: weeks).
    pub days: u32,
    /// How many periods, 1 to 60.
    pub count: u32,
}

/// A field grouped by in `list.count_by`, with its values' labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct GroupField {
    pub id: String,
    pub label_fr: String,
    pub label_en: String,
    pub values: Vec<ChoiceInfo>,
}

/// One period of `list.count_by`: its first and last day (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct CountPeriod {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

/// One group of `list.count_by`: a value per field of `by` (in order;
/// null when the row has none), the period's index when per period, and
/// how many rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct GroupCount {
    pub values: Vec<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    pub count: u64,
}

/// The answer of `list.count_by`. Groups without rows are left out; with
/// `periods`, only rows within them are counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct GroupCounts {
    pub list: ListKind,
    pub by: Vec<GroupField>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<CountPeriod>,
    pub groups: Vec<GroupCount>,
    /// Rows counted (when `capped`: the limit, and `groups` is empty).
    pub total: u64,
    /// More rows matched than the request's `limit`: nothing was grouped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
}

/// A client and its last interaction (`client.last_interaction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LastInteraction {
    pub client_id: Id,
    pub code: String,
    pub name: String,
    /// When its last live interaction took place (none: never).
    pub last_at: Option<chrono::DateTime<chrono::Utc>>,
    /// That interaction (the newest, then the highest id).
    pub interaction_id: Option<Id>,
}

/// The answer of `client.last_interaction`: longest without an
/// interaction first, then by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LastInteractions {
    pub items: Vec<LastInteraction>,
    /// How many clients qualify in all (the items are the first `limit`).
    pub total: u64,
}

/// One row of a grid: cells in the order of the grid's columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct GridRow {
    pub id: Id,
    pub version: i64,
    pub cells: Vec<serde_json::Value>,
    /// With a search only: why the row matched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_via: Option<crate::domain::MatchedVia>,
}

impl GridRow {
    /// A row built outside the engine (an export's own rows).
    pub fn new(id: Id, version: i64, cells: Vec<serde_json::Value>) -> Self {
        GridRow { id, version, cells, matched_via: None }
    }
}

/// A filterable field of a list, for a filter-builder dialog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct FieldInfo {
    pub name: String,
    pub aliases: Vec<String>,
    pub label_fr: String,
    pub label_en: String,
    /// `text`, `number`, `date`, `date_time`, `bool`, `enum` or `id`.
    pub kind: String,
    /// For enums: the accepted values (codes).
    pub values: Vec<String>,
    /// For enums: each value with its French and English labels, as lists
    /// show them; the labels are accepted in filters too.
    #[serde(default)]
    pub choices: Vec<ChoiceInfo>,
    /// Operators, as typed: `:`, `=`, `!=`, `<`, `<=`, `>`, `>=`.
    pub operators: Vec<String>,
    pub sortable: bool,
}

/// One value of a choice field, with how lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ChoiceInfo {
    /// The code (`phone_call`), as stored and as answered in records.
    pub value: String,
    pub label_fr: String,
    pub label_en: String,
    /// Short forms also accepted in filters (`appel`, `call`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<String>,
}

/// Every operation of the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
/// Unknown top-level fields are refused by [`crate::Engine::execute_json`];
/// nested objects refuse them themselves.
#[serde(tag = "op")]
pub enum Request {
    /// Host only: add a staff member (no `id`: `name` and `initials`
    /// required), or change one (with `id`: only the fields given change,
    /// as a JSON Merge Patch, like `client.update`).
    #[serde(rename = "staff.put")]
    StaffPut {
        #[serde(default)]
        id: Option<Id>,
        /// With `id`: the version read (a stale one is a `conflict`).
        #[serde(default)]
        version: Option<i64>,
        staff: StaffPatch,
    },
    #[serde(rename = "staff.get")]
    StaffGet { id: Id },
    #[serde(rename = "staff.list")]
    StaffList {},
    /// Host only: define or redefine a custom field of an interaction
    /// kind, of clients or of contacts (`record`). Answers the fields of
    /// the same records.
    #[serde(rename = "custom_field.put")]
    CustomFieldPut { field: CustomFieldDef },
    /// The firm's custom fields: every one, or those of `record` (and,
    /// for interactions, of `kind`).
    #[serde(rename = "custom_field.list")]
    CustomFieldList {
        #[serde(default)]
        kind: Option<InteractionKind>,
        #[serde(default)]
        record: Option<CustomRecord>,
    },
    /// Host only: adds a role of the people in charge of clients, or
    /// renames one (the built-in `partner`, `manager` and `staff` too).
    /// Answers every role.
    #[serde(rename = "staff_role.put")]
    StaffRolePut { role: StaffRole },
    /// The roles of the people in charge of clients, in display order.
    #[serde(rename = "staff_role.list")]
    StaffRoleList {},
    /// Host only: deletes a role the firm added. Refused while a client's
    /// assignment uses it (`validation`, `in_use`, with how many) and for
    /// the built-in roles (`validation`, `builtin`). Answers every role.
    #[serde(rename = "staff_role.delete")]
    StaffRoleDelete { code: String },
    /// Host only: adds a tag of the firm (`version` absent or 0; a code
    /// taken is a `duplicate`) or changes the names and colour of one
    /// (`version` read; a stale one is a `conflict`). A name that reads,
    /// folded, as another tag's code or name is refused (`ambiguous`).
    /// Answers every tag.
    #[serde(rename = "tag.put")]
    TagPut { tag: Tag },
    /// Host only: deletes a tag. A tag still on a client or contact (the
    /// trash included) is refused (`validation`, `in_use`, with how many):
    /// take it off them first.
    #[serde(rename = "tag.delete")]
    TagDelete { code: String, version: i64 },
    /// The firm's tags, by code.
    #[serde(rename = "tag.list")]
    TagList {},

    #[serde(rename = "client.create")]
    ClientCreate { data: ClientData },
    /// Creates many clients in one transaction: all or none. Reports
    /// progress and can be canceled through
    /// [`crate::Engine::execute_with_progress`].
    #[serde(rename = "client.import")]
    ClientImport { clients: Vec<ClientData> },
    /// Bulk import of clients, matched by code (`options.on_existing`);
    /// answers an [`ImportReport`]. See `docs/import-export.md`.
    #[serde(rename = "import.clients")]
    ImportClients {
        rows: Vec<ClientData>,
        #[serde(default)]
        options: ImportOptions,
    },
    /// Bulk import of contacts, matched by their key.
    #[serde(rename = "import.contacts")]
    ImportContacts {
        rows: Vec<ContactRow>,
        #[serde(default)]
        options: ImportOptions,
    },
    /// Bulk import of client–contact links (client by code or id, contact
    /// by key or id).
    #[serde(rename = "import.links")]
    ImportLinks {
        rows: Vec<LinkRow>,
        #[serde(default)]
        options: ImportOptions,
    },
    /// Bulk import of interactions (client by code, contact by key or
    /// e-mail, staff member by initials); always created.
    #[serde(rename = "import.interactions")]
    ImportInteractions {
        rows: Vec<InteractionRow>,
        #[serde(default)]
        options: ImportOptions,
    },
    /// Bulk import of file transfers (client by code, recipient by contact
    /// key or e-mail, staff member by initials), in any status with its
    /// dates; matched by client, subject and sent time.
    #[serde(rename = "import.transfers")]
    ImportTransfers {
        rows: Vec<TransferRow>,
        #[serde(default)]
        options: ImportOptions,
    },
    #[serde(rename = "client.get")]
    ClientGet { id: Id },
    /// Changes only the fields given in `data` (JSON Merge Patch, RFC
    /// 7396): a field left out is kept, `null` clears it, a list given
    /// replaces the list, `address` and `retention` merge part by part.
    /// `version` is the version read (a stale one is a `conflict`); the
    /// answer is the client as this write left it.
    #[serde(rename = "client.update")]
    ClientUpdate { id: Id, version: i64, data: ClientPatch },
    /// Puts a staff member in charge of the client in a role (added last).
    /// `version` is the client's version read (a stale one is a
    /// `conflict`); the answer is the client as this write left it, its
    /// version raised. Already assigned in that role: `validation`
    /// (`duplicate`).
    #[serde(rename = "client.assign")]
    ClientAssign { id: Id, version: i64, assignment: Assignment },
    /// Takes a staff member out of a role for the client (with the
    /// client's version, as `client.assign`). Not assigned in that role:
    /// `validation` (`not_assigned`).
    #[serde(rename = "client.unassign")]
    ClientUnassign { id: Id, version: i64, assignment: Assignment },
    /// Adds and removes tags of the client (codes, or names in either
    /// language), with the client's version read (a stale one is a
    /// `conflict`); tags in neither list stay. An unknown tag is
    /// `validation` (`unknown_tag`). Needs the right to edit clients.
    #[serde(rename = "client.tag")]
    ClientTag {
        id: Id,
        version: i64,
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    /// Moves the client, its interactions and its transfers to the trash.
    #[serde(rename = "client.delete")]
    ClientDelete { id: Id, version: i64 },
    #[serde(rename = "client.list")]
    ClientList {
        #[serde(default, flatten)]
        query: ListQuery,
    },
    /// The client's contacts with role, primary phone and e-mail.
    #[serde(rename = "client.contacts")]
    ClientContacts { id: Id },
    /// The contacts of several clients (a page of the client list) in one
    /// query: rows carry their `client_id`. At most 500 ids.
    #[serde(rename = "client.contacts_of")]
    ClientContactsOf { ids: Vec<Id> },
    /// The client's interactions and those of its contacts (without
    /// another client), newest first.
    #[serde(rename = "client.timeline")]
    ClientTimeline {
        id: Id,
        /// Only the last 30 days, today included, in the firm's time zone.
        #[serde(default)]
        last_30_days: bool,
        /// Also the history of the client and of its records (the entries
        /// `history.list` answers, those the actor has the view right of),
        /// merged by time (an interaction's `occurred_at`, a change's
        /// `at`): the answer's items are then typed `interaction` or
        /// `change`. Only in the timeline's own order (no `sort`, no
        /// `search`); `filter` applies to interactions only.
        #[serde(default)]
        include_changes: bool,
        #[serde(default, flatten)]
        query: ListQuery,
    },

    #[serde(rename = "contact.create")]
    ContactCreate { data: ContactData },
    #[serde(rename = "contact.get")]
    ContactGet { id: Id },
    /// Changes only the fields given in `data` (JSON Merge Patch, as
    /// `client.update`).
    #[serde(rename = "contact.update")]
    ContactUpdate { id: Id, version: i64, data: ContactPatch },
    #[serde(rename = "contact.delete")]
    ContactDelete { id: Id, version: i64 },
    /// Adds and removes tags of the contact, as `client.tag` (the right to
    /// edit contacts).
    #[serde(rename = "contact.tag")]
    ContactTag {
        id: Id,
        version: i64,
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    #[serde(rename = "contact.list")]
    ContactList {
        #[serde(default, flatten)]
        query: ListQuery,
    },
    /// Links a contact to a client with a role (or changes the role).
    #[serde(rename = "contact.link")]
    ContactLink {
        contact_id: Id,
        client_id: Id,
        role: ContactRole,
        /// To change the role of an existing link: the role read. A link
        /// whose role changed since (or a change without it) is refused,
        /// so two editors cannot silently overwrite each other's role.
        #[serde(default)]
        from_role: Option<ContactRole>,
    },
    #[serde(rename = "contact.unlink")]
    ContactUnlink { contact_id: Id, client_id: Id },
    /// The clients a contact is linked to.
    #[serde(rename = "contact.clients")]
    ContactClients { id: Id },
    /// The clients of several contacts (a page of the contact list) in one
    /// query: rows carry their `contact_id`. At most 500 ids.
    #[serde(rename = "contact.clients_of")]
    ContactClientsOf { ids: Vec<Id> },

    #[serde(rename = "interaction.create")]
    InteractionCreate { data: InteractionData },
    #[serde(rename = "interaction.get")]
    InteractionGet { id: Id },
    /// Changes only the fields given in `data` (JSON Merge Patch, as
    /// `client.update`; `custom` merges key by key).
    #[serde(rename = "interaction.update")]
    InteractionUpdate { id: Id, version: i64, data: InteractionPatch },
    #[serde(rename = "interaction.delete")]
    InteractionDelete { id: Id, version: i64 },
    /// All interactions (newest first), or one client's or contact's.
    #[serde(rename = "interaction.list")]
    InteractionList {
        #[serde(default)]
        client_id: Option<Id>,
        #[serde(default)]
        contact_id: Option<Id>,
        /// Only the last 30 days, today included, in the firm's time zone.
        #[serde(default)]
        last_30_days: bool,
        #[serde(default, flatten)]
        query: ListQuery,
    },

    #[serde(rename = "transfer.create")]
    TransferCreate { data: NewTransfer },
    #[serde(rename = "transfer.get")]
    TransferGet { id: Id },
    /// Moves a transfer along its state machine. Going to
    /// `ready_for_download` may bring the files the contact uploaded.
    #[serde(rename = "transfer.transition")]
    TransferTransition {
        id: Id,
        version: i64,
        to: TransferStatus,
        #[serde(default)]
        files: Vec<NewFile>,
    },
    /// Edits what a transfer says (subject, message, signature) while it is
    /// open; its state moves only through `transfer.transition`. Only the
    /// fields given in `data` change (JSON Merge Patch, as `client.update`).
    #[serde(rename = "transfer.update")]
    TransferUpdate { id: Id, version: i64, data: TransferPatch },
    #[serde(rename = "transfer.delete")]
    TransferDelete { id: Id, version: i64 },
    #[serde(rename = "transfer.list")]
    TransferList {
        #[serde(default)]
        client_id: Option<Id>,
        /// Only transfers sent in the last 30 days.
        #[serde(default)]
        last_30_days: bool,
        /// Only transfers waiting for files or ready for download.
        #[serde(default)]
        open_only: bool,
        #[serde(default, flatten)]
        query: ListQuery,
    },

    /// Any list projected on chosen columns (default: the actor's saved
    /// choice, without the columns the firm has removed since, else the
    /// catalogue's defaults). Columns given here are checked whole.
    #[serde(rename = "grid.query")]
    GridQuery {
        list: ListKind,
        #[serde(default)]
        columns: Option<Vec<String>>,
        #[serde(default)]
        client_id: Option<Id>,
        #[serde(default)]
        contact_id: Option<Id>,
        #[serde(default)]
        last_30_days: bool,
        #[serde(default)]
        open_only: bool,
        /// With `count`: count at most this many rows (1 to 10,000, the
        /// default); past it `total` is this number and `total_capped` is
        /// set. A dashboard tile asks 999 and shows "999+" ("plus de 999"):
        /// a capped count costs at most that many index entries.
        #[serde(default)]
        #[schemars(range(min = 1, max = 10_000))]
        count_limit: Option<u32>,
        #[serde(default, flatten)]
        query: ListQuery,
    },
    /// Counts of a list's rows grouped by up to two choice fields (`kind`,
    /// `status`, `direction`…) and/or per period of a date field: what a
    /// chart or a summary shows, in one statement. The rows are the list's
    /// (the same filter, rights, offices and, on a client dashboard, only
    /// the client's); at most `limit` rows are counted (default and most
    /// 100,000): past it the answer is `capped` and has no groups.
    #[serde(rename = "list.count_by")]
    ListCountBy {
        list: ListKind,
        /// Choice fields to group by (0 to 2), by name or alias.
        #[serde(default)]
        by: Vec<String>,
        /// Also (or only) per period of a date field.
        #[serde(default)]
        periods: Option<CountPeriods>,
        #[serde(default)]
        filter: Option<FilterInput>,
        #[serde(default)]
        client_id: Option<Id>,
        #[serde(default)]
        contact_id: Option<Id>,
        /// Transfers only: waiting for files or ready for download.
        #[serde(default)]
        open_only: bool,
        /// Groups answered (default and at most 100,000).
        #[serde(default)]
        #[schemars(range(min = 1, max = 100_000))]
        limit: Option<u32>,
    },
    /// The clients (of the client list's filter) with the date of their
    /// last interaction, longest without one first (none at all first):
    /// "clients without an interaction in 90 days" is `idle_days: 90`.
    #[serde(rename = "client.last_interaction")]
    ClientLastInteraction {
        /// The clients' filter (the client list's fields).
        #[serde(default)]
        filter: Option<FilterInput>,
        /// Only clients whose last interaction began before the start of
        /// the day this many days ago (firm's time zone), or with none.
        #[serde(default)]
        idle_days: Option<u32>,
        /// Rows (default 50, at most 500).
        #[serde(default)]
        #[schemars(range(min = 1, max = 500))]
        limit: Option<u32>,
    },
    /// The columns a list can show (the field chooser).
    #[serde(rename = "columns.catalogue")]
    ColumnsCatalogue { list: ListKind },
    /// The actor's chosen columns of a list (or the defaults). Saved
    /// columns the firm has removed since (a deleted role)
    /// are left out; the defaults when none is left.
    #[serde(rename = "columns.get")]
    ColumnsGet { list: ListKind },
    #[serde(rename = "columns.save")]
    ColumnsSave { list: ListKind, columns: Vec<String> },
    /// The filterable fields of a list.
    #[serde(rename = "filter.fields")]
    FilterFields { list: ListKind },
    /// Saves a filter (new without `id`). Staff save private or shared
    /// views; the host saves the firm's views and its default.
    #[serde(rename = "view.save")]
    ViewSave {
        #[serde(default)]
        id: Option<Id>,
        /// With `id`: the version read (a stale one is a `conflict`).
        #[serde(default)]
        version: Option<i64>,
        list: ListKind,
        name: String,
        #[serde(default, flatten)]
        query: ListQuery,
        #[serde(default)]
        shared: bool,
        #[serde(default)]
        firm_default: bool,
    },
    /// The views of a list the actor may use (firm default first).
    #[serde(rename = "view.list")]
    ViewList { list: ListKind },
    #[serde(rename = "view.delete")]
    ViewDelete { id: Id },
    /// Saves a dashboard layout (new without `id`); the host saves firm
    /// defaults.
    #[serde(rename = "layout.save")]
    LayoutSave {
        #[serde(default)]
        id: Option<Id>,
        /// With `id`: the version read (a stale one is a `conflict`).
        #[serde(default)]
        version: Option<i64>,
        dashboard: DashboardKind,
        name: String,
        layout: serde_json::Value,
        #[serde(default)]
        firm_default: bool,
    },
    /// The actor's layouts of a dashboard kind, with the firm default.
    #[serde(rename = "layout.list")]
    LayoutList { dashboard: DashboardKind },
    #[serde(rename = "layout.get")]
    LayoutGet { id: Id },
    #[serde(rename = "layout.delete")]
    LayoutDelete { id: Id },

    /// The history of one record (client, contact, interaction or
    /// transfer), newest first: who wrote, when, the op and each changed
    /// field's old and new value. Readable as the record itself is (rights,
    /// offices, a client dashboard's client; a record in the trash or
    /// purged answers `not_found`). `limit` 1–500 (default 50); pass
    /// `next_cursor` back as `cursor` for the next page.
    #[serde(rename = "history.list")]
    HistoryList {
        record: RecordRef,
        /// Entries per page (default 50, at most 500).
        #[serde(default)]
        #[schemars(range(min = 1, max = 500))]
        limit: Option<u32>,
        #[serde(default)]
        cursor: Option<String>,
    },

    /// What is in the trash, newest first.
    /// Merges client `merge` into client `keep`: its links, interactions,
    /// file transfers and people in charge move onto `keep`, and `merge`
    /// goes to the trash; restoring it undoes the merge. Both versions as
    /// read (a stale one is a `conflict`); `rules` settle conflicting roles
    /// (without one, a conflict is refused: `merge_primary_conflict`,
    /// `merge_role_conflict`). See `docs/duplicates.md`.
    #[serde(rename = "client.merge")]
    ClientMerge {
        keep: Id,
        keep_version: i64,
        merge: Id,
        merge_version: i64,
        #[serde(default)]
        rules: MergeRules,
    },
    /// Merges contact `merge` into contact `keep`, as `client.merge`.
    #[serde(rename = "contact.merge")]
    ContactMerge {
        keep: Id,
        keep_version: i64,
        merge: Id,
        merge_version: i64,
        #[serde(default)]
        rules: MergeRules,
    },
    /// The likely duplicates of a client or contact that exists: other
    /// live records the actor sees with the same folded name, e-mail or
    /// phone number.
    #[serde(rename = "duplicates.find")]
    DuplicatesFind { entity: DupEntity, id: Id },

    #[serde(rename = "trash.list")]
    TrashList {},
    /// Puts a trash entry (and what went with it) back.
    #[serde(rename = "trash.restore")]
    TrashRestore { id: Id },
    /// Deletes a trash entry (and what went with it) for good.
    #[serde(rename = "trash.purge")]
    TrashPurge { id: Id },
}

impl Request {
    /// The `op` name, e.g. `client.create`.
    pub fn op(&self) -> &'static str {
        match self {
            Request::StaffPut { .. } => "staff.put",
            Request::StaffGet { .. } => "staff.get",
            Request::StaffList {} => "staff.list",
            Request::CustomFieldPut { .. } => "custom_field.put",
            Request::CustomFieldList { .. } => "custom_field.list",
            Request::StaffRolePut { .. } => "staff_role.put",
            Request::StaffRoleList {} => "staff_role.list",
            Request::StaffRoleDelete { .. } => "staff_role.delete",
            Request::TagPut { .. } => "tag.put",
            Request::TagDelete { .. } => "tag.delete",
            Request::TagList {} => "tag.list",
            Request::ClientCreate { .. } => "client.create",
            Request::ClientImport { .. } => "client.import",
            Request::ImportClients { .. } => "import.clients",
            Request::ImportContacts { .. } => "import.contacts",
            Request::ImportLinks { .. } => "import.links",
            Request::ImportInteractions { .. } => "import.interactions",
            Request::ImportTransfers { .. } => "import.transfers",
            Request::ClientGet { .. } => "client.get",
            Request::ClientUpdate { .. } => "client.update",
            Request::ClientAssign { .. } => "client.assign",
            Request::ClientUnassign { .. } => "client.unassign",
            Request::ClientTag { .. } => "client.tag",
            Request::ContactTag { .. } => "contact.tag",
            Request::ClientDelete { .. } => "client.delete",
            Request::ClientList { .. } => "client.list",
            Request::ClientContacts { .. } => "client.contacts",
            Request::ClientContactsOf { .. } => "client.contacts_of",
            Request::ClientTimeline { .. } => "client.timeline",
            Request::ContactCreate { .. } => "contact.create",
            Request::ContactGet { .. } => "contact.get",
            Request::ContactUpdate { .. } => "contact.update",
            Request::ContactDelete { .. } => "contact.delete",
            Request::ContactList { .. } => "contact.list",
            Request::ContactLink { .. } => "contact.link",
            Request::ContactUnlink { .. } => "contact.unlink",
            Request::ContactClients { .. } => "contact.clients",
            Request::ContactClientsOf { .. } => "contact.clients_of",
            Request::InteractionCreate { .. } => "interaction.create",
            Request::InteractionGet { .. } => "interaction.get",
            Request::InteractionUpdate { .. } => "interaction.update",
            Request::InteractionDelete { .. } => "interaction.delete",
            Request::InteractionList { .. } => "interaction.list",
            Request::TransferCreate { .. } => "transfer.create",
            Request::TransferGet { .. } => "transfer.get",
            Request::TransferTransition { .. } => "transfer.transition",
            Request::TransferUpdate { .. } => "transfer.update",
            Request::TransferDelete { .. } => "transfer.delete",
            Request::TransferList { .. } => "transfer.list",
            Request::GridQuery { .. } => "grid.query",
            Request::ListCountBy { .. } => "list.count_by",
            Request::ClientLastInteraction { .. } => "client.last_interaction",
            Request::ColumnsCatalogue { .. } => "columns.catalogue",
            Request::ColumnsGet { .. } => "columns.get",
            Request::ColumnsSave { .. } => "columns.save",
            Request::FilterFields { .. } => "filter.fields",
            Request::ViewSave { .. } => "view.save",
            Request::ViewList { .. } => "view.list",
            Request::ViewDelete { .. } => "view.delete",
            Request::LayoutSave { .. } => "layout.save",
            Request::LayoutList { .. } => "layout.list",
            Request::LayoutGet { .. } => "layout.get",
            Request::LayoutDelete { .. } => "layout.delete",
            Request::ClientMerge { .. } => "client.merge",
            Request::ContactMerge { .. } => "contact.merge",
            Request::DuplicatesFind { .. } => "duplicates.find",
            Request::HistoryList { .. } => "history.list",
            Request::TrashList {} => "trash.list",
            Request::TrashRestore { .. } => "trash.restore",
            Request::TrashPurge { .. } => "trash.purge",
        }
    }

    /// Is this long bulk work (an import)? It runs in the bulk lane under
    /// `import_timeout_ms` and reports progress.
    pub fn is_bulk(&self) -> bool {
        matches!(
            self,
            Request::ClientImport { .. }
                | Request::ImportClients { .. }
                | Request::ImportContacts { .. }
                | Request::ImportLinks { .. }
                | Request::ImportInteractions { .. }
                | Request::ImportTransfers { .. }
        )
    }

    /// Does this request only read?
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Request::StaffGet { .. }
                | Request::StaffList {}
                | Request::CustomFieldList { .. }
                | Request::StaffRoleList {}
                | Request::TagList {}
                | Request::ClientGet { .. }
                | Request::ClientList { .. }
                | Request::ClientContacts { .. }
                | Request::ClientContactsOf { .. }
                | Request::ContactClientsOf { .. }
                | Request::ClientTimeline { .. }
                | Request::ContactGet { .. }
                | Request::ContactList { .. }
                | Request::ContactClients { .. }
                | Request::InteractionGet { .. }
                | Request::InteractionList { .. }
                | Request::TransferGet { .. }
                | Request::TransferList { .. }
                | Request::GridQuery { .. }
                | Request::ListCountBy { .. }
                | Request::ClientLastInteraction { .. }
                | Request::ColumnsCatalogue { .. }
                | Request::ColumnsGet { .. }
                | Request::FilterFields { .. }
                | Request::ViewList { .. }
                | Request::LayoutList { .. }
                | Request::LayoutGet { .. }
                | Request::HistoryList { .. }
                | Request::TrashList {}
                | Request::DuplicatesFind { .. }
        )
    }
}

/// A request with the actor making it: the JSON a host sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    pub actor: Actor,
    #[serde(flatten)]
    pub request: Request,
}

/// An entry of the trash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct TrashEntry {
    pub id: Id,
    /// `client`, `contact`, `interaction` or `transfer`.
    pub entity: String,
    pub entity_id: Id,
    /// What the record was called, for display.
    pub label: String,
    pub deleted_by: Id,
    pub deleted_at: chrono::DateTime<chrono::Utc>,
}

/// The answer to a delete: where the record went.
/// Which record's side wins a conflict of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MergeSide {
    /// The record kept.
    Keep,
    /// The record merged into it.
    Merged,
}

/// How a merge settles conflicting roles. A conflict without its rule is
/// refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRules {
    /// Client merges: both clients have a (live) primary contact. `keep`:
    /// the kept client's stays primary and the other becomes additional;
    /// `merged`: the reverse.
    #[serde(default)]
    pub primary: Option<MergeSide>,
    /// A contact linked to both clients (client merge), or both contacts
    /// linked to one client (contact merge), in different roles: whose
    /// role the one remaining link takes.
    #[serde(default)]
    pub roles: Option<MergeSide>,
    /// A custom field both records have a value for: `keep` (the default)
    /// keeps the kept record's, `merged` takes the merged record's. A value
    /// only the merged record has always fills the kept record's gap.
    #[serde(default)]
    pub custom: Option<MergeSide>,
}

/// What a merge moved onto the kept record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct MergeMoved {
    /// Interactions (those in the trash too).
    pub interactions: u64,
    pub transfers: u64,
    /// Links of the merged record (moved, or merged into a link the kept
    /// record had).
    pub links: u64,
    /// People in charge (client merges).
    pub assignments: u64,
    /// Custom values written on the kept record.
    #[serde(default)]
    pub custom: u64,
    /// Tags the kept record gained.
    #[serde(default)]
    pub tags: u64,
}

/// The answer of a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Merged {
    pub kept: Id,
    /// The kept record's version after the merge.
    pub kept_version: i64,
    /// The merged record's trash entry: restoring it undoes the merge.
    pub trash_id: Id,
    pub moved: MergeMoved,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Deleted {
    pub trash_id: Id,
}

/// The answer to an import: the new ids, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Imported {
    pub imported: u64,
    pub ids: Vec<Id>,
}

/// The answer to an operation that returns nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Done {
    pub done: bool,
}

/// The answer to `trash.restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Restored {
    pub done: bool,
    /// Restoring a merged record: what the undo of the merge left where
    /// it is, and why (absent when everything went back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_restored: Vec<NotRestored>,
}

/// What the undo of a merge moved onto the kept record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RestoreItem {
    Interaction,
    Transfer,
    /// A link of the merged record (`id`: the contact of a client's link,
    /// the client of a contact's link).
    Link,
    /// A person in charge (`id`: the staff member, `role` the role).
    Assignment,
    /// A custom value of the kept record (`key`).
    Custom,
}

/// Why the undo of a merge left something where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RestoreIssue {
    /// Purged, or unlinked, since the merge.
    Gone,
    /// Moved to another record since the merge: it stays there.
    MovedSince,
    /// Edited on the kept record since the merge: the edit stays (a link
    /// goes back with the role it has now).
    EditedSince,
    /// The link would be primary, but another contact is primary now: it
    /// comes back as additional (or keeps its role).
    PrimaryTaken,
    /// The role was deleted since (`staff_role.delete`).
    RoleDeleted,
}

/// One thing the undo of a merge could not put back as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotRestored {
    pub item: RestoreItem,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub reason: RestoreIssue,
    pub message_fr: String,
    pub message_en: String,
}

/// Every response, in the same order as the requests that give them.
// (Not in the schema's description:) grows with the protocol, so callers
// that want one op's answer use `Engine::run` and `crate::op` instead of
// matching here. Untagged: read a JSON answer with the op's
// `Operation::parse_answer`, not as a `Response` (`[]` would read as a
// staff list whatever op answered it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Response {
    Staff(StaffMember),
    StaffList(Vec<StaffMember>),
    CustomFields(Vec<CustomFieldDef>),
    StaffRoles(Vec<StaffRole>),
    Tags(Vec<Tag>),
    Client(Record<ClientData>),
    Clients(Page<Record<ClientData>>),
    ClientContacts(Vec<ClientContact>),
    Contact(Record<ContactData>),
    Contacts(Page<Record<ContactData>>),
    LinkedClients(Vec<LinkedClient>),
    Interaction(Record<InteractionData>),
    Interactions(Page<Record<InteractionData>>),
    /// A client timeline with its changes (`include_changes`).
    Timeline(Page<TimelineItem>),
    Transfer(Record<TransferData>),
    Transfers(Page<Record<TransferData>>),
    History(Page<HistoryEntry>),
    Trash(Vec<TrashEntry>),
    GroupCounts(GroupCounts),
    LastInteractions(LastInteractions),
    Grid(Grid),
    Columns(Vec<crate::query::columns::ColumnDef>),
    Fields(Vec<FieldInfo>),
    View(SavedView),
    Views(Vec<SavedView>),
    Layout(Layout),
    Layouts(Vec<Layout>),
    Deleted(Deleted),
    Merged(Merged),
    Duplicates(Vec<Duplicate>),
    ImportReport(ImportReport),
    Imported(Imported),
    Done(Done),
    Restored(Restored),
}
