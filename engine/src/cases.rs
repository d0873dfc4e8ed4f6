//! Test cases for a knowledge base: fact sets with the cause a senior engineer expects on top.
//!
//! The case file format (YAML) is shared with other teams, so it is kept exactly:
//!
//! ```yaml
//! cases:
//!   - id: rdp-001
//!     story: "Azure VM cloned from an image; 0x904/0x7 on every attempt"
//!     facts: { error_code: 0x904, extended_error_code: 0x7, target_platform: azure_vm }
//!     expected_top: machinekeys_permissions_broken   # or null: no known cause should lead
//!     acceptable_top3: [machinekeys_permissions_broken, rdp_selfsigned_cert_expired]
//!     rationale: "why a senior engineer ranks it so"
//!     source: "https://…"        # optional: where the report came from
//!     tags: [real, thin]         # optional
//!     opening: { error_code: 0x904 }   # optional: the facts known at first contact
//!     notes: "what fixed it"     # optional
//! ```
//!
//! A case passes when the top of the ranking (the unlisted cause included) is `expected_top`;
//! for `null`, when the unlisted cause leads or no cause is above 50 %. Reported besides: whether
//! `expected_top` is among the first three causes, and how many of the first three are in
//! `acceptable_top3`.

use crate::facts::{FactReader, FactSet};
use crate::infer::{Engine, MatchedBy, SymptomDiagnosis};
use crate::value::Overlay;
use crate::wizard::{self, Stop, WizardSettings};
use serde::Deserialize;
use std::collections::BTreeSet;
use triage_rules::model::FactId;
use triage_rules::model::Model;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub story: Option<String>,
    /// Where the report came from (a thread, an article, `record ID`).
    #[serde(default)]
    pub source: Option<String>,
    /// Free labels (`real`, `thin`, …) a run can be filtered and summarised by.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The facts known at first contact (what the reporter said first): a subset of `facts`,
    /// where an interview starts.
    #[serde(default)]
    pub opening: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub notes: Option<String>,
    pub facts: serde_json::Value,
    pub expected_top: Option<String>,
    #[serde(default)]
    pub acceptable_top3: Vec<String>,
    #[serde(default)]
    pub rationale: Option<String>,
}

/// Why a case file or a case could not be run.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{file}: not a case file: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: case `{id}`: {message}")]
    Invalid { file: String, id: String, message: String },
}

/// The outcome of one case.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // independent verdicts the report shows side by side
pub struct CaseResult {
    pub file: String,
    pub id: String,
    pub story: Option<String>,
    pub expected: Option<String>,
    pub passed: bool,
    /// `expected_top` among the first three causes (for `null`: whether it passed).
    pub top3_hit: bool,
    /// How many of the first three causes are in `acceptable_top3`.
    pub acceptable_in_top3: usize,
    /// The symptom diagnosed (for a mixture, the likeliest), and its ranking: (cause name,
    /// posterior), then the unlisted cause.
    pub symptom: Option<String>,
    /// No symptom matched exactly: the ranking is the mixture over those still possible.
    pub mixture: bool,
    pub ranking: Vec<(String, f64)>,
    pub unlisted: f64,
    /// Where `expected_top` ranks (1 = first), counting the unlisted cause; `None` when it is
    /// not ranked (or is `null`).
    pub rank: Option<usize>,
    /// The unlisted cause came first.
    pub unlisted_led: bool,
    pub tags: Vec<String>,
    pub source: Option<String>,
}

/// A simulated conversation for one case (`triage test --interview`).
#[derive(Debug, Clone)]
pub struct Interview {
    /// The facts asked for, in order; those the case does not know were answered "don't know".
    pub questions: Vec<String>,
    /// How many of them the case could answer.
    pub answered: usize,
    /// Why asking stopped.
    pub stop: String,
    /// The same as a stable name: a [`crate::wizard::Stop::kind`], or `interview_limit` when
    /// the interview reached [`MAX_INTERVIEW_QUESTIONS`].
    pub stop_reason: &'static str,
    /// The case passes on the ranking at the stop.
    pub passed: bool,
    /// Where `expected_top` ranks at the stop (as [`CaseResult::rank`]).
    pub rank: Option<usize>,
    /// The leading cause at the stop (`unlisted` for the unlisted cause).
    pub top: Option<String>,
}

/// The most questions an interview asks before it gives up on the engine stopping.
pub const MAX_INTERVIEW_QUESTIONS: usize = 30;

/// What no case exercises.
#[derive(Debug, Default)]
pub struct Coverage {
    pub causes: Vec<String>,
    pub findings: Vec<String>,
    pub fixes: Vec<String>,
}

/// The keys a case may have, as [`Case`] declares them.
const CASE_KEYS: [&str; 10] = [
    "id",
    "story",
    "source",
    "tags",
    "opening",
    "notes",
    "facts",
    "expected_top",
    "acceptable_top3",
    "rationale",
];

/// A YAML error about an unknown key, with the key it most likely meant put first.
fn with_did_you_mean(message: String) -> String {
    let Some(start) = message.find("unknown field `").map(|i| i + "unknown field `".len()) else {
        return message;
    };
    let Some(length) = message[start..].find('`') else { return message };
    let key = &message[start..start + length];
    match triage_rules::diagnostic::did_you_mean(key, CASE_KEYS) {
        Some(meant) => format!("did you mean `{meant}`? {message}"),
        None => message,
    }
}

/// Parses a case file and checks that its causes exist.
pub fn parse(file: &str, text: &str, model: &Model) -> Result<Vec<Case>, CaseError> {
    let parsed: CaseFile = serde_saphyr::from_str(text).map_err(|e| CaseError::Syntax {
        file: file.to_string(),
        message: with_did_you_mean(e.to_string()),
    })?;
    for case in &parsed.cases {
        if let Some(opening) = &case.opening {
            for (key, value) in opening {
                if case.facts.get(key) != Some(value) {
                    return Err(CaseError::Invalid {
                        file: file.to_string(),
                        id: case.id.clone(),
                        message: format!(
                            "`opening` has `{key}`, which `facts` does not have with the same value: the opening is what was known first, so `facts` holds it too"
                        ),
                    });
                }
            }
        }
        for cause in case.expected_top.iter().chain(&case.acceptable_top3) {
            if model.cause_id(cause).is_none() {
                let names = model.causes.iter().map(|c| c.name.as_str());
                let hint = triage_rules::diagnostic::did_you_mean(cause, names)
                    .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
                return Err(CaseError::Invalid {
                    file: file.to_string(),
                    id: case.id.clone(),
                    message: format!("unknown cause `{cause}`{hint}"),
                });
            }
        }
    }
    Ok(parsed.cases)
}

/// Runs one case.
pub fn run(engine: &Engine, file: &str, case: &Case) -> Result<CaseResult, CaseError> {
    let reader = FactReader::new(engine.model());
    let facts = reader.read_value(case.facts.clone()).map_err(|e| CaseError::Invalid {
        file: file.to_string(),
        id: case.id.clone(),
        message: e.to_string(),
    })?;
    let diagnosis = engine.diagnose(&facts);
    let model = engine.model();
    let first: Option<&SymptomDiagnosis> = diagnosis.symptoms.first();
    let judged = judge(engine, first, case);
    let ranking: Vec<(String, f64)> = first
        .map(|s| {
            s.causes.iter().map(|c| (model.cause(c.cause).name.clone(), c.posterior)).collect()
        })
        .unwrap_or_default();
    // The first three of the causes the knowledge base lists, as the report's `top` and the
    // JSON ranking list them; whether the unlisted cause led is `unlisted_led`, and `rank`
    // counts it as a place.
    let top3: Vec<&str> = ranking.iter().take(3).map(|(n, _)| n.as_str()).collect();
    let top3_hit = match &case.expected_top {
        Some(expected) => top3.contains(&expected.as_str()),
        None => judged.passed,
    };
    let acceptable_in_top3 =
        top3.iter().filter(|n| case.acceptable_top3.iter().any(|a| a == *n)).count();
    Ok(CaseResult {
        file: file.to_string(),
        id: case.id.clone(),
        story: case.story.clone(),
        expected: case.expected_top.clone(),
        passed: judged.passed,
        top3_hit,
        acceptable_in_top3,
        symptom: first.map(|s| model.symptom(s.symptom).name.clone()),
        mixture: first.is_some_and(|s| s.matched_by == MatchedBy::Mixture),
        unlisted: first.map_or(1.0, |s| s.unlisted),
        ranking,
        rank: judged.rank,
        unlisted_led: judged.unlisted_led,
        tags: case.tags.clone(),
        source: case.source.clone(),
    })
}

/// How a ranking fares against a case.
struct Judged {
    passed: bool,
    rank: Option<usize>,
    unlisted_led: bool,
    top: Option<String>,
}

/// A case passes when the top of the ranking (the unlisted cause included) is `expected_top`;
/// for `null`, when the unlisted cause leads or no cause is above 50 %.
fn judge(engine: &Engine, ranking: Option<&SymptomDiagnosis>, case: &Case) -> Judged {
    let model = engine.model();
    let unlisted = ranking.map_or(1.0, |s| s.unlisted);
    let causes: Vec<(&str, f64)> = ranking
        .map(|s| {
            s.causes.iter().map(|c| (model.cause(c.cause).name.as_str(), c.posterior)).collect()
        })
        .unwrap_or_default();
    let best = causes.first().filter(|(_, p)| *p >= unlisted);
    let passed = match &case.expected_top {
        Some(expected) => best.is_some_and(|(name, _)| name == expected),
        None => best.is_none_or(|(_, p)| *p <= 0.5),
    };
    let rank = case.expected_top.as_ref().and_then(|expected| {
        let position = causes.iter().position(|(n, _)| n == expected)?;
        let p = causes[position].1;
        // The unlisted cause counts as a place when it is ahead.
        Some(position + 1 + usize::from(unlisted > p))
    });
    Judged {
        passed,
        rank,
        unlisted_led: best.is_none(),
        top: Some(best.map_or_else(|| "unlisted".to_string(), |(n, _)| (*n).to_string())),
    }
}

/// Simulates the conversation for a case: start from its `opening` (or, without one, the
/// facts its symptom's condition reads), ask the engine's next question with no symptom
/// named, answer it from the case's facts ("don't know" when the case does not have it), until
/// the engine stops asking.
pub fn interview(
    engine: &Engine,
    file: &str,
    case: &Case,
    settings: WizardSettings,
) -> Result<Interview, CaseError> {
    let model = engine.model();
    let reader = FactReader::new(model);
    let invalid = |e: crate::facts::FactFileError| CaseError::Invalid {
        file: file.to_string(),
        id: case.id.clone(),
        message: e.to_string(),
    };
    let full = reader.read_value(case.facts.clone()).map_err(invalid)?;
    let mut facts = match &case.opening {
        Some(opening) => {
            reader.read_value(serde_json::Value::Object(opening.clone())).map_err(invalid)?
        }
        None => {
            let mut start = FactSet::unknown(model);
            if let Some(first) = engine.diagnose(&full).symptoms.first()
                && first.matched_by != MatchedBy::Mixture
            {
                for fact in model.symptom(first.symptom).condition.facts() {
                    start.values[fact.index()].clone_from(&full.values[fact.index()]);
                }
            }
            start
        }
    };
    let mut declined: Vec<FactId> = Vec::new();
    let mut questions = Vec::new();
    let mut answered = 0;
    let mut stop = String::from("asked the most questions an interview allows");
    let mut stop_reason = "interview_limit";
    let mut last = None;
    while questions.len() < MAX_INTERVIEW_QUESTIONS {
        let Some(turn) = wizard::step(engine, None, &facts, &declined, questions.len(), settings)
        else {
            stop = "the answers rule out every symptom".into();
            stop_reason = Stop::NoSymptom.kind();
            last = None;
            break;
        };
        let fact = turn.question_fact;
        last = Some(turn.diagnosis);
        let Some(fact) = fact else {
            let reason = turn.stop.unwrap_or(Stop::NothingToAsk);
            stop = reason.describe();
            stop_reason = reason.kind();
            break;
        };
        questions.push(model.fact(fact).name.clone());
        match &full.values[fact.index()] {
            Some(value) => {
                facts.values[fact.index()] = Some(value.clone());
                answered += 1;
            }
            None => declined.push(fact),
        }
    }
    let judged = judge(engine, last.as_ref(), case);
    Ok(Interview {
        questions,
        answered,
        stop,
        stop_reason,
        passed: judged.passed,
        rank: judged.rank,
        top: judged.top,
    })
}

/// Causes no case expects (on top or among the acceptable three), findings that hold in no
/// case, and fixes of causes no case expects.
#[must_use]
pub fn coverage(engine: &Engine, cases: &[Case]) -> Coverage {
    let model = engine.model();
    let reader = FactReader::new(model);
    let mut expected: BTreeSet<&str> = BTreeSet::new();
    let mut findings = vec![false; model.findings.len()];
    for case in cases {
        expected.extend(case.expected_top.iter().chain(&case.acceptable_top3).map(String::as_str));
        let Ok(facts) = reader.read_value(case.facts.clone()) else { continue };
        let derived = engine.derive(&facts.values, &[]);
        let view = Overlay { base: &facts.values, changes: &derived };
        for (i, finding) in model.findings.iter().enumerate() {
            if crate::value::evaluate(&finding.condition, &view) == Some(true) {
                findings[i] = true;
            }
        }
    }
    Coverage {
        causes: model
            .causes
            .iter()
            .filter(|c| !expected.contains(c.name.as_str()))
            .map(|c| c.name.clone())
            .collect(),
        findings: model
            .findings
            .iter()
            .zip(&findings)
            .filter(|(_, hit)| !**hit)
            .map(|(f, _)| f.text.clone())
            .collect(),
        fixes: model
            .fixes
            .iter()
            .filter(|f| f.fixes.iter().all(|c| !expected.contains(model.cause(*c).name.as_str())))
            .map(|f| f.name.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::{CaseError, parse};

    #[test]
    fn a_misspelt_case_key_is_an_error_that_names_the_key_meant() {
        let mut sources = triage_rules::SourceMap::new();
        sources.add(
            "kb.kb",
            "fact up: bool { title \"Up\" }\nsymptom down { title \"Down\" when not up }\n\
             cause broken { title \"Broken\" explains down: 0.5 when up : rarely }\n"
                .to_string(),
        );
        let model = triage_rules::load_sources(sources).model.unwrap();
        let text = "cases:\n  - id: a\n    facts: { up: false }\n    expectd_top: broken\n";
        let error = parse("x.yaml", text, &model).unwrap_err();
        assert!(matches!(error, CaseError::Syntax { .. }), "{error}");
        assert!(error.to_string().contains("did you mean `expected_top`?"), "{error}");
    }
}
