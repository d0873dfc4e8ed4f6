//! The outcome record of an `ask` session (`--record DIR`): what was known and how, the
//! ranking of the summary, and — from one short, skippable question at the end — which fix of
//! the repair order worked and, when that fix repairs several causes, which cause it was.

use super::{Frontend, Wizard};
use crate::commands::UsageError;
use triage_engine::report::{Report, ReportOptions, SymptomReport};
use triage_learn::record::{
    FactSource, FixResult, KbVersion, Record, RecordedFact, Tool, TriedFix,
};
use triage_learn::writer::{Recorder, new_record};
use triage_rules::model::FactId;

/// How many fixes of the repair order the question offers: those the summary shows.
const OFFERED: usize = super::SUMMARY_LINES;

/// Recording for one session: where to, and the knowledge base the records name.
#[derive(Debug)]
pub(crate) struct Recording {
    pub(crate) recorder: Recorder,
    pub(crate) kb: KbVersion,
}

/// An answer to a pick-one question at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    /// The option with this index.
    Option(usize),
    /// "None of them" (when offered).
    None,
    /// No answer: Enter, `?`, Esc, the end of the answers.
    Skip,
}

/// A question of the outcome: its words, the options (`title (name)` each, and the name a
/// typed answer may give), and the words for "none of them" if that is an answer.
#[derive(Debug)]
pub(crate) struct PickQuestion<'a> {
    pub(crate) prompt: &'a str,
    /// How to answer, for a front end that reads typed answers.
    pub(crate) hint: &'a str,
    pub(crate) options: Vec<(String, String)>,
    pub(crate) none: Option<&'a str>,
}

/// The fixes the person tried and what they confirmed.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Told {
    fixes: Vec<TriedFix>,
    cause: Option<String>,
}

/// The final report of the session's symptom, as the summary shows it.
pub(super) fn final_report(wizard: &Wizard<'_>) -> Option<SymptomReport> {
    let engine = wizard.engine;
    let diagnosis = engine.diagnose(&wizard.facts);
    let report = Report::new(engine, &wizard.facts, &diagnosis, ReportOptions::FULL);
    let name = wizard.symptom_name()?;
    report.symptoms.into_iter().find(|s| s.symptom == name)
}

/// Asks which fix of the repair order worked (the ones above it count as tried without
/// success; "none" means all of them were), then, when that fix repairs several causes,
/// which one it was. Each question is skipped with Enter or `?`.
pub(super) fn ask_outcome(
    wizard: &Wizard<'_>,
    report: Option<&SymptomReport>,
    frontend: &mut dyn Frontend,
) -> Result<Told, UsageError> {
    let Some(repair) = report.and_then(|r| r.repair.as_ref()) else { return Ok(Told::default()) };
    let steps: Vec<_> = repair.steps.iter().take(OFFERED).collect();
    if steps.is_empty() {
        return Ok(Told::default());
    }
    let question = PickQuestion {
        prompt: "Did a fix work?",
        hint: "the number of the one that did, the ones above it counting as tried; \
               none = none of them worked; ? = skip",
        options: steps
            .iter()
            .map(|s| (format!("{} ({})", super::plain(&s.title), s.fix), s.fix.clone()))
            .collect(),
        none: Some("none of them worked"),
    };
    let tried = |result: FixResult, fix: &str| TriedFix { fix: fix.to_string(), result };
    let worked = match frontend.pick(&question)? {
        Pick::Skip => return Ok(Told::default()),
        Pick::None => {
            let fixes = steps.iter().map(|s| tried(FixResult::DidNotWork, &s.fix)).collect();
            return Ok(Told { fixes, cause: None });
        }
        Pick::Option(index) => index.min(steps.len() - 1),
    };
    let mut fixes: Vec<TriedFix> =
        steps[..worked].iter().map(|s| tried(FixResult::DidNotWork, &s.fix)).collect();
    fixes.push(tried(FixResult::Worked, &steps[worked].fix));
    let model = wizard.engine.model();
    let causes: Vec<(String, String)> = model
        .fix_id(&steps[worked].fix)
        .map(|id| {
            model
                .fix(id)
                .fixes
                .iter()
                .map(|c| {
                    let def = model.cause(*c);
                    (format!("{} ({})", super::plain(&def.title), def.name), def.name.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    // One cause: the fix that worked says which; only a fix of several causes needs asking.
    let cause = if causes.len() > 1 {
        let question = PickQuestion {
            prompt: "Which cause was it?",
            hint: "its number; ? = skip",
            options: causes.clone(),
            none: None,
        };
        match frontend.pick(&question)? {
            Pick::Option(index) => causes.get(index).map(|(_, name)| name.clone()),
            Pick::None | Pick::Skip => None,
        }
    } else {
        None
    };
    Ok(Told { fixes, cause })
}

/// The record of the session: the facts in the order learnt (given and extracted at step 0,
/// then each answer), the ranking of the summary, and what the person told.
pub(super) fn record(
    wizard: &Wizard<'_>,
    kb: KbVersion,
    extracted: &[FactId],
    report: Option<&SymptomReport>,
    told: Told,
) -> Record {
    let model = wizard.engine.model();
    let json = wizard.facts.to_json(model);
    let value_of = |fact: FactId| json.get(&model.fact(fact).name).cloned().unwrap_or_default();
    let asked: Vec<FactId> = wizard.history.iter().map(super::Answer::fact).collect();
    let mut facts = Vec::new();
    let at_first = |fact: FactId, source| RecordedFact {
        fact: model.fact(fact).name.clone(),
        value: value_of(fact),
        source,
        step: 0,
    };
    for (index, value) in wizard.facts.values.iter().enumerate() {
        let fact = FactId(u32::try_from(index).unwrap_or(u32::MAX));
        if value.is_some() && !extracted.contains(&fact) && !asked.contains(&fact) {
            facts.push(at_first(fact, FactSource::Given));
        }
    }
    facts.extend(extracted.iter().map(|f| at_first(*f, FactSource::Extracted)));
    for (step, answer) in wizard.history.iter().enumerate() {
        let fact = answer.fact();
        let value = match answer {
            super::Answer::Given { declined: false, .. } => value_of(fact),
            super::Answer::Given { declined: true, .. } | super::Answer::Declined { .. } => {
                serde_json::Value::Null
            }
        };
        facts.push(RecordedFact {
            fact: model.fact(fact).name.clone(),
            value,
            source: FactSource::Asked,
            step: u32::try_from(step + 1).unwrap_or(u32::MAX),
        });
    }
    let mut record = new_record(Tool::Ask, kb);
    record.symptom = wizard.symptom_name().map(str::to_string);
    record.facts = facts;
    if let Some(report) = report {
        triage_learn::writer::set_ranking(&mut record, report);
    }
    record.fixes = told.fixes;
    record.confirmed_cause = told.cause;
    record
}
