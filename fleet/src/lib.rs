//! triage-fleet: the fleet report (`triage report`). One streaming pass over the records
//! `triage batch` writes (summary or full, error records too) counts per symptom and per
//! leading cause how many hosts there are and how sure their rankings are, sums what each fact
//! would tell the ambiguous hosts and how much probability each cause holds across the fleet;
//! at the end the knowledge base turns those sums into the fact to collect next and the order
//! to roll fixes out in.
//!
//! - [`read`]: the records, parsed and tallied ([`read::Tally`]); memory grows with the
//!   knowledge base (causes × facts), never with the hosts: per cause only the first
//!   [`read::HOSTS_KEPT`] host names are kept, all of them go to the hosts CSV as they come.
//! - [`next_fact`]: the fact whose answer is expected to settle the most ambiguous hosts.
//! - [`rollout`]: fixes by expected hosts fixed per unit of cost.
//! - [`document`]: the report as a stable JSON document (with its JSON Schema).
//! - [`render`]: the same document as Markdown or one self-contained HTML page.
//!
//! It does not diagnose anything: the engine did that in `triage batch`; nor does it choose
//! which knowledge base the records are from (the caller does, from [`read::Tally`]'s
//! symptoms, and passes its model).

pub mod document;
pub mod next_fact;
pub mod read;
pub mod render;
pub mod rollout;

pub use document::{FleetReport, KnowledgeBase};
pub use read::Tally;
