//! Replays the kept fact-file fuzz corpus (`fuzz/corpus/fact_file/`) through the property the
//! fuzz target checks, so every input the fuzzer found interesting stays covered by `cargo test`.

use std::path::PathBuf;
use triage_engine::fuzzing::fact_file_property;
use triage_rules::fuzzing::replay_corpus;

#[test]
fn kept_fact_file_corpus_reads_diagnoses_and_reports_without_panicking() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/fact_file");
    let replayed = replay_corpus(&dir, fact_file_property);
    assert!(replayed > 10, "the fuzz corpus at {} is nearly empty", dir.display());
}
