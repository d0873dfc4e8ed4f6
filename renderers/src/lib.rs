//! triage-renderers: guides (Markdown, HTML), executable plans (PowerShell, bash, JSON),
//! fact-collection scripts and the static site, all rendered from the engine's results.
//!
//! Nothing is implemented here yet: the renderers follow the inference engine.
