//! `search`: from an error code or the words of a message to the symptom to work on.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::{OutputFormat, SearchArgs};
use anstyle::Style;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use triage_engine::search::SearchIndex;
use triage_renderers::diagnosis::printable;

const NAME: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

pub fn search(kb: Option<PathBuf>, args: &SearchArgs) -> Outcome {
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let query = args.query.join(" ");
    let mut hits = SearchIndex::new(&model).search(&query);
    hits.truncate(args.limit);
    match args.format {
        OutputFormat::Json => {
            let json = serde_json::json!({ "query": query, "symptoms": hits });
            let text = serde_json::to_string_pretty(&json)
                .map_err(|e| UsageError::Usage(e.to_string()))?;
            emit(&format!("{text}\n"))?;
        }
        OutputFormat::Text if hits.is_empty() => {
            anstream::eprintln!(
                "no symptom matches `{}`; try the error code as shown (0x904), a few words of \
                 the message, or `triage kb list` to see the knowledge base",
                printable(&query)
            );
        }
        OutputFormat::Text => {
            let width = hits.iter().map(|h| h.symptom.len()).max().unwrap_or(0);
            let mut out = String::new();
            for hit in &hits {
                let _ = writeln!(
                    out,
                    "{NAME}{:width$}{NAME:#}  {}\n{:width$}  {DIM}matched: {}{DIM:#}",
                    hit.symptom,
                    printable(&hit.title),
                    "",
                    printable(&hit.matched.join("; ")),
                );
            }
            let best = &hits[0].symptom;
            let _ = writeln!(
                out,
                "\nNext: `triage guide {best}` for the steps,\n      `triage ask {best}` to narrow \
                 it down one question at a time,\n      or `triage diagnose FACTS` with a fact file."
            );
            emit(&out)?;
        }
    }
    Ok(if hits.is_empty() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
