//! Headers to columns, by the engine's import catalogue
//! ([`clientele_core::query::import_columns`]): a header is a column's id,
//! its French or English label, or a word that label begins or ends with
//! (`Code` → "Code client", `Courriel` → "Courriel principal", `E-mail` →
//! "Primary e-mail"; the first such column in catalogue order), case and
//! accents ignored; a custom field's column is also named by its key
//! alone (`dossier` for `custom.dossier`); an explicit mapping
//! (header → column id, `""` to ignore the column) comes first.

use std::collections::BTreeMap;

use clientele_core::Error;
use clientele_core::query::import_columns::ImportColumn;
use clientele_core::text::fold;

/// The column each header names (`None`: ignored by the mapping).
pub fn match_headers(
    headers: &[String],
    catalogue: &[ImportColumn],
    mapping: &BTreeMap<String, String>,
) -> Result<Vec<Option<usize>>, Error> {
    let mapping: BTreeMap<String, &String> = mapping.iter().map(|(k, v)| (fold(k.trim()), v)).collect();
    let mut out = Vec::with_capacity(headers.len());
    for h in headers {
        let f = fold(h.trim());
        let found = match mapping.get(&f) {
            Some(id) if id.is_empty() => None,
            Some(id) => Some(catalogue.iter().position(|c| &c.column.id == *id).ok_or_else(|| {
                Error::Validation {
                    field: "mapping".into(),
                    code: "invalid_value",
                    message: format!("'{h}' is mapped to '{id}', which is no column of this import ({})", ids(catalogue)),
                }
            })?),
            None => Some(by_label(&f, catalogue).ok_or_else(|| Error::Validation {
                field: "headers".into(),
                code: "invalid_value",
                message: format!(
                    "the header '{h}' names no column of this import: use one of {} (French or English labels), or map it",
                    labels(catalogue)
                ),
            })?),
        };
        if let Some(i) = found
            && out.contains(&Some(i))
        {
            return Err(Error::Validation {
                field: "headers".into(),
                code: "invalid_value",
                message: format!(
                    "two headers name the column '{}' (the second is '{h}')",
                    catalogue[i].column.label_en
                ),
            });
        }
        out.push(found);
    }
    Ok(out)
}

fn by_label(f: &str, catalogue: &[ImportColumn]) -> Option<usize> {
    // A custom field's column is also named by its bare key (`dossier`
    // for `custom.dossier`), after every built-in column.
    let exact = catalogue
        .iter()
        .position(|c| fold(&c.column.id) == f || fold(&c.column.label_fr) == f || fold(&c.column.label_en) == f)
        .or_else(|| catalogue.iter().position(|c| c.column.id.strip_prefix("custom.").is_some_and(|k| fold(k) == f)));
    if exact.is_some() || f.is_empty() {
        return exact;
    }
    // The first column in catalogue order: `Code` is the client's code,
    // not its postal code.
    (0..catalogue.len()).find(|&i| {
        let c = &catalogue[i].column;
        [&c.label_fr, &c.label_en].iter().any(|l| {
            let l = fold(l);
            l.starts_with(&format!("{f} ")) || l.ends_with(&format!(" {f}"))
        })
    })
}

fn ids(catalogue: &[ImportColumn]) -> String {
    catalogue.iter().map(|c| c.column.id.as_str()).collect::<Vec<_>>().join(", ")
}

fn labels(catalogue: &[ImportColumn]) -> String {
    catalogue.iter().map(|c| format!("{} / {}", c.column.label_fr, c.column.label_en)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_core::query::import_columns::{ImportKind, import_catalogue};

    fn ids_of(headers: &[&str], kind: ImportKind) -> Vec<Option<String>> {
        let cat = import_catalogue(kind);
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        match_headers(&h, &cat, &BTreeMap::new())
            .unwrap()
            .into_iter()
            .map(|i| i.map(|i| cat[i].column.id.clone()))
            .collect()
    }

    #[test]
    fn french_and_english_headers() {
        let fr = ids_of(&["Code", "Nom", "Courriel", "Téléphone", "Ville", "Statut"], ImportKind::Clients);
        let en = ids_of(&["Client ID", "name", "E-mail", "PHONE", "City", "Status"], ImportKind::Clients);
        assert_eq!(fr, en);
        assert_eq!(fr[0].as_deref(), Some("code"));
        assert_eq!(fr[2].as_deref(), Some("email"));
        let c = ids_of(&["Clé", "Prénom", "Nom", "Courriel"], ImportKind::Contacts);
        assert_eq!(c, ids_of(&["Key", "First name", "Last name", "E-mail"], ImportKind::Contacts));
        assert_eq!(c[2].as_deref(), Some("last_name"));
    }

    #[test]
    fn unknown_and_mapped_headers() {
        let cat = import_catalogue(ImportKind::Clients);
        let h = vec!["Numéro de dossier".to_string(), "Raison sociale".to_string(), "Divers".to_string()];
        assert_eq!(match_headers(&h, &cat, &BTreeMap::new()).unwrap_err().code(), "validation");
        let m: BTreeMap<String, String> = [("numero de dossier", "code"), ("Raison sociale", "name"), ("Divers", "")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let got = match_headers(&h, &cat, &m).unwrap();
        assert_eq!(
            got.iter().map(|i| i.map(|i| cat[i].column.id.as_str())).collect::<Vec<_>>(),
            vec![Some("code"), Some("name"), None]
        );
    }
}
