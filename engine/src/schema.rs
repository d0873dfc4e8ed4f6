//! The JSON Schema (draft 2020-12) of a fact file for one knowledge base: what editors and
//! collectors can validate against before `triage diagnose` does.

use crate::facts::MAX_STRING_BYTES;
use serde_json::{Value, json};
use triage_rules::model::{FactType, Model};

/// The schema as a JSON value.
#[must_use]
pub fn fact_file_schema(model: &Model) -> Value {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "host".into(),
        json!({
            "type": "string",
            "maxLength": MAX_STRING_BYTES,
            "description": "The machine the facts were collected on"
        }),
    );
    properties.insert(
        "collected_at".into(),
        json!({
            "type": "string",
            "format": "date-time",
            "description": "When the facts were collected (RFC 3339)"
        }),
    );
    let symptoms: Vec<&str> = model.symptoms.iter().map(|s| s.name.as_str()).collect();
    properties.insert(
        "symptom".into(),
        json!({ "enum": symptoms, "description": "The symptom to diagnose when the facts alone do not show it" }),
    );
    for fact in &model.facts {
        let mut schema = type_schema(&fact.ty);
        let description = [fact.title.as_deref(), fact.ask.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" — ");
        if let Value::Object(object) = &mut schema
            && !description.is_empty()
        {
            object.insert("description".into(), description.into());
        }
        properties.insert(fact.name.clone(), schema);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "triage fact file",
        "description": "Facts collected on a machine: fact name → value; null means unknown.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

fn type_schema(ty: &FactType) -> Value {
    match ty {
        FactType::Bool => json!({ "type": ["boolean", "null"] }),
        FactType::Int => json!({
            "oneOf": [
                { "type": "integer" },
                { "type": "string", "pattern": "^\\s*-?(0[xX][0-9a-fA-F]+|[0-9]+)\\s*$" },
                { "type": "null" }
            ]
        }),
        FactType::Number => json!({ "type": ["number", "null"] }),
        FactType::String => json!({ "type": ["string", "null"], "maxLength": MAX_STRING_BYTES }),
        FactType::Version => json!({
            "oneOf": [
                { "type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)*\\s*$" },
                { "type": "integer", "minimum": 0 },
                { "type": "null" }
            ]
        }),
        FactType::Enum(values) => {
            let mut allowed: Vec<Value> = values.iter().map(|v| Value::String(v.clone())).collect();
            allowed.push(Value::Null);
            json!({ "enum": allowed })
        }
        FactType::Set(values) => json!({
            "oneOf": [
                { "type": "array", "items": { "enum": values } },
                { "enum": values },
                { "type": "null" }
            ]
        }),
    }
}
