//! triage-renderers: what people and machines receive, rendered from the engine's results.
//!
//! [`diagnosis`] prints a diagnosis report for a terminal. Guides (Markdown, HTML), executable
//! plans (PowerShell, bash, JSON), fact-collection scripts and the static site are not built
//! yet; they will render the same report and decision tree.

pub mod diagnosis;
