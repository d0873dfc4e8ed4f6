//! The evidence model's variables: which fact a finding or a background is about, and which
//! of that fact's outcomes it covers.
//!
//! Evidence is a property of a fact, one variable per fact: a bool has the outcomes true and
//! false, an enum one outcome per value it can be known to have, a member of a set fact "has
//! it" and "does not", an int the ranges its conditions tell apart (every threshold any
//! finding or background on it names starts a range). A finding such as `x < 0 : usually`
//! then says how much of a cause's probability lies on the outcomes where `x < 0`, not a
//! separate yes/no event: `x == true` and `x == false` are two views of one variable, and the
//! values of an enum share one distribution. This module only computes the variables and
//! checks what authors wrote against them; the distributions are the engine's.

use crate::model::{
    Condition, FactId, FactType, Model, Value, VariableDef, VariableKind, compare_versions,
};

/// Which variable a condition is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct VariableKey {
    pub fact: FactId,
    /// For a set fact: the member.
    pub member: Option<u32>,
}

/// Why a condition is not about one variable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NotOneVariable {
    /// It reads several facts (their names), or several members of one set fact.
    Several(Vec<String>),
    /// It tests whether a fact is known: a missing fact is no evidence.
    Knownness { fact: String },
}

/// The variable a condition reads, if it reads exactly one.
pub(crate) fn variable_key(
    condition: &Condition,
    model: &Model,
) -> Result<VariableKey, NotOneVariable> {
    let facts = condition.facts();
    if facts.len() > 1 {
        return Err(NotOneVariable::Several(
            facts.iter().map(|f| model.fact(*f).name.clone()).collect(),
        ));
    }
    let Some(&fact) = facts.first() else {
        return Err(NotOneVariable::Several(Vec::new()));
    };
    let def = model.fact(fact);
    if let Some(tested) = first_knownness(condition) {
        return Err(NotOneVariable::Knownness { fact: model.fact(tested).name.clone() });
    }
    match &def.ty {
        FactType::Bool
        | FactType::Enum(_)
        | FactType::Int
        | FactType::Version
        | FactType::Number
        | FactType::String => Ok(VariableKey { fact, member: None }),
        FactType::Set(values) => {
            let mut members = Vec::new();
            collect_members(condition, &mut members);
            members.sort_unstable();
            members.dedup();
            match members.as_slice() {
                [one] => Ok(VariableKey { fact, member: Some(*one) }),
                _ => Err(NotOneVariable::Several(
                    members
                        .iter()
                        .map(|m| {
                            format!(
                                "{} has {}",
                                def.name,
                                values.get(*m as usize).map_or("?", String::as_str)
                            )
                        })
                        .collect(),
                )),
            }
        }
    }
}

fn first_knownness(condition: &Condition) -> Option<FactId> {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().find_map(first_knownness),
        Condition::Not(c) => first_knownness(c),
        Condition::Unknown(f) => Some(*f),
        _ => None,
    }
}

fn collect_members(condition: &Condition, out: &mut Vec<u32>) {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| collect_members(c, out)),
        Condition::Not(c) => collect_members(c, out),
        Condition::Compare { value: Value::Enum(m), .. } => out.push(*m),
        Condition::OneOf { values, .. } => {
            out.extend(
                values.iter().filter_map(|v| if let Value::Enum(m) = v { Some(*m) } else { None }),
            );
        }
        _ => {}
    }
}

/// The values a variable's conditions name, from which its outcomes are cut.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cuts {
    ints: Vec<i64>,
    versions: Vec<(Vec<u64>, bool)>,
    numbers: Vec<(f64, bool)>,
    strings: Vec<String>,
}

impl Cuts {
    /// Adds what `condition` names.
    pub(crate) fn add(&mut self, condition: &Condition) {
        thresholds(condition, &mut self.ints);
        version_cuts(condition, &mut self.versions);
        number_cuts(condition, &mut self.numbers);
        string_values(condition, &mut self.strings);
    }
}

fn version_cuts(condition: &Condition, out: &mut Vec<(Vec<u64>, bool)>) {
    use crate::ast::CompareOp as Op;
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| version_cuts(c, out)),
        Condition::Not(c) => version_cuts(c, out),
        Condition::Compare { op, value: Value::Version(v), .. } => match op {
            Op::Lt | Op::Ge => out.push((v.clone(), false)),
            Op::Le | Op::Gt => out.push((v.clone(), true)),
            Op::Eq | Op::Ne | Op::Has => {
                out.push((v.clone(), false));
                out.push((v.clone(), true));
            }
        },
        Condition::OneOf { values, .. } => {
            for value in values {
                if let Value::Version(v) = value {
                    out.push((v.clone(), false));
                    out.push((v.clone(), true));
                }
            }
        }
        _ => {}
    }
}

fn number_cuts(condition: &Condition, out: &mut Vec<(f64, bool)>) {
    use crate::ast::CompareOp as Op;
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| number_cuts(c, out)),
        Condition::Not(c) => number_cuts(c, out),
        Condition::Compare { op, value: Value::Number(v), .. } => match op {
            Op::Lt | Op::Ge => out.push((*v, false)),
            Op::Le | Op::Gt => out.push((*v, true)),
            Op::Eq | Op::Ne | Op::Has => {
                out.push((*v, false));
                out.push((*v, true));
            }
        },
        Condition::OneOf { values, .. } => {
            for value in values {
                if let Value::Number(v) = value {
                    out.push((*v, false));
                    out.push((*v, true));
                }
            }
        }
        _ => {}
    }
}

fn string_values(condition: &Condition, out: &mut Vec<String>) {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| string_values(c, out)),
        Condition::Not(c) => string_values(c, out),
        Condition::Compare { value: Value::Str(v), .. } if !out.contains(v) => out.push(v.clone()),
        Condition::OneOf { values, .. } => {
            for value in values {
                if let Value::Str(v) = value
                    && !out.contains(v)
                {
                    out.push(v.clone());
                }
            }
        }
        _ => {}
    }
}

/// Where an int comparison splits the line: the first value of each range it starts.
fn thresholds(condition: &Condition, out: &mut Vec<i64>) {
    use crate::ast::CompareOp as Op;
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| thresholds(c, out)),
        Condition::Not(c) => thresholds(c, out),
        Condition::Compare { op, value: Value::Int(t), .. } => match op {
            Op::Lt | Op::Ge => out.push(*t),
            Op::Le | Op::Gt => out.extend(t.checked_add(1)),
            Op::Eq | Op::Ne | Op::Has => {
                out.push(*t);
                out.extend(t.checked_add(1));
            }
        },
        Condition::OneOf { values, .. } => {
            for v in values {
                if let Value::Int(t) = v {
                    out.push(*t);
                    out.extend(t.checked_add(1));
                }
            }
        }
        _ => {}
    }
}

/// The variable for a key, with the outcomes its conditions' values cut.
pub(crate) fn variable(model: &Model, key: VariableKey, cuts: Cuts) -> VariableDef {
    let Cuts { ints: mut starts, versions, numbers, strings } = cuts;
    let def = model.fact(key.fact);
    let (kind, outcomes) = match (&def.ty, key.member) {
        (FactType::Set(values), Some(m)) => {
            let name = values.get(m as usize).map_or("?", String::as_str);
            (VariableKind::Member(m), vec![format!("has {name}"), format!("does not have {name}")])
        }
        (FactType::Enum(values), _) => {
            let mut map = Vec::with_capacity(values.len());
            let mut names = Vec::new();
            for (i, v) in values.iter().enumerate() {
                if def.unknown_values.contains(&(i as u32)) {
                    map.push(None);
                } else {
                    map.push(Some(names.len() as u32));
                    names.push(v.clone());
                }
            }
            (VariableKind::Enum(map), names)
        }
        (FactType::Int, _) => {
            starts.push(i64::MIN);
            starts.sort_unstable();
            starts.dedup();
            let labels = (0..starts.len()).map(|i| range_label(&starts, i, def.hex)).collect();
            (VariableKind::Ranges(starts), labels)
        }
        (FactType::Version, _) => {
            let mut starts: Vec<(Vec<u64>, bool)> = vec![(Vec::new(), false)];
            starts.extend(versions);
            starts.sort_by(|a, b| compare_versions(&a.0, &b.0).then(a.1.cmp(&b.1)));
            starts.dedup_by(|a, b| compare_versions(&a.0, &b.0).is_eq() && a.1 == b.1);
            let labels = (0..starts.len()).map(|i| version_label(&starts, i)).collect();
            (VariableKind::Versions(starts), labels)
        }
        (FactType::Number, _) => {
            let mut starts: Vec<(f64, bool)> = vec![(f64::NEG_INFINITY, false)];
            starts.extend(numbers.into_iter().filter(|(n, _)| n.is_finite()));
            starts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            starts.dedup();
            let labels = (0..starts.len()).map(|i| number_label(&starts, i)).collect();
            (VariableKind::Numbers(starts), labels)
        }
        (FactType::String, _) => {
            let mut labels: Vec<String> = strings.iter().map(|s| format!("{s:?}")).collect();
            labels.push("another value".into());
            (VariableKind::Strings(strings), labels)
        }
        _ => (VariableKind::Bool, vec!["true".into(), "false".into()]),
    };
    VariableDef { fact: key.fact, kind, outcomes }
}

/// "below 0", "0 to 30", "31 or more", "2", "any value".
fn range_label(starts: &[i64], i: usize, hex: bool) -> String {
    let text = |v: i64| int_text(v, hex);
    let low = starts[i];
    let next = starts.get(i + 1).copied();
    match (low, next) {
        (i64::MIN, None) => "any value".into(),
        (i64::MIN, Some(n)) => format!("below {}", text(n)),
        (l, None) => format!("{} or more", text(l)),
        (l, Some(n)) if n - 1 == l => text(l),
        (l, Some(n)) => format!("{} to {}", text(l), text(n - 1)),
    }
}

/// "below 2.4.0", "2.4.0", "above 2.4.0 and below 2.4.2", "2.4.2 or later".
fn version_label(starts: &[(Vec<u64>, bool)], i: usize) -> String {
    let text = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
    let (low, after) = &starts[i];
    let next = starts.get(i + 1);
    match (i, next) {
        (0, None) => "any version".into(),
        (0, Some((n, false))) => format!("below {}", text(n)),
        (0, Some((n, true))) => format!("{} or below", text(n)),
        (_, Some((n, true))) if !after && compare_versions(low, n).is_eq() => text(low),
        (_, None) if *after => format!("above {}", text(low)),
        (_, None) => format!("{} or later", text(low)),
        (_, Some((n, next_after))) => {
            let from = if *after {
                format!("above {}", text(low))
            } else {
                format!("{} or later", text(low))
            };
            let to = if *next_after {
                format!("up to {}", text(n))
            } else {
                format!("below {}", text(n))
            };
            format!("{from}, {to}")
        }
    }
}

/// Number ranges read as version ranges do.
fn number_label(starts: &[(f64, bool)], i: usize) -> String {
    let (low, after) = starts[i];
    let next = starts.get(i + 1).copied();
    match (i, next) {
        (0, None) => "any value".into(),
        (0, Some((n, false))) => format!("below {n}"),
        (0, Some((n, true))) => format!("{n} or less"),
        (_, Some((n, true))) if !after && low.total_cmp(&n).is_eq() => low.to_string(),
        (_, None) if after => format!("above {low}"),
        (_, None) => format!("{low} or more"),
        (_, Some((n, next_after))) => {
            let from = if after { format!("above {low}") } else { format!("{low} or more") };
            let to = if next_after { format!("up to {n}") } else { format!("below {n}") };
            format!("{from}, {to}")
        }
    }
}

/// An int as the knowledge base writes it: codes (a fact it compares with hex literals) in
/// hex from 0x100 up, everything else in decimal.
#[must_use]
pub fn int_text(i: i64, hex: bool) -> String {
    if hex && i >= 0x100 { format!("{i:#x}") } else { i.to_string() }
}

/// The outcomes of `variable` for which `condition` holds.
pub(crate) fn outcomes_where(condition: &Condition, variable: &VariableDef) -> Vec<u32> {
    use crate::ast::CompareOp as Op;
    // One comparison with an int cuts the ranges at one of their starts: found by binary
    // search, so a fact with a thousand ranges does not evaluate a thousand times.
    if let (VariableKind::Ranges(starts), Condition::Compare { op, value: Value::Int(t), .. }) =
        (&variable.kind, condition)
    {
        let cell = |v: i64| starts.partition_point(|s| *s <= v).saturating_sub(1) as u32;
        let count = starts.len() as u32;
        let at = cell(*t);
        return match op {
            Op::Lt => (0..at).collect(),
            Op::Ge => (at..count).collect(),
            Op::Le => (0..=at).collect(),
            Op::Gt => (at + 1..count).collect(),
            Op::Eq => vec![at],
            Op::Ne => (0..count).filter(|o| *o != at).collect(),
            Op::Has => Vec::new(),
        };
    }
    let count = variable.outcomes.len() as u32;
    (0..count).filter(|&o| holds(condition, &representative(variable, o))).collect()
}

/// A value standing for an outcome: every condition on the variable is constant over an
/// outcome, so evaluating it at one value decides it for all.
#[derive(Debug, Clone)]
enum Representative {
    Bool(bool),
    Enum(u32),
    Member(bool),
    Int(i64),
    /// The start of a version range, or (`true`) just above it: every version the conditions
    /// name is a start, so "just above v" compares with them as v does, except with v itself.
    Version(Vec<u64>, bool),
    /// The start of a number range, or (`true`) just above it.
    Number(f64, bool),
    /// A named string, or `None` for any other.
    Str(Option<String>),
}

fn representative(variable: &VariableDef, outcome: u32) -> Representative {
    match &variable.kind {
        VariableKind::Bool => Representative::Bool(outcome == 0),
        VariableKind::Member(_) => Representative::Member(outcome == 0),
        VariableKind::Enum(map) => {
            Representative::Enum(map.iter().position(|o| *o == Some(outcome)).unwrap_or(0) as u32)
        }
        VariableKind::Ranges(starts) => {
            Representative::Int(starts.get(outcome as usize).copied().unwrap_or(i64::MIN))
        }
        VariableKind::Versions(starts) => {
            let (v, after) = starts.get(outcome as usize).cloned().unwrap_or_default();
            Representative::Version(v, after)
        }
        VariableKind::Numbers(starts) => {
            let (n, after) = starts.get(outcome as usize).copied().unwrap_or((0.0, false));
            Representative::Number(n, after)
        }
        VariableKind::Strings(values) => Representative::Str(values.get(outcome as usize).cloned()),
    }
}

fn holds(condition: &Condition, at: &Representative) -> bool {
    use crate::ast::CompareOp as Op;
    match condition {
        Condition::All(cs) => cs.iter().all(|c| holds(c, at)),
        Condition::Any(cs) => cs.iter().any(|c| holds(c, at)),
        Condition::Not(c) => !holds(c, at),
        Condition::IsTrue(_) => matches!(at, Representative::Bool(true)),
        Condition::Unknown(_) => false,
        Condition::Compare { op, value, .. } => match (at, value) {
            (Representative::Bool(b), Value::Bool(v)) => op.compare(b, v),
            (Representative::Enum(e), Value::Enum(v)) => op.compare(e, v),
            (Representative::Member(has), Value::Enum(_)) => *op == Op::Has && *has,
            (Representative::Int(i), Value::Int(v)) => op.compare(i, v),
            (Representative::Version(at, after), Value::Version(v)) => {
                let order = match compare_versions(at, v) {
                    std::cmp::Ordering::Equal if *after => std::cmp::Ordering::Greater,
                    other => other,
                };
                op.compare(&order, &std::cmp::Ordering::Equal)
            }
            (Representative::Number(at, after), Value::Number(v)) => {
                let order = match at.total_cmp(v) {
                    std::cmp::Ordering::Equal if *after => std::cmp::Ordering::Greater,
                    other => other,
                };
                op.compare(&order, &std::cmp::Ordering::Equal)
            }
            (Representative::Str(at), Value::Str(v)) => {
                let equal = at.as_deref() == Some(v.as_str());
                match op {
                    Op::Eq => equal,
                    Op::Ne => !equal,
                    _ => false,
                }
            }
            _ => false,
        },
        Condition::OneOf { values, .. } => values.iter().any(|v| match (at, v) {
            (Representative::Enum(e), Value::Enum(x)) => e == x,
            (Representative::Int(i), Value::Int(x)) => i == x,
            (Representative::Bool(b), Value::Bool(x)) => b == x,
            (Representative::Str(Some(at)), Value::Str(x)) => at == x,
            (Representative::Number(at, false), Value::Number(x)) => at.total_cmp(x).is_eq(),
            (Representative::Version(at, false), Value::Version(x)) => {
                compare_versions(at, x).is_eq()
            }
            _ => false,
        }),
    }
}
