//! A diagnosis one question at a time — what `triage ask` and `triage serve` loop over.
//!
//! Stateless: a step is a function of the symptom, the facts known so far and the facts the
//! person could not answer, so a client keeps its own history ("back" is dropping the last
//! answer) and a web page can carry all of it in a form.
//!
//! A step ranks the causes, then stops when one cause is at least `confidence` likely, or when
//! no question is worth its cost: asking goes on only while a question lowers the expected time
//! to resolution (its cost plus the expected repair time after its answer is below the repair
//! time without it — the same test the decision tree of [`crate::repair::plan`] uses).

use crate::facts::FactSet;
use crate::infer::{Engine, MatchedBy, SymptomDiagnosis};
use crate::repair::{best_question, candidate_questions, repair_sequence};
use crate::report::{
    QuestionReport, ReportOptions, SymptomReport, question_report, symptom_report,
};
use crate::value::Overlay;
use serde::Serialize;
use triage_rules::model::{FactId, SymptomId};

/// When to stop asking.
#[derive(Debug, Clone, Copy)]
pub struct WizardSettings {
    /// Stop once the leading cause is at least this likely.
    pub confidence: f64,
}

impl Default for WizardSettings {
    fn default() -> Self {
        WizardSettings { confidence: 0.8 }
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

/// The next step for `symptom` given `facts` (their `symptom` key is ignored) and the facts
/// the person could not answer (`declined`, never asked again). With no symptom the engine
/// takes the one the facts show, else the mixture over the symptoms still possible (a thin
/// report: the questions that tell the symptoms apart come first); `None` when the facts rule
/// every symptom out.
#[must_use]
pub fn step(
    engine: &Engine,
    symptom: Option<SymptomId>,
    facts: &FactSet,
    declined: &[FactId],
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
            step(&engine, Some(symptom), &facts, &[], WizardSettings::default()).expect("step");
        assert!(first.stop.is_none(), "{:?}", first.stop);
        let question = first.question.expect("a question");
        assert_eq!(question.fact, "port_open", "the question that separates the two causes");
        reader.set_from_text(&mut facts, "port_open", "no").expect("set");
        let second =
            step(&engine, Some(symptom), &facts, &[], WizardSettings::default()).expect("step");
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
        let thin = step(&engine, None, &facts, &[], WizardSettings::default()).expect("step");
        assert_eq!(thin.diagnosis.matched_by, MatchedBy::Mixture);
        assert_eq!(thin.ranking.causes[0].cause, "cert");
        assert!(thin.question.is_some() || thin.stop.is_some());
        reader.set_from_text(&mut facts, "error_code", "7").expect("set");
        assert!(
            step(&engine, None, &facts, &[], WizardSettings::default()).is_none(),
            "error code 7 rules out the only symptom"
        );
    }

    #[test]
    fn a_declined_question_is_not_asked_again() {
        let engine = engine();
        let model = engine.model();
        let symptom = model.symptom_id("fails").expect("symptom");
        let port = model.fact_id("port_open").expect("fact");
        let facts = FactSet::unknown(model);
        let next =
            step(&engine, Some(symptom), &facts, &[port], WizardSettings::default()).expect("step");
        assert_ne!(next.question_fact, Some(port));
        let cert = model.fact_id("cert_expired").expect("fact");
        let done = step(&engine, Some(symptom), &facts, &[port, cert], WizardSettings::default())
            .expect("step");
        assert_eq!(done.question_fact, None);
        assert_eq!(done.stop, Some(Stop::NothingToAsk));
    }
}
