//! Scoped reads: what a portlet may ask. On a client's dashboard every
//! request is confined to that client by the staff member's [`Who::scope`]:
//! every visibility check of every op (`crate::visibility`) then answers
//! `not_found` for what lies outside the client, and every list gets a
//! constraint the request cannot lift (added in SQL beside, not inside, the
//! request's own filter).

use crate::domain::*;
use crate::engine::{Engine, Who};
use crate::error::{Error, Result};
use crate::protocol::{Actor, DataScope, Request, Response};
use crate::store::{self, Conn};
use crate::visibility;

/// How a client dashboard runs an op.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnClientDashboard {
    /// Not at all (writes, the trash).
    Refused,
    /// After its client is checked (one statement).
    CheckedFirst,
    /// The lists, the grid, a client's timeline and the counts: the
    /// statement itself checks the client (`visibility::scope_constraint`;
    /// an empty answer is checked again by id, `visibility::check_deferred`),
    /// so a tile costs no round trip for it.
    CheckedByStatement,
}

/// May a client dashboard run this op at all?
fn client_dashboard_runs(request: &Request) -> bool {
    on_client_dashboard(request) != OnClientDashboard::Refused
}

/// Every op is named (no wildcard): a new op must be classified here
/// before it compiles.
fn on_client_dashboard(request: &Request) -> OnClientDashboard {
    use OnClientDashboard::*;
    use Request as R;
    match request {
        R::StaffGet { .. }
        | R::StaffList {}
        | R::CustomFieldList { .. }
        | R::StaffRoleList {}
        | R::TagList {}
        | R::ColumnsCatalogue { .. }
        | R::ColumnsGet { .. }
        | R::FilterFields { .. }
        | R::ViewList { .. }
        | R::LayoutList { .. }
        | R::LayoutGet { .. }
        | R::ClientGet { .. }
        | R::ClientContacts { .. }
        | R::ClientContactsOf { .. }
        | R::ContactClientsOf { .. }
        | R::ContactGet { .. }
        | R::ContactClients { .. }
        | R::InteractionGet { .. }
        | R::TransferGet { .. }
        | R::DuplicatesFind { .. }
        | R::HistoryList { .. } => CheckedFirst,
        R::ClientTimeline { .. }
        | R::ClientList { .. }
        | R::ContactList { .. }
        | R::InteractionList { .. }
        | R::TransferList { .. }
        | R::GridQuery { .. }
        | R::ListCountBy { .. }
        | R::ClientLastInteraction { .. } => CheckedByStatement,
        // The trash is not the client's; writes are refused before.
        R::TrashList {}
        | R::StaffPut { .. }
        | R::CustomFieldPut { .. }
        | R::StaffRolePut { .. }
        | R::StaffRoleDelete { .. }
        | R::TagPut { .. }
        | R::TagDelete { .. }
        | R::ClientTag { .. }
        | R::ContactTag { .. }
        | R::ClientAssign { .. }
        | R::ClientUnassign { .. }
        | R::ClientCreate { .. }
        | R::ClientImport { .. }
        | R::ImportClients { .. }
        | R::ImportContacts { .. }
        | R::ImportLinks { .. }
        | R::ImportInteractions { .. }
        | R::ImportTransfers { .. }
        | R::ClientUpdate { .. }
        | R::ClientDelete { .. }
        | R::ContactCreate { .. }
        | R::ContactUpdate { .. }
        | R::ContactDelete { .. }
        | R::ContactLink { .. }
        | R::ContactUnlink { .. }
        | R::InteractionCreate { .. }
        | R::InteractionUpdate { .. }
        | R::InteractionDelete { .. }
        | R::TransferCreate { .. }
        | R::TransferTransition { .. }
        | R::TransferUpdate { .. }
        | R::TransferDelete { .. }
        | R::ColumnsSave { .. }
        | R::ViewSave { .. }
        | R::ViewDelete { .. }
        | R::LayoutSave { .. }
        | R::LayoutDelete { .. }
        | R::TrashRestore { .. }
        | R::TrashPurge { .. }
        | R::ClientMerge { .. }
        | R::ContactMerge { .. } => Refused,
    }
}

/// A write asked through a dashboard.
fn write_refused(who: &Who) -> Error {
    Error::Forbidden {
        actor: format!("staff {} ({})", who.id, who.name),
        action: "write through",
        entity: "a dashboard (portlets read only)",
    }
}

/// A read a client's dashboard may not run.
fn not_the_clients(client_id: Id) -> Error {
    Error::Forbidden {
        actor: format!("the dashboard of client {client_id}"),
        action: "run",
        entity: "this read (it is not the client's)",
    }
}

/// Whether the only record `request` names is the scope's client, already
/// checked ([`Engine::check_scoped_all`]).
fn names_only_client(request: &Request, client: Option<Id>) -> bool {
    use Request as R;
    match request {
        R::ClientGet { id } | R::ClientContacts { id } | R::ClientTimeline { id, .. } => Some(*id) == client,
        R::InteractionList { client_id, contact_id: None, .. }
        | R::GridQuery { client_id, contact_id: None, .. }
        | R::ListCountBy { client_id, contact_id: None, .. } => client_id.is_none() || *client_id == client,
        R::TransferList { client_id, .. } => client_id.is_none() || *client_id == client,
        _ => false,
    }
}

/// Every record a read names, checked as the op itself checks it (same
/// rules, same `not_found`), without running the read.
fn check_named(c: &mut Conn, who: &Who, request: &Request) -> Result<()> {
    use Request as R;
    let opt_client = |c: &mut Conn, id: Option<Id>| id.map_or(Ok(()), |id| visibility::client(c, who, id));
    let opt_contact = |c: &mut Conn, id: Option<Id>| id.map_or(Ok(()), |id| visibility::contact(c, who, id));
    match request {
        R::ClientGet { id } | R::ClientContacts { id } | R::ClientTimeline { id, .. } => {
            visibility::client(c, who, *id)
        }
        R::ClientContactsOf { ids } => visibility::clients(c, who, ids),
        R::ContactGet { id } | R::ContactClients { id } => visibility::contact(c, who, *id),
        R::DuplicatesFind { entity: DupEntity::Client, id } => visibility::client(c, who, *id),
        R::DuplicatesFind { entity: DupEntity::Contact, id } => visibility::contact(c, who, *id),
        R::InteractionGet { id } => {
            let row = store::interactions::get(c, *id, false)?.ok_or(visibility::not_found("interaction", *id))?;
            visibility::interaction(c, who, *id, row.client_id, row.contact_id)
        }
        R::TransferGet { id } => {
            let row = store::transfers::get(c, *id, false)?.ok_or(visibility::not_found("file transfer", *id))?;
            visibility::transfer(c, who, *id, row.client_id)
        }
        R::InteractionList { client_id, contact_id, .. }
        | R::GridQuery { client_id, contact_id, .. }
        | R::ListCountBy { client_id, contact_id, .. } => {
            opt_client(c, *client_id)?;
            opt_contact(c, *contact_id)
        }
        R::TransferList { client_id, .. } => opt_client(c, *client_id),
        R::HistoryList { record, .. } => visibility::record(c, who, *record),
        _ => Ok(()),
    }
}

impl Engine {
    /// Executes a read request within a scope (what a portlet's data
    /// context does), under the configured `tile_timeout_ms`, in the
    /// dashboard lane (which never holds the pool's last connection).
    /// Writes are refused; on a client dashboard, what lies outside the
    /// client answers as if it did not exist.
    pub fn execute_scoped(&self, actor: Actor, scope: DataScope, request: Request) -> Result<Response> {
        self.execute_scoped_within(actor, scope, request, self.tile_deadline())
    }

    /// [`Engine::execute_scoped`] under `deadline` (a tile's budget): past
    /// it the request is interrupted and answers `timeout`.
    pub fn execute_scoped_within(
        &self,
        actor: Actor,
        scope: DataScope,
        request: Request,
        deadline: crate::deadline::Deadline,
    ) -> Result<Response> {
        self.execute_scoped_in(actor, scope, request, deadline, None)
    }

    /// [`Engine::execute_scoped_within`] with the engine's events on the
    /// timeline (transfer events) worded in `language` (none: the
    /// engine's): a dashboard reads in its render's locale.
    pub fn execute_scoped_in(
        &self,
        actor: Actor,
        scope: DataScope,
        request: Request,
        deadline: crate::deadline::Deadline,
        language: Option<crate::config::Language>,
    ) -> Result<Response> {
        // PostgreSQL's plans as for the same request unscoped.
        crate::store::session::with_generic_plans(crate::engine::generic_plans(&request), || {
            crate::deadline::within(deadline, crate::deadline::Lane::Dashboard, || {
                let run = |who: &mut Who| {
                    if let Some(l) = language {
                        who.french = l == crate::config::Language::French;
                    }
                    self.execute_staff(who, request.clone())
                };
                // PostgreSQL: on the actor kept from the tile before,
                // checked by the tile's first statement, as unscoped reads
                // (`Engine::run_guarded`).
                if let Actor::Staff(staff) = actor
                    && self.db.is_postgres()
                    && request.is_read_only()
                {
                    self.licensed()?;
                    let guarded = self.run_guarded(staff, |who| {
                        self.scope_who(who, scope, &request)?;
                        run(who)
                    })?;
                    if let Some(answer) = guarded {
                        return answer;
                    }
                }
                let mut who = self.scoped_who(actor, scope, &request)?;
                run(&mut who)
            })
        })
    }

    /// Checks a read request against a scope without running it: the
    /// actor, that the request only reads and that the scope may run it,
    /// and that every record it names is within the scope — the checks
    /// [`Engine::execute_scoped`] would make, with the same answers. A
    /// dashboard checks the drill-downs its portlets return with it.
    /// It runs under the configured `tile_timeout_ms`, in the dashboard
    /// lane, like the reads it checks.
    pub fn check_scoped(&self, actor: Actor, scope: DataScope, request: &Request) -> Result<()> {
        crate::deadline::within(self.tile_deadline(), crate::deadline::Lane::Dashboard, || {
            let who = self.scoped_who(actor, scope, request)?;
            self.read(|c| {
                // A list leaves its client to its statement when it runs:
                // checked here, as nothing runs.
                if let Some(x) = who.scope {
                    visibility::client(c, &who, x)?;
                }
                check_named(c, &who, request)
            })
        })
    }

    /// [`Engine::check_scoped`] for many requests of one actor and scope
    /// (a dashboard's drill-downs, one per row): the actor read once, the
    /// scope's client checked once, every request's own records in one
    /// read; answers each request's check in order, the same answers
    /// [`Engine::check_scoped`] gives. On PostgreSQL a client dashboard's
    /// drill-downs took three to four statements each (27 office lookups
    /// and 16 actor statements a render at size M).
    pub fn check_scoped_all(&self, actor: Actor, scope: DataScope, requests: &[Request]) -> Vec<Result<()>> {
        let all = |e: Error| requests.iter().map(|_| Err(e.clone())).collect();
        let checked = crate::deadline::within(self.tile_deadline(), crate::deadline::Lane::Dashboard, || {
            let mut who = self.dashboard_viewer(actor)?;
            let client = match scope {
                DataScope::Client { client_id } => Some(client_id),
                _ => None,
            };
            who.scope = client;
            self.read(|c| {
                // The scope's client, once for all: every request reads
                // within it (its refusal is every read's, in the order
                // `check_scoped` checks: a write first).
                let scope_ok = match client {
                    Some(x) => visibility::client(c, &who, x),
                    None => Ok(()),
                };
                let mut out = Vec::with_capacity(requests.len());
                for request in requests {
                    out.push(if !request.is_read_only() {
                        Err(write_refused(&who))
                    } else if let Err(e) = &scope_ok {
                        Err(e.clone())
                    } else if let Some(x) = client
                        && !client_dashboard_runs(request)
                    {
                        Err(not_the_clients(x))
                    } else if client.is_some() && names_only_client(request, client) {
                        Ok(())
                    } else {
                        // One budget for the batch: past it, the rest are
                        // refused (dropped), not each given a statement's
                        // full timeout again.
                        crate::deadline::check_current().and_then(|()| check_named(c, &who, request))
                    });
                }
                Ok(out)
            })
        });
        match checked {
            Ok(out) => out,
            Err(e) => all(e),
        }
    }

    /// The staff member a dashboard's read runs as (a host cannot view one).
    fn dashboard_viewer(&self, actor: Actor) -> Result<Who> {
        self.licensed()?;
        let Actor::Staff(staff) = actor else {
            return Err(Error::Forbidden {
                actor: "host".into(),
                action: "render",
                entity: "dashboards (a staff member views them)",
            });
        };
        self.who(staff)
    }

    /// The staff member a scoped request runs as, with the scope's client.
    fn scoped_who(&self, actor: Actor, scope: DataScope, request: &Request) -> Result<Who> {
        let mut who = self.dashboard_viewer(actor)?;
        self.scope_who(&mut who, scope, request)?;
        Ok(who)
    }

    /// Checks a scoped request for `who` and gives `who` the scope's client.
    fn scope_who(&self, who: &mut Who, scope: DataScope, request: &Request) -> Result<()> {
        if !request.is_read_only() {
            return Err(write_refused(who));
        }
        if let DataScope::Client { client_id } = scope {
            // Lists check the client in their own statement (one round
            // trip less per tile); everything else first.
            if on_client_dashboard(request) != OnClientDashboard::CheckedByStatement {
                self.read(|c| visibility::client(c, who, client_id))?;
            }
            if !client_dashboard_runs(request) {
                return Err(not_the_clients(client_id));
            }
            who.scope = Some(client_id);
        }
        Ok(())
    }
}
