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

/// For `{"op": "links", "filter"?, "search"?}` (the client–contact links
/// of the clients the filter and search give, which no list shows): the
/// clients grid it pages through, by code. `None` for any other request.
pub fn links_request(request: &serde_json::Value) -> Result<Option<serde_json::Value>> {
    let Some(object) = request.as_object().filter(|o| o.get("op").and_then(|v| v.as_str()) == Some("links")) else {
        return Ok(None);
    };
    let mut grid = serde_json::json!({"op": "grid.query", "list": "clients", "columns": ["code"], "sort": "code"});
    for (k, v) in object {
        match k.as_str() {
            "op" => {}
            "filter" | "search" => grid[k] = v.clone(),
            other => {
                return Err(super::bad_request(format!(
                    "unknown field `{other}` of a links export (it takes `filter` and `search`)"
                )));
            }
        }
    }
    Ok(Some(grid))
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
    /// The language of the engine's events (transfer events) in the
    /// cells; none: the engine's.
    language: Option<clientele_core::config::Language>,
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
        Pages { engine, actor, scope, request, progress, next: Some(None), total: None, language: None }
    }

    /// The same pages with the engine's events (transfer events) worded in
    /// `language` (an export's).
    pub fn in_language(mut self, language: super::cells::Language) -> Pages<'a> {
        self.language = Some(match language {
            super::cells::Language::Fr => clientele_core::config::Language::French,
            super::cells::Language::En => clientele_core::config::Language::English,
        });
        self
    }

    /// The number of matching rows, once the first page told it (none when
    /// the count stopped at its cap).
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Runs a request as the export's actor, in its scope.
    fn run(&self, request: Request) -> Result<Response> {
        match self.scope {
            Some(scope @ DataScope::Client { .. }) => {
                let mut deadline = self.engine.request_deadline();
                if let Some(flag) = self.progress.cancel_flag() {
                    deadline = deadline.with_cancel(flag);
                }
                self.engine.execute_scoped_in(self.actor, scope, request, deadline, self.language)
            }
            Some(DataScope::Staff) | None => match self.language {
                Some(l) => self.engine.execute_in(l, self.actor, request, self.progress),
                None => self.engine.execute_with_progress(self.actor, request, self.progress),
            },
        }
    }

    /// A page of clients (`code` their one column) as the page of their
    /// links: client code, contact key, role — the columns of a links
    /// import file, so the file reads back. Per client, its contacts in
    /// key order (then by name).
    pub fn links_page(&self, clients: Grid) -> Result<Grid> {
        let ids: Vec<i64> = clients.rows.iter().map(|r| r.id).collect();
        let codes: std::collections::HashMap<i64, serde_json::Value> =
            clients.rows.iter().map(|r| (r.id, r.cells.first().cloned().unwrap_or_default())).collect();
        let mut links = if ids.is_empty() {
            Vec::new()
        } else {
            match self.run(Request::ClientContactsOf { ids: ids.clone() })? {
                Response::ClientContacts(v) => v,
                _ => return Err(Error::internal("client.contacts_of answered something else")),
            }
        };
        let order: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        links.sort_by(|a, b| {
            (order.get(&a.client_id), &a.key, &a.file_as).cmp(&(order.get(&b.client_id), &b.key, &b.file_as))
        });
        let columns = clientele_core::query::import_columns::import_catalogue(
            clientele_core::query::import_columns::ImportKind::Links,
        )
        .into_iter()
        .map(|c| c.column)
        .collect();
        let rows = links
            .into_iter()
            .map(|l| {
                clientele_core::protocol::GridRow::new(
                    l.contact_id,
                    0,
                    vec![
                        codes.get(&l.client_id).cloned().unwrap_or_default(),
                        l.key.map_or(serde_json::Value::Null, serde_json::Value::String),
                        serde_json::Value::String(l.role.as_str().to_string()),
                    ],
                )
            })
            .collect();
        Ok(Grid { columns, rows, ..clients })
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
        let response = self.run(request)?;
        let Response::Grid(grid) = response else {
            return Err(Error::internal("grid.query answered something else than a grid"));
        };
        if first && !grid.total_capped {
            self.total = grid.total;
        }
        if first {
            // Later pages ask for the first page's columns by name. Without
            // columns each page would read the staff member's saved choice
            // again, which drops a column the firm removes meanwhile (a
            // role deleted): the file's later rows would be shifted
            // under its header. Named, such a column fails the export
            // instead (`unknown_column`), and nothing is written.
            if let Request::GridQuery { columns, .. } = &mut self.request {
                *columns = Some(grid.columns.iter().map(|c| c.id.clone()).collect());
            }
        }
        self.next = grid.next_cursor.clone().map(Some);
        Ok(Some(grid))
    }
}
