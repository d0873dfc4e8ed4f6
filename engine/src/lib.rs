//! triage-engine: fact files, the compiled knowledge base (dense ids, indexes), inference,
//! explanations, the next-best question and repair-sequence planning.
//!
//! It consumes only the checked `triage_rules::Model`; it never sees `.kb` source text.
//! Nothing is implemented here yet: the inference engine is the next piece of work.
