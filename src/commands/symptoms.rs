//! `symptoms`: what a knowledge base covers, one symptom per entry — the front door for a
//! person who does not know what to search for. It lists; finding one is `search`'s job.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::{OutputFormat, SymptomsArgs};
use anstyle::Style;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use triage_renderers::diagnosis::printable;
use triage_rules::FileId;
use triage_rules::ast::{CompareOp, Expr, ExprKind, Literal, LiteralKind};
use triage_rules::model::SymptomDef;

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
}

pub fn symptoms(kb: Option<PathBuf>, args: &SymptomsArgs) -> Outcome {
    let embedded = kb.is_none();
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
            codes: codes(def),
            aliases: &def.aliases,
            frequency: def.frequency,
        })
        .collect();
    if args.format == OutputFormat::Json {
        let text =
            serde_json::to_string_pretty(&listed).map_err(|e| UsageError::Usage(e.to_string()))?;
        emit(&format!("{text}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let plural = if listed.len() == 1 { "" } else { "s" };
    let mut out = format!(
        "{} symptom{plural} in {}:\n",
        listed.len(),
        if embedded { "the embedded knowledge base" } else { "the knowledge base" }
    );
    let width = listed.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for symptom in &listed {
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
    if let Some(first) = listed.first() {
        let _ = writeln!(
            out,
            "\nNext: `triage guide {}` for the steps, `triage ask {}` to narrow it down,\n      \
             or `triage search WORDS` with the words of the message.",
            first.name, first.name
        );
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// The codes a symptom's condition tests — the ints it requires a fact to equal (`==`, `in`),
/// as `search` reads them — spelled as the knowledge base writes them (`0x904`, `2308`). The
/// model keeps only the values, so the spelling comes from the condition's canonical text.
fn codes(def: &SymptomDef) -> Vec<String> {
    let mut codes = Vec::new();
    if let Ok(condition) = triage_rules::parse::parse_condition(FileId(0), &def.condition_text) {
        collect(&condition, &mut codes);
    }
    codes
}

fn collect(expr: &Expr, codes: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::And(operands) | ExprKind::Or(operands) => {
            for operand in operands {
                collect(operand, codes);
            }
        }
        ExprKind::Compare { op: CompareOp::Eq, value, .. } => add_code(value, codes),
        ExprKind::In { values, .. } => {
            for value in values {
                add_code(value, codes);
            }
        }
        // A code the condition rules out (`not`, `!=`) does not name the symptom.
        ExprKind::Not(_)
        | ExprKind::Fact(_)
        | ExprKind::Compare { .. }
        | ExprKind::Known { .. } => {}
    }
}

fn add_code(literal: &Literal, codes: &mut Vec<String>) {
    if matches!(literal.kind, LiteralKind::Int { .. }) {
        let text = triage_rules::format::literal_text(literal);
        if !codes.contains(&text) {
            codes.push(text);
        }
    }
}
