//! # clientele-portlet-client-info
//!
//! Built-in portlet `clientele.client-info`, client dashboard only: a
//! key/value card of the client (code, name, kind, status, office, address,
//! phones, e-mails, website, preferred language, fiscal year end, business
//! number, primary contact, the firm's custom client fields, optionally
//! notes).
//!
//! Reads `client.get {id}` and, for the primary contact, `client.contacts
//! {id}`; a viewer who may not see contacts gets the card without that line.
//! A client with tags gets them below the card (`tag.list` for their names
//! and colours), each on its colour with a readable text colour.
//! When the client has custom values, `custom_field.list {record: client}`
//! gives their labels.

#![warn(missing_debug_implementations)]

use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::{
    DashboardKind, DataContext, DrillDown, KeyValueEntry, Locale, Localized, Manifest, Portlet, PortletError,
    RightEntity, RightNeeded, Scope, TagChip, ViewModel, Widget,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The portlet id.
pub const ID: &str = "clientele.client-info";

/// The portlet's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ClientInfoSettings {
    /// Also show the client's notes.
    pub show_notes: bool,
    /// Show the primary contact (when the viewer may see contacts).
    pub show_primary_contact: bool,
}

impl Default for ClientInfoSettings {
    fn default() -> Self {
        ClientInfoSettings { show_notes: false, show_primary_contact: true }
    }
}

/// The portlet.
#[derive(Debug, Default, Clone, Copy)]
pub struct ClientInfoPortlet;

fn title() -> Localized {
    Localized::new("Renseignements sur le client", "Client information")
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Label of a code-like value (kind, status, phone kind...) in both languages.
fn label_of(code: &str) -> Localized {
    let (fr, en) = match code {
        "individual" => ("Particulier", "Individual"),
        "business" => ("Entreprise", "Business"),
        "trust" => ("Fiducie", "Trust"),
        "other" => ("Autre", "Other"),
        "active" => ("Actif", "Active"),
        "inactive" => ("Inactif", "Inactive"),
        "prospect" => ("Prospect", "Prospect"),
        _ => return Localized::same(code),
    };
    Localized::new(fr, en)
}

/// Label of a phone kind.
fn phone_kind(code: &str) -> Localized {
    let (fr, en) = match code {
        "business" => ("bureau", "business"),
        "home" => ("domicile", "home"),
        "mobile" => ("cellulaire", "mobile"),
        "fax" => ("télécopieur", "fax"),
        "other" => ("autre", "other"),
        _ => return Localized::same(code),
    };
    Localized::new(fr, en)
}

/// The postal address on one line.
fn address_line(a: &Value) -> Option<String> {
    let parts: Vec<String> =
        ["line1", "line2", "city", "province", "postal_code", "country"].iter().filter_map(|k| text(a, k)).collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A fiscal year end `MM-DD` as a day and month in the viewer's language
/// (`31 décembre`, `December 31`); anything else as written.
fn month_day(v: &str, locale: Locale) -> String {
    v.split_once('-')
        .and_then(|(m, d)| clientele_portlet_api::dates::month_day(m.parse().ok()?, d.parse().ok()?, locale))
        .unwrap_or_else(|| v.to_string())
}

/// A business number as the CRA writes it: `123456782 RT 0001`.
fn business_number(v: &str) -> String {
    if v.len() == 15 && v.is_ascii() { format!("{} {} {}", &v[..9], &v[9..11], &v[11..]) } else { v.to_string() }
}

/// A custom value as text in the viewer's language.
fn custom_text(v: &Value, locale: Locale) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => {
            Some(Localized::new(if *b { "Oui" } else { "Non" }, if *b { "Yes" } else { "No" }).get(locale).to_string())
        }
        _ => None,
    }
}

fn entry(fr: &str, en: &str, value: String) -> KeyValueEntry {
    KeyValueEntry { label: Localized::new(fr, en), value }
}

impl Portlet for ClientInfoPortlet {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: ID.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: title(),
            dashboards: vec![DashboardKind::Client],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::Clients)],
            tabular: false,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<ClientInfoSettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let own: ClientInfoSettings = own_settings(settings)?;
        let Scope::Client { client_id, .. } = ctx.scope() else {
            return Err(PortletError::internal("the client information portlet belongs on a client dashboard"));
        };
        let locale = ctx.locale();
        let record = ctx.request(&json!({"op": "client.get", "id": client_id}))?;
        let data = record.get("data").ok_or_else(|| PortletError::internal("client.get answered no data"))?;

        let mut entries = Vec::new();
        if let Some(code) = text(data, "code") {
            entries.push(entry("Code", "Code", code));
        }
        if let Some(name) = text(data, "name") {
            entries.push(entry("Nom", "Name", name));
        }
        for (key, fr, en) in [("kind", "Type", "Kind"), ("status", "Statut", "Status")] {
            if let Some(v) = text(data, key) {
                entries.push(entry(fr, en, label_of(&v).get(locale).to_string()));
            }
        }
        if let Some(office) = text(data, "office") {
            entries.push(entry("Bureau", "Office", office));
        }
        if let Some(addr) = data.get("address").and_then(address_line) {
            entries.push(entry("Adresse", "Address", addr));
        }
        for phone in data.get("phones").and_then(Value::as_array).into_iter().flatten() {
            if let Some(number) = text(phone, "number") {
                let kind = text(phone, "kind").map(|k| phone_kind(&k).get(locale).to_string());
                let star = if phone["primary"].as_bool() == Some(true) { " ★" } else { "" };
                let value = match kind {
                    Some(k) => format!("{number} ({k}){star}"),
                    None => format!("{number}{star}"),
                };
                entries.push(entry("Téléphone", "Phone", value));
            }
        }
        for email in data.get("emails").and_then(Value::as_array).into_iter().flatten() {
            if let Some(addr) = text(email, "address") {
                let star = if email["primary"].as_bool() == Some(true) { " ★" } else { "" };
                entries.push(entry("Courriel", "E-mail", format!("{addr}{star}")));
            }
        }
        if let Some(site) = text(data, "website") {
            entries.push(entry("Site Web", "Website", site));
        }
        if let Some(l) = text(data, "language") {
            let name = match l.as_str() {
                "fr" => Localized::new("Français", "French"),
                "en" => Localized::new("Anglais", "English"),
                _ => Localized::same(l.clone()),
            };
            entries.push(entry("Langue préférée", "Preferred language", name.get(locale).to_string()));
        }
        if let Some(fye) = text(data, "fiscal_year_end") {
            entries.push(entry("Fin d'exercice", "Fiscal year end", month_day(&fye, locale)));
        }
        if let Some(bn) = text(data, "business_number") {
            entries.push(entry("Numéro d'entreprise", "Business number", business_number(&bn)));
        }
        // The firm's own fields, in the order it defined them.
        if let Some(values) = data.get("custom").and_then(Value::as_object).filter(|m| !m.is_empty())
            && let Ok(Value::Array(defs)) = ctx.request(&json!({"op": "custom_field.list", "record": "client"}))
        {
            for d in &defs {
                let (Some(key), Some(fr), Some(en)) = (text(d, "key"), text(d, "label_fr"), text(d, "label_en")) else {
                    continue;
                };
                if let Some(v) = values.get(&key).and_then(|v| custom_text(v, locale)) {
                    entries.push(KeyValueEntry { label: Localized::new(fr, en), value: v });
                }
            }
        }
        if own.show_primary_contact {
            // A viewer without the right to see contacts still gets the card.
            if let Ok(Value::Array(contacts)) = ctx.request(&json!({"op": "client.contacts", "id": client_id}))
                && let Some(p) = contacts.iter().find(|c| c["role"] == "primary")
            {
                let mut parts = vec![text(p, "file_as").unwrap_or_default()];
                parts.extend(text(p, "primary_phone"));
                parts.extend(text(p, "primary_email"));
                entries.push(entry("Contact principal", "Primary contact", parts.join(" — ")));
            }
        }
        if own.show_notes
            && let Some(notes) = text(data, "notes")
        {
            entries.push(entry("Notes", "Notes", notes));
        }

        let mut vm = ViewModel::new(title());
        vm = vm.with(if entries.is_empty() {
            Widget::Empty { message: Localized::new("Aucun renseignement.", "No information.") }
        } else {
            Widget::KeyValue { entries }
        });
        // The client's tags, on their colours, named in the viewer's language.
        let codes: Vec<&str> =
            data.get("tags").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        if !codes.is_empty()
            && let Ok(Value::Array(all)) = ctx.request(&json!({"op": "tag.list"}))
        {
            let tags: Vec<TagChip> = codes
                .iter()
                .filter_map(|code| all.iter().find(|t| t["code"] == *code))
                .map(|t| TagChip {
                    name: Localized::new(
                        text(t, "name_fr").unwrap_or_default(),
                        text(t, "name_en").unwrap_or_default(),
                    ),
                    colour: text(t, "colour").unwrap_or_default(),
                })
                .collect();
            vm = vm.with(Widget::Tags { label: Localized::new("Étiquettes", "Tags"), tags });
        }
        vm.drill_down = Some(DrillDown { tab: "client".into(), request: json!({"op": "client.get", "id": client_id}) });
        Ok(vm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::ErrorBody;
    use clientele_portlet_api::settings::merge_settings;
    use clientele_portlet_api::testing::FakeContext;

    fn fake(scope: Scope, contacts_refused: bool) -> FakeContext {
        FakeContext::new(move |request| match request["op"].as_str() {
            Some("client.get") => Ok(json!({"id": 5, "version": 3, "data": {
                "code": "DUP-01", "name": "Dupré & fils", "kind": "business", "status": "active",
                "office": null, "address": {"line1": "12 rue Saint-Étienne", "city": "Trois-Rivières", "province": "QC"},
                "phones": [{"kind": "business", "number": "819 555-0101", "primary": false, "digits": ""},
                           {"kind": "mobile", "number": "819 555-0199", "primary": true, "digits": ""}],
                "emails": [{"address": "info@dupre.example", "kind": "work", "primary": true}],
                "website": "https://dupre.example", "notes": "Client depuis 1998"}})),
            Some("client.contacts") if contacts_refused => Err(ErrorBody::new("forbidden", "no contacts")),
            Some("client.contacts") => Ok(json!([
                {"client_id": 5, "contact_id": 8, "role": "billing", "file_as": "Roy, Ana"},
                {"client_id": 5, "contact_id": 7, "role": "primary", "file_as": "Dupré, Hélène",
                 "primary_phone": "819 555-0111", "primary_email": "helene@dupre.example"}])),
            _ => Err(ErrorBody::new("bad_request", "unexpected")),
        })
        .with_scope(scope)
        .with_today("2026-11-27")
        .with_locale(Locale::Fr)
    }

    fn settings(user: Value) -> Value {
        let p = ClientInfoPortlet;
        merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
    }

    fn values(vm: &ViewModel) -> Vec<(String, String)> {
        let Widget::KeyValue { entries } = &vm.widgets[0] else { panic!("{vm:?}") };
        entries.iter().map(|e| (e.label.fr.clone(), e.value.clone())).collect()
    }

    /// A tagged client: its tags below the card, in the viewer's language,
    /// on their colours, the text colour readable on each.
    #[test]
    fn tags_below_the_card() {
        let ctx = FakeContext::new(|request| match request["op"].as_str() {
            Some("client.get") => Ok(json!({"id": 5, "version": 3, "data": {"code": "A-1", "name": "Hélène D'Amours",
                "tags": ["urgent", "vip"]}})),
            Some("client.contacts") => Ok(json!([])),
            Some("tag.list") => Ok(json!([
                {"code": "late", "name_fr": "Retard", "name_en": "Late", "colour": "#000000", "version": 1},
                {"code": "urgent", "name_fr": "Urgent", "name_en": "Urgent", "colour": "#1a237e", "version": 1},
                {"code": "vip", "name_fr": "Très important", "name_en": "Key account", "colour": "#ffd54f", "version": 2}])),
            _ => Err(ErrorBody::new("bad_request", "unexpected")),
        })
        .with_scope(Scope::Client { client_id: 5, staff_id: 1 })
        .with_locale(Locale::En);
        let vm = ClientInfoPortlet.render(&settings(json!({})), &ctx).unwrap();
        let Widget::Tags { tags, .. } = &vm.widgets[1] else { panic!("{vm:?}") };
        assert_eq!(tags.iter().map(|t| t.name.en.as_str()).collect::<Vec<_>>(), ["Urgent", "Key account"]);
        let colours: Vec<_> = tags.iter().map(|t| clientele_portlet_api::chip_colours(&t.colour)).collect();
        assert_eq!(colours, [("#1a237e".to_string(), "#ffffff"), ("#ffd54f".to_string(), "#000000")]);
    }

    #[test]
    fn the_card() {
        ClientInfoPortlet.manifest().validate().unwrap();
        let ctx = fake(Scope::Client { client_id: 5, staff_id: 1 }, false);
        let vm = ClientInfoPortlet.render(&settings(json!({"show_notes": true})), &ctx).unwrap();
        assert_eq!(
            ctx.requests(),
            vec![json!({"op": "client.get", "id": 5}), json!({"op": "client.contacts", "id": 5})]
        );
        let v = values(&vm);
        let get = |k: &str| v.iter().filter(|(l, _)| l == k).map(|(_, x)| x.as_str()).collect::<Vec<_>>();
        assert_eq!(get("Nom"), ["Dupré & fils"]);
        assert_eq!(get("Type"), ["Entreprise"]);
        assert_eq!(get("Adresse"), ["12 rue Saint-Étienne, Trois-Rivières, QC"]);
        assert_eq!(get("Téléphone"), ["819 555-0101 (bureau)", "819 555-0199 (cellulaire) ★"]);
        assert_eq!(get("Courriel"), ["info@dupre.example ★"]);
        assert_eq!(get("Site Web"), ["https://dupre.example"]);
        assert_eq!(get("Contact principal"), ["Dupré, Hélène — 819 555-0111 — helene@dupre.example"]);
        assert_eq!(get("Notes"), ["Client depuis 1998"]);
        assert!(get("Bureau").is_empty());
    }

    /// The standard Canadian fields and the firm's custom values, labelled
    /// in the viewer's language; the labels of custom fields are asked
    /// only when the client has custom values.
    #[test]
    fn standard_and_custom_fields() {
        let client = json!({"id": 5, "version": 3, "data": {
            "code": "DAM-01", "name": "D'Amours inc.", "kind": "business", "status": "active",
            "language": "fr", "fiscal_year_end": "03-31", "business_number": "123456782RT0001",
            "custom": {"secteur": "Agriculture", "tps": true, "employes": 12}}});
        let defs = json!([
            {"record": "client", "key": "secteur", "label_fr": "Secteur", "label_en": "Sector", "field_type": "text"},
            {"record": "client", "key": "tps", "label_fr": "Inscrit TPS", "label_en": "GST registrant", "field_type": "yes_no"},
            {"record": "client", "key": "employes", "label_fr": "Employés", "label_en": "Employees", "field_type": "number"},
            {"record": "client", "key": "vide", "label_fr": "Vide", "label_en": "Empty", "field_type": "text"}]);
        for (locale, want) in [
            (
                Locale::Fr,
                vec![
                    ("Langue préférée", "Français"),
                    ("Fin d'exercice", "31 mars"),
                    ("Numéro d'entreprise", "123456782 RT 0001"),
                    ("Secteur", "Agriculture"),
                    ("Inscrit TPS", "Oui"),
                    ("Employés", "12"),
                ],
            ),
            (
                Locale::En,
                vec![
                    ("Preferred language", "French"),
                    ("Fiscal year end", "March 31"),
                    ("Business number", "123456782 RT 0001"),
                    ("Sector", "Agriculture"),
                    ("GST registrant", "Yes"),
                    ("Employees", "12"),
                ],
            ),
        ] {
            let (c, d) = (client.clone(), defs.clone());
            let ctx = FakeContext::new(move |r| match r["op"].as_str() {
                Some("client.get") => Ok(c.clone()),
                Some("custom_field.list") => {
                    assert_eq!(r["record"], "client");
                    Ok(d.clone())
                }
                Some("client.contacts") => Ok(json!([])),
                _ => Err(ErrorBody::new("bad_request", "unexpected")),
            })
            .with_scope(Scope::Client { client_id: 5, staff_id: 1 })
            .with_locale(locale);
            let vm = ClientInfoPortlet.render(&settings(json!({})), &ctx).unwrap();
            let Widget::KeyValue { entries } = &vm.widgets[0] else { panic!("{vm:?}") };
            let got: Vec<(String, String)> =
                entries.iter().map(|e| (e.label.get(locale).to_string(), e.value.clone())).collect();
            for (label, value) in want {
                assert!(got.contains(&(label.to_string(), value.to_string())), "{locale:?} {label}: {got:?}");
            }
            assert!(got.iter().all(|(l, _)| l != "Vide" && l != "Empty"), "{got:?}");
        }
        assert_eq!(month_day("01-01", Locale::Fr), "1er janvier");
        assert_eq!(month_day("12-31", Locale::En), "December 31");
    }

    #[test]
    fn without_contacts_right_and_outside_a_client_dashboard() {
        let ctx = fake(Scope::Client { client_id: 5, staff_id: 1 }, true);
        let v = values(&ClientInfoPortlet.render(&settings(json!({})), &ctx).unwrap());
        assert!(v.iter().all(|(l, _)| l != "Contact principal" && l != "Notes"));
        let ctx = fake(Scope::Staff { staff_id: 1 }, false);
        assert!(matches!(ClientInfoPortlet.render(&settings(json!({})), &ctx), Err(PortletError::Internal { .. })));
        assert!(ctx.requests().is_empty());
    }
}
