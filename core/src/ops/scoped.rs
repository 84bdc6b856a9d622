//! Scoped reads: what a portlet may ask. On a client's dashboard every
//! request is confined to that client: ids are checked against it and lists
//! get a constraint the request cannot lift (it is added in SQL beside, not
//! inside, the request's own filter).

use super::clients::visible_client;
use crate::domain::*;
use crate::engine::{Engine, Who};
use crate::error::{Error, Result};
use crate::protocol::{Actor, DataScope, Request, Response};
use crate::query::{Constraint, ListKind};
use crate::store::{self, Conn};

fn outside(client: Id, what: &'static str) -> Error {
    Error::Forbidden { actor: format!("the dashboard of client {client}"), action: "reach", entity: what }
}

/// Is the contact linked to the client?
fn contact_of(c: &mut Conn, contact: Id, client: Id) -> Result<bool> {
    Ok(store::contacts::link_role(c, contact, client)?.is_some())
}

impl Engine {
    /// Executes a read request within a scope (what a portlet's data
    /// context does), under the configured `tile_timeout_ms`, in the
    /// dashboard lane (which never holds the pool's last connection).
    /// Writes are refused.
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
        crate::deadline::within(deadline, crate::deadline::Lane::Dashboard, || {
            self.scoped_unbounded(actor, scope, request)
        })
    }

    fn scoped_unbounded(&self, actor: Actor, scope: DataScope, request: Request) -> Result<Response> {
        self.licensed()?;
        let Actor::Staff(staff) = actor else {
            return Err(Error::Forbidden {
                actor: "host".into(),
                action: "render",
                entity: "dashboards (a staff member views them)",
            });
        };
        let who = self.who(staff)?;
        if !request.is_read_only() {
            return Err(Error::Forbidden {
                actor: format!("staff {} ({})", who.id, who.name),
                action: "write through",
                entity: "a dashboard (portlets read only)",
            });
        }
        match scope {
            DataScope::Staff => self.execute_staff(&who, request),
            DataScope::Client { client_id } => {
                self.read(|c| visible_client(c, &who, client_id))?;
                self.execute_for_client(&who, client_id, request)
            }
        }
    }

    fn execute_for_client(&self, who: &Who, x: Id, request: Request) -> Result<Response> {
        use Request as R;
        use Response as S;
        let only = |id: Id| if id == x { Ok(()) } else { Err(outside(x, "another client")) };
        match request {
            R::StaffGet { .. }
            | R::StaffList {}
            | R::CustomFieldList { .. }
            | R::ColumnsCatalogue { .. }
            | R::ColumnsGet { .. }
            | R::FilterFields { .. }
            | R::ViewList { .. }
            | R::LayoutList { .. }
            | R::LayoutGet { .. } => self.execute_staff(who, request),
            R::ClientGet { id } | R::ClientContacts { id } => {
                only(id)?;
                self.execute_staff(who, request)
            }
            R::ClientTimeline { id, .. } => {
                only(id)?;
                self.execute_staff(who, request)
            }
            R::ClientContactsOf { ref ids } => {
                if ids.iter().any(|i| *i != x) {
                    return Err(outside(x, "another client"));
                }
                self.execute_staff(who, request)
            }
            R::ContactClientsOf { ids } => self
                .contact_clients_of(who, &ids)
                .map(|v| S::LinkedClients(v.into_iter().filter(|l| l.client_id == x).collect())),
            R::ClientList { query } => self.client_list(who, &query, vec![Constraint::ClientIs(x)]).map(S::Clients),
            R::ContactGet { id } => {
                // The staff member's own checks first: what they cannot see
                // at all answers as it would anywhere (not found, forbidden).
                let answer = self.execute_staff(who, request)?;
                if !self.read(|c| contact_of(c, id, x))? {
                    return Err(outside(x, "a contact of another client"));
                }
                Ok(answer)
            }
            R::ContactClients { id } => {
                if !self.read(|c| contact_of(c, id, x))? {
                    return Err(outside(x, "a contact of another client"));
                }
                match self.execute_staff(who, request)? {
                    S::LinkedClients(v) => Ok(S::LinkedClients(v.into_iter().filter(|l| l.client_id == x).collect())),
                    other => Ok(other),
                }
            }
            R::ContactList { query } => self.contact_list(who, &query, vec![Constraint::LinkedTo(x)]).map(S::Contacts),
            R::InteractionGet { .. } => {
                let answer = self.execute_staff(who, request)?;
                let S::Interaction(record) = &answer else { return Ok(answer) };
                let mine = match (record.data.client_id, record.data.contact_id) {
                    (Some(client), _) => client == x,
                    (None, Some(contact)) => self.read(|c| contact_of(c, contact, x))?,
                    (None, None) => false,
                };
                if !mine {
                    return Err(outside(x, "an interaction of another client"));
                }
                Ok(answer)
            }
            R::InteractionList { client_id, contact_id, last_30_days, query } => {
                if let Some(id) = client_id {
                    only(id)?;
                }
                self.interaction_list(who, None, contact_id, last_30_days, &query, vec![Constraint::Timeline(x)])
                    .map(S::Interactions)
            }
            R::TransferGet { .. } => {
                let answer = self.execute_staff(who, request)?;
                if let S::Transfer(record) = &answer {
                    only(record.data.client_id)?;
                }
                Ok(answer)
            }
            R::TransferList { client_id, last_30_days, open_only, query } => {
                if let Some(id) = client_id {
                    only(id)?;
                }
                self.transfer_list(who, None, last_30_days, open_only, &query, vec![Constraint::ClientIs(x)])
                    .map(S::Transfers)
            }
            R::GridQuery { list, columns, client_id, contact_id, last_30_days, open_only, query } => {
                if let Some(id) = client_id {
                    only(id)?;
                }
                let scope = match list {
                    ListKind::Clients => Constraint::ClientIs(x),
                    ListKind::Contacts => Constraint::LinkedTo(x),
                    ListKind::Interactions => Constraint::Timeline(x),
                    ListKind::Transfers => Constraint::ClientIs(x),
                };
                self.grid(who, list, columns, None, contact_id, last_30_days, open_only, &query, vec![scope])
                    .map(S::Grid)
            }
            R::TrashList {} => Err(outside(x, "the trash")),
            other => Err(Error::Forbidden {
                actor: format!("the dashboard of client {x}"),
                action: "run",
                entity: if other.is_read_only() { "this read" } else { "a write" },
            }),
        }
    }
}
