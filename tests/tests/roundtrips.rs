//! Round trips to PostgreSQL per read request, counted on the wire: the
//! engine talks to the server through a proxy that counts the client's
//! turns (a burst of bytes from the engine after the server last spoke is
//! one round trip). A list or grid page takes at most 2: the actor (with
//! their rights, the firm's custom fields and their chosen columns), and
//! the page with its records (and a grid's names, its count, and the check
//! that the client of a client's list or timeline is visible). So do a
//! dashboard's tiles, on a client's dashboard too (the page statement
//! checks the client; an empty page of a client's records is checked again
//! by id, one round trip more, to tell `not_found` from nothing). Searches
//! too: the sample that shapes a search of the large lists, every rank of
//! a ranked client or contact search and the linked records' texts (to say
//! why a row matched) are parts of the page statement.
//!
//! Each request is run twice first (the connection's statements prepared
//! and its session timeout set), then counted. The engine's request and
//! tile budgets are equal and long here: the session's `statement_timeout`
//! is re-set only when the deadline no longer fits it (`store/session.rs`,
//! within 2%), and on a loaded machine a slow debug request could
//! otherwise make the count depend on timing.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientele_core::protocol::{Actor, DataScope, Request};
use clientele_core::{Engine, EngineConfig};
use clientele_tests::{Backend, Fixture, Sizes, bulk_load};

/// Counts turns of every connection through it.
struct Counter {
    port: u16,
    turns: Arc<AtomicU64>,
    /// Every byte the engine sent.
    sent: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
}

impl Counter {
    fn new(upstream: SocketAddr) -> Counter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let turns = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (t, s, b) = (turns.clone(), stop.clone(), sent.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((down, _)) => {
                        down.set_nonblocking(false).unwrap();
                        let up = TcpStream::connect(upstream).unwrap();
                        // Whether the server spoke last on this connection.
                        let server_last = Arc::new(Mutex::new(true));
                        pipe(
                            down.try_clone().unwrap(),
                            up.try_clone().unwrap(),
                            server_last.clone(),
                            Some((t.clone(), b.clone())),
                        );
                        pipe(up, down, server_last, None);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(2)),
                    Err(e) => panic!("proxy accept: {e}"),
                }
            }
        });
        Counter { port, turns, sent, stop }
    }

    fn count(&self) -> u64 {
        self.turns.load(Ordering::SeqCst)
    }

    /// How many bytes the engine has sent so far.
    fn mark(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    /// Whether the engine sent `needle` since `mark`.
    fn sent_since(&self, mark: usize, needle: &[u8]) -> bool {
        self.sent.lock().unwrap()[mark..].windows(needle.len()).any(|w| w == needle)
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Copies `from` to `to`. From the client (`turns` given), a read after the
/// server spoke is a new turn; from the server, marks that it spoke before
/// the bytes reach the client (so the client's next request sees it).
type Turns = Option<(Arc<AtomicU64>, Arc<Mutex<Vec<u8>>>)>;

fn pipe(mut from: TcpStream, mut to: TcpStream, server_last: Arc<Mutex<bool>>, turns: Turns) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            {
                let mut last = server_last.lock().unwrap();
                match &turns {
                    Some((t, sent)) => {
                        if *last {
                            t.fetch_add(1, Ordering::SeqCst);
                        }
                        *last = false;
                        sent.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                    None => *last = true,
                }
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// `url` with its host and port replaced by `127.0.0.1:port`, TLS off (the
/// count is the same; the handshake is not what is measured), and the
/// server's address it named.
fn through(url: &str, port: u16) -> (String, SocketAddr) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let hostport = if hostport.contains(':') { hostport.to_string() } else { format!("{hostport}:5432") };
    let upstream = hostport.to_socket_addrs().expect("the server's address").next().expect("an address");
    let sep = if tail.contains('?') { '&' } else { '?' };
    (format!("{scheme}://{user}127.0.0.1:{port}{tail}{sep}sslmode=disable"), upstream)
}

/// An engine of one pooled connection on `f`'s database through a counting
/// proxy, with the request budget and the tiles' `tile_ms`.
fn through_proxy(f: &Fixture, tile_ms: u64) -> (Counter, Engine) {
    let (_, upstream) = through(&f.place.url(), 0);
    let counter = Counter::new(upstream);
    let (url, _) = through(&f.place.url(), counter.port);
    let mut config = EngineConfig::new(url);
    config.pool_size = 1;
    config.request_timeout_ms = 600_000;
    config.tile_timeout_ms = tile_ms;
    let engine = Engine::open_with_clock(config, Arc::new(f.clock.clone())).expect("engine opens through the proxy");
    (counter, engine)
}

#[test]
fn read_requests_take_at_most_their_round_trips() {
    let Some(f) = Fixture::new(Backend::Postgres) else { return };
    bulk_load(&f, Sizes { clients: 40, contacts: 80, interactions: 300, transfers: 30 });
    let (counter, engine) = through_proxy(&f, 600_000);
    let a = f.admin;
    let client: i64 = match f.run(a, clientele_core::protocol::Request::ClientList { query: Default::default() }) {
        Ok(clientele_core::protocol::Response::Clients(p)) => p.items[0].id,
        other => panic!("{other:?}"),
    };
    // A tag on a client: tag filters and tag columns cost nothing more (the
    // tags come with the actor, a page's tags in its statement).
    f.engine
        .execute_json(r##"{"actor":"host","op":"tag.put","tag":{"code":"urgent","name_fr":"Urgent","name_en":"Urgent","colour":"#d32f2f"}}"##)
        .unwrap();
    f.engine
        .execute_json(&format!(r#"{{"actor":{a},"op":"client.tag","id":{client},"version":1,"add":["urgent"]}}"#))
        .unwrap();
    // (request, the most round trips it may take): one, its page
    // statement, which checks the actor kept from the requests before
    // (`store::actor`).
    let cases: Vec<(String, u64)> = vec![
        (format!(r#"{{"actor":{a},"op":"client.list"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"client.list","filter":"status:active","search":"c1"}}"#), 1),
        // Rows matched only through a linked contact: their contacts' texts
        // come with the page, to say why.
        (format!(r#"{{"actor":{a},"op":"client.list","filter":"status:active","search":"tremblay"}}"#), 1),
        // Ranked searches (every rank, the sample of the name order), their
        // count, a contact's clients, another sort: one statement.
        (format!(r#"{{"actor":{a},"op":"client.list","search":"tremblay"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"client.list","search":"c1","count":true}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"client.list","search":"xyzzy"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"contact.list","search":"tremblay"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"contact.list","search":"c1"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"client.list","search":"tremblay","sort":"-created"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"contacts","search":"tremblay"}}"#), 1),
        // The large lists' searches: the sample that shapes them is part
        // of the page statement.
        (format!(r#"{{"actor":{a},"op":"interaction.list","search":"dossier"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"interaction.list","search":"dossier 4242","count":true}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"transfer.list","search":"xyzzy"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"interactions","search":"relance t4"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"contact.list"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"transfer.list"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"transfer.list","open_only":true}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"interaction.list"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"interaction.list","filter":"type:appel"}}"#), 1),
        // The page statement checks the client (visible, live).
        (format!(r#"{{"actor":{a},"op":"client.timeline","id":{client}}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"client.timeline","id":{client},"last_30_days":true,"count":true}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"interaction.list","client_id":{client},"count":true}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"transfer.list","client_id":{client}}}"#), 1),
        // Counted by the page statement (one snapshot).
        (format!(r#"{{"actor":{a},"op":"client.list","count":true}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"interactions","count":true,"count_limit":999}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"clients"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"interactions"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"transfers"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"client.list","filter":"tag:urgent"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"contact.list","filter":"étiquette:urgent OR NOT tag:urgent"}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"clients","columns":["code","tags"]}}"#), 1),
        (format!(r#"{{"actor":{a},"op":"grid.query","list":"contacts","columns":["name","tags"]}}"#), 1),
    ];
    // The searches above that count on linked matches have some: a client
    // found through a contact, a contact through a client.
    for (request, via) in [
        (format!(r#"{{"actor":{a},"op":"client.list","filter":"status:active","search":"tremblay"}}"#), "contact"),
        (format!(r#"{{"actor":{a},"op":"contact.list","search":"c1"}}"#), "client"),
    ] {
        let answer: serde_json::Value = serde_json::from_str(&engine.execute_json(&request).unwrap()).unwrap();
        let items = answer["items"].as_array().unwrap_or_else(|| panic!("{request}: {answer}"));
        assert!(items.iter().any(|i| i["matched_via"]["kind"] == via), "{request}: none through a {via}: {answer}");
    }
    let mut report = Vec::new();
    for (request, most) in &cases {
        for _ in 0..2 {
            engine.execute_json(request).unwrap_or_else(|e| panic!("{request}: {e}"));
        }
        let before = counter.count();
        engine.execute_json(request).unwrap();
        let took = counter.count() - before;
        println!("{took} round trips (at most {most}): {request}");
        report.push((request.clone(), took, *most));
    }
    // A dashboard's tiles (`Engine::execute_scoped`, what portlets ask),
    // on the staff member's dashboard and on a client's: one round trip
    // each too, on the actor kept.
    let tiles: Vec<(DataScope, &str, u64)> = vec![
        (DataScope::Staff, r#"{"op":"grid.query","list":"interactions","count":true,"count_limit":999,"limit":5}"#, 1),
        (
            DataScope::Staff,
            r#"{"op":"grid.query","list":"transfers","open_only":true,"count":true,"count_limit":999}"#,
            1,
        ),
        (DataScope::Staff, r#"{"op":"list.count_by","list":"transfers","by":["status"]}"#, 1),
        (
            DataScope::Client { client_id: client },
            r#"{"op":"grid.query","list":"interactions","count":true,"count_limit":999}"#,
            1,
        ),
        (DataScope::Client { client_id: client }, r#"{"op":"client.timeline","id":CLIENT}"#, 1),
        (DataScope::Client { client_id: client }, r#"{"op":"contact.list"}"#, 1),
        (DataScope::Client { client_id: client }, r#"{"op":"transfer.list","open_only":true}"#, 1),
    ];
    for (scope, request, most) in tiles {
        let req: Request = serde_json::from_str(&request.replace("CLIENT", &client.to_string())).unwrap();
        for _ in 0..2 {
            engine.execute_scoped(Actor::Staff(a), scope, req.clone()).unwrap_or_else(|e| panic!("{request}: {e}"));
        }
        let before = counter.count();
        let answer = engine.execute_scoped(Actor::Staff(a), scope, req).unwrap();
        let took = counter.count() - before;
        // An empty page of a client's records is checked again by id: is
        // the client not there (`not_found`), or are its records?
        let answer = serde_json::to_value(&answer).unwrap();
        let empty = ["items", "rows"].iter().any(|k| answer[k].as_array().is_some_and(|v| v.is_empty()));
        let most = if empty && matches!(scope, DataScope::Client { .. }) { most + 1 } else { most };
        println!("{took} round trips (at most {most}{}): tile {scope:?} {request}", if empty { ", empty" } else { "" });
        report.push((request.to_string(), took, most));
    }
    for (request, took, most) in report {
        assert!(took <= most, "{request}: {took} round trips, at most {most} expected");
    }
}

/// A connection going from a tile's budget to a request's and back has its
/// session `statement_timeout` changed each time; the actor's statement
/// sets it (`set_config`), so the switch costs no round trip of its own.
#[test]
fn a_budget_switch_costs_no_round_trip() {
    let Some(f) = Fixture::new(Backend::Postgres) else { return };
    bulk_load(&f, Sizes { clients: 20, contacts: 20, interactions: 50, transfers: 5 });
    let (counter, engine) = through_proxy(&f, 300_000);
    let a = f.admin;
    let request = format!(r#"{{"actor":{a},"op":"client.list"}}"#);
    let tile: Request = serde_json::from_str(r#"{"op":"grid.query","list":"interactions","limit":5}"#).unwrap();
    // Statements prepared, the session's timeout set once.
    engine.execute_json(&request).unwrap();
    engine.execute_scoped(Actor::Staff(a), DataScope::Staff, tile.clone()).unwrap();
    for round in 0..3 {
        let before = counter.count();
        engine.execute_json(&request).unwrap();
        let took = counter.count() - before;
        assert!(took <= 2, "round {round}: a request after a tile took {took} round trips");
        let before = counter.count();
        engine.execute_scoped(Actor::Staff(a), DataScope::Staff, tile.clone()).unwrap();
        let took = counter.count() - before;
        assert!(took <= 2, "round {round}: a tile after a request took {took} round trips");
    }
}

/// A ranked client or contact search runs under generic plans (PostgreSQL
/// made a custom plan of its statement at every call: 5-8 ms for 1-2 ms of
/// work at size M), and so do list pages without a filter, a search or a switch (a
/// custom plan at every call, 0.3-0.4 ms of planning); filtered pages,
/// keyword searches and every other request under custom ones (`auto`: an interactions search under a generic plan
/// took 586 ms instead of 3). On one pooled connection going from one to
/// the other and back, the switch is sent only when the mode changes, and
/// costs one round trip at most: set by the actor's statement when the
/// request reads its actor, else by a `SET` of its own beside a page
/// statement that checks the actor kept (`store::actor`). A request that
/// switches nothing is one round trip.
#[test]
fn plan_mode_switches_cost_one_round_trip_at_most() {
    let Some(f) = Fixture::new(Backend::Postgres) else { return };
    bulk_load(&f, Sizes { clients: 20, contacts: 20, interactions: 50, transfers: 5 });
    let (counter, engine) = through_proxy(&f, 600_000);
    let a = f.admin;
    let generic = [
        format!(r#"{{"actor":{a},"op":"client.list","search":"tremblay"}}"#),
        format!(r#"{{"actor":{a},"op":"contact.list","search":"tremblay"}}"#),
        format!(r#"{{"actor":{a},"op":"client.list"}}"#),
        format!(r#"{{"actor":{a},"op":"grid.query","list":"interactions"}}"#),
        format!(r#"{{"actor":{a},"op":"client.timeline","id":1}}"#),
        format!(r#"{{"actor":{a},"op":"contact.list"}}"#),
    ];
    let others = [
        format!(r#"{{"actor":{a},"op":"interaction.list","search":"dossier"}}"#),
        format!(r#"{{"actor":{a},"op":"transfer.list","search":"dossier"}}"#),
        // A filter's values, a switch's date: they shape the plan.
        format!(r#"{{"actor":{a},"op":"client.list","filter":"statut:actif"}}"#),
        format!(r#"{{"actor":{a},"op":"grid.query","list":"interactions","last_30_days":true}}"#),
        // A contact search with a filter or a sort of its own.
        format!(r#"{{"actor":{a},"op":"contact.list","search":"tremblay","filter":"nom:tremblay"}}"#),
        format!(r#"{{"actor":{a},"op":"contact.list","search":"tremblay","sort":"-updated"}}"#),
    ];
    // The mode as a bound text value of the actor's statement (prepared
    // once; its values travel length-prefixed in each Bind message), or in
    // a `SET` of its own when the request runs on the actor kept from
    // before (`store::actor`: then no actor's statement is sent).
    const GENERIC: [&[u8]; 2] = [b"\0\0\0\x12force_generic_plan", b"plan_cache_mode = force_generic_plan"];
    const AUTO: [&[u8]; 2] = [b"\0\0\0\x04auto", b"plan_cache_mode = auto"];
    // Statements prepared, the session's timeout set (twice: a search's
    // first run also reads its keyword index's statistics, which then
    // carries the actor's check in place of its page statement).
    for _ in 0..2 {
        for r in generic.iter().chain(&others) {
            engine.execute_json(r).unwrap();
        }
    }
    let run = |request: &str| {
        let (before, mark) = (counter.count(), counter.mark());
        engine.execute_json(request).unwrap();
        (counter.count() - before, mark)
    };
    for (ranked, other) in generic.iter().zip(&others) {
        let (took, mark) = run(ranked);
        assert!(took <= 2, "{ranked} after {other}: {took} round trips");
        assert!(GENERIC.iter().any(|n| counter.sent_since(mark, n)), "{ranked}: generic plans asked for");
        let (took, mark) = run(ranked);
        assert!(took <= 1, "{ranked} again: {took} round trips");
        assert!(!GENERIC.iter().any(|n| counter.sent_since(mark, n)), "{ranked} again: the mode is set already");
        assert!(!AUTO.iter().any(|n| counter.sent_since(mark, n)), "{ranked} again: the mode is set already");
        let (took, mark) = run(other);
        assert!(took <= 2, "{other} after {ranked}: {took} round trips");
        assert!(AUTO.iter().any(|n| counter.sent_since(mark, n)), "{other}: back to custom plans");
        assert!(!GENERIC.iter().any(|n| counter.sent_since(mark, n)), "{other}: custom plans");
        let (took, mark) = run(other);
        assert!(took <= 1, "{other} again: {took} round trips");
        assert!(!AUTO.iter().any(|n| counter.sent_since(mark, n)), "{other} again: the mode is set already");
    }
    // A write after a ranked search runs under custom plans too (its
    // actor's statement sets them back).
    run(&generic[0]);
    let mark = counter.mark();
    engine
        .execute_json(&format!(
            r#"{{"actor":{a},"op":"client.create","data":{{"code":"PLAN-1","name":"Hélène D'Amours"}}}}"#
        ))
        .unwrap();
    assert!(AUTO.iter().any(|n| counter.sent_since(mark, n)), "a write resets the mode");
}

/// Creates on PostgreSQL, counted on the wire, on an actor kept from an
/// earlier request (`store::actor`). A `client.create` is `BEGIN` with the
/// transaction's timeout and the kept actor's check in one batch
/// (`actor::take_write_guard`), one statement that inserts the client (a
/// code already taken is met by the insert itself, `ON CONFLICT DO
/// NOTHING`, not by a read before it), its duplicate keys and its history
/// row, and answers each key's first page of other holders, which the
/// warnings start from (`clients::pg_insert_recorded`), and `COMMIT`: 3,
/// the hand-written insert's count (the client's visibility is decided
/// from the office written, not read back). An
/// `interaction.create` of a client: `BEGIN`, the insert with its client
/// checked visible and held live and its history row (one statement,
/// `interactions::pg_insert_with_history`, `visibility::client_hold`),
/// `COMMIT`: 3, the baseline's count (its custom fields are the actor's,
/// read with them; with a contact too the client is checked apart,
/// before the link). A `contact.create`: 4, its insert, then its history
/// row with its keys and the warnings' first pages
/// (`history::record_with_keys`); answered from what it wrote, not read
/// back; no tags read when it names none; a new id's keys and tags are
/// inserted, not replaced. They were 10, 8 and 13 before
/// 2026-12-07, then 6 each (the actor read by each write, the warnings
/// and an interaction's history row apart).
#[test]
fn creates_take_their_round_trips() {
    // A contact.create (see above).
    const CONTACT: u64 = 4;
    use clientele_core::domain::{ClientData, InteractionData};
    let Some(f) = Fixture::new(Backend::Postgres) else { return };
    bulk_load(&f, Sizes { clients: 20, contacts: 20, interactions: 50, transfers: 5 });
    let (counter, engine) = through_proxy(&f, 600_000);
    let a = f.admin;
    let mut report = Vec::new();
    for round in 0..4 {
        // Names no other client shares: no warnings to label.
        let data = ClientData::new(format!("RT-{round}"), format!("Gagnon-Lévesque, Zoé n° {round} ẞ"));
        let before = counter.count();
        let id = match engine.execute(Actor::Staff(a), Request::ClientCreate { data }).unwrap() {
            clientele_core::protocol::Response::Client(c) => c.id,
            other => panic!("{other:?}"),
        };
        let client = counter.count() - before;
        let mut data = InteractionData::note(clientele_tests::epoch(), format!("Relance du dossier {round}"));
        data.client_id = Some(id);
        data.staff_id = Some(a);
        let before = counter.count();
        engine.execute(Actor::Staff(a), Request::InteractionCreate { data }).unwrap();
        let interaction = counter.count() - before;
        let data = clientele_core::domain::ContactData::new("Zoé", format!("Gagnon-Lévesque n° {round}"));
        let before = counter.count();
        engine.execute(Actor::Staff(a), Request::ContactCreate { data }).unwrap();
        let contact = counter.count() - before;
        println!("round {round}: client.create {client}, interaction.create {interaction}, contact.create {contact}");
        // The first round prepares the connection's statements.
        if round > 0 {
            report.push((round, client, interaction, contact));
        }
    }
    for (round, client, interaction, contact) in report {
        assert!(client <= 3, "round {round}: client.create took {client} round trips, at most 3 expected");
        assert!(
            interaction <= 3,
            "round {round}: interaction.create took {interaction} round trips, at most 3 expected"
        );
        assert!(
            contact <= CONTACT,
            "round {round}: contact.create took {contact} round trips, at most {CONTACT} expected"
        );
    }
    // A code taken still answers the typed error naming its holder, the
    // transaction left usable by the insert that met it.
    let taken = engine.execute(Actor::Staff(a), Request::ClientCreate { data: ClientData::new("RT-1", "Autre") });
    match taken {
        Err(clientele_core::Error::Duplicate { field, value, where_ }) => {
            assert_eq!((field.as_str(), value.as_str()), ("code", "RT-1"));
            assert!(where_.contains("client"), "{where_}");
        }
        other => panic!("{other:?}"),
    }
}
