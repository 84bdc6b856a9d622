//! No request can starve the others: deadlines interrupt slow statements
//! and bound every wait, lanes keep a connection for interactive requests,
//! costly searches are refused before they reach SQL, counts are capped,
//! and writers wait for another process's writer instead of failing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clientele_core::domain::ClientData;
use clientele_core::protocol::{ListQuery, Request as R, Response as S};
use clientele_core::query::FilterInput;
use clientele_core::{Deadline, Engine, EngineConfig, Error, Lane};
use clientele_tests::{Backend, Fixture, Sizes, backend_tests, bulk_load};

/// Bounded wait for a condition (a bug fails the test, never hangs it).
fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn create(f: &Fixture, code: &str) -> clientele_core::Result<S> {
    f.run(f.admin, R::ClientCreate { data: ClientData::new(code, format!("Côté, Hélène {code}")) })
}

/// A statement running past its deadline is interrupted (it would run for
/// minutes), answers `timeout` (not `storage`), and its connection is back
/// in the pool at once, usable.
fn a_slow_statement_is_interrupted_at_its_deadline(f: &Fixture) {
    let started = Instant::now();
    let e = f.engine.debug_slow_read(Lane::Interactive, Deadline::after(Duration::from_millis(800))).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, Error::Timeout { after_ms: 800, .. }), "{e:?}");
    assert_eq!(e.code(), "timeout");
    // Its natural running time is minutes; generous margin on a loaded machine.
    assert!(took < Duration::from_secs(20), "interrupted only after {took:?}");
    assert_eq!(f.engine.debug_connections_in_use(), 0, "the connection went back to the pool");
    // Every connection of the pool still works.
    for i in 0..8 {
        create(f, &format!("T{i}")).unwrap();
    }
    let S::Clients(page) = f.run(f.admin, R::ClientList { query: ListQuery::default() }).unwrap() else { panic!() };
    assert_eq!(page.items.len(), 8);
}

/// A pool of one connection: the timed-out request's connection is the
/// only one, and the next request gets it.
fn a_timed_out_request_frees_the_only_connection(backend: Backend) {
    let Some(f) = Fixture::with_config(backend, |c| c.pool_size = 1) else { return };
    for _ in 0..3 {
        let e = f.engine.debug_slow_read(Lane::Interactive, Deadline::after(Duration::from_millis(300))).unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
        create(&f, &format!("U{}", f.engine.debug_connections_in_use()))
            .map(|_| ())
            .or_else(|e| match e {
                Error::Duplicate { .. } => Ok(()),
                e => Err(e),
            })
            .unwrap();
    }
}

#[test]
fn sqlite_a_timed_out_request_frees_the_only_connection() {
    a_timed_out_request_frees_the_only_connection(Backend::Sqlite);
}

#[test]
fn postgres_a_timed_out_request_frees_the_only_connection() {
    a_timed_out_request_frees_the_only_connection(Backend::Postgres);
}

/// Waiting for a connection is bounded by the request's deadline and
/// answers `timeout`: with the single connection held by a slow request,
/// another request with a short deadline gives up at its own deadline.
fn waiting_for_a_connection_answers_timeout(backend: Backend) {
    let Some(f) = Fixture::with_config(backend, |c| {
        c.pool_size = 1;
        c.request_timeout_ms = 400;
    }) else {
        return;
    };
    let f = Arc::new(f);
    let slow = {
        let f = f.clone();
        std::thread::spawn(move || f.engine.debug_slow_read(Lane::Interactive, Deadline::after(Duration::from_secs(8))))
    };
    wait_for("the slow read to hold the connection", Duration::from_secs(10), || {
        f.engine.debug_connections_in_use() == 1
    });
    let started = Instant::now();
    let e = create(&f, "W1").unwrap_err();
    assert!(matches!(e, Error::Timeout { after_ms: 400, .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(6), "waited {:?}, past its deadline", started.elapsed());
    assert!(!slow.is_finished(), "the slow read was still running: the wait was bounded by the deadline");
    assert!(matches!(slow.join().unwrap(), Err(Error::Timeout { .. })));
}

#[test]
fn sqlite_waiting_for_a_connection_answers_timeout() {
    waiting_for_a_connection_answers_timeout(Backend::Sqlite);
}

#[test]
fn postgres_waiting_for_a_connection_answers_timeout() {
    waiting_for_a_connection_answers_timeout(Backend::Postgres);
}

/// Dashboard tiles and bulk work saturate their lanes with slow requests;
/// an interactive `client.get` still gets a connection and answers.
fn dashboards_and_imports_leave_a_connection_for_interactive_requests(f: &Fixture) {
    let S::Client(c) = create(f, "L1").unwrap() else { panic!() };
    let stop = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicUsize::new(0));
    let engine: &Engine = &f.engine;
    std::thread::scope(|s| {
        for lane in [Lane::Dashboard, Lane::Dashboard, Lane::Dashboard, Lane::Dashboard, Lane::Bulk, Lane::Bulk] {
            let (stop, finished) = (stop.clone(), finished.clone());
            s.spawn(move || {
                let deadline = Deadline::after(Duration::from_secs(30)).with_cancel(stop);
                let r = engine.debug_slow_read(lane, deadline);
                finished.fetch_add(1, Ordering::SeqCst);
                r
            });
        }
        // Pool of 4: the background lanes hold at most 3.
        wait_for("the slow requests to take their share", Duration::from_secs(20), || {
            engine.debug_connections_in_use() == 3
        });
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(engine.debug_connections_in_use(), 3, "dashboards and bulk work never take the last connection");
        for _ in 0..5 {
            let S::Client(got) = f.run(f.admin, R::ClientGet { id: c.id }).unwrap() else { panic!() };
            assert_eq!(got.id, c.id);
        }
        assert_eq!(finished.load(Ordering::SeqCst), 0, "client.get answered while every slow request still ran");
        stop.store(true, Ordering::SeqCst);
    });
    assert_eq!(finished.load(Ordering::SeqCst), 6);
}

/// A raised cancel flag interrupts a running SQLite statement (the C ABI's
/// cancel token uses it): the request answers `canceled` long before its
/// deadline.
fn a_raised_cancel_flag_interrupts_a_running_statement(backend: Backend) {
    let Some(f) = Fixture::new(backend) else { return };
    let flag = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let e = std::thread::scope(|s| {
        let h = s.spawn(|| {
            f.engine
                .debug_slow_read(Lane::Interactive, Deadline::after(Duration::from_secs(120)).with_cancel(flag.clone()))
        });
        wait_for("the slow read to start", Duration::from_secs(10), || f.engine.debug_connections_in_use() == 1);
        flag.store(true, Ordering::SeqCst);
        h.join().unwrap().unwrap_err()
    });
    let took = started.elapsed();
    assert!(matches!(e, Error::Canceled), "{backend:?}: {e:?}");
    // SQLite: the progress handler; PostgreSQL: `pg_cancel_backend` from a
    // watcher (before: the statement ran on to its deadline, here 120 s).
    assert!(took < Duration::from_secs(5), "{backend:?}: canceled only after {took:?}");
    eprintln!("{backend:?}: canceled after {took:?}");
    assert_eq!(f.engine.debug_connections_in_use(), 0);
    create(&f, "X1").unwrap();
    // A flag that is never raised changes nothing.
    let quiet = Arc::new(AtomicBool::new(false));
    let d = Deadline::after(Duration::from_millis(300)).with_cancel(quiet);
    assert!(matches!(f.engine.debug_slow_read(Lane::Interactive, d), Err(Error::Timeout { .. })));
    create(&f, "X2").unwrap();
}

#[test]
fn a_raised_cancel_flag_interrupts_a_running_statement_sqlite() {
    a_raised_cancel_flag_interrupts_a_running_statement(Backend::Sqlite);
}

#[test]
fn a_raised_cancel_flag_interrupts_a_running_statement_postgres() {
    a_raised_cancel_flag_interrupts_a_running_statement(Backend::Postgres);
}

fn filter_error(e: Error) -> (String, Option<clientele_core::Span>) {
    match e {
        Error::Filter(f) => (f.kind.to_string(), f.span),
        other => panic!("expected invalid_filter, got {other:?}"),
    }
}

/// What costs without bound is refused before SQL, with the offending span.
fn costly_keywords_are_refused_with_their_span(f: &Fixture) {
    create(f, "K1").unwrap();
    f.run(f.admin, R::ClientCreate { data: ClientData::new("DA1", "D'Amours, Jean-François") }).unwrap();
    let list = |query: ListQuery| f.run(f.admin, R::ClientList { query });
    // The reviewer's filter: one keyword of 990 one-letter words.
    let letters: Vec<String> = (0..990).map(|i| ((b'a' + (i % 26) as u8) as char).to_string()).collect();
    let keyword = letters.join("-");
    let text = format!("status:active {keyword}");
    let e = list(ListQuery { filter: Some(FilterInput::Text(text.clone())), ..Default::default() }).unwrap_err();
    assert_eq!(e.code(), "invalid_filter");
    let (field, span) = filter_error(e);
    assert_eq!(field, "too_many_terms");
    let span = span.unwrap();
    assert_eq!(&text[span.start..span.end], keyword);
    // The same as a search, and a search of more than 8 words.
    let e = list(ListQuery { search: Some("a-b-c-d-e-f-g-h-i".into()), ..Default::default() }).unwrap_err();
    assert_eq!(filter_error(e).0, "too_many_terms");
    let search = "  un deux trois quatre cinq six sept huit neuf dix";
    let e = list(ListQuery { search: Some(search.into()), ..Default::default() }).unwrap_err();
    let (field, span) = filter_error(e);
    assert_eq!(field, "too_many_terms");
    let span = span.unwrap();
    assert_eq!(&search[span.start..span.end], "neuf");
    // More than 16 keyword words in filter and search together.
    let e = list(ListQuery {
        filter: Some(FilterInput::Text("a-b-c-d-e-f-g-h i-j-k-l-m-n-o-p".into())),
        search: Some("côté".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(filter_error(e).0, "too_many_terms");
    // Within the caps searches work, one-letter words included.
    let S::Clients(p) =
        list(ListQuery { search: Some("d'amours jean-françois".into()), ..Default::default() }).unwrap()
    else {
        panic!()
    };
    assert_eq!(p.items.iter().map(|c| c.data.code.as_str()).collect::<Vec<_>>(), ["DA1"]);
    let S::Clients(p) = list(ListQuery { search: Some("j-f d'amours".into()), ..Default::default() }).unwrap() else {
        panic!()
    };
    assert_eq!(p.items.len(), 1);
}

/// `count` stops at 10,000 and says so; below it the count is exact.
fn count_is_capped_and_says_so(f: &Fixture) {
    bulk_load(f, Sizes { clients: 3, contacts: 3, interactions: 10_050, transfers: 1 });
    let count = |filter: Option<&str>| {
        let query =
            ListQuery { filter: filter.map(|t| FilterInput::Text(t.into())), count: true, ..Default::default() };
        match f
            .run(f.admin, R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query })
            .unwrap()
        {
            S::Interactions(p) => (p.total, p.total_capped),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(count(None), (Some(10_000), true));
    let (n, capped) = count(Some("type:note"));
    assert!(!capped);
    assert!(n.unwrap() > 2_000 && n.unwrap() < 10_000, "{n:?}");
    let json = f
        .engine
        .execute_json(&format!(r#"{{"actor": {}, "op": "interaction.list", "count": true, "limit": 1}}"#, f.admin))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["total"], 10_000);
    assert_eq!(v["total_capped"], true);
}

/// An import past its deadline (one transaction of many short statements)
/// answers `timeout`, writes nothing, and leaves the pool usable.
fn an_import_past_its_deadline_writes_nothing(backend: Backend) {
    let Some(f) = Fixture::with_config(backend, |c| c.import_timeout_ms = 300) else { return };
    let batch = (0..5_000).map(|i| ClientData::new(format!("P{i}"), format!("Bélanger, Éloïse {i}"))).collect();
    let e = f.run(f.admin, R::ClientImport { clients: batch }).unwrap_err();
    assert!(matches!(e, Error::Timeout { after_ms: 300, .. }), "{e:?}");
    assert_eq!(f.engine.debug_connections_in_use(), 0);
    let S::Clients(p) = f.run(f.admin, R::ClientList { query: ListQuery::default() }).unwrap() else { panic!() };
    assert!(p.items.is_empty(), "nothing of the import was kept");
    create(&f, "P0").unwrap();
}

#[test]
fn sqlite_an_import_past_its_deadline_writes_nothing() {
    an_import_past_its_deadline_writes_nothing(Backend::Sqlite);
}

#[test]
fn postgres_an_import_past_its_deadline_writes_nothing() {
    an_import_past_its_deadline_writes_nothing(Backend::Postgres);
}

/// The host's progress callback runs on the request's thread; a slow one
/// at the final report (all rows written, the commit next) used to let the
/// import commit after its deadline. Now it answers `timeout` and keeps
/// nothing.
fn an_import_whose_last_report_overruns_the_deadline_keeps_nothing(f: &Fixture) {
    struct SlowEnd;
    impl clientele_core::Progress for SlowEnd {
        fn report(&self, done: u64, total: u64) -> bool {
            if done == total {
                std::thread::sleep(Duration::from_millis(1_300));
            }
            true
        }
    }
    let batch = (0..50).map(|i| ClientData::new(format!("L{i}"), format!("Lévesque {i}"))).collect();
    let e = f
        .engine
        .execute_with_progress(
            clientele_core::protocol::Actor::Staff(f.admin),
            R::ClientImport { clients: batch },
            &SlowEnd,
        )
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { after_ms: 1_000, .. }), "{e:?}");
    let S::Clients(p) = f.run(f.admin, R::ClientList { query: ListQuery::default() }).unwrap() else { panic!() };
    assert!(p.items.is_empty(), "{:?}: an import past its deadline was committed", f.backend);
}

#[test]
fn sqlite_an_import_whose_last_report_overruns_the_deadline_keeps_nothing() {
    let f = Fixture::with_config(Backend::Sqlite, |c| c.import_timeout_ms = 1_000).unwrap();
    an_import_whose_last_report_overruns_the_deadline_keeps_nothing(&f);
}

#[test]
fn postgres_an_import_whose_last_report_overruns_the_deadline_keeps_nothing() {
    if let Some(f) = Fixture::with_config(Backend::Postgres, |c| c.import_timeout_ms = 1_000) {
        an_import_whose_last_report_overruns_the_deadline_keeps_nothing(&f);
    }
}

backend_tests!(
    a_slow_statement_is_interrupted_at_its_deadline,
    dashboards_and_imports_leave_a_connection_for_interactive_requests,
    costly_keywords_are_refused_with_their_span,
    count_is_capped_and_says_so,
);

/// Another process holds SQLite's write lock for 6 s (longer than the old
/// fixed 5 s busy timeout). Meanwhile a `client.create` waits for it
/// instead of failing with "database is locked", and opening another
/// engine on the (already migrated) file does not need the lock at all.
#[test]
fn writers_and_opens_wait_for_another_process_writer() {
    let f = Fixture::with_config(Backend::Sqlite, |c| c.request_timeout_ms = 30_000).unwrap();
    let url = f.place.url();
    let path = url.strip_prefix("sqlite:").unwrap().to_string();
    let locked = Arc::new(AtomicBool::new(false));
    let holder = {
        let locked = locked.clone();
        std::thread::spawn(move || {
            use diesel::Connection;
            use diesel::connection::SimpleConnection;
            let mut c = diesel::SqliteConnection::establish(&path).unwrap();
            c.batch_execute("PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE; INSERT INTO clients (code, code_key, name, name_fold, kind, status, phones, emails, created_by, created_at, updated_by, updated_at, version, search_text) VALUES ('Z', 'z', 'Z', 'z', 'individual', 'active', '[]', '[]', 1, 0, 1, 0, 1, 'z');").unwrap();
            locked.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(6));
            c.batch_execute("COMMIT").unwrap();
        })
    };
    wait_for("the other writer to take the lock", Duration::from_secs(10), || locked.load(Ordering::SeqCst));
    let started = Instant::now();
    let other = std::thread::spawn(move || {
        let opened = Instant::now();
        let e = Engine::open(EngineConfig::new(url));
        (e.map(|_| ()), opened.elapsed())
    });
    let created = create(&f, "WAIT1");
    let waited = started.elapsed();
    assert!(created.is_ok(), "{created:?}");
    assert!(waited >= Duration::from_secs(4), "the create waited for the other writer ({waited:?})");
    let (opened, took) = other.join().unwrap();
    opened.unwrap();
    assert!(took < Duration::from_secs(5), "opening waited for the write lock ({took:?})");
    holder.join().unwrap();
    let S::Clients(p) = f.run(f.admin, R::ClientList { query: ListQuery::default() }).unwrap() else { panic!() };
    assert_eq!(p.items.len(), 2);
}

/// A writer whose deadline passes while another process holds the lock
/// answers `timeout`, never "database is locked".
#[test]
fn a_writer_past_its_deadline_answers_timeout_not_locked() {
    let f = Fixture::with_config(Backend::Sqlite, |c| c.request_timeout_ms = 500).unwrap();
    let path = f.place.url().strip_prefix("sqlite:").unwrap().to_string();
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let mut c = diesel::SqliteConnection::establish(&path).unwrap();
    c.batch_execute("BEGIN IMMEDIATE").unwrap();
    let e = create(&f, "LATE").unwrap_err();
    assert!(matches!(e, Error::Timeout { after_ms: 500, .. }), "{e:?}");
    c.batch_execute("ROLLBACK").unwrap();
    create(&f, "LATE").unwrap();
}

#[test]
fn timeouts_are_validated() {
    for bad in [0, 99, 600_001] {
        let mut c = EngineConfig::new("sqlite::memory:");
        c.request_timeout_ms = bad;
        let e = Engine::open(c).expect_err("refused");
        assert_eq!((e.code(), e.field()), ("config", Some("request_timeout_ms")), "{bad}");
        let mut c = EngineConfig::new("sqlite::memory:");
        c.tile_timeout_ms = bad;
        let e = Engine::open(c).expect_err("refused");
        assert_eq!((e.code(), e.field()), ("config", Some("tile_timeout_ms")), "{bad}");
    }
}

/// Two engines on one SQLite file (two processes, as far as SQLite can
/// tell): while one imports (one long transaction), the other's
/// `client.create` waits for it and succeeds, and a third engine opens.
#[test]
fn a_long_import_in_one_engine_lets_another_write_and_open() {
    let f = Fixture::with_config(Backend::Sqlite, |c| c.request_timeout_ms = 120_000).unwrap();
    let url = f.place.url();
    let mut config = EngineConfig::new(url.clone());
    config.request_timeout_ms = 120_000;
    let other = Engine::open(config).unwrap();
    let under_way = Arc::new(AtomicBool::new(false));
    struct Mark(Arc<AtomicBool>);
    impl clientele_core::Progress for Mark {
        fn report(&self, done: u64, _total: u64) -> bool {
            if done >= 300 {
                self.0.store(true, Ordering::SeqCst);
            }
            true
        }
    }
    std::thread::scope(|s| {
        let import = s.spawn(|| {
            let batch = (0..3_000).map(|i| ClientData::new(format!("I{i}"), format!("Lévesque, Zoé {i}"))).collect();
            let started = Instant::now();
            let r = f.engine.execute_with_progress(
                clientele_core::protocol::Actor::Staff(f.admin),
                R::ClientImport { clients: batch },
                &Mark(under_way.clone()),
            );
            (r, started.elapsed())
        });
        wait_for("the import to get under way", Duration::from_secs(60), || under_way.load(Ordering::SeqCst));
        let opened = Engine::open(EngineConfig::new(url.clone()));
        assert!(opened.is_ok(), "{:?}", opened.err());
        let created = other.execute(
            clientele_core::protocol::Actor::Staff(f.admin),
            R::ClientCreate { data: ClientData::new("AUTRE", "Thériault, Noémie") },
        );
        assert!(created.is_ok(), "{created:?}");
        let (imported, took) = import.join().unwrap();
        assert!(matches!(imported, Ok(S::Imported(ref i)) if i.imported == 3_000), "{imported:?}");
        eprintln!("import of 3,000 clients took {took:?}");
    });
}

/// Not a test: figures for RELIABILITY.md (run with `--ignored
/// --nocapture`): the reviewer's pathological requests at 160k
/// interactions, and the costliest request the caps still allow.
#[test]
#[ignore]
fn measure_pathological_searches() {
    let f = Fixture::new(Backend::Sqlite).unwrap();
    bulk_load(&f, Sizes { clients: 2000, contacts: 3000, interactions: 160_000, transfers: 10 });
    let run = |filter: Option<String>, search: Option<String>, count: bool| {
        let query = ListQuery { filter: filter.map(FilterInput::Text), search, count, ..Default::default() };
        let started = Instant::now();
        let r = f.run(f.admin, R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query });
        (r.map(|_| ()).map_err(|e| e.code()), started.elapsed())
    };
    let letters: Vec<String> = (0..990).map(|i| ((b'a' + (i % 26) as u8) as char).to_string()).collect();
    eprintln!("990 one-letter words, filter: {:?}", run(Some(letters.join("-")), None, false));
    eprintln!("990 one-letter words, count: {:?}", run(Some(letters.join("-")), None, true));
    let search: String = (0..125).map(|i| format!("{} ", letters[i % 26])).collect();
    eprintln!("500-byte search: {:?}", run(None, Some(search), false));
    let f16 = Some("a-b-c-d-e-f-g-h".to_string());
    let s8 = Some("i j k l m n o p".to_string());
    eprintln!("16 one-letter words (caps' worst): {:?}", run(f16.clone(), s8.clone(), false));
    eprintln!("16 one-letter words, count: {:?}", run(f16, s8, true));
    eprintln!("count of everything: {:?}", run(None, None, true));
    eprintln!("'suivi dossier' search, count: {:?}", run(None, Some("suivi dossier".into()), true));
}
