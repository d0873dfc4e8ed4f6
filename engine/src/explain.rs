//! Evidence in words: why a cause ranks where it does, and why another does not.
//!
//! Every sentence is built from the numbers the ranking used (the finding's condition, whether
//! it held, P(finding | cause), the background rate, the log-likelihood ratio), so an
//! explanation can never say something the arithmetic did not do.

use crate::infer::{Evidence, RankedCause, SymptomDiagnosis};
use triage_rules::model::Model;

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

/// One observation in words, e.g. "`error_code == 0x904` holds: usually seen with this cause,
/// 10% of the time otherwise (+2.2)".
#[must_use]
pub fn describe(model: &Model, evidence: &Evidence) -> String {
    let condition = &model.finding(evidence.finding).text;
    let (state, p, background) = if evidence.observed {
        ("holds", evidence.frequency, evidence.background)
    } else {
        ("does not hold", evidence.frequency, evidence.background)
    };
    if evidence.rules_out() {
        let why = if evidence.observed {
            "never seen with this cause"
        } else {
            "always seen with this cause"
        };
        return format!("`{condition}` {state}, but it is {why}: ruled out");
    }
    if evidence.observed {
        format!(
            "`{condition}` {state}: {} with this cause, {} of the time otherwise ({:+.1})",
            frequency_phrase(p),
            percent(background),
            evidence.contribution
        )
    } else {
        format!(
            "`{condition}` {state}: with this cause it is {}, otherwise {} of the time ({:+.1})",
            frequency_phrase(p),
            percent(background),
            evidence.contribution
        )
    }
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
