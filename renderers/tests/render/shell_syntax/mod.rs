//! What the plan-script tests share: the fixture knowledge base, tree-sitter parses of the
//! generated scripts, and how PowerShell and bash read the string literals the renderers write.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use tree_sitter::{Node, Parser, Tree};
use triage_engine::Engine;
use triage_renderers::plan;

pub fn engine() -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/bash_kb");
    let mut kb = triage_rules::load_paths(&[dir]);
    Engine::new(kb.model.take().expect("the fixture knowledge base checks"))
}

pub fn parse(source: &str, language: &tree_sitter::Language) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(language).unwrap();
    parser.parse(source, None).unwrap()
}

pub fn walk<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    out.push(node);
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        walk(child, out);
    }
}

/// The first ERROR or MISSING node, with the text around it.
pub fn first_error(tree: &Tree, source: &str) -> Option<String> {
    let mut nodes = Vec::new();
    walk(tree.root_node(), &mut nodes);
    nodes.into_iter().find(|n| n.is_error() || n.is_missing()).map(|n| {
        let start = n.start_byte().saturating_sub(80);
        let end = (n.end_byte() + 80).min(source.len());
        let context = source.get(start..end).unwrap_or("<not at a char boundary>");
        format!("{} at {:?}: …{context}…", n.kind(), n.start_position())
    })
}

pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// PowerShell's reading of a verbatim string.
pub fn decode_powershell(literal: &str) -> String {
    plan::quote::read_powershell(literal).unwrap_or_else(|| panic!("not one literal: {literal}"))
}

/// bash's reading of `'…'` and `$'…'`.
pub fn decode_bash(node: Node<'_>, source: &str) -> String {
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

/// The one assignment to `name` in a bash plan, checked to be one string token, decoded.
pub fn bash_value(tree: &Tree, source: &str, name: &str) -> String {
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

/// The one assignment to `target` (`$PlanRecordDir`, `$env:NAME`) in a PowerShell plan, checked
/// to be a lone verbatim string, decoded.
pub fn powershell_assigned(tree: &Tree, source: &str, target: &str) -> String {
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
