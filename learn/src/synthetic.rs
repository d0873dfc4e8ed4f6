//! A synthetic world for testing calibration: a small knowledge base as its author wrote it
//! (`learn/data/synthetic/author.kb`) and the same knowledge base with the numbers the world
//! really has (`truth.kb`), and sessions drawn from the truth as outcome records.
//!
//! A session: a symptom by the true frequencies, a cause by the true priors (or none of the
//! listed ones), each evidence variable observed with probability [`OBSERVED`] and drawn from
//! the true cause's distribution; with probability [`CONFIRMED`] the person confirms the
//! cause, and the cause's fix is tried (sometimes after another cause's fix), working with the
//! true success rate. Seeded: the same seed gives the same records.

use crate::record::{
    FORMAT, FactSource, FixResult, KbVersion, Record, RecordedFact, Tool, TriedFix,
};
use triage_engine::Engine;
use triage_rules::model::{CauseId, Model, SymptomId, VariableId, VariableKind};

/// The author's knowledge base.
pub const AUTHOR_KB: &str = include_str!("../data/synthetic/author.kb");
/// The true numbers.
pub const TRUTH_KB: &str = include_str!("../data/synthetic/truth.kb");
/// The name records give the synthetic knowledge base.
pub const NAME: &str = "synthetic";

/// Chance that a variable's fact is known at the end of a session.
pub const OBSERVED: f64 = 0.8;
/// Chance that the person confirms the cause.
pub const CONFIRMED: f64 = 0.6;
/// Chance that another cause's fix is tried first.
pub const WRONG_FIX_FIRST: f64 = 0.3;

/// The checked model of a synthetic knowledge base's text.
pub fn model(text: &str) -> Result<Model, String> {
    let kb = triage_rules::load_text("world.kb", text);
    let errors = kb.error_count();
    kb.model.ok_or_else(|| format!("the synthetic knowledge base has {errors} errors"))
}

fn draw(rng: &mut fastrand::Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut left = rng.f64() * total;
    for (i, w) in weights.iter().enumerate() {
        if left < *w {
            return i;
        }
        left -= w;
    }
    weights.len().saturating_sub(1)
}

/// P(outcome | cause) of one variable in one symptom's population, as the engine reads the
/// numbers: each finding's rate over its outcomes and the rest over the others, in proportion
/// to the symptom's background.
#[must_use]
pub fn distribution(
    engine: &Engine,
    symptom: SymptomId,
    cause: Option<CauseId>,
    variable: VariableId,
) -> Vec<f64> {
    let model = engine.model();
    let background = engine.background(symptom, variable).to_vec();
    let Some(cause) = cause else { return background };
    let groups: Vec<(&[u32], f64)> = model
        .cause(cause)
        .findings
        .iter()
        .filter(|(f, _)| model.finding(*f).variable == variable)
        .map(|(f, rate)| (model.finding(*f).outcomes.as_slice(), *rate))
        .collect();
    if groups.is_empty() {
        return background;
    }
    let mut out = vec![0.0; background.len()];
    let mut named = vec![false; background.len()];
    let mut given = 0.0;
    for (outcomes, rate) in &groups {
        let weight: f64 = outcomes.iter().map(|&o| background[o as usize]).sum();
        for &o in *outcomes {
            named[o as usize] = true;
            out[o as usize] = rate * background[o as usize] / weight;
        }
        given += rate;
    }
    let rest_weight: f64 =
        background.iter().zip(&named).filter(|(_, n)| !**n).map(|(b, _)| b).sum();
    for (o, slot) in out.iter_mut().enumerate() {
        if !named[o] && rest_weight > 0.0 {
            *slot = (1.0 - given).max(0.0) * background[o] / rest_weight;
        }
    }
    out
}

/// The fact-file value of an outcome of a variable (bool and enum variables only).
fn value_of(model: &Model, variable: VariableId, outcome: usize) -> Option<serde_json::Value> {
    let def = model.variable(variable);
    match &def.kind {
        VariableKind::Bool => Some(serde_json::Value::Bool(outcome == 0)),
        VariableKind::Enum(map) => {
            let index = map.iter().position(|o| *o == Some(outcome as u32))?;
            let name = model.fact(def.fact).ty.values().get(index)?;
            Some(serde_json::Value::String(name.clone()))
        }
        _ => None,
    }
}

/// `count` sessions of the world `truth` ranks, as records of the knowledge base version
/// `version`.
#[must_use]
pub fn simulate(truth: &Engine, count: usize, seed: u64, version: &str) -> Vec<Record> {
    let model = truth.model();
    let mut rng = fastrand::Rng::with_seed(seed);
    let frequencies: Vec<f64> =
        (0..model.symptoms.len()).map(|s| truth.frequency(SymptomId(s as u32))).collect();
    let code = model.fact_id("code");
    (0..count)
        .map(|n| {
            let s = draw(&mut rng, &frequencies);
            let symptom = &model.symptoms[s];
            let mut weights: Vec<f64> = symptom.causes.iter().map(|(_, p)| *p).collect();
            weights.push(symptom.unlisted_prior());
            let pick = draw(&mut rng, &weights);
            let cause = symptom.causes.get(pick).map(|(c, _)| *c);
            let mut facts = Vec::new();
            if code.is_some() {
                facts.push(RecordedFact {
                    fact: "code".into(),
                    value: serde_json::Value::from(s + 1),
                    source: FactSource::Given,
                    step: 0,
                });
            }
            for v in 0..model.variables.len() {
                let variable = VariableId(v as u32);
                if rng.f64() >= OBSERVED {
                    continue;
                }
                let outcome =
                    draw(&mut rng, &distribution(truth, SymptomId(s as u32), cause, variable));
                if let Some(value) = value_of(model, variable, outcome) {
                    let step = facts.len() as u32;
                    facts.push(RecordedFact {
                        fact: model.fact(model.variable(variable).fact).name.clone(),
                        value,
                        source: FactSource::Asked,
                        step,
                    });
                }
            }
            let mut fixes = Vec::new();
            let own = cause.and_then(|c| model.cause(c).fixes.first().copied());
            let others: Vec<_> = symptom
                .causes
                .iter()
                .filter(|(c, _)| Some(*c) != cause)
                .filter_map(|(c, _)| model.cause(*c).fixes.first().copied())
                .collect();
            if (own.is_none() || rng.f64() < WRONG_FIX_FIRST) && !others.is_empty() {
                let wrong = others[rng.usize(..others.len())];
                fixes.push(TriedFix {
                    fix: model.fix(wrong).name.clone(),
                    result: FixResult::DidNotWork,
                });
            }
            if let Some(fix) = own {
                let success =
                    model.fix(fix).success.unwrap_or(triage_engine::repair::DEFAULT_SUCCESS);
                let result =
                    if rng.f64() < success { FixResult::Worked } else { FixResult::DidNotWork };
                fixes.push(TriedFix { fix: model.fix(fix).name.clone(), result });
            }
            let confirmed = cause.filter(|_| rng.f64() < CONFIRMED);
            Record {
                format: FORMAT.into(),
                id: format!("{:016x}", seed.wrapping_mul(1_000_003).wrapping_add(n as u64)),
                recorded_at: "2026-12-01T12:00:00Z".into(),
                tool: Tool::Ask,
                kb: KbVersion { name: NAME.into(), version: version.into() },
                symptom: Some(symptom.name.clone()),
                facts,
                ranking: Vec::new(),
                unlisted: 0.0,
                fixes,
                confirmed_cause: confirmed.map(|c| model.cause(c).name.clone()),
            }
        })
        .collect()
}
