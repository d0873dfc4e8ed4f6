//! What every module of the integration tests starts from: the repository root and the
//! `triage` binary run there, with no environment of the person running the tests leaking in
//! (a `TRIAGE_KB`, a `TRIAGE_RECORD_DIR` that would make `ask` ask about the outcome, colour).

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use triage_learn::record::{Record, read_records};

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The standard output of a command that must succeed.
pub(crate) fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

pub(crate) fn triage() -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.current_dir(root())
        .env_remove("TRIAGE_KB")
        .env_remove("TRIAGE_RECORD_DIR")
        .env("NO_COLOR", "1");
    cmd
}

/// The outcome records in a recording folder, and its files: every file named as the writer
/// names them (`triage-outcomes-DAY.jsonl`), every line a record and valid against the
/// published schema (`triage schema --record`).
pub(crate) fn records_in(dir: &Path) -> (Vec<Record>, Vec<PathBuf>) {
    let schema = triage().args(["schema", "--record"]).output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut records = Vec::new();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("triage-outcomes-") && path.extension().is_some_and(|e| e == "jsonl"),
            "{name}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let (read, errors) = read_records(&name, &text);
        assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(2)]);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(validator.is_valid(&value), "{line}");
        }
        records.extend(read);
        files.push(path);
    }
    (records, files)
}

/// Runs `command` as a person pastes it: by bash, in `dir`, with this build first on the PATH.
pub(crate) fn pasted_into_bash(command: &str, dir: &std::path::Path) -> bool {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_triage")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    std::process::Command::new("bash")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", &path)
        .env_remove("TRIAGE_KB")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap()
        .success()
}
