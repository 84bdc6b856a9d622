//! Timings of the main list queries and of writes at firm size, beside
//! hand-written SQL on the same data (the baseline), on SQLite and, when
//! reachable, PostgreSQL.
//!
//! ```sh
//! cargo bench -p clientele-benches                        # 5,000 clients, 200,000 interactions
//! CLIENTELE_BENCH_SCALE=0.1 cargo bench -p clientele-benches  # a tenth of that
//! ```
//!
//! For each case: median and 95th percentile of 30 runs after 3 warm-ups,
//! for the engine (a full request: parse, rights, plan, SQL, records, JSON)
//! and for the baseline (one hand-written statement loading the same page of
//! ids and names). Memory: the process's peak resident set after each
//! backend.

use std::time::{Duration, Instant};

use clientele_core::protocol::{Actor, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_tests::{Backend, Fixture, Place, Sizes, bulk_load};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)]
    id: i64,
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    label: String,
}

enum Raw {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

impl Raw {
    fn open(place: &Place) -> Raw {
        match place {
            Place::Sqlite(p) => Raw::Sqlite(diesel::SqliteConnection::establish(&p.display().to_string()).unwrap()),
            Place::Postgres { .. } => Raw::Pg(diesel::PgConnection::establish(&place.url()).unwrap()),
        }
    }

    fn load(&mut self, sql: &str) -> usize {
        match self {
            Raw::Sqlite(c) => diesel::sql_query(sql).load::<Row>(c).unwrap().len(),
            Raw::Pg(c) => diesel::sql_query(sql).load::<Row>(c).unwrap().len(),
        }
    }

    fn exec(&mut self, sql: &str) {
        match self {
            Raw::Sqlite(c) => c.batch_execute(sql).unwrap(),
            Raw::Pg(c) => c.batch_execute(sql).unwrap(),
        }
    }
}

fn time(mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..3 {
        f();
    }
    let mut v: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    (v[v.len() / 2], v[v.len() * 95 / 100])
}

fn ms(d: Duration) -> String {
    format!("{:>8.3}", d.as_secs_f64() * 1000.0)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn q(filter: Option<&str>, search: Option<&str>) -> ListQuery {
    ListQuery {
        filter: filter.map(|s| FilterInput::Text(s.into())),
        search: search.map(String::from),
        ..Default::default()
    }
}

fn run(backend: Backend, sizes: Sizes) {
    let Some(f) = Fixture::new(backend) else {
        println!("\n{backend:?}: unreachable, skipped");
        return;
    };
    let t = Instant::now();
    bulk_load(&f, sizes);
    println!(
        "\n{backend:?}: {} clients, {} contacts, {} interactions, {} transfers (bulk load {:.1} s)",
        sizes.clients,
        sizes.contacts,
        sizes.interactions,
        sizes.transfers,
        t.elapsed().as_secs_f64()
    );
    let pg = backend == Backend::Postgres;
    let mut raw = Raw::open(&f.place);
    let e = &f.engine;
    let me = Actor::Staff(f.admin);
    let deep = sizes.clients * 4 / 5;

    // The cursor of a page deep in the client list, for keyset vs OFFSET.
    let mut cursor = None;
    let mut seen = 0;
    while seen < deep {
        match e
            .execute(me, R::ClientList { query: ListQuery { limit: Some(500), cursor, ..Default::default() } })
            .unwrap()
        {
            S::Clients(p) => {
                seen += p.items.len() as u32;
                cursor = p.next_cursor;
            }
            _ => unreachable!(),
        }
    }
    let (last_name, last_id): (String, i64) = {
        #[derive(QueryableByName)]
        struct K {
            #[diesel(sql_type = Text)]
            n: String,
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let sql = format!("SELECT name_fold AS n, id FROM clients ORDER BY name_fold, id LIMIT 1 OFFSET {}", deep - 1);
        let k: Vec<K> = match &mut raw {
            Raw::Sqlite(c) => diesel::sql_query(sql).load(c).unwrap(),
            Raw::Pg(c) => diesel::sql_query(sql).load(c).unwrap(),
        };
        (k[0].n.replace('\'', "''"), k[0].id)
    };
    let fts = |table: &str, words: &[&str]| {
        if pg {
            let tsq = words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ");
            format!("to_tsvector('simple', search_text) @@ to_tsquery('simple', '{tsq}')")
        } else {
            let m = words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" AND ");
            format!("id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH '{m}')")
        }
    };
    let contains = |col: &str, needle: &str| {
        if pg { format!("strpos({col}, '{needle}') > 0") } else { format!("instr({col}, '{needle}') > 0") }
    };
    let month_ago = f.clock.get().timestamp_millis() - 30 * 86_400_000;
    let cases: Vec<(&str, Option<R>, String)> = vec![
        (
            "clients, first page by name",
            Some(R::ClientList { query: ListQuery::default() }),
            "SELECT id, name AS label FROM clients WHERE trash_id IS NULL ORDER BY name_fold, id LIMIT 50".into(),
        ),
        (
            "clients, a page 80% deep (keyset)",
            Some(R::ClientList { query: ListQuery { cursor: cursor.clone(), ..Default::default() } }),
            format!(
                "SELECT id, name AS label FROM clients WHERE trash_id IS NULL AND (name_fold, id) > ('{last_name}', {last_id}) ORDER BY name_fold, id LIMIT 50"
            ),
        ),
        (
            "  same page with OFFSET (baseline only)",
            None,
            format!("SELECT id, name AS label FROM clients WHERE trash_id IS NULL ORDER BY name_fold, id LIMIT 50 OFFSET {deep}"),
        ),
        (
            "clients, search « tremblay hélène »",
            Some(R::ClientList { query: q(None, Some("tremblay hélène")) }),
            format!("SELECT id, name AS label FROM clients WHERE trash_id IS NULL AND {} ORDER BY name_fold, id LIMIT 50", fts("clients", &["tremblay", "helene"])),
        ),
        (
            "clients, filter « statut:actif bureau:québec »",
            Some(R::ClientList { query: q(Some("statut:actif bureau:québec"), None) }),
            format!("SELECT id, name AS label FROM clients WHERE trash_id IS NULL AND status = 'active' AND {} ORDER BY name_fold, id LIMIT 50", contains("office_fold", "quebec")),
        ),
        (
            "clients, count « statut:actif »",
            Some(R::ClientList { query: ListQuery { filter: Some(FilterInput::Text("statut:actif".into())), count: true, limit: Some(1), ..Default::default() } }),
            "SELECT COUNT(*) AS id, 'n' AS label FROM clients WHERE trash_id IS NULL AND status = 'active'".into(),
        ),
        (
            "interactions, newest 50",
            Some(R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: ListQuery::default() }),
            "SELECT id, subject AS label FROM interactions WHERE trash_id IS NULL ORDER BY occurred_at DESC, id DESC LIMIT 50".into(),
        ),
        (
            "interactions, last 30 days, calls",
            Some(R::InteractionList { client_id: None, contact_id: None, last_30_days: true, query: q(Some("type:appel"), None) }),
            format!("SELECT id, subject AS label FROM interactions WHERE trash_id IS NULL AND occurred_at >= {month_ago} AND kind = 'phone_call' ORDER BY occurred_at DESC, id DESC LIMIT 50"),
        ),
        (
            "a client's timeline",
            Some(R::ClientTimeline { id: 42, last_30_days: false, query: ListQuery::default() }),
            "SELECT id, subject AS label FROM interactions WHERE trash_id IS NULL AND (client_id = 42 OR (client_id IS NULL AND contact_id IN (SELECT contact_id FROM contact_links WHERE client_id = 42))) ORDER BY occurred_at DESC, id DESC LIMIT 50".into(),
        ),
        (
            "interactions, search « dossier 4242 »",
            Some(R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: q(None, Some("dossier 4242")) }),
            format!("SELECT id, subject AS label FROM interactions WHERE trash_id IS NULL AND {} ORDER BY occurred_at DESC, id DESC LIMIT 50", fts("interactions", &["dossier", "4242"])),
        ),
        (
            "open transfers",
            Some(R::TransferList { client_id: None, last_30_days: false, open_only: true, query: ListQuery::default() }),
            "SELECT id, subject AS label FROM transfers WHERE trash_id IS NULL AND status IN ('waiting_for_files', 'ready_for_download') ORDER BY sent_at DESC, id DESC LIMIT 50".into(),
        ),
        (
            "interactions grid with names",
            Some(R::GridQuery { list: ListKind::Interactions, columns: None, client_id: None, contact_id: None, last_30_days: false, open_only: false, query: ListQuery::default() }),
            "SELECT i.id, i.subject || c.name || p.file_as || s.name AS label FROM interactions i JOIN clients c ON c.id = i.client_id JOIN contacts p ON p.id = i.contact_id JOIN staff s ON s.id = i.staff_id WHERE i.trash_id IS NULL ORDER BY i.occurred_at DESC, i.id DESC LIMIT 50".into(),
        ),
    ];
    println!("{:<46} {:>8} {:>8}   {:>8} {:>8}   {:>6}", "case (ms)", "engine", "p95", "baseline", "p95", "ratio");
    for (name, request, sql) in cases {
        let (bm, bp) = time(|| {
            raw.load(&sql);
        });
        match request {
            Some(request) => {
                let (em, ep) = time(|| {
                    e.execute(me, request.clone()).unwrap();
                });
                let ratio = em.as_secs_f64() / bm.as_secs_f64();
                println!("{name:<46} {} {}   {} {}   {ratio:>6.1}", ms(em), ms(ep), ms(bm), ms(bp));
            }
            None => println!("{name:<46} {:>8} {:>8}   {} {}", "-", "-", ms(bm), ms(bp)),
        }
    }

    // Writes: one client per request (its own transaction) vs one INSERT.
    let mut n = 0;
    let (em, ep) = time(|| {
        n += 1;
        let data = clientele_core::domain::ClientData::new(format!("BENCH-{n}"), format!("Lévesque-Côté, Zoé {n}"));
        e.execute(me, R::ClientCreate { data }).unwrap();
    });
    let mut m = 0;
    let a = f.admin;
    let (bm, bp) = time(|| {
        m += 1;
        raw.exec(&format!(
            "INSERT INTO clients (code, code_key, name, name_fold, kind, status, phones, emails, created_by, created_at, updated_by, updated_at, version, search_text) \
             VALUES ('RAW-{m}', 'raw-{m}', 'Lévesque-Côté, Zoé', 'levesque-cote, zoe', 'individual', 'active', '[]', '[]', {a}, 0, {a}, 0, 1, 'raw {m} levesque cote levesquecote zoe')"
        ));
    });
    println!(
        "{:<46} {} {}   {} {}   {:>6.1}",
        "client.create (one per transaction)",
        ms(em),
        ms(ep),
        ms(bm),
        ms(bp),
        em.as_secs_f64() / bm.as_secs_f64()
    );
    let batch: Vec<_> = (0..1000)
        .map(|i| clientele_core::domain::ClientData::new(format!("IMP-{i}"), format!("Importé n° {i}")))
        .collect();
    let t = Instant::now();
    e.execute(me, R::ClientImport { clients: batch }).unwrap();
    println!(
        "{:<46} {} (one transaction, {:.0} clients/s)",
        "client.import of 1,000",
        ms(t.elapsed()),
        1000.0 / t.elapsed().as_secs_f64()
    );
    println!("peak resident memory so far: {:.0} MiB", peak_rss_mib());
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing we need.
    let scale: f64 = std::env::var("CLIENTELE_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let n = |x: f64| ((x * scale) as u32).max(10);
    let sizes = Sizes { clients: n(5000.0), contacts: n(8000.0), interactions: n(200_000.0), transfers: n(10_000.0) };
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("Clientèle list benchmarks (release build recommended; medians of 30 runs)");
    println!("peak resident memory at start: {:.0} MiB", peak_rss_mib());
    run(Backend::Sqlite, sizes);
    run(Backend::Postgres, sizes);
}
