//! `triage plan --record DIR`: the generated bash plan run for real with `--apply` on a
//! harmless knowledge base (`tests/data/marker_kb`, whose fixes touch files in a temporary
//! folder), the record it appends read back with `triage_learn::record::read_records` and the
//! published schema, and turned into a case; concurrent runs never mix their lines; hostile
//! fact values stay data. The PowerShell plan is parsed by `pwsh` when it is installed
//! (`TRIAGE_REQUIRE_PWSH` makes a missing `pwsh` a failure) and its structure is read in any
//! case.

use super::support::{records_in, root, triage};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use triage_learn::record::{FactSource, FixResult, Record, Tool};

const KB: &str = "tests/data/marker_kb";

/// A fact value that would run commands if it were ever code.
const HOSTILE: &str = "it's $(touch pwned) `touch pwned2` \"q\" ‘’ ; rm -rf x \\ \n'@ #> ${HOME}";

/// A folder for one run: `sys/` (the marker's folder), the fact file, the plan.
struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new(note: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sys")).unwrap();
        let facts = serde_json::json!({
            "marker_present": false,
            "marker_dir": dir.path().join("sys").display().to_string(),
            "note": note,
        });
        std::fs::write(dir.path().join("facts.json"), facts.to_string()).unwrap();
        Run { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `triage plan --record RECORDS` in `shell`, written to `plan.<ext>`.
    fn plan(&self, shell: &str, records: &Path) -> PathBuf {
        let out = self.path(if shell == "bash" { "plan.sh" } else { "plan.ps1" });
        let output = triage()
            .args(["plan", "--kb", KB, "--shell", shell, "--record"])
            .arg(records)
            .arg(self.path("facts.json"))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        out
    }

    /// Runs the bash plan in the run's folder: its exit code.
    fn bash(&self, plan: &Path, args: &[&str]) -> i32 {
        let output = Command::new("bash")
            .arg(plan)
            .args(args)
            .arg("--log")
            .arg(self.path("log"))
            .env("TRIAGE_STATE_DIR", self.path("state"))
            .env_remove("TRIAGE_RECORD_DIR")
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        output.status.code().unwrap_or(-1)
    }
}

fn results(record: &Record) -> Vec<(&str, FixResult)> {
    record.fixes.iter().map(|f| (f.fix.as_str(), f.result)).collect()
}

#[test]
fn an_applied_bash_plan_records_the_facts_the_ranking_and_each_fix_it_tried() {
    let run = Run::new(HOSTILE);
    let records = run.path("records");
    let plan = run.plan("bash", &records);
    // A dry run records nothing, not even the folder.
    assert_eq!(run.bash(&plan, &[]), 0);
    assert!(!records.exists());
    // The first fix fails and is undone, the second makes the marker: the symptom is gone.
    assert_eq!(
        run.bash(&plan, &["--apply"]),
        0,
        "{}",
        std::fs::read_to_string(run.path("log")).unwrap()
    );
    assert!(run.path("sys/marker").exists());
    assert!(!run.path("pwned").exists() && !run.path("pwned2").exists(), "a fact value ran");
    let all = records_in(&records).0;
    assert_eq!(all.len(), 1);
    let record = &all[0];
    assert_eq!(record.tool, Tool::Plan);
    assert_eq!(record.id.len(), 16);
    assert!(record.id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert!(record.recorded_at.ends_with('Z'), "{}", record.recorded_at);
    assert_eq!(record.kb.name, "marker_kb");
    let text = std::fs::read_to_string(root().join(KB).join("marker.kb")).unwrap();
    assert_eq!(record.kb.version, triage_learn::kb_version::kb_version([("marker.kb", text)]));
    assert_eq!(record.symptom.as_deref(), Some("marker_missing"));
    assert!(record.facts.iter().all(|f| f.source == FactSource::Collected && f.step == 0));
    let note = record.facts.iter().find(|f| f.fact == "note").unwrap();
    assert_eq!(note.value, serde_json::json!(HOSTILE), "the value is kept exactly");
    // The ranking the plan was made from, as `triage diagnose` gives it.
    let diagnosis = triage()
        .args(["diagnose", "--kb", KB, "--format", "json"])
        .arg(run.path("facts.json"))
        .output()
        .unwrap();
    let diagnosis: serde_json::Value = serde_json::from_slice(&diagnosis.stdout).unwrap();
    let causes = diagnosis["symptoms"][0]["causes"].as_array().unwrap();
    assert_eq!(record.ranking.len(), causes.len());
    for (ranked, cause) in record.ranking.iter().zip(causes) {
        assert_eq!(ranked.cause, cause["cause"].as_str().unwrap());
        assert!((ranked.probability - cause["posterior"].as_f64().unwrap()).abs() < 1e-9);
    }
    assert_eq!(
        results(record),
        [("refuse_first", FixResult::Undone), ("make_marker", FixResult::Worked)]
    );
    assert_eq!(record.confirmed_cause, None);

    // The fix that worked repairs one cause: the record is a case for it.
    let file = std::fs::read_dir(&records).unwrap().next().unwrap().unwrap().path();
    let output = triage().args(["cases", "from-records", "--kb", KB]).arg(&file).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("source: \"record {}\"", record.id)), "{stdout}");
    assert!(stdout.contains("expected_top: \"never_made\""), "{stdout}");
}

#[test]
fn a_plan_where_nothing_works_records_every_fix_as_it_failed() {
    let run = Run::new("plain");
    // The marker's folder is a file: every `touch` in it fails.
    std::fs::remove_dir(run.path("sys")).unwrap();
    std::fs::write(run.path("sys"), "").unwrap();
    let records = run.path("records");
    let plan = run.plan("bash", &records);
    assert_eq!(run.bash(&plan, &["--apply"]), 20);
    let all = records_in(&records).0;
    assert_eq!(all.len(), 1);
    assert_eq!(
        results(&all[0]),
        [
            ("refuse_first", FixResult::Undone),
            ("make_marker", FixResult::DidNotWork),
            ("touch_elsewhere", FixResult::DidNotWork),
        ]
    );
    // Nothing is known about the cause: `cases from-records` turns it into no case.
    let file = std::fs::read_dir(&records).unwrap().next().unwrap().unwrap().path();
    let output = triage().args(["cases", "from-records", "--kb", KB]).arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("expected_top"), "{stdout}");
}

#[test]
fn plans_running_at_once_append_whole_lines() {
    // Records of about 60 KB: far beyond bash's 16 KiB output buffer.
    let runs: Vec<Run> = (0..6).map(|i| Run::new(&format!("{i}{}", "x".repeat(60_000)))).collect();
    let records = tempfile::tempdir().unwrap();
    let plans: Vec<PathBuf> = runs.iter().map(|r| r.plan("bash", records.path())).collect();
    let children: Vec<_> = runs
        .iter()
        .zip(&plans)
        .map(|(run, plan)| {
            Command::new("bash")
                .arg(plan)
                .args(["--apply", "--log"])
                .arg(run.path("log"))
                .env("TRIAGE_STATE_DIR", run.path("state"))
                .current_dir(run.dir.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let all = records_in(records.path()).0;
    assert_eq!(all.len(), 6);
    let mut notes: Vec<String> = all
        .iter()
        .map(|r| {
            r.facts.iter().find(|f| f.fact == "note").unwrap().value.as_str().unwrap()[..1]
                .to_string()
        })
        .collect();
    notes.sort();
    assert_eq!(notes, ["0", "1", "2", "3", "4", "5"]);
    // No temporary file is left beside the records.
    assert_eq!(std::fs::read_dir(records.path()).unwrap().count(), 1);
}

/// The single-quoted PowerShell literal assigned to `$NAME` on its own line, decoded.
fn powershell_literal(script: &str, name: &str) -> String {
    let prefix = format!("${name} = '");
    let lines: Vec<&str> = script.lines().filter(|l| l.starts_with(&prefix)).collect();
    assert_eq!(lines.len(), 1, "one assignment to ${name}");
    let literal = lines[0][prefix.len() - 1..].to_string();
    triage_renderers::plan::quote::read_powershell(&literal)
        .unwrap_or_else(|| panic!("not one literal: {literal}"))
}

#[test]
fn the_powershell_plan_records_through_one_literal_and_a_finally() {
    let run = Run::new(HOSTILE);
    let records = run.path("records");
    let script = std::fs::read_to_string(run.plan("powershell", &records)).unwrap();
    // The fixed part is one literal that decodes to the members of a record.
    let fixed = powershell_literal(&script, "PlanRecordFixed");
    let object: serde_json::Value = serde_json::from_str(&format!("{{{fixed}}}")).unwrap();
    assert_eq!(object["tool"], "plan");
    assert_eq!(object["format"], "triage-outcome/1");
    let facts = object["facts"].as_array().unwrap();
    assert!(facts.iter().any(|f| f["fact"] == "note" && f["value"] == HOSTILE));
    assert_eq!(powershell_literal(&script, "PlanRecordDir"), records.display().to_string());
    // The main part runs in a try whose finally writes the record, whatever exit it takes.
    let lines: Vec<&str> = script.lines().collect();
    let start = lines.iter().position(|l| *l == "try {").expect("a try");
    assert!(lines[start + 1].starts_with("Write-PlanLog ('plan for"), "{}", lines[start + 1]);
    assert_eq!(lines.last(), Some(&"} finally { Write-PlanRecord }"));
    let dry_run = lines.iter().position(|l| *l == "if (-not $Apply) {").unwrap();
    assert!(dry_run < start, "the dry run ends before the try: it records nothing");
    assert!(!script.contains("#@record"), "no marker is left");
    assert_eq!(script.matches("Add-PlanFix $fix '").count(), 8);
    assert_eq!(script.matches("        Json = '\"").count(), 3);

    let Some(pwsh) = on_path("pwsh") else {
        assert!(
            std::env::var_os("TRIAGE_REQUIRE_PWSH").is_none(),
            "TRIAGE_REQUIRE_PWSH is set but pwsh is not on the PATH"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n*** NOT RUN: the_powershell_plan_records_through_one_literal_and_a_finally: pwsh \
             is not installed, so the recording PowerShell plan was checked by reading its text \
             only, not parsed or run; set TRIAGE_REQUIRE_PWSH=1 to make this a failure ***\n"
        );
        return;
    };
    // Parsed by PowerShell itself, then run with -Apply: the record it writes reads back.
    let plan = run.path("plan.ps1");
    let parse = format!(
        "$e = $null; $null = [System.Management.Automation.Language.Parser]::ParseFile('{}', \
         [ref]$null, [ref]$e); if ($e.Count) {{ $e | ForEach-Object {{ $_.ToString() }}; exit 1 }}",
        plan.display()
    );
    let output = Command::new(&pwsh)
        .args(["-NoProfile", "-NonInteractive", "-Command", &parse])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let status = Command::new(&pwsh)
        .args(["-NoProfile", "-NonInteractive", "-File"])
        .arg(&plan)
        .arg("-Apply")
        .current_dir(run.dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let all = records_in(&records).0;
    assert_eq!(all.len(), 1);
    assert_eq!(
        results(&all[0]),
        [("refuse_first", FixResult::Undone), ("make_marker", FixResult::Worked)]
    );
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}
