//! The columns an import file may have, per kind: the list's column
//! catalogue ([`super::columns::catalogue`], same ids, same French and
//! English labels, same value labels) where the list shows the field, plus
//! the few columns only files carry (a contact's key, a link's role...).
//! `clientele-io` recognises a CSV's headers by these labels, so a header
//! exported in either language is accepted back.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ListKind;
use super::columns::{ColumnDef, ColumnKind, ValueLabel, catalogue};

/// The kinds of bulk import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Clients,
    Contacts,
    Links,
    Interactions,
    Transfers,
}

impl ImportKind {
    /// The request's op (`import.clients`...).
    pub fn op(self) -> &'static str {
        match self {
            ImportKind::Clients => "import.clients",
            ImportKind::Contacts => "import.contacts",
            ImportKind::Links => "import.links",
            ImportKind::Interactions => "import.interactions",
            ImportKind::Transfers => "import.transfers",
        }
    }
}

/// One column of an import file: its labels and kind, and where its value
/// goes in the import row (a JSON path such as `emails[0].address`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ImportColumn {
    #[serde(flatten)]
    pub column: ColumnDef,
    /// Where the value goes in the row, dot-separated (`address.city`,
    /// `data.subject`, `emails[0].address`).
    pub path: String,
}

fn from_list(list: ListKind, id: &str, path: &str) -> ImportColumn {
    let column = catalogue(list, &[], &[])
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("column catalogue of {list:?} has no '{id}'"));
    ImportColumn { column, path: path.into() }
}

fn own(id: &str, fr: &str, en: &str, kind: ColumnKind, path: &str, values: Vec<ValueLabel>) -> ImportColumn {
    ImportColumn {
        column: ColumnDef {
            id: id.into(),
            label_fr: fr.into(),
            label_en: en.into(),
            kind,
            default_visible: true,
            values,
        },
        path: path.into(),
    }
}

fn v(value: &str, fr: &str, en: &str) -> ValueLabel {
    ValueLabel { value: value.into(), label_fr: fr.into(), label_en: en.into() }
}

/// The columns of an import file of `kind` with the firm's custom fields:
/// a file of clients, contacts or interactions may carry a column per
/// custom field of those records (`custom.<key>`; interactions: one per
/// key, as their list's column), its header the field's French or English
/// label or its key. `custom` may hold every custom field.
pub fn import_catalogue_with(kind: ImportKind, custom: &[crate::domain::CustomFieldDef]) -> Vec<ImportColumn> {
    let mut v = import_catalogue(kind);
    let (list, prefix) = match kind {
        ImportKind::Clients => (ListKind::Clients, ""),
        ImportKind::Contacts => (ListKind::Contacts, "data."),
        ImportKind::Interactions => (ListKind::Interactions, "data."),
        _ => return v,
    };
    for column in super::columns::custom_columns(list, custom) {
        let path = format!("{prefix}{}", column.id);
        v.push(ImportColumn { column, path });
    }
    v
}

/// The columns of an import file of `kind` (without custom fields:
/// [`import_catalogue_with`]).
pub fn import_catalogue(kind: ImportKind) -> Vec<ImportColumn> {
    use ColumnKind::*;
    use ListKind as L;
    match kind {
        ImportKind::Clients => vec![
            from_list(L::Clients, "code", "code"),
            from_list(L::Clients, "name", "name"),
            from_list(L::Clients, "kind", "kind"),
            from_list(L::Clients, "status", "status"),
            from_list(L::Clients, "office", "office"),
            own("street", "Adresse", "Address", Text, "address.line1", vec![]),
            from_list(L::Clients, "city", "address.city"),
            own("province", "Province", "Province", Text, "address.province", vec![]),
            own("postal_code", "Code postal", "Postal code", Text, "address.postal_code", vec![]),
            from_list(L::Clients, "phone", "phones[0].number"),
            from_list(L::Clients, "email", "emails[0].address"),
            from_list(L::Clients, "website", "website"),
            from_list(L::Clients, "won", "retention.won_date"),
            from_list(L::Clients, "left", "retention.left_date"),
            from_list(L::Clients, "language", "language"),
            from_list(L::Clients, "fiscal_year_end", "fiscal_year_end"),
            from_list(L::Clients, "business_number", "business_number"),
            own("notes", "Notes", "Notes", Text, "notes", vec![]),
            // Codes or names in either language, `;` between them.
            from_list(L::Clients, "tags", "tags"),
        ],
        ImportKind::Contacts => vec![
            from_list(L::Contacts, "key", "key"),
            from_list(L::Contacts, "name", "data.file_as"),
            from_list(L::Contacts, "first_name", "data.first_name"),
            from_list(L::Contacts, "last_name", "data.last_name"),
            from_list(L::Contacts, "company", "data.company"),
            from_list(L::Contacts, "title", "data.title"),
            from_list(L::Contacts, "phone", "data.phones[0].number"),
            from_list(L::Contacts, "email", "data.emails[0].address"),
            from_list(L::Contacts, "city", "data.address.city"),
            from_list(L::Contacts, "language", "data.language"),
            own("notes", "Notes", "Notes", Text, "data.notes", vec![]),
            from_list(L::Contacts, "tags", "data.tags"),
        ],
        ImportKind::Links => vec![
            own("client", "Client", "Client", Text, "client_code", vec![]),
            own("contact", "Personne-ressource", "Contact", Text, "contact_key", vec![]),
            own(
                "role",
                "Rôle",
                "Role",
                Text,
                "role",
                vec![
                    v("primary", "Principal", "Primary"),
                    v("preferred", "Préféré", "Preferred"),
                    v("billing", "Facturation", "Billing"),
                    v("additional", "Autre", "Additional"),
                ],
            ),
        ],
        ImportKind::Interactions => vec![
            from_list(L::Interactions, "when", "data.occurred_at"),
            from_list(L::Interactions, "kind", "data.kind"),
            from_list(L::Interactions, "subject", "data.subject"),
            from_list(L::Interactions, "client", "client_code"),
            // The export's own columns for the same (a name can repeat; a
            // code and initials cannot): what a round trip reads back.
            from_list(L::Interactions, "client_code", "client_code"),
            from_list(L::Interactions, "contact", "contact_key"),
            from_list(L::Interactions, "contact_key", "contact_key"),
            own("contact_email", "Courriel de la personne-ressource", "Contact e-mail", Text, "contact_email", vec![]),
            from_list(L::Interactions, "staff", "staff_initials"),
            from_list(L::Interactions, "staff_initials", "staff_initials"),
            from_list(L::Interactions, "direction", "data.direction"),
            from_list(L::Interactions, "duration", "data.duration_secs"),
            from_list(L::Interactions, "phone", "data.phone"),
            from_list(L::Interactions, "body", "data.body"),
        ],
        // The transfers list's own columns (what its export writes), plus
        // the message and the files' names.
        ImportKind::Transfers => vec![
            from_list(L::Transfers, "sent", "data.sent_at"),
            from_list(L::Transfers, "status", "data.status"),
            from_list(L::Transfers, "direction", "data.direction"),
            from_list(L::Transfers, "subject", "data.subject"),
            from_list(L::Transfers, "client_code", "client_code"),
            from_list(L::Transfers, "contact_key", "contact_key"),
            own("contact_email", "Courriel de la personne-ressource", "Contact e-mail", Text, "contact_email", vec![]),
            from_list(L::Transfers, "staff_initials", "staff_initials"),
            from_list(L::Transfers, "file_names", "data.files"),
            // Paired with the names by position (`clientele-io` joins them).
            from_list(L::Transfers, "file_sizes", "file_sizes"),
            from_list(L::Transfers, "expires", "data.expires_at"),
            from_list(L::Transfers, "closed", "data.closed_at"),
            from_list(L::Transfers, "signature", "data.signature_required"),
            from_list(L::Transfers, "message", "data.message"),
        ],
    }
}
