//! Questions and plans: answer probabilities are consistent with the ranking, a cheap question
//! that separates two expensive fixes goes first, and a question that changes nothing does not.

use triage_engine::question::next_questions;
use triage_engine::repair::{Plan, plan, repair_sequence};
use triage_engine::{Engine, FactReader};

const KB: &str = r#"
fact code: int
fact server_cert_expired: bool {
  ask "On the server, is the Remote Desktop certificate past its expiry date?"
  cost 10s
}
fact firewall_rule_enabled: bool {
  ask "Is the Remote Desktop firewall rule enabled?"
  cost 20s
}
fact user_name: string {
  ask "Which user is affected?"
  cost 5s
}
fact unrelated: bool

symptom rdp { title "RDP fails" when code == 0x904 }

cause cert { title "Certificate" explains rdp: 0.45 when server_cert_expired : always }
cause firewall { title "Firewall" explains rdp: 0.45 when server_cert_expired : rarely when firewall_rule_enabled : never }

fix renew { title "Renew" fixes cert cost 30m success 0.95 }
fix open_port { title "Open" fixes firewall cost 30m success 0.95 }

rule unrelated = true when user_name == "bob" else false
"#;

fn engine() -> Engine {
    let kb = triage_rules::load_text("kb.kb", KB);
    Engine::new(kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics)))
}

#[test]
fn answer_probabilities_average_back_to_the_current_ranking() {
    let engine = engine();
    let facts = FactReader::new(engine.model()).read_json(r#"{"code": "0x904"}"#).unwrap();
    let diagnosis = engine.diagnose(&facts);
    let symptom = &diagnosis.symptoms[0];
    let questions = next_questions(&engine, symptom, &facts.values, &[], 10);
    assert!(!questions.is_empty());
    for question in &questions {
        let total: f64 = question.answers.iter().map(|a| a.probability).sum();
        assert!((total - 1.0).abs() < 1e-9, "answers sum to {total}");
        for ranked in &symptom.causes {
            let expected: f64 = question
                .answers
                .iter()
                .map(|a| {
                    a.probability
                        * a.after.causes.iter().find(|c| c.cause == ranked.cause).unwrap().posterior
                })
                .sum();
            assert!(
                (expected - ranked.posterior).abs() < 1e-9,
                "{expected} vs {}",
                ranked.posterior
            );
        }
    }
    // The string fact only feeds a rule no finding reads: it is never worth asking.
    let names: Vec<&str> =
        questions.iter().map(|q| engine.model().fact(q.fact).name.as_str()).collect();
    assert!(!names.contains(&"user_name"), "{names:?}");
    assert_eq!(
        names[0], "server_cert_expired",
        "the cheap question that separates the causes comes first"
    );
}

#[test]
fn a_cheap_separating_question_goes_before_expensive_fixes() {
    let engine = engine();
    let facts = FactReader::new(engine.model()).read_json(r#"{"code": 2308}"#).unwrap();
    let diagnosis = engine.diagnose(&facts);
    let symptom = &diagnosis.symptoms[0];
    let without = repair_sequence(&engine, symptom).expected_seconds;
    let tree = plan(&engine, symptom, &facts.values);
    let Plan::Ask { fact, branches, expected_seconds, .. } = &tree else { panic!("{tree:#?}") };
    assert_eq!(engine.model().fact(*fact).name, "server_cert_expired");
    assert!(*expected_seconds < without, "{expected_seconds} vs {without}");
    // Each answer leads (along its most likely branches) to the fix of the cause it points to.
    let first_fix = |answer: &str| {
        let mut node = &branches.iter().find(|b| b.answer == answer).unwrap().plan;
        loop {
            match node {
                Plan::Repair(sequence) => {
                    return engine.model().fix(sequence.steps[0].fix).name.clone();
                }
                Plan::Ask { branches, .. } => {
                    node = &branches
                        .iter()
                        .max_by(|a, b| a.probability.total_cmp(&b.probability))
                        .unwrap()
                        .plan;
                }
            }
        }
    };
    assert_eq!(first_fix("yes"), "renew");
    assert_eq!(first_fix("no"), "open_port");
}

#[test]
fn when_the_facts_settle_it_the_plan_repairs_directly() {
    let engine = engine();
    let facts = FactReader::new(engine.model())
        .read_json(r#"{"code": 2308, "server_cert_expired": true}"#)
        .unwrap();
    let diagnosis = engine.diagnose(&facts);
    let tree = plan(&engine, &diagnosis.symptoms[0], &facts.values);
    let Plan::Repair(sequence) = tree else { panic!("{tree:#?}") };
    assert_eq!(engine.model().fix(sequence.steps[0].fix).name, "renew");
}

/// Fixes for one cause: the second is weighed by what the first leaves, the chances never add
/// up to more than the listed causes' share, and a fix worse than escalating is not tried.
#[test]
fn a_second_fix_for_the_same_cause_counts_only_what_the_first_left() {
    const TWO_FIXES: &str = r#"
fact code: int
symptom s { title "S" when code == 1 unlisted 0.2 }
cause c { title "C" explains s: 0.8 }
fix quick { title "Quick" fixes c cost 1m success 0.5 }
fix thorough { title "Thorough" fixes c cost 10m success 0.9 }
fix rebuild { title "Rebuild" fixes c cost 10h success 0.9 }
"#;
    let kb = triage_rules::load_text("kb.kb", TWO_FIXES);
    let engine = Engine::new(kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics)));
    let mut facts = triage_engine::FactSet::unknown(engine.model());
    FactReader::new(engine.model()).set_from_text(&mut facts, "code", "1").unwrap();
    let diagnosis = engine.diagnose(&facts);
    let sequence = repair_sequence(&engine, &diagnosis.symptoms[0]);
    let names: Vec<&str> =
        sequence.steps.iter().map(|s| engine.model().fix(s.fix).name.as_str()).collect();
    // Rebuilding (10 h for the 4 % the first two leave) is worse than escalating (2 h for 24 %).
    assert_eq!(names, ["quick", "thorough"]);
    let second = &sequence.steps[1];
    assert!((second.probability - 0.8 * 0.5).abs() < 1e-9, "{}", second.probability);
    assert!((second.reached - (1.0 - 0.8 * 0.5)).abs() < 1e-9, "{}", second.reached);
    // 0.8 · (1 − 0.5 · 0.1) = 0.76: never more than the 0.8 the listed cause holds.
    assert!((sequence.coverage - 0.76).abs() < 1e-9, "{}", sequence.coverage);
    // The hand-over of what the fixes leave (24 %) is part of the expected time.
    let ecr = 60.0 + 600.0 * 0.6 + triage_engine::repair::ESCALATION_SECONDS * 0.24;
    assert!((sequence.expected_seconds - ecr).abs() < 1e-6, "{}", sequence.expected_seconds);
}

/// A person reads the knowledge base's labels; machines and typed answers keep the names.
#[test]
fn answers_carry_value_labels_for_people_and_names_for_machines() {
    const LABELLED: &str = r#"
fact code: int
fact message: enum [internal_error, socket_closed] {
  ask "Which message do you see?"
  label internal_error "An internal error has occurred"
}
symptom s { title "S" when code == 1 }
cause a { title "A" explains s: 0.5 when message == internal_error : usually }
cause b { title "B" explains s: 0.4 when message == socket_closed : usually }
fix fa { title "FA" fixes a cost 1m }
fix fb { title "FB" fixes b cost 1m }
"#;
    let kb = triage_rules::load_text("kb.kb", LABELLED);
    let engine = Engine::new(kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics)));
    let mut facts = triage_engine::FactSet::unknown(engine.model());
    FactReader::new(engine.model()).set_from_text(&mut facts, "code", "1").unwrap();
    let diagnosis = engine.diagnose(&facts);
    let questions = next_questions(&engine, &diagnosis.symptoms[0], &facts.values, &[], 1);
    let answers: Vec<(&str, &str)> =
        questions[0].answers.iter().map(|a| (a.label.as_str(), a.text.as_str())).collect();
    assert!(answers.contains(&("internal_error", "An internal error has occurred")), "{answers:?}");
    assert!(
        answers.contains(&("socket_closed", "socket_closed")),
        "no label: the name: {answers:?}"
    );
}

/// A fix whose precondition the facts make false is not offered, and the report says why; an
/// unknown precondition keeps it.
#[test]
fn a_fix_the_facts_rule_out_is_not_offered_and_the_report_says_why() {
    let text = r#"
fact code: int
fact tls12_enabled: bool { title "TLS 1.2 is enabled on the server" ask "Is TLS 1.2 on?" cost 10s }
fact handshake_fails: bool { ask "Does the handshake fail?" cost 10s }
symptom rdp { title "RDP fails" when code == 0x904 }
cause tls { title "TLS disabled" explains rdp: 0.6 when handshake_fails : usually }
fix enable_tls12 { title "Re-enable TLS 1.2" fixes tls cost 10m when tls12_enabled == false }
fix reset_ciphers { title "Reset the cipher list" fixes tls cost 20m }
"#;
    let kb = triage_rules::load_text("kb.kb", text);
    let engine = Engine::new(kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics)));
    let reader = FactReader::new(engine.model());
    let order = |json: &str| {
        let facts = reader.read_json(json).unwrap();
        let diagnosis = engine.diagnose(&facts);
        let report = triage_engine::report::Report::new(
            &engine,
            &facts,
            &diagnosis,
            triage_engine::report::ReportOptions::FULL,
        );
        let fixes: Vec<String> = repair_sequence(&engine, &diagnosis.symptoms[0])
            .steps
            .iter()
            .map(|s| engine.model().fix(s.fix).name.clone())
            .collect();
        (fixes, report.symptoms[0].not_offered.clone())
    };
    let (unknown, none) = order(r#"{"code": "0x904"}"#);
    assert_eq!(unknown.first().map(String::as_str), Some("enable_tls12"), "unknown: offered");
    assert!(none.is_empty());
    let (enabled, not_offered) = order(r#"{"code": "0x904", "tls12_enabled": true}"#);
    assert_eq!(enabled, ["reset_ciphers"], "TLS 1.2 already on: not offered");
    assert_eq!(not_offered.len(), 1);
    assert_eq!(not_offered[0].fix, "enable_tls12");
    assert_eq!(not_offered[0].when, "tls12_enabled == false");
    assert_eq!(not_offered[0].because, ["TLS 1.2 is enabled on the server: yes"]);
}
