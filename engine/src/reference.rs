//! The slow, obviously-correct implementation of inference and the repair order, written
//! straight from the formulas with no index, no log space and no precomputation. The fast
//! engine is property-tested against it on random knowledge bases and fact sets.
//!
//! It shares only the meaning of a single comparison ([`crate::value::evaluate`]); rule
//! application, symptom matching, likelihoods, normalisation and ECR are written again.

use crate::infer::{BACKGROUND_RANGE, DEFAULT_BACKGROUND};
use crate::repair::{DEFAULT_SUCCESS, ESCALATION_SECONDS, MIN_SOLVE_CHANCE};
use crate::value::{FactValue, evaluate};
use triage_rules::model::{CauseId, FindingId, FixId, Model, SymptomId, Value};

/// Applies rules until nothing changes; a rule sets its fact only while it is unknown.
#[must_use]
pub fn derive(model: &Model, facts: &[Option<FactValue>]) -> Vec<Option<FactValue>> {
    let mut values = facts.to_vec();
    loop {
        let mut changed = false;
        for rule in &model.rules {
            if values[rule.target.index()].is_some() {
                continue;
            }
            let chosen = match evaluate(&rule.condition, values.as_slice()) {
                Some(true) => Some(rule.value.clone()),
                Some(false) => rule.otherwise.clone(),
                None => None,
            };
            if let Some(value) = chosen {
                values[rule.target.index()] = Some(match value {
                    Value::Bool(b) => FactValue::Bool(b),
                    Value::Int(i) => FactValue::Int(i),
                    Value::Number(n) => FactValue::Number(n),
                    Value::Str(s) => FactValue::Str(s.into()),
                    Value::Version(v) => FactValue::Version(v.into()),
                    Value::Enum(e) => match model.fact(rule.target).ty {
                        triage_rules::model::FactType::Set(_) => FactValue::Set(vec![e].into()),
                        _ => FactValue::Enum(e),
                    },
                });
                changed = true;
            }
        }
        if !changed {
            return values;
        }
    }
}

/// The symptoms whose condition holds, in id order.
#[must_use]
pub fn matched_symptoms(model: &Model, facts: &[Option<FactValue>]) -> Vec<SymptomId> {
    (0..model.symptoms.len())
        .map(|i| SymptomId(i as u32))
        .filter(|s| evaluate(&model.symptom(*s).condition, facts) == Some(true))
        .collect()
}

fn background(model: &Model, finding: FindingId) -> f64 {
    model
        .finding(finding)
        .background
        .unwrap_or(DEFAULT_BACKGROUND)
        .clamp(BACKGROUND_RANGE.0, BACKGROUND_RANGE.1)
}

/// P(cause | facts) for each cause of the symptom, and for the unlisted cause:
/// prior × Π over every known finding any candidate mentions of P(outcome | cause), where a
/// cause that does not mention a finding has its background rate; then normalised.
#[must_use]
pub fn posteriors(
    model: &Model,
    symptom: SymptomId,
    facts: &[Option<FactValue>],
) -> (Vec<(CauseId, f64)>, f64) {
    let def = model.symptom(symptom);
    let mut findings: Vec<FindingId> = Vec::new();
    for (cause, _) in &def.causes {
        for (finding, _) in &model.cause(*cause).findings {
            if !findings.contains(finding) {
                findings.push(*finding);
            }
        }
    }
    let outcomes: Vec<(FindingId, bool)> = findings
        .iter()
        .filter_map(|f| evaluate(&model.finding(*f).condition, facts).map(|outcome| (*f, outcome)))
        .collect();
    let likelihood = |cause: Option<CauseId>| -> f64 {
        let mut product = 1.0;
        for (finding, outcome) in &outcomes {
            let p = cause
                .and_then(|c| {
                    model.cause(c).findings.iter().find(|(f, _)| f == finding).map(|(_, p)| *p)
                })
                .unwrap_or_else(|| background(model, *finding));
            product *= if *outcome { p } else { 1.0 - p };
        }
        product
    };
    let joint: Vec<(CauseId, f64)> =
        def.causes.iter().map(|(c, prior)| (*c, prior * likelihood(Some(*c)))).collect();
    let unlisted = def.unlisted_prior() * likelihood(None);
    let total: f64 = joint.iter().map(|(_, j)| j).sum::<f64>() + unlisted;
    if total == 0.0 {
        return (joint.into_iter().map(|(c, _)| (c, 0.0)).collect(), 1.0);
    }
    (joint.into_iter().map(|(c, j)| (c, j / total)).collect(), unlisted / total)
}

/// The repair order and its expected cost Σₖ cₖ · P(still broken before k): at each step the
/// fix with the largest p·q/c, where p is the mass its causes still have after the fixes
/// before it failed (each failed fix leaves its causes (1 − q) of their mass); steps that
/// would solve it with a chance below `MIN_SOLVE_CHANCE` are left out, and the fixes stop where
/// escalating (`ESCALATION_SECONDS`, solving all that is left) has the better ratio; the hand-over
/// of what is left is part of the expected cost.
#[must_use]
pub fn repair_order(model: &Model, posteriors: &[(CauseId, f64)]) -> (Vec<FixId>, f64) {
    let mut left: Vec<(CauseId, f64)> = posteriors.to_vec();
    let mut pending: Vec<usize> = (0..model.fixes.len()).collect();
    let mut order = Vec::new();
    let (mut expected, mut solved) = (0.0, 0.0);
    loop {
        let mut best: Option<(usize, f64)> = None;
        for &k in &pending {
            let fix = &model.fixes[k];
            let p: f64 = left.iter().filter(|(c, _)| fix.fixes.contains(c)).map(|(_, p)| p).sum();
            let q = fix.success.unwrap_or(DEFAULT_SUCCESS);
            if p * q < MIN_SOLVE_CHANCE {
                continue;
            }
            let ratio = p * q / fix.cost_seconds.max(1.0);
            if best.is_none_or(|(_, r)| ratio > r) {
                best = Some((k, ratio));
            }
        }
        let Some((k, ratio)) = best else { break };
        if ratio < (1.0 - solved) / ESCALATION_SECONDS {
            break;
        }
        pending.retain(|&x| x != k);
        let fix = &model.fixes[k];
        let q = fix.success.unwrap_or(DEFAULT_SUCCESS);
        expected += fix.cost_seconds.max(1.0) * (1.0 - solved);
        for (cause, p) in &mut left {
            if fix.fixes.contains(cause) {
                solved += *p * q;
                *p *= 1.0 - q;
            }
        }
        order.push(FixId(k as u32));
    }
    expected += ESCALATION_SECONDS * (1.0_f64 - solved).max(0.0);
    (order, expected)
}
