//! The version of a knowledge base as a record names it: `sha256:` and the hex SHA-256 of its
//! `.kb` files, sorted by their path relative to the knowledge base's folder, each hashed as
//! `path\0content\0` (paths with `/`). The embedded `rdp` and `--kb knowledge/rdp` (or a
//! `triage kb export` of it) have the same version: only the relative paths and the text count.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;
use triage_rules::SourceMap;

/// The version of the knowledge base made of `files`, each a path relative to its folder and
/// the file's content. The order of `files` does not matter.
pub fn kb_version<P: AsRef<str>, C: AsRef<[u8]>>(
    files: impl IntoIterator<Item = (P, C)>,
) -> String {
    let mut files: Vec<(String, C)> = files
        .into_iter()
        .map(|(path, content)| (path.as_ref().replace('\\', "/"), content))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = Sha256::new();
    for (path, content) in &files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(content.as_ref());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut text = String::with_capacity(7 + 2 * digest.len());
    text.push_str("sha256:");
    for byte in digest {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The version of a loaded knowledge base: its sources as the loader named them, relative to
/// `root`, the folder (or the one file) it was loaded from — `<embedded>/rdp` for an embedded
/// one, the `--kb` path as given for the others. A source outside `root` counts by its file
/// name.
#[must_use]
pub fn of_sources(sources: &SourceMap, root: &str) -> String {
    let root = Path::new(root);
    kb_version(sources.iter().map(|(_, file)| {
        let path = Path::new(&file.name);
        let relative = match path.strip_prefix(root) {
            Ok(inside) if !inside.as_os_str().is_empty() => inside,
            _ => path.file_name().map_or(path, Path::new),
        };
        (relative.to_string_lossy().into_owned(), file.text.as_bytes())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_documented_hash() {
        // sha256 of "a.kb\0x\0b.kb\0y\0", computed with `printf 'a.kb\0x\0b.kb\0y\0' | sha256sum`.
        let version = kb_version([("b.kb", "y"), ("a.kb", "x")]);
        assert_eq!(
            version,
            "sha256:15db240dab6e97510437627480792cd59c9ec9804eb70b0f2689775fc2e1d937"
        );
    }

    #[test]
    fn content_path_and_boundaries_all_count() {
        let base = kb_version([("a.kb", "x"), ("b.kb", "y")]);
        assert_ne!(base, kb_version([("a.kb", "x"), ("b.kb", "z")]));
        assert_ne!(base, kb_version([("a.kb", "x"), ("c.kb", "y")]));
        // Moving text across the file boundary changes the hash.
        assert_ne!(
            kb_version([("a.kb", "xy"), ("b.kb", "")]),
            kb_version([("a.kb", "x"), ("b.kb", "y")])
        );
        assert_eq!(kb_version([("sub\\a.kb", "x")]), kb_version([("sub/a.kb", "x")]));
    }

    #[test]
    fn embedded_and_folder_names_give_one_version() {
        let mut embedded = SourceMap::new();
        embedded.add("<embedded>/rdp/facts.kb", "fact a: bool");
        embedded.add("<embedded>/rdp/sub/causes.kb", "cause c");
        let mut folder = SourceMap::new();
        folder.add("knowledge/rdp/sub/causes.kb", "cause c");
        folder.add("knowledge/rdp/facts.kb", "fact a: bool");
        assert_eq!(of_sources(&embedded, "<embedded>/rdp"), of_sources(&folder, "knowledge/rdp"));
        assert_eq!(
            of_sources(&folder, "knowledge/rdp"),
            kb_version([("facts.kb", "fact a: bool"), ("sub/causes.kb", "cause c")])
        );
        let mut file = SourceMap::new();
        file.add("kb/one.kb", "x");
        assert_eq!(of_sources(&file, "kb/one.kb"), kb_version([("one.kb", "x")]));
    }
}
