//! Findings compiled into predicates over the fact vector.
//!
//! A checked [`Condition`] is general (any literal, any operator); most findings are one
//! comparison of an int, an enum or a bool. Those become a specialised node — an enum test is
//! a bit test — and anything else falls back to [`crate::value::evaluate`], so the meaning is
//! always the checked condition's. Three-valued: `None` when the facts it reads are unknown.

use crate::value::{FactValue, Facts, evaluate};
use triage_rules::ast::CompareOp;
use triage_rules::model::{Condition, FactId, Value};

#[derive(Debug, Clone)]
pub enum Predicate {
    All(Box<[Predicate]>),
    Any(Box<[Predicate]>),
    Not(Box<Predicate>),
    /// A bool fact equals `value`.
    Bool {
        fact: FactId,
        value: bool,
    },
    /// An int fact compared with a constant.
    Int {
        fact: FactId,
        op: CompareOp,
        value: i64,
    },
    /// An enum fact is one of the values whose bits are set (`negate`: is none of them).
    /// Only for enums whose tested values are all below 64.
    EnumBits {
        fact: FactId,
        bits: u64,
        negate: bool,
    },
    /// Anything else, evaluated as written.
    General(Condition),
}

impl Predicate {
    #[must_use]
    pub fn compile(condition: &Condition) -> Predicate {
        match condition {
            Condition::All(cs) => Predicate::All(cs.iter().map(Predicate::compile).collect()),
            Condition::Any(cs) => Predicate::Any(cs.iter().map(Predicate::compile).collect()),
            Condition::Not(c) => Predicate::Not(Box::new(Predicate::compile(c))),
            Condition::IsTrue(fact) => Predicate::Bool { fact: *fact, value: true },
            Condition::Compare {
                fact,
                op: op @ (CompareOp::Eq | CompareOp::Ne),
                value: Value::Bool(b),
            } => Predicate::Bool { fact: *fact, value: (*op == CompareOp::Eq) == *b },
            Condition::Compare { fact, op, value: Value::Int(i) } if *op != CompareOp::Has => {
                Predicate::Int { fact: *fact, op: *op, value: *i }
            }
            Condition::Compare {
                fact,
                op: op @ (CompareOp::Eq | CompareOp::Ne),
                value: Value::Enum(e),
            } if *e < 64 => {
                Predicate::EnumBits { fact: *fact, bits: 1 << e, negate: *op == CompareOp::Ne }
            }
            Condition::OneOf { fact, values }
                if values.iter().all(|v| matches!(v, Value::Enum(e) if *e < 64)) =>
            {
                let bits = values.iter().fold(0u64, |bits, v| match v {
                    Value::Enum(e) => bits | 1 << e,
                    _ => bits,
                });
                Predicate::EnumBits { fact: *fact, bits, negate: false }
            }
            other => Predicate::General(other.clone()),
        }
    }

    /// Whether the predicate holds; `None` when it depends on unknown facts.
    #[must_use]
    pub fn evaluate<F: Facts + ?Sized>(&self, facts: &F) -> Option<bool> {
        match self {
            Predicate::Bool { fact, value } => match facts.value(*fact)? {
                FactValue::Bool(b) => Some(b == value),
                _ => None,
            },
            Predicate::Int { fact, op, value } => match facts.value(*fact)? {
                FactValue::Int(actual) => Some(match op {
                    CompareOp::Eq => actual == value,
                    CompareOp::Ne => actual != value,
                    CompareOp::Lt => actual < value,
                    CompareOp::Le => actual <= value,
                    CompareOp::Gt => actual > value,
                    CompareOp::Ge => actual >= value,
                    CompareOp::Has => return None,
                }),
                _ => None,
            },
            Predicate::EnumBits { fact, bits, negate } => match facts.value(*fact)? {
                FactValue::Enum(e) => Some((*e < 64 && bits & (1 << e) != 0) != *negate),
                _ => None,
            },
            Predicate::All(operands) => {
                let mut unknown = false;
                for operand in operands {
                    match operand.evaluate(facts) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            Predicate::Any(operands) => {
                let mut unknown = false;
                for operand in operands {
                    match operand.evaluate(facts) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown { None } else { Some(false) }
            }
            Predicate::Not(inner) => inner.evaluate(facts).map(|b| !b),
            Predicate::General(condition) => evaluate(condition, facts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_predicates_agree_with_conditions() {
        let enum_in =
            Condition::OneOf { fact: FactId(1), values: vec![Value::Enum(0), Value::Enum(2)] };
        let conditions = [
            Condition::IsTrue(FactId(0)),
            Condition::Compare { fact: FactId(0), op: CompareOp::Ne, value: Value::Bool(true) },
            Condition::Compare { fact: FactId(2), op: CompareOp::Ge, value: Value::Int(3) },
            Condition::Compare { fact: FactId(1), op: CompareOp::Ne, value: Value::Enum(1) },
            enum_in.clone(),
            Condition::Not(Box::new(Condition::All(vec![enum_in, Condition::IsTrue(FactId(3))]))),
        ];
        let cases: Vec<Vec<Option<FactValue>>> = vec![
            vec![
                Some(FactValue::Bool(true)),
                Some(FactValue::Enum(2)),
                Some(FactValue::Int(3)),
                None,
            ],
            vec![
                Some(FactValue::Bool(false)),
                Some(FactValue::Enum(1)),
                Some(FactValue::Int(2)),
                Some(FactValue::Bool(true)),
            ],
            vec![None, None, None, Some(FactValue::Bool(false))],
        ];
        for facts in &cases {
            for condition in &conditions {
                assert_eq!(
                    Predicate::compile(condition).evaluate(facts.as_slice()),
                    evaluate(condition, facts.as_slice()),
                    "{condition:?} on {facts:?}"
                );
            }
        }
    }
}
