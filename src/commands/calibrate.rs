//! `triage cases from-records` (records → test cases) and `triage calibrate` (how well the
//! knowledge base's probabilities match cases and records, what the data would change, and a
//! patch of the `.kb` files that says so).

use super::records::{is_records, kb_name, patch_path, read_input, stream_records};
use super::{Outcome, UsageError, emit, emit_exact, load_valid};
use crate::cli::{CalibrateArgs, FromRecordsArgs, OutputFormat};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use triage_engine::Engine;
use triage_engine::explain::percent;
use triage_learn::calibrate::estimate::{Entry, Options};
use triage_learn::calibrate::{self, Calibration, patch, report_html};
use triage_learn::session::{self, Session, Skip};

fn skipped_text(skipped: &BTreeMap<Skip, usize>) -> String {
    skipped.iter().map(|(why, n)| format!("{n} {}", why.describe())).collect::<Vec<_>>().join(", ")
}

pub fn from_records(kb: Option<PathBuf>, args: &FromRecordsArgs) -> Outcome {
    let name = kb_name(kb.as_deref());
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let mut records = Vec::new();
    let errors = stream_records(&args.records, |r| records.push(r))?;
    for e in &errors {
        anstream::eprintln!("{e}");
    }
    let made = triage_learn::cases::from_records(&model, &name, &records);
    match &args.output {
        Some(path) => std::fs::write(path, &made.yaml)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display())))?,
        None => emit_exact(&made.yaml)?,
    }
    let mut summary = format!(
        "{} records: {} cases written, {} folded into a case with the same facts and cause",
        records.len() + errors.len(),
        made.cases,
        made.folded
    );
    if !made.skipped.is_empty() {
        let _ = write!(summary, "; no case for {}", skipped_text(&made.skipped));
    }
    if !errors.is_empty() {
        let _ = write!(summary, "; {} lines are not records", errors.len());
    }
    anstream::eprintln!("{summary}");
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One line of a record file: its index, the session (or why none), the version it names.
type ReadLine = (usize, Result<Result<Session, Skip>, String>, Option<(String, String)>);

/// What the inputs gave.
#[derive(Default)]
struct Inputs {
    sessions: Vec<Session>,
    cases: usize,
    records: usize,
    skipped: BTreeMap<Skip, usize>,
    invalid: Vec<String>,
    /// The knowledge-base versions the records name.
    versions: BTreeSet<(String, String)>,
}

fn read_inputs(
    model: &triage_rules::Model,
    name: &str,
    paths: &[PathBuf],
) -> Result<Inputs, UsageError> {
    let mut inputs = Inputs::default();
    for path in &expand(paths)? {
        let text = read_input(path)?;
        let file = path.display().to_string();
        if is_records(&text) {
            let lines: Vec<&str> = text.lines().collect();
            let read: Vec<ReadLine> = lines
                .par_iter()
                .enumerate()
                .filter(|(_, line)| !line.trim().is_empty())
                .map(|(i, line)| {
                    let (mut records, errors) = triage_learn::record::read_records(&file, line);
                    match records.pop() {
                        Some(record) => {
                            let version = (record.kb.name.clone(), record.kb.version.clone());
                            (i, Ok(session::from_record(model, name, &record)), Some(version))
                        }
                        None => {
                            let message =
                                errors.first().map_or_else(String::new, |e| e.message.clone());
                            (i, Err(format!("{file}:{}: {message}", i + 1)), None)
                        }
                    }
                })
                .collect();
            for (_, outcome, version) in read {
                inputs.versions.extend(version);
                match outcome {
                    Ok(Ok(session)) => {
                        inputs.records += 1;
                        inputs.sessions.push(session);
                    }
                    Ok(Err(skip)) => *inputs.skipped.entry(skip).or_default() += 1,
                    Err(message) => inputs.invalid.push(message),
                }
            }
        } else {
            match triage_engine::cases::parse(&file, &text, model) {
                Ok(cases) => {
                    for case in &cases {
                        match session::from_case(model, case) {
                            Ok(s) => {
                                inputs.cases += 1;
                                inputs.sessions.push(s);
                            }
                            Err(message) => {
                                inputs
                                    .invalid
                                    .push(format!("{file}: case `{}`: {message}", case.id));
                            }
                        }
                    }
                }
                Err(e) => inputs.invalid.push(e.to_string()),
            }
        }
    }
    Ok(inputs)
}

/// The files of the inputs: a folder stands for its `.yaml`, `.yml` and `.jsonl` files.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut out = Vec::new();
    for path in paths {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "jsonl"))
            .collect();
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

fn entry_line(out: &mut String, e: &Entry) {
    let _ = writeln!(
        out,
        "  {}: author {:.3}, data {:.3} (95 % interval {:.3} to {:.3}, {} of {} sessions){}",
        e.label,
        e.author,
        e.mean,
        e.low,
        e.high,
        e.k,
        e.n,
        e.proposed.map_or_else(String::new, |p| format!(" -> {}", patch::number_text(p)))
    );
}

fn text_report(c: &Calibration, name: &str, inputs: &Inputs) -> String {
    let mut out = String::new();
    let s = &c.summary;
    let _ = writeln!(
        out,
        "calibrated {name} against {} sessions ({} cases, {} records)",
        s.sessions, inputs.cases, inputs.records
    );
    let _ = writeln!(
        out,
        "log loss {:.3}, Brier score {:.3}, top-1 {}, top-3 {}",
        s.log_loss,
        s.brier,
        percent(s.top1),
        percent(s.top3)
    );
    match &c.validation {
        Some(v) => {
            let _ = writeln!(
                out,
                "held out ({} folds): log loss {:.3} as written, {:.3} with the other folds' proposals ({})",
                v.folds,
                v.before.log_loss,
                v.after.log_loss,
                if (v.after.log_loss - v.before.log_loss).abs() < 1e-12 {
                    "no fold proposes a change"
                } else if v.after.log_loss < v.before.log_loss {
                    "the proposals generalise"
                } else {
                    "the proposals do not generalise"
                }
            );
        }
        None => {
            let _ = writeln!(out, "held out: too few sessions for the folds");
        }
    }
    let [findings, priors, fixes, frequencies] = c.proposal_counts();
    let _ = writeln!(
        out,
        "proposed (beyond noise, prior worth {} sessions): {findings} findings, {priors} priors, {fixes} fix success rates, {frequencies} symptom frequencies",
        c.strength
    );
    let estimates = &c.estimates;
    for (title, entries) in [
        ("findings", &estimates.findings),
        ("priors", &estimates.priors),
        ("fix success rates", &estimates.fixes),
        ("symptom frequencies", &estimates.frequencies),
    ] {
        let beyond: Vec<&Entry> = entries.iter().filter(|e| e.proposed.is_some()).collect();
        if beyond.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for e in beyond {
            entry_line(&mut out, e);
        }
    }
    out
}

pub fn calibrate(kb: Option<PathBuf>, args: &CalibrateArgs) -> Outcome {
    if args.folds == 0 {
        return Err(UsageError::Usage("--folds must be at least 1".into()));
    }
    if !(args.strength > 0.0 && args.strength.is_finite()) {
        return Err(UsageError::Usage("--strength must be a positive number".into()));
    }
    let name = kb_name(kb.as_deref());
    // The folder the sources are named from, as the writers of records hash them.
    let root = match super::knowledge(kb.as_deref()) {
        super::Knowledge::Embedded(embedded) => format!("<embedded>/{embedded}"),
        super::Knowledge::Path(path) => path.display().to_string(),
    };
    let (knowledge, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let inputs = read_inputs(&model, &name, &args.inputs)?;
    for message in &inputs.invalid {
        anstream::eprintln!("{message}");
    }
    let mut warnings = Vec::new();
    if !inputs.skipped.is_empty() {
        warnings.push(format!("records left out: {}", skipped_text(&inputs.skipped)));
    }
    let version = triage_learn::kb_version::of_sources(&knowledge.sources, &root);
    let others: Vec<String> = inputs
        .versions
        .iter()
        .filter(|(n, v)| n == &name && v != &version)
        .map(|(_, v)| v.chars().take(80).collect())
        .collect();
    if !others.is_empty() {
        warnings.push(format!(
            "records from another version of {name} than the one calibrated ({version}): {}; their rankings were made with other numbers, and their facts may mean other things",
            others.join(", ")
        ));
    }
    for warning in &warnings {
        anstream::eprintln!("warning: {warning}");
    }
    if inputs.sessions.is_empty() {
        anstream::eprintln!(
            "no session to calibrate against: give case files or records with a known cause"
        );
        return Ok(ExitCode::FAILURE);
    }
    let engine = Engine::new(model);
    let options = Options { strength: args.strength, folds: args.folds, ..Options::default() };
    let calibration = calibrate::calibrate(&engine, &inputs.sessions, options);
    if let Some(dir) = &args.report {
        std::fs::create_dir_all(dir)
            .map_err(|e| UsageError::Usage(format!("cannot create `{}`: {e}", dir.display())))?;
        let html = report_html::render(&calibration, &name, &warnings);
        let path = dir.join("index.html");
        std::fs::write(&path, html)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display())))?;
        anstream::eprintln!("report: {}", path.display());
    }
    if let Some(path) = &args.write_patch {
        let diff =
            patch::patch(&knowledge.sources, engine.model(), &calibration.estimates, &|file| {
                patch_path(file, &name)
            })
            .map_err(|e| UsageError::Usage(e.to_string()))?;
        std::fs::write(path, &diff)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display())))?;
        let files = diff.lines().filter(|l| l.starts_with("+++ ")).count();
        anstream::eprintln!(
            "patch: {} ({files} files; apply with `git apply {}`)",
            path.display(),
            path.display()
        );
    }
    match args.format {
        OutputFormat::Json => {
            let document = serde_json::json!({
                "knowledge_base": name,
                "cases": inputs.cases,
                "records": inputs.records,
                "skipped": inputs.skipped.iter().map(|(k, v)| (k.describe().to_string(), *v)).collect::<BTreeMap<_, _>>(),
                "invalid": inputs.invalid,
                "warnings": warnings,
                "calibration": calibration,
            });
            let text = serde_json::to_string_pretty(&document)
                .map_err(|e| UsageError::Usage(e.to_string()))?;
            emit_exact(&format!("{text}\n"))?;
        }
        OutputFormat::Text => emit(&text_report(&calibration, &name, &inputs))?,
    }
    Ok(if inputs.invalid.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
