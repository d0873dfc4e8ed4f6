//! Untrusted fact values in generated plans: hostile strings go into PowerShell and bash plans
//! of the fixture knowledge base, and the scripts are PARSED (tree-sitter) to check that each
//! value is exactly one string-literal node whose decoded content is the value, and that the
//! script has no parse error at all.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::path::Path;
use tree_sitter::{Node, Parser, Tree};
use triage_engine::{Engine, FactReader, Format};
use triage_renderers::plan::{self, PlanError, RepairPlan};

fn engine() -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/bash_kb");
    let mut kb = triage_rules::load_paths(&[dir]);
    Engine::new(kb.model.take().expect("the fixture knowledge base checks"))
}

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

fn parse(source: &str, language: &tree_sitter::Language) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(language).unwrap();
    parser.parse(source, None).unwrap()
}

fn walk<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    out.push(node);
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        walk(child, out);
    }
}

/// The first ERROR or MISSING node, with the text around it.
fn first_error(tree: &Tree, source: &str) -> Option<String> {
    let mut nodes = Vec::new();
    walk(tree.root_node(), &mut nodes);
    nodes.into_iter().find(|n| n.is_error() || n.is_missing()).map(|n| {
        let start = n.start_byte().saturating_sub(80);
        let end = (n.end_byte() + 80).min(source.len());
        let context = source.get(start..end).unwrap_or("<not at a char boundary>");
        format!("{} at {:?}: …{context}…", n.kind(), n.start_position())
    })
}

fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// PowerShell's reading of a verbatim string: any single-quote character (' or U+2018–U+201B)
/// followed by another one stands for the second.
fn decode_powershell(literal: &str) -> String {
    let quotes = plan::quote::POWERSHELL_SINGLE_QUOTES;
    let inner: Vec<char> = literal.chars().collect();
    assert!(inner.len() >= 2 && inner[0] == '\'' && inner[inner.len() - 1] == '\'', "{literal}");
    let inner = &inner[1..inner.len() - 1];
    let mut out = String::new();
    let mut i = 0;
    while i < inner.len() {
        if quotes.contains(&inner[i]) {
            assert!(
                i + 1 < inner.len() && quotes.contains(&inner[i + 1]),
                "lone quote in {literal}"
            );
            out.push(inner[i + 1]);
            i += 2;
        } else {
            out.push(inner[i]);
            i += 1;
        }
    }
    out
}

/// bash's reading of `'…'` and `$'…'`.
fn decode_bash(node: Node<'_>, source: &str) -> String {
    let literal = text(node, source);
    match node.kind() {
        "raw_string" => literal[1..literal.len() - 1].to_string(),
        "ansi_c_string" => {
            let inner = &literal[2..literal.len() - 1];
            let mut bytes = Vec::new();
            let mut rest = inner.as_bytes();
            while let Some((&b, tail)) = rest.split_first() {
                if b != b'\\' || tail.is_empty() {
                    bytes.push(b);
                    rest = tail;
                    continue;
                }
                let (escape, after) = (tail[0], &tail[1..]);
                rest = after;
                match escape {
                    b'x' => {
                        let digits: Vec<u8> = after
                            .iter()
                            .take(2)
                            .take_while(|c| c.is_ascii_hexdigit())
                            .copied()
                            .collect();
                        let value =
                            u8::from_str_radix(std::str::from_utf8(&digits).unwrap(), 16).unwrap();
                        bytes.push(value);
                        rest = &after[digits.len()..];
                    }
                    b'\\' | b'\'' | b'"' => bytes.push(escape),
                    b'n' => bytes.push(b'\n'),
                    b't' => bytes.push(b'\t'),
                    b'r' => bytes.push(b'\r'),
                    other => {
                        bytes.push(b'\\');
                        bytes.push(other);
                    }
                }
            }
            String::from_utf8(bytes).unwrap()
        }
        other => panic!("`{literal}` is a {other}, not one string literal"),
    }
}

/// The value assigned to `$env:NAME` in a PowerShell plan, checked to be one verbatim string.
fn powershell_value(tree: &Tree, source: &str, name: &str) -> String {
    let mut nodes = Vec::new();
    walk(tree.root_node(), &mut nodes);
    let target = format!("$env:{name}");
    let assignments: Vec<Node<'_>> = nodes
        .into_iter()
        .filter(|n| n.kind() == "assignment_expression")
        .filter(|n| n.named_child(0).is_some_and(|left| text(left, source) == target))
        .collect();
    assert_eq!(assignments.len(), 1, "one assignment to {target}");
    let mut value = assignments[0].child_by_field_name("value").unwrap();
    // Down the expression wrappers: each must hold exactly one thing, with no operator beside it.
    while value.kind() != "string_literal" {
        assert_eq!(value.child_count(), 1, "{target} is not a lone literal: {}", value.to_sexp());
        value = value.child(0).unwrap();
    }
    assert_eq!(value.child_count(), 1);
    let literal = value.child(0).unwrap();
    assert_eq!(literal.kind(), "verbatim_string_characters", "{target}");
    decode_powershell(text(literal, source))
}

/// The value exported as `NAME` in a bash plan, checked to be one string literal.
fn bash_value(tree: &Tree, source: &str, name: &str) -> String {
    let mut nodes = Vec::new();
    walk(tree.root_node(), &mut nodes);
    let assignments: Vec<Node<'_>> = nodes
        .into_iter()
        .filter(|n| n.kind() == "variable_assignment")
        .filter(|n| n.child_by_field_name("name").is_some_and(|v| text(v, source) == name))
        .collect();
    assert_eq!(assignments.len(), 1, "one assignment to {name}");
    let value = assignments[0].child_by_field_name("value").unwrap();
    assert_eq!(value.child_count(), 0, "{name} is not one token: {}", value.to_sexp());
    decode_bash(value, source)
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
