//! # clientele-portlet-file-transfers
//!
//! Built-in portlet `clientele.file-transfers`: a table of the file
//! transfers the viewer may see (staff, client and firm dashboards), open
//! ones only by default. On a client dashboard the engine confines the list
//! to that client.
//!
//! Reads through one `grid.query` on the list `transfers` (field chooser:
//! `common.columns`; period: `common.date_range` on the date field
//! [`DATE_FIELD`]; `common.filter` ANDed; own setting `open_only`).
//! Cells are shown as the viewer reads them: statuses and directions as
//! their label in the viewer's language, date-times as the firm's local
//! `YYYY-MM-DD HH:MM`. Drill-down: the `transfer.list` request with the
//! same query.

#![warn(missing_debug_implementations)]

// The tabular helpers are shared with the interactions portlet, source-level,
// so that built-ins depend on nothing but the portlet API.
#[allow(dead_code)]
#[path = "../../interactions/src/tabular.rs"]
mod tabular;

use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::{
    ChartPart, CommonSettings, Counter, DashboardKind, DataContext, DrillDown, Localized, Manifest, Portlet,
    PortletError, RightEntity, RightNeeded, ViewModel, Widget,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet id.
pub const ID: &str = "clientele.file-transfers";
/// The transfers' date field (when the transfer was sent) in the query engine.
pub const DATE_FIELD: &str = "sent";

/// The portlet's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TransfersSettings {
    /// Only transfers still waiting on someone (waiting for files, ready for download).
    pub open_only: bool,
    /// Show the transfers by status as a proportion (one counted request
    /// per status, same period, filter and client).
    pub status_chart: bool,
}

impl Default for TransfersSettings {
    fn default() -> Self {
        TransfersSettings { open_only: true, status_chart: true }
    }
}

/// The statuses of the chart, with their labels: the open ones, then the closed.
pub const STATUSES: [(&str, &str, &str); 5] = [
    ("waiting_for_files", "En attente de fichiers", "Waiting for files"),
    ("ready_for_download", "Prêt à télécharger", "Ready for download"),
    ("complete", "Terminé", "Complete"),
    ("expired", "Expiré", "Expired"),
    ("canceled", "Annulé", "Canceled"),
];

/// The chart's request: one `list.count_by` of the tile's transfers (its
/// filter, open ones only with `open_only`) by status.
pub fn status_request(filter: Option<&str>, client: Option<i64>, open_only: bool) -> Value {
    let mut extra = vec![("list", json!("transfers")), ("by", json!(["status"]))];
    if open_only {
        extra.push(("open_only", json!(true)));
    }
    tabular::query("list.count_by", client, filter, &extra)
}

/// The parts of the status chart from a `list.count_by` answer: every
/// status of [`STATUSES`] (the open ones only with `open_only`), in order.
/// `None` when the count was capped (too many transfers to chart).
pub fn status_parts(answer: &Value, open_only: bool) -> Option<Vec<ChartPart>> {
    if answer.get("capped").and_then(Value::as_bool).unwrap_or(false) {
        return None;
    }
    let n = if open_only { 2 } else { STATUSES.len() };
    let groups = answer.get("groups").and_then(Value::as_array).cloned().unwrap_or_default();
    Some(
        STATUSES[..n]
            .iter()
            .map(|(status, fr, en)| ChartPart {
                label: Localized::new(*fr, *en),
                value: groups
                    .iter()
                    .filter(|g| g.pointer("/values/0").and_then(Value::as_str) == Some(status))
                    .filter_map(|g| g.get("count").and_then(Value::as_i64))
                    .sum(),
            })
            .collect(),
    )
}

/// The portlet.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileTransfersPortlet;

fn title() -> Localized {
    Localized::new("Transferts de fichiers", "File transfers")
}

impl Portlet for FileTransfersPortlet {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: ID.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: title(),
            dashboards: vec![DashboardKind::Staff, DashboardKind::Client, DashboardKind::Firm],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::FileTransfers)],
            tabular: true,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<TransfersSettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let own: TransfersSettings = own_settings(settings)?;
        let common = CommonSettings::from_settings(settings)?;
        let date = tabular::date_filter(DATE_FIELD, &common, &ctx.today())?;
        let filter = tabular::combine_filters(date, common.filter.as_deref())?;
        let client = tabular::scope_client(ctx.scope());

        let mut extra = vec![
            ("list", json!("transfers")),
            ("limit", json!(common.limit)),
            ("count", json!(true)),
            ("count_limit", json!(clientele_portlet_api::view::TILE_COUNT_LIMIT)),
        ];
        if own.open_only {
            extra.push(("open_only", json!(true)));
        }
        // No columns (an empty list too): the staff member's choice.
        if let Some(cols) = common.columns.as_ref().filter(|c| !c.is_empty()) {
            extra.push(("columns", json!(cols)));
        }
        // A column the firm removed since the tile was set up drops out
        // (`tile_grid`) rather than failing the tile.
        let request = tabular::query("grid.query", client, filter.as_deref(), &extra);
        let answer = clientele_portlet_api::tile_grid::grid_query(ctx, &request, None)?;
        let (mut table, shown, total) = tabular::grid_table(&answer, ctx.locale())?;
        tabular::link_rows(&mut table, &answer, "transfer", "transfer.get");
        if client.is_some() {
            // Every row is that client's.
            tabular::drop_columns(&mut table, &["client"]);
        }

        let mut vm = ViewModel::new(title());
        vm.subtitle = tabular::period_subtitle(&common, &ctx.today());
        if shown == 0 {
            vm = vm.with(Widget::Empty {
                message: if own.open_only {
                    Localized::new("Aucun transfert en cours.", "No open transfers.")
                } else {
                    Localized::new("Aucun transfert pour cette période.", "No transfers in this period.")
                },
            });
        } else {
            if let Some(t) = total {
                let (fr, en) = if own.open_only { ("En cours", "Open") } else { ("Transferts", "Transfers") };
                vm = vm.with(Widget::Counters {
                    items: vec![Counter::at_least(
                        Localized::new(fr, en),
                        i64::try_from(t).unwrap_or(i64::MAX),
                        tabular::total_capped(&answer),
                    )],
                });
            }
            vm = vm.with(table);
            if own.status_chart
                && let Some(parts) = status_parts(
                    &ctx.request(&status_request(filter.as_deref(), client, own.open_only))?,
                    own.open_only,
                )
            {
                vm = vm.with(Widget::Proportion {
                    label: Localized::new("Transferts par statut", "Transfers by status"),
                    parts,
                });
            }
        }
        let drill_extra: Vec<(&str, Value)> = if own.open_only { vec![("open_only", json!(true))] } else { Vec::new() };
        vm.drill_down = Some(DrillDown {
            tab: "file_transfers".into(),
            request: tabular::query("transfer.list", client, filter.as_deref(), &drill_extra),
        });
        Ok(vm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::testing::FakeContext;
    use clientele_portlet_api::{Locale, Scope};

    fn fake(scope: Scope, answer: Value) -> FakeContext {
        FakeContext::answering(answer).with_scope(scope).with_today("2026-11-27").with_locale(Locale::En)
    }

    /// The user's settings over the defaults, without the status chart
    /// unless asked (its requests are tested on their own).
    fn settings(mut user: Value) -> Value {
        let p = FileTransfersPortlet;
        if user.get("status_chart").is_none() {
            user["status_chart"] = json!(false);
        }
        merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
    }

    #[test]
    fn status_chart_is_one_grouped_request_of_the_tile() {
        let ctx = FakeContext::new(|r: &Value| {
            Ok(if r["op"] == json!("list.count_by") {
                json!({"list": "transfers", "by": [], "total": 7,
                       "groups": [{"values": ["waiting_for_files"], "count": 4}, {"values": ["canceled"], "count": 3}]})
            } else {
                json!({"columns": [{"id": "client", "label_fr": "Client", "label_en": "Client", "kind": "text"},
                                   {"id": "subject", "label_fr": "Objet", "label_en": "Subject", "kind": "text"}],
                       "rows": [{"id": 3, "cells": ["Dupré", "Relevés"]}], "total": 1})
            })
        })
        .with_scope(Scope::Staff { staff_id: 1 })
        .with_today("2026-11-27");
        let s = settings(json!({"status_chart": true, "open_only": false, "common": {"filter": "subject:bilan"}}));
        let vm = FileTransfersPortlet.render(&s, &ctx).unwrap();
        vm.check().unwrap();
        let seen = ctx.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(
            seen[1],
            json!({"op": "list.count_by", "list": "transfers", "by": ["status"],
                   "filter": "sent:2026-10-29..2026-11-27 (subject:bilan)"})
        );
        let Widget::Proportion { parts, .. } = &vm.widgets[2] else { panic!("{vm:?}") };
        assert_eq!(parts.iter().map(|p| p.value).collect::<Vec<_>>(), [4, 0, 0, 0, 3]);
        assert_eq!(parts[4].label.fr, "Annulé");
        // On a staff dashboard the client stays; rows open their transfer.
        let Widget::Table { columns, row_drill_downs, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(columns[0].id, "client");
        assert_eq!(row_drill_downs[0].as_ref().unwrap().request, json!({"op": "transfer.get", "id": 3}));
        // Open only: the two open statuses, asked of open transfers only.
        ctx.take_requests();
        let vm = FileTransfersPortlet.render(&settings(json!({"status_chart": true})), &ctx).unwrap();
        assert_eq!(ctx.requests()[1]["open_only"], json!(true));
        let Widget::Proportion { parts, .. } = &vm.widgets[2] else { panic!("{vm:?}") };
        assert_eq!(parts.len(), 2);
        // Capped: no chart rather than a wrong one.
        assert_eq!(status_parts(&json!({"groups": [], "total": 100000, "capped": true}), true), None);
    }

    #[test]
    fn manifest_and_defaults() {
        FileTransfersPortlet.manifest().validate().unwrap();
        assert_eq!(FileTransfersPortlet.default_settings(), json!({"open_only": true, "status_chart": true}));
    }

    #[test]
    fn open_only_on_a_client_dashboard() {
        let answer = json!({"columns": [{"id": "subject", "label_fr": "Objet", "label_en": "Subject", "kind": "text"},
                                        {"id": "status", "label_fr": "État", "label_en": "Status", "kind": "choice"}],
                            "rows": [{"id": 3, "version": 2, "cells": ["Relevés 2025", "waiting_for_files"]}],
                            "total": 1});
        let ctx = fake(Scope::Client { client_id: 9, staff_id: 1 }, answer);
        let vm =
            FileTransfersPortlet.render(&settings(json!({"common": {"date_range": "last-7-days"}})), &ctx).unwrap();
        assert_eq!(
            ctx.requests()[0],
            json!({"op": "grid.query", "list": "transfers", "limit": 10, "count": true, "count_limit": 999,
                   "open_only": true, "client_id": 9, "filter": "sent:2026-11-21..2026-11-27"})
        );
        vm.check().unwrap();
        assert!(matches!(&vm.widgets[1], Widget::Table { rows, .. } if rows.len() == 1));
        let d = vm.drill_down.unwrap();
        assert_eq!(d.tab, "file_transfers");
        assert_eq!(
            d.request,
            json!({"op": "transfer.list", "open_only": true, "client_id": 9, "filter": "sent:2026-11-21..2026-11-27"})
        );
    }

    #[test]
    fn all_transfers_empty_state() {
        let ctx = fake(Scope::Firm { staff_id: 1 }, json!({"columns": [], "rows": []}));
        let s = settings(json!({"open_only": false, "common": {"columns": ["subject"], "filter": "subject:bilan"}}));
        let vm = FileTransfersPortlet.render(&s, &ctx).unwrap();
        let req = ctx.requests()[0].clone();
        assert!(req.get("open_only").is_none());
        assert_eq!(req["columns"], json!(["subject"]));
        assert_eq!(req["filter"], json!("sent:2026-10-29..2026-11-27 (subject:bilan)"));
        let Widget::Empty { message } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(message.en, "No transfers in this period.");
    }

    #[test]
    fn statuses_as_labels_and_times_as_the_firm_reads_them() {
        let answer = json!({"list": "transfers",
            "columns": [
                {"id": "sent", "label_fr": "Envoyé le", "label_en": "Sent", "kind": "date_time", "default_visible": true},
                {"id": "status", "label_fr": "Statut", "label_en": "Status", "kind": "text", "default_visible": true,
                 "values": [{"value": "waiting_for_files", "label_fr": "En attente de fichiers", "label_en": "Waiting for files"},
                            {"value": "ready_for_download", "label_fr": "Prêt à télécharger", "label_en": "Ready for download"}]},
                {"id": "subject", "label_fr": "Objet", "label_en": "Subject", "kind": "text", "default_visible": true},
                {"id": "expires", "label_fr": "Expire le", "label_en": "Expires", "kind": "date_time", "default_visible": true}],
            "rows": [
                {"id": 3, "version": 2, "cells": ["2026-11-20T09:05:00-05:00", "waiting_for_files", "Relevés 2025", "2026-12-20T09:05:00-05:00"]},
                {"id": 2, "version": 1, "cells": ["2026-11-01T22:40:13-04:00", "ready_for_download", "Déclaration", null]}],
            "total": 2});
        let ctx = fake(Scope::Staff { staff_id: 1 }, answer.clone());
        let vm = FileTransfersPortlet.render(&settings(json!({})), &ctx).unwrap();
        vm.check().unwrap();
        let Widget::Table { rows, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(
            rows,
            &vec![
                vec![
                    json!("2026-11-20 09:05"),
                    json!("Waiting for files"),
                    json!("Relevés 2025"),
                    json!("2026-12-20 09:05")
                ],
                vec![json!("2026-11-01 22:40"), json!("Ready for download"), json!("Déclaration"), Value::Null],
            ]
        );
        let ctx = fake(Scope::Staff { staff_id: 1 }, answer).with_locale(Locale::Fr);
        let vm = FileTransfersPortlet.render(&settings(json!({})), &ctx).unwrap();
        let Widget::Table { rows, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(rows[0][1], json!("En attente de fichiers"));
        assert_eq!(rows[1][1], json!("Prêt à télécharger"));
    }
}
