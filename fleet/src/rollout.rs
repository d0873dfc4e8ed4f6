//! The rollout order: which fix to roll out first across the fleet.
//!
//! A fix F is expected to fix `Σ_hosts Σ_{causes c F repairs} P(c | host) × success(F)` hosts;
//! with the per-cause sums of the tally ([`crate::read::CauseTally::mass`]) that is
//! `success(F) × Σ_c mass(c)`. Fixes are taken greedily by expected hosts fixed per second of
//! their cost — the p·q/c order of the engine's repair order (Kadane and Simon), over the
//! fleet — and once a fix is rolled out, the mass of its causes keeps only what it leaves
//! (1 − success), so a second fix for the same causes is credited with what the first did not
//! fix. Summary records list the three likeliest causes of a host, so from them the figures are
//! a lower bound; full records give the complete ranking. Per-host preconditions of fixes are
//! not in the records and are not applied.

use crate::read::Tally;
use serde::Serialize;
use triage_engine::repair::DEFAULT_SUCCESS;
use triage_rules::Model;

/// A fix expected to fix fewer hosts than this is not listed.
pub const MIN_HOSTS_FIXED: f64 = 0.01;

/// One fix of the rollout order.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Step {
    pub fix: String,
    pub title: String,
    /// The causes it repairs that the fleet's hosts list.
    pub causes: Vec<String>,
    /// Expected hosts it fixes, after the fixes before it.
    pub expected_hosts_fixed: f64,
    /// Hosts whose leading cause it repairs.
    pub hosts_led: u64,
    /// The chance it repairs its cause (the knowledge base's `success`, else the default).
    pub success: f64,
    /// What applying it once costs, in seconds (the knowledge base's `cost`).
    pub cost_seconds: f64,
    /// Expected hosts fixed per hour of its cost: what the order is by.
    pub hosts_per_hour: f64,
    /// `low`, `medium` or `high`; none when the knowledge base does not say.
    pub risk: Option<String>,
}

/// The fixes in rollout order.
#[must_use]
pub fn rollout(tally: &Tally, model: &Model) -> Vec<Step> {
    // The mass of each cause of the knowledge base, by its id.
    let mut remaining: Vec<f64> =
        model.causes.iter().map(|c| tally.causes.get(&c.name).map_or(0.0, |t| t.mass)).collect();
    let led: Vec<u64> =
        model.causes.iter().map(|c| tally.causes.get(&c.name).map_or(0, |t| t.hosts)).collect();
    let mut candidates: Vec<usize> = (0..model.fixes.len())
        .filter(|&f| model.fixes[f].fixes.iter().any(|c| remaining[c.0 as usize] > 0.0))
        .collect();
    let value = |fix: usize, remaining: &[f64]| {
        let def = &model.fixes[fix];
        let mass: f64 = def.fixes.iter().map(|c| remaining[c.0 as usize]).sum();
        mass * def.success.unwrap_or(DEFAULT_SUCCESS)
    };
    let cost = |fix: usize| model.fixes[fix].cost_seconds.max(1.0);
    let mut steps = Vec::new();
    loop {
        let best = candidates.iter().enumerate().max_by(|&(_, &a), &(_, &b)| {
            (value(a, &remaining) / cost(a))
                .total_cmp(&(value(b, &remaining) / cost(b)))
                .then(b.cmp(&a))
        });
        let Some((at, &fix)) = best else { break };
        let fixed = value(fix, &remaining);
        if fixed < MIN_HOSTS_FIXED {
            break;
        }
        candidates.swap_remove(at);
        let def = &model.fixes[fix];
        let success = def.success.unwrap_or(DEFAULT_SUCCESS);
        let mut causes = Vec::new();
        let mut hosts_led = 0;
        for c in &def.fixes {
            let i = c.0 as usize;
            if remaining[i] > 0.0 {
                causes.push(model.causes[i].name.clone());
            }
            hosts_led += led[i];
            remaining[i] *= 1.0 - success;
        }
        steps.push(Step {
            fix: def.name.clone(),
            title: def.title.clone(),
            causes,
            expected_hosts_fixed: fixed,
            hosts_led,
            success,
            cost_seconds: cost(fix),
            hosts_per_hour: fixed / cost(fix) * 3600.0,
            risk: def.risk.map(|r| r.keyword().to_string()),
        });
    }
    steps
}
