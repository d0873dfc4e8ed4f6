//! Data-driven tests: every `test_data/err/*` input (a file, or a folder for a multi-file
//! knowledge base) has a snapshot of its rendered diagnostics; every `test_data/ok/*.kb` has a
//! snapshot of its canonical form and must check without errors. A new case is a new file.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use triage_rules::diagnostic::render;
use triage_rules::format::format_file;
use triage_rules::load::add_bytes;
use triage_rules::parse::parse_file;
use triage_rules::{KnowledgeBase, SourceMap, load_sources};

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

/// Loads files under names relative to `test_data/`, so snapshots do not depend on where the
/// repository is checked out.
fn load(files: &[PathBuf]) -> KnowledgeBase {
    let root = test_data();
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for file in files {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        add_bytes(&mut sources, &mut diagnostics, &name, std::fs::read(file).unwrap());
    }
    let mut kb = load_sources(sources);
    diagnostics.append(&mut kb.diagnostics);
    triage_rules::diagnostic::sort(&mut diagnostics);
    kb.diagnostics = diagnostics;
    kb
}

fn kb_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kb"))
        .collect();
    files.sort();
    files
}

fn entries(dir: &str) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(test_data().join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    assert!(!entries.is_empty(), "no fixtures in test_data/{dir}");
    entries
}

#[test]
fn error_fixtures_render_their_diagnostics() {
    for entry in entries("err") {
        let kb = load(&kb_files(&entry));
        assert!(!kb.diagnostics.is_empty(), "{} produced no diagnostic", entry.display());
        let name = entry.file_stem().unwrap().to_string_lossy().to_string();
        let rendered = render(&kb.diagnostics, &kb.sources, false);
        insta::assert_snapshot!(format!("err_{name}"), rendered);
    }
}

#[test]
fn ok_fixtures_check_clean_and_format_canonically() {
    for entry in entries("ok") {
        let kb = load(std::slice::from_ref(&entry));
        let rendered = render(&kb.diagnostics, &kb.sources, false);
        assert_eq!(kb.error_count(), 0, "{}:\n{rendered}", entry.display());
        assert_eq!(kb.warning_count(), 0, "{}:\n{rendered}", entry.display());
        let (tree, _) = parse_file(
            triage_rules::FileId(0),
            &kb.sources.get(triage_rules::FileId(0)).unwrap().text,
        );
        let formatted = format_file(&tree);
        // The canonical form parses back to the same tree, and formatting it again changes nothing.
        let (again, problems) = parse_file(triage_rules::FileId(0), &formatted);
        assert!(problems.is_empty(), "{}: {problems:?}\n{formatted}", entry.display());
        assert_eq!(again, tree, "{}", entry.display());
        assert_eq!(format_file(&again), formatted, "{}", entry.display());
        let name = entry.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(format!("ok_{name}"), formatted);
    }
}

/// A 10 MB knowledge base loads, and an error on its last line is reported with the right
/// line number.
#[test]
fn ten_megabyte_file_is_checked_and_its_last_error_located() {
    let mut text = String::with_capacity(10_500_000);
    let mut n = 0;
    while text.len() < 10_000_000 {
        let _ = write!(text, "fact f{n}: bool {{\n  title \"fact number {n}\"\n}}\n\n");
        n += 1;
    }
    text.push_str("fact last: nonsense\n");
    let mut sources = SourceMap::new();
    sources.add("big.kb", text);
    let kb = load_sources(sources);
    let errors: Vec<_> = kb.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let rendered = render(
        &kb.diagnostics.iter().filter(|d| d.is_error()).cloned().collect::<Vec<_>>(),
        &kb.sources,
        false,
    );
    insta::assert_snapshot!("big_file_last_line_error", rendered);
}
