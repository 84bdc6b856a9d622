//! Tags of the firm, on clients and contacts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A tag of the firm: a stable code, French and English names and a
/// colour. Clients and contacts carry tags by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    /// Stable code, `[a-z][a-z0-9_-]*` (at most 40 characters); records
    /// and filters name the tag by it (or by either name).
    pub code: String,
    pub name_fr: String,
    pub name_en: String,
    /// `#rrggbb` (answered in lower case).
    pub colour: String,
    /// The version read: required by `tag.put` to change a tag (a stale
    /// one is a `conflict`), absent (or 0) to create one.
    #[serde(default)]
    pub version: i64,
}

impl Tag {
    /// The tag's name in French (`fr`) or English.
    pub fn name(&self, fr: bool) -> &str {
        if fr { &self.name_fr } else { &self.name_en }
    }

    /// The text colour that keeps a contrast of at least 4.5:1 on the
    /// tag's colour (WCAG 2 relative luminance): black or white, whichever
    /// contrasts more (one of them always reaches 4.58:1 at least).
    pub fn text_colour(&self) -> &'static str {
        text_colour_on(&self.colour)
    }
}

/// The WCAG 2 relative luminance of `#rrggbb` (`None`: not such a colour).
pub fn luminance(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| {
        let c = u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0) as f64 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    Some(0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4))
}

/// The contrast ratio of two luminances (1 to 21).
pub fn contrast(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    (hi + 0.05) / (lo + 0.05)
}

/// `#000000` or `#ffffff`, whichever contrasts more with `colour` (black
/// for what is not a colour).
pub fn text_colour_on(colour: &str) -> &'static str {
    let Some(l) = luminance(colour) else { return "#000000" };
    if contrast(l, 0.0) >= contrast(l, 1.0) { "#000000" } else { "#ffffff" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every grey and every corner of the colour cube (and a walk through
    /// it) keeps at least 4.5:1 with the text colour chosen.
    #[test]
    fn text_colour_keeps_contrast_everywhere() {
        let mut worst = 21.0f64;
        for r in (0..=255).step_by(5) {
            for g in (0..=255).step_by(5) {
                for b in (0..=255).step_by(5) {
                    let c = format!("#{r:02x}{g:02x}{b:02x}");
                    let l = luminance(&c).unwrap();
                    let t = luminance(text_colour_on(&c)).unwrap();
                    worst = worst.min(contrast(l, t));
                }
            }
        }
        assert!(worst >= 4.5, "worst contrast {worst}");
        assert_eq!(text_colour_on("#ffffff"), "#000000");
        assert_eq!(text_colour_on("#000000"), "#ffffff");
        assert_eq!(text_colour_on("#1a4d8f"), "#ffffff");
        assert_eq!(luminance("#12345"), None);
        assert_eq!(luminance("red"), None);
    }
}
