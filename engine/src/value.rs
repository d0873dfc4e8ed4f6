//! Fact values and the evaluation of checked conditions against them.
//!
//! A fact set is a dense vector indexed by `FactId`; `None` is unknown. Conditions evaluate in
//! three-valued logic: a comparison with an unknown fact is unknown, `and` is false as soon as
//! one operand is false, `or` is true as soon as one is true (Kleene). This module knows
//! nothing of fact files: see [`crate::facts`].

use serde::Serialize;
use std::cmp::Ordering;
use triage_rules::ast::CompareOp;
use triage_rules::model::{Condition, FactId, FactType, Value};

/// The value of one fact.
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    Bool(bool),
    Int(i64),
    Number(f64),
    Str(Box<str>),
    Version(Box<[u64]>),
    /// Index into the fact's declared values.
    Enum(u32),
    /// Indexes into the fact's declared values, sorted, without duplicates.
    Set(Box<[u32]>),
}

impl FactValue {
    /// The value as JSON, with enum and set members as their declared names.
    #[must_use]
    pub fn to_json(&self, ty: &FactType) -> serde_json::Value {
        let name = |i: u32| ty.values().get(i as usize).cloned().unwrap_or_default();
        match self {
            FactValue::Bool(b) => serde_json::Value::Bool(*b),
            FactValue::Int(i) => serde_json::Value::from(*i),
            FactValue::Number(n) => serde_json::Value::from(*n),
            FactValue::Str(s) => serde_json::Value::String(s.to_string()),
            FactValue::Version(parts) => serde_json::Value::String(version_text(parts)),
            FactValue::Enum(i) => serde_json::Value::String(name(*i)),
            FactValue::Set(members) => serde_json::Value::Array(
                members.iter().map(|m| serde_json::Value::String(name(*m))).collect(),
            ),
        }
    }

    /// The value as a person reads it: `0x904` for ints that look like codes is the fact
    /// file's business; here ints print in decimal and hex when large (error codes).
    #[must_use]
    pub fn display(&self, ty: &FactType) -> String {
        match self {
            FactValue::Int(i) if *i >= 0x100 => format!("{i:#x}"),
            FactValue::Set(members) => {
                let names: Vec<&str> = members
                    .iter()
                    .filter_map(|m| ty.values().get(*m as usize))
                    .map(String::as_str)
                    .collect();
                format!("[{}]", names.join(", "))
            }
            other => match other.to_json(ty) {
                serde_json::Value::String(s) => s,
                json => json.to_string(),
            },
        }
    }
}

impl FactValue {
    /// The value as a person reads it in a sentence: yes or no, an enum value's label, an int
    /// as the knowledge base writes its fact's values (`0x7` for an error code, as the dialog
    /// shows it; `502` for an HTTP status), else [`FactValue::display`].
    #[must_use]
    pub fn words(&self, def: &triage_rules::model::FactDef) -> String {
        match self {
            FactValue::Bool(true) => "yes".into(),
            FactValue::Bool(false) => "no".into(),
            FactValue::Int(i) if def.hex && *i >= 0 => format!("{i:#x}"),
            FactValue::Int(i) => i.to_string(),
            FactValue::Enum(e) => def.value_label(*e).to_string(),
            other => other.display(&def.ty),
        }
    }
}

/// `10.0.26100`.
#[must_use]
pub fn version_text(parts: &[u64]) -> String {
    let parts: Vec<String> = parts.iter().map(u64::to_string).collect();
    parts.join(".")
}

/// Compares versions part by part; missing parts count as 0 (`10.0` == `10.0.0`).
pub use triage_rules::model::compare_versions;

/// The facts of one case, indexed by `FactId`. `None` is unknown.
pub type FactValues = [Option<FactValue>];

/// Where conditions read fact values from: a dense vector, or a vector with a few facts
/// changed (to ask "what if the answer were …" without copying the whole case).
pub trait Facts {
    fn value(&self, fact: FactId) -> Option<&FactValue>;
}

impl Facts for [Option<FactValue>] {
    fn value(&self, fact: FactId) -> Option<&FactValue> {
        self.get(fact.index()).and_then(Option::as_ref)
    }
}

impl Facts for Vec<Option<FactValue>> {
    fn value(&self, fact: FactId) -> Option<&FactValue> {
        self.get(fact.index()).and_then(Option::as_ref)
    }
}

/// A case with some facts replaced: the replacements win.
#[derive(Debug)]
pub struct Overlay<'a> {
    pub base: &'a FactValues,
    pub changes: &'a [(FactId, Option<FactValue>)],
}

impl Facts for Overlay<'_> {
    fn value(&self, fact: FactId) -> Option<&FactValue> {
        match self.changes.iter().rev().find(|(f, _)| *f == fact) {
            Some((_, v)) => v.as_ref(),
            None => self.base.value(fact),
        }
    }
}

/// Evaluates a condition in three-valued logic: `None` when it depends on unknown facts.
#[must_use]
pub fn evaluate<F: Facts + ?Sized>(condition: &Condition, facts: &F) -> Option<bool> {
    match condition {
        Condition::All(operands) => {
            let mut unknown = false;
            for operand in operands {
                match evaluate(operand, facts) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown { None } else { Some(true) }
        }
        Condition::Any(operands) => {
            let mut unknown = false;
            for operand in operands {
                match evaluate(operand, facts) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown { None } else { Some(false) }
        }
        Condition::Not(inner) => evaluate(inner, facts).map(|b| !b),
        Condition::Unknown(fact) => Some(facts.value(*fact).is_none()),
        Condition::IsTrue(fact) => match facts.value(*fact)? {
            FactValue::Bool(b) => Some(*b),
            _ => None,
        },
        Condition::Compare { fact, op, value } => compare(facts.value(*fact)?, *op, value),
        Condition::OneOf { fact, values } => {
            let actual = facts.value(*fact)?;
            let mut any_unknown = false;
            for v in values {
                match compare(actual, CompareOp::Eq, v) {
                    Some(true) => return Some(true),
                    None => any_unknown = true,
                    Some(false) => {}
                }
            }
            if any_unknown { None } else { Some(false) }
        }
    }
}

/// `actual OP expected`; `None` when the types do not fit (the checker prevents that for
/// conditions; fact files are validated against the same types).
#[must_use]
pub fn compare(actual: &FactValue, op: CompareOp, expected: &Value) -> Option<bool> {
    let ordering = match (actual, expected) {
        (FactValue::Bool(a), Value::Bool(b)) => a.cmp(b),
        (FactValue::Int(a), Value::Int(b)) => a.cmp(b),
        (FactValue::Number(a), Value::Number(b)) => a.partial_cmp(b)?,
        (FactValue::Str(a), Value::Str(b)) => a.as_ref().cmp(b.as_str()),
        (FactValue::Version(a), Value::Version(b)) => compare_versions(a, b),
        (FactValue::Enum(a), Value::Enum(b)) => a.cmp(b),
        (FactValue::Set(members), Value::Enum(b)) => {
            return match op {
                CompareOp::Has => Some(members.binary_search(b).is_ok()),
                _ => None,
            };
        }
        _ => return None,
    };
    Some(match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Has => return None,
    })
}

/// Serialisable three-valued truth, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl From<Option<bool>> for Truth {
    fn from(value: Option<bool>) -> Self {
        match value {
            Some(true) => Truth::True,
            Some(false) => Truth::False,
            None => Truth::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_operands_follow_kleene_logic() {
        let facts = vec![Some(FactValue::Bool(false)), None];
        let a = Condition::IsTrue(FactId(0));
        let b = Condition::IsTrue(FactId(1));
        let facts = facts.as_slice();
        assert_eq!(evaluate(&Condition::All(vec![a.clone(), b.clone()]), facts), Some(false));
        assert_eq!(evaluate(&Condition::Any(vec![a.clone(), b.clone()]), facts), None);
        assert_eq!(evaluate(&Condition::Not(Box::new(b)), facts), None);
        assert_eq!(evaluate(&Condition::Not(Box::new(a)), facts), Some(true));
    }

    #[test]
    fn versions_compare_part_by_part() {
        assert_eq!(compare_versions(&[10, 0], &[10, 0, 0]), Ordering::Equal);
        assert_eq!(compare_versions(&[10, 0, 22621], &[10, 0, 26100]), Ordering::Less);
        let v = FactValue::Version(vec![10, 0, 26100].into());
        assert_eq!(compare(&v, CompareOp::Ge, &Value::Version(vec![10, 0, 22000])), Some(true));
    }

    #[test]
    fn set_membership_uses_has() {
        let v = FactValue::Set(vec![0, 2].into());
        assert_eq!(compare(&v, CompareOp::Has, &Value::Enum(2)), Some(true));
        assert_eq!(compare(&v, CompareOp::Has, &Value::Enum(1)), Some(false));
    }
}
