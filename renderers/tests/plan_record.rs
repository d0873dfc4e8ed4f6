//! Outcome recording in generated plans (`triage plan --record`): the fixed part of the record
//! and the record folder, whatever characters they hold, go into the PowerShell and bash plans
//! as exactly one string literal each, and the scripts still parse (tree-sitter, the
//! PowerShell and bash grammars) with the recorder's code in them. Without recording a plan
//! has none of it.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::path::Path;
use tree_sitter::{Node, Parser, Tree};
use triage_engine::{Engine, FactReader, Format};
use triage_renderers::plan::{self, PlanRecording, RepairPlan};

fn engine() -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/bash_kb");
    let mut kb = triage_rules::load_paths(&[dir]);
    Engine::new(kb.model.take().expect("the fixture knowledge base checks"))
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

/// The one assignment to `target` (`$PlanRecordDir`) in a PowerShell plan, checked to be a
/// lone verbatim string, decoded.
fn powershell_value(tree: &Tree, source: &str, target: &str) -> String {
    let mut nodes = Vec::new();
    walk(tree.root_node(), &mut nodes);
    let assignments: Vec<Node<'_>> = nodes
        .into_iter()
        .filter(|n| n.kind() == "assignment_expression")
        .filter(|n| n.named_child(0).is_some_and(|left| text(left, source) == target))
        .collect();
    assert_eq!(assignments.len(), 1, "one assignment to {target}");
    let mut value = assignments[0].child_by_field_name("value").unwrap();
    while value.kind() != "string_literal" {
        assert_eq!(value.child_count(), 1, "{target} is not a lone literal: {}", value.to_sexp());
        value = value.child(0).unwrap();
    }
    assert_eq!(value.child_count(), 1);
    let literal = value.child(0).unwrap();
    assert_eq!(literal.kind(), "verbatim_string_characters", "{target}");
    decode_powershell(text(literal, source))
}

/// The one assignment to `name` in a bash plan, checked to be one string token, decoded.
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
    assert_eq!(powershell_value(&tree, &ps, "$PlanRecordFixed"), recording.fixed);
    assert_eq!(powershell_value(&tree, &ps, "$PlanRecordDir"), dir);
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
