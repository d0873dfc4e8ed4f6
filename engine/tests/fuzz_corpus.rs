//! Replays the kept fact-file fuzz corpus (`fuzz/corpus/fact_file/`) through the property the
//! fuzz target checks, so every input the fuzzer found interesting stays covered by `cargo test`.

use std::path::PathBuf;
use triage_engine::fuzzing::fact_file_property;

#[test]
fn kept_fact_file_corpus_reads_diagnoses_and_reports_without_panicking() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/fact_file");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the fuzz corpus at {}: {e}", dir.display()))
        .map(|entry| entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())).path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(files.len() > 10, "the fuzz corpus at {} is nearly empty", dir.display());
    for path in &files {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| fact_file_property(&bytes));
        assert!(outcome.is_ok(), "fuzz corpus input {} panics (message above)", path.display());
    }
}
