//! What can go wrong with a request, and the status each problem gets.
//!
//! Every problem a client can cause is a 4xx with a message that says what to change; the
//! message is data here and is rendered at the edge, as an HTML page for the pages and as JSON
//! for `/api/`. A 500 is only ever a bug in triage (a template that fails to render) and never
//! carries internal details.

use axum::http::StatusCode;
use serde::Serialize;
use triage_engine::{FactFileError, FactProblem};

/// A problem with a request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("there is no page at `{0}`")]
    NotFound(String),
    #[error("this address does not accept a {0} request")]
    MethodNotAllowed(String),
    #[error("unknown symptom `{name}`{}", hint_suffix(.hint.as_deref()))]
    UnknownSymptom { name: String, hint: Option<String> },
    #[error("unknown knowledge base `{name}` (the knowledge bases here: {})", .names.join(", "))]
    UnknownKnowledgeBase { name: String, names: Vec<String> },
    #[error(
        "the facts fit the knowledge bases `{first}` and `{second}` equally well: choose one \
         with ?kb={first} or ?kb={second}"
    )]
    FitsEqually { first: String, second: String },
    #[error("unknown {kind} `{name}`{}", hint_suffix(.hint.as_deref()))]
    UnknownItem { kind: &'static str, name: String, hint: Option<String> },
    #[error("{0}")]
    BadFact(FactProblem),
    #[error("missing `{0}` in the address")]
    Missing(&'static str),
    #[error("choose an answer, or “Don't know”")]
    NoAnswer,
    #[error("the address has more than {max} fields")]
    TooManyFields { max: usize },
    #[error("the field `{field}` is longer than {max} bytes")]
    FieldTooLong { field: String, max: usize },
    #[error("the address is longer than {max} bytes")]
    QueryTooLong { max: usize },
    #[error("{0}")]
    FactFile(FactFileError),
    #[error("the request body is not UTF-8 text")]
    NotUtf8,
    #[error("the request body is larger than {max} bytes")]
    BodyTooLarge { max: usize },
    #[error("the request body could not be read: {0}")]
    Body(String),
    #[error("the request took longer than {millis} ms")]
    Timeout { millis: u128 },
    #[error("the server is busy: try again in {retry_after_seconds} s")]
    Busy { retry_after_seconds: u64 },
    #[error("no plan: {0}")]
    Plan(String),
    #[error("{}", triage_engine::report::NO_SYMPTOM)]
    NoSymptom,
    #[error("the page could not be rendered; this is a bug in triage")]
    Internal,
    /// A "Did this fix it?" answer that names what the knowledge base or the page does not
    /// have.
    #[error("{0}")]
    BadOutcome(String),
    /// The record folder could not be written (the details are in the server's log).
    #[error("the outcome could not be recorded: the server cannot write its record folder")]
    NotRecorded,
    /// A form posted from a page of another site.
    #[error("this form can only be sent from this server's own result page")]
    CrossSite,
}

/// The `Retry-After` of a refusal that passes ([`WebError::retry_after`]), on its response.
pub(crate) fn add_retry_after(response: &mut axum::response::Response, error: &WebError) {
    if let Some(seconds) = error.retry_after() {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
    }
}

fn hint_suffix(hint: Option<&str>) -> String {
    hint.map(|h| format!(" ({h})")).unwrap_or_default()
}

impl WebError {
    /// The HTTP status of the problem.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_)
            | WebError::UnknownSymptom { .. }
            | WebError::UnknownItem { .. }
            | WebError::UnknownKnowledgeBase { .. } => StatusCode::NOT_FOUND,
            WebError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            WebError::CrossSite => StatusCode::FORBIDDEN,
            WebError::BadFact(_)
            | WebError::Missing(_)
            | WebError::TooManyFields { .. }
            | WebError::FieldTooLong { .. }
            | WebError::NotUtf8
            | WebError::BadOutcome(_)
            | WebError::Body(_) => StatusCode::BAD_REQUEST,
            WebError::NoAnswer
            | WebError::FactFile(_)
            | WebError::Plan(_)
            | WebError::FitsEqually { .. }
            | WebError::NoSymptom => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::QueryTooLong { .. } => StatusCode::URI_TOO_LONG,
            WebError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Timeout { .. } => StatusCode::REQUEST_TIMEOUT,
            WebError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal | WebError::NotRecorded => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short title for the error page.
    #[must_use]
    pub fn title(&self) -> &'static str {
        match self.status() {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "That did not work",
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::URI_TOO_LONG => "Too much input",
            StatusCode::REQUEST_TIMEOUT => "Too slow",
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::SERVICE_UNAVAILABLE => "Busy",
            _ => "Something went wrong",
        }
    }

    /// How long the client should wait before trying again (`Retry-After`), for a refusal
    /// that passes.
    #[must_use]
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            WebError::Busy { retry_after_seconds } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// The problems as data: one per fact-file key, or the message alone.
    #[must_use]
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            WebError::FactFile(FactFileError::Invalid(problems)) => {
                problems.iter().map(Problem::from).collect()
            }
            WebError::BadFact(problem) => vec![Problem::from(problem)],
            other => vec![Problem { message: other.to_string(), ..Problem::default() }],
        }
    }

    /// The JSON body of an API error: `{"error": …, "problems": [...]}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let summary = match self {
            WebError::FactFile(FactFileError::Invalid(problems)) => format!(
                "{} problem{} in the facts",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
            other => other.to_string(),
        };
        serde_json::json!({ "error": summary, "problems": self.problems() })
    }
}

/// One problem, for JSON and for the error page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Problem {
    /// The fact-file key, when the problem is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The problem in a sentence.
    pub message: String,
}

impl From<&FactProblem> for Problem {
    fn from(problem: &FactProblem) -> Self {
        Problem {
            key: Some(problem.key.clone()),
            found: Some(problem.found.clone()),
            expected: Some(problem.expected.clone()),
            hint: problem.hint.clone(),
            message: problem.to_string(),
        }
    }
}
