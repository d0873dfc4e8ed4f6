//! The fast engine agrees with the reference implementation on random knowledge bases and
//! random fact sets: same symptoms, posteriors equal within 1e-9, same order, same ECR.

use proptest::prelude::*;
use std::fmt::Write as _;
use triage_engine::infer::MatchedBy;
use triage_engine::repair::repair_sequence;
use triage_engine::{Engine, FactSet, FactValue, reference};

#[derive(Debug, Clone)]
enum FactKind {
    Bool,
    Int,
    Enum,
}

/// Explained symptoms with priors (percent), and findings (condition text, frequency).
type RandomCause = (Vec<(usize, u32)>, Vec<(String, String)>);

#[derive(Debug, Clone)]
struct RandomKb {
    facts: Vec<FactKind>,
    symptoms: usize,
    /// Per cause: explained symptoms with priors, and findings (condition text, frequency).
    causes: Vec<RandomCause>,
    backgrounds: Vec<(String, String)>,
    /// Per fix: cost (s), success, the causes it fixes.
    fixes: Vec<(u32, Option<String>, Vec<usize>)>,
    /// A derived bool fact: `rule d = true when CONDITION else false`.
    rule: Option<String>,
}

fn frequency() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["always", "usually", "often", "sometimes", "rarely", "never"])
            .prop_map(String::from),
        (0u32..=100).prop_map(|n| format!("{}", f64::from(n) / 100.0)),
    ]
}

/// A condition on one fact: what evidence may be given on.
fn leaf(facts: Vec<FactKind>) -> impl Strategy<Value = String> {
    let n = facts.len();
    (0..n, 0i64..5, 0usize..4).prop_map(move |(i, v, op)| match facts[i] {
        FactKind::Bool => {
            if v % 2 == 0 {
                format!("f{i}")
            } else {
                format!("not f{i}")
            }
        }
        FactKind::Int => format!("f{i} {} {v}", ["==", "!=", "<", ">="][op]),
        FactKind::Enum => match op {
            0 | 1 => format!("f{i} {} v{}", ["==", "!="][op], v % 3),
            _ => format!("f{i} in [v{}, v{}]", v % 3, (v + 1) % 3),
        },
    })
}

/// Any condition: what a rule may read.
fn condition(facts: Vec<FactKind>) -> impl Strategy<Value = String> {
    leaf(facts).prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) or ({b})")),
        ]
    })
}

fn random_kb() -> impl Strategy<Value = RandomKb> {
    let facts = prop::collection::vec(
        prop_oneof![Just(FactKind::Bool), Just(FactKind::Int), Just(FactKind::Enum)],
        1..5,
    );
    (facts, 1usize..4).prop_flat_map(|(facts, symptoms)| {
        let cause = (
            prop::collection::vec((0..symptoms, 0u32..=15), 1..3),
            prop::collection::vec((leaf(facts.clone()), frequency()), 0..4),
        );
        (
            Just(facts.clone()),
            Just(symptoms),
            prop::collection::vec(cause, 1..6),
            prop::collection::vec((leaf(facts.clone()), frequency()), 0..3),
            prop::collection::vec(
                (1u32..3600, prop::option::of(frequency()), prop::collection::vec(0usize..6, 1..3)),
                0..5,
            ),
            prop::option::of(condition(facts)),
        )
            .prop_map(|(facts, symptoms, causes, backgrounds, fixes, rule)| RandomKb {
                facts,
                symptoms,
                causes,
                backgrounds,
                fixes,
                rule,
            })
    })
}

impl RandomKb {
    fn text(&self) -> String {
        let mut out = String::from("fact code: int\n");
        for (i, kind) in self.facts.iter().enumerate() {
            let ty = match kind {
                FactKind::Bool => "bool",
                FactKind::Int => "int",
                FactKind::Enum => "enum [v0, v1, v2]",
            };
            let _ = writeln!(out, "fact f{i}: {ty}");
        }
        if let Some(rule) = &self.rule {
            let _ = writeln!(out, "fact derived: bool\nrule derived = true when {rule} else false");
        }
        for s in 0..self.symptoms {
            // Some symptoms declare a frequency, the first a background of its own (the last
            // random background, so that it also meets the knowledge base's on other outcomes).
            let frequency =
                if s % 2 == 0 { format!(" frequency 0.{}", s + 2) } else { String::new() };
            let background = match self.backgrounds.last() {
                Some((condition, rate)) if s == 0 => format!(" background {condition} : {rate}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "symptom s{s} {{ title \"S{s}\" when code == {s}{frequency}{background} }}"
            );
        }
        for (c, (explains, findings)) in self.causes.iter().enumerate() {
            let mut seen = Vec::new();
            let explains: Vec<String> = explains
                .iter()
                .filter(|(s, _)| {
                    let new = !seen.contains(s);
                    seen.push(*s);
                    new
                })
                .map(|(s, prior)| format!("s{s}: {}", f64::from(*prior) / 100.0))
                .collect();
            let _ = writeln!(
                out,
                "cause c{c} {{\n  title \"C{c}\"\n  explains {}",
                explains.join(", ")
            );
            // One line per fact and cause: evidence is one distribution per fact, and one
            // line can neither overlap another nor pass 1.
            let mut written: Vec<String> = Vec::new();
            if self.rule.is_some() && !findings.is_empty() {
                // The derived fact takes part in evidence when there is a rule.
                let _ = writeln!(out, "  when derived : {}", findings[0].1);
            }
            for (condition, frequency) in findings {
                let fact = fact_of(condition);
                if written.contains(&fact) {
                    continue;
                }
                let _ = writeln!(out, "  when {condition} : {frequency}");
                written.push(fact);
            }
            out.push_str("}\n");
        }
        let mut written: Vec<String> = Vec::new();
        for (condition, frequency) in &self.backgrounds {
            let fact = fact_of(condition);
            if !written.contains(&fact) {
                let _ = writeln!(out, "background {condition} : {frequency}");
                written.push(fact);
            }
        }
        for (i, (cost, success, causes)) in self.fixes.iter().enumerate() {
            let causes: Vec<String> = causes
                .iter()
                .filter(|c| **c < self.causes.len())
                .map(|c| format!("c{c}"))
                .collect();
            if causes.is_empty() {
                continue;
            }
            let mut unique = causes.clone();
            unique.dedup();
            let _ =
                write!(out, "fix x{i} {{ title \"X{i}\" fixes {} cost {cost}s", unique.join(", "));
            if let Some(success) = success {
                let _ = write!(out, " success {success}");
            }
            out.push_str(" }\n");
        }
        out
    }
}

/// The fact a one-fact condition reads: `f2` of `not f2`, `f2 >= 3`, `f2 in [v0, v1]`.
fn fact_of(condition: &str) -> String {
    condition.trim_start_matches("not ").split(' ').next().unwrap_or_default().to_string()
}

fn fact_values(facts: usize) -> impl Strategy<Value = Vec<Option<i64>>> {
    prop::collection::vec(prop::option::weighted(0.7, 0i64..5), facts + 1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fast_engine_agrees_with_the_reference(
        (kb, sets) in random_kb().prop_flat_map(|kb| {
            let sets = prop::collection::vec(fact_values(kb.facts.len()), 1..6);
            (Just(kb), sets)
        })
    ) {
        let text = kb.text();
        let loaded = triage_rules::load_text("random.kb", &text);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        // Random priors can exceed 1 for a symptom; such knowledge bases are rightly refused.
        prop_assume!(errors.iter().all(|d| d.kind.code() == "priors-exceed-one"));
        prop_assume!(errors.is_empty());
        let model = loaded.model.unwrap();
        let engine = Engine::new(model.clone());
        for raw in sets {
            let mut facts = FactSet::unknown(&model);
            for (i, value) in raw.iter().enumerate() {
                let Some(v) = value else { continue };
                let id = if i == 0 { model.fact_id("code").unwrap() } else { model.fact_id(&format!("f{}", i - 1)).unwrap() };
                facts.values[id.index()] = Some(match model.fact(id).ty {
                    triage_rules::model::FactType::Bool => FactValue::Bool(v % 2 == 0),
                    triage_rules::model::FactType::Int => FactValue::Int(*v),
                    _ => FactValue::Enum(u32::try_from(v.rem_euclid(3)).unwrap()),
                });
            }
            let diagnosis = engine.diagnose(&facts);
            let derived = reference::derive(&model, &facts.values);
            let expected_symptoms = reference::matched_symptoms(&model, &derived);
            if expected_symptoms.is_empty() {
                // No symptom matches: one mixture over the symptoms still possible, or nothing.
                let expected = reference::mixture(&model, &derived);
                prop_assert_eq!(diagnosis.symptoms.len(), usize::from(expected.is_some()), "\n{}", text);
                let (Some(got), Some((weights, causes, unlisted))) = (diagnosis.symptoms.first(), expected) else { continue };
                prop_assert_eq!(got.matched_by, MatchedBy::Mixture);
                prop_assert!((got.unlisted - unlisted).abs() < 1e-9, "unlisted {} vs {}\n{}", got.unlisted, unlisted, text);
                for (s, w) in &weights {
                    let mine = got.weights.iter().find(|(x, _)| x == s).map_or(0.0, |(_, w)| *w);
                    prop_assert!((mine - w).abs() < 1e-9, "weight of {:?}: {} vs {}\n{}", s, mine, w, text);
                }
                for ranked in &got.causes {
                    let want = causes.iter().find(|(c, _)| *c == ranked.cause).map_or(0.0, |(_, p)| *p);
                    prop_assert!((ranked.posterior - want).abs() < 1e-9, "{:?}: {} vs {}\n{}", ranked.cause, ranked.posterior, want, text);
                }
                continue;
            }
            let got_symptoms: Vec<_> = diagnosis.symptoms.iter().map(|s| s.symptom).collect();
            prop_assert_eq!(&got_symptoms, &expected_symptoms, "\n{}", text);
            for symptom in &diagnosis.symptoms {
                prop_assert_eq!(symptom.matched_by, MatchedBy::Condition);
                let (mut expected, unlisted) = reference::posteriors(&model, symptom.symptom, &derived);
                prop_assert!((symptom.unlisted - unlisted).abs() < 1e-9, "unlisted {} vs {}\n{}", symptom.unlisted, unlisted, text);
                for ranked in &symptom.causes {
                    let want = expected.iter().find(|(c, _)| *c == ranked.cause).unwrap().1;
                    prop_assert!((ranked.posterior - want).abs() < 1e-9, "{:?}: {} vs {}\n{}", ranked.cause, ranked.posterior, want, text);
                }
                // Same order wherever the posteriors differ.
                expected.sort_by(|a, b| b.1.total_cmp(&a.1));
                for pair in symptom.causes.windows(2) {
                    prop_assert!(pair[0].posterior >= pair[1].posterior - 1e-12);
                }
                let (order, ecr) = reference::repair_order(&model, &expected);
                let sequence = repair_sequence(&engine, symptom);
                let got_order: Vec<_> = sequence.steps.iter().map(|s| s.fix).collect();
                prop_assert!((sequence.expected_seconds - ecr).abs() < 1e-6 * ecr.max(1.0), "ECR {} vs {}\n{}", sequence.expected_seconds, ecr, text);
                // Fixes whose ratios tie may come in either order; compare the multiset and
                // the order where ratios differ via the ECR above.
                let mut a = got_order.clone();
                let mut b = order.clone();
                a.sort();
                b.sort();
                prop_assert_eq!(a, b);
            }
        }
    }
}
