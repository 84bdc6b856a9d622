//! Demo host: what an accounting firm's desktop application does with the
//! engine. It opens a SQLite file, fills it with a bilingual firm (staff,
//! clients, contacts, every kind of interaction, transfers in every state),
//! then prints the Manage Clients screen — clients with their contacts
//! expanded, a client's timeline, open transfers, filtered and searched
//! lists —, imports the firm's CSV files from its former product (a dry run
//! first, then the import, with each report) and renders a staff and a client dashboard (text, and HTML to a
//! file).
//!
//! `cargo run -p clientele-demo [-- DB_PATH [HTML_DIR]]` (defaults:
//! `target/demo/cabinet.db`, `target/demo/`). The database is made anew on
//! every run.

mod firm;
mod import;

use std::sync::Arc;

use clientele_core::protocol::{Actor, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::{Engine, EngineConfig};
use clientele_dashboard::{DashboardTarget, Dashboards};
use clientele_portlet_api::Locale;

fn main() {
    if let Err(e) = run() {
        eprintln!("demo failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args.next().unwrap_or_else(|| "target/demo/cabinet.db".into());
    let out_dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "target/demo".into()));
    std::fs::create_dir_all(&out_dir)?;
    if let Some(parent) = std::path::Path::new(&db).parent() {
        std::fs::create_dir_all(parent)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{suffix}"));
    }

    // The firm's history is written with a clock that starts 120 days ago
    // and catches up with today, so transfers can expire on the way.
    let clock = firm::HistoryClock::new(chrono::Utc::now() - chrono::Duration::days(120));
    let mut config = EngineConfig::new(format!("sqlite:{db}"));
    config.timezone = "America/Toronto".into();
    config.fiscal_year_start_month = 5;
    let engine = Arc::new(Engine::open_with_clock(config, Arc::new(clock.clone()))?);
    let seeded = firm::seed(&engine, &clock)?;
    clock.catch_up();
    let me = seeded.staff[0];

    let run = |r: R| engine.execute(Actor::Staff(me), r);
    title("Gestion des clients — Clients (contacts développés)");
    let clients = match run(R::ClientList { query: ListQuery { limit: Some(8), count: true, ..Default::default() } })? {
        S::Clients(p) => p,
        _ => unreachable!(),
    };
    println!("{} clients au total; les {} premiers par nom :", clients.total.unwrap_or(0), clients.items.len());
    // Every row expanded with one request (one query), not one per client.
    let ids = clients.items.iter().map(|c| c.id).collect();
    let expanded = match run(R::ClientContactsOf { ids })? {
        S::ClientContacts(rows) => rows,
        _ => unreachable!(),
    };
    for c in &clients.items {
        println!(
            "▸ {:<10} {:<38} {:<9} {}",
            c.data.code,
            c.data.name,
            format!("{:?}", c.data.status).to_lowercase(),
            c.data.office.as_deref().unwrap_or("—")
        );
        {
            for p in expanded.iter().filter(|p| p.client_id == c.id) {
                println!(
                    "      {:<30} {:<11} {:<20} {}",
                    p.file_as,
                    p.role.as_str(),
                    p.primary_phone.as_deref().unwrap_or("—"),
                    p.primary_email.as_deref().unwrap_or("—")
                );
            }
        }
    }

    let star = seeded.star_client;
    title("Chronologie d'un client (30 derniers jours)");
    if let S::Interactions(p) = run(R::ClientTimeline {
        id: star,
        last_30_days: true,
        query: ListQuery { limit: Some(12), ..Default::default() },
    })? {
        for i in p.items {
            println!(
                "{}  {:<15} {}",
                i.data.occurred_at.with_timezone(&engine.timezone()).format("%Y-%m-%d %H:%M"),
                i.data.kind.as_str(),
                i.data.subject
            );
        }
    }

    title("Transferts de fichiers ouverts");
    if let S::Grid(g) = run(R::GridQuery {
        list: ListKind::Transfers,
        columns: Some(vec![
            "sent".into(),
            "status".into(),
            "subject".into(),
            "client".into(),
            "contact".into(),
            "expires".into(),
        ]),
        client_id: None,
        contact_id: None,
        last_30_days: false,
        open_only: true,
        query: ListQuery { limit: Some(10), count: true, ..Default::default() },
    })? {
        println!("{} transfert(s) ouvert(s)", g.total.unwrap_or(0));
        print_grid(&g);
    }

    title("Transferts des 30 derniers jours, par statut");
    if let S::Transfers(p) = run(R::TransferList {
        client_id: None,
        last_30_days: true,
        open_only: false,
        query: ListQuery { limit: Some(500), ..Default::default() },
    })? {
        let mut counts = std::collections::BTreeMap::new();
        for t in &p.items {
            *counts.entry(t.data.status.as_str()).or_insert(0) += 1;
        }
        println!("{counts:?}");
    }

    title("Recherche et filtres");
    for (list, filter, search) in [
        (ListKind::Clients, None, Some("d'amours")),
        (ListKind::Clients, None, Some("cote")),
        (ListKind::Contacts, None, Some("514 555")),
        (ListKind::Clients, Some("statut:actif bureau:québec"), None),
        (ListKind::Clients, Some("type:entreprise -statut:inactif acquis:>=2022"), None),
        (ListKind::Interactions, Some("type:(appel,message) quand:last-7-days"), None),
        (ListKind::Interactions, Some("custom.dossier:Impôts"), None),
        (ListKind::Transfers, Some("statut:expire OR statut:annule"), None),
    ] {
        let query = ListQuery {
            filter: filter.map(|f| FilterInput::Text(f.into())),
            search: search.map(String::from),
            limit: Some(5),
            count: true,
            ..Default::default()
        };
        let what = filter
            .map(|f| format!("filtre « {f} »"))
            .unwrap_or_else(|| format!("recherche « {} »", search.unwrap_or("")));
        if let S::Grid(g) = run(R::GridQuery {
            list,
            columns: None,
            client_id: None,
            contact_id: None,
            last_30_days: false,
            open_only: false,
            query,
        })? {
            println!("\n{} — {what} : {} résultat(s)", list.as_str(), g.total.unwrap_or(0));
            print_grid(&g);
        }
    }
    // A typo is answered with where it is and what was meant.
    let typo = run(R::ClientList {
        query: ListQuery { filter: Some(FilterInput::Text("stauts:actif".into())), ..Default::default() },
    });
    if let Err(e) = typo {
        println!("\nfiltre « stauts:actif » → {} ({:?})", e, e.span());
    }

    title("Importation des fichiers de l'ancien logiciel (essai, puis import)");
    import::run(&engine, Actor::Staff(me))?;

    title("Tableau de bord du personnel (texte)");
    let dashboards = Dashboards::new(engine.clone());
    let staff_view = dashboards.render(me, DashboardTarget::Staff, None, Locale::Fr)?;
    println!("{}", staff_view.to_text());
    title("Tableau de bord d'un client (texte)");
    let client_view = dashboards.render(me, DashboardTarget::Client { client_id: star }, None, Locale::Fr)?;
    println!("{}", client_view.to_text());
    let staff_html = out_dir.join("tableau-personnel.html");
    let client_html = out_dir.join("tableau-client.html");
    std::fs::write(&staff_html, staff_view.to_html())?;
    std::fs::write(&client_html, client_view.to_html())?;
    println!("\nHTML : {} et {}", staff_html.display(), client_html.display());
    println!("Base de données : {db}");
    Ok(())
}

fn title(t: &str) {
    println!("\n══ {t} {}", "═".repeat(70usize.saturating_sub(t.chars().count())));
}

fn print_grid(g: &clientele_core::protocol::Grid) {
    let header: Vec<&str> = g.columns.iter().map(|c| c.label_fr.as_str()).collect();
    println!("  {}", header.join(" | "));
    for r in &g.rows {
        let cells: Vec<String> = r
            .cells
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.chars().take(32).collect(),
                serde_json::Value::Null => "—".into(),
                v => v.to_string(),
            })
            .collect();
        println!("  {}", cells.join(" | "));
    }
}
