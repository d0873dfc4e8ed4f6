//! `guide` and `site`: find the symptom, read the facts, render pages.

use super::{Outcome, UsageError, emit, load_valid, read_facts};
use crate::cli::{GuideArgs, GuideFormat, SiteArgs};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::search::ResolveError;
use triage_engine::{Engine, FactReader, FactSet};
use triage_renderers::guide::{Format as PageFormat, Guide, Links, RenderError, Templates};

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
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let query = args.query.join(" ");
    let symptom = if query.trim().is_empty() {
        None
    } else {
        Some(triage_engine::search::resolve(&model, &query).map_err(|e| {
            let mut message = e.to_string();
            if let ResolveError::Ambiguous { hits, .. } = &e {
                message.push_str("\nname one of them:");
                let width = hits.iter().map(|h| h.symptom.len()).max().unwrap_or(0);
                for hit in hits {
                    let _ =
                        write!(message, "\n  triage guide {:<width$}  {}", hit.symptom, hit.title);
                }
            }
            UsageError::Usage(message)
        })?)
    };
    let templates = templates(args.templates.as_deref())?;
    let engine = Engine::new(model);
    let facts = match &args.facts {
        None => FactSet::unknown(engine.model()),
        Some(path) => match read_facts(&FactReader::new(engine.model()), path)? {
            Ok(facts) => facts,
            Err(code) => return Ok(code),
        },
    };
    let guide = match symptom.or(facts.symptom) {
        Some(symptom) => Guide::new(&engine, &facts, symptom, Links::Anchors),
        None => match Guide::for_facts(&engine, &facts, Links::Anchors) {
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
        None => emit(&page)?,
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
