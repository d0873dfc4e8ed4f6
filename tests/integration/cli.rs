//! `check`, `fmt`, `graph`, `init`, `test`, `kb`, `symptoms`, `completions`, `man`: output and
//! exit codes as a user sees them.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::Path;

fn triage() -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.env_remove("TRIAGE_KB").env("NO_COLOR", "1");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

const VALID: &str = r#"fact cert_expired: bool {
  title "The certificate has expired"
  ask "Is the expiration date in the past?"
  cost 2m
}

fact error_code: int

symptom rdp_0x904 {
  title "Remote Desktop error 0x904"
  when error_code == 0x904
}

cause expired_certificate {
  title "Expired certificate"
  explains rdp_0x904: 0.3
  when cert_expired : usually
}

fix renew_certificate {
  title "Renew the certificate"
  fixes expired_certificate
  cost 5m
  run powershell """
    Remove-Item 'Cert:\LocalMachine\Remote Desktop\*'
  """
  verify powershell """
    Test-Path 'Cert:\LocalMachine\Remote Desktop\*'
  """
  undo powershell """
    Write-Output 'nothing to undo'
  """
}
"#;

#[test]
fn check_accepts_a_valid_knowledge_base_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "kb.kb", VALID);
    triage()
        .args(["check", "--kb"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout("checked 1 file: 0 errors, 0 warnings\n");
}

#[test]
fn check_reports_every_error_with_file_line_column_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let broken = VALID
        .replace("when cert_expired : usually", "when cert_expird : usually")
        .replace("explains rdp_0x904: 0.3", "explains rdp_0x904: 1.5");
    let path = write(dir.path(), "kb.kb", &broken);
    let output = triage().arg("check").arg(&path).assert().code(1).get_output().stdout.clone();
    let text = String::from_utf8(output).unwrap();
    assert!(text.contains("error[unknown-name]: unknown fact `cert_expird`"), "{text}");
    assert!(text.contains("kb.kb:17:8"), "{text}");
    assert!(text.contains("did you mean `cert_expired`?"), "{text}");
    assert!(text.contains("error[probability-out-of-range]"), "{text}");
    assert!(text.contains("2 errors"), "{text}");
}

#[test]
fn check_compiles_patterns_and_names_one_beyond_the_size_limit_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let huge = VALID.replace(
        "fact error_code: int\n",
        "fact error_code: int {\n  pattern \"\"\"code (?:\\w{100}){100}(\\d+)\"\"\"\n}\n",
    );
    let path = write(dir.path(), "kb.kb", &huge);
    let output = triage().arg("check").arg(&path).assert().code(1).get_output().stdout.clone();
    let text = String::from_utf8(output).unwrap();
    assert!(
        text.contains("error[invalid-pattern]: this pattern cannot be used: it compiles to more"),
        "{text}"
    );
    assert!(text.contains("kb.kb:8:11"), "{text}");
    assert!(text.contains("1 error"), "{text}");
    // Every other command loads it (patterns are parsed, not compiled, at load) and reads the
    // rest of the text without it.
    triage()
        .args(["diagnose", "--kb"])
        .arg(dir.path())
        .args(["--fact", "error_code=0x904"])
        .assert()
        .success();
}

#[test]
fn check_deny_warnings_turns_warnings_into_failure() {
    let dir = tempfile::tempdir().unwrap();
    let with_unused = format!("{VALID}\nfact never_used: bool\n");
    write(dir.path(), "kb.kb", &with_unused);
    triage().args(["check", "--kb"]).arg(dir.path()).assert().success().stdout(
        predicate::str::contains(
            "warning[unused-fact]: fact `never_used` is not used by any condition",
        ),
    );
    triage().args(["check", "--deny-warnings", "--kb"]).arg(dir.path()).assert().code(1);
}

#[test]
fn check_json_lists_diagnostics_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kb.kb",
        "fact a: bool\nfact b: bool\nfact a: int\nbackground b : rarely\n",
    );
    let output = triage()
        .args(["check", "--format", "json"])
        .arg(&path)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(json["errors"], 1);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let first = diagnostics.iter().find(|d| d["severity"] == "error").unwrap();
    assert_eq!(first["code"], "duplicate-name");
    assert_eq!(first["line"], 3);
    assert_eq!(first["column"], 6);
    assert_eq!(first["severity"], "error");
}

#[test]
fn without_a_knowledge_base_the_embedded_one_is_used() {
    triage()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::ends_with("0 errors, 0 warnings\n"));
    triage()
        .args(["diagnose", "--fact", "error_code=0x904", "--fact", "extended_error_code=0x7"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(rdp_0x904_0x7)"));
    // Formatting needs files: the embedded ones cannot be rewritten.
    triage().arg("fmt").assert().code(2).stderr(predicate::str::contains("triage kb export DIR"));
}

#[test]
fn kb_list_and_export_give_the_embedded_files() {
    triage().args(["kb", "list"]).assert().success().stdout(
        predicate::str::starts_with("2 embedded knowledge bases: rdp, ssh (select one with --kb NAME; `rdp` is the default)\n")
            .and(predicate::str::contains("\nembedded knowledge base `ssh`:\n  backgrounds.kb"))
            .and(predicate::str::contains("  facts.kb "))
            .and(predicate::str::contains("  cases/real.yaml\n"))
            .and(predicate::str::contains("  examples/0x904.json\n")),
    );
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("my-rdp");
    triage().args(["kb", "export"]).arg(&target).assert().success();
    assert!(target.join("facts.kb").is_file());
    assert!(target.join("cases/real.yaml").is_file());
    assert!(target.join("examples/0x904.json").is_file());
    triage()
        .args(["check", "--deny-warnings", "--kb"])
        .arg(&target)
        .assert()
        .success()
        .stdout(predicate::str::ends_with("0 errors, 0 warnings\n"));
    triage()
        .args(["kb", "export"])
        .arg(&target)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty"));
}

/// What a command prints and its exit code.
fn run(cmd: &mut Command) -> (Option<i32>, String) {
    let output = cmd.output().unwrap();
    (output.status.code(), String::from_utf8(output.stdout).unwrap())
}

#[test]
fn an_exported_knowledge_base_checks_and_tests_like_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    let exported = dir.path().join("rdp");
    triage().args(["kb", "export"]).arg(&exported).assert().success();
    // The same files, so the same summary: `checked N files: 0 errors, 0 warnings`.
    let embedded_check = run(triage().arg("check"));
    let exported_check = run(triage().arg("check").arg("--kb").arg(&exported));
    assert_eq!(embedded_check, exported_check);
    assert_eq!(embedded_check.0, Some(0));
    // The same cases (from `cases/`) with the same results, line for line; the exit code is
    // the embedded one's (some real reports fail by design: README's counts).
    let embedded_test = run(triage().arg("test"));
    let exported_test = run(triage().arg("test").arg("--kb").arg(&exported));
    assert!(embedded_test.1.contains(" cases: "), "{}", embedded_test.1);
    assert_eq!(embedded_test, exported_test);
    // The examples the README runs are there too.
    triage()
        .args(["plan", "--kb"])
        .arg(&exported)
        .arg(exported.join("examples/0x904.json"))
        .assert()
        .success();
}

#[test]
fn kb_list_and_export_honour_kb() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("web");
    triage().arg("init").arg(&kb).assert().success();
    // Not part of a knowledge base: left out of the list and the copy.
    fs::create_dir_all(kb.join(".git")).unwrap();
    write(&kb.join(".git"), "config", "[core]\n");
    write(&kb, "notes.txt", "mine\n");
    triage().args(["kb", "list", "--kb"]).arg(&kb).assert().success().stdout(
        predicate::str::starts_with(format!("knowledge base `{}`:\n", kb.display()))
            .and(predicate::str::contains("  causes.kb "))
            .and(predicate::str::contains("  cases/examples.yaml\n"))
            .and(predicate::str::contains("notes.txt").not())
            .and(predicate::str::contains(".git").not()),
    );
    let copy = dir.path().join("copy");
    triage().args(["--kb"]).arg(&kb).args(["kb", "export"]).arg(&copy).assert().success();
    let mut copied: Vec<String> = Vec::new();
    for entry in ["facts.kb", "causes.kb", "cases/examples.yaml", "notes.txt", ".git/config"] {
        if copy.join(entry).exists() {
            copied.push(entry.to_string());
        }
    }
    assert_eq!(copied, ["facts.kb", "causes.kb", "cases/examples.yaml"]);
    triage().args(["test", "--kb"]).arg(&copy).assert().success();
    // A single .kb file is a knowledge base too.
    let file = write(dir.path(), "one.kb", VALID);
    triage()
        .args(["kb", "list", "--kb"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("  one.kb "));
    triage()
        .args(["kb", "list", "--kb", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read `/definitely/not/here`"));
}

#[test]
fn commands_that_read_no_knowledge_base_refuse_kb() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        vec!["init".to_string(), dir.path().join("new").display().to_string()],
        vec!["completions".to_string(), "bash".to_string()],
        vec!["man".to_string()],
        vec!["plan".to_string(), "--schema".to_string()],
    ] {
        let name = if command[0] == "plan" { "plan --schema" } else { command[0].as_str() };
        triage()
            .args(["--kb", "src/commands/init"])
            .args(&command)
            .assert()
            .code(2)
            .stdout("")
            .stderr(format!("error: `triage {name}` reads no knowledge base: leave out --kb\n"));
        if command[0] == "init" {
            assert!(!dir.path().join("new").exists(), "refused, so nothing is written");
        }
        // TRIAGE_KB in the environment is not this command line's mistake.
        triage().env("TRIAGE_KB", "/definitely/not/here").args(&command).assert().success();
    }
}

#[test]
fn symptoms_lists_name_title_codes_as_written_and_frequency() {
    let output = run(triage().arg("symptoms"));
    assert_eq!(output.0, Some(0));
    let text = output.1;
    assert!(text.starts_with("15 symptoms in the embedded knowledge base `rdp`:\n"), "{text}");
    assert!(text.contains("\n9 symptoms in the embedded knowledge base `ssh`:\n"), "{text}");
    // 0x904 is hex in the knowledge base, 2308 (event 1026's reason) decimal.
    let at = text.find("rdp_0x904_0x7 ").unwrap();
    let entry: Vec<&str> = text[at..].lines().take(2).collect();
    assert!(
        entry[0].ends_with("  Remote Desktop fails with error code 0x904, extended error code 0x7"),
        "{entry:?}"
    );
    assert_eq!(entry[1].trim(), "codes 0x904, 2308; frequency 0.1");
    assert!(text.contains("Next: `triage guide rdp_black_or_frozen_screen`"), "{text}");
    let json = run(triage().args(["symptoms", "--format", "json", "--kb", "src/commands/init"]));
    assert_eq!(json.0, Some(0));
    let json: serde_json::Value = serde_json::from_str(&json.1).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{
            "name": "site_unavailable",
            "title": "The web site answers 502 or 503",
            "codes": ["502", "503"],
            "aliases": ["502", "503", "bad gateway", "service unavailable"],
            "frequency": 0.6,
            "knowledge_base": "src/commands/init",
        }])
    );
    // Every embedded symptom has the six keys; one declares no frequency: null, not absent.
    let all = run(triage().args(["symptoms", "--format", "json"]));
    let all: serde_json::Value = serde_json::from_str(&all.1).unwrap();
    for symptom in all.as_array().unwrap() {
        let mut keys: Vec<&str> = symptom.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["aliases", "codes", "frequency", "knowledge_base", "name", "title"]);
    }
    assert_eq!(all[1]["codes"], serde_json::json!(["0x904", "2308"]));
}

#[test]
fn guide_takes_facts_on_the_command_line_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // The file says the site is healthy (no symptom); --fact corrects it.
    let healthy = write(dir.path(), "healthy.json", r#"{"http_status": 200}"#);
    triage().args(["guide", "--kb", "src/commands/init", "--facts"]).arg(&healthy).assert().code(3);
    triage()
        .args(["guide", "--kb", "src/commands/init", "--facts"])
        .arg(&healthy)
        .args(["--fact", "http_status=503"])
        .assert()
        .success()
        .stdout(predicate::str::contains("The web site answers 502 or 503"));
}

#[test]
fn check_of_a_missing_path_says_which_and_exits_2() {
    triage()
        .args(["check", "/definitely/not/here.kb"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("cannot read `/definitely/not/here.kb`"));
}

#[test]
fn fmt_prints_canonical_form_and_keeps_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "a.kb",
        "# header\n\nfact   a :bool{title \"A\"   # why\n}\nbackground a:rarely\n",
    );
    triage()
        .arg("fmt")
        .arg(&path)
        .assert()
        .success()
        .stdout("# header\n\nfact a: bool {\n  title \"A\" # why\n}\n\nbackground a : rarely\n");
}

#[test]
fn fmt_check_lists_files_that_would_change_and_write_fixes_them() {
    let dir = tempfile::tempdir().unwrap();
    let messy = write(dir.path(), "messy.kb", "fact a:bool\n");
    write(dir.path(), "clean.kb", "fact b: bool\n");
    triage().args(["fmt", "--check"]).arg(dir.path()).assert().code(1).stdout(
        predicate::str::contains("messy.kb").and(predicate::str::contains("clean.kb").not()),
    );
    triage().args(["fmt", "--write"]).arg(dir.path()).assert().success();
    assert_eq!(fs::read_to_string(&messy).unwrap(), "fact a: bool\n");
    triage().args(["fmt", "--check"]).arg(dir.path()).assert().success().stdout("");
}

#[test]
fn fmt_leaves_files_with_syntax_errors_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.kb", "fact a: boo\n");
    triage()
        .args(["fmt", "--write"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expected a type"));
    assert_eq!(fs::read_to_string(&path).unwrap(), "fact a: boo\n");
}

#[test]
fn fmt_reads_standard_input() {
    triage()
        .args(["fmt", "-"])
        .write_stdin("fact  x:int")
        .assert()
        .success()
        .stdout("fact x: int\n");
}

#[test]
fn graph_draws_dot_and_mermaid_and_filters_by_symptom() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "kb.kb", VALID);
    triage().args(["graph", "--kb"]).arg(dir.path()).assert().success().stdout(
        predicate::str::starts_with("digraph triage {")
            .and(predicate::str::contains("label=\"cause expired_certificate\"")),
    );
    triage()
        .args(["graph", "--format", "mermaid", "--symptom", "rdp_0x904", "--kb"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("flowchart LR")
                .and(predicate::str::contains("fix renew_certificate")),
        );
    triage()
        .args(["graph", "--symptom", "rdp_0x90", "--kb"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `rdp_0x904`?"));
}

#[test]
fn graph_refuses_a_knowledge_base_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "kb.kb", "fact a: bool\nrule a = true when a\n");
    triage()
        .args(["graph", "--kb"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[rule-cycle]"));
}

#[test]
fn init_creates_a_knowledge_base_that_checks_clean_and_is_formatted() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("my-kb");
    triage().arg("init").arg(&kb).assert().success();
    assert!(kb.join("cases/examples.yaml").is_file());
    triage()
        .args(["check", "--deny-warnings", "--kb"])
        .arg(&kb)
        .assert()
        .success()
        .stdout("checked 2 files: 0 errors, 0 warnings\n");
    triage().args(["fmt", "--check"]).arg(&kb).assert().success().stdout("");
    triage().arg("init").arg(&kb).assert().code(2).stderr(predicate::str::contains("not empty"));
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        triage()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("triage"));
    }
    triage().arg("man").assert().success().stdout(predicate::str::contains(".TH triage"));
}

#[test]
fn help_shows_examples_and_exit_codes() {
    triage()
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
    triage()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes (docs/exit-codes.md):"));
    triage().arg("--version").assert().success().stdout(predicate::str::starts_with("triage "));
    triage().arg("frobnicate").assert().code(2);
}

#[test]
fn colour_is_never_used_when_output_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "kb.kb", "fact a: nope\n");
    let output = triage()
        .env_remove("NO_COLOR")
        .arg("check")
        .arg(&path)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert!(!output.contains(&0x1b), "{}", String::from_utf8_lossy(&output));
}

#[test]
fn commands_refuse_a_knowledge_base_that_cannot_be_read() {
    for command in [&["graph"][..], &["schema"][..], &["diagnose", "--fact", "a=1"][..]] {
        triage().args(["--kb", "/definitely/not/here"]).args(command).assert().code(2).stderr(
            predicate::str::contains("error[unreadable]: cannot read `/definitely/not/here`"),
        );
    }
}

#[test]
fn test_runs_cases_reports_failures_with_the_ranking_and_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    triage().arg("init").arg(&kb).assert().success();
    triage().args(["test", "--kb"]).arg(&kb).assert().success().stdout(
        predicate::str::contains("PASS web-001 disk_full")
            .and(predicate::str::contains("2 cases: 2 passed, 0 failed, 0 invalid"))
            .and(predicate::str::contains("expected cause in the top 3: 2 of 2")),
    );
    let wrong = write(
        dir.path(),
        "wrong.yaml",
        "cases:\n  - id: w-1\n    story: \"503 and a full disk\"\n    facts: { http_status: 503, disk_free_ratio: 0.01 }\n    expected_top: bad_deploy\n    rationale: \"deliberately wrong\"\n  - id: w-2\n    facts: { http_status: 503 }\n    expected_top: no_such_cause\n",
    );
    triage().args(["test", "--kb"]).arg(&kb).arg("--cases").arg(&wrong).assert().code(1).stdout(
        predicate::str::contains("INVALID")
            .and(predicate::str::contains("unknown cause `no_such_cause`")),
    );
    let wrong = write(
        dir.path(),
        "wrong2.yaml",
        "cases:\n  - id: w-1\n    story: \"503 and a full disk\"\n    facts: { http_status: 503, disk_free_ratio: 0.01 }\n    expected_top: bad_deploy\n",
    );
    triage().args(["test", "--kb"]).arg(&kb).arg("--cases").arg(&wrong).assert().code(1).stdout(
        predicate::str::contains("FAIL w-1 expected bad_deploy")
            .and(predicate::str::contains("1. disk_full 9"))
            .and(predicate::str::contains("<- expected"))
            .and(predicate::str::contains("coverage: not exercised by any case")),
    );
}

#[test]
fn test_json_is_one_document_with_a_summary_and_every_case() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    triage().arg("init").arg(&kb).assert().success();
    let cases = write(
        dir.path(),
        "cases.yaml",
        "cases:\n  - id: a\n    source: \"https://example.org/thread\"\n    tags: [real, thin]\n    opening: { http_status: 503 }\n    facts: { http_status: 503, disk_free_ratio: 0.01 }\n    expected_top: disk_full\n    notes: \"freed the disk\"\n  - id: b\n    facts: { http_status: 503, disk_free_ratio: 0.01 }\n    expected_top: bad_deploy\n",
    );
    let output = triage()
        .args(["test", "--format", "json", "--interview", "--kb"])
        .arg(&kb)
        .arg("--cases")
        .arg(&cases)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let summary = &json["summary"];
    assert_eq!(summary["cases"], 2);
    assert_eq!(summary["passed"], 1);
    assert_eq!(summary["top3"], 2);
    assert_eq!(summary["unlisted_led"], 0);
    assert_eq!(summary["by_tag"]["real"]["passed"], 1);
    assert!(summary["interview"]["median_questions"].is_u64(), "{summary}");
    let a = &json["cases"][0];
    assert_eq!(a["id"], "a");
    assert_eq!(a["pass"], true);
    assert_eq!(a["rank"], 1);
    assert_eq!(a["top"][0]["cause"], "disk_full");
    assert_eq!(a["source"], "https://example.org/thread");
    assert!(a["questions"].is_u64(), "{a}");
    // The interview starts from the opening (503 alone already points at the disk) and says
    // why it stopped.
    assert_eq!(
        a["interview"]["asked"].as_array().unwrap().len(),
        a["questions"].as_u64().unwrap() as usize
    );
    assert!(a["interview"]["stop"].as_str().unwrap().contains("disk_full"), "{a}");
    assert_eq!(a["interview"]["stop_reason"], "confident", "{a}");
    // The summary counts the stops by reason: one per case.
    let stops = summary["interview"]["stops"].as_object().unwrap();
    assert_eq!(stops.values().map(|n| n.as_u64().unwrap()).sum::<u64>(), 2, "{summary}");
    assert_eq!(stops["confident"].as_u64(), Some(2), "both stop on a confident cause: {summary}");
    let b = &json["cases"][1];
    assert_eq!(b["pass"], false);
    assert_eq!(b["rank"], 2);
    // A case's opening must be among its facts.
    let bad = write(
        dir.path(),
        "bad.yaml",
        "cases:\n  - id: c\n    opening: { http_status: 502 }\n    facts: { http_status: 503 }\n    expected_top: disk_full\n",
    );
    triage().args(["test", "--kb"]).arg(&kb).arg("--cases").arg(&bad).assert().code(1).stdout(
        predicate::str::contains("`opening` has `http_status`, which `facts` does not have"),
    );
}
