//! The firm's files from its former product (`examples/demo/data/*.csv`:
//! French and English headers, `;` and `,`, UTF-8 with a BOM and
//! Windows-1252, a few bad rows) imported as a firm would: a dry run of
//! each file first, its report printed, then the import itself (per batch,
//! so the good rows go in and the bad ones are listed).

use clientele_core::protocol::{Actor, ImportReport};
use clientele_core::query::import_columns::ImportKind;
use clientele_core::{Engine, Error, NoProgress};
use clientele_io::import::{CsvImport, import_csv};

const FILES: [(ImportKind, &str); 5] = [
    (ImportKind::Clients, "clients.csv"),
    (ImportKind::Contacts, "contacts.csv"),
    (ImportKind::Links, "links.csv"),
    (ImportKind::Interactions, "interactions.csv"),
    (ImportKind::Transfers, "transfers.csv"),
];

fn print(file: &str, r: &ImportReport) {
    println!(
        "{file:<18} {}: {} lignes, {} créées, {} mises à jour, {} ignorées, {} en erreur",
        if r.dry_run { "essai (rien d'écrit)" } else { "importé" },
        r.rows,
        r.created,
        r.updated,
        r.skipped,
        r.failed
    );
    for e in &r.errors {
        println!("    ligne {:>3}, colonne « {} » : {}  /  {}", e.line, e.column, e.message_fr, e.message_en);
    }
}

pub fn run(engine: &Engine, actor: Actor) -> Result<(), Error> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for (kind, file) in FILES {
        for dry_run in [true, false] {
            let spec = CsvImport {
                kind,
                path: Some(dir.join(file).display().to_string()),
                encoding: None,
                separator: None,
                mapping: Default::default(),
                time_zone: Some(engine.config().timezone.clone()),
                empty: Default::default(),
                options: serde_json::from_value(serde_json::json!({"dry_run": dry_run, "commit": "batches"}))
                    .expect("valid options"),
            };
            let report = import_csv(engine, actor, &spec, b"", &NoProgress)?;
            print(file, &report);
        }
    }
    Ok(())
}
