//! triage-engine: fact files, the compiled knowledge base, inference, explanations, the
//! next-best question and repair-sequence planning, and batch triage.
//!
//! It consumes only the checked [`triage_rules::Model`]; it never sees `.kb` source text.
//! [`facts`] reads and validates fact files, [`infer::Engine`] compiles a model and ranks
//! causes, [`explain`] puts evidence into words, [`question`] picks what to ask next,
//! [`repair`] orders the fixes and builds the observe–repair decision tree, [`reference`] is
//! the slow, obviously-correct implementation the fast one is tested against, [`report`] is
//! the JSON shape of a diagnosis, [`batch`] runs many fact sets in parallel, and [`schema`]
//! describes fact files as JSON Schema, [`search`] finds a symptom from an error code or
//! words, and [`wizard`] runs a diagnosis one question at a time.

pub mod batch;
pub mod cases;
pub mod cost;
pub mod explain;
pub mod extract;
pub mod facts;
pub mod fuzzing;
pub mod infer;
pub mod predicate;
pub mod question;
pub mod reference;
pub mod repair;
pub mod report;
pub mod schema;
pub mod search;
pub mod value;
pub mod wizard;

pub use facts::{
    FactFileError, FactFileHead, FactProblem, FactReader, FactSet, Format, fact_file_head,
};
pub use infer::{Diagnosis, Engine, RankedCause, SymptomDiagnosis};
pub use value::FactValue;
