//! The field registry of each list: which fields can be filtered and sorted,
//! with their type, French and English labels, and the SQL that reads them.
//!
//! Only registered fields reach SQL, and only through the column expression
//! written here; values are always bound.

use clientele_filter::{EnumValue, FieldDef, FieldType, NumberKind, Registry};

use super::ListKind;
use crate::domain::{CustomFieldDef, CustomFieldType, InteractionKind};

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

fn enum_ty(values: &[(&str, &str, &str)]) -> FieldType {
    FieldType::Enum { values: values.iter().map(|(v, fr, en)| EnumValue::labelled(*v, *fr, *en)).collect() }
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

/// The fields of a list (with the firm's custom fields for interactions).
pub(crate) fn fields(kind: ListKind, custom: &[CustomFieldDef]) -> Vec<Field> {
    use Col::*;
    let int = FieldType::Number(NumberKind::Int);
    let mut v = match kind {
        ListKind::Clients => vec![
            f("id", FieldType::Id, Id("t.id"), "Numéro interne", "Internal id").sortable(),
            f("code", FieldType::Text, Fold("t.code_key"), "Code client", "Client ID").sortable(),
            f("name", FieldType::Text, Fold("t.name_fold"), "Nom", "Name").alias("nom").sortable(),
            f(
                "kind",
                enum_ty(&[
                    ("individual", "particulier", "Individual"),
                    ("business", "entreprise", "Business"),
                    ("trust", "fiducie", "Trust"),
                    ("other", "autre", "Other"),
                ]),
                Enum("t.kind"),
                "Type",
                "Kind",
            )
            .alias("type")
            .sortable(),
            f(
                "status",
                enum_ty(&[
                    ("active", "actif", "Active"),
                    ("inactive", "inactif", "Inactive"),
                    ("prospect", "prospect", "Prospect"),
                ]),
                Enum("t.status"),
                "Statut",
                "Status",
            )
            .alias("statut")
            .sortable(),
            f("office", FieldType::Text, Fold("t.office_fold"), "Bureau", "Office").alias("bureau").sortable(),
            f("city", FieldType::Text, Fold("t.city_fold"), "Ville", "City").alias("ville").sortable(),
            f("email", FieldType::Text, Fold("t.emails_fold"), "Courriel", "E-mail").alias("courriel"),
            f("won", FieldType::Date, Iso("t.won_date"), "Date d'acquisition", "Won on").alias("acquis").sortable(),
            f("left", FieldType::Date, Iso("t.left_date"), "Date de départ", "Left on").alias("parti").sortable(),
            f("created", FieldType::DateTime, Ms("t.created_at"), "Créé le", "Created").alias("cree").sortable(),
            f("updated", FieldType::DateTime, Ms("t.updated_at"), "Modifié le", "Updated").alias("modifie").sortable(),
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
            f("created", FieldType::DateTime, Ms("t.created_at"), "Créé le", "Created").alias("cree").sortable(),
            f("updated", FieldType::DateTime, Ms("t.updated_at"), "Modifié le", "Updated").alias("modifie").sortable(),
        ],
        ListKind::Interactions => vec![
            f("id", FieldType::Id, Id("t.id"), "Numéro interne", "Internal id").sortable(),
            f(
                "kind",
                enum_ty(&[
                    ("note", "note", "Note"),
                    ("phone_call", "appel", "Phone call"),
                    ("phone_message", "message", "Phone message"),
                    ("email", "courriel", "E-mail"),
                    ("transfer_event", "transfert", "Transfer event"),
                ]),
                Enum("t.kind"),
                "Type",
                "Kind",
            )
            .alias("type")
            .sortable(),
            f("when", FieldType::DateTime, Ms("t.occurred_at"), "Date", "When").alias("quand").alias("date").sortable(),
            f("subject", FieldType::Text, Fold("t.subject_fold"), "Objet", "Subject").alias("objet").sortable(),
            f("client", FieldType::Id, Id("t.client_id"), "Client", "Client"),
            f("contact", FieldType::Id, Id("t.contact_id"), "Personne-ressource", "Contact"),
            f("staff", FieldType::Id, Id("t.staff_id"), "Employé", "Staff member").alias("employe"),
            f(
                "direction",
                enum_ty(&[("incoming", "entrant", "Incoming"), ("outgoing", "sortant", "Outgoing")]),
                Enum("t.direction"),
                "Sens de l'appel",
                "Call direction",
            )
            .alias("sens"),
            f("duration", int.clone(), Int("t.duration_secs"), "Durée (s)", "Duration (s)").alias("duree").sortable(),
            f("created", FieldType::DateTime, Ms("t.created_at"), "Créé le", "Created").alias("cree").sortable(),
            f("updated", FieldType::DateTime, Ms("t.updated_at"), "Modifié le", "Updated").alias("modifie").sortable(),
        ],
        ListKind::Transfers => vec![
            f("id", FieldType::Id, Id("t.id"), "Numéro interne", "Internal id").sortable(),
            f(
                "status",
                enum_ty(&[
                    ("waiting_for_files", "en-attente", "Waiting for files"),
                    ("ready_for_download", "pret", "Ready for download"),
                    ("complete", "termine", "Complete"),
                    ("expired", "expire", "Expired"),
                    ("canceled", "annule", "Canceled"),
                ]),
                Enum("t.status"),
                "Statut",
                "Status",
            )
            .alias("statut")
            .sortable(),
            f(
                "direction",
                enum_ty(&[
                    ("sent_to_contact", "envoye", "Sent to contact"),
                    ("requested_from_contact", "demande", "Requested from contact"),
                ]),
                Enum("t.direction"),
                "Sens",
                "Direction",
            )
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
    if kind == ListKind::Interactions {
        let mut seen = std::collections::BTreeSet::new();
        for d in custom.iter().filter(|d| d.kind != InteractionKind::TransferEvent) {
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
                    FieldType::Enum { values: d.choices.iter().map(|c| EnumValue::new(c.clone())).collect() }
                }
            };
            v.push(f(
                &format!("custom.{}", d.key),
                ty,
                Col::Custom { key: d.key.clone(), ty: d.field_type },
                &d.label_fr,
                &d.label_en,
            ));
        }
    }
    v
}

/// The filter language's registry for these fields.
pub(crate) fn registry(fields: &[Field]) -> Registry {
    Registry::new(fields.iter().map(|f| f.def.clone()).collect())
}
