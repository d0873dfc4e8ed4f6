//! The files `triage init` writes: a small knowledge base with one commented example of every
//! construct, and a case file. A test checks that they pass `triage check` with no warnings.

pub const FILES: [(&str, &str); 3] = [
    ("facts.kb", include_str!("init/facts.kb")),
    ("causes.kb", include_str!("init/causes.kb")),
    ("cases/examples.yaml", include_str!("init/examples.yaml")),
];
