//! `Engine::execute_json` on arbitrary bytes, on an in-memory SQLite engine
//! with a staff member (id 1, every right) and a few records: never
//! panics, answers valid JSON or a typed error, and never an `internal` or
//! `storage` error (either would mean bad input reached the database
//! unchecked, or a bug).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let engine = clientele_fuzz::engine();
    match engine.execute_json(text) {
        Ok(answer) => {
            serde_json::from_str::<serde_json::Value>(&answer).unwrap_or_else(|e| panic!("{text} → not JSON: {e}"));
        }
        Err(e) => assert!(
            !matches!(e, clientele_core::Error::Internal { .. } | clientele_core::Error::Storage { .. }),
            "{text} → {}: {e}",
            e.code()
        ),
    }
});
