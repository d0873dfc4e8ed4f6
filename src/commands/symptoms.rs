//! `symptoms`: what a knowledge base covers, one symptom per entry — the front door for a
//! person who does not know what to search for. It lists; finding one is `search`'s job.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::{OutputFormat, SymptomsArgs};
use anstyle::Style;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use triage_renderers::diagnosis::printable;

const NAME: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// One symptom as `--format json` prints it: the fields are a stable interface.
#[derive(Debug, serde::Serialize)]
struct Listed<'a> {
    name: &'a str,
    title: &'a str,
    /// The ints the condition compares a fact with, as the knowledge base writes them.
    codes: Vec<String>,
    aliases: &'a [String],
    /// Its declared share of the reports (`null` when it declares none).
    frequency: Option<f64>,
    /// The knowledge base it is in: an embedded one's name, or the `--kb` path.
    knowledge_base: &'a str,
}

pub fn symptoms(kb: Option<PathBuf>, args: &SymptomsArgs) -> Outcome {
    // Without --kb: every embedded knowledge base, the default first.
    let bases: Vec<Option<PathBuf>> = match kb {
        Some(kb) => vec![Some(kb)],
        None => crate::embedded::names().into_iter().map(|n| Some(PathBuf::from(n))).collect(),
    };
    let mut text = String::new();
    let mut json: Vec<serde_json::Value> = Vec::new();
    let mut first_symptom: Option<String> = None;
    for kb in bases {
        let shown = super::kb_name(kb.as_deref());
        let label = kb.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
        let (_, model) = match load_valid(kb) {
            Ok(loaded) => loaded,
            Err(code) => return Ok(code),
        };
        let listed: Vec<Listed<'_>> = model
            .symptoms
            .iter()
            .map(|def| Listed {
                name: &def.name,
                title: &def.title,
                codes: def.codes(),
                aliases: &def.aliases,
                frequency: def.frequency,
                knowledge_base: &label,
            })
            .collect();
        if first_symptom.is_none() {
            first_symptom = listed.first().map(|l| l.name.to_string());
        }
        if args.format == OutputFormat::Json {
            for entry in &listed {
                json.push(
                    serde_json::to_value(entry).map_err(|e| UsageError::Usage(e.to_string()))?,
                );
            }
            continue;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        listing(&mut text, &listed, &shown);
    }
    if args.format == OutputFormat::Json {
        let text =
            serde_json::to_string_pretty(&json).map_err(|e| UsageError::Usage(e.to_string()))?;
        super::emit_exact(&format!("{text}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(first) = first_symptom {
        let _ = writeln!(
            text,
            "\nNext: `triage guide {first}` for the steps, `triage ask {first}` to narrow it down,\n      \
             or `triage search WORDS` with the words of the message."
        );
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// One knowledge base's symptoms, for people.
fn listing(out: &mut String, listed: &[Listed<'_>], shown: &str) {
    let plural = if listed.len() == 1 { "" } else { "s" };
    let _ = writeln!(out, "{} symptom{plural} in the {shown}:", listed.len());
    let width = listed.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for symptom in listed {
        let _ =
            writeln!(out, "{NAME}{:width$}{NAME:#}  {}", symptom.name, printable(symptom.title));
        let mut about = Vec::new();
        if !symptom.codes.is_empty() {
            about.push(format!("codes {}", symptom.codes.join(", ")));
        }
        if let Some(frequency) = symptom.frequency {
            about.push(format!("frequency {frequency}"));
        }
        if !about.is_empty() {
            let _ = writeln!(out, "{:width$}  {DIM}{}{DIM:#}", "", about.join("; "));
        }
    }
}
