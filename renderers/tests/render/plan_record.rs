//! Outcome recording in generated plans (`triage plan --record`): the fixed part of the record
//! and the record folder, whatever characters they hold, go into the PowerShell and bash plans
//! as exactly one string literal each, and the scripts still parse (tree-sitter, the
//! PowerShell and bash grammars) with the recorder's code in them. Without recording a plan
//! has none of it.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.

use crate::shell_syntax::*;
use proptest::prelude::*;
use std::path::Path;
use triage_engine::{FactReader, Format};
use triage_renderers::plan::{self, PlanRecording, RepairPlan};

/// Renders both plans of the fixture recording to `dir`, with `note` among the record's facts,
/// and checks them.
fn check_recording(dir: &str, note: &str) {
    let engine = engine();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/bash_kb/facts.json"),
    )
    .unwrap();
    let facts = FactReader::new(engine.model()).read(&text, Format::Json).unwrap();
    let mut repair = RepairPlan::new(&engine, &facts, None).unwrap();
    let mut fixed = serde_json::Map::new();
    fixed.insert("format".into(), "triage-outcome/1".into());
    fixed.insert("tool".into(), "plan".into());
    fixed.insert(
        "facts".into(),
        serde_json::json!([{ "fact": "note", "value": note, "source": "collected", "step": 0 }]),
    );
    let recording = PlanRecording::new(dir, &fixed).unwrap();
    assert!(!recording.fixed.contains('\n') && !recording.fixed.contains('\r'));
    let object: serde_json::Value =
        serde_json::from_str(&format!("{{{}}}", recording.fixed)).unwrap();
    assert_eq!(object["facts"][0]["value"], note);
    repair.recording = Some(recording.clone());

    let ps = plan::powershell::render(&repair).unwrap();
    let tree = parse(&ps, &tree_sitter_powershell::LANGUAGE.into());
    assert_eq!(first_error(&tree, &ps), None, "PowerShell plan does not parse");
    assert_eq!(powershell_assigned(&tree, &ps, "$PlanRecordFixed"), recording.fixed);
    assert_eq!(powershell_assigned(&tree, &ps, "$PlanRecordDir"), dir);
    assert!(ps.contains("function Write-PlanRecord") && !ps.contains("#@record"));

    let sh = plan::bash::render(&repair).unwrap();
    let tree = parse(&sh, &tree_sitter_bash::LANGUAGE.into());
    assert_eq!(first_error(&tree, &sh), None, "bash plan does not parse");
    assert_eq!(bash_value(&tree, &sh, "record_fixed"), recording.fixed);
    assert_eq!(bash_value(&tree, &sh, "record_dir"), dir);
    assert!(sh.contains("write_record()") && !sh.contains("#@record"));
}

#[test]
fn nasty_folders_and_fact_values_are_one_literal_each() {
    check_recording("/var/lib/triage/records", "it's $(rm -rf /) `id` ${HOME} \\' \\x27 \n\r\nEOF");
    check_recording("C:\\Records\\it's ‘here’", "'@ \"@ #> <# \u{2028} \u{85} $env:PATH");
    check_recording("'", "\\");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_folder_and_fact_value_is_one_literal(
        dir in "[^\u{0}]{0,40}",
        note in "[^\u{0}]{0,80}",
    ) {
        check_recording(&dir, &note);
    }
}

#[test]
fn without_recording_a_plan_has_no_recorder_and_run_time_members_are_refused() {
    let engine = engine();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/bash_kb/facts.json"),
    )
    .unwrap();
    let facts = FactReader::new(engine.model()).read(&text, Format::Json).unwrap();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    let ps = plan::powershell::render(&repair).unwrap();
    let sh = plan::bash::render(&repair).unwrap();
    for word in ["PlanRecord", "Add-PlanFix", "#@record", "finally { Write"] {
        assert!(!ps.contains(word), "{word}");
    }
    for word in ["record_fix", "write_record", "#@record"] {
        assert!(!sh.contains(word), "{word}");
    }
    for member in plan::RUN_TIME_MEMBERS {
        let mut fixed = serde_json::Map::new();
        fixed.insert(member.to_string(), serde_json::Value::Null);
        assert!(PlanRecording::new("d", &fixed).is_err(), "{member}");
    }
}
