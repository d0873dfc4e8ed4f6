//! A diagnosis as data for people and machines: names instead of ids, explanations in words.
//! This is the JSON of `triage diagnose --format json`, of each line of `triage batch`, and
//! what the text renderer prints.

use crate::explain;
use crate::facts::FactSet;
use crate::infer::{Diagnosis, Engine, MatchedBy, SymptomDiagnosis};
use crate::question::{Question, next_questions};
use crate::repair::{Plan, RepairSequence, plan, repair_sequence};
use serde::Serialize;
use std::collections::BTreeMap;
use triage_rules::ast::Place;

/// What to include beyond the ranking.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// The findings behind each cause, in words.
    pub evidence: bool,
    /// The best next questions (how many).
    pub questions: usize,
    /// The repair order and the decision tree.
    pub plan: bool,
}

impl ReportOptions {
    /// Everything a person at a terminal wants.
    pub const FULL: ReportOptions = ReportOptions { evidence: true, questions: 3, plan: true };
    /// The ranking with its explanations: what batch triage writes per line.
    pub const RANKING: ReportOptions = ReportOptions { evidence: true, questions: 0, plan: false };
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
    pub symptom: String,
    pub title: String,
    pub matched_by: MatchedBy,
    pub causes: Vec<CauseReport>,
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
pub struct CauseReport {
    pub cause: String,
    pub title: String,
    pub prior: f64,
    pub posterior: f64,
    pub ruled_out: bool,
    /// The strongest reason for (or, when low, against) this cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceReport {
    pub finding: String,
    pub observed: bool,
    pub frequency: f64,
    pub background: f64,
    /// Log-likelihood ratio; `null` when the observation rules the cause out.
    pub contribution: Option<f64>,
    pub rules_out: bool,
    pub explanation: String,
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
    pub information_gain_bits: f64,
    pub cost_seconds: f64,
    pub bits_per_minute: f64,
    pub answers: Vec<AnswerReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerReport {
    pub answer: String,
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
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanReport {
    Ask {
        fact: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        ask: Option<String>,
        cost_seconds: f64,
        expected_seconds: f64,
        branches: Vec<BranchReport>,
    },
    Repair(RepairReport),
}

#[derive(Debug, Clone, Serialize)]
pub struct BranchReport {
    pub answer: String,
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
        let message = diagnosis.symptoms.is_empty().then(|| {
            "the facts match no symptom of the knowledge base: give the error code or message, or name the symptom with `symptom`".to_string()
        });
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

fn symptom_report(
    engine: &Engine,
    facts: &FactSet,
    diagnosis: &SymptomDiagnosis,
    options: ReportOptions,
) -> SymptomReport {
    let model = engine.model();
    let symptom = model.symptom(diagnosis.symptom);
    let causes = diagnosis
        .causes
        .iter()
        .map(|ranked| {
            let cause = model.cause(ranked.cause);
            let ruled_out = ranked.ruled_out_by().is_some();
            let reason = if ruled_out || ranked.posterior < ranked.prior {
                explain::why_not(model, ranked)
            } else {
                explain::main_reason(model, ranked)
            };
            let evidence = if options.evidence {
                ranked
                    .evidence
                    .iter()
                    .map(|e| EvidenceReport {
                        finding: model.finding(e.finding).text.clone(),
                        observed: e.observed,
                        frequency: e.frequency,
                        background: e.background,
                        contribution: (!e.rules_out()).then_some(e.contribution),
                        rules_out: e.rules_out(),
                        explanation: explain::describe(model, e),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            CauseReport {
                cause: cause.name.clone(),
                title: cause.title.clone(),
                prior: ranked.prior,
                posterior: ranked.posterior,
                ruled_out,
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
            Some(plan_report(engine, &plan(engine, diagnosis, &facts.values))),
        )
    } else {
        (None, None)
    };
    SymptomReport {
        symptom: symptom.name.clone(),
        title: symptom.title.clone(),
        matched_by: diagnosis.matched_by,
        causes,
        unlisted: diagnosis.unlisted,
        next_questions,
        repair,
        plan,
    }
}

fn question_report(engine: &Engine, question: &Question) -> QuestionReport {
    let fact = engine.model().fact(question.fact);
    QuestionReport {
        fact: fact.name.clone(),
        title: fact.title.clone(),
        ask: fact.ask.clone(),
        places: fact.places.clone(),
        information_gain_bits: question.information_gain,
        cost_seconds: question.cost_seconds,
        bits_per_minute: question.score,
        answers: question
            .answers
            .iter()
            .map(|a| AnswerReport { answer: a.label.clone(), probability: a.probability })
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
                cost_seconds: *cost_seconds,
                expected_seconds: *expected_seconds,
                branches: branches
                    .iter()
                    .map(|b| BranchReport {
                        answer: b.answer.clone(),
                        probability: b.probability,
                        plan: plan_report(engine, &b.plan),
                    })
                    .collect(),
            }
        }
    }
}
