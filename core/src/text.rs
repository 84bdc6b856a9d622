//! Text keys used by storage, on top of the filter language's folding (one
//! definition of "case- and accent-insensitive" for keys, filters and
//! search), and the phone keys of the keyword index.
//!
//! # Phones
//!
//! A stored phone number (`Phone.number`, an interaction's `phone`) is never
//! changed; the keyword index holds keys derived from it. The number is cut
//! at its extension ([`split_extension`]: the first letter, `#`, `,` or `;`
//! after at least 7 digits — `x095`, `ext. 3`, `poste 12`), then the main part
//! is parsed with the `phonenumber` crate in the firm's region
//! ([`PhoneRegion`], `EngineConfig::phone_region`), after turning a leading
//! `00` or (North America) `011` into `+`. A number that parses gives the
//! index ([`phone_keys`]):
//! - its international digits (`15145550199`),
//! - its national number (`5145550199`),
//! - for a North American number, the 7-digit local number (`5550199`),
//! - its extension digits on their own (`095`).
//!
//! A 7-digit number without `+` in a North American region is a local
//! number: only its 7 digits (it may be of any area code). A number that
//! does not parse is kept as typed: its words and all its digits, as before.
//!
//! A keyword that is shaped like a phone number ([`phone_query`]) matches a
//! record that holds its digits (after a leading `+`, `00` or `011` is
//! dropped; also without one leading trunk `0`) as one *whole* key — never
//! as a prefix, so `555-0199` does not find `(555) 019-9123` — and, when it
//! has an extension, the extension's digits too; or a record that holds each
//! of its words whole (a number written in a subject or body).

pub use clientele_filter::text::{digits, fold, for_each_search_word, like_escape, search_words};

/// The uniqueness key of a client code: folded (case and accents ignored).
/// Codes are trimmed by validation before they get here.
pub fn code_key(code: &str) -> String {
    fold(code.trim())
}

/// The firm's default region for phone numbers written without a country
/// code (an ISO 3166 code such as `CA`, `US` or `FR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneRegion {
    id: phonenumber::country::Id,
    calling_code: u16,
}

impl PhoneRegion {
    /// The region of an ISO 3166 code (case-insensitive), if the phone
    /// metadata knows it.
    pub fn parse(code: &str) -> Option<PhoneRegion> {
        let id: phonenumber::country::Id = code.trim().to_ascii_uppercase().parse().ok()?;
        let calling_code = phonenumber::metadata::DATABASE.by_id(id.as_ref())?.country_code();
        Some(PhoneRegion { id, calling_code })
    }

    /// Canada, the default.
    pub fn canada() -> PhoneRegion {
        PhoneRegion::parse("CA").expect("the metadata knows Canada")
    }

    /// The ISO code (`CA`).
    pub fn code(&self) -> &str {
        self.id.as_ref()
    }

    /// A North American Numbering Plan region (country code 1).
    pub fn north_american(&self) -> bool {
        self.calling_code == 1
    }
}

impl Default for PhoneRegion {
    fn default() -> Self {
        PhoneRegion::canada()
    }
}

/// The keys the keyword index holds for one parsed phone number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhoneKeys {
    /// Country code and national number (`15145550199`).
    pub international: Option<String>,
    /// National number (`5145550199`).
    pub national: Option<String>,
    /// North America: the 7-digit local number (`5550199`).
    pub local: Option<String>,
    /// The extension's digits (`095`).
    pub extension: Option<String>,
}

impl PhoneKeys {
    /// The keys, in order, without duplicates.
    pub fn words(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for k in [&self.international, &self.national, &self.local, &self.extension].into_iter().flatten() {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
        out
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c)
}

/// Splits a number at its extension: the first letter, `#`, `,` or `;`
/// after at least 7 digits starts it. Answers the main part and the
/// extension's digits (`None` when it has none).
///
/// `split_extension("(514) 555-0199 x095")` = `("(514) 555-0199 ", Some("095"))`.
pub fn split_extension(s: &str) -> (&str, Option<String>) {
    let mut seen = 0;
    for (i, c) in s.char_indices() {
        if is_digit(c) {
            seen += 1;
        } else if seen >= 7 && (c.is_alphabetic() || matches!(c, '#' | ',' | ';')) {
            let ext = digits(&s[i..]);
            return (&s[..i], (!ext.is_empty()).then_some(ext));
        }
    }
    (s, None)
}

/// The longest number text handed to the parser.
const MAX_PHONE_CHARS: usize = 64;

/// The index keys of a phone number, or `None` when it does not parse (it
/// is then indexed as typed).
pub fn phone_keys(number: &str, region: PhoneRegion) -> Option<PhoneKeys> {
    if number.chars().count() > MAX_PHONE_CHARS {
        return None;
    }
    let (main, extension) = split_extension(number);
    let d = digits(main);
    if !(7..=17).contains(&d.len()) {
        return None;
    }
    let plus = main.trim_start().starts_with(['+', '\u{FF0B}']);
    if !plus && region.north_american() && d.len() == 7 {
        return Some(PhoneKeys { local: Some(d), extension, ..PhoneKeys::default() });
    }
    let international = international_part(&d, plus, region);
    if let Some(national) = north_american_national(&d, international, region) {
        let national = national.to_string();
        let local = Some(national[3..].to_string());
        return Some(PhoneKeys {
            international: Some(format!("1{national}")),
            national: Some(national),
            local,
            extension,
        });
    }
    parsed_keys(&d, international, region, extension)
}

/// The digits after an international prefix (`+`, `00`, or `011` in a
/// North American region): country code and number; `None` without one.
fn international_part(d: &str, plus: bool, region: PhoneRegion) -> Option<&str> {
    if plus {
        Some(d)
    } else if region.north_american() && d.starts_with("011") {
        Some(&d[3..])
    } else {
        d.strip_prefix("00")
    }
}

/// The national number of a North American number whose reading is
/// certain without the parser: ten digits whose area code starts with 2–9,
/// after `+1` (or `011 1`, `00 1`), or after the trunk `1` or alone in a
/// North American region. Most numbers a Canadian firm stores are such;
/// the parser takes ~50 times as long (a third of an import's text work).
/// `tests::the_north_american_shortcut_reads_as_the_parser` checks that it
/// answers what the parser answers.
fn north_american_national<'d>(d: &'d str, international: Option<&'d str>, region: PhoneRegion) -> Option<&'d str> {
    let ten = match international {
        Some(rest) => rest.strip_prefix('1')?,
        None if region.north_american() => match d.len() {
            10 => d,
            11 => d.strip_prefix('1')?,
            _ => return None,
        },
        None => return None,
    };
    (ten.len() == 10 && ten.as_bytes()[0] >= b'2' && ten.bytes().all(|b| b.is_ascii_digit())).then_some(ten)
}

/// The keys as the `phonenumber` parser reads the number's digits `d`.
fn parsed_keys(
    d: &str,
    international: Option<&str>,
    region: PhoneRegion,
    extension: Option<String>,
) -> Option<PhoneKeys> {
    // With a country code, no region: the parser would strip the region's
    // trunk prefix from the number (`+33 1 23…` read as `+33 23…`).
    let (text, country) = match international {
        Some(rest) => (format!("+{rest}"), None),
        None => (d.to_string(), Some(region.id)),
    };
    // The parser is third-party code: a panic in it must not fail a write.
    let parsed = std::panic::catch_unwind(|| phonenumber::parse(country, &text)).ok()?.ok()?;
    let cc = parsed.code().value();
    let national = parsed.national().to_string();
    if national.is_empty() || !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let local = (cc == 1 && national.len() == 10).then(|| national[3..].to_string());
    Some(PhoneKeys { international: Some(format!("{cc}{national}")), national: Some(national), local, extension })
}

/// A keyword shaped like a phone number: its digits (international prefix
/// dropped) and its extension's digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneQuery {
    /// The digits to find as one whole key: the number as written, and
    /// without one leading trunk `0`.
    pub digits: Vec<String>,
    pub extension: Option<String>,
}

/// Extension markers a person types after a number (folded).
const EXTENSION_MARKERS: &[&str] = &["extension", "ext", "poste", "post", "x", "p", "#"];

/// Is the keyword shaped like a phone number? Digits with `+ ( ) - . /`
/// and spaces (7 to 15 digits with a country code — `+`, `00` or `011` —,
/// 7 to 11 without; `+` only first), optionally followed by an
/// extension (`x095`, `ext. 3`, `poste 12`, `#12`: 1 to 7 digits).
pub fn phone_query(k: &str) -> Option<PhoneQuery> {
    let f = fold(k);
    let f = f.trim();
    if f.chars().count() > MAX_PHONE_CHARS {
        return None;
    }
    let end = f
        .find(|c: char| !(is_digit(c) || matches!(c, '+' | '\u{FF0B}' | '(' | ')' | '-' | '.' | '/' | ' ')))
        .unwrap_or(f.len());
    let (main, rest) = f.split_at(end);
    if main.char_indices().any(|(i, c)| matches!(c, '+' | '\u{FF0B}') && i != 0) {
        return None;
    }
    let mut d = digits(main);
    if !(7..=17).contains(&d.len()) {
        return None;
    }
    let extension = if rest.is_empty() {
        None
    } else {
        let marker = EXTENSION_MARKERS.iter().find(|m| rest.starts_with(**m))?;
        let tail = rest[marker.len()..].trim_start_matches(['.', ':', ' ']);
        if tail.is_empty() || tail.len() > 7 || !tail.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(tail.to_string())
    };
    let mut international = main.starts_with(['+', '\u{FF0B}']);
    if !international && let Some(rest) = d.strip_prefix("011").or_else(|| d.strip_prefix("00")) {
        d = rest.to_string();
        international = true;
    }
    // E.164 numbers have at most 15 digits; without a country code, at
    // most 11 (so `514 555 0199 2024` is a number and a year).
    if d.len() < 7 || d.len() > if international { 15 } else { 11 } {
        return None;
    }
    let mut alternatives = vec![d.clone()];
    if let Some(rest) = d.strip_prefix('0').filter(|r| r.len() >= 7) {
        alternatives.push(rest.to_string());
    }
    Some(PhoneQuery { digits: alternatives, extension })
}

/// The text the keyword index holds for a record: the search words of each
/// part, plus the keys of each phone number ([`phone_keys`]; a number that
/// does not parse gives its words and all its digits as one word, so
/// "514555" finds "(514) 555-01").
pub fn search_text<'a>(
    parts: impl IntoIterator<Item = &'a str>,
    phones: impl IntoIterator<Item = &'a str>,
    region: PhoneRegion,
) -> String {
    // The words joined by single spaces, written into one string (a
    // `Vec<String>` of words then joined was an allocation per word),
    // sized for a typical record at once: grown from empty it was
    // reallocated 4-6 times per record, a third of an import's builder
    // thread (malloc, and its lock shared with the inserting thread).
    let mut out = String::with_capacity(256);
    let mut first = true;
    let mut push = |w: &str| {
        if !first {
            out.push(' ');
        }
        first = false;
        out.push_str(w);
    };
    for p in parts {
        for_each_search_word(p, &mut push);
    }
    for p in phones {
        match phone_keys(p, region) {
            Some(keys) => {
                // Words of the number that are not digits ("bureau").
                for_each_search_word(p, |w| {
                    if !w.chars().any(|c| c.is_ascii_digit()) {
                        push(w);
                    }
                });
                keys.words().iter().for_each(|w| push(w));
            }
            None => {
                for_each_search_word(p, &mut push);
                let d = digits(p);
                if !d.is_empty() {
                    push(&d);
                }
            }
        }
    }
    out
}

/// The duplicate key of a name: folded ([`fold`]: case, accents,
/// ligatures) and reduced to its letters and digits, so that spaces,
/// apostrophes (’ and '), hyphens, punctuation and emoji do not count:
/// "Hélène Côté" = "HELENE COTE", "D'Amours" = "D’Amours" = "Damours",
/// "Jean-François" = "Jean Francois". Word order counts. `None` when
/// nothing is left.
pub fn name_key(name: &str) -> Option<String> {
    let k: String = fold(name).chars().filter(|c| c.is_alphanumeric()).collect();
    (!k.is_empty()).then_some(k)
}

/// The duplicate key of an e-mail address: trimmed and folded
/// (case-insensitive). `None` when empty.
pub fn email_key(address: &str) -> Option<String> {
    let k = fold(address.trim());
    (!k.is_empty()).then_some(k)
}

/// The duplicate key of a phone number: its national number when it
/// parses ([`phone_keys`]: `+1 514 555-0199` = `(514) 555-0199 x12`), its
/// local number for a 7-digit North American one, otherwise all its
/// digits when there are at least 7. The extension does not count.
pub fn phone_key(number: &str, region: PhoneRegion) -> Option<String> {
    match phone_keys(number, region) {
        Some(k) => k.national.or(k.local),
        None => Some(digits(number)).filter(|d| d.len() >= 7),
    }
}

/// What a likely duplicate has in common with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DupKind {
    Name,
    Email,
    Phone,
}

impl DupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DupKind::Name => "name",
            DupKind::Email => "email",
            DupKind::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<DupKind> {
        Some(match s {
            "name" => DupKind::Name,
            "email" => DupKind::Email,
            "phone" => DupKind::Phone,
            _ => return None,
        })
    }
}

/// The duplicate keys of a record (name, e-mails, phones), sorted, without
/// repeats.
pub fn duplicate_keys<'a>(
    name: Option<String>,
    emails: impl IntoIterator<Item = &'a str>,
    phones: impl IntoIterator<Item = &'a str>,
    region: PhoneRegion,
) -> Vec<(DupKind, String)> {
    let mut out: Vec<(DupKind, String)> = Vec::new();
    out.extend(name.map(|n| (DupKind::Name, n)));
    out.extend(emails.into_iter().filter_map(email_key).map(|k| (DupKind::Email, k)));
    out.extend(phones.into_iter().filter_map(|p| phone_key(p, region)).map(|k| (DupKind::Phone, k)));
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca() -> PhoneRegion {
        PhoneRegion::canada()
    }

    /// The shortcut for North American numbers answers exactly what the
    /// parser answers, over every area-code and exchange lead digit pair,
    /// with and without the trunk 1, `+1`, `011 1` and `00 1`, in the
    /// North American regions (some with prefix-transform rules: JM, AG, BS,
    /// DO) and elsewhere (a pseudo-random rest).
    #[test]
    fn the_north_american_shortcut_reads_as_the_parser() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rest = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(b'0' + (seed % 10) as u8)
                })
                .collect()
        };
        let regions = ["CA", "US", "FR", "JM", "AG", "BS", "DO"].map(|r| PhoneRegion::parse(r).unwrap());
        let mut shortcut = 0;
        for a in 0..10 {
            for b in 0..10 {
                for _ in 0..4 {
                    let ten = format!("{a}{b}{}", rest(8));
                    let writings = [
                        ten.clone(),
                        format!("1 {ten}"),
                        format!("+1 {ten}"),
                        format!("011 1 {ten}"),
                        format!("00 1 {ten}"),
                        format!("+{}", &ten[..9]),
                        format!("011{}", &ten[..9]),
                    ];
                    for region in regions {
                        for w in &writings {
                            let d = digits(w);
                            let international = international_part(&d, w.starts_with('+'), region);
                            let fast = north_american_national(&d, international, region);
                            let parsed = parsed_keys(&d, international, region, None);
                            if let Some(national) = fast {
                                shortcut += 1;
                                let got = phone_keys(w, region);
                                assert_eq!(got, parsed, "{w} in {}", region.code());
                                assert_eq!(got.unwrap().national.as_deref(), Some(national));
                            }
                        }
                    }
                }
            }
        }
        assert!(shortcut > 4_000, "the shortcut was taken {shortcut} times");
    }

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
    fn search_text_has_joined_forms_and_phone_keys() {
        let t = search_text(["D'Amours, Hélène", "h.damours@exemple.ca"], ["(514) 555-0199"], ca());
        assert_eq!(t, "d amours damours helene h damours exemple ca 15145550199 5145550199 5550199");
    }

    #[test]
    fn search_text_is_the_words_joined() {
        // As first written: every word collected, then joined by spaces.
        let reference = |parts: &[&str], phones: &[&str]| {
            let mut words: Vec<String> = Vec::new();
            for p in parts {
                words.extend(search_words(p));
            }
            for p in phones {
                match phone_keys(p, ca()) {
                    Some(keys) => {
                        words.extend(search_words(p).into_iter().filter(|w| !w.chars().any(|c| c.is_ascii_digit())));
                        words.extend(keys.words());
                    }
                    None => {
                        words.extend(search_words(p));
                        let d = digits(p);
                        if !d.is_empty() {
                            words.push(d);
                        }
                    }
                }
            }
            words.join(" ")
        };
        let cases: [(&[&str], &[&str]); 6] = [
            (&[], &[]),
            (&["", "  ", "'-"], &[""]),
            (&["Jean–François Côté, Trois-Rivières", "aujourd'hui-même"], &["bureau (514) 555-0199 poste 12"]),
            (&["🎉"], &["12-34", "n/a", "+33 1 23 45 67 89"]),
            (&["D'Amours, Hélène", "h.damours@exemple.ca"], &["(514) 555-0199", "555-0199"]),
            (&["Œuvre STRAẞE He\u{301}le\u{300}ne"], &["１２３"]),
        ];
        for (parts, phones) in cases {
            assert_eq!(search_text(parts.iter().copied(), phones.iter().copied(), ca()), reference(parts, phones));
        }
    }

    #[test]
    fn phone_keys_of_stored_formats() {
        let k = |s: &str| phone_keys(s, ca()).map(|k| k.words());
        let full = |i: &str, n: &str, l: &str| Some(vec![i.to_string(), n.to_string(), l.to_string()]);
        assert_eq!(k("+1 (610) 885-7034"), full("16108857034", "6108857034", "8857034"));
        assert_eq!(k("1-466-361-6607"), full("14663616607", "4663616607", "3616607"));
        assert_eq!(k("001 514 555 0199"), full("15145550199", "5145550199", "5550199"));
        assert_eq!(k("011 1 514 555 0199"), full("15145550199", "5145550199", "5550199"));
        assert_eq!(k("514.555.0199"), full("15145550199", "5145550199", "5550199"));
        let mut with_ext = full("15145550199", "5145550199", "5550199").unwrap();
        with_ext.push("095".into());
        assert_eq!(k("(514) 555-0199 x095"), Some(with_ext));
        assert_eq!(k("514-555-0199 poste 12").unwrap().last().unwrap(), "12");
        assert_eq!(k("5145550199 ext. 3").unwrap().last().unwrap(), "3");
        assert_eq!(k("555-0199"), Some(vec!["5550199".to_string()]));
        assert_eq!(k("+33 1 23 45 67 89").unwrap()[..2], ["33123456789".to_string(), "123456789".to_string()]);
        assert_eq!(k("12-34"), None);
        assert_eq!(k("n/a"), None);
        // France as the firm's region: the trunk 0 is not part of the number.
        let fr = PhoneRegion::parse("fr").unwrap();
        assert_eq!(phone_keys("01 23 45 67 89", fr).unwrap().words(), ["33123456789", "123456789"]);
    }

    #[test]
    fn phone_queries() {
        let q = |s: &str| phone_query(s).map(|q| (q.digits, q.extension));
        let d = |s: &str| Some((vec![s.to_string()], None));
        assert_eq!(q("514-555-0199"), d("5145550199"));
        assert_eq!(q("(514) 555 0199"), d("5145550199"));
        assert_eq!(q("+1 514 555 0199"), d("15145550199"));
        assert_eq!(q("001 514 555 0199"), d("15145550199"));
        assert_eq!(q("5550199"), d("5550199"));
        assert_eq!(q("555-0199 x095"), Some((vec!["5550199".to_string()], Some("095".to_string()))));
        assert_eq!(q("514-555-0199 poste 12").unwrap().1.as_deref(), Some("12"));
        assert_eq!(q("5145550199 ext. 3").unwrap().1.as_deref(), Some("3"));
        assert_eq!(q("01 23 45 67 89").unwrap().0, ["0123456789", "123456789"]);
        for s in ["514555", "2024", "hélène 5145550199", "514+555+0199", "5145550199 xyz", "514 555 0199 2024"] {
            assert_eq!(q(s), None, "{s}");
        }
    }

    #[test]
    fn duplicate_keys_of_messy_names() {
        let same = |a: &str, b: &str| assert_eq!(name_key(a), name_key(b), "{a} = {b}");
        same("Hélène Côté", "Helene Cote");
        same("He\u{301}le\u{300}ne Co\u{302}te\u{301}", "HÉLÈNE CÔTÉ");
        same("D'Amours", "D’Amours");
        same("D'Amours", "Damours");
        same("D'Amours", "d amours");
        same("Jean-François", "Jean François");
        same("Jean‐François", "jean-francois");
        same("Œuvres Côté 🎉", "oeuvres cote");
        assert_ne!(name_key("Côté Hélène"), name_key("Hélène Côté"));
        assert_eq!(name_key("🎉 — !"), None);
        assert_eq!(email_key(" H.Damours@Exemple.CA "), email_key("h.damours@exemple.ca"));
        assert_eq!(phone_key("+1 (514) 555-0199", ca()), phone_key("514.555.0199 poste 12", ca()));
        assert_eq!(phone_key("+1 (514) 555-0199", ca()).as_deref(), Some("5145550199"));
        assert_eq!(phone_key("12-34", ca()), None);
    }

    #[test]
    fn region_codes() {
        assert!(PhoneRegion::parse("ca").unwrap().north_american());
        assert!(PhoneRegion::parse("US").unwrap().north_american());
        assert!(!PhoneRegion::parse("FR").unwrap().north_american());
        assert_eq!(PhoneRegion::parse("ZZZ"), None);
        assert_eq!(PhoneRegion::default().code(), "CA");
    }
}
