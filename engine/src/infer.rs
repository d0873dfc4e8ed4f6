//! The compiled knowledge base and inference: derived facts, matched symptoms, ranked causes
//! with the evidence that moved each.
//!
//! Single fault per symptom, naive Bayes over evidence variables, in log space. Evidence is a
//! property of a fact: each variable (a fact, or one member of a set fact) has outcomes (see
//! `triage_rules::evidence`), each symptom a background distribution over them and each cause
//! its own. A cause's findings give the mass of some outcomes; the rest of its mass is spread
//! over the outcomes it does not name in proportion to the symptom's background. A cause that
//! gives no evidence on a variable has the background distribution, exactly as the unlisted
//! cause does, so that variable's factor is the same for all of them and cancels: only the
//! log-likelihood ratios `ln(P(o | c) / P(o | background))` of the variables a cause mentions
//! need computing, and the work per fact set is proportional to the evidence of the matched
//! symptom's causes, not to the size of the knowledge base.
//!
//! When no symptom's gate holds, the symptoms the facts do not contradict are weighed by their
//! frequency and by how well the facts fit them (the marginal likelihood of the evidence), and
//! the ranking is the mixture P(c | facts) = Σₛ P(s | facts) · P(c | s, facts).
//!
//! Compiling does the rest of the work once: symptoms indexed by the `fact == value` gates of
//! their conditions, per symptom the background of every variable and the candidate causes
//! with `ln prior` and their log-likelihood ratios per outcome.

use crate::cost::Reached;
use crate::facts::FactSet;
use crate::predicate::Predicate;
use crate::value::{FactValue, FactValues, Facts, Overlay, evaluate};
use rustc_hash::FxHashMap;
use serde::Serialize;
use triage_rules::ast::CompareOp;
use triage_rules::model::{
    BackgroundDef, CauseId, Condition, FactId, FixId, Model, SymptomId, Value, VariableDef,
    VariableId, VariableKind,
};

/// How often the outcomes a finding names are seen among a symptom's reports when no cause
/// that mentions them is to blame, when no `background` covers them: most conditions a
/// knowledge base gives evidence on are anomalies. Applied once per finding, in declaration
/// order, to findings that name outcomes nothing else has named, as long as some outcome stays
/// unnamed; the outcomes no statement or finding names share what is left, equally.
pub const DEFAULT_BACKGROUND: f64 = 0.1;

/// Background rates are kept inside [0.001, 0.999]: a background of exactly 0 or 1 would let
/// one observation rule out every cause that does not mention it, the unlisted cause included.
pub const BACKGROUND_RANGE: (f64, f64) = (0.001, 0.999);

/// A symptom's frequency when the knowledge base gives none: the symptoms without one share
/// what the declared frequencies leave, equally, but each at least this.
pub const MIN_SYMPTOM_FREQUENCY: f64 = 0.01;

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
    /// Each variable's background distribution from the knowledge base's defaults only.
    default_backgrounds: Vec<Box<[f64]>>,
    /// Each symptom's condition, compiled.
    symptom_conditions: Vec<Predicate>,
    /// Each symptom's frequency, declared or defaulted.
    frequencies: Vec<f64>,
    /// The patterns that read facts from text, built when text is first read: a diagnosis
    /// of facts never pays for them, and a server reading many texts builds them once.
    text_patterns: std::sync::OnceLock<crate::extract::TextPatterns>,
}

#[derive(Debug)]
struct SymptomTable {
    candidates: Vec<Candidate>,
    /// Evidence links over all candidates: the most evidence a ranking can have.
    links: usize,
    unlisted_prior: f64,
    ln_unlisted: f64,
    /// The distinct variables the candidates mention, observed once per fact set.
    variables: Vec<VariableId>,
    /// This symptom's background of every variable that differs from the default: those its
    /// candidates mention and those it declares a background for.
    backgrounds: FxHashMap<VariableId, Box<[f64]>>,
    /// The background of each of `variables`, in the same order (what evidence reports).
    local_backgrounds: Vec<Box<[f64]>>,
    /// Per variable of `variables`: ln(this symptom's background / the default) per outcome,
    /// `None` where they are the same (most): what makes marginal likelihoods comparable.
    local_shifts: Vec<Option<Box<[f64]>>>,
    /// The candidates' fixes that have a precondition: the only ones a ranking must check.
    conditional_fixes: Vec<FixId>,
    /// The variables this symptom has its own background for that no candidate mentions, with
    /// ln(own / default) per outcome, in the order of `backgrounds`: how well an observation
    /// fits the symptom in a mixture, computed once rather than at every ranking.
    outside_shifts: Vec<(VariableId, Box<[f64]>)>,
    /// Who answers for each of `variables`; for a derived fact, those who give the facts its
    /// rules read (one of them must have answered for it to be known).
    roles: Vec<Reached>,
}

#[derive(Debug)]
struct Candidate {
    cause: CauseId,
    prior: f64,
    ln_prior: f64,
    links: Vec<Link>,
}

/// One cause's distribution over one variable, as log-likelihood ratios per outcome.
#[derive(Debug, Clone)]
struct Link {
    /// Index into the symptom table's `variables`.
    local: u32,
    /// P(outcome | this cause), per outcome.
    frequency: Box<[f64]>,
    /// `ln(P(outcome | cause) / P(outcome | background))`, per outcome.
    llr: Box<[f64]>,
}

/// Spreads rates given on groups of outcomes into one distribution: each group's rate over
/// its outcomes in proportion to `base`, and what the groups leave over the outcomes no group
/// names, also in proportion to `base`. Groups do not overlap and add up to at most 1 (the
/// checker holds that).
#[allow(clippy::cast_precision_loss)] // outcome counts are far below 2^52
fn spread(groups: &[(&[u32], f64)], base: &[f64]) -> Box<[f64]> {
    let mut out = vec![0.0; base.len()];
    let mut named = vec![false; base.len()];
    let mut given = 0.0;
    for (outcomes, rate) in groups {
        let weight: f64 = outcomes.iter().map(|&o| base[o as usize]).sum();
        for &o in *outcomes {
            named[o as usize] = true;
            out[o as usize] = if weight > 0.0 {
                rate * base[o as usize] / weight
            } else {
                rate / outcomes.len() as f64
            };
        }
        given += rate;
    }
    let rest = (1.0 - given).max(0.0);
    let weight: f64 = base.iter().zip(&named).filter(|(_, n)| !**n).map(|(b, _)| b).sum();
    let count = named.iter().filter(|n| !**n).count();
    for (o, slot) in out.iter_mut().enumerate() {
        if !named[o] {
            *slot = if weight > 0.0 { rest * base[o] / weight } else { rest / count as f64 };
        }
    }
    out.into_boxed_slice()
}

/// A background distribution: the statements in `first` (a symptom's), then those in
/// `defaults` (the knowledge base's) that name none of the same outcomes, then — for the
/// outcomes of findings no statement covers — [`DEFAULT_BACKGROUND`] per finding, as long as
/// that leaves some outcome unnamed; the rest over the outcomes nothing names; clamped to
/// [`BACKGROUND_RANGE`].
#[allow(clippy::cast_precision_loss)] // outcome counts are far below 2^52
fn background(
    variable: &VariableDef,
    first: &[&BackgroundDef],
    defaults: &[&BackgroundDef],
    findings: &[&[u32]],
) -> Box<[f64]> {
    let n = variable.outcomes.len();
    let base: Vec<f64> = vec![1.0 / n.max(1) as f64; n];
    let mut groups: Vec<(&[u32], f64)> =
        first.iter().map(|b| (b.outcomes.as_slice(), b.probability)).collect();
    for b in defaults {
        let overlaps = first.iter().any(|f| f.outcomes.iter().any(|o| b.outcomes.contains(o)));
        if !overlaps {
            groups.push((b.outcomes.as_slice(), b.probability));
        }
    }
    // A symptom's rate plus a default's can pass 1 together: scale the defaults down.
    let total: f64 = groups.iter().map(|(_, p)| p).sum();
    if total > 1.0 {
        let own: f64 = groups[..first.len()].iter().map(|(_, p)| p).sum();
        let room = (1.0 - own).max(0.0);
        let theirs = total - own;
        for group in &mut groups[first.len()..] {
            group.1 *= room / theirs;
        }
    }
    // An outcome a finding names and no statement covers is an anomaly seen in 10 % of reports.
    let mut named: Vec<bool> = vec![false; n];
    for (outcomes, _) in &groups {
        for &o in *outcomes {
            named[o as usize] = true;
        }
    }
    let mut total: f64 = groups.iter().map(|(_, p)| p).sum();
    for outcomes in findings {
        let free = outcomes.iter().all(|&o| !named[o as usize]);
        let leaves_some =
            named.iter().enumerate().any(|(o, named)| !named && !outcomes.contains(&(o as u32)));
        if !outcomes.is_empty() && free && leaves_some && total + DEFAULT_BACKGROUND <= 1.0 {
            for &o in *outcomes {
                named[o as usize] = true;
            }
            groups.push((outcomes, DEFAULT_BACKGROUND));
            total += DEFAULT_BACKGROUND;
        }
    }
    if groups.is_empty() {
        return base.into_boxed_slice();
    }
    let mut out = spread(&groups, &base);
    for p in &mut *out {
        *p = p.clamp(BACKGROUND_RANGE.0, BACKGROUND_RANGE.1);
    }
    let total: f64 = out.iter().sum();
    for p in &mut *out {
        *p /= total;
    }
    out
}

/// The outcome a fact's value falls in, for one variable; `None` for a value that means "not
/// known" or that the variable does not read.
#[must_use]
pub fn outcome_of(variable: &VariableDef, value: &FactValue) -> Option<u32> {
    match (&variable.kind, value) {
        (VariableKind::Bool, FactValue::Bool(b)) => Some(u32::from(!*b)),
        (VariableKind::Enum(map), FactValue::Enum(e)) => map.get(*e as usize).copied().flatten(),
        (VariableKind::Member(m), FactValue::Set(members)) => Some(u32::from(!members.contains(m))),
        (VariableKind::Ranges(starts), FactValue::Int(i)) => {
            Some(starts.partition_point(|s| s <= i).saturating_sub(1) as u32)
        }
        (VariableKind::Versions(starts), FactValue::Version(v)) => {
            Some(VariableKind::version_outcome(starts, v))
        }
        (VariableKind::Numbers(starts), FactValue::Number(n)) => {
            Some(VariableKind::number_outcome(starts, *n))
        }
        (VariableKind::Strings(values), FactValue::Str(s)) => {
            Some(values.iter().position(|v| v.as_str() == &**s).unwrap_or(values.len()) as u32)
        }
        _ => None,
    }
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

/// Rates given on groups of outcomes of one variable: (outcomes, rate).
type Groups<'a> = Vec<(&'a [u32], f64)>;

/// What every symptom's table is compiled against: the knowledge base's background
/// statements and findings per variable, and the default backgrounds they give.
struct Defaults<'m> {
    statements: &'m [Vec<&'m BackgroundDef>],
    findings: &'m [Vec<&'m [u32]>],
    backgrounds: &'m [Box<[f64]>],
}

impl Defaults<'_> {
    /// ln(own / default) per outcome of the variables of `backgrounds` not in `variables`, in
    /// the map's order.
    fn outside_shifts(
        &self,
        backgrounds: &FxHashMap<VariableId, Box<[f64]>>,
        variables: &[VariableId],
    ) -> Vec<(VariableId, Box<[f64]>)> {
        backgrounds
            .iter()
            .filter(|(v, _)| !variables.contains(v))
            .map(|(v, own)| {
                let default: &[f64] = &self.backgrounds[v.index()];
                (*v, own.iter().zip(default.iter()).map(|(a, b)| (a / b).ln()).collect())
            })
            .collect()
    }

    /// One symptom's candidates, its variables' backgrounds and every cause's ratios.
    fn table(&self, model: &Model, symptom: &triage_rules::model::SymptomDef) -> SymptomTable {
        let mut own: FxHashMap<VariableId, Vec<&BackgroundDef>> = FxHashMap::default();
        for b in &symptom.backgrounds {
            own.entry(b.variable).or_default().push(b);
        }
        let mut backgrounds: FxHashMap<VariableId, Box<[f64]>> = own
            .iter()
            .map(|(v, first)| {
                let var = model.variable(*v);
                let i = v.index();
                (*v, background(var, first, &self.statements[i], &self.findings[i]))
            })
            .collect();
        let mut variables: Vec<VariableId> = Vec::new();
        let mut local_of: FxHashMap<VariableId, u32> = FxHashMap::default();
        let mut candidates = Vec::with_capacity(symptom.causes.len());
        for &(cause, prior) in &symptom.causes {
            let mut by_variable: Vec<(VariableId, Groups<'_>)> = Vec::new();
            for &(finding, rate) in &model.cause(cause).findings {
                let f = model.finding(finding);
                match by_variable.iter_mut().find(|(v, _)| *v == f.variable) {
                    Some((_, groups)) => groups.push((f.outcomes.as_slice(), rate)),
                    None => by_variable.push((f.variable, vec![(f.outcomes.as_slice(), rate)])),
                }
            }
            let links = by_variable
                .into_iter()
                .map(|(variable, groups)| {
                    let local = *local_of.entry(variable).or_insert_with(|| {
                        variables.push(variable);
                        variables.len() as u32 - 1
                    });
                    let bg = backgrounds
                        .entry(variable)
                        .or_insert_with(|| self.backgrounds[variable.index()].clone());
                    let frequency = spread(&groups, bg);
                    let llr = frequency.iter().zip(bg.iter()).map(|(p, b)| (p / b).ln()).collect();
                    Link { local, frequency, llr }
                })
                .collect();
            candidates.push(Candidate { cause, prior, ln_prior: prior.ln(), links });
        }
        let unlisted_prior = symptom.unlisted_prior();
        let links = candidates.iter().map(|c: &Candidate| c.links.len()).sum();
        let local_backgrounds = variables
            .iter()
            .map(|v| {
                backgrounds.get(v).cloned().unwrap_or_else(|| self.backgrounds[v.index()].clone())
            })
            .collect();
        let local_backgrounds: Vec<Box<[f64]>> = local_backgrounds;
        let local_shifts = variables
            .iter()
            .zip(local_backgrounds.iter())
            .map(|(v, own)| {
                let own: &[f64] = own;
                let default: &[f64] = &self.backgrounds[v.index()];
                (own != default)
                    .then(|| own.iter().zip(default.iter()).map(|(a, b)| (a / b).ln()).collect())
            })
            .collect();
        let mut conditional_fixes: Vec<FixId> = symptom
            .causes
            .iter()
            .flat_map(|(c, _)| model.cause(*c).fixes.iter().copied())
            .filter(|f| model.fix(*f).precondition.is_some())
            .collect();
        conditional_fixes.sort_unstable();
        conditional_fixes.dedup();
        let roles = variables
            .iter()
            .map(|v| {
                let id = model.variable(*v).fact;
                let fact = model.fact(id);
                if !fact.derived {
                    return Reached::default().with(fact.role());
                }
                model
                    .rules
                    .iter()
                    .filter(|r| r.target == id)
                    .flat_map(|r| r.condition.facts())
                    .filter(|f| !model.fact(*f).derived)
                    .fold(Reached::default(), |r, f| r.with(model.fact(f).role()))
            })
            .collect();
        let outside_shifts = self.outside_shifts(&backgrounds, &variables);
        SymptomTable {
            roles,
            outside_shifts,
            candidates,
            links,
            unlisted_prior,
            ln_unlisted: unlisted_prior.ln(),
            variables,
            backgrounds,
            local_backgrounds,
            local_shifts,
            conditional_fixes,
        }
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
    /// No symptom's condition holds: the ranking weighs every symptom the facts do not rule
    /// out (see [`SymptomDiagnosis::weights`]); `symptom` is the likeliest of them.
    Mixture,
}

/// One observation that moved one cause.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub variable: VariableId,
    /// The outcome observed (an index into the variable's outcomes).
    pub outcome: u32,
    /// P(outcome | this cause).
    pub frequency: f64,
    /// P(outcome | background).
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
    /// Where the observations that moved it are in [`SymptomDiagnosis::evidence`] (one vector
    /// for all causes: one allocation per symptom, not one per cause).
    pub evidence: std::ops::Range<u32>,
}

/// The ranking for one symptom, or the mixture over the symptoms the facts leave possible.
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
    /// For a mixture: the symptoms weighed and P(symptom | facts), likeliest first. Empty
    /// for one symptom.
    pub weights: Vec<(SymptomId, f64)>,
    /// Fixes of these causes whose precondition (`when`) the facts contradict.
    pub fixes_ruled_out: Vec<FixId>,
    /// Who gave the evidence: the roles already on the case, whose next question or fix needs
    /// no hand-over (see [`crate::cost`]).
    #[serde(skip)]
    pub reached: Reached,
    /// ln P(the observed evidence | this symptom), over the variables its causes mention,
    /// relative to the knowledge base's default backgrounds.
    #[serde(skip)]
    pub(crate) ln_evidence: f64,
}

impl SymptomDiagnosis {
    /// The observations that moved a cause, strongest first.
    #[must_use]
    pub fn evidence_of(&self, ranked: &RankedCause) -> &[Evidence] {
        self.evidence
            .get(ranked.evidence.start as usize..ranked.evidence.end as usize)
            .unwrap_or(&[])
    }

    /// The observation that ruled a cause out, if one did.
    #[must_use]
    pub fn ruled_out_by(&self, ranked: &RankedCause) -> Option<&Evidence> {
        self.evidence_of(ranked).iter().find(|e| e.rules_out())
    }

    /// The causes and then the unlisted cause, as one distribution.
    #[must_use]
    pub fn distribution(&self) -> Vec<f64> {
        self.causes.iter().map(|c| c.posterior).chain(std::iter::once(self.unlisted)).collect()
    }
}

/// The result for one fact set.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// Facts set by rules, with their values.
    pub derived: Vec<(FactId, FactValue)>,
    /// The symptoms matched, or one mixture when none is (empty only when the facts rule
    /// every symptom out).
    pub symptoms: Vec<SymptomDiagnosis>,
}

impl Engine {
    /// Compiles a checked model.
    #[must_use]
    pub fn new(model: Model) -> Self {
        let mut default_statements: Vec<Vec<&BackgroundDef>> =
            vec![Vec::new(); model.variables.len()];
        for b in &model.backgrounds {
            default_statements[b.variable.index()].push(b);
        }
        let mut finding_outcomes: Vec<Vec<&[u32]>> = vec![Vec::new(); model.variables.len()];
        for f in &model.findings {
            finding_outcomes[f.variable.index()].push(f.outcomes.as_slice());
        }
        let default_backgrounds: Vec<Box<[f64]>> = model
            .variables
            .iter()
            .enumerate()
            .map(|(i, v)| background(v, &[], &default_statements[i], &finding_outcomes[i]))
            .collect();
        let defaults = Defaults {
            statements: &default_statements,
            findings: &finding_outcomes,
            backgrounds: &default_backgrounds,
        };
        let tables = model.symptoms.iter().map(|symptom| defaults.table(&model, symptom)).collect();
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
        let symptom_conditions =
            model.symptoms.iter().map(|s| Predicate::compile(&s.condition)).collect();
        let frequencies = symptom_frequencies(&model);
        Self {
            model,
            tables,
            gates,
            gate_facts,
            ungated,
            default_backgrounds,
            symptom_conditions,
            frequencies,
            text_patterns: std::sync::OnceLock::new(),
        }
    }

    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Reads facts from text with this knowledge base's patterns, built once per engine.
    #[must_use]
    pub fn text_reader(&self) -> crate::extract::TextReader<'_> {
        let patterns =
            self.text_patterns.get_or_init(|| crate::extract::TextPatterns::new(&self.model));
        crate::extract::TextReader::with_patterns(&self.model, patterns)
    }

    /// The background distribution of a variable among a symptom's reports.
    #[must_use]
    pub fn background(&self, symptom: SymptomId, variable: VariableId) -> &[f64] {
        self.tables[symptom.index()]
            .backgrounds
            .get(&variable)
            .unwrap_or(&self.default_backgrounds[variable.index()])
    }

    /// A symptom's share of the reports, declared or defaulted (see [`MIN_SYMPTOM_FREQUENCY`]).
    #[must_use]
    pub fn frequency(&self, symptom: SymptomId) -> f64 {
        self.frequencies[symptom.index()]
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
        // Each variable observed once; on the stack for the usual handful.
        let mut stack = [None; 64];
        let mut heap = Vec::new();
        let observed: &mut [Option<u32>] = if table.variables.len() <= stack.len() {
            &mut stack[..table.variables.len()]
        } else {
            heap.resize(table.variables.len(), None);
            &mut heap
        };
        let mut ln_background = 0.0;
        let mut reached = Reached::default();
        for (((slot, &variable), shift), role) in
            observed.iter_mut().zip(&table.variables).zip(&table.local_shifts).zip(&table.roles)
        {
            *slot = self.observe(variable, facts);
            if slot.is_some() {
                reached = reached.union(*role);
            }
            if let (Some(o), Some(shift)) = (*slot, shift) {
                ln_background += shift[o as usize];
            }
        }
        let mut evidence: Vec<Evidence> = Vec::with_capacity(table.links);
        let mut causes: Vec<RankedCause> = Vec::with_capacity(table.candidates.len());
        for candidate in &table.candidates {
            let start = evidence.len();
            let mut score = candidate.ln_prior;
            for link in &candidate.links {
                let Some(outcome) = observed[link.local as usize] else { continue };
                let contribution = link.llr[outcome as usize];
                score += contribution;
                evidence.push(Evidence {
                    variable: table.variables[link.local as usize],
                    outcome,
                    frequency: link.frequency[outcome as usize],
                    background: table.local_backgrounds[link.local as usize][outcome as usize],
                    contribution,
                });
            }
            let mine = &mut evidence[start..];
            if mine.len() > 1 {
                mine.sort_unstable_by(|a, b| {
                    b.contribution
                        .abs()
                        .total_cmp(&a.contribution.abs())
                        .then(a.variable.cmp(&b.variable))
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
        let (unlisted, ln_total) = normalise_in_place(&mut causes, table.ln_unlisted);
        sort_ranking(&mut causes);
        let fixes_ruled_out = self.fixes_ruled_out(&table.conditional_fixes, facts);
        SymptomDiagnosis {
            symptom,
            matched_by,
            causes,
            unlisted,
            unlisted_prior: table.unlisted_prior,
            evidence,
            weights: Vec::new(),
            fixes_ruled_out,
            reached,
            ln_evidence: ln_total + ln_background,
        }
    }

    /// The observed outcome of a variable, if its fact is known.
    fn observe<F: Facts + ?Sized>(&self, variable: VariableId, facts: &F) -> Option<u32> {
        let def = self.model.variable(variable);
        outcome_of(def, facts.value(def.fact)?)
    }

    /// The fixes (of those with a precondition) whose precondition the facts contradict.
    fn fixes_ruled_out<F: Facts + ?Sized>(&self, conditional: &[FixId], facts: &F) -> Vec<FixId> {
        conditional
            .iter()
            .copied()
            .filter(|&fix| {
                self.model
                    .fix(fix)
                    .precondition
                    .as_ref()
                    .is_some_and(|c| evaluate(c, facts) == Some(false))
            })
            .collect()
    }

    /// The symptoms the facts leave possible (their condition is not false), none holding.
    #[must_use]
    pub fn possible_symptoms<F: Facts + ?Sized>(&self, facts: &F) -> Vec<SymptomId> {
        (0..self.model.symptoms.len() as u32)
            .map(SymptomId)
            .filter(|s| self.symptom_conditions[s.index()].evaluate(facts).is_none())
            .collect()
    }

    /// The ranking when no symptom's condition holds: every symptom the facts leave possible,
    /// weighed by its frequency and by how well the facts fit it, P(s | facts) ∝ f(s) ·
    /// P(facts | s), and the causes' mixture Σₛ P(s | facts) · P(c | s, facts). `None` when
    /// the facts rule every symptom out.
    #[must_use]
    pub fn rank_mixture<F: Facts + ?Sized>(&self, facts: &F) -> Option<SymptomDiagnosis> {
        let possible = self.possible_symptoms(facts);
        if possible.is_empty() {
            return None;
        }
        let mut parts: Vec<(SymptomDiagnosis, f64)> = possible
            .iter()
            .map(|&s| {
                let ranked = self.rank(s, MatchedBy::Mixture, facts);
                let table = &self.tables[s.index()];
                // A symptom's own background for a variable its causes do not mention still
                // says how well an observation fits it; every other variable's factor is the
                // knowledge base's default, the same for all symptoms, and cancels.
                let outside: f64 = table
                    .outside_shifts
                    .iter()
                    .filter_map(|(v, shift)| Some(shift[self.observe(*v, facts)? as usize]))
                    .sum();
                let ln_weight = self.frequency(s).ln() + ranked.ln_evidence + outside;
                (ranked, ln_weight)
            })
            .collect();
        let max = parts.iter().map(|(_, w)| *w).fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            return None;
        }
        let total: f64 = parts.iter().map(|(_, w)| (w - max).exp()).sum();
        for part in &mut parts {
            part.1 = (part.1 - max).exp() / total;
        }
        parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.symptom.cmp(&b.0.symptom)));
        Some(mix(&parts))
    }

    /// Derives facts, finds the symptoms and ranks the causes of each; when none matches,
    /// one mixture over the symptoms still possible.
    #[must_use]
    pub fn diagnose(&self, facts: &FactSet) -> Diagnosis {
        let derived = self.derive(&facts.values, &[]);
        let view = Overlay { base: &facts.values, changes: &derived };
        let mut symptoms: Vec<SymptomDiagnosis> = self
            .matched_symptoms(&view, facts.symptom)
            .into_iter()
            .map(|(id, by)| self.rank(id, by, &view))
            .collect();
        if symptoms.is_empty() {
            symptoms.extend(self.rank_mixture(&view));
        }
        Diagnosis {
            derived: derived.into_iter().filter_map(|(f, v)| Some((f, v?))).collect(),
            symptoms,
        }
    }

    /// The ranking `like` would have on other facts: the same symptom, or — for a mixture —
    /// the symptom those facts match, else the mixture again.
    #[must_use]
    pub fn rerank<F: Facts + ?Sized>(
        &self,
        like: &SymptomDiagnosis,
        facts: &F,
    ) -> Option<SymptomDiagnosis> {
        if like.matched_by != MatchedBy::Mixture {
            return Some(self.rank(like.symptom, like.matched_by, facts));
        }
        match self.matched_symptoms(facts, None).first() {
            Some(&(symptom, by)) => Some(self.rank(symptom, by, facts)),
            None => self.rank_mixture(facts),
        }
    }
}

/// Each symptom's frequency: as declared, else an equal share of what the declared ones
/// leave, at least [`MIN_SYMPTOM_FREQUENCY`].
#[allow(clippy::cast_precision_loss)] // symptom counts are far below 2^52
fn symptom_frequencies(model: &Model) -> Vec<f64> {
    let declared: f64 = model.symptoms.iter().filter_map(|s| s.frequency).sum();
    let undeclared = model.symptoms.iter().filter(|s| s.frequency.is_none()).count();
    let share = if undeclared == 0 {
        0.0
    } else {
        ((1.0 - declared) / undeclared as f64).max(MIN_SYMPTOM_FREQUENCY)
    };
    model.symptoms.iter().map(|s| s.frequency.unwrap_or(share).max(f64::MIN_POSITIVE)).collect()
}

/// Causes by decreasing posterior, ruled-out ones after those that tie, then by prior. Cause
/// ids are unique, so the order is total and an unstable sort is deterministic.
fn sort_ranking(causes: &mut [RankedCause]) {
    causes.sort_unstable_by(|a, b| {
        b.posterior
            .total_cmp(&a.posterior)
            .then(a.ruled_out.cmp(&b.ruled_out))
            .then(b.prior.total_cmp(&a.prior))
            .then(a.cause.cmp(&b.cause))
    });
}

/// One ranking from weighted symptom rankings: each cause's posterior is the weighted sum of
/// its posteriors, its evidence that of the symptom where it weighs most.
fn mix(parts: &[(SymptomDiagnosis, f64)]) -> SymptomDiagnosis {
    let weights: Vec<(SymptomId, f64)> = parts.iter().map(|(d, w)| (d.symptom, *w)).collect();
    let mut by_cause: FxHashMap<CauseId, (f64, f64, f64, bool, usize, usize)> =
        FxHashMap::default();
    for (index, (part, weight)) in parts.iter().enumerate() {
        for (position, ranked) in part.causes.iter().enumerate() {
            let entry = by_cause.entry(ranked.cause).or_insert((
                0.0,
                0.0,
                f64::NEG_INFINITY,
                true,
                index,
                position,
            ));
            entry.0 += weight * ranked.posterior;
            entry.1 += weight * ranked.prior;
            entry.3 &= ranked.ruled_out;
            if weight * ranked.posterior > entry.2 {
                entry.2 = weight * ranked.posterior;
                entry.4 = index;
                entry.5 = position;
            }
        }
    }
    let mut evidence = Vec::new();
    let mut causes: Vec<RankedCause> = by_cause
        .into_iter()
        .map(|(cause, (posterior, prior, _, ruled_out, index, position))| {
            let part = &parts[index].0;
            let start = evidence.len() as u32;
            evidence.extend_from_slice(part.evidence_of(&part.causes[position]));
            RankedCause {
                cause,
                prior,
                posterior,
                ruled_out,
                evidence: start..evidence.len() as u32,
            }
        })
        .collect();
    sort_ranking(&mut causes);
    let unlisted = parts.iter().map(|(d, w)| w * d.unlisted).sum();
    let unlisted_prior = parts.iter().map(|(d, w)| w * d.unlisted_prior).sum();
    let mut fixes_ruled_out: Vec<FixId> =
        parts.iter().flat_map(|(d, _)| d.fixes_ruled_out.iter().copied()).collect();
    fixes_ruled_out.sort_unstable();
    fixes_ruled_out.dedup();
    let ln_evidence = parts.first().map_or(0.0, |(d, _)| d.ln_evidence);
    let reached = parts.iter().fold(Reached::default(), |r, (d, _)| r.union(d.reached));
    SymptomDiagnosis {
        reached,
        symptom: weights[0].0,
        matched_by: MatchedBy::Mixture,
        causes,
        unlisted,
        unlisted_prior,
        evidence,
        weights,
        fixes_ruled_out,
        ln_evidence,
    }
}

/// Log scores → probabilities in place (log-sum-exp); returns the unlisted cause's and the
/// log of the total (the marginal likelihood, relative to the background). When nothing is
/// possible, the unlisted cause takes it all: "none of the known causes fits" is the honest
/// answer.
fn normalise_in_place(causes: &mut [RankedCause], ln_unlisted: f64) -> (f64, f64) {
    let max = causes.iter().map(|c| c.posterior).fold(ln_unlisted, f64::max);
    if max == f64::NEG_INFINITY {
        for c in causes.iter_mut() {
            c.posterior = 0.0;
        }
        return (1.0, f64::NEG_INFINITY);
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
    (unlisted / total, max + total.ln())
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
