//! Runs the cases: engine (typed, then JSON) and baseline interleaved run
//! by run, after warm-ups; medians and 95th percentiles.

use std::ffi::{CStr, CString, c_char};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientele_core::Engine;
use clientele_core::domain::{ClientData, InteractionData};
use clientele_core::protocol::{Actor, Request as R, Response};
use clientele_dashboard::{DashboardTarget, Dashboards, TileStatus};
use clientele_portlet_api::Locale;
use clientele_tests::Backend;
use serde_json::json;

use crate::cases::{Base, Case, Side};
use crate::load::Db;
use crate::raw::{P, Raw};

/// Everything a run needs, opened once per backend.
pub struct Bench {
    pub engine: Arc<Engine>,
    pub dashboards: Dashboards,
    ffi: *mut clientele::ClienteleEngine,
    pub raw: Raw,
    pub admin: i64,
    pub pg: bool,
    n: u64,
    /// PostgreSQL: the database's URL and the records the engine's writes
    /// made (client ids, interaction ids), removed when the run ends.
    pg_url: Option<String>,
    written: (Vec<i64>, Vec<i64>),
}

impl Bench {
    pub fn new(db: &Db) -> Bench {
        let engine = Arc::new(crate::load::open_engine(&db.url));
        let dashboards = Dashboards::new(engine.clone());
        let config =
            CString::new(serde_json::to_string(&clientele_core::EngineConfig::new(db.url.clone())).unwrap()).unwrap();
        let mut ffi = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        // SAFETY: valid C string and out pointers.
        let st = unsafe { clientele::clientele_engine_open(config.as_ptr(), &mut ffi, &mut err) };
        assert_eq!(st as i32, 0, "clientele_engine_open");
        let pg = db.backend == Backend::Postgres;
        // The engine's default durability is `full`: the baseline's too.
        let raw = match &db.path {
            Some(p) => Raw::sqlite(&p.display().to_string(), true),
            None => Raw::postgres(&db.url, true),
        };
        let pg_url = pg.then(|| db.url.clone());
        Bench { engine, dashboards, ffi, raw, admin: db.admin, pg, n: 0, pg_url, written: Default::default() }
    }

    /// Runs the engine side; answers the ids of the page (lists) or a size.
    pub fn engine(&mut self, side: &Side) -> Vec<i64> {
        let me = Actor::Staff(self.admin);
        match side {
            Side::Request(r) => ids(&self.engine.execute(me, (**r).clone()).expect("engine answers")),
            Side::Dashboard(which) => {
                let target = match which {
                    None => DashboardTarget::Staff,
                    Some(0) => DashboardTarget::Firm,
                    Some(id) => DashboardTarget::Client { client_id: *id },
                };
                let v = self.dashboards.render(self.admin, target, None, Locale::Fr).expect("dashboard renders");
                // A failed tile (a timeout) would time an error: refused.
                assert!(
                    !v.placement.iter().any(|(_, s)| *s == TileStatus::Failed),
                    "a dashboard tile failed: {:?}",
                    v.tiles
                );
                v.placement.iter().map(|(c, _)| *c as i64).collect()
            }
            Side::Ffi(json) => {
                let req = CString::new(json.as_str()).unwrap();
                let mut out: *mut c_char = std::ptr::null_mut();
                // SAFETY: a live handle, valid strings, freed once.
                unsafe {
                    let st = clientele::clientele_execute(self.ffi, req.as_ptr(), &mut out);
                    assert_eq!(st as i32, 0, "{}", CStr::from_ptr(out).to_string_lossy());
                    let len = CStr::from_ptr(out).to_bytes().len();
                    clientele::clientele_string_free(out);
                    vec![len as i64]
                }
            }
            Side::ClientCreate => {
                self.n += 1;
                let data = ClientData::new(
                    format!("B{}-{}", std::process::id(), self.n),
                    format!("Lévesque-Côté, Zoé {}", self.n),
                );
                let ids = ids(&self.engine.execute(me, R::ClientCreate { data }).unwrap());
                self.written.0.extend(&ids);
                ids
            }
            Side::InteractionCreate => {
                self.n += 1;
                let mut data =
                    InteractionData::note(clientele_tests::epoch(), format!("Relance du dossier {}", self.n));
                data.client_id = Some(42);
                data.staff_id = Some(self.admin);
                let ids = ids(&self.engine.execute(me, R::InteractionCreate { data }).unwrap());
                self.written.1.extend(&ids);
                ids
            }
        }
    }

    /// The same request through `execute_json`.
    pub fn json(&mut self, side: &Side) {
        if let Side::Request(r) = side {
            let mut v = serde_json::to_value(r).unwrap();
            v["actor"] = json!(self.admin);
            let out = self.engine.execute_json(&v.to_string()).expect("engine answers");
            std::hint::black_box(out);
        }
    }

    pub fn base(&mut self, base: &Base) -> Vec<i64> {
        match base {
            Base::Query(sql, params) => {
                self.raw.query(sql, params).iter().map(|r| r.first().and_then(|v| v.int()).unwrap_or(-1)).collect()
            }
            Base::Typed(r) => ids(&self.engine.execute(Actor::Staff(self.admin), (**r).clone()).unwrap()),
            Base::InsertClient => {
                self.n += 1;
                let n = self.n;
                let a = self.admin;
                self.raw.query(if self.pg { "BEGIN" } else { "BEGIN IMMEDIATE" }, &[]);
                self.raw.query(
                    "INSERT INTO clients (code, code_key, name, name_fold, kind, status, phones, emails, created_by, created_at, updated_by, updated_at, version, search_text) \
                     VALUES (?, ?, ?, ?, 'individual', 'active', '[]', '[]', ?, 0, ?, 0, 1, ?)",
                    &[
                        P::T(format!("R{}-{n}", std::process::id())),
                        P::T(format!("r{}-{n}", std::process::id())),
                        P::T(format!("Lévesque-Côté, Zoé {n}")),
                        P::T(format!("levesque-cote, zoe {n}")),
                        P::I(a),
                        P::I(a),
                        P::T(format!("r{}{n} levesque cote levesquecote zoe {n}", std::process::id())),
                    ],
                );
                self.raw.query("COMMIT", &[]);
                vec![]
            }
            Base::InsertInteraction => {
                self.n += 1;
                let a = self.admin;
                self.raw.query(if self.pg { "BEGIN" } else { "BEGIN IMMEDIATE" }, &[]);
                self.raw.query(
                    "INSERT INTO interactions (kind, occurred_at, client_id, contact_id, staff_id, subject, body, custom, created_by, created_at, updated_by, updated_at, version, subject_fold, custom_fold, search_text) \
                     VALUES ('note', ?, 42, NULL, ?, ?, '', '{}', ?, 0, ?, 0, 1, ?, '{}', ?)",
                    &[
                        P::I(clientele_tests::epoch().timestamp_millis()),
                        P::I(a),
                        P::T(format!("Relance du dossier {}-{}", std::process::id(), self.n)),
                        P::I(a),
                        P::I(a),
                        P::T(format!("relance du dossier {}-{}", std::process::id(), self.n)),
                        P::T(format!("relance du dossier {}-{}", std::process::id(), self.n)),
                    ],
                );
                self.raw.query("COMMIT", &[]);
                vec![]
            }
            Base::None => vec![],
        }
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        clientele::clientele_engine_close(self.ffi);
        if let Some(url) = &self.pg_url {
            remove_written(url, &self.written);
        }
    }
}

/// Removes what a run's write cases added to the cached PostgreSQL
/// database (SQLite runs on a copy): the engine's clients and interactions
/// (with their history and duplicate keys) and the baseline's rows, marked
/// by the process id. Left there, each run's interactions (at the pinned
/// "now", client 42) became the newest rows: client 42's timeline and the
/// searches' samples of the newest rows read them in later runs.
fn remove_written(url: &str, (clients, interactions): &(Vec<i64>, Vec<i64>)) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let list = |ids: &[i64]| {
        let v: Vec<String> = ids.iter().map(i64::to_string).collect();
        if v.is_empty() { "NULL".to_string() } else { v.join(",") }
    };
    let (c, i, pid) = (list(clients), list(interactions), std::process::id());
    let sql = format!(
        "DELETE FROM history WHERE (record_kind = 'client' AND record_id IN ({c})) \
           OR (record_kind = 'interaction' AND record_id IN ({i})); \
         DELETE FROM dup_keys WHERE entity = 'client' AND entity_id IN ({c}); \
         DELETE FROM interactions WHERE id IN ({i}) OR subject LIKE 'Relance du dossier {pid}-%'; \
         DELETE FROM clients WHERE id IN ({c}) OR code LIKE 'R{pid}-%';"
    );
    let done = diesel::PgConnection::establish(url)
        .map_err(|e| e.to_string())
        .and_then(|mut conn| conn.batch_execute(&format!("BEGIN; {sql} COMMIT;")).map_err(|e| e.to_string()));
    if let Err(e) = done {
        eprintln!("the write cases' rows could not be removed: {e}");
    }
}

/// The ids of a list answer (its items, or a grid's rows), or of a record:
/// read off the typed answer (serialising it would time serde, not the
/// engine).
pub fn ids(r: &Response) -> Vec<i64> {
    match r {
        Response::Clients(p) => p.items.iter().map(|x| x.id).collect(),
        Response::Contacts(p) => p.items.iter().map(|x| x.id).collect(),
        Response::Interactions(p) => p.items.iter().map(|x| x.id).collect(),
        Response::Transfers(p) => p.items.iter().map(|x| x.id).collect(),
        Response::Grid(g) => g.rows.iter().map(|x| x.id).collect(),
        Response::Client(x) => vec![x.id],
        Response::Interaction(x) => vec![x.id],
        _ => vec![],
    }
}

/// The figures of one case.
#[derive(Debug, Clone)]
pub struct Figures {
    pub runs: usize,
    pub engine: (f64, f64),
    pub json: Option<(f64, f64)>,
    pub base: Option<(f64, f64)>,
    /// The baseline's first run, when it took longer than the limit and
    /// the baseline was left out of the case (ms).
    pub base_skipped: Option<f64>,
    pub rows: usize,
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(v[(v.len() * 95 / 100).min(v.len() - 1)]))
}

/// Interleaved runs: each round times the engine (typed), the JSON path
/// and the baseline once; `runs` rounds after `warm` warm-ups, stopping
/// early (at `min` rounds or more) when a case has used `cap`.
/// Times `case`: `warm` rounds, then up to `runs` interleaved rounds,
/// stopping after `min` once `cap` is used. With `base_limit`, the baseline
/// runs once first (untimed); one that takes longer is left out of the
/// case (`base_skipped`); with a limit of 0 no baseline runs at all. At
/// size L a plain-index search baseline can take seconds a run (PostgreSQL's
/// `to_tsvector` scan of 10,000,000 rows: ~50 s), and 20 of them per case
/// would take the run hours; the engine's own figures are the point there.
pub fn measure(
    b: &mut Bench,
    case: &Case,
    runs: usize,
    warm: usize,
    min: usize,
    cap: Duration,
    base_limit: Option<Duration>,
) -> Figures {
    let mut has_base = !matches!(case.base, Base::None);
    let has_json = case.json && matches!(case.side, Side::Request(_));
    let mut rows = 0;
    let mut base_skipped = None;
    // The baseline's first run (a warm-up's, or the first round's when
    // there are none) decides whether it stays.
    if has_base && base_limit == Some(Duration::ZERO) {
        // `--base-limit 0`: no baseline, not even its first run.
        has_base = false;
    } else if has_base && let Some(limit) = base_limit {
        let t = Instant::now();
        b.base(&case.base);
        if t.elapsed() > limit {
            has_base = false;
            base_skipped = Some(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for _ in 0..warm {
        rows = b.engine(&case.side).len();
        if has_json {
            b.json(&case.side);
        }
        if has_base {
            b.base(&case.base);
        }
    }
    let (mut e, mut j, mut x) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    for i in 0..runs {
        let t = Instant::now();
        std::hint::black_box(b.engine(&case.side));
        e.push(t.elapsed());
        if has_json {
            let t = Instant::now();
            b.json(&case.side);
            j.push(t.elapsed());
        }
        if has_base {
            let t = Instant::now();
            std::hint::black_box(b.base(&case.base));
            x.push(t.elapsed());
        }
        if i + 1 >= min && start.elapsed() > cap {
            break;
        }
    }
    Figures {
        runs: e.len(),
        engine: stats(e),
        json: has_json.then(|| stats(j)),
        base: has_base.then(|| stats(x)),
        base_skipped,
        rows,
    }
}
