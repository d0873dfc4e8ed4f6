//! The knowledge bases shipped in `knowledge/`, embedded in the binary so every command works
//! on a fresh machine without `--kb`. They live in the `triage-embedded` crate, which the
//! Python package (`python/`) embeds too; this module keeps the CLI's paths to them.

pub use triage_embedded::{DEFAULT, by_name, cases, load, names, tree};
