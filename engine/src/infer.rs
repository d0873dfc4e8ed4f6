//! The compiled knowledge base and inference: derived facts, matched symptoms, ranked causes
//! with the evidence that moved each.
//!
//! Single fault per symptom, naive Bayes over findings, in log space. For a matched symptom
//! the candidates are the causes that explain it plus the "unlisted cause" (the prior mass the
//! listed causes leave). A cause that does not mention a finding is given the finding's
//! background rate, exactly as the unlisted cause is; so every finding a cause does not
//! mention contributes the same factor to every candidate that does not mention it, and only
//! the log-likelihood ratios `ln(P(f|c) / P(f|background))` of the findings a cause mentions
//! need computing. That keeps the work per fact set proportional to the findings of the
//! matched symptom's causes, not to the size of the knowledge base.
//!
//! Compiling does the rest of the work once: symptoms indexed by the `fact == value` gates of
//! their conditions, per symptom the candidate causes with `ln prior` and their findings with
//! both log-likelihood ratios precomputed.

use crate::facts::FactSet;
use crate::predicate::Predicate;
use crate::value::{FactValue, FactValues, Facts, Overlay, evaluate};
use rustc_hash::FxHashMap;
use serde::Serialize;
use triage_rules::ast::CompareOp;
use triage_rules::model::{CauseId, Condition, FactId, FindingId, Model, SymptomId, Value};

/// P(finding) when no cause that mentions it is to blame, when the knowledge base declares
/// no `background` for it.
pub const DEFAULT_BACKGROUND: f64 = 0.1;

/// Background rates are kept inside [0.001, 0.999]: a background of exactly 0 or 1 would let
/// one finding rule out every cause that does not mention it, the unlisted cause included.
pub const BACKGROUND_RANGE: (f64, f64) = (0.001, 0.999);

/// A knowledge base compiled for inference.
#[derive(Debug)]
pub struct Engine {
    model: Model,
    tables: Vec<SymptomTable>,
    /// `fact == value` gates → the symptoms whose condition requires them.
    gates: FxHashMap<(FactId, GateKey), Vec<SymptomId>>,
    /// Facts that appear in some gate.
    gate_facts: Vec<FactId>,
    /// Symptoms without a gate: their condition is evaluated for every fact set.
    ungated: Vec<SymptomId>,
    backgrounds: Vec<f64>,
    /// Each finding's condition, compiled.
    findings: Vec<Predicate>,
    /// Each symptom's condition, compiled.
    symptom_conditions: Vec<Predicate>,
}

#[derive(Debug)]
struct SymptomTable {
    candidates: Vec<Candidate>,
    /// Findings over all candidates: the most evidence a ranking can have.
    links: usize,
    unlisted_prior: f64,
    ln_unlisted: f64,
    /// The distinct findings the candidates mention, evaluated once per fact set.
    findings: Vec<FindingId>,
}

#[derive(Debug)]
struct Candidate {
    cause: CauseId,
    prior: f64,
    ln_prior: f64,
    links: Vec<Link>,
}

/// One finding of one candidate, with its log-likelihood ratios precomputed.
#[derive(Debug, Clone, Copy)]
struct Link {
    /// Index into the symptom table's `findings`.
    local: u32,
    frequency: f64,
    background: f64,
    llr_true: f64,
    llr_false: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum GateKey {
    Bool(bool),
    Int(i64),
    Enum(u32),
    Str(Box<str>),
}

impl GateKey {
    fn of_value(value: &Value) -> Option<GateKey> {
        Some(match value {
            Value::Bool(b) => GateKey::Bool(*b),
            Value::Int(i) => GateKey::Int(*i),
            Value::Enum(e) => GateKey::Enum(*e),
            Value::Str(s) => GateKey::Str(s.as_str().into()),
            Value::Number(_) | Value::Version(_) => return None,
        })
    }

    fn of_fact(value: &FactValue) -> Option<GateKey> {
        Some(match value {
            FactValue::Bool(b) => GateKey::Bool(*b),
            FactValue::Int(i) => GateKey::Int(*i),
            FactValue::Enum(e) => GateKey::Enum(*e),
            FactValue::Str(s) => GateKey::Str(s.clone()),
            _ => return None,
        })
    }
}

/// An equality the whole condition requires, usable as an index key.
fn gate_of(condition: &Condition) -> Option<(FactId, GateKey)> {
    match condition {
        Condition::Compare { fact, op: CompareOp::Eq, value } => {
            Some((*fact, GateKey::of_value(value)?))
        }
        Condition::IsTrue(fact) => Some((*fact, GateKey::Bool(true))),
        Condition::All(operands) => operands.iter().find_map(gate_of),
        _ => None,
    }
}

/// How a symptom came to be diagnosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// Its `when` condition holds.
    Condition,
    /// The fact file names it (`symptom: …`).
    Named,
}

/// One finding that moved one cause.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub finding: FindingId,
    /// Whether the finding's condition held.
    pub observed: bool,
    /// P(finding | this cause).
    pub frequency: f64,
    /// P(finding | background).
    pub background: f64,
    /// The log-likelihood ratio this observation added to the cause (−∞ rules it out).
    pub contribution: f64,
}

impl Evidence {
    #[must_use]
    pub fn rules_out(&self) -> bool {
        self.contribution == f64::NEG_INFINITY
    }
}

/// A candidate cause of a symptom after the facts.
#[derive(Debug, Clone, Serialize)]
pub struct RankedCause {
    pub cause: CauseId,
    pub prior: f64,
    pub posterior: f64,
    /// An observation this cause never (or always) shows ruled it out.
    pub ruled_out: bool,
    /// Where the findings that moved it are in [`SymptomDiagnosis::evidence`] (one vector for
    /// all causes: one allocation per symptom, not one per cause).
    pub evidence: std::ops::Range<u32>,
}

/// The ranking for one symptom.
#[derive(Debug, Clone, Serialize)]
pub struct SymptomDiagnosis {
    pub symptom: SymptomId,
    pub matched_by: MatchedBy,
    /// Candidates by decreasing posterior; ruled-out causes last.
    pub causes: Vec<RankedCause>,
    /// Posterior of "a cause the knowledge base does not list".
    pub unlisted: f64,
    pub unlisted_prior: f64,
    /// The evidence of all causes; see [`SymptomDiagnosis::evidence_of`].
    pub evidence: Vec<Evidence>,
}

impl SymptomDiagnosis {
    /// The findings that moved a cause, strongest first.
    #[must_use]
    pub fn evidence_of(&self, ranked: &RankedCause) -> &[Evidence] {
        self.evidence
            .get(ranked.evidence.start as usize..ranked.evidence.end as usize)
            .unwrap_or(&[])
    }

    /// The finding that ruled a cause out, if one did.
    #[must_use]
    pub fn ruled_out_by(&self, ranked: &RankedCause) -> Option<&Evidence> {
        self.evidence_of(ranked).iter().find(|e| e.rules_out())
    }
}

/// The result for one fact set.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// Facts set by rules, with their values.
    pub derived: Vec<(FactId, FactValue)>,
    pub symptoms: Vec<SymptomDiagnosis>,
}

impl Engine {
    /// Compiles a checked model.
    #[must_use]
    pub fn new(model: Model) -> Self {
        let backgrounds: Vec<f64> = model
            .findings
            .iter()
            .map(|f| {
                f.background
                    .unwrap_or(DEFAULT_BACKGROUND)
                    .clamp(BACKGROUND_RANGE.0, BACKGROUND_RANGE.1)
            })
            .collect();
        let mut tables = Vec::with_capacity(model.symptoms.len());
        for symptom in &model.symptoms {
            let mut findings: Vec<FindingId> = Vec::new();
            let mut local_of: FxHashMap<FindingId, u32> = FxHashMap::default();
            let mut candidates = Vec::with_capacity(symptom.causes.len());
            for &(cause, prior) in &symptom.causes {
                let links = model
                    .cause(cause)
                    .findings
                    .iter()
                    .map(|&(finding, frequency)| {
                        let local = *local_of.entry(finding).or_insert_with(|| {
                            findings.push(finding);
                            findings.len() as u32 - 1
                        });
                        let background = backgrounds[finding.index()];
                        Link {
                            local,
                            frequency,
                            background,
                            llr_true: (frequency / background).ln(),
                            llr_false: ((1.0 - frequency) / (1.0 - background)).ln(),
                        }
                    })
                    .collect();
                candidates.push(Candidate { cause, prior, ln_prior: prior.ln(), links });
            }
            let unlisted_prior = symptom.unlisted_prior();
            let links = candidates.iter().map(|c: &Candidate| c.links.len()).sum();
            tables.push(SymptomTable {
                candidates,
                links,
                unlisted_prior,
                ln_unlisted: unlisted_prior.ln(),
                findings,
            });
        }
        let mut gates: FxHashMap<(FactId, GateKey), Vec<SymptomId>> = FxHashMap::default();
        let mut ungated = Vec::new();
        for (i, symptom) in model.symptoms.iter().enumerate() {
            let id = SymptomId(i as u32);
            match gate_of(&symptom.condition) {
                Some(key) => gates.entry(key).or_default().push(id),
                None => ungated.push(id),
            }
        }
        let mut gate_facts: Vec<FactId> = gates.keys().map(|(f, _)| *f).collect();
        gate_facts.sort_unstable();
        gate_facts.dedup();
        let findings = model.findings.iter().map(|f| Predicate::compile(&f.condition)).collect();
        let symptom_conditions =
            model.symptoms.iter().map(|s| Predicate::compile(&s.condition)).collect();
        Self {
            model,
            tables,
            gates,
            gate_facts,
            ungated,
            backgrounds,
            findings,
            symptom_conditions,
        }
    }

    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The background rate used for a finding.
    #[must_use]
    pub fn background(&self, finding: FindingId) -> f64 {
        self.backgrounds[finding.index()]
    }

    /// Applies the rules in dependency order to `base` with `changes` on top, and returns
    /// `changes` followed by the facts the rules set. A rule sets its fact only while the fact
    /// is unknown: collected facts win over derived ones, and of several rules for one fact
    /// the first to fire wins. `base` is never modified, so "what if" questions can derive
    /// from the same collected facts as many times as they like.
    #[must_use]
    pub fn derive(
        &self,
        base: &FactValues,
        changes: &[(FactId, Option<FactValue>)],
    ) -> Vec<(FactId, Option<FactValue>)> {
        let mut out = changes.to_vec();
        for &rule_id in &self.model.rule_order {
            let rule = &self.model.rules[rule_id.index()];
            let view = Overlay { base, changes: &out };
            if view.value(rule.target).is_some() {
                continue;
            }
            let value = match evaluate(&rule.condition, &view) {
                Some(true) => Some(&rule.value),
                Some(false) => rule.otherwise.as_ref(),
                None => None,
            };
            if let Some(value) = value.map(|v| to_fact_value(v, &self.model.fact(rule.target).ty)) {
                out.push((rule.target, Some(value)));
            }
        }
        out
    }

    /// The symptoms the facts show: those whose condition holds, plus the one named.
    #[must_use]
    pub fn matched_symptoms<F: Facts + ?Sized>(
        &self,
        facts: &F,
        named: Option<SymptomId>,
    ) -> Vec<(SymptomId, MatchedBy)> {
        let mut matched: Vec<(SymptomId, MatchedBy)> = Vec::new();
        let consider = |id: SymptomId, matched: &mut Vec<(SymptomId, MatchedBy)>| {
            if self.symptom_conditions[id.index()].evaluate(facts) == Some(true)
                && !matched.iter().any(|(m, _)| *m == id)
            {
                matched.push((id, MatchedBy::Condition));
            }
        };
        for &fact in &self.gate_facts {
            let Some(key) = facts.value(fact).and_then(GateKey::of_fact) else { continue };
            if let Some(symptoms) = self.gates.get(&(fact, key)) {
                for &id in symptoms {
                    consider(id, &mut matched);
                }
            }
        }
        for &id in &self.ungated {
            consider(id, &mut matched);
        }
        if let Some(named) = named
            && !matched.iter().any(|(m, _)| *m == named)
        {
            matched.insert(0, (named, MatchedBy::Named));
        }
        if matched.len() > 1 {
            matched.sort_by_key(|(id, by)| (*by != MatchedBy::Named, *id));
        }
        matched
    }

    /// Ranks the causes of one symptom.
    #[must_use]
    pub fn rank<F: Facts + ?Sized>(
        &self,
        symptom: SymptomId,
        matched_by: MatchedBy,
        facts: &F,
    ) -> SymptomDiagnosis {
        let table = &self.tables[symptom.index()];
        // Each finding evaluated once; on the stack for the usual handful.
        let mut stack = [None; 64];
        let mut heap = Vec::new();
        let truth: &mut [Option<bool>] = if table.findings.len() <= stack.len() {
            &mut stack[..table.findings.len()]
        } else {
            heap.resize(table.findings.len(), None);
            &mut heap
        };
        for (slot, finding) in truth.iter_mut().zip(&table.findings) {
            *slot = self.findings[finding.index()].evaluate(facts);
        }
        let mut evidence: Vec<Evidence> = Vec::with_capacity(table.links);
        let mut causes: Vec<RankedCause> = Vec::with_capacity(table.candidates.len());
        for candidate in &table.candidates {
            let start = evidence.len();
            let mut score = candidate.ln_prior;
            for link in &candidate.links {
                let Some(observed) = truth[link.local as usize] else { continue };
                let contribution = if observed { link.llr_true } else { link.llr_false };
                score += contribution;
                evidence.push(Evidence {
                    finding: table.findings[link.local as usize],
                    observed,
                    frequency: link.frequency,
                    background: link.background,
                    contribution,
                });
            }
            let mine = &mut evidence[start..];
            if mine.len() > 1 {
                mine.sort_unstable_by(|a, b| {
                    b.contribution
                        .abs()
                        .total_cmp(&a.contribution.abs())
                        .then(a.finding.cmp(&b.finding))
                });
            }
            let ruled_out = mine.first().is_some_and(Evidence::rules_out);
            causes.push(RankedCause {
                cause: candidate.cause,
                prior: candidate.prior,
                // The log score until normalised just below.
                posterior: score,
                ruled_out,
                evidence: start as u32..evidence.len() as u32,
            });
        }
        let unlisted = normalise_in_place(&mut causes, table.ln_unlisted);
        // Cause ids are unique, so the order is total and an unstable sort is deterministic.
        causes.sort_unstable_by(|a, b| {
            b.posterior
                .total_cmp(&a.posterior)
                .then(a.ruled_out.cmp(&b.ruled_out))
                .then(b.prior.total_cmp(&a.prior))
                .then(a.cause.cmp(&b.cause))
        });
        SymptomDiagnosis {
            symptom,
            matched_by,
            causes,
            unlisted,
            unlisted_prior: table.unlisted_prior,
            evidence,
        }
    }

    /// Derives facts, finds the symptoms and ranks the causes of each.
    #[must_use]
    pub fn diagnose(&self, facts: &FactSet) -> Diagnosis {
        let derived = self.derive(&facts.values, &[]);
        let view = Overlay { base: &facts.values, changes: &derived };
        let symptoms = self
            .matched_symptoms(&view, facts.symptom)
            .into_iter()
            .map(|(id, by)| self.rank(id, by, &view))
            .collect();
        Diagnosis {
            derived: derived.into_iter().filter_map(|(f, v)| Some((f, v?))).collect(),
            symptoms,
        }
    }
}

/// Log scores → probabilities in place (log-sum-exp); returns the unlisted cause's. When
/// nothing is possible, the unlisted cause takes it all: "none of the known causes fits" is
/// the honest answer.
fn normalise_in_place(causes: &mut [RankedCause], ln_unlisted: f64) -> f64 {
    let max = causes.iter().map(|c| c.posterior).fold(ln_unlisted, f64::max);
    if max == f64::NEG_INFINITY {
        for c in causes.iter_mut() {
            c.posterior = 0.0;
        }
        return 1.0;
    }
    let unlisted = (ln_unlisted - max).exp();
    let mut total = unlisted;
    for c in causes.iter_mut() {
        c.posterior = (c.posterior - max).exp();
        total += c.posterior;
    }
    for c in causes.iter_mut() {
        c.posterior /= total;
    }
    unlisted / total
}

/// A rule's value as a fact value of the target's type.
fn to_fact_value(value: &Value, ty: &triage_rules::model::FactType) -> FactValue {
    use triage_rules::model::FactType;
    match (value, ty) {
        (Value::Bool(b), _) => FactValue::Bool(*b),
        (Value::Int(i), _) => FactValue::Int(*i),
        (Value::Number(n), _) => FactValue::Number(*n),
        (Value::Str(s), _) => FactValue::Str(s.as_str().into()),
        (Value::Version(v), _) => FactValue::Version(v.clone().into()),
        (Value::Enum(e), FactType::Set(_)) => FactValue::Set(vec![*e].into()),
        (Value::Enum(e), _) => FactValue::Enum(*e),
    }
}

/// Shannon entropy (nats) of a distribution.
#[must_use]
pub fn entropy(probabilities: impl IntoIterator<Item = f64>) -> f64 {
    probabilities.into_iter().filter(|p| *p > 0.0).map(|p| -p * p.ln()).sum()
}
