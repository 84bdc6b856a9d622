//! # clientele-portlet-contacts
//!
//! Built-in portlet `clientele.contacts`, client dashboard only: the
//! client's contacts with their role, primary phone and e-mail, the primary
//! contact first.
//!
//! Reads `client.contacts {id}`. Field chooser (`common.columns`) among
//! [`COLUMNS`]; `common.limit` rows at most; `common.filter` and the date
//! range do not apply (a client has few contacts). Drill-down: the same
//! request, tab `contacts`.

#![warn(missing_debug_implementations)]

use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::{
    Column, ColumnKind, CommonSettings, DashboardKind, DataContext, DrillDown, Localized, Manifest, Portlet,
    PortletError, RightEntity, RightNeeded, Scope, ViewModel, Widget,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet id.
pub const ID: &str = "clientele.contacts";

/// The columns the field chooser offers: id, French and English labels.
pub const COLUMNS: &[(&str, &str, &str)] = &[
    ("name", "Nom", "Name"),
    ("role", "Rôle", "Role"),
    ("phone", "Téléphone", "Phone"),
    ("email", "Courriel", "E-mail"),
    ("company", "Entreprise", "Company"),
    ("title", "Fonction", "Job title"),
];

/// Shown when `common.columns` is not set.
pub const DEFAULT_COLUMNS: &[&str] = &["name", "role", "phone", "email"];

/// The portlet's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ContactsSettings {
    /// Only these roles (`primary`, `preferred`, `billing`, `additional`); empty: all.
    pub roles: Vec<String>,
}

/// The portlet.
#[derive(Debug, Default, Clone, Copy)]
pub struct ContactsPortlet;

fn title() -> Localized {
    Localized::new("Contacts", "Contacts")
}

/// A role's label.
pub fn role_label(role: &str) -> Localized {
    match role {
        "primary" => Localized::new("Principal", "Primary"),
        "preferred" => Localized::new("Privilégié", "Preferred"),
        "billing" => Localized::new("Facturation", "Billing"),
        "additional" => Localized::new("Autre", "Additional"),
        other => Localized::same(other),
    }
}

fn role_rank(role: &str) -> u8 {
    match role {
        "primary" => 0,
        "preferred" => 1,
        "billing" => 2,
        _ => 3,
    }
}

const ROLES: &[&str] = &["primary", "preferred", "billing", "additional"];

impl Portlet for ContactsPortlet {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: ID.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: title(),
            dashboards: vec![DashboardKind::Client],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::Clients), RightNeeded::view(RightEntity::Contacts)],
            tabular: true,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<ContactsSettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let own: ContactsSettings = own_settings(settings)?;
        let common = CommonSettings::from_settings(settings)?;
        if let Some(bad) = own.roles.iter().find(|r| !ROLES.contains(&r.as_str())) {
            return Err(PortletError::bad_settings(Some("roles"), format!("unknown role {bad:?}")));
        }
        let ids: Vec<String> = match &common.columns {
            Some(c) if !c.is_empty() => c.clone(),
            _ => DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect(),
        };
        let mut columns = Vec::new();
        for id in &ids {
            let Some((_, fr, en)) = COLUMNS.iter().find(|(c, _, _)| c == id) else {
                return Err(PortletError::bad_settings(
                    Some("common.columns"),
                    format!(
                        "unknown column {id:?} (known: {})",
                        COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            let priority = if matches!(id.as_str(), "name" | "role") { 1 } else { 2 };
            columns.push(Column::new(id.clone(), Localized::new(*fr, *en), ColumnKind::Text).with_priority(priority));
        }
        let Scope::Client { client_id, .. } = ctx.scope() else {
            return Err(PortletError::internal("the contacts portlet belongs on a client dashboard"));
        };
        let request = json!({"op": "client.contacts", "id": client_id});
        let answer = ctx.request(&request)?;
        let mut contacts: Vec<Value> = answer
            .as_array()
            .ok_or_else(|| PortletError::internal("client.contacts answered no list"))?
            .iter()
            .filter(|c| own.roles.is_empty() || own.roles.iter().any(|r| c["role"] == r.as_str()))
            .cloned()
            .collect();
        let s = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        contacts.sort_by(|a, b| {
            role_rank(&s(a, "role")).cmp(&role_rank(&s(b, "role"))).then_with(|| s(a, "file_as").cmp(&s(b, "file_as")))
        });
        let total = contacts.len();
        contacts.truncate(common.limit as usize);
        let locale = ctx.locale();
        let rows: Vec<Vec<Value>> = contacts
            .iter()
            .map(|c| {
                ids.iter()
                    .map(|id| {
                        let v = match id.as_str() {
                            "name" => s(c, "file_as"),
                            "role" => role_label(&s(c, "role")).get(locale).to_string(),
                            "phone" => s(c, "primary_phone"),
                            "email" => s(c, "primary_email"),
                            other => s(c, other),
                        };
                        if v.is_empty() { Value::Null } else { Value::String(v) }
                    })
                    .collect()
            })
            .collect();

        let mut vm = ViewModel::new(title());
        if rows.is_empty() {
            vm = vm.with(Widget::Empty {
                message: Localized::new("Aucun contact lié à ce client.", "No contact linked to this client."),
            });
        } else {
            vm = vm.with(Widget::Table {
                columns,
                rows,
                caption: None,
                total: Some(total as u64),
                row_drill_downs: Vec::new(),
            });
        }
        vm.drill_down = Some(DrillDown { tab: "contacts".into(), request });
        Ok(vm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::Locale;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::testing::FakeContext;

    fn fake(scope: Scope, answer: Value) -> FakeContext {
        FakeContext::answering(answer).with_scope(scope).with_today("2026-11-27").with_locale(Locale::Fr)
    }

    fn settings(user: Value) -> Value {
        let p = ContactsPortlet;
        merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
    }

    fn three() -> Value {
        json!([
            {"client_id": 5, "contact_id": 8, "role": "billing", "file_as": "Roy, Ana", "primary_email": "ana@roy.example"},
            {"client_id": 5, "contact_id": 9, "role": "additional", "file_as": "Bédard, Luc", "company": "Bédard inc."},
            {"client_id": 5, "contact_id": 7, "role": "primary", "file_as": "Dupré, Hélène", "primary_phone": "819 555-0111"}
        ])
    }

    #[test]
    fn table_primary_first() {
        ContactsPortlet.manifest().validate().unwrap();
        let ctx = fake(Scope::Client { client_id: 5, staff_id: 1 }, three());
        let vm = ContactsPortlet.render(&settings(json!({})), &ctx).unwrap();
        assert_eq!(ctx.requests(), vec![json!({"op": "client.contacts", "id": 5})]);
        vm.check().unwrap();
        let Widget::Table { rows, columns, .. } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(columns.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), DEFAULT_COLUMNS);
        assert_eq!(rows[0], vec![json!("Dupré, Hélène"), json!("Principal"), json!("819 555-0111"), Value::Null]);
        assert_eq!(rows[1][0], json!("Roy, Ana"));
        assert_eq!(rows[2][1], json!("Autre"));
        assert_eq!(vm.drill_down.unwrap().tab, "contacts");
    }

    #[test]
    fn field_chooser_roles_and_limit() {
        let ctx = fake(Scope::Client { client_id: 5, staff_id: 1 }, three());
        let s = settings(
            json!({"roles": ["additional", "billing"], "common": {"columns": ["company", "name"], "limit": 1}}),
        );
        let vm = ContactsPortlet.render(&s, &ctx).unwrap();
        let Widget::Table { rows, total, .. } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(rows, &vec![vec![Value::Null, json!("Roy, Ana")]]);
        assert_eq!(*total, Some(2), "1 of 2 shown");
        let bad = settings(json!({"common": {"columns": ["salary"]}}));
        assert!(matches!(ContactsPortlet.render(&bad, &ctx), Err(PortletError::BadSettings { .. })));
        let bad = settings(json!({"roles": ["boss"]}));
        assert!(matches!(ContactsPortlet.render(&bad, &ctx), Err(PortletError::BadSettings { .. })));
    }

    #[test]
    fn empty_state() {
        let ctx = fake(Scope::Client { client_id: 5, staff_id: 1 }, json!([]));
        let vm = ContactsPortlet.render(&settings(json!({})), &ctx).unwrap();
        assert!(matches!(&vm.widgets[..], [Widget::Empty { .. }]));
    }
}
