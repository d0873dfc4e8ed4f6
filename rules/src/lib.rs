//! triage-rules: the `.kb` knowledge-base language.
//!
//! Text goes in, a checked [`model::Model`] and its [`graph::DecisionGraph`] come out, with
//! every problem as a [`diagnostic::Diagnostic`]. Stages: [`parse`] (text → [`ast`]),
//! [`check`] (AST → model: names bound to ids, types checked), [`graph`] (model → petgraph).
//! [`format`] prints an AST back in canonical form. Later crates consume only the model and
//! the graph, never source text. [`load`] reads files and folders from disk.

pub mod ast;
pub mod check;
pub mod diagnostic;
pub mod evidence;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod graph;
pub mod load;
pub mod model;
pub mod parse;
pub mod source;

pub use diagnostic::{Diagnostic, DiagnosticKind, Severity};
pub use load::{KnowledgeBase, load_paths, load_sources, load_text};
pub use model::Model;
pub use source::{FileId, SourceMap, Span};
