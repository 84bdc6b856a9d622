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
    // Char by char: ASCII (most of a French text) needs only its case
    // lowered; anything else is lowered, canonically decomposed and its
    // marks dropped. The same as lowering the whole text and running NFD
    // over it: NFD only reorders characters of non-zero combining class,
    // every one of which is a mark, and marks are dropped (checked for
    // every character by `fold_matches_the_whole_text_nfd`). An import
    // folds every name, e-mail and keyword text: the whole-text NFD and its
    // two allocations were a tenth of its time.
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch.is_ascii() {
            out.push(ch.to_ascii_lowercase());
            continue;
        }
        for lower in ch.to_lowercase() {
            unicode_normalization::char::decompose_canonical(lower, |c| push_folded(&mut out, c));
        }
    }
    out
}

/// One character of a decomposed, lowered text, as [`fold`] keeps it.
fn push_folded(out: &mut String, c: char) {
    if is_combining_mark(c) {
        return;
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
    let mut out = Vec::new();
    for_each_search_word(s, |w| out.push(w.to_string()));
    out
}

/// Calls `f` with each of [`search_words`]`(s)`, in order, without
/// allocating a string per word (what a keyword text of many records is
/// built from).
pub fn for_each_search_word(s: &str, mut f: impl FnMut(&str)) {
    let folded = fold(s);
    let mut parts: Vec<&str> = Vec::new();
    let mut joined = String::new();
    for chunk in folded.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-')) {
        parts.clear();
        parts.extend(chunk.split(['\'', '-']).filter(|p| !p.is_empty()));
        for p in &parts {
            f(p);
        }
        if parts.len() > 1 {
            joined.clear();
            parts.iter().for_each(|p| joined.push_str(p));
            f(&joined);
        }
    }
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
    use unicode_normalization::UnicodeNormalization;

    /// `fold` as first written: the whole text lowered, then NFD.
    fn fold_reference(s: &str) -> String {
        let lower: String = s.chars().flat_map(char::to_lowercase).collect();
        let mut out = String::with_capacity(lower.len());
        for c in lower.nfd() {
            push_folded(&mut out, c);
        }
        out
    }

    #[test]
    fn fold_matches_the_whole_text_nfd() {
        // Every character of non-zero combining class is a mark (so the
        // reordering NFD does never moves a character fold keeps), and
        // every character folds alone as the reference folds it.
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if unicode_normalization::char::canonical_combining_class(c) != 0 {
                assert!(is_combining_mark(c), "{:04X} has a combining class but is not a mark", c as u32);
            }
            let s = c.to_string();
            assert_eq!(fold(&s), fold_reference(&s), "{:04X}", c as u32);
        }
        // Texts mixing bases, marks out of canonical order, ligatures,
        // quotes, dashes and case (a fixed pseudo-random walk).
        let pool: Vec<char> =
            "aAéÉeE\u{301}\u{300}\u{327}\u{323}\u{31B}çÇœŒæßẞİıΣσς’‘ʼ'–—-−ǅǄﬁ한글ὒ \u{345}0９@.".chars().collect();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(x % 12) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(pool[(x % pool.len() as u64) as usize]);
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            assert_eq!(fold(&s), fold_reference(&s), "{s:?}");
        }
    }

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
