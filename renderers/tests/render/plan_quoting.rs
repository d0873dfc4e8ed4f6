//! Untrusted fact values in generated plans: hostile strings go into PowerShell and bash plans
//! of the fixture knowledge base, and the scripts are PARSED (tree-sitter) to check that each
//! value is exactly one string-literal node whose decoded content is the value, and that the
//! script has no parse error at all.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.

use crate::shell_syntax::*;
use proptest::prelude::*;
use std::path::Path;
use tree_sitter::Tree;
use triage_engine::{Engine, FactReader, Format};
use triage_renderers::plan::{self, PlanError, RepairPlan};

/// A fact file of the fixture with these untrusted strings.
fn fact_file(host: &str, collected_at: &str, target: &str, user: &str, service: &str) -> String {
    serde_json::json!({
        "host": host,
        "collected_at": collected_at,
        "http_status": 503,
        "service_running": false,
        "service_state": "failed",
        "disk_free_ratio": 0.02,
        "recent_changes": ["app_deploy"],
        "target": target,
        "user_name": user,
        "service_name": service,
    })
    .to_string()
}

/// The value assigned to `$env:NAME` in a PowerShell plan, checked to be one verbatim string.
fn powershell_value(tree: &Tree, source: &str, name: &str) -> String {
    powershell_assigned(tree, source, &format!("$env:{name}"))
}

/// Text an attacker might put into a fact: quotes of every kind, expansions, separators,
/// line breaks, here-string and comment markers, and any other character but NUL.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "'",
            "\"",
            "\u{2018}",
            "\u{2019}",
            "\u{201A}",
            "\u{201B}",
            "\u{201C}",
            "\u{201D}",
            "`",
            "$(",
            ")",
            "${",
            "}",
            "$x",
            "$env:PATH",
            "@(",
            ";",
            "|",
            "&",
            "&&",
            "\n",
            "\r",
            "\r\n",
            "\\",
            "\\\\",
            "'@",
            "@'",
            "\"@",
            "#>",
            "<#",
            "#",
            " ",
            "\t",
            "\u{2028}",
            "\u{85}",
            "$'",
            "\\x27",
            "'\\''",
            "TRIAGE_DRY_RUN",
            "EOF",
            "*",
            "?",
            "[a]",
            "!",
            "~",
            "%",
            "<",
            ">",
            "{",
            "}",
            "exit 1",
            "-f",
            "☃",
            "é",
            "\u{1F600}",
            "\u{FEFF}",
            "\u{7F}",
            "\u{1}",
        ])
        .prop_map(str::to_string),
        any::<char>().prop_filter("no NUL", |c| *c != '\0').prop_map(String::from),
    ];
    prop_oneof![
        8 => prop::collection::vec(piece, 0..24).prop_map(|p| p.concat()),
        1 => (prop::sample::select(vec!["'", "a", "\u{2019}", "$(x)", "\\"]), 2000..6000usize)
            .prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn check_scripts(host: &str, at: &str, target: &str, user: &str, service: &str) {
    let engine = engine();
    let text = fact_file(host, "2026-11-25T14:00:00Z", target, user, service);
    let mut facts = FactReader::new(engine.model()).read(&text, Format::Json).unwrap();
    // The reader only lets RFC 3339 times through; the renderers quote whatever they get.
    facts.collected_at = Some(at.to_string());
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    let expected = [
        ("TRIAGE_HOST", host),
        ("TRIAGE_COLLECTED_AT", at),
        ("TRIAGE_TARGET", target),
        ("TRIAGE_USER_NAME", user),
        ("TRIAGE_SERVICE_NAME", service),
    ];

    let ps = plan::powershell::render(&repair).unwrap();
    let tree = parse(&ps, &tree_sitter_powershell::LANGUAGE.into());
    assert_eq!(first_error(&tree, &ps), None, "PowerShell plan does not parse");
    for (name, value) in expected {
        assert_eq!(powershell_value(&tree, &ps, name), value, "{name}");
    }

    let sh = plan::bash::render(&repair).unwrap();
    let tree = parse(&sh, &tree_sitter_bash::LANGUAGE.into());
    assert_eq!(first_error(&tree, &sh), None, "bash plan does not parse");
    for (name, value) in expected {
        assert_eq!(bash_value(&tree, &sh, name), value, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn hostile_values_are_one_literal_each(
        host in hostile(),
        at in hostile(),
        target in hostile(),
        user in hostile(),
        service in hostile(),
    ) {
        check_scripts(&host, &at, &target, &user, &service);
    }
}

#[test]
fn known_nasty_values_are_one_literal_each() {
    check_scripts(
        "pc'01",
        "2026-11-25T14:00:00Z'; Remove-Item C:\\ -Recurse; '",
        "srv\u{2019}; calc; \u{2018}",
        "it's $(rm -rf /) `id` ${HOME} \\' \\x27 \n\r\nEOF",
        "\\",
    );
    check_scripts("", "", "'", "''", "\u{201B}\u{201A}");
}

#[test]
fn a_value_with_nul_is_refused_by_both_shells_and_kept_by_json() {
    let engine = engine();
    let text = fact_file("pc01", "2026-11-25T14:00:00Z", "web-01", "evil\u{0}user", "webapp");
    let facts = FactReader::new(engine.model()).read(&text, Format::Json).unwrap();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    for result in [plan::powershell::render(&repair), plan::bash::render(&repair)] {
        let error = result.unwrap_err();
        assert!(
            matches!(&error, PlanError::Unquotable { key, .. } if key == "user_name"),
            "{error}"
        );
        assert!(error.to_string().contains("NUL"), "{error}");
    }
    let json: serde_json::Value = serde_json::from_str(&plan::json::render(&repair)).unwrap();
    let user =
        json["environment"].as_array().unwrap().iter().find(|v| v["key"] == "user_name").unwrap();
    assert_eq!(user["value"], "evil\u{0}user");
}

#[test]
fn the_shipped_rdp_plan_parses_as_powershell() {
    let mut kb =
        triage_rules::load_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp")]);
    let engine = Engine::new(kb.model.take().unwrap());
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp/examples/0x904.json"),
    )
    .unwrap();
    let facts = FactReader::new(engine.model()).read(&text, Format::Json).unwrap();
    let repair = RepairPlan::new(&engine, &facts, None).unwrap();
    let ps = plan::powershell::render(&repair).unwrap();
    let tree = parse(&ps, &tree_sitter_powershell::LANGUAGE.into());
    assert_eq!(first_error(&tree, &ps), None);
    assert_eq!(powershell_value(&tree, &ps, "TRIAGE_HOST"), "PC-HELPDESK-07");
}

#[test]
fn collector_scripts_parse() {
    use triage_renderers::collect;
    use triage_rules::ast::Shell;
    let fixture = engine();
    let bash = collect::render(fixture.model(), &collect::all_facts(fixture.model()), Shell::Bash)
        .unwrap();
    let tree = parse(&bash, &tree_sitter_bash::LANGUAGE.into());
    assert_eq!(first_error(&tree, &bash), None, "bash collector does not parse");
    // The fixture's collectors: the shipped RDP ones use a `switch` clause on a double-quoted
    // string, valid PowerShell that the tree-sitter grammar does not know.
    let model = fixture.model();
    let ps = collect::render(model, &collect::all_facts(model), Shell::Powershell).unwrap();
    let tree = parse(&ps, &tree_sitter_powershell::LANGUAGE.into());
    assert_eq!(first_error(&tree, &ps), None, "PowerShell collector does not parse");
}

// ---------------------------------------------------------------------------------------------
// Parameters: values from `--param` and from the fact file (`from`) reach the scripts as
// quoted literals too.
// ---------------------------------------------------------------------------------------------

fn params_engine() -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/params_kb");
    let mut kb = triage_rules::load_paths(&[dir]);
    Engine::new(kb.model.take().expect("the parameters fixture checks"))
}

/// The default a bash script gives `NAME` (`if [ -z "${NAME+set}" ]; then NAME=…; fi`).
fn bash_parameter(tree: &Tree, source: &str, name: &str) -> String {
    bash_value(tree, source, name)
}

fn check_parameter_values(given: &str, word: &str) {
    use triage_renderers::collect;
    use triage_renderers::plan::PlanOptions;
    use triage_renderers::preamble::GivenParameter;
    let engine = params_engine();
    let model = engine.model();
    let file_param = GivenParameter { name: "DEMO_FILE".into(), value: given.to_string() };
    let bash = tree_sitter_bash::LANGUAGE.into();
    let powershell = tree_sitter_powershell::LANGUAGE.into();

    let script = collect::render_at(
        model,
        &collect::all_facts(model),
        triage_rules::ast::Shell::Bash,
        Some(triage_rules::ast::Place::Server),
        std::slice::from_ref(&file_param),
    )
    .unwrap();
    let tree = parse(&script, &bash);
    assert_eq!(first_error(&tree, &script), None);
    assert_eq!(bash_parameter(&tree, &script, "DEMO_FILE"), given);

    let facts = FactReader::new(model)
        .read(&serde_json::json!({"file_ok": false, "wanted_word": word}).to_string(), Format::Json)
        .unwrap();
    let options = PlanOptions { parameters: vec![file_param], ..PlanOptions::default() };
    let repair = RepairPlan::new_with(&engine, &facts, None, &options).unwrap();
    let script = plan::bash::render(&repair).unwrap();
    let tree = parse(&script, &bash);
    assert_eq!(first_error(&tree, &script), None);
    assert_eq!(bash_parameter(&tree, &script, "DEMO_FILE"), given);
    assert_eq!(bash_parameter(&tree, &script, "DEMO_WORD"), word);

    let script = plan::powershell::render(&repair).unwrap();
    let tree = parse(&script, &powershell);
    assert_eq!(first_error(&tree, &script), None);
    assert_eq!(powershell_value(&tree, &script, "DEMO_FILE"), given);
    assert_eq!(powershell_value(&tree, &script, "DEMO_WORD"), word);
}

#[test]
fn parameter_values_are_one_literal_each() {
    check_parameter_values("/tmp/a b'c$(touch /tmp/pwned)`x`", "it's \"$HOME\"\n; rm -rf /");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hostile_parameter_values_stay_literals(given in hostile(), word in hostile()) {
        check_parameter_values(&given, &word);
    }
}
