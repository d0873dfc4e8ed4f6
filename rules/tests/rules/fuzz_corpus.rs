//! Replays the kept fuzz corpus (`fuzz/corpus/parse_check_fmt/`) through the same property the
//! fuzz target checks, so every input the fuzzer once found interesting (and every crash it
//! found, once fixed) stays covered by an ordinary `cargo test`.

use std::path::PathBuf;
use triage_rules::fuzzing::{replay_corpus, round_trip_property};

#[test]
fn kept_fuzz_corpus_holds_the_round_trip_property() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/parse_check_fmt");
    let replayed = replay_corpus(&dir, round_trip_property);
    assert!(replayed > 0, "the fuzz corpus at {} is empty", dir.display());
}
