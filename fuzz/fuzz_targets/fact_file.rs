//! Any bytes as a fact file and as a typed answer: the property is
//! `triage_engine::fuzzing::fact_file_property`, so `cargo test` (engine/tests/engine/fuzz_corpus.rs)
//! replays the kept corpus against exactly the same checks.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    triage_engine::fuzzing::fact_file_property(data);
});
