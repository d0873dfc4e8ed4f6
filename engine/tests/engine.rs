//! The engine's tests, one binary: the fact-file fuzz corpus read without a panic
//! (`fuzz_corpus`), repair planning (`planning`), and the ranking against a brute-force
//! reference (`reference`). One binary links once and runs its tests in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "engine/fuzz_corpus.rs"]
mod fuzz_corpus;

#[path = "engine/planning.rs"]
mod planning;

#[path = "engine/reference.rs"]
mod reference;
