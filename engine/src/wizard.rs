//! A diagnosis one question at a time — what `triage ask` and `triage serve` loop over.
//!
//! Stateless: a step is a function of the symptom, the facts known so far and the facts the
//! person could not answer, so a client keeps its own history ("back" is dropping the last
//! answer) and a web page can carry all of it in a form.
//!
//! A step ranks the causes, then stops when one cause is at least `confidence` likely, when
//! the conversation has asked `max_questions` or the person could not answer
//! `max_unanswered` of them, or when no question is worth its cost: asking
//! goes on only while a question lowers the expected time to resolution (its cost plus the
//! expected repair time after its answer is below the repair time without it — the same test
//! the decision tree of [`crate::repair::plan`] uses).

use crate::facts::FactSet;
use crate::infer::{Engine, MatchedBy, SymptomDiagnosis};
use crate::repair::{best_question, candidate_questions, repair_sequence};
use crate::report::{
    QuestionReport, ReportOptions, SymptomReport, question_report, symptom_report,
};
use crate::value::Overlay;
use serde::Serialize;
use triage_rules::model::{FactId, SymptomId};

/// How many questions one conversation asks at most by default: past a dozen, a call has
/// gone on too long, and the fixes in their order are the better use of it.
pub const DEFAULT_MAX_QUESTIONS: usize = 12;

/// How many questions may go unanswered ("don't know") before the conversation stops asking.
/// The answer-rate model already makes each "don't know" lower the worth of the next question
/// (see [`crate::cost::answer_rates`]); this is the point where a person who could not answer
/// six questions is not asked a seventh and the fixes come next. On the shipped cases it ends
/// the long interviews that are mostly "don't know" (p90 11 → 8 questions) and costs three
/// rankings at the stop of 139 (101 → 98 top-1); a person who answers is not cut short.
pub const DEFAULT_MAX_UNANSWERED: usize = 6;

/// When to stop asking.
#[derive(Debug, Clone, Copy)]
pub struct WizardSettings {
    /// Stop once the leading cause is at least this likely.
    pub confidence: f64,
    /// Stop once the conversation has asked this many questions (answered or not).
    pub max_questions: usize,
    /// Stop once this many questions went unanswered.
    pub max_unanswered: usize,
}

impl Default for WizardSettings {
    fn default() -> Self {
        WizardSettings {
            confidence: 0.8,
            max_questions: DEFAULT_MAX_QUESTIONS,
            max_unanswered: DEFAULT_MAX_UNANSWERED,
        }
    }
}

/// Why the wizard stopped asking.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Stop {
    /// One cause is likely enough to act on.
    Confident { cause: String, posterior: f64 },
    /// Questions remain, but none lowers the expected time to resolution: repair now.
    NotWorthAsking,
    /// The conversation has asked as many questions as it may: repair now.
    AskedEnough { asked: usize },
    /// The person could not answer this many questions: repair now.
    ManyUnanswered { unanswered: usize },
    /// Nothing left that a person or a collector could answer.
    NothingToAsk,
    /// The answers rule out every symptom of the knowledge base.
    NoSymptom,
}

impl Stop {
    /// The reason in a sentence for a person: a confident cause by its title.
    #[must_use]
    pub fn describe_in(&self, model: &triage_rules::Model) -> String {
        match self {
            Stop::Confident { cause, posterior } => {
                let title =
                    model.cause_id(cause).map_or(cause.as_str(), |id| &model.cause(id).title);
                format!(
                    "“{title}” is {} likely: enough to act on",
                    crate::explain::percent(*posterior)
                )
            }
            other => other.describe(),
        }
    }

    /// The reason as a stable name, as `--format json` writes it (`not_worth_asking`).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Stop::Confident { .. } => "confident",
            Stop::NotWorthAsking => "not_worth_asking",
            Stop::AskedEnough { .. } => "asked_enough",
            Stop::ManyUnanswered { .. } => "many_unanswered",
            Stop::NothingToAsk => "nothing_to_ask",
            Stop::NoSymptom => "no_symptom",
        }
    }

    /// The reason in a sentence, naming a cause by its id (test reports, logs).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Stop::Confident { cause, posterior } => {
                format!(
                    "{cause} is {} likely: enough to act on",
                    crate::explain::percent(*posterior)
                )
            }
            Stop::NotWorthAsking => {
                "no remaining question is worth its time: repairing now is quicker".into()
            }
            Stop::AskedEnough { asked } => {
                format!(
                    "{asked} questions asked, enough for one conversation: trying the fixes in order is quicker"
                )
            }
            Stop::ManyUnanswered { unanswered } => format!(
                "{unanswered} questions had no answer: trying the fixes in order is quicker than asking more"
            ),
            Stop::NothingToAsk => "there is nothing left to ask".into(),
            Stop::NoSymptom => {
                "the answers rule out every symptom of the knowledge base: check them".into()
            }
        }
    }
}

/// Where a wizard stands: the ranking now, and the next question or why there is none.
#[derive(Debug, Clone, Serialize)]
pub struct WizardStep {
    /// The causes with posteriors and the one-line reason for each.
    pub ranking: SymptomReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionReport>,
    /// The fact the question asks for.
    #[serde(skip)]
    pub question_fact: Option<FactId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// How many facts are known (answered or collected).
    pub known: usize,
    #[serde(skip)]
    pub diagnosis: SymptomDiagnosis,
}

/// The next step for `symptom` given `facts` (their `symptom` key is ignored), the facts the
/// person could not answer (`declined`, never asked again) and how many questions the
/// conversation has asked (`asked`, answered or not; facts from a file, a paste or the command
/// line are not questions). With no symptom the engine
/// takes the one the facts show, else the mixture over the symptoms still possible (a thin
/// report: the questions that tell the symptoms apart come first); `None` when the facts rule
/// every symptom out.
#[must_use]
pub fn step(
    engine: &Engine,
    symptom: Option<SymptomId>,
    facts: &FactSet,
    declined: &[FactId],
    asked: usize,
    settings: WizardSettings,
) -> Option<WizardStep> {
    let derived = engine.derive(&facts.values, &[]);
    let view = Overlay { base: &facts.values, changes: &derived };
    let diagnosis = match symptom {
        Some(symptom) => {
            let matched_by = engine
                .matched_symptoms(&view, Some(symptom))
                .into_iter()
                .find(|(id, _)| *id == symptom)
                .map_or(MatchedBy::Named, |(_, by)| by);
            engine.rank(symptom, matched_by, &view)
        }
        None => match engine.matched_symptoms(&view, None).first() {
            Some(&(symptom, by)) => engine.rank(symptom, by, &view),
            None => engine.rank_mixture(&view)?,
        },
    };
    let options =
        ReportOptions { evidence: false, words: true, questions: 0, ..ReportOptions::RANKING };
    let ranking = symptom_report(engine, facts, &diagnosis, options);
    let known = facts.values.iter().filter(|v| v.is_some()).count();
    let leader = diagnosis.causes.first().filter(|c| c.posterior >= settings.confidence);
    let (question, stop) = if let Some(leader) = leader {
        let cause = engine.model().cause(leader.cause).name.clone();
        (None, Some(Stop::Confident { cause, posterior: leader.posterior }))
    } else if asked >= settings.max_questions {
        (None, Some(Stop::AskedEnough { asked }))
    } else if declined.len() >= settings.max_unanswered {
        (None, Some(Stop::ManyUnanswered { unanswered: declined.len() }))
    } else {
        let repair = repair_sequence(engine, &diagnosis);
        // The candidates are computed once: they decide both the question and, when none is
        // worth asking, whether anything was left to ask at all.
        let candidates = candidate_questions(engine, &diagnosis, &facts.values, &[], declined);
        let anything = !candidates.is_empty();
        match best_question(engine, &repair, candidates) {
            Some(question) => (Some(question), None),
            None => (None, Some(if anything { Stop::NotWorthAsking } else { Stop::NothingToAsk })),
        }
    };
    Some(WizardStep {
        ranking,
        question_fact: question.as_ref().map(|q| q.fact),
        question: question.as_ref().map(|q| question_report(engine, q)),
        stop,
        known,
        diagnosis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FactReader;

    const KB: &str = r#"
fact error_code: int { ask "What is the error code?" }
fact port_open: bool { ask "Does port 3389 answer?" cost 30s }
fact cert_expired: bool { ask "Has the certificate expired?" cost 30s }
symptom fails { title "It fails" when error_code == 0x904 }
cause firewall {
  title "Firewall"
  explains fails: 0.5
  when port_open : never
}
cause cert {
  title "Certificate"
  explains fails: 0.5
  when cert_expired : always
  when port_open : always
}
background cert_expired : rarely
background port_open : often
fix open_port { title "Open the port" fixes firewall cost 30m }
fix renew { title "Renew" fixes cert cost 30m }
"#;

    fn engine() -> Engine {
        let kb = triage_rules::load_text("kb.kb", KB);
        Engine::new(kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics)))
    }

    #[test]
    fn asks_until_one_cause_is_likely_enough_then_stops() {
        let engine = engine();
        let model = engine.model();
        let symptom = model.symptom_id("fails").expect("symptom");
        let reader = FactReader::new(model);
        let mut facts = FactSet::unknown(model);
        reader.set_from_text(&mut facts, "error_code", "0x904").expect("set");
        let first =
            step(&engine, Some(symptom), &facts, &[], 0, WizardSettings::default()).expect("step");
        assert!(first.stop.is_none(), "{:?}", first.stop);
        let question = first.question.expect("a question");
        assert_eq!(question.fact, "port_open", "the question that separates the two causes");
        reader.set_from_text(&mut facts, "port_open", "no").expect("set");
        let second =
            step(&engine, Some(symptom), &facts, &[], 0, WizardSettings::default()).expect("step");
        assert_eq!(second.ranking.causes[0].cause, "firewall");
        assert!(
            matches!(second.stop, Some(Stop::Confident { ref cause, .. }) if cause == "firewall")
        );
    }

    #[test]
    fn without_a_symptom_a_thin_report_is_weighed_over_the_symptoms_and_asked_about() {
        let engine = engine();
        let model = engine.model();
        let reader = FactReader::new(model);
        let mut facts = FactSet::unknown(model);
        reader.set_from_text(&mut facts, "cert_expired", "yes").expect("set");
        let thin = step(&engine, None, &facts, &[], 0, WizardSettings::default()).expect("step");
        assert_eq!(thin.diagnosis.matched_by, MatchedBy::Mixture);
        assert_eq!(thin.ranking.causes[0].cause, "cert");
        assert!(thin.question.is_some() || thin.stop.is_some());
        reader.set_from_text(&mut facts, "error_code", "7").expect("set");
        assert!(
            step(&engine, None, &facts, &[], 0, WizardSettings::default()).is_none(),
            "error code 7 rules out the only symptom"
        );
    }

    #[test]
    fn a_conversation_that_has_asked_enough_stops_asking() {
        let engine = engine();
        let model = engine.model();
        let symptom = model.symptom_id("fails").expect("symptom");
        let facts = FactSet::unknown(model);
        let settings =
            WizardSettings { max_questions: 2, max_unanswered: 1, ..WizardSettings::default() };
        let open = step(&engine, Some(symptom), &facts, &[], 1, settings).expect("step");
        assert!(open.question.is_some(), "{:?}", open.stop);
        let done = step(&engine, Some(symptom), &facts, &[], 2, settings).expect("step");
        assert_eq!(done.question_fact, None);
        assert_eq!(done.stop, Some(Stop::AskedEnough { asked: 2 }));
        assert!(done.stop.unwrap().describe().starts_with("2 questions asked"));
        let port = model.fact_id("port_open").expect("fact");
        let unanswered = step(&engine, Some(symptom), &facts, &[port], 1, settings).expect("step");
        assert_eq!(unanswered.stop, Some(Stop::ManyUnanswered { unanswered: 1 }));
    }

    #[test]
    fn a_stop_kind_is_the_reason_json_writes() {
        let stops = [
            Stop::Confident { cause: "c".into(), posterior: 0.9 },
            Stop::NotWorthAsking,
            Stop::AskedEnough { asked: 12 },
            Stop::ManyUnanswered { unanswered: 6 },
            Stop::NothingToAsk,
            Stop::NoSymptom,
        ];
        for stop in stops {
            let json = serde_json::to_value(&stop).expect("serialises");
            assert_eq!(json["reason"], stop.kind(), "{json}");
        }
    }

    #[test]
    fn a_declined_question_is_not_asked_again() {
        let engine = engine();
        let model = engine.model();
        let symptom = model.symptom_id("fails").expect("symptom");
        let port = model.fact_id("port_open").expect("fact");
        let facts = FactSet::unknown(model);
        let next = step(&engine, Some(symptom), &facts, &[port], 1, WizardSettings::default())
            .expect("step");
        assert_ne!(next.question_fact, Some(port));
        let cert = model.fact_id("cert_expired").expect("fact");
        let done =
            step(&engine, Some(symptom), &facts, &[port, cert], 2, WizardSettings::default())
                .expect("step");
        assert_eq!(done.question_fact, None);
        assert_eq!(done.stop, Some(Stop::NothingToAsk));
    }
}
