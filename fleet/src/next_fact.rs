//! The next fact for the fleet: the one fact that, collected on every ambiguous host, is
//! expected to settle the most of them.
//!
//! The measure is the expected reduction in the entropy of the hosts' rankings: a summary
//! record names the host's three best next questions, each with its expected information gain
//! in bits; a fact's value for the fleet is the sum of its gains over the ambiguous hosts
//! (leading cause below [`crate::read::CONFIDENT`]) among whose three best questions it is.
//! Each gain is that of the fact alone, which is what collecting this one fact brings. It is a
//! lower bound of what the fact tells the fleet: a host where it ranks below third may still
//! learn from it, and that is not counted. Full records carry no questions, so their hosts add
//! nothing.

use crate::read::Tally;
use serde::Serialize;
use triage_rules::Model;
use triage_rules::ast::Shell;

/// How the fleet's next fact is chosen, as the report states it.
pub const MEASURE: &str = "the sum, over the ambiguous hosts (leading cause below 80%) among whose three best next questions it is, of its expected information gain for the host: the expected reduction in the entropy of the host's ranking of causes once the fact is known, in bits";

/// A fact and what it would tell the fleet.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FactValue {
    pub fact: String,
    /// The fact's title in the knowledge base (its name when it has none).
    pub title: String,
    /// Σ expected information gain over the hosts it would help, in bits.
    pub bits: f64,
    /// Ambiguous hosts among whose three best next questions it is.
    pub hosts: u64,
}

/// How to gather the fact.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Collect {
    /// The `triage collect` command whose script gathers it (the symptom most of these hosts
    /// have, only the facts read where it is read); none when no collector gathers it.
    pub command: Option<String>,
    /// The shell of its collector.
    pub shell: Option<String>,
    /// Where it is read (`client`, `server`, …), as the knowledge base says.
    pub places: Vec<String>,
    /// The collector's code from the knowledge base.
    pub script: Option<String>,
    /// The question a person answers, when a person can tell.
    pub ask: Option<String>,
}

/// The next fact for the fleet, with how to collect it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NextFact {
    #[serde(flatten)]
    pub value: FactValue,
    pub collect: Collect,
}

/// The facts by what they would tell the fleet, most first; ties by name.
#[must_use]
pub fn ranked(tally: &Tally, model: &Model) -> Vec<FactValue> {
    let mut facts: Vec<FactValue> = tally
        .facts
        .items
        .iter()
        .filter(|(_, t)| t.hosts > 0)
        .map(|(name, t)| FactValue {
            fact: name.clone(),
            title: model
                .fact_id(name)
                .and_then(|id| model.fact(id).title.clone())
                .unwrap_or_else(|| name.clone()),
            bits: t.bits,
            hosts: t.hosts,
        })
        .collect();
    facts.sort_by(|a, b| {
        b.bits.total_cmp(&a.bits).then(b.hosts.cmp(&a.hosts)).then_with(|| a.fact.cmp(&b.fact))
    });
    facts
}

/// The best fact, with how to collect it; `kb_option` is what names the knowledge base on a
/// command line (`""` for the default embedded one, ` --kb ssh`, ` --kb PATH`).
#[must_use]
pub fn next_fact(tally: &Tally, model: &Model, kb_option: &str) -> Option<NextFact> {
    let best = ranked(tally, model).into_iter().next()?;
    let collect = collect(tally, model, &best.fact, kb_option);
    Some(NextFact { value: best, collect })
}

fn collect(tally: &Tally, model: &Model, fact: &str, kb_option: &str) -> Collect {
    let Some(id) = model.fact_id(fact) else {
        return Collect { command: None, shell: None, places: Vec::new(), script: None, ask: None };
    };
    let def = model.fact(id);
    let places: Vec<String> = def.places.iter().map(|p| p.keyword().to_string()).collect();
    let collector = def.collect.first();
    // The symptom most of the hosts that need it have, whose collector script gathers it.
    let mut symptoms: Vec<(usize, u64)> = tally
        .facts
        .get(fact)
        .map(|t| t.by_symptom.iter().map(|(&s, &n)| (s, n)).collect())
        .unwrap_or_default();
    symptoms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let symptom = symptoms.iter().map(|&(s, _)| tally.symptoms.items[s].0.as_str()).find(|s| {
        triage_renderers::collect::facts_of_symptom(model, s).is_ok_and(|facts| facts.contains(&id))
    });
    let command = collector.map(|script| {
        let (shell, file) = match script.shell {
            Shell::Powershell => ("powershell", "collect.ps1"),
            Shell::Bash => ("bash", "collect.sh"),
        };
        let symptom = symptom.map(|s| format!(" --symptom {s}")).unwrap_or_default();
        let place = match def.places.as_slice() {
            [one @ (triage_rules::ast::Place::Client | triage_rules::ast::Place::Server)] => {
                format!(" --where {}", one.keyword())
            }
            _ => String::new(),
        };
        format!("triage{kb_option} collect{symptom}{place} --shell {shell} -o {file}")
    });
    Collect {
        command,
        shell: collector.map(|s| {
            match s.shell {
                Shell::Powershell => "powershell",
                Shell::Bash => "bash",
            }
            .to_string()
        }),
        places,
        script: collector.map(|s| s.code.trim_end().to_string()),
        ask: def.ask.clone(),
    }
}
