//! `docs/language.md`: every ```` ```kb ```` block is a complete knowledge base that loads
//! without errors, every ```` ```kb-error ```` block is rejected with at least one error, and
//! every ```` ```kb-fragment PATH ```` block is an excerpt of that file of the repository,
//! verbatim.

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

/// The file a ```` ```kb-fragment PATH ```` block quotes, if it names one.
fn quoted_file(tag: &str) -> Option<&str> {
    tag.strip_prefix("kb-fragment").map(str::trim).filter(|path| !path.is_empty())
}

#[test]
fn docs_fragments_that_name_a_file_are_quoted_from_it_verbatim() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = std::fs::read_to_string(root.join("docs/language.md")).unwrap();
    let mut quoted = 0;
    let mut failures = Vec::new();
    for block in fenced_blocks(&markdown) {
        let Some(path) = quoted_file(&block.tag) else { continue };
        quoted += 1;
        match std::fs::read_to_string(root.join(path)) {
            Ok(text) if text.contains(&block.text) => {}
            Ok(_) => failures.push(format!(
                "docs/language.md:{}: the excerpt is not in {path} as written:\n{}",
                block.line, block.text
            )),
            Err(e) => failures.push(format!("docs/language.md:{}: {path}: {e}", block.line)),
        }
    }
    assert!(quoted > 0, "no ```kb-fragment PATH block found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fenced_blocks_keeps_tags_lines_and_text() {
    let blocks =
        fenced_blocks("intro\n```kb\nfact a: bool\n```\ntext\n```kb-error\nfact in: bool\n```\n");
    let summary: Vec<(&str, usize, &str)> =
        blocks.iter().map(|b| (b.tag.as_str(), b.line, b.text.as_str())).collect();
    assert_eq!(summary, [("kb", 2, "fact a: bool\n"), ("kb-error", 6, "fact in: bool\n")]);
    assert_eq!(
        quoted_file("kb-fragment knowledge/ssh/prelude.kb"),
        Some("knowledge/ssh/prelude.kb")
    );
    assert_eq!(quoted_file("kb-fragment"), None);
    assert_eq!(quoted_file("kb"), None);
}

#[test]
fn the_fact_file_page_shows_the_schema_triage_prints_and_a_file_it_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = std::fs::read_to_string(root.join("docs/fact-files.md")).unwrap();
    let blocks = fenced_blocks(&markdown);
    let kb = blocks.iter().find(|b| b.tag == "kb").expect("a kb block");
    let json: Vec<&Block> = blocks.iter().filter(|b| b.tag == "json").collect();
    assert_eq!(json.len(), 2, "an example fact file and the schema");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kb.kb"), &kb.text).unwrap();
    let triage = || {
        let mut command = assert_cmd::Command::cargo_bin("triage").unwrap();
        command.env_remove("TRIAGE_KB").arg("--kb").arg(dir.path());
        command
    };
    let schema = triage().arg("schema").assert().success().get_output().stdout.clone();
    assert_eq!(
        String::from_utf8(schema).unwrap(),
        json[1].text,
        "docs/fact-files.md:{}: not what `triage schema` prints",
        json[1].line
    );
    let report = triage()
        .args(["diagnose", "--format", "json", "-"])
        .write_stdin(json[0].text.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(report["symptoms"][0]["causes"][0]["cause"], "listener_down");
}

#[test]
fn the_fact_file_page_shows_a_summary_record_batch_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = std::fs::read_to_string(root.join("docs/fact-files.md")).unwrap();
    let blocks = fenced_blocks(&markdown);
    let record = blocks.iter().find(|b| b.tag == "jsonl").expect("a jsonl block");
    let output = assert_cmd::Command::cargo_bin("triage")
        .unwrap()
        .env_remove("TRIAGE_KB")
        .arg("--kb")
        .arg(root.join("renderers/test_data/bash_kb"))
        .args(["batch", "-"])
        .write_stdin("{\"http_status\": 503, \"host\": \"web-1\"}\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(output).unwrap(),
        record.text,
        "docs/fact-files.md:{}: not what `triage batch` writes",
        record.line
    );
}

#[test]
fn the_worked_example_prints_what_the_reference_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = std::fs::read_to_string(root.join("docs/language.md")).unwrap();
    let blocks = fenced_blocks(&markdown);
    let mut kb: Option<&Block> = None;
    let mut checked = 0;
    for block in &blocks {
        if block.tag == "kb" {
            kb = Some(block);
        }
        let Some(command) = block.text.lines().next().and_then(|l| l.strip_prefix("$ triage "))
        else {
            continue;
        };
        if block.tag != "text" || !command.contains("--kb worked.kb") {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("worked.kb"), &kb.expect("a kb block before it").text)
            .unwrap();
        let output = assert_cmd::Command::cargo_bin("triage")
            .unwrap()
            .env_remove("TRIAGE_KB")
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .args(command.split_whitespace())
            .output()
            .unwrap();
        let expected = block.text.split_once('\n').map_or("", |(_, rest)| rest);
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            expected,
            "docs/language.md:{}: `triage {command}` prints something else",
            block.line
        );
        checked += 1;
    }
    assert_eq!(checked, 2, "the worked example's two commands");
}
