//! Batch triage: JSON Lines in, JSON Lines out, in input order, in parallel.
//!
//! Input is read in chunks of lines; each chunk is diagnosed on the rayon pool and written
//! before the next is read, so memory depends on the chunk size, never on the input size.
//! Every input line yields exactly one output line: its report (the compact one, or the full
//! one with explanations in words when asked), or `{"line": N, "error": …}` when the line is
//! not valid — the run goes on.

use crate::facts::{FactFileError, FactReader};
use crate::infer::Engine;
use crate::report::{CompactReport, Report, ReportOptions};
use rayon::prelude::*;
use std::io::{self, BufRead, Write};

/// Lines per chunk: enough to keep every core busy.
pub const CHUNK_LINES: usize = 256;

/// A chunk also ends once it holds this many bytes, so a chunk of very large fact sets (half a
/// megabyte a line at 100k facts) stays small.
pub const CHUNK_BYTES: usize = 8 << 20;

/// How a batch went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub lines: u64,
    pub failed: u64,
    pub bytes: u64,
}

/// Diagnoses every line of `input` and writes one result line per input line to `output`.
/// `progress` is called after each chunk with the totals so far.
pub fn run(
    engine: &Engine,
    reader: &FactReader<'_>,
    options: ReportOptions,
    mut input: impl BufRead,
    mut output: impl Write,
    mut progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    let mut summary = BatchSummary::default();
    let mut chunk: Vec<Vec<u8>> = Vec::with_capacity(CHUNK_LINES);
    loop {
        summary.bytes += read_chunk(&mut input, &mut chunk)? as u64;
        if chunk.is_empty() {
            break;
        }
        let first_line = summary.lines + 1;
        let results: Vec<(String, bool)> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, line)| diagnose_line(engine, reader, options, first_line + i as u64, line))
            .collect();
        for (text, ok) in results {
            output.write_all(text.as_bytes())?;
            output.write_all(b"\n")?;
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
/// [`CHUNK_BYTES`] are read), line endings removed. Returns the bytes read; an empty chunk
/// means the input is exhausted.
pub fn read_chunk(input: &mut impl BufRead, chunk: &mut Vec<Vec<u8>>) -> io::Result<usize> {
    chunk.clear();
    let mut bytes = 0;
    while chunk.len() < CHUNK_LINES && bytes < CHUNK_BYTES {
        let mut line = Vec::new();
        let read = input.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        bytes += read;
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        chunk.push(line);
    }
    Ok(bytes)
}

/// One line → its output line, and whether it succeeded.
#[must_use]
pub fn diagnose_line(
    engine: &Engine,
    reader: &FactReader<'_>,
    options: ReportOptions,
    number: u64,
    line: &[u8],
) -> (String, bool) {
    let text = match std::str::from_utf8(line) {
        Ok(text) if !text.trim().is_empty() => text,
        Ok(_) => {
            return (error_line(number, "empty line: expected a JSON object of facts", &[]), false);
        }
        Err(e) => {
            let message = format!("not valid UTF-8 at byte {}", e.valid_up_to());
            return (error_line(number, &message, &[]), false);
        }
    };
    match reader.read_json(text) {
        Ok(facts) => {
            let diagnosis = engine.diagnose(&facts);
            let json = if options.words {
                serde_json::to_string(&Report::new(engine, &facts, &diagnosis, options))
            } else {
                serde_json::to_string(&CompactReport::new(engine, &facts, &diagnosis))
            };
            match json {
                Ok(json) => (json, true),
                Err(e) => (error_line(number, &e.to_string(), &[]), false),
            }
        }
        Err(FactFileError::Invalid(problems)) => {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            let message = format!(
                "{} problem{} in the facts",
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            );
            (error_line(number, &message, &list), false)
        }
        Err(e) => (error_line(number, &e.to_string(), &[]), false),
    }
}

fn error_line(number: u64, message: &str, problems: &[String]) -> String {
    let mut record = serde_json::json!({ "line": number, "error": message });
    if !problems.is_empty() {
        record["problems"] = serde_json::json!(problems);
    }
    record.to_string()
}
