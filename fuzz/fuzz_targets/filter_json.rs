//! The JSON form of filters on arbitrary bytes: never panics, and whatever
//! it accepts goes JSON → AST → JSON → the same AST; its text form never
//! panics either, and typing never panics.
#![no_main]

use clientele_filter::{Limits, parse_json, parse_with_limits, to_text};
use clientele_fuzz::{check_everything, roomy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = parse_json(text, &Limits::default()) else { return };
    let json = serde_json::to_string(&expr.to_json()).unwrap();
    let back = parse_json(&json, &roomy()).unwrap_or_else(|e| panic!("{text} → {json} does not parse back: {e:?}"));
    assert_eq!(back.to_json(), expr.to_json(), "{text} → {json}");
    assert_eq!(serde_json::to_string(&back.to_json()).unwrap(), json, "JSON is a fixed point");
    // Not every JSON filter has a text form (an empty `or`, a field name
    // the text grammar cannot spell), but writing one and reading it back
    // never panics.
    let _ = parse_with_limits(&to_text(&expr), &roomy());
    check_everything(&expr);
});
