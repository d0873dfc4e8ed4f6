//! What a command writes to standard output when that is a file or a pipe is byte for byte
//! what it writes with `-o FILE` (or `--write`): scripts, JSON, guides and formatted `.kb`
//! text keep every value as the input holds it, even escape sequences meant to drive a
//! terminal. Standard output here is a pipe, as in `triage plan f.json > plan.sh`.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const KB: &str = "renderers/test_data/bash_kb";

/// Sets the window title, clears the screen and rings the bell, in a fact value.
const HOSTILE: &str = "t\u{1b}]0;title\u{7}\u{1b}[2J\u{1b}[31mred\r\nz";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn triage() -> Command {
    let mut command = Command::cargo_bin("triage").unwrap();
    command.current_dir(root()).env_remove("TRIAGE_KB").env_remove("NO_COLOR");
    command
}

fn hostile_facts(dir: &Path) -> PathBuf {
    let path = dir.join("facts.json");
    let mut facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(KB).join("facts.json")).unwrap())
            .unwrap();
    facts["target"] = HOSTILE.into();
    facts["user_name"] = HOSTILE.into();
    std::fs::write(&path, facts.to_string()).unwrap();
    path
}

/// Runs `args` twice, once to standard output and once with `-o FILE`, and returns both.
fn stdout_and_file(args: &[&str], dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let to_stdout = triage().args(args).output().unwrap();
    let file = dir.join("out");
    let _ = std::fs::remove_file(&file);
    let to_file = triage().args(args).arg("-o").arg(&file).output().unwrap();
    assert_eq!(to_stdout.status.code(), to_file.status.code(), "{args:?}: not the same exit code");
    (to_stdout.stdout, std::fs::read(&file).unwrap())
}

#[test]
fn plans_and_guides_on_stdout_are_the_files_they_write() {
    let dir = tempfile::tempdir().unwrap();
    let facts = hostile_facts(dir.path());
    let facts = facts.to_str().unwrap();
    for args in [
        vec!["plan", "--kb", KB, "--shell", "bash", facts],
        vec!["plan", "--kb", KB, "--shell", "powershell", facts],
        vec!["plan", "--kb", KB, "--shell", "json", facts],
        vec!["guide", "--kb", KB, "--facts", facts, "--full"],
        vec!["guide", "--kb", KB, "--facts", facts, "--format", "html"],
    ] {
        let (stdout, file) = stdout_and_file(&args, dir.path());
        assert!(!file.is_empty(), "{args:?} wrote nothing");
        assert!(stdout == file, "{args:?}: standard output differs from the file it writes");
    }
    // The bash plan acts on the value the fact file holds, escape sequences and all.
    let (script, _) = stdout_and_file(&["plan", "--kb", KB, "--shell", "bash", facts], dir.path());
    let script = String::from_utf8(script).unwrap();
    assert!(script.contains("\u{1b}]0;title\u{7}"), "the value was changed in the script");
}

#[test]
fn batch_and_collect_on_stdout_are_the_files_they_write() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!(
        "{}\n",
        std::fs::read_to_string(hostile_facts(dir.path())).unwrap().replace('\n', "")
    );
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, line.repeat(3)).unwrap();
    let input = input.to_str().unwrap();
    let (stdout, file) =
        stdout_and_file(&["batch", "--kb", KB, "--detail", "full", "--explain", input], dir.path());
    assert!(stdout == file, "batch: standard output differs from the file");
    let param = format!("DEMO_WORD={HOSTILE}");
    let (stdout, file) = stdout_and_file(
        &["collect", "--kb", "renderers/test_data/params_kb", "--param", &param],
        dir.path(),
    );
    assert!(stdout == file, "collect: standard output differs from the file");
}

#[test]
fn fmt_on_stdout_keeps_control_characters_as_fmt_write_does() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("bell.kb");
    let text = "fact motd: string {\n  title \"Message of the day\"\n  description \"\"\"\n    Rings \u{7} the bell and \u{1b}[2J clears.\n  \"\"\"\n}\n";
    std::fs::write(&kb, text).unwrap();
    let stdout = triage().arg("fmt").arg(&kb).assert().get_output().stdout.clone();
    triage().arg("fmt").arg("--write").arg(&kb).assert().success();
    assert_eq!(String::from_utf8(stdout).unwrap(), std::fs::read_to_string(&kb).unwrap());
    assert!(std::fs::read_to_string(&kb).unwrap().contains("Rings \u{7} the bell and \u{1b}[2J"));
}

#[test]
fn fmt_prints_for_every_kept_fuzz_input_what_the_round_trip_property_checked() {
    let dir = root().join("fuzz/corpus/parse_check_fmt");
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    let mut formatted = 0;
    for path in entries {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = String::from_utf8(bytes.clone()) else { continue };
        let mut sources = triage_rules::source::SourceMap::new();
        let id = sources.add("fuzz.kb", text.clone());
        let (tree, syntax) = triage_rules::parse::parse_file(id, &text);
        if !syntax.is_empty() {
            continue;
        }
        let expected = triage_rules::format::format_file(&tree);
        let output = triage().args(["fmt", "-"]).write_stdin(bytes).output().unwrap();
        assert!(output.status.success(), "{}: fmt failed", path.display());
        assert!(
            output.stdout == expected.as_bytes(),
            "{}: `triage fmt` printed other bytes than the formatter made",
            path.display()
        );
        formatted += 1;
    }
    assert!(formatted > 20, "only {formatted} corpus inputs parse: is the corpus there?");
}
