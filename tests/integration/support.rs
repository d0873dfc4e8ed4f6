//! What every module of the integration tests starts from: the repository root and the
//! `triage` binary run there, with no environment of the person running the tests leaking in
//! (a `TRIAGE_KB`, a `TRIAGE_RECORD_DIR` that would make `ask` ask about the outcome, colour).

use assert_cmd::Command;
use std::path::PathBuf;

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn triage() -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.current_dir(root())
        .env_remove("TRIAGE_KB")
        .env_remove("TRIAGE_RECORD_DIR")
        .env("NO_COLOR", "1");
    cmd
}
