//! End-to-end tests of the `triage` binary: one test binary, one module per area, the
//! modules in `tests/integration/`.

#[path = "integration/cli.rs"]
mod cli;
