//! French messages of the errors the engine writes in a fixed form, for
//! firms whose configured `language` is `fr` ([`crate::Error::body_in`]).
//! Validation refusals are matched by their code and English wording
//! ([`REFUSALS`]: every refusal of the record checks, tags, roles, custom
//! fields, merges, history and `list.count_by`); free texts (filter,
//! storage and configuration messages, a refusal missing from the table)
//! keep the words they were written with.

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
        "use" => "utiliser",
        crate::ops::import::CREATE_TAGS => {
            "options.create_tags (les étiquettes sont créées par l'application hôte, ou par un administrateur du \
             cabinet : tous les droits, tous les bureaux)"
        }
        "reach" => "atteindre",
        "render" => "afficher",
        "run" => "exécuter",
        "write through" => "écrire par",
        "clients of this office" => "les clients de ce bureau",
        "contacts linked to clients of other offices" => {
            "les personnes-ressources liées à des clients d'autres bureaux"
        }
        "records outside the client of this dashboard" => "des dossiers hors du client de ce tableau de bord",
        "client-management reads (make them as a staff member)" => {
            "les lectures de la gestion de la clientèle (faites-les en tant qu'employé)"
        }
        "client-management writes (make them as a staff member)" => {
            "les écritures de la gestion de la clientèle (faites-les en tant qu'employé)"
        }
        "dashboards (a staff member views them)" => "les tableaux de bord (un employé les consulte)",
        "a dashboard (portlets read only)" => "un tableau de bord (les portlets ne font que lire)",
        "this read (it is not the client's)" => "cette lecture (elle n'est pas celle du client)",
        other => other,
    }
}

/// The French message of `e`, when the engine writes it in a fixed form.
pub(crate) fn message(e: &Error) -> Option<String> {
    Some(match e {
        Error::NotLicensed => "le cabinet n'a pas de licence pour le module de gestion de la clientèle".into(),
        Error::Forbidden { actor, action, entity } => {
            format!("interdit : {} ne peut pas {} {}", who(actor), word(action), word(entity))
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
        Error::Validation { field, code, message } => {
            return standard_field(field, code, message).or_else(|| refusal(field, code, message));
        }
        Error::BadRequest { message, .. } => match message.as_str() {
            "invalid cursor (pass back next_cursor unchanged)" => {
                "curseur invalide (renvoyez next_cursor tel quel)".into()
            }
            _ => return None,
        },
        _ => return None,
    })
}

/// Validation refusals: (code, English wording, French wording). `{}` in
/// the English wording stands for a value (a code, a number, a list), given
/// back in order where the French wording has `{}`. The message is
/// `field : French` as the English one is `field: English`.
pub(crate) const REFUSALS: &[(&str, &str, &str)] = &[
    // Any text field.
    ("required", "is required", "est obligatoire"),
    ("too_long", "is longer than {} characters", "dépasse {} caractères"),
    ("control_character", "contains a control character", "contient un caractère de contrôle"),
    ("too_many", "has more than {} entries", "a plus de {} éléments"),
    ("reserved", "is set by the engine", "est fixé par le moteur"),
    ("reserved", "transfer events cannot be edited", "les événements de transfert ne se modifient pas"),
    (
        "reserved",
        "transfer events are part of the transfer's record",
        "les événements de transfert font partie du dossier du transfert",
    ),
    // Contact details, records and files (`validate.rs`).
    ("email", "'{}' is not a valid e-mail address", "« {} » n'est pas une adresse courriel valide"),
    (
        "phone",
        "'{}' is not a valid phone number (7 to 15 digits, optional extension)",
        "« {} » n'est pas un numéro de téléphone valide (de 7 à 15 chiffres, poste facultatif)",
    ),
    ("two_primaries", "only one phone can be primary", "un seul téléphone peut être principal"),
    ("two_primaries", "only one e-mail can be primary", "un seul courriel peut être principal"),
    ("too_many", "has more than 100 addresses", "a plus de 100 adresses"),
    ("too_many", "has more than 200 files", "a plus de 200 fichiers"),
    (
        "required",
        "a contact needs a first name, a last name or a company",
        "une personne-ressource a besoin d'un prénom, d'un nom ou d'une entreprise",
    ),
    (
        "required",
        "an interaction concerns a client, a contact or both",
        "une interaction concerne un client, une personne-ressource ou les deux",
    ),
    ("required", "a follow-up names the staff member who must act", "un suivi nomme l'employé qui doit agir"),
    ("not_for_kind", "does not apply to a {}", "ne s'applique pas au type {}"),
    ("out_of_range", "must be between 0 and 86400 seconds", "doit être entre 0 et 86400 secondes"),
    ("out_of_range", "cannot be negative", "ne peut pas être négatif"),
    (
        "reserved",
        "transfer events are recorded by the engine",
        "les événements de transfert sont enregistrés par le moteur",
    ),
    ("not_for_kind", "a request for files carries no files", "une demande de fichiers ne porte pas de fichiers"),
    ("invalid_value", "a file name has no path", "un nom de fichier n'a pas de chemin"),
    (
        "invalid_value",
        "a role code is [a-z][a-z0-9_]*, at most 40 characters",
        "un code de rôle suit [a-z][a-z0-9_]*, 40 caractères au plus",
    ),
    ("duplicate", "staff member {} already has the role `{}`", "l'employé {} a déjà le rôle `{}`"),
    // The trash.
    (
        "parent_in_trash",
        "its client {} is in the trash: restore the client first",
        "son client {} est dans la corbeille : restaurez d'abord le client",
    ),
    (
        "parent_in_trash",
        "its contact {} is in the trash: restore the contact first",
        "sa personne-ressource {} est dans la corbeille : restaurez d'abord la personne-ressource",
    ),
    (
        "parent_in_trash",
        "a transfer of this client went to contact {}, which is in the trash: restore it first",
        "un transfert de ce client est allé à la personne-ressource {}, qui est dans la corbeille : restaurez-la d'abord",
    ),
    (
        "in_use",
        "{} file transfer(s) still name this contact: delete and purge them first",
        "{} transfert(s) de fichiers nomment encore cette personne-ressource : supprimez-les et purgez-les d'abord",
    ),
    (
        "in_use",
        "file transfers of clients you do not see still name this contact: it cannot be purged",
        "des transferts de fichiers de clients que vous ne voyez pas nomment encore cette personne-ressource : elle ne peut pas être purgée",
    ),
    // Custom fields.
    ("unknown_field", "no custom field '{}' is defined for {}", "aucun champ personnalisé « {} » n'est défini pour {}"),
    ("invalid_value", "expects a text", "attend un texte"),
    ("invalid_value", "expects a number", "attend un nombre"),
    ("invalid_value", "expects a date YYYY-MM-DD", "attend une date AAAA-MM-JJ"),
    ("invalid_value", "expects true or false", "attend true ou false"),
    ("invalid_value", "expects one of {}", "attend une valeur parmi {}"),
    (
        "invalid_key",
        "must match [a-z][a-z0-9_]* (40 characters at most)",
        "doit suivre [a-z][a-z0-9_]* (40 caractères au plus)",
    ),
    (
        "required",
        "an interaction field names its interaction kind",
        "un champ d'interaction nomme son type d'interaction",
    ),
    (
        "reserved",
        "transfer events take no custom fields",
        "les événements de transfert n'ont pas de champs personnalisés",
    ),
    ("not_for_kind", "only interaction fields have a kind", "seuls les champs d'interaction ont un type"),
    ("required", "a choice field needs choices", "un champ à choix a besoin de choix"),
    ("not_for_kind", "only a choice field has choices", "seul un champ à choix a des choix"),
    // Tags.
    (
        "invalid_value",
        "a tag code is [a-z][a-z0-9_-]*, at most 40 characters",
        "un code d'étiquette suit [a-z][a-z0-9_-]*, 40 caractères au plus",
    ),
    (
        "invalid_value",
        "a colour is #rrggbb (six hexadecimal digits)",
        "une couleur s'écrit #rrggbb (six chiffres hexadécimaux)",
    ),
    ("unknown_tag", "no tag `{}`; tags: {}", "aucune étiquette `{}` ; étiquettes : {}"),
    ("unknown_tag", "no tag `{}`", "aucune étiquette `{}`"),
    (
        "ambiguous",
        "`{}` already names the tag `{}` (codes and names of tags are unique, folded)",
        "`{}` nomme déjà l'étiquette `{}` (les codes et les noms d'étiquettes sont uniques, sans égard aux majuscules ni aux accents)",
    ),
    (
        "in_use",
        "the tag `{}` is on {} client(s) and {} contact(s) (the trash included); take it off them first",
        "l'étiquette `{}` est sur {} client(s) et {} personne(s)-ressource(s) (corbeille comprise) : retirez-la d'abord",
    ),
    // Roles of people in charge (staff_role.delete).
    ("unknown_role", "no role `{}`", "aucun rôle `{}`"),
    (
        "builtin",
        "the role `{}` is built in: it can be renamed, not deleted",
        "le rôle `{}` est prédéfini : il peut être renommé, pas supprimé",
    ),
    (
        "in_use",
        "the role `{}` is used by {} assignment(s) (the trash included); unassign them first",
        "le rôle `{}` est utilisé par {} affectation(s) (corbeille comprise) : retirez-les d'abord",
    ),
    // Merges.
    (
        "same_record",
        "a record cannot be merged into itself",
        "un enregistrement ne peut pas être fusionné avec lui-même",
    ),
    (
        "merge_role_conflict",
        "contact {} is linked to both clients, as {} and as {}: say which role stays (rules.roles: keep or merged)",
        "la personne-ressource {} est liée aux deux clients, comme {} et comme {} : dites quel rôle reste (rules.roles : keep ou merged)",
    ),
    (
        "merge_role_conflict",
        "both contacts are linked to client {}, as {} and as {}: say which role stays (rules.roles: keep or merged)",
        "les deux personnes-ressources sont liées au client {}, comme {} et comme {} : dites quel rôle reste (rules.roles : keep ou merged)",
    ),
    (
        "merge_primary_conflict",
        "both clients have a primary contact ({} and {}): say which stays primary (rules.primary: keep or merged)",
        "les deux clients ont une personne-ressource principale ({} et {}) : dites laquelle reste principale (rules.primary : keep ou merged)",
    ),
    (
        "parent_in_trash",
        "the client {} this record was merged into is in the trash: restore it first",
        "le client {} auquel cet enregistrement a été fusionné est dans la corbeille : restaurez-le d'abord",
    ),
    (
        "parent_in_trash",
        "the contact {} this record was merged into is in the trash: restore it first",
        "la personne-ressource {} à laquelle cet enregistrement a été fusionné est dans la corbeille : restaurez-la d'abord",
    ),
    // History and timeline.
    ("out_of_range", "give a limit from 1 to 500", "donnez une limite de 1 à 500"),
    (
        "not_with_sort",
        "changes merge into the timeline's own order only: no sort, no search",
        "les modifications ne se mêlent qu'à l'ordre propre de la chronologie : ni tri, ni recherche",
    ),
    // list.count_by.
    ("out_of_range", "limit must be between 1 and {}, not {}", "la limite doit être entre 1 et {}, pas {}"),
    ("too_many", "at most {} fields to group by, not {}", "au plus {} champs de regroupement, pas {}"),
    ("required", "group by at least one field or by periods", "regroupez par au moins un champ ou par périodes"),
    ("out_of_range", "days must be between 1 and 366", "les jours doivent être entre 1 et 366"),
    ("out_of_range", "count must be between 1 and {}", "le nombre doit être entre 1 et {}"),
    ("out_of_range", "the periods run past the last date there is", "les périodes dépassent la dernière date possible"),
    ("unknown_field", "{} has no field {}", "la liste {} n'a pas de champ {}"),
    (
        "not_groupable",
        "{} is not a choice field: only choice fields group",
        "{} n'est pas un champ à choix : seuls les champs à choix se regroupent",
    ),
    ("not_groupable", "{} has no choices", "{} n'a pas de choix"),
    ("not_groupable", "{} is not a date and time field", "{} n'est pas un champ de date et d'heure"),
];

/// The values a template with `{}` holes reads in `text`, if it reads it
/// whole (each hole takes the shortest text before the next fixed part;
/// the last one takes the rest).
fn holes<'a>(template: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let mut parts = template.split("{}");
    let mut rest = text.strip_prefix(parts.next()?)?;
    let mut values = Vec::new();
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        let at = if i + 1 == parts.len() {
            rest.len().checked_sub(part.len()).filter(|&n| rest[n..] == **part && rest.is_char_boundary(n))?
        } else {
            rest.find(part)?
        };
        values.push(&rest[..at]);
        rest = &rest[at + part.len()..];
    }
    rest.is_empty().then_some(values)
}

/// The French of a validation refusal of [`REFUSALS`].
fn refusal(field: &str, code: &str, message: &str) -> Option<String> {
    REFUSALS.iter().filter(|(c, _, _)| *c == code).find_map(|(_, en, fr)| {
        let values = holes(en, message)?;
        let mut out = String::new();
        let mut values = values.into_iter();
        for (i, piece) in fr.split("{}").enumerate() {
            if i > 0 {
                out.push_str(values.next().unwrap_or_default());
            }
            out.push_str(piece);
        }
        Some(format!("{field} : {out}"))
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

/// The French of the actor a refusal names (`staff 3 (Name)`, `host`, `the
/// dashboard of client 7`); an unknown form stays as written.
fn who(actor: &str) -> String {
    if let Some(rest) = actor.strip_prefix("staff ") {
        return format!("l'employé {rest}");
    }
    if let Some(rest) = actor.strip_prefix("the dashboard of client ") {
        return format!("le tableau de bord du client {rest}");
    }
    match actor {
        "host" => "l'application hôte".into(),
        other => other.into(),
    }
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
        assert_eq!(e.body_in("fr").message, "name : est obligatoire");
        let e = Error::validation("name", "free", "a free text");
        assert_eq!(e.body_in("fr").message, e.body().message);
        for e in [Error::NotLicensed, Error::Canceled] {
            assert_ne!(e.body_in("fr").message, e.body().message);
        }
    }

    #[test]
    fn every_refusal_of_the_table_reads_in_french_with_its_values() {
        let fill = |template: &str| {
            let mut n = 0;
            template
                .split("{}")
                .enumerate()
                .map(|(i, piece)| {
                    if i > 0 {
                        n += 1;
                        format!("V{n}{piece}")
                    } else {
                        piece.to_string()
                    }
                })
                .collect::<String>()
        };
        for (code, en, fr) in REFUSALS {
            let e = Error::validation("champ", code, fill(en));
            assert_eq!(e.body_in("fr").message, format!("champ : {}", fill(fr)), "{en}");
            assert_eq!(en.matches("{}").count(), fr.matches("{}").count(), "{en}");
        }
        // A wording not in the table keeps its words.
        let e = Error::validation("champ", "required", "is required by the firm");
        assert_eq!(e.body_in("fr").message, e.body().message);
        let e =
            Error::Forbidden { actor: "host".into(), action: "run", entity: "dashboards (a staff member views them)" };
        assert_eq!(
            e.body_in("fr").message,
            "interdit : l'application hôte ne peut pas exécuter les tableaux de bord (un employé les consulte)"
        );
    }
}
