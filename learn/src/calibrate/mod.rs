//! Calibration: how well a knowledge base's probabilities match what happened in sessions
//! (test cases or outcome records), where the data disagree with the author, and whether the
//! proposed changes generalise (k-fold held-out log loss).
//!
//! Every session is diagnosed once per pass (in parallel) and leaves counts and scores behind,
//! never itself: [`counts`] says what is counted, [`metrics`] how rankings are scored,
//! [`estimate`] how counts become estimates and proposals, [`patch`] writes them as a diff of
//! the `.kb` files and [`report_html`] as a page.

pub mod counts;
pub mod estimate;
pub mod metrics;
pub mod patch;
pub mod report_html;

use crate::session::Session;
use counts::{Counts, Layout};
use estimate::{Estimates, Options};
use metrics::{Scores, Summary};
use rayon::prelude::*;
use serde::Serialize;
use triage_engine::Engine;

/// Held-out validation: the log loss of each held-out fold, ranked by the knowledge base as it
/// is and as the other folds' proposals would make it.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    pub folds: usize,
    pub before: Summary,
    pub after: Summary,
}

/// Everything `triage calibrate` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// The rankings of the knowledge base as it is, over every session.
    pub summary: Summary,
    /// The same, with the reliability diagram's bins.
    pub scores: Scores,
    pub estimates: Estimates,
    /// `None` with fewer sessions than folds (or one fold).
    pub validation: Option<Validation>,
    pub strength: f64,
}

/// Counts and scores of each fold.
fn pass(
    engine: &Engine,
    layout: &Layout,
    sessions: &[Session],
    folds: usize,
) -> Vec<(Counts, Scores)> {
    let model = engine.model();
    let empty = || vec![(Counts::new(layout, model), Scores::default()); folds];
    sessions
        .par_iter()
        .enumerate()
        .fold(empty, |mut acc, (i, session)| {
            let facts = session.fact_set(model);
            let diagnosis = engine.diagnose(&facts);
            let (counts, scores) = &mut acc[i % folds];
            counts.add(layout, engine, session, &facts, &diagnosis);
            scores.add(diagnosis.symptoms.first(), session.truth);
            acc
        })
        .reduce(empty, |mut a, b| {
            for ((ca, sa), (cb, sb)) in a.iter_mut().zip(&b) {
                ca.merge(cb);
                sa.merge(sb);
            }
            a
        })
}

/// Scores of the sessions of one fold under another engine.
fn score_fold(engine: &Engine, sessions: &[Session], fold: usize, folds: usize) -> Scores {
    let model = engine.model();
    sessions
        .par_iter()
        .enumerate()
        .filter(|(i, _)| i % folds == fold)
        .fold(Scores::default, |mut scores, (_, session)| {
            let diagnosis = engine.diagnose(&session.fact_set(model));
            scores.add(diagnosis.symptoms.first(), session.truth);
            scores
        })
        .reduce(Scores::default, |mut a, b| {
            a.merge(&b);
            a
        })
}

/// Calibrates the knowledge base `engine` ranks with against `sessions`.
#[must_use]
pub fn calibrate(engine: &Engine, sessions: &[Session], options: Options) -> Calibration {
    let model = engine.model();
    let layout = Layout::new(model);
    let folds = options.folds.max(1);
    let per_fold = pass(engine, &layout, sessions, folds);
    let mut total = Counts::new(&layout, model);
    let mut scores = Scores::default();
    for (c, s) in &per_fold {
        total.merge(c);
        scores.merge(s);
    }
    let estimates = estimate::estimate(engine, &layout, &total, options);
    let validation = (folds >= 2 && sessions.len() >= folds).then(|| {
        let mut before = Scores::default();
        let mut after = Scores::default();
        for (fold, (counts, held_out)) in per_fold.iter().enumerate() {
            before.merge(held_out);
            let train = total.without(counts);
            let proposed = estimate::estimate(engine, &layout, &train, options);
            let refit = Engine::new(estimate::apply(model, &proposed));
            after.merge(&score_fold(&refit, sessions, fold, folds));
        }
        Validation { folds, before: before.summary(), after: after.summary() }
    });
    Calibration {
        summary: scores.summary(),
        scores,
        estimates,
        validation,
        strength: options.strength,
    }
}

impl Calibration {
    /// The proposals, counted by kind: (findings, priors, fixes, frequencies).
    #[must_use]
    pub fn proposal_counts(&self) -> [usize; 4] {
        let count =
            |entries: &[estimate::Entry]| entries.iter().filter(|e| e.proposed.is_some()).count();
        [
            count(&self.estimates.findings),
            count(&self.estimates.priors),
            count(&self.estimates.fixes),
            count(&self.estimates.frequencies),
        ]
    }
}

/// The estimates, for callers that only need them (the synthetic world's convergence).
#[must_use]
pub fn estimates_only(engine: &Engine, sessions: &[Session], options: Options) -> Estimates {
    calibrate(engine, sessions, Options { folds: 1, ..options }).estimates
}
