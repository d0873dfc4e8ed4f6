//! The data's estimate of each number, against the author's: a Beta (one rate) or Dirichlet
//! (several rates of one distribution) posterior whose prior has the author's value as its
//! mean and [`Options::strength`] pseudo-observations behind it, a central credible interval,
//! and whether the author's value lies outside it (beyond noise).
//!
//! For a distribution with author rates r₁…rₘ (and the rest 1 − Σr) and counts k₁…kₘ out of n:
//! αᵢ = s·rᵢ + kᵢ, α₀ = s + n, posterior mean αᵢ / α₀, and the marginal of each rate is
//! Beta(αᵢ, α₀ − αᵢ). A proposal is made for a whole distribution when any of its rates is
//! beyond noise, so its rates keep adding up as the checker requires.

use super::counts::{Counts, Layout};
use serde::Serialize;
use statrs::distribution::{Beta, ContinuousCDF as _};
use triage_engine::Engine;
use triage_rules::model::{CauseId, FindingId, FixId, Model, SymptomId};

/// How calibration weighs the author against the data.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Pseudo-observations the author's value is worth (the prior's strength).
    pub strength: f64,
    /// Mass of the central credible interval.
    pub level: f64,
    /// Folds of the held-out validation.
    pub folds: usize,
}

/// The default strength: the author's value counts as 10 sessions.
pub const DEFAULT_STRENGTH: f64 = 10.0;

impl Default for Options {
    fn default() -> Self {
        Options { strength: DEFAULT_STRENGTH, level: 0.95, folds: 5 }
    }
}

/// Proposals are written in thousandths.
const UNITS: f64 = 1000.0;
/// A proposal must move a number by at least this much to be worth a line of the patch.
pub const SMALLEST_CHANGE: f64 = 0.01;

/// What a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// P(finding | cause).
    Finding { cause: CauseId, finding: FindingId },
    /// The cause's prior for the symptom.
    Prior { symptom: SymptomId, cause: CauseId },
    /// The fix's chance of repairing its cause.
    Success { fix: FixId },
    /// The symptom's share of the reports.
    Frequency { symptom: SymptomId },
}

/// One number: the author's, the data's, and the proposal.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(skip)]
    pub subject: Subject,
    /// What the number is, in words (`P(cert_expired | expired_cert)`).
    pub label: String,
    pub author: f64,
    /// Sessions that inform it.
    pub n: u64,
    /// Of them, those that show it.
    pub k: u64,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// The author's value lies outside the credible interval and the rounded estimate moves
    /// it by at least [`SMALLEST_CHANGE`].
    pub beyond_noise: bool,
    /// The value the patch writes, when its distribution is proposed.
    pub proposed: Option<f64>,
}

/// Every estimate, in the order the report shows them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Estimates {
    pub findings: Vec<Entry>,
    pub priors: Vec<Entry>,
    pub fixes: Vec<Entry>,
    pub frequencies: Vec<Entry>,
}

impl Estimates {
    /// Every entry with a proposal.
    pub fn proposals(&self) -> impl Iterator<Item = &Entry> {
        self.findings
            .iter()
            .chain(&self.priors)
            .chain(&self.fixes)
            .chain(&self.frequencies)
            .filter(|e| e.proposed.is_some())
    }
}

/// The central interval of Beta(a, b) holding `level` of its mass; degenerate shapes (a rate
/// the author set to 0 or 1 and the data never contradicted) are a point.
fn interval(a: f64, b: f64, level: f64) -> (f64, f64) {
    if a <= 0.0 {
        return (0.0, 0.0);
    }
    if b <= 0.0 {
        return (1.0, 1.0);
    }
    match Beta::new(a, b) {
        Ok(beta) => {
            let tail = (1.0 - level) / 2.0;
            (beta.inverse_cdf(tail), beta.inverse_cdf(1.0 - tail))
        }
        Err(_) => (0.0, 1.0),
    }
}

/// One distribution's components: the author's rates and the counts, `n` in all (the rest of
/// the mass, 1 − Σ rates, is the remaining component).
#[allow(clippy::cast_precision_loss)] // counts are far below 2^52
fn dirichlet(author: &[f64], counts: &[u64], n: u64, options: Options) -> Vec<(f64, f64, f64)> {
    let total = options.strength + n as f64;
    author
        .iter()
        .zip(counts)
        .map(|(&r, &k)| {
            let alpha = options.strength * r + k as f64;
            let mean = alpha / total;
            let (low, high) = interval(alpha, total - alpha, options.level);
            (mean, low, high)
        })
        .collect()
}

fn to_units(p: f64) -> i64 {
    (p * UNITS).round() as i64
}

#[allow(clippy::cast_precision_loss)] // thousandths
fn from_units(u: i64) -> f64 {
    u as f64 / UNITS
}

/// Rounded proposals for one distribution: in thousandths, a rate that is not 0 stays above 0,
/// and the total is at most `budget` thousandths (exactly `budget` when `exact`).
fn rounded(means: &[f64], budget: i64, exact: bool) -> Vec<f64> {
    let mut units: Vec<i64> =
        means.iter().map(|&m| if m > 0.0 { to_units(m).max(1) } else { 0 }).collect();
    let total: i64 = units.iter().sum();
    let excess = if exact { total - budget } else { (total - budget).max(0) };
    if excess != 0
        && let Some(largest) = (0..units.len()).max_by_key(|&i| units[i])
    {
        units[largest] = (units[largest] - excess).max(0);
    }
    units.into_iter().map(from_units).collect()
}

/// Fills in entries of one distribution and proposes it when any is beyond noise.
fn settle(entries: &mut [Entry], proposals: &[f64]) {
    for (entry, proposal) in entries.iter_mut().zip(proposals) {
        entry.beyond_noise = (entry.author < entry.low || entry.author > entry.high)
            && (proposal - entry.author).abs() >= SMALLEST_CHANGE - 1e-9;
    }
    if entries.iter().any(|e| e.beyond_noise) {
        for (entry, proposal) in entries.iter_mut().zip(proposals) {
            entry.proposed = Some(*proposal);
        }
    }
}

/// The estimates from `counts` for the knowledge base `engine` ranks with.
#[must_use]
#[allow(clippy::too_many_lines)] // four kinds of number, each a few lines
pub fn estimate(engine: &Engine, layout: &Layout, counts: &Counts, options: Options) -> Estimates {
    let model = engine.model();
    let mut out = Estimates::default();
    for slot in &layout.slots {
        let observed = &counts.outcomes[slot.offset..slot.offset + slot.outcomes];
        let n: u64 = observed.iter().sum();
        if n == 0 {
            continue;
        }
        let author: Vec<f64> = slot.findings.iter().map(|(_, r)| *r).collect();
        let ks: Vec<u64> = slot
            .findings
            .iter()
            .map(|(f, _)| model.finding(*f).outcomes.iter().map(|&o| observed[o as usize]).sum())
            .collect();
        let named: usize =
            slot.findings.iter().map(|(f, _)| model.finding(*f).outcomes.len()).sum();
        let posterior = dirichlet(&author, &ks, n, options);
        let mut entries: Vec<Entry> = slot
            .findings
            .iter()
            .zip(&posterior)
            .zip(&ks)
            .map(|(((finding, rate), &(mean, low, high)), &k)| Entry {
                subject: Subject::Finding { cause: slot.cause, finding: *finding },
                label: format!(
                    "P({} | {})",
                    model.finding(*finding).text,
                    model.cause(slot.cause).name
                ),
                author: *rate,
                n,
                k,
                mean,
                low,
                high,
                beyond_noise: false,
                proposed: None,
            })
            .collect();
        let means: Vec<f64> = posterior.iter().map(|p| p.0).collect();
        let proposals = rounded(&means, UNITS as i64, named == slot.outcomes);
        settle(&mut entries, &proposals);
        out.findings.extend(entries);
    }
    for (s, symptom) in model.symptoms.iter().enumerate() {
        let counts_s = &counts.priors[s];
        let n: u64 = counts_s.iter().sum();
        if n == 0 || symptom.causes.is_empty() {
            continue;
        }
        // The records say which listed cause it was, never how often it was none of them: the
        // listed causes keep the author's total and share it as the data say.
        let listed: f64 = symptom.causes.iter().map(|(_, p)| p).sum();
        if listed <= 0.0 {
            continue;
        }
        let shares: Vec<f64> = symptom.causes.iter().map(|(_, p)| p / listed).collect();
        let posterior = dirichlet(&shares, counts_s, n, options);
        let mut entries: Vec<Entry> = symptom
            .causes
            .iter()
            .zip(&posterior)
            .zip(counts_s)
            .map(|((&(cause, prior), &(mean, low, high)), &k)| Entry {
                subject: Subject::Prior { symptom: crate::calibrate::counts::symptom_id(s), cause },
                label: format!("prior of {} for {}", model.cause(cause).name, symptom.name),
                author: prior,
                n,
                k,
                mean: mean * listed,
                low: low * listed,
                high: high * listed,
                beyond_noise: false,
                proposed: None,
            })
            .collect();
        let budget = to_units(1.0 - symptom.unlisted_floor.unwrap_or(0.0)).min(to_units(listed));
        let means: Vec<f64> = entries.iter().map(|e| e.mean).collect();
        let proposals = rounded(&means, budget, false);
        settle(&mut entries, &proposals);
        out.priors.extend(entries);
    }
    for (f, fix) in model.fixes.iter().enumerate() {
        let [worked, failed] = counts.fixes[f];
        let n = worked + failed;
        if n == 0 {
            continue;
        }
        let author = fix.success.unwrap_or(triage_engine::repair::DEFAULT_SUCCESS);
        let (mean, low, high) = dirichlet(&[author], &[worked], n, options)[0];
        let mut entry = [Entry {
            subject: Subject::Success { fix: FixId(f as u32) },
            label: format!("success of {}", fix.name),
            author,
            n,
            k: worked,
            mean,
            low,
            high,
            beyond_noise: false,
            proposed: None,
        }];
        let proposal = rounded(&[mean], UNITS as i64, false);
        settle(&mut entry, &proposal);
        out.fixes.extend(entry);
    }
    let n: u64 = counts.symptoms.iter().sum();
    if n > 0 {
        let frequencies: Vec<f64> =
            (0..model.symptoms.len()).map(|s| engine.frequency(SymptomId(s as u32))).collect();
        let total: f64 = frequencies.iter().sum();
        let shares: Vec<f64> = frequencies.iter().map(|f| f / total).collect();
        let posterior = dirichlet(&shares, &counts.symptoms, n, options);
        let proposals = rounded(&posterior.iter().map(|p| p.0).collect::<Vec<_>>(), 1000, false);
        // Only declared frequencies can be changed; the others are shown for comparison.
        for (s, symptom) in model.symptoms.iter().enumerate() {
            let (mean, low, high) = posterior[s];
            let mut entry = [Entry {
                subject: Subject::Frequency { symptom: SymptomId(s as u32) },
                label: format!(
                    "frequency of {}{}",
                    symptom.name,
                    if symptom.frequency.is_some() { "" } else { " (not declared)" }
                ),
                author: shares[s],
                n,
                k: counts.symptoms[s],
                mean,
                low,
                high,
                beyond_noise: false,
                proposed: None,
            }];
            settle(&mut entry, &proposals[s..=s]);
            if symptom.frequency.is_none() {
                entry[0].proposed = None;
            }
            out.frequencies.extend(entry);
        }
    }
    out
}

/// The model with the proposals applied: what the held-out validation ranks with, and what the
/// patch writes into the source.
#[must_use]
pub fn apply(model: &Model, estimates: &Estimates) -> Model {
    let mut out = model.clone();
    for entry in estimates.proposals() {
        let Some(value) = entry.proposed else { continue };
        match entry.subject {
            Subject::Finding { cause, finding } => {
                for (f, rate) in &mut out.causes[cause.index()].findings {
                    if *f == finding {
                        *rate = value;
                    }
                }
            }
            Subject::Prior { symptom, cause } => {
                for (c, p) in &mut out.symptoms[symptom.index()].causes {
                    if *c == cause {
                        *p = value;
                    }
                }
                for (s, p) in &mut out.causes[cause.index()].explains {
                    if *s == symptom {
                        *p = value;
                    }
                }
            }
            Subject::Success { fix } => out.fixes[fix.index()].success = Some(value),
            Subject::Frequency { symptom } => {
                out.symptoms[symptom.index()].frequency = Some(value);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_seen_often_enough_leaves_the_author_and_a_rate_seen_rarely_does_not() {
        let options = Options::default();
        // Author 0.9, data 30 of 100: far outside.
        let (mean, low, high) = dirichlet(&[0.9], &[30], 100, options)[0];
        assert!((mean - (9.0 + 30.0) / 110.0).abs() < 1e-12);
        assert!(high < 0.9 && low < mean && mean < high);
        // Author 0.9, data 2 of 3: within the noise.
        let (_, low, high) = dirichlet(&[0.9], &[2], 3, options)[0];
        assert!(low < 0.9 && 0.9 < high);
    }

    #[test]
    fn rounding_keeps_a_complete_distribution_at_one_and_a_partial_one_under() {
        let exact = rounded(&[0.3334, 0.3334, 0.3334], 1000, true);
        assert_eq!(exact.iter().map(|p| to_units(*p)).sum::<i64>(), 1000);
        let partial = rounded(&[0.6, 0.4004], 1000, false);
        assert!(partial.iter().map(|p| to_units(*p)).sum::<i64>() <= 1000);
        assert_eq!(rounded(&[0.0001], 1000, false), vec![0.001]);
    }
}
