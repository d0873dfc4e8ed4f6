//! One diagnosed session as calibration reads it, whether it came from a test case or from an
//! outcome record: the facts, the cause that was to blame (when known) and the fixes tried.
//!
//! This module decides what a record says about its cause; it does not rank anything.

use crate::record::{FixResult, Record};
use triage_engine::FactReader;
use triage_engine::cases::Case;
use triage_engine::value::FactValue;
use triage_rules::model::{CauseId, FactId, FixId, Model};

/// The cause that was to blame in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Truth {
    /// A cause the knowledge base lists.
    Cause(CauseId),
    /// A case whose `expected_top` is `null`: none of the listed causes.
    Unlisted,
}

/// How the cause of a session is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// A test case's `expected_top`, or a record's `confirmed_cause`.
    Confirmed,
    /// The one cause of the only fix that worked.
    FromFix(FixId),
}

/// One session, ready to be diagnosed again.
#[derive(Debug, Clone)]
pub struct Session {
    /// The record's id or the case's id.
    pub id: String,
    /// The known facts, sparse (most facts of a knowledge base are unknown in a session).
    pub facts: Vec<(FactId, FactValue)>,
    /// The symptom the session named, if any.
    pub symptom: Option<triage_rules::model::SymptomId>,
    pub truth: Truth,
    pub known: Known,
    /// The fixes tried that worked or did not (`undone` counts as did not), in order.
    pub fixes: Vec<(FixId, bool)>,
    /// A session as it happened (a record), not one chosen by an author (a test case): only
    /// these say how common symptoms and causes are.
    pub sampled: bool,
}

impl Session {
    /// The facts as a dense fact set for the engine.
    #[must_use]
    pub fn fact_set(&self, model: &Model) -> triage_engine::FactSet {
        let mut set = triage_engine::FactSet::unknown(model);
        for (fact, value) in &self.facts {
            set.values[fact.index()] = Some(value.clone());
        }
        set.symptom = self.symptom;
        set
    }
}

/// Why a record does not become a session (or a case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// Neither a confirmed cause nor a fix that worked and addresses exactly one cause.
    NoKnownCause,
    /// The fixes that worked address several causes (or several fixes worked).
    AmbiguousFix,
    /// The confirmed cause (or a fix) is not in the knowledge base.
    UnknownName,
    /// The facts do not fit the knowledge base (an unknown fact, a value of the wrong type).
    InvalidFacts,
    /// Recorded with another knowledge base (by name).
    OtherKnowledgeBase,
}

impl Skip {
    /// How the reason reads in a summary.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Skip::NoKnownCause => "no confirmed cause and no fix that worked",
            Skip::AmbiguousFix => "the fixes that worked address more than one cause",
            Skip::UnknownName => "a cause or fix the knowledge base does not have",
            Skip::InvalidFacts => "facts the knowledge base does not accept",
            Skip::OtherKnowledgeBase => "recorded with another knowledge base",
        }
    }
}

/// The facts of a record as a fact-file object: the last value of each fact wins, and the
/// symptom the session ended with is named.
#[must_use]
pub fn record_fact_object(record: &Record) -> serde_json::Map<String, serde_json::Value> {
    let mut object = serde_json::Map::new();
    for fact in &record.facts {
        object.insert(fact.fact.clone(), fact.value.clone());
    }
    object
}

/// The cause a record knows, and how.
pub fn record_truth(model: &Model, record: &Record) -> Result<(CauseId, Known), Skip> {
    if let Some(name) = &record.confirmed_cause {
        return model.cause_id(name).map(|c| (c, Known::Confirmed)).ok_or(Skip::UnknownName);
    }
    let mut worked = record.fixes.iter().filter(|f| f.result == FixResult::Worked);
    let Some(first) = worked.next() else { return Err(Skip::NoKnownCause) };
    if worked.next().is_some() {
        return Err(Skip::AmbiguousFix);
    }
    let fix = model.fix_id(&first.fix).ok_or(Skip::UnknownName)?;
    match model.fix(fix).fixes.as_slice() {
        [cause] => Ok((*cause, Known::FromFix(fix))),
        _ => Err(Skip::AmbiguousFix),
    }
}

/// A record as a session for `model` (whose knowledge base is called `kb_name`).
pub fn from_record(model: &Model, kb_name: &str, record: &Record) -> Result<Session, Skip> {
    if record.kb.name != kb_name {
        return Err(Skip::OtherKnowledgeBase);
    }
    let (cause, known) = record_truth(model, record)?;
    let mut object = record_fact_object(record);
    if let Some(symptom) = &record.symptom {
        object.insert("symptom".into(), serde_json::Value::String(symptom.clone()));
    }
    let facts = FactReader::new(model)
        .read_value(serde_json::Value::Object(object))
        .map_err(|_| Skip::InvalidFacts)?;
    let mut fixes = Vec::new();
    for tried in &record.fixes {
        let worked = match tried.result {
            FixResult::Worked => true,
            FixResult::DidNotWork | FixResult::Undone => false,
            FixResult::NotTried => continue,
        };
        fixes.push((model.fix_id(&tried.fix).ok_or(Skip::UnknownName)?, worked));
    }
    Ok(Session {
        id: record.id.clone(),
        facts: sparse(&facts),
        symptom: facts.symptom,
        truth: Truth::Cause(cause),
        known,
        fixes,
        sampled: true,
    })
}

/// A test case as a session; the error says why it cannot be one.
pub fn from_case(model: &Model, case: &Case) -> Result<Session, String> {
    let facts = FactReader::new(model).read_value(case.facts.clone()).map_err(|e| e.to_string())?;
    let truth = match &case.expected_top {
        Some(name) => {
            Truth::Cause(model.cause_id(name).ok_or_else(|| format!("unknown cause `{name}`"))?)
        }
        None => Truth::Unlisted,
    };
    Ok(Session {
        id: case.id.clone(),
        facts: sparse(&facts),
        symptom: facts.symptom,
        truth,
        known: Known::Confirmed,
        fixes: Vec::new(),
        sampled: false,
    })
}

fn sparse(facts: &triage_engine::FactSet) -> Vec<(FactId, FactValue)> {
    facts
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((FactId(i as u32), v.clone()?)))
        .collect()
}
