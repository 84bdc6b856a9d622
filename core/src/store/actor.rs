//! A request's actor — the staff member with their rights — with the
//! firm's custom fields and roles of people in charge (what the interaction
//! and client lists' field registries depend on) and the actor's chosen grid columns, in one statement: on
//! PostgreSQL one round trip where they took three (and a transaction of
//! their own, two more).
//!
//! On SQLite what was read is kept per pooled connection ([`cached`]) with
//! the *actor generation* it was read at (`actor_generation`, a number
//! moved by triggers on every table read here, whoever writes them:
//! migration `2026-12-09-000100_sqlite_actor_generation`). `PRAGMA
//! data_version` (one prepared statement, no table read) tells commits of
//! every other connection, this process's or another's, and the
//! connection's own write transactions mark its cache for a check
//! ([`Cache::recheck`], called by the store's write paths). After a commit
//! the generation is read (one row) and the actors read at another one are
//! dropped. So a `staff.put`, `custom_field.put`, `columns.save`,
//! `staff_role.put` or `tag.put` is seen by the next request, whichever
//! connection wrote it, and a `client.create` makes nobody read their
//! actor again.
//!
//! On PostgreSQL the actor is kept by the process ([`PgActors`]) with the
//! database's *actor generation* it was read at (`actor_generation`, moved
//! by triggers on every table read here, whoever writes them). A request
//! (bulk imports aside) may use the kept actor without reading it
//! ([`guarded`]): the first statement it sends is then guarded by
//! `clientele_actor_fresh(g)` ([`take_guard`], written by
//! `store::prepared`), which fails when the generation moved. The request
//! is then run again with the actor read afresh (`Engine::execute`). A
//! request that sent no guarded statement checks the generation at its end
//! ([`Guarded::Unchecked`]). So a read saves its actor's round trip and is
//! never answered with a stale actor: its first statement's snapshot saw
//! the very generation the actor was read at, as close as the actor's own
//! statement used to be. A write transaction checks again with its own
//! `BEGIN` (the same batch, no round trip: [`take_write_guard`]) unless a
//! write transaction of the request passed the check already; once that
//! check passed the request is never run again, so a write is repeated
//! only when it wrote nothing.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::prepared::Prepared;
use super::{Conn, from_json, with_backend};
use crate::domain::{CustomFieldDef, Id, StaffMember};
use crate::error::Result;
use crate::query::sql::Sql;

#[derive(QueryableByName)]
struct ActorRow {
    #[diesel(embed)]
    staff: super::staff::Row,
    /// The custom fields as a JSON array (by kind, then id).
    #[diesel(sql_type = Text)]
    custom: String,
    /// The actor's chosen columns: a JSON array of `[list, columns]`.
    #[diesel(sql_type = Text)]
    columns: String,
    /// The firm's roles of people in charge, in order: a JSON array of
    /// `[code, label_fr, label_en, builtin]`.
    #[diesel(sql_type = Text)]
    roles: String,
    /// The firm's tags, by code: a JSON array of `[code, name_fr,
    /// name_en, colour, version]`.
    #[diesel(sql_type = Text)]
    tags: String,
    /// The actor generation in the same snapshot (NULL only when its row
    /// is gone).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    generation: Option<i64>,
}

/// What is read with the actor (shared: a cached actor is handed to each
/// request without copying).
pub(crate) struct Actor {
    pub staff: StaffMember,
    pub custom: Arc<Vec<CustomFieldDef>>,
    /// (list, chosen column ids as JSON text).
    pub columns: Arc<Vec<(String, String)>>,
    /// The firm's roles of people in charge (the client lists' fields).
    pub roles: Arc<Vec<crate::domain::StaffRole>>,
    /// The firm's tags (filters by name, grids' tag names).
    pub tags: Arc<Vec<crate::domain::Tag>>,
    /// The actor generation this was read at.
    pub generation: Option<i64>,
    /// Each list's column catalogue with these roles, tags and custom
    /// fields, built when first asked.
    pub catalogues: Arc<crate::query::columns::Catalogues>,
}

/// The actors read on one pooled SQLite connection, each with the
/// generation it was read at, and the database's `data_version` when that
/// generation was last checked (`None`: check it at the next request).
#[derive(Default)]
struct Actors {
    version: Option<i64>,
    by_id: HashMap<Id, Arc<Actor>>,
}

/// The most actors one connection keeps (a host acting for many staff
/// members starts over when it is full).
const CACHED_ACTORS: usize = 64;

/// A pooled connection's actor cache (kept in the pool's per-connection
/// extensions; cloning shares it).
#[derive(Clone, Default)]
pub(crate) struct Cache(Arc<Mutex<Actors>>);

impl Cache {
    /// Checks the generation at the next request: the connection wrote
    /// (its own commits do not change the `data_version` it reads).
    pub(crate) fn recheck(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).version = None;
    }
}

/// The actor generation now (`None`: its row is gone, deleted by hand, so
/// nothing kept is trusted).
fn generation(conn: &mut Conn) -> Result<Option<i64>> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut sql = Sql::new(conn.is_pg());
    sql.push("SELECT n FROM actor_generation");
    let n: Option<N> =
        with_backend!(conn, c => Prepared::<diesel::sql_types::Untyped>::fixed(&sql).get_result(c).optional())?;
    Ok(n.map(|n| n.n))
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    data_version: i64,
}

/// SQLite's `data_version` of the main database: changes whenever another
/// connection (of this process or another) commits a change to it.
fn data_version(c: &mut diesel::SqliteConnection) -> Result<i64> {
    let mut sql = Sql::new(false);
    sql.push("PRAGMA data_version");
    let v: DataVersion = Prepared::<diesel::sql_types::Untyped>::new(&sql).get_result(c)?;
    Ok(v.data_version)
}

/// [`get`], answered from the connection's `cache` while what it reads
/// has not changed since (SQLite; PostgreSQL reads every time): while the
/// database's `data_version` has not moved, with no statement but that
/// pragma; after a commit, while the actor generation has not moved.
///
/// The version is read before the generation and the generation before
/// (or with) the actor, each in its own snapshot: a commit the version
/// missed makes the next request check again, so an actor is never kept
/// past a change (only, at worst, read once more than needed).
///
/// `pg_timeout`: PostgreSQL's session `statement_timeout` (ms) to set with
/// the actor's statement, for the statements after it
/// (`store::session::pg_timeout_with_actor`).
pub(crate) fn cached(
    conn: &mut Conn,
    cache: &Cache,
    id: Id,
    pg_timeout: Option<u128>,
    pg_generic: Option<bool>,
) -> Result<Option<Arc<Actor>>> {
    #[cfg(not(feature = "postgres"))]
    let _ = (pg_timeout, pg_generic);
    let version = match conn {
        super::AnyConnection::Sqlite(c) => data_version(c)?,
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(_) => return Ok(get_timed(conn, id, pg_timeout, pg_generic)?.map(Arc::new)),
    };
    let mut actors = cache.0.lock().unwrap_or_else(|p| p.into_inner());
    if actors.version != Some(version) {
        // Someone committed since the last check: keep the actors read at
        // the generation still current (read after the version, so a
        // change the version missed is seen here or at the next check).
        if !actors.by_id.is_empty() {
            let now = generation(conn)?;
            actors.by_id.retain(|_, a| now.is_some() && a.generation == now);
        }
        actors.version = Some(version);
    }
    if let Some(hit) = actors.by_id.get(&id) {
        return Ok(Some(hit.clone()));
    }
    let Some(actor) = get(conn, id)? else { return Ok(None) };
    let actor = Arc::new(actor);
    if actors.by_id.len() >= CACHED_ACTORS {
        actors.by_id.clear();
    }
    actors.by_id.insert(id, actor.clone());
    Ok(Some(actor))
}

/// The most actors the process keeps on PostgreSQL (it starts over when
/// full): a firm's whole staff, where [`CACHED_ACTORS`] is per connection.
const KEPT_ACTORS: usize = 1024;

/// PostgreSQL: the actors this process read, each with the generation it
/// was read at (shared by every connection of the pool: a kept actor needs
/// no connection of its own).
#[derive(Default)]
pub(crate) struct PgActors(Mutex<HashMap<Id, Arc<Actor>>>);

impl PgActors {
    /// The actor `id` as last read, if it carries a generation.
    pub(crate) fn get(&self, id: Id) -> Option<Arc<Actor>> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.get(&id).filter(|a| a.generation.is_some()).cloned()
    }

    /// Keeps an actor just read.
    pub(crate) fn keep(&self, id: Id, actor: &Arc<Actor>) {
        if actor.generation.is_none() {
            return;
        }
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= KEPT_ACTORS && !kept.contains_key(&id) {
            kept.clear();
        }
        kept.insert(id, actor.clone());
    }

    /// Forgets the actor `id` (found stale).
    pub(crate) fn forget(&self, id: Id) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }

    /// Forgets every actor (the server was lost: what comes back may be
    /// another database, a restored one).
    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Where the running request stands with the generation of a kept actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guard {
    /// No kept actor in use.
    Off,
    /// A kept actor read at this generation, no statement guarded yet.
    Pending(i64),
    /// A statement was sent guarded.
    Sent(i64),
    /// A statement was sent guarded, and a statement failed since, for
    /// another reason, which its op may have made nothing of: the check may
    /// not have run.
    Doubtful(i64),
    /// A write transaction began with the check passed (its `BEGIN`
    /// carried it, [`take_write_guard`]): the request writes on this actor
    /// and is never run again, whatever fails later.
    Confirmed(i64),
    /// A guarded statement failed: the generation moved.
    Stale,
}

thread_local! {
    static GUARD: Cell<Guard> = const { Cell::new(Guard::Off) };
}

/// How a request run with a kept actor ended ([`guarded`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guarded {
    /// A guarded statement ran and found the generation unchanged.
    Fresh,
    /// A guarded statement found the generation moved: run it again.
    Stale,
    /// No statement was guarded (the request sent none that could be):
    /// check the generation before answering.
    Unchecked(i64),
}

/// Runs `f` (one request) with the kept actor read at `generation`: the
/// first statement it sends is guarded ([`take_guard`]). Nesting-safe.
pub(crate) fn guarded<T>(generation: i64, f: impl FnOnce() -> T) -> (T, Guarded) {
    struct Restore(Guard);
    impl Drop for Restore {
        fn drop(&mut self) {
            GUARD.with(|g| g.set(self.0));
        }
    }
    let _restore = Restore(GUARD.with(|g| g.replace(Guard::Pending(generation))));
    let out = f();
    let how = match GUARD.with(Cell::get) {
        Guard::Sent(_) | Guard::Confirmed(_) => Guarded::Fresh,
        Guard::Stale => Guarded::Stale,
        Guard::Pending(g) | Guard::Doubtful(g) => Guarded::Unchecked(g),
        // Not reached: `f` runs with a guard set.
        Guard::Off => Guarded::Unchecked(generation),
    };
    (out, how)
}

/// The generation the next statement sent must be guarded with, taken
/// (the request's first statement that can carry it: a `SELECT` on
/// PostgreSQL, `store::prepared`).
pub(crate) fn take_guard() -> Option<i64> {
    GUARD.with(|g| match g.get() {
        Guard::Pending(n) => {
            g.set(Guard::Sent(n));
            Some(n)
        }
        _ => None,
    })
}

/// The message `clientele_actor_fresh` fails with (migration
/// `2026-12-08-000100_actor_generation`).
pub(crate) const STALE_MESSAGE: &str = "clientele: the actor changed since it was read";

/// Called on every storage error: a guarded statement that failed because
/// the generation moved marks the request stale, whatever the op makes of
/// its error afterwards; any other failure after the guarded statement was
/// sent leaves the check in doubt (that statement may be the one that
/// failed, before its check ran), to be settled at the request's end.
pub(crate) fn note_error(message: &str) {
    GUARD.with(|g| match g.get() {
        // Written: nothing sends the request round again (and no guarded
        // statement is sent after this, whatever an error's text says).
        Guard::Off | Guard::Confirmed(_) => {}
        _ if message.contains(STALE_MESSAGE) => g.set(Guard::Stale),
        Guard::Sent(n) => g.set(Guard::Doubtful(n)),
        Guard::Pending(_) | Guard::Doubtful(_) | Guard::Stale => {}
    });
}

/// PostgreSQL: whether the actor generation is still `generation` (one
/// statement, for a request that sent no guarded statement).
pub(crate) fn still_fresh(conn: &mut Conn, seen: i64) -> Result<bool> {
    // No row (deleted by hand): stale; the actor read next carries no
    // generation and is not kept.
    Ok(generation(conn)? == Some(seen))
}

/// PostgreSQL: the generation a write transaction about to begin must
/// check with its `BEGIN` (no round trip of its own: `store::Db::write`
/// sends `SELECT clientele_actor_fresh(g)` in the same batch), when the
/// request runs on a kept actor whose check no write transaction has
/// passed yet. Checked again even when a guarded read passed it (the
/// batch costs nothing more), so that a write never commits on a check
/// in doubt. Refuses when a check already failed: the request is to be
/// run again, and writes nothing now.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn take_write_guard() -> Result<Option<i64>> {
    GUARD.with(|g| match g.get() {
        Guard::Pending(n) | Guard::Sent(n) | Guard::Doubtful(n) => {
            g.set(Guard::Sent(n));
            Ok(Some(n))
        }
        Guard::Off | Guard::Confirmed(_) => Ok(None),
        Guard::Stale => Err(crate::error::Error::storage(STALE_MESSAGE)),
    })
}

/// Runs `f`, work that depends on no actor (the sweep of expired
/// transfers), outside the running request's guard: its statements
/// neither carry nor spend the kept actor's check, which stays for the
/// request's own (so that a write transaction of the sweep does not pass
/// the check for the request's write after it).
pub(crate) fn unguarded<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(Guard);
    impl Drop for Restore {
        fn drop(&mut self) {
            GUARD.with(|g| g.set(self.0));
        }
    }
    let _restore = Restore(GUARD.with(|g| g.replace(Guard::Off)));
    f()
}

/// The `BEGIN` that carried [`take_write_guard`]'s check succeeded: the
/// request now writes, and no later failure sends it round again.
pub(crate) fn confirm_write_guard() {
    GUARD.with(|g| {
        if let Guard::Sent(n) = g.get() {
            g.set(Guard::Confirmed(n));
        }
    });
}

/// One custom field as the statement writes it (`required`: 0/1 on SQLite,
/// a boolean on PostgreSQL).
#[derive(serde::Deserialize)]
struct CustomJson {
    kind: String,
    key: String,
    label_fr: String,
    label_en: String,
    field_type: String,
    choices: String,
    required: serde_json::Value,
}

/// The statement's text for one backend.
fn text(pg: bool) -> &'static str {
    static SQLITE: OnceLock<String> = OnceLock::new();
    static PG: OnceLock<String> = OnceLock::new();
    let cols = "s.id AS id, s.name AS name, s.initials AS initials, s.email AS email, s.office AS office, \
                s.active AS active, s.rights AS rights, s.created_at AS created_at, s.updated_at AS updated_at, \
                s.version AS version";
    let fields = "'kind', kind, 'key', key, 'label_fr', label_fr, 'label_en', label_en, \
                  'field_type', field_type, 'choices', choices, 'required', required";
    if pg {
        PG.get_or_init(|| {
            format!(
                "SELECT {cols}, (SELECT COALESCE(json_agg(json_build_object({fields}) ORDER BY kind, id), '[]')::text \
                 FROM custom_fields) AS custom, (SELECT COALESCE(json_agg(json_build_array(list, columns)), '[]')::text \
                 FROM chosen_columns WHERE staff_id = s.id) AS columns, (SELECT COALESCE(json_agg(json_build_array(code, \
                 label_fr, label_en, builtin) ORDER BY position, code), '[]')::text FROM staff_roles) AS roles, \
                 (SELECT COALESCE(json_agg(json_build_array(code, name_fr, name_en, colour, version) ORDER BY code), \
                 '[]')::text FROM tags) AS tags, (SELECT n FROM actor_generation) AS generation FROM staff s WHERE s.id = "
            )
        })
    } else {
        SQLITE.get_or_init(|| {
            format!(
                "SELECT {cols}, (SELECT json_group_array(json_object({fields})) FROM \
                 (SELECT * FROM custom_fields ORDER BY kind, id)) AS custom, (SELECT json_group_array(json_array(list, columns)) \
                 FROM chosen_columns WHERE staff_id = s.id) AS columns, (SELECT json_group_array(json_array(code, label_fr, \
                 label_en, builtin)) FROM (SELECT * FROM staff_roles ORDER BY position, code)) AS roles, \
                 (SELECT json_group_array(json_array(code, name_fr, name_en, colour, version)) FROM \
                 (SELECT * FROM tags ORDER BY code)) AS tags, (SELECT n FROM actor_generation) AS generation \
                 FROM staff s WHERE s.id = "
            )
        })
    }
}

/// The staff member `id` (`None`: no such member), the firm's custom
/// fields and the member's chosen columns.
pub(crate) fn get(conn: &mut Conn, id: Id) -> Result<Option<Actor>> {
    get_timed(conn, id, None, None)
}

/// [`get`], on PostgreSQL also setting the session's `statement_timeout`
/// to `pg_timeout` ms for the statements after it (`set_config` in the
/// same statement: no round trip of its own), and its `plan_cache_mode`
/// to generic (`Some(true)`) or `auto` (`Some(false)`). Set only when the
/// staff member exists (the row carries it).
fn get_timed(conn: &mut Conn, id: Id, pg_timeout: Option<u128>, pg_generic: Option<bool>) -> Result<Option<Actor>> {
    let pg = conn.is_pg();
    let mut sql = Sql::new(pg);
    let (timeout, plans) = if pg { (pg_timeout, pg_generic) } else { (None, None) };
    if timeout.is_none() && plans.is_none() {
        sql.push(text(pg)).bind_int(id);
    } else {
        sql.push("SELECT ");
        if let Some(ms) = timeout {
            sql.push("set_config('statement_timeout', ").bind_text(ms.to_string()).push(", false) AS timeout_set, ");
        }
        if let Some(generic) = plans {
            sql.push("set_config('plan_cache_mode', ")
                .bind_text(super::session::plan_mode(generic).to_string())
                .push(", false) AS plans_set, ");
        }
        sql.push(&text(pg)["SELECT ".len()..]).bind_int(id);
    }
    let row: Option<ActorRow> =
        with_backend!(conn, c => Prepared::<diesel::sql_types::Untyped>::new(&sql).get_result(c).optional())?;
    let Some(row) = row else { return Ok(None) };
    let custom: Vec<CustomJson> = from_json(&row.custom, "custom fields")?;
    let custom = custom
        .into_iter()
        .map(|c| {
            let required = match c.required {
                serde_json::Value::Bool(b) => b,
                serde_json::Value::Number(n) => n.as_i64() != Some(0),
                _ => false,
            };
            super::interactions::custom_def((c.kind, c.key, c.label_fr, c.label_en, c.field_type, c.choices, required))
        })
        .collect::<Result<Vec<_>>>()?;
    let columns: Vec<(String, String)> = from_json(&row.columns, "chosen columns")?;
    // `builtin`: 0/1 on SQLite, a boolean on PostgreSQL.
    let roles: Vec<(String, String, String, serde_json::Value)> = from_json(&row.roles, "roles")?;
    let roles = roles
        .into_iter()
        .map(|(code, label_fr, label_en, builtin)| crate::domain::StaffRole {
            code,
            label_fr,
            label_en,
            builtin: builtin.as_bool().unwrap_or_else(|| builtin.as_i64().is_some_and(|n| n != 0)),
        })
        .collect();
    let tags: Vec<(String, String, String, String, i64)> = from_json(&row.tags, "tags")?;
    let tags = tags
        .into_iter()
        .map(|(code, name_fr, name_en, colour, version)| crate::domain::Tag { code, name_fr, name_en, colour, version })
        .collect();
    Ok(Some(Actor {
        staff: super::staff::member(row.staff)?,
        custom: Arc::new(custom),
        columns: Arc::new(columns),
        roles: Arc::new(roles),
        tags: Arc::new(tags),
        generation: row.generation,
        catalogues: Arc::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How a request on a kept actor ends, from what its statements did.
    #[test]
    fn a_request_is_fresh_only_when_its_checked_statement_did_not_fail() {
        let other = "relation \"clients\" does not exist";
        let stale = format!("ERROR: {STALE_MESSAGE}");
        // Nothing guarded: checked at the end.
        assert_eq!(guarded(3, || ()).1, Guarded::Unchecked(3));
        // Guarded and nothing failed.
        assert_eq!(guarded(3, take_guard).1, Guarded::Fresh);
        // The check failed: stale, whatever happened next.
        assert_eq!(
            guarded(3, || {
                take_guard();
                note_error(&stale);
                note_error(other);
            })
            .1,
            Guarded::Stale
        );
        // Another failure after the guarded statement was sent: the check
        // may not have run.
        assert_eq!(
            guarded(3, || {
                take_guard();
                note_error(other);
            })
            .1,
            Guarded::Unchecked(3)
        );
        // A failure before any statement was guarded, then a guarded one.
        assert_eq!(
            guarded(3, || {
                note_error(other);
                take_guard();
            })
            .1,
            Guarded::Fresh
        );
        // Outside a request on a kept actor nothing is taken or marked,
        // and a nested request leaves the outer one's state as it was.
        note_error(&stale);
        assert_eq!(take_guard(), None);
        let (inner, outer) = guarded(5, || guarded(6, take_guard));
        assert_eq!(inner, (Some(6), Guarded::Fresh));
        assert_eq!(outer, Guarded::Unchecked(5));
    }

    /// A write transaction's `BEGIN` checks the kept actor itself, and once
    /// it passed, nothing sends the request round again (it wrote).
    #[test]
    fn a_write_commits_only_on_a_check_its_own_begin_passed() {
        let other = "connection reset";
        let stale = format!("ERROR: {STALE_MESSAGE}");
        assert_eq!(guarded(3, || take_write_guard().unwrap()), (Some(3), Guarded::Fresh));
        // A guarded read passed it: checked again at `BEGIN`; confirmed
        // there, a later failure leaves it fresh.
        let checked = guarded(3, || {
            take_guard();
            let g = take_write_guard().unwrap();
            confirm_write_guard();
            note_error(other);
            g
        });
        assert_eq!(checked, (Some(3), Guarded::Fresh));
        // The `BEGIN` failed otherwise: in doubt, checked at the end.
        assert_eq!(
            guarded(3, || {
                take_write_guard().unwrap();
                note_error(other);
            })
            .1,
            Guarded::Unchecked(3)
        );
        // A guarded read in doubt: the write's `BEGIN` checks again.
        let again = guarded(3, || {
            take_guard();
            note_error(other);
            take_write_guard().unwrap()
        });
        assert_eq!(again.0, Some(3));
        // Stale at `BEGIN`: a second write transaction is refused outright.
        let refused = guarded(3, || {
            take_write_guard().unwrap();
            note_error(&stale);
            take_write_guard().is_err()
        });
        assert_eq!(refused, (true, Guarded::Stale));
        // Confirmed: a second transaction of the request is not checked.
        let second = guarded(3, || {
            take_write_guard().unwrap();
            confirm_write_guard();
            take_write_guard().unwrap()
        });
        assert_eq!(second, (None, Guarded::Fresh));
        // Confirmed: an error that reads as stale later changes nothing.
        let written = guarded(3, || {
            take_write_guard().unwrap();
            confirm_write_guard();
            note_error(&stale);
        });
        assert_eq!(written.1, Guarded::Fresh);
        // Work outside the guard neither carries nor spends the check.
        let swept = guarded(3, || {
            let inside = unguarded(|| {
                let w = take_write_guard().unwrap();
                confirm_write_guard();
                (w, take_guard())
            });
            (inside, take_write_guard().unwrap())
        });
        assert_eq!(swept, (((None, None), Some(3)), Guarded::Fresh));
        // Outside a request on a kept actor: nothing to check.
        assert_eq!(take_write_guard().unwrap(), None);
    }
}
