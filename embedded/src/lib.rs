//! The knowledge bases shipped in `knowledge/`, embedded so that every command of the CLI (and
//! the Python package) works on a fresh machine without `--kb`: each folder of `knowledge/`
//! that holds `.kb` files is one, named by its folder (`rdp`, `ssh`), and `--kb NAME` selects
//! it. It only finds and loads them; choosing one for a fact file is the CLI's job.

use include_dir::{Dir, File, include_dir};
use std::path::{Path, PathBuf};
use triage_rules::{KnowledgeBase, SourceMap};

static KNOWLEDGE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../knowledge");

/// The knowledge base used when no `--kb` is given and nothing else decides.
pub const DEFAULT: &str = "rdp";

/// The names of the embedded knowledge bases: the default first, then by name.
#[must_use]
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = KNOWLEDGE
        .dirs()
        .filter(|d| {
            let mut files = Vec::new();
            collect(d, &mut files);
            files.iter().any(|f| is_kb(f.path()))
        })
        .filter_map(|d| d.path().to_str())
        .collect();
    names.sort_by_key(|n| (*n != DEFAULT, *n));
    names
}

/// The embedded knowledge base a `--kb` value names: a bare name (no `/`) of one of them.
/// `./ssh` is the folder, not the embedded knowledge base.
#[must_use]
pub fn by_name(kb: &Path) -> Option<&'static str> {
    let text = kb.to_str()?;
    if text.contains(['/', '\\']) {
        return None;
    }
    names().into_iter().find(|n| *n == text)
}

fn is_kb(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "kb")
}

fn files_of(name: &str) -> Vec<&'static File<'static>> {
    let mut files: Vec<&File<'_>> = Vec::new();
    if let Some(dir) = KNOWLEDGE.get_dir(name) {
        collect(dir, &mut files);
    }
    files.sort_by_key(|f| f.path());
    files
}

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a File<'a>>) {
    out.extend(dir.files());
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Every file of an embedded knowledge base (the `.kb` files, `cases/`, `examples/`), each
/// with its path inside it (`cases/real.yaml`), sorted by path.
#[must_use]
pub fn tree(name: &str) -> Vec<(PathBuf, &'static [u8])> {
    files_of(name)
        .into_iter()
        .map(|f| {
            let inside = f.path().strip_prefix(name).unwrap_or(f.path());
            (inside.to_path_buf(), f.contents())
        })
        .collect()
}

/// Parses and checks an embedded knowledge base. File names read `<embedded>/rdp/facts.kb`.
#[must_use]
pub fn load(name: &str) -> KnowledgeBase {
    let mut sources = SourceMap::new();
    for file in files_of(name).into_iter().filter(|f| is_kb(f.path())) {
        let text = file.contents_utf8().unwrap_or_default();
        sources.add(format!("<embedded>/{}", file.path().display()), text);
    }
    triage_rules::load_sources(sources)
}

/// The case files (YAML) of an embedded knowledge base: (name, text), sorted by name.
#[must_use]
pub fn cases(name: &str) -> Vec<(String, &'static str)> {
    files_of(name)
        .into_iter()
        .filter(|f| f.path().extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|f| {
            (format!("<embedded>/{}", f.path().display()), f.contents_utf8().unwrap_or_default())
        })
        .collect()
}
