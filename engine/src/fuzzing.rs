//! The property the `fact_file` fuzz target checks (`fuzz/fuzz_targets/fact_file.rs`), here so
//! that `cargo test` replays the kept corpus (`engine/tests/engine/fuzz_corpus.rs`) against exactly the
//! same checks: any bytes as a fact file (JSON, then YAML) and as a typed value for every fact
//! of a knowledge base with every fact type; the reader accepts them or lists the problems, and
//! whatever it accepts is diagnosed and reported. Nothing may panic.

use crate::facts::{FactReader, FactSet};
use crate::infer::Engine;
use crate::report::{Report, ReportOptions};
use std::sync::LazyLock;

/// Every fact type, a rule, and findings over each of them.
const KB: &str = r#"
fact code: int { ask "code?" }
fact up: bool { ask "up?" }
fact ratio: number { ask "ratio?" }
fact name: string { ask "name?" }
fact build: version { ask "build?" }
fact test: enum [not_tried, fixed, no_change] { ask "test?" unknown not_tried }
fact changes: set [update, gpo, other] { ask "changes?" }
rule low = true when ratio < 0.1 else false
fact low: bool
symptom broken { title "Broken" when code == 0x904 or code in [1, 2] frequency 0.6 }
symptom slow { title "Slow" when up and code is unknown background up : 0.5 }
cause a {
  title "A"
  explains broken: 0.4
  when up : never
  when test == fixed : usually
  when build >= 10.0.22000 : often
  when low : often
  when ratio > 0.5 : rarely
  when changes has gpo : sometimes
  when name == "x" : rarely
}
cause b { title "B" explains broken: 0.3, slow: 0.5 when up : usually when code == 2 : often }
fix fa { title "FA" fixes a cost 5m }
fix fb { title "FB" fixes b cost 1m success 0.5 }
"#;

static ENGINE: LazyLock<Option<Engine>> =
    LazyLock::new(|| triage_rules::load_text("fuzz.kb", KB).model.map(Engine::new));

fn exercise(engine: &Engine, facts: &FactSet) {
    let diagnosis = engine.diagnose(facts);
    let report = Report::new(engine, facts, &diagnosis, ReportOptions::FULL);
    let _ = serde_json::to_string(&report);
    let _ = facts.to_json(engine.model());
}

/// Reads `data` every way a fact value arrives and diagnoses what is accepted.
///
/// # Panics
/// When the built-in knowledge base does not check (a bug in this module), or when the reader,
/// the engine or the report panics on the input — which is what fuzzing looks for.
pub fn fact_file_property(data: &[u8]) {
    let Some(engine) = ENGINE.as_ref() else { panic!("the fuzzing knowledge base has errors") };
    let model = engine.model();
    let reader = FactReader::new(model);
    let Ok(text) = std::str::from_utf8(data) else { return };
    for result in [reader.read_json(text), reader.read_yaml(text)] {
        match result {
            Ok(facts) => exercise(engine, &facts),
            Err(problems) => {
                let _ = problems.to_string();
            }
        }
    }
    let mut facts = FactSet::unknown(model);
    for fact in &model.facts {
        if let Err(problem) = reader.set_from_text(&mut facts, &fact.name, text) {
            let _ = problem.to_string();
        }
    }
    exercise(engine, &facts);
}
