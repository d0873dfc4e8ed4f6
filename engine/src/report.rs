//! A diagnosis as data for people and machines: names instead of ids, explanations in words.
//! This is the JSON of `triage diagnose --format json`, of each line of `triage batch`, and
//! what the text renderer prints.

use crate::explain;
use crate::facts::FactSet;
use crate::infer::{Diagnosis, Engine, MatchedBy, SymptomDiagnosis};
use crate::question::{Question, next_questions};
use crate::repair::{MAX_QUESTIONS, Plan, RepairSequence, plan_limited, repair_sequence};
use serde::Serialize;
use std::collections::BTreeMap;
use triage_rules::ast::Place;

/// What to include beyond the ranking.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// The findings behind each cause.
    pub evidence: bool,
    /// Explanations in sentences (the reason per cause, one per finding).
    pub words: bool,
    /// The best next questions (how many).
    pub questions: usize,
    /// The repair order and the decision tree.
    pub plan: bool,
    /// How many questions deep the decision tree may go (at most [`MAX_QUESTIONS`]).
    pub plan_questions: usize,
}

impl ReportOptions {
    /// Everything a person at a terminal wants.
    pub const FULL: ReportOptions = ReportOptions {
        evidence: true,
        words: true,
        questions: 3,
        plan: true,
        plan_questions: MAX_QUESTIONS,
    };
    /// The ranking with its evidence as numbers: what batch triage writes per line.
    pub const RANKING: ReportOptions = ReportOptions {
        evidence: true,
        words: false,
        questions: 0,
        plan: false,
        plan_questions: MAX_QUESTIONS,
    };
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// Facts set by rules.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub derived: BTreeMap<String, serde_json::Value>,
    pub symptoms: Vec<SymptomReport>,
    /// Said when the facts match no symptom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Problems tolerated in lenient mode.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SymptomReport {
    /// The symptom, or for a mixture the likeliest of those weighed.
    pub symptom: String,
    pub title: String,
    pub matched_by: MatchedBy,
    /// For a mixture: what it says in words ("no symptom matches exactly; most likely: …").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a mixture: the symptoms weighed, P(symptom | facts), likeliest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<WeightReport>,
    pub causes: Vec<CauseReport>,
    /// Fixes of these causes the facts rule out (their precondition is false), with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_offered: Vec<NotOfferedReport>,
    /// Posterior of a cause the knowledge base does not list.
    pub unlisted: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_questions: Vec<QuestionReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<RepairReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotOfferedReport {
    pub fix: String,
    pub title: String,
    /// Its precondition, as written.
    pub when: String,
    /// What the facts say of the facts the precondition reads: "TLS 1.2 is enabled …: yes".
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeightReport {
    pub symptom: String,
    pub title: String,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CauseReport {
    pub cause: String,
    pub title: String,
    pub prior: f64,
    pub posterior: f64,
    pub ruled_out: bool,
    /// Ruled out by a fact the symptom itself tests (its error code): a cause of another
    /// code, which a short answer need not list.
    #[serde(skip)]
    pub ruled_out_by_symptom: bool,
    /// The strongest reason for (or, when low, against) this cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceReport {
    /// The fact observed.
    pub fact: String,
    /// The outcome it fell in: a value, `true`/`false`, a range such as `below 0`.
    pub observed: String,
    pub frequency: f64,
    pub background: f64,
    /// Log-likelihood ratio; `null` when the observation rules the cause out.
    pub contribution: Option<f64>,
    pub rules_out: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionReport {
    pub fact: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
    #[serde(rename = "where", skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    /// Who can answer it.
    pub who: triage_rules::ast::Role,
    pub information_gain_bits: f64,
    /// Its own time, the turn, and the hand-over to `who` when they are not on the case yet.
    pub cost_seconds: f64,
    /// The chance of an answer rather than "don't know".
    pub answer_rate: f64,
    pub bits_per_minute: f64,
    pub answers: Vec<AnswerReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerReport {
    pub answer: String,
    /// The answer as a person reads it: value labels instead of names (same as `answer`
    /// when the knowledge base gives none).
    pub text: String,
    pub probability: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    pub expected_seconds: f64,
    pub coverage: f64,
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub fix: String,
    pub title: String,
    pub probability: f64,
    pub success: f64,
    pub cost_seconds: f64,
    /// Chance the problem is still there when this step starts.
    pub reached: f64,
    /// Who applies it, and what getting them on the case adds (0 when they already are).
    pub role: triage_rules::ast::Role,
    pub hand_over_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanReport {
    Ask {
        fact: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        ask: Option<String>,
        /// The fact's title, for where there is no `ask`.
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        cost_seconds: f64,
        expected_seconds: f64,
        branches: Vec<BranchReport>,
    },
    Repair(RepairReport),
}

#[derive(Debug, Clone, Serialize)]
pub struct BranchReport {
    pub answer: String,
    /// The answer as a person reads it.
    pub text: String,
    pub probability: f64,
    pub plan: PlanReport,
}

impl Report {
    /// Builds the report of a diagnosis of `facts`.
    #[must_use]
    pub fn new(
        engine: &Engine,
        facts: &FactSet,
        diagnosis: &Diagnosis,
        options: ReportOptions,
    ) -> Report {
        let model = engine.model();
        let derived = diagnosis
            .derived
            .iter()
            .map(|(fact, value)| {
                let def = model.fact(*fact);
                (def.name.clone(), value.to_json(&def.ty))
            })
            .collect();
        let symptoms =
            diagnosis.symptoms.iter().map(|s| symptom_report(engine, facts, s, options)).collect();
        let message = diagnosis.symptoms.is_empty().then(|| NO_SYMPTOM.to_string());
        Report {
            host: facts.host.clone(),
            collected_at: facts.collected_at.clone(),
            derived,
            symptoms,
            message,
            warnings: facts.warnings.iter().map(ToString::to_string).collect(),
        }
    }
}

pub(crate) fn symptom_report(
    engine: &Engine,
    facts: &FactSet,
    diagnosis: &SymptomDiagnosis,
    options: ReportOptions,
) -> SymptomReport {
    let model = engine.model();
    let symptom = model.symptom(diagnosis.symptom);
    // A mixture weighs several symptoms: none of their conditions is the report's own.
    let gate_facts = if diagnosis.weights.is_empty() && diagnosis.causes.iter().any(|c| c.ruled_out)
    {
        symptom.condition.facts()
    } else {
        Vec::new()
    };
    let causes = diagnosis
        .causes
        .iter()
        .map(|ranked| {
            let cause = model.cause(ranked.cause);
            let ruled_out = ranked.ruled_out;
            let reason = if !options.words {
                None
            } else if ruled_out || ranked.posterior < ranked.prior {
                explain::why_not(model, diagnosis, ranked, &facts.values)
            } else {
                explain::main_reason(model, diagnosis, ranked, &facts.values)
            };
            let evidence = if options.evidence {
                diagnosis
                    .evidence_of(ranked)
                    .iter()
                    .map(|e| EvidenceReport {
                        fact: fact_of(model, e).to_string(),
                        observed: outcome_label(model, e).to_string(),
                        frequency: e.frequency,
                        background: e.background,
                        contribution: (!e.rules_out()).then_some(e.contribution),
                        rules_out: e.rules_out(),
                        explanation: options
                            .words
                            .then(|| explain::describe(model, e, &facts.values)),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let ruled_out_by_symptom = ruled_out
                && diagnosis
                    .ruled_out_by(ranked)
                    .is_some_and(|e| gate_facts.contains(&model.variable(e.variable).fact));
            CauseReport {
                cause: cause.name.clone(),
                title: cause.title.clone(),
                prior: ranked.prior,
                posterior: ranked.posterior,
                ruled_out,
                ruled_out_by_symptom,
                reason,
                evidence,
            }
        })
        .collect();
    let next_questions = if options.questions > 0 {
        next_questions(engine, diagnosis, &facts.values, &[], options.questions)
            .iter()
            .map(|q| question_report(engine, q))
            .collect()
    } else {
        Vec::new()
    };
    let (repair, plan) = if options.plan {
        (
            Some(repair_report(engine, &repair_sequence(engine, diagnosis))),
            Some(plan_report(
                engine,
                &plan_limited(engine, diagnosis, &facts.values, options.plan_questions),
            )),
        )
    } else {
        (None, None)
    };
    SymptomReport {
        symptom: symptom.name.clone(),
        title: symptom.title.clone(),
        matched_by: diagnosis.matched_by,
        message: mixture_message(engine, diagnosis),
        weights: diagnosis
            .weights
            .iter()
            .map(|(s, w)| WeightReport {
                symptom: model.symptom(*s).name.clone(),
                title: model.symptom(*s).title.clone(),
                weight: *w,
            })
            .collect(),
        causes,
        not_offered: not_offered(engine, facts, diagnosis),
        unlisted: diagnosis.unlisted,
        next_questions,
        repair,
        plan,
    }
}

pub(crate) fn question_report(engine: &Engine, question: &Question) -> QuestionReport {
    let fact = engine.model().fact(question.fact);
    QuestionReport {
        fact: fact.name.clone(),
        title: fact.title.clone(),
        ask: fact.ask.clone(),
        places: fact.places.clone(),
        who: fact.role(),
        information_gain_bits: question.information_gain,
        cost_seconds: question.cost_seconds,
        answer_rate: question.answer_rate,
        bits_per_minute: question.score,
        answers: question
            .answers
            .iter()
            .map(|a| AnswerReport {
                answer: a.label.clone(),
                text: a.text.clone(),
                probability: a.probability,
            })
            .collect(),
    }
}

fn repair_report(engine: &Engine, sequence: &RepairSequence) -> RepairReport {
    let model = engine.model();
    RepairReport {
        expected_seconds: sequence.expected_seconds,
        coverage: sequence.coverage,
        steps: sequence
            .steps
            .iter()
            .map(|s| StepReport {
                fix: model.fix(s.fix).name.clone(),
                title: model.fix(s.fix).title.clone(),
                probability: s.probability,
                success: s.success,
                cost_seconds: s.cost_seconds,
                reached: s.reached,
                role: s.role,
                hand_over_seconds: s.hand_over_seconds,
            })
            .collect(),
    }
}

fn plan_report(engine: &Engine, plan: &Plan) -> PlanReport {
    match plan {
        Plan::Repair(sequence) => PlanReport::Repair(repair_report(engine, sequence)),
        Plan::Ask { fact, cost_seconds, expected_seconds, branches } => {
            let def = engine.model().fact(*fact);
            PlanReport::Ask {
                fact: def.name.clone(),
                ask: def.ask.clone(),
                title: def.title.clone(),
                cost_seconds: *cost_seconds,
                expected_seconds: *expected_seconds,
                branches: branches
                    .iter()
                    .map(|b| BranchReport {
                        answer: b.answer.clone(),
                        text: b.text.clone(),
                        probability: b.probability,
                        plan: plan_report(engine, &b.plan),
                    })
                    .collect(),
            }
        }
    }
}

/// The compact form of a diagnosis that batch triage writes per line: the ranking and the
/// evidence as numbers, names borrowed from the model, probabilities rounded to 6 decimals
/// and contributions to 4. The titles, frequencies and background rates are constants of the
/// knowledge base (`triage schema`, the `.kb` files); repeating them on every line would make
/// writing the output, not diagnosing, the cost of a batch.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CompactReport<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<&'a str>,
    pub symptoms: Vec<CompactSymptom<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    /// Problems tolerated in lenient mode (unknown keys), as in the full report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CompactSymptom<'a> {
    pub symptom: &'a str,
    pub causes: Vec<CompactCause<'a>>,
    pub unlisted: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CompactCause<'a> {
    pub cause: &'a str,
    pub posterior: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<CompactEvidence<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CompactEvidence<'a> {
    pub fact: &'a str,
    pub observed: &'a str,
    /// `null` when the observation rules the cause out.
    pub contribution: Option<f64>,
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

impl<'a> CompactReport<'a> {
    #[must_use]
    pub fn new(engine: &'a Engine, facts: &'a FactSet, diagnosis: &Diagnosis) -> Self {
        let model = engine.model();
        let symptoms = diagnosis
            .symptoms
            .iter()
            .map(|s| CompactSymptom {
                symptom: &model.symptom(s.symptom).name,
                causes: s
                    .causes
                    .iter()
                    .map(|c| CompactCause {
                        cause: &model.cause(c.cause).name,
                        posterior: round(c.posterior, 6),
                        evidence: s
                            .evidence_of(c)
                            .iter()
                            .map(|e| CompactEvidence {
                                fact: fact_of(model, e),
                                observed: outcome_label(model, e),
                                contribution: (!e.rules_out()).then(|| round(e.contribution, 4)),
                            })
                            .collect(),
                    })
                    .collect(),
                unlisted: round(s.unlisted, 6),
            })
            .collect();
        CompactReport {
            host: facts.host.as_deref(),
            symptoms,
            message: diagnosis.symptoms.is_empty().then_some(NO_SYMPTOM),
            warnings: facts.warnings.iter().map(ToString::to_string).collect(),
        }
    }
}

/// What a fleet keeps per host (`triage batch --detail summary`, the default): the leading
/// causes, what to collect next and what to try first, in a few hundred bytes. The whole
/// ranking with its evidence is [`CompactReport`] (`--detail full`).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SummaryReport<'a> {
    /// The machine, from the fact file's `host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<&'a str>,
    /// The input line, when the fact set names no host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The symptoms diagnosed with P(symptom | facts): 1 for a symptom the facts match, the
    /// mixture's weights (at most three) when none matches exactly.
    pub symptoms: Vec<SummarySymptom<'a>>,
    /// The three likeliest causes of the leading symptom, with P(cause | facts).
    pub causes: Vec<SummaryCause<'a>>,
    /// P(a cause the knowledge base does not list | facts).
    pub unlisted: f64,
    /// The question worth most now (what to collect next); none when the leading cause is
    /// likely enough to act on (80 %, the stop of `triage ask`) or nothing is worth asking.
    pub next_question: Option<SummaryQuestion<'a>>,
    /// The second and third best questions, with their gain: what else a fleet could collect
    /// (`triage report` sums the gains of all three over a fleet).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_questions: Vec<SummaryOtherQuestion<'a>>,
    /// The first fix of the cheapest repair order, if any.
    pub first_fix: Option<SummaryFix<'a>>,
    /// Said when the facts rule out every symptom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    /// Problems tolerated in lenient mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SummarySymptom<'a> {
    pub symptom: &'a str,
    pub weight: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SummaryCause<'a> {
    pub cause: &'a str,
    pub probability: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SummaryQuestion<'a> {
    pub fact: &'a str,
    /// The fact's title.
    pub label: &'a str,
    /// The expected reduction of the entropy of the host's ranking once the fact is known, in
    /// bits (the `information_gain_bits` of `triage diagnose --format json`), to 4 decimals:
    /// what `triage report` sums over a fleet to choose the fact to collect next.
    pub information_gain_bits: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SummaryOtherQuestion<'a> {
    pub fact: &'a str,
    /// As in `next_question`.
    pub information_gain_bits: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SummaryFix<'a> {
    pub fix: &'a str,
    pub title: &'a str,
}

impl<'a> SummaryReport<'a> {
    /// The summary of `diagnosis`; `line` is the input line, kept when there is no host.
    #[must_use]
    pub fn new(engine: &'a Engine, facts: &'a FactSet, diagnosis: &Diagnosis, line: u64) -> Self {
        let model = engine.model();
        let mut symptoms = Vec::new();
        for s in &diagnosis.symptoms {
            if s.weights.is_empty() {
                symptoms
                    .push(SummarySymptom { symptom: &model.symptom(s.symptom).name, weight: 1.0 });
            } else {
                symptoms.extend(s.weights.iter().take(3).map(|&(id, w)| SummarySymptom {
                    symptom: &model.symptom(id).name,
                    weight: round(w, 4),
                }));
            }
        }
        let leading = diagnosis.symptoms.first();
        let causes = leading
            .map(|s| {
                s.causes
                    .iter()
                    .filter(|c| c.posterior > 0.0)
                    .take(3)
                    .map(|c| SummaryCause {
                        cause: &model.cause(c.cause).name,
                        probability: round(c.posterior, 4),
                    })
                    .collect()
            })
            .unwrap_or_default();
        // A host whose leading cause is likely enough to act on (the wizard's stop) needs no
        // next question: the first fix is the next step.
        let confidence = crate::wizard::WizardSettings::default().confidence;
        let mut questions = leading
            .filter(|s| s.causes.first().is_none_or(|c| c.posterior < confidence))
            .map(|s| next_questions(engine, s, &facts.values, &[], 3))
            .unwrap_or_default()
            .into_iter();
        let next_question = questions.next().map(|q| {
            let fact = model.fact(q.fact);
            SummaryQuestion {
                fact: &fact.name,
                label: fact.title.as_deref().unwrap_or(&fact.name),
                information_gain_bits: round(q.information_gain, 4),
            }
        });
        let other_questions = questions
            .map(|q| SummaryOtherQuestion {
                fact: &model.fact(q.fact).name,
                information_gain_bits: round(q.information_gain, 4),
            })
            .collect();
        let first_fix = leading
            .and_then(|s| repair_sequence(engine, s).steps.first().map(|step| step.fix))
            .map(|fix| {
                let fix = model.fix(fix);
                SummaryFix { fix: &fix.name, title: &fix.title }
            });
        SummaryReport {
            host: facts.host.as_deref(),
            line: facts.host.is_none().then_some(line),
            symptoms,
            causes,
            unlisted: round(leading.map_or(1.0, |s| s.unlisted), 4),
            next_question,
            other_questions,
            first_fix,
            message: diagnosis.symptoms.is_empty().then_some(NO_SYMPTOM),
            warnings: facts.warnings.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Said when the facts rule out every symptom: contradictory facts, or a knowledge base with
/// no symptom that could fit.
pub const NO_SYMPTOM: &str = "the facts rule out every symptom of the knowledge base (are two of them contradictory?): check the facts, or name the symptom with `symptom`";

/// The fact an observation is about.
fn fact_of<'m>(model: &'m triage_rules::model::Model, e: &crate::infer::Evidence) -> &'m str {
    &model.fact(model.variable(e.variable).fact).name
}

/// The outcome an observation fell in, in the fact's own terms.
fn outcome_label<'m>(model: &'m triage_rules::model::Model, e: &crate::infer::Evidence) -> &'m str {
    model.variable(e.variable).outcomes.get(e.outcome as usize).map_or("", String::as_str)
}

/// The fixes the facts rule out, each with its precondition and the facts that decide it.
fn not_offered(
    engine: &Engine,
    facts: &FactSet,
    diagnosis: &SymptomDiagnosis,
) -> Vec<NotOfferedReport> {
    let model = engine.model();
    let derived = engine.derive(&facts.values, &[]);
    let view = crate::value::Overlay { base: &facts.values, changes: &derived };
    diagnosis
        .fixes_ruled_out
        .iter()
        .map(|&fix| {
            let def = model.fix(fix);
            let because = def
                .precondition
                .as_ref()
                .map(|c| {
                    c.facts()
                        .into_iter()
                        .filter_map(|f| {
                            let fact = model.fact(f);
                            let value = crate::value::Facts::value(&view, f)?;
                            let title = fact.title.as_deref().unwrap_or(&fact.name);
                            Some(format!("{title}: {}", value.words(fact)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            NotOfferedReport {
                fix: def.name.clone(),
                title: def.title.clone(),
                when: def.precondition_text.clone().unwrap_or_default(),
                because,
            }
        })
        .collect()
}

/// "no symptom matches exactly; most likely: A (45%), B (20%)".
#[must_use]
pub fn mixture_message(engine: &Engine, diagnosis: &SymptomDiagnosis) -> Option<String> {
    if diagnosis.matched_by != MatchedBy::Mixture {
        return None;
    }
    let model = engine.model();
    let named: Vec<String> = diagnosis
        .weights
        .iter()
        .take(3)
        .filter(|(_, w)| *w >= 0.01)
        .map(|(s, w)| format!("{} ({})", model.symptom(*s).title, explain::percent(*w)))
        .collect();
    Some(format!("no symptom matches exactly; most likely: {}", named.join(", ")))
}
