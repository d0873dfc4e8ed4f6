//! `diagnose`, `batch` and `schema`: read facts, call the engine, print.

use super::{Outcome, UsageError, emit_exact, load_valid, read_fact_inputs};
use crate::cli::{BatchArgs, DiagnoseArgs, OutputFormat};
use std::io::{BufReader, IsTerminal as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::batch::{Line, read_line};
use triage_engine::report::{Report, ReportOptions};
use triage_engine::{Engine, FactReader, FactSet};

/// Loads and compiles the knowledge base, or prints its errors (exit 1).
fn engine(kb: Option<PathBuf>) -> Result<Engine, ExitCode> {
    load_valid(kb).map(|(_, model)| Engine::new(model))
}

pub fn diagnose(kb: Option<PathBuf>, args: &DiagnoseArgs) -> Outcome {
    if args.facts.is_empty() && args.facts_set.is_empty() && args.text.is_none() {
        return Err(UsageError::Usage(
            "no facts given: pass a fact file (or - for standard input), --fact NAME=VALUE or --text FILE"
                .into(),
        ));
    }
    let text = args.text.as_deref().map(read_text).transpose()?;
    let given =
        super::Given { files: &args.facts, assignments: &args.facts_set, text: text.as_deref() };
    // A knowledge base named on the command line is named again in the commands that go on.
    let kb_given = kb.as_deref().map(|path| path.display().to_string());
    let kb = super::choose_kb(kb, &given)?;
    let engine = match engine(kb) {
        Ok(engine) => engine,
        Err(code) => return Ok(code),
    };
    let mut reader = FactReader::new(engine.model());
    reader.lenient = args.lenient;
    let mut from_text = FactSet::unknown(engine.model());
    let mut extracted = Vec::new();
    if let Some(text) = &text {
        (from_text, extracted) = engine.text_reader().read(text);
    }
    // Fact files and --fact correct what the text gave: a file's value replaces it.
    let mut facts = match read_fact_inputs(&reader, &args.facts, &args.facts_set)? {
        Ok(facts) => facts,
        Err(code) => return Ok(code),
    };
    let mut kept_from_text = Vec::new();
    for (i, (slot, text_value)) in facts.values.iter_mut().zip(from_text.values).enumerate() {
        if slot.is_none() && text_value.is_some() {
            *slot = text_value;
            kept_from_text.push(i);
        }
    }
    let diagnosis = engine.diagnose(&facts);
    let report = Report::new(&engine, &facts, &diagnosis, ReportOptions::FULL);
    match args.format {
        OutputFormat::Json => {
            /// The report, with what the text gave when `--text` was used.
            #[derive(serde::Serialize)]
            struct WithText<'a> {
                #[serde(flatten)]
                report: &'a Report,
                #[serde(skip_serializing_if = "Option::is_none")]
                from_text: Option<&'a [triage_engine::extract::Extracted]>,
            }
            let document = WithText {
                report: &report,
                from_text: args.text.is_some().then_some(extracted.as_slice()),
            };
            let json = serde_json::to_string_pretty(&document)
                .map_err(|e| UsageError::Usage(e.to_string()))?;
            emit_exact(&format!("{json}\n"))?;
        }
        OutputFormat::Text => {
            let mut out = String::new();
            if args.text.is_some() {
                out.push_str(&from_text_lines(
                    engine.model(),
                    &extracted,
                    "Read from the text (correct any with --fact NAME=VALUE):",
                ));
            }
            let go_on = go_on_words(kb_given.as_deref(), args, &extracted, &kept_from_text);
            let facts = go_on.as_ref().map(|w| triage_renderers::diagnosis::FactArgs {
                kb: w.kb.as_deref(),
                file: w.file.as_deref(),
                flags: &w.flags,
            });
            let options = triage_renderers::diagnosis::TextOptions {
                explain: args.explain,
                tree: args.tree,
                facts,
            };
            out.push_str(&triage_renderers::diagnosis::render(&report, options));
            super::emit_paged(&out)?;
        }
    }
    if diagnosis.symptoms.is_empty() {
        return Ok(ExitCode::from(super::EXIT_NO_SYMPTOM));
    }
    Ok(ExitCode::SUCCESS)
}

/// The words that give `ask` and `plan` this diagnosis's facts again, each a shell word.
struct GoOnWords {
    /// `--kb PATH`, when one was named.
    kb: Option<String>,
    /// The one fact file.
    file: Option<String>,
    /// `--fact NAME=VALUE` words.
    flags: String,
}

/// `None` when the facts cannot be given again as words: several fact files or standard
/// input (no later command reads them the same way), or a word no shell can carry (a NUL).
fn go_on_words(
    kb: Option<&str>,
    args: &DiagnoseArgs,
    extracted: &[triage_engine::extract::Extracted],
    kept_from_text: &[usize],
) -> Option<GoOnWords> {
    let kb = match kb {
        Some(kb) => Some(format!("--kb {}", super::shell_word(kb)?)),
        None => None,
    };
    let file = match args.facts.as_slice() {
        [] => None,
        [one] if one != Path::new("-") => Some(super::shell_word(&one.display().to_string())?),
        _ => return None,
    };
    Some(GoOnWords { kb, file, flags: fact_flags(args, extracted, kept_from_text)? })
}

/// The `--fact NAME=VALUE` words that give the facts of `--fact` and of the text again (a
/// fact read from the text only when no file or flag gave it), shell-quoted.
fn fact_flags(
    args: &DiagnoseArgs,
    extracted: &[triage_engine::extract::Extracted],
    kept_from_text: &[usize],
) -> Option<String> {
    let mut words = Vec::new();
    for assignment in &args.facts_set {
        words.push(format!("--fact {}", super::shell_word(assignment)?));
    }
    let mut seen = Vec::new();
    for found in extracted.iter().filter(|e| kept_from_text.contains(&e.fact.index())) {
        if seen.contains(&found.fact) {
            // A set's members: one flag with all of them.
            continue;
        }
        seen.push(found.fact);
        let values: Vec<&str> =
            extracted.iter().filter(|e| e.fact == found.fact).map(|e| e.value.as_str()).collect();
        let assignment = format!("{}={}", found.name, values.join(","));
        words.push(format!("--fact {}", super::shell_word(&assignment)?));
    }
    Some(words.join(" "))
}

/// Free text from a file or standard input (`-`).
fn read_text(path: &Path) -> Result<String, UsageError> {
    let bytes = if path == Path::new("-") {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer)
            .map_err(|e| UsageError::Usage(format!("cannot read standard input: {e}")))?;
        buffer
    } else {
        std::fs::read(path)
            .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))?
    };
    // A pasted log may hold bytes that are not UTF-8: they are replaced, the rest is read.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// What the text gave, for a person to check: under `heading`, one line per fact with its
/// words and the `--fact` that corrects it.
pub fn from_text_lines(
    model: &triage_rules::Model,
    extracted: &[triage_engine::extract::Extracted],
    heading: &str,
) -> String {
    use std::fmt::Write as _;
    if extracted.is_empty() {
        return "Read from the text: nothing this knowledge base knows (no code, message or change it lists).\n\n".into();
    }
    let mut out = format!("{heading}\n");
    for found in extracted {
        let def = model.fact(found.fact);
        let title = def.title.as_deref().unwrap_or(&def.name);
        let value = match def.ty.values().iter().position(|v| *v == found.value) {
            Some(i) => def.value_label(i as u32).to_string(),
            None => found.value.clone(),
        };
        let quote: String = found.quote.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(
            out,
            "  {title}: {value}  (from \u{201c}{quote}\u{201d}; --fact {}={})",
            def.name, found.value
        );
    }
    out.push('\n');
    out
}

/// What `--detail`, `--explain`, `--format` and `--max-line-bytes` ask of the records.
fn batch_options(args: &BatchArgs) -> Result<triage_engine::batch::BatchOptions, UsageError> {
    use crate::cli::{BatchDetail, BatchFormat};
    use triage_engine::batch::{BatchOptions, Detail, RecordFormat};
    let detail = match (args.detail, args.explain) {
        (BatchDetail::Summary, false) => Detail::Summary,
        (BatchDetail::Summary, true) => {
            return Err(UsageError::Usage(
                "--explain explains every cause: it needs --detail full".into(),
            ));
        }
        (BatchDetail::Full, words) => Detail::Full { words },
    };
    let format = match (args.format, detail) {
        (BatchFormat::Jsonl, _) => RecordFormat::JsonLines,
        (BatchFormat::Csv, Detail::Summary) => RecordFormat::Csv,
        (BatchFormat::Csv, Detail::Full { .. }) => {
            return Err(UsageError::Usage(
                "--format csv has one row per host: it takes --detail summary".into(),
            ));
        }
    };
    Ok(BatchOptions { detail, format, max_line_bytes: args.max_line_bytes })
}

/// Without `--kb`, the embedded knowledge base the first fact set of a batch fits (its keys
/// and `symptom`, as `diagnose` chooses for a file), and the lines read to find it (blank ones,
/// then that one, or one too long to read), which the batch diagnoses first. Every line of a
/// batch is diagnosed against that one knowledge base.
fn kb_of_first_line(
    input: &mut impl std::io::BufRead,
    max_line_bytes: usize,
) -> Result<(Option<PathBuf>, Vec<Line>), UsageError> {
    let mut read = Vec::new();
    while let Some((line, _)) = read_line(input, max_line_bytes)? {
        let head = match &line {
            Line::Text(bytes) if bytes.trim_ascii().is_empty() => None,
            Line::Text(bytes) => Some(triage_engine::fact_file_head(
                &String::from_utf8_lossy(bytes),
                triage_engine::Format::Json,
            )),
            Line::TooLong(_) => {
                read.push(line);
                return Ok((None, read));
            }
        };
        read.push(line);
        if let Some(head) = head {
            return Ok((super::choose_among(head.keys, head.symptom.as_deref(), None)?, read));
        }
    }
    Ok((None, read))
}

/// The JSON Lines input of a batch: a file, or standard input for `-`.
fn open_batch_input(path: &Path) -> Result<Box<dyn std::io::BufRead + Send>, UsageError> {
    if path.is_dir() {
        return Err(UsageError::Usage(format!(
            "`{}` is a folder: batch reads one JSON Lines file (or - for standard input)",
            path.display()
        )));
    }
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::with_capacity(1 << 20, std::io::stdin())));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
}

pub fn batch(kb: Option<PathBuf>, args: &BatchArgs) -> Outcome {
    let options = batch_options(args)?;
    if args.schema {
        let schema = triage_engine::batch::record_schema(options.detail);
        let json =
            serde_json::to_string_pretty(&schema).map_err(|e| UsageError::Usage(e.to_string()))?;
        return emit_exact(&format!("{json}\n")).map(|()| ExitCode::SUCCESS);
    }
    let Some(input_path) = args.input.as_deref() else {
        return Err(UsageError::Usage(
            "batch needs a JSON Lines file, or - for standard input".into(),
        ));
    };
    let mut input = open_batch_input(input_path)?;
    let (kb, first) = match kb {
        Some(kb) => (Some(kb), Vec::new()),
        None => kb_of_first_line(&mut input, options.max_line_bytes)?,
    };
    let engine = match engine(kb) {
        Ok(engine) => engine,
        Err(code) => return Ok(code),
    };
    let mut reader = FactReader::new(engine.model());
    reader.lenient = args.lenient;
    let total_bytes = std::fs::metadata(input_path)
        .map(|m| m.len())
        .ok()
        .filter(|_| input_path != Path::new("-"));
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
    let input_name = input_path.display().to_string();
    let summary = pool
        .install(|| {
            triage_engine::batch::run_after(
                &engine,
                &reader,
                &options,
                first,
                input,
                output,
                |so_far| {
                    if let Some(bar) = &bar {
                        bar.set_position(so_far.bytes);
                        bar.set_message(format!(
                            "{} lines, {} failed",
                            so_far.lines, so_far.failed
                        ));
                    }
                },
            )
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
    let lines = if summary.lines == 1 { "line" } else { "lines" };
    // A slow run of few lines (a huge line skipped) still gets a rate that is not 0.
    let rate = if rate < 10.0 { format!("{rate:.2}") } else { format!("{rate:.0}") };
    anstream::eprintln!(
        "{} {lines}, {} diagnosed, {} failed in {seconds:.2}s ({rate} lines/s)",
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
    emit_exact(&format!("{json}\n")).map(|()| ExitCode::SUCCESS)
}
