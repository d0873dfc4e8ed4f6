//! `triage cases from-records` and `triage calibrate`: records become cases that `triage test`
//! runs, calibration reads cases and records alike, writes a report that is HTML whose values
//! stay text, and a patch that `git apply` takes.

use super::support::triage;
use assert_cmd::Command;
use std::path::{Path, PathBuf};

const RECORDS: &str = "knowledge/rdp/examples/outcomes.jsonl";

#[test]
fn records_become_cases_that_triage_test_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.yaml");
    let output =
        triage().args(["cases", "from-records", RECORDS, "-o"]).arg(&cases).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("30 cases written, 1 folded"), "{stderr}");
    assert!(stderr.contains("1 no confirmed cause and no fix that worked"), "{stderr}");
    let written = std::fs::read_to_string(&cases).unwrap();
    assert!(written.contains("source: \"record 000000005eed0000\""), "{written}");
    // Accepted by `triage test`: every case runs (some real reports fail, as in real.yaml).
    let test = triage().args(["test", "--format", "json", "--cases"]).arg(&cases).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&test.stdout).unwrap();
    assert_eq!(report["summary"]["cases"], 30, "{report}");
    assert_eq!(report["summary"]["invalid"], 0, "{report}");
    assert_eq!(report["summary"]["by_tag"]["record"]["cases"], 30);
}

#[test]
fn a_record_whose_values_are_hostile_stays_data_in_the_case_file() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("r.jsonl");
    let id = "x\"\n  - id: injected\n    expected_top: null #";
    let good = format!(
        r#"{{"format":"triage-outcome/1","id":{},"recorded_at":"2026-12-02T10:00:00Z","tool":"ask","kb":{{"name":"rdp","version":"sha256:0"}},"symptom":null,"facts":[{{"fact":"display_symptom","value":"frozen_session","source":"given","step":0}}],"ranking":[],"unlisted":0,"fixes":[],"confirmed_cause":"wddm_display_driver_black_screen"}}"#,
        serde_json::to_string(id).unwrap()
    );
    let refused = good.replace("frozen_session", "no_such_value");
    std::fs::write(&records, format!("{good}\nnot a record\n{refused}\n")).unwrap();
    let cases = dir.path().join("cases.yaml");
    let output = triage()
        .args(["cases", "from-records"])
        .arg(&records)
        .arg("-o")
        .arg(&cases)
        .output()
        .unwrap();
    // The bad line is reported with its place, the record with facts the knowledge base
    // refuses becomes no case, and the others are still written.
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("r.jsonl:2: not JSON"), "{stderr}");
    assert!(stderr.contains("1 facts the knowledge base does not accept"), "{stderr}");
    let test = triage().args(["test", "--format", "json", "--cases"]).arg(&cases).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&test.stdout).unwrap();
    assert_eq!(report["summary"]["cases"], 1, "{report}");
    assert_eq!(report["cases"][0]["id"], format!("record-{id}"), "{report}");
    assert_eq!(report["cases"][0]["expected"], "wddm_display_driver_black_screen", "{report}");
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git").current_dir(dir).args(args).output().unwrap()
}

/// A copy of the synthetic world's author knowledge base with records drawn from its truth.
fn synthetic_world(dir: &Path, records: usize) -> PathBuf {
    let kb = dir.join("world");
    std::fs::create_dir_all(&kb).unwrap();
    std::fs::write(kb.join("world.kb"), triage_learn_data::AUTHOR).unwrap();
    let truth = triage_rules::load_text("truth.kb", triage_learn_data::TRUTH).model.unwrap();
    let engine = triage_engine::Engine::new(truth);
    let lines: Vec<String> = triage_learn::synthetic::simulate(&engine, records, 3, "sha256:old")
        .into_iter()
        .map(|mut r| {
            r.kb.name = "world".into();
            serde_json::to_string(&r).unwrap()
        })
        .collect();
    let file = dir.join("records.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    file
}

mod triage_learn_data {
    pub const AUTHOR: &str = include_str!("../../learn/data/synthetic/author.kb");
    pub const TRUTH: &str = include_str!("../../learn/data/synthetic/truth.kb");
}

#[test]
fn calibrate_reports_writes_a_page_and_a_patch_git_applies() {
    let dir = tempfile::tempdir().unwrap();
    let records = synthetic_world(dir.path(), 1500);
    assert!(git(dir.path(), &["init", "-q"]).status.success());
    let output = Command::cargo_bin("triage")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["--kb", "world", "calibrate"])
        .arg(&records)
        .args(["--report", "report", "--write-patch", "calibration.patch"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("calibrated world against"), "{stdout}");
    assert!(stdout.contains("the proposals generalise"), "{stdout}");
    // The records name another version of the knowledge base.
    assert!(stderr.contains("records from another version of world"), "{stderr}");
    let check = git(dir.path(), &["apply", "--check", "calibration.patch"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(git(dir.path(), &["apply", "calibration.patch"]).status.success());
    let after = Command::cargo_bin("triage")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--kb", "world", "--deny-warnings"])
        .output()
        .unwrap();
    assert!(after.status.success(), "{}", String::from_utf8_lossy(&after.stdout));
    let html = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    let page = scraper::Html::parse_document(&html);
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    assert_eq!(page.select(&select("script, link, img")).count(), 0);
    assert!(page.select(&select("svg circle")).count() >= 2);
    let warnings: Vec<String> =
        page.select(&select("p.warn")).map(|p| p.text().collect::<String>()).collect();
    assert!(warnings.iter().any(|w| w.contains("sha256:old")), "{warnings:?}");
}

#[test]
fn calibrate_reads_case_files_and_records_together_and_says_what_it_could_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"format\": \"triage-outcome/9\"}\n").unwrap();
    let output = triage()
        .args(["calibrate", "knowledge/rdp/cases/real.yaml", RECORDS, "--format", "json"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["records"], 31);
    assert!(report["cases"].as_u64().unwrap() >= 25, "{report}");
    let invalid = report["invalid"][0].as_str().unwrap();
    assert!(invalid.contains("bad.jsonl:1") && invalid.contains("triage-outcome/9"), "{invalid}");
    let summary = &report["calibration"]["summary"];
    assert!(summary["log_loss"].as_f64().unwrap() > 0.0);
    assert!(summary["top3"].as_f64().unwrap() >= summary["top1"].as_f64().unwrap());
    let missing = triage().args(["calibrate", "/definitely/not/here.jsonl"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
}
