//! Where an export's rows come from: the list request turned into the
//! `grid.query` it pages through, run by the same actor in the same scope
//! as the list on screen, 500 rows a page.

use clientele_core::protocol::{Actor, DataScope, Grid, Request, Response};
use clientele_core::{Engine, Error, Progress, Result, parse_envelope};

/// Rows per page: the protocol's largest page.
pub const PAGE_ROWS: u32 = 500;

/// The `grid.query` that reads what the list request `request` (JSON, as
/// sent on its own, without `actor`) shows, from its first row. Checked as
/// the engine checks a request (unknown fields refused); ops that are not
/// lists are refused.
pub fn grid_request(actor: Actor, request: &serde_json::Value) -> Result<Request> {
    let mut object = request.as_object().cloned().ok_or_else(|| {
        super::bad_request("\"request\" must be a list request object ({\"op\": \"client.list\", ...})")
    })?;
    object
        .insert("actor".into(), serde_json::to_value(actor).map_err(|e| Error::internal(e.to_string()).caused_by(e))?);
    let (_, request) = parse_envelope(&serde_json::Value::Object(object).to_string())?;
    let grid = match request {
        Request::ClientList { query } => grid(clientele_core::protocol::ListKind::Clients, query),
        Request::ContactList { query } => grid(clientele_core::protocol::ListKind::Contacts, query),
        Request::InteractionList { client_id, contact_id, last_30_days, query } => Request::GridQuery {
            list: clientele_core::protocol::ListKind::Interactions,
            columns: None,
            client_id,
            contact_id,
            last_30_days,
            open_only: false,
            query,
            count_limit: None,
        },
        Request::TransferList { client_id, last_30_days, open_only, query } => Request::GridQuery {
            list: clientele_core::protocol::ListKind::Transfers,
            columns: None,
            client_id,
            contact_id: None,
            last_30_days,
            open_only,
            query,
            count_limit: None,
        },
        g @ Request::GridQuery { .. } => g,
        other => {
            return Err(super::bad_request(format!(
                "{} is not a list: export client.list, contact.list, interaction.list, transfer.list or grid.query",
                other.op()
            )));
        }
    };
    Ok(grid)
}

fn grid(list: clientele_core::protocol::ListKind, query: clientele_core::protocol::ListQuery) -> Request {
    Request::GridQuery {
        list,
        columns: None,
        client_id: None,
        contact_id: None,
        last_30_days: false,
        open_only: false,
        query,
        count_limit: None,
    }
}

/// The pages of a grid request, read one at a time (only one page is held
/// in memory), each as its own request under its own deadline.
pub struct Pages<'a> {
    engine: &'a Engine,
    actor: Actor,
    scope: Option<DataScope>,
    request: Request,
    progress: &'a dyn Progress,
    next: Option<Option<String>>,
    total: Option<u64>,
}

impl std::fmt::Debug for Pages<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("actor", &self.actor)
            .field("scope", &self.scope)
            .field("request", &self.request)
            .field("next", &self.next)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<'a> Pages<'a> {
    /// `request` is a `grid.query` (from [`grid_request`]).
    pub fn new(
        engine: &'a Engine,
        actor: Actor,
        scope: Option<DataScope>,
        request: Request,
        progress: &'a dyn Progress,
    ) -> Pages<'a> {
        Pages { engine, actor, scope, request, progress, next: Some(None), total: None }
    }

    /// The number of matching rows, once the first page told it (none when
    /// the count stopped at its cap).
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The next page, or `None` after the last.
    pub fn next_page(&mut self) -> Result<Option<Grid>> {
        let Some(cursor) = self.next.take() else { return Ok(None) };
        let first = cursor.is_none();
        let mut request = self.request.clone();
        if let Request::GridQuery { query, .. } = &mut request {
            query.limit = Some(PAGE_ROWS);
            query.count = first;
            query.cursor = cursor;
        }
        let response = match self.scope {
            Some(scope @ DataScope::Client { .. }) => {
                let mut deadline = self.engine.request_deadline();
                if let Some(flag) = self.progress.cancel_flag() {
                    deadline = deadline.with_cancel(flag);
                }
                self.engine.execute_scoped_within(self.actor, scope, request, deadline)?
            }
            Some(DataScope::Staff) | None => self.engine.execute_with_progress(self.actor, request, self.progress)?,
        };
        let Response::Grid(grid) = response else {
            return Err(Error::internal("grid.query answered something else than a grid"));
        };
        if first && !grid.total_capped {
            self.total = grid.total;
        }
        self.next = grid.next_cursor.clone().map(Some);
        Ok(Some(grid))
    }
}
