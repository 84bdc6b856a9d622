//! Duplicates and merges as the Manage Clients screen shows them: a client
//! typed twice is warned of (not refused), the two are merged, and the kept
//! client's history and timeline say what happened, in French, with labels
//! (field names, roles, tags, people), not codes.

use std::collections::BTreeMap;

use clientele_core::Engine;
use clientele_core::domain::*;
use clientele_core::op;
use clientele_core::protocol::{Actor, ListKind, ListQuery, MergeRules};
use serde_json::{Value, json};

use crate::{screen, title};

/// Labels the demo needs to print changes as a person reads them.
struct Labels {
    staff: BTreeMap<Id, String>,
    roles: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    custom: BTreeMap<String, String>,
    /// Clients a change may name, as "code — name".
    clients: BTreeMap<Id, String>,
}

impl Labels {
    fn read(engine: &Engine, actor: Actor) -> Result<Labels, clientele_core::Error> {
        Ok(Labels {
            staff: engine.run(actor, op::StaffList {})?.into_iter().map(|s| (s.id, s.data.name)).collect(),
            roles: engine.run(actor, op::StaffRoleList {})?.into_iter().map(|r| (r.code, r.label_fr)).collect(),
            tags: engine.run(actor, op::TagList {})?.into_iter().map(|t| (t.code, t.name_fr)).collect(),
            custom: engine
                .run(actor, op::CustomFieldList { kind: None, record: Some(CustomRecord::Client) })?
                .into_iter()
                .map(|f| (f.key, f.label_fr))
                .collect(),
            clients: BTreeMap::new(),
        })
    }

    /// A client field's French label (the list column's, else the demo's).
    fn field(&self, key: &str) -> String {
        let own = match key {
            "assignments" => Some("Responsables"),
            "tags" => Some("Étiquettes"),
            "notes" => Some("Notes"),
            "client_id" => Some("Client"),
            _ => None,
        };
        own.map(String::from).unwrap_or_else(|| {
            clientele_core::query::columns::catalogue(ListKind::Clients, &[], &[])
                .into_iter()
                .find(|c| c.id == key)
                .map_or_else(|| key.to_string(), |c| c.label_fr)
        })
    }

    fn value(&self, key: &str, v: &Value) -> String {
        let text = match (key, v) {
            (_, Value::Null) => return "—".into(),
            ("tags", Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(|c| self.tags.get(c).cloned().unwrap_or_else(|| c.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
            ("assignments", Value::Array(a)) => a
                .iter()
                .map(|x| {
                    let role = x["role"].as_str().unwrap_or_default();
                    let who = x["staff_id"].as_i64().and_then(|id| self.staff.get(&id)).cloned().unwrap_or_default();
                    format!("{} : {who}", self.roles.get(role).map_or(role, String::as_str))
                })
                .collect::<Vec<_>>()
                .join(", "),
            ("client_id", Value::Number(n)) => {
                let id = n.as_i64().unwrap_or_default();
                self.clients.get(&id).cloned().unwrap_or_else(|| id.to_string())
            }
            ("kind" | "status", Value::String(s)) => screen::label(ListKind::Clients, key, s),
            (_, Value::String(s)) => s.clone(),
            (_, Value::Number(n)) => n.to_string().replace('.', ","),
            (_, Value::Bool(b)) => (if *b { "oui" } else { "non" }).into(),
            (_, other) => other.to_string(),
        };
        if text.is_empty() { "—".into() } else { text }
    }

    /// Each changed field as « label : avant → après »; custom values one by
    /// one, under their own labels.
    fn changes(&self, op: HistoryOp, changes: &Changes) -> Vec<String> {
        let mut out = Vec::new();
        if matches!(op, HistoryOp::Create | HistoryOp::Import) {
            // Its first state is the record itself.
            return out;
        }
        for (key, c) in changes {
            if key == "custom" {
                let empty = serde_json::Map::new();
                let old = c.old.as_object().unwrap_or(&empty);
                let new = c.new.as_object().unwrap_or(&empty);
                let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
                for k in keys {
                    let (o, n) = (old.get(k).unwrap_or(&Value::Null), new.get(k).unwrap_or(&Value::Null));
                    if o != n {
                        let label = self.custom.get(k).cloned().unwrap_or_else(|| k.clone());
                        out.push(format!("{label} : {} → {}", self.value(k, o), self.value(k, n)));
                    }
                }
                continue;
            }
            out.push(format!("{} : {} → {}", self.field(key), self.value(key, &c.old), self.value(key, &c.new)));
        }
        out
    }
}

/// A client typed twice, warned of, then merged; the kept client's
/// history and its timeline with the changes.
pub fn run(engine: &Engine, me: Id, colleague: Id) -> Result<(), Box<dyn std::error::Error>> {
    title("Doublons possibles et fusion de deux clients");
    let staff = Actor::Staff(me);
    // The firm's own fields on clients.
    for (key, fr, en, ty) in [
        ("secteur", "Secteur d'activité", "Industry", CustomFieldType::Text),
        ("employes", "Nombre d'employés", "Headcount", CustomFieldType::Number),
    ] {
        let field = CustomFieldDef {
            record: CustomRecord::Client,
            kind: None,
            key: key.into(),
            label_fr: fr.into(),
            label_en: en.into(),
            field_type: ty,
            choices: vec![],
            required: false,
        };
        engine.run(Actor::HOST, op::CustomFieldPut { field })?;
    }
    let email = |address: &str| Email { address: address.into(), kind: EmailKind::Work, primary: true };
    let mut first = ClientData::new("ERAB-90", "Érablière D'Amours-Côté");
    first.kind = ClientKind::Business;
    first.office = Some("Montréal".into());
    first.emails.push(email("info@erabliere-damours.ca"));
    first.custom.insert("secteur".into(), json!("Acériculture"));
    let kept = engine.run(staff, op::ClientCreate { data: first })?;
    // Typed again by someone else: another spelling, the same e-mail.
    let mut second = ClientData::new("ERAB-91", "erabliere Damours Cote");
    second.kind = ClientKind::Business;
    second.office = Some("Montréal".into());
    second.emails.push(email("INFO@Erabliere-DAmours.ca"));
    second.custom.insert("secteur".into(), json!("Agriculture"));
    second.custom.insert("employes".into(), json!(14));
    second.tags = vec!["vip".into()];
    second.assignments = vec![Assignment::new("manager", colleague)];
    let twin = engine.run(staff, op::ClientCreate { data: second })?;
    println!("« {} » créé, avec un avertissement (rien n'est bloqué) :", twin.data.name);
    for w in &twin.warnings {
        if let Warning::LikelyDuplicate(d) = w {
            println!("  ⚠ {}", d.message_fr);
        }
    }
    let mut sylvie = ContactData::new("Sylvie", "Côté");
    sylvie.emails.push(email("sylvie@erabliere-damours.ca"));
    let sylvie = engine.run(staff, op::ContactCreate { data: sylvie })?;
    engine.run(
        staff,
        op::ContactLink { contact_id: sylvie.id, client_id: twin.id, role: ContactRole::Primary, from_role: None },
    )?;
    let mut note = InteractionData::note(chrono::Utc::now(), "Crédit d'impôt pour la relève agricole");
    note.client_id = Some(twin.id);
    note.contact_id = Some(sylvie.id);
    note.staff_id = Some(colleague);
    engine.run(staff, op::InteractionCreate { data: note })?;

    // The merge: everything of the second onto the first, which keeps its
    // own value where both have one.
    let twin_version = engine.run(staff, op::ClientGet { id: twin.id })?.version;
    let merged = engine.run(
        staff,
        op::ClientMerge {
            keep: kept.id,
            keep_version: kept.version,
            merge: twin.id,
            merge_version: twin_version,
            rules: MergeRules::default(),
        },
    )?;
    let n = &merged.moved;
    println!(
        "« {} — {} » fusionné dans « {} — {} » : {} interaction(s), {} lien(s), {} responsable(s), {} valeur(s) \
         personnalisée(s), {} étiquette(s) ; le doublon est à la corbeille (entrée {}), d'où une restauration \
         annule la fusion.",
        twin.data.code,
        twin.data.name,
        kept.data.code,
        kept.data.name,
        n.interactions,
        n.links,
        n.assignments,
        n.custom,
        n.tags,
        merged.trash_id
    );

    let mut labels = Labels::read(engine, staff)?;
    for c in [&kept, &twin] {
        labels.clients.insert(c.id, format!("{} — {}", c.data.code, c.data.name));
    }
    let sector = engine.run(staff, op::ClientGet { id: kept.id })?.data.custom.get("secteur").cloned();
    println!(
        "{} : « {} » gardé (par défaut, la valeur du client gardé l'emporte ; le doublon comble les vides).",
        labels.custom["secteur"],
        labels.value("secteur", sector.as_ref().unwrap_or(&Value::Null))
    );
    let today = engine.today().to_string();
    let local = |at: chrono::DateTime<chrono::Utc>| {
        screen::date(&at.with_timezone(&engine.timezone()).format("%Y-%m-%d %H:%M").to_string(), &today)
    };
    let who = |by: Option<Id>| by.and_then(|id| labels.staff.get(&id)).cloned().unwrap_or_else(|| "—".into());
    println!("\nHistorique de « {} » (le plus récent d'abord) :", kept.data.name);
    let history = engine.run(
        staff,
        op::HistoryList { record: RecordRef { kind: RecordKind::Client, id: kept.id }, limit: Some(5), cursor: None },
    )?;
    let mut rows = Vec::new();
    for e in &history.items {
        let changes = labels.changes(e.op, &e.changes);
        rows.push(vec![
            local(e.at),
            e.op.label(true).to_string(),
            who(e.by),
            changes.first().cloned().unwrap_or_default(),
        ]);
        for more in changes.iter().skip(1) {
            rows.push(vec![String::new(), String::new(), String::new(), more.clone()]);
        }
    }
    let head = ["Date", "Opération", "Par", "Modification"].map(String::from);
    print!("{}", screen::table(&head, &rows));

    println!("\nChronologie de « {} » avec les modifications :", kept.data.name);
    let timeline = engine.run(
        staff,
        op::ClientTimelineWithChanges {
            id: kept.id,
            last_30_days: false,
            query: ListQuery { limit: Some(6), ..Default::default() },
        },
    )?;
    let mut rows = Vec::new();
    for item in &timeline.items {
        match item {
            TimelineItem::Interaction(i) => rows.push(vec![
                local(i.data.occurred_at),
                screen::label(ListKind::Interactions, "kind", i.data.kind.as_str()),
                i.data.subject.clone(),
            ]),
            TimelineItem::Change(e) => {
                let what = match e.record.kind {
                    RecordKind::Client => e.op.label(true).to_string(),
                    RecordKind::Contact => format!("{} (personne-ressource)", e.op.label(true)),
                    RecordKind::Interaction => format!("{} (interaction)", e.op.label(true)),
                    RecordKind::Transfer => format!("{} (transfert)", e.op.label(true)),
                };
                let changes = labels.changes(e.op, &e.changes);
                rows.push(vec![local(e.at), what, changes.join(" ; ")]);
            }
        }
    }
    print!("{}", screen::table(&["Date".into(), "Quoi".into(), "Objet / modification".into()], &rows));
    Ok(())
}
