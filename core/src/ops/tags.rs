//! The firm's tags (`tag.put`, `tag.delete`, `tag.list`) and the tags of
//! clients and contacts (`client.tag`, `contact.tag`, and the `tags` of
//! their creates, updates and imports).

use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::Done;
use crate::store;
use crate::text::fold;

/// The tag a reference names: its code, or its French or English name,
/// folded (case, accents, apostrophes), so `Urgent`, `urgent` and
/// `Très urgent` / `tres urgent` all find theirs.
pub(crate) fn find<'a>(tags: &'a [Tag], reference: &str) -> Option<&'a Tag> {
    let r = fold(reference.trim());
    tags.iter()
        .find(|t| t.code == reference.trim())
        .or_else(|| tags.iter().find(|t| fold(&t.code) == r || fold(&t.name_fr) == r || fold(&t.name_en) == r))
}

/// The references of `refs` that name a tag only once folded (another
/// case, other accents): each with the tag it names.
pub(crate) fn inexact<'a>(tags: &'a [Tag], refs: &'a [String]) -> Vec<(&'a str, &'a Tag)> {
    refs.iter()
        .filter_map(|r| {
            let t = find(tags, r)?;
            let r = r.trim();
            (t.code != r && t.name_fr != r && t.name_en != r).then_some((r, t))
        })
        .collect()
}

/// The warning of an import row that named `tag` as `reference`.
pub(crate) fn matched_warning(reference: &str, tag: &Tag) -> Warning {
    Warning::TagMatched(TagMatch {
        reference: reference.to_string(),
        tag: tag.code.clone(),
        message_fr: format!("« {reference} » a été lu comme l'étiquette existante « {} »", tag.name_fr),
        message_en: format!("'{reference}' was read as the existing tag '{}'", tag.name_en),
    })
}

/// Resolves a record's tag references to codes, sorted, without repeats;
/// an unknown one is `validation` (`unknown_tag`) naming `{prefix}tags[i]`.
pub(crate) fn resolve(tags: &[Tag], refs: &[String], prefix: &str) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        match find(tags, r) {
            Some(t) => out.push(t.code.clone()),
            None => {
                let codes: Vec<&str> = tags.iter().map(|t| t.code.as_str()).collect();
                return Err(Error::validation(
                    format!("{prefix}tags"),
                    "unknown_tag",
                    format!("no tag `{r}`; tags: {}", codes.join(", ")),
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The colour of the tags an import creates.
pub(crate) const CREATED_COLOUR: &str = "#e5e7eb";

/// A tag code made from a name: folded, every run of other characters
/// than letters and digits one `-`, a letter first, at most 40 characters.
fn code_from(name: &str) -> String {
    let folded = fold(name);
    let mut out = String::new();
    for w in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(w);
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "t-");
    }
    out.truncate(40);
    out.trim_end_matches('-').to_string()
}

/// Creates the tags of an import's batch that name none yet, in the order
/// of their codes (each from the first reference that names it): created
/// row by row, two imports naming new tags in different orders took the
/// tag index's locks in different orders, and PostgreSQL failed one of
/// them with a deadlock. In one order, the later waits for the first and
/// then finds the tag made.
pub(crate) fn create_missing<'a>(
    c: &mut store::Conn,
    all: &mut Vec<Tag>,
    refs: impl IntoIterator<Item = &'a String>,
) -> Result<()> {
    let mut missing: std::collections::BTreeMap<String, &String> = std::collections::BTreeMap::new();
    for r in refs {
        if find(all, r).is_none() {
            missing.entry(code_from(r)).or_insert(r);
        }
    }
    for r in missing.into_values() {
        resolve_creating(c, all, std::slice::from_ref(r))?;
    }
    Ok(())
}

/// Resolves tag references as [`resolve`], creating (with `all`, the
/// firm's tags read in this write transaction) a tag for each reference
/// that names none: an import's `create_tags`.
pub(crate) fn resolve_creating(c: &mut store::Conn, all: &mut Vec<Tag>, refs: &[String]) -> Result<Vec<String>> {
    for r in refs {
        if find(all, r).is_none() {
            let tag = Tag {
                code: code_from(r),
                name_fr: r.trim().to_string(),
                name_en: r.trim().to_string(),
                colour: CREATED_COLOUR.into(),
                version: 1,
            };
            // A code made from this name may already be another tag's.
            if !all.iter().any(|t| t.code == tag.code) {
                let tag = crate::validate::tag(&tag)?;
                store::tags::insert(c, &tag)?;
                all.push(tag);
            }
        }
    }
    let mut out: Vec<String> =
        refs.iter().map(|r| find(all, r).map_or_else(|| code_from(r), |t| t.code.clone())).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Refuses a tag whose name reads (folded) as another tag's code or name:
/// filters and imports find a tag by any of them, so each must name one.
fn check_names_free(tags: &[Tag], t: &Tag) -> Result<()> {
    for (field, name) in [("name_fr", &t.name_fr), ("name_en", &t.name_en), ("code", &t.code)] {
        if let Some(other) = tags
            .iter()
            .filter(|o| o.code != t.code)
            .find(|o| [&o.code, &o.name_fr, &o.name_en].iter().any(|n| fold(n) == fold(name)))
        {
            return Err(Error::validation(
                field,
                "ambiguous",
                format!("`{name}` already names the tag `{}` (codes and names of tags are unique, folded)", other.code),
            ));
        }
    }
    Ok(())
}

impl Engine {
    /// Host only: adds a tag (`version` 0) or changes the names and colour
    /// of one (`version` read: a stale one is a `conflict`). Answers every
    /// tag.
    pub(crate) fn tag_put(&self, tag: Tag) -> Result<Vec<Tag>> {
        let tag = crate::validate::tag(&tag)?;
        self.write(|c| {
            let all = store::tags::all(c)?;
            check_names_free(&all, &tag)?;
            let current = all.iter().find(|t| t.code == tag.code).map(|t| t.version);
            match (tag.version, current) {
                (0, None) => store::tags::insert(c, &tag)?,
                (0, Some(_)) => {
                    return Err(Error::Duplicate {
                        field: "code".into(),
                        value: tag.code.clone(),
                        where_: " by another tag (send its version to change it)".into(),
                    });
                }
                (_, None) => return Err(Error::validation("code", "unknown_tag", format!("no tag `{}`", tag.code))),
                (v, _) => {
                    super::check_version("tag", 0, v, current)?;
                    if !store::tags::update(c, &tag, v)? {
                        return Err(super::stale("tag", 0, v, store::tags::version_of(c, &tag.code)?));
                    }
                }
            }
            store::tags::all(c)
        })
    }

    /// Host only: deletes a tag no client or contact carries (in the trash
    /// too); one in use is refused (`validation`, `in_use`) with how many
    /// records carry it: take it off them first (`client.tag`,
    /// `contact.tag`), so a deletion never changes records silently.
    pub(crate) fn tag_delete(&self, code: String, version: i64) -> Result<Done> {
        self.write(|c| {
            let current = store::tags::version_of(c, &code)?;
            if current.is_none() {
                return Err(Error::validation("code", "unknown_tag", format!("no tag `{code}`")));
            }
            super::check_version("tag", 0, version, current)?;
            let (clients, contacts) = store::tags::uses(c, &code)?;
            if clients + contacts > 0 {
                return Err(Error::validation(
                    "code",
                    "in_use",
                    format!(
                        "the tag `{code}` is on {clients} client(s) and {contacts} contact(s) (the trash included); \
                         take it off them first"
                    ),
                ));
            }
            if !store::tags::delete(c, &code, version)? {
                return Err(super::stale("tag", 0, version, store::tags::version_of(c, &code)?));
            }
            Ok(Done { done: true })
        })
    }

    pub(crate) fn tag_list(&self) -> Result<Vec<Tag>> {
        self.read(store::tags::all)
    }

    /// Adds and removes tags of a client (codes or names), with the
    /// client's version; tags neither added nor removed stay.
    pub(crate) fn client_tag(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        add: Vec<String>,
        remove: Vec<String>,
    ) -> Result<Record<ClientData>> {
        let (add, remove) = (resolve(&who.tags, &add, "add.")?, resolve(&who.tags, &remove, "remove.")?);
        self.client_change(who, id, version, HistoryOp::Update, |data| {
            apply(&mut data.tags, add, &remove);
            Ok(())
        })
    }

    /// Adds and removes tags of a contact, as [`Engine::client_tag`].
    pub(crate) fn contact_tag(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        add: Vec<String>,
        remove: Vec<String>,
    ) -> Result<Record<ContactData>> {
        let (add, remove) = (resolve(&who.tags, &add, "add.")?, resolve(&who.tags, &remove, "remove.")?);
        who.require(Entity::Contacts, Action::Edit)?;
        self.contact_change(who, id, version, |data| {
            apply(&mut data.tags, add, &remove);
            Ok(())
        })
    }
}

/// The tags `add` joined to `current`, less those of `remove`.
fn apply(current: &mut Vec<String>, add: Vec<String>, remove: &[String]) {
    current.extend(add);
    current.retain(|t| !remove.contains(t));
    current.sort();
    current.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EngineConfig;
    use crate::store::Db;
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct Made {
        #[diesel(sql_type = diesel::sql_types::Text)]
        code: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name_fr: String,
    }

    /// An import's new tags are made in the order of their codes whatever
    /// the order rows name them in (SQLite's rowids tell the order of the
    /// inserts), each once, from the first reference naming it; a tag that
    /// exists is not made again.
    #[test]
    fn new_tags_are_made_in_code_order() {
        let db = Db::open(&EngineConfig::new(crate::store::test_db_path("tags-order"))).unwrap();
        let refs: Vec<String> =
            ["Zèbre", "Moyen", "zebre", "Alpha", "Existant", "MOYEN"].iter().map(|s| s.to_string()).collect();
        let made = db
            .write(|c| {
                let mut all = vec![Tag {
                    code: "existant".into(),
                    name_fr: "Existant".into(),
                    name_en: "Existing".into(),
                    colour: CREATED_COLOUR.into(),
                    version: 1,
                }];
                store::tags::insert(c, &all[0])?;
                create_missing(c, &mut all, &refs)?;
                assert_eq!(all.len(), 4, "each new tag once, the existing one not again");
                Ok(diesel::sql_query("SELECT code, name_fr FROM tags ORDER BY rowid").load::<Made>(c)?)
            })
            .unwrap();
        let made: Vec<(&str, &str)> = made.iter().map(|m| (m.code.as_str(), m.name_fr.as_str())).collect();
        assert_eq!(made, [("existant", "Existant"), ("alpha", "Alpha"), ("moyen", "Moyen"), ("zebre", "Zèbre")]);
    }
}
