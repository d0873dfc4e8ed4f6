//! triage-rules: the `.kb` knowledge-base language.
//!
//! Text goes in, a checked [`model::Model`] and its [`graph::DecisionGraph`] come out, with
//! every problem as a [`diagnostic::Diagnostic`]. Stages: [`parse`] (text → [`ast`]),
//! [`check`] (AST → model: names bound to ids, types checked), [`graph`] (model → petgraph).
//! [`format`] prints an AST back in canonical form. Later crates consume only the model and
//! the graph, never source text.

pub mod ast;
pub mod diagnostic;
pub mod parse;
pub mod source;
