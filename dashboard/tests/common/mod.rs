//! Shared seeding for the dashboard tests: a small firm built through the
//! protocol on a real engine (SQLite file, or PostgreSQL when reachable).

#![allow(dead_code, clippy::result_large_err)]

use std::path::PathBuf;
use std::sync::Arc;

use clientele_core::domain::{Perms, Rights};
use clientele_core::{Engine, EngineConfig};
use clientele_dashboard::Dashboards;
use clientele_tests::{Backend, Fixture, Place, TestClock};
use serde_json::{Value, json};

/// An engine shared with the dashboards, and what keeps its database alive.
pub struct Firm {
    pub engine: Arc<Engine>,
    pub clock: TestClock,
    pub admin: i64,
    pub place: Place,
    pub backend: Backend,
    pub clients: Vec<SeededClient>,
}

/// A client of the seed, with the unique markers its records carry.
#[derive(Debug, Clone)]
pub struct SeededClient {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Appears in the subjects of its interactions and transfers.
    pub marker: String,
    pub contact_name: String,
    pub interaction_ids: Vec<i64>,
    pub transfer_ids: Vec<i64>,
}

/// Runs a protocol request; panics on failure.
pub fn run(engine: &Engine, request: Value) -> Value {
    let text = engine.execute_json(&request.to_string()).unwrap_or_else(|e| panic!("{request}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Runs a protocol request, answering the error body on failure.
pub fn try_run(engine: &Engine, request: Value) -> Result<Value, clientele_core::ErrorBody> {
    engine.execute_json(&request.to_string()).map(|t| serde_json::from_str(&t).unwrap()).map_err(|e| e.body())
}

/// A Rust example plugin built by cargo next to this test executable (it is a
/// dev-dependency of this crate, never linked).
pub fn rust_plugin(crate_name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let file =
        format!("{}{}{}", std::env::consts::DLL_PREFIX, crate_name.replace('-', "_"), std::env::consts::DLL_SUFFIX);
    let path = deps.join(file);
    assert!(path.exists(), "{} not found (a dev-dependency of clientele-dashboard)", path.display());
    path
}

impl Firm {
    /// A fresh firm with `clients` clients, or `None` (PostgreSQL unreachable).
    pub fn new(backend: Backend, clients: usize, tweak: impl FnOnce(&mut EngineConfig)) -> Option<Firm> {
        let Fixture { engine, clock, admin, place, backend, .. } = Fixture::with_config(backend, tweak)?;
        let mut firm = Firm { engine: Arc::new(engine), clock, admin, place, backend, clients: Vec::new() };
        for i in 0..clients {
            firm.add_client(i);
        }
        Some(firm)
    }

    pub fn sqlite(clients: usize) -> Firm {
        Firm::new(Backend::Sqlite, clients, |_| {}).unwrap()
    }

    pub fn dashboards(&self) -> Dashboards {
        Dashboards::new(self.engine.clone())
    }

    pub fn as_admin(&self, mut request: Value) -> Value {
        request["actor"] = json!(self.admin);
        run(&self.engine, request)
    }

    /// A staff member with these rights.
    pub fn staff(&self, name: &str, rights: Rights) -> i64 {
        let s = run(
            &self.engine,
            json!({"actor": "host", "op": "staff.put", "staff": {"name": name, "initials": "ZZ", "rights": rights}}),
        );
        s["id"].as_i64().unwrap()
    }

    /// Every right but viewing file transfers.
    pub fn rights_without_transfers() -> Rights {
        Rights { file_transfers: Perms::default(), ..Rights::read_only() }
    }

    /// Adds client number `i`: a primary contact, two interactions today, an
    /// older one, and an open transfer.
    pub fn add_client(&mut self, i: usize) -> SeededClient {
        let marker = format!("Mk{i:03}q");
        let code = format!("C{i:03}X");
        let name = format!("Société Zeta{i:03} & fils");
        let client = self.as_admin(json!({"op": "client.create", "data": {
            "code": code, "name": name, "kind": "business",
            "address": {"line1": format!("{i} rue Principale"), "city": "Trois-Rivières", "province": "QC"},
            "phones": [{"number": format!("819 555-{i:04}")}],
            "emails": [{"address": format!("info{i}@zeta.example")}],
            "website": format!("https://zeta{i}.example")}}));
        let id = client["id"].as_i64().unwrap();
        let contact_name = format!("Côté{i:03}");
        let contact = self.as_admin(json!({"op": "contact.create", "data": {
            "first_name": "Hélène", "last_name": contact_name,
            "phones": [{"number": format!("819 555-9{i:03}")}], "emails": [{"address": format!("helene{i}@zeta.example")}]}}));
        let contact_id = contact["id"].as_i64().unwrap();
        self.as_admin(json!({"op": "contact.link", "contact_id": contact_id, "client_id": id, "role": "primary"}));
        let now = self.clock.get();
        let mut interaction_ids = Vec::new();
        for (hours, kind, what) in
            [(1, "phone_call", "Appel"), (2, "note", "Note"), (24 * 40, "email", "Vieux courriel")]
        {
            let at = (now - chrono::Duration::hours(hours)).to_rfc3339();
            let mut data = json!({"kind": kind, "occurred_at": at, "client_id": id, "contact_id": contact_id,
                                  "subject": format!("{what} {marker}"), "staff_id": self.admin});
            if kind == "phone_call" {
                data["direction"] = json!("incoming");
            }
            if kind == "email" {
                data["email_from"] = json!(format!("helene{i}@zeta.example"));
            }
            let r = self.as_admin(json!({"op": "interaction.create", "data": data}));
            interaction_ids.push(r["id"].as_i64().unwrap());
        }
        let t = self.as_admin(json!({"op": "transfer.create", "data": {
            "direction": "requested_from_contact", "from_staff": self.admin, "to_contact": contact_id,
            "client_id": id, "subject": format!("Relevés {marker}")}}));
        let c = SeededClient {
            id,
            code,
            name,
            marker,
            contact_name,
            interaction_ids,
            transfer_ids: vec![t["id"].as_i64().unwrap()],
        };
        self.clients.push(c.clone());
        c
    }
}
