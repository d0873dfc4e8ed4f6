//! Test cases from outcome records (`triage cases from-records`): a record whose cause is
//! known becomes a case in the shared case format, and records with the same facts and cause
//! are folded into one.
//!
//! Only the writing of the YAML lives here; `triage_engine::cases` reads it back. The YAML is
//! written in flow style with JSON scalars (YAML 1.2 reads JSON), so no value from a record can
//! break out of its place in the file.

use crate::record::Record;
use crate::session::{self, Known, Skip};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use triage_rules::model::Model;

/// What `cases from-records` made of a set of records.
#[derive(Debug, Default)]
pub struct FromRecords {
    /// The case file.
    pub yaml: String,
    /// Cases written.
    pub cases: usize,
    /// Records folded into an earlier case with the same facts and cause.
    pub folded: usize,
    /// Records that became no case, by reason.
    pub skipped: BTreeMap<Skip, usize>,
}

struct Pending<'r> {
    record: &'r Record,
    cause: String,
    known: Known,
    /// The ids of the records folded into this one.
    also: Vec<&'r str>,
}

/// Turns records into cases for `model` (the knowledge base called `kb_name`).
#[must_use]
pub fn from_records(model: &Model, kb_name: &str, records: &[Record]) -> FromRecords {
    let mut out = FromRecords::default();
    let mut pending: Vec<Pending<'_>> = Vec::new();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for record in records {
        // The same checks calibration makes: a case must run under `triage test`.
        let checked = session::from_record(model, kb_name, record);
        let (cause, known) = match checked {
            Ok(s) => match s.truth {
                session::Truth::Cause(c) => (model.cause(c).name.clone(), s.known),
                session::Truth::Unlisted => continue,
            },
            Err(skip) => {
                *out.skipped.entry(skip).or_default() += 1;
                continue;
            }
        };
        let facts = facts_json(record);
        let key = (facts, cause.clone());
        match seen.get(&key) {
            Some(&at) => {
                pending[at].also.push(&record.id);
                out.folded += 1;
            }
            None => {
                seen.insert(key, pending.len());
                pending.push(Pending { record, cause, known, also: Vec::new() });
            }
        }
    }
    let mut yaml = String::from("cases:\n");
    for case in &pending {
        write_case(&mut yaml, model, case);
    }
    out.cases = pending.len();
    out.yaml = yaml;
    out
}

/// The facts of a record as canonical JSON (keys sorted): what "the same facts" means.
fn facts_json(record: &Record) -> String {
    let object: BTreeMap<String, serde_json::Value> =
        session::record_fact_object(record).into_iter().collect();
    let mut object = object;
    if let Some(symptom) = &record.symptom {
        object.insert("symptom".into(), serde_json::Value::String(symptom.clone()));
    }
    serde_json::to_string(&object).unwrap_or_default()
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

fn write_case(out: &mut String, model: &Model, case: &Pending<'_>) {
    let record = case.record;
    let facts: serde_json::Map<String, serde_json::Value> = {
        let mut object = session::record_fact_object(record);
        if let Some(symptom) = &record.symptom {
            object.insert("symptom".into(), serde_json::Value::String(symptom.clone()));
        }
        object
    };
    let mut opening = serde_json::Map::new();
    for fact in record.facts.iter().filter(|f| f.step == 0) {
        // The opening must agree with `facts`, where the last value of a fact wins.
        if facts.get(&fact.fact) == Some(&fact.value) {
            opening.insert(fact.fact.clone(), fact.value.clone());
        }
    }
    let how = match case.known {
        Known::Confirmed => "confirmed by the person".to_string(),
        Known::FromFix(fix) => format!("the fix `{}` worked", model.fix(fix).name),
    };
    let mut notes = format!("{how}; {} session", 1 + case.also.len());
    if !case.also.is_empty() {
        let _ = write!(notes, "s with the same facts (also {})", case.also.join(", "));
    }
    let _ = writeln!(out, "  - id: {}", json(&format!("record-{}", record.id)));
    let _ = writeln!(out, "    source: {}", json(&format!("record {}", record.id)));
    let _ = writeln!(out, "    tags: [record]");
    let _ = writeln!(out, "    opening: {}", json(&opening));
    let _ = writeln!(out, "    facts: {}", json(&facts));
    let _ = writeln!(out, "    expected_top: {}", json(&case.cause));
    let _ = writeln!(out, "    notes: {}", json(&notes));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::record::read_records;

    const KB: &str = "fact code: int { title \"Code\" }\nfact up: bool { title \"Up\" }\n\
        symptom s { title \"S\" when code == 1 }\n\
        cause a { title \"A\" explains s: 0.5 when up : rarely }\n\
        cause b { title \"B\" explains s: 0.3 when up : usually }\n\
        fix fa { title \"Fa\" fixes a cost 1m }\nfix fab { title \"Fab\" fixes a, b cost 1m }\n";

    fn line(id: &str, fixes: &str, confirmed: &str) -> String {
        format!(
            r#"{{"format":"triage-outcome/1","id":"{id}","recorded_at":"2026-12-02T10:00:00Z","tool":"ask","kb":{{"name":"k","version":"sha256:0"}},"symptom":null,"facts":[{{"fact":"code","value":1,"source":"given","step":0}},{{"fact":"up","value":true,"source":"asked","step":1}}],"ranking":[],"unlisted":0,"fixes":[{fixes}],"confirmed_cause":{confirmed}}}"#
        )
    }

    #[test]
    fn known_causes_become_cases_duplicates_fold_and_the_rest_is_counted_by_reason() {
        let model = triage_rules::load_text("k.kb", KB).model.unwrap();
        let worked = |fix: &str| format!(r#"{{"fix":"{fix}","result":"worked"}}"#);
        let text = [
            line("0000000000000001", "", "\"b\""),
            line("0000000000000002", "", "\"b\""),
            line("0000000000000003", &worked("fa"), "null"),
            line("0000000000000004", &worked("fab"), "null"),
            line("0000000000000005", "", "null"),
            line("0000000000000006", "", "\"nope\""),
        ]
        .join("\n");
        let (records, errors) = read_records("r", &text);
        assert!(errors.is_empty(), "{errors:?}");
        let made = from_records(&model, "k", &records);
        assert_eq!((made.cases, made.folded), (2, 1));
        assert_eq!(made.skipped.get(&Skip::AmbiguousFix), Some(&1));
        assert_eq!(made.skipped.get(&Skip::NoKnownCause), Some(&1));
        assert_eq!(made.skipped.get(&Skip::UnknownName), Some(&1));
        let cases = triage_engine::cases::parse("c.yaml", &made.yaml, &model).unwrap();
        assert_eq!(cases[0].id, "record-0000000000000001");
        assert_eq!(cases[0].expected_top.as_deref(), Some("b"));
        assert_eq!(cases[0].opening.as_ref().unwrap().len(), 1, "only step 0 opens");
        assert_eq!(cases[1].expected_top.as_deref(), Some("a"));
        assert!(cases[1].notes.as_deref().unwrap().contains("the fix `fa` worked"));
        // Another knowledge base's records make no case.
        let other = from_records(&model, "other", &records);
        assert_eq!(other.skipped.get(&Skip::OtherKnowledgeBase), Some(&6));
    }
}
