//! `plan` and `collect`: read facts (plan), call the renderers, write the script.

use super::{Outcome, UsageError, emit, load_valid, read_fact_inputs};
use crate::cli::{CollectArgs, CollectPlace, CollectShell, PlanArgs, PlanShell};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::{Engine, FactReader};
use triage_renderers::collect;
use triage_renderers::plan::{self, RepairPlan};
use triage_rules::ast::{Place, Shell};

pub fn plan(kb: Option<PathBuf>, args: &PlanArgs) -> Outcome {
    if args.schema {
        let schema = serde_json::to_string_pretty(&plan::json::schema())
            .map_err(|e| UsageError::Usage(e.to_string()))?;
        write_output(args.output.as_deref(), &format!("{schema}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.facts.is_none() && args.facts_set.is_empty() {
        return Err(UsageError::Usage(
            "no facts given: pass a fact file (or - for standard input) or --fact NAME=VALUE"
                .into(),
        ));
    }
    let engine = match load_valid(kb) {
        Ok((_, model)) => Engine::new(model),
        Err(code) => return Ok(code),
    };
    let reader = FactReader::new(engine.model());
    let facts = match read_fact_inputs(&reader, args.facts.as_slice(), &args.facts_set)? {
        Ok(facts) => facts,
        Err(code) => return Ok(code),
    };
    let rendered =
        RepairPlan::new(&engine, &facts, args.symptom.as_deref()).and_then(|p| match args.shell {
            PlanShell::Powershell => plan::powershell::render(&p),
            PlanShell::Bash => plan::bash::render(&p),
            PlanShell::Json => Ok(plan::json::render(&p)),
        });
    match rendered {
        Ok(script) => {
            write_output(args.output.as_deref(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ plan::PlanError::UnknownSymptom { .. }) => Err(UsageError::Usage(e.to_string())),
        Err(e @ plan::PlanError::NoSymptom) => {
            anstream::eprintln!("error: {e}");
            Ok(ExitCode::from(super::EXIT_NO_SYMPTOM))
        }
        Err(e) => {
            anstream::eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn collect(kb: Option<PathBuf>, args: &CollectArgs) -> Outcome {
    let model = match load_valid(kb) {
        Ok((_, model)) => model,
        Err(code) => return Ok(code),
    };
    let shell = match args.shell {
        CollectShell::Powershell => Shell::Powershell,
        CollectShell::Bash => Shell::Bash,
    };
    let mut facts = match &args.symptom {
        None => collect::all_facts(&model),
        Some(name) => {
            collect::facts_of_symptom(&model, name).map_err(|e| UsageError::Usage(e.to_string()))?
        }
    };
    if let Some(place) = args.place {
        let place = match place {
            CollectPlace::Client => Place::Client,
            CollectPlace::Server => Place::Server,
        };
        collect::read_at(&model, &mut facts, place);
    }
    match collect::render(&model, &facts, shell) {
        Ok(script) => {
            write_output(args.output.as_deref(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            anstream::eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn write_output(path: Option<&Path>, text: &str) -> Result<(), UsageError> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display()))),
        None => emit(text),
    }
}
