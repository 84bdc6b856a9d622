//! Bytes to text: UTF-8 with or without a byte-order mark, or Windows-1252
//! (what older Excel versions save as "CSV"), detected or declared; and the
//! separator, `,` or `;` (French-Canadian Excel writes `;`), detected from
//! the header line or declared.

use clientele_core::Error;

/// The encodings a CSV file may be declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

impl Encoding {
    /// `utf-8`/`utf8`, `windows-1252`/`cp1252`/`latin1`/`iso-8859-1`.
    pub fn parse(name: &str) -> Result<Encoding, Error> {
        match name.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" => Ok(Encoding::Windows1252),
            other => Err(Error::Validation {
                field: "encoding".into(),
                code: "invalid_value",
                message: format!("unknown encoding '{other}' (utf-8 or windows-1252)"),
            }),
        }
    }
}

/// The text of a file: a UTF-8 byte-order mark is dropped; without a
/// declaration, bytes that are not valid UTF-8 are read as Windows-1252
/// (every byte is a character there, so nothing is refused).
pub fn decode(bytes: &[u8], declared: Option<Encoding>) -> Result<(String, Encoding), Error> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match declared {
        Some(Encoding::Utf8) => match std::str::from_utf8(body) {
            Ok(s) => Ok((s.to_string(), Encoding::Utf8)),
            Err(e) => Err(Error::Validation {
                field: "encoding".into(),
                code: "invalid_value",
                message: format!("the file is not UTF-8 (byte {}); declare windows-1252", e.valid_up_to()),
            }),
        },
        Some(Encoding::Windows1252) => Ok((cp1252(body), Encoding::Windows1252)),
        None => match std::str::from_utf8(body) {
            Ok(s) => Ok((s.to_string(), Encoding::Utf8)),
            Err(_) => Ok((cp1252(body), Encoding::Windows1252)),
        },
    }
}

fn cp1252(bytes: &[u8]) -> String {
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    text.into_owned()
}

/// The separator of the header line: the most frequent of `;`, `,` and tab
/// outside double quotes (`,` when there is none).
pub fn detect_separator(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for ch in first.chars() {
        match ch {
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0] += 1,
            ',' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b';', b',', b'\t'];
    let best = (0..3).max_by_key(|&i| (counts[i], i == 1)).unwrap_or(1);
    if counts[best] == 0 { b',' } else { seps[best] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_cp1252() {
        assert_eq!(decode("Côté".as_bytes(), None).unwrap(), ("Côté".into(), Encoding::Utf8));
        assert_eq!(decode(b"\xEF\xBB\xBFC\xC3\xB4t\xC3\xA9", None).unwrap().0, "Côté");
        // "Côté — 5 €" in Windows-1252.
        let w = b"C\xF4t\xE9 \x97 5 \x80";
        assert_eq!(decode(w, None).unwrap(), ("Côté — 5 €".into(), Encoding::Windows1252));
        assert_eq!(decode(w, Some(Encoding::Windows1252)).unwrap().0, "Côté — 5 €");
        assert_eq!(decode(w, Some(Encoding::Utf8)).unwrap_err().code(), "validation");
    }

    #[test]
    fn separators() {
        assert_eq!(detect_separator("Code;Nom;Courriel\n1;2;3"), b';');
        assert_eq!(detect_separator("Code,Nom\n"), b',');
        assert_eq!(detect_separator("\"Nom; complet\",Code\n"), b',');
        assert_eq!(detect_separator("Code\tNom\n"), b'\t');
        assert_eq!(detect_separator("Code\n"), b',');
    }
}
