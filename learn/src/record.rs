//! The outcome record (`triage-outcome/1`): what one session ended with, one JSON object per
//! line. Concatenating record files merges them; a reader skips blank lines and reports a bad
//! line by file and line number without losing the others.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The value of every record's `format`.
pub const FORMAT: &str = "triage-outcome/1";

/// One finished session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Always `triage-outcome/1`.
    pub format: String,
    /// 16 lowercase hex digits, unique per session.
    pub id: String,
    /// When the session ended, RFC 3339 UTC.
    pub recorded_at: String,
    /// The tool the session ran in.
    pub tool: Tool,
    /// The knowledge base that ranked the causes.
    pub kb: KbVersion,
    /// The symptom diagnosed at the end; `null` when none was chosen (a thin report).
    pub symptom: Option<String>,
    /// Every fact known at the end, in the order learnt.
    pub facts: Vec<RecordedFact>,
    /// The causes as shown at the end, best first (every listed cause with P > 0).
    pub ranking: Vec<RankedCause>,
    /// P(a cause the knowledge base does not list) at the end.
    pub unlisted: f64,
    /// The fixes in the order tried.
    #[serde(default)]
    pub fixes: Vec<TriedFix>,
    /// The cause the person confirmed, if they did.
    #[serde(default)]
    pub confirmed_cause: Option<String>,
}

/// Where a session ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    Ask,
    Serve,
    Plan,
}

/// A knowledge base by name and content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KbVersion {
    /// `rdp`, `ssh`, or the folder name of a `--kb PATH`.
    pub name: String,
    /// `sha256:` and the hex SHA-256 of the `.kb` files (see the learning chapter in docs/).
    pub version: String,
}

/// A fact as the session learnt it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedFact {
    pub fact: String,
    /// The value as in a fact file; `null` when the answer was "don't know".
    pub value: serde_json::Value,
    pub source: FactSource,
    /// 0 for what was known at first contact, then 1, 2, … per question asked.
    pub step: u32,
}

/// How a fact became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactSource {
    /// A fact file or `--fact`.
    Given,
    /// Read from typed or pasted text.
    Extracted,
    /// Answered in the conversation.
    Asked,
    /// Gathered by a collector script.
    Collected,
}

/// A cause with its probability at the end of the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RankedCause {
    pub cause: String,
    pub probability: f64,
}

/// A fix and what happened when it was (or was not) tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriedFix {
    pub fix: String,
    pub result: FixResult,
}

/// The result of a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FixResult {
    Worked,
    DidNotWork,
    NotTried,
    Undone,
}

/// A line of a record file that is not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RecordError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Reads every record of a record file's text; bad lines become errors, the rest is kept.
#[must_use]
pub fn read_records(file: &str, text: &str) -> (Vec<Record>, Vec<RecordError>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        match parse_record(line) {
            Ok(record) => records.push(record),
            Err(message) => {
                errors.push(RecordError { file: file.to_string(), line: line_number, message });
            }
        }
    }
    (records, errors)
}

/// One record from one line: the format is checked before the fields, so a record of another
/// version says so instead of listing the fields it does not know.
fn parse_record(line: &str) -> Result<Record, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    match value.get("format").and_then(serde_json::Value::as_str) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(format!(
                "a record of format `{}`; this triage reads `{FORMAT}`",
                other.chars().take(40).collect::<String>()
            ));
        }
        None => {
            return Err(format!("not an outcome record: expected a \"format\": \"{FORMAT}\" key"));
        }
    }
    serde_json::from_value(value).map_err(|e| format!("expected a `{FORMAT}` record: {e}"))
}

/// The JSON Schema of one record line.
#[must_use]
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Record)).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"format":"triage-outcome/1","id":"9f2c4e1a7b3d5e60","recorded_at":"2026-12-02T19:40:00Z","tool":"ask","kb":{"name":"rdp","version":"sha256:00"},"symptom":"rdp_0x904_0x7","facts":[{"fact":"error_code","value":2308,"source":"extracted","step":0}],"ranking":[{"cause":"tls_mismatch","probability":0.7}],"unlisted":0.04,"fixes":[{"fix":"enable_tls12","result":"worked"}],"confirmed_cause":null}"#;

    #[test]
    fn concatenated_files_read_as_one_and_bad_lines_are_located() {
        let text = format!("{LINE}\n\n{{\"format\":\"triage-outcome/2\"}}\nnot json\n{LINE}\n");
        let (records, errors) = read_records("a.jsonl", &text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].fixes[0].result, FixResult::Worked);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].to_string().contains("triage-outcome/2"), "{}", errors[0]);
        assert!(errors[1].to_string().starts_with("a.jsonl:4: not JSON"), "{}", errors[1]);
    }

    #[test]
    fn a_record_round_trips() {
        let (records, _) = read_records("a", LINE);
        let again = serde_json::to_string(&records[0]).unwrap();
        assert_eq!(read_records("b", &again).0, records);
    }
}
