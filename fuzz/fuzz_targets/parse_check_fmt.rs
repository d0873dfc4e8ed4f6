//! Any bytes through load → parse → check → render, and for text without a syntax error the
//! formatter round trip: `parse(fmt(x)) == x` and `fmt` idempotent. The property itself lives in
//! `triage_rules::fuzzing` so `cargo test` (rules/tests/rules/fuzz_corpus.rs) replays the kept corpus
//! against exactly the same checks.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    triage_rules::fuzzing::round_trip_property(data);
});
