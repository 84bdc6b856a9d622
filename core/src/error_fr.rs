//! French messages of the errors the engine writes in a fixed form, for
//! firms whose configured `language` is `fr` ([`crate::Error::body_in`]).
//! Free texts (validation details, filter, storage and configuration
//! messages) are not here: they keep the words they were written with.

use crate::error::Error;

/// The French word of an entity or action the engine names; unknown words
/// stay as they are.
fn word(w: &str) -> &str {
    match w {
        "client" => "le client",
        "contact" => "la personne-ressource",
        "interaction" => "l'interaction",
        "file transfer" => "le transfert de fichiers",
        "layout" => "la disposition",
        "saved view" => "la vue enregistrée",
        "staff member" => "l'employé",
        "tag" => "l'étiquette",
        "staff, roles, tags and custom fields (the host does)" => {
            "les employés, les rôles, les étiquettes et les champs personnalisés (l'application hôte le fait)"
        }
        "trash entry" => "l'entrée de corbeille",
        "link between this contact and client" => "le lien entre cette personne-ressource et ce client",
        "clients" => "les clients",
        "contacts" => "les personnes-ressources",
        "interactions" => "les interactions",
        "file transfers" => "les transferts de fichiers",
        "a layout it does not own" => "une disposition qui n'est pas la sienne",
        "a view it does not own" => "une vue qui n'est pas la sienne",
        "an inactive staff member" => "un employé inactif",
        "an unknown staff member" => "un employé inconnu",
        "view" => "voir",
        "add" => "ajouter",
        "edit" => "modifier",
        "delete" => "supprimer",
        "change" => "modifier",
        "act as" => "agir en tant que",
        "administer" => "administrer",
        "reach" => "atteindre",
        "render" => "afficher",
        "run" => "exécuter",
        "write through" => "écrire par",
        other => other,
    }
}

/// The French message of `e`, when the engine writes it in a fixed form.
pub(crate) fn message(e: &Error) -> Option<String> {
    Some(match e {
        Error::NotLicensed => "le cabinet n'a pas de licence pour le module de gestion de la clientèle".into(),
        Error::Forbidden { actor, action, entity } => {
            format!("interdit : {actor} ne peut pas {} {}", word(action), word(entity))
        }
        Error::NotFound { entity, id } => format!("{} {id} est introuvable", capitalised(word(entity))),
        Error::Duplicate { field, value, where_ } => format!("{field} « {value} » est déjà utilisé{}", holder(where_)),
        Error::Conflict { entity, id, expected, current } => format!(
            "{} {id} a été modifié par quelqu'un d'autre : vous avez modifié la version {expected}, \
             la version actuelle est {current}",
            capitalised(word(entity))
        ),
        Error::InvalidTransition { entity, from, to } => {
            format!("{} ne peut pas passer de {from} à {to}", capitalised(word(entity)))
        }
        Error::SchemaTooNew { database, engine } => format!(
            "le schéma de la base de données ({database}) est plus récent que ce que ce moteur comprend \
             ({engine}) : mettez le moteur à jour"
        ),
        Error::Canceled => "annulé : rien n'a été écrit".into(),
        Error::Timeout { what, after_ms } => format!("délai dépassé : {what} n'a pas fini en {after_ms} ms"),
        Error::Unavailable { message: why, .. } => format!("indisponible : {why}"),
        Error::Validation { field, code, message } => return standard_field(field, code, message),
        _ => return None,
    })
}

/// The French of the refusals of the standard Canadian fields (the value
/// is the one the English message quotes); other validation messages keep
/// their words.
fn standard_field(field: &str, code: &str, message: &str) -> Option<String> {
    let value = message.split('\'').nth(1).unwrap_or_default();
    let why = match code {
        "business_number" if message.ends_with("its check digit is wrong") => "son chiffre de contrôle est faux",
        "business_number" if message.contains("program account is two letters") => {
            "un compte de programme est fait de deux lettres et quatre chiffres, comme RT0001"
        }
        "business_number" => "9 chiffres sont attendus, suivis au besoin d'un compte de programme comme RT0001",
        "fiscal_year_end" => "un mois et un jour MM-JJ sont attendus (12-31)",
        _ => return None,
    };
    let what = match code {
        "business_number" => "un numéro d'entreprise (Numéro d'entreprise) valide",
        _ => "une fin d'exercice (Fin d'exercice) valide",
    };
    Some(format!("{field} : « {value} » n'est pas {what} : {why}"))
}

/// The French of a duplicate's holder (" by client 1"); an unknown form
/// stays as written.
fn holder(where_: &str) -> String {
    let client = |rest: &str| rest.parse::<i64>().ok();
    if let Some(rest) = where_.strip_prefix(" by client ") {
        if let Some((n, _)) = rest.split_once(", which is in the trash")
            && let Some(n) = client(n)
        {
            return format!(" par le client {n}, qui est dans la corbeille (restaurez-le ou purgez-le)");
        }
        if let Some(n) = client(rest) {
            return format!(" par le client {n}");
        }
    }
    if let Some(n) = where_.strip_prefix(" as a contact of client ").and_then(client) {
        return format!(" comme personne-ressource du client {n}");
    }
    match where_ {
        " by another client" => " par un autre client".into(),
        " by another firm default saved at the same time" => {
            " par une autre disposition par défaut du cabinet enregistrée au même moment".into()
        }
        ": another choice was saved at the same time" => " : un autre choix a été enregistré au même moment".into(),
        other => other.into(),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_messages_have_a_french_form_and_free_texts_keep_theirs() {
        let e = Error::NotFound { entity: "client", id: 9 };
        assert_eq!(e.body_in("fr").message, "Le client 9 est introuvable");
        assert_eq!(e.body_in("en").message, "client 9 not found");
        let e = Error::Duplicate { field: "code".into(), value: "damh01".into(), where_: " by client 1".into() };
        assert_eq!(e.body_in("fr").message, "code « damh01 » est déjà utilisé par le client 1");
        let e = Error::validation("name", "required", "is required");
        assert_eq!(e.body_in("fr").message, e.body().message);
        for e in [Error::NotLicensed, Error::Canceled] {
            assert_ne!(e.body_in("fr").message, e.body().message);
        }
    }
}
