//! # clientele-portlet-today
//!
//! Built-in portlet `clientele.today`, for the staff (and firm) dashboard:
//! what needs attention today.
//!
//! - counters: interactions that happened today, open transfers, transfers
//!   waiting for files for more than `waiting_days` (default 7) days,
//!   transfers expiring within `expiring_days` (default 3) days;
//! - a list of the transfers awaiting action (the most urgent first), then
//!   today's interactions.
//!
//! Reads `interaction.list` with the filter `when:today` (ANDed with
//! `common.filter`) and `transfer.list` with `open_only` (one page of up to
//! [`TRANSFER_SCAN`] open transfers, classified here). Dates of transfers are
//! compared by their UTC day.

use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::{
    CommonSettings, Counter, DashboardKind, DataContext, DrillDown, ListItem, Localized, Manifest, Portlet,
    PortletError, RightEntity, RightNeeded, ViewModel, Widget,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet id.
pub const ID: &str = "clientele.today";
/// Open transfers read in one render.
pub const TRANSFER_SCAN: u32 = 500;

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
}

impl Default for TodaySettings {
    fn default() -> Self {
        TodaySettings { waiting_days: 7, expiring_days: 3, list_interactions: true }
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

fn kind_label(kind: &str) -> Localized {
    match kind {
        "note" => Localized::new("Note", "Note"),
        "phone_call" => Localized::new("Appel", "Phone call"),
        "phone_message" => Localized::new("Message", "Phone message"),
        "email" => Localized::new("Courriel", "E-mail"),
        "transfer_event" => Localized::new("Transfert", "Transfer"),
        other => Localized::same(other),
    }
}

/// Why an open transfer needs action, with its urgency (lower first).
enum Attention {
    Expiring { on: String, days_left: i64 },
    Waiting { since: String, days: i64 },
}

fn classify(t: &Value, today: i64, s: &TodaySettings) -> Option<Attention> {
    let data = t.get("data")?;
    let expires = data.get("expires_at").and_then(Value::as_str).unwrap_or_default();
    if let Some(e) = day_number(expires)
        && e - today <= i64::from(s.expiring_days)
    {
        return Some(Attention::Expiring { on: expires[..10].to_string(), days_left: e - today });
    }
    let sent = data.get("sent_at").and_then(Value::as_str).unwrap_or_default();
    if data.get("status").and_then(Value::as_str) == Some("waiting_for_files")
        && let Some(d) = day_number(sent)
        && today - d > i64::from(s.waiting_days)
    {
        return Some(Attention::Waiting { since: sent[..10].to_string(), days: today - d });
    }
    None
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

        let filter = match common.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => "when:today".to_string(),
            Some(f) if balanced(f) => format!("when:today ({f})"),
            Some(_) => {
                return Err(PortletError::bad_settings(
                    Some("common.filter"),
                    "the filter has unbalanced parentheses or quotes",
                ));
            }
        };
        let interactions =
            ctx.request(&json!({"op": "interaction.list", "filter": filter, "limit": common.limit, "count": true}))?;
        let transfers =
            ctx.request(&json!({"op": "transfer.list", "open_only": true, "limit": TRANSFER_SCAN, "count": true}))?;

        let items = |v: &Value| v.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        let (inter, open) = (items(&interactions), items(&transfers));
        let inter_total = interactions.get("total").and_then(Value::as_i64).unwrap_or(inter.len() as i64);
        let open_total = transfers.get("total").and_then(Value::as_i64).unwrap_or(open.len() as i64);

        let mut attention: Vec<(i64, ListItem)> = Vec::new();
        let (mut waiting, mut expiring) = (0, 0);
        for t in &open {
            let subject = t["data"]["subject"].as_str().unwrap_or_default().to_string();
            match classify(t, today, &own) {
                Some(Attention::Expiring { on, days_left }) => {
                    expiring += 1;
                    let sub = Localized::new(format!("Expire le {on}"), format!("Expires on {on}"));
                    let badge = Localized::new("expire bientôt", "expiring");
                    attention.push((
                        days_left,
                        ListItem {
                            title: subject,
                            subtitle: Some(sub.get(locale).into()),
                            badge: Some(badge.get(locale).into()),
                        },
                    ));
                }
                Some(Attention::Waiting { since, days }) => {
                    waiting += 1;
                    let sub = Localized::new(
                        format!("En attente de fichiers depuis le {since} ({days} j)"),
                        format!("Waiting for files since {since} ({days} d)"),
                    );
                    let badge = Localized::new("en attente", "waiting");
                    attention.push((
                        1000 - days,
                        ListItem {
                            title: subject,
                            subtitle: Some(sub.get(locale).into()),
                            badge: Some(badge.get(locale).into()),
                        },
                    ));
                }
                None => {}
            }
        }
        attention.sort_by_key(|(rank, _)| *rank);

        let mut vm = ViewModel::new(title()).with(Widget::Counters {
            items: vec![
                Counter {
                    label: Localized::new("Interactions aujourd’hui", "Interactions today"), value: inter_total
                },
                Counter { label: Localized::new("Transferts en cours", "Open transfers"), value: open_total },
                Counter {
                    label: Localized::new(
                        format!("En attente > {} j", own.waiting_days),
                        format!("Waiting > {} d", own.waiting_days),
                    ),
                    value: waiting,
                },
                Counter {
                    label: Localized::new(
                        format!("Expirent d’ici {} j", own.expiring_days),
                        format!("Expiring within {} d", own.expiring_days),
                    ),
                    value: expiring,
                },
            ],
        });
        let mut list: Vec<ListItem> = attention.into_iter().map(|(_, i)| i).collect();
        if own.list_interactions {
            for i in &inter {
                let d = &i["data"];
                let time = d["occurred_at"].as_str().and_then(|t| t.get(11..16)).unwrap_or_default();
                let kind = kind_label(d["kind"].as_str().unwrap_or_default()).get(locale).to_string();
                list.push(ListItem {
                    title: d["subject"].as_str().unwrap_or_default().to_string(),
                    subtitle: Some(if time.is_empty() { kind } else { format!("{kind} · {time} UTC") }),
                    badge: None,
                });
            }
        }
        list.truncate(common.limit as usize);
        vm = vm.with(if list.is_empty() {
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

/// Parentheses and quotes of a user filter are balanced (see the
/// interactions portlet's `tabular::balanced`).
fn balanced(filter: &str) -> bool {
    let (mut depth, mut in_quote, mut escaped) = (0i64, false, false);
    for c in filter.chars() {
        if in_quote {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_quote = false,
                _ => {}
            }
        } else if c == '"' {
            in_quote = true;
        } else if c == '(' {
            depth += 1;
        } else if c == ')' {
            depth -= 1;
            if depth < 0 {
                return false;
            }
        }
    }
    depth == 0 && !in_quote
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::{ErrorBody, Locale, Scope};
    use std::sync::Mutex;

    struct Fake {
        transfers: Value,
        interactions: Value,
        seen: Mutex<Vec<Value>>,
    }

    impl DataContext for Fake {
        fn scope(&self) -> Scope {
            Scope::Staff { staff_id: 1 }
        }
        fn today(&self) -> String {
            "2026-11-27".into()
        }
        fn locale(&self) -> Locale {
            Locale::Fr
        }
        fn request(&self, request: &Value) -> Result<Value, ErrorBody> {
            self.seen.lock().unwrap().push(request.clone());
            match request["op"].as_str() {
                Some("interaction.list") => Ok(self.interactions.clone()),
                Some("transfer.list") => Ok(self.transfers.clone()),
                _ => Err(ErrorBody::new("bad_request", "?")),
            }
        }
    }

    fn transfer(id: i64, subject: &str, status: &str, sent: &str, expires: &str) -> Value {
        json!({"id": id, "version": 1, "data": {"subject": subject, "status": status, "sent_at": sent, "expires_at": expires, "client_id": 1}})
    }

    fn settings(user: Value) -> Value {
        let p = TodayPortlet;
        merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
    }

    #[test]
    fn days() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2026-11-27T19:30:00Z").unwrap() - day_number("2026-10-28").unwrap(), 30);
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("2026"), None);
        assert!(!balanced("a) OR (b") && balanced("(a OR b)"));
    }

    #[test]
    fn counters_and_attention_list() {
        TodayPortlet.manifest().validate().unwrap();
        let ctx = Fake {
            transfers: json!({"items": [
                transfer(1, "Relevés bancaires", "waiting_for_files", "2026-11-10T15:00:00Z", "2026-12-10T15:00:00Z"),
                transfer(2, "Déclaration signée", "ready_for_download", "2026-10-29T15:00:00Z", "2026-11-28T15:00:00Z"),
                transfer(3, "Factures", "waiting_for_files", "2026-11-25T15:00:00Z", "2026-12-25T15:00:00Z")],
                "total": 3}),
            interactions: json!({"items": [{"id": 4, "version": 1, "data": {"kind": "phone_call", "subject": "Appel de Mme Côté", "occurred_at": "2026-11-27T14:05:00Z"}}], "total": 1}),
            seen: Mutex::new(vec![]),
        };
        let vm = TodayPortlet.render(&settings(json!({"common": {"filter": "kind:phone_call"}})), &ctx).unwrap();
        assert_eq!(
            *ctx.seen.lock().unwrap(),
            vec![
                json!({"op": "interaction.list", "filter": "when:today (kind:phone_call)", "limit": 10, "count": true}),
                json!({"op": "transfer.list", "open_only": true, "limit": 500, "count": true}),
            ]
        );
        let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
        assert_eq!(items.iter().map(|c| c.value).collect::<Vec<_>>(), [1, 3, 1, 1]);
        assert_eq!(items[0].label.fr, "Interactions aujourd’hui");
        let Widget::List { items } = &vm.widgets[1] else { panic!("{vm:?}") };
        let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["Déclaration signée", "Relevés bancaires", "Appel de Mme Côté"]);
        assert_eq!(items[1].subtitle.as_deref(), Some("En attente de fichiers depuis le 2026-11-10 (17 j)"));
        assert_eq!(items[2].subtitle.as_deref(), Some("Appel · 14:05 UTC"));
    }

    #[test]
    fn empty_day() {
        let ctx = Fake {
            transfers: json!({"items": []}),
            interactions: json!({"items": [], "total": 0}),
            seen: Mutex::new(vec![]),
        };
        let vm = TodayPortlet.render(&settings(json!({})), &ctx).unwrap();
        assert!(matches!(&vm.widgets[1], Widget::Empty { message } if message.en == "Nothing needs attention today."));
        assert!(TodayPortlet.render(&settings(json!({"common": {"filter": "(x"}})), &ctx).is_err());
    }
}
