//! How good a ranking's probabilities are against the causes that were to blame: log loss,
//! Brier score, top-1 and top-3, and the reliability diagram's bins. Accumulators only: they
//! add up across sessions and folds, and never keep a session.

use crate::session::Truth;
use serde::Serialize;
use triage_engine::SymptomDiagnosis;

/// The probability a ranking gives the true cause is floored here before its log is taken: a
/// ruled-out true cause costs ln(1000) ≈ 6.9 instead of infinity, so one session cannot hide
/// all the others.
pub const PROBABILITY_FLOOR: f64 = 0.001;

/// Bins of the reliability diagram (equal width over [0, 1]).
pub const BINS: usize = 10;

/// One bin of the reliability diagram.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Bin {
    /// (session, cause) pairs whose predicted probability fell in the bin.
    pub count: u64,
    /// Sum of their predicted probabilities.
    pub predicted: f64,
    /// How many of them were the true cause.
    pub observed: u64,
}

/// Sums over sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scores {
    pub sessions: u64,
    pub log_loss: f64,
    pub brier: f64,
    pub top1: u64,
    pub top3: u64,
    pub bins: [Bin; BINS],
}

/// The means a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub sessions: u64,
    /// Mean −ln P(true cause).
    pub log_loss: f64,
    /// Mean Σ (p − y)² over the listed causes and the unlisted one.
    pub brier: f64,
    pub top1: f64,
    pub top3: f64,
}

impl Scores {
    /// Adds one session: `ranking` is the engine's (none when the facts rule every symptom
    /// out: then every cause got 0 and the unlisted cause 1).
    pub fn add(&mut self, ranking: Option<&SymptomDiagnosis>, truth: Truth) {
        // The distribution over places: the listed causes, then the unlisted cause.
        let mut places: Vec<(Option<triage_rules::model::CauseId>, f64)> = match ranking {
            Some(r) => r.causes.iter().map(|c| (Some(c.cause), c.posterior)).collect(),
            None => Vec::new(),
        };
        places.push((None, ranking.map_or(1.0, |r| r.unlisted)));
        let wanted = match truth {
            Truth::Cause(c) => Some(c),
            Truth::Unlisted => None,
        };
        let mut p_true = 0.0;
        let mut brier = 0.0;
        for &(cause, p) in &places {
            let hit = cause == wanted;
            if hit {
                p_true = p;
            }
            let y = if hit { 1.0 } else { 0.0 };
            brier += (p - y) * (p - y);
            // p lies in [0, 1]: the bin is 0 … BINS − 1.
            #[allow(clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let bin = ((p * BINS as f64) as usize).min(BINS - 1);
            self.bins[bin].count += 1;
            self.bins[bin].predicted += p;
            self.bins[bin].observed += u64::from(hit);
        }
        if wanted.is_some() && !places.iter().any(|(c, _)| *c == wanted) {
            // The true cause does not explain the symptom: it got nothing.
            brier += 1.0;
            self.bins[0].count += 1;
            self.bins[0].observed += 1;
        }
        // Places ahead of the true cause (ties count in its favour).
        let ahead = places.iter().filter(|(c, p)| *c != wanted && *p > p_true).count();
        self.sessions += 1;
        self.log_loss -= p_true.max(PROBABILITY_FLOOR).ln();
        self.brier += brier;
        self.top1 += u64::from(ahead == 0 && p_true > 0.0);
        self.top3 += u64::from(ahead < 3 && p_true > 0.0);
    }

    pub fn merge(&mut self, other: &Scores) {
        self.sessions += other.sessions;
        self.log_loss += other.log_loss;
        self.brier += other.brier;
        self.top1 += other.top1;
        self.top3 += other.top3;
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            a.count += b.count;
            a.predicted += b.predicted;
            a.observed += b.observed;
        }
    }

    #[must_use]
    #[allow(clippy::cast_precision_loss)] // session counts are far below 2^52
    pub fn summary(&self) -> Summary {
        let n = self.sessions.max(1) as f64;
        Summary {
            sessions: self.sessions,
            log_loss: self.log_loss / n,
            brier: self.brier / n,
            top1: self.top1 as f64 / n,
            top3: self.top3 as f64 / n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Truth;

    #[test]
    fn a_session_without_a_ranking_counts_the_unlisted_cause_as_certain() {
        let mut scores = Scores::default();
        scores.add(None, Truth::Unlisted);
        let s = scores.summary();
        assert!(s.log_loss.abs() < 1e-12 && s.brier.abs() < 1e-12);
        assert!((s.top1 - 1.0).abs() < 1e-12);
        scores.add(None, Truth::Cause(triage_rules::model::CauseId(0)));
        let s = scores.summary();
        assert!((s.log_loss - (-PROBABILITY_FLOOR.ln()) / 2.0).abs() < 1e-9);
        assert!((s.top1 - 0.5).abs() < 1e-12);
        // The unlisted cause predicted 1 twice, right once: bin 9 holds two, one observed.
        assert_eq!(scores.bins[BINS - 1].count, 2);
        assert_eq!(scores.bins[BINS - 1].observed, 1);
    }
}
