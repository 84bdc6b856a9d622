//! The engine: opens storage and executes requests for an actor.
//!
//! Every request goes through [`Engine::execute`]: licence first, then the
//! actor, then the operation (in `ops/`), which checks rights and offices,
//! validates, and reads or writes in one transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use std::time::Duration;

use crate::EngineConfig;
use crate::deadline::{Deadline, Lane};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::protocol::{Actor, Request, Response};
use crate::store::{self, Conn, Db};
use crate::time::{Clock, SystemClock};

/// An open engine. `Engine` is `Send + Sync`: share it (in an `Arc`) across
/// threads; each request takes a pooled connection.
pub struct Engine {
    pub(crate) db: Db,
    config: EngineConfig,
    pub(crate) tz: chrono_tz::Tz,
    /// The firm's phone region (keys of the keyword index).
    pub(crate) phone_region: crate::text::PhoneRegion,
    clock: Arc<dyn Clock>,
    /// UTC ms before which no open transfer can be due (see
    /// `sweep_expired`); 0: look now.
    pub(crate) next_sweep: std::sync::atomic::AtomicI64,
    /// PostgreSQL: the most common words of each large list's keyword
    /// index, read from the server's statistics at most every
    /// [`crate::store::query::LEXEMES_TTL`] (`query/search.rs`).
    pub(crate) lexemes: std::sync::Mutex<crate::store::query::Lexemes>,
}

/// Names the database and the firm's settings; never a password (the
/// database URL is shown without its credentials).
impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("database", &crate::config::redacted_url(&self.config.database_url))
            .field("timezone", &self.tz)
            .field("language", &self.config.language)
            .field("licensed", &self.config.licensed())
            .finish_non_exhaustive()
    }
}

/// The staff member a request is made for, with their rights.
pub(crate) struct Who {
    pub id: Id,
    pub name: String,
    pub rights: Rights,
    /// On a client dashboard, that client: every read is confined to it
    /// (see `visibility`).
    pub scope: Option<Id>,
    /// The firm's custom fields, read with the actor (the interaction
    /// lists' fields).
    pub custom: Arc<Vec<CustomFieldDef>>,
    /// Their chosen grid columns, read with them: (list, JSON of the ids).
    pub columns: Arc<Vec<(String, String)>>,
    /// The firm's roles of people in charge, read with the actor (the
    /// client lists' fields).
    pub roles: Arc<Vec<crate::domain::StaffRole>>,
    /// The firm's tags, read with the actor (filters by a tag's name, the
    /// grids' tag names).
    pub tags: Arc<Vec<crate::domain::Tag>>,
    /// Each list's column catalogue with these roles, tags and custom
    /// fields (kept with the actor's read).
    pub catalogues: Arc<crate::query::columns::Catalogues>,
    /// The language events on the timeline are worded in: the engine's,
    /// or a dashboard render's locale ([`Engine::execute_scoped_in`]), or
    /// an export's language ([`Engine::execute_in`]).
    pub french: bool,
}

/// The kinds of record rights are granted on.
#[derive(Clone, Copy)]
pub(crate) enum Entity {
    Clients,
    Contacts,
    Interactions,
    FileTransfers,
}

#[derive(Clone, Copy)]
pub(crate) enum Action {
    View,
    Add,
    Edit,
    Delete,
}

impl Who {
    /// The custom fields of interactions of `kind` (in the firm's order),
    /// as read with the actor: what `store::interactions::custom_defs`
    /// would read, without a statement.
    pub(crate) fn interaction_fields(&self, kind: crate::domain::InteractionKind) -> Vec<CustomFieldDef> {
        use crate::domain::CustomRecord;
        self.custom.iter().filter(|d| d.record == CustomRecord::Interaction && d.kind == Some(kind)).cloned().collect()
    }

    /// Refuses with `forbidden` unless the actor holds the right.
    pub(crate) fn require(&self, entity: Entity, action: Action) -> Result<()> {
        let perms = match entity {
            Entity::Clients => self.rights.clients,
            Entity::Contacts => self.rights.contacts,
            Entity::Interactions => self.rights.interactions,
            Entity::FileTransfers => self.rights.file_transfers,
        };
        let ok = match action {
            Action::View => perms.view,
            Action::Add => perms.add,
            Action::Edit => perms.edit,
            Action::Delete => perms.delete,
        };
        if ok {
            return Ok(());
        }
        Err(Error::Forbidden {
            actor: format!("staff {} ({})", self.id, self.name),
            action: match action {
                Action::View => "view",
                Action::Add => "add",
                Action::Edit => "edit",
                Action::Delete => "delete",
            },
            entity: match entity {
                Entity::Clients => "clients",
                Entity::Contacts => "contacts",
                Entity::Interactions => "interactions",
                Entity::FileTransfers => "file transfers",
            },
        })
    }

    pub(crate) fn offices(&self) -> Option<&[String]> {
        self.rights.offices.as_deref()
    }

    pub(crate) fn office_forbidden(&self, what: &'static str) -> Error {
        Error::Forbidden { actor: format!("staff {} ({})", self.id, self.name), action: "reach", entity: what }
    }
}

impl Engine {
    /// Opens (creating and migrating if needed) the database named by the
    /// configuration.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        Engine::open_with_clock(config, Arc::new(SystemClock))
    }

    /// Opens with a clock of the caller's (tests pin time with it).
    pub fn open_with_clock(config: EngineConfig, clock: Arc<dyn Clock>) -> Result<Engine> {
        config.check()?;
        let tz = config.tz()?;
        crate::deadline::install_sqlite_hook();
        let phone_region = config.phone_region()?;
        // Opening is not a request: migrating a new database may take long
        // (and is never interrupted). An up-to-date database is only read.
        let db = Db::open(&config)?;
        store::reindex::search_text(&db, phone_region)?;
        store::staff::fold_names(&db)?;
        store::interactions::link_taken_for(&db)?;
        store::interactions::backfill_events(&db)?;
        store::dupkeys::fill(&db, phone_region)?;
        Ok(Engine {
            db,
            config,
            tz,
            phone_region,
            clock,
            next_sweep: std::sync::atomic::AtomicI64::new(0),
            lexemes: Default::default(),
        })
    }

    /// The configuration this engine was opened with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The firm's phone region (from the configuration).
    pub fn phone_region(&self) -> crate::text::PhoneRegion {
        self.phone_region
    }

    /// Is the database PostgreSQL (rather than SQLite)?
    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
    }

    pub(crate) fn licensed(&self) -> Result<()> {
        if self.config.licensed() { Ok(()) } else { Err(Error::NotLicensed) }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date in the firm's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().with_timezone(&self.tz).date_naive()
    }

    /// Executes one request for an actor.
    pub fn execute(&self, actor: Actor, request: Request) -> Result<Response> {
        self.execute_with_progress(actor, request, &NoProgress)
    }

    /// Executes one typed operation ([`crate::op`]) and answers its own
    /// type: `engine.run(actor, op::ClientList { query })` is a
    /// `Page<Record<ClientData>>`. The same request as [`Engine::execute`].
    pub fn run<O: crate::op::Operation>(&self, actor: Actor, op: O) -> Result<O::Output> {
        O::from_response(self.execute(actor, op.into_request())?)
    }

    /// [`Engine::run`] with progress reports and cancellation (imports).
    pub fn run_with_progress<O: crate::op::Operation>(
        &self,
        actor: Actor,
        op: O,
        progress: &dyn Progress,
    ) -> Result<O::Output> {
        O::from_response(self.execute_with_progress(actor, op.into_request(), progress)?)
    }

    /// Executes one request, reporting progress of long operations
    /// (`client.import`) to `progress`, which may cancel them. The request
    /// runs under the configured `request_timeout_ms` (`import_timeout_ms`
    /// for `client.import`) and stops as soon as the progress's
    /// [`Progress::cancel_flag`] is raised.
    pub fn execute_with_progress(&self, actor: Actor, request: Request, progress: &dyn Progress) -> Result<Response> {
        let budget = if request.is_bulk() { self.config.import_timeout_ms } else { self.config.request_timeout_ms };
        let mut deadline = Deadline::after(Duration::from_millis(budget));
        if let Some(flag) = progress.cancel_flag() {
            deadline = deadline.with_cancel(flag);
        }
        self.execute_within(actor, request, progress, deadline)
    }

    /// The deadline of a request starting now (`request_timeout_ms`).
    pub fn request_deadline(&self) -> Deadline {
        Deadline::after(Duration::from_millis(self.config.request_timeout_ms))
    }

    /// The deadline of a dashboard tile's read starting now, when the
    /// dashboard gives none (`tile_timeout_ms`).
    pub fn tile_deadline(&self) -> Deadline {
        Deadline::after(Duration::from_millis(self.config.tile_timeout_ms))
    }

    /// Executes one request under `deadline`: waits (for a connection,
    /// another writer) and statements running past it are interrupted and
    /// answer [`Error::Timeout`] (or [`Error::Canceled`] once the deadline's
    /// cancel flag is raised); the connection is freed at once.
    pub fn execute_within(
        &self,
        actor: Actor,
        request: Request,
        progress: &dyn Progress,
        deadline: Deadline,
    ) -> Result<Response> {
        self.execute_within_in(actor, request, progress, deadline, None)
    }

    /// [`Engine::execute_with_progress`] with the engine's events on the
    /// timeline (transfer events) worded in `language` rather than the
    /// engine's (an export in the language it was asked in).
    pub fn execute_in(
        &self,
        language: crate::config::Language,
        actor: Actor,
        request: Request,
        progress: &dyn Progress,
    ) -> Result<Response> {
        let budget = if request.is_bulk() { self.config.import_timeout_ms } else { self.config.request_timeout_ms };
        let mut deadline = Deadline::after(Duration::from_millis(budget));
        if let Some(flag) = progress.cancel_flag() {
            deadline = deadline.with_cancel(flag);
        }
        self.execute_within_in(actor, request, progress, deadline, Some(language))
    }

    fn execute_within_in(
        &self,
        actor: Actor,
        request: Request,
        progress: &dyn Progress,
        deadline: Deadline,
        language: Option<crate::config::Language>,
    ) -> Result<Response> {
        let lane = if request.is_bulk() { Lane::Bulk } else { Lane::Interactive };
        crate::store::session::with_generic_plans(generic_plans(&request), || {
            crate::deadline::within(deadline, lane, || self.execute_unbounded(actor, request, progress, language))
        })
    }

    fn execute_unbounded(
        &self,
        actor: Actor,
        request: Request,
        progress: &dyn Progress,
        language: Option<crate::config::Language>,
    ) -> Result<Response> {
        if !self.config.licensed() {
            return Err(Error::NotLicensed);
        }
        match actor {
            Actor::Host(_) => self.execute_host(request),
            Actor::Staff(id) => {
                // PostgreSQL: a request runs on the actor as last read,
                // checked by its first statement (`store::actor`; the first
                // write transaction's `BEGIN` checks it again, in the same
                // batch), and again with the actor read
                // afresh when that check finds it changed. Bulk imports
                // read their actor: they report progress as they go.
                let request = if self.db.is_postgres() && !request.is_bulk() {
                    match self.execute_guarded(id, request, language)? {
                        Ok(response) => return Ok(response),
                        Err(request) => request,
                    }
                } else {
                    request
                };
                // SQLite: a read-only request reads its actor and its answer
                // in one transaction on one connection (`store::parked`).
                let _parked = request.is_read_only().then(|| self.db.park_scope());
                let mut who = self.who(id)?;
                if let Some(l) = language {
                    who.french = l == crate::config::Language::French;
                }
                if let Request::ClientImport { clients } = request {
                    return self.client_import(&who, clients, progress).map(Response::Imported);
                }
                if request.is_bulk() {
                    return self.bulk_import(&who, request, progress).map(Response::ImportReport);
                }
                self.execute_staff(&who, request)
            }
        }
    }

    /// Executes one request given as JSON (`{"actor": .., "op": .., ...}`)
    /// and answers the response as JSON. A failure answers an [`Error`],
    /// whose [`Error::body`] is what hosts receive.
    pub fn execute_json(&self, request: &str) -> Result<String> {
        self.execute_json_with_progress(request, &NoProgress)
    }

    /// [`Engine::execute_json`] with progress reports and cancellation.
    pub fn execute_json_with_progress(&self, request: &str, progress: &dyn Progress) -> Result<String> {
        let (actor, request) = parse_envelope(request)?;
        let response = self.execute_with_progress(actor, request, progress)?;
        serde_json::to_string(&response)
            .map_err(|e| Error::internal(format!("response serialisation: {e}")).caused_by(e))
    }

    /// Runs `request` (PostgreSQL; not a bulk import) with its first
    /// statement checking the generation of the actor it runs as
    /// ([`Engine::run_guarded`]). Answers the request back
    /// (`Ok(Err(request))`) when that could not be done: the caller runs it
    /// unguarded.
    fn execute_guarded(
        &self,
        id: Id,
        request: Request,
        language: Option<crate::config::Language>,
    ) -> Result<std::result::Result<Response, Request>> {
        let answer = self.run_guarded(id, |who| {
            if let Some(l) = language {
                who.french = l == crate::config::Language::French;
            }
            self.execute_staff(who, request.clone())
        })?;
        match answer {
            Some(answer) => answer.map(Ok),
            None => Ok(Err(request)),
        }
    }

    /// Runs `run` (one request, given its [`Who`]; PostgreSQL) with its
    /// first statement checking the generation of the actor it runs as
    /// ([`crate::store::actor::guarded`]; a write transaction's `BEGIN`
    /// checks it again, `actor::take_write_guard`, so a write is run again
    /// only when nothing was written): on the actor kept from an
    /// earlier request when there is one ([`crate::store::Db::kept_actor`]),
    /// else read now; again with the actor read afresh when the check finds
    /// it changed. `None` when the actor is unknown, carries no generation,
    /// or changed twice under the request: the caller then runs it
    /// unguarded. (Guarded even on an actor just read: each page statement
    /// is then prepared in one text only.)
    pub(crate) fn run_guarded<T>(
        &self,
        id: Id,
        mut run: impl FnMut(&mut Who) -> Result<T>,
    ) -> Result<Option<Result<T>>> {
        use crate::store::actor::{Guarded, guarded};
        for _ in 0..2 {
            let (actor, kept) = match self.db.kept_actor(id)? {
                Some(actor) => (actor, true),
                None => match self.db.actor(id)? {
                    Some(actor) => (actor, false),
                    // Unknown: refused by the unguarded path.
                    None => return Ok(None),
                },
            };
            let Some(generation) = actor.generation else { return Ok(None) };
            let (answer, how) = guarded(generation, || {
                let mut who = self.who_of(id, &actor)?;
                run(&mut who)
            });
            let fresh = match how {
                Guarded::Fresh => true,
                Guarded::Stale => false,
                // An actor read by this request is as fresh as it was
                // before kept actors.
                Guarded::Unchecked(_) if !kept => true,
                Guarded::Unchecked(g) => self.db.actor_still_fresh(g)?,
            };
            if fresh {
                return Ok(Some(answer));
            }
            self.db.forget_actor(id);
        }
        Ok(None)
    }

    pub(crate) fn who(&self, id: Id) -> Result<Who> {
        // One statement, no transaction of its own; on SQLite none but
        // `PRAGMA data_version` while the database has not changed.
        let actor = self.db.actor(id)?.ok_or_else(|| Error::Forbidden {
            actor: format!("staff {id}"),
            action: "act as",
            entity: "an unknown staff member",
        })?;
        self.who_of(id, &actor)
    }

    /// The request's [`Who`] for the staff member `id` read as `actor`.
    fn who_of(&self, id: Id, actor: &crate::store::actor::Actor) -> Result<Who> {
        let staff = &actor.staff.data;
        if !staff.active {
            return Err(Error::Forbidden {
                actor: format!("staff {id} ({})", staff.name),
                action: "act as",
                entity: "an inactive staff member",
            });
        }
        Ok(Who {
            id,
            name: staff.name.clone(),
            rights: staff.rights.clone(),
            scope: None,
            custom: actor.custom.clone(),
            columns: actor.columns.clone(),
            roles: actor.roles.clone(),
            tags: actor.tags.clone(),
            catalogues: actor.catalogues.clone(),
            french: self.config.french(),
        })
    }

    fn execute_host(&self, request: Request) -> Result<Response> {
        match request {
            Request::StaffPut { id, version, staff } => self.staff_put(id, version, staff).map(Response::Staff),
            Request::StaffGet { id } => self.staff_get(id).map(Response::Staff),
            Request::StaffList {} => self.staff_list().map(Response::StaffList),
            Request::CustomFieldPut { field } => self.custom_field_put(field).map(Response::CustomFields),
            Request::CustomFieldList { kind, record } => {
                self.custom_field_list(kind, record).map(Response::CustomFields)
            }
            Request::StaffRolePut { role } => self.staff_role_put(role).map(Response::StaffRoles),
            Request::StaffRoleList {} => self.staff_role_list().map(Response::StaffRoles),
            Request::StaffRoleDelete { code } => self.staff_role_delete(code).map(Response::StaffRoles),
            Request::TagPut { tag } => self.tag_put(tag).map(Response::Tags),
            Request::TagDelete { code, version } => self.tag_delete(code, version).map(Response::Done),
            Request::TagList {} => self.tag_list().map(Response::Tags),
            Request::FilterFields { list } => self.filter_fields(list).map(Response::Fields),
            Request::ColumnsCatalogue { list } => self.columns_catalogue(list).map(Response::Columns),
            Request::ViewSave { id, version, list, name, query, shared, firm_default } => self
                .view_save(None, id.map(|i| (i, version)), list, name, query, shared, firm_default)
                .map(Response::View),
            Request::ViewList { list } => self.view_list(None, list).map(Response::Views),
            Request::ViewDelete { id } => self.view_delete(None, id).map(Response::Done),
            Request::LayoutSave { id, version, dashboard, name, layout, firm_default } => self
                .layout_save(None, id.map(|i| (i, version)), dashboard, name, layout, firm_default)
                .map(Response::Layout),
            Request::LayoutList { dashboard } => self.layout_list(None, dashboard).map(Response::Layouts),
            Request::LayoutGet { id } => self.layout_get(None, id).map(Response::Layout),
            Request::LayoutDelete { id } => self.layout_delete(None, id).map(Response::Done),
            other => Err(Error::Forbidden {
                actor: "host".into(),
                action: "run",
                entity: match other.is_read_only() {
                    true => "client-management reads (make them as a staff member)",
                    false => "client-management writes (make them as a staff member)",
                },
            }),
        }
    }

    /// Executes a staff member's request; the engine's events in its answer
    /// are worded in `who`'s language.
    pub(crate) fn execute_staff(&self, who: &Who, request: Request) -> Result<Response> {
        let mut response = self.execute_staff_unworded(who, request)?;
        word_events(&mut response, who.french);
        Ok(response)
    }

    fn execute_staff_unworded(&self, who: &Who, request: Request) -> Result<Response> {
        use Request as R;
        use Response as S;
        match request {
            R::StaffPut { .. }
            | R::CustomFieldPut { .. }
            | R::StaffRolePut { .. }
            | R::StaffRoleDelete { .. }
            | R::TagPut { .. }
            | R::TagDelete { .. } => Err(Error::Forbidden {
                actor: format!("staff {} ({})", who.id, who.name),
                action: "administer",
                entity: "staff, roles, tags and custom fields (the host does)",
            }),
            R::TagList {} => self.tag_list().map(S::Tags),
            R::StaffRoleList {} => self.staff_role_list().map(S::StaffRoles),
            R::StaffGet { id } => self.staff_get(id).map(S::Staff),
            R::StaffList {} => self.staff_list().map(S::StaffList),
            R::CustomFieldList { kind, record } => self.custom_field_list(kind, record).map(S::CustomFields),

            R::ClientCreate { data } => self.client_create(who, data).map(S::Client),
            R::ClientImport { clients } => self.client_import(who, clients, &NoProgress).map(S::Imported),
            R::ImportClients { .. }
            | R::ImportContacts { .. }
            | R::ImportLinks { .. }
            | R::ImportInteractions { .. }
            | R::ImportTransfers { .. } => self.bulk_import(who, request, &NoProgress).map(S::ImportReport),
            R::ClientGet { id } => self.client_get(who, id).map(S::Client),
            R::ClientUpdate { id, version, data } => self.client_update(who, id, version, data).map(S::Client),
            R::ClientAssign { id, version, assignment } => {
                self.client_assign(who, id, version, assignment).map(S::Client)
            }
            R::ClientUnassign { id, version, assignment } => {
                self.client_unassign(who, id, version, assignment).map(S::Client)
            }
            R::ClientTag { id, version, add, remove } => self.client_tag(who, id, version, add, remove).map(S::Client),
            R::ContactTag { id, version, add, remove } => {
                self.contact_tag(who, id, version, add, remove).map(S::Contact)
            }
            R::ClientDelete { id, version } => self.client_delete(who, id, version).map(S::Deleted),
            R::ClientList { query } => self.client_list(who, &query, vec![]).map(S::Clients),
            R::ClientContacts { id } => self.client_contacts(who, id).map(S::ClientContacts),
            R::ClientContactsOf { ids } => self.client_contacts_of(who, &ids).map(S::ClientContacts),
            R::ClientTimeline { id, last_30_days, include_changes: false, query } => {
                self.client_timeline(who, id, last_30_days, &query).map(S::Interactions)
            }
            R::ClientTimeline { id, last_30_days, include_changes: true, query } => {
                self.client_timeline_with_changes(who, id, last_30_days, &query).map(S::Timeline)
            }

            R::ContactCreate { data } => self.contact_create(who, data).map(S::Contact),
            R::ContactGet { id } => self.contact_get(who, id).map(S::Contact),
            R::ContactUpdate { id, version, data } => self.contact_update(who, id, version, data).map(S::Contact),
            R::ContactDelete { id, version } => self.contact_delete(who, id, version).map(S::Deleted),
            R::ContactList { query } => self.contact_list(who, &query, vec![]).map(S::Contacts),
            R::ContactLink { contact_id, client_id, role, from_role } => {
                self.contact_link(who, contact_id, client_id, role, from_role).map(S::ClientContacts)
            }
            R::ContactUnlink { contact_id, client_id } => self.contact_unlink(who, contact_id, client_id).map(S::Done),
            R::ContactClients { id } => self.contact_clients(who, id).map(S::LinkedClients),
            R::ContactClientsOf { ids } => self.contact_clients_of(who, &ids).map(S::LinkedClients),

            R::InteractionCreate { data } => self.interaction_create(who, data).map(S::Interaction),
            R::InteractionGet { id } => self.interaction_get(who, id).map(S::Interaction),
            R::InteractionUpdate { id, version, data } => {
                self.interaction_update(who, id, version, data).map(S::Interaction)
            }
            R::InteractionDelete { id, version } => self.interaction_delete(who, id, version).map(S::Deleted),
            R::InteractionList { client_id, contact_id, last_30_days, query } => {
                self.interaction_list(who, client_id, contact_id, last_30_days, &query, vec![]).map(S::Interactions)
            }

            R::TransferCreate { data } => self.transfer_create(who, data).map(S::Transfer),
            R::TransferGet { id } => self.transfer_get(who, id).map(S::Transfer),
            R::TransferTransition { id, version, to, files } => {
                self.transfer_transition(who, id, version, to, files).map(S::Transfer)
            }
            R::TransferUpdate { id, version, data } => self.transfer_update(who, id, version, data).map(S::Transfer),
            R::TransferDelete { id, version } => self.transfer_delete(who, id, version).map(S::Deleted),
            R::TransferList { client_id, last_30_days, open_only, query } => {
                self.transfer_list(who, client_id, last_30_days, open_only, &query, vec![]).map(S::Transfers)
            }
            R::GridQuery { list, columns, client_id, contact_id, last_30_days, open_only, count_limit, query } => self
                .grid(who, list, columns, client_id, contact_id, last_30_days, open_only, count_limit, &query, vec![])
                .map(S::Grid),
            R::ListCountBy { list, by, periods, filter, client_id, contact_id, open_only, limit } => self
                .count_by(who, list, &by, periods.as_ref(), filter, client_id, contact_id, open_only, limit)
                .map(S::GroupCounts),
            R::ClientLastInteraction { filter, idle_days, limit } => {
                self.last_interactions(who, filter, idle_days, limit).map(S::LastInteractions)
            }
            R::ColumnsCatalogue { list } => self.columns_catalogue(list).map(S::Columns),
            R::ColumnsGet { list } => self.columns_get(who, list).map(S::Columns),
            R::ColumnsSave { list, columns } => self.columns_save(who, list, columns).map(S::Columns),
            R::FilterFields { list } => self.filter_fields(list).map(S::Fields),
            R::ViewSave { id, version, list, name, query, shared, firm_default } => self
                .view_save(Some(who), id.map(|i| (i, version)), list, name, query, shared, firm_default)
                .map(S::View),
            R::ViewList { list } => self.view_list(Some(who), list).map(S::Views),
            R::ViewDelete { id } => self.view_delete(Some(who), id).map(S::Done),
            R::LayoutSave { id, version, dashboard, name, layout, firm_default } => self
                .layout_save(Some(who), id.map(|i| (i, version)), dashboard, name, layout, firm_default)
                .map(S::Layout),
            R::LayoutList { dashboard } => self.layout_list(Some(who), dashboard).map(S::Layouts),
            R::LayoutGet { id } => self.layout_get(Some(who), id).map(S::Layout),
            R::LayoutDelete { id } => self.layout_delete(Some(who), id).map(S::Done),

            R::HistoryList { record, limit, cursor } => {
                self.history_list(who, record, limit, cursor.as_deref()).map(S::History)
            }
            R::TrashList {} => self.trash_list(who).map(S::Trash),
            R::ClientMerge { keep, keep_version, merge, merge_version, rules } => self
                .merge_records(who, DupEntity::Client, (keep, keep_version), (merge, merge_version), &rules)
                .map(S::Merged),
            R::ContactMerge { keep, keep_version, merge, merge_version, rules } => self
                .merge_records(who, DupEntity::Contact, (keep, keep_version), (merge, merge_version), &rules)
                .map(S::Merged),
            R::DuplicatesFind { entity, id } => self.duplicates_find(who, entity, id).map(S::Duplicates),
            R::TrashRestore { id } => self.trash_restore(who, id).map(S::Restored),
            R::TrashPurge { id } => self.trash_purge(who, id).map(S::Done),
        }
    }

    /// Test support, not part of the API: runs a deliberately slow read
    /// (minutes of work: a recursive count on SQLite, `pg_sleep(60)` on
    /// PostgreSQL) in `lane` under `deadline`, as a request would.
    #[doc(hidden)]
    pub fn debug_slow_read(&self, lane: Lane, deadline: Deadline) -> Result<()> {
        crate::deadline::within(deadline, lane, || self.db.read(store::debug_slow))
    }

    /// Test support, not part of the API: pooled connections now in use.
    #[doc(hidden)]
    pub fn debug_connections_in_use(&self) -> u32 {
        self.db.in_use()
    }

    /// Test support, not part of the API: pooled connections open, in use
    /// or idle.
    #[doc(hidden)]
    pub fn debug_connections_open(&self) -> u32 {
        self.db.open_connections()
    }

    /// Runs `f` in a read transaction.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.db.read(f)
    }

    /// Runs `f` in a write transaction.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.db.write(f)
    }
}

/// Receives progress of a long operation and may cancel it.
///
/// `report` is called synchronously, on the thread that called
/// [`Engine::execute_with_progress`], before that call returns (the C ABI
/// relies on this to hand the host's callback its `user_data`).
pub trait Progress: Sync {
    /// `done` of `total` units are finished. Return `false` to cancel: the
    /// operation stops, writes nothing, and answers [`Error::Canceled`].
    fn report(&self, done: u64, total: u64) -> bool;

    /// A flag that, once raised (from any thread), also interrupts the
    /// statement running (SQLite) and every later wait of the request,
    /// which then answers [`Error::Canceled`]. None by default.
    fn cancel_flag(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        None
    }
}

/// Progress nobody listens to.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _done: u64, _total: u64) -> bool {
        true
    }
}

/// Largest request text accepted (bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// The requests PostgreSQL plans once per connection: a ranked client or
/// contact search and the pages of lists without a filter, a search or a switch
/// (`store::session::with_generic_plans` says why).
pub(crate) fn generic_plans(request: &Request) -> bool {
    let searched = |q: &crate::query::ListQuery| q.search.as_deref().is_some_and(|s| !s.trim().is_empty());
    // Only ids, offices and a cursor's keys as values: nothing a custom
    // plan would read better than a generic one.
    let bare = |q: &crate::query::ListQuery| !searched(q) && q.filter.is_none() && q.preset.is_none();
    match request {
        // A ranked client search (`store::session::with_generic_plans`).
        Request::ClientList { query } if searched(query) => true,
        // A ranked contact search, as measured: the default sort (ranked),
        // no filter or preset, whose values would shape the plan.
        Request::ContactList { query }
            if searched(query) && query.sort.is_none() && query.filter.is_none() && query.preset.is_none() =>
        {
            true
        }
        // A page without a filter, a search or a switch: a custom plan per
        // execution of a deep page or a timeline cost more than running it.
        // Filters, presets and switches keep `auto`: their values decide
        // plans (a dashboard's transfers tile, `status` and a date bound,
        // went from 0.3 to 18 ms under a generic plan at size M).
        Request::ClientList { query } | Request::ContactList { query } => bare(query),
        Request::ClientTimeline { query, last_30_days, .. } => bare(query) && !last_30_days,
        Request::InteractionList { query, last_30_days, .. } => bare(query) && !last_30_days,
        Request::TransferList { query, last_30_days, open_only, .. }
        | Request::GridQuery { query, last_30_days, open_only, .. } => bare(query) && !last_30_days && !open_only,
        _ => false,
    }
}

/// Splits a JSON request into actor and request, refusing unknown fields.
pub fn parse_envelope(text: &str) -> Result<(Actor, Request)> {
    if text.len() > MAX_REQUEST_BYTES {
        return Err(Error::bad_request(format!("request is larger than {MAX_REQUEST_BYTES} bytes")));
    }
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| json_error("request is not valid JSON", text, &e))?;
    let obj = value.as_object_mut().ok_or_else(|| Error::bad_request("request must be a JSON object"))?;
    let actor =
        obj.remove("actor").ok_or_else(|| Error::bad_request("request has no \"actor\" (a staff id, or \"host\")"))?;
    let actor: Actor = serde_json::from_value(actor)
        .map_err(|_| Error::bad_request("\"actor\" must be a staff id (integer) or \"host\""))?;
    if !obj.contains_key("op") {
        return Err(Error::bad_request("request has no \"op\""));
    }
    let keys: Vec<String> = obj.keys().cloned().collect();
    let request: Request = serde_json::from_value(value).map_err(|e| Error::bad_request(e.to_string()))?;
    // Nested objects refuse unknown fields themselves; the top level is
    // checked here (serde cannot with an internally tagged, flattened enum).
    let known = serde_json::to_value(&request).map_err(|e| Error::internal(e.to_string()).caused_by(e))?;
    if let Some(extra) = keys.iter().find(|k| known.get(k.as_str()).is_none()) {
        return Err(Error::BadRequest {
            message: format!("unknown field \"{extra}\" for op {}", request.op()),
            span: None,
        });
    }
    Ok((actor, request))
}

fn json_error(what: &str, text: &str, e: &serde_json::Error) -> Error {
    // serde_json reports line/column; turn them into a byte offset.
    let offset = text.split_inclusive('\n').take(e.line().saturating_sub(1)).map(str::len).sum::<usize>()
        + e.column().saturating_sub(1);
    let offset = offset.min(text.len());
    Error::BadRequest { message: format!("{what}: {e}"), span: Some(crate::Span { start: offset, end: offset }) }
}

/// Rows per page: default 50, at most 500.
pub(crate) fn page_limit(limit: Option<u32>) -> Result<i64> {
    match limit {
        None => Ok(50),
        Some(0) => Err(Error::validation("limit", "out_of_range", "must be at least 1")),
        Some(n) if n > 500 => Err(Error::validation("limit", "out_of_range", "must be at most 500")),
        Some(n) => Ok(n as i64),
    }
}

/// Words the timeline events of an answer's interactions in French or
/// English (grids word theirs as they are built).
fn word_events(response: &mut Response, french: bool) {
    match response {
        Response::Interaction(r) => r.data.word_event(french),
        Response::Interactions(page) => page.items.iter_mut().for_each(|r| r.data.word_event(french)),
        Response::Timeline(page) => page.items.iter_mut().for_each(|i| {
            if let crate::domain::TimelineItem::Interaction(r) = i {
                r.data.word_event(french)
            }
        }),
        _ => {}
    }
}
