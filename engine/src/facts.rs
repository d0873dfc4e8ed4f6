//! Fact files: JSON or YAML objects of fact name → value, validated against the knowledge
//! base's fact declarations.
//!
//! Reading never stops at the first problem: an unknown key, a value of the wrong type, an
//! undeclared enum value, a duplicate key — each becomes a [`FactProblem`] naming the key, the
//! value and what was expected, and the rest of the file is still read. Values are untrusted:
//! they are only ever compared with declared values, never interpreted. `null` means unknown.
//! Besides facts, a file may carry `host`, `collected_at` and `symptom` (the symptom to
//! diagnose when the facts alone do not show it).

use crate::value::FactValue;
use rustc_hash::FxHashMap;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use triage_rules::diagnostic::did_you_mean;
use triage_rules::model::{FactDef, FactId, FactType, Model, SymptomId};

/// The longest string value accepted (64 KiB): longer values are almost certainly not a fact
/// (a log pasted in by mistake) and would bloat every report that quotes them.
pub const MAX_STRING_BYTES: usize = 64 * 1024;

/// The facts of one case.
#[derive(Debug, Clone, Default)]
pub struct FactSet {
    /// Indexed by `FactId`; `None` is unknown.
    pub values: Vec<Option<FactValue>>,
    pub host: Option<String>,
    pub collected_at: Option<String>,
    /// The symptom the file names, if any.
    pub symptom: Option<SymptomId>,
    /// Problems tolerated in lenient mode (unknown keys).
    pub warnings: Vec<FactProblem>,
}

impl FactSet {
    /// An empty fact set for a knowledge base: every fact unknown.
    #[must_use]
    pub fn unknown(model: &Model) -> Self {
        Self { values: vec![None; model.facts.len()], ..Self::default() }
    }

    #[must_use]
    pub fn get(&self, fact: FactId) -> Option<&FactValue> {
        self.values.get(fact.index()).and_then(Option::as_ref)
    }

    /// Adds what `other` knows and this set does not: fact files collected on different
    /// machines (the client's, the server's) make one case. A fact both know with different
    /// values is a conflict, described for a person; this set's value is kept.
    pub fn merge(&mut self, other: FactSet, model: &Model) -> Vec<String> {
        let mut conflicts = Vec::new();
        if self.values.len() < model.facts.len() {
            self.values.resize(model.facts.len(), None);
        }
        for (i, value) in other.values.into_iter().enumerate().take(model.facts.len()) {
            let Some(value) = value else { continue };
            match &self.values[i] {
                None => self.values[i] = Some(value),
                Some(mine) if *mine == value => {}
                Some(mine) => {
                    let def = &model.facts[i];
                    conflicts.push(format!(
                        "`{}` is {} in one file and {} in another",
                        def.name,
                        mine.to_json(&def.ty),
                        value.to_json(&def.ty)
                    ));
                }
            }
        }
        if self.host.is_none() {
            self.host = other.host;
        }
        if self.collected_at.is_none() {
            self.collected_at = other.collected_at;
        }
        if self.symptom.is_none() {
            self.symptom = other.symptom;
        }
        self.warnings.extend(other.warnings);
        conflicts
    }

    /// The known facts as a JSON object (a fact file `diagnose` reads back as is).
    #[must_use]
    pub fn to_json(&self, model: &Model) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        if let Some(host) = &self.host {
            object.insert("host".into(), host.clone().into());
        }
        if let Some(at) = &self.collected_at {
            object.insert("collected_at".into(), at.clone().into());
        }
        if let Some(symptom) = self.symptom {
            object.insert("symptom".into(), model.symptom(symptom).name.clone().into());
        }
        for (i, value) in self.values.iter().enumerate() {
            if let Some(value) = value {
                let fact = &model.facts[i];
                object.insert(fact.name.clone(), value.to_json(&fact.ty));
            }
        }
        serde_json::Value::Object(object)
    }
}

/// One problem with one key of a fact file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FactProblem {
    /// The key; empty for the last problem of a file with more than [`MAX_PROBLEMS`], which
    /// only counts the ones not listed (`found` says how many).
    pub key: String,
    /// The offending value, shortened for display.
    pub found: String,
    pub expected: String,
    pub hint: Option<String>,
}

impl fmt::Display for FactProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            return f.write_str(&self.found);
        }
        write!(f, "`{}`: expected {}, found {}", self.key, self.expected, self.found)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Why a fact file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FactFileError {
    #[error("not valid {format}: {message}")]
    Syntax { format: &'static str, message: String },
    #[error("{}", problems_text(.0))]
    Invalid(Vec<FactProblem>),
}

fn problems_text(problems: &[FactProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!(
        "{} problem{} in the facts:\n  {}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        lines.join("\n  ")
    )
}

impl FactFileError {
    /// The problems, one per key, or the syntax error as one line.
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        match self {
            FactFileError::Syntax { .. } => vec![self.to_string()],
            FactFileError::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// From a file name's extension; JSON unless it says YAML.
    #[must_use]
    pub fn from_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => Format::Yaml,
            _ => Format::Json,
        }
    }

    /// Guesses from the text: an object starts with `{` in JSON.
    #[must_use]
    pub fn sniff(text: &str) -> Format {
        if without_bom(text).trim_start().starts_with('{') { Format::Json } else { Format::Yaml }
    }
}

/// The text without a leading UTF-8 byte-order mark, which older Windows tools write before
/// JSON (`Out-File -Encoding utf8` in Windows PowerShell 5.1): it is not part of the document.
#[must_use]
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Reads fact files for one knowledge base.
#[derive(Debug)]
pub struct FactReader<'m> {
    model: &'m Model,
    /// Fact names → ids. `FxHash`: keys are short names from our own knowledge base, and this
    /// lookup runs once per key of every fact set.
    names: FxHashMap<&'m str, FactId>,
    /// Per fact, its enum or set values → index (empty for other types).
    values: Vec<FxHashMap<&'m str, u32>>,
    /// Unknown keys become warnings instead of errors.
    pub lenient: bool,
}

/// What a fact file says about itself before any knowledge base reads it: what tells which
/// knowledge base it is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactFileHead {
    /// The top-level keys (empty when the text is not an object).
    pub keys: Vec<String>,
    /// The value of its `symptom` key, when that is a string.
    pub symptom: Option<String>,
}

/// The keys and the `symptom` of a fact file, parsed once, without reading their values
/// against a knowledge base.
#[must_use]
pub fn fact_file_head(text: &str, format: Format) -> FactFileHead {
    let text = without_bom(text);
    let value: Option<serde_json::Value> = match format {
        Format::Json => serde_json::from_str(text).ok(),
        Format::Yaml => serde_saphyr::from_str(text).ok(),
    };
    let Some(serde_json::Value::Object(map)) = value else { return FactFileHead::default() };
    let symptom = map.get("symptom").and_then(|s| s.as_str()).map(str::to_string);
    FactFileHead { keys: map.into_iter().map(|(k, _)| k).collect(), symptom }
}

impl<'m> FactReader<'m> {
    #[must_use]
    pub fn new(model: &'m Model) -> Self {
        let names = model
            .facts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), FactId(i as u32)))
            .collect();
        let values = model
            .facts
            .iter()
            .map(|f| {
                f.ty.values().iter().enumerate().map(|(i, v)| (v.as_str(), i as u32)).collect()
            })
            .collect();
        Self { model, names, values, lenient: false }
    }

    #[must_use]
    pub fn model(&self) -> &'m Model {
        self.model
    }

    pub fn read(&self, text: &str, format: Format) -> Result<FactSet, FactFileError> {
        match format {
            Format::Json => self.read_json(text),
            Format::Yaml => self.read_yaml(text),
        }
    }

    pub fn read_json(&self, text: &str) -> Result<FactSet, FactFileError> {
        let text = without_bom(text);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let read = FileSeed(self)
            .deserialize(&mut deserializer)
            .and_then(|read| deserializer.end().map(|()| read))
            .map_err(|e| FactFileError::Syntax { format: "JSON", message: e.to_string() })?;
        self.finish(read)
    }

    pub fn read_yaml(&self, text: &str) -> Result<FactSet, FactFileError> {
        let text = without_bom(text);
        let value: serde_json::Value = serde_saphyr::from_str(text)
            .map_err(|e| FactFileError::Syntax { format: "YAML", message: e.to_string() })?;
        self.read_value(value)
    }

    /// Reads facts from an already parsed JSON value (a YAML document, a case's `facts`).
    pub fn read_value(&self, value: serde_json::Value) -> Result<FactSet, FactFileError> {
        let read = FileSeed(self).deserialize(value).map_err(|e| FactFileError::Syntax {
            format: "a fact object",
            message: e.to_string(),
        })?;
        self.finish(read)
    }

    fn finish(&self, read: Read) -> Result<FactSet, FactFileError> {
        let Read { mut facts, problems } = read;
        if problems.is_empty() {
            return Ok(facts);
        }
        if self.lenient {
            let (unknown_keys, fatal): (Vec<_>, Vec<_>) =
                problems.into_iter().partition(|p| p.expected == EXPECTED_KNOWN_KEY);
            if fatal.is_empty() {
                facts.warnings = unknown_keys;
                return Ok(facts);
            }
            return Err(FactFileError::Invalid(fatal));
        }
        Err(FactFileError::Invalid(problems))
    }

    /// Sets one fact from text, as given on a command line (`--fact error_code=0x904`).
    /// `unknown` or an empty value makes it unknown.
    pub fn set_from_text(
        &self,
        facts: &mut FactSet,
        name: &str,
        text: &str,
    ) -> Result<(), FactProblem> {
        let Some(&id) = self.names.get(name) else {
            return Err(self.unknown_key(name));
        };
        if facts.values.len() < self.model.facts.len() {
            facts.values.resize(self.model.facts.len(), None);
        }
        let ty = &self.model.facts[id.index()].ty;
        if text.is_empty() || text == "unknown" || text == "null" {
            facts.values[id.index()] = None;
            return Ok(());
        }
        let raw = match ty {
            FactType::Bool => match text {
                "true" | "yes" => Raw::Bool(true),
                "false" | "no" => Raw::Bool(false),
                _ => Raw::Str(text.into()),
            },
            FactType::Number => {
                text.parse::<f64>().map_or_else(|_| Raw::Str(text.into()), Raw::Float)
            }
            FactType::Set(_) => {
                Raw::List(text.split(',').map(|s| Raw::Str(s.trim().into())).collect())
            }
            _ => Raw::Str(text.into()),
        };
        let value = convert(ty, &self.values[id.index()], raw)
            .map_err(|found| problem(name, &found, &self.model.facts[id.index()]))?;
        facts.values[id.index()] = self.known(id, value);
        Ok(())
    }

    /// The value, or `None` when the knowledge base declares it means "not known" (`unknown
    /// not_tried`): a test that was not run is not evidence. A set keeps its other members.
    fn known(&self, fact: FactId, value: FactValue) -> Option<FactValue> {
        let unknown = &self.model.facts[fact.index()].unknown_values;
        if unknown.is_empty() {
            return Some(value);
        }
        match value {
            FactValue::Enum(e) if unknown.contains(&e) => None,
            FactValue::Set(members) => {
                let kept: Vec<u32> =
                    members.iter().copied().filter(|m| !unknown.contains(m)).collect();
                (!kept.is_empty() || members.is_empty()).then(|| FactValue::Set(kept.into()))
            }
            other => Some(other),
        }
    }

    fn unknown_key(&self, key: &str) -> FactProblem {
        let hint =
            did_you_mean(key, self.names.keys().copied()).map(|c| format!("did you mean `{c}`?"));
        FactProblem {
            key: shown_key(key),
            found: "an unknown key".into(),
            expected: EXPECTED_KNOWN_KEY.into(),
            hint,
        }
    }
}

const EXPECTED_KNOWN_KEY: &str = "a fact declared in the knowledge base";

/// The most problems listed for one fact file; the rest are counted in one last line. A file
/// of thousands of unknown keys costs no more to report than this many, hints included.
pub const MAX_PROBLEMS: usize = 100;

/// The problems found so far, the first [`MAX_PROBLEMS`] in full.
#[derive(Default)]
struct Problems {
    listed: Vec<FactProblem>,
    /// Counted, not listed: unknown keys (which `--lenient` tolerates), and the others.
    more_unknown_keys: usize,
    more_others: usize,
}

impl Problems {
    /// Adds the problem `make` describes, unless the list is full: then it is only counted
    /// (and `make`, which may look for a hint, is not called).
    fn add(&mut self, make: impl FnOnce() -> FactProblem) {
        self.add_counted(make, false);
    }

    /// [`Problems::add`] for an unknown key.
    fn add_unknown_key(&mut self, make: impl FnOnce() -> FactProblem) {
        self.add_counted(make, true);
    }

    fn add_counted(&mut self, make: impl FnOnce() -> FactProblem, unknown_key: bool) {
        if self.listed.len() < MAX_PROBLEMS {
            self.listed.push(make());
        } else if unknown_key {
            self.more_unknown_keys += 1;
        } else {
            self.more_others += 1;
        }
    }

    fn into_vec(mut self) -> Vec<FactProblem> {
        for (count, what, expected) in [
            (self.more_unknown_keys, "unknown key", EXPECTED_KNOWN_KEY),
            (self.more_others, "problem", ""),
        ] {
            if count > 0 {
                let plural = if count == 1 { "" } else { "s" };
                self.listed.push(FactProblem {
                    key: String::new(),
                    found: format!("{count} more {what}{plural}, not listed"),
                    expected: expected.to_string(),
                    hint: None,
                });
            }
        }
        self.listed
    }
}

/// The most characters of an unknown key a problem repeats.
pub const MAX_SHOWN_KEY_CHARS: usize = 80;

/// An unknown key as a problem shows it: whole up to [`MAX_SHOWN_KEY_CHARS`], else its start
/// and its size, so a hostile key never makes the error as big as itself.
fn shown_key(key: &str) -> String {
    match key.char_indices().nth(MAX_SHOWN_KEY_CHARS) {
        Some((end, _)) => format!("{}… ({} bytes)", &key[..end], key.len()),
        None => key.to_string(),
    }
}

/// The outcome of reading a file before deciding whether the problems are fatal.
struct Read {
    facts: FactSet,
    problems: Vec<FactProblem>,
}

/// Reads one fact file with a reader's declarations.
struct FileSeed<'r, 'm>(&'r FactReader<'m>);

impl<'de> DeserializeSeed<'de> for FileSeed<'_, '_> {
    type Value = Read;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Read, D::Error> {
        deserializer.deserialize_map(FileVisitor { reader: self.0 })
    }
}

struct FileVisitor<'r, 'm> {
    reader: &'r FactReader<'m>,
}

impl<'de> Visitor<'de> for FileVisitor<'_, '_> {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of fact name → value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        let model = self.reader.model;
        let mut facts = FactSet::unknown(model);
        let mut seen = vec![false; model.facts.len()];
        let mut problems = Problems::default();
        let mut seen_special: Vec<&'static str> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.as_str();
            if let Some(&id) = self.reader.names.get(key) {
                let ty = &model.facts[id.index()].ty;
                let raw = map.next_value::<Raw>()?;
                if std::mem::replace(&mut seen[id.index()], true) {
                    problems.add(|| duplicate(key));
                    continue;
                }
                match convert(ty, &self.reader.values[id.index()], raw) {
                    Ok(value) => facts.values[id.index()] = self.reader.known(id, value),
                    Err(Found::Null) => {}
                    Err(found) => problems.add(|| problem(key, &found, &model.facts[id.index()])),
                }
                continue;
            }
            let special = match key {
                "host" => Some("host"),
                "collected_at" => Some("collected_at"),
                "symptom" => Some("symptom"),
                _ => None,
            };
            let Some(special) = special else {
                map.next_value::<IgnoredAny>()?;
                problems.add_unknown_key(|| self.reader.unknown_key(key));
                continue;
            };
            let raw = map.next_value::<Raw>()?;
            if seen_special.contains(&special) {
                problems.add(|| duplicate(key));
                continue;
            }
            seen_special.push(special);
            let text = match raw {
                Raw::Null => continue,
                Raw::Str(s) => s,
                other => {
                    problems.add(|| FactProblem {
                        key: key.to_string(),
                        found: Found::from(other).describe(),
                        expected: "a string".into(),
                        hint: None,
                    });
                    continue;
                }
            };
            match special {
                "host" if text.len() > MAX_STRING_BYTES => problems.add(|| FactProblem {
                    key: key.to_string(),
                    found: Found::TooLong(text.len()).describe(),
                    expected: "a host name".into(),
                    hint: None,
                }),
                "host" => facts.host = Some(text.into()),
                "collected_at" if !is_time(&text) => problems.add(|| FactProblem {
                    key: key.to_string(),
                    found: Found::Str(text.to_string()).describe(),
                    expected: "a time such as \"2026-12-02T14:58:01Z\" (RFC 3339)".into(),
                    hint: None,
                }),
                "collected_at" => facts.collected_at = Some(text.into()),
                _ => match model.symptom_id(&text) {
                    Some(id) => facts.symptom = Some(id),
                    None => {
                        let names = model.symptoms.iter().map(|s| s.name.as_str());
                        problems.add(|| FactProblem {
                            key: key.to_string(),
                            found: Found::Str(text.to_string()).describe(),
                            expected: "the name of a symptom of the knowledge base".into(),
                            hint: did_you_mean(&text, names)
                                .map(|c| format!("did you mean `{c}`?")),
                        });
                    }
                },
            }
        }
        Ok(Read { facts, problems: problems.into_vec() })
    }
}

/// An RFC 3339 time, as collectors write `collected_at`.
fn is_time(text: &str) -> bool {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

fn duplicate(key: &str) -> FactProblem {
    FactProblem {
        key: key.to_string(),
        found: "a second value for the same key".into(),
        expected: "each key once".into(),
        hint: None,
    }
}

/// A map key, borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a fact name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A value as it came from the file, before its type is checked. Nested objects and lists
/// of lists are not kept, only described, so hostile nesting costs nothing.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(Box<str>),
    List(Vec<Raw>),
    Object,
    NestedList,
}

impl<'de> de::Deserialize<'de> for Raw {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor { nested: false })
    }
}

struct RawVisitor {
    nested: bool,
}

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fact value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(i128::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(i128::from(v)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(i128::try_from(v).map_or(Raw::Float(f64::INFINITY), Raw::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v.into_boxed_str()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        if self.nested {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Raw::NestedList);
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(RawSeed)? {
            items.push(item);
        }
        Ok(Raw::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Raw::Object)
    }
}

/// Elements of a list: scalars kept, deeper structure only described.
struct RawSeed;

impl<'de> DeserializeSeed<'de> for RawSeed {
    type Value = Raw;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        deserializer.deserialize_any(RawVisitor { nested: true })
    }
}

/// What was found instead of a valid value.
#[derive(Debug)]
enum Found {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List,
    Object,
    TooLong(usize),
}

impl From<Raw> for Found {
    fn from(raw: Raw) -> Found {
        match raw {
            Raw::Null => Found::Null,
            Raw::Bool(b) => Found::Bool(b),
            Raw::Int(i) => Found::Int(i),
            Raw::Float(f) => Found::Float(f),
            Raw::Str(s) => Found::Str(s.into()),
            Raw::List(_) | Raw::NestedList => Found::List,
            Raw::Object => Found::Object,
        }
    }
}

impl Found {
    fn describe(&self) -> String {
        match self {
            Found::Null => "null".into(),
            Found::Bool(b) => b.to_string(),
            Found::Int(i) => i.to_string(),
            Found::Float(f) if f.is_nan() => "NaN".into(),
            Found::Float(f) if f.is_infinite() => "an infinite number".into(),
            Found::Float(f) => f.to_string(),
            Found::Str(s) => {
                let shown: String = s.chars().take(60).collect();
                let shown = serde_json::Value::String(shown).to_string();
                if s.chars().count() > 60 {
                    format!("{shown}… ({} bytes)", s.len())
                } else {
                    shown
                }
            }
            Found::List => "a list".into(),
            Found::Object => "an object".into(),
            Found::TooLong(n) => format!("a string of {n} bytes (the limit is {MAX_STRING_BYTES})"),
        }
    }
}

fn problem(key: &str, found: &Found, def: &FactDef) -> FactProblem {
    let ty = &def.ty;
    let hint = match (found, ty) {
        (Found::Str(s), FactType::Enum(values) | FactType::Set(values)) => {
            did_you_mean(s, values.iter().map(String::as_str))
                .map(|c| format!("did you mean `{c}`?"))
        }
        (Found::Float(_), FactType::Version) => {
            Some("write versions as strings, e.g. \"10.0.26100\"".into())
        }
        _ => None,
    };
    FactProblem { key: key.to_string(), found: found.describe(), expected: expected(def), hint }
}

/// What the fact takes, with an example of its own kind: a code for a fact the knowledge base
/// writes in hex (`0x904`), a plain number for a count.
fn expected(def: &FactDef) -> String {
    let ty = &def.ty;
    let list = |values: &[String]| {
        let shown: Vec<&str> = values.iter().take(12).map(String::as_str).collect();
        let more = if values.len() > 12 { ", …" } else { "" };
        format!("{}{more}", shown.join(", "))
    };
    match ty {
        FactType::Bool => "true or false".into(),
        FactType::Int if def.hex => "an integer such as 2308 or \"0x904\"".into(),
        FactType::Int => "a whole number such as 30".into(),
        FactType::Number => "a number".into(),
        FactType::String => "a string".into(),
        FactType::Version => "a version such as \"10.0.26100\"".into(),
        FactType::Enum(values) => format!("one of {}", list(values)),
        FactType::Set(values) => format!("a list of values from {}", list(values)),
    }
}

/// Converts a raw value to the fact's type, or says what was found instead.
/// `index` maps the fact's enum or set values to their indexes.
fn convert(ty: &FactType, index: &FxHashMap<&str, u32>, raw: Raw) -> Result<FactValue, Found> {
    match (ty, raw) {
        (_, Raw::Null) => Err(Found::Null),
        (FactType::Bool, Raw::Bool(b)) => Ok(FactValue::Bool(b)),
        (FactType::Int, Raw::Int(i)) => {
            i64::try_from(i).map(FactValue::Int).map_err(|_| Found::Int(i))
        }
        (FactType::Int, Raw::Float(f)) => {
            float_to_int(f).map(FactValue::Int).ok_or(Found::Float(f))
        }
        (FactType::Int, Raw::Str(s)) => {
            parse_int(&s).map(FactValue::Int).ok_or_else(|| Found::Str(s.into()))
        }
        #[allow(clippy::cast_precision_loss)] // a fact value beyond 2^53 loses precision as f64
        (FactType::Number, Raw::Int(i)) => Ok(FactValue::Number(i as f64)),
        (FactType::Number, Raw::Float(f)) if f.is_finite() => Ok(FactValue::Number(f)),
        (FactType::String, Raw::Str(s)) if s.len() > MAX_STRING_BYTES => {
            Err(Found::TooLong(s.len()))
        }
        (FactType::String, Raw::Str(s)) => Ok(FactValue::Str(s)),
        (FactType::Version, Raw::Str(s)) => parse_version(&s)
            .map(|v| FactValue::Version(v.into()))
            .ok_or_else(|| Found::Str(s.into())),
        (FactType::Version, Raw::Int(i)) => {
            u64::try_from(i).map(|v| FactValue::Version(vec![v].into())).map_err(|_| Found::Int(i))
        }
        (FactType::Enum(_), Raw::Str(s)) => {
            index.get(&*s).map(|i| FactValue::Enum(*i)).ok_or_else(|| Found::Str(s.into()))
        }
        (FactType::Set(_), Raw::Str(s)) => index
            .get(&*s)
            .map(|i| FactValue::Set(vec![*i].into()))
            .ok_or_else(|| Found::Str(s.into())),
        (FactType::Set(_), Raw::List(items)) => {
            let mut members = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Raw::Str(s) => match index.get(&*s) {
                        Some(i) => members.push(*i),
                        None => return Err(Found::Str(s.into())),
                    },
                    other => return Err(Found::from(other)),
                }
            }
            members.sort_unstable();
            members.dedup();
            Ok(FactValue::Set(members.into()))
        }
        (_, raw) => Err(Found::from(raw)),
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)] // range checked first
fn float_to_int(f: f64) -> Option<i64> {
    (f.is_finite() && f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64)
        .then_some(f as i64)
}

/// `2308`, `-5`, `0x904`, `-0x10`, `0X904`.
#[must_use]
pub fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            i128::from_str_radix(hex, 16).ok()?
        }
        None if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) => {
            body.parse::<i128>().ok()?
        }
        Some(_) | None => return None,
    };
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// `10.0.26100` (one or more dot-separated numbers).
#[must_use]
pub fn parse_version(text: &str) -> Option<Vec<u64>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.split('.')
        .map(|part| {
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        triage_rules::load_text("t.kb", r#"
fact error_code: int
fact os: enum [windows10, windows11]
fact changes: set [update, clone]
fact ratio: number
fact name: string
fact build: version
fact ok: bool
fact cache_test: enum [not_tried, fixed, no_change] { unknown not_tried }
symptom s { title "S" when error_code == 1 }
rule all_seen = true when os == windows10 and changes has clone and ratio > 0.5 and name == "x" and build > 10.0.1 and ok and cache_test == fixed else false
fact all_seen: bool
cause c { title "C" explains s: 0.5 when all_seen == true : usually }
"#).model.expect("fixture model")
    }

    #[test]
    fn reads_every_type_and_hex_strings() {
        let model = model();
        let reader = FactReader::new(&model);
        let facts = reader
            .read_json(r#"{"error_code": "0x904", "os": "windows11", "changes": ["clone", "update", "clone"], "ratio": 1, "name": "srv", "build": "10.0.26100", "ok": null, "host": "pc1"}"#)
            .unwrap();
        assert_eq!(facts.values[0], Some(FactValue::Int(0x904)));
        assert_eq!(facts.values[1], Some(FactValue::Enum(1)));
        assert_eq!(facts.values[2], Some(FactValue::Set(vec![0, 1].into())));
        assert_eq!(facts.values[3], Some(FactValue::Number(1.0)));
        assert_eq!(facts.values[6], None);
        assert_eq!(facts.host.as_deref(), Some("pc1"));
    }

    #[test]
    fn reports_all_problems_at_once() {
        let model = model();
        let reader = FactReader::new(&model);
        let err = reader
            .read_json(r#"{"error_cod": 1, "os": "windows12", "ratio": "high", "ok": {"a": [[1]]}, "os": "windows10"}"#)
            .unwrap_err();
        let FactFileError::Invalid(problems) = err else { panic!("{err}") };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 5, "{text:#?}");
        assert!(text[0].contains("did you mean `error_code`?"), "{text:#?}");
        assert!(text[1].contains("one of windows10, windows11, found \"windows12\""), "{text:#?}");
        assert!(text[3].contains("found an object"), "{text:#?}");
        assert!(text[4].contains("a second value"), "{text:#?}");
    }

    #[test]
    fn a_byte_order_mark_before_the_document_is_skipped() {
        let model = model();
        let reader = FactReader::new(&model);
        let json = "\u{feff}{\"error_code\": 2308}";
        assert_eq!(Format::sniff(json), Format::Json);
        assert_eq!(reader.read_json(json).unwrap().values[0], Some(FactValue::Int(2308)));
        let yaml = reader.read_yaml("\u{feff}error_code: 2308\n").unwrap();
        assert_eq!(yaml.values[0], Some(FactValue::Int(2308)));
        assert_eq!(fact_file_head(json, Format::Json).keys, vec!["error_code".to_string()]);
    }

    #[test]
    fn a_huge_unknown_key_is_shown_by_its_start_only() {
        let model = model();
        let reader = FactReader::new(&model);
        let key = format!("error_code{}", "x".repeat(250_000));
        let err = reader.read_json(&format!("{{\"{key}\": 1}}")).unwrap_err();
        let message = err.to_string();
        assert!(message.len() < 400, "{} bytes", message.len());
        assert!(message.contains("(250010 bytes)"), "{message}");
        assert!(!message.contains("did you mean"), "{message}");
    }

    #[test]
    fn thousands_of_unknown_keys_list_the_first_hundred_and_count_the_rest() {
        let model = model();
        let mut reader = FactReader::new(&model);
        let keys: Vec<String> = (0..5_000).map(|i| format!("\"error_cod{i}\": 1")).collect();
        let text = format!("{{{}, \"os\": \"windows12\"}}", keys.join(", "));
        let FactFileError::Invalid(problems) = reader.read_json(&text).unwrap_err() else {
            panic!("not a problem list")
        };
        assert_eq!(problems.len(), MAX_PROBLEMS + 2);
        assert_eq!(problems[MAX_PROBLEMS].to_string(), "4900 more unknown keys, not listed");
        assert_eq!(problems[MAX_PROBLEMS + 1].to_string(), "1 more problem, not listed");
        // Lenient: unknown keys, listed or counted, are warnings; the bad value still fails.
        reader.lenient = true;
        let text = format!("{{{}}}", keys.join(", "));
        let facts = reader.read_json(&text).unwrap();
        assert_eq!(facts.warnings.len(), MAX_PROBLEMS + 1);
    }

    #[test]
    fn host_and_collected_at_are_checked() {
        let model = model();
        let reader = FactReader::new(&model);
        let host = "h".repeat(MAX_STRING_BYTES + 1);
        let bad = format!(r#"{{"host": "{host}", "collected_at": "yesterday", "error_code": 1}}"#);
        let FactFileError::Invalid(problems) = reader.read_json(&bad).unwrap_err() else {
            panic!("not a problem list")
        };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{text:#?}");
        assert!(
            text[0].starts_with("`host`: expected a host name, found a string of"),
            "{text:#?}"
        );
        assert!(text[1].contains("RFC 3339") && text[1].contains("\"yesterday\""), "{text:#?}");
        let good = reader
            .read_json(r#"{"host": "pc1", "collected_at": "2026-12-02T14:58:01+01:00"}"#)
            .unwrap();
        assert_eq!(good.collected_at.as_deref(), Some("2026-12-02T14:58:01+01:00"));
    }

    #[test]
    fn yaml_hex_ints_and_nan_are_handled() {
        let model = model();
        let reader = FactReader::new(&model);
        let facts = reader.read_yaml("error_code: 0x904\nos: windows10\n").unwrap();
        assert_eq!(facts.values[0], Some(FactValue::Int(0x904)));
        let err = reader.read_yaml("ratio: .nan\n").unwrap_err();
        assert!(err.to_string().contains("non-finite float"), "{err}");
    }

    #[test]
    fn values_declared_unknown_leave_the_fact_unknown() {
        let model = model();
        let reader = FactReader::new(&model);
        let id = model.fact_id("cache_test").unwrap();
        let facts = reader.read_json(r#"{"cache_test": "not_tried"}"#).unwrap();
        assert_eq!(facts.values[id.index()], None);
        let facts = reader.read_json(r#"{"cache_test": "fixed"}"#).unwrap();
        assert_eq!(facts.values[id.index()], Some(FactValue::Enum(1)));
        let mut facts = FactSet::unknown(&model);
        reader.set_from_text(&mut facts, "cache_test", "not_tried").unwrap();
        assert_eq!(facts.values[id.index()], None);
    }

    #[test]
    fn parses_ints_and_versions_strictly() {
        assert_eq!(parse_int("0x904"), Some(2308));
        assert_eq!(parse_int("-0x10"), Some(-16));
        assert_eq!(parse_int("0x"), None);
        assert_eq!(parse_int("12a"), None);
        assert_eq!(parse_version("10.0.26100"), Some(vec![10, 0, 26100]));
        assert_eq!(parse_version("10..1"), None);
    }
}
