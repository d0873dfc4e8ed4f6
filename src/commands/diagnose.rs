//! `diagnose`, `batch` and `schema`: read facts, call the engine, print.

use super::{Outcome, UsageError, emit, load_valid, read_facts};
use crate::cli::{BatchArgs, DiagnoseArgs, OutputFormat};
use std::io::{BufReader, IsTerminal as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::report::{Report, ReportOptions};
use triage_engine::{Engine, FactReader, FactSet};

/// Loads and compiles the knowledge base, or prints its errors (exit 1).
fn engine(kb: Option<PathBuf>) -> Result<Engine, ExitCode> {
    load_valid(kb).map(|(_, model)| Engine::new(model))
}

pub fn diagnose(kb: Option<PathBuf>, args: &DiagnoseArgs) -> Outcome {
    let engine = match engine(kb) {
        Ok(engine) => engine,
        Err(code) => return Ok(code),
    };
    let mut reader = FactReader::new(engine.model());
    reader.lenient = args.lenient;
    if args.facts.is_empty() && args.facts_set.is_empty() {
        return Err(UsageError::Usage(
            "no facts given: pass a fact file (or - for standard input) or --fact NAME=VALUE"
                .into(),
        ));
    }
    let mut facts = FactSet::unknown(engine.model());
    for path in &args.facts {
        let more = match read_facts(&reader, path)? {
            Ok(more) => more,
            Err(code) => return Ok(code),
        };
        let conflicts = facts.merge(more, engine.model());
        if !conflicts.is_empty() {
            anstream::eprintln!("{}: {}", path.display(), conflicts.join("\n"));
            return Ok(ExitCode::FAILURE);
        }
    }
    let mut problems = Vec::new();
    for assignment in &args.facts_set {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(UsageError::Usage(format!(
                "--fact expects NAME=VALUE, got `{assignment}`"
            )));
        };
        if let Err(problem) = reader.set_from_text(&mut facts, name.trim(), value.trim()) {
            problems.push(format!("--fact {problem}"));
        }
    }
    if !problems.is_empty() {
        anstream::eprintln!("{}", problems.join("\n"));
        return Ok(ExitCode::FAILURE);
    }
    let diagnosis = engine.diagnose(&facts);
    let report = Report::new(&engine, &facts, &diagnosis, ReportOptions::FULL);
    match args.format {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| UsageError::Usage(e.to_string()))?;
            emit(&format!("{json}\n"))?;
        }
        OutputFormat::Text => emit(&triage_renderers::diagnosis::render(&report, args.explain))?,
    }
    if diagnosis.symptoms.is_empty() {
        return Ok(ExitCode::from(super::EXIT_NO_SYMPTOM));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn batch(kb: Option<PathBuf>, args: &BatchArgs) -> Outcome {
    let engine = match engine(kb) {
        Ok(engine) => engine,
        Err(code) => return Ok(code),
    };
    let mut reader = FactReader::new(engine.model());
    reader.lenient = args.lenient;
    if args.input.is_dir() {
        return Err(UsageError::Usage(format!(
            "`{}` is a folder: batch reads one JSON Lines file (or - for standard input)",
            args.input.display()
        )));
    }
    let input: Box<dyn std::io::BufRead + Send> = if args.input == Path::new("-") {
        Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
    } else {
        let file = std::fs::File::open(&args.input).map_err(|e| {
            UsageError::Usage(format!("cannot read `{}`: {e}", args.input.display()))
        })?;
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    let total_bytes = std::fs::metadata(&args.input)
        .map(|m| m.len())
        .ok()
        .filter(|_| args.input != Path::new("-"));
    let output: Box<dyn std::io::Write + Send> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path).map_err(|e| {
                UsageError::Usage(format!("cannot write `{}`: {e}", path.display()))
            })?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(1 << 20, std::io::stdout())),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = total_bytes
            .map_or_else(indicatif::ProgressBar::new_spinner, indicatif::ProgressBar::new);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {bar:30} {bytes}/{total_bytes} {msg} ({elapsed}, {eta} left)",
        ) {
            bar.set_style(style);
        }
        bar
    });
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = args.jobs {
        pool = pool.num_threads(jobs.max(1));
    }
    let pool =
        pool.build().map_err(|e| UsageError::Usage(format!("cannot start worker threads: {e}")))?;
    let started = std::time::Instant::now();
    let input_name = args.input.display().to_string();
    let summary = pool
        .install(|| {
            let options = ReportOptions { words: args.explain, ..ReportOptions::RANKING };
            triage_engine::batch::run(&engine, &reader, options, input, output, |so_far| {
                if let Some(bar) = &bar {
                    bar.set_position(so_far.bytes);
                    bar.set_message(format!("{} lines, {} failed", so_far.lines, so_far.failed));
                }
            })
        })
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                UsageError::Io(e)
            } else {
                UsageError::Usage(format!(
                    "while reading `{input_name}` or writing the results: {e}"
                ))
            }
        })?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // a rate for people
    let rate = summary.lines as f64 / seconds.max(1e-9);
    anstream::eprintln!(
        "{} lines, {} diagnosed, {} failed in {seconds:.2}s ({rate:.0} lines/s)",
        summary.lines,
        summary.lines - summary.failed,
        summary.failed
    );
    Ok(if summary.failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub fn schema(kb: Option<PathBuf>) -> Outcome {
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let schema = triage_engine::schema::fact_file_schema(&model);
    let json =
        serde_json::to_string_pretty(&schema).map_err(|e| UsageError::Usage(e.to_string()))?;
    emit(&format!("{json}\n")).map(|()| ExitCode::SUCCESS)
}
