//! # clientele-portlet-today
//!
//! Built-in portlet `clientele.today`, for the staff (and firm) dashboard:
//! what needs attention today.
//!
//! - counters: interactions that happened today, open transfers, transfers
//!   waiting for files for more than `waiting_days` (default 7) days,
//!   transfers expiring within `expiring_days` (default 3) days;
//! - a list of the transfers awaiting action (soonest expiry first, then
//!   longest wait; a transfer both expiring and waiting is listed once, as
//!   expiring, and counted in both counters), then today's interactions.
//!
//! The engine counts and selects, in the firm's time zone; the portlet only
//! computes the threshold dates from the firm's today. Four requests (see
//! [`requests`]):
//!
//! - `grid.query` on `interactions`, filter `when:today` (ANDed with
//!   `common.filter`), counted; its rows (when, kind, subject) are the
//!   interactions listed, times as the firm reads them, kinds as labels;
//! - `transfer.list` with `open_only`, `limit` 1, counted: open transfers;
//! - `grid.query` on `transfers`, `open_only`, filter `expires:<=D` (D =
//!   today + `expiring_days`), sorted by `expires`, counted: expiring;
//! - `grid.query` on `transfers`, filter `status:waiting_for_files sent:<D`
//!   (D = today − `waiting_days`), sorted by `sent`, counted: waiting.
//!
//! - `grid.query` on `interactions`, filter `follow_up:me done:false
//!   due:<=D` (D = today), sorted by `due`, counted: the viewer's open
//!   follow-ups due today or overdue, with the client's name;
//! - `grid.query` on `interactions`, filter `for:me message:new`, newest
//!   first, counted: the viewer's new phone messages, with the client's
//!   name.
//!
//! The list starts with those follow-ups (badge "en retard" / "overdue"
//! when past due, else "à faire" / "due today") and messages (badge
//! "message"), then the transfers, then today's interactions.
//!
//! Lists read at most `common.limit` rows each.

#![warn(missing_debug_implementations)]

// The tabular helpers (filters, grid cells as the viewer reads them) are
// shared with the interactions portlet, source-level, so that built-ins
// depend on nothing but the portlet API.
#[allow(dead_code)]
#[path = "../../interactions/src/tabular.rs"]
mod tabular;

use clientele_portlet_api::dates::LocalDateTime;
use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::view::TILE_COUNT_LIMIT;
use clientele_portlet_api::{
    CommonSettings, Counter, DashboardKind, DataContext, DrillDown, ListItem, Locale, Localized, Manifest, Portlet,
    PortletError, RightEntity, RightNeeded, ViewModel, Widget,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet id.
pub const ID: &str = "clientele.today";

/// The portlet's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TodaySettings {
    /// A transfer waiting for files longer than this many days needs action.
    pub waiting_days: u32,
    /// A transfer expiring within this many days needs action.
    pub expiring_days: u32,
    /// List today's interactions under the transfers.
    pub list_interactions: bool,
    /// Show today's interactions as a trend over the last [`TREND_DAYS`]
    /// days (one counted request per earlier day).
    pub trend: bool,
}

impl Default for TodaySettings {
    fn default() -> Self {
        TodaySettings { waiting_days: 7, expiring_days: 3, list_interactions: true, trend: true }
    }
}

/// Days in the trend of today's interactions (today included).
pub const TREND_DAYS: i64 = 7;

/// The trend's request: one `list.count_by` of the interactions (of
/// `common.filter`) per day over the last [`TREND_DAYS`] days, today last.
pub fn trend_request(common: &CommonSettings, today: &str) -> Result<Value, PortletError> {
    let today = day_number(today).ok_or_else(|| PortletError::internal("the engine's today is not a date"))?;
    let mut request = json!({"op": "list.count_by", "list": "interactions",
                             "periods": {"field": "when", "from": day_text(today - TREND_DAYS + 1), "days": 1,
                                         "count": TREND_DAYS}});
    if let Some(f) = &common.filter {
        request["filter"] = json!(f);
    }
    Ok(request)
}

/// The count per day of a trend answer, oldest first (`None`: capped).
fn trend_counts(answer: &Value) -> Option<Vec<i64>> {
    if answer.get("capped").and_then(Value::as_bool).unwrap_or(false) {
        return None;
    }
    let mut days = vec![0i64; TREND_DAYS as usize];
    for g in answer.get("groups").and_then(Value::as_array).into_iter().flatten() {
        if let (Some(p), Some(n)) = (g.get("period").and_then(Value::as_u64), g.get("count").and_then(Value::as_i64))
            && let Some(d) = days.get_mut(p as usize)
        {
            *d += n;
        }
    }
    Some(days)
}

/// A date as the list says it: `le 28 nov.` / `on Nov 28`, `demain` / `tomorrow`...
fn on_day(day: &str, today: &str, locale: Locale) -> String {
    let short = clientele_portlet_api::dates::compact(day, Some(today), locale).unwrap_or_else(|| day.to_string());
    match (short.starts_with(|c: char| c.is_ascii_digit()), locale) {
        (true, Locale::Fr) => format!("le {short}"),
        (true, Locale::En) => format!("on {short}"),
        (false, _) => short,
    }
}

/// `subject — client` (the client when the grid names one).
fn subject_and_client(row: &Row) -> String {
    match row.text("client") {
        "" => row.text("subject").to_string(),
        client => format!("{} \u{2014} {client}", row.text("subject")),
    }
}

/// The portlet.
#[derive(Debug, Default, Clone, Copy)]
pub struct TodayPortlet;

fn title() -> Localized {
    Localized::new("Aujourd’hui", "Today")
}

/// Days since 1970-01-01 of a `YYYY-MM-DD…` text (its first 10 characters).
pub fn day_number(text: &str) -> Option<i64> {
    let d = text.get(..10)?;
    let b = d.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, day): (i64, i64, i64) = (d[..4].parse().ok()?, d[5..7].parse().ok()?, d[8..10].parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    Some(era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468)
}

pub use clientele_portlet_api::dates::day_text;

/// The columns read from each grid.
const INTERACTION_COLUMNS: [&str; 4] = ["when", "kind", "subject", "client"];
const EXPIRING_COLUMNS: [&str; 3] = ["subject", "client", "expires"];
const WAITING_COLUMNS: [&str; 3] = ["subject", "client", "sent"];
const FOLLOW_UP_COLUMNS: [&str; 3] = ["subject", "client", "due"];
const MESSAGE_COLUMNS: [&str; 3] = ["subject", "client", "when"];

/// The requests of one render, in the order they are made: today's
/// interactions, open transfers, transfers expiring, transfers waiting, the
/// viewer's follow-ups due, the viewer's new messages. `today` is the
/// firm's `YYYY-MM-DD` ([`DataContext::today`]).
pub fn requests(own: &TodaySettings, common: &CommonSettings, today: &str) -> Result<[Value; 6], PortletError> {
    let today = day_number(today).ok_or_else(|| PortletError::internal("the engine's today is not a date"))?;
    let interactions = tabular::combine_filters(Some("when:today".into()), common.filter.as_deref())?;
    let list_limit = common.limit;
    let expiring_by = day_text(today + i64::from(own.expiring_days));
    let waiting_before = day_text(today - i64::from(own.waiting_days));
    // Counts shown stop at TILE_COUNT_LIMIT ("999+"); with the trend,
    // today's count is the trend's last day (exact), so the list is not
    // counted; follow-ups and messages are listed, not counted.
    let cap = TILE_COUNT_LIMIT;
    Ok([
        json!({"op": "grid.query", "list": "interactions", "columns": INTERACTION_COLUMNS,
               "filter": interactions, "limit": if own.list_interactions { list_limit } else { 1 },
               "count": !own.trend, "count_limit": cap}),
        json!({"op": "grid.query", "list": "transfers", "columns": ["status"], "open_only": true, "limit": 1,
               "count": true, "count_limit": cap}),
        json!({"op": "grid.query", "list": "transfers", "columns": EXPIRING_COLUMNS, "open_only": true,
               "filter": format!("expires:<={expiring_by}"), "sort": "expires", "limit": list_limit, "count": true,
               "count_limit": cap}),
        json!({"op": "grid.query", "list": "transfers", "columns": WAITING_COLUMNS,
               "filter": format!("status:waiting_for_files sent:<{waiting_before}"), "sort": "sent",
               "limit": list_limit, "count": true, "count_limit": cap}),
        json!({"op": "grid.query", "list": "interactions", "columns": FOLLOW_UP_COLUMNS,
               "filter": format!("follow_up:me done:false due:<={}", day_text(today)), "sort": "due",
               "limit": list_limit}),
        json!({"op": "grid.query", "list": "interactions", "columns": MESSAGE_COLUMNS,
               "filter": "for:me message:new", "limit": list_limit}),
    ])
}

/// One row of a grid answer: its id and its cells by column id, shown as
/// the viewer reads them (labels, firm-local `YYYY-MM-DD HH:MM`).
struct Row {
    id: Option<i64>,
    cells: Vec<(String, Value)>,
}

impl Row {
    fn text(&self, column: &str) -> &str {
        self.cells.iter().find(|(id, _)| id == column).and_then(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// The local day and time of a date-time cell, if it reads as one.
    fn day_and_time(&self, column: &str) -> Option<(&str, &str)> {
        let t = self.text(column);
        (t.len() == 16 && t.as_bytes()[10] == b' ' && day_number(t).is_some()).then(|| (&t[..10], &t[11..]))
    }
}

/// The rows and the total (else the number of rows) of a grid answer, and
/// whether that total is a floor (capped).
fn grid(answer: &Value, locale: Locale) -> Result<(Vec<Row>, i64, bool), PortletError> {
    let (Widget::Table { columns, rows, .. }, shown, total) = tabular::grid_table(answer, locale)? else {
        return Err(PortletError::internal("a grid answer is a table"));
    };
    let ids = answer.get("rows").and_then(Value::as_array).cloned().unwrap_or_default();
    let rows = rows
        .into_iter()
        .zip(ids.iter().map(|r| r.get("id").and_then(Value::as_i64)))
        .map(|(cells, id)| Row { id, cells: columns.iter().map(|c| c.id.clone()).zip(cells).collect() })
        .collect();
    Ok((rows, total.map_or(shown as i64, |t| i64::try_from(t).unwrap_or(i64::MAX)), tabular::total_capped(answer)))
}

impl Portlet for TodayPortlet {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: ID.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: title(),
            dashboards: vec![DashboardKind::Staff, DashboardKind::Firm],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::Interactions), RightNeeded::view(RightEntity::FileTransfers)],
            tabular: false,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<TodaySettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let own: TodaySettings = own_settings(settings)?;
        let common = CommonSettings::from_settings(settings)?;
        let today_text = ctx.today();
        let today =
            day_number(&today_text).ok_or_else(|| PortletError::internal("the engine's today is not a date"))?;
        let locale = ctx.locale();
        let [interactions, open, expiring, waiting, follow_ups, messages] = requests(&own, &common, &today_text)?;

        let (inter, mut inter_total, mut inter_capped) = grid(&ctx.request(&interactions)?, locale)?;
        let (_, open_total, open_capped) = grid(&ctx.request(&open)?, locale)?;
        let (expiring, expiring_total, expiring_capped) = grid(&ctx.request(&expiring)?, locale)?;
        let (waiting, waiting_total, waiting_capped) = grid(&ctx.request(&waiting)?, locale)?;
        let (follow_ups, _, _) = grid(&ctx.request(&follow_ups)?, locale)?;
        let (messages, _, _) = grid(&ctx.request(&messages)?, locale)?;

        let mut list: Vec<ListItem> = Vec::new();
        // The viewer's follow-ups due, with the client's name.
        for f in &follow_ups {
            let due = f.text("due");
            let late = day_number(due).is_some_and(|d| d < today);
            let client = f.text("client");
            let sub = Localized::new(format!("{client} · échéance {due}"), format!("{client} · due {due}"));
            let badge =
                if late { Localized::new("en retard", "overdue") } else { Localized::new("à faire", "due today") };
            list.push(ListItem {
                title: f.text("subject").to_string(),
                subtitle: Some(sub.get(locale).trim_start_matches(" · ").into()),
                badge: Some(badge.get(locale).into()),
            });
        }
        // The viewer's new phone messages, with the client's name.
        for m in &messages {
            let client = m.text("client");
            let at = m.day_and_time("when").map_or(m.text("when").to_string(), |(day, time)| format!("{day} {time}"));
            list.push(ListItem {
                title: m.text("subject").to_string(),
                subtitle: Some(if client.is_empty() { at } else { format!("{client} · {at}") }),
                badge: Some(Localized::new("message", "message").get(locale).into()),
            });
        }
        for t in &expiring {
            let on = t.day_and_time("expires").map_or(t.text("expires"), |(day, _)| day);
            let sub = Localized::new(
                format!("Expire {}", on_day(on, &today_text, Locale::Fr)),
                format!("Expires {}", on_day(on, &today_text, Locale::En)),
            );
            let badge = Localized::new("expire bientôt", "expiring");
            list.push(ListItem {
                title: subject_and_client(t),
                subtitle: Some(sub.get(locale).into()),
                badge: Some(badge.get(locale).into()),
            });
        }
        for t in &waiting {
            if t.id.is_some() && expiring.iter().any(|e| e.id == t.id) {
                continue; // listed as expiring
            }
            let sub = match t.day_and_time("sent") {
                Some((since, _)) => {
                    let days = day_number(since).map_or(0, |d| today - d);
                    Localized::new(
                        format!("En attente de fichiers depuis {} ({days} j)", on_day(since, &today_text, Locale::Fr)),
                        format!(
                            "Waiting for files since {} ({days} d)",
                            on_day(since, &today_text, Locale::En).trim_start_matches("on ")
                        ),
                    )
                }
                None => Localized::new("En attente de fichiers", "Waiting for files"),
            };
            let badge = Localized::new("en attente", "waiting");
            list.push(ListItem {
                title: subject_and_client(t),
                subtitle: Some(sub.get(locale).into()),
                badge: Some(badge.get(locale).into()),
            });
        }

        let mut trend = Vec::new();
        if own.trend {
            match trend_counts(&ctx.request(&trend_request(&common, &today_text)?)?) {
                Some(days) => {
                    inter_total = days.last().copied().unwrap_or_default();
                    inter_capped = false;
                    trend = days;
                }
                // Too many to count by day: today's count alone, capped.
                None => {
                    let again = json!({"op": "grid.query", "list": "interactions", "columns": ["when"],
                                       "filter": tabular::combine_filters(Some("when:today".into()),
                                                                          common.filter.as_deref())?,
                                       "limit": 1, "count": true, "count_limit": TILE_COUNT_LIMIT});
                    let (_, n, capped) = grid(&ctx.request(&again)?, locale)?;
                    (inter_total, inter_capped) = (n, capped);
                }
            }
        }
        let interactions_counter = (!own.trend || trend.is_empty()).then(|| {
            Counter::at_least(
                Localized::new("Interactions aujourd’hui", "Interactions today"),
                inter_total,
                inter_capped,
            )
        });
        let mut vm = ViewModel::new(title());
        if let Some(t) = LocalDateTime::parse(&today_text) {
            vm.subtitle = Some(Localized::new(
                clientele_portlet_api::dates::full(&today_text, Locale::Fr).unwrap_or_default(),
                clientele_portlet_api::dates::full(&today_text, Locale::En).unwrap_or_default(),
            ))
            .filter(|_| t.time.is_none());
        }
        if !trend.is_empty() {
            vm = vm.with(Widget::Sparkline {
                label: Localized::new("Interactions aujourd’hui", "Interactions today"),
                value: inter_total,
                values: trend,
                period: Some(Localized::new(
                    format!("tendance des {TREND_DAYS} derniers jours"),
                    format!("trend over the last {TREND_DAYS} days"),
                )),
            });
        }
        let vm = vm.with(Widget::Counters {
            items: interactions_counter
                .into_iter()
                .chain([
                    Counter::at_least(Localized::new("Transferts en cours", "Open transfers"), open_total, open_capped),
                    Counter::at_least(
                        Localized::new(
                            format!("En attente > {} j", own.waiting_days),
                            format!("Waiting > {} d", own.waiting_days),
                        ),
                        waiting_total,
                        waiting_capped,
                    ),
                    Counter::at_least(
                        Localized::new(
                            format!("Expirent d’ici {} j", own.expiring_days),
                            format!("Expiring within {} d", own.expiring_days),
                        ),
                        expiring_total,
                        expiring_capped,
                    ),
                ])
                .collect(),
        });
        if own.list_interactions {
            for i in &inter {
                let kind = i.text("kind").to_string();
                list.push(ListItem {
                    title: subject_and_client(i),
                    subtitle: Some(match i.day_and_time("when") {
                        Some((_, time)) if kind.is_empty() => time.to_string(),
                        Some((_, time)) => format!("{kind} · {time}"),
                        None => kind,
                    }),
                    badge: None,
                });
            }
        }
        list.truncate(common.limit as usize);
        let mut vm = vm.with(if list.is_empty() {
            Widget::Empty {
                message: Localized::new("Rien à signaler aujourd’hui.", "Nothing needs attention today.")
            }
        } else {
            Widget::List { items: list }
        });
        vm.drill_down = Some(DrillDown {
            tab: "file_transfers".into(),
            request: json!({"op": "transfer.list", "open_only": true}),
        });
        Ok(vm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::testing::FakeContext;
    use clientele_portlet_api::{ErrorBody, Locale};

    fn column(id: &str, kind: &str, values: Value) -> Value {
        json!({"id": id, "label_fr": id, "label_en": id, "kind": kind, "default_visible": true, "values": values})
    }

    fn kinds() -> Value {
        json!([{"value": "note", "label_fr": "Note", "label_en": "Note"},
               {"value": "phone_call", "label_fr": "Appel téléphonique", "label_en": "Phone call"}])
    }

    /// A grid answer with rows of (id, cells).
    fn grid_answer(list: &str, columns: Vec<Value>, rows: &[(i64, Vec<Value>)], total: u64) -> Value {
        let rows: Vec<Value> = rows.iter().map(|(id, cells)| json!({"id": id, "version": 1, "cells": cells})).collect();
        json!({"list": list, "columns": columns, "rows": rows, "total": total})
    }

    /// The engine, faked: today's interactions, 5 open transfers, 2
    /// expiring (one of them also waiting), 2 waiting; times with the
    /// firm's offset.
    fn engine(request: &Value) -> Result<Value, ErrorBody> {
        let date_time = |id: &str| column(id, "date_time", json!([]));
        let text = |id: &str| column(id, "text", json!([]));
        let filter = request["filter"].as_str().unwrap_or_default();
        match (request["op"].as_str(), request["list"].as_str()) {
            (Some("grid.query"), Some("interactions")) if filter.starts_with("follow_up:me") => Ok(grid_answer(
                "interactions",
                vec![text("subject"), text("client"), column("due", "date", json!([]))],
                &[
                    (7, vec![json!("Rappeler M. Roy"), json!("Roy inc."), json!("2026-11-25")]),
                    (8, vec![json!("Envoyer le T4"), json!("Côté, Hélène"), json!("2026-11-27")]),
                ],
                2,
            )),
            (Some("grid.query"), Some("interactions")) if filter.starts_with("for:me") => Ok(grid_answer(
                "interactions",
                vec![text("subject"), text("client"), date_time("when")],
                &[(9, vec![json!("A rappelé"), json!("Roy inc."), json!("2026-11-27T10:15:00-05:00")])],
                1,
            )),
            (Some("grid.query"), Some("interactions")) => Ok(grid_answer(
                "interactions",
                vec![date_time("when"), column("kind", "text", kinds()), text("subject")],
                &[
                    (4, vec![json!("2026-11-27T21:05:00-05:00"), json!("phone_call"), json!("Appel de Mme Côté")]),
                    (5, vec![json!("2026-11-27T08:30:00-05:00"), json!("note"), json!("Note au dossier")]),
                ],
                2,
            )),
            (Some("grid.query"), Some("transfers")) if request["columns"] == json!(["status"]) => {
                Ok(grid_answer("transfers", vec![text("status")], &[(1, vec![json!("ready_for_download")])], 5))
            }
            (Some("grid.query"), Some("transfers")) if request["sort"] == "expires" => Ok(grid_answer(
                "transfers",
                vec![text("subject"), date_time("expires")],
                &[
                    (2, vec![json!("Déclaration signée"), json!("2026-11-28T23:30:00-05:00")]),
                    (1, vec![json!("Relevés bancaires"), json!("2026-11-30T10:00:00-05:00")]),
                ],
                2,
            )),
            (Some("grid.query"), Some("transfers")) => Ok(grid_answer(
                "transfers",
                vec![text("subject"), date_time("sent")],
                &[
                    (1, vec![json!("Relevés bancaires"), json!("2026-10-31T10:00:00-04:00")]),
                    // Sent late on the 10th, firm time: the 11th in UTC.
                    (3, vec![json!("Factures"), json!("2026-11-10T22:15:00-05:00")]),
                ],
                2,
            )),
            _ => Err(ErrorBody::new("bad_request", "unexpected request")),
        }
    }

    /// The user's settings over the defaults, without the trend unless
    /// asked (its requests are tested on their own).
    fn settings(mut user: Value) -> Value {
        let p = TodayPortlet;
        if user.get("trend").is_none() {
            user["trend"] = json!(false);
        }
        merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
    }

    #[test]
    fn trend_of_the_last_days() {
        let ctx = FakeContext::new(|r: &Value| {
            if r["op"] == "list.count_by" {
                // Each day counts its day of the month.
                let groups: Vec<Value> = [26, 27, 28, 29, 30, 1, 2]
                    .iter()
                    .enumerate()
                    .map(|(p, n)| json!({"values": [], "period": p, "count": n}))
                    .collect();
                Ok(json!({"list": "interactions", "by": [], "groups": groups, "total": 143}))
            } else {
                engine(r)
            }
        })
        .with_today("2026-12-02")
        .with_locale(Locale::En);
        let vm = TodayPortlet.render(&settings(json!({"trend": true})), &ctx).unwrap();
        vm.check().unwrap();
        let seen = ctx.requests();
        assert_eq!(seen.len(), 6 + 1, "one grouped request for the whole trend");
        assert_eq!(
            seen[6],
            json!({"op": "list.count_by", "list": "interactions",
                   "periods": {"field": "when", "from": "2026-11-26", "days": 1, "count": 7}})
        );
        assert_eq!(seen[0]["count"], json!(false), "today's count comes from the trend");
        let Widget::Sparkline { value, values, .. } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!((*value, values.as_slice()), (2, &[26, 27, 28, 29, 30, 1, 2][..]));
        // Today's interactions are in the trend, not among the counters.
        let Widget::Counters { items } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(items.iter().map(|c| c.value).collect::<Vec<_>>(), [5, 2, 2]);
        assert_eq!(vm.subtitle.unwrap().en, "Wednesday, December 2, 2026");
    }

    #[test]
    fn days() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2026-11-27T19:30:00Z").unwrap() - day_number("2026-10-28").unwrap(), 30);
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("2026"), None);
        for day in ["1970-01-01", "2000-02-29", "2026-03-01", "2026-12-31", "2027-01-01", "1969-12-31"] {
            assert_eq!(day_text(day_number(day).unwrap()), day);
        }
        assert_eq!(day_text(day_number("2028-02-28").unwrap() + 1), "2028-02-29");
    }

    #[test]
    fn asks_the_engine_to_count_in_the_firms_time_zone() {
        TodayPortlet.manifest().validate().unwrap();
        let ctx = FakeContext::new(engine).with_today("2026-11-27").with_locale(Locale::Fr);
        TodayPortlet.render(&settings(json!({"common": {"filter": "kind:phone_call"}})), &ctx).unwrap();
        assert_eq!(
            ctx.requests(),
            vec![
                json!({"op": "grid.query", "list": "interactions", "columns": ["when", "kind", "subject", "client"],
                       "filter": "when:today (kind:phone_call)", "limit": 10, "count": true, "count_limit": 999}),
                json!({"op": "grid.query", "list": "transfers", "columns": ["status"], "open_only": true, "limit": 1,
                       "count": true, "count_limit": 999}),
                json!({"op": "grid.query", "list": "transfers", "columns": ["subject", "client", "expires"], "open_only": true,
                       "filter": "expires:<=2026-11-30", "sort": "expires", "limit": 10, "count": true,
                       "count_limit": 999}),
                json!({"op": "grid.query", "list": "transfers", "columns": ["subject", "client", "sent"],
                       "filter": "status:waiting_for_files sent:<2026-11-20", "sort": "sent", "limit": 10,
                       "count": true, "count_limit": 999}),
                json!({"op": "grid.query", "list": "interactions", "columns": ["subject", "client", "due"],
                       "filter": "follow_up:me done:false due:<=2026-11-27", "sort": "due", "limit": 10}),
                json!({"op": "grid.query", "list": "interactions", "columns": ["subject", "client", "when"],
                       "filter": "for:me message:new", "limit": 10}),
            ]
        );
        // The thresholds follow the settings and cross months and years.
        let ctx = FakeContext::new(engine).with_today("2026-12-30");
        let s = settings(json!({"waiting_days": 30, "expiring_days": 5, "list_interactions": false,
                                "common": {"limit": 3}}));
        TodayPortlet.render(&s, &ctx).unwrap();
        let seen = ctx.requests();
        assert_eq!(seen[0]["filter"], "when:today");
        assert_eq!(seen[0]["limit"], 1, "only counted when not listed");
        assert_eq!(seen[2]["filter"], "expires:<=2027-01-04");
        assert_eq!(seen[3]["filter"], "status:waiting_for_files sent:<2026-11-30");
        assert_eq!((&seen[2]["limit"], &seen[3]["limit"]), (&json!(3), &json!(3)));
    }

    #[test]
    fn counters_and_attention_list() {
        let ctx = FakeContext::new(engine).with_today("2026-11-27").with_locale(Locale::Fr);
        let vm = TodayPortlet.render(&settings(json!({})), &ctx).unwrap();
        vm.check().unwrap();
        let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(items.iter().map(|c| c.value).collect::<Vec<_>>(), [2, 5, 2, 2]);
        assert_eq!(items[0].label.fr, "Interactions aujourd’hui");
        assert_eq!(items[2].label, Localized::new("En attente > 7 j", "Waiting > 7 d"));
        assert_eq!(items[3].label, Localized::new("Expirent d’ici 3 j", "Expiring within 3 d"));
        let Widget::List { items } = &vm.widgets[1] else { panic!("{vm:?}") };
        let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
        // Soonest expiry first, then the longest wait (Relevés is listed
        // once, as expiring), then today's interactions.
        assert_eq!(
            titles,
            [
                "Rappeler M. Roy",
                "Envoyer le T4",
                "A rappelé",
                "Déclaration signée",
                "Relevés bancaires",
                "Factures",
                "Appel de Mme Côté",
                "Note au dossier"
            ]
        );
        let subtitles: Vec<&str> = items.iter().map(|i| i.subtitle.as_deref().unwrap()).collect();
        assert_eq!(
            subtitles,
            [
                "Roy inc. · échéance 2026-11-25",
                "Côté, Hélène · échéance 2026-11-27",
                "Roy inc. · 2026-11-27 10:15",
                "Expire demain",
                "Expire le 30 nov.",
                "En attente de fichiers depuis le 10 nov. (17 j)",
                "Appel téléphonique · 21:05",
                "Note · 08:30",
            ]
        );
        let badges: Vec<Option<&str>> = items.iter().map(|i| i.badge.as_deref()).collect();
        assert_eq!(
            badges,
            [
                Some("en retard"),
                Some("à faire"),
                Some("message"),
                Some("expire bientôt"),
                Some("expire bientôt"),
                Some("en attente"),
                None,
                None
            ]
        );
        assert_eq!(vm.drill_down.unwrap().request, json!({"op": "transfer.list", "open_only": true}));

        let ctx = FakeContext::new(engine).with_today("2026-11-27").with_locale(Locale::En);
        let vm = TodayPortlet.render(&settings(json!({"common": {"limit": 7}})), &ctx).unwrap();
        let Widget::List { items } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(items.len(), 7);
        assert_eq!(items[0].badge.as_deref(), Some("overdue"));
        assert_eq!(items[0].subtitle.as_deref(), Some("Roy inc. · due 2026-11-25"));
        assert_eq!(items[3].badge.as_deref(), Some("expiring"));
        assert_eq!(items[5].subtitle.as_deref(), Some("Waiting for files since Nov 10 (17 d)"));
        assert_eq!(items[6].subtitle.as_deref(), Some("Phone call · 21:05"));
    }

    #[test]
    fn empty_day() {
        let ctx = FakeContext::new(|r| match r["op"].as_str() {
            Some("grid.query") => Ok(json!({"columns": [], "rows": [], "total": 0})),
            Some("transfer.list") => Ok(json!({"items": []})),
            _ => Err(ErrorBody::new("bad_request", "?")),
        });
        let vm = TodayPortlet.render(&settings(json!({})), &ctx).unwrap();
        let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(items.iter().map(|c| c.value).collect::<Vec<_>>(), [0, 0, 0, 0]);
        assert!(matches!(&vm.widgets[1], Widget::Empty { message } if message.en == "Nothing needs attention today."));
        ctx.take_requests();
        assert!(matches!(
            TodayPortlet.render(&settings(json!({"common": {"filter": "(x"}})), &ctx),
            Err(PortletError::BadSettings { .. })
        ));
        assert!(ctx.requests().is_empty(), "a bad filter is refused before any request");
    }

    #[test]
    fn refusals_pass_on() {
        let ctx = FakeContext::failing(ErrorBody::new("forbidden", "no transfers"));
        assert!(matches!(TodayPortlet.render(&settings(json!({})), &ctx), Err(PortletError::DataRefused(_))));
        let ctx = FakeContext::answering(json!({})).with_today("tomorrow");
        assert!(matches!(TodayPortlet.render(&settings(json!({})), &ctx), Err(PortletError::Internal { .. })));
    }
}
