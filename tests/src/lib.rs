//! Test fixtures: an engine on a fresh SQLite file or a fresh PostgreSQL
//! schema, a pinned clock, and a macro that runs the same test body on both.
//!
//! PostgreSQL comes from `CLIENTELE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Each test gets its own
//! schema, dropped afterwards. When the server is unreachable the
//! PostgreSQL tests are skipped through [`skip_or_fail`]: they fail under CI
//! (`CI=true`), and elsewhere the skip is listed at the end of `scripts/test`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use clientele_core::domain::{Id, Rights, StaffData, StaffPatch};
use clientele_core::protocol::{Actor, Request, Response};
use clientele_core::time::Clock;
use clientele_core::{Engine, EngineConfig, Operation, op};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A clock the test moves by hand.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        TestClock(Arc::new(Mutex::new(t)))
    }
    pub fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
    pub fn get(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.get()
    }
}

/// The pinned start of every test: a Friday at 14:30 in Toronto.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 19, 30, 0).unwrap()
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test and removed after it.
pub enum Place {
    Sqlite(PathBuf),
    Postgres { base: String, schema: String },
}

impl Place {
    pub fn url(&self) -> String {
        match self {
            Place::Sqlite(p) => format!("sqlite:{}", p.display()),
            Place::Postgres { base, schema } => {
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}options=-csearch_path%3D{schema}")
            }
        }
    }

    /// Runs raw SQL on the test database, outside the engine (to simulate
    /// what the engine cannot do, e.g. a newer schema).
    pub fn raw_sql(&self, sql: &str) {
        match self {
            Place::Sqlite(p) => {
                let mut c = diesel::SqliteConnection::establish(&p.display().to_string()).unwrap();
                c.batch_execute(sql).unwrap();
            }
            Place::Postgres { .. } => {
                let mut c = PgConnection::establish(&self.url()).unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }
}

impl Place {
    /// `SELECT COUNT(*) FROM {from}` on the test database, outside the
    /// engine (`from`: a table, with a `WHERE` if wanted; the test's own
    /// SQL).
    pub fn count(&self, from: &str) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = format!("SELECT COUNT(*) AS n FROM {from}");
        let n: Vec<N> = match self {
            Place::Sqlite(p) => {
                let mut c = diesel::SqliteConnection::establish(&p.display().to_string()).unwrap();
                diesel::sql_query(sql).load(&mut c).unwrap()
            }
            Place::Postgres { .. } => {
                let mut c = PgConnection::establish(&self.url()).unwrap();
                diesel::sql_query(sql).load(&mut c).unwrap()
            }
        };
        n[0].n
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        match self {
            Place::Sqlite(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Place::Postgres { base, schema } => {
                if let Ok(mut c) = PgConnection::establish(base) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// The PostgreSQL server tests use.
pub fn pg_base_url() -> String {
    std::env::var("CLIENTELE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Is this a CI run (`CI=true` or `CI=1`)? There nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Where skips are recorded: `CLIENTELE_SKIP_LOG`, else
/// `<target dir>/clientele-skipped.log` (the target directory is the first
/// ancestor of the test binary holding `CACHEDIR.TAG`).
pub fn skip_log() -> PathBuf {
    if let Some(path) = std::env::var_os("CLIENTELE_SKIP_LOG") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let target = exe.ancestors().find(|d| d.join("CACHEDIR.TAG").exists()).map(|d| d.to_path_buf());
    target.unwrap_or_else(std::env::temp_dir).join("clientele-skipped.log")
}

/// The one way a test skips for want of a tool or a server: under CI it
/// panics with `reason` (a CI run cannot pass by not running); elsewhere it
/// prints `SKIPPED: reason` and appends a line to [`skip_log`], which
/// `scripts/test` prints as a "skipped:" summary after the run. The caller
/// then returns.
pub fn skip_or_fail(reason: &str) {
    if under_ci() {
        panic!("required under CI (CI=true): {reason}");
    }
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let binary = binary.rsplit_once('-').map_or(binary.as_str(), |(name, _hash)| name).to_string();
    println!("SKIPPED: {reason}");
    eprintln!("SKIPPED: {reason}");
    use std::io::Write;
    let line = format!("{binary} {test}: {reason}\n");
    let log = skip_log();
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        eprintln!("cannot record the skip in {}: {e}", log.display());
    }
}

/// A fresh place on `backend`, or `None` (skip, through [`skip_or_fail`])
/// when PostgreSQL is unreachable outside CI.
pub fn place(backend: Backend) -> Option<Place> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("clientele-tests");
            std::fs::create_dir_all(&dir).unwrap();
            Some(Place::Sqlite(dir.join(format!("{}.db", unique("t")))))
        }
        Backend::Postgres => {
            let base = pg_base_url();
            match PgConnection::establish(&base) {
                Ok(mut c) => {
                    let schema = unique("t");
                    c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
                    Some(Place::Postgres { base, schema })
                }
                Err(e) => {
                    skip_or_fail(&format!(
                        "PostgreSQL at {base} is unreachable ({e}); start it or set CLIENTELE_TEST_PG_URL"
                    ));
                    None
                }
            }
        }
    }
}

/// An engine on a fresh database, a pinned clock, and an all-rights staff
/// member ("Hélène D'Amours").
pub struct Fixture {
    pub engine: Engine,
    pub clock: TestClock,
    pub admin: Id,
    pub backend: Backend,
    pub place: Place,
}

impl Fixture {
    pub fn new(backend: Backend) -> Option<Fixture> {
        Fixture::with_config(backend, |_| {})
    }

    pub fn with_config(backend: Backend, tweak: impl FnOnce(&mut EngineConfig)) -> Option<Fixture> {
        let place = place(backend)?;
        let mut config = EngineConfig::new(place.url());
        tweak(&mut config);
        let clock = TestClock::at(epoch());
        let engine = Engine::open_with_clock(config, Arc::new(clock.clone())).expect("engine opens");
        let admin = match engine.run(
            Actor::HOST,
            op::StaffPut { id: None, version: None, staff: staff("Hélène D'Amours", "HDA", Rights::all()) },
        ) {
            Ok(s) => s.id,
            Err(clientele_core::Error::NotLicensed) => 0,
            Err(e) => panic!("cannot create admin: {e:?}"),
        };
        Some(Fixture { engine, clock, admin, backend, place })
    }

    /// Runs a request as a staff member.
    pub fn run(&self, actor: Id, request: Request) -> clientele_core::Result<Response> {
        self.engine.execute(Actor::Staff(actor), request)
    }

    /// Runs a typed operation as a staff member: answers the op's own type.
    pub fn call<O: Operation>(&self, actor: Id, op: O) -> clientele_core::Result<O::Output> {
        self.engine.run(Actor::Staff(actor), op)
    }

    /// Adds a staff member with these rights.
    pub fn staff(&self, name: &str, rights: Rights) -> Id {
        self.engine
            .run(Actor::HOST, op::StaffPut { id: None, version: None, staff: staff(name, "XX", rights) })
            .unwrap()
            .id
    }
}

/// A staff member for `staff.put` (a full patch: every field set).
pub fn staff(name: &str, initials: &str, rights: Rights) -> StaffPatch {
    StaffData { name: name.into(), initials: initials.into(), email: None, office: None, active: true, rights }.into()
}

/// Runs the listed test bodies (`fn(&Fixture)`) once on SQLite and once on
/// PostgreSQL, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let f = $crate::Fixture::new($crate::Backend::Sqlite).expect("SQLite is always there");
                    super::$name(&f);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(f) = $crate::Fixture::new($crate::Backend::Postgres) {
                        super::$name(&f);
                    }
                }
            )*
        }
    };
}

/// How much a bulk load writes.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub clients: u32,
    pub contacts: u32,
    pub interactions: u32,
    pub transfers: u32,
}

const BULK_LAST: &[&str] = &[
    "Tremblay",
    "Côté",
    "D'Amours",
    "Gagnon-Roy",
    "Lévesque",
    "Bélanger",
    "O'Neil",
    "Thériault",
    "St-Pierre",
    "Bouchard",
    "Pelletier",
    "Bergeron",
    "Lefebvre-Morin",
    "Fournier",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Roy",
    "Gagné",
    "Ouellet",
];
const BULK_FIRST: &[&str] = &[
    "Hélène",
    "Jean-François",
    "Marie-Ève",
    "Zoé",
    "Noémie",
    "Éloïse",
    "François",
    "Anaïs",
    "Réjean",
    "Ginette",
    "André",
];

/// `CASE <expr> % n WHEN 0 THEN '<v0>' ... END`, SQL-quoted (the values are
/// this file's constants).
fn pick_sql(expr: &str, values: &[String]) -> String {
    let mut s = format!("CASE {expr} % {} ", values.len());
    for (i, v) in values.iter().enumerate() {
        s.push_str(&format!("WHEN {i} THEN '{}' ", v.replace('\'', "''")));
    }
    s.push_str("END");
    s
}

/// Fills the fixture's database with SQL (fast: no engine round trips) at
/// firm size, with the derived columns the engine would write (folded
/// names, keyword text), then updates the planner's statistics. Staff member
/// `f.admin` is the author of everything. Interactions are spread one every
/// ten minutes back from now; every fifth transfer is open.
pub fn bulk_load(f: &Fixture, sizes: Sizes) {
    let a = f.admin;
    let pg = f.backend == Backend::Postgres;
    let series = |n: u32, select: &str, into: &str| {
        if pg {
            format!("INSERT INTO {into} {select} FROM generate_series(1::bigint, {n}) AS s(i);")
        } else {
            format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) INSERT INTO {into} {select} FROM s;"
            )
        }
    };
    let fold = clientele_core::text::fold;
    let last: Vec<String> = BULK_LAST.iter().map(|s| s.to_string()).collect();
    let last_fold: Vec<String> = BULK_LAST.iter().map(|s| fold(s)).collect();
    let last_words: Vec<String> = BULK_LAST.iter().map(|s| clientele_core::text::search_words(s).join(" ")).collect();
    let first: Vec<String> = BULK_FIRST.iter().map(|s| s.to_string()).collect();
    let first_fold: Vec<String> = BULK_FIRST.iter().map(|s| fold(s)).collect();
    let first_words: Vec<String> = BULK_FIRST.iter().map(|s| clientele_core::text::search_words(s).join(" ")).collect();
    let (l, lf, lw) = (pick_sql("i", &last), pick_sql("i", &last_fold), pick_sql("i", &last_words));
    let (fi, ff, fw) =
        (pick_sql("(i / 20)", &first), pick_sql("(i / 20)", &first_fold), pick_sql("(i / 20)", &first_words));
    let now = f.clock.get().timestamp_millis();
    let mut sql = String::new();
    sql.push_str(&series(
        sizes.clients,
        &format!(
            "SELECT 'C' || i, 'c' || i, {l} || ', ' || {fi}, {lf} || ', ' || {ff}, \
             CASE WHEN i % 4 = 0 THEN 'business' ELSE 'individual' END, \
             CASE WHEN i % 7 = 0 THEN 'inactive' ELSE 'active' END, \
             CASE WHEN i % 3 = 0 THEN 'Québec' ELSE 'Montréal' END, CASE WHEN i % 3 = 0 THEN 'quebec' ELSE 'montreal' END, \
             '[{{\"kind\":\"business\",\"number\":\"(514) 555-' || (1000 + i % 9000) || '\",\"primary\":true,\"digits\":\"514555' || (1000 + i % 9000) || '\"}}]', \
             '[]', {a}, {now}, {a}, {now}, 1, \
             'c' || i || ' ' || {lw} || ' ' || {fw} || ' 1514555' || (1000 + i % 9000) || ' 514555' || (1000 + i % 9000) || ' 555' || (1000 + i % 9000)"
        ),
        "clients (code, code_key, name, name_fold, kind, status, office, office_fold, phones, emails, created_by, created_at, updated_by, updated_at, version, search_text)",
    ));
    sql.push_str(&series(
        sizes.contacts,
        &format!(
            "SELECT {fi}, {l}, {l} || ', ' || {fi}, {lf} || ', ' || {ff}, '[]', '[]', {a}, {now}, {a}, {now}, 1, {lw} || ' ' || {fw}"
        ),
        "contacts (first_name, last_name, file_as, file_as_fold, phones, emails, created_by, created_at, updated_by, updated_at, version, search_text)",
    ));
    sql.push_str(&series(
        sizes.contacts,
        &format!(
            "SELECT 1 + (i % {}), i, CASE WHEN i <= {} THEN 'primary' ELSE 'additional' END, {a}, {now}",
            sizes.clients, sizes.clients
        ),
        "contact_links (client_id, contact_id, role, created_by, created_at)",
    ));
    sql.push_str(&series(
        sizes.interactions,
        &format!(
            "SELECT CASE i % 4 WHEN 0 THEN 'note' WHEN 1 THEN 'phone_call' WHEN 2 THEN 'phone_message' ELSE 'email' END, \
             {now} - i * 600000, 1 + (i % {c}), 1 + (i % {p}), {a}, 'Suivi du dossier ' || i, 'Discussion des acomptes provisionnels', '{{}}', \
             {a}, {now}, {a}, {now}, 1, 'suivi du dossier ' || i, '{{}}', 'suivi du dossier ' || i || ' discussion des acomptes provisionnels'",
            c = sizes.clients,
            p = sizes.contacts.max(1)
        ),
        "interactions (kind, occurred_at, client_id, contact_id, staff_id, subject, body, custom, created_by, created_at, updated_by, updated_at, version, subject_fold, custom_fold, search_text)",
    ));
    sql.push_str(&series(
        sizes.transfers,
        &format!(
            "SELECT 'sent_to_contact', CASE WHEN i % 5 = 0 THEN 'ready_for_download' ELSE 'complete' END, {a}, 1 + (i % {p}), 1 + ((i % {p}) % {c}), \
             'Envoi ' || i, '', false, '[]', {now} - i * 3600000, {now} + 86400000, {a}, {now}, {a}, {now}, 1, 'envoi ' || i, 'envoi ' || i",
            c = sizes.clients,
            p = sizes.contacts.min(sizes.clients).max(1)
        ),
        "transfers (direction, status, from_staff, to_contact, client_id, subject, message, signature_required, files, sent_at, expires_at, created_by, created_at, updated_by, updated_at, version, subject_fold, search_text)",
    ));
    match f.place {
        Place::Sqlite(_) => sql.push_str("ANALYZE;"),
        // This schema's tables only: a bare `ANALYZE` takes every table of
        // the database, those of other tests' schemas too, and two tests
        // loading at once deadlocked on each other's tables.
        Place::Postgres { .. } => sql.push_str(
            "DO $$ DECLARE t text; BEGIN \
             FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename \
             LOOP EXECUTE format('ANALYZE %I', t); END LOOP; END $$;",
        ),
    }
    f.place.raw_sql(&sql);
}

/// A small xorshift generator: reproducible test data without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    /// True `pct` times in a hundred.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }
}

/// A statement the engine ran, as [`watch_statements`] reports it.
#[derive(Debug, Clone, Copy)]
pub enum Watched<'a> {
    /// A statement starts: its text (diesel's debug text ends with
    /// `-- binds: […]`; the engine's own page reads give the text alone).
    Started(&'a str),
    /// A statement's text was prepared for its connection to keep.
    Cached(&'a str),
}

/// Watches every statement the process runs from now on (the fixtures'
/// included), on the thread that runs it: diesel's, through its
/// instrumentation on every connection made from now on, and the list
/// pages SQLite reads outside diesel (`clientele_core::own_reads`). Once
/// per process (a test binary): later calls do nothing.
pub fn watch_statements(on_event: fn(Watched<'_>)) {
    // diesel takes a plain function: the handler waits in a static.
    static HANDLER: std::sync::OnceLock<fn(Watched<'_>)> = std::sync::OnceLock::new();
    fn diesel_event(e: diesel::connection::InstrumentationEvent<'_>) {
        let Some(handler) = HANDLER.get() else { return };
        match e {
            diesel::connection::InstrumentationEvent::StartQuery { query, .. } => {
                handler(Watched::Started(&query.to_string()))
            }
            diesel::connection::InstrumentationEvent::CacheQuery { sql, .. } => handler(Watched::Cached(sql)),
            _ => {}
        }
    }
    fn own_read(text: &str, cached_now: bool) {
        let Some(handler) = HANDLER.get() else { return };
        if cached_now {
            handler(Watched::Cached(text));
        }
        handler(Watched::Started(text));
    }
    fn make() -> Option<Box<dyn diesel::connection::Instrumentation>> {
        HANDLER.get()?;
        Some(Box::new(diesel_event as fn(diesel::connection::InstrumentationEvent<'_>)))
    }
    if HANDLER.set(on_event).is_ok() {
        diesel::connection::set_default_instrumentation(make).expect("instrumentation set");
        clientele_core::own_reads::watch(own_read);
    }
}
