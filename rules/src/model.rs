//! The checked model: every name bound to a dense id, every condition type-checked.
//!
//! Built only by [`crate::check`], and only from a knowledge base without errors, so code that
//! holds a [`Model`] can index with its ids without checking. Probabilities are plain `f64` in
//! [0, 1], durations are seconds. Spans are kept so later stages can point back at the source
//! in their own messages; they never need the text.

use crate::ast::{CompareOp, Need, Place, Risk, Role, Shell};
use crate::source::Span;
use serde::Serialize;
// FxHash: the keys are names from the knowledge base being loaded, not from fact files.
use rustc_hash::FxHashMap as HashMap;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            #[must_use]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A fact in [`Model::facts`].
    FactId
);
id_type!(
    /// A symptom in [`Model::symptoms`].
    SymptomId
);
id_type!(
    /// A cause in [`Model::causes`].
    CauseId
);
id_type!(
    /// A fix in [`Model::fixes`].
    FixId
);
id_type!(
    /// A finding (a distinct condition some cause gives a frequency for) in [`Model::findings`].
    FindingId
);
id_type!(
    /// A rule in [`Model::rules`].
    RuleId
);
id_type!(
    /// An evidence variable (a fact, or one member of a set fact) in [`Model::variables`].
    VariableId
);

/// A whole checked knowledge base.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    pub facts: Vec<FactDef>,
    pub symptoms: Vec<SymptomDef>,
    pub causes: Vec<CauseDef>,
    pub fixes: Vec<FixDef>,
    pub findings: Vec<FindingDef>,
    /// The facts evidence is given on, each with the outcomes the knowledge base tells apart.
    pub variables: Vec<VariableDef>,
    /// The knowledge base's default background rates (`background` items).
    pub backgrounds: Vec<BackgroundDef>,
    pub rules: Vec<RuleDef>,
    /// The rules in an order where every rule runs after the rules that set the facts it reads.
    pub rule_order: Vec<RuleId>,
    /// Environment variables the generated scripts read (`parameter` items), in file order.
    pub parameters: Vec<ParameterDef>,
    /// Shell code emitted once at the top of generated scripts (`prelude` items), in file order.
    pub preludes: Vec<PreludeDef>,
    #[serde(skip)]
    pub(crate) fact_index: HashMap<String, FactId>,
    #[serde(skip)]
    pub(crate) symptom_index: HashMap<String, SymptomId>,
    #[serde(skip)]
    pub(crate) cause_index: HashMap<String, CauseId>,
    #[serde(skip)]
    pub(crate) fix_index: HashMap<String, FixId>,
}

impl Model {
    #[must_use]
    pub fn fact_id(&self, name: &str) -> Option<FactId> {
        self.fact_index.get(name).copied()
    }
    #[must_use]
    pub fn symptom_id(&self, name: &str) -> Option<SymptomId> {
        self.symptom_index.get(name).copied()
    }
    #[must_use]
    pub fn cause_id(&self, name: &str) -> Option<CauseId> {
        self.cause_index.get(name).copied()
    }
    #[must_use]
    pub fn fix_id(&self, name: &str) -> Option<FixId> {
        self.fix_index.get(name).copied()
    }
    #[must_use]
    pub fn fact(&self, id: FactId) -> &FactDef {
        &self.facts[id.index()]
    }
    #[must_use]
    pub fn symptom(&self, id: SymptomId) -> &SymptomDef {
        &self.symptoms[id.index()]
    }
    #[must_use]
    pub fn cause(&self, id: CauseId) -> &CauseDef {
        &self.causes[id.index()]
    }
    #[must_use]
    pub fn fix(&self, id: FixId) -> &FixDef {
        &self.fixes[id.index()]
    }
    #[must_use]
    pub fn finding(&self, id: FindingId) -> &FindingDef {
        &self.findings[id.index()]
    }
    #[must_use]
    pub fn variable(&self, id: VariableId) -> &VariableDef {
        &self.variables[id.index()]
    }
}

/// The type of a fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "values", rename_all = "lowercase")]
pub enum FactType {
    Bool,
    Int,
    Number,
    String,
    Version,
    Enum(Vec<String>),
    Set(Vec<String>),
}

impl FactType {
    /// How the type reads in a message: "bool", "an enum of a, b".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            FactType::Bool => "a bool".into(),
            FactType::Int => "an int".into(),
            FactType::Number => "a number".into(),
            FactType::String => "a string".into(),
            FactType::Version => "a version".into(),
            FactType::Enum(_) => "an enum".into(),
            FactType::Set(_) => "a set".into(),
        }
    }

    /// The declared values of an enum or set.
    #[must_use]
    pub fn values(&self) -> &[String] {
        match self {
            FactType::Enum(v) | FactType::Set(v) => v,
            _ => &[],
        }
    }
}

/// A typed value. Enum and set members are indexes into the fact's declared values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Number(f64),
    Str(String),
    Version(Vec<u64>),
    Enum(u32),
}

/// A checked condition over facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// A bool fact is true.
    IsTrue(FactId),
    Compare {
        fact: FactId,
        #[serde(serialize_with = "serialize_op")]
        op: CompareOp,
        value: Value,
    },
    /// The fact equals one of the values.
    OneOf {
        fact: FactId,
        values: Vec<Value>,
    },
    /// The facts give no value for the fact (`is unknown`); always decided.
    Unknown(FactId),
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
fn serialize_op<S: serde::Serializer>(op: &CompareOp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(op.symbol())
}

impl Condition {
    /// Calls `visit` for every fact the condition reads.
    pub fn for_each_fact(&self, visit: &mut impl FnMut(FactId)) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                for c in cs {
                    c.for_each_fact(visit);
                }
            }
            Condition::Not(c) => c.for_each_fact(visit),
            Condition::IsTrue(f)
            | Condition::Unknown(f)
            | Condition::Compare { fact: f, .. }
            | Condition::OneOf { fact: f, .. } => {
                visit(*f);
            }
        }
    }

    /// The facts the condition reads, each once, in first-seen order.
    #[must_use]
    pub fn facts(&self) -> Vec<FactId> {
        let mut out = Vec::new();
        self.for_each_fact(&mut |f| {
            if !out.contains(&f) {
                out.push(f);
            }
        });
        out
    }
}

/// A script for one shell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptDef {
    pub shell: Shell,
    pub code: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactDef {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(flatten)]
    pub ty: FactType,
    /// The question a person can answer.
    pub ask: Option<String>,
    pub collect: Vec<ScriptDef>,
    /// Seconds to find the value out (collect or ask).
    pub cost_seconds: Option<f64>,
    pub places: Vec<Place>,
    /// Who can answer its question, as declared (`who`); [`FactDef::role`] resolves the default.
    pub who: Option<Role>,
    /// Enum or set values that mean "not known" (indexes into the declared values).
    pub unknown_values: Vec<u32>,
    /// How a person reads some of the enum or set values (index, label).
    pub value_labels: Vec<(u32, String)>,
    /// How the fact reads in free text.
    pub patterns: Vec<TextPattern>,
    /// Set by at least one rule.
    pub derived: bool,
    /// Read by guides, collectors or plans only (`used_by`): not an unused fact.
    pub used_by: Vec<String>,
    /// The knowledge base writes some of its int values in hex (`0x904`): a code, shown so.
    pub hex: bool,
    #[serde(skip)]
    pub span: Span,
}

/// A fact's `pattern`: a regular expression of the `regex` crate, matched ignoring case.
#[derive(Debug, Clone, Serialize)]
pub struct TextPattern {
    /// The enum or set value a match means; `None` when the first capture group is the value.
    pub value: Option<u32>,
    pub regex: String,
    #[serde(skip)]
    pub span: Span,
}

impl FactDef {
    /// Who can answer: as declared, else the default for where the fact is read.
    #[must_use]
    pub fn role(&self) -> Role {
        self.who.unwrap_or_else(|| Role::default_for(&self.places))
    }

    /// How a person reads value `index` of this enum or set fact: its `label`, else its name.
    #[must_use]
    pub fn value_label(&self, index: u32) -> &str {
        self.value_labels
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, label)| label.as_str())
            .or_else(|| self.ty.values().get(index as usize).map(String::as_str))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SymptomDef {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub condition: Condition,
    /// The condition as the author wrote it (canonical form), for display.
    pub condition_text: String,
    pub aliases: Vec<String>,
    pub checks: Vec<ScriptDef>,
    /// The least prior mass left to causes nobody wrote down.
    pub unlisted_floor: Option<f64>,
    /// Its share of the reports the knowledge base serves, if declared.
    pub frequency: Option<f64>,
    /// Background rates for this symptom's population, over the knowledge base's defaults.
    pub backgrounds: Vec<BackgroundDef>,
    /// The causes that explain it, with their prior for this symptom.
    pub causes: Vec<(CauseId, f64)>,
    #[serde(skip)]
    pub span: Span,
}

impl SymptomDef {
    /// Prior mass of the unlisted cause: what the listed priors leave, but at least the floor.
    #[must_use]
    pub fn unlisted_prior(&self) -> f64 {
        let listed: f64 = self.causes.iter().map(|(_, p)| p).sum();
        (1.0 - listed).max(self.unlisted_floor.unwrap_or(0.0)).max(0.0)
    }

    /// The codes its condition tests — the ints it requires a fact to equal (`==`, `in`), as
    /// `search` reads them — spelled as the knowledge base writes them (`0x904`, `2308`). The
    /// model keeps only the values, so the spelling comes from the condition's canonical text.
    #[must_use]
    pub fn codes(&self) -> Vec<String> {
        let mut codes = Vec::new();
        if let Ok(condition) = crate::parse::parse_condition(crate::FileId(0), &self.condition_text)
        {
            collect_codes(&condition, &mut codes);
        }
        codes
    }
}

fn collect_codes(expr: &crate::ast::Expr, codes: &mut Vec<String>) {
    use crate::ast::ExprKind;
    match &expr.kind {
        ExprKind::And(operands) | ExprKind::Or(operands) => {
            for operand in operands {
                collect_codes(operand, codes);
            }
        }
        ExprKind::Compare { op: CompareOp::Eq, value, .. } => add_code(value, codes),
        ExprKind::In { values, .. } => {
            for value in values {
                add_code(value, codes);
            }
        }
        // A code the condition rules out (`not`, `!=`) does not name the symptom.
        ExprKind::Not(_)
        | ExprKind::Fact(_)
        | ExprKind::Compare { .. }
        | ExprKind::Known { .. } => {}
    }
}

fn add_code(literal: &crate::ast::Literal, codes: &mut Vec<String>) {
    if matches!(literal.kind, crate::ast::LiteralKind::Int { .. }) {
        let text = crate::format::literal_text(literal);
        if !codes.contains(&text) {
            codes.push(text);
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CauseDef {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// The symptoms it explains, with its prior for each.
    pub explains: Vec<(SymptomId, f64)>,
    /// P(finding | this cause) for each finding it mentions.
    pub findings: Vec<(FindingId, f64)>,
    pub sources: Vec<String>,
    pub fixes: Vec<FixId>,
    #[serde(skip)]
    pub span: Span,
}

/// A distinct condition that causes give frequencies for: a set of outcomes of one variable.
#[derive(Debug, Clone, Serialize)]
pub struct FindingDef {
    pub condition: Condition,
    /// Canonical text of the condition; two findings are the same when their texts are.
    pub text: String,
    /// The variable the condition reads.
    pub variable: VariableId,
    /// The outcomes of the variable for which the condition holds (indexes, ascending).
    pub outcomes: Vec<u32>,
    #[serde(skip)]
    pub span: Span,
}

/// `background CONDITION : RATE`, as an item (the knowledge base's default) or in a symptom.
#[derive(Debug, Clone, Serialize)]
pub struct BackgroundDef {
    pub variable: VariableId,
    /// The outcomes the condition covers (indexes, ascending).
    pub outcomes: Vec<u32>,
    pub probability: f64,
    /// Canonical text of the condition.
    pub text: String,
    #[serde(skip)]
    pub span: Span,
}

/// One variable of the evidence model: a fact (or one member of a set fact), with the
/// outcomes the knowledge base's conditions tell apart. Every observed value falls in exactly
/// one outcome; a cause and a symptom's background each give a distribution over them.
#[derive(Debug, Clone, Serialize)]
pub struct VariableDef {
    pub fact: FactId,
    pub kind: VariableKind,
    /// How each outcome reads: "true", a value's name, "has x", "0 to 30", "another value".
    pub outcomes: Vec<String>,
}

/// How a fact's value maps to an outcome of its variable.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariableKind {
    /// Outcome 0 is `true`, 1 is `false`.
    Bool,
    /// Outcome of each declared value (`None` for the values that mean "not known").
    Enum(Vec<Option<u32>>),
    /// A member of a set fact: outcome 0 is "has it", 1 "does not".
    Member(u32),
    /// Ranges of an int: outcome `i` holds the values from `starts[i]` up to the next start.
    Ranges(Vec<i64>),
    /// Ranges of a version: outcome `i` starts at `starts[i].0`, or just above it when
    /// `starts[i].1`; the first starts below every version.
    Versions(Vec<(Vec<u64>, bool)>),
    /// Ranges of a number, as for versions: (start, just above it).
    Numbers(Vec<(f64, bool)>),
    /// A string: outcome `i` is the `i`-th value the conditions name, the last any other.
    Strings(Vec<String>),
}

/// Compares versions part by part; missing parts count as 0 (`10.0` == `10.0.0`).
#[must_use]
pub fn compare_versions(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let len = a.len().max(b.len());
    for i in 0..len {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        match x.cmp(&y) {
            std::cmp::Ordering::Equal => {}
            other => return other,
        }
    }
    std::cmp::Ordering::Equal
}

impl VariableKind {
    /// The outcome of a number: the last range whose start it reaches.
    #[must_use]
    pub fn number_outcome(starts: &[(f64, bool)], value: f64) -> u32 {
        let reaches = |(start, after): &(f64, bool)| match value.total_cmp(start) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => !after,
            std::cmp::Ordering::Less => *start == f64::NEG_INFINITY,
        };
        starts.partition_point(reaches).saturating_sub(1) as u32
    }

    /// The outcome of a version: the last range whose start it reaches.
    #[must_use]
    pub fn version_outcome(starts: &[(Vec<u64>, bool)], value: &[u64]) -> u32 {
        use std::cmp::Ordering;
        let reaches = |(start, after): &(Vec<u64>, bool)| match compare_versions(value, start) {
            Ordering::Greater => true,
            Ordering::Equal => !after,
            Ordering::Less => false,
        };
        starts.partition_point(reaches).saturating_sub(1) as u32
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FixDef {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub fixes: Vec<CauseId>,
    pub cost_seconds: f64,
    pub risk: Option<Risk>,
    pub needs: Vec<Need>,
    /// Chance that the fix repairs its cause, if declared.
    pub success: Option<f64>,
    pub steps: Option<String>,
    pub run: Vec<ScriptDef>,
    pub verify: Vec<ScriptDef>,
    pub undo: Vec<ScriptDef>,
    pub sources: Vec<String>,
    /// Offered only when this holds or cannot be told (`when`): the facts can rule a fix out.
    pub precondition: Option<Condition>,
    /// The precondition as written (canonical form), for display.
    pub precondition_text: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// `parameter NAME { … }`: an environment variable that collectors, checks and fixes read.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterDef {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// The sides whose scripts read it; empty means every side.
    pub places: Vec<Place>,
    /// Its value when the environment does not set it; `None` makes it required.
    pub default: Option<String>,
    /// The fact a plan takes its value from when the fact file has it.
    pub from: Option<FactId>,
    #[serde(skip)]
    pub span: Span,
}

impl ParameterDef {
    /// Whether a script generated for `place` (all sides when `None`) reads it.
    #[must_use]
    pub fn read_at(&self, place: Option<Place>) -> bool {
        place.is_none_or(|p| self.places.is_empty() || self.places.contains(&p))
    }
}

/// What a prelude is emitted into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptKind {
    /// The script `triage collect` writes.
    Collector,
    /// The script `triage plan` writes (its symptom check and the fixes).
    Plan,
}

/// `prelude NAME { … }`: helper code written once for every generated script of a kind.
#[derive(Debug, Clone, Serialize)]
pub struct PreludeDef {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// The kinds of script it goes into (both when not declared).
    pub used_by: Vec<ScriptKind>,
    /// The sides whose scripts include it; empty means every side.
    pub places: Vec<Place>,
    pub scripts: Vec<ScriptDef>,
    #[serde(skip)]
    pub span: Span,
}

impl PreludeDef {
    /// Its code for a script of `kind` in `shell` generated for `place` (every side when
    /// `None`), if it goes into such a script.
    #[must_use]
    pub fn code_for(&self, kind: ScriptKind, shell: Shell, place: Option<Place>) -> Option<&str> {
        let placed = place.is_none_or(|p| self.places.is_empty() || self.places.contains(&p));
        if !placed || !self.used_by.contains(&kind) {
            return None;
        }
        self.scripts.iter().find(|s| s.shell == shell).map(|s| s.code.as_str())
    }
}

/// `rule target = value when condition else otherwise`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDef {
    pub target: FactId,
    pub value: Value,
    pub condition: Condition,
    pub otherwise: Option<Value>,
    #[serde(skip)]
    pub span: Span,
}
