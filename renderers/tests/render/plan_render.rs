//! Snapshots of every plan and collector renderer, and the JSON plan held to its schema.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.

use std::path::{Path, PathBuf};
use triage_engine::{Engine, FactReader, FactSet, Format};
use triage_renderers::collect;
use triage_renderers::plan::{self, RepairPlan};
use triage_rules::ast::Shell;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn engine(kb: &Path) -> Engine {
    let mut kb = triage_rules::load_paths(&[kb.to_path_buf()]);
    Engine::new(kb.model.take().expect("the knowledge base checks"))
}

fn facts(engine: &Engine, file: &Path) -> FactSet {
    let text = std::fs::read_to_string(file).unwrap();
    FactReader::new(engine.model()).read(&text, Format::Json).unwrap()
}

fn rdp() -> (Engine, FactSet) {
    let engine = engine(&manifest().join("../knowledge/rdp"));
    let facts = facts(&engine, &manifest().join("../knowledge/rdp/examples/0x904.json"));
    (engine, facts)
}

fn fixture() -> (Engine, FactSet) {
    let engine = engine(&manifest().join("test_data/bash_kb"));
    let facts = facts(&engine, &manifest().join("test_data/bash_kb/facts.json"));
    (engine, facts)
}

#[test]
fn powershell_plan_for_the_rdp_example() {
    let (engine, facts) = rdp();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    insta::assert_snapshot!(plan::powershell::render(&repair).unwrap());
}

#[test]
fn bash_plan_for_the_fixture() {
    let (engine, facts) = fixture();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    insta::assert_snapshot!(plan::bash::render(&repair).unwrap());
}

#[test]
fn the_admin_requirement_follows_the_planned_fixes() {
    let (engine, facts) = fixture();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    // renew_certificate (needs admin) repairs a cause the version rules out.
    assert!(repair.left_out.iter().any(|f| f.name == "renew_certificate"));
    assert!(plan::bash::render(&repair).unwrap().contains("\nneeds_admin=\n"));
    assert!(!plan::powershell::render(&repair).unwrap().contains("#>\n#Requires"));

    let mut old = facts.clone();
    let version = engine.model().fact_id("app_version").unwrap();
    old.values[version.index()] = Some(triage_engine::FactValue::Version(vec![1, 9].into()));
    let repair = RepairPlan::new(&engine, &old, None).unwrap();
    assert!(repair.steps.iter().any(|s| s.fix.name == "renew_certificate"));
    let bash = plan::bash::render(&repair).unwrap();
    assert!(bash.contains("\nneeds_admin='renew_certificate'\n"), "{bash}");
    assert!(bash.contains("run the plan with sudo"));
    let ps = plan::powershell::render(&repair).unwrap();
    assert!(ps.contains("#>\n#Requires -RunAsAdministrator\n[CmdletBinding()]"), "{ps}");

    // With the service running, restart_service (the only fix with a PowerShell script) is
    // left out: nothing to automate in PowerShell, while bash still has fixes.
    let mut running = facts;
    let fact = engine.model().fact_id("service_running").unwrap();
    running.values[fact.index()] = Some(triage_engine::FactValue::Bool(true));
    let repair = RepairPlan::new(&engine, &running, None).unwrap();
    assert!(repair.left_out.iter().any(|f| f.name == "restart_service"));
    let error = plan::powershell::render(&repair).unwrap_err();
    assert!(matches!(error, plan::PlanError::NothingToAutomate { .. }), "{error}");
    assert!(plan::bash::render(&repair).is_ok());
}

#[test]
fn json_plan_for_the_fixture() {
    let (engine, facts) = fixture();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    insta::assert_snapshot!(plan::json::render(&repair));
}

#[test]
fn powershell_collector_for_an_rdp_symptom() {
    let (engine, _) = rdp();
    let facts = collect::facts_of_symptom(engine.model(), "rdp_cant_find_computer").unwrap();
    insta::assert_snapshot!(collect::render(engine.model(), &facts, Shell::Powershell).unwrap());
}

#[test]
fn bash_collector_for_the_fixture() {
    let (engine, _) = fixture();
    let facts = collect::all_facts(engine.model());
    insta::assert_snapshot!(collect::render(engine.model(), &facts, Shell::Bash).unwrap());
}

#[test]
fn json_plans_validate_against_the_schema() {
    let schema = plan::json::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut plans = Vec::new();
    for (engine, facts) in [rdp(), fixture()] {
        let repair = RepairPlan::new(&engine, &facts, None).unwrap();
        plans
            .push(serde_json::from_str::<serde_json::Value>(&plan::json::render(&repair)).unwrap());
    }
    for plan in &plans {
        let errors: Vec<String> = validator.iter_errors(plan).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The schema is strict enough to notice a broken plan.
    let mut broken = plans[1].clone();
    broken["steps"][0]["probability"] = "high".into();
    assert!(!validator.is_valid(&broken));
    let mut broken = plans[1].clone();
    broken["decision_tree"]["kind"] = "guess".into();
    assert!(!validator.is_valid(&broken));
    let mut broken = plans[1].clone();
    broken.as_object_mut().unwrap().remove("steps");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn the_json_plan_carries_the_decision_tree_and_every_shell() {
    let (engine, facts) = rdp();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    let json: serde_json::Value = serde_json::from_str(&plan::json::render(&repair)).unwrap();
    assert!(matches!(json["decision_tree"]["kind"].as_str(), Some("ask" | "repair")));
    assert_eq!(json["steps"][0]["fix"], "start_crypto_services");
    assert!(json["steps"][0]["run"]["powershell"].as_str().unwrap().contains("Start-Service"));
    assert!(json["symptom"]["check"]["powershell"].is_string());
    assert_eq!(json["steps"].as_array().unwrap().len(), repair.steps.len());
}
