//! "Counts": an example portlet that counts clients (and optionally
//! contacts and interactions) through the engine's request protocol.
//!
//! Built as a `cdylib` (loadable with `clientele_portlet_api::load_portlet`)
//! and as an `rlib` (linkable as a built-in portlet, and testable against a
//! fake context).

use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::{
    CommonSettings, Counter, DashboardKind, DataContext, DrillDown, Localized, Manifest, Portlet, PortletError,
    RightEntity, RightNeeded, ViewModel, Widget, export_portlet,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet's own settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CountsSettings {
    /// Also count contacts.
    pub include_contacts: bool,
    /// Also count interactions.
    pub include_interactions: bool,
}

impl Default for CountsSettings {
    fn default() -> Self {
        CountsSettings { include_contacts: true, include_interactions: false }
    }
}

/// The "Counts" portlet.
#[derive(Debug, Default)]
pub struct Counts;

impl Counts {
    pub fn new() -> Self {
        Counts
    }
}

/// Reads the count out of a list response: `total` or `count`.
fn count_of(response: &Value) -> Result<i64, PortletError> {
    response
        .get("total")
        .or_else(|| response.get("count"))
        .and_then(Value::as_i64)
        .ok_or_else(|| PortletError::internal(format!("list response without a count: {response}")))
}

impl Portlet for Counts {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: "com.example.counts".into(),
            version: "1.0.0".into(),
            title: Localized::new("Compteurs", "Counts"),
            dashboards: vec![DashboardKind::Staff, DashboardKind::Client, DashboardKind::Firm],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::Clients)],
            tabular: false,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<CountsSettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let own: CountsSettings = own_settings(settings)?;
        let common = CommonSettings::from_settings(settings)?;
        let mut clients = json!({"op": "client.list", "limit": 1, "count": true});
        if let Some(f) = &common.filter {
            clients["filter"] = json!(f);
        }
        // The main count: a failure fails the tile.
        let mut items = vec![Counter::new(Localized::new("Clients", "Clients"), count_of(&ctx.request(&clients)?)?)];
        let mut widgets = Vec::new();
        let mut optional = |op: &str, label: Localized| match ctx
            .request(&json!({"op": op, "limit": 1, "count": true}))
            .map_err(PortletError::from)
            .and_then(|r| count_of(&r))
        {
            Ok(value) => items.push(Counter::new(label, value)),
            // A secondary count that fails shows in the tile, the rest stays.
            Err(e) => {
                widgets.push(Widget::Error { message: Localized::same(e.to_string()), code: e.code().to_string() })
            }
        };
        if own.include_contacts {
            optional("contact.list", Localized::new("Contacts", "Contacts"));
        }
        if own.include_interactions {
            optional("interaction.list", Localized::new("Interactions", "Interactions"));
        }
        widgets.insert(0, Widget::Counters { items });
        Ok(ViewModel {
            title: Localized::new("Compteurs", "Counts"),
            subtitle: Some(Localized::new(format!("Au {}", ctx.today()), format!("On {}", ctx.today()))),
            widgets,
            drill_down: Some(DrillDown { tab: "clients".into(), request: json!({"op": "client.list"}) }),
        })
    }
}

export_portlet!(Counts::new());

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::{ErrorBody, Locale, Scope};
    use std::cell::RefCell;

    struct Fake {
        requests: RefCell<Vec<Value>>,
    }

    impl DataContext for Fake {
        fn scope(&self) -> Scope {
            Scope::Client { client_id: 7, staff_id: 1 }
        }
        fn today(&self) -> String {
            "2026-11-28".into()
        }
        fn locale(&self) -> Locale {
            Locale::Fr
        }
        fn request(&self, request: &Value) -> Result<Value, ErrorBody> {
            self.requests.borrow_mut().push(request.clone());
            match request["op"].as_str() {
                Some("client.list") => Ok(json!({"items": [], "total": 42})),
                Some("contact.list") => Err(ErrorBody::new("forbidden", "no contacts for you")),
                _ => Ok(json!({"items": [], "count": 3})),
            }
        }
    }

    #[test]
    fn counts_against_a_fake_context() {
        let p = Counts::new();
        p.manifest().validate().unwrap();
        let defaults = p.default_settings();
        assert_eq!(defaults, json!({"include_contacts": true, "include_interactions": false}));
        let settings = merge_settings(
            &p.settings_schema(),
            &defaults,
            &json!({"include_interactions": true, "common": {"filter": "city:Lyon"}}),
        )
        .unwrap();
        let ctx = Fake { requests: RefCell::new(vec![]) };
        let vm = p.render(&settings, &ctx).unwrap();
        let reqs = ctx.requests.borrow();
        assert_eq!(reqs[0], json!({"op": "client.list", "limit": 1, "count": true, "filter": "city:Lyon"}));
        assert_eq!(reqs.len(), 3);
        assert_eq!(vm.title.fr, "Compteurs");
        assert_eq!(vm.subtitle.as_ref().unwrap().en, "On 2026-11-28");
        let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(items.iter().map(|c| c.value).collect::<Vec<_>>(), vec![42, 3]);
        assert!(matches!(&vm.widgets[1], Widget::Error { code, .. } if code == "forbidden"));
    }

    #[test]
    fn refused_main_request_fails_the_tile() {
        struct Refusing;
        impl DataContext for Refusing {
            fn scope(&self) -> Scope {
                Scope::Firm { staff_id: 1 }
            }
            fn today(&self) -> String {
                "2026-11-28".into()
            }
            fn locale(&self) -> Locale {
                Locale::En
            }
            fn request(&self, _: &Value) -> Result<Value, ErrorBody> {
                Err(ErrorBody::new("forbidden", "no"))
            }
        }
        let err = Counts.render(&json!({}), &Refusing).unwrap_err();
        assert!(matches!(err, PortletError::DataRefused(_)));
    }
}
