//! Every knowledge base shipped in `knowledge/` checks with zero errors and zero warnings and is
//! in canonical form.

use std::path::PathBuf;

#[test]
fn shipped_knowledge_bases_check_clean_and_are_formatted() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let kb = triage_rules::load_paths(std::slice::from_ref(&dir));
        let rendered = triage_rules::diagnostic::render(&kb.diagnostics, &kb.sources, false);
        assert!(kb.diagnostics.is_empty(), "{}:\n{rendered}", dir.display());
        for (id, file) in kb.sources.iter() {
            let (tree, problems) = triage_rules::parse::parse_file(id, &file.text);
            assert!(problems.is_empty());
            assert!(
                triage_rules::format::format_file(&tree) == file.text,
                "{} is not in canonical form: run `triage fmt --write {}`",
                file.name,
                file.name
            );
        }
        checked += 1;
    }
    assert!(checked > 0, "no knowledge base under {}", root.display());
}
