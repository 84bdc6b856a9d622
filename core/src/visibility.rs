//! What a staff member may see: the one place the visibility rules live.
//!
//! Every read path asks here — by-id checks (`client`, `contact`,
//! `interaction`, `transfer`), the trash, the SQL of lists (`offices_sql`,
//! `scope_constraint`) and the names a grid shows — so an op cannot forget
//! a rule by forgetting to call one of several helpers.
//!
//! The rules:
//! - **Offices.** A staff member restricted to offices sees the clients of
//!   those offices; a contact when it is standalone or linked to one of
//!   those clients (links to clients in the trash count: a contact never
//!   becomes everybody's because its client was deleted); an interaction
//!   through its client, or without one through its contact; a transfer
//!   through its client.
//! - **A client dashboard** ([`Who::scope`]): only that client, the contacts
//!   linked to it, the interactions of its timeline and its transfers.
//! - **The trash** hides records: a trashed record is not found, except
//!   through the trash's own entries (by the office of what they belong to).
//!
//! What the actor may not see answers exactly as what does not exist
//! (`not_found`, same message): an error never tells which ids exist.

use crate::domain::{Id, RecordKind, RecordRef};
use crate::engine::Who;
use crate::error::{Error, Result};
use crate::protocol::{Layout, SavedView, TrashEntry};
use crate::query::sql::Sql;
use crate::query::{Constraint, ListKind};
use crate::store::{self, Conn};

/// What an absent record answers; also what a hidden one answers.
pub(crate) fn not_found(entity: &'static str, id: Id) -> Error {
    Error::NotFound { entity, id }
}

/// Is a live client of this office, with this id, within the actor's reach?
pub(crate) fn client_reached(who: &Who, id: Id, office: Option<&str>) -> bool {
    who.rights.sees_office(office) && who.scope.is_none_or(|x| x == id)
}

/// Is the client live and within the actor's offices and scope?
pub(crate) fn client_visible(c: &mut Conn, who: &Who, id: Id) -> Result<bool> {
    if who.scope.is_some_and(|x| x != id) {
        return Ok(false);
    }
    Ok(store::clients::office_of(c, id)?.is_some_and(|office| client_reached(who, id, office.as_deref())))
}

/// [`client`] in a write that attaches a record to the client: on
/// PostgreSQL the client is also held live to the end of the transaction
/// (`store::clients::office_held`), in the same statement, and only when
/// the actor sees it (a client of another office is neither locked nor
/// waited for).
pub(crate) fn client_held(c: &mut Conn, who: &Who, id: Id) -> Result<()> {
    if who.scope.is_some_and(|x| x != id) {
        return Err(not_found("client", id));
    }
    match store::clients::office_held(c, id, who.offices())? {
        Some(office) if client_reached(who, id, office.as_deref()) => Ok(()),
        _ => Err(not_found("client", id)),
    }
}

/// [`client_held`] riding on the write's own insert (PostgreSQL,
/// `store::interactions::insert_answered`'s `hold`), before it: the
/// client outside the scope is refused at once, else the offices the
/// insert's statement holds the client for. The insert's answer is then
/// judged by [`client_held_by`].
pub(crate) fn client_hold(who: &Who, id: Id) -> Result<Option<&[String]>> {
    if who.scope.is_some_and(|x| x != id) {
        return Err(not_found("client", id));
    }
    Ok(who.offices())
}

/// What an insert that held client `id` found ([`client_hold`]): `None`
/// (absent, in the trash, or of another office: not held, nothing
/// written), or the client's office. Refused as [`client_held`] refuses.
pub(crate) fn client_held_by(who: &Who, id: Id, held: Option<Option<&str>>) -> Result<()> {
    match held {
        Some(office) if client_reached(who, id, office) => Ok(()),
        _ => Err(not_found("client", id)),
    }
}

/// [`client`] for a client this write transaction has just created, live,
/// with `office` as written: decided without reading it back.
pub(crate) fn client_written(who: &Who, id: Id, office: Option<&str>) -> Result<()> {
    if client_reached(who, id, office) { Ok(()) } else { Err(not_found("client", id)) }
}

/// Refuses a client that does not exist, is in the trash, or lies outside
/// the actor's offices or scope — all alike, `not_found`.
pub(crate) fn client(c: &mut Conn, who: &Who, id: Id) -> Result<()> {
    if client_visible(c, who, id)? { Ok(()) } else { Err(not_found("client", id)) }
}

/// The check of [`client`] as a constraint of a list's own statement
/// (`Constraint::ClientVisible`): a list of one client's records costs no
/// statement of its own for it. A client outside the scope is refused at
/// once. A page that comes back empty is checked again by id
/// ([`check_deferred`]), so an unseen client still answers `not_found`.
pub(crate) fn client_constraint(who: &Who, id: Id) -> Result<Constraint> {
    if who.scope.is_some_and(|x| x != id) {
        return Err(not_found("client", id));
    }
    Ok(Constraint::ClientVisible(id, who.offices().map(<[String]>::to_vec)))
}

/// The by-id checks a list left to its statement ([`client_constraint`]),
/// made now: for an empty page, or a read that must refuse before it
/// answers anything (`list.count_by`).
pub(crate) fn check_deferred(c: &mut Conn, who: &Who, constraints: &[Constraint]) -> Result<()> {
    for k in constraints {
        if let Constraint::ClientVisible(id, _) = k {
            client(c, who, *id)?;
        }
    }
    Ok(())
}

/// Refuses, alike, any of several clients the actor cannot see (the first
/// one, in the order given).
pub(crate) fn clients(c: &mut Conn, who: &Who, ids: &[Id]) -> Result<()> {
    let offices = store::clients::offices_of(c, ids)?;
    for id in ids {
        match offices.get(id) {
            Some(o) if client_reached(who, *id, o.as_deref()) => {}
            _ => return Err(not_found("client", *id)),
        }
    }
    Ok(())
}

/// Does a linked client (from a list of links) show within the actor's
/// scope? (Offices are filtered by the store's query.)
pub(crate) fn link_in_scope(who: &Who, client_id: Id) -> bool {
    who.scope.is_none_or(|x| x == client_id)
}

/// Is the contact live, and standalone or linked to a client the actor
/// sees (on a client dashboard: linked to that client)?
pub(crate) fn contact_visible(c: &mut Conn, who: &Who, id: Id) -> Result<bool> {
    if store::contacts::version_of(c, id)?.is_none() {
        return Ok(false);
    }
    if let Some(x) = who.scope {
        return Ok(store::contacts::link_role(c, id, x)?.is_some());
    }
    if who.offices().is_none() {
        return Ok(true);
    }
    Ok(contact_reached(who, &store::contacts::linked_offices(c, id)?))
}

/// Is a live contact linked to clients of these offices (live or trashed)
/// within the actor's offices? Standalone contacts are everybody's. (Not
/// for a client dashboard's scope: bulk work never runs in one.)
pub(crate) fn contact_reached(who: &Who, linked_offices: &[Option<String>]) -> bool {
    who.scope.is_none()
        && (linked_offices.is_empty() || linked_offices.iter().any(|o| who.rights.sees_office(o.as_deref())))
}

/// [`contact`] for a contact this write transaction has just created: it
/// is live and linked to no client yet (standalone: everybody's, but no
/// client dashboard's). Decided without a statement.
pub(crate) fn contact_written(who: &Who, id: Id) -> Result<()> {
    if contact_reached(who, &[]) { Ok(()) } else { Err(not_found("contact", id)) }
}

/// Refuses a contact the actor cannot see, alike with one that does not
/// exist.
pub(crate) fn contact(c: &mut Conn, who: &Who, id: Id) -> Result<()> {
    if contact_visible(c, who, id)? { Ok(()) } else { Err(not_found("contact", id)) }
}

/// Is an interaction with these references visible? Through its client,
/// or, without one, through its contact. One with neither belongs to no
/// client: every staff member sees it, no client dashboard does.
pub(crate) fn interaction_visible(c: &mut Conn, who: &Who, client: Option<Id>, contact: Option<Id>) -> Result<bool> {
    match (client, contact) {
        (Some(client), _) => client_visible(c, who, client),
        (None, Some(contact)) => contact_visible(c, who, contact),
        (None, None) => Ok(who.scope.is_none()),
    }
}

/// Refuses an interaction the actor cannot see as `not_found`.
pub(crate) fn interaction(c: &mut Conn, who: &Who, id: Id, client: Option<Id>, contact: Option<Id>) -> Result<()> {
    if interaction_visible(c, who, client, contact)? { Ok(()) } else { Err(not_found("interaction", id)) }
}

/// Refuses a transfer whose client the actor cannot see as `not_found`.
pub(crate) fn transfer(c: &mut Conn, who: &Who, id: Id, client: Id) -> Result<()> {
    if client_visible(c, who, client)? { Ok(()) } else { Err(not_found("file transfer", id)) }
}

/// Refuses a record the actor cannot see as `not_found`, by the same rules
/// as reading it (its history is read as the record is).
pub(crate) fn record(c: &mut Conn, who: &Who, r: RecordRef) -> Result<()> {
    match r.kind {
        RecordKind::Client => client(c, who, r.id),
        RecordKind::Contact => contact(c, who, r.id),
        RecordKind::Interaction => {
            let row = store::interactions::get(c, r.id, false)?.ok_or(not_found("interaction", r.id))?;
            interaction(c, who, r.id, row.client_id, row.contact_id)
        }
        RecordKind::Transfer => {
            let row = store::transfers::get(c, r.id, false)?.ok_or(not_found("file transfer", r.id))?;
            transfer(c, who, r.id, row.client_id)
        }
    }
}

/// Is the client (live or trashed) in one of the actor's offices and scope?
fn client_seen_any(c: &mut Conn, who: &Who, id: Id) -> Result<bool> {
    Ok(store::clients::get(c, id, true)?.is_some_and(|r| client_reached(who, id, r.office.as_deref())))
}

/// Is the contact standalone, or linked to a client (live or trashed) in
/// one of the actor's offices?
fn contact_seen_any(c: &mut Conn, who: &Who, id: Id) -> Result<bool> {
    if let Some(x) = who.scope {
        return Ok(store::contacts::link_role(c, id, x)?.is_some());
    }
    let offices = store::contacts::linked_offices(c, id)?;
    Ok(offices.is_empty() || offices.iter().any(|o| who.rights.sees_office(o.as_deref())))
}

/// Does a record, live or in the trash, lie within the actor's offices and
/// scope? `None` when it does not exist at all (purged).
pub(crate) fn record_seen_any(c: &mut Conn, who: &Who, r: RecordRef) -> Result<Option<bool>> {
    Ok(Some(match r.kind {
        RecordKind::Client => match store::clients::get(c, r.id, true)? {
            Some(row) => client_reached(who, r.id, row.office.as_deref()),
            None => return Ok(None),
        },
        RecordKind::Contact => match store::contacts::get(c, r.id, true)? {
            Some(_) => contact_seen_any(c, who, r.id)?,
            None => return Ok(None),
        },
        RecordKind::Interaction => match store::interactions::get(c, r.id, true)? {
            Some(row) => match (row.client_id, row.contact_id) {
                (Some(client), _) => client_seen_any(c, who, client)?,
                (None, Some(contact)) => contact_seen_any(c, who, contact)?,
                (None, None) => who.scope.is_none(),
            },
            None => return Ok(None),
        },
        RecordKind::Transfer => match store::transfers::get(c, r.id, true)? {
            Some(row) => client_seen_any(c, who, row.client_id)?,
            None => return Ok(None),
        },
    }))
}

/// Can the actor see the record of a trash entry?
pub(crate) fn trash_entry(c: &mut Conn, who: &Who, e: &TrashEntry) -> Result<bool> {
    if who.offices().is_none() && who.scope.is_none() {
        return Ok(true);
    }
    // A record merged into another: restoring it undoes the merge, which
    // changes the kept record, whose links the merged contact's now are.
    if let Some(m) = store::merge::of_entry(c, e.id)? {
        return match e.entity.as_str() {
            "client" => Ok(client_seen_any(c, who, e.entity_id)? && client_seen_any(c, who, m.kept_id)?),
            _ => contact_seen_any(c, who, m.kept_id),
        };
    }
    match e.entity.as_str() {
        "client" => client_seen_any(c, who, e.entity_id),
        "contact" => contact_seen_any(c, who, e.entity_id),
        "interaction" => match store::interactions::get(c, e.entity_id, true)? {
            Some(r) => match (r.client_id, r.contact_id) {
                (Some(client), _) => client_seen_any(c, who, client),
                (None, Some(contact)) => contact_seen_any(c, who, contact),
                (None, None) => Ok(who.scope.is_none()),
            },
            None => Ok(false),
        },
        "transfer" => match store::transfers::get(c, e.entity_id, true)? {
            Some(r) => client_seen_any(c, who, r.client_id),
            None => Ok(false),
        },
        _ => Ok(false),
    }
}

/// How an error may name another client holding a unique value: by id
/// when the actor sees it, otherwise not at all.
pub(crate) fn holder_named(c: &mut Conn, who: &Who, other: Id, trashed: bool) -> Result<String> {
    Ok(match (client_seen_any(c, who, other)?, trashed) {
        (true, true) => format!(" by client {other}, which is in the trash (restore or purge it)"),
        (true, false) => format!(" by client {other}"),
        (false, _) => " by another client".to_string(),
    })
}

/// A layout is read by its owner, or by anyone as the firm's default; the
/// host (`None`) reads every layout.
pub(crate) fn layout_readable(who: Option<&Who>, l: &Layout) -> bool {
    match who {
        None => true,
        Some(w) => l.owner == Some(w.id) || (l.owner.is_none() && l.firm_default),
    }
}

/// A saved view is read by its owner, or by anyone when shared or the
/// firm's default; the host (`None`) reads every view.
pub(crate) fn view_readable(who: Option<&Who>, v: &SavedView) -> bool {
    match who {
        None => true,
        Some(w) => v.owner == Some(w.id) || v.shared || v.firm_default,
    }
}

/// The constraints a list gets on a client dashboard (none elsewhere);
/// they are added in SQL beside, not inside, the request's own filter: the
/// list's records of that client, and that the client is visible (a list
/// on a client dashboard is not checked before it runs, see
/// `ops::scoped::checked_by_statement`: an empty page is checked by id,
/// [`check_deferred`]).
pub(crate) fn scope_constraint(who: &Who, kind: ListKind) -> Vec<Constraint> {
    let Some(x) = who.scope else { return Vec::new() };
    let own = match kind {
        ListKind::Clients => Constraint::ClientIs(x),
        ListKind::Contacts => Constraint::LinkedTo(x),
        ListKind::Interactions => Constraint::Timeline(x),
        ListKind::Transfers => Constraint::ClientIs(x),
    };
    vec![own, Constraint::ClientVisible(x, who.offices().map(<[String]>::to_vec))]
}

/// `(?, ?, …)`: a staff member's offices as a bound list for `IN` (`(NULL)`
/// for none, which matches nothing).
pub(crate) fn office_list_sql(sql: &mut Sql, offices: &[String]) {
    sql.push("(");
    if offices.is_empty() {
        sql.push("NULL");
    }
    for (i, o) in offices.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_text(o.clone());
    }
    sql.push(")");
}

/// Appends the office restriction of a staff member to a list's `WHERE`
/// (the SQL form of the office rules above).
pub(crate) fn offices_sql(sql: &mut Sql, kind: ListKind, offices: &[String]) {
    let list = |sql: &mut Sql| office_list_sql(sql, offices);
    let contact_visible = |sql: &mut Sql, col: &str| {
        // Links to clients in the trash count: a contact does not become
        // everybody's when its only client is deleted.
        sql.push(&format!(
            "(NOT EXISTS (SELECT 1 FROM contact_links l WHERE l.contact_id = {col}) \
             OR EXISTS (SELECT 1 FROM contact_links l JOIN clients c ON c.id = l.client_id \
             WHERE l.contact_id = {col} AND c.office IN "
        ));
        list(sql);
        sql.push("))");
    };
    match kind {
        ListKind::Clients => {
            sql.push(" AND t.office IN ");
            list(sql);
        }
        ListKind::Contacts => {
            sql.push(" AND ");
            contact_visible(sql, "t.id");
        }
        ListKind::Interactions => {
            sql.push(" AND (t.client_id IN (SELECT id FROM clients WHERE trash_id IS NULL AND office IN ");
            list(sql);
            sql.push(") OR (t.client_id IS NULL AND ");
            contact_visible(sql, "t.contact_id");
            sql.push("))");
        }
        ListKind::Transfers => {
            sql.push(" AND t.client_id IN (SELECT id FROM clients WHERE trash_id IS NULL AND office IN ");
            list(sql);
            sql.push(")");
        }
    }
}

/// The display names a grid of interactions or transfers shows — those of
/// live records the actor sees (clients of their offices, contacts
/// standalone or linked to one; on a client dashboard only that client and
/// its contacts) — as five columns of its page statement: the client's
/// name and code, the contact's "file as", the staff member's name and
/// initials (NULL: none, or not to be shown). Other lists: five NULLs.
///
/// SQLite's short pages (a long one's names are read after it is cut:
/// [`names_lookup_sql`]) and PostgreSQL's pages planned at each call (a
/// page under generic plans joins them to its cut rows:
/// [`pg_names_joined_sql`]).
///
/// One correlated subquery per column. Left joins after `FROM … t` were
/// tried (491a33d): a grid page was ~20% faster on SQLite, but the joins
/// changed plans: the dashboards' open-transfers tile (`open_only`,
/// sorted by date) scanned every transfer and sorted them (49–59 ms
/// against ~0.5 ms), where the subqueries leave the page's plan as it is.
pub(crate) fn names_sql(sql: &mut Sql, kind: ListKind, offices: Option<&[String]>, scope: Option<Id>) {
    let Some((client, contact, staff)) = name_keys(kind) else {
        sql.push(
            ", CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)",
        );
        return;
    };
    // The client's name, then its code, under the same rule.
    for column in ["name", "code"] {
        sql.push(&format!(", (SELECT n.{column} FROM clients n WHERE "));
        client_shown(sql, "n", client, offices, scope);
        sql.push(")");
    }
    sql.push(", (SELECT k.file_as FROM contacts k WHERE ");
    contact_shown(sql, "k", contact, offices, scope);
    sql.push(")");
    sql.push(&format!(", (SELECT s.name FROM staff s WHERE s.id = {staff})"));
    sql.push(&format!(", (SELECT s.initials FROM staff s WHERE s.id = {staff})"));
}

/// The names [`names_sql`] answers, for SQLite: read once per page, after
/// it is cut, rather than by five subqueries per row (each opened a
/// cursor: ~10 % of a grid page). One statement for the page's distinct
/// clients, contacts and staff members (`ids`: each a JSON array of ids,
/// read with `json_each`, so the text does not depend on how many), under
/// the same rules, answering `(which, id, name, code or initials)` with
/// `which` 0 for a client (its name and code), 1 for a contact (its "file
/// as"), 2 for a staff member (name and initials).
///
/// Tried and measured no faster (2026-12-07, SQLite M, grid pages alternated
/// with this form: 0.185–0.190 against 0.183–0.184 ms): the page statement
/// wrapped as a subquery (a co-routine, its plan its own) with the names
/// left-joined to its cut rows. The joins' seeks cost what this
/// statement's do, and the co-routine copies every one of the page's ~36
/// columns once more.
pub(crate) fn names_lookup_sql(ids: [String; 3], offices: Option<&[String]>, scope: Option<Id>) -> Sql {
    let mut sql = Sql::new(false);
    let [clients, contacts, staff] = ids;
    // Each id list joined to its table (`CROSS JOIN`: the list drives),
    // not `id IN (SELECT value FROM json_each(…))`, which builds a
    // temporary index of the list before its seeks: 44 → 33 µs for a
    // 51-row page's names (SQLite M, 2026-12-07). Each list holds distinct
    // ids (`ops::lists::read_names`).
    sql.push("SELECT 0 AS which, n.id, n.name, n.code FROM json_each(")
        .bind_text(clients)
        .push(") j CROSS JOIN clients n ON n.id = j.value WHERE ");
    client_shown(&mut sql, "n", "n.id", offices, scope);
    sql.push(" UNION ALL SELECT 1, k.id, k.file_as, NULL FROM json_each(")
        .bind_text(contacts)
        .push(") j CROSS JOIN contacts k ON k.id = j.value WHERE ");
    contact_shown(&mut sql, "k", "k.id", offices, scope);
    sql.push(" UNION ALL SELECT 2, s.id, s.name, s.initials FROM json_each(")
        .bind_text(staff)
        .push(") j CROSS JOIN staff s ON s.id = j.value");
    sql
}

/// PostgreSQL's names of a grid page: the page statement `page` (its rows
/// cut and ordered by its own `ORDER BY … LIMIT`; `columns` its record
/// columns on the alias `t`, `order` its order and cut on its output
/// columns, `ORDER BY` and `LIMIT` of the wrapping statement) as a
/// subquery whose rows are named by left joins, in the column layout of
/// every page statement (the record, `rk`, `kt`, `ki`, `st`, five names,
/// `att`, `total`). `None` for lists without names.
///
/// A subquery with `LIMIT` is planned on its own (never pulled up into the
/// joins), so the page's plan is its own, and the nested loops keep its
/// order (the plan has no sort: PostgreSQL knows the subquery's order).
/// Against the five subplans per row of [`names_sql`]: a 51-row grid
/// page's statement 0.44–0.50 → 0.35 ms (`pgbench -M prepared`, M,
/// 2026-12-07). SQLite measured no gain from the same form (see
/// [`names_lookup_sql`]).
pub(crate) fn pg_names_joined_sql(
    page: &Sql,
    columns: &str,
    order: &str,
    kind: ListKind,
    offices: Option<&[String]>,
    scope: Option<Id>,
) -> Option<Sql> {
    let (client, contact, staff) = name_keys(kind)?;
    let on = |key: &str| key.replacen("t.", "p.", 1);
    let mut sql = Sql::new(page.pg);
    sql.literal_limits = page.literal_limits;
    sql.limits_written = page.limits_written;
    sql.push("SELECT ");
    for (i, c) in columns.split(", ").enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        // `t.x`, or a left-out field's placeholder `… AS x`
        // (`store::page::PageRow::columns_reading`): the page's `x`.
        match c.rsplit_once(" AS ") {
            Some((_, name)) => sql.push("p.").push(name),
            None => sql.push(&on(c)),
        };
    }
    sql.push(", p.rk, p.kt, p.ki, p.st, n.name, n.code, k.file_as, s.name, s.initials, p.att, p.total FROM (");
    sql.append(page);
    sql.push(") p LEFT JOIN clients n ON ");
    client_shown(&mut sql, "n", &on(client), offices, scope);
    sql.push(" LEFT JOIN contacts k ON ");
    contact_shown(&mut sql, "k", &on(contact), offices, scope);
    sql.push(&format!(" LEFT JOIN staff s ON s.id = {} ORDER BY {order}", on(staff)));
    Some(sql)
}

/// The columns of a grid row's client, contact and staff member.
fn name_keys(kind: ListKind) -> Option<(&'static str, &'static str, &'static str)> {
    match kind {
        ListKind::Interactions => Some(("t.client_id", "t.contact_id", "t.staff_id")),
        ListKind::Transfers => Some(("t.client_id", "t.to_contact", "t.from_staff")),
        ListKind::Clients | ListKind::Contacts => None,
    }
}

/// Client `a` is the row's (`client`), live and seen by the actor.
fn client_shown(sql: &mut Sql, a: &str, client: &str, offices: Option<&[String]>, scope: Option<Id>) {
    sql.push(&format!("{a}.id = {client} AND {a}.trash_id IS NULL"));
    if let Some(o) = offices {
        sql.push(&format!(" AND {a}.office IN "));
        office_list_sql(sql, o);
    }
    if let Some(x) = scope {
        sql.push(&format!(" AND {a}.id = ")).bind_int(x);
    }
}

/// Contact `a` is the row's (`contact`), live and seen by the actor.
fn contact_shown(sql: &mut Sql, a: &str, contact: &str, offices: Option<&[String]>, scope: Option<Id>) {
    sql.push(&format!("{a}.id = {contact} AND {a}.trash_id IS NULL"));
    if let Some(o) = offices {
        // Links to clients in the trash count, as in the contact list.
        sql.push(&format!(
            " AND (NOT EXISTS (SELECT 1 FROM contact_links l WHERE l.contact_id = {a}.id) \
             OR EXISTS (SELECT 1 FROM contact_links l JOIN clients c ON c.id = l.client_id \
             WHERE l.contact_id = {a}.id AND c.office IN "
        ));
        office_list_sql(sql, o);
        sql.push("))");
    }
    if let Some(x) = scope {
        sql.push(&format!(" AND EXISTS (SELECT 1 FROM contact_links l WHERE l.contact_id = {a}.id AND l.client_id = "))
            .bind_int(x)
            .push(")");
    }
}
