//! The filter parser on arbitrary text: it never panics, and whatever it
//! accepts goes text → AST → canonical text → the same AST, a fixed point.
//! The typing (`check`) against a registry of every field type never
//! panics either.
#![no_main]

use clientele_filter::{Limits, parse_with_limits, to_text};
use clientele_fuzz::{check_everything, roomy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = parse_with_limits(text, &Limits::default()) else { return };
    let canonical = to_text(&expr);
    // Canonical text may quote more than the input did: re-read it without
    // the length limit.
    let back = parse_with_limits(&canonical, &roomy())
        .unwrap_or_else(|e| panic!("{text:?} → {canonical:?} does not parse back: {e:?}"));
    assert_eq!(back.without_spans(), expr.without_spans(), "{text:?} → {canonical:?}");
    assert_eq!(to_text(&back), canonical, "canonical text is a fixed point");
    // The JSON form carries the same tree (quoting flags aside, which JSON
    // does not keep).
    let json = serde_json::to_string(&expr.to_json()).unwrap();
    let from_json = clientele_filter::parse_json(&json, &roomy()).unwrap_or_else(|e| panic!("{json}: {e:?}"));
    assert_eq!(from_json.to_json(), expr.to_json(), "{text:?} → {json}");
    check_everything(&expr);
});
