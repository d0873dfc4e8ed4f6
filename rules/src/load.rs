//! Loading a knowledge base: files and folders → parsed, checked [`KnowledgeBase`].
//!
//! A path may be a `.kb` file or a folder, searched recursively for `.kb` files in sorted
//! order (so ids, and therefore output, do not depend on the file system's order). Unreadable
//! files and invalid UTF-8 become diagnostics like any other problem: loading never fails as
//! a whole, it reports.

use crate::check::check_files;
use crate::diagnostic::{self, Diagnostic, DiagnosticKind};
use crate::model::Model;
use crate::parse::parse_file;
use crate::source::{FileId, SourceMap, Span};
use std::path::{Path, PathBuf};

/// A loaded knowledge base: its sources, the model (when there is no error) and every
/// diagnostic, sorted by place. The syntax trees are consumed by the checker; parse a file
/// with [`crate::parse::parse_file`] to format it.
#[derive(Debug)]
pub struct KnowledgeBase {
    pub sources: SourceMap,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl KnowledgeBase {
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    #[must_use]
    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

/// Checks one knowledge base given as text (`name` is what its diagnostics call the file):
/// tests, examples and benchmarks that build a knowledge base in memory.
#[must_use]
pub fn load_text(name: &str, text: impl Into<String>) -> KnowledgeBase {
    let mut sources = SourceMap::new();
    sources.add(name, text);
    load_sources(sources)
}

/// Reads and checks the `.kb` files at `paths` (files or folders).
#[must_use]
pub fn load_paths(paths: &[PathBuf]) -> KnowledgeBase {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        let mut found = Vec::new();
        if let Err(e) = collect_kb_files(path, &mut found) {
            diagnostics.push(Diagnostic::global(DiagnosticKind::NotAFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            }));
            continue;
        }
        if found.is_empty() && path.is_dir() {
            diagnostics.push(
                Diagnostic::global(DiagnosticKind::NoKnowledge)
                    .with_hint(format!("`{}` holds no file ending in .kb", path.display())),
            );
        }
        for file in found {
            match std::fs::read(&file) {
                Ok(bytes) => {
                    add_bytes(&mut sources, &mut diagnostics, &file.display().to_string(), bytes);
                }
                Err(e) => diagnostics.push(Diagnostic::global(DiagnosticKind::NotAFile {
                    path: file.display().to_string(),
                    reason: e.to_string(),
                })),
            }
        }
    }
    let mut kb = load_sources(sources);
    if !diagnostics.is_empty() {
        // A path that could not be read explains an empty knowledge base better than
        // "no symptom" does.
        kb.diagnostics.retain(|d| d.kind != DiagnosticKind::NoSymptom);
    }
    diagnostics.append(&mut kb.diagnostics);
    kb.diagnostics = diagnostics;
    // An unreadable file is an error like any other: no model from a partial knowledge base.
    if kb.diagnostics.iter().any(Diagnostic::is_error) {
        kb.model = None;
    }
    diagnostic::sort(&mut kb.diagnostics);
    kb
}

/// Adds a file's bytes; invalid UTF-8 is reported at the first bad byte and the file is kept
/// (lossily decoded) so the rest of it is still checked.
pub fn add_bytes(
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
    name: &str,
    bytes: Vec<u8>,
) -> FileId {
    match String::from_utf8(bytes) {
        Ok(text) => sources.add(name, text),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = sources.add(name, text);
            let (line, column) = sources.get(id).map_or((1, 1), |f| f.line_col(valid));
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticKind::InvalidUtf8 { line, column },
                    Span::new(id, valid, valid + 1),
                )
                .with_hint("save the file as UTF-8"),
            );
            id
        }
    }
}

/// Parses and checks files already in memory.
#[must_use]
pub fn load_sources(sources: SourceMap) -> KnowledgeBase {
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    for (id, file) in sources.iter() {
        let (tree, mut problems) = parse_file(id, &file.text);
        diagnostics.append(&mut problems);
        control_characters(id, &file.text, &mut diagnostics);
        files.push(tree);
    }
    let syntax_errors = diagnostics.iter().any(Diagnostic::is_error);
    let (model, mut problems) = check_files(files, !syntax_errors);
    diagnostics.append(&mut problems);
    diagnostic::sort(&mut diagnostics);
    KnowledgeBase { sources, model: if syntax_errors { None } else { model }, diagnostics }
}

/// The most `control-character` warnings one file gets: the first ones say what to look for.
pub const MAX_CONTROL_CHARACTER_WARNINGS: usize = 10;

/// Warns about each control character in `text` but the line ending, tab and carriage return
/// (the first [`MAX_CONTROL_CHARACTER_WARNINGS`]).
fn control_characters(id: FileId, text: &str, diagnostics: &mut Vec<Diagnostic>) {
    let found = text
        .char_indices()
        .filter(|&(_, c)| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        .take(MAX_CONTROL_CHARACTER_WARNINGS);
    for (at, c) in found {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticKind::ControlCharacter { code: u32::from(c) },
                Span::new(id, at, at + c.len_utf8()),
            )
            .with_label("here")
            .with_hint(
                "delete it if it was pasted by accident; in a quoted string write it as an escape \
                 such as \\u{7}",
            ),
        );
    }
}

/// The `.kb` files at a path: the path itself if it is a file, else every `.kb` file below the
/// folder, recursively, in sorted order.
pub fn kb_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    collect_kb_files(path, &mut out)?;
    Ok(out)
}

fn collect_kb_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect_kb_files(&entry, out)?;
        } else if entry.extension().is_some_and(|e| e == "kb") {
            out.push(entry);
        }
    }
    Ok(())
}
