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
use crate::report::{CompactReport, Report, ReportOptions};
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

/// Diagnoses every line of `input` and writes one result line per input line to `output`;
/// a line over `max_line_bytes` gets an error record. `progress` is called after each chunk
/// with the totals so far.
pub fn run(
    engine: &Engine,
    reader: &FactReader<'_>,
    options: ReportOptions,
    max_line_bytes: usize,
    mut input: impl BufRead,
    mut output: impl Write,
    mut progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    let mut summary = BatchSummary::default();
    let mut chunk: Vec<Line> = Vec::with_capacity(CHUNK_LINES);
    loop {
        summary.bytes += read_chunk(&mut input, &mut chunk, max_line_bytes)?;
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
                        (error_line(number, &message, &[]), false)
                    }
                }
            })
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
