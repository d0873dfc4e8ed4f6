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

/// Every case of the shipped Remote Desktop knowledge base is valid (known facts, values and
/// causes), and calibration never goes backwards: at the draft's first runs 53 of its 60 cases
/// passed; raise the floor as the knowledge base improves.
#[test]
fn shipped_rdp_cases_are_valid_and_do_not_regress() {
    const PASSING_FLOOR: usize = 53;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge/rdp");
    let kb = triage_rules::load_paths(std::slice::from_ref(&root));
    let engine = triage_engine::Engine::new(kb.model.unwrap());
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let (mut total, mut passed) = (0, 0);
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let cases = triage_engine::cases::parse(&name, &text, engine.model()).unwrap();
        for case in &cases {
            let result = triage_engine::cases::run(&engine, &name, case).unwrap();
            total += 1;
            passed += usize::from(result.passed);
        }
    }
    assert!(total >= 60, "only {total} cases");
    assert!(passed >= PASSING_FLOOR, "{passed} of {total} cases pass, fewer than {PASSING_FLOOR}");
}
