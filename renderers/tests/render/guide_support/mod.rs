//! Shared by the guide and site tests: loading knowledge bases and rendering.

#![allow(dead_code, clippy::must_use_candidate, clippy::missing_panics_doc)]

use std::path::{Path, PathBuf};
use triage_engine::{Engine, FactReader, FactSet, Format};
use triage_renderers::guide::{Format as PageFormat, Guide, Links, Templates};

pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

pub fn engine(relative: &str) -> Engine {
    let kb = triage_rules::load_paths(&[repo(relative)]);
    let rendered = triage_rules::diagnostic::render(&kb.diagnostics, &kb.sources, false);
    let model = kb.model.unwrap_or_else(|| panic!("{relative} does not check:\n{rendered}"));
    Engine::new(model)
}

pub fn facts(engine: &Engine, json: &str) -> FactSet {
    FactReader::new(engine.model()).read(json, Format::Json).unwrap()
}

pub fn guide(engine: &Engine, query: &str, facts: &FactSet, format: PageFormat) -> String {
    let symptom = triage_engine::search::resolve(engine.model(), query).unwrap();
    Guide::new(engine, facts, symptom, Links::Anchors)
        .render(format, &Templates::builtin().unwrap())
        .unwrap()
}
