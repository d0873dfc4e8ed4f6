//! Batch triage: JSON Lines in, JSON Lines out, in input order, in parallel.
//!
//! Input is read in chunks of lines; each chunk is diagnosed on the rayon pool and written
//! before the next is read, so memory depends on the chunk size, never on the input size.
//! Every input line yields exactly one output line: its report (the compact one, or the full
//! one with explanations in words when asked), or `{"line": N, "error": …}` when the line is
//! not valid — the run goes on. A line longer than the limit ([`MAX_LINE_BYTES`] unless the
//! caller says otherwise) is not kept: its bytes are counted and skipped up to the next newline,
//! and its result is an error record, so one huge line costs no more memory than the limit.

use crate::facts::{FactFileError, FactReader};
use crate::infer::Engine;
use crate::report::{CompactReport, Report, ReportOptions, SummaryReport};
use rayon::prelude::*;
use std::io::{self, BufRead, Write};

/// Lines per chunk: enough to keep every core busy.
pub const CHUNK_LINES: usize = 256;

/// A chunk also ends once it holds this many bytes, so a chunk of very large fact sets (half a
/// megabyte a line at 100k facts) stays small.
pub const CHUNK_BYTES: usize = 8 << 20;

/// The longest line kept by default: 16 MiB, thirty times the largest fact set of the
/// 100,000-fact benchmark knowledge base.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// How much each record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Per host the leading causes, the next question and the first fix
    /// ([`SummaryReport`], a few hundred bytes).
    #[default]
    Summary,
    /// The whole ranking with its evidence ([`CompactReport`]); with `words`, the explained
    /// report of `triage diagnose --format json` ([`Report`]).
    Full { words: bool },
}

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordFormat {
    /// One JSON object per line.
    #[default]
    JsonLines,
    /// RFC 4180 CSV with a header row, one row per line ([`CSV_HEADER`]); summaries only.
    Csv,
}

/// What a batch run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    pub detail: Detail,
    pub format: RecordFormat,
    /// A longer line is not read and gets an error record.
    pub max_line_bytes: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            detail: Detail::Summary,
            format: RecordFormat::JsonLines,
            max_line_bytes: MAX_LINE_BYTES,
        }
    }
}

/// The columns of `--format csv`: one row per input line; `line` is the input line number.
pub const CSV_HEADER: [&str; 13] = [
    "host",
    "symptom",
    "cause_1",
    "p_1",
    "cause_2",
    "p_2",
    "cause_3",
    "p_3",
    "unlisted",
    "next_fact",
    "first_fix",
    "error",
    "line",
];

/// The JSON Schema (draft 2020-12) of a batch record of `detail`: the record, or the error
/// record a line that could not be diagnosed gets.
#[must_use]
pub fn record_schema(detail: Detail) -> serde_json::Value {
    let (title, schema) = match detail {
        Detail::Summary => (
            "triage batch record (--detail summary)",
            schemars::schema_for!(SummaryReport<'static>),
        ),
        Detail::Full { .. } => {
            ("triage batch record (--detail full)", schemars::schema_for!(CompactReport<'static>))
        }
    };
    let mut record = schema.to_value();
    let defs = record.as_object_mut().and_then(|o| {
        o.remove("$schema");
        o.remove("$defs")
    });
    let error = serde_json::json!({
        "title": "ErrorRecord",
        "description": "A line that could not be diagnosed: its number, why, and each problem of the facts",
        "type": "object",
        "properties": {
            "line": { "type": "integer", "minimum": 1 },
            "error": { "type": "string" },
            "problems": { "type": "array", "items": { "type": "string" } }
        },
        "required": ["line", "error"],
        "additionalProperties": false
    });
    let mut document = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "oneOf": [record, error],
    });
    if let Some(defs) = defs {
        document["$defs"] = defs;
    }
    document
}

/// One input line of a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The line without its line ending.
    Text(Vec<u8>),
    /// A line over the limit, skipped: how many bytes it had (without its line ending).
    TooLong(u64),
}

impl Line {
    /// The line's bytes, unless it was too long to keep.
    #[must_use]
    pub fn text(&self) -> Option<&[u8]> {
        match self {
            Line::Text(bytes) => Some(bytes),
            Line::TooLong(_) => None,
        }
    }
}

/// How a batch went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub lines: u64,
    pub failed: u64,
    pub bytes: u64,
}

/// Diagnoses every line of `input` and writes one record per input line to `output` (after a
/// header row in CSV); a line over the options' `max_line_bytes` gets an error record.
/// `progress` is called after each chunk with the totals so far.
pub fn run(
    engine: &Engine,
    reader: &FactReader<'_>,
    options: &BatchOptions,
    input: impl BufRead,
    output: impl Write,
    progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    run_after(engine, reader, options, Vec::new(), input, output, progress)
}

/// [`run`] when the caller has already read the first lines of the input (to choose the
/// knowledge base): `first` are diagnosed before the rest of `input`, numbered from 1. Their
/// bytes are not in the summary's `bytes`.
pub fn run_after(
    engine: &Engine,
    reader: &FactReader<'_>,
    options: &BatchOptions,
    first: Vec<Line>,
    mut input: impl BufRead,
    mut output: impl Write,
    mut progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    let max_line_bytes = options.max_line_bytes;
    let terminator: &[u8] = match options.format {
        RecordFormat::JsonLines => b"\n",
        RecordFormat::Csv => {
            output.write_all(csv_row(&CSV_HEADER).as_bytes())?;
            output.write_all(b"\r\n")?;
            b"\r\n"
        }
    };
    let mut summary = BatchSummary::default();
    let mut first = Some(first).filter(|lines| !lines.is_empty());
    let mut chunk: Vec<Line> = Vec::with_capacity(CHUNK_LINES);
    loop {
        match first.take() {
            Some(lines) => chunk = lines,
            None => summary.bytes += read_chunk(&mut input, &mut chunk, max_line_bytes)?,
        }
        if chunk.is_empty() {
            break;
        }
        let first_line = summary.lines + 1;
        let results: Vec<(String, bool)> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, line)| {
                let number = first_line + i as u64;
                match line {
                    Line::Text(bytes) => diagnose_line(engine, reader, options, number, bytes),
                    Line::TooLong(bytes) => {
                        let message = format!(
                            "the line is {bytes} bytes, over the limit of {max_line_bytes} \
                             (--max-line-bytes): not read"
                        );
                        (error_record(options.format, number, &message, &[]), false)
                    }
                }
            })
            .collect();
        for (text, ok) in results {
            output.write_all(text.as_bytes())?;
            output.write_all(terminator)?;
            summary.lines += 1;
            if !ok {
                summary.failed += 1;
            }
        }
        progress(&summary);
    }
    output.flush()?;
    Ok(summary)
}

/// Replaces `chunk` with the next lines of `input` (at most [`CHUNK_LINES`], stopping once
/// [`CHUNK_BYTES`] are read), line endings removed; a line over `max_line_bytes` is skipped
/// and counted, never held. Returns the bytes read; an empty chunk means the input is
/// exhausted.
pub fn read_chunk(
    input: &mut impl BufRead,
    chunk: &mut Vec<Line>,
    max_line_bytes: usize,
) -> io::Result<u64> {
    chunk.clear();
    let mut bytes: u64 = 0;
    while chunk.len() < CHUNK_LINES && bytes < CHUNK_BYTES as u64 {
        let Some((line, read)) = read_line(input, max_line_bytes)? else { break };
        bytes += read;
        chunk.push(line);
    }
    Ok(bytes)
}

/// The next line of `input` without its line ending, and the bytes it took (line ending
/// included); `None` at the end of the input. A line over `max_line_bytes` is skipped up to
/// its newline without being held, and comes back as [`Line::TooLong`] with its length.
pub fn read_line(
    input: &mut impl BufRead,
    max_line_bytes: usize,
) -> io::Result<Option<(Line, u64)>> {
    let mut line = Vec::new();
    // One byte more than the limit: a line ending there may still be a newline.
    let limit = max_line_bytes.saturating_add(2) as u64;
    let read = io::Read::take(&mut *input, limit).read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    let mut bytes = read as u64;
    let ended = line.last() == Some(&b'\n');
    if ended {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    if line.len() <= max_line_bytes {
        return Ok(Some((Line::Text(line), bytes)));
    }
    let mut length = line.len() as u64;
    if !ended {
        let skipped = skip_line(input, line.last().copied())?;
        bytes += skipped.bytes + u64::from(skipped.newline);
        length += skipped.bytes;
        if skipped.newline && skipped.last == Some(b'\r') {
            length -= 1;
        }
    }
    Ok(Some((Line::TooLong(length), bytes)))
}

/// What [`skip_line`] skipped.
struct Skipped {
    /// Bytes before the newline (or the end of the input).
    bytes: u64,
    /// Whether a newline ended the line (it is consumed, not counted in `bytes`).
    newline: bool,
    /// The line's last byte before the newline (a `\r` is part of the line ending).
    last: Option<u8>,
}

/// Skips the rest of a line without keeping it; `last` is the last byte already read of it.
fn skip_line(input: &mut impl BufRead, mut last: Option<u8>) -> io::Result<Skipped> {
    let mut bytes = 0u64;
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok(Skipped { bytes, newline: false, last });
        }
        if let Some(at) = buffer.iter().position(|&b| b == b'\n') {
            if at > 0 {
                last = Some(buffer[at - 1]);
            }
            input.consume(at + 1);
            return Ok(Skipped { bytes: bytes + at as u64, newline: true, last });
        }
        last = buffer.last().copied().or(last);
        let length = buffer.len();
        bytes += length as u64;
        input.consume(length);
    }
}

/// One line → its record (without its line ending), and whether it was diagnosed.
#[must_use]
pub fn diagnose_line(
    engine: &Engine,
    reader: &FactReader<'_>,
    options: &BatchOptions,
    number: u64,
    line: &[u8],
) -> (String, bool) {
    let format = options.format;
    let text = match std::str::from_utf8(line) {
        Ok(text) if !text.trim().is_empty() => text,
        Ok(_) => {
            let message = "empty line: expected a JSON object of facts";
            return (error_record(format, number, message, &[]), false);
        }
        Err(e) => {
            let message = format!("not valid UTF-8 at byte {}", e.valid_up_to());
            return (error_record(format, number, &message, &[]), false);
        }
    };
    let facts = match reader.read_json(text) {
        Ok(facts) => facts,
        Err(FactFileError::Invalid(problems)) => {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            let message = format!(
                "{} problem{} in the facts",
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            );
            return (error_record(format, number, &message, &list), false);
        }
        Err(e) => return (error_record(format, number, &e.to_string(), &[]), false),
    };
    let diagnosis = engine.diagnose(&facts);
    let json = match (options.detail, format) {
        (Detail::Summary, RecordFormat::Csv) => {
            let summary = SummaryReport::new(engine, &facts, &diagnosis, number);
            return (summary_row(&summary, number), true);
        }
        (Detail::Summary, RecordFormat::JsonLines) => {
            serde_json::to_string(&SummaryReport::new(engine, &facts, &diagnosis, number))
        }
        (Detail::Full { words: true }, _) => {
            let options = ReportOptions { words: true, ..ReportOptions::RANKING };
            serde_json::to_string(&Report::new(engine, &facts, &diagnosis, options))
        }
        (Detail::Full { words: false }, _) => {
            serde_json::to_string(&CompactReport::new(engine, &facts, &diagnosis))
        }
    };
    match json {
        Ok(json) => (json, true),
        Err(e) => (error_record(format, number, &e.to_string(), &[]), false),
    }
}

fn error_record(format: RecordFormat, number: u64, message: &str, problems: &[String]) -> String {
    match format {
        RecordFormat::JsonLines => error_line(number, message, problems),
        RecordFormat::Csv => {
            let error = if problems.is_empty() {
                message.to_string()
            } else {
                format!("{message}: {}", problems.join("; "))
            };
            let line = number.to_string();
            let mut cells = [""; 13];
            cells[11] = &error;
            cells[12] = &line;
            csv_row(&cells)
        }
    }
}

fn error_line(number: u64, message: &str, problems: &[String]) -> String {
    let mut record = serde_json::json!({ "line": number, "error": message });
    if !problems.is_empty() {
        record["problems"] = serde_json::json!(problems);
    }
    record.to_string()
}

/// A summary as a CSV row in the order of [`CSV_HEADER`].
fn summary_row(summary: &SummaryReport<'_>, number: u64) -> String {
    let probability = |i: usize| summary.causes.get(i).map(|c| c.probability.to_string());
    let cause = |i: usize| summary.causes.get(i).map_or("", |c| c.cause);
    let (p1, p2, p3) = (probability(0), probability(1), probability(2));
    let unlisted = summary.unlisted.to_string();
    let line = number.to_string();
    let error = summary.message.unwrap_or_default();
    csv_row(&[
        summary.host.unwrap_or_default(),
        summary.symptoms.first().map_or("", |s| s.symptom),
        cause(0),
        p1.as_deref().unwrap_or_default(),
        cause(1),
        p2.as_deref().unwrap_or_default(),
        cause(2),
        p3.as_deref().unwrap_or_default(),
        &unlisted,
        summary.next_question.as_ref().map_or("", |q| q.fact),
        summary.first_fix.as_ref().map_or("", |f| f.fix),
        error,
        &line,
    ])
}

/// A CSV cell a spreadsheet will not read as a formula: a value starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (values come from fact files) gets a leading `'`, which
/// spreadsheets show as text. `triage batch --format csv` and the hosts CSV of `triage report`
/// write every cell through it.
#[must_use]
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// One RFC 4180 row without its line ending. A cell a spreadsheet would read as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: values come from fact
/// files) is written with a leading `'`, which spreadsheets show as text.
fn csv_row(cells: &[&str]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    let cells = cells.iter().map(|cell| spreadsheet_safe(cell).into_owned());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(cells);
    let mut bytes = writer.into_inner().unwrap_or_default();
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{Line, read_chunk};
    use std::io::BufReader;

    fn chunk(input: &[u8], limit: usize) -> (Vec<Line>, u64) {
        // A small buffer, so lines span several fills.
        let mut reader = BufReader::with_capacity(4, input);
        let mut lines = Vec::new();
        let bytes = read_chunk(&mut reader, &mut lines, limit).unwrap();
        (lines, bytes)
    }

    #[test]
    fn a_line_over_the_limit_is_counted_and_skipped_and_the_next_lines_are_kept() {
        let input = b"{\"a\":1}\r\n0123456789abcdef\n{}\n0123456789";
        let (lines, bytes) = chunk(input, 8);
        assert_eq!(
            lines,
            vec![
                Line::Text(b"{\"a\":1}".to_vec()),
                Line::TooLong(16),
                Line::Text(b"{}".to_vec()),
                Line::TooLong(10),
            ]
        );
        assert_eq!(bytes, input.len() as u64);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_kept_with_either_line_ending() {
        let (lines, _) = chunk(b"12345678\r\n12345678\n123456789\r\n", 8);
        assert_eq!(
            lines,
            vec![
                Line::Text(b"12345678".to_vec()),
                Line::Text(b"12345678".to_vec()),
                Line::TooLong(9),
            ]
        );
    }
}
