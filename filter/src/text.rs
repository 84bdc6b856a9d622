//! Text normalisation shared by the engine (indexing, SQL parameters) and the
//! reference evaluator. Every function is pure and total (never panics).
//!
//! * [`fold`]: lowercase, Unicode NFD, combining marks dropped, `œ`→`oe`,
//!   `æ`→`ae`, `ß`→`ss`, apostrophe variants (`’ ‘ ʼ ′ '`) → `'`, hyphen and dash
//!   variants (`‐ ‑ ‒ – — ― −`) → `-`. Everything else (digits, punctuation,
//!   emoji) is kept; note that variation selectors such as U+FE0F are
//!   combining marks and are therefore dropped (`"❤️"` → `"❤"`).
//! * [`digits`]: ASCII digits only, full-width digits mapped first.
//! * [`search_words`]: words of the folded text, plus joined forms of
//!   apostrophe/hyphen compounds.
//! * [`like_escape`]: escapes `\`, `%`, `_` for `LIKE ... ESCAPE '\'`.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for accent- and case-insensitive comparison.
///
/// `fold("Hélène")` = `"helene"`, `fold("Côté")` = `"cote"`,
/// `fold("He\u{301}le\u{300}ne")` = `"helene"`, `fold("Œuvre")` = `"oeuvre"`,
/// `fold("D’Amours")` = `"d'amours"`, `fold("Jean–François")` = `"jean-francois"`.
///
/// Steps, in order: Unicode lowercase (full mapping), NFD, drop every
/// combining mark (general categories Mn, Mc, Me), then map `œ`→`oe`,
/// `æ`→`ae`, `ß`→`ss` and the apostrophe/dash variants to ASCII.
/// The result is idempotent: `fold(fold(s)) == fold(s)`.
pub fn fold(s: &str) -> String {
    let lower: String = s.chars().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(lower.len());
    for c in lower.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' | 'ẞ' => out.push_str("ss"),
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' | '\'' => out.push('\''),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => out.push('-'),
            c => out.push(c),
        }
    }
    out
}

/// Keeps only the digits of `s`, mapping full-width digits (`０`–`９`) to ASCII
/// first: `digits("+1 (514) ５５５-0199")` = `"15145550199"`.
pub fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + '0' as u32),
            _ => None,
        })
        .collect()
}

/// Splits text into folded search words.
///
/// The text is [`fold`]ed, then cut into chunks at every character that is
/// neither alphanumeric nor `'` nor `-`. Each chunk is split at `'` and `-`
/// into words (empty pieces dropped), which are emitted in order; when a chunk
/// has two or more words, their concatenation is emitted right after them.
/// No deduplication is done.
///
/// `search_words("D'Amours")` = `["d", "amours", "damours"]`,
/// `search_words("Jean-François Côté")` = `["jean", "francois", "jeanfrancois", "cote"]`.
pub fn search_words(s: &str) -> Vec<String> {
    let folded = fold(s);
    let mut out = Vec::new();
    for chunk in folded.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-')) {
        let parts: Vec<&str> = chunk.split(['\'', '-']).filter(|p| !p.is_empty()).collect();
        for p in &parts {
            out.push((*p).to_string());
        }
        if parts.len() > 1 {
            out.push(parts.concat());
        }
    }
    out
}

/// Escapes `\`, `%` and `_` with a backslash, for `LIKE ? ESCAPE '\'`:
/// `like_escape("50%_a\\b")` = `"50\\%\\_a\\\\b"`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_accents_and_case() {
        assert_eq!(fold("Hélène"), "helene");
        assert_eq!(fold("Côté"), "cote");
        assert_eq!(fold("He\u{301}le\u{300}ne"), "helene");
        assert_eq!(fold("ÉCOLE"), "ecole");
        assert_eq!(fold("Trois-Rivières"), "trois-rivieres");
        assert_eq!(fold("Ça"), "ca");
        assert_eq!(fold("İstanbul"), "istanbul");
    }

    #[test]
    fn fold_ligatures() {
        assert_eq!(fold("Œuvre"), "oeuvre");
        assert_eq!(fold("cœur"), "coeur");
        assert_eq!(fold("Æsop"), "aesop");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRAẞE"), "strasse");
    }

    #[test]
    fn fold_quotes_and_dashes() {
        assert_eq!(fold("D’Amours"), "d'amours");
        assert_eq!(fold("D‘Amours"), "d'amours");
        assert_eq!(fold("Dʼamours"), "d'amours");
        assert_eq!(fold("D'Amours"), "d'amours");
        for d in ['\u{2010}', '\u{2011}', '\u{2013}', '\u{2014}', '-'] {
            assert_eq!(fold(&format!("Jean{d}François")), "jean-francois");
        }
        assert_eq!(fold("\"quoted\""), "\"quoted\"");
    }

    #[test]
    fn fold_keeps_emoji_and_others() {
        assert_eq!(fold("Café 🎉"), "cafe 🎉");
        assert_eq!(fold("👍🏽"), "👍🏽");
        assert_eq!(fold("❤️"), "❤");
        assert_eq!(fold("50%_x\\"), "50%_x\\");
        assert_eq!(fold(""), "");
        assert_eq!(fold("日本語"), "日本語");
        assert_eq!(fold("'; DROP TABLE clients;--"), "'; drop table clients;--");
    }

    #[test]
    fn fold_idempotent() {
        for s in ["Hélène", "STRAẞE", "İ", "Œ", "ǅ", "ﬁ", "He\u{301}", "ᾈ", "👨‍👩‍👧"] {
            let f = fold(s);
            assert_eq!(fold(&f), f, "{s}");
        }
    }

    #[test]
    fn digits_only() {
        assert_eq!(digits("+1 (514) 555-0199"), "15145550199");
        assert_eq!(digits("５１４"), "514");
        assert_eq!(digits("abc"), "");
        assert_eq!(digits("٣"), "");
        assert_eq!(digits("☎ 819‑555‑0000 🎉"), "8195550000");
    }

    #[test]
    fn words() {
        assert_eq!(search_words("D'Amours"), ["d", "amours", "damours"]);
        assert_eq!(search_words("D’Amours"), ["d", "amours", "damours"]);
        assert_eq!(search_words("Jean-François"), ["jean", "francois", "jeanfrancois"]);
        assert_eq!(
            search_words("Jean–François Côté, Trois-Rivières"),
            ["jean", "francois", "jeanfrancois", "cote", "trois", "rivieres", "troisrivieres"]
        );
        assert_eq!(search_words("  hello   world "), ["hello", "world"]);
        assert_eq!(search_words("'quoted' -x- --"), ["quoted", "x"]);
        assert_eq!(search_words("🎉 party 🎉"), ["party"]);
        assert_eq!(search_words("a_b%c"), ["a", "b", "c"]);
        assert_eq!(search_words("He\u{301}le\u{300}ne"), ["helene"]);
        assert_eq!(search_words("aujourd'hui-même"), ["aujourd", "hui", "meme", "aujourdhuimeme"]);
        assert!(search_words("").is_empty());
        assert_eq!(search_words("'; DROP TABLE clients;--"), ["drop", "table", "clients"]);
    }

    #[test]
    fn like_escaping() {
        assert_eq!(like_escape("50%"), "50\\%");
        assert_eq!(like_escape("a_b"), "a\\_b");
        assert_eq!(like_escape("a\\b"), "a\\\\b");
        assert_eq!(like_escape("plain é 🎉"), "plain é 🎉");
        assert_eq!(like_escape("%_\\"), "\\%\\_\\\\");
    }
}
