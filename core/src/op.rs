//! Typed calls: one struct per operation, answered by its own type.
//!
//! ```no_run
//! use clientele_core::{Engine, EngineConfig, op, protocol::Actor};
//! let engine = Engine::open(EngineConfig::new("sqlite:cabinet.db"))?;
//! let page = engine.run(Actor::Staff(7), op::ClientList { query: Default::default() })?;
//! for client in &page.items {
//!     println!("{} {}", client.data.code, client.data.name);
//! }
//! # Ok::<(), clientele_core::Error>(())
//! ```
//!
//! End to end, with a typed configuration, typed answers and typed errors
//! that keep their cause:
//!
//! ```
//! use std::error::Error as _;
//! use clientele_core::config::{EngineConfig, Language, Tz};
//! use clientele_core::domain::{ClientData, Rights, StaffData};
//! use clientele_core::protocol::{Actor, ListQuery};
//! use clientele_core::{Engine, Error, op};
//!
//! let config = EngineConfig::builder("sqlite::memory:")
//!     .timezone(Tz::America__Toronto)
//!     .language(Language::French)
//!     .build()?;
//! let engine = Engine::open(config)?;
//! // The host adds a staff member; requests then run as them.
//! let staff = StaffData {
//!     name: "Hélène D'Amours".into(),
//!     initials: "HDA".into(),
//!     email: None,
//!     office: None,
//!     active: true,
//!     rights: Rights::all(),
//! };
//! let hda = engine.run(Actor::HOST, op::StaffPut { id: None, version: None, staff: staff.into() })?;
//! let me = Actor::Staff(hda.id);
//!
//! let client = engine.run(me, op::ClientCreate { data: ClientData::new("DAMH01", "D'Amours, Hélène") })?;
//! let page = engine.run(me, op::ClientList { query: ListQuery { count: true, ..Default::default() } })?;
//! assert_eq!((page.total, page.items[0].id), (Some(1), client.id));
//!
//! // A refusal is a typed error with a stable code...
//! match engine.run(me, op::ClientGet { id: client.id + 1000 }) {
//!     Err(Error::NotFound { entity, .. }) => assert_eq!(entity, "client"),
//!     other => panic!("expected not_found, got {other:?}"),
//! }
//! // ...and a failure of the database keeps the error that caused it.
//! let junk = std::env::temp_dir().join(format!("clientele-doc-{}.db", std::process::id()));
//! std::fs::write(&junk, [b'x'; 4096])?;
//! let e = Engine::open(EngineConfig::new(format!("sqlite:{}", junk.display()))).unwrap_err();
//! std::fs::remove_file(&junk)?;
//! assert!(matches!(e, Error::Storage { .. }));
//! let cause = e.source().expect("the database's own error");
//! assert!(cause.downcast_ref::<diesel::r2d2::Error>().is_some());
//! assert!(cause.to_string().contains("file is not a database"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each struct has exactly the fields of the [`Request`] variant of the
//! same name (its documentation is there) and becomes that request
//! ([`Operation::into_request`]); the JSON protocol is unchanged. The
//! answer is the [`Response`] variant the engine gives that op, unwrapped
//! ([`Operation::from_response`]): callers never match on [`Response`].
//!
//! [`Operation::parse_answer`] reads an op's JSON answer (from the C ABI,
//! say) straight into its type. Reading answers through the untagged
//! [`Response`] instead is ambiguous: `[]` reads back as the first list
//! variant (a staff list), whatever op answered it.
//!
//! A new op is one line of the `operations!` table below: its variant,
//! its fields and the response variant it answers.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::*;
use crate::error::{Error, Result};
use crate::protocol::*;

/// An operation of the protocol with the type of its answer.
pub trait Operation: std::fmt::Debug + Sized {
    /// What the engine answers this operation.
    type Output: std::fmt::Debug + Serialize + DeserializeOwned;

    /// The `op` name of the protocol (`client.get`).
    const OP: &'static str;

    /// The protocol request this operation is.
    fn into_request(self) -> Request;

    /// This operation's answer out of the engine's response. Another kind
    /// of response is an [`Error::Internal`] (the engine answered an op with
    /// a response of another op: a bug), never a panic.
    fn from_response(response: Response) -> Result<Self::Output>;

    /// This operation's answer read from its JSON (what
    /// `Engine::execute_json` and the C ABI answer), as its own type.
    fn parse_answer(json: &str) -> Result<Self::Output> {
        serde_json::from_str(json)
            .map_err(|e| Error::BadRequest { message: format!("answer of {}: {e}", Self::OP), span: None })
    }

    /// The JSON request a host sends for this operation made by `actor`.
    fn to_json(self, actor: Actor) -> String {
        serde_json::to_string(&Envelope { actor, request: self.into_request() }).expect("requests always serialise")
    }
}

macro_rules! operations {
    ($($op:literal $name:ident { $($field:ident : $ty:ty),* $(,)? } => $answer:ident ( $out:ty );)*) => {
        $(
            #[doc = concat!("Typed [`Request::", stringify!($name), "`], answered by `", stringify!($out), "`.")]
            #[derive(Debug, Clone, PartialEq)]
            pub struct $name {
                $(#[doc = concat!("See [`Request::", stringify!($name), "`].")] pub $field: $ty,)*
            }

            impl Operation for $name {
                type Output = $out;
                const OP: &'static str = $op;

                fn into_request(self) -> Request {
                    let $name { $($field),* } = self;
                    Request::$name { $($field),* }
                }

                fn from_response(response: Response) -> Result<$out> {
                    match response {
                        Response::$answer(v) => Ok(v),
                        #[allow(unreachable_patterns)]
                        _ => Err(Error::internal(format!(
                            "{} answered a response other than {}",
                            Self::OP,
                            stringify!($answer)
                        ))),
                    }
                }
            }

            impl From<$name> for Request {
                fn from(op: $name) -> Request {
                    op.into_request()
                }
            }
        )*

        #[cfg(test)]
        /// One value of every typed operation's request kind, for the
        /// tests that check the table against [`Request::op`] (with the
        /// ops typed by hand below).
        pub(crate) const TYPED_OPS: &[&str] = &[$($op,)* "client.timeline"];
    };
}

// One line per op: `"op.name" Variant { fields of Request::Variant } => ResponseVariant(answer type);`
operations! {
    "staff.put" StaffPut { id: Option<Id>, version: Option<i64>, staff: StaffPatch } => Staff(StaffMember);
    "staff.get" StaffGet { id: Id } => Staff(StaffMember);
    "staff.list" StaffList {} => StaffList(Vec<StaffMember>);
    "custom_field.put" CustomFieldPut { field: CustomFieldDef } => CustomFields(Vec<CustomFieldDef>);
    "custom_field.list" CustomFieldList { kind: Option<InteractionKind>, record: Option<CustomRecord> } => CustomFields(Vec<CustomFieldDef>);
    "staff_role.put" StaffRolePut { role: StaffRole } => StaffRoles(Vec<StaffRole>);
    "staff_role.list" StaffRoleList {} => StaffRoles(Vec<StaffRole>);
    "staff_role.delete" StaffRoleDelete { code: String } => StaffRoles(Vec<StaffRole>);
    "tag.put" TagPut { tag: Tag } => Tags(Vec<Tag>);
    "tag.delete" TagDelete { code: String, version: i64 } => Done(Done);
    "tag.list" TagList {} => Tags(Vec<Tag>);
    "client.tag" ClientTag { id: Id, version: i64, add: Vec<String>, remove: Vec<String> } => Client(Record<ClientData>);
    "contact.tag" ContactTag { id: Id, version: i64, add: Vec<String>, remove: Vec<String> } => Contact(Record<ContactData>);
    "history.list" HistoryList { record: RecordRef, limit: Option<u32>, cursor: Option<String> } => History(Page<HistoryEntry>);
    "client.merge" ClientMerge { keep: Id, keep_version: i64, merge: Id, merge_version: i64, rules: MergeRules } => Merged(Merged);
    "contact.merge" ContactMerge { keep: Id, keep_version: i64, merge: Id, merge_version: i64, rules: MergeRules } => Merged(Merged);
    "duplicates.find" DuplicatesFind { entity: DupEntity, id: Id } => Duplicates(Vec<Duplicate>);
    "client.create" ClientCreate { data: ClientData } => Client(Record<ClientData>);
    "client.import" ClientImport { clients: Vec<ClientData> } => Imported(Imported);
    "import.clients" ImportClients { rows: Vec<ClientData>, options: ImportOptions } => ImportReport(ImportReport);
    "import.contacts" ImportContacts { rows: Vec<ContactRow>, options: ImportOptions } => ImportReport(ImportReport);
    "import.links" ImportLinks { rows: Vec<LinkRow>, options: ImportOptions } => ImportReport(ImportReport);
    "import.interactions" ImportInteractions { rows: Vec<InteractionRow>, options: ImportOptions } => ImportReport(ImportReport);
    "import.transfers" ImportTransfers { rows: Vec<TransferRow>, options: ImportOptions } => ImportReport(ImportReport);
    "client.get" ClientGet { id: Id } => Client(Record<ClientData>);
    "client.update" ClientUpdate { id: Id, version: i64, data: ClientPatch } => Client(Record<ClientData>);
    "client.assign" ClientAssign { id: Id, version: i64, assignment: Assignment } => Client(Record<ClientData>);
    "client.unassign" ClientUnassign { id: Id, version: i64, assignment: Assignment } => Client(Record<ClientData>);
    "client.delete" ClientDelete { id: Id, version: i64 } => Deleted(Deleted);
    "client.list" ClientList { query: ListQuery } => Clients(Page<Record<ClientData>>);
    "client.contacts" ClientContacts { id: Id } => ClientContacts(Vec<ClientContact>);
    "client.contacts_of" ClientContactsOf { ids: Vec<Id> } => ClientContacts(Vec<ClientContact>);
    "contact.create" ContactCreate { data: ContactData } => Contact(Record<ContactData>);
    "contact.get" ContactGet { id: Id } => Contact(Record<ContactData>);
    "contact.update" ContactUpdate { id: Id, version: i64, data: ContactPatch } => Contact(Record<ContactData>);
    "contact.delete" ContactDelete { id: Id, version: i64 } => Deleted(Deleted);
    "contact.list" ContactList { query: ListQuery } => Contacts(Page<Record<ContactData>>);
    "contact.link" ContactLink { contact_id: Id, client_id: Id, role: ContactRole, from_role: Option<ContactRole> } => ClientContacts(Vec<ClientContact>);
    "contact.unlink" ContactUnlink { contact_id: Id, client_id: Id } => Done(Done);
    "contact.clients" ContactClients { id: Id } => LinkedClients(Vec<LinkedClient>);
    "contact.clients_of" ContactClientsOf { ids: Vec<Id> } => LinkedClients(Vec<LinkedClient>);
    "interaction.create" InteractionCreate { data: InteractionData } => Interaction(Record<InteractionData>);
    "interaction.get" InteractionGet { id: Id } => Interaction(Record<InteractionData>);
    "interaction.update" InteractionUpdate { id: Id, version: i64, data: InteractionPatch } => Interaction(Record<InteractionData>);
    "interaction.delete" InteractionDelete { id: Id, version: i64 } => Deleted(Deleted);
    "interaction.list" InteractionList { client_id: Option<Id>, contact_id: Option<Id>, last_30_days: bool, query: ListQuery } => Interactions(Page<Record<InteractionData>>);
    "transfer.create" TransferCreate { data: NewTransfer } => Transfer(Record<TransferData>);
    "transfer.get" TransferGet { id: Id } => Transfer(Record<TransferData>);
    "transfer.transition" TransferTransition { id: Id, version: i64, to: TransferStatus, files: Vec<NewFile> } => Transfer(Record<TransferData>);
    "transfer.update" TransferUpdate { id: Id, version: i64, data: TransferPatch } => Transfer(Record<TransferData>);
    "transfer.delete" TransferDelete { id: Id, version: i64 } => Deleted(Deleted);
    "transfer.list" TransferList { client_id: Option<Id>, last_30_days: bool, open_only: bool, query: ListQuery } => Transfers(Page<Record<TransferData>>);
    "grid.query" GridQuery { list: ListKind, columns: Option<Vec<String>>, client_id: Option<Id>, contact_id: Option<Id>, last_30_days: bool, open_only: bool, query: ListQuery, count_limit: Option<u32> } => Grid(Grid);
    "list.count_by" ListCountBy { list: ListKind, by: Vec<String>, periods: Option<CountPeriods>, filter: Option<FilterInput>, client_id: Option<Id>, contact_id: Option<Id>, open_only: bool, limit: Option<u32> } => GroupCounts(GroupCounts);
    "client.last_interaction" ClientLastInteraction { filter: Option<FilterInput>, idle_days: Option<u32>, limit: Option<u32> } => LastInteractions(LastInteractions);
    "columns.catalogue" ColumnsCatalogue { list: ListKind } => Columns(Vec<crate::query::columns::ColumnDef>);
    "columns.get" ColumnsGet { list: ListKind } => Columns(Vec<crate::query::columns::ColumnDef>);
    "columns.save" ColumnsSave { list: ListKind, columns: Vec<String> } => Columns(Vec<crate::query::columns::ColumnDef>);
    "filter.fields" FilterFields { list: ListKind } => Fields(Vec<FieldInfo>);
    "view.save" ViewSave { id: Option<Id>, version: Option<i64>, list: ListKind, name: String, query: ListQuery, shared: bool, firm_default: bool } => View(SavedView);
    "view.list" ViewList { list: ListKind } => Views(Vec<SavedView>);
    "view.delete" ViewDelete { id: Id } => Done(Done);
    "layout.save" LayoutSave { id: Option<Id>, version: Option<i64>, dashboard: DashboardKind, name: String, layout: serde_json::Value, firm_default: bool } => Layout(Layout);
    "layout.list" LayoutList { dashboard: DashboardKind } => Layouts(Vec<Layout>);
    "layout.get" LayoutGet { id: Id } => Layout(Layout);
    "layout.delete" LayoutDelete { id: Id } => Done(Done);
    "trash.list" TrashList {} => Trash(Vec<TrashEntry>);
    "trash.restore" TrashRestore { id: Id } => Restored(Restored);
    "trash.purge" TrashPurge { id: Id } => Done(Done);
}

/// Typed [`Request::ClientTimeline`] without the changes, answered by a
/// page of interactions (`include_changes: false`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientTimeline {
    /// See [`Request::ClientTimeline`].
    pub id: Id,
    /// See [`Request::ClientTimeline`].
    pub last_30_days: bool,
    /// See [`Request::ClientTimeline`].
    pub query: ListQuery,
}

/// Typed [`Request::ClientTimeline`] with the records' changes merged in
/// (`include_changes: true`), answered by a page of timeline items.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientTimelineWithChanges {
    /// See [`Request::ClientTimeline`].
    pub id: Id,
    /// See [`Request::ClientTimeline`].
    pub last_30_days: bool,
    /// See [`Request::ClientTimeline`].
    pub query: ListQuery,
}

macro_rules! timeline {
    ($name:ident, $changes:literal, $answer:ident, $out:ty) => {
        impl Operation for $name {
            type Output = $out;
            const OP: &'static str = "client.timeline";

            fn into_request(self) -> Request {
                let $name { id, last_30_days, query } = self;
                Request::ClientTimeline { id, last_30_days, include_changes: $changes, query }
            }

            fn from_response(response: Response) -> Result<$out> {
                match response {
                    Response::$answer(v) => Ok(v),
                    _ => Err(Error::internal(format!(
                        "{} answered a response other than {}",
                        Self::OP,
                        stringify!($answer)
                    ))),
                }
            }
        }

        impl From<$name> for Request {
            fn from(op: $name) -> Request {
                op.into_request()
            }
        }
    };
}
timeline!(ClientTimeline, false, Interactions, Page<Record<InteractionData>>);
timeline!(ClientTimelineWithChanges, true, Timeline, Page<TimelineItem>);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every op name of the table is the protocol's, and every op of the
    /// protocol's catalogue has a typed struct (the lists are compared as
    /// sets, so a new `Request` variant without its line fails here).
    #[test]
    fn op_names_match_the_protocol() {
        let typed: std::collections::BTreeSet<&str> = TYPED_OPS.iter().copied().collect();
        assert_eq!(typed.len(), TYPED_OPS.len(), "an op is typed twice");
        let requests = [
            Request::from(StaffGet { id: 1 }),
            Request::from(TrashList {}),
            Request::from(ClientList { query: ListQuery::default() }),
            Request::from(ContactUnlink { contact_id: 1, client_id: 2 }),
        ];
        for r in &requests {
            assert!(typed.contains(r.op()), "{} is not typed", r.op());
        }
        assert_eq!(StaffGet::OP, Request::from(StaffGet { id: 1 }).op());
        assert_eq!(TrashPurge::OP, Request::from(TrashPurge { id: 1 }).op());
        // Every variant of the request schema has a typed struct.
        let schema = serde_json::to_value(schemars::schema_for!(Request)).unwrap();
        let mut names = std::collections::BTreeSet::new();
        collect_op_consts(&schema, &mut names);
        assert!(!names.is_empty(), "no op names in the request schema");
        let names: std::collections::BTreeSet<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, typed, "typed ops and the protocol's ops differ");
    }

    fn collect_op_consts(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(op) = m.get("properties").and_then(|p| p.get("op")) {
                    if let Some(c) = op.get("const").and_then(|c| c.as_str()) {
                        out.insert(c.to_string());
                    }
                    if let Some(e) = op.get("enum").and_then(|e| e.as_array()) {
                        out.extend(e.iter().filter_map(|s| s.as_str().map(str::to_string)));
                    }
                }
                m.values().for_each(|v| collect_op_consts(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect_op_consts(v, out)),
            _ => {}
        }
    }

    /// `[]` read through the untagged `Response` is a staff list whatever
    /// op answered it; read as the op's answer it is that op's type.
    #[test]
    fn an_empty_list_reads_as_the_ops_own_type() {
        assert!(matches!(serde_json::from_str::<Response>("[]").unwrap(), Response::StaffList(_)));
        let trash: Vec<TrashEntry> = TrashList::parse_answer("[]").unwrap();
        assert!(trash.is_empty());
        let contacts: Vec<ClientContact> = ClientContacts::parse_answer("[]").unwrap();
        assert!(contacts.is_empty());
        // And a response of another op is an error, not a panic.
        let e = ClientContacts::from_response(Response::StaffList(vec![])).unwrap_err();
        assert_eq!(e.code(), "internal");
        assert!(ClientContacts::from_response(Response::ClientContacts(vec![])).unwrap().is_empty());
        // A malformed answer is a typed error too.
        assert_eq!(ClientGet::parse_answer("[]").unwrap_err().code(), "bad_request");
    }

    /// The JSON a typed op sends is the protocol's request, unchanged.
    #[test]
    fn typed_requests_are_the_protocol_requests() {
        let json = ClientGet { id: 42 }.to_json(Actor::Staff(7));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v, serde_json::json!({"actor": 7, "op": "client.get", "id": 42}));
        let (actor, request) = crate::parse_envelope(&json).unwrap();
        assert_eq!((actor, request), (Actor::Staff(7), Request::ClientGet { id: 42 }));
    }
}
