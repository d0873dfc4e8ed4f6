//! triage-renderers: what people and machines receive, rendered from the engine's results.
//!
//! [`diagnosis`] prints a diagnosis report for a terminal; [`guide`] renders a troubleshooting
//! guide (Markdown, HTML) from the same report and decision tree, [`site`] the whole knowledge
//! base as static pages, and [`markdown`] makes author-written Markdown safe for both.
//! [`plan`] renders the repair order as an executable plan (PowerShell, bash, JSON) and
//! [`collect`] the scripts that gather a machine's facts into a fact file.

pub mod collect;
pub mod diagnosis;
pub mod guide;
pub mod markdown;
pub mod plan;
pub mod preamble;
pub mod site;
