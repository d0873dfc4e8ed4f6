//! `search`: from an error code or the words of a message to the symptom to work on, in
//! `--kb` or every embedded knowledge base (which `ask` also starts from), and what `guide`
//! and `ask` say when a query fits no symptom well or several equally.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::{OutputFormat, SearchArgs};
use anstyle::Style;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::search::{Miss, SearchHit, SearchIndex};
use triage_renderers::diagnosis::printable;
use triage_rules::Model;

const NAME: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// A hit and the knowledge base it is from: the embedded one's name, or `None` for `--kb`.
#[derive(Debug, serde::Serialize)]
pub(super) struct Found {
    #[serde(flatten)]
    pub hit: SearchHit,
    /// `rdp`, `ssh`: the embedded knowledge base the symptom is in (absent with `--kb PATH`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge_base: Option<&'static str>,
}

/// What a query finds in the knowledge bases searched.
#[derive(Debug)]
pub(super) struct Findings {
    /// The hits of every knowledge base, best first.
    pub found: Vec<Found>,
    /// When no knowledge base has a hit: why, and the symptoms that came closest in any of
    /// them, best first.
    pub miss: Option<Miss>,
    /// The knowledge bases searched, each with its embedded name (`None` for `--kb PATH`).
    models: Vec<(Option<&'static str>, Model)>,
}

impl Findings {
    /// The model of the knowledge base a hit is from (`None`: the `--kb` one).
    pub(super) fn into_model(self, knowledge_base: Option<&str>) -> Option<Model> {
        self.models.into_iter().find(|(name, _)| *name == knowledge_base).map(|(_, model)| model)
    }
}

/// Searches `--kb`, else every embedded knowledge base, for `query`. Each knowledge base
/// drops its weak hits; together, a weak hit of one beside a strong hit of another is
/// dropped the same way. A knowledge base that does not load is its exit code (its errors
/// printed).
pub(super) fn search_knowledge(kb: Option<&Path>, query: &str) -> Result<Findings, ExitCode> {
    let bases: Vec<(Option<PathBuf>, Option<&'static str>)> = match &kb {
        Some(path) => vec![(Some(path.to_path_buf()), crate::embedded::by_name(path))],
        None => crate::embedded::names()
            .into_iter()
            .map(|n| (Some(PathBuf::from(n)), Some(n)))
            .collect(),
    };
    let mut found: Vec<Found> = Vec::new();
    let mut miss: Option<Miss> = None;
    let mut models = Vec::new();
    for (path, name) in bases {
        let (_, model) = load_valid(path)?;
        let index = SearchIndex::new(&model);
        let hits = index.search(query);
        if hits.is_empty() {
            let mut this = index.miss(query);
            match &mut miss {
                None => miss = Some(this),
                Some(first) => first.near.append(&mut this.near),
            }
        }
        found.extend(hits.into_iter().map(|hit| Found { hit, knowledge_base: name }));
        models.push((name, model));
    }
    found.sort_by(|a, b| b.hit.score.total_cmp(&a.hit.score));
    if let Some(best) = found.first().map(|f| f.hit.score) {
        found.retain(|f| f.hit.score >= triage_engine::search::WEAK_HIT * best);
        miss = None;
    }
    if let Some(miss) = &mut miss {
        miss.near.sort_by(|a, b| b.score.total_cmp(&a.score));
    }
    Ok(Findings { found, miss, models })
}

pub fn search(kb: Option<&Path>, args: &SearchArgs) -> Outcome {
    let query = args.query.join(" ");
    // Without --kb every embedded knowledge base is searched; a hit says which it is from.
    let several = kb.is_none() && crate::embedded::names().len() > 1;
    let Findings { mut found, miss, .. } = match search_knowledge(kb, &query) {
        Ok(findings) => findings,
        Err(code) => return Ok(code),
    };
    found.truncate(args.limit);
    match args.format {
        OutputFormat::Json => {
            let json = serde_json::json!({ "query": query, "symptoms": found });
            let text = serde_json::to_string_pretty(&json)
                .map_err(|e| UsageError::Usage(e.to_string()))?;
            super::emit_exact(&format!("{text}\n"))?;
        }
        OutputFormat::Text if found.is_empty() => {
            if let Some(miss) = miss {
                // The path is named again in the hints.
                anstream::eprint!("{}", nothing_fits(&query, &miss, None, kb));
            }
        }
        OutputFormat::Text => {
            let width = found.iter().map(|f| f.hit.symptom.len()).max().unwrap_or(0);
            let mut out = String::new();
            for Found { hit, knowledge_base } in &found {
                let from = match (several, knowledge_base) {
                    (true, Some(name)) => format!("  {DIM}({name}){DIM:#}"),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "{NAME}{:width$}{NAME:#}  {}{from}\n{:width$}  {DIM}matched: {}{DIM:#}",
                    hit.symptom,
                    printable(&hit.title),
                    "",
                    printable(&hit.matched.join("; ")),
                );
            }
            let best = &found[0];
            let kb_option = super::kb_option(kb, best.knowledge_base);
            let symptom = &best.hit.symptom;
            let _ = writeln!(
                out,
                "\nNext: `triage{kb_option} guide {symptom}` for the steps,\n      `triage{kb_option} ask {symptom}` to narrow \
                 it down one question at a time,\n      or `triage{kb_option} diagnose FACTS` with a fact file."
            );
            emit(&out)?;
        }
    }
    Ok(if found.is_empty() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
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
    let kb_option = super::kb_option(kb, None);
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
