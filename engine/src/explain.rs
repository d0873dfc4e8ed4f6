//! Evidence in words: why a cause ranks where it does, and why another does not.
//!
//! Every sentence is built from the numbers the ranking used (the outcome observed, P(outcome |
//! cause), its background rate, the log-likelihood ratio), so an explanation can never say
//! something the arithmetic did not do.

use crate::infer::{Evidence, RankedCause, SymptomDiagnosis};
use crate::value::FactValues;
use triage_rules::model::{Model, VariableKind};

/// "usually seen", "seen in 45% of cases".
#[must_use]
pub fn frequency_phrase(p: f64) -> String {
    const WORDS: [(f64, &str); 6] = [
        (1.0, "always seen"),
        (0.9, "usually seen"),
        (0.6, "often seen"),
        (0.3, "sometimes seen"),
        (0.05, "rarely seen"),
        (0.0, "never seen"),
    ];
    WORDS
        .iter()
        .find(|(value, _)| (value - p).abs() < 1e-9)
        .map_or_else(|| format!("seen in {} of cases", percent(p)), |(_, word)| (*word).to_string())
}

/// `0.1` → `10%`, `0.004` → `0.4%`.
#[must_use]
pub fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct == 0.0 || pct >= 10.0 || (pct - pct.round()).abs() < 1e-9 {
        format!("{pct:.0}%")
    } else if pct >= 1.0 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.2}%")
    }
}

/// What was observed, in words a person reads: the fact's title (its name when it has none)
/// and the value as the knowledge base labels it — "Message shown by the Remote Desktop
/// client: “An internal error has occurred”", "TLS 1.2 is enabled for the server side of
/// Schannel: no", "What changed shortly before the failure: includes “The remote computer was
/// cloned, imaged or sysprepped”". A number, version or text read against the knowledge
/// base's ranges is the value the person gave when `facts` has it ("Days until the certificate
/// expires: 200", not "30 or more"), the range otherwise (a derived fact). Names and numbers of
/// the engine stay in JSON.
#[must_use]
pub fn observation(model: &Model, evidence: &Evidence, facts: &FactValues) -> String {
    let variable = model.variable(evidence.variable);
    let fact = model.fact(variable.fact);
    let subject = fact.title.as_deref().unwrap_or(&fact.name);
    let outcome = variable.outcomes.get(evidence.outcome as usize).map_or("?", String::as_str);
    match &variable.kind {
        VariableKind::Enum(map) => {
            let value = map.iter().position(|o| *o == Some(evidence.outcome)).unwrap_or(0);
            format!("{subject}: \u{201c}{}\u{201d}", fact.value_label(value as u32))
        }
        VariableKind::Member(member) => {
            let label = fact.value_label(*member);
            if evidence.outcome == 0 {
                format!("{subject}: includes \u{201c}{label}\u{201d}")
            } else {
                format!("{subject}: does not include \u{201c}{label}\u{201d}")
            }
        }
        VariableKind::Bool => {
            format!("{subject}: {}", if evidence.outcome == 0 { "yes" } else { "no" })
        }
        VariableKind::Ranges(_)
        | VariableKind::Versions(_)
        | VariableKind::Numbers(_)
        | VariableKind::Strings(_) => {
            match facts.get(variable.fact.index()).and_then(Option::as_ref) {
                Some(value) => format!("{subject}: {}", value.words(fact)),
                None => format!("{subject}: {outcome}"),
            }
        }
    }
}

/// One observation in words, e.g. "Error code shown by the Remote Desktop client: 0x904;
/// usually seen with this cause, 10% of the time otherwise"; `facts` as for [`observation`].
#[must_use]
pub fn describe(model: &Model, evidence: &Evidence, facts: &FactValues) -> String {
    let observed = observation(model, evidence, facts);
    if evidence.rules_out() {
        return format!("{observed}, which this cause never shows: ruled out");
    }
    format!(
        "{observed}; {} with this cause, {} of the time otherwise",
        frequency_phrase(evidence.frequency),
        percent(evidence.background),
    )
}

/// The strongest reason a cause ranks high, in one line; `None` when nothing moved it.
#[must_use]
pub fn main_reason(
    model: &Model,
    diagnosis: &SymptomDiagnosis,
    ranked: &RankedCause,
    facts: &FactValues,
) -> Option<String> {
    diagnosis
        .evidence_of(ranked)
        .iter()
        .filter(|e| e.contribution > 0.0)
        .max_by(|a, b| a.contribution.total_cmp(&b.contribution))
        .map(|e| describe(model, e, facts))
}

/// Why a cause is low or out: the finding that ruled it out, or the one that counted most
/// against it.
#[must_use]
pub fn why_not(
    model: &Model,
    diagnosis: &SymptomDiagnosis,
    ranked: &RankedCause,
    facts: &FactValues,
) -> Option<String> {
    if let Some(e) = diagnosis.ruled_out_by(ranked) {
        return Some(describe(model, e, facts));
    }
    diagnosis
        .evidence_of(ranked)
        .iter()
        .filter(|e| e.contribution < 0.0)
        .min_by(|a, b| a.contribution.total_cmp(&b.contribution))
        .map(|e| describe(model, e, facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_read_against_ranges_is_the_value_given_and_a_hex_code_stays_hex() {
        const KB: &str = r#"
fact error_code: int { title "Error code" }
fact extended: int { title "Extended error code" }
fact days_left: int { title "Days until the certificate expires" }
symptom fails { title "It fails" when error_code == 0x904 }
cause expired { title "Expired" explains fails: 0.5 when days_left < 1 : usually }
cause other { title "Other" explains fails: 0.5 when extended == 0x7 : never }
"#;
        let kb = triage_rules::load_text("kb.kb", KB);
        let engine =
            crate::Engine::new(kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics)));
        let reader = crate::FactReader::new(engine.model());
        let facts = reader
            .read(
                r#"{"error_code": "0x904", "extended": "0x7", "days_left": 200}"#,
                crate::Format::Json,
            )
            .expect("facts");
        let diagnosis = engine.diagnose(&facts);
        let report = crate::report::Report::new(
            &engine,
            &facts,
            &diagnosis,
            crate::report::ReportOptions::FULL,
        );
        let causes = &report.symptoms[0].causes;
        let explained: Vec<&str> = causes
            .iter()
            .flat_map(|c| &c.evidence)
            .filter_map(|e| e.explanation.as_deref())
            .collect();
        assert!(
            explained
                .contains(&"Extended error code: 0x7, which this cause never shows: ruled out"),
            "a code as the dialog writes it: {explained:?}"
        );
    }

    #[test]
    fn words_for_frequencies_and_percentages() {
        assert_eq!(frequency_phrase(0.9), "usually seen");
        assert_eq!(frequency_phrase(0.45), "seen in 45% of cases");
        assert_eq!(percent(0.004), "0.40%");
        assert_eq!(percent(0.025), "2.5%");
        assert_eq!(percent(0.1), "10%");
    }
}
