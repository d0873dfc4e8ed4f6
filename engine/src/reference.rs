//! The slow, obviously-correct implementation of inference and the repair order, written
//! straight from the formulas with no index, no log space and no precomputation. The fast
//! engine is property-tested against it on random knowledge bases and fact sets.
//!
//! It shares only the meaning of a single comparison ([`crate::value::evaluate`]); rule
//! application, symptom matching, likelihoods, normalisation and ECR are written again.

use crate::infer::{BACKGROUND_RANGE, DEFAULT_BACKGROUND};
use crate::repair::DEFAULT_SUCCESS;
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

/// The repair order by decreasing p·q/c and its expected cost Σₖ cₖ(1 − Σ_{j<k} pⱼqⱼ).
#[must_use]
pub fn repair_order(model: &Model, posteriors: &[(CauseId, f64)]) -> (Vec<FixId>, f64) {
    let mut fixes: Vec<(FixId, f64, f64, f64)> = Vec::new();
    for (i, fix) in model.fixes.iter().enumerate() {
        let p: f64 = posteriors.iter().filter(|(c, _)| fix.fixes.contains(c)).map(|(_, p)| p).sum();
        let q = fix.success.unwrap_or(DEFAULT_SUCCESS);
        if p * q > 0.0 {
            fixes.push((FixId(i as u32), p, q, fix.cost_seconds.max(1.0)));
        }
    }
    fixes.sort_by(|a, b| (b.1 * b.2 / b.3).total_cmp(&(a.1 * a.2 / a.3)).then(a.0.cmp(&b.0)));
    let mut expected = 0.0;
    for k in 0..fixes.len() {
        let solved_before: f64 = fixes[..k].iter().map(|f| f.1 * f.2).sum();
        expected += fixes[k].3 * (1.0 - solved_before).max(0.0);
    }
    (fixes.into_iter().map(|f| f.0).collect(), expected)
}
