//! Text keys used by storage: folded (case- and accent-insensitive) forms.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercase, accents stripped, ligatures expanded, apostrophes and dashes
/// made ASCII: "Hélène D’Amours-Côté" → "helene d'amours-cote".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' => out.push('\''),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' => out.push('-'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The uniqueness key of a client code: folded, trimmed, inner spaces
/// collapsed.
pub fn code_key(code: &str) -> String {
    fold(code).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Only the digits of a phone number.
pub fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_french_names() {
        assert_eq!(fold("Hélène"), "helene");
        assert_eq!(fold("D’Amours"), "d'amours");
        assert_eq!(fold("CÔTÉ"), "cote");
        assert_eq!(fold("Jean\u{2011}François"), "jean-francois");
        assert_eq!(fold("He\u{301}le\u{300}ne"), "helene");
        assert_eq!(fold("Œuvre"), "oeuvre");
    }

    #[test]
    fn code_keys_ignore_case_accents_and_spacing() {
        assert_eq!(code_key("  Écol  01 "), code_key("ecol 01"));
        assert_ne!(code_key("ECOL01"), code_key("ECOL 01"));
    }

    #[test]
    fn digits_of_phone_numbers() {
        assert_eq!(digits("(514) 555-0199 poste 12"), "514555019912");
    }
}
