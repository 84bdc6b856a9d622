//! # clientele-portlet-interactions
//!
//! Built-in portlet `clientele.interactions`: a table of the interactions
//! (notes, calls, messages, e-mails, transfer events) the viewer may see, on
//! the staff, client and firm dashboards. On a client dashboard the engine
//! confines the list to that client; the portlet also names the client in
//! its requests so the drill-down opens the client's tab.
//!
//! Reads through one `grid.query` on the list `interactions` (field
//! chooser: `common.columns`; period: `common.date_range` on the date field
//! [`DATE_FIELD`]; `common.filter` ANDed). Cells are shown as the viewer
//! reads them: codes (`phone_call`) as their label in the viewer's language,
//! date-times as the firm's local `YYYY-MM-DD HH:MM` ([`tabular::grid_table`]).
//! Drill-down: the `interaction.list` request with the same filter.

#![warn(missing_debug_implementations)]

pub mod tabular;

use clientele_portlet_api::dates::{LocalDateTime, day_text, short_date};
use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::view::TILE_COUNT_LIMIT;
use clientele_portlet_api::{
    ChartSeries, CommonSettings, DashboardKind, DataContext, DrillDown, Locale, Localized, Manifest, Portlet,
    PortletError, RightEntity, RightNeeded, ViewModel, Widget,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet id.
pub const ID: &str = "clientele.interactions";
/// The interactions' date field in the query engine.
pub const DATE_FIELD: &str = "when";

/// The portlet's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct InteractionsSettings {
    /// Show the number of matching interactions above the table.
    pub show_total: bool,
    /// Show a chart of the interactions per week over the last
    /// [`CHART_WEEKS`] weeks (same filter and client, any date range).
    pub weekly_chart: bool,
}

impl Default for InteractionsSettings {
    fn default() -> Self {
        InteractionsSettings { show_total: true, weekly_chart: true }
    }
}

/// Weeks in the weekly chart.
pub const CHART_WEEKS: i64 = 12;
/// The request of the weekly chart: one `list.count_by` of the
/// interactions by kind over [`CHART_WEEKS`] weeks of 7 days ending today
/// (with the user's filter and the scope's client); and each week's first
/// day, oldest first.
pub fn weekly_request(
    user_filter: Option<&str>,
    client: Option<i64>,
    today: &str,
) -> Result<(Vec<LocalDateTime>, Value), PortletError> {
    let t = LocalDateTime::parse(today).ok_or_else(|| PortletError::internal("the engine's today is not a date"))?;
    let first = t.day_number() - 7 * CHART_WEEKS + 1;
    let starts = (0..CHART_WEEKS).map(|w| LocalDateTime::parse(&day_text(first + 7 * w)).unwrap_or(t)).collect();
    let request = tabular::query(
        "list.count_by",
        client,
        user_filter,
        &[
            ("list", json!("interactions")),
            ("by", json!(["kind"])),
            ("periods", json!({"field": DATE_FIELD, "from": day_text(first), "days": 7, "count": CHART_WEEKS})),
        ],
    );
    Ok((starts, request))
}

/// The weekly chart: interactions per week, weeks labelled by their first
/// day, stacked by kind (totals only past [`MAX_CHART_SERIES`] kinds).
///
/// [`MAX_CHART_SERIES`]: clientele_portlet_api::view::MAX_CHART_SERIES
fn weekly_chart(user_filter: Option<&str>, client: Option<i64>, ctx: &dyn DataContext) -> Result<Widget, PortletError> {
    let today = ctx.today();
    let year = LocalDateTime::parse(&today).map(|t| t.year);
    let (starts, request) = weekly_request(user_filter, client, &today)?;
    let answer = ctx.request(&request)?;
    if answer.get("capped").and_then(Value::as_bool).unwrap_or(false) {
        let n = answer.get("total").and_then(Value::as_i64).unwrap_or_default();
        return Ok(Widget::Note {
            text: Localized::new(
                format!("Plus de {n} interactions en {CHART_WEEKS} semaines : trop pour un graphique."),
                format!("More than {n} interactions in {CHART_WEEKS} weeks: too many to chart."),
            ),
        });
    }
    let weeks = starts.len();
    let labels = answer.pointer("/by/0/values").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut totals = vec![0i64; weeks];
    // Kind code, label, count per week; in order of first appearance.
    let mut kinds: Vec<(String, Localized, Vec<i64>)> = Vec::new();
    for g in answer.get("groups").and_then(Value::as_array).into_iter().flatten() {
        let Some(w) = g.get("period").and_then(Value::as_u64).map(|w| w as usize).filter(|w| *w < weeks) else {
            continue;
        };
        let n = g.get("count").and_then(Value::as_i64).unwrap_or_default();
        let code = g.pointer("/values/0").and_then(Value::as_str).unwrap_or_default().to_string();
        let at = match kinds.iter().position(|(c, _, _)| *c == code) {
            Some(at) => at,
            None => {
                let l = labels.iter().find(|v| v["value"] == code.as_str());
                let text = |k: &str| l.and_then(|v| v[k].as_str()).unwrap_or(&code).to_string();
                kinds.push((code.clone(), Localized::new(text("label_fr"), text("label_en")), vec![0; weeks]));
                kinds.len() - 1
            }
        };
        kinds[at].2[w] += n;
        totals[w] += n;
    }
    let categories = starts
        .iter()
        .map(|start| {
            Localized::new(
                format!("sem. du {}", short_date(start, year, Locale::Fr)),
                format!("week of {}", short_date(start, year, Locale::En)),
            )
        })
        .collect();
    let by_kind = !kinds.is_empty() && kinds.len() <= clientele_portlet_api::view::MAX_CHART_SERIES;
    let series = if by_kind {
        kinds.into_iter().map(|(_, label, values)| ChartSeries { label, values }).collect()
    } else {
        vec![ChartSeries { label: Localized::new("Interactions", "Interactions"), values: totals }]
    };
    Ok(Widget::BarChart {
        label: if by_kind {
            Localized::new(
                format!("Interactions par semaine et par type, {CHART_WEEKS} dernières semaines"),
                format!("Interactions per week by kind, last {CHART_WEEKS} weeks"),
            )
        } else {
            Localized::new(
                format!("Interactions par semaine, {CHART_WEEKS} dernières semaines"),
                format!("Interactions per week, last {CHART_WEEKS} weeks"),
            )
        },
        categories,
        series,
    })
}

/// The portlet.
#[derive(Debug, Default, Clone, Copy)]
pub struct InteractionsPortlet;

fn title() -> Localized {
    Localized::new("Interactions", "Interactions")
}

impl Portlet for InteractionsPortlet {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: ID.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: title(),
            dashboards: vec![DashboardKind::Staff, DashboardKind::Client, DashboardKind::Firm],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::Interactions)],
            tabular: true,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<InteractionsSettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let own: InteractionsSettings = own_settings(settings)?;
        let common = CommonSettings::from_settings(settings)?;
        let date = tabular::date_filter(DATE_FIELD, &common, &ctx.today())?;
        let filter = tabular::combine_filters(date, common.filter.as_deref())?;
        let client = tabular::scope_client(ctx.scope());

        let mut extra = vec![
            ("list", json!("interactions")),
            ("limit", json!(common.limit)),
            ("count", json!(true)),
            ("count_limit", json!(TILE_COUNT_LIMIT)),
        ];
        // No columns (an empty list too): the staff member's choice.
        if let Some(cols) = common.columns.as_ref().filter(|c| !c.is_empty()) {
            extra.push(("columns", json!(cols)));
        }
        let request = tabular::query("grid.query", client, filter.as_deref(), &extra);
        // A column the firm removed since the tile was set up drops out
        // (`tile_grid`) rather than failing the tile.
        let answer = clientele_portlet_api::tile_grid::grid_query(ctx, &request, None)?;
        let (mut table, shown, total) = tabular::grid_table(&answer, ctx.locale())?;
        tabular::link_rows(&mut table, &answer, "interaction", "interaction.get");
        if client.is_some() {
            // Every row is that client's.
            tabular::drop_columns(&mut table, &["client"]);
        }

        let mut vm = ViewModel::new(title());
        vm.subtitle = tabular::period_subtitle(&common, &ctx.today());
        if own.weekly_chart {
            vm = vm.with(weekly_chart(common.filter.as_deref(), client, ctx)?);
        }
        if shown == 0 {
            vm = vm.with(Widget::Empty {
                message: Localized::new("Aucune interaction pour cette période.", "No interactions in this period."),
            });
        } else {
            if own.show_total
                && let Some(t) = total
            {
                vm = vm.with(Widget::Counters {
                    items: vec![clientele_portlet_api::Counter::at_least(
                        Localized::new("Interactions", "Interactions"),
                        i64::try_from(t).unwrap_or(i64::MAX),
                        tabular::total_capped(&answer),
                    )],
                });
            }
            vm = vm.with(table);
        }
        vm.drill_down = Some(DrillDown {
            tab: "interactions".into(),
            request: tabular::query("interaction.list", client, filter.as_deref(), &[]),
        });
        Ok(vm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::testing::FakeContext;
    use clientele_portlet_api::{ErrorBody, Locale, Scope};

    fn fake(scope: Scope, answer: Result<Value, ErrorBody>) -> FakeContext {
        FakeContext::new(move |_| answer.clone()).with_scope(scope).with_today("2026-11-27").with_locale(Locale::Fr)
    }

    /// The user's settings merged over the defaults, without the weekly
    /// chart unless asked (its requests are tested on their own).
    fn settings(mut user: Value) -> Value {
        let p = InteractionsPortlet;
        if user.get("weekly_chart").is_none() {
            user["weekly_chart"] = json!(false);
        }
        merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
    }

    /// A `list.count_by` answer by kind and week: the last week two calls
    /// and a note, every other week one note.
    fn weekly_answer() -> Value {
        let mut groups: Vec<Value> = (0..11).map(|w| json!({"values": ["note"], "period": w, "count": 1})).collect();
        groups.push(json!({"values": ["note"], "period": 11, "count": 1}));
        groups.push(json!({"values": ["phone_call"], "period": 11, "count": 2}));
        json!({"list": "interactions",
               "by": [{"id": "kind", "label_fr": "Type", "label_en": "Kind",
                       "values": [{"value": "note", "label_fr": "Note", "label_en": "Note"},
                                  {"value": "phone_call", "label_fr": "Appel téléphonique", "label_en": "Phone call"}]}],
               "groups": groups, "total": 14})
    }

    #[test]
    fn weekly_chart_is_one_grouped_request_and_the_table_drops_the_client_on_a_client_dashboard() {
        let ctx = FakeContext::new(|r: &Value| {
            if r["op"] == json!("list.count_by") {
                Ok(weekly_answer())
            } else {
                Ok(json!({"list": "interactions",
                    "columns": [{"id": "when", "label_fr": "Date", "label_en": "When", "kind": "date_time"},
                                {"id": "client", "label_fr": "Client", "label_en": "Client", "kind": "text"},
                                {"id": "subject", "label_fr": "Objet", "label_en": "Subject", "kind": "text"}],
                    "rows": [{"id": 8, "cells": ["2026-11-27T10:00:00-05:00", "Dupré", "Appel"]}], "total": 30}))
            }
        })
        .with_scope(Scope::Client { client_id: 5, staff_id: 2 })
        .with_today("2026-11-27")
        .with_locale(Locale::Fr);
        let vm = InteractionsPortlet.render(&settings(json!({"weekly_chart": true})), &ctx).unwrap();
        vm.check().unwrap();
        let seen = ctx.requests();
        assert_eq!(seen.len(), 2, "the table, then one grouped request for the whole chart");
        assert_eq!(seen[0]["count_limit"], json!(TILE_COUNT_LIMIT));
        // Twelve weeks of 7 days, the last ending today, confined to the client.
        assert_eq!(
            seen[1],
            json!({"op": "list.count_by", "list": "interactions", "by": ["kind"], "client_id": 5,
                   "periods": {"field": "when", "from": "2026-09-05", "days": 7, "count": 12}})
        );
        let Widget::BarChart { categories, series, .. } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(categories.len(), 12);
        assert_eq!(categories[0].en, "week of Sep 5");
        assert_eq!(categories[11].en, "week of Nov 21");
        assert_eq!(series[1].values[11], 2);
        let Widget::Table { columns, rows, total, row_drill_downs, .. } = &vm.widgets[2] else { panic!("{vm:?}") };
        assert_eq!(columns.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["when", "subject"]);
        assert_eq!(rows[0], [json!("2026-11-27 10:00"), json!("Appel")]);
        assert_eq!(*total, Some(30));
        assert_eq!(row_drill_downs[0].as_ref().unwrap().request, json!({"op": "interaction.get", "id": 8}));
        assert_eq!(vm.subtitle.unwrap().fr, "Du 29 oct. au 27 nov.");
    }

    #[test]
    fn weekly_chart_stacks_kinds_and_says_when_too_many_to_chart() {
        let ctx = FakeContext::new(move |_: &Value| Ok(weekly_answer())).with_today("2026-11-27");
        let Widget::BarChart { series, label, .. } = weekly_chart(None, None, &ctx).unwrap() else { panic!() };
        assert_eq!(series.len(), 2, "{series:?}");
        assert_eq!(series[0].label.en, "Note");
        assert_eq!(series[1].label.fr, "Appel téléphonique");
        assert_eq!(series[0].values, [1; 12]);
        assert_eq!(series[1].values, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert!(label.en.contains("by kind"));
        // Counting stopped at the engine's limit: a note in both languages, no chart.
        let ctx = FakeContext::new(move |_: &Value| {
            Ok(json!({"list": "interactions", "by": [], "groups": [], "total": 100000, "capped": true}))
        })
        .with_today("2026-11-27");
        let Widget::Note { text } = weekly_chart(None, None, &ctx).unwrap() else { panic!() };
        assert!(text.fr.starts_with("Plus de 100000") && text.en.starts_with("More than 100000"), "{text:?}");
    }

    #[test]
    fn a_capped_total_reads_999_plus() {
        let mut answer = grid();
        answer["total"] = json!(999);
        answer["total_capped"] = json!(true);
        let ctx = fake(Scope::Staff { staff_id: 2 }, Ok(answer));
        let vm = InteractionsPortlet.render(&settings(json!({})), &ctx).unwrap();
        let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert!(items[0].capped);
        assert_eq!(items[0].shown(), "999+");
        assert_eq!(items[0].spoken(Locale::Fr), "plus de 999");
        assert_eq!(items[0].spoken(Locale::En), "more than 999");
    }

    fn grid() -> Value {
        json!({"list": "interactions",
               "columns": [{"id": "when", "label_fr": "Date", "label_en": "Date", "kind": "date_time"},
                           {"id": "subject", "label_fr": "Objet", "label_en": "Subject", "kind": "text"}],
               "rows": [{"id": 4, "version": 1, "cells": ["2026-11-20T10:00:00", "Appel de Mme Côté"]}],
               "total": 7})
    }

    #[test]
    fn manifest_is_valid() {
        InteractionsPortlet.manifest().validate().unwrap();
        assert_eq!(InteractionsPortlet.default_settings(), json!({"show_total": true, "weekly_chart": true}));
    }

    #[test]
    fn client_dashboard_request_and_view() {
        let ctx = fake(Scope::Client { client_id: 5, staff_id: 2 }, Ok(grid()));
        let s = settings(json!({"common": {"filter": "kind:phone_call", "columns": ["when", "subject"], "limit": 5}}));
        let vm = InteractionsPortlet.render(&s, &ctx).unwrap();
        let seen = ctx.requests();
        assert_eq!(
            seen,
            vec![json!({"op": "grid.query", "list": "interactions", "limit": 5, "count": true, "count_limit": 999,
                        "columns": ["when", "subject"], "client_id": 5,
                        "filter": "when:2026-10-29..2026-11-27 (kind:phone_call)"})]
        );
        vm.check().unwrap();
        assert!(matches!(&vm.widgets[0], Widget::Counters { items } if items[0].value == 7));
        let Widget::Table { rows, columns, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(columns[0].kind, clientele_portlet_api::ColumnKind::DateTime);
        assert_eq!(rows[0][1], json!("Appel de Mme Côté"));
        assert_eq!(
            vm.drill_down.unwrap().request,
            json!({"op": "interaction.list", "client_id": 5, "filter": "when:2026-10-29..2026-11-27 (kind:phone_call)"})
        );
    }

    #[test]
    fn staff_dashboard_all_dates_no_filter() {
        let ctx = fake(Scope::Staff { staff_id: 2 }, Ok(json!({"columns": [], "rows": []})));
        let vm = InteractionsPortlet.render(&settings(json!({"common": {"date_range": "all"}})), &ctx).unwrap();
        assert_eq!(
            ctx.requests()[0],
            json!({"op": "grid.query", "list": "interactions", "limit": 10, "count": true, "count_limit": 999})
        );
        assert!(matches!(&vm.widgets[..], [Widget::Empty { .. }]));
        assert_eq!(vm.drill_down.unwrap().request, json!({"op": "interaction.list"}));
    }

    #[test]
    fn refusals_and_bad_settings() {
        let ctx = fake(Scope::Staff { staff_id: 2 }, Err(ErrorBody::new("forbidden", "no")));
        assert!(matches!(InteractionsPortlet.render(&settings(json!({})), &ctx), Err(PortletError::DataRefused(_))));
        let ctx = fake(Scope::Staff { staff_id: 2 }, Err(ErrorBody::new("invalid_filter", "unknown field")));
        assert!(matches!(InteractionsPortlet.render(&settings(json!({})), &ctx), Err(PortletError::DataFailed(_))));
        let ctx = fake(Scope::Staff { staff_id: 2 }, Ok(grid()));
        let s = settings(json!({"common": {"filter": "a) OR (b"}}));
        assert!(matches!(InteractionsPortlet.render(&s, &ctx), Err(PortletError::BadSettings { .. })));
        assert!(ctx.requests().is_empty());
        assert!(InteractionsPortlet.render(&json!({"show_total": "yes"}), &ctx).is_err());
    }

    /// A grid as the engine answers it: codes with their labels, times with
    /// the firm's offset.
    fn engine_grid() -> Value {
        json!({"list": "interactions",
               "columns": [
                   {"id": "when", "label_fr": "Date", "label_en": "When", "kind": "date_time", "default_visible": true},
                   {"id": "kind", "label_fr": "Type", "label_en": "Kind", "kind": "text", "default_visible": true,
                    "values": [{"value": "note", "label_fr": "Note", "label_en": "Note"},
                               {"value": "phone_call", "label_fr": "Appel téléphonique", "label_en": "Phone call"}]},
                   {"id": "direction", "label_fr": "Sens de l'appel", "label_en": "Call direction", "kind": "text",
                    "default_visible": false,
                    "values": [{"value": "incoming", "label_fr": "Entrant", "label_en": "Incoming"},
                               {"value": "outgoing", "label_fr": "Sortant", "label_en": "Outgoing"}]},
                   {"id": "subject", "label_fr": "Objet", "label_en": "Subject", "kind": "text", "default_visible": true}],
               "rows": [
                   {"id": 4, "version": 1, "cells": ["2026-11-27T14:25:06-05:00", "phone_call", "incoming", "Appel de Mme Côté"]},
                   {"id": 3, "version": 2, "cells": ["2026-11-26T23:30:00-05:00", "note", null, "phone_call"]},
                   {"id": 2, "version": 1, "cells": ["yesterday", "transfer_event", null, "Relevés"]}],
               "total": 3})
    }

    #[test]
    fn codes_shown_as_labels_and_times_as_the_firm_reads_them() {
        let ctx = fake(Scope::Staff { staff_id: 2 }, Ok(engine_grid()));
        let vm = InteractionsPortlet.render(&settings(json!({})), &ctx).unwrap();
        vm.check().unwrap();
        let Widget::Table { rows, columns, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(columns[0].kind, clientele_portlet_api::ColumnKind::DateTime);
        assert_eq!(
            rows,
            &vec![
                vec![
                    json!("2026-11-27 14:25"),
                    json!("Appel téléphonique"),
                    json!("Entrant"),
                    json!("Appel de Mme Côté")
                ],
                // Not converted to UTC (that would be the 27th, 04:30); a
                // text column keeps a code-like text as it is.
                vec![json!("2026-11-26 23:30"), json!("Note"), Value::Null, json!("phone_call")],
                // A cell that does not parse, a code without a label: as they were.
                vec![json!("yesterday"), json!("transfer_event"), Value::Null, json!("Relevés")],
            ]
        );
        let ctx = fake(Scope::Staff { staff_id: 2 }, Ok(engine_grid())).with_locale(Locale::En);
        let vm = InteractionsPortlet.render(&settings(json!({})), &ctx).unwrap();
        let Widget::Table { rows, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(rows[0][..3], [json!("2026-11-27 14:25"), json!("Phone call"), json!("Incoming")]);
        assert_eq!(rows[1][1], json!("Note"));
    }
}
