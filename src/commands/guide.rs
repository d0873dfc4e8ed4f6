//! `guide` and `site`: find the symptom, read the facts, render pages.

use super::{Outcome, UsageError, emit, load_valid, read_fact_inputs};
use crate::cli::{GuideArgs, GuideFormat, SiteArgs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::search::ResolveError;
use triage_engine::{Engine, FactReader};
use triage_renderers::guide::{Depth, Format as PageFormat, Guide, Links, RenderError, Templates};

fn templates(dir: Option<&Path>) -> Result<Templates, UsageError> {
    let loaded = match dir {
        Some(dir) if !dir.is_dir() => {
            return Err(UsageError::Usage(format!(
                "--templates `{}` is not a folder",
                dir.display()
            )));
        }
        Some(dir) => Templates::with_overrides(dir),
        None => Templates::builtin(),
    };
    loaded.map_err(|e| render_error(&e))
}

fn render_error(e: &RenderError) -> UsageError {
    UsageError::Usage(e.to_string())
}

pub fn guide(kb: Option<PathBuf>, args: &GuideArgs) -> Outcome {
    // The path is named again in the hints when nothing fits.
    let shown = kb.clone();
    let query = args.query.join(" ");
    let given = super::Given {
        files: args.facts.as_slice(),
        assignments: &args.facts_set,
        text: Some(query.as_str()).filter(|q| !q.trim().is_empty()),
    };
    let kb = super::choose_kb(kb, &given)?;
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let symptom = if query.trim().is_empty() {
        None
    } else {
        // A weak or shared match is not guessed at: the person picks, or starts without one.
        match triage_engine::search::resolve(&model, &query) {
            Ok(symptom) => Some(symptom),
            Err(ResolveError::NoMatch { miss, .. }) => {
                let text =
                    super::search::nothing_fits(&query, &miss, Some("guide"), shown.as_deref());
                anstream::eprint!("{text}");
                return Ok(ExitCode::FAILURE);
            }
            Err(ResolveError::Ambiguous { hits, .. }) => {
                anstream::eprint!("{}", super::search::several_fit(&query, &hits, "guide"));
                return Ok(ExitCode::FAILURE);
            }
        }
    };
    let templates = templates(args.templates.as_deref())?;
    let engine = Engine::new(model);
    let reader = FactReader::new(engine.model());
    let mut facts = match read_fact_inputs(&reader, args.facts.as_slice(), &args.facts_set)? {
        Ok(facts) => facts,
        Err(code) => return Ok(code),
    };
    // What the query states is known: "0x904" is the error code, a pasted message the message.
    let (from_query, _) = engine.text_reader().read(&query);
    for (slot, typed) in facts.values.iter_mut().zip(from_query.values) {
        if slot.is_none() {
            *slot = typed;
        }
    }
    let depth = if args.full { Depth::Full } else { Depth::Short };
    let guide = match symptom.or(facts.symptom) {
        Some(symptom) => Guide::new_with(&engine, &facts, symptom, Links::Anchors, depth),
        None => match Guide::for_facts_with(&engine, &facts, Links::Anchors, depth) {
            Some(guide) => guide,
            None => {
                anstream::eprintln!("{}", triage_engine::report::NO_SYMPTOM);
                return Ok(ExitCode::from(super::EXIT_NO_SYMPTOM));
            }
        },
    };
    let format = match args.format {
        GuideFormat::Md => PageFormat::Markdown,
        GuideFormat::Html => PageFormat::Html,
    };
    let page = guide.render(format, &templates).map_err(|e| render_error(&e))?;
    match &args.output {
        Some(path) => std::fs::write(path, page)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display())))?,
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => super::emit_paged(&page)?,
        None => super::emit_exact(&page)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn site(kb: Option<PathBuf>, args: &SiteArgs) -> Outcome {
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let templates = templates(args.templates.as_deref())?;
    if args.output.is_file() {
        return Err(UsageError::Usage(format!(
            "`{}` is a file: the site needs a folder",
            args.output.display()
        )));
    }
    let engine = Engine::new(model);
    let summary = triage_renderers::site::build(&engine, &templates, &args.output)
        .map_err(|e| render_error(&e))?;
    emit(&format!(
        "wrote {} files to {}: {} symptom guides, {} causes, {} fixes\nopen {}\n",
        summary.files.len(),
        args.output.display(),
        summary.symptoms,
        summary.causes,
        summary.fixes,
        args.output.join("index.html").display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
