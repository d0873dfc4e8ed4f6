//! `triage plan` and `triage collect` end to end: a bash plan run against a fake system
//! (stub commands on PATH that record every call in a state folder), the bash collector of the
//! fixture knowledge base fed to `triage diagnose`, and the commands' errors.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const KB: &str = "renderers/test_data/bash_kb";
const FACTS: &str = "renderers/test_data/bash_kb/facts.json";
const RDP_FACTS: &str = "knowledge/rdp/examples/0x904.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn triage() -> Command {
    let mut command = Command::cargo_bin("triage").unwrap();
    command.current_dir(root()).env_remove("TRIAGE_KB");
    command
}

/// The fake system: `webprobe` answers while the disk is not full (and nothing is broken for
/// good), `webctl` restarts a service that dies at once on a full disk, `diskctl` frees the
/// disk, `deployctl` always works. Every call is appended to `calls` with its arguments.
const STUBS: [(&str, &str); 4] = [
    (
        "webprobe",
        r#"log_call webprobe "$@"
[ ! -e "$FAKE_STATE/disk_full" ] && [ ! -e "$FAKE_STATE/broken_forever" ]"#,
    ),
    (
        "webctl",
        r#"log_call webctl "$@"
case $1 in
  restart) exit 0 ;;
  is-running) [ ! -e "$FAKE_STATE/disk_full" ] ;;
  stop) [ ! -e "$FAKE_STATE/undo_breaks" ] ;;
  *) exit 64 ;;
esac"#,
    ),
    (
        "diskctl",
        r#"log_call diskctl "$@"
case $1 in
  clean) rm -f "$FAKE_STATE/disk_full" ;;
  has-space) [ ! -e "$FAKE_STATE/disk_full" ] ;;
  restore) touch "$FAKE_STATE/disk_full" ;;
  *) exit 64 ;;
esac"#,
    ),
    ("deployctl", r#"log_call deployctl "$@""#),
];

struct FakeSystem {
    dir: tempfile::TempDir,
}

impl FakeSystem {
    fn new(flags: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let state = dir.path().join("state");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        for (name, body) in STUBS {
            let script = format!(
                "#!/usr/bin/env bash\nlog_call() {{ printf '%s' \"$1\" >>\"$FAKE_STATE/calls\"; shift; printf ' [%s]' \"$@\" >>\"$FAKE_STATE/calls\"; echo >>\"$FAKE_STATE/calls\"; }}\n{body}\n"
            );
            let path = bin.join(name);
            std::fs::write(&path, script).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        for flag in flags {
            std::fs::write(state.join(flag), "").unwrap();
        }
        FakeSystem { dir }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.state().join("calls"))
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn state_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.state())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("transcript.log")
    }

    /// Writes the bash plan of `facts` and runs it with `args`: (exit code, stdout).
    fn run_plan(&self, facts: &Path, args: &[&str], stdin: &str) -> (i32, String) {
        self.run_plan_of(facts, &[], args, stdin)
    }

    /// Like `run_plan`, with the plan made from another knowledge base.
    fn run_plan_with_kb(&self, kb: &Path, facts: &Path, args: &[&str]) -> (i32, String) {
        self.run_plan_from(kb, facts, &[], args, "")
    }

    /// Like `run_plan`, with extra `triage plan` arguments.
    fn run_plan_of(
        &self,
        facts: &Path,
        plan_args: &[&str],
        args: &[&str],
        stdin: &str,
    ) -> (i32, String) {
        self.run_plan_from(&root().join(KB), facts, plan_args, args, stdin)
    }

    fn run_plan_from(
        &self,
        kb: &Path,
        facts: &Path,
        plan_args: &[&str],
        args: &[&str],
        stdin: &str,
    ) -> (i32, String) {
        let plan = self.dir.path().join("plan.sh");
        triage()
            .args(["plan", "--kb"])
            .arg(kb)
            .args(["--shell", "bash", "-o"])
            .arg(&plan)
            .arg(facts)
            .args(plan_args)
            .assert()
            .success();
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let output = std::process::Command::new("bash")
            .arg(&plan)
            .args(args)
            .arg("--log")
            .arg(self.log())
            .env("PATH", path)
            .env("FAKE_STATE", self.state())
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                child.stdin.take().unwrap().write_all(stdin.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

fn fixture_facts() -> PathBuf {
    root().join(FACTS)
}

#[test]
fn the_dry_run_prints_the_plan_and_changes_nothing() {
    let system = FakeSystem::new(&["disk_full"]);
    let (code, stdout) = system.run_plan(&fixture_facts(), &[], "");
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("Dry run: nothing is changed"), "{stdout}");
    assert!(stdout.contains("Fix 1/4: Restart the web service (restart_service)"), "{stdout}");
    assert!(stdout.contains("diskctl clean --owner \"$TRIAGE_USER_NAME\""), "{stdout}");
    assert!(stdout.contains("It cannot be automated (no bash run script)"), "{stdout}");
    assert!(stdout.contains("TRIAGE_USER_NAME=svc-web"), "{stdout}");
    assert!(!stdout.contains("renew_certificate"), "a ruled-out cause's fix: {stdout}");
    assert_eq!(system.calls(), Vec::<String>::new(), "no command of the system ran");
    assert_eq!(system.state_files(), ["disk_full"]);
    assert!(!system.log().exists(), "a dry run writes no transcript");
}

#[test]
fn apply_undoes_a_failed_fix_moves_on_and_stops_once_the_symptom_is_gone() {
    let system = FakeSystem::new(&["disk_full"]);
    let (code, stdout) = system.run_plan(&fixture_facts(), &["--apply"], "");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        system.calls(),
        [
            "webprobe [web-01.example.test]",
            "webctl [restart] [webapp]",
            "webctl [is-running] [webapp]",
            "webctl [stop] [webapp]",
            "diskctl [clean] [--owner] [svc-web]",
            "diskctl [has-space]",
            "webprobe [web-01.example.test]",
        ],
        "fix 3 (rollback_release) must not run: {stdout}"
    );
    let transcript = std::fs::read_to_string(system.log()).unwrap();
    for line in transcript.lines() {
        let stamp = line.split(' ').next().unwrap();
        assert!(
            stamp.len() == 20 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
            "every line starts with a UTC timestamp: {line}"
        );
    }
    for expected in [
        "check the symptom exited 0",
        "fix 1/4 restart_service verify exited 1",
        "fix 1/4 restart_service failed",
        "fix 1/4 restart_service undone",
        "fix 2/4 clean_disk took",
        "the symptom is gone after fix 2",
    ] {
        assert!(transcript.contains(expected), "`{expected}` missing from:\n{transcript}");
    }
}

#[test]
fn apply_exits_0_at_once_when_the_symptom_is_already_gone() {
    let system = FakeSystem::new(&[]);
    let (code, stdout) = system.run_plan(&fixture_facts(), &["--apply"], "");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(system.calls(), ["webprobe [web-01.example.test]"]);
    assert!(stdout.contains("the symptom is already gone"), "{stdout}");
}

#[test]
fn apply_exits_10_when_nothing_worked() {
    let system = FakeSystem::new(&["broken_forever"]);
    let (code, stdout) = system.run_plan(&fixture_facts(), &["--apply"], "");
    assert_eq!(code, 10, "{stdout}");
    assert!(stdout.contains("fix 4/4 ask_hosting_provider cannot be automated"), "{stdout}");
    assert!(stdout.contains("1. Open a ticket with the hosting provider."), "{stdout}");
    assert_eq!(system.calls().iter().filter(|c| c.starts_with("webprobe")).count(), 4);
}

#[test]
fn apply_exits_20_when_a_fix_failed_and_was_undone_and_the_symptom_stays() {
    let system = FakeSystem::new(&["broken_forever", "disk_full"]);
    let (code, stdout) = system.run_plan(&fixture_facts(), &["--apply"], "");
    assert_eq!(code, 20, "{stdout}");
    assert!(system.calls().contains(&"webctl [stop] [webapp]".to_string()));
    assert!(
        system.calls().contains(&"deployctl [rollback] [--host] [web-01.example.test]".to_string())
    );
}

#[test]
fn apply_stops_with_30_when_an_undo_fails() {
    let system = FakeSystem::new(&["disk_full", "undo_breaks"]);
    let (code, stdout) = system.run_plan(&fixture_facts(), &["--apply"], "");
    assert_eq!(code, 30, "{stdout}");
    assert_eq!(
        system.calls().last().unwrap(),
        "webctl [stop] [webapp]",
        "nothing after the failed undo"
    );
    let transcript = std::fs::read_to_string(system.log()).unwrap();
    assert!(transcript.contains("undo failed: stopping"), "{transcript}");
}

#[test]
fn without_a_check_the_plan_stops_with_40_after_the_first_fix_that_took() {
    // site_slow has no check script; the facts do not show it, --symptom names it.
    let system = FakeSystem::new(&["disk_full"]);
    let (code, stdout) =
        system.run_plan_of(&fixture_facts(), &["--symptom", "site_slow"], &["--apply"], "");
    assert_eq!(code, 40, "{stdout}");
    assert_eq!(system.calls(), ["diskctl [clean] [--owner] [svc-web]", "diskctl [has-space]"]);
    assert!(stdout.contains("could not be re-checked after fix 1: confirm by hand"), "{stdout}");
}

#[test]
fn interactive_asks_before_each_fix_and_q_stops_with_50() {
    let system = FakeSystem::new(&["disk_full"]);
    let (code, stdout) = system.run_plan(&fixture_facts(), &["--apply", "--interactive"], "n\nq\n");
    assert_eq!(code, 50, "{stdout}");
    assert!(stdout.contains("Apply restart_service: Restart the web service? [y]es"), "{stdout}");
    assert_eq!(
        system.calls(),
        ["webprobe [web-01.example.test]"],
        "fix 1 skipped, stopped at fix 2"
    );
}

#[test]
fn a_hostile_fact_value_reaches_the_fix_verbatim_and_runs_nothing() {
    let system = FakeSystem::new(&["disk_full"]);
    let hostile = "it's \"x\" $(touch pwned) `touch pwned2` ${HOME}; touch pwned3 | & \u{2019}\\'";
    let facts = system.dir.path().join("facts.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_facts()).unwrap()).unwrap();
    json["user_name"] = hostile.into();
    std::fs::write(&facts, json.to_string()).unwrap();
    let (code, stdout) = system.run_plan(&facts, &["--apply"], "");
    assert_eq!(code, 0, "{stdout}");
    assert!(
        system.calls().contains(&format!("diskctl [clean] [--owner] [{hostile}]")),
        "{:?}",
        system.calls()
    );
    for file in ["pwned", "pwned2", "pwned3"] {
        assert!(
            !system.dir.path().join(file).exists(),
            "{file} was created: the value ran as code"
        );
    }
}

#[test]
fn the_bash_collector_output_is_a_fact_file_diagnose_reads_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("collect.sh");
    triage().args(["collect", "--kb", KB, "--shell", "bash", "-o"]).arg(&script).assert().success();
    let facts = dir.path().join("facts.json");
    let started = std::time::Instant::now();
    let output = std::process::Command::new("bash")
        .arg(&script)
        .args(["--timeout", "2", "-o"])
        .arg(&facts)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(started.elapsed().as_secs() < 20, "the 30 s collector was not cut off");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "some collectors failed: {stderr}");
    assert!(
        stderr.contains("error_log_tail: the collector failed (exit 3): cannot read"),
        "{stderr}"
    );
    assert!(stderr.contains("upstream_answers: timed out after 2s"), "{stderr}");
    assert!(!stderr.contains("user_name"), "{stderr}");
    assert!(!dir.path().join("pwned").exists(), "the hostile string ran as code");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
    assert!(json["host"].as_str().is_some_and(|h| !h.is_empty()));
    assert!(json["collected_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(json["http_status"], 503);
    assert_eq!(json["service_running"], false);
    assert_eq!(json["disk_free_ratio"], 0.02);
    assert_eq!(json["app_version"], "2.4.1");
    assert_eq!(json["service_state"], "failed");
    assert_eq!(json["recent_changes"], serde_json::json!(["config_change", "app_deploy"]));
    assert_eq!(
        json["user_name"],
        "it's \"quoted\" $(touch pwned) `id` ${HOME} ; | & \u{2018}\u{2019}\u{201A}\u{201B} back\\slash\ttab \u{2603}"
    );
    assert_eq!(json["error_log_tail"], serde_json::Value::Null);
    assert_eq!(json["upstream_answers"], serde_json::Value::Null);
    assert!(json.get("incident_ticket").is_none(), "no collector, not in the file");

    let diagnosed = triage()
        .args(["diagnose", "--kb", KB, "--format", "json"])
        .arg(&facts)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&diagnosed).unwrap();
    assert_eq!(report["symptoms"][0]["symptom"], "site_down");
    assert_eq!(report["symptoms"][0]["causes"][0]["cause"], "service_crashed");
}

#[test]
fn plan_prints_a_powershell_dry_run_plan_for_the_rdp_example() {
    let out = triage().args(["plan", RDP_FACTS]).assert().success().get_output().stdout.clone();
    let script = String::from_utf8(out).unwrap();
    assert!(
        script.starts_with(
            "<#\n.SYNOPSIS\nRepair plan for: Remote Desktop fails with error code 0x904"
        )
    );
    assert!(script.contains("#Requires -RunAsAdministrator\n[CmdletBinding()]"));
    assert!(script.contains("$env:TRIAGE_HOST = 'PC-HELPDESK-07'"));
    assert!(script.contains("  1. Start the key services"), "the most likely cheap fix first");
    assert!(script.contains(
        "Left out (the facts rule their causes out, or they help less per minute than escalating):"
    ));
    assert!(script.contains("  30  an undo step failed"));
}

#[test]
fn plan_writes_the_file_given_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    triage()
        .args(["plan", "--kb", KB, FACTS, "--shell", "json", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let steps: Vec<&str> =
        plan["steps"].as_array().unwrap().iter().map(|s| s["fix"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        ["restart_service", "clean_disk", "rollback_release", "ask_hosting_provider"]
    );
    assert_eq!(plan["left_out"], serde_json::json!(["renew_certificate"]));
}

#[test]
fn plan_errors_are_clear() {
    triage()
        .args(["plan", "--kb", KB, FACTS, "--symptom", "site_dwn"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown symptom `site_dwn`; did you mean `site_down`?"));
    let dir = tempfile::tempdir().unwrap();
    let healthy = dir.path().join("healthy.json");
    std::fs::write(&healthy, r#"{"http_status": 200}"#).unwrap();
    triage()
        .args(["plan", "--kb", KB])
        .arg(&healthy)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("the facts rule out every symptom"));
    triage().args(["plan", RDP_FACTS, "--shell", "bash"]).assert().code(1).stderr(
        predicates::str::contains(
            "nothing to automate: no fix of the plan for `rdp_0x904_0x7` has a bash `run` script",
        ),
    );
    let nul = dir.path().join("nul.json");
    std::fs::write(&nul, r#"{"http_status": 503, "user_name": "a\u0000b"}"#).unwrap();
    triage().args(["plan", "--kb", KB, "--shell", "bash"]).arg(&nul).assert().code(1).stderr(
        predicates::str::contains(
            "`user_name` cannot be put into a bash script: it contains a NUL character",
        ),
    );
    triage().args(["plan"]).assert().code(2);
}

/// The fixes of a `--shell json` plan, in order.
fn json_steps(args: &[&str]) -> Vec<String> {
    let out = triage().args(["plan", "--shell", "json"]).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    plan["steps"].as_array().unwrap().iter().map(|s| s["fix"].as_str().unwrap().into()).collect()
}

#[test]
fn plan_takes_facts_from_fact_flags_without_a_file_or_over_it() {
    let from_file = json_steps(&["--kb", KB, FACTS]);
    let from_flags = json_steps(&[
        "--kb",
        KB,
        "--fact",
        "http_status=503",
        "--fact",
        "service_running=false",
        "--fact",
        "service_state=failed",
        "--fact",
        "disk_free_ratio=0.02",
        "--fact",
        "app_version=2.4.1",
        "--fact",
        "recent_changes=config_change,app_deploy",
    ]);
    assert_eq!(from_flags, from_file);
    // --fact wins over the file: a healthy site has nothing to repair.
    triage()
        .args(["plan", "--kb", KB, FACTS, "--fact", "http_status=200"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("the facts rule out every symptom"));
    // The RDP symptom from its code alone, as `triage --help` shows it.
    triage().args(["plan", "--fact", "error_code=0x904"]).assert().success().stdout(
        predicates::str::starts_with(
            "<#\n.SYNOPSIS\nRepair plan for: Remote Desktop fails with error code 0x904",
        ),
    );
    // The same checks as diagnose: every problem at once, exit 1; no `=` is a usage error.
    triage()
        .args(["plan", "--kb", KB, "--fact", "http_stat=503", "--fact", "disk_free_ratio=lots"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "--fact `http_stat`: expected a fact declared in the knowledge base, found an unknown \
             key (did you mean `http_status`?)\n--fact `disk_free_ratio`: expected a number",
        ));
    triage()
        .args(["plan", "--kb", KB, "--fact", "http_status"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--fact expects NAME=VALUE, got `http_status`"));
    triage().args(["plan", "--schema", "--fact", "http_status=503"]).assert().code(2);
}

#[test]
fn plan_help_documents_the_exit_codes_of_the_script() {
    let help = triage().args(["plan", "--help"]).assert().success().get_output().stdout.clone();
    let help = String::from_utf8(help).unwrap();
    for (code, _) in triage_renderers::plan::EXIT_CODES {
        assert!(help.contains(&format!("\n{code:>4}  ")), "exit code {code} missing:\n{help}");
    }
    assert!(help.contains(&format!("\n{:>4}  stopped", triage_renderers::plan::EXIT_STOPPED)));
    triage()
        .args(["plan", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("10  nothing worked"))
        .stdout(predicates::str::contains("30  an undo failed"));
}

#[test]
fn collect_for_a_symptom_keeps_only_the_facts_it_reads() {
    let all = triage().args(["collect"]).assert().success().get_output().stdout.clone();
    let all = String::from_utf8(all).unwrap();
    let some = triage()
        .args(["collect", "--symptom", "rdp_cant_find_computer"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let some = String::from_utf8(some).unwrap();
    let count = |s: &str| s.matches("        Block = {").count();
    assert!(count(&some) > 0 && count(&some) < count(&all), "{} of {}", count(&some), count(&all));
    assert!(some.contains("Name = 'error_message'"), "the symptom's own condition reads it");
    assert!(some.contains("Start-Job -ScriptBlock $c.Block"));
    assert!(some.contains("Wait-Job -Job $job -Timeout $TimeoutSeconds"));
    triage()
        .args(["collect", "--shell", "bash"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("has a bash collector"));
    triage().args(["collect", "--symptom", "nope"]).assert().code(2);
}

/// A fix that needs a restart ends the run when it takes: the symptom cannot be re-checked
/// until the machine restarts, so the plan says so and exits 60 instead of trying more fixes.
#[test]
fn a_fix_that_needs_a_restart_stops_the_plan_with_exit_60() {
    let kb = tempfile::tempdir().unwrap();
    for name in ["facts.kb", "site.kb"] {
        let text = std::fs::read_to_string(root().join(KB).join(name)).unwrap();
        let text = text.replace(
            "fix clean_disk {\n  title \"Delete old logs and temporary files on the data disk\"\n  fixes disk_full\n  cost 10m\n  risk medium\n  needs server",
            "fix clean_disk {\n  title \"Delete old logs and temporary files on the data disk\"\n  fixes disk_full\n  cost 10m\n  risk medium\n  needs server, reboot",
        );
        std::fs::write(kb.path().join(name), text).unwrap();
    }
    let site = std::fs::read_to_string(kb.path().join("site.kb")).unwrap();
    assert!(site.contains("needs server, reboot"), "the fixture changed: update this test");
    let system = FakeSystem::new(&["disk_full"]);
    let (dry, stdout) = system.run_plan_with_kb(kb.path(), &fixture_facts(), &[]);
    assert_eq!(dry, 0, "{stdout}");
    assert!(stdout.contains("it needs a restart: the plan stops there (exit 60)"), "{stdout}");
    let (code, stdout) = system.run_plan_with_kb(kb.path(), &fixture_facts(), &["--apply"]);
    assert_eq!(code, 60, "{stdout}");
    let calls = system.calls();
    assert_eq!(calls.last().map(String::as_str), Some("diskctl [has-space]"), "{calls:?}");
    assert!(!calls.iter().any(|c| c.starts_with("deployctl")), "no fix after the restart one");
    let transcript = std::fs::read_to_string(system.log()).unwrap();
    assert!(
        transcript
            .contains("fix 2 needs a restart before it acts: restart, then run the plan again"),
        "{transcript}"
    );
}

/// `--where` splits collection between the machines: a server script does not probe the
/// client's settings, and the reverse.
#[test]
fn collect_where_keeps_the_facts_read_on_that_machine() {
    let script = |place: &str| {
        let out = triage()
            .args(["collect", "--symptom", "rdp_0x904_0x7", "--where", place])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let server = script("server");
    let client = script("client");
    assert!(server.contains("rdp_cert_days_to_expiry (int)"), "a server fact");
    assert!(!server.contains("client_udp_disabled (bool)"), "a client fact in the server script");
    assert!(client.contains("client_udp_disabled (bool)"), "a client fact");
    assert!(
        !client.contains("rdp_cert_days_to_expiry (int)"),
        "a server fact in the client script"
    );
}

// ---------------------------------------------------------------------------------------------
// Parameters, fix state and --undo, on the parameters fixture: a plan that rewrites a file
// keeps the old one in its state folder and `--undo` puts it back byte for byte.
// ---------------------------------------------------------------------------------------------

const PARAMS_KB: &str = "renderers/test_data/params_kb";

fn params_plan(dir: &Path, extra: &[&str]) -> PathBuf {
    let script = dir.join("plan.sh");
    let mut args = vec![
        "plan",
        "--kb",
        PARAMS_KB,
        "--shell",
        "bash",
        "--fact",
        "file_ok=false",
        "--fact",
        "wanted_word=it's $(fine)",
        "-o",
    ];
    let path = script.to_str().unwrap().to_string();
    args.push(&path);
    args.extend_from_slice(extra);
    triage().args(&args).assert().success();
    script
}

fn bash(script: &Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new("bash");
    command.arg(script).args(args).env_remove("DEMO_FILE").env_remove("DEMO_WORD");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn a_fix_keeps_what_it_changes_and_undo_restores_it_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let watched = dir.path().join("watched.txt");
    std::fs::write(&watched, "bye\n").unwrap();
    let before = std::fs::read(&watched).unwrap();
    let script = params_plan(dir.path(), &[]);
    let state = dir.path().join("state");
    let env = [("DEMO_FILE", watched.to_str().unwrap())];
    let log = dir.path().join("log");
    let out = bash(
        &script,
        &env,
        &["--apply", "--state", state.to_str().unwrap(), "--log", log.to_str().unwrap()],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    // The word came from the fact file (`from wanted_word`), untrusted text written verbatim.
    assert_eq!(std::fs::read_to_string(&watched).unwrap(), "it's $(fine)\n");
    assert!(said.contains("--undo"), "the plan says how to undo: {said}");
    assert_eq!(std::fs::read_to_string(state.join("took")).unwrap(), "rewrite\n");

    let out =
        bash(&script, &env, &["--undo", state.to_str().unwrap(), "--log", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(std::fs::read(&watched).unwrap(), before, "undo restores the bytes");
    assert!(!state.join("took").exists(), "nothing is left to undo");
    let out = bash(&script, &env, &["--undo", state.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "a second undo has nothing to do");
}

#[test]
fn a_required_parameter_that_is_unset_stops_the_script_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let script = params_plan(dir.path(), &[]);
    let out = bash(&script, &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("DEMO_FILE is not set (The file the demo watches)"), "{said}");
}

#[test]
fn the_environment_wins_over_param_and_param_over_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let watched = dir.path().join("watched.txt");
    std::fs::write(&watched, "hello\n").unwrap();
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "nope\n").unwrap();
    let param = format!("DEMO_FILE={}", other.display());
    // The collector made with --param reads `other`; the environment points it at `watched`.
    let collect = dir.path().join("collect.sh");
    triage()
        .args(["collect", "--kb", PARAMS_KB, "--where", "server", "--param", &param, "-o"])
        .arg(&collect)
        .assert()
        .success();
    let facts = |env: &[(&str, &str)]| -> serde_json::Value {
        let out = bash(&collect, env, &[]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(facts(&[])["file_ok"], false, "--param's file says `nope`");
    assert_eq!(facts(&[("DEMO_FILE", watched.to_str().unwrap())])["file_ok"], true);
    assert_eq!(
        facts(&[("DEMO_FILE", watched.to_str().unwrap()), ("DEMO_WORD", "nope")])["file_ok"],
        false,
        "the environment's word over the default `hello`"
    );
}

#[test]
fn param_and_where_are_checked() {
    triage()
        .args(["collect", "--kb", PARAMS_KB, "--param", "DEMO_FLIE=/x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean `DEMO_FILE`?"));
    let dir = tempfile::tempdir().unwrap();
    let client = dir.path().join("client.sh");
    triage()
        .args(["collect", "--kb", PARAMS_KB, "--where", "client", "-o"])
        .arg(&client)
        .assert()
        .success();
    let text = std::fs::read_to_string(&client).unwrap();
    assert!(text.contains("DEMO_CLIENT_ONLY"), "the client's parameter is set");
    assert!(!text.contains("DEMO_FILE="), "a server-only parameter is not: {text}");
    triage()
        .args([
            "plan",
            "--kb",
            PARAMS_KB,
            "--fact",
            "file_ok=false",
            "--where",
            "client",
            "--shell",
            "bash",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("no fix for `broken` runs on the client"));
}

#[test]
fn a_collector_leaves_unknown_what_diagnose_would_refuse_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("collect.sh");
    let kb = "renderers/test_data/limits_kb";
    triage().args(["collect", "--kb", kb, "-o"]).arg(&script).assert().success();
    let facts = dir.path().join("facts.json");
    let output =
        std::process::Command::new("bash").arg(&script).arg("-o").arg(&facts).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for said in [
        "page_text: the output is 3000000 bytes, over the 65536 a fact value may have",
        "service_state: the output holds a NUL byte",
        "app_version: '1.123456789012345678901234567890' is not a version",
        "load_ratio: '1e999' is not a number",
        "2 of 6 collectors gave a value or null; 4 failed",
    ] {
        assert!(stderr.contains(said), "{said:?} not in {stderr}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
    assert_eq!(json["http_status"], 503);
    assert_eq!(json["page_title"].as_str().map(str::len), Some(65536));
    for unknown in ["page_text", "service_state", "app_version", "load_ratio"] {
        assert_eq!(json[unknown], serde_json::Value::Null, "{unknown}");
    }
    let diagnosed = triage()
        .args(["diagnose", "--kb", kb, "--format", "json"])
        .arg(&facts)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&diagnosed).unwrap();
    assert_eq!(report["symptoms"][0]["symptom"], "down");
}

#[test]
fn a_dry_run_prints_fact_values_with_their_control_characters_made_visible() {
    let dir = tempfile::tempdir().unwrap();
    let mut facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FACTS)).unwrap()).unwrap();
    facts["target"] = "t\u{1b}]0;title\u{7}\u{1b}[2J\u{9b}2J\nfake line".into();
    let path = dir.path().join("facts.json");
    std::fs::write(&path, facts.to_string()).unwrap();
    let script = dir.path().join("plan.sh");
    triage()
        .args(["plan", "--kb", KB, "--shell", "bash", "-o"])
        .arg(&script)
        .arg(&path)
        .assert()
        .success();
    let output = std::process::Command::new("bash")
        .arg(&script)
        .env("LC_ALL", "C.UTF-8")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let shown = stdout.lines().find(|l| l.starts_with("  TRIAGE_TARGET=")).unwrap();
    assert_eq!(shown, r"  TRIAGE_TARGET=t\x1b]0;title\x07\x1b[2J\u009b2J\x0afake line");
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached the terminal: {stdout:?}"
    );
}
