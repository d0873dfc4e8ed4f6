//! The slow, obviously-correct implementation of inference and the repair order, written
//! straight from the formulas with no index, no log space and no precomputation. The fast
//! engine is property-tested against it on random knowledge bases and fact sets.
//!
//! Counts converted to `f64` (outcomes, symptoms) are far below 2^52.
//!
//! It shares only the meaning of a single comparison ([`crate::value::evaluate`]); rule
//! application, symptom matching, likelihoods, normalisation and ECR are written again.

#![allow(clippy::cast_precision_loss)]

use crate::infer::{BACKGROUND_RANGE, DEFAULT_BACKGROUND, MIN_SYMPTOM_FREQUENCY};
use crate::repair::{DEFAULT_SUCCESS, ESCALATION_SECONDS, MIN_SOLVE_CHANCE};
use crate::value::{FactValue, evaluate};
use triage_rules::model::{
    CauseId, FixId, Model, SymptomId, Value, VariableDef, VariableId, VariableKind,
};

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

/// The outcome a known fact falls in for a variable, read straight from the variable's kind.
fn outcome(model: &Model, variable: &VariableDef, facts: &[Option<FactValue>]) -> Option<usize> {
    let value = facts[variable.fact.index()].as_ref()?;
    match (&variable.kind, value) {
        (VariableKind::Bool, FactValue::Bool(b)) => Some(usize::from(!*b)),
        (VariableKind::Enum(map), FactValue::Enum(e)) => {
            map.get(*e as usize).copied().flatten().map(|o| o as usize)
        }
        (VariableKind::Member(m), FactValue::Set(members)) => {
            Some(usize::from(!members.contains(m)))
        }
        (VariableKind::Ranges(starts), FactValue::Int(i)) => {
            (0..starts.len()).rev().find(|&k| starts[k] <= *i)
        }
        (VariableKind::Versions(starts), FactValue::Version(v)) => {
            (0..starts.len()).rev().find(|&k| {
                let (start, after) = &starts[k];
                match crate::value::compare_versions(v, start) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Equal => !after,
                    std::cmp::Ordering::Less => false,
                }
            })
        }
        (VariableKind::Numbers(starts), FactValue::Number(n)) => {
            (0..starts.len()).rev().find(|&k| {
                let (start, after) = starts[k];
                k == 0 || *n > start || (n.total_cmp(&start).is_eq() && !after)
            })
        }
        (VariableKind::Strings(values), FactValue::Str(s)) => {
            Some(values.iter().position(|x| x.as_str() == &**s).unwrap_or(values.len()))
        }
        _ => {
            let _ = model;
            None
        }
    }
}

/// `groups` (outcomes, rate) spread over a distribution shaped like `base`.
fn spread_over(groups: &[(Vec<u32>, f64)], base: &[f64]) -> Vec<f64> {
    (0..base.len())
        .map(|o| {
            let share = |outcomes: &[u32], rate: f64| {
                let weight: f64 = outcomes.iter().map(|&x| base[x as usize]).sum();
                if weight > 0.0 { rate * base[o] / weight } else { rate / outcomes.len() as f64 }
            };
            if let Some((outcomes, rate)) = groups.iter().find(|(g, _)| g.contains(&(o as u32))) {
                return share(outcomes, *rate);
            }
            let rest: Vec<u32> = (0..base.len() as u32)
                .filter(|x| !groups.iter().any(|(g, _)| g.contains(x)))
                .collect();
            let left = (1.0 - groups.iter().map(|(_, r)| r).sum::<f64>()).max(0.0);
            share(&rest, left)
        })
        .collect()
}

/// A variable's background among a symptom's reports: its own statements, then the knowledge
/// base's that name other outcomes (scaled to fit), then 0.1 for each finding's outcomes that
/// nothing names yet while an outcome stays unnamed, the rest shared equally, clamped.
fn background(model: &Model, symptom: SymptomId, variable: VariableId) -> Vec<f64> {
    let def = model.variable(variable);
    let n = def.outcomes.len();
    let base: Vec<f64> = vec![1.0 / n as f64; n];
    let own: Vec<(Vec<u32>, f64)> = model
        .symptom(symptom)
        .backgrounds
        .iter()
        .filter(|b| b.variable == variable)
        .map(|b| (b.outcomes.clone(), b.probability))
        .collect();
    let mut defaults: Vec<(Vec<u32>, f64)> = model
        .backgrounds
        .iter()
        .filter(|b| b.variable == variable)
        .filter(|b| !own.iter().any(|(g, _)| g.iter().any(|o| b.outcomes.contains(o))))
        .map(|b| (b.outcomes.clone(), b.probability))
        .collect();
    let own_total: f64 = own.iter().map(|(_, r)| r).sum();
    let default_total: f64 = defaults.iter().map(|(_, r)| r).sum();
    if own_total + default_total > 1.0 {
        for d in &mut defaults {
            d.1 *= (1.0 - own_total).max(0.0) / default_total;
        }
    }
    let mut groups: Vec<(Vec<u32>, f64)> = own.into_iter().chain(defaults).collect();
    for finding in model.findings.iter().filter(|f| f.variable == variable) {
        let is_named = |o: u32| groups.iter().any(|(g, _)| g.contains(&o));
        let free = finding.outcomes.iter().all(|&o| !is_named(o));
        let leaves_some = (0..n as u32).any(|o| !is_named(o) && !finding.outcomes.contains(&o));
        let total: f64 = groups.iter().map(|(_, r)| r).sum();
        if !finding.outcomes.is_empty() && free && leaves_some && total + DEFAULT_BACKGROUND <= 1.0
        {
            groups.push((finding.outcomes.clone(), DEFAULT_BACKGROUND));
        }
    }
    if groups.is_empty() {
        return base;
    }
    let clamped: Vec<f64> = spread_over(&groups, &base)
        .into_iter()
        .map(|p| p.clamp(BACKGROUND_RANGE.0, BACKGROUND_RANGE.1))
        .collect();
    let total: f64 = clamped.iter().sum();
    clamped.into_iter().map(|p| p / total).collect()
}

/// P(cause | facts) for each cause of the symptom, and for the unlisted cause: prior × Π over
/// every observed variable any candidate mentions of P(outcome | cause), where a cause gives
/// the outcomes its findings name their rate (spread over the outcomes in proportion to the
/// background) and the rest in proportion to the background, and a cause that does not
/// mention the variable has the background itself; then normalised.
fn joint(
    model: &Model,
    symptom: SymptomId,
    facts: &[Option<FactValue>],
) -> (Vec<(CauseId, f64)>, f64, Vec<VariableId>) {
    let def = model.symptom(symptom);
    let mut variables: Vec<VariableId> = Vec::new();
    for (cause, _) in &def.causes {
        for (finding, _) in &model.cause(*cause).findings {
            let v = model.finding(*finding).variable;
            if !variables.contains(&v) {
                variables.push(v);
            }
        }
    }
    let observed: Vec<(VariableId, usize)> = variables
        .iter()
        .filter_map(|v| outcome(model, model.variable(*v), facts).map(|o| (*v, o)))
        .collect();
    let likelihood = |cause: Option<CauseId>| -> f64 {
        let mut product = 1.0;
        for (variable, o) in &observed {
            let bg = background(model, symptom, *variable);
            let groups: Vec<(Vec<u32>, f64)> = cause
                .map(|c| {
                    model
                        .cause(c)
                        .findings
                        .iter()
                        .filter(|(f, _)| model.finding(*f).variable == *variable)
                        .map(|(f, p)| (model.finding(*f).outcomes.clone(), *p))
                        .collect()
                })
                .unwrap_or_default();
            let distribution = if groups.is_empty() { bg } else { spread_over(&groups, &bg) };
            product *= distribution[*o];
        }
        product
    };
    let joint: Vec<(CauseId, f64)> =
        def.causes.iter().map(|(c, prior)| (*c, prior * likelihood(Some(*c)))).collect();
    let unlisted = def.unlisted_prior() * likelihood(None);
    (joint, unlisted, variables)
}

/// P(cause | facts) for each cause of the symptom, and for the unlisted cause: prior ×
/// Π over every observed variable any candidate mentions of P(outcome | cause), where a cause
/// gives the outcomes its findings name their rate (spread over the outcomes in proportion to
/// the background) and the rest in proportion to the background, and a cause that does not
/// mention the variable has the background itself; then normalised.
#[must_use]
pub fn posteriors(
    model: &Model,
    symptom: SymptomId,
    facts: &[Option<FactValue>],
) -> (Vec<(CauseId, f64)>, f64) {
    let (joint, unlisted, _) = joint(model, symptom, facts);
    let total: f64 = joint.iter().map(|(_, j)| j).sum::<f64>() + unlisted;
    if total == 0.0 {
        return (joint.into_iter().map(|(c, _)| (c, 0.0)).collect(), 1.0);
    }
    (joint.into_iter().map(|(c, j)| (c, j / total)).collect(), unlisted / total)
}

/// A symptom's frequency: declared, else an equal share of what the declared ones leave, at
/// least 0.01.
fn frequency(model: &Model, symptom: SymptomId) -> f64 {
    if let Some(f) = model.symptom(symptom).frequency {
        return f;
    }
    let declared: f64 = model.symptoms.iter().filter_map(|s| s.frequency).sum();
    let undeclared = model.symptoms.iter().filter(|s| s.frequency.is_none()).count();
    ((1.0 - declared) / undeclared as f64).max(MIN_SYMPTOM_FREQUENCY)
}

/// With no symptom matched: the symptoms whose condition is undecided, P(s | facts) ∝ f(s) ·
/// P(observed outcomes | s) — the causes' likelihoods for the variables they mention, the
/// symptom's background for every other observed variable — and each cause's P(c | facts) =
/// Σₛ P(s | facts) · P(c | s, facts), with the unlisted cause's the same way. `None` when
/// every symptom is ruled out.
#[must_use]
#[allow(clippy::type_complexity)]
pub fn mixture(
    model: &Model,
    facts: &[Option<FactValue>],
) -> Option<(Vec<(SymptomId, f64)>, Vec<(CauseId, f64)>, f64)> {
    let possible: Vec<SymptomId> = (0..model.symptoms.len())
        .map(|i| SymptomId(i as u32))
        .filter(|s| evaluate(&model.symptom(*s).condition, facts).is_none())
        .collect();
    let mut weights: Vec<(SymptomId, f64)> = Vec::new();
    for &s in &possible {
        let (joint, unlisted, mentioned) = joint(model, s, facts);
        let mut evidence = joint.iter().map(|(_, j)| j).sum::<f64>() + unlisted;
        for v in 0..model.variables.len() {
            let v = VariableId(v as u32);
            if mentioned.contains(&v) {
                continue;
            }
            if let Some(o) = outcome(model, model.variable(v), facts) {
                evidence *= background(model, s, v)[o];
            }
        }
        weights.push((s, frequency(model, s) * evidence));
    }
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    if possible.is_empty() || total == 0.0 {
        return None;
    }
    for w in &mut weights {
        w.1 /= total;
    }
    let mut causes: Vec<(CauseId, f64)> = Vec::new();
    let mut unlisted = 0.0;
    for &(s, w) in &weights {
        let (posterior, u) = posteriors(model, s, facts);
        unlisted += w * u;
        for (c, p) in posterior {
            match causes.iter_mut().find(|(x, _)| *x == c) {
                Some(entry) => entry.1 += w * p,
                None => causes.push((c, w * p)),
            }
        }
    }
    Some((weights, causes, unlisted))
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
