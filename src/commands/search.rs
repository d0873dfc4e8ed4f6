//! `search`: from an error code or the words of a message to the symptom to work on, and what
//! `guide` and `ask` say when a query fits no symptom well or several equally.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::{OutputFormat, SearchArgs};
use anstyle::Style;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::search::{Miss, SearchHit, SearchIndex};
use triage_renderers::diagnosis::printable;

const NAME: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

pub fn search(kb: Option<PathBuf>, args: &SearchArgs) -> Outcome {
    // The path is named again in the hints when nothing fits.
    let shown = kb.clone();
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let query = args.query.join(" ");
    let index = SearchIndex::new(&model);
    let mut hits = index.search(&query);
    hits.truncate(args.limit);
    match args.format {
        OutputFormat::Json => {
            let json = serde_json::json!({ "query": query, "symptoms": hits });
            let text = serde_json::to_string_pretty(&json)
                .map_err(|e| UsageError::Usage(e.to_string()))?;
            emit(&format!("{text}\n"))?;
        }
        OutputFormat::Text if hits.is_empty() => {
            let miss = index.miss(&query);
            anstream::eprint!("{}", nothing_fits(&query, &miss, None, shown.as_deref()));
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

/// What to tell a person whose query fits no symptom well: why, the symptoms that came closest
/// (each with `triage PICK NAME` when a command to pick one is given), and how to start
/// without a symptom or see every symptom (`kb`: the `--kb` path, for that command line).
pub(super) fn nothing_fits(
    query: &str,
    miss: &Miss,
    pick: Option<&str>,
    kb: Option<&Path>,
) -> String {
    let mut out = format!(
        "Nothing in this knowledge base fits “{}” well: {}.\n",
        printable(query.trim()),
        printable(&miss.reason.to_string())
    );
    if !miss.near.is_empty() {
        out.push_str("Closest, with only some of the words:\n");
        candidates(&mut out, &miss.near, pick, true);
    }
    let kb_option = kb.map(|p| format!(" --kb {}", p.display())).unwrap_or_default();
    let _ = writeln!(
        out,
        "Start without a symptom: triage{kb_option} ask (it asks what the dialog says),\n\
         or see what the knowledge base covers: triage{kb_option} symptoms"
    );
    out
}

/// Several symptoms fit equally well: a choice, each with how to pick it.
pub(super) fn several_fit(query: &str, hits: &[SearchHit], pick: &str) -> String {
    let mut out =
        format!("“{}” fits several symptoms equally well; pick one:\n", printable(query.trim()));
    candidates(&mut out, hits, Some(pick), false);
    out
}

/// One line per symptom: `triage PICK NAME  title`, or `NAME  title (matched: …)`.
fn candidates(out: &mut String, hits: &[SearchHit], pick: Option<&str>, why: bool) {
    let width = hits.iter().map(|h| h.symptom.len()).max().unwrap_or(0);
    for hit in hits {
        let _ = match pick {
            Some(command) => write!(out, "  triage {command} {:width$}  ", hit.symptom),
            None => write!(out, "  {:width$}  ", hit.symptom),
        };
        out.push_str(&printable(&hit.title));
        if why {
            let _ = write!(out, " ({})", printable(&hit.matched.join("; ")));
        }
        out.push('\n');
    }
}
