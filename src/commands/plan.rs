//! `plan` and `collect`: read facts (plan), call the renderers, write the script.

use super::{Outcome, UsageError, emit_exact, load_valid, read_fact_inputs};
use crate::cli::{CollectArgs, CollectPlace, CollectShell, PlanArgs, PlanShell};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::{Engine, FactReader};
use triage_renderers::collect;
use triage_renderers::plan::{self, PlanOptions, RepairPlan};
use triage_renderers::preamble::{GivenParameter, PreambleError};
use triage_rules::ast::{Place, Shell};

pub fn plan(kb: Option<PathBuf>, args: &PlanArgs) -> Outcome {
    if args.schema {
        let schema = serde_json::to_string_pretty(&plan::json::schema())
            .map_err(|e| UsageError::Usage(e.to_string()))?;
        write_output(args.output.as_deref(), &format!("{schema}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.facts.is_empty() && args.facts_set.is_empty() {
        return Err(UsageError::Usage(
            "no facts given: pass a fact file (or - for standard input) or --fact NAME=VALUE"
                .into(),
        ));
    }
    let given = super::Given { files: &args.facts, assignments: &args.facts_set, text: None };
    let kb = super::choose_kb(kb, &given)?;
    let version = args.record.as_ref().map(|_| super::recording::kb_version_of(kb.as_deref()));
    let engine = match load_valid(kb) {
        Ok((_, model)) => Engine::new(model),
        Err(code) => return Ok(code),
    };
    let reader = FactReader::new(engine.model());
    let facts = match read_fact_inputs(&reader, &args.facts, &args.facts_set)? {
        Ok(facts) => facts,
        Err(code) => return Ok(code),
    };
    let shell = args.shell.unwrap_or_else(|| {
        if knowledge_shell(engine.model().fixes.iter().flat_map(|f| f.run.iter().map(|s| s.shell)))
            == Shell::Bash
        {
            PlanShell::Bash
        } else {
            PlanShell::Powershell
        }
    });
    let options = PlanOptions {
        place: args.place.map(place),
        parameters: given_parameters(&args.parameters)?,
        every_side: shell == PlanShell::Json,
    };
    let rendered = RepairPlan::new_with(&engine, &facts, args.symptom.as_deref(), &options)
        .and_then(|mut p| {
            match (&args.record, version) {
                (Some(dir), Some(version)) if shell != PlanShell::Json => {
                    p.recording = Some(recording(&p, &facts, dir, version)?);
                }
                (Some(_), _) => anstream::eprintln!(
                    "note: --record: a JSON plan records nothing (whoever runs its steps does)"
                ),
                (None, _) => {}
            }
            if let (Some(line), false) = (p.elsewhere_line(), args.place.is_some()) {
                anstream::eprintln!("note: {line}");
            }
            match shell {
                PlanShell::Powershell => plan::powershell::render(&p),
                PlanShell::Bash => plan::bash::render(&p),
                PlanShell::Json => Ok(plan::json::render(&p)),
            }
        });
    match rendered {
        Ok(script) => {
            write_output(args.output.as_deref(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(
            e @ (plan::PlanError::UnknownSymptom { .. }
            | plan::PlanError::Preamble(PreambleError::UnknownParameter { .. })),
        ) => Err(UsageError::Usage(e.to_string())),
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

/// The part of a plan's outcome record known now: the knowledge base, the facts of the fact
/// files (`collected`, at first contact), the symptom and the ranking the plan was made from.
/// The script adds the record's id, its time and the fixes it tried.
fn recording(
    plan: &RepairPlan<'_>,
    facts: &triage_engine::FactSet,
    dir: &Path,
    kb: triage_learn::record::KbVersion,
) -> Result<plan::PlanRecording, plan::PlanError> {
    use triage_learn::record::{FactSource, RecordedFact, Tool};
    let model = plan.model;
    let json = facts.to_json(model);
    let mut record = triage_learn::writer::new_record(Tool::Plan, kb);
    record.symptom = Some(plan.symptom.name.clone());
    record.facts = model
        .facts
        .iter()
        .zip(&facts.values)
        .filter(|(_, value)| value.is_some())
        .map(|(def, _)| RecordedFact {
            fact: def.name.clone(),
            value: json.get(&def.name).cloned().unwrap_or_default(),
            source: FactSource::Collected,
            step: 0,
        })
        .collect();
    triage_learn::writer::set_ranking(&mut record, &plan.report);
    let Ok(serde_json::Value::Object(mut fixed)) = serde_json::to_value(&record) else {
        return Err(plan::PlanError::Template("the record does not serialise".into()));
    };
    for member in plan::RUN_TIME_MEMBERS {
        fixed.remove(member);
    }
    plan::PlanRecording::new(dir.display().to_string(), &fixed)
}

pub fn collect(kb: Option<PathBuf>, args: &CollectArgs) -> Outcome {
    let model = match load_valid(kb) {
        Ok((_, model)) => model,
        Err(code) => return Ok(code),
    };
    let shell = match args.shell {
        Some(CollectShell::Powershell) => Shell::Powershell,
        Some(CollectShell::Bash) => Shell::Bash,
        None => knowledge_shell(model.facts.iter().flat_map(|f| f.collect.iter().map(|s| s.shell))),
    };
    let mut facts = match &args.symptom {
        None => collect::all_facts(&model),
        Some(name) => {
            collect::facts_of_symptom(&model, name).map_err(|e| UsageError::Usage(e.to_string()))?
        }
    };
    let at = args.place.map(place);
    if let Some(at) = at {
        collect::read_at(&model, &mut facts, at);
    }
    let given = given_parameters(&args.parameters)?;
    match collect::render_at(&model, &facts, shell, at, &given) {
        Ok(script) => {
            write_output(args.output.as_deref(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ collect::CollectError::Preamble(PreambleError::UnknownParameter { .. })) => {
            Err(UsageError::Usage(e.to_string()))
        }
        Err(e) => {
            anstream::eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn place(place: CollectPlace) -> Place {
    match place {
        CollectPlace::Client => Place::Client,
        CollectPlace::Server => Place::Server,
    }
}

/// `--param NAME=VALUE` options.
fn given_parameters(texts: &[String]) -> Result<Vec<GivenParameter>, UsageError> {
    texts
        .iter()
        .map(|t| GivenParameter::parse(t).map_err(|e| UsageError::Usage(format!("--param {e}"))))
        .collect()
}

/// The shell a knowledge base writes scripts of one kind in: bash when `shells` (the shells
/// of its collectors, or of its fixes' run scripts) has bash and no PowerShell, else
/// PowerShell.
fn knowledge_shell(shells: impl Iterator<Item = Shell>) -> Shell {
    let all: Vec<Shell> = shells.collect();
    if all.contains(&Shell::Bash) && !all.contains(&Shell::Powershell) {
        Shell::Bash
    } else {
        Shell::Powershell
    }
}

fn write_output(path: Option<&Path>, text: &str) -> Result<(), UsageError> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display()))),
        None => emit_exact(text),
    }
}
