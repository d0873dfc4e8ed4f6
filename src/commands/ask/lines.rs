//! Answers read one per line from a file or a pipe, with every question, answer and ranking
//! printed as plain text: `ask` without a terminal, for scripts and tests.
//!
//! Blank lines and lines starting with `#` are skipped, so an answer file can carry comments.
//! An answer the question's type does not accept is reported (on stdout in the transcript,
//! on stderr with its line number) and the next line is read for the same question; the end
//! of the input stops the questions.

use super::outcome::{Pick, PickQuestion};
use super::{Ending, Frontend, Input, Wizard, expected, next_commands, parse_input, plain};
use super::{MAX_ANSWER_BYTES, too_long};
use super::{question_context, wrap};
use crate::commands::{UsageError, emit};
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use triage_engine::FactProblem;
use triage_engine::batch::{Line, read_line};
use triage_engine::explain::percent;
use triage_engine::report::QuestionReport;
use triage_engine::search::SearchHit;
use triage_renderers::diagnosis::printable;
use triage_rules::model::{FactId, FactType, SymptomId};

/// How many likely answers a question lists.
const LIKELY_ANSWERS: usize = 4;
/// The width lists of values are wrapped to.
const WIDTH: usize = 92;

pub(crate) struct Lines {
    input: Box<dyn BufRead>,
    /// The number of the last line read.
    line: usize,
}

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lines").field("line", &self.line).finish_non_exhaustive()
    }
}

impl Lines {
    pub(crate) fn new(input: Box<dyn BufRead>) -> Self {
        Lines { input, line: 0 }
    }

    /// The next line that says something, echoed after `> `; `None` at the end of the input.
    /// A line over [`MAX_ANSWER_BYTES`] is skipped unread, with a problem said.
    fn next_line(&mut self) -> Result<Option<String>, UsageError> {
        loop {
            let Some((line, _)) = read_line(&mut self.input, MAX_ANSWER_BYTES)? else {
                emit("> (end of the answers)\n")?;
                return Ok(None);
            };
            self.line += 1;
            let bytes = match line {
                Line::Text(bytes) => bytes,
                Line::TooLong(length) => {
                    emit("> (an over-long line)\n")?;
                    self.problem(&too_long(length))?;
                    continue;
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            emit(&format!("> {}\n", printable(text)))?;
            return Ok(Some(text.to_string()));
        }
    }

    fn problem(&self, problem: &str) -> Result<(), UsageError> {
        // The problem quotes the answer, which may hold anything.
        let problem = printable(problem);
        emit(&format!("  not accepted: {problem}\n"))?;
        anstream::eprintln!(
            "line {}: {problem}; reading the next line for the same question",
            self.line
        );
        Ok(())
    }
}

impl Frontend for Lines {
    fn choose_symptom(&mut self, hits: &[SearchHit]) -> Result<Option<SymptomId>, UsageError> {
        let mut out = String::from("\nSeveral symptoms match:\n");
        for (i, hit) in hits.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. {} ({}) — {}",
                i + 1,
                hit.title,
                hit.symptom,
                hit.matched.join(", ")
            );
        }
        out.push_str("Which one? (its number or name)\n");
        emit(&out)?;
        loop {
            let Some(line) = self.next_line()? else { return Ok(None) };
            let by_number = line.parse::<usize>().ok().and_then(|n| hits.get(n.checked_sub(1)?));
            let by_name = hits.iter().find(|h| h.symptom == line);
            match by_number.or(by_name) {
                Some(hit) => return Ok(Some(hit.id)),
                None => self.problem(&format!(
                    "`{}` is not one of the symptoms listed: give a number from 1 to {} or a name",
                    printable(&line),
                    hits.len()
                ))?,
            }
        }
    }

    fn answer(
        &mut self,
        wizard: &Wizard<'_>,
        number: usize,
        question: &QuestionReport,
        fact: FactId,
    ) -> Result<Input, UsageError> {
        let def = wizard.engine.model().fact(fact);
        let mut out = String::new();
        let title = def.title.as_deref().map_or_else(|| def.name.clone(), plain);
        let _ = writeln!(out, "\nQuestion {number}: {title} ({})", def.name);
        if let Some(ask) = &def.ask {
            for line in plain(ask).lines() {
                out.push_str(&wrap(line, WIDTH, "  "));
            }
        }
        let _ = writeln!(out, "  {}", question_context(question));
        out.push_str(&wrap(&format!("answer: {}", expected(def)), WIDTH, "  "));
        if matches!(def.ty, FactType::Bool | FactType::Enum(_) | FactType::Set(_)) {
            let mut likely: Vec<_> = question.answers.iter().collect();
            likely.sort_by(|a, b| b.probability.total_cmp(&a.probability));
            let likely: Vec<String> = likely
                .iter()
                .take(LIKELY_ANSWERS)
                .map(|a| format!("{} {}", a.answer, percent(a.probability)))
                .collect();
            out.push_str(&wrap(&format!("likely: {}", likely.join("; ")), WIDTH, "  "));
        }
        out.push_str("  (? = don't know, back = undo the last answer, stop = stop asking)\n");
        emit(&out)?;
        loop {
            let Some(line) = self.next_line()? else { return Ok(Input::Stop) };
            match parse_input(&line, &def.ty) {
                Input::Value(text) if text.is_empty() => {
                    self.problem("an empty answer; `?` if you don't know")?;
                }
                input => return Ok(input),
            }
        }
    }

    fn pick(&mut self, question: &PickQuestion<'_>) -> Result<Pick, UsageError> {
        let mut out = format!("\n{} ({})\n", question.prompt, question.hint);
        for (i, (label, _)) in question.options.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, printable(label));
        }
        emit(&out)?;
        loop {
            let Some(line) = self.next_line()? else { return Ok(Pick::Skip) };
            let lower = line.to_lowercase();
            if matches!(lower.as_str(), "?" | "skip" | "dont know" | "don't know") {
                return Ok(Pick::Skip);
            }
            if question.none.is_some() && matches!(lower.as_str(), "none" | "no" | "0") {
                return Ok(Pick::None);
            }
            let count = question.options.len();
            let by_number =
                line.parse::<usize>().ok().filter(|n| (1..=count).contains(n)).map(|n| n - 1);
            let by_name = question.options.iter().position(|(_, name)| *name == line);
            match by_number.or(by_name) {
                Some(index) => return Ok(Pick::Option(index)),
                None => self.problem(&format!(
                    "`{}` is not one of those: give a number from 1 to {count}{}, or ? to skip",
                    printable(&line),
                    if question.none.is_some() { ", none" } else { "" }
                ))?,
            }
        }
    }

    fn rejected(&mut self, problem: &FactProblem) -> Result<(), UsageError> {
        self.problem(&problem.to_string())
    }

    fn width(&self) -> Option<usize> {
        None
    }

    fn finish(
        &mut self,
        wizard: &Wizard<'_>,
        _ending: &Ending,
        save: Option<&Path>,
    ) -> Result<ExitCode, UsageError> {
        match save {
            Some(path) => {
                wizard.save(path)?;
                emit(&format!(
                    "\nSaved what was learned to {}. Next:\n{}",
                    path.display(),
                    next_commands(wizard, path)
                ))?;
            }
            None => {
                emit("\nRun again with --save FILE to keep what was learned as a fact file.\n")?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
