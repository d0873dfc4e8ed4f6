//! Reading outcome records and case files for `triage cases from-records` and `triage
//! calibrate`: which knowledge base they belong to, and the files told apart by content.

use super::{Knowledge, UsageError};
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use triage_learn::record::{Record, RecordError};

/// The name records give the knowledge base `--kb` names: an embedded one's name, else the
/// folder's (or the file's) name.
pub fn kb_name(kb: Option<&Path>) -> String {
    match super::knowledge(kb) {
        Knowledge::Embedded(name) => name.to_string(),
        Knowledge::Path(path) => {
            let path = if path.is_file() { path.parent().unwrap_or(path) } else { path };
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            canonical
                .file_name()
                .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
        }
    }
}

/// Where a source of the knowledge base lives for `git apply` run in the current folder: an
/// embedded file is the repository's `knowledge/` file.
pub fn patch_path(name: &str, kb: &str) -> String {
    match name.strip_prefix("<embedded>/") {
        Some(rest) if rest.starts_with(&format!("{kb}/")) => format!("knowledge/{rest}"),
        Some(rest) => format!("knowledge/{kb}/{rest}"),
        None => {
            // `git apply` takes paths relative to where it runs: the current folder.
            let path = Path::new(name);
            let relative = std::env::current_dir()
                .ok()
                .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
                .unwrap_or_else(|| path.to_path_buf());
            let text = relative.display().to_string();
            text.strip_prefix("./").unwrap_or(&text).to_string()
        }
    }
}

/// An input file's text: `-` is standard input.
pub fn read_input(path: &Path) -> Result<String, UsageError> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))
}

/// Whether a file's text is outcome records (JSON Lines whose first line has a `format`
/// key) rather than a YAML case file.
pub fn is_records(text: &str) -> bool {
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else { return false };
    serde_json::from_str::<serde_json::Value>(first).is_ok_and(|v| v.get("format").is_some())
}

/// Reads record files line by line, calling `each` with every record; bad lines come back.
pub fn stream_records(
    paths: &[PathBuf],
    mut each: impl FnMut(Record),
) -> Result<Vec<RecordError>, UsageError> {
    let mut errors = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let reader: Box<dyn std::io::BufRead> = if path == Path::new("-") {
            Box::new(std::io::BufReader::new(std::io::stdin()))
        } else {
            let file = std::fs::File::open(path)
                .map_err(|e| UsageError::Usage(format!("cannot read `{name}`: {e}")))?;
            Box::new(std::io::BufReader::new(file))
        };
        for (index, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| UsageError::Usage(format!("cannot read `{name}`: {e}")))?;
            let (records, mut bad) = triage_learn::record::read_records(&name, &line);
            for e in &mut bad {
                e.line = index + 1;
            }
            errors.append(&mut bad);
            records.into_iter().for_each(&mut each);
        }
    }
    Ok(errors)
}
