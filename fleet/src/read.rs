//! Reading batch records and tallying them in one pass.
//!
//! A record is one line of `triage batch` output: a summary (`causes` at the top level), a full
//! record (`symptoms[].causes` with `posterior`, with or without explanations), an error record
//! (`{"line", "error", "problems"}`), or a fact set that rules out every symptom (`message`).
//! Anything else — a line cut off, text that is not JSON, JSON of another shape, a probability
//! outside [0, 1] — is counted as failed with the reason, as an error record is. Every tally is
//! per name (symptom, cause, fact) or per reason, and the number of distinct names and reasons
//! kept is capped, so hostile input cannot make memory grow with the number of lines.

use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};

/// A host whose leading cause is at least this likely is confident: the stop of `triage ask`
/// and the threshold under which `triage batch` gives a next question.
pub const CONFIDENT: f64 = 0.8;

/// Host names kept per cause for the page; the hosts CSV has all of them.
pub const HOSTS_KEPT: usize = 20;

/// Distinct names (symptoms, causes, facts) tallied one by one; more are counted together.
pub const MAX_NAMES: usize = 10_000;

/// Distinct failure reasons kept; more are counted as "other reasons".
pub const MAX_REASONS: usize = 50;

/// Example locations kept per failure reason.
pub const EXAMPLES_PER_REASON: usize = 5;

/// What the hosts CSV holds, one row per diagnosed host.
pub const HOSTS_CSV_HEADER: [&str; 6] =
    ["host", "symptom", "leading_cause", "probability", "confident", "record"];

/// The leading cause of a host that no listed cause explains best, in the hosts CSV (no
/// knowledge-base name has parentheses).
pub const UNLISTED: &str = "(unlisted)";

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow, default)]
    host: Option<Cow<'a, str>>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(borrow, default)]
    error: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    problems: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    symptoms: Option<Vec<RawSymptom<'a>>>,
    #[serde(borrow, default)]
    causes: Option<Vec<RawCause<'a>>>,
    #[serde(default)]
    unlisted: Option<f64>,
    #[serde(borrow, default)]
    next_question: Option<RawQuestion<'a>>,
    #[serde(borrow, default)]
    other_questions: Option<Vec<RawQuestion<'a>>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawSymptom<'a> {
    #[serde(borrow)]
    symptom: Cow<'a, str>,
    #[serde(borrow, default)]
    causes: Option<Vec<RawCause<'a>>>,
    #[serde(default)]
    unlisted: Option<f64>,
}

#[derive(Deserialize)]
struct RawCause<'a> {
    #[serde(borrow)]
    cause: Cow<'a, str>,
    #[serde(default)]
    probability: Option<f64>,
    #[serde(default)]
    posterior: Option<f64>,
}

#[derive(Deserialize)]
struct RawQuestion<'a> {
    #[serde(borrow)]
    fact: Cow<'a, str>,
    #[serde(default)]
    information_gain_bits: Option<f64>,
}

/// Names interned once, each with its tally; past [`MAX_NAMES`] the rest share one.
#[derive(Debug)]
pub struct Names<T> {
    index: HashMap<String, usize>,
    pub items: Vec<(String, T)>,
    /// The tally of the names past the cap, and how many such names were seen (at most once
    /// each is not tracked: this counts records).
    pub overflow: T,
    pub overflow_records: u64,
}

impl<T: Default> Default for Names<T> {
    fn default() -> Self {
        Names {
            index: HashMap::new(),
            items: Vec::new(),
            overflow: T::default(),
            overflow_records: 0,
        }
    }
}

impl<T: Default> Names<T> {
    /// The index of `name`, added if there is room.
    fn slot(&mut self, name: &str) -> Option<usize> {
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        if self.items.len() >= MAX_NAMES {
            return None;
        }
        let i = self.items.len();
        self.index.insert(name.to_string(), i);
        self.items.push((name.to_string(), T::default()));
        Some(i)
    }

    fn tally(&mut self, name: &str) -> &mut T {
        match self.slot(name) {
            Some(i) => &mut self.items[i].1,
            None => {
                self.overflow_records += 1;
                &mut self.overflow
            }
        }
    }

    /// The tally of `name`, if it was seen.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).map(|&i| &self.items[i].1)
    }
}

/// Per symptom (the leading one of each host).
#[derive(Debug, Default, Clone)]
pub struct SymptomTally {
    pub hosts: u64,
    pub confident: u64,
    pub unlisted_leads: u64,
}

/// Per cause: the hosts it leads, and the probability it holds over every host that lists it.
#[derive(Debug, Default, Clone)]
pub struct CauseTally {
    /// Hosts whose leading cause it is.
    pub hosts: u64,
    pub confident: u64,
    /// Σ over hosts of P(cause | host), where the record lists it.
    pub mass: f64,
    /// The first [`HOSTS_KEPT`] hosts it leads.
    pub examples: Vec<String>,
}

impl CauseTally {
    fn lead(&mut self, host: &str, confident: bool) {
        self.hosts += 1;
        self.confident += u64::from(confident);
        if self.examples.len() < HOSTS_KEPT {
            self.examples.push(host.to_string());
        }
    }
}

/// Per fact: what it would tell the ambiguous hosts among whose three best questions it is.
#[derive(Debug, Default, Clone)]
pub struct FactTally {
    /// Σ of the expected information gain (bits) over those hosts.
    pub bits: f64,
    pub hosts: u64,
    /// Those hosts per leading symptom (index into [`Tally::symptoms`]).
    pub by_symptom: HashMap<usize, u64>,
}

/// One reason lines failed.
#[derive(Debug, Clone)]
pub struct Failure {
    pub reason: String,
    pub count: u64,
    /// Where: `SOURCE:LINE` of the first few.
    pub examples: Vec<String>,
}

/// One input read.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// Lines read (blank ones included).
    pub lines: u64,
}

/// Everything one pass over the records gathers.
#[derive(Debug, Default)]
pub struct Tally {
    pub sources: Vec<Source>,
    /// Records read: every line that is not blank.
    pub records: u64,
    pub diagnosed: u64,
    pub failed: u64,
    /// Of the failed, lines that are not batch records at all (not JSON, another shape).
    pub not_records: u64,
    /// Diagnosed records whose facts rule out every symptom (no ranking).
    pub no_symptom: u64,
    pub confident: u64,
    pub ambiguous: u64,
    pub summary_records: u64,
    pub full_records: u64,
    /// Ambiguous hosts of full records: they carry no next question.
    pub ambiguous_without_questions: u64,
    /// Ambiguous hosts of summary records without a next question (nothing worth asking).
    pub ambiguous_nothing_to_ask: u64,
    pub symptoms: Names<SymptomTally>,
    pub causes: Names<CauseTally>,
    pub facts: Names<FactTally>,
    /// Hosts where the unlisted cause leads.
    pub unlisted: CauseTally,
    pub failures: Vec<Failure>,
    failure_index: HashMap<String, usize>,
    pub other_failures: u64,
}

/// Why a line is not a batch record, or the batch's own error.
enum Rejected {
    /// An error record of `triage batch`.
    Batch(String),
    /// Not a batch record.
    NotARecord(String),
}

/// A diagnosed host, as the tallies need it.
struct Host<'r> {
    name: Cow<'r, str>,
    symptom: &'r str,
    /// (cause, probability) of the leading symptom, as listed.
    causes: Vec<(&'r str, f64)>,
    unlisted: f64,
    /// The best next questions (up to three): fact and expected information gain.
    questions: Vec<(&'r str, f64)>,
    summary: bool,
}

/// The tallies and the hosts CSV, fed one line at a time.
#[derive(Debug)]
pub struct Reader<W: Write> {
    pub tally: Tally,
    hosts_csv: Option<csv::Writer<W>>,
}

impl<W: Write> Reader<W> {
    /// A reader that writes every diagnosed host to `hosts_csv` (with a header row) when given.
    pub fn new(hosts_csv: Option<W>) -> io::Result<Self> {
        let hosts_csv = match hosts_csv {
            Some(out) => {
                let mut writer = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .quote_style(csv::QuoteStyle::Necessary)
                    .from_writer(out);
                writer.write_record(HOSTS_CSV_HEADER).map_err(io::Error::other)?;
                Some(writer)
            }
            None => None,
        };
        Ok(Reader { tally: Tally::default(), hosts_csv })
    }

    /// Starts the next input; its lines are numbered from 1.
    pub fn start_source(&mut self, name: &str) {
        self.tally.sources.push(Source { name: name.to_string(), lines: 0 });
    }

    /// Tallies one line (without its line ending) of the current source. Fails only when the
    /// hosts CSV cannot be written.
    pub fn add_line(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.tally.sources.is_empty() {
            self.start_source("-");
        }
        let source = self.tally.sources.len() - 1;
        self.tally.sources[source].lines += 1;
        if bytes.trim_ascii().is_empty() {
            return Ok(());
        }
        let line = self.tally.sources[source].lines;
        self.tally.records += 1;
        match std::str::from_utf8(bytes) {
            Ok(text) => self.add_text(text, source, line),
            Err(e) => {
                let reason = format!("not UTF-8 (a bad byte at {})", e.valid_up_to());
                self.fail(Rejected::NotARecord(reason), source, line);
                Ok(())
            }
        }
    }

    /// A line too long to be read, counted as failed.
    pub fn add_too_long(&mut self, bytes: u64, limit: usize) {
        if self.tally.sources.is_empty() {
            self.start_source("-");
        }
        let source = self.tally.sources.len() - 1;
        self.tally.sources[source].lines += 1;
        self.tally.records += 1;
        let line = self.tally.sources[source].lines;
        let reason = format!("a line of {bytes} bytes, over the limit of {limit}: not read");
        self.fail(Rejected::NotARecord(reason), source, line);
    }

    fn add_text(&mut self, text: &str, source: usize, line: u64) -> io::Result<()> {
        let record: RawRecord<'_> = match serde_json::from_str(text) {
            Ok(record) => record,
            Err(e) => {
                self.fail(Rejected::NotARecord(json_reason(&e)), source, line);
                return Ok(());
            }
        };
        let host = match host_of(&record) {
            Ok(Some(host)) => host,
            Ok(None) => {
                self.tally.diagnosed += 1;
                self.tally.no_symptom += 1;
                return Ok(());
            }
            Err(rejected) => {
                self.fail(rejected, source, line);
                return Ok(());
            }
        };
        let name = match host.name {
            Cow::Borrowed("") => Cow::Owned(format!("{}:{line}", self.tally.sources[source].name)),
            ref name => name.clone(),
        };
        self.add_host(&Host { name, ..host }, source, line)
    }

    fn add_host(&mut self, host: &Host<'_>, source: usize, line: u64) -> io::Result<()> {
        let tally = &mut self.tally;
        tally.diagnosed += 1;
        if host.summary {
            tally.summary_records += 1;
        } else {
            tally.full_records += 1;
        }
        let top = host.causes.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
        let (leader, probability) = match top {
            Some((cause, p)) if p >= host.unlisted => (Some(cause), p),
            _ => (None, host.unlisted),
        };
        let confident = probability >= CONFIDENT;
        if confident {
            tally.confident += 1;
        } else {
            tally.ambiguous += 1;
        }
        let symptom_index = tally.symptoms.slot(host.symptom);
        {
            let symptom = tally.symptoms.tally(host.symptom);
            symptom.hosts += 1;
            symptom.confident += u64::from(confident);
            symptom.unlisted_leads += u64::from(leader.is_none());
        }
        for &(cause, p) in &host.causes {
            tally.causes.tally(cause).mass += p;
        }
        match leader {
            Some(cause) => tally.causes.tally(cause).lead(&host.name, confident),
            None => tally.unlisted.lead(&host.name, confident),
        }
        if !confident {
            for &(fact, bits) in &host.questions {
                let fact = tally.facts.tally(fact);
                fact.bits += bits;
                fact.hosts += 1;
                if let Some(s) = symptom_index {
                    *fact.by_symptom.entry(s).or_default() += 1;
                }
            }
            if host.questions.is_empty() {
                if host.summary {
                    tally.ambiguous_nothing_to_ask += 1;
                } else {
                    tally.ambiguous_without_questions += 1;
                }
            }
        }
        if let Some(csv) = &mut self.hosts_csv {
            let record = format!("{}:{line}", tally.sources[source].name);
            let probability = format!("{probability:.4}");
            let row = [
                host.name.as_ref(),
                host.symptom,
                leader.unwrap_or(UNLISTED),
                &probability,
                if confident { "yes" } else { "no" },
                &record,
            ];
            csv.write_record(row.iter().map(|cell| {
                triage_engine::batch::spreadsheet_safe(cell).into_owned().into_bytes()
            }))
            .map_err(io::Error::other)?;
        }
        Ok(())
    }

    fn fail(&mut self, rejected: Rejected, source: usize, line: u64) {
        let tally = &mut self.tally;
        tally.failed += 1;
        let reason = match rejected {
            Rejected::Batch(reason) => reason,
            Rejected::NotARecord(reason) => {
                tally.not_records += 1;
                reason
            }
        };
        let at = match tally.failure_index.get(&reason) {
            Some(&i) => i,
            None if tally.failures.len() < MAX_REASONS => {
                tally.failure_index.insert(reason.clone(), tally.failures.len());
                tally.failures.push(Failure { reason, count: 0, examples: Vec::new() });
                tally.failures.len() - 1
            }
            None => {
                tally.other_failures += 1;
                return;
            }
        };
        let failure = &mut tally.failures[at];
        failure.count += 1;
        if failure.examples.len() < EXAMPLES_PER_REASON {
            failure.examples.push(format!("{}:{line}", tally.sources[source].name));
        }
    }

    /// Flushes the hosts CSV and hands back the tallies.
    pub fn finish(self) -> io::Result<Tally> {
        if let Some(mut csv) = self.hosts_csv {
            csv.flush()?;
        }
        Ok(self.tally)
    }
}

/// The host of a record: `None` for a record whose facts rule out every symptom.
fn host_of<'r>(record: &'r RawRecord<'r>) -> Result<Option<Host<'r>>, Rejected> {
    if let Some(error) = &record.error {
        return Err(Rejected::Batch(batch_reason(error, record.problems.as_deref())));
    }
    let not_a_record =
        |what: &str| Err(Rejected::NotARecord(format!("not a batch record: {what}")));
    let Some(symptoms) = &record.symptoms else {
        return not_a_record("no `symptoms` and no `error`");
    };
    let Some(first) = symptoms.first() else {
        return if record.message.is_some() {
            Ok(None)
        } else {
            not_a_record("no symptom and no `message`")
        };
    };
    let name = record.host.as_deref().map_or_else(
        || record.line.map_or(Cow::Borrowed(""), |n| Cow::Owned(format!("line {n}"))),
        Cow::Borrowed,
    );
    let (causes, unlisted, summary) = match &record.causes {
        Some(causes) => {
            let listed = causes.iter().map(|c| (c.cause.as_ref(), c.probability)).collect();
            (listed, record.unlisted, true)
        }
        None => match &first.causes {
            Some(causes) => {
                let listed = causes.iter().map(|c| (c.cause.as_ref(), c.posterior)).collect();
                (listed, first.unlisted, false)
            }
            None => return not_a_record("no `causes`"),
        },
    };
    let causes: Vec<(&str, Option<f64>)> = causes;
    let mut checked = Vec::with_capacity(causes.len());
    for (cause, p) in causes {
        let Some(p) = p else {
            return not_a_record(if summary {
                "a cause without `probability`"
            } else {
                "a cause without `posterior`"
            });
        };
        if !is_probability(p) {
            return not_a_record("a probability that is not between 0 and 1");
        }
        checked.push((cause, p));
    }
    let Some(unlisted) = unlisted else { return not_a_record("no `unlisted`") };
    if !is_probability(unlisted) {
        return not_a_record("a probability that is not between 0 and 1");
    }
    let mut questions = Vec::new();
    let others = record.other_questions.iter().flatten();
    for q in record.next_question.iter().chain(others).take(3) {
        match q.information_gain_bits {
            Some(bits) if bits.is_finite() && bits >= 0.0 => {
                questions.push((q.fact.as_ref(), bits));
            }
            Some(_) => return not_a_record("an information gain that is not a number of bits"),
            // Written before the gain was part of the summary: the host counts, with no bits.
            None => questions.push((q.fact.as_ref(), 0.0)),
        }
    }
    Ok(Some(Host {
        name,
        symptom: first.symptom.as_ref(),
        causes: checked,
        unlisted,
        questions,
        summary,
    }))
}

fn is_probability(p: f64) -> bool {
    p.is_finite() && (0.0..=1.0 + 1e-6).contains(&p)
}

/// The reason of an error record, the same for every line that failed the same way: numbers
/// become N, and of the problems the first one's key and what was expected are kept (the
/// value found differs from line to line).
fn batch_reason(error: &str, problems: Option<&[Cow<'_, str>]>) -> String {
    let first = problems.and_then(<[_]>::first).map(|p| {
        let p = p.as_ref();
        p.split_once(", found ").map_or(p, |(before, _)| before)
    });
    match first {
        Some(problem) => {
            let more = problems.map_or(0, <[_]>::len).saturating_sub(1);
            let also = if more > 0 { " (and more)" } else { "" };
            format!("{problem}{also}")
        }
        None => numbers_as_n(error),
    }
}

fn numbers_as_n(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

fn json_reason(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "not a batch record: the JSON is cut off".into(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            "not a batch record: not JSON".into()
        }
        serde_json::error::Category::Data => {
            format!("not a batch record: {}", numbers_as_n(&strip_position(&e.to_string())))
        }
    }
}

/// `serde_json`'s message without its " at line L column C".
fn strip_position(message: &str) -> String {
    message.rsplit_once(" at line ").map_or(message, |(before, _)| before).to_string()
}

/// Reads every line of `input` (one source, named `name`) into `reader`. A line longer than
/// `max_line_bytes` is skipped without being held and counted as failed.
pub fn read_source<W: Write>(
    reader: &mut Reader<W>,
    name: &str,
    mut input: impl io::BufRead,
    max_line_bytes: usize,
) -> io::Result<()> {
    use triage_engine::batch::{Line, read_line};
    reader.start_source(name);
    while let Some((line, _)) = read_line(&mut input, max_line_bytes)? {
        match line {
            Line::Text(bytes) => reader.add_line(&bytes)?,
            Line::TooLong(bytes) => reader.add_too_long(bytes, max_line_bytes),
        }
    }
    Ok(())
}

/// The files of a folder of results, as Spark writes them (`part-00000`, …): every file whose
/// name does not start with `.` or `_` (`_SUCCESS`, `.part-00000.crc`), sorted by name.
pub fn part_files(dir: &std::path::Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') || !entry.file_type()?.is_file() {
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(lines: &[&str]) -> (Tally, String) {
        let mut csv = Vec::new();
        let mut reader = Reader::new(Some(&mut csv)).unwrap();
        reader.start_source("a.jsonl");
        for line in lines {
            reader.add_line(line.as_bytes()).unwrap();
        }
        let tally = reader.finish().unwrap();
        (tally, String::from_utf8(csv).unwrap())
    }

    #[test]
    fn summaries_are_tallied_per_symptom_cause_and_fact() {
        let (tally, csv) = read(&[
            r#"{"host":"a","symptoms":[{"symptom":"s","weight":1.0}],"causes":[{"cause":"x","probability":0.9},{"cause":"y","probability":0.05}],"unlisted":0.05,"next_question":null,"first_fix":null}"#,
            r#"{"host":"=b","symptoms":[{"symptom":"s","weight":1.0}],"causes":[{"cause":"x","probability":0.5},{"cause":"y","probability":0.3}],"unlisted":0.2,"next_question":{"fact":"f","label":"F","information_gain_bits":0.7},"first_fix":null}"#,
            r#"{"line":3,"symptoms":[{"symptom":"s","weight":1.0}],"causes":[{"cause":"x","probability":0.2}],"unlisted":0.8,"next_question":null,"first_fix":null}"#,
            "",
        ]);
        assert_eq!((tally.records, tally.diagnosed, tally.failed), (3, 3, 0));
        assert_eq!((tally.confident, tally.ambiguous), (2, 1));
        let x = tally.causes.get("x").unwrap();
        assert_eq!((x.hosts, x.confident), (2, 1));
        assert!((x.mass - 1.6).abs() < 1e-9);
        assert_eq!(tally.unlisted.examples, ["line 3"]);
        let f = tally.facts.get("f").unwrap();
        assert_eq!(f.hosts, 1);
        assert!((f.bits - 0.7).abs() < 1e-9);
        assert!(csv.contains("'=b,s,x,0.5000,no,a.jsonl:2"), "{csv}");
        assert!(csv.contains("line 3,s,(unlisted),0.8000,yes,a.jsonl:3"), "{csv}");
    }

    #[test]
    fn broken_lines_fail_with_a_reason_grouped_and_located() {
        let (tally, _) = read(&[
            r#"{"line":1,"error":"1 problem in the facts","problems":["`os`: expected one of a, b, found \"c\""]}"#,
            r#"{"line":2,"error":"1 problem in the facts","problems":["`os`: expected one of a, b, found \"d\""]}"#,
            r#"{"host":"x","symptoms":[{"symp"#,
            r#"{"host":"x","symptoms":[{"symptom":"s"}],"causes":[{"cause":"c","probability":7}],"unlisted":0}"#,
            "[1, 2]",
        ]);
        assert_eq!((tally.failed, tally.not_records), (5, 3));
        let reasons: Vec<(&str, u64)> =
            tally.failures.iter().map(|f| (f.reason.as_str(), f.count)).collect();
        assert_eq!(reasons[0], ("`os`: expected one of a, b", 2));
        assert_eq!(tally.failures[0].examples, ["a.jsonl:1", "a.jsonl:2"]);
        assert_eq!(reasons[1].0, "not a batch record: the JSON is cut off");
        assert_eq!(reasons[2].0, "not a batch record: a probability that is not between 0 and 1");
        assert!(reasons[3].0.starts_with("not a batch record: invalid type"), "{reasons:?}");
    }

    #[test]
    fn full_records_use_the_first_symptoms_complete_ranking() {
        let (tally, _) = read(&[
            r#"{"symptoms":[{"symptom":"s","causes":[{"cause":"x","posterior":0.6,"evidence":[]},{"cause":"y","posterior":0.3},{"cause":"z","posterior":0.1}],"unlisted":0.0}]}"#,
        ]);
        assert_eq!((tally.full_records, tally.ambiguous_without_questions), (1, 1));
        assert_eq!(tally.causes.get("z").map(|z| z.mass), Some(0.1));
        assert_eq!(tally.causes.get("x").unwrap().examples, ["a.jsonl:1"]);
    }
}
