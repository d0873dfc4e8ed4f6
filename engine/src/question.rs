//! The next-best question: among the unknown facts a person or a collector can supply, the one
//! whose answer is expected to say the most about the cause, per minute it costs.
//!
//! For a candidate fact the possible answers are grouped into classes that the knowledge base
//! cannot tell apart (for an int: each value a condition names, its neighbours, and "some
//! other value"; for an enum: each value). For each class the engine derives facts and ranks
//! the symptom's causes exactly as it would after that answer. The chance of each class
//! follows from the current ranking and the same likelihoods (naive Bayes), and the expected
//! information gain is the current entropy minus the expected entropy after the answer.

use crate::infer::{Engine, MatchedBy, SymptomDiagnosis, entropy, outcome_of};
use crate::value::{FactValue, FactValues, Facts, Overlay};
use serde::Serialize;
use std::collections::HashSet;
use triage_rules::evidence::int_text;
use triage_rules::model::{Condition, FactId, FactType, SymptomId, Value, VariableId};

/// What asking costs when the knowledge base does not say (seconds).
pub const DEFAULT_QUESTION_COST: f64 = 60.0;

/// One possible answer and how likely it is.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    #[serde(skip)]
    pub value: FactValue,
    /// The answer in the fact's own terms: value names, "another value" for "none of the
    /// values the rules name", a range of ints.
    pub label: String,
    /// The same for a person: value labels (`label` in the knowledge base) instead of names.
    pub text: String,
    pub probability: f64,
    /// The ranking after this answer.
    #[serde(skip)]
    pub after: SymptomDiagnosis,
}

/// A fact worth finding out.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub fact: FactId,
    /// Expected reduction of uncertainty about the cause, in bits.
    pub information_gain: f64,
    /// Its own time plus the hand-over to who can answer it (see [`crate::cost`]).
    pub cost_seconds: f64,
    /// The chance of an answer rather than "don't know".
    pub answer_rate: f64,
    /// Expected bits per minute: the gain times the answer rate, per minute of cost.
    pub score: f64,
    pub answers: Vec<Answer>,
}

/// The facts that could move the causes of a ranking: those its candidates' findings read,
/// for a mixture also those the weighed symptoms' conditions read (the answer can settle which
/// symptom it is), and, through rules, the facts those derived facts come from.
fn relevant_facts(engine: &Engine, diagnosis: &SymptomDiagnosis) -> Vec<FactId> {
    let model = engine.model();
    let mut seen: HashSet<FactId> = HashSet::new();
    let mut pending: Vec<FactId> = Vec::new();
    let symptoms: Vec<SymptomId> = if diagnosis.weights.is_empty() {
        vec![diagnosis.symptom]
    } else {
        diagnosis.weights.iter().map(|(s, _)| *s).collect()
    };
    for &symptom in &symptoms {
        for &(cause, _) in &model.symptom(symptom).causes {
            for &(finding, _) in &model.cause(cause).findings {
                pending.extend(model.finding(finding).condition.facts());
            }
        }
        if diagnosis.matched_by == MatchedBy::Mixture {
            pending.extend(model.symptom(symptom).condition.facts());
        }
    }
    // A symptom its condition matched is what the person reported: the other facts of that
    // condition describe the same report (the code and the message of one dialog), so they
    // are not asked again. Facts the condition requires to be unknown stay askable: that
    // report lacks them ("no error message"), and asking for them is next. (A symptom the
    // person named keeps its condition's facts askable, without the answers that contradict
    // it: see `evaluate_question`.)
    if diagnosis.matched_by == MatchedBy::Condition {
        let condition = &model.symptom(diagnosis.symptom).condition;
        let mut open = Vec::new();
        unknown_tests(condition, &mut open);
        seen.extend(condition.facts().into_iter().filter(|f| !open.contains(f)));
    }
    let mut out = Vec::new();
    while let Some(fact) = pending.pop() {
        if !seen.insert(fact) {
            continue;
        }
        out.push(fact);
        for rule in model.rules.iter().filter(|r| r.target == fact) {
            pending.extend(rule.condition.facts());
        }
    }
    out.sort_unstable();
    out
}

/// The facts a condition tests for being unknown (`x is unknown`, `x is known`).
fn unknown_tests(condition: &Condition, out: &mut Vec<FactId>) {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| unknown_tests(c, out)),
        Condition::Not(c) => unknown_tests(c, out),
        Condition::Unknown(fact) => out.push(*fact),
        _ => {}
    }
}

/// The values of a fact that conditions can tell apart (see the module note).
fn candidate_values(engine: &Engine, fact: FactId) -> Vec<(FactValue, String)> {
    let model = engine.model();
    let ty = &model.fact(fact).ty;
    match ty {
        FactType::Bool => {
            vec![(FactValue::Bool(true), "yes".into()), (FactValue::Bool(false), "no".into())]
        }
        // Values that mean "not known" are not answers.
        FactType::Enum(values) => values
            .iter()
            .enumerate()
            .filter(|(i, _)| !model.fact(fact).unknown_values.contains(&(*i as u32)))
            .map(|(i, v)| (FactValue::Enum(i as u32), v.clone()))
            .collect(),

        FactType::Set(values) => {
            let mut out: Vec<(FactValue, String)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| (FactValue::Set(vec![i as u32].into()), v.clone()))
                .collect();
            out.push((FactValue::Set(Vec::new().into()), "none of them".into()));
            out
        }
        _ => {
            let mut literals: Vec<Value> = Vec::new();
            let mut collect = |c: &Condition| collect_literals(c, fact, &mut literals);
            for finding in &model.findings {
                collect(&finding.condition);
            }
            for rule in &model.rules {
                collect(&rule.condition);
            }
            for symptom in &model.symptoms {
                collect(&symptom.condition);
            }
            neighbourhood(ty, &literals, model.fact(fact).hex)
        }
    }
}

fn collect_literals(condition: &Condition, fact: FactId, out: &mut Vec<Value>) {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => {
            for c in cs {
                collect_literals(c, fact, out);
            }
        }
        Condition::Not(c) => collect_literals(c, fact, out),
        Condition::Compare { fact: f, value, .. } if *f == fact => out.push(value.clone()),
        Condition::OneOf { fact: f, values } if *f == fact => out.extend(values.iter().cloned()),
        _ => {}
    }
}

/// Each named value, its neighbours (for ordered types) and one value unlike all of them.
fn neighbourhood(ty: &FactType, literals: &[Value], hex: bool) -> Vec<(FactValue, String)> {
    let mut out: Vec<(FactValue, String)> = Vec::new();
    let mut push = |v: FactValue, label: String| {
        if !out.iter().any(|(x, _)| *x == v) {
            out.push((v, label));
        }
    };
    match ty {
        FactType::Int => {
            let mut max = 0i64;
            for literal in literals {
                if let Value::Int(i) = literal {
                    push(FactValue::Int(*i), int_text(*i, hex));
                    push(FactValue::Int(i.saturating_sub(1)), int_text(i.saturating_sub(1), hex));
                    push(FactValue::Int(i.saturating_add(1)), int_text(i.saturating_add(1), hex));
                    max = max.max(*i);
                }
            }
            push(FactValue::Int(max.saturating_add(1_000_003)), "another value".into());
        }
        FactType::Number => {
            let mut max = 0f64;
            for literal in literals {
                if let Value::Number(n) = literal {
                    let step = n.abs().max(1.0) * 1e-6;
                    push(FactValue::Number(*n), n.to_string());
                    push(FactValue::Number(n - step), format!("under {n}"));
                    push(FactValue::Number(n + step), format!("over {n}"));
                    max = max.max(*n);
                }
            }
            push(FactValue::Number(max + 1e6), "another value".into());
        }
        FactType::Version => {
            for literal in literals {
                if let Value::Version(v) = literal {
                    let text = crate::value::version_text(v);
                    push(FactValue::Version(v.clone().into()), text.clone());
                    let mut below = v.clone();
                    if let Some(last) = below.last_mut()
                        && *last > 0
                    {
                        *last -= 1;
                        push(FactValue::Version(below.into()), format!("before {text}"));
                    }
                    let mut above = v.clone();
                    if let Some(last) = above.last_mut() {
                        *last = last.saturating_add(1);
                    }
                    push(FactValue::Version(above.into()), format!("later than {text}"));
                }
            }
        }
        FactType::String => {
            for literal in literals {
                if let Value::Str(s) = literal {
                    push(FactValue::Str(s.as_str().into()), format!("{s:?}"));
                }
            }
            push(FactValue::Str("\u{0}another value".into()), "another value".into());
        }
        FactType::Bool | FactType::Enum(_) | FactType::Set(_) => {}
    }
    out
}

/// Ranks the unknown, askable facts for one symptom by information gain per minute. `base`
/// are the collected facts (before rules), `known` anything already added on top.
#[must_use]
pub fn next_questions(
    engine: &Engine,
    diagnosis: &SymptomDiagnosis,
    base: &FactValues,
    known: &[(FactId, Option<FactValue>)],
    limit: usize,
) -> Vec<Question> {
    next_questions_after(engine, diagnosis, base, known, &[], limit)
}

/// [`next_questions`] in a conversation where `declined` were answered "don't know": they are
/// not asked again, and they lower the chance that their role can answer the next question.
#[must_use]
pub fn next_questions_after(
    engine: &Engine,
    diagnosis: &SymptomDiagnosis,
    base: &FactValues,
    known: &[(FactId, Option<FactValue>)],
    declined: &[FactId],
    limit: usize,
) -> Vec<Question> {
    let model = engine.model();
    let current = Current::new(engine, diagnosis, base, known, declined);
    let now = Overlay { base, changes: &current.changes };
    let entropy_before = entropy(current.before.iter().copied());
    if entropy_before <= 1e-12 {
        return Vec::new();
    }
    let mut questions = Vec::new();
    for fact in relevant_facts(engine, diagnosis) {
        let def = model.fact(fact);
        if now.value(fact).is_some()
            || declined.contains(&fact)
            || (def.ask.is_none() && def.collect.is_empty())
        {
            continue;
        }
        let Some(question) = evaluate_question(engine, diagnosis, base, known, fact, &current)
        else {
            continue;
        };
        if question.information_gain > 1e-9 {
            questions.push(question);
        }
    }
    share_hand_overs(model, current.reached, &mut questions);
    questions.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.fact.cmp(&b.fact)));
    questions.truncate(limit);
    questions
}

/// The hand-over to a role not yet on the case is shared among its questions worth asking
/// (see [`crate::cost::shared_hand_over`]); `evaluate_question` charged each the whole of it.
fn share_hand_overs(
    model: &triage_rules::Model,
    reached: crate::cost::Reached,
    questions: &mut [Question],
) {
    for role in triage_rules::ast::Role::ALL {
        let of_role = |q: &Question| model.fact(q.fact).role() == role;
        let count = questions.iter().filter(|q| of_role(q)).count();
        let refund = crate::cost::hand_over_seconds(role, reached)
            - crate::cost::shared_hand_over(role, reached, count);
        if refund <= 0.0 {
            continue;
        }
        for question in questions.iter_mut().filter(|q| of_role(q)) {
            question.cost_seconds -= refund;
            question.score =
                question.answer_rate * question.information_gain / (question.cost_seconds / 60.0);
        }
    }
}

/// What every candidate question is weighed against, computed once per ranking: the variables
/// its causes give evidence on, which of them are known now, each cause's score now, and the
/// distribution now.
pub(crate) struct Current {
    /// The known facts plus what the rules derive from them.
    changes: Vec<(FactId, Option<FactValue>)>,
    variables: Vec<VariableId>,
    known_now: Vec<bool>,
    score_now: Vec<f64>,
    before: Vec<f64>,
    /// The roles that already answered: their next question needs no hand-over.
    reached: crate::cost::Reached,
    /// The chance that each role answers, after the answers and "don't know"s so far.
    answer_rates: [f64; 4],
}

impl Current {
    fn new(
        engine: &Engine,
        diagnosis: &SymptomDiagnosis,
        base: &FactValues,
        known: &[(FactId, Option<FactValue>)],
        declined: &[FactId],
    ) -> Self {
        let model = engine.model();
        let mut variables: Vec<VariableId> = diagnosis
            .causes
            .iter()
            .flat_map(|c| {
                model.cause(c.cause).findings.iter().map(|(f, _)| model.finding(*f).variable)
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        variables.sort_unstable();
        let changes = engine.derive(base, known);
        let now = Overlay { base, changes: &changes };
        let known_now = variables.iter().map(|v| observe(engine, *v, &now).is_some()).collect();
        let score_now = diagnosis.causes.iter().map(|c| score_of(diagnosis, c)).collect();
        let reached = crate::cost::Reached::from_facts(model, &now);
        let answer_rates = crate::cost::answer_rates(model, &now, declined);
        Current {
            changes,
            variables,
            known_now,
            score_now,
            before: diagnosis.distribution(),
            reached,
            answer_rates,
        }
    }
}

/// The observed outcome of a variable.
fn observe<F: Facts + ?Sized>(engine: &Engine, variable: VariableId, facts: &F) -> Option<u32> {
    let def = engine.model().variable(variable);
    outcome_of(def, facts.value(def.fact)?)
}

/// The answers to one question, their chances and the information the question gives.
///
/// Each cause's likelihood of each answer is `L_c(a) = L_background(a) · exp(Δ_c(a))`, where
/// `Δ_c(a)` is what the answer adds to the cause's log score in the ranking and
/// `L_background(a)` the background likelihood of the findings it settles. Normalised over the
/// answers per cause, these are proper distributions `P(a | c)`, so `P(a) = Σ_c P(c) · P(a | c)`
/// and the rankings after each answer average back to the ranking now: a question can only
/// look useful because it separates causes, never through rounding of the model.
#[allow(clippy::too_many_lines)] // one pass over the answers, with the vectors it fills
pub(crate) fn evaluate_question(
    engine: &Engine,
    diagnosis: &SymptomDiagnosis,
    base: &FactValues,
    known: &[(FactId, Option<FactValue>)],
    fact: FactId,
    current: &Current,
) -> Option<Question> {
    let model = engine.model();
    let Current { variables, known_now, score_now, before, reached, answer_rates, .. } = current;
    let mixture = diagnosis.matched_by == MatchedBy::Mixture;
    // Answers the knowledge base can tell apart, and each cause's likelihood of each.
    let mut answers: Vec<Answer> = Vec::new();
    let mut labels: Vec<Vec<String>> = Vec::new();
    let mut members: Vec<Vec<i64>> = Vec::new();
    let candidates = candidate_values(engine, fact);
    let ints = sorted_ints(&candidates);
    let versions = sorted_versions(&candidates);
    let mut signatures: Vec<(Vec<Option<u32>>, Option<SymptomId>)> = Vec::new();
    // likelihood[a][i]: cause i (the last index is the unlisted cause) given answer a.
    let mut likelihood: Vec<Vec<f64>> = Vec::new();
    for (value, label) in candidates {
        let int = if let FactValue::Int(i) = value { Some(i) } else { None };
        let changes: Vec<_> = known.iter().cloned().chain([(fact, Some(value.clone()))]).collect();
        let derived = engine.derive(base, &changes);
        let view = Overlay { base, changes: &derived };
        // Answers that lead to the same symptom and the same outcomes are one answer.
        let matched = if mixture {
            engine.matched_symptoms(&view, None).first().map(|(s, _)| *s)
        } else {
            None
        };
        let signature: (Vec<Option<u32>>, Option<SymptomId>) =
            (variables.iter().map(|v| observe(engine, *v, &view)).collect(), matched);
        if let Some(same) = signatures.iter().position(|s| *s == signature) {
            labels[same].push(label);
            members[same].extend(int);
            continue;
        }
        let mut ln_background = 0.0;
        for ((variable, outcome), was_known) in variables.iter().zip(&signature.0).zip(known_now) {
            if let (Some(outcome), false) = (outcome, was_known) {
                ln_background +=
                    engine.background(diagnosis.symptom, *variable)[*outcome as usize].ln();
            }
        }
        // An answer that rules every symptom out cannot be given; nor, for a symptom the
        // person named, one that contradicts it (asked "which message?" about the message
        // that names the symptom, only that message is possible).
        if diagnosis.matched_by == MatchedBy::Named
            && crate::value::evaluate(&model.symptom(diagnosis.symptom).condition, &view)
                == Some(false)
        {
            continue;
        }
        let Some(after) = engine.rerank(diagnosis, &view) else { continue };
        let mut row: Vec<f64> = diagnosis
            .causes
            .iter()
            .zip(score_now)
            .map(|(ranked, now)| {
                match after.causes.iter().find(|c| c.cause == ranked.cause) {
                    Some(c) => (ln_background + score_of(&after, c) - now).exp(),
                    // The answer settles on a symptom this cause does not explain.
                    None if mixture => 0.0,
                    None => (ln_background - now).exp(),
                }
            })
            .collect();
        row.push(ln_background.exp());
        // Outcomes the knowledge base does not tell apart (two values no cause names) lead to
        // the same ranking: one answer, with the chances of both.
        let same_ranking = answers
            .iter()
            .zip(&signatures)
            .position(|(a, sig)| sig.1 == signature.1 && same_distribution(&a.after, &after));
        if let Some(same) = same_ranking {
            labels[same].push(label);
            members[same].extend(int);
            for (l, r) in likelihood[same].iter_mut().zip(&row) {
                *l += r;
            }
            continue;
        }
        signatures.push(signature);
        labels.push(vec![label]);
        members.push(int.into_iter().collect());
        likelihood.push(row);
        answers.push(Answer {
            value,
            label: String::new(),
            text: String::new(),
            probability: 0.0,
            after,
        });
    }
    if answers.len() < 2 {
        return None;
    }
    // P(a | c): normalise each cause's likelihoods over the answers.
    for i in 0..before.len() {
        let total: f64 = likelihood.iter().map(|row| row[i]).filter(|l| l.is_finite()).sum();
        for row in &mut likelihood {
            row[i] = if total > 0.0 && row[i].is_finite() { row[i] / total } else { 0.0 };
        }
    }
    let mut expected_entropy = 0.0;
    for (((answer, row), names), group) in
        answers.iter_mut().zip(&likelihood).zip(&labels).zip(&members)
    {
        let joint: Vec<f64> = before.iter().zip(row).map(|(p, l)| p * l).collect();
        let probability: f64 = joint.iter().sum();
        answer.probability = probability;
        answer.label = int_range_label(&ints, group, model.fact(fact).hex)
            .or_else(|| version_range_label(&versions, names))
            .unwrap_or_else(|| label_of(names));
        answer.text = answer_text(model.fact(fact), names, &answer.label);
        if probability > 0.0 {
            // The ranking after this answer, with the consistent posteriors.
            for ranked in &mut answer.after.causes {
                let index =
                    diagnosis.causes.iter().position(|c| c.cause == ranked.cause).unwrap_or(0);
                ranked.posterior = joint[index] / probability;
            }
            answer.after.unlisted = joint[before.len() - 1] / probability;
            answer.after.causes.sort_by(|a, b| {
                b.posterior.total_cmp(&a.posterior).then_with(|| a.cause.cmp(&b.cause))
            });
            expected_entropy += probability * entropy(answer.after.distribution());
        }
    }
    answers.retain(|a| a.probability > 0.0);
    if answers.len() < 2 {
        return None;
    }
    let gain_bits =
        (entropy(before.iter().copied()) - expected_entropy).max(0.0) / std::f64::consts::LN_2;
    let cost_seconds = crate::cost::question_cost(model, fact, *reached);
    let answer_rate = answer_rates[model.fact(fact).role() as usize];
    Some(Question {
        fact,
        information_gain: gain_bits,
        cost_seconds,
        answer_rate,
        score: answer_rate * gain_bits / (cost_seconds / 60.0),
        answers,
    })
}

/// Whether two rankings give every cause (and the unlisted one) the same posterior.
fn same_distribution(a: &SymptomDiagnosis, b: &SymptomDiagnosis) -> bool {
    a.causes.len() == b.causes.len()
        && (a.unlisted - b.unlisted).abs() < 1e-12
        && a.causes.iter().all(|x| {
            b.causes.iter().any(|y| y.cause == x.cause && (y.posterior - x.posterior).abs() < 1e-12)
        })
}

/// A cause's log score relative to its prior: the sum of its evidence.
fn score_of(diagnosis: &SymptomDiagnosis, ranked: &crate::infer::RankedCause) -> f64 {
    diagnosis.evidence_of(ranked).iter().map(|e| e.contribution).sum()
}

/// A range label for int answers the knowledge base cannot tell apart, when they are a run of
/// the sorted candidates: "0 to 30", "31 or more" (the run reaches the value above every
/// named one), "-1 or less" (it starts below the smallest). `None` when they are not a run
/// (0x903 and 0x905 around 0x904) or one inner value, which keep their own labels.
fn int_range_label(all: &[i64], group: &[i64], hex: bool) -> Option<String> {
    let mut positions: Vec<usize> =
        group.iter().filter_map(|v| all.iter().position(|a| a == v)).collect();
    positions.sort_unstable();
    positions.dedup();
    let (&first, &last) = (positions.first()?, positions.last()?);
    if last - first + 1 != positions.len() {
        return None;
    }
    let open_below = first == 0;
    let open_above = last + 1 == all.len();
    let (lo, hi) = (all[first], all[last]);
    match (open_below, open_above) {
        (true, true) => Some("any value".into()),
        (true, false) => Some(format!("{} or less", int_text(hi, hex))),
        // One inner value keeps its own label; the value above every named one alone stands
        // for "something else".
        _ if first == last => None,
        (false, true) => Some(format!("{} or more", int_text(lo, hex))),
        (false, false) => Some(format!("{} to {}", int_text(lo, hex), int_text(hi, hex))),
    }
}

/// The version candidates with their labels ("2.4.0", "later than 2.4.0", "before 2.4.2"), in
/// version order: what [`version_range_label`] reads runs from.
fn sorted_versions(candidates: &[(FactValue, String)]) -> Vec<(Box<[u64]>, String)> {
    let mut versions: Vec<(Box<[u64]>, String)> =
        candidates
            .iter()
            .filter_map(|(v, l)| {
                if let FactValue::Version(v) = v { Some((v.clone(), l.clone())) } else { None }
            })
            .collect();
    versions.sort_by(|a, b| crate::value::compare_versions(&a.0, &b.0));
    versions
}

/// A version answer as a person writes it, when its candidates are a run of the sorted ones:
/// "2.4.2 or later", "before 2.4.0", "2.4.0 or later, before 2.4.2"; `None` for one exact
/// version or candidates that are not a run.
fn version_range_label(all: &[(Box<[u64]>, String)], names: &[String]) -> Option<String> {
    let mut positions: Vec<usize> =
        names.iter().filter_map(|n| all.iter().position(|(_, l)| l == n)).collect();
    if positions.len() != names.len() || positions.len() < 2 {
        return None;
    }
    positions.sort_unstable();
    positions.dedup();
    let (&first, &last) = (positions.first()?, positions.last()?);
    if last - first + 1 != positions.len() {
        return None;
    }
    let text = |i: usize| crate::value::version_text(&all[i].0);
    // Where a run starts, as a person says it: "2.4.0" or "later than 2.4.0".
    let from = if all[first].1.starts_with("later than ") {
        all[first].1.clone()
    } else {
        format!("{} or later", text(first))
    };
    let open_below = first == 0 && all[0].1.starts_with("before ");
    match (open_below, all.get(last + 1)) {
        (_, None) if open_below => Some("any version".into()),
        (_, None) => Some(from),
        (true, Some(_)) => Some(format!("before {}", text(last + 1))),
        (false, Some(_)) => Some(format!("{from}, before {}", text(last + 1))),
    }
}

/// The int candidates, sorted and distinct: what [`int_range_label`] reads runs from.
fn sorted_ints(candidates: &[(FactValue, String)]) -> Vec<i64> {
    let mut ints: Vec<i64> = candidates
        .iter()
        .filter_map(|(v, _)| if let FactValue::Int(i) = v { Some(*i) } else { None })
        .collect();
    ints.sort_unstable();
    ints.dedup();
    ints
}

/// An answer as a person reads it: for an enum or set, the values' labels (`label` in the
/// knowledge base, else their names); otherwise the answer's own label.
fn answer_text(def: &triage_rules::model::FactDef, names: &[String], label: &str) -> String {
    let (FactType::Enum(values) | FactType::Set(values)) = &def.ty else {
        return label.to_string();
    };
    let texts: Vec<String> = names
        .iter()
        .map(|name| match values.iter().position(|v| v == name) {
            Some(i) => def.value_label(i as u32).to_string(),
            None => name.clone(),
        })
        .collect();
    // Labels are sentences that may hold commas: a semicolon keeps them apart.
    match texts.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join("; ")),
        _ => label_of(&texts),
    }
}

/// One label for answers the knowledge base cannot tell apart.
fn label_of(names: &[String]) -> String {
    if names.iter().any(|n| n == "another value") {
        return "another value".into();
    }
    match names {
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::int_range_label;

    #[test]
    fn version_answers_read_as_a_person_writes_them() {
        let v = |parts: &[u64], label: &str| (parts.to_vec().into_boxed_slice(), label.to_string());
        let all = [
            v(&[2, 4, 0], "2.4.0"),
            v(&[2, 4, 1], "later than 2.4.0"),
            v(&[2, 4, 2], "2.4.2"),
            v(&[2, 4, 3], "later than 2.4.2"),
        ];
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert_eq!(
            super::version_range_label(&all, &names(&["2.4.0", "later than 2.4.0"])).as_deref(),
            Some("2.4.0 or later, before 2.4.2")
        );
        assert_eq!(
            super::version_range_label(&all, &names(&["2.4.2", "later than 2.4.2"])).as_deref(),
            Some("2.4.2 or later")
        );
        assert_eq!(super::version_range_label(&all, &names(&["2.4.2"])), None, "one version");
        let below = [v(&[1, 9], "before 2.0"), v(&[2, 0], "2.0"), v(&[2, 1], "later than 2.0")];
        assert_eq!(
            super::version_range_label(&below, &names(&["before 2.0"])),
            None,
            "one candidate keeps its own label"
        );
        assert_eq!(
            super::version_range_label(&below, &names(&["2.0", "later than 2.0"])).as_deref(),
            Some("2.0 or later")
        );
    }

    #[test]
    fn int_answers_read_as_ranges_when_they_are_a_run() {
        let sentinel = 1_000_033;
        let days = [-1, 0, 1, 29, 30, 31, sentinel];
        assert_eq!(int_range_label(&days, &[0, 1, 29, 30], false).as_deref(), Some("0 to 30"));
        assert_eq!(int_range_label(&days, &[31, sentinel], false).as_deref(), Some("31 or more"));
        assert_eq!(int_range_label(&days, &[-1], false).as_deref(), Some("-1 or less"));
        assert_eq!(int_range_label(&days, &[sentinel], false), None, "keeps 'another value'");
        assert_eq!(int_range_label(&days, &days, false).as_deref(), Some("any value"));
        let codes = [0x903, 0x904, 0x905, sentinel];
        assert_eq!(int_range_label(&codes, &[0x903, 0x905, sentinel], true), None, "not a run");
        assert_eq!(int_range_label(&codes, &[0x904], true), None, "one inner value");
    }
}
