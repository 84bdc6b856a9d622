//! The field registry of each list: which fields can be filtered and sorted,
//! with their type, French and English labels, and the SQL that reads them.
//!
//! Only registered fields reach SQL, and only through the column expression
//! written here; values are always bound.

use clientele_filter::{Condition, EnumValue, FieldDef, FieldType, NumberKind, Registry, Scalar, Typed, TypedOp};

use super::ListKind;
use crate::domain::{CustomFieldDef, CustomFieldType, CustomRecord, Id, InteractionKind, StaffRole};

/// How a field is read in SQL (`t` is the list's table).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Col {
    /// A folded text column.
    Fold(&'static str),
    /// A canonical enum value column.
    Enum(&'static str),
    /// An integer column.
    Int(&'static str),
    /// A BIGINT id column.
    Id(&'static str),
    /// A UTC-millisecond time column.
    Ms(&'static str),
    /// An ISO `YYYY-MM-DD` date column.
    Iso(&'static str),
    /// A boolean column.
    Bool(&'static str),
    /// Contacts: linked to at least one live client.
    Linked,
    /// A firm-defined interaction field.
    Custom { key: String, ty: CustomFieldType },
    /// Interactions: a column of the interaction's follow-up (`f.…` of the
    /// table `follow_ups`, at most one per interaction; none: NULL).
    FollowUp(Box<Col>),
    /// Clients: the staff members in charge in this role (`None`: in any
    /// role). Several values per client: a condition holds when one of
    /// them satisfies it (`!=`: there is one and none is that one).
    Assigned(Option<String>),
    /// Clients and contacts: their tags (codes), in `table` keyed by
    /// `key` (`client_tags.client_id`, `contact_tags.contact_id`).
    /// Several values, as [`Col::Assigned`].
    Tags { table: &'static str, key: &'static str },
}

/// A column of the follow-up of the interaction `t` (a table of its own,
/// at most one per interaction): who must act, by when, done.
fn follow_up(col: Col) -> Col {
    Col::FollowUp(Box::new(col))
}

/// A registered field: its definition for the filter language and its SQL.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub def: FieldDef,
    pub col: Col,
}

fn f(name: &str, ty: FieldType, col: Col, fr: &str, en: &str) -> Field {
    Field { def: FieldDef::new(name, ty).labels(fr, en).sortable(false), col }
}

/// One value of a choice field: its stored code, how the screen shows it in
/// French and English, and short tokens also accepted in filters.
///
/// This is the one table of codes and labels: the filter registry (which
/// accepts every spelling) and the column catalogue (which shows the
/// labels) both read it, so what a person sees can always be typed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    pub code: &'static str,
    pub label_fr: &'static str,
    pub label_en: &'static str,
    pub tokens: &'static [&'static str],
}

const fn ch(
    code: &'static str,
    label_fr: &'static str,
    label_en: &'static str,
    tokens: &'static [&'static str],
) -> Choice {
    Choice { code, label_fr, label_en, tokens }
}

/// The values of a choice field of a list (empty for other fields).
pub(crate) fn choices(kind: ListKind, field: &str) -> Vec<Choice> {
    match (kind, field) {
        (ListKind::Clients, "kind") => vec![
            ch("individual", "Particulier", "Individual", &[]),
            ch("business", "Entreprise", "Business", &[]),
            ch("trust", "Fiducie", "Trust", &[]),
            ch("other", "Autre", "Other", &[]),
        ],
        (ListKind::Clients, "status") => vec![
            ch("active", "Actif", "Active", &[]),
            ch("inactive", "Inactif", "Inactive", &[]),
            ch("prospect", "Prospect", "Prospect", &[]),
        ],
        (ListKind::Clients | ListKind::Contacts, "language") => {
            vec![ch("fr", "Français", "French", &[]), ch("en", "Anglais", "English", &[])]
        }
        (ListKind::Interactions, "kind") => vec![
            ch("note", "Note", "Note", &[]),
            ch("phone_call", "Appel téléphonique", "Phone call", &["appel", "call"]),
            ch("phone_message", "Message téléphonique", "Phone message", &["message"]),
            ch("email", "Courriel", "E-mail", &[]),
            ch("transfer_event", "Transfert de fichiers", "File transfer", &["transfert", "transfer"]),
        ],
        (ListKind::Interactions, "message") => vec![
            ch("new", "Nouveau", "New", &["nouveau"]),
            ch("returned", "Rappelé", "Returned", &["rappele"]),
            ch("closed", "Fermé", "Closed", &["ferme"]),
        ],
        (ListKind::Interactions, "direction") => {
            vec![ch("incoming", "Entrant", "Incoming", &[]), ch("outgoing", "Sortant", "Outgoing", &[])]
        }
        (ListKind::Transfers, "status") => {
            use crate::domain::TransferStatus;
            // The labels are the ones the transfer's own history shows.
            let tokens: fn(TransferStatus) -> &'static [&'static str] = |s| match s {
                TransferStatus::WaitingForFiles => &["en-attente", "waiting"],
                TransferStatus::ReadyForDownload => &["pret", "ready"],
                TransferStatus::Complete => &["termine"],
                TransferStatus::Expired => &["expire"],
                TransferStatus::Canceled => &["annule", "cancelled"],
            };
            TransferStatus::ALL.iter().map(|s| ch(s.as_str(), s.label(true), s.label(false), tokens(*s))).collect()
        }
        (ListKind::Transfers, "direction") => vec![
            ch("sent_to_contact", "Envoyé à la personne-ressource", "Sent to contact", &["envoye", "sent"]),
            ch(
                "requested_from_contact",
                "Demandé à la personne-ressource",
                "Requested from contact",
                &["demande", "requested"],
            ),
        ],
        _ => Vec::new(),
    }
}

/// The choice type of a field of a list, from [`choices`].
fn enum_ty(kind: ListKind, field: &str) -> FieldType {
    FieldType::Enum {
        values: choices(kind, field)
            .into_iter()
            .map(|c| EnumValue::labelled(c.code, c.label_fr, c.label_en).tokens(c.tokens.iter().copied()))
            .collect(),
    }
}

impl Field {
    fn alias(mut self, a: &str) -> Self {
        self.def = self.def.alias(a);
        self
    }
    fn sortable(mut self) -> Self {
        self.def = self.def.sortable(true);
        self
    }
}

/// The fields of a list (with the firm's custom fields for interactions
/// and its roles of the people in charge for clients).
pub(crate) fn fields(kind: ListKind, custom: &[CustomFieldDef], roles: &[StaffRole]) -> Vec<Field> {
    use Col::*;
    let int = FieldType::Number(NumberKind::Int);
    let mut v = match kind {
        ListKind::Clients => vec![
            f("id", FieldType::Id, Id("t.id"), "Numéro interne", "Internal id").sortable(),
            f("code", FieldType::Text, Fold("t.code_key"), "Code client", "Client ID").sortable(),
            f("name", FieldType::Text, Fold("t.name_fold"), "Nom", "Name").alias("nom").sortable(),
            f("kind", enum_ty(ListKind::Clients, "kind"), Enum("t.kind"), "Type", "Kind").alias("type").sortable(),
            f("status", enum_ty(ListKind::Clients, "status"), Enum("t.status"), "Statut", "Status")
                .alias("statut")
                .sortable(),
            f("office", FieldType::Text, Fold("t.office_fold"), "Bureau", "Office").alias("bureau").sortable(),
            f("city", FieldType::Text, Fold("t.city_fold"), "Ville", "City").alias("ville").sortable(),
            f("email", FieldType::Text, Fold("t.emails_fold"), "Courriel", "E-mail").alias("courriel"),
            f("won", FieldType::Date, Iso("t.won_date"), "Date d'acquisition", "Won on").alias("acquis").sortable(),
            f(
                "language",
                enum_ty(ListKind::Clients, "language"),
                Enum("t.language"),
                "Langue préférée",
                "Preferred language",
            )
            .alias("langue")
            .sortable(),
            f("fiscal_year_end", FieldType::Text, Fold("t.fiscal_year_end"), "Fin d'exercice", "Fiscal year end")
                .alias("fin_exercice")
                .sortable(),
            f(
                "business_number",
                FieldType::Text,
                Fold("lower(t.business_number)"),
                "Numéro d'entreprise",
                "Business number",
            )
            .alias("ne")
            .alias("bn")
            .sortable(),
            f("left", FieldType::Date, Iso("t.left_date"), "Date de départ", "Left on").alias("parti").sortable(),
            f("created", FieldType::DateTime, Ms("t.created_at"), "Créé le", "Created").alias("cree").sortable(),
            f("updated", FieldType::DateTime, Ms("t.updated_at"), "Modifié le", "Updated").alias("modifie").sortable(),
            tag_field(Tags { table: "client_tags", key: "client_id" }),
        ],
        ListKind::Contacts => vec![
            f("id", FieldType::Id, Id("t.id"), "Numéro interne", "Internal id").sortable(),
            f("name", FieldType::Text, Fold("t.file_as_fold"), "Classer sous", "File as").alias("nom").sortable(),
            f("company", FieldType::Text, Fold("t.company_fold"), "Entreprise", "Company")
                .alias("entreprise")
                .sortable(),
            f("city", FieldType::Text, Fold("t.city_fold"), "Ville", "City").alias("ville").sortable(),
            f("email", FieldType::Text, Fold("t.emails_fold"), "Courriel", "E-mail").alias("courriel"),
            f("linked", FieldType::Bool, Linked, "Liée à un client", "Linked to a client").alias("liee"),
            f(
                "language",
                enum_ty(ListKind::Contacts, "language"),
                Enum("t.language"),
                "Langue préférée",
                "Preferred language",
            )
            .alias("langue")
            .sortable(),
            f("created", FieldType::DateTime, Ms("t.created_at"), "Créé le", "Created").alias("cree").sortable(),
            f("updated", FieldType::DateTime, Ms("t.updated_at"), "Modifié le", "Updated").alias("modifie").sortable(),
            tag_field(Tags { table: "contact_tags", key: "contact_id" }),
        ],
        ListKind::Interactions => vec![
            f("id", FieldType::Id, Id("t.id"), "Numéro interne", "Internal id").sortable(),
            f("kind", enum_ty(ListKind::Interactions, "kind"), Enum("t.kind"), "Type", "Kind").alias("type").sortable(),
            f("when", FieldType::DateTime, Ms("t.occurred_at"), "Date", "When").alias("quand").alias("date").sortable(),
            f("subject", FieldType::Text, Fold("t.subject_fold"), "Objet", "Subject").alias("objet").sortable(),
            f("client", FieldType::Id, Id("t.client_id"), "Client", "Client"),
            f("contact", FieldType::Id, Id("t.contact_id"), "Personne-ressource", "Contact"),
            f("staff", FieldType::Id, Id("t.staff_id"), "Employé", "Staff member").alias("employe"),
            f(
                "direction",
                enum_ty(ListKind::Interactions, "direction"),
                Enum("t.direction"),
                "Sens de l'appel",
                "Call direction",
            )
            .alias("sens"),
            f("duration", int.clone(), Int("t.duration_secs"), "Durée (s)", "Duration (s)").alias("duree").sortable(),
            f("follow_up", FieldType::Id, follow_up(Id("f.assignee_id")), "Suivi par", "Follow-up by").alias("suivi"),
            f("due", FieldType::Date, follow_up(Iso("f.due")), "Échéance du suivi", "Follow-up due")
                .alias("echeance")
                .sortable(),
            f("done", FieldType::Bool, follow_up(Bool("f.done")), "Suivi fait", "Follow-up done").alias("fait"),
            f("for", FieldType::Id, Id("t.taken_for_id"), "Message pour", "Message for").alias("pour"),
            f(
                "message",
                enum_ty(ListKind::Interactions, "message"),
                Enum("t.message_status"),
                "Statut du message",
                "Message status",
            )
            .alias("statut_message"),
            f("created", FieldType::DateTime, Ms("t.created_at"), "Créé le", "Created").alias("cree").sortable(),
            f("updated", FieldType::DateTime, Ms("t.updated_at"), "Modifié le", "Updated").alias("modifie").sortable(),
        ],
        ListKind::Transfers => vec![
            f("id", FieldType::Id, Id("t.id"), "Numéro interne", "Internal id").sortable(),
            f("status", enum_ty(ListKind::Transfers, "status"), Enum("t.status"), "Statut", "Status")
                .alias("statut")
                .sortable(),
            f("direction", enum_ty(ListKind::Transfers, "direction"), Enum("t.direction"), "Sens", "Direction")
                .alias("sens")
                .sortable(),
            f("subject", FieldType::Text, Fold("t.subject_fold"), "Objet", "Subject").alias("objet").sortable(),
            f("sent", FieldType::DateTime, Ms("t.sent_at"), "Envoyé le", "Sent").alias("envoi").sortable(),
            f("expires", FieldType::DateTime, Ms("t.expires_at"), "Expire le", "Expires")
                .alias("expiration")
                .sortable(),
            f("closed", FieldType::DateTime, Ms("t.closed_at"), "Fermé le", "Closed").alias("ferme").sortable(),
            f("client", FieldType::Id, Id("t.client_id"), "Client", "Client"),
            f("contact", FieldType::Id, Id("t.to_contact"), "Personne-ressource", "Contact"),
            f("staff", FieldType::Id, Id("t.from_staff"), "Employé", "Staff member").alias("employe"),
            f("signature", FieldType::Bool, Bool("t.signature_required"), "Signature requise", "Signature required"),
        ],
    };
    if kind == ListKind::Clients {
        v.extend(role_fields(&v, roles));
    }
    let record = match kind {
        ListKind::Clients => Some(CustomRecord::Client),
        ListKind::Contacts => Some(CustomRecord::Contact),
        ListKind::Interactions => Some(CustomRecord::Interaction),
        ListKind::Transfers => None,
    };
    if let Some(record) = record {
        let mut seen = std::collections::BTreeSet::new();
        for d in custom.iter().filter(|d| d.record == record && d.kind != Some(InteractionKind::TransferEvent)) {
            // The same key may be defined for several kinds: one field.
            if !seen.insert(d.key.clone()) {
                continue;
            }
            let ty = match d.field_type {
                CustomFieldType::Text => FieldType::Text,
                CustomFieldType::Number => FieldType::Number(NumberKind::Float),
                CustomFieldType::Date => FieldType::Date,
                CustomFieldType::YesNo => FieldType::Bool,
                CustomFieldType::Choice => {
                    // A firm's choices are their own labels; one that reads
                    // like an earlier one ("a-b", "A B") is the earlier one.
                    let mut values: Vec<EnumValue> = Vec::new();
                    for c in &d.choices {
                        if !values.iter().any(|v| v.accepts(c)) {
                            values.push(EnumValue::new(c.clone()));
                        }
                    }
                    FieldType::Enum { values }
                }
            };
            let field = f(
                &format!("custom.{}", d.key),
                ty,
                Col::Custom { key: d.key.clone(), ty: d.field_type },
                &d.label_fr,
                &d.label_en,
            );
            // Clients and contacts sort by their custom texts, choices and
            // dates (a text key, as other text fields).
            let sortable = record != CustomRecord::Interaction && custom_sorts(d.field_type);
            v.push(if sortable { field.sortable() } else { field });
        }
    }
    v
}

/// The `tag` field of clients and contacts (`étiquette`): a value is a
/// tag's code or either of its names, folded ([`resolve_tags`]).
fn tag_field(col: Col) -> Field {
    f("tag", FieldType::Id, col, "Étiquette", "Tag").alias("etiquette").alias("tags").alias("etiquettes")
}

/// Replaces the values of the `tag` field of clients and contacts by the
/// code of the tag they name (its code, or its French or English name,
/// folded), so SQL and the reference evaluator compare codes. A value
/// naming no tag is an `invalid_value` filter error with its span.
pub(crate) fn resolve_tags(filter: Typed, kind: ListKind, tags: &[crate::domain::Tag]) -> crate::error::Result<Typed> {
    if !matches!(kind, ListKind::Clients | ListKind::Contacts) {
        return Ok(filter);
    }
    let code = |s: &Scalar, span: clientele_filter::Span| -> crate::error::Result<Scalar> {
        let Scalar::Id(v) = s else { return Ok(s.clone()) };
        match crate::ops::tag_named(tags, v) {
            Some(code) => Ok(Scalar::Id(code)),
            None => Err(crate::error::Error::filter(
                "invalid_value",
                format!(
                    "filter: no tag `{v}`; tags: {}",
                    tags.iter().map(|t| t.code.as_str()).collect::<Vec<_>>().join(", ")
                ),
                Some(crate::error::Span { start: span.start, end: span.end }),
            )
            .with_filter(|f| f.field = Some("tag".to_string()))),
        }
    };
    Ok(match filter {
        Typed::And(v) => {
            Typed::And(v.into_iter().map(|x| resolve_tags(x, kind, tags)).collect::<crate::error::Result<_>>()?)
        }
        Typed::Or(v) => {
            Typed::Or(v.into_iter().map(|x| resolve_tags(x, kind, tags)).collect::<crate::error::Result<_>>()?)
        }
        Typed::Not(x) => Typed::Not(Box::new(resolve_tags(*x, kind, tags)?)),
        Typed::Cond(mut c) if c.field == "tag" => {
            c.op = match c.op {
                TypedOp::Eq(s) => TypedOp::Eq(code(&s, c.span)?),
                TypedOp::Ne(s) => TypedOp::Ne(code(&s, c.span)?),
                TypedOp::In(list) => {
                    TypedOp::In(list.iter().map(|s| code(s, c.span)).collect::<crate::error::Result<_>>()?)
                }
                other => other,
            };
            Typed::Cond(c)
        }
        other => other,
    })
}

/// Whether a custom field of this type sorts (by a text key: texts,
/// choices and ISO dates compare as their folded text).
pub(crate) fn custom_sorts(ty: CustomFieldType) -> bool {
    matches!(ty, CustomFieldType::Text | CustomFieldType::Choice | CustomFieldType::Date)
}

/// The name of the field of the people in charge in a role.
pub(crate) fn role_field(code: &str) -> String {
    format!("role.{code}")
}

/// A role's name as a filter field alias: folded, every run of other
/// characters than letters and digits one `_` (`Chargé de compte` →
/// `charge_de_compte`).
fn alias_of(label: &str) -> String {
    let folded = crate::text::fold(label);
    let mut out = String::new();
    for w in folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(w);
    }
    out
}

/// The client fields of the people in charge: `assigned` (any role), then
/// one per role of the firm, `role.<code>`, also spelled by its French and
/// English names (`associé:JT`, `responsable:moi`) unless that spelling is
/// another field's. Values are staff members: an id, initials, a name, or
/// `me`/`moi` ([`resolve_people`]). They sort by the folded name of the
/// first (by name) staff member in charge.
fn role_fields(base: &[Field], roles: &[StaffRole]) -> Vec<Field> {
    let mut taken: Vec<String> = base
        .iter()
        .flat_map(|f| std::iter::once(f.def.name.clone()).chain(f.def.aliases.iter().cloned()))
        .map(|n| crate::text::fold(&n))
        .collect();
    let mut out = Vec::new();
    let mut add = |name: String, aliases: Vec<String>, col: Col, fr: &str, en: &str, out: &mut Vec<Field>| {
        taken.push(crate::text::fold(&name));
        let mut field = f(&name, FieldType::Id, col, fr, en).sortable();
        for a in aliases {
            if !a.is_empty() && !taken.contains(&a) && !a.contains('.') {
                taken.push(a.clone());
                field = field.alias(&a);
            }
        }
        out.push(field);
    };
    add(
        "assigned".into(),
        vec!["assigne".into(), "en_charge".into()],
        Col::Assigned(None),
        "Personne en charge",
        "Person in charge",
        &mut out,
    );
    for r in roles {
        add(
            role_field(&r.code),
            vec![alias_of(&r.label_fr), alias_of(&r.label_en)],
            Col::Assigned(Some(r.code.clone())),
            &r.label_fr,
            &r.label_en,
            &mut out,
        );
    }
    out
}

/// The filter language's registry for these fields.
pub(crate) fn registry(fields: &[Field]) -> Registry {
    Registry::new(fields.iter().map(|f| f.def.clone()).collect())
}

/// A list's fields with their registry.
pub(crate) struct Registered {
    pub fields: Vec<Field>,
    pub registry: Registry,
}

/// How many (list, custom fields) registries are kept.
const REGISTERED: usize = 16;

/// The fields and registry of a list with these custom fields, built once
/// per list kind, set of custom fields and the firm's roles (a change of
/// either builds a new one) rather than per request.
pub(crate) fn registered(kind: ListKind, custom: &[CustomFieldDef], roles: &[StaffRole]) -> std::sync::Arc<Registered> {
    type Entry = (ListKind, Vec<CustomFieldDef>, Vec<StaffRole>, std::sync::Arc<Registered>);
    static CACHE: std::sync::Mutex<Vec<Entry>> = std::sync::Mutex::new(Vec::new());
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, _, hit)) =
        cache.iter().find(|(k, c, r, _)| *k == kind && c.as_slice() == custom && r.as_slice() == roles)
    {
        return hit.clone();
    }
    let fields = fields(kind, custom, roles);
    let registry = registry(&fields);
    let built = std::sync::Arc::new(Registered { fields, registry });
    if cache.len() >= REGISTERED {
        cache.remove(0);
    }
    cache.push((kind, custom.to_vec(), roles.to_vec(), built.clone()));
    built
}

/// A person-shaped filter value to find the ids of (see [`resolve_people`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Clients whose code has this [`crate::text::code_key`].
    ClientCode(String),
    /// Staff members whose initials or name fold to this.
    Staff(String),
    /// Contacts whose "file as" folds to this.
    ContactName(String),
}

/// Finds the ids behind a [`Lookup`], among what the actor may see.
pub(crate) type Finder<'a> = dyn FnMut(&Lookup) -> crate::error::Result<Vec<Id>> + 'a;

/// The most records one person-shaped value may stand for.
pub(crate) const MAX_PEOPLE: usize = 100;

/// Replaces the person-shaped values of the `client`, `contact` and `staff`
/// fields of interactions and transfers by the ids they name, so SQL and
/// the reference evaluator compare the same ids:
///
/// * a value of digits only (`42`) is an internal id, as before;
/// * `client:` a client code, compared like the code key (case, accents and
///   surrounding spaces ignored): `client:pell-03`;
/// * `staff:` `me`/`moi` (the staff member asking), or initials or a full
///   name, folded: `staff:MT`, `employe:"Marie Tremblay"`;
/// * `contact:` the contact's "file as", folded and whole:
///   `contact:"Côté, Hélène"` (several homonyms: any of them).
///
/// A value naming nothing the actor may see is an `invalid_value` filter
/// error with the condition's span — a code of a client of another office
/// reads exactly like a code that does not exist.
pub(crate) fn resolve_people(
    filter: Typed,
    kind: ListKind,
    actor: Option<Id>,
    find: &mut Finder<'_>,
) -> crate::error::Result<Typed> {
    let person = |field: &str| -> Option<&'static str> {
        match kind {
            ListKind::Interactions | ListKind::Transfers => match field {
                "client" => Some("client"),
                "contact" => Some("contact"),
                "staff" => Some("staff"),
                // Whom a follow-up or a phone message is for.
                "follow_up" | "for" if kind == ListKind::Interactions => Some("staff"),
                _ => None,
            },
            // The people in charge are staff members.
            ListKind::Clients if field == "assigned" || field.starts_with("role.") => Some("staff"),
            _ => None,
        }
    };
    if !matches!(kind, ListKind::Interactions | ListKind::Transfers | ListKind::Clients) {
        return Ok(filter);
    }
    Ok(match filter {
        Typed::And(v) => Typed::And(
            v.into_iter().map(|x| resolve_people(x, kind, actor, find)).collect::<crate::error::Result<_>>()?,
        ),
        Typed::Or(v) => {
            Typed::Or(v.into_iter().map(|x| resolve_people(x, kind, actor, find)).collect::<crate::error::Result<_>>()?)
        }
        Typed::Not(x) => Typed::Not(Box::new(resolve_people(*x, kind, actor, find)?)),
        Typed::Cond(c) if person(&c.field).is_some() => {
            let lookup = person(&c.field).expect("a person field");
            let ids = |s: &Scalar, find: &mut Finder<'_>| -> crate::error::Result<Vec<Scalar>> {
                match s {
                    Scalar::Id(v) => Ok(people_ids(lookup, v, actor, c.span, find)?
                        .into_iter()
                        .map(|i| Scalar::Id(i.to_string()))
                        .collect()),
                    other => Ok(vec![other.clone()]),
                }
            };
            let with = |op: TypedOp| Typed::Cond(Condition { op, ..c.clone() });
            match &c.op {
                TypedOp::Eq(s) => {
                    let mut v = ids(s, find)?;
                    if v.len() == 1 { with(TypedOp::Eq(v.remove(0))) } else { with(TypedOp::In(v)) }
                }
                // Set and not any of them.
                TypedOp::Ne(s) => {
                    let v = ids(s, find)?;
                    if v.len() == 1 {
                        with(TypedOp::Ne(v[0].clone()))
                    } else {
                        Typed::And(v.into_iter().map(|x| with(TypedOp::Ne(x))).collect())
                    }
                }
                TypedOp::In(list) => {
                    let mut all = Vec::new();
                    for s in list {
                        for x in ids(s, find)? {
                            if !all.contains(&x) {
                                all.push(x);
                            }
                        }
                    }
                    with(TypedOp::In(all))
                }
                _ => Typed::Cond(c),
            }
        }
        other => other,
    })
}

/// The ids a value of a person-shaped field names.
fn people_ids(
    field: &str,
    value: &str,
    actor: Option<Id>,
    span: clientele_filter::Span,
    find: &mut Finder<'_>,
) -> crate::error::Result<Vec<Id>> {
    if let Ok(n) = value.parse::<Id>()
        && n.to_string() == value
    {
        return Ok(vec![n]);
    }
    let refuse = |message: String| {
        crate::error::Error::filter(
            "invalid_value",
            format!("filter: {message}"),
            Some(crate::error::Span { start: span.start, end: span.end }),
        )
        .with_filter(|f| f.field = Some(field.to_string()))
    };
    let folded = crate::text::fold(value.trim());
    let (lookup, what) = match field {
        "client" => (Lookup::ClientCode(crate::text::code_key(value)), "no client has the code"),
        "staff" if matches!(folded.as_str(), "me" | "moi") => {
            return actor.map(|a| vec![a]).ok_or_else(|| {
                refuse(format!("`{value}` means the staff member asking; the host is not one (use an id)"))
            });
        }
        "staff" => (Lookup::Staff(folded), "no staff member has the initials or name"),
        _ => (Lookup::ContactName(folded), "no contact is filed as"),
    };
    let ids = find(&lookup)?;
    if ids.is_empty() {
        return Err(refuse(format!("{what} `{value}`")));
    }
    if ids.len() > MAX_PEOPLE {
        return Err(refuse(format!("`{value}` names more than {MAX_PEOPLE} records; be more precise")));
    }
    Ok(ids)
}
