//! Outcome records (`--record DIR`, `TRIAGE_RECORD_DIR`) written by `ask`, read back with
//! `triage_learn::record::read_records` and checked against `triage schema --record`.

use super::support::{records_in, triage};
use triage_learn::record::{FactSource, FixResult, Tool};

/// The 0x904 story of `ask.rs`, then "2": the second fix of the repair order worked.
const STORY_THEN_FIX_2: &str =
    "gpo_or_hardening_change\nserver2022\n0x7\nyes\nevery_attempt\nlan\nno\n200\n?\nno\nyes\n2\n";

#[test]
fn ask_records_the_facts_by_provenance_the_ranking_and_the_fix_that_worked() {
    let dir = tempfile::tempdir().unwrap();
    let output = triage()
        .args(["ask", "0x904", "--record"])
        .arg(dir.path())
        .write_stdin(STORY_THEN_FIX_2)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("\nDid a fix work? ("), "{stdout}");
    let records = records_in(dir.path()).0;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.tool, Tool::Ask);
    assert_eq!(record.kb.name, "rdp");
    assert!(record.kb.version.starts_with("sha256:"), "{}", record.kb.version);
    assert_eq!(record.symptom.as_deref(), Some("rdp_0x904_0x7"));
    // What was typed is extracted at first contact, then one step per answer.
    let first = &record.facts[0];
    assert_eq!(
        (first.fact.as_str(), first.source, first.step),
        ("error_code", FactSource::Extracted, 0)
    );
    assert_eq!(first.value, serde_json::json!(2308));
    let asked: Vec<_> = record.facts.iter().filter(|f| f.source == FactSource::Asked).collect();
    assert_eq!(asked.len(), 11);
    assert!(asked.iter().enumerate().all(|(i, f)| f.step as usize == i + 1));
    let unknown = asked.iter().find(|f| f.fact == "event_schannel_36871").unwrap();
    assert!(unknown.value.is_null(), "a don't-know answer is null");
    assert_eq!(record.ranking[0].cause, "tls_protocol_or_cipher_disabled");
    assert!(record.ranking.windows(2).all(|w| w[0].probability >= w[1].probability));
    // "2": the first fix of the repair order was tried in vain, the second worked.
    let fixes: Vec<_> = record.fixes.iter().map(|f| (f.fix.as_str(), f.result)).collect();
    assert_eq!(
        fixes,
        [
            ("enable_tls12_server", FixResult::DidNotWork),
            ("remove_cipher_suite_policy", FixResult::Worked)
        ]
    );
}

#[test]
fn a_fix_of_several_causes_asks_which_one_it_was_and_given_facts_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json");
    std::fs::write(&facts, r#"{"ssh_banner_received": true}"#).unwrap();
    let records = dir.path().join("records");
    // The first symptom, two "don't know", then: fix 1 worked, and it was cause 2.
    let output = triage()
        .args(["--kb", "ssh", "ask", "Permission denied (publickey)", "--facts"])
        .arg(&facts)
        .env("TRIAGE_RECORD_DIR", &records)
        .write_stdin("1\n?\n?\n1\n2\n")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("\nWhich cause was it? ("), "{stdout}");
    let records = records_in(&records).0;
    let record = &records[0];
    assert_eq!(record.kb.name, "ssh");
    assert_eq!(record.facts[0].source, FactSource::Given);
    assert_eq!(record.facts[0].step, 0);
    assert_eq!(record.fixes[0].fix, "install_client_key");
    assert_eq!(record.fixes[0].result, FixResult::Worked);
    assert_eq!(record.confirmed_cause.as_deref(), Some("password_auth_disabled"));
    // The typed query is not kept, only what was extracted from it.
    let line = serde_json::to_string(record).unwrap();
    assert!(!line.contains("Permission denied"), "{line}");
}

#[test]
fn a_skipped_outcome_still_records_and_without_record_nothing_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let output = triage()
        .args(["ask", "0x904", "--record"])
        .arg(dir.path())
        .write_stdin(STORY_THEN_FIX_2.replace("\n2\n", "\n?\n"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let records = records_in(dir.path()).0;
    assert!(records[0].fixes.is_empty() && records[0].confirmed_cause.is_none());
    let output = triage().args(["ask", "0x904"]).write_stdin(STORY_THEN_FIX_2).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("Did a fix work?"), "{stdout}");
}

#[test]
fn a_folder_that_cannot_be_written_is_refused_before_any_question() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let output = triage()
        .args(["ask", "0x904", "--record"])
        .arg(file.join("records"))
        .write_stdin(STORY_THEN_FIX_2)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot record outcomes in `"), "{stderr}");
    assert!(!String::from_utf8(output.stdout).unwrap().contains("Question 1"));
}

#[test]
fn sessions_recording_at_once_write_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("triage"))
                .args(["ask", "0x904", "--record"])
                .arg(dir.path())
                .env_remove("TRIAGE_KB")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::io::Write::write_all(child.stdin.as_mut().unwrap(), STORY_THEN_FIX_2.as_bytes())
                .unwrap();
            drop(child.stdin.take());
            child
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let records = records_in(dir.path()).0;
    assert_eq!(records.len(), 6);
    let mut ids: Vec<_> = records.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "ids are unique");
}
