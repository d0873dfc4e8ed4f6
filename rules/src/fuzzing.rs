//! The property the fuzz target (`fuzz/fuzz_targets/parse_check_fmt.rs`) and the corpus replay
//! test (`tests/rules/fuzz_corpus.rs`) both check, kept here so the two can never drift apart.
//!
//! Not part of the public API: hidden from the docs and free to change.

use crate::source::SourceMap;
use crate::{check, diagnostic, format, load, parse};

/// Runs any bytes through load, parse, check, diagnostic rendering and the formatter.
///
/// Nothing may panic on any input. When the text parsed without a syntax error, its canonical
/// form must parse back without a diagnostic to an equal tree (spans are ignored by the
/// AST's `PartialEq`), and formatting that tree must give the same text again.
///
/// # Panics
///
/// When a stage panics or the round trip breaks: that is the bug this reports.
pub fn round_trip_property(bytes: &[u8]) {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    // Goes through the loader so invalid UTF-8 is handled exactly as for a file on disk.
    let id = load::add_bytes(&mut sources, &mut diagnostics, "fuzz.kb", bytes.to_vec());
    let text = sources.get(id).map(|f| f.text.clone()).unwrap_or_default();

    let (tree, syntax) = parse::parse_file(id, &text);
    let syntax_ok = syntax.is_empty();
    diagnostics.extend(syntax);
    let (_model, problems) = check::check(std::slice::from_ref(&tree));
    diagnostics.extend(problems);
    diagnostic::sort(&mut diagnostics);

    // Rendering takes spans from every stage; it must cope with all of them.
    let _ = diagnostic::render(&diagnostics, &sources, false);
    let json = diagnostic::to_json(&diagnostics, &sources);
    assert_eq!(json.len(), diagnostics.len(), "to_json dropped or added diagnostics");

    if !syntax_ok {
        return;
    }
    let first = format::format_file(&tree);
    let (again, syntax) = parse::parse_file(id, &first);
    assert!(
        syntax.is_empty(),
        "the formatted text does not parse:\n{first}\n--- diagnostics ---\n{syntax:#?}"
    );
    assert!(
        again == tree,
        "parse(fmt(x)) != x\n--- formatted ---\n{first}\n--- before ---\n{tree:#?}\n--- after ---\n{again:#?}"
    );
    let second = format::format_file(&again);
    assert!(
        second == first,
        "the formatter is not idempotent\n--- first ---\n{first}\n--- second ---\n{second}"
    );
}

/// Replays a kept fuzz corpus: `property` on every file of `dir`, in name order so a failure
/// names the same input on every machine. Returns how many files were replayed.
///
/// # Panics
///
/// When the folder cannot be read, or when `property` panics on a file (the file is named;
/// the property's own message is printed above it).
pub fn replay_corpus(dir: &std::path::Path, property: impl Fn(&[u8])) -> usize {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the fuzz corpus at {}: {e}", dir.display()))
        .map(|entry| entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())).path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    for path in &files {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| property(&bytes)));
        assert!(outcome.is_ok(), "fuzz corpus input {} breaks the property", path.display());
    }
    files.len()
}
