//! A bad row's reason in French and English: the engine's errors speak
//! English; each reason code has its French sentence here.

use crate::error::Error;
use crate::protocol::RowError;

/// One bad row's problem, before it is placed on a line.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub column: String,
    pub code: &'static str,
    pub reason: Option<&'static str>,
    pub en: String,
    pub fr: String,
}

impl Problem {
    /// An import's own problem (unknown code, duplicate in the file...).
    pub(crate) fn new(column: &str, reason: &'static str, en: String, fr: String) -> Problem {
        Problem { column: column.to_string(), code: "validation", reason: Some(reason), en, fr }
    }

    /// A code, key, e-mail or initials that name nothing the actor sees.
    pub(crate) fn not_found(column: &str, en: String, fr: String) -> Problem {
        Problem { column: column.to_string(), code: "not_found", reason: None, en, fr }
    }

    /// A code or key already taken.
    pub(crate) fn duplicate(column: &str, en: String, fr: String) -> Problem {
        Problem { column: column.to_string(), code: "duplicate", reason: None, en, fr }
    }

    /// A problem from the engine's checks (validation, rights).
    pub(crate) fn from_error(e: &Error, column_if_none: &str) -> Problem {
        let column = e.field().unwrap_or(column_if_none).to_string();
        let (reason, fr) = match e {
            // The engine's French wording when it has one (with the value
            // and the limit), else the reason's.
            Error::Validation { code, .. } => match e.body_in("fr").message {
                fr if fr != e.to_string() => (Some(*code), fr),
                _ => (Some(*code), reason_fr(code, &column)),
            },
            Error::Duplicate { value, .. } => (None, format!("{column} : « {value} » est déjà utilisé")),
            Error::Forbidden { .. } => (None, "accès refusé : vos droits ou vos bureaux ne le permettent pas".into()),
            Error::NotFound { entity, id } => (None, format!("{} {id} introuvable", entity_fr(entity))),
            Error::Conflict { .. } => {
                (None, "l'enregistrement a été modifié par quelqu'un d'autre pendant l'importation".into())
            }
            _ => (None, format!("erreur : {e}")),
        };
        Problem { column, code: e.code(), reason, en: e.to_string(), fr }
    }

    pub(crate) fn at(self, row: usize, line: u64) -> RowError {
        RowError {
            row: row as u64 + 1,
            line,
            column: self.column,
            code: self.code.to_string(),
            reason: self.reason.map(str::to_string),
            message_fr: self.fr,
            message_en: self.en,
        }
    }
}

fn entity_fr(entity: &str) -> &'static str {
    match entity {
        "client" => "client",
        "contact" => "personne-ressource",
        "interaction" => "interaction",
        "file transfer" => "transfert de fichiers",
        _ => "enregistrement",
    }
}

fn reason_fr(code: &str, field: &str) -> String {
    let what = match code {
        "required" => "obligatoire",
        "too_long" => "trop long",
        "too_many" => "trop de valeurs",
        "control_character" => "contient un caractère de contrôle",
        "email" => "adresse courriel invalide",
        "phone" => "numéro de téléphone invalide",
        "invalid_value" => "valeur invalide",
        "invalid_key" => "clé invalide",
        "not_for_kind" => "ne s'applique pas à ce type d'interaction",
        "out_of_range" => "hors des limites permises",
        "reserved" => "réservé au moteur",
        "two_primaries" => "deux valeurs principales",
        "primary_taken" => "le client a déjà une personne-ressource principale",
        "not_linked" => "la personne-ressource n'est pas liée à ce client",
        "unknown_tag" => "étiquette inconnue",
        _ => "valeur refusée",
    };
    format!("{field} : {what}")
}
