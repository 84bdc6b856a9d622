//! Demo host: what an accounting firm's desktop application does with the
//! engine. It opens a SQLite file, fills it with a bilingual firm (staff,
//! clients, contacts, every kind of interaction, transfers in every state),
//! then prints the Manage Clients screen — clients with their contacts
//! expanded, a client's timeline, open transfers, filtered and searched
//! lists, the people in charge of clients, follow-ups and phone messages, a
//! likely duplicate merged and the kept client's history —,
//! imports the firm's CSV files from its former product (a dry run first,
//! then the import, with each report), renders a staff and a client
//! dashboard (text, and HTML to files, in French and in English), and
//! exports a filtered client list.
//!
//! `cargo run -p clientele-demo [-- DB_PATH [HTML_DIR]]` (defaults:
//! `target/demo/cabinet.db`, `target/demo/`). The database is made anew on
//! every run.

mod firm;
mod import;
mod merge;
mod screen;

use std::sync::Arc;

use clientele_core::op;
use clientele_core::protocol::{Actor, FilterInput, ListKind, ListPreset, ListQuery};
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

    // Typed calls: each answers its op's own type (`clientele_core::op`).
    let staff = Actor::Staff(me);
    title("Gestion des clients — Clients (contacts développés)");
    let clients =
        engine.run(staff, op::ClientList { query: ListQuery { limit: Some(8), count: true, ..Default::default() } })?;
    println!("{} clients au total; les {} premiers par nom :", clients.total.unwrap_or(0), clients.items.len());
    // Every row expanded with one request (one query), not one per client.
    let ids = clients.items.iter().map(|c| c.id).collect();
    let expanded = engine.run(staff, op::ClientContactsOf { ids })?;
    // One grid: each client, then its contacts indented under it.
    let mut rows = Vec::new();
    for c in &clients.items {
        let status = serde_json::to_value(c.data.status).ok();
        let status = status.as_ref().and_then(|v| v.as_str()).unwrap_or_default();
        rows.push(vec![
            format!("▸ {}", c.data.code),
            c.data.name.clone(),
            screen::label(ListKind::Clients, "status", status),
            c.data.office.clone().unwrap_or_else(|| "—".into()),
            String::new(),
        ]);
        for p in expanded.iter().filter(|p| p.client_id == c.id) {
            rows.push(vec![
                String::new(),
                format!("  {}", p.file_as),
                clientele_portlet_contacts::role_label(p.role.as_str()).fr,
                p.primary_phone.clone().unwrap_or_else(|| "—".into()),
                p.primary_email.clone().unwrap_or_else(|| "—".into()),
            ]);
        }
    }
    let head = ["Code", "Client / personne-ressource", "Statut / rôle", "Bureau / téléphone", "Courriel"];
    print!("{}", screen::table(&head.map(String::from), &rows));

    let star = seeded.star_client;
    let today = engine.today().to_string();
    title("Chronologie d'un client (30 derniers jours)");
    {
        let p = engine.run(
            staff,
            op::ClientTimeline {
                id: star,
                last_30_days: true,
                query: ListQuery { limit: Some(12), ..Default::default() },
            },
        )?;
        let rows: Vec<Vec<String>> = p
            .items
            .iter()
            .map(|i| {
                let when = i.data.occurred_at.with_timezone(&engine.timezone()).format("%Y-%m-%d %H:%M").to_string();
                vec![
                    screen::date(&when, &today),
                    screen::label(ListKind::Interactions, "kind", i.data.kind.as_str()),
                    i.data.subject.clone(),
                ]
            })
            .collect();
        print!("{}", screen::table(&["Date".into(), "Type".into(), "Objet".into()], &rows));
    }

    title("Transferts de fichiers ouverts");
    {
        let g = engine.run(
            staff,
            op::GridQuery {
                count_limit: None,
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
            },
        )?;
        println!("{} transferts ouverts :", g.total.unwrap_or(0));
        print!("{}", screen::grid(&g, &today));
    }

    title("Transferts des 30 derniers jours, par statut");
    {
        let p = engine.run(
            staff,
            op::TransferList {
                client_id: None,
                last_30_days: true,
                open_only: false,
                query: ListQuery { limit: Some(500), ..Default::default() },
            },
        )?;
        let mut counts = std::collections::BTreeMap::new();
        for t in &p.items {
            *counts.entry(t.data.status.label(true)).or_insert(0) += 1;
        }
        let rows: Vec<Vec<String>> = counts.iter().map(|(status, n)| vec![status.to_string(), n.to_string()]).collect();
        print!("{}", screen::table(&["Statut".into(), "Transferts".into()], &rows));
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
        {
            let g = engine.run(
                staff,
                op::GridQuery {
                    count_limit: None,
                    list,
                    columns: None,
                    client_id: None,
                    contact_id: None,
                    last_30_days: false,
                    open_only: false,
                    query,
                },
            )?;
            let n = g.total.unwrap_or(0);
            let shown =
                if n as usize > g.rows.len() { format!(", les {} premiers", g.rows.len()) } else { String::new() };
            let name = match list {
                ListKind::Clients => "Clients",
                ListKind::Contacts => "Personnes-ressources",
                ListKind::Interactions => "Interactions",
                ListKind::Transfers => "Transferts de fichiers",
            };
            println!("\n{name} — {what} : {n} résultat{}{shown}", if n > 1 { "s" } else { "" });
            print!("{}", screen::grid(&g, &today));
        }
    }
    // A typo is answered with where it is and what was meant.
    let typo = engine.run(
        staff,
        op::ClientList {
            query: ListQuery { filter: Some(FilterInput::Text("stauts:actif".into())), ..Default::default() },
        },
    );
    if let Err(e) = typo {
        println!("\nfiltre « stauts:actif » refusé :");
        print!("{}", screen::error_on("stauts:actif", &e.to_string(), e.span()));
    }

    title("Importation des fichiers de l'ancien logiciel (essai, puis import)");
    import::run(&engine, Actor::Staff(me))?;
    export_clients(&engine, me, &out_dir)?;
    people_in_charge_and_follow_ups(&engine, &seeded, &clients.items)?;
    merge::run(&engine, me, seeded.staff[1])?;

    title("Tableau de bord du personnel (texte)");
    let dashboards = Dashboards::new(engine.clone());
    // Hélène's own layout: Today, her clients, the week's interactions.
    engine.run(
        staff,
        op::LayoutSave {
            id: None,
            version: None,
            dashboard: clientele_core::protocol::DashboardKind::Staff,
            name: "Ma journée".into(),
            layout: serde_json::json!({"tiles": [
            {"portlet": "clientele.today", "column": 0, "order": 0},
            {"portlet": "clientele.my_clients", "column": 0, "order": 1,
             "settings": {"common": {"columns": ["code", "name", "role.partner", "role.manager"]}}},
            {"portlet": "clientele.interactions", "column": 1, "order": 0,
             "settings": {"common": {"date_range": "last-7-days"}}}]}),
            firm_default: false,
        },
    )?;
    let staff_view = dashboards.render(me, DashboardTarget::Staff, None, Locale::Fr)?;
    println!("{}", staff_view.to_text());
    title("Tableau de bord d'un client (texte)");
    let client_view = dashboards.render(me, DashboardTarget::Client { client_id: star }, None, Locale::Fr)?;
    println!("{}", client_view.to_text());
    let staff_html = out_dir.join("tableau-personnel.html");
    let client_html = out_dir.join("tableau-client.html");
    std::fs::write(&staff_html, staff_view.to_html())?;
    std::fs::write(&client_html, client_view.to_html())?;
    // The same two dashboards in English, as an English-speaking employee sees them.
    let staff_en = out_dir.join("staff-dashboard.html");
    let client_en = out_dir.join("client-dashboard.html");
    std::fs::write(&staff_en, dashboards.render(me, DashboardTarget::Staff, None, Locale::En)?.to_html())?;
    let client_view_en = dashboards.render(me, DashboardTarget::Client { client_id: star }, None, Locale::En)?;
    std::fs::write(&client_en, client_view_en.to_html())?;
    println!("\nHTML : {} et {}", staff_html.display(), client_html.display());
    println!("HTML (English): {} and {}", staff_en.display(), client_en.display());
    println!("Base de données : {db}");
    Ok(())
}

/// Exports a filtered client list, as the staff member sees it, to CSV
/// (`;` for a French Excel) and XLSX.
fn export_clients(engine: &Engine, me: i64, out_dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    use clientele_io::export::{ExportFormat, ExportOp, ExportRequest, export};
    title("Exportation de la liste filtrée « statut:actif » (CSV et Excel)");
    for (format, name, separator) in
        [(ExportFormat::Csv, "clients.csv", Some(";".to_string())), (ExportFormat::Xlsx, "clients.xlsx", None)]
    {
        let path = out_dir.join(name);
        let request = ExportRequest {
            actor: Actor::Staff(me),
            op: ExportOp::Export,
            format,
            path: path.to_string_lossy().into_owned(),
            request: serde_json::json!({"op": "grid.query", "list": "clients", "filter": "statut:actif", "sort": "name",
                   "columns": ["code", "name", "kind", "status", "office", "city", "phone", "email", "won"]}),
            scope: None,
            language: None,
            separator,
            bom: None,
        };
        let done = export(engine, &request, &clientele_core::NoProgress)?;
        println!("{} : {} ligne(s), colonnes {}", path.display(), done.rows, done.columns.join(", "));
    }
    let csv = std::fs::read_to_string(out_dir.join("clients.csv"))?;
    for line in csv.lines().take(4) {
        println!("  {}", line.trim_start_matches('\u{feff}'));
    }
    Ok(())
}

/// The people in charge of clients, a follow-up and a phone message: how a
/// host assigns, lists "my clients", and marks things done (each with the
/// version read).
fn people_in_charge_and_follow_ups(
    engine: &Engine,
    seeded: &firm::Seeded,
    clients: &[clientele_core::domain::Record<clientele_core::domain::ClientData>],
) -> Result<(), Box<dyn std::error::Error>> {
    use clientele_core::domain::{
        Assignment, FollowUp, InteractionData, InteractionKind, InteractionPatch, MessageStatus, NewTransfer,
        TransferDirection,
    };
    let (me, jf) = (seeded.staff[0], seeded.staff[1]);
    // Typed calls: each answers its op's own type (`clientele_core::op`).
    let staff = Actor::Staff(me);
    title("Responsables des clients");
    for (i, c) in clients.iter().take(4).enumerate() {
        let (role, who) = if i % 2 == 0 { ("partner", me) } else { ("manager", me) };
        let mut version = c.version;
        for a in [Assignment::new(role, who), Assignment::new("staff", jf)] {
            {
                let r = engine.run(staff, op::ClientAssign { id: c.id, version, assignment: a })?;
                version = r.version;
            }
        }
    }
    let stale = engine.run(
        staff,
        op::ClientAssign { id: clients[0].id, version: clients[0].version, assignment: Assignment::new("manager", jf) },
    );
    if let Err(e) = stale {
        println!("assignation avec une version périmée → {e}");
    }
    {
        let g = engine.run(
            staff,
            op::GridQuery {
                count_limit: None,
                list: ListKind::Clients,
                columns: Some(vec![
                    "code".into(),
                    "name".into(),
                    "role.partner".into(),
                    "role.manager".into(),
                    "role.staff".into(),
                ]),
                client_id: None,
                contact_id: None,
                last_30_days: false,
                open_only: false,
                query: ListQuery {
                    filter: Some(FilterInput::Text("assigné:moi".into())),
                    sort: Some("associé".into()),
                    count: true,
                    ..Default::default()
                },
            },
        )?;
        println!("Mes clients (filtre « assigné:moi », tri « associé ») : {}", g.total.unwrap_or(0));
        print!("{}", screen::grid(&g, &engine.today().to_string()));
    }

    title("Suivis et messages téléphoniques");
    let now = chrono::Utc::now();
    let mut note = InteractionData::note(now, "Relancer pour les feuillets T4");
    note.client_id = Some(seeded.star_client);
    note.staff_id = Some(jf);
    note.follow_up = Some(FollowUp::new(me, Some((now - chrono::Duration::days(1)).date_naive())));
    let note = engine.run(staff, op::InteractionCreate { data: note })?;
    let mut message = InteractionData::note(now, "A rappelé au sujet de l'acompte provisionnel");
    message.kind = InteractionKind::PhoneMessage;
    message.client_id = Some(seeded.star_client);
    message.taken_for_id = Some(me);
    message.phone = Some("(514) 555-0142 poste 7".into());
    let message = engine.run(staff, op::InteractionCreate { data: message })?;
    // Documents asked of the star client's contact today: its event is on
    // the client's timeline, worded in each dashboard's language.
    if let Some(contact) = engine.run(staff, op::ClientContacts { id: seeded.star_client })?.first() {
        engine.run(
            staff,
            op::TransferCreate {
                data: NewTransfer {
                    direction: TransferDirection::RequestedFromContact,
                    from_staff: me,
                    to_contact: contact.contact_id,
                    client_id: seeded.star_client,
                    subject: "Relevés bancaires 2026".into(),
                    message: String::new(),
                    signature_required: false,
                    files: Vec::new(),
                },
            },
        )?;
    }
    // The list's switches (`preset`): what a person clicks, each a
    // documented filter.
    for preset in [ListPreset::OverdueFollowUps, ListPreset::MyNewMessages] {
        let (what, filter) = (preset.label().0, preset.filter());
        {
            let g = engine.run(
                staff,
                op::GridQuery {
                    count_limit: None,
                    list: ListKind::Interactions,
                    columns: Some(vec![
                        "when".into(),
                        "subject".into(),
                        "client".into(),
                        "due".into(),
                        "message".into(),
                    ]),
                    client_id: None,
                    contact_id: None,
                    last_30_days: false,
                    open_only: false,
                    query: ListQuery { preset: Some(preset), count: true, ..Default::default() },
                },
            )?;
            println!("{what} (« {filter} ») : {}", g.total.unwrap_or(0));
            print!("{}", screen::grid(&g, &engine.today().to_string()));
        }
    }
    tags(engine, me, clients)?;
    // The follow-up stays open: Today shows it on the dashboard below. The
    // message is returned (an update with the version read).
    println!("suivi {} pour {} (échéance {:?})", note.id, me, note.data.follow_up.as_ref().and_then(|f| f.due));
    let returned = engine.run(
        staff,
        op::InteractionUpdate {
            id: message.id,
            version: message.version,
            data: InteractionPatch::default().message_status(MessageStatus::Returned),
        },
    )?;
    {
        let m = returned;
        println!(
            "message {} marqué « {} » (version {})",
            m.id,
            m.data.message_status.map_or("", |s| s.as_str()),
            m.version
        );
    }
    Ok(())
}

/// Tags of the firm (the host defines them, with a colour), put on clients
/// by name in either language, filtered and shown in a grid.
fn tags(
    engine: &Engine,
    me: clientele_core::domain::Id,
    clients: &[clientele_core::domain::Record<clientele_core::domain::ClientData>],
) -> Result<(), Box<dyn std::error::Error>> {
    use clientele_core::domain::Tag;
    title("Étiquettes");
    for (code, fr, en, colour) in
        [("relance", "À relancer", "Follow up", "#d32f2f"), ("vip", "Très important", "Key account", "#ffd54f")]
    {
        let tag = Tag { code: code.into(), name_fr: fr.into(), name_en: en.into(), colour: colour.into(), version: 0 };
        engine.run(Actor::HOST, op::TagPut { tag })?;
        println!("étiquette « {fr} » / “{en}” ({colour}, texte {})", clientele_core::domain::text_colour_on(colour));
    }
    let staff = Actor::Staff(me);
    for (c, add) in
        clients.iter().take(3).zip([vec!["À relancer"], vec!["Key account", "relance"], vec!["très important"]])
    {
        let version = engine.run(staff, op::ClientGet { id: c.id })?.version;
        let add = add.into_iter().map(String::from).collect();
        engine.run(staff, op::ClientTag { id: c.id, version, add, remove: vec![] })?;
    }
    let g = engine.run(
        staff,
        op::GridQuery {
            count_limit: None,
            list: ListKind::Clients,
            columns: Some(vec!["code".into(), "name".into(), "tags".into()]),
            client_id: None,
            contact_id: None,
            last_30_days: false,
            open_only: false,
            query: ListQuery {
                filter: Some(FilterInput::Text("étiquette:\"à relancer\"".into())),
                count: true,
                ..Default::default()
            },
        },
    )?;
    println!("clients « étiquette:\"à relancer\" » : {}", g.total.unwrap_or(0));
    print!("{}", screen::grid(&g, &engine.today().to_string()));
    Ok(())
}

fn title(t: &str) {
    println!("\n══ {t} {}", "═".repeat(70usize.saturating_sub(t.chars().count())));
}
