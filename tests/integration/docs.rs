//! `docs/language.md`: every ```` ```kb ```` block is a complete knowledge base that loads
//! without errors, and every ```` ```kb-error ```` block is rejected with at least one error.

use std::fmt::Write as _;
use std::path::Path;
use triage_rules::diagnostic::render;
use triage_rules::{KnowledgeBase, SourceMap, load_sources};

/// A fenced code block: its info string, the 1-based line of its opening fence, its text.
#[derive(Debug)]
struct Block {
    tag: String,
    line: usize,
    text: String,
}

/// The fenced code blocks of a Markdown text, whatever their tag. Panics on a fence that is
/// never closed, so a typo in the document cannot hide the blocks after it.
fn fenced_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        match open.take() {
            None => {
                if let Some(tag) = line.strip_prefix("```") {
                    open = Some(Block {
                        tag: tag.trim().to_string(),
                        line: index + 1,
                        text: String::new(),
                    });
                }
            }
            Some(mut block) => {
                if line.trim_end() == "```" {
                    blocks.push(block);
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                    open = Some(block);
                }
            }
        }
    }
    if let Some(block) = open {
        panic!("docs/language.md:{}: the ```{} block is never closed", block.line, block.tag);
    }
    blocks
}

fn load_block(block: &Block) -> KnowledgeBase {
    let mut sources = SourceMap::new();
    sources.add(format!("docs/language.md:{}", block.line), block.text.clone());
    load_sources(sources)
}

fn report(block: &Block, kb: &KnowledgeBase, problem: &str) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "--- ```{} block at docs/language.md:{}: {problem}", block.tag, block.line);
    out.push_str(&block.text);
    let _ = writeln!(out, "--- diagnostics:");
    out.push_str(&render(&kb.diagnostics, &kb.sources, false));
    out
}

#[test]
fn docs_kb_examples_load_and_kb_error_examples_fail() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md");
    let markdown = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let blocks = fenced_blocks(&markdown);

    let mut failures = Vec::new();
    let (mut valid, mut broken) = (0, 0);
    for block in &blocks {
        match block.tag.as_str() {
            "kb" => {
                valid += 1;
                let kb = load_block(block);
                if kb.error_count() > 0 {
                    failures.push(report(block, &kb, "expected no error"));
                } else if kb.model.is_none() {
                    failures.push(report(block, &kb, "no error, but no model either"));
                }
            }
            "kb-error" => {
                broken += 1;
                let kb = load_block(block);
                if kb.error_count() == 0 {
                    failures.push(report(block, &kb, "expected at least one error"));
                }
            }
            _ => {}
        }
    }

    assert!(valid > 0, "no ```kb block found in {}", path.display());
    assert!(broken > 0, "no ```kb-error block found in {}", path.display());
    assert!(
        failures.is_empty(),
        "{} of {} examples are wrong:\n\n{}",
        failures.len(),
        valid + broken,
        failures.join("\n")
    );
}

#[test]
fn fenced_blocks_keeps_tags_lines_and_text() {
    let blocks =
        fenced_blocks("intro\n```kb\nfact a: bool\n```\ntext\n```kb-error\nfact in: bool\n```\n");
    let summary: Vec<(&str, usize, &str)> =
        blocks.iter().map(|b| (b.tag.as_str(), b.line, b.text.as_str())).collect();
    assert_eq!(summary, [("kb", 2, "fact a: bool\n"), ("kb-error", 6, "fact in: bool\n")]);
}
