//! docs/exit-codes.md, row by row: each command run in each situation the table names, from
//! the repository root. `{tmp}` in a row is a scratch folder with the fixtures below.

use super::support::{root, triage};
use std::path::Path;

/// The fixtures the rows name: `my-kb` as `triage init` writes it, a knowledge base that does
/// not parse, fact and case files that are wrong in one way each, a folder that is not empty.
fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    triage().arg("init").arg(at("my-kb")).assert().success();
    std::fs::create_dir_all(at("broken")).unwrap();
    std::fs::create_dir_all(at("empty")).unwrap();
    std::fs::create_dir_all(at("existing")).unwrap();
    let files: [(&str, &[u8]); 9] = [
        ("broken/kb.kb", b"fact a: nope\n"),
        ("messy.kb", b"fact a:bool\n"),
        ("bad.json", br#"{"no_such_fact": 1}"#),
        ("not-utf8.json", b"{\"error_code\": \"\xff\"}"),
        ("bad.jsonl", b"{\"no_such_fact\": 1}\n"),
        ("healthy.json", br#"{"http_status": 200}"#),
        (
            "wrong.yaml",
            b"cases:\n  - id: w-1\n    facts: { http_status: 503, disk_free_ratio: 0.01 }\n    expected_top: bad_deploy\n",
        ),
        ("existing/file", b""),
        ("file.txt", b""),
    ];
    for (name, bytes) in files {
        std::fs::write(at(name), bytes).unwrap();
    }
    dir
}

const MISSING: &str = "/definitely/not/here";

/// Every command that reads a knowledge base, with arguments that would otherwise work.
const READS_A_KB: [&str; 20] = [
    "symptoms",
    "search 0x904",
    "ask 0x904",
    "guide 0x904",
    "diagnose --fact error_code=0x904",
    "plan --fact error_code=0x904",
    "collect",
    "batch -",
    "report {tmp}/file.txt",
    "serve --addr 127.0.0.1:0",
    "site -o {tmp}/site",
    "check",
    "fmt",
    "test",
    "graph",
    "schema",
    "kb list",
    "kb export {tmp}/export",
    "cases from-records knowledge/rdp/examples/outcomes.jsonl",
    "calibrate knowledge/rdp/cases/real.yaml",
];

/// (arguments, expected code): the rows of docs/exit-codes.md that are not "any command".
const ROWS: &[(&str, i32)] = &[
    // 0: success
    ("symptoms", 0),
    ("search 0x904", 0),
    ("guide 0x904", 0),
    ("diagnose --fact error_code=0x904", 0),
    ("plan --fact error_code=0x904", 0),
    ("check", 0),
    ("kb list", 0),
    ("cases from-records knowledge/rdp/examples/outcomes.jsonl", 0),
    ("calibrate knowledge/rdp/cases/real.yaml", 0),
    ("--kb {tmp}/my-kb kb list", 0),
    ("--kb {tmp}/my-kb test", 0),
    ("completions bash", 0),
    ("man", 0),
    ("init {tmp}/new-kb", 0),
    ("plan --schema", 0),
    ("report {tmp}/file.txt", 0),
    ("report --schema", 0),
    ("--help", 0),
    ("--version", 0),
    // 1: problems in the input
    ("fmt {tmp}/broken/kb.kb", 1),
    ("fmt --check {tmp}/messy.kb", 1),
    ("diagnose --fact no_such_fact=1", 1),
    ("diagnose --fact error_code=abc", 1),
    ("diagnose {tmp}/bad.json", 1),
    ("diagnose {tmp}/not-utf8.json", 1),
    ("guide 0x904 --facts {tmp}/bad.json", 1),
    ("guide 0x904 --fact no_such_fact=1", 1),
    ("plan {tmp}/bad.json", 1),
    ("plan --fact no_such_fact=1", 1),
    ("plan knowledge/rdp/examples/0x904.json --shell bash", 1),
    ("ask 0x904 --facts {tmp}/bad.json", 1),
    ("batch {tmp}/bad.jsonl", 1),
    ("report {tmp}/bad.jsonl", 1),
    ("test --kb {tmp}/my-kb --cases {tmp}/wrong.yaml", 1),
    ("search printer jam", 1),
    ("cases from-records {tmp}/bad.jsonl", 1),
    ("calibrate {tmp}/bad.jsonl", 1),
    ("guide printer jam", 1),
    ("ask printer jam", 1),
    ("guide can't connect", 1),
    ("--kb {tmp}/empty kb export {tmp}/from-empty", 1),
    // 2: usage
    ("frobnicate", 2),
    ("diagnose", 2),
    ("plan", 2),
    ("diagnose --fact error_code", 2),
    ("diagnose {tmp}/missing.json", 2),
    ("diagnose --text {tmp}/missing.txt", 2),
    ("guide 0x904 --facts {tmp}/missing.json", 2),
    ("guide 0x904 --templates {tmp}/missing", 2),
    ("plan {tmp}/missing.json", 2),
    ("plan --fact error_code=0x904 --symptom no_such_symptom", 2),
    ("collect --symptom no_such_symptom", 2),
    ("graph --symptom no_such_symptom", 2),
    ("ask --confidence 2 0x904", 2),
    ("ask 0x904 --facts {tmp}/missing.json", 2),
    ("batch {tmp}/missing.jsonl", 2),
    ("report {tmp}/missing.jsonl", 2),
    ("report {tmp}/empty", 2),
    ("site -o {tmp}/file.txt", 2),
    ("check {tmp}/missing.kb", 2),
    ("cases from-records {tmp}/missing.jsonl", 2),
    ("calibrate {tmp}/missing.jsonl", 2),
    ("calibrate knowledge/rdp/cases --folds 0", 2),
    ("fmt {tmp}/missing.kb", 2),
    ("test --kb {tmp}/my-kb --cases {tmp}/missing.yaml", 2),
    ("init {tmp}/existing", 2),
    ("kb export {tmp}/existing", 2),
    ("--kb {tmp}/my-kb init {tmp}/refused", 2),
    ("--kb {tmp}/my-kb completions bash", 2),
    ("--kb {tmp}/my-kb man", 2),
    ("--kb {tmp}/my-kb plan --schema", 2),
    ("init {tmp}/refused-too --kb {tmp}/my-kb", 2),
    // 3: the facts rule out every symptom
    ("--kb {tmp}/my-kb diagnose --fact http_status=200", 3),
    ("--kb {tmp}/my-kb diagnose {tmp}/healthy.json", 3),
    ("--kb {tmp}/my-kb guide --fact http_status=200", 3),
    ("--kb {tmp}/my-kb guide --facts {tmp}/healthy.json", 3),
    ("--kb {tmp}/my-kb plan --fact http_status=200", 3),
    ("--kb {tmp}/my-kb plan {tmp}/healthy.json", 3),
    ("--kb {tmp}/my-kb ask --facts {tmp}/healthy.json", 3),
];

/// Runs `triage ARGS` (words split on spaces, `{tmp}` replaced) and returns its exit code and
/// standard error.
fn code_of(tmp: &Path, args: &str, env: Option<(&str, &str)>) -> (i32, String) {
    let mut cmd = triage();
    for word in args.split(' ') {
        cmd.arg(word.replace("{tmp}", &tmp.display().to_string()));
    }
    if let Some((key, value)) = env {
        cmd.env(key, value);
    }
    let output = cmd.output().unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn check_rows(tmp: &Path, rows: &[(String, i32)], env: Option<(&str, &str)>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (args, expected) in rows {
        let (code, stderr) = code_of(tmp, args, env);
        if code != *expected {
            let said: String = stderr.lines().take(4).collect::<Vec<_>>().join("\n    ");
            wrong.push(format!("triage {args}: exit {code}, expected {expected}\n    {said}"));
        }
    }
    wrong
}

#[test]
fn every_command_follows_the_exit_code_table() {
    let tmp = fixtures();
    let mut rows: Vec<(String, i32)> =
        ROWS.iter().map(|(args, code)| ((*args).to_string(), *code)).collect();
    for command in READS_A_KB {
        // A --kb that cannot be read is a usage error, whatever the command.
        rows.push((format!("--kb {MISSING} {command}"), 2));
        // A knowledge base with errors is a problem in the input.
        if !command.starts_with("kb ") {
            rows.push((format!("--kb {{tmp}}/broken {command}"), 1));
        }
    }
    let wrong = check_rows(tmp.path(), &rows, None);
    assert!(wrong.is_empty(), "{} of {} rows:\n{}", wrong.len(), rows.len(), wrong.join("\n"));
}

#[test]
fn triage_kb_from_the_environment_counts_as_kb_and_is_ignored_where_none_is_read() {
    let tmp = fixtures();
    let rows: Vec<(String, i32)> = [
        ("symptoms", 2),
        ("diagnose --fact error_code=0x904", 2),
        ("completions bash", 0),
        ("man", 0),
        ("init {tmp}/from-env", 0),
        ("plan --schema", 0),
    ]
    .iter()
    .map(|(args, code)| ((*args).to_string(), *code))
    .collect();
    let wrong = check_rows(tmp.path(), &rows, Some(("TRIAGE_KB", MISSING)));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_exit_code_table_names_every_command_and_the_help_shows_it() {
    let doc = std::fs::read_to_string(root().join("docs/exit-codes.md")).unwrap();
    let help = triage().arg("--help").output().unwrap().stdout;
    let help = String::from_utf8(help).unwrap();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() > 15, "{help}");
    for command in commands {
        assert!(
            doc.contains(&format!("| `{command}")),
            "docs/exit-codes.md has no row for {command}"
        );
    }
    for row in [
        "    0  success",
        "    1  problems in the input",
        "    2  usage",
        "    3  the facts rule out every symptom",
        "  130  interrupted",
    ] {
        assert!(help.contains(row), "triage --help lacks `{row}`:\n{help}");
    }
}
