//! What a question costs, by who can answer it.
//!
//! A support engineer on the phone with the person at the client gets what that person sees
//! at once; a check on the client needs someone with rights there; a check on the server, the
//! gateway or the cloud portal needs its administrator, a hand-over that costs far more than
//! the check itself, and is paid once: after the first answer from the server's administrator
//! the next server check costs only its own time. Nobody answers every question either: the
//! chance of an answer scales what a question is worth, while its cost is paid either way.

use crate::value::Facts;
use triage_rules::ast::{Need, Role};
use triage_rules::model::{FactId, Model};

/// What reaching a role costs and how often it can answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoleCost {
    /// Seconds to get the role on the case when nobody in it has answered yet.
    pub reach_seconds: f64,
    /// The chance that someone in the role can answer a question meant for it.
    pub answer_rate: f64,
}

/// The cost model's constants (documented in docs/language.md, under `who`).
#[must_use]
pub fn role_cost(role: Role) -> RoleCost {
    match role {
        // On the line: no hand-over, but people often cannot say.
        Role::User => RoleCost { reach_seconds: 0.0, answer_rate: 0.8 },
        // Taking over the client's screen or asking its administrator.
        Role::ClientAdmin => RoleCost { reach_seconds: 120.0, answer_rate: 0.9 },
        // A hand-over to the server's administrator.
        Role::ServerAdmin => RoleCost { reach_seconds: 900.0, answer_rate: 0.9 },
        // Another team: the network, the gateway, the cloud portal.
        Role::NetworkAdmin => RoleCost { reach_seconds: 1800.0, answer_rate: 0.85 },
    }
}

/// The roles already on the case: those that gave a fact that is known (derived facts left
/// out, they come from rules, not from a person).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reached([bool; 4]);

impl Reached {
    /// The roles of the known facts.
    #[must_use]
    pub fn from_facts<F: Facts + ?Sized>(model: &Model, facts: &F) -> Self {
        let mut reached = Reached::default();
        for (i, def) in model.facts.iter().enumerate() {
            if !def.derived && facts.value(FactId(i as u32)).is_some() {
                reached.0[def.role() as usize] = true;
            }
        }
        reached
    }

    #[must_use]
    pub fn contains(self, role: Role) -> bool {
        self.0[role as usize]
    }

    /// The roles of both.
    #[must_use]
    pub fn union(self, other: Reached) -> Self {
        Reached(std::array::from_fn(|i| self.0[i] || other.0[i]))
    }

    /// The same with `role` on the case too.
    #[must_use]
    pub fn with(mut self, role: Role) -> Self {
        self.0[role as usize] = true;
        self
    }
}

/// Who applies a fix, from what it needs: the network's administrator for the network, the
/// server's for the server or the domain, someone with rights on the client for an
/// administrator's change elsewhere, else the person at the client.
#[must_use]
pub fn fix_role(needs: &[Need]) -> Role {
    if needs.contains(&Need::NetworkAdmin) {
        Role::NetworkAdmin
    } else if needs.contains(&Need::Server) || needs.contains(&Need::DomainAdmin) {
        Role::ServerAdmin
    } else if needs.contains(&Need::Admin) {
        Role::ClientAdmin
    } else {
        Role::User
    }
}

/// How many questions, or fixes, share one hand-over to a role: what a person asks of an
/// administrator, or has them do, in one go.
pub const HAND_OVER_SHARED_BY: usize = 3;

/// The share of the hand-over to `role` that one of `sharers` steps for that role carries when
/// ordering them: charging it all to the first would never let a one-step look-ahead reach the
/// server, whose next steps then cost only their own time.
#[must_use]
pub fn shared_hand_over(role: Role, reached: Reached, sharers: usize) -> f64 {
    let shared_by = sharers.clamp(1, HAND_OVER_SHARED_BY);
    hand_over_seconds(role, reached) / f64::from(shared_by as u32)
}

/// The hand-over a step by `role` adds when that role is not on the case yet.
#[must_use]
pub fn hand_over_seconds(role: Role, reached: Reached) -> f64 {
    if reached.contains(role) { 0.0 } else { role_cost(role).reach_seconds }
}

/// What one question costs besides finding the value out: asking it, the person looking and
/// answering. Knowledge bases give the time to read a value (often seconds); a conversation
/// spends this much more on every question, answered or not, so a question that only
/// reshuffles unlikely causes is not worth a turn.
pub const TURN_SECONDS: f64 = 30.0;

/// What asking for `fact` costs now, in seconds: its own time plus the hand-over to its role
/// when that role has not answered yet.
#[must_use]
pub fn question_cost(model: &Model, fact: FactId, reached: Reached) -> f64 {
    let def = model.fact(fact);
    let own = def.cost_seconds.unwrap_or(crate::question::DEFAULT_QUESTION_COST).max(1.0);
    own + TURN_SECONDS + hand_over_seconds(def.role(), reached)
}

/// How much the answers of one conversation weigh against a role's answer rate: the rate is
/// the mean of a Beta prior worth this many answers, updated by the facts that role gave
/// (known, not derived) and the questions it could not answer. A person who said "don't know"
/// twice is less likely to know the third thing.
pub const ANSWER_RATE_PRIOR_WEIGHT: f64 = 4.0;

/// The chance that each role (indexed by `Role as usize`) answers its next question.
#[must_use]
pub fn answer_rates<F: Facts + ?Sized>(model: &Model, facts: &F, declined: &[FactId]) -> [f64; 4] {
    let mut answered = [0.0_f64; 4];
    let mut unanswered = [0.0_f64; 4];
    for (i, def) in model.facts.iter().enumerate() {
        if !def.derived && facts.value(FactId(i as u32)).is_some() {
            answered[def.role() as usize] += 1.0;
        }
    }
    for &fact in declined {
        unanswered[model.fact(fact).role() as usize] += 1.0;
    }
    std::array::from_fn(|i| {
        let prior = role_cost(Role::ALL[i]).answer_rate;
        (ANSWER_RATE_PRIOR_WEIGHT * prior + answered[i])
            / (ANSWER_RATE_PRIOR_WEIGHT + answered[i] + unanswered[i])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: &str = r#"
fact message: bool { ask "Is there a message?" where person cost 10s }
fact cert_ok: bool { ask "Is the certificate valid?" where server cost 30s }
fact route_ok: bool { ask "Is the route there?" where management who network_admin cost 1m }
symptom s { title "S" when message == true }
cause c { title "C" explains s: 0.5 when cert_ok : rarely when route_ok : often }
"#;

    #[test]
    #[allow(clippy::float_cmp)] // sums of whole seconds, exact in f64
    fn the_hand_over_to_a_role_is_paid_once() {
        let kb = triage_rules::load_text("kb.kb", KB);
        let model = kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics));
        let cert = model.fact_id("cert_ok").expect("fact");
        let route = model.fact_id("route_ok").expect("fact");
        let message = model.fact_id("message").expect("fact");
        let mut facts: Vec<Option<crate::FactValue>> = vec![None; model.facts.len()];
        let nobody = Reached::from_facts(&model, &facts);
        assert_eq!(
            question_cost(&model, message, nobody),
            10.0 + TURN_SECONDS,
            "the person is on the line"
        );
        assert_eq!(
            question_cost(&model, cert, nobody),
            930.0 + TURN_SECONDS,
            "a hand-over to the server"
        );
        assert_eq!(
            question_cost(&model, route, nobody),
            1860.0 + TURN_SECONDS,
            "declared network_admin"
        );
        facts[cert.index()] = Some(crate::FactValue::Bool(true));
        let server = Reached::from_facts(&model, &facts);
        assert!(server.contains(Role::ServerAdmin));
        assert_eq!(
            question_cost(&model, cert, server),
            30.0 + TURN_SECONDS,
            "the server is on the case"
        );
    }

    #[test]
    fn each_dont_know_lowers_the_chance_that_the_same_role_answers_next() {
        let kb = triage_rules::load_text("kb.kb", KB);
        let model = kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics));
        let message = model.fact_id("message").expect("fact");
        let cert = model.fact_id("cert_ok").expect("fact");
        let facts: Vec<Option<crate::FactValue>> = vec![None; model.facts.len()];
        let fresh = answer_rates(&model, &facts, &[]);
        assert!((fresh[Role::User as usize] - 0.8).abs() < 1e-12);
        let after = answer_rates(&model, &facts, &[message]);
        assert!(after[Role::User as usize] < fresh[Role::User as usize]);
        assert!(
            (after[Role::ServerAdmin as usize] - fresh[Role::ServerAdmin as usize]).abs() < 1e-12
        );
        let twice = answer_rates(&model, &facts, &[message, cert]);
        assert!(twice[Role::ServerAdmin as usize] < fresh[Role::ServerAdmin as usize]);
    }
}
