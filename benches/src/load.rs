//! Size presets and the benchmark database: loaded once with bulk SQL (the
//! SQLite keyword index filled once at the end, not row by row), then kept
//! — a SQLite file under `target/bench-data/`, a PostgreSQL schema — keyed
//! by preset and schema version, so a rerun does not reload.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clientele_core::protocol::{Actor, Request, Response};
use clientele_core::{Engine, EngineConfig};
use clientele_tests::{Backend, Sizes, TestClock};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// Bumped when what the loader writes changes (the cache key has it).
const LOADER_VERSION: u32 = 4;

/// A firm size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The baseline-equality test's size.
    T,
    /// A tenth of M.
    S,
    /// Firm size: 20,000 clients, 60,000 contacts, 1,000,000 interactions,
    /// 100,000 transfers.
    M,
    /// Ten times M.
    L,
}

impl Preset {
    pub fn parse(s: &str) -> Option<Preset> {
        Some(match s.to_ascii_uppercase().as_str() {
            "T" => Preset::T,
            "S" => Preset::S,
            "M" => Preset::M,
            "L" => Preset::L,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Preset::T => "T",
            Preset::S => "S",
            Preset::M => "M",
            Preset::L => "L",
        }
    }
    pub fn sizes(self) -> Sizes {
        let m = |f: f64| Sizes {
            clients: (20_000.0 * f) as u32,
            contacts: (60_000.0 * f) as u32,
            interactions: (1_000_000.0 * f) as u32,
            transfers: (100_000.0 * f) as u32,
        };
        match self {
            Preset::T => Sizes { clients: 300, contacts: 900, interactions: 6_000, transfers: 600 },
            Preset::S => m(0.1),
            Preset::M => m(1.0),
            Preset::L => m(10.0),
        }
    }
}

/// The newest migration of `backend` (its date and number): a database
/// loaded under an older schema is loaded again. Per backend, so that a
/// migration of one does not reload the other (PostgreSQL L takes ~20 min).
pub fn schema_version(backend: Backend) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/migrations").join(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    });
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    let last = v.pop().unwrap_or_default();
    last.split('_').next().unwrap_or_default().replace('-', "")
}

fn key(backend: Backend, preset: Preset) -> String {
    format!("{}_{}_v{LOADER_VERSION}", preset.name().to_ascii_lowercase(), schema_version(backend))
}

/// Where the benchmark's files go: `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// A loaded benchmark database.
pub struct Db {
    pub backend: Backend,
    /// The engine's URL.
    pub url: String,
    /// SQLite: the working copy's path.
    pub path: Option<PathBuf>,
    /// The all-rights staff member.
    pub admin: i64,
    pub sizes: Sizes,
    /// Seconds spent loading (0 when the cache served).
    pub load_seconds: f64,
}

pub fn clock() -> TestClock {
    TestClock::at(clientele_tests::epoch())
}

pub fn open_engine(url: &str) -> Engine {
    Engine::open_with_clock(EngineConfig::new(url), Arc::new(clock())).expect("engine opens")
}

fn admin(engine: &Engine) -> i64 {
    match engine.execute(
        Actor::HOST,
        Request::StaffPut {
            id: None,
            version: None,
            staff: clientele_tests::staff("Hélène D'Amours", "HDA", clientele_core::domain::Rights::all()),
        },
    ) {
        Ok(Response::Staff(s)) => s.id,
        other => panic!("cannot create admin: {other:?}"),
    }
}

/// Extra words and subjects beside `clientele_tests::bulk_load`'s, so the
/// searches of the benchmark meet realistic vocabulary (relances, T4,
/// impôts, e-mails), common and rare words. Folded columns are folded by
/// the engine's own `fold`; index words by its `search_words`.
fn enrich_sql() -> String {
    use clientele_core::text::{fold, search_words};
    let q = |s: &str| s.replace('\'', "''");
    let subjects = |table: &str, n: usize, list: &[&str]| {
        let pick = |f: &dyn Fn(&str) -> String| {
            let mut s = format!("CASE id % {n} ");
            for (i, x) in list.iter().enumerate() {
                s.push_str(&format!("WHEN {i} THEN '{}' ", q(&f(x))));
            }
            s.push_str("END");
            s
        };
        format!(
            "UPDATE {table} SET subject = {} || ' ' || id, subject_fold = {} || ' ' || id, search_text = search_text || ' ' || {};",
            pick(&|x| x.to_string()),
            pick(&|x| fold(x)),
            pick(&|x| search_words(x).join(" "))
        )
    };
    let interactions = [
        "Relance T4, dossier",
        "Relevé 1 et impôts, dossier",
        "Déclaration T1 des revenus",
        "T4A honoraires, dossier",
        "REER cotisation",
        "TPS TVQ remise",
    ];
    let transfers = ["États financiers", "Feuillets T4", "Relevés bancaires"];
    [
        subjects("interactions", interactions.len(), &interactions),
        "UPDATE interactions SET search_text = search_text || ' succession' WHERE id % 997 = 0;".into(),
        // Common, but not lately: a third of the interactions older than
        // the newest 2,000 (two weeks at one every ten minutes; the newest
        // have the lowest ids). A search must not read all of them.
        "UPDATE interactions SET search_text = search_text || ' saisonnier' WHERE id % 3 = 0 AND id > 2000;".into(),
        format!(
            "UPDATE contacts SET emails = '[{{\"address\":\"contact' || id || '@exemple.ca\",\"primary\":true}}]', \
             emails_fold = 'contact' || id || '@exemple.ca', search_text = search_text || ' ' || '{}';",
            search_words("contact987654321@exemple.ca").join(" ").replace("987654321", "' || id || '")
        ),
        subjects("transfers", transfers.len(), &transfers),
    ]
    .concat()
}

const FTS: [&str; 4] = ["clients", "contacts", "interactions", "transfers"];

fn load_into(backend: Backend, url: &str, raw_url: &str, sizes: Sizes) -> i64 {
    let engine = open_engine(url);
    let admin = admin(&engine);
    drop(engine);
    let pg = backend == Backend::Postgres;
    let run = |sql: &str| {
        if pg {
            let mut c = PgConnection::establish(raw_url).unwrap();
            c.batch_execute(sql).unwrap();
        } else {
            let mut c = diesel::SqliteConnection::establish(raw_url).unwrap();
            c.batch_execute(sql).unwrap();
        }
    };
    // SQLite: the keyword index is filled once at the end, not by the
    // per-row triggers (each row its own index segment: minutes at M).
    let mut triggers = Vec::new();
    if !pg {
        let mut c = diesel::SqliteConnection::establish(raw_url).unwrap();
        #[derive(diesel::QueryableByName)]
        struct T {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            sql: String,
        }
        use diesel::RunQueryDsl;
        triggers =
            diesel::sql_query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_a%'")
                .load::<T>(&mut c)
                .unwrap();
        for t in &triggers {
            c.batch_execute(&format!("DROP TRIGGER {}", t.name)).unwrap();
        }
    }
    let place = if pg {
        let (base, schema) = raw_url.split_once("options=-csearch_path%3D").unwrap();
        clientele_tests::Place::Postgres { base: base.trim_end_matches(['?', '&']).to_string(), schema: schema.into() }
    } else {
        clientele_tests::Place::Sqlite(PathBuf::from(raw_url))
    };
    let f = clientele_tests::Fixture { engine: open_engine(url), clock: clock(), admin, backend, place };
    clientele_tests::bulk_load(&f, sizes);
    let clientele_tests::Fixture { engine, place, .. } = f;
    drop(engine);
    // The fixture's place drops (removes) the database: keep it.
    std::mem::forget(place);
    let mut sql = enrich_sql();
    if !pg {
        for t in FTS {
            sql.push_str(&format!("INSERT INTO {t}_fts({t}_fts) VALUES ('rebuild');"));
        }
        // The dates' bounds per block of ids, which the dropped insert
        // trigger keeps (as an engine import fills them, `store/bulk.rs`).
        sql.push_str(
            "INSERT OR REPLACE INTO interaction_blocks(block, bound) \
             SELECT id >> 8, MAX(occurred_at) FROM interactions WHERE 1 GROUP BY id >> 8;",
        );
        for t in &triggers {
            sql.push_str(&t.sql);
            sql.push(';');
        }
        sql.push_str("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);");
    }
    run(&sql);
    if pg {
        // VACUUM (outside a transaction, so on its own): a bulk load leaves
        // every row in the keyword GIN indexes' pending lists, which each
        // search scans whole until autovacuum comes by (clients' searches
        // took 9-16 ms instead of ~1); it also fills the visibility map
        // index-only scans need. A firm's database has been vacuumed.
        run("VACUUM ANALYZE");
    }
    admin
}

/// The benchmark database of `preset` on `backend`, loaded now or found in
/// the cache. SQLite answers a fresh copy of the cached file (the writes
/// of a run never reach the cache); PostgreSQL reuses its schema (the
/// write cases add a few hundred rows per run).
pub fn database(backend: Backend, preset: Preset) -> Option<Db> {
    let sizes = preset.sizes();
    let k = key(backend, preset);
    match backend {
        Backend::Sqlite => {
            let dir = target_dir().join("bench-data");
            std::fs::create_dir_all(&dir).unwrap();
            let cached = dir.join(format!("{k}.db"));
            let meta = dir.join(format!("{k}.admin"));
            let mut load_seconds = 0.0;
            if !cached.exists() || !meta.exists() {
                let t = Instant::now();
                let tmp = dir.join(format!("{k}.loading.db"));
                for s in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{s}", tmp.display()));
                }
                let admin = load_into(backend, &format!("sqlite:{}", tmp.display()), &tmp.display().to_string(), sizes);
                std::fs::rename(&tmp, &cached).unwrap();
                for s in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{s}", tmp.display()));
                }
                std::fs::write(&meta, admin.to_string()).unwrap();
                load_seconds = t.elapsed().as_secs_f64();
            }
            let admin: i64 = std::fs::read_to_string(&meta).unwrap().trim().parse().unwrap();
            let work = dir.join(format!("{k}.run-{}.db", std::process::id()));
            std::fs::copy(&cached, &work).unwrap();
            Some(Db {
                backend,
                url: format!("sqlite:{}", work.display()),
                path: Some(work),
                admin,
                sizes,
                load_seconds,
            })
        }
        Backend::Postgres => {
            let base = clientele_tests::pg_base_url();
            let mut c = match PgConnection::establish(&base) {
                Ok(c) => c,
                Err(e) => {
                    clientele_tests::skip_or_fail(&format!("PostgreSQL at {base} is unreachable ({e})"));
                    return None;
                }
            };
            let schema = format!("bench_{k}");
            let url = {
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}options=-csearch_path%3D{schema}")
            };
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct A {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                admin: i64,
            }
            let done = diesel::sql_query(format!("SELECT admin FROM {schema}.bench_done")).get_result::<A>(&mut c);
            let mut load_seconds = 0.0;
            let admin = match done {
                Ok(a) => a.admin,
                Err(_) => {
                    let t = Instant::now();
                    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"))
                        .unwrap();
                    let admin = load_into(backend, &url, &url, sizes);
                    c.batch_execute(&format!(
                        "CREATE TABLE {schema}.bench_done (admin BIGINT NOT NULL); INSERT INTO {schema}.bench_done VALUES ({admin});"
                    ))
                    .unwrap();
                    load_seconds = t.elapsed().as_secs_f64();
                    admin
                }
            };
            Some(Db { backend, url, path: None, admin, sizes, load_seconds })
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{s}", p.display()));
            }
        }
    }
}
