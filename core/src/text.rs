//! Text keys used by storage, on top of the filter language's folding (one
//! definition of "case- and accent-insensitive" for keys, filters and
//! search).

pub use clientele_filter::text::{digits, fold, like_escape, search_words};

/// The uniqueness key of a client code: folded (case and accents ignored).
/// Codes are trimmed by validation before they get here.
pub fn code_key(code: &str) -> String {
    fold(code.trim())
}

/// The text the keyword index holds for a record: the search words of each
/// part, plus the digits of each phone number as one word (so "514555"
/// finds "(514) 555-0199").
pub fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>, phones: impl IntoIterator<Item = &'a str>) -> String {
    let mut words: Vec<String> = Vec::new();
    for p in parts {
        words.extend(search_words(p));
    }
    for p in phones {
        words.extend(search_words(p));
        let d = digits(p);
        if !d.is_empty() {
            words.push(d);
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_french_names() {
        assert_eq!(fold("Hélène"), "helene");
        assert_eq!(fold("D’Amours"), "d'amours");
        assert_eq!(fold("CÔTÉ"), "cote");
        assert_eq!(fold("He\u{301}le\u{300}ne"), "helene");
    }

    #[test]
    fn code_keys_ignore_case_and_accents() {
        assert_eq!(code_key("  Écol-01 "), code_key("ecol-01"));
        assert_ne!(code_key("ECOL01"), code_key("ECOL 01"));
    }

    #[test]
    fn search_text_has_joined_forms_and_phone_digits() {
        let t = search_text(["D'Amours, Hélène", "h.damours@exemple.ca"], ["(514) 555-0199"]);
        assert_eq!(t, "d amours damours helene h damours exemple ca 514 555 0199 5550199 5145550199");
    }
}
