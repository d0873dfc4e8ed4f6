//! The knowledge bases shipped in `knowledge/`, embedded in the binary so every command works
//! on a fresh machine without `--kb`.

use include_dir::{Dir, File, include_dir};
use std::path::PathBuf;
use triage_rules::{KnowledgeBase, SourceMap};

static KNOWLEDGE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/knowledge");

/// The knowledge base used when no `--kb` is given.
pub const DEFAULT: &str = "rdp";

/// The `.kb` files of the default knowledge base, sorted by path.
pub fn default_files() -> Vec<&'static File<'static>> {
    let mut files: Vec<&File<'_>> = Vec::new();
    if let Some(dir) = KNOWLEDGE.get_dir(DEFAULT) {
        collect(dir, &mut files);
    }
    files.retain(|f| f.path().extension().is_some_and(|e| e == "kb"));
    files.sort_by_key(|f| f.path());
    files
}

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a File<'a>>) {
    out.extend(dir.files());
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Every file of the default knowledge base (the `.kb` files, `cases/`, `examples/`), each
/// with its path inside it (`cases/real.yaml`), sorted by path.
pub fn default_tree() -> Vec<(PathBuf, &'static [u8])> {
    let mut files: Vec<&File<'_>> = Vec::new();
    if let Some(dir) = KNOWLEDGE.get_dir(DEFAULT) {
        collect(dir, &mut files);
    }
    let mut tree: Vec<(PathBuf, &[u8])> = files
        .into_iter()
        .map(|f| {
            let inside = f.path().strip_prefix(DEFAULT).unwrap_or(f.path());
            (inside.to_path_buf(), f.contents())
        })
        .collect();
    tree.sort();
    tree
}

/// Parses and checks the default knowledge base. File names read `<embedded>/rdp/facts.kb`.
pub fn load() -> KnowledgeBase {
    let mut sources = SourceMap::new();
    for file in default_files() {
        let text = file.contents_utf8().unwrap_or_default();
        sources.add(format!("<embedded>/{}", file.path().display()), text);
    }
    triage_rules::load_sources(sources)
}

/// The case files (YAML) of the default knowledge base: (name, text), sorted by name.
pub fn default_cases() -> Vec<(String, &'static str)> {
    let mut files: Vec<&File<'_>> = Vec::new();
    if let Some(dir) = KNOWLEDGE.get_dir(DEFAULT) {
        collect(dir, &mut files);
    }
    let mut cases: Vec<(String, &str)> = files
        .into_iter()
        .filter(|f| f.path().extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|f| {
            (format!("<embedded>/{}", f.path().display()), f.contents_utf8().unwrap_or_default())
        })
        .collect();
    cases.sort();
    cases
}
