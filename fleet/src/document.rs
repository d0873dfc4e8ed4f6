//! The fleet report as a document: what `triage report --format json` prints, and what the
//! Markdown and HTML renderings show. Its fields are documented in docs/fleet-report.md and
//! described by [`schema`]; new fields may be added, none is renamed or removed.

use crate::next_fact::{self, FactValue, NextFact};
use crate::read::{CauseTally, Tally};
use crate::rollout::{self, Step};
use serde::Serialize;
use std::fmt::Write as _;
use triage_engine::explain::percent;
use triage_rules::Model;

/// The knowledge base the records were diagnosed with.
#[derive(Debug, Clone, Copy)]
pub struct KnowledgeBase<'a> {
    /// How the report names it: `rdp`, or the path given with `--kb`.
    pub name: &'a str,
    pub model: &'a Model,
    /// What names it on a `triage` command line: `""` (the default one), ` --kb ssh`.
    pub kb_option: &'a str,
}

/// The version of the document's shape.
pub const VERSION: u32 = 1;

/// How many alternatives to the next fact are listed.
pub const OTHER_FACTS: usize = 5;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FleetReport {
    /// Always 1 for this shape of the document.
    pub version: u32,
    /// One sentence: the hosts, the commonest cause, the fact to collect, the first fix.
    pub headline: String,
    /// The knowledge base the records were diagnosed with.
    pub knowledge_base: String,
    /// The inputs, in the order read, with their line counts.
    pub sources: Vec<SourceReport>,
    /// Records read (every line that is not blank).
    pub hosts: u64,
    /// Records with a diagnosis (those whose facts rule out every symptom included).
    pub diagnosed: u64,
    /// Error records of `triage batch` and lines that are not batch records.
    pub failed: u64,
    /// Diagnosed records whose facts rule out every symptom.
    pub no_symptom: u64,
    /// Hosts whose leading cause is at least 80 % likely, and the others.
    pub confident: u64,
    pub ambiguous: u64,
    /// The records of each kind: `summary` (`--detail summary`) and `full`.
    pub records: RecordKinds,
    /// Why lines failed, most common first.
    pub failures: Vec<FailureReport>,
    /// Per leading symptom, most hosts first.
    pub symptoms: Vec<SymptomReport>,
    /// Per leading cause, most hosts first.
    pub causes: Vec<CauseReport>,
    /// The hosts where a cause the knowledge base does not list leads: the list to send to its
    /// authors.
    pub unlisted: HostGroup,
    /// The fact to collect next on the ambiguous hosts; none when no record names one.
    pub next_fact: Option<NextFact>,
    /// How `next_fact` is chosen.
    pub next_fact_measure: String,
    /// The next best facts by the same measure.
    pub other_facts: Vec<FactValue>,
    /// Fixes by expected hosts fixed per hour of their cost.
    pub rollout: Vec<Step>,
    /// What the rollout figures rest on.
    pub rollout_basis: String,
    /// The file with every diagnosed host, when one was written.
    pub hosts_csv: Option<String>,
    /// What a reader should know about these figures.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SourceReport {
    pub path: String,
    pub lines: u64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RecordKinds {
    pub summary: u64,
    pub full: u64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FailureReport {
    pub reason: String,
    pub count: u64,
    /// `SOURCE:LINE` of the first few.
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SymptomReport {
    pub symptom: String,
    /// Its title; none when the knowledge base does not declare it.
    pub title: Option<String>,
    pub hosts: u64,
    pub confident: u64,
    pub ambiguous: u64,
    /// Of its hosts, those where the unlisted cause leads.
    pub unlisted_leads: u64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CauseReport {
    pub cause: String,
    pub title: Option<String>,
    /// Hosts whose leading cause it is.
    pub hosts: u64,
    pub confident: u64,
    pub ambiguous: u64,
    /// Σ over hosts of P(cause | host) where the record lists it: the hosts expected to have
    /// it, leading or not.
    pub expected_hosts: f64,
    /// The first hosts it leads (at most 20; all of them are in the hosts CSV).
    pub listed_hosts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HostGroup {
    pub hosts: u64,
    pub confident: u64,
    pub listed_hosts: Vec<String>,
}

/// The JSON Schema (draft 2020-12) of the document.
#[must_use]
pub fn schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(FleetReport).to_value();
    if let Some(object) = schema.as_object_mut() {
        object.insert("title".into(), "triage fleet report".into());
    }
    schema
}

fn group(tally: &CauseTally) -> HostGroup {
    HostGroup {
        hosts: tally.hosts,
        confident: tally.confident,
        listed_hosts: tally.examples.clone(),
    }
}

impl FleetReport {
    /// The report of `tally` against `kb`; `hosts_csv` names the hosts file when written.
    #[must_use]
    pub fn new(tally: &Tally, kb: KnowledgeBase<'_>, hosts_csv: Option<String>) -> Self {
        let model = kb.model;
        let mut symptoms: Vec<SymptomReport> = tally
            .symptoms
            .items
            .iter()
            .map(|(name, t)| SymptomReport {
                symptom: name.clone(),
                title: model.symptom_id(name).map(|id| model.symptom(id).title.clone()),
                hosts: t.hosts,
                confident: t.confident,
                ambiguous: t.hosts - t.confident,
                unlisted_leads: t.unlisted_leads,
            })
            .collect();
        symptoms.sort_by(|a, b| b.hosts.cmp(&a.hosts).then_with(|| a.symptom.cmp(&b.symptom)));
        let mut causes: Vec<CauseReport> = tally
            .causes
            .items
            .iter()
            .filter(|(_, t)| t.hosts > 0)
            .map(|(name, t)| CauseReport {
                cause: name.clone(),
                title: model.cause_id(name).map(|id| model.cause(id).title.clone()),
                hosts: t.hosts,
                confident: t.confident,
                ambiguous: t.hosts - t.confident,
                expected_hosts: t.mass,
                listed_hosts: t.examples.clone(),
            })
            .collect();
        causes.sort_by(|a, b| b.hosts.cmp(&a.hosts).then_with(|| a.cause.cmp(&b.cause)));
        let mut failures: Vec<FailureReport> = tally
            .failures
            .iter()
            .map(|f| FailureReport {
                reason: f.reason.clone(),
                count: f.count,
                examples: f.examples.clone(),
            })
            .collect();
        if tally.other_failures > 0 {
            failures.push(FailureReport {
                reason: format!("other reasons (more than {} kinds)", crate::read::MAX_REASONS),
                count: tally.other_failures,
                examples: Vec::new(),
            });
        }
        failures.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        let next_fact = next_fact::next_fact(tally, model, kb.kb_option);
        let other_facts =
            next_fact::ranked(tally, model).into_iter().skip(1).take(OTHER_FACTS).collect();
        let rollout = rollout::rollout(tally, model);
        let rollout_basis = match (tally.summary_records, tally.full_records) {
            (0, 0) => "no diagnosed host".to_string(),
            (_, 0) => "the three likeliest causes of each host (summary records): a lower bound"
                .to_string(),
            (0, _) => "the complete ranking of each host (full records)".to_string(),
            _ => "the complete ranking of full records and the three likeliest causes of summary records: a lower bound".to_string(),
        };
        let notes = notes(tally, model);
        let mut report = FleetReport {
            version: VERSION,
            headline: String::new(),
            knowledge_base: kb.name.to_string(),
            sources: tally
                .sources
                .iter()
                .map(|s| SourceReport { path: s.name.clone(), lines: s.lines })
                .collect(),
            hosts: tally.records,
            diagnosed: tally.diagnosed,
            failed: tally.failed,
            no_symptom: tally.no_symptom,
            confident: tally.confident,
            ambiguous: tally.ambiguous,
            records: RecordKinds { summary: tally.summary_records, full: tally.full_records },
            failures,
            symptoms,
            causes,
            unlisted: group(&tally.unlisted),
            next_fact,
            next_fact_measure: next_fact::MEASURE.to_string(),
            other_facts,
            rollout,
            rollout_basis,
            hosts_csv,
            notes,
        };
        report.headline = headline(&report);
        report
    }
}

/// "200,000 hosts: 199,000 diagnosed (…), 1,000 failed. Commonest cause: …".
fn headline(report: &FleetReport) -> String {
    let mut text = format!(
        "{}: {} diagnosed ({} confident, {} ambiguous), {} failed.",
        hosts(report.hosts),
        count(report.diagnosed),
        count(report.confident),
        count(report.ambiguous),
        count(report.failed)
    );
    if let Some(cause) = report.causes.first() {
        let _ = write!(
            text,
            " Commonest leading cause: {} on {} ({} confident).",
            cause.title.as_deref().unwrap_or(&cause.cause),
            hosts(cause.hosts),
            count(cause.confident)
        );
    }
    if report.unlisted.hosts > 0 {
        let _ = write!(text, " No listed cause explains {} best.", hosts(report.unlisted.hosts));
    }
    if let Some(fact) = &report.next_fact {
        let _ = write!(
            text,
            " Collect next: {} on {} ambiguous {} ({} bits).",
            fact.value.title,
            count(fact.value.hosts),
            if fact.value.hosts == 1 { "host" } else { "hosts" },
            amount(fact.value.bits)
        );
    }
    if let Some(step) = report.rollout.first() {
        let _ = write!(
            text,
            " Roll out first: {} ({} hosts expected fixed).",
            step.title,
            amount(step.expected_hosts_fixed)
        );
    }
    text
}

fn notes(tally: &Tally, model: &Model) -> Vec<String> {
    let mut notes = Vec::new();
    let unknown_symptoms: Vec<&str> = tally
        .symptoms
        .items
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| model.symptom_id(n).is_none())
        .take(5)
        .collect();
    if !unknown_symptoms.is_empty() {
        notes.push(format!(
            "symptoms not in the knowledge base (were the records diagnosed with another? name it with --kb): {}",
            unknown_symptoms.join(", ")
        ));
    }
    let unknown_causes = tally.causes.items.iter().filter(|(n, _)| model.cause_id(n).is_none());
    let unknown_causes: Vec<&str> = unknown_causes.map(|(n, _)| n.as_str()).take(5).collect();
    if !unknown_causes.is_empty() {
        notes.push(format!(
            "causes not in the knowledge base, whose fixes are not in the rollout: {}",
            unknown_causes.join(", ")
        ));
    }
    if tally.ambiguous_without_questions > 0 {
        notes.push(format!(
            "{} ambiguous hosts come from full records, which carry no next question: they are not in the next fact's figures",
            count(tally.ambiguous_without_questions)
        ));
    }
    if tally.ambiguous_nothing_to_ask > 0 {
        notes.push(format!(
            "{} ambiguous hosts have nothing left worth asking",
            count(tally.ambiguous_nothing_to_ask)
        ));
    }
    let overflow = tally.symptoms.overflow_records
        + tally.causes.overflow_records
        + tally.facts.overflow_records;
    if overflow > 0 {
        notes.push(format!(
            "more than {} distinct names of one kind: {} records' names are counted together, not listed",
            count(crate::read::MAX_NAMES as u64),
            count(overflow)
        ));
    }
    notes.push(format!(
        "confident: the leading cause is at least {} likely",
        percent(crate::read::CONFIDENT)
    ));
    notes
}

/// `5.93` → `5.9`, `72986.6` → `72,987`: one decimal for small amounts, whole ones with
/// thousands separators for large.
#[must_use]
pub fn amount(x: f64) -> String {
    if x.abs() < 100.0 {
        format!("{x:.1}")
    } else {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // rounded, checked
        let whole = x.round().max(0.0) as u64;
        count(whole)
    }
}

/// `1` → `1 host`, `2000` → `2,000 hosts`.
fn hosts(n: u64) -> String {
    format!("{} host{}", count(n), if n == 1 { "" } else { "s" })
}

/// `1234567` → `1,234,567`.
#[must_use]
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1000), "1,000");
        assert_eq!(super::count(1_234_567), "1,234,567");
    }
}
