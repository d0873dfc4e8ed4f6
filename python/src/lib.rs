//! triage in-process from Python: the `triage` package's extension module (`triage._triage`).
//!
//! A [`KnowledgeBase`] holds one compiled engine and its fact reader. Facts come in as Python
//! dicts (or JSON text, a line of a JSON Lines file) and go out as the documents the CLI
//! writes, as Python dicts: `diagnose` is a `triage batch --detail summary` line or the JSON of
//! `triage diagnose --format json`, `batch` is `triage batch` line for line. A dict is written
//! as JSON text and read by the CLI's own reader ([`FactReader::read_json`]), so a bad fact is
//! refused with the CLI's words; the engine work runs with the GIL released, on the rayon pool.
//!
//! It holds no Python object past a call and never interprets a value: a fact's value is only
//! ever compared with the values the knowledge base declares.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::PathBuf;
use triage_engine::batch::{BatchOptions, Detail, diagnose_line};
use triage_engine::report::{CompactReport, Report, ReportOptions, SummaryReport};
use triage_engine::{Engine, FactFileError, FactProblem, FactReader};

create_exception!(
    triage,
    FactError,
    PyValueError,
    "The facts could not be read: a key the knowledge base does not declare, a value of the \
     wrong type or outside the declared values, text that is not a JSON object. The message is \
     the CLI's; `problems` lists one line per problem (which key, what was expected)."
);

create_exception!(
    triage,
    KnowledgeBaseError,
    PyException,
    "The knowledge base could not be loaded: a path that cannot be read, or errors in its \
     .kb files (the message is what `triage check` prints)."
);

self_cell::self_cell!(
    /// An engine and the fact reader that borrows its model, built once per knowledge base.
    struct Loaded {
        owner: Engine,
        #[covariant]
        dependent: FactReader,
    }
    impl {Debug}
);

/// Input items per chunk of a batch: the GIL is held to turn a chunk's dicts into JSON text and
/// its records into dicts, and released while the chunk is diagnosed.
const CHUNK_ITEMS: usize = 2048;

/// How deep a fact value may nest (lists in dicts in lists …) before it is refused.
const MAX_DEPTH: usize = 64;

/// The most characters of a key a problem repeats (as the CLI shortens an unknown key).
const MAX_SHOWN_KEY_CHARS: usize = 80;

/// A knowledge base, compiled and ready to diagnose.
///
/// `KnowledgeBase()` is the embedded default (`rdp`, Windows Remote Desktop);
/// `KnowledgeBase("ssh")` names another embedded one; any other value is a `.kb` file or a
/// folder of them, as with `triage --kb`. With `lenient=True`, keys the knowledge base does
/// not declare are warnings in the result instead of errors (`--lenient`).
///
/// Raises `KnowledgeBaseError` when it cannot be loaded.
#[pyclass(frozen, module = "triage", name = "KnowledgeBase")]
#[derive(Debug)]
struct KnowledgeBase {
    loaded: Loaded,
    /// The embedded knowledge base's name, or the path as given.
    name: String,
}

/// One input of a batch, made under the GIL.
enum Item {
    /// JSON text: a dict written out, or a str/bytes item as given.
    Text(Vec<u8>),
    /// A dict with values JSON cannot hold (bytes, infinity, a non-str key …): one problem
    /// per such key, in the CLI's words, and the JSON text of the rest (such a value written
    /// as `null`), in which the reader finds the problems of the other keys.
    Problems(Vec<u8>, Vec<String>),
    /// Neither a dict nor text.
    Rejected(String),
}

/// Why a single fact set could not be diagnosed.
struct Refused {
    message: String,
    problems: Vec<String>,
}

impl Refused {
    fn into_err(self, py: Python<'_>) -> PyErr {
        let err = FactError::new_err(self.message);
        // Setting an attribute on a fresh exception instance cannot fail in practice; if it
        // did, the message still says everything.
        let _ = err.value(py).setattr("problems", self.problems);
        err
    }
}

#[pymethods]
impl KnowledgeBase {
    #[new]
    #[pyo3(signature = (kb = None, *, lenient = false))]
    fn new(py: Python<'_>, kb: Option<PathBuf>, lenient: bool) -> PyResult<Self> {
        let (name, loaded) = match kb {
            None => (triage_embedded::DEFAULT.to_string(), None),
            Some(path) => match triage_embedded::by_name(&path) {
                Some(name) => (name.to_string(), None),
                None => (path.display().to_string(), Some(path)),
            },
        };
        let loaded = py.detach(|| {
            let mut kb = match loaded {
                Some(path) => triage_rules::load_paths(&[path]),
                None => triage_embedded::load(&name),
            };
            match kb.model.take() {
                Some(model) => Ok(Loaded::new(Engine::new(model), |engine| {
                    let mut reader = FactReader::new(engine.model());
                    reader.lenient = lenient;
                    reader
                })),
                None => Err(load_failure(&kb)),
            }
        });
        match loaded {
            Ok(loaded) => Ok(KnowledgeBase { loaded, name }),
            Err(message) => Err(KnowledgeBaseError::new_err(message)),
        }
    }

    /// The embedded knowledge base's name (`rdp`, `ssh`), or the path it was loaded from.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    fn __repr__(&self) -> String {
        format!("KnowledgeBase({:?})", self.name)
    }

    /// Diagnoses one fact set and returns the CLI's document as a dict.
    ///
    /// `facts` is a dict of fact name → value (plus `host`, `collected_at`, `symptom`), or a
    /// str holding such a JSON object. `None` and NaN (pandas' missing value) mean unknown.
    /// `detail="summary"` is the record of `triage batch --detail summary` (the leading
    /// causes, the next question, the first fix; `line` is 1 when there is no host);
    /// `detail="full"` is the document of `triage diagnose --format json` (every cause with
    /// its evidence in words, the next questions, the repair order and the decision tree).
    ///
    /// Raises `FactError` when the facts cannot be read, with the CLI's message.
    #[pyo3(signature = (facts, detail = "summary"))]
    fn diagnose<'py>(
        &self,
        py: Python<'py>,
        facts: &Bound<'py, PyAny>,
        detail: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let full = match detail {
            "summary" => false,
            "full" => true,
            other => return Err(detail_error(other)),
        };
        let text = single_input(self.loaded.borrow_dependent(), facts)?;
        let document = py.detach(|| {
            let (engine, reader) = (self.loaded.borrow_owner(), self.loaded.borrow_dependent());
            let facts = read_facts(reader, &text)?;
            let diagnosis = engine.diagnose(&facts);
            let value = if full {
                serde_json::to_value(Report::new(engine, &facts, &diagnosis, ReportOptions::FULL))
            } else {
                serde_json::to_value(SummaryReport::new(engine, &facts, &diagnosis, 1))
            };
            value.map_err(|e| Refused { message: e.to_string(), problems: Vec::new() })
        });
        let document = document.map_err(|refused| refused.into_err(py))?;
        Ok(pythonize::pythonize(py, &document)?)
    }

    /// Diagnoses many fact sets, with the GIL released while the engine works.
    ///
    /// `records` is any iterable of dicts of facts or of str/bytes lines of JSON (an open
    /// JSON Lines file works). Returns one dict per item, in order, equal to the lines of
    /// `triage batch` on the same input: the summary (or with `detail="full"`, every cause
    /// with its evidence, as `triage batch --detail full`), or for an item that cannot be read
    /// `{"line": N, "error": …, "problems": […]}` — a bad item does not stop the batch.
    /// `line` counts items from 1. `jobs` is the number of worker threads (default: one per
    /// core; `jobs=1` runs in the calling thread, as a Spark task should).
    #[pyo3(signature = (records, jobs = None, detail = "summary"))]
    fn batch<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
        jobs: Option<usize>,
        detail: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let detail = match detail {
            "summary" => Detail::Summary,
            "full" => Detail::Full { words: false },
            other => return Err(detail_error(other)),
        };
        let options = BatchOptions { detail, ..BatchOptions::default() };
        let pool = match jobs {
            Some(0) => return Err(PyValueError::new_err("jobs must be at least 1")),
            Some(1) | None => None,
            Some(n) => {
                Some(rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(|e| {
                    PyException::new_err(format!("cannot start worker threads: {e}"))
                })?)
            }
        };
        let serial = jobs == Some(1);
        let out = PyList::empty(py);
        let mut items = records.try_iter()?;
        let mut next_line: u64 = 1;
        loop {
            let mut chunk: Vec<Item> = Vec::with_capacity(CHUNK_ITEMS);
            for item in items.by_ref().take(CHUNK_ITEMS) {
                chunk.push(batch_item(&item?)?);
            }
            if chunk.is_empty() {
                break;
            }
            let first = next_line;
            next_line += chunk.len() as u64;
            let records: Vec<serde_json::Value> = py.detach(|| {
                let one = |(i, item): (usize, &Item)| self.record(&options, first + i as u64, item);
                if serial {
                    chunk.iter().enumerate().map(one).collect()
                } else if let Some(pool) = &pool {
                    pool.install(|| chunk.par_iter().enumerate().map(one).collect())
                } else {
                    chunk.par_iter().enumerate().map(one).collect()
                }
            });
            for record in &records {
                out.append(pythonize::pythonize(py, record)?)?;
            }
        }
        Ok(out)
    }

    /// The question worth asking next for these facts, as in `triage diagnose --format json`
    /// (`fact`, `title`, `ask`, `where`, `who`, `information_gain_bits`, `cost_seconds`,
    /// `answers` …), or `None` when the leading cause is likely enough to act on (80 %, where
    /// `triage ask` stops) or nothing is worth asking. It is the fact the summary's
    /// `next_question` names.
    ///
    /// Raises `FactError` when the facts cannot be read.
    fn next_question<'py>(
        &self,
        py: Python<'py>,
        facts: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let text = single_input(self.loaded.borrow_dependent(), facts)?;
        let question = py.detach(|| {
            let (engine, reader) = (self.loaded.borrow_owner(), self.loaded.borrow_dependent());
            let facts = read_facts(reader, &text)?;
            let diagnosis = engine.diagnose(&facts);
            let confidence = triage_engine::wizard::WizardSettings::default().confidence;
            let Some(leading) = diagnosis.symptoms.first() else { return Ok(None) };
            if leading.causes.first().is_some_and(|c| c.posterior >= confidence) {
                return Ok(None);
            }
            let options = ReportOptions {
                evidence: false,
                words: false,
                questions: 1,
                plan: false,
                plan_questions: 0,
            };
            let report = Report::new(engine, &facts, &diagnosis, options);
            report
                .symptoms
                .into_iter()
                .next()
                .and_then(|s| s.next_questions.into_iter().next())
                .map(serde_json::to_value)
                .transpose()
                .map_err(|e| Refused { message: e.to_string(), problems: Vec::new() })
        });
        match question.map_err(|refused| refused.into_err(py))? {
            Some(question) => Ok(Some(pythonize::pythonize(py, &question)?)),
            None => Ok(None),
        }
    }

    /// The symptoms this knowledge base covers, as `triage symptoms --format json` lists them:
    /// `name`, `title`, `codes`, `aliases`, `frequency`, `knowledge_base`.
    fn symptoms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let model = self.loaded.borrow_owner().model();
        let listed: Vec<serde_json::Value> = model
            .symptoms
            .iter()
            .map(|def| {
                serde_json::json!({
                    "name": def.name,
                    "title": def.title,
                    "codes": def.codes(),
                    "aliases": def.aliases,
                    "frequency": def.frequency,
                    "knowledge_base": self.name,
                })
            })
            .collect();
        Ok(pythonize::pythonize(py, &listed)?)
    }
}

impl KnowledgeBase {
    /// One batch record: what `triage batch` writes for this item as line `number`.
    fn record(&self, options: &BatchOptions, number: u64, item: &Item) -> serde_json::Value {
        let (engine, reader) = (self.loaded.borrow_owner(), self.loaded.borrow_dependent());
        let bytes = match item {
            Item::Text(bytes) => bytes,
            Item::Problems(text, problems) => {
                let problems = with_reader_problems(reader, text, problems.clone());
                let plural = if problems.len() == 1 { "" } else { "s" };
                return serde_json::json!({
                    "line": number,
                    "error": format!("{} problem{plural} in the facts", problems.len()),
                    "problems": problems,
                });
            }
            Item::Rejected(message) => {
                return serde_json::json!({ "line": number, "error": message });
            }
        };
        // The facts of a good line are read once and the record kept as numbers (a float
        // through text and back could move by one unit in the last place); any other line
        // gets the CLI's own error record.
        let facts = std::str::from_utf8(bytes)
            .ok()
            .filter(|text| !text.trim().is_empty())
            .and_then(|text| reader.read_json(text).ok());
        let record = facts.map(|facts| {
            let diagnosis = engine.diagnose(&facts);
            match options.detail {
                Detail::Summary => {
                    serde_json::to_value(SummaryReport::new(engine, &facts, &diagnosis, number))
                }
                Detail::Full { .. } => {
                    serde_json::to_value(CompactReport::new(engine, &facts, &diagnosis))
                }
            }
        });
        match record {
            Some(Ok(record)) => record,
            Some(Err(e)) => serde_json::json!({ "line": number, "error": e.to_string() }),
            None => {
                let (line, _) = diagnose_line(engine, reader, options, number, bytes);
                serde_json::from_str(&line).unwrap_or_else(
                    |e| serde_json::json!({ "line": number, "error": e.to_string() }),
                )
            }
        }
    }
}

/// The embedded knowledge bases' names, the default first: the values `KnowledgeBase(name)`
/// takes besides a path.
#[pyfunction]
fn knowledge_bases() -> Vec<&'static str> {
    triage_embedded::names()
}

fn detail_error(detail: &str) -> PyErr {
    PyValueError::new_err(format!("detail must be \"summary\" or \"full\", not {detail:?}"))
}

/// What `triage check` says of a knowledge base that has errors: each error, then the count.
fn load_failure(kb: &triage_rules::KnowledgeBase) -> String {
    let errors: Vec<_> = kb.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    let mut message = triage_rules::diagnostic::render(&errors, &kb.sources, false);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let _ = write!(
        message,
        "checked {}: {}, {}",
        plural(kb.sources.len(), "file"),
        plural(kb.error_count(), "error"),
        plural(kb.warning_count(), "warning")
    );
    message
}

/// Reads one fact set's JSON text as `triage diagnose` reads a fact file.
fn read_facts(reader: &FactReader<'_>, text: &[u8]) -> Result<triage_engine::FactSet, Refused> {
    let text = std::str::from_utf8(text).map_err(|e| {
        let message = format!("not UTF-8 (bad byte at {})", e.valid_up_to());
        Refused { problems: vec![message.clone()], message }
    })?;
    reader.read_json(text).map_err(|e| Refused { message: e.to_string(), problems: e.problems() })
}

/// The JSON text of the facts given to `diagnose` or `next_question`: a dict written out, or
/// a str/bytes as is. A dict JSON cannot hold raises `FactError` (with the problems of its
/// other keys); anything else, `TypeError`.
fn single_input(reader: &FactReader<'_>, facts: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    match batch_item(facts)? {
        Item::Text(text) => Ok(text),
        Item::Problems(text, problems) => {
            let problems = with_reader_problems(reader, &text, problems);
            let problems: Vec<FactProblem> = problems.into_iter().map(as_problem).collect();
            let error = FactFileError::Invalid(problems);
            Err(Refused { message: error.to_string(), problems: error.problems() }
                .into_err(facts.py()))
        }
        Item::Rejected(message) => Err(PyTypeError::new_err(message)),
    }
}

/// The problems of the values JSON cannot hold, then those the reader finds in the rest.
fn with_reader_problems(
    reader: &FactReader<'_>,
    text: &[u8],
    mut problems: Vec<String>,
) -> Vec<String> {
    if let Ok(text) = std::str::from_utf8(text)
        && let Err(e @ FactFileError::Invalid(_)) = reader.read_json(text)
    {
        problems.extend(e.problems());
    }
    problems
}

/// A problem already in words, as a [`FactProblem`] whose text is exactly those words.
fn as_problem(text: String) -> FactProblem {
    FactProblem { key: String::new(), found: text, expected: String::new(), hint: None }
}

/// One item of a batch as JSON text, or why it cannot be.
fn batch_item(item: &Bound<'_, PyAny>) -> PyResult<Item> {
    if let Ok(text) = item.cast::<PyString>() {
        return Ok(match text.to_str() {
            Ok(text) => Item::Text(without_line_ending(text.as_bytes()).to_vec()),
            // A str with lone surrogates: a line of a file opened with
            // `errors="surrogateescape"` holds its bytes that are not UTF-8 so; given back as
            // those bytes, the reader refuses it as `triage batch` refuses the line.
            Err(_) => {
                let bytes = text
                    .call_method1("encode", ("utf-8", "surrogateescape"))
                    .ok()
                    .and_then(|b| b.cast_into::<PyBytes>().ok())
                    .map_or_else(
                        || text.to_string_lossy().as_bytes().to_vec(),
                        |b| b.as_bytes().to_vec(),
                    );
                Item::Text(without_line_ending(&bytes).to_vec())
            }
        });
    }
    if let Ok(bytes) = item.cast::<PyBytes>() {
        return Ok(Item::Text(without_line_ending(bytes.as_bytes()).to_vec()));
    }
    let mapping = if let Ok(dict) = item.cast::<PyDict>() {
        dict.items()
    } else if let Ok(mapping) = item.cast::<PyMapping>() {
        mapping.items()?
    } else {
        return Ok(Item::Rejected(format!(
            "expected a dict of facts (or a JSON object as text), found {}",
            type_words(item)
        )));
    };
    let mut encoder = Encoder { out: Vec::with_capacity(256), problems: Vec::new() };
    encoder.out.push(b'{');
    let mut written = 0usize;
    for pair in mapping.iter() {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
        let Some(name) = key.cast::<PyString>().ok().and_then(|k| k.to_str().ok()) else {
            encoder.problems.push(format!(
                "{}: expected a fact name (a str), found a key of type {}",
                shown(&key),
                type_name(&key)
            ));
            continue;
        };
        if written > 0 {
            encoder.out.push(b',');
        }
        written += 1;
        encoder.string(name);
        encoder.out.push(b':');
        encoder.value(name, &value, 0);
    }
    encoder.out.push(b'}');
    if encoder.problems.is_empty() {
        Ok(Item::Text(encoder.out))
    } else {
        Ok(Item::Problems(encoder.out, encoder.problems))
    }
}

/// A line as `triage batch` reads it: without its `\n` or `\r\n` (the lines of an open file
/// keep theirs), so a broken line's error names the same column as the CLI's.
fn without_line_ending(line: &[u8]) -> &[u8] {
    match line.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => line,
    }
}

/// Writes Python values as JSON text, as `json.dumps` would for the values JSON can hold.
struct Encoder {
    out: Vec<u8>,
    /// One line per key whose value JSON cannot hold, as the CLI words a problem.
    problems: Vec<String>,
}

impl Encoder {
    fn string(&mut self, text: &str) {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.out, text);
    }

    /// Writes the value of fact `key`; a value JSON cannot hold is a problem of that key.
    fn value(&mut self, key: &str, value: &Bound<'_, PyAny>, depth: usize) {
        if let Err(found) = self.try_value(value, depth) {
            // Keep the text well-formed; the item is refused anyway.
            self.out.extend_from_slice(b"null");
            let key: String = key.chars().take(MAX_SHOWN_KEY_CHARS).collect();
            self.problems.push(format!(
                "`{key}`: expected a JSON value (str, int, float, bool, None, list or dict), \
                 found {found}"
            ));
        }
    }

    /// Writes one value, or says what it is when JSON cannot hold it.
    fn try_value(&mut self, value: &Bound<'_, PyAny>, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("a value nested more than {MAX_DEPTH} deep"));
        }
        if value.is_none() {
            self.out.extend_from_slice(b"null");
        } else if let Ok(flag) = value.cast::<PyBool>() {
            self.out.extend_from_slice(if flag.is_true() { b"true" } else { b"false" });
        } else if let Ok(int) = value.cast::<PyInt>() {
            if let Ok(n) = int.extract::<i64>() {
                let _ = write!(Utf8(&mut self.out), "{n}");
            } else {
                // Digits JSON can carry whatever their size; the reader decides.
                let digits = int.str().map_err(|_| type_words(value))?;
                self.out.extend_from_slice(digits.to_string_lossy().as_bytes());
            }
        } else if let Ok(float) = value.cast::<PyFloat>() {
            let x = float.value();
            if x.is_nan() {
                // NaN is how pandas and NumPy say "missing": unknown, like None.
                self.out.extend_from_slice(b"null");
            } else if x.is_infinite() {
                return Err(format!("{}infinity", if x < 0.0 { "minus " } else { "" }));
            } else {
                let _ = serde_json::to_writer(&mut self.out, &x);
            }
        } else if let Ok(text) = value.cast::<PyString>() {
            let text = text.to_str().map_err(|_| "a str that is not valid Unicode".to_string())?;
            self.string(text);
        } else if let Ok(list) = value.cast::<PyList>() {
            self.sequence(list.iter(), depth)?;
        } else if let Ok(tuple) = value.cast::<PyTuple>() {
            self.sequence(tuple.iter(), depth)?;
        } else if let Ok(dict) = value.cast::<PyDict>() {
            self.out.push(b'{');
            for (i, (key, item)) in dict.iter().enumerate() {
                let Some(name) = key.cast::<PyString>().ok().and_then(|k| k.to_str().ok()) else {
                    return Err(format!("a dict with a key of type {}", type_name(&key)));
                };
                if i > 0 {
                    self.out.push(b',');
                }
                self.string(name);
                self.out.push(b':');
                self.try_value(&item, depth + 1)?;
            }
            self.out.push(b'}');
        } else if let Some(plain) = numpy_value(value) {
            // A NumPy scalar or array (what a DataFrame column holds): its Python value.
            self.try_value(&plain, depth + 1)?;
        } else if is_pandas_missing(value) {
            self.out.extend_from_slice(b"null");
        } else {
            return Err(type_words(value));
        }
        Ok(())
    }

    fn sequence<'py>(
        &mut self,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        depth: usize,
    ) -> Result<(), String> {
        self.out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.try_value(&item, depth + 1)?;
        }
        self.out.push(b']');
        Ok(())
    }
}

/// `write!` into a byte buffer.
struct Utf8<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Utf8<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The Python value (`.tolist()`) of a scalar or array of `numpy`: what a `pandas` column holds.
fn numpy_value<'py>(value: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    let ty = value.get_type();
    let module = ty.module().ok()?;
    if module.to_str().ok()? != "numpy" {
        return None;
    }
    value.call_method0("tolist").ok()
}

/// pandas' `NA` (the missing value of its nullable columns): unknown, like None.
fn is_pandas_missing(value: &Bound<'_, PyAny>) -> bool {
    let ty = value.get_type();
    let module = ty.module().ok();
    let name = ty.name().ok();
    module.as_ref().and_then(|m| m.to_str().ok()).is_some_and(|m| m.starts_with("pandas"))
        && name.as_ref().and_then(|n| n.to_str().ok()) == Some("NAType")
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map_or_else(|_| "?".to_string(), |n| n.to_string_lossy().into_owned())
}

/// "a Python bytes": what a value is, for a problem.
fn type_words(value: &Bound<'_, PyAny>) -> String {
    format!("a Python {}", type_name(value))
}

/// A key's `repr`, shortened as the CLI shortens an unknown key.
fn shown(key: &Bound<'_, PyAny>) -> String {
    let repr = key.repr().map_or_else(|_| "?".to_string(), |r| r.to_string_lossy().into_owned());
    match repr.char_indices().nth(MAX_SHOWN_KEY_CHARS) {
        Some((end, _)) => format!("{}… ({} bytes)", &repr[..end], repr.len()),
        None => repr,
    }
}

/// The `triage._triage` module.
#[pymodule]
#[pyo3(name = "_triage")]
fn triage_python(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add_class::<KnowledgeBase>()?;
    module.add("FactError", py.get_type::<FactError>())?;
    module.add("KnowledgeBaseError", py.get_type::<KnowledgeBaseError>())?;
    module.add_function(wrap_pyfunction!(knowledge_bases, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
