//! # clientele-portlet-my-clients
//!
//! Built-in portlet `clientele.my_clients` ("Mes clients" / "My clients"),
//! staff dashboard only: the clients the viewer is in charge of, in any role
//! or in one role (`role` setting: `partner`, `manager`, `staff` or a role
//! the firm added), by name.
//!
//! Reads `grid.query {list: clients, filter: "assigned:me …"}` with
//! `count` (the filter field `assigned`, or `role.<code>`, resolves `me` to
//! the staff member viewing; `common.filter` is ANDed). Field chooser
//! (`common.columns`) among the client list's columns (`code`, `name`,
//! `status`, `role.partner`…: the engine's catalogue); `common.limit` rows.
//! Drill-down: the `client.list` request with the same filter, tab
//! `clients`.

#![warn(missing_debug_implementations)]

use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::{
    Column, ColumnKind, CommonSettings, Counter, DashboardKind, DataContext, DrillDown, Localized, Manifest, Portlet,
    PortletError, RightEntity, RightNeeded, Scope, ViewModel, Widget,
};
use clientele_portlet_interactions::tabular::combine_filters;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet id.
pub const ID: &str = "clientele.my_clients";

/// Shown when `common.columns` is not set.
pub const DEFAULT_COLUMNS: &[&str] = &["code", "name", "status", "phone"];

/// The portlet's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MyClientsSettings {
    /// Only the clients the viewer has this role for (a role code:
    /// `partner`, `manager`, `staff`, or the firm's own); none: any role.
    pub role: Option<String>,
}

/// The portlet.
#[derive(Debug, Default, Clone, Copy)]
pub struct MyClientsPortlet;

fn title() -> Localized {
    Localized::new("Mes clients", "My clients")
}

/// The filter of the viewer's clients (in `role`, or any role).
pub fn mine(role: Option<&str>) -> Result<String, PortletError> {
    match role {
        None => Ok("assigned:me".into()),
        Some(r)
            if !r.is_empty()
                && r.starts_with(|c: char| c.is_ascii_lowercase())
                && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
        {
            Ok(format!("role.{r}:me"))
        }
        Some(r) => Err(PortletError::bad_settings(Some("role"), format!("{r:?} is not a role code"))),
    }
}

impl Portlet for MyClientsPortlet {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: ID.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: title(),
            dashboards: vec![DashboardKind::Staff],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::Clients)],
            tabular: true,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<MyClientsSettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let own: MyClientsSettings = own_settings(settings)?;
        let common = CommonSettings::from_settings(settings)?;
        if !matches!(ctx.scope(), Scope::Staff { .. }) {
            return Err(PortletError::internal("the my-clients portlet belongs on a staff dashboard"));
        }
        let filter = combine_filters(Some(mine(own.role.as_deref())?), common.filter.as_deref())?;
        let columns: Vec<String> = match &common.columns {
            Some(c) if !c.is_empty() => c.clone(),
            _ => DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect(),
        };
        let request = json!({"op": "grid.query", "list": "clients", "columns": columns, "filter": filter,
                             "limit": common.limit, "count": true, "count_limit": clientele_portlet_api::view::TILE_COUNT_LIMIT});
        // A column the firm removed since the tile was set up drops out
        // (`tile_grid`) rather than failing the tile.
        let grid = clientele_portlet_api::tile_grid::grid_query(ctx, &request, Some(DEFAULT_COLUMNS))?;
        let rows: Vec<Vec<Value>> = grid["rows"]
            .as_array()
            .ok_or_else(|| PortletError::internal("grid.query answered no rows"))?
            .iter()
            .map(|r| r["cells"].as_array().cloned().unwrap_or_default())
            .collect();
        // The engine's column labels (French and English), as it answered them.
        let columns: Vec<Column> = grid["columns"]
            .as_array()
            .ok_or_else(|| PortletError::internal("grid.query answered no columns"))?
            .iter()
            .map(|c| {
                Column::new(
                    c["id"].as_str().unwrap_or_default(),
                    Localized::new(
                        c["label_fr"].as_str().unwrap_or_default(),
                        c["label_en"].as_str().unwrap_or_default(),
                    ),
                    ColumnKind::Text,
                )
            })
            .collect();
        let total = grid["total"].as_i64().unwrap_or(rows.len() as i64);
        let capped = grid["total_capped"].as_bool().unwrap_or(false);
        let mut vm = ViewModel::new(title());
        if rows.is_empty() {
            vm = vm.with(Widget::Empty {
                message: Localized::new("Vous n'êtes responsable d'aucun client.", "You are in charge of no client."),
            });
        } else {
            vm = vm.with(Widget::Counters {
                items: vec![Counter::at_least(Localized::new("Clients", "Clients"), total, capped)],
            });
            vm = vm.with(Widget::table(columns, rows));
        }
        vm.drill_down =
            Some(DrillDown { tab: "clients".into(), request: json!({"op": "client.list", "filter": filter}) });
        Ok(vm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::Locale;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::testing::FakeContext;

    fn settings(user: Value) -> Value {
        let p = MyClientsPortlet;
        merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
    }

    fn grid() -> Value {
        json!({"list": "clients", "total": 12,
               "columns": [{"id": "code", "label_fr": "Code client", "label_en": "Client ID", "kind": "text", "default_visible": true},
                           {"id": "name", "label_fr": "Nom", "label_en": "Name", "kind": "text", "default_visible": true}],
               "rows": [{"id": 4, "version": 1, "cells": ["A-1", "Côté inc."]}]})
    }

    #[test]
    fn asks_for_the_viewers_clients_and_shows_them() {
        MyClientsPortlet.manifest().validate().unwrap();
        let ctx = FakeContext::answering(grid()).with_scope(Scope::Staff { staff_id: 3 }).with_locale(Locale::Fr);
        let s = settings(
            json!({"role": "partner", "common": {"filter": "statut:actif", "columns": ["code", "name"], "limit": 5}}),
        );
        let vm = MyClientsPortlet.render(&s, &ctx).unwrap();
        vm.check().unwrap();
        assert_eq!(
            ctx.requests(),
            vec![json!({"op": "grid.query", "list": "clients", "columns": ["code", "name"],
                        "filter": "role.partner:me (statut:actif)", "limit": 5, "count": true, "count_limit": 999})]
        );
        assert!(matches!(&vm.widgets[0], Widget::Counters { items } if items[0].value == 12));
        let Widget::Table { rows, columns, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(rows, &vec![vec![json!("A-1"), json!("Côté inc.")]]);
        assert_eq!(columns[0].label, Localized::new("Code client", "Client ID"));
        let dd = vm.drill_down.unwrap();
        assert_eq!(dd.request, json!({"op": "client.list", "filter": "role.partner:me (statut:actif)"}));
    }

    #[test]
    fn any_role_by_default_and_bad_settings_refused() {
        let ctx = FakeContext::answering(json!({"rows": [], "columns": [], "total": 0}));
        let vm = MyClientsPortlet.render(&settings(json!({})), &ctx).unwrap();
        assert_eq!(ctx.requests()[0]["filter"], "assigned:me");
        assert!(matches!(&vm.widgets[..], [Widget::Empty { .. }]));
        for bad in [json!({"role": "Associé"}), json!({"role": "x) OR (y"}), json!({"common": {"filter": "a) OR (b"}})]
        {
            assert!(
                matches!(MyClientsPortlet.render(&settings(bad.clone()), &ctx), Err(PortletError::BadSettings { .. })),
                "{bad}"
            );
        }
        let client = FakeContext::answering(grid()).with_scope(Scope::Client { client_id: 5, staff_id: 1 });
        assert!(MyClientsPortlet.render(&settings(json!({})), &client).is_err());
    }
}
