//! The README's examples run: every `$ triage …` line of its `console` blocks succeeds from the
//! repository root, and its `kb` blocks check clean and are in canonical form.

use assert_cmd::Command;
use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The bodies of the fenced blocks tagged exactly `tag`.
fn blocks(text: &str, tag: &str) -> Vec<String> {
    let fence = format!("```{tag}\n");
    text.split(&fence)
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn readme_console_commands_succeed() {
    let scratch = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for block in blocks(&readme(), "console") {
        for line in block.lines() {
            let Some(command) = line.strip_prefix("$ triage ") else { continue };
            let mut args: Vec<String> = command.split_whitespace().map(str::to_string).collect();
            // `init` creates a folder: make it in a scratch directory, not in the repository.
            if args.first().is_some_and(|a| a == "init") {
                args[1] = scratch.path().join(&args[1]).display().to_string();
            }
            Command::cargo_bin("triage")
                .unwrap()
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env_remove("TRIAGE_KB")
                .args(&args)
                .assert()
                .success();
            ran += 1;
        }
    }
    assert!(ran >= 5, "only {ran} README commands found");
}

#[test]
fn readme_language_tour_checks_clean_and_is_formatted() {
    let tours = blocks(&readme(), "kb");
    assert!(!tours.is_empty());
    for tour in tours {
        let mut sources = triage_rules::SourceMap::new();
        sources.add("README.md", tour.clone());
        let kb = triage_rules::load_sources(sources);
        let rendered = triage_rules::diagnostic::render(&kb.diagnostics, &kb.sources, false);
        assert!(kb.diagnostics.is_empty(), "{rendered}");
        let (tree, _) = triage_rules::parse::parse_file(triage_rules::FileId(0), &tour);
        assert_eq!(triage_rules::format::format_file(&tree), tour);
    }
}
