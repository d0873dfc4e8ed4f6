//! Evidence in words: why a cause ranks where it does, and why another does not.
//!
//! Every sentence is built from the numbers the ranking used (the outcome observed, P(outcome |
//! cause), its background rate, the log-likelihood ratio), so an explanation can never say
//! something the arithmetic did not do.

use crate::infer::{Evidence, RankedCause, SymptomDiagnosis};
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

/// What was observed, in words: "`error_message` is *An internal error has occurred*",
/// "`rdp_cert_days_to_expiry` is below 0", "`recent_change` has `vm_cloned_or_imaged`".
#[must_use]
pub fn observation(model: &Model, evidence: &Evidence) -> String {
    let variable = model.variable(evidence.variable);
    let fact = model.fact(variable.fact);
    let outcome = variable.outcomes.get(evidence.outcome as usize).map_or("?", String::as_str);
    match &variable.kind {
        VariableKind::Enum(map) => {
            let value = map.iter().position(|o| *o == Some(evidence.outcome)).unwrap_or(0);
            format!("`{}` is {}", fact.name, fact.value_label(value as u32))
        }
        VariableKind::Member(_) => format!("`{}` {outcome}", fact.name),
        VariableKind::Bool
        | VariableKind::Ranges(_)
        | VariableKind::Versions(_)
        | VariableKind::Numbers(_)
        | VariableKind::Strings(_) => format!("`{}` is {outcome}", fact.name),
    }
}

/// One observation in words, e.g. "`error_code` is 0x904: usually seen with this cause,
/// 10% of the time otherwise (+2.2)".
#[must_use]
pub fn describe(model: &Model, evidence: &Evidence) -> String {
    let observed = observation(model, evidence);
    if evidence.rules_out() {
        return format!("{observed}, which this cause never shows: ruled out");
    }
    format!(
        "{observed}: {} with this cause, {} of the time otherwise ({:+.1})",
        frequency_phrase(evidence.frequency),
        percent(evidence.background),
        evidence.contribution
    )
}

/// The strongest reason a cause ranks high, in one line; `None` when nothing moved it.
#[must_use]
pub fn main_reason(
    model: &Model,
    diagnosis: &SymptomDiagnosis,
    ranked: &RankedCause,
) -> Option<String> {
    diagnosis
        .evidence_of(ranked)
        .iter()
        .filter(|e| e.contribution > 0.0)
        .max_by(|a, b| a.contribution.total_cmp(&b.contribution))
        .map(|e| describe(model, e))
}

/// Why a cause is low or out: the finding that ruled it out, or the one that counted most
/// against it.
#[must_use]
pub fn why_not(
    model: &Model,
    diagnosis: &SymptomDiagnosis,
    ranked: &RankedCause,
) -> Option<String> {
    if let Some(e) = diagnosis.ruled_out_by(ranked) {
        return Some(describe(model, e));
    }
    diagnosis
        .evidence_of(ranked)
        .iter()
        .filter(|e| e.contribution < 0.0)
        .min_by(|a, b| a.contribution.total_cmp(&b.contribution))
        .map(|e| describe(model, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_frequencies_and_percentages() {
        assert_eq!(frequency_phrase(0.9), "usually seen");
        assert_eq!(frequency_phrase(0.45), "seen in 45% of cases");
        assert_eq!(percent(0.004), "0.40%");
        assert_eq!(percent(0.025), "2.5%");
        assert_eq!(percent(0.1), "10%");
    }
}
