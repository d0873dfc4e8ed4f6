//! What calibration counts in each session, in dense vectors laid out once per knowledge base:
//! per (cause, variable it gives findings on) the observed outcomes in the sessions that cause
//! was to blame; per symptom the causes to blame; per fix its results; per symptom its sessions.
//! Counts add and subtract, so the counts of k − 1 folds are the total minus one fold's.

use crate::session::{Known, Session, Truth};
use triage_engine::infer::{MatchedBy, outcome_of};
use triage_engine::value::{Facts as _, Overlay};
use triage_engine::{Diagnosis, Engine};
use triage_rules::model::{CauseId, FindingId, Model, SymptomId, VariableId};

/// One (cause, variable) the cause gives findings on.
#[derive(Debug, Clone)]
pub struct Slot {
    pub cause: CauseId,
    pub variable: VariableId,
    /// Where its outcome counts start in [`Counts::outcomes`].
    pub offset: usize,
    pub outcomes: usize,
    /// The cause's findings on the variable, with the author's rate.
    pub findings: Vec<(FindingId, f64)>,
}

/// Where every count lives.
#[derive(Debug, Clone)]
pub struct Layout {
    pub slots: Vec<Slot>,
    /// Per cause, the indexes of its slots.
    pub by_cause: Vec<Vec<usize>>,
    /// Per symptom, its listed causes (the order of its `causes`).
    pub candidates: Vec<Vec<CauseId>>,
    pub outcome_total: usize,
}

impl Layout {
    #[must_use]
    pub fn new(model: &Model) -> Layout {
        let mut slots: Vec<Slot> = Vec::new();
        let mut by_cause = vec![Vec::new(); model.causes.len()];
        let mut offset = 0;
        for (i, cause) in model.causes.iter().enumerate() {
            for &(finding, rate) in &cause.findings {
                let variable = model.finding(finding).variable;
                let existing =
                    by_cause[i].iter().copied().find(|&s: &usize| slots[s].variable == variable);
                match existing {
                    Some(s) => slots[s].findings.push((finding, rate)),
                    None => {
                        let outcomes = model.variable(variable).outcomes.len();
                        by_cause[i].push(slots.len());
                        slots.push(Slot {
                            cause: CauseId(i as u32),
                            variable,
                            offset,
                            outcomes,
                            findings: vec![(finding, rate)],
                        });
                        offset += outcomes;
                    }
                }
            }
        }
        let candidates =
            model.symptoms.iter().map(|s| s.causes.iter().map(|(c, _)| *c).collect()).collect();
        Layout { slots, by_cause, candidates, outcome_total: offset }
    }
}

/// The counts of a set of sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    /// Per slot, per outcome: sessions whose cause is the slot's and whose variable fell there.
    pub outcomes: Vec<u64>,
    /// Per symptom, per listed cause: sessions of the symptom (matched by its condition or
    /// named) that this cause was to blame for.
    pub priors: Vec<Vec<u64>>,
    /// Per symptom: sessions of the symptom.
    pub symptoms: Vec<u64>,
    /// Per fix: (worked, did not), in sessions whose confirmed cause it repairs.
    pub fixes: Vec<[u64; 2]>,
}

impl Counts {
    #[must_use]
    pub fn new(layout: &Layout, model: &Model) -> Counts {
        Counts {
            outcomes: vec![0; layout.outcome_total],
            priors: layout.candidates.iter().map(|c| vec![0; c.len()]).collect(),
            symptoms: vec![0; model.symptoms.len()],
            fixes: vec![[0; 2]; model.fixes.len()],
        }
    }

    /// Adds one session, diagnosed by `engine` as `diagnosis`.
    pub fn add(
        &mut self,
        layout: &Layout,
        engine: &Engine,
        session: &Session,
        facts: &triage_engine::FactSet,
        diagnosis: &Diagnosis,
    ) {
        let model = engine.model();
        let ranked = diagnosis.symptoms.first();
        let symptom = ranked.filter(|r| r.matched_by != MatchedBy::Mixture).map(|r| r.symptom);
        // Test cases are chosen by their author: they say what a cause looks like, not how
        // common it or its symptom is.
        if let Some(s) = symptom
            && session.sampled
        {
            self.symptoms[s.index()] += 1;
        }
        let Truth::Cause(cause) = session.truth else { return };
        // A cause inferred from the fix that worked is likelier for causes whose fixes work:
        // only confirmed causes say how often each cause is to blame.
        if let Some(s) = symptom
            && session.known == Known::Confirmed
            && session.sampled
            && let Some(at) = layout.candidates[s.index()].iter().position(|c| *c == cause)
        {
            self.priors[s.index()][at] += 1;
        }
        let changes: Vec<_> =
            diagnosis.derived.iter().map(|(f, v)| (*f, Some(v.clone()))).collect();
        let view = Overlay { base: &facts.values, changes: &changes };
        for &s in &layout.by_cause[cause.index()] {
            let slot = &layout.slots[s];
            let def = model.variable(slot.variable);
            if let Some(outcome) = view.value(def.fact).and_then(|v| outcome_of(def, v)) {
                self.outcomes[slot.offset + outcome as usize] += 1;
            }
        }
        if session.known == Known::Confirmed {
            for &(fix, worked) in &session.fixes {
                if model.fix(fix).fixes.contains(&cause) {
                    self.fixes[fix.index()][usize::from(!worked)] += 1;
                }
            }
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.combine(other, |a, b| a + b);
    }

    /// These counts without `other`'s (a subset of them).
    #[must_use]
    pub fn without(&self, other: &Counts) -> Counts {
        let mut out = self.clone();
        out.combine(other, u64::saturating_sub);
        out
    }

    fn combine(&mut self, other: &Counts, op: impl Fn(u64, u64) -> u64) {
        for (a, b) in self.outcomes.iter_mut().zip(&other.outcomes) {
            *a = op(*a, *b);
        }
        for (xs, ys) in self.priors.iter_mut().zip(&other.priors) {
            for (a, b) in xs.iter_mut().zip(ys) {
                *a = op(*a, *b);
            }
        }
        for (a, b) in self.symptoms.iter_mut().zip(&other.symptoms) {
            *a = op(*a, *b);
        }
        for (a, b) in self.fixes.iter_mut().zip(&other.fixes) {
            a[0] = op(a[0], b[0]);
            a[1] = op(a[1], b[1]);
        }
    }
}

/// A symptom by id, for the callers that only have the index.
#[must_use]
pub fn symptom_id(index: usize) -> SymptomId {
    SymptomId(index as u32)
}
