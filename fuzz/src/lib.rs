//! What the fuzz targets share.

use chrono::NaiveDate;
use clientele_filter::{
    DateContext, EnumValue, Expr, FieldDef, FieldType, Limits, NumberKind, Registry, check_with_limits,
};

/// Limits for re-reading what the crate itself wrote (canonical text can be
/// longer than the input).
pub fn roomy() -> Limits {
    Limits { max_len: usize::MAX, max_depth: 64, max_terms: 100_000, max_list_items: 100_000 }
}

/// A registry with one field of every type, named as the fuzzer's seeds
/// and the real lists name them.
pub fn registry() -> Registry {
    Registry::new(vec![
        FieldDef::new("name", FieldType::Text).alias("nom"),
        FieldDef::new("amount", FieldType::Number(NumberKind::Float)).alias("montant"),
        FieldDef::new("count", FieldType::Number(NumberKind::Int)),
        FieldDef::new("due", FieldType::Date).alias("echeance"),
        FieldDef::new("when", FieldType::DateTime).alias("quand"),
        FieldDef::new("signed", FieldType::Bool).alias("signe"),
        FieldDef::new(
            "status",
            FieldType::Enum {
                values: vec![
                    EnumValue::labelled("active", "actif", "Active"),
                    EnumValue::labelled("inactive", "inactif", "Inactive"),
                ],
            },
        )
        .alias("statut"),
        FieldDef::new("code", FieldType::Id),
    ])
}

/// Types `expr` against [`registry`] on a fixed day: must answer, not panic.
pub fn check_everything(expr: &Expr) {
    let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    let _ = check_with_limits(expr, &registry(), &DateContext::new(today), &roomy());
}

/// The engine the request targets share: in-memory SQLite, staff member 1
/// with every right, one client, one contact linked to it, one note.
pub fn engine() -> &'static clientele_core::Engine {
    use clientele_core::{Engine, EngineConfig};
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = EngineConfig::new("sqlite::memory:");
        config.entitlements = vec!["client_management".into()];
        let engine = Engine::open(config).expect("an in-memory engine opens");
        for request in SETUP {
            engine.execute_json(request).unwrap_or_else(|e| panic!("{request}: {e}"));
        }
        engine
    })
}

/// The records every engine target starts with.
pub const SETUP: &[&str] = &[
    r#"{"actor": "host", "op": "staff.put", "staff": {"name": "Hélène D'Amours", "initials": "HDA", "rights": {
        "clients": {"view": true, "add": true, "edit": true, "delete": true},
        "contacts": {"view": true, "add": true, "edit": true, "delete": true},
        "interactions": {"view": true, "add": true, "edit": true, "delete": true},
        "file_transfers": {"view": true, "add": true, "edit": true, "delete": true}}}}"#,
    r#"{"actor": 1, "op": "client.create", "data": {"code": "DAMH01", "name": "D'Amours, Hélène", "kind": "individual"}}"#,
    r#"{"actor": 1, "op": "contact.create", "data": {"first_name": "Marie-Ève", "last_name": "Côté"}}"#,
    r#"{"actor": 1, "op": "contact.link", "contact_id": 1, "client_id": 1, "role": "primary"}"#,
    r#"{"actor": 1, "op": "interaction.create", "data": {"kind": "note", "occurred_at": "2026-03-15T14:30:00Z", "client_id": 1, "subject": "Déclaration 2025", "body": "Reçue."}}"#,
];
