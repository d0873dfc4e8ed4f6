//! The language's tests, one binary: every fixture of `test_data/` against its snapshot
//! (`fixtures`), the fuzz corpus checked without a panic (`fuzz_corpus`), and the formatter's
//! round trip on generated syntax trees (`roundtrip`). One binary links once and runs its
//! tests in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rules/fixtures.rs"]
mod fixtures;

#[path = "rules/fuzz_corpus.rs"]
mod fuzz_corpus;

#[path = "rules/roundtrip.rs"]
mod roundtrip;
