//! The repair sequence and the observe–repair decision tree.
//!
//! Under a single fault, trying fixes in decreasing order of p·q/c (p: the posterior mass of
//! the causes the fix repairs, q: the chance it works, c: its cost) minimises the expected
//! cost of repair, ECR = Σₖ cₖ · (1 − Σ_{j<k} pⱼqⱼ) (Kadane and Simon 1977; Heckerman, Breese
//! and Rommelse 1995). A question goes first when its cost plus the expected ECR after its
//! answer is below the ECR without it; the answers then lead to their own sub-plans. The result
//! is a decision tree whose expected cost is the expected time to resolution.

use crate::cost::{fix_role, hand_over_seconds};
use crate::infer::{Engine, SymptomDiagnosis};
use crate::question::{DEFAULT_QUESTION_COST, Question, next_questions_after};
use crate::value::{FactValue, FactValues};
use serde::Serialize;
use triage_rules::ast::Role;
use triage_rules::model::{FactId, FixId};

/// The chance that a fix repairs its cause when the knowledge base gives no `success`.
pub const DEFAULT_SUCCESS: f64 = 0.9;

/// How many questions deep the decision tree may go.
pub const MAX_QUESTIONS: usize = 3;

/// How many of the best questions are weighed at each node.
const QUESTIONS_WEIGHED: usize = 3;

/// One fix in the repair order.
#[derive(Debug, Clone, Serialize)]
pub struct RepairStep {
    pub fix: FixId,
    /// Posterior mass of the causes this fix repairs that the fixes before it left unexplained.
    pub probability: f64,
    /// Chance that the fix works when its cause is the culprit.
    pub success: f64,
    pub cost_seconds: f64,
    /// Chance the problem is still there when this step starts.
    pub reached: f64,
    /// Who applies it, and the hand-over to them when they are not on the case yet (paid by
    /// the first step they take).
    pub role: Role,
    pub hand_over_seconds: f64,
}

/// Fixes in the order that minimises the expected cost of repair.
#[derive(Debug, Clone, Serialize)]
pub struct RepairSequence {
    pub steps: Vec<RepairStep>,
    /// ECR in seconds, the hand-over for what the fixes leave included.
    pub expected_seconds: f64,
    /// Chance the sequence fixes the problem (Σ p·q); the rest needs escalation.
    pub coverage: f64,
}

/// What handing the problem over costs (to the next support tier, the vendor), in seconds.
/// Escalating is the last step of every sequence: it settles whatever the fixes leave, so a
/// fix is tried only while its chance per second beats escalating's, and the expected time
/// counts the hand-over for the share no fix solves (causes nobody listed included).
pub const ESCALATION_SECONDS: f64 = 2.0 * 3600.0;

/// A step whose chance of being the one that solves the problem is below this is left out: a
/// plan would never get there in practice, and a guide would bury the useful fixes.
pub const MIN_SOLVE_CHANCE: f64 = 0.001;

/// A fix that could be tried, with the causes (positions in the ranking) it repairs.
struct Candidate {
    fix: FixId,
    causes: Vec<usize>,
    success: f64,
    cost_seconds: f64,
    role: Role,
}

/// The repair order for one ranking.
///
/// Greedy by the chance to solve it now per second, p·q/c, until escalating (see
/// [`ESCALATION_SECONDS`]) beats the best fix left; p is the mass of the fix's
/// causes that is still unexplained: after a fix for a cause fails, that cause keeps only
/// (1 − q) of its mass, so a second fix for the same cause is weighed by what the first left,
/// and the chances of all steps add up to at most the listed causes' share. Without shared
/// causes this is exactly the p·q/c order of Kadane and Simon.
#[must_use]
pub fn repair_sequence(engine: &Engine, diagnosis: &SymptomDiagnosis) -> RepairSequence {
    let model = engine.model();
    let mut candidates: Vec<Candidate> = Vec::new();
    for (position, ranked) in diagnosis.causes.iter().enumerate() {
        if ranked.posterior <= 0.0 {
            continue;
        }
        for &fix in &model.cause(ranked.cause).fixes {
            // The facts contradict its precondition: it is not offered (the guide says why).
            if diagnosis.fixes_ruled_out.contains(&fix) {
                continue;
            }
            match candidates.iter_mut().find(|c| c.fix == fix) {
                Some(candidate) => candidate.causes.push(position),
                None => {
                    let def = model.fix(fix);
                    candidates.push(Candidate {
                        fix,
                        causes: vec![position],
                        success: def.success.unwrap_or(DEFAULT_SUCCESS),
                        cost_seconds: def.cost_seconds.max(1.0),
                        role: fix_role(&def.needs),
                    });
                }
            }
        }
    }
    let mut remaining: Vec<f64> = diagnosis.causes.iter().map(|c| c.posterior).collect();
    let mass = |candidate: &Candidate, remaining: &[f64]| -> f64 {
        candidate.causes.iter().map(|&i| remaining[i]).sum()
    };
    let mut steps = Vec::new();
    // Who is on the case: those who gave the evidence, then those who applied a fix.
    let mut roles_reached = diagnosis.reached;
    let mut solved = 0.0_f64;
    let mut expected = 0.0_f64;
    loop {
        candidates.retain(|c| mass(c, &remaining) * c.success >= MIN_SOLVE_CHANCE);
        // The hand-over to a role not yet on the case is shared by the fixes it would apply
        // (else escalating would look quicker than reaching the server's administrator); the
        // expected time counts it in full, once.
        let share = |role| {
            let of_role = candidates.iter().filter(|c| c.role == role).count();
            crate::cost::shared_hand_over(role, roles_reached, of_role)
        };
        let ratio =
            |c: &Candidate| mass(c, &remaining) * c.success / (c.cost_seconds + share(c.role));
        let Some(best) = (0..candidates.len()).max_by(|&a, &b| {
            ratio(&candidates[a])
                .total_cmp(&ratio(&candidates[b]))
                .then_with(|| candidates[b].fix.cmp(&candidates[a].fix))
        }) else {
            break;
        };
        if ratio(&candidates[best]) < (1.0 - solved).max(0.0) / ESCALATION_SECONDS {
            break;
        }
        let chosen = candidates.swap_remove(best);
        let probability = mass(&chosen, &remaining);
        let hand_over = hand_over_seconds(chosen.role, roles_reached);
        roles_reached = roles_reached.with(chosen.role);
        let reached = (1.0 - solved).max(0.0);
        expected += (chosen.cost_seconds + hand_over) * reached;
        solved += probability * chosen.success;
        for &i in &chosen.causes {
            remaining[i] *= 1.0 - chosen.success;
        }
        steps.push(RepairStep {
            fix: chosen.fix,
            probability,
            success: chosen.success,
            cost_seconds: chosen.cost_seconds,
            reached,
            role: chosen.role,
            hand_over_seconds: hand_over,
        });
    }
    expected += ESCALATION_SECONDS * (1.0 - solved).max(0.0);
    RepairSequence { steps, expected_seconds: expected, coverage: solved.min(1.0) }
}

/// A node of the decision tree.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    /// Find out a fact first, then follow the branch of the answer.
    Ask {
        fact: FactId,
        cost_seconds: f64,
        /// Expected seconds to resolution from here, the question included.
        expected_seconds: f64,
        branches: Vec<Branch>,
    },
    /// Apply fixes in this order.
    Repair(RepairSequence),
}

impl Plan {
    #[must_use]
    pub fn expected_seconds(&self) -> f64 {
        match self {
            Plan::Ask { expected_seconds, .. } => *expected_seconds,
            Plan::Repair(sequence) => sequence.expected_seconds,
        }
    }
}

/// One answer to a question and what to do then.
#[derive(Debug, Clone, Serialize)]
pub struct Branch {
    pub answer: String,
    /// The answer as a person reads it (value labels).
    pub text: String,
    #[serde(skip)]
    pub value: FactValue,
    pub probability: f64,
    pub plan: Plan,
}

/// The observe–repair decision tree for one symptom.
#[must_use]
pub fn plan(engine: &Engine, diagnosis: &SymptomDiagnosis, base: &FactValues) -> Plan {
    plan_from(engine, diagnosis, base, &[], MAX_QUESTIONS)
}

/// The same tree, at most `questions` deep (and never deeper than [`MAX_QUESTIONS`]): what a
/// short guide shows.
#[must_use]
pub fn plan_limited(
    engine: &Engine,
    diagnosis: &SymptomDiagnosis,
    base: &FactValues,
    questions: usize,
) -> Plan {
    plan_from(engine, diagnosis, base, &[], questions.min(MAX_QUESTIONS))
}

fn plan_from(
    engine: &Engine,
    diagnosis: &SymptomDiagnosis,
    base: &FactValues,
    known: &[(FactId, Option<FactValue>)],
    questions_left: usize,
) -> Plan {
    let repair = repair_sequence(engine, diagnosis);
    if questions_left == 0 || repair.steps.is_empty() {
        return Plan::Repair(repair);
    }
    let Some(question) = worthwhile_question(engine, diagnosis, base, known, &repair, &[]) else {
        return Plan::Repair(repair);
    };
    let cost =
        if question.cost_seconds > 0.0 { question.cost_seconds } else { DEFAULT_QUESTION_COST };
    let mut branches = Vec::with_capacity(question.answers.len());
    // "Don't know" leaves the repair order as it is.
    let mut expected = cost + (1.0 - question.answer_rate) * repair.expected_seconds;
    for answer in question.answers {
        let mut known = known.to_vec();
        known.push((question.fact, Some(answer.value.clone())));
        let sub = plan_from(engine, &answer.after, base, &known, questions_left - 1);
        expected += question.answer_rate * answer.probability * sub.expected_seconds();
        branches.push(Branch {
            answer: answer.label,
            text: answer.text,
            value: answer.value,
            probability: answer.probability,
            plan: sub,
        });
    }
    Plan::Ask { fact: question.fact, cost_seconds: cost, expected_seconds: expected, branches }
}

/// The question that most lowers the expected time to resolution, if any lowers it: a one-step
/// look-ahead over the best few questions, cost + r · Σ P(answer) · ECR(after) + (1 − r) · ECR
/// (r: the chance of an answer) against the ECR of repairing now. Facts in `skip` (a person said "don't know") are not asked.
#[must_use]
pub fn worthwhile_question(
    engine: &Engine,
    diagnosis: &SymptomDiagnosis,
    base: &FactValues,
    known: &[(FactId, Option<FactValue>)],
    repair: &RepairSequence,
    skip: &[FactId],
) -> Option<Question> {
    best_question(engine, repair, candidate_questions(engine, diagnosis, base, known, skip))
}

/// The best few questions to weigh, leaving out the facts in `skip`.
#[must_use]
pub fn candidate_questions(
    engine: &Engine,
    diagnosis: &SymptomDiagnosis,
    base: &FactValues,
    known: &[(FactId, Option<FactValue>)],
    skip: &[FactId],
) -> Vec<Question> {
    next_questions_after(engine, diagnosis, base, known, skip, QUESTIONS_WEIGHED)
}

/// Among `candidates`, the question whose cost plus the expected repair time after its
/// answer is lowest, if that beats repairing now (`repair`).
#[must_use]
pub fn best_question(
    engine: &Engine,
    repair: &RepairSequence,
    candidates: Vec<Question>,
) -> Option<Question> {
    let mut best: Option<(f64, Question)> = None;
    for question in candidates {
        let after: f64 = question
            .answers
            .iter()
            .map(|a| a.probability * repair_sequence(engine, &a.after).expected_seconds)
            .sum();
        // The cost is paid whether or not anyone can answer; "don't know" leaves the repair
        // order as it is.
        let total = question.cost_seconds
            + question.answer_rate * after
            + (1.0 - question.answer_rate) * repair.expected_seconds;
        if total < repair.expected_seconds - 1e-6 && best.as_ref().is_none_or(|(t, _)| total < *t) {
            best = Some((total, question));
        }
    }
    best.map(|(_, question)| question)
}
