//! Writers under contention, kept as tests (issue 9 "held" properties):
//! 16 threads editing one version of one record, and 3 writing *processes*
//! sharing one database. Nothing may be overwritten silently, nothing
//! acknowledged may be lost, and no "database is locked"/busy error may
//! reach a caller whose deadline has not passed.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use clientele_core::domain::{ClientData, Id};
use clientele_core::protocol::{Actor, ListQuery, Request as R, Response as S};
use clientele_core::{Engine, EngineConfig, Error};
use clientele_tests::{Backend, Fixture, backend_tests};

fn client_of(r: clientele_core::Result<S>) -> clientele_core::domain::Record<ClientData> {
    match r {
        Ok(S::Client(c)) => c,
        other => panic!("{other:?}"),
    }
}

const THREADS: usize = 16;
const ROUNDS: usize = 4;

/// 16 threads released together by a barrier each send `client.update` of
/// the same version: exactly one wins, the 15 others get `conflict` naming
/// the winner's version, and the record holds the winner's value. Repeated
/// on the new version each round.
fn sixteen_writers_of_one_version_give_one_winner(f: &Fixture) {
    let c = client_of(f.run(f.admin, R::ClientCreate { data: ClientData::new("RACE-16", "Course à seize") }));
    let mut version = c.version;
    for round in 0..ROUNDS {
        let barrier = Barrier::new(THREADS);
        let results: Vec<(usize, clientele_core::Result<S>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let mut d = c.data.clone();
                    d.notes = Some(format!("round {round}, writer {t}"));
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        (t, f.run(f.admin, R::ClientUpdate { id: c.id, version, data: d.into() }))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(t, _)| *t).collect();
        assert_eq!(winners.len(), 1, "{:?} round {round}: {results:?}", f.backend);
        let winner = winners[0];
        for (t, r) in &results {
            match r {
                Ok(S::Client(won)) => {
                    assert_eq!(won.version, version + 1);
                    assert_eq!(won.data.notes.as_deref(), Some(format!("round {round}, writer {t}").as_str()));
                }
                Err(Error::Conflict { expected, current, .. }) => {
                    assert_eq!((*expected, *current), (version, version + 1), "writer {t}")
                }
                other => panic!("{:?} writer {t}: {other:?}", f.backend),
            }
        }
        let now = client_of(f.run(f.admin, R::ClientGet { id: c.id }));
        assert_eq!(now.version, version + 1);
        assert_eq!(now.data.notes.as_deref(), Some(format!("round {round}, writer {winner}").as_str()));
        version = now.version;
    }
}

backend_tests!(sixteen_writers_of_one_version_give_one_winner);

// ------------------------------------------------------------ processes

const WRITER_URL: &str = "CLIENTELE_WRITER_URL";
const WRITER_ID: &str = "CLIENTELE_WRITER_ID";
const WRITER_ACTOR: &str = "CLIENTELE_WRITER_ACTOR";
const WRITER_SHARED: &str = "CLIENTELE_WRITER_SHARED";
const WRITER_GO: &str = "CLIENTELE_WRITER_GO";
const WRITER_LOG: &str = "CLIENTELE_WRITER_LOG";
const PROCESSES: usize = 3;
const CREATES: usize = 60;

/// Not a test on its own: one writing process of
/// `three_writing_processes_lose_nothing_*`, run with `--ignored`. Waits for
/// the go file, then creates [`CREATES`] clients and edits the shared one
/// as many times (read, then update of the version read). Each
/// acknowledged create is appended to the log as `ok <code> <id>` *after*
/// the engine answered; every error other than a `conflict` on the shared
/// client is logged as `error <message>`.
#[test]
#[ignore]
fn writer_child() {
    let Ok(url) = std::env::var(WRITER_URL) else { return };
    let var = |k: &str| std::env::var(k).unwrap();
    let (me, actor, shared): (usize, Id, Id) =
        (var(WRITER_ID).parse().unwrap(), var(WRITER_ACTOR).parse().unwrap(), var(WRITER_SHARED).parse().unwrap());
    let go = std::path::PathBuf::from(var(WRITER_GO));
    let mut log = std::fs::OpenOptions::new().create(true).append(true).open(var(WRITER_LOG)).unwrap();
    let engine = Engine::open(EngineConfig::new(url)).unwrap();
    let started = Instant::now();
    while !go.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "never told to go");
        std::thread::sleep(Duration::from_millis(2));
    }
    let a = Actor::Staff(actor);
    for i in 0..CREATES {
        let code = format!("P{me}N{i}");
        match engine
            .execute(a, R::ClientCreate { data: ClientData::new(code.clone(), format!("Processus {me}, n° {i}")) })
        {
            Ok(S::Client(c)) => writeln!(log, "ok {code} {}", c.id).unwrap(),
            other => writeln!(log, "error create {code}: {other:?}").unwrap(),
        }
        let current = match engine.execute(a, R::ClientGet { id: shared }) {
            Ok(S::Client(c)) => c,
            other => {
                writeln!(log, "error get: {other:?}").unwrap();
                continue;
            }
        };
        let mut d = current.data.clone();
        d.notes = Some(format!("{me}-{i}"));
        match engine.execute(a, R::ClientUpdate { id: shared, version: current.version, data: d.into() }) {
            Ok(_) => writeln!(log, "edit won").unwrap(),
            Err(Error::Conflict { .. }) => writeln!(log, "edit lost").unwrap(),
            Err(e) => writeln!(log, "error edit: {} {e}", e.code()).unwrap(),
        }
        log.flush().unwrap();
    }
}

/// Three processes (children of this test binary, each with its own
/// engine, pool and in-process writer lock) write one database at once.
/// Every create a child saw acknowledged is there afterwards, the shared
/// client's version counts exactly the edits that won, and no error other
/// than a typed `conflict` reached any of them.
fn three_writing_processes(backend: Backend) {
    let Some(f) = Fixture::new(backend) else { return };
    let shared = client_of(f.run(f.admin, R::ClientCreate { data: ClientData::new("SHARED", "Partagé inc.") }));
    let dir = std::env::temp_dir().join(format!("clientele-writers-{}-{backend:?}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let go = dir.join("go");
    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|w| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--ignored", "--exact", "writer_child", "--nocapture", "--test-threads=1"])
                .env(WRITER_URL, f.place.url())
                .env(WRITER_ID, w.to_string())
                .env(WRITER_ACTOR, f.admin.to_string())
                .env(WRITER_SHARED, shared.id.to_string())
                .env(WRITER_GO, &go)
                .env(WRITER_LOG, dir.join(format!("w{w}.log")))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Let every child open its engine, then release them together.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&go, b"go").unwrap();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{backend:?}: a writer failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let elapsed = started.elapsed();
    let (mut acked, mut won, mut lost, mut errors) = (Vec::new(), 0, 0, Vec::new());
    for w in 0..PROCESSES {
        for line in std::fs::read_to_string(dir.join(format!("w{w}.log"))).unwrap().lines() {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["ok", code, id] => acked.push((code.to_string(), id.parse::<Id>().unwrap())),
                ["edit", "won"] => won += 1,
                ["edit", "lost"] => lost += 1,
                _ => errors.push(line.to_string()),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(errors.is_empty(), "{backend:?}: {} errors reached callers, e.g. {:?}", errors.len(), errors.first());
    assert_eq!(acked.len(), PROCESSES * CREATES);
    assert_eq!(won + lost, PROCESSES * CREATES);
    assert!(won >= 1);
    // Every acknowledged create reads back as written, from a fresh engine.
    let engine = Engine::open(EngineConfig::new(f.place.url())).unwrap();
    let a = Actor::Staff(f.admin);
    for (code, id) in &acked {
        let c = client_of(engine.execute(a, R::ClientGet { id: *id }));
        assert_eq!(&c.data.code, code);
    }
    let total = match engine
        .execute(a, R::ClientList { query: ListQuery { count: true, limit: Some(1), ..Default::default() } })
        .unwrap()
    {
        S::Clients(p) => p.total.unwrap(),
        o => panic!("{o:?}"),
    };
    assert_eq!(total as usize, 1 + PROCESSES * CREATES);
    // Each winning edit moved the version by one; no lost update.
    let after = client_of(engine.execute(a, R::ClientGet { id: shared.id }));
    assert_eq!(after.version, shared.version + won as i64, "{backend:?}: {won} edits won");
    eprintln!(
        "{backend:?}: {PROCESSES} processes, {} creates + {} edits ({won} won, {lost} conflicts) in {elapsed:?}",
        acked.len(),
        won + lost
    );
}

#[test]
fn three_writing_processes_lose_nothing_sqlite() {
    three_writing_processes(Backend::Sqlite);
}

#[test]
fn three_writing_processes_lose_nothing_postgres() {
    three_writing_processes(Backend::Postgres);
}
