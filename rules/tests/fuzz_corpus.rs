//! Replays the kept fuzz corpus (`fuzz/corpus/parse_check_fmt/`) through the same property the
//! fuzz target checks, so every input the fuzzer once found interesting (and every crash it
//! found, once fixed) stays covered by an ordinary `cargo test`.

use std::path::PathBuf;
use triage_rules::fuzzing::round_trip_property;

#[test]
fn kept_fuzz_corpus_holds_the_round_trip_property() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/parse_check_fmt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the fuzz corpus at {}: {e}", dir.display()))
        .map(|entry| entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())).path())
        .filter(|path| path.is_file())
        .collect();
    // Sorted so a failure names the same first file on every machine.
    files.sort();
    assert!(!files.is_empty(), "the fuzz corpus at {} is empty", dir.display());
    for path in &files {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        // Name the input when the property panics; the panic message says what broke.
        let outcome = std::panic::catch_unwind(|| round_trip_property(&bytes));
        assert!(
            outcome.is_ok(),
            "fuzz corpus input {} breaks the property (message above)",
            path.display()
        );
    }
}
