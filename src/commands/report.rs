//! `report`: the fleet report over batch results (the `triage-fleet` crate does the work).

use super::{Knowledge, Outcome, UsageError, emit_exact, knowledge, load_valid};
use crate::cli::{ReportArgs, ReportFormat};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_fleet::read::{Reader, part_files, read_source};
use triage_fleet::render::{Format, render};
use triage_fleet::{FleetReport, KnowledgeBase, Tally};

/// The format asked for, else the one the extension of `-o` names, else Markdown.
fn format_of(args: &ReportArgs) -> Format {
    let format = args.format.or_else(|| {
        let extension = args.output.as_deref()?.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "html" | "htm" => Some(ReportFormat::Html),
            "json" => Some(ReportFormat::Json),
            _ => None,
        }
    });
    match format {
        Some(ReportFormat::Html) => Format::Html,
        Some(ReportFormat::Json) => Format::Json,
        Some(ReportFormat::Md) | None => Format::Markdown,
    }
}

/// `report.html` → `report-hosts.csv`, in the same folder.
fn hosts_beside(output: &Path) -> PathBuf {
    let stem = output.file_stem().map_or_else(|| "report".into(), |s| s.to_string_lossy());
    output.with_file_name(format!("{stem}-hosts.csv"))
}

/// The inputs in reading order: files, the part files of folders, `-`.
fn inputs(results: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut out = Vec::new();
    for path in results {
        if path == Path::new("-") {
            out.push(path.clone());
        } else if path.is_dir() {
            let parts = part_files(path).map_err(|e| {
                UsageError::Usage(format!("cannot read the folder `{}`: {e}", path.display()))
            })?;
            if parts.is_empty() {
                return Err(UsageError::Usage(format!(
                    "the folder `{}` holds no result files (part-*, as Spark writes them)",
                    path.display()
                )));
            }
            out.extend(parts);
        } else {
            std::fs::metadata(path)
                .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))?;
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// The embedded knowledge base most of the hosts' symptoms are from (the default when none
/// is), by name.
fn embedded_for(tally: &Tally) -> &'static str {
    let mut best = (crate::embedded::DEFAULT, 0u64);
    for name in crate::embedded::names() {
        let Some(model) = crate::embedded::load(name).model else { continue };
        let hosts: u64 = tally
            .symptoms
            .items
            .iter()
            .filter(|(symptom, _)| model.symptom_id(symptom).is_some())
            .map(|(_, t)| t.hosts)
            .sum();
        if hosts > best.1 {
            best = (name, hosts);
        }
    }
    best.0
}

pub fn report(kb: Option<&Path>, args: &ReportArgs) -> Outcome {
    if args.schema {
        let json = serde_json::to_string_pretty(&triage_fleet::document::schema())
            .map_err(|e| UsageError::Usage(e.to_string()))?;
        return emit_exact(&format!("{json}\n")).map(|()| ExitCode::SUCCESS);
    }
    let format = format_of(args);
    // A --kb is loaded before the results are read: its errors come first.
    let given = match kb {
        None => None,
        Some(path) => match load_valid(Some(path.to_path_buf())) {
            Ok((_, model)) => Some((path.to_path_buf(), model)),
            Err(code) => return Ok(code),
        },
    };
    let sources = inputs(&args.results)?;
    let hosts_path = args.hosts.clone().or_else(|| args.output.as_deref().map(hosts_beside));
    let hosts_csv = match &hosts_path {
        Some(path) => Some(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path).map_err(|e| {
                UsageError::Usage(format!("cannot write `{}`: {e}", path.display()))
            })?,
        )),
        None => None,
    };
    let mut reader = Reader::new(hosts_csv)?;
    for source in &sources {
        let name = source.display().to_string();
        let failed = |e: std::io::Error| {
            UsageError::Usage(format!("while reading `{name}` or writing the hosts: {e}"))
        };
        if source == Path::new("-") {
            let input = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
            read_source(&mut reader, "-", input, args.max_line_bytes).map_err(failed)?;
        } else {
            let file = std::fs::File::open(source).map_err(|e| {
                UsageError::Usage(format!("cannot read `{}`: {e}", source.display()))
            })?;
            let input = BufReader::with_capacity(1 << 20, file);
            read_source(&mut reader, &name, input, args.max_line_bytes).map_err(failed)?;
        }
    }
    let tally = reader.finish().map_err(|e| {
        UsageError::Usage(format!(
            "cannot write `{}`: {e}",
            hosts_path.as_deref().unwrap_or(Path::new("-")).display()
        ))
    })?;
    let (kb_name, model, kb_option) = match given {
        Some((path, model)) => match knowledge(Some(&path)) {
            Knowledge::Embedded(name) => {
                (name.to_string(), model, super::kb_option(None, Some(name)))
            }
            Knowledge::Path(path) => {
                (path.display().to_string(), model, super::kb_option(Some(path), None))
            }
        },
        None => {
            let name = embedded_for(&tally);
            let Some(model) = crate::embedded::load(name).model else {
                anstream::eprintln!("error: the embedded knowledge base `{name}` has errors");
                return Ok(ExitCode::FAILURE);
            };
            (name.to_string(), model, super::kb_option(None, Some(name)))
        }
    };
    // The report names the hosts file as a link from where the report is.
    let hosts_name = hosts_path.as_deref().map(|hosts| {
        let beside = args.output.as_deref().and_then(Path::parent) == hosts.parent();
        match hosts.file_name() {
            Some(file) if beside => file.to_string_lossy().into_owned(),
            _ => hosts.display().to_string(),
        }
    });
    let kb = KnowledgeBase { name: &kb_name, model: &model, kb_option: &kb_option };
    let report = FleetReport::new(&tally, kb, hosts_name);
    let text = render(&report, format).map_err(|e| UsageError::Usage(e.to_string()))?;
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display())))?,
        None => emit_exact(&text)?,
    }
    anstream::eprintln!("{}", report.headline);
    if tally.not_records > 0 {
        anstream::eprintln!(
            "{} lines are not batch records (counted as failed; see the report's failed lines)",
            tally.not_records
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
