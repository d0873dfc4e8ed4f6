//! Benchmark workloads for triage.
//!
//! The workload is the one peer rule engines were measured on: `benches/workload/gen.py`
//! writes `kb.json` (facts and N causes with conditions) and `facts.jsonl` (fact sets). This
//! crate converts `kb.json` into a `.kb` knowledge base as `benches/README.md`
//! describes ([`kb_json_to_kb`]), caches generated workloads under
//! `target/bench-workload/N/` ([`workload`]) and times the stages of loading one
//! ([`compile`]): parse, check, decision graph.
//!
//! The mapping, in short:
//!
//! - every fact of `facts` and `symptoms` becomes `fact NAME: bool | int | enum [v0, …]`;
//! - every `error_code` value that some cause names becomes
//!   `symptom error_X { title "…" when error_code == X }`;
//! - every cause `explains` the symptom of its `error_code == X` condition with prior
//!   `prior / (sum of the priors of that symptom's causes) × 0.9`, written with nine decimals
//!   and rounded down, so a symptom's priors never add up to more than 0.9;
//! - every other condition becomes a finding `when CONDITION : usually`; the conditions of
//!   one cause on one fact are one finding joined with `and` (evidence is one distribution per
//!   fact).

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use triage_rules::ast;
use triage_rules::check::check_files;
use triage_rules::diagnostic::Diagnostic;
use triage_rules::format::quote;
use triage_rules::graph::DecisionGraph;
use triage_rules::model::Model;
use triage_rules::parse::parse_file;
use triage_rules::source::FileId;

/// The gating fact whose values become symptoms.
pub const ERROR_CODE: &str = "error_code";

/// Share of each symptom's cases the listed causes account for (the rest is left to the
/// unlisted cause).
pub const LISTED_SHARE: f64 = 0.9;

/// The number of fact sets `gen.py` writes by default (`--m`).
pub const DEFAULT_FACT_SETS: usize = 10_000;

/// The seed `gen.py` uses by default (`--seed`).
pub const DEFAULT_SEED: u64 = 42;

/// Why `kb.json` could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("kb.json is not valid: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "`{name}` cannot be a .kb name (letters, digits and `_`, not starting with a digit, not a keyword)"
    )]
    BadName { name: String },
    #[error("the fact `{name}` is declared twice")]
    DuplicateFact { name: String },
    #[error("the cause `{name}` is declared twice")]
    DuplicateCause { name: String },
    #[error("the fact `{fact}` has type `{ty}`; expected bool, int or enum")]
    UnknownType { fact: String, ty: String },
    #[error("the enum fact `{fact}` lists no values")]
    EmptyEnum { fact: String },
    #[error("kb.json declares no `{ERROR_CODE}` enum fact")]
    NoErrorCodeFact,
    #[error("cause `{cause}` has no `{ERROR_CODE} == …` condition")]
    NoErrorCode { cause: String },
    #[error("cause `{cause}` has more than one `{ERROR_CODE}` condition")]
    SeveralErrorCodes { cause: String },
    #[error("cause `{cause}` has prior {prior}; expected a finite number >= 0")]
    BadPrior { cause: String, prior: f64 },
    #[error(
        "the priors of the causes of `{ERROR_CODE} == {code}` add up to {sum}; expected more than 0"
    )]
    ZeroPriors { code: String, sum: f64 },
    #[error("cause `{cause}` tests the unknown fact `{fact}`")]
    UnknownFact { cause: String, fact: String },
    #[error("cause `{cause}` uses the operator `{op}`; expected one of == != < <= > >= in")]
    UnsupportedOp { cause: String, op: String },
    #[error("cause `{cause}`: `{fact} {op} {value}` does not fit the fact's type ({ty})")]
    BadValue { cause: String, fact: String, op: String, value: String, ty: &'static str },
}

/// Why a workload could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    #[error(
        "the workload generator is not at {path} (set TRIAGE_BENCH_GEN to its path; it is benches/workload/gen.py in the repository)"
    )]
    GeneratorMissing { path: PathBuf },
    #[error("could not run `{command}`: {source} (is python3 installed?)")]
    Spawn { command: String, source: std::io::Error },
    #[error("`{command}` failed ({status}): {stderr}")]
    GeneratorFailed { command: String, status: std::process::ExitStatus, stderr: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Convert { path: PathBuf, source: Box<ConvertError> },
}

impl WorkloadError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), source }
    }
}

// ---------------------------------------------------------------------------------------------
// kb.json
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct KbJson {
    facts: Vec<FactJson>,
    symptoms: Vec<FactJson>,
    causes: Vec<CauseJson>,
}

#[derive(Debug, Deserialize)]
struct FactJson {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CauseJson {
    name: String,
    prior: f64,
    conds: Vec<CondJson>,
}

#[derive(Debug, Deserialize)]
struct CondJson {
    fact: String,
    op: String,
    value: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Enum,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Enum => "enum",
        }
    }
}

struct FactInfo<'a> {
    kind: Kind,
    values: HashSet<&'a str>,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !ast::is_keyword(s)
}

fn name(s: &str) -> Result<&str, ConvertError> {
    if is_name(s) { Ok(s) } else { Err(ConvertError::BadName { name: s.to_string() }) }
}

/// Converts the text of a `gen.py` `kb.json` into `.kb` source (one file).
///
/// The output is deterministic and in the formatter's canonical layout. Error-code values no
/// cause names get no symptom (the checker rejects a symptom without causes).
pub fn kb_json_to_kb(json: &str) -> Result<String, ConvertError> {
    let kb: KbJson = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len());

    // Facts: the ordinary ones, then the gating ones.
    let mut facts: HashMap<&str, FactInfo<'_>> = HashMap::new();
    for fact in kb.facts.iter().chain(&kb.symptoms) {
        let fact_name = name(&fact.name)?;
        let kind = match fact.ty.as_str() {
            "bool" => Kind::Bool,
            "int" => Kind::Int,
            "enum" => Kind::Enum,
            other => {
                return Err(ConvertError::UnknownType {
                    fact: fact.name.clone(),
                    ty: other.to_string(),
                });
            }
        };
        let _ = write!(out, "fact {fact_name}: {}", kind.describe());
        let mut values = HashSet::new();
        if kind == Kind::Enum {
            if fact.values.is_empty() {
                return Err(ConvertError::EmptyEnum { fact: fact.name.clone() });
            }
            out.push_str(" [");
            for (i, value) in fact.values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(name(value)?);
                values.insert(value.as_str());
            }
            out.push(']');
        }
        out.push_str("\n\n");
        if facts.insert(fact_name, FactInfo { kind, values }).is_some() {
            return Err(ConvertError::DuplicateFact { name: fact.name.clone() });
        }
    }
    let codes = kb
        .symptoms
        .iter()
        .chain(&kb.facts)
        .find(|f| f.name == ERROR_CODE && f.ty == "enum")
        .ok_or(ConvertError::NoErrorCodeFact)?;

    // Group the causes by their error code, and sum the priors per group.
    let mut code_of: Vec<&str> = Vec::with_capacity(kb.causes.len());
    let mut sums: HashMap<&str, f64> = HashMap::new();
    let mut cause_names = HashSet::with_capacity(kb.causes.len());
    for cause in &kb.causes {
        if !cause_names.insert(name(&cause.name)?) {
            return Err(ConvertError::DuplicateCause { name: cause.name.clone() });
        }
        if !cause.prior.is_finite() || cause.prior < 0.0 {
            return Err(ConvertError::BadPrior { cause: cause.name.clone(), prior: cause.prior });
        }
        let mut gating = cause.conds.iter().filter(|c| c.fact == ERROR_CODE);
        let first =
            gating.next().ok_or_else(|| ConvertError::NoErrorCode { cause: cause.name.clone() })?;
        if gating.next().is_some() {
            return Err(ConvertError::SeveralErrorCodes { cause: cause.name.clone() });
        }
        let code = match (&first.value, first.op.as_str()) {
            (serde_json::Value::String(code), "==") if codes.values.contains(code) => code.as_str(),
            _ => {
                return Err(ConvertError::NoErrorCode { cause: cause.name.clone() });
            }
        };
        code_of.push(code);
        *sums.entry(code).or_default() += cause.prior;
    }

    // One symptom per error code value that has causes, in declaration order.
    for code in &codes.values {
        let Some(&sum) = sums.get(code.as_str()) else {
            continue;
        };
        if sum <= 0.0 || !sum.is_finite() {
            return Err(ConvertError::ZeroPriors { code: code.clone(), sum });
        }
        let _ = write!(
            out,
            "symptom error_{code} {{\n  title {}\n  when {ERROR_CODE} == {code}\n}}\n\n",
            quote(&format!("Error code {code}"))
        );
    }

    // The causes.
    for (cause, code) in kb.causes.iter().zip(&code_of) {
        let share = cause.prior / sums[code] * LISTED_SHARE;
        let _ = write!(
            out,
            "cause {} {{\n  title {}\n  explains error_{code}: {}\n",
            cause.name,
            quote(&format!("Cause {}", cause.name)),
            prior_text(share)
        );
        write_findings(&mut out, &cause.name, &cause.conds, &facts)?;
        out.push_str("}\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    Ok(out)
}

/// A cause's conditions other than the error code as findings. Evidence is one distribution
/// per fact: the conditions a cause puts on one fact are one finding, all of them holding.
fn write_findings(
    out: &mut String,
    cause: &str,
    conds: &[CondJson],
    facts: &HashMap<&str, FactInfo<'_>>,
) -> Result<(), ConvertError> {
    let mut by_fact: Vec<(&str, Vec<&CondJson>)> = Vec::new();
    for cond in conds.iter().filter(|c| c.fact != ERROR_CODE) {
        match by_fact.iter_mut().find(|(f, _)| *f == cond.fact) {
            Some((_, conds)) => conds.push(cond),
            None => by_fact.push((cond.fact.as_str(), vec![cond])),
        }
    }
    for (_, conds) in by_fact {
        out.push_str("  when ");
        for (i, cond) in conds.iter().enumerate() {
            if i > 0 {
                out.push_str(" and ");
            }
            write_condition(out, cause, cond, facts)?;
        }
        out.push_str(" : usually\n");
    }
    Ok(())
}

/// A probability in [0, 1] with nine decimals, rounded down, so a group of them never adds up
/// to more than the exact shares do.
fn prior_text(p: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // p is in [0, 1]
    let nanos = (p.clamp(0.0, 1.0) * 1e9).floor() as u64;
    format!("{}.{:09}", nanos / 1_000_000_000, nanos % 1_000_000_000)
}

fn write_condition(
    out: &mut String,
    cause: &str,
    cond: &CondJson,
    facts: &HashMap<&str, FactInfo<'_>>,
) -> Result<(), ConvertError> {
    let info = facts.get(cond.fact.as_str()).ok_or_else(|| ConvertError::UnknownFact {
        cause: cause.to_string(),
        fact: cond.fact.clone(),
    })?;
    let bad = || ConvertError::BadValue {
        cause: cause.to_string(),
        fact: cond.fact.clone(),
        op: cond.op.clone(),
        value: cond.value.to_string(),
        ty: info.kind.describe(),
    };
    let value = |v: &serde_json::Value| -> Result<String, ConvertError> {
        match (info.kind, v) {
            (Kind::Bool, serde_json::Value::Bool(b)) => Ok(b.to_string()),
            (Kind::Int, serde_json::Value::Number(n)) => {
                n.as_i64().map(|i| i.to_string()).ok_or_else(bad)
            }
            (Kind::Enum, serde_json::Value::String(s)) if info.values.contains(s.as_str()) => {
                Ok(s.clone())
            }
            _ => Err(bad()),
        }
    };
    match cond.op.as_str() {
        "in" => {
            let serde_json::Value::Array(items) = &cond.value else {
                return Err(bad());
            };
            if info.kind == Kind::Bool || items.is_empty() {
                return Err(bad());
            }
            let _ = write!(out, "{} in [", cond.fact);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&value(item)?);
            }
            out.push(']');
        }
        op @ ("==" | "!=" | "<" | "<=" | ">" | ">=") => {
            if info.kind != Kind::Int && !matches!(op, "==" | "!=") {
                return Err(bad());
            }
            let _ = write!(out, "{} {op} {}", cond.fact, value(&cond.value)?);
        }
        other => {
            return Err(ConvertError::UnsupportedOp {
                cause: cause.to_string(),
                op: other.to_string(),
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generated workloads
// ---------------------------------------------------------------------------------------------

/// A generated workload on disk.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Number of causes.
    pub n: usize,
    /// The folder holding the files below.
    pub dir: PathBuf,
    /// `kb.json` as `gen.py` wrote it.
    pub kb_json_path: PathBuf,
    /// `kb.kb`: `kb.json` converted by [`kb_json_to_kb`].
    pub kb_path: PathBuf,
    /// `facts.jsonl`: one fact set (a JSON object) a line.
    pub facts_path: PathBuf,
    /// How many lines `facts.jsonl` holds. `gen.py` draws them from their own random stream,
    /// so the first `m` lines are the same whatever `--m` was: read as many as you need.
    pub fact_sets: usize,
    pub seed: u64,
}

/// The workspace root (the folder of the root `Cargo.toml`).
#[must_use]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Where `gen.py` is: `$TRIAGE_BENCH_GEN`, else `benches/workload/gen.py` in the workspace.
#[must_use]
pub fn generator_path() -> PathBuf {
    std::env::var_os("TRIAGE_BENCH_GEN")
        .map_or_else(|| workspace_root().join("benches/workload/gen.py"), PathBuf::from)
}

/// The cache folder for generated workloads: `$CARGO_TARGET_DIR/bench-workload`, else
/// `target/bench-workload` under the workspace root.
#[must_use]
pub fn cache_root() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
        .join("bench-workload")
}

/// Runs `python3 gen.py N DIR` (with its defaults: 10,000 fact sets, seed 42) and converts
/// `kb.json` to `kb.kb` in `dir`.
pub fn generate(n: usize, dir: &Path) -> Result<Workload, WorkloadError> {
    generate_with(n, dir, DEFAULT_FACT_SETS, DEFAULT_SEED)
}

/// [`generate`] with `--m fact_sets --seed seed`.
pub fn generate_with(
    n: usize,
    dir: &Path,
    fact_sets: usize,
    seed: u64,
) -> Result<Workload, WorkloadError> {
    let script = generator_path();
    if !script.is_file() {
        return Err(WorkloadError::GeneratorMissing { path: script });
    }
    let mut command = Command::new("python3");
    command
        .arg(&script)
        .arg(n.to_string())
        .arg(dir)
        .arg("--m")
        .arg(fact_sets.to_string())
        .arg("--seed")
        .arg(seed.to_string());
    let shown =
        format!("python3 {} {n} {} --m {fact_sets} --seed {seed}", script.display(), dir.display());
    let output = command
        .output()
        .map_err(|source| WorkloadError::Spawn { command: shown.clone(), source })?;
    if !output.status.success() {
        return Err(WorkloadError::GeneratorFailed {
            command: shown,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let workload = Workload {
        n,
        dir: dir.to_path_buf(),
        kb_json_path: dir.join("kb.json"),
        kb_path: dir.join("kb.kb"),
        facts_path: dir.join("facts.jsonl"),
        fact_sets,
        seed,
    };
    convert_file(&workload.kb_json_path, &workload.kb_path)?;
    Ok(workload)
}

/// Converts the `kb.json` at `from` into `.kb` at `to`; writes only when the text changed.
pub fn convert_file(from: &Path, to: &Path) -> Result<(), WorkloadError> {
    let json = std::fs::read_to_string(from).map_err(|source| WorkloadError::io(from, source))?;
    let kb = kb_json_to_kb(&json).map_err(|source| WorkloadError::Convert {
        path: from.to_path_buf(),
        source: Box::new(source),
    })?;
    if std::fs::read_to_string(to).ok().as_deref() != Some(kb.as_str()) {
        std::fs::write(to, kb).map_err(|source| WorkloadError::io(to, source))?;
    }
    Ok(())
}

/// The workload with `n` causes, generated on first use and cached in
/// `target/bench-workload/N/` (see [`cache_root`]).
///
/// `min_fact_sets` is how many lines of `facts.jsonl` the caller needs: a cached workload with
/// at least that many is reused (the first lines do not depend on `--m`), otherwise it is
/// generated again with `max(min_fact_sets, …)`. Pass 0 when only the knowledge base matters.
/// `kb.kb` is converted again every time (it is cheap), so it follows converter changes.
pub fn workload(n: usize, min_fact_sets: usize) -> Result<Workload, WorkloadError> {
    let dir = cache_root().join(n.to_string());
    let stamp_path = dir.join("gen.stamp");
    let script = generator_path();
    let script_hash = std::fs::read(&script).map(|bytes| fnv1a(&bytes)).ok();
    let stamp = std::fs::read_to_string(&stamp_path).ok().and_then(|s| Stamp::parse(&s));
    // Never regenerate with fewer fact sets than the cache held.
    let fact_sets = stamp
        .as_ref()
        .filter(|s| s.n == n)
        .map_or(min_fact_sets, |s| s.fact_sets.max(min_fact_sets));
    if let Some(stamp) = stamp
        && stamp.n == n
        && stamp.seed == DEFAULT_SEED
        && stamp.fact_sets >= min_fact_sets
        && script_hash.is_none_or(|h| h == stamp.script_hash)
        && dir.join("kb.json").is_file()
        && dir.join("facts.jsonl").is_file()
    {
        let workload = Workload {
            n,
            kb_json_path: dir.join("kb.json"),
            kb_path: dir.join("kb.kb"),
            facts_path: dir.join("facts.jsonl"),
            dir,
            fact_sets: stamp.fact_sets,
            seed: stamp.seed,
        };
        convert_file(&workload.kb_json_path, &workload.kb_path)?;
        return Ok(workload);
    }
    // Generate next to the cache entry and move it into place, so a concurrent reader never
    // sees half a workload.
    let root = cache_root();
    std::fs::create_dir_all(&root)
        .map_err(|source| WorkloadError::Io { path: root.clone(), source })?;
    let tmp = root.join(format!("{n}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut generated = generate_with(n, &tmp, fact_sets, DEFAULT_SEED)?;
    let stamp = Stamp { n, fact_sets, seed: DEFAULT_SEED, script_hash: script_hash.unwrap_or(0) };
    std::fs::write(tmp.join("gen.stamp"), stamp.to_string())
        .map_err(|source| WorkloadError::Io { path: tmp.join("gen.stamp"), source })?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&tmp, &dir)
        .map_err(|source| WorkloadError::Io { path: dir.clone(), source })?;
    generated.kb_json_path = dir.join("kb.json");
    generated.kb_path = dir.join("kb.kb");
    generated.facts_path = dir.join("facts.jsonl");
    generated.dir = dir;
    Ok(generated)
}

/// What a cached workload was generated with.
#[derive(Debug, PartialEq)]
struct Stamp {
    n: usize,
    fact_sets: usize,
    seed: u64,
    script_hash: u64,
}

impl Stamp {
    fn parse(text: &str) -> Option<Self> {
        let fields: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
        Some(Self {
            n: fields.get("n")?.parse().ok()?,
            fact_sets: fields.get("fact_sets")?.parse().ok()?,
            seed: fields.get("seed")?.parse().ok()?,
            script_hash: u64::from_str_radix(fields.get("gen_py_fnv1a")?, 16).ok()?,
        })
    }
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "n={}", self.n)?;
        writeln!(f, "fact_sets={}", self.fact_sets)?;
        writeln!(f, "seed={}", self.seed)?;
        writeln!(f, "gen_py_fnv1a={:016x}", self.script_hash)
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

// ---------------------------------------------------------------------------------------------
// The measured pipeline
// ---------------------------------------------------------------------------------------------

/// Time spent in each stage of [`compile`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub parse: Duration,
    pub check: Duration,
    pub graph: Duration,
}

impl Timings {
    #[must_use]
    pub fn total(&self) -> Duration {
        self.parse + self.check + self.graph
    }
}

/// Everything [`compile`] built. Dropping it is not part of the timings.
#[derive(Debug)]
pub struct Compiled {
    /// Parser and checker diagnostics, unsorted.
    pub diagnostics: Vec<Diagnostic>,
    pub model: Option<Model>,
    pub graph: Option<DecisionGraph>,
    pub timings: Timings,
}

impl Compiled {
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Diagnostic codes and how often each occurs, errors and warnings alike.
    #[must_use]
    pub fn codes(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for d in &self.diagnostics {
            *out.entry(d.kind.code()).or_default() += 1;
        }
        out
    }
}

/// Parse + check + decision graph of one `.kb` text, each stage timed: what
/// [`triage_rules::load_sources`] does (and `triage check` runs), plus
/// [`DecisionGraph::build`] (what `triage graph` adds). The syntax trees stay alive while the
/// graph is built, as they do in a [`triage_rules::KnowledgeBase`]. The model and graph are
/// `None` when there is an error.
#[must_use]
pub fn compile(text: &str) -> Compiled {
    let start = Instant::now();
    let (file, mut diagnostics) = parse_file(FileId(0), text);
    let parsed = Instant::now();
    let complete = !diagnostics.iter().any(Diagnostic::is_error);
    // Consumed like `triage_rules::load_sources` does: items are dropped as they are checked.
    let (model, mut problems) = check_files(vec![file], complete);
    let checked = Instant::now();
    diagnostics.append(&mut problems);
    let model = if diagnostics.iter().any(Diagnostic::is_error) { None } else { model };
    let graph = model.as_ref().map(DecisionGraph::build);
    let built = Instant::now();
    let timings =
        Timings { parse: parsed - start, check: checked - parsed, graph: built - checked };
    Compiled { diagnostics, model, graph, timings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use triage_rules::SourceMap;

    /// 3 causes, 2 error codes; every op and fact type once.
    const TINY: &str = r#"{
      "n": 3, "n_facts": 3, "n_error_codes": 2,
      "facts": [
        {"name": "f0", "type": "bool"},
        {"name": "f1", "type": "int", "min": 0, "max": 20},
        {"name": "f2", "type": "enum", "values": ["v0", "v1", "v2"]}
      ],
      "symptoms": [
        {"name": "error_code", "type": "enum", "values": ["E00000", "E00001"]},
        {"name": "component", "type": "enum", "values": ["comp0", "comp1"]},
        {"name": "os", "type": "enum", "values": ["linux", "windows", "macos", "bsd"]}
      ],
      "causes": [
        {"id": 0, "name": "c0", "prior": 300, "conds": [
          {"fact": "error_code", "op": "==", "value": "E00000"},
          {"fact": "component", "op": "==", "value": "comp1"},
          {"fact": "os", "op": "in", "value": ["bsd", "linux"]},
          {"fact": "f0", "op": "!=", "value": true}
        ]},
        {"id": 1, "name": "c1", "prior": 7, "conds": [
          {"fact": "error_code", "op": "==", "value": "E00001"},
          {"fact": "f1", "op": "<", "value": 4},
          {"fact": "f1", "op": "in", "value": [1, 2, 3]}
        ]},
        {"id": 2, "name": "c2", "prior": 1000, "conds": [
          {"fact": "f2", "op": "in", "value": ["v0", "v2"]},
          {"fact": "error_code", "op": "==", "value": "E00000"},
          {"fact": "f1", "op": ">=", "value": 18}
        ]}
      ]
    }"#;

    fn load(text: &str) -> triage_rules::KnowledgeBase {
        let mut sources = SourceMap::new();
        sources.add("tiny.kb", text);
        triage_rules::load_sources(sources)
    }

    #[test]
    fn converted_tiny_kb_loads_without_errors() {
        let text = kb_json_to_kb(TINY).unwrap();
        let kb = load(&text);
        let errors: Vec<_> = kb.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{text}");
        let model = kb.model.unwrap();
        assert_eq!(model.causes.len(), 3);
        assert_eq!(model.symptoms.len(), 2);
        assert_eq!(model.facts.len(), 6);
        // c0 has 3 findings, c1 two and c2 one (its two conditions on f1 are one); none is
        // shared.
        assert_eq!(model.findings.len(), 6);
        let compiled = compile(&text);
        assert_eq!(compiled.error_count(), 0);
        assert!(compiled.graph.is_some());
    }

    #[test]
    fn priors_per_symptom_sum_to_the_listed_share() {
        let model = load(&kb_json_to_kb(TINY).unwrap()).model.unwrap();
        for symptom in &model.symptoms {
            let sum: f64 = symptom.causes.iter().map(|(_, p)| p).sum();
            assert!(sum <= LISTED_SHARE, "{}: {sum}", symptom.name);
            assert!((sum - LISTED_SHARE).abs() < 1e-8, "{}: {sum}", symptom.name);
        }
        let e0 = model.symptom(model.symptom_id("error_E00000").unwrap());
        let c0 = model.cause_id("c0").unwrap();
        let (_, p0) = e0.causes.iter().find(|(c, _)| *c == c0).unwrap();
        assert!((p0 - 300.0 / 1300.0 * 0.9).abs() < 1e-9);
    }

    #[test]
    fn other_conditions_become_usually_findings() {
        let text = kb_json_to_kb(TINY).unwrap();
        for line in [
            "  when component == comp1 : usually\n",
            "  when os in [bsd, linux] : usually\n",
            "  when f0 != true : usually\n",
            "  when f1 < 4 and f1 in [1, 2, 3] : usually\n",
            "  when f2 in [v0, v2] : usually\n",
            "  when f1 >= 18 : usually\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        let finding_lines = text.lines().filter(|l| l.trim_start().starts_with("when ")).count();
        // 6 findings + 2 symptom conditions.
        assert_eq!(finding_lines, 8);
        assert!(!text.contains("when error_code == E00000 :"));
        let model = load(&text).model.unwrap();
        for cause in &model.causes {
            assert!(cause.findings.iter().all(|(_, p)| (*p - 0.9).abs() < 1e-12));
        }
    }

    #[test]
    fn output_is_in_canonical_format() {
        let text = kb_json_to_kb(TINY).unwrap();
        let (file, problems) = parse_file(FileId(0), &text);
        assert!(problems.is_empty());
        assert_eq!(triage_rules::format::format_file(&file), text);
    }

    #[test]
    fn priors_round_down() {
        assert_eq!(prior_text(0.9), "0.900000000");
        assert_eq!(prior_text(1.0 / 3.0), "0.333333333");
        assert_eq!(prior_text(2.0 / 3.0), "0.666666666");
        assert_eq!(prior_text(0.0), "0.000000000");
    }

    #[test]
    fn bad_input_is_reported() {
        let no_code = TINY.replace(
            r#""fact": "error_code", "op": "==", "value": "E00001""#,
            r#""fact": "f0", "op": "==", "value": false"#,
        );
        assert!(
            matches!(kb_json_to_kb(&no_code), Err(ConvertError::NoErrorCode { cause }) if cause == "c1")
        );
        let bad_op = TINY.replace(r#""op": "<""#, r#""op": "~""#);
        assert!(
            matches!(kb_json_to_kb(&bad_op), Err(ConvertError::UnsupportedOp { op, .. }) if op == "~")
        );
        let bad_value = TINY.replace(r#""value": ["v0", "v2"]"#, r#""value": ["v0", "v9"]"#);
        assert!(matches!(kb_json_to_kb(&bad_value), Err(ConvertError::BadValue { .. })));
        let keyword = TINY.replace(r#""name": "f0""#, r#""name": "when""#);
        assert!(matches!(kb_json_to_kb(&keyword), Err(ConvertError::BadName { .. })));
        assert!(matches!(kb_json_to_kb("{"), Err(ConvertError::Json(_))));
    }

    /// Runs gen.py: `cargo test -p triage-bench -- --ignored` (needs python3 and the shared
    /// folder).
    #[test]
    #[ignore = "runs python3 benches/workload/gen.py"]
    fn generate_runs_gen_py_and_converts() {
        let dir = std::env::temp_dir().join(format!("triage-bench-gen-{}", std::process::id()));
        let w = generate_with(100, &dir, 20, DEFAULT_SEED).unwrap();
        let facts = std::fs::read_to_string(&w.facts_path).unwrap();
        assert_eq!(facts.lines().count(), 20);
        let kb = load(&std::fs::read_to_string(&w.kb_path).unwrap());
        assert_eq!(kb.error_count(), 0);
        assert_eq!(kb.model.unwrap().causes.len(), 100);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stamp_round_trips() {
        let stamp = Stamp { n: 100, fact_sets: 0, seed: 42, script_hash: fnv1a(b"gen.py") };
        assert_eq!(Stamp::parse(&stamp.to_string()), Some(stamp));
    }
}
