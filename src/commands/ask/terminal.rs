//! `ask` on a terminal: inquire lists (drawn on stderr), the transcript on stdout.
//!
//! A bool or enum question is a `Select` of its answers (with how likely the engine thinks
//! each is) plus Don't know, Back and Stop asking; other types are a line editor
//! ([`super::line_editor`], with the usual editing keys) whose validator is the fact reader
//! itself, so a bad value is refused with the reason and offered again for editing.
//! Esc stops asking; Ctrl-C (inquire's `OperationInterrupted`, the terminal already restored)
//! leaves after offering to save what was learned.

use super::outcome::{Pick, PickQuestion};
use super::{
    Ending, Frontend, INTERRUPTED, Input, PlanScript, Wizard, expected, guide, next_commands,
    parse_input, plain, plan, question_context,
};
use crate::commands::{UsageError, emit};
use inquire::error::InquireError;
use inquire::{Confirm, Select};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::FactProblem;
use triage_engine::explain::percent;
use triage_engine::report::QuestionReport;
use triage_engine::search::SearchHit;
use triage_rules::model::{FactDef, FactId, FactType, Model, SymptomId};

const SELECT_HELP: &str =
    "↑↓ move, Enter answers, type to filter · Esc stops asking · Ctrl-C quits";
/// The most options a list shows at once.
const PAGE: usize = 16;
/// The fewest a list shows when it pages (a short terminal).
const MIN_PAGE: usize = 5;
/// The rows a list leaves above itself on screen: the ranking (a heading and up to four
/// causes), the question's heading and its text (two lines each when they wrap), the help line
/// and the blank lines between.
const ROWS_ABOVE: usize = 16;

/// Fits a list to the terminal: each label cut to one line (keeping its percentage), and how
/// many options one page shows so that the question and the ranking above it stay on screen
/// (the rest page, ↑↓). Without a terminal size, the labels stay whole and a page is [`PAGE`].
fn fit<T>(choices: &mut [Choice<T>]) -> usize {
    let size = crossterm::terminal::size().ok().map(|(c, r)| (usize::from(c), usize::from(r)));
    let Some((columns, rows)) = size.filter(|(c, r)| *c >= 20 && *r >= 10) else {
        return choices.len().min(PAGE);
    };
    // The cursor's "> " before each option, and a column to spare so nothing wraps.
    let room = columns - 3;
    for choice in choices.iter_mut() {
        if choice.label.chars().count() <= room {
            continue;
        }
        let (text, likely) = match choice.label.rfind("  ") {
            Some(at) if choice.label[at..].trim_end().ends_with('%') => choice.label.split_at(at),
            _ => (choice.label.as_str(), ""),
        };
        let keep = room.saturating_sub(likely.chars().count()).max(8);
        choice.label = format!("{}{likely}", super::cut(text, keep));
    }
    rows.saturating_sub(ROWS_ABOVE).clamp(MIN_PAGE, PAGE).min(choices.len())
}

/// One line of a list: what it shows and what choosing it means.
#[derive(Debug, Clone)]
struct Choice<T> {
    label: String,
    value: T,
}

/// What a list shows once answered: the choice without its percentage.
#[allow(clippy::needless_pass_by_value)] // the signature inquire's formatters have
fn answered<T>(option: inquire::list_option::ListOption<&Choice<T>>) -> String {
    option.value.label.split("  ").next().unwrap_or_default().to_string()
}

impl<T> fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

#[derive(Debug)]
pub(crate) struct Terminal<'m> {
    model: &'m Model,
}

impl<'m> Terminal<'m> {
    pub(crate) fn new(model: &'m Model) -> Self {
        Terminal { model }
    }

    fn select_answer(
        question: &QuestionReport,
        message: &str,
        def: &FactDef,
    ) -> Result<Input, InquireError> {
        let ty = &def.ty;
        let likely = |label: &str| {
            question
                .answers
                .iter()
                .find(|a| a.answer == label)
                .map(|a| format!("  {}", percent(a.probability)))
                .unwrap_or_default()
        };
        let mut choices: Vec<Choice<Input>> = match ty {
            FactType::Bool => vec![
                Choice {
                    label: format!("Yes{}", likely("yes")),
                    value: Input::Value("yes".into()),
                },
                Choice { label: format!("No{}", likely("no")), value: Input::Value("no".into()) },
            ],
            FactType::Enum(values) => values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    // The value's name is what a fact file holds; its label, when the knowledge
                    // base gives one, is all the person sees on the screen (typing filters it).
                    let text = def.value_label(i as u32);
                    let shown = if text == v { v.clone() } else { plain(text) };
                    Choice {
                        label: format!("{shown}{}", likely(v)),
                        value: Input::Value(v.clone()),
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        choices.push(Choice { label: "Don't know".into(), value: Input::DontKnow });
        choices.push(Choice { label: "Back (undo the last answer)".into(), value: Input::Back });
        choices.push(Choice { label: "Stop asking".into(), value: Input::Stop });
        let page = fit(&mut choices);
        Select::new(message, choices)
            .with_help_message(SELECT_HELP)
            .with_page_size(page)
            .with_formatter(&answered)
            .prompt()
            .map(|c| c.value)
    }

    fn text_answer(
        wizard: &Wizard<'_>,
        message: &str,
        fact: FactId,
        ty: &FactType,
    ) -> Result<Input, InquireError> {
        let help = format!(
            "{} · ? don't know · back · Esc stops asking",
            expected(wizard.engine.model().fact(fact))
        );
        let validator = |text: &str| -> Result<(), String> {
            if text.len() > super::MAX_ANSWER_BYTES {
                return Err(super::too_long(text.len() as u64));
            }
            match parse_input(text, ty) {
                Input::Value(value) if value.is_empty() => {
                    Err("type an answer, or ? if you don't know".into())
                }
                Input::Value(value) => wizard.check(fact, &value).map_err(|p| p.to_string()),
                _ => Ok(()),
            }
        };
        super::line_editor::read_line(&format!("? {message}"), ">", &help, "", &validator)
            .map(|text| parse_input(&text, ty))
    }

    /// Asks for a file name and writes the facts there; `None` when the person declined.
    fn save_prompt(wizard: &Wizard<'_>, suggested: &Path) -> Result<Option<PathBuf>, UsageError> {
        let initial = suggested.display().to_string();
        let answer = super::line_editor::read_line(
            "",
            "Save to:",
            "a fact file (JSON) that triage diagnose reads · Esc: don't save",
            &initial,
            &|text: &str| {
                if text.trim().is_empty() { Err("type a file name".into()) } else { Ok(()) }
            },
        );
        match answer {
            Ok(path) => {
                let path = PathBuf::from(path.trim());
                match wizard.save(&path) {
                    Ok(()) => {
                        emit(&format!("Saved what was learned to {}.\n", path.display()))?;
                        Ok(Some(path))
                    }
                    Err(e) => {
                        emit(&format!("Not saved: {e}\n"))?;
                        Ok(None)
                    }
                }
            }
            Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => Ok(None),
            Err(e) => Err(prompt_error(e)),
        }
    }
}

impl Terminal<'_> {
    /// After Ctrl-C: offers to save what was learned, then leaves with exit code 130.
    fn leave(wizard: &Wizard<'_>, suggested: &Path) -> Result<ExitCode, UsageError> {
        emit("\nInterrupted.\n")?;
        if wizard.learned_anything() {
            match Confirm::new("Save what was learned to a fact file before leaving?")
                .with_default(true)
                .with_help_message("y saves, n or Esc leaves without saving")
                .prompt()
            {
                Ok(true) => {
                    Self::save_prompt(wizard, suggested)?;
                }
                Ok(false)
                | Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => {}
                Err(e) => return Err(prompt_error(e)),
            }
        }
        Ok(ExitCode::from(INTERRUPTED))
    }

    /// Asks for a file name and writes `text` there; `None` when the person declined.
    fn write_prompt(text: &str, suggested: &Path) -> Result<Option<PathBuf>, UsageError> {
        let initial = suggested.display().to_string();
        match super::line_editor::read_line("", "Write to:", "Esc: don't write", &initial, &|_| {
            Ok(())
        }) {
            Ok(path) if !path.trim().is_empty() => {
                let path = PathBuf::from(path.trim());
                match std::fs::write(&path, text) {
                    Ok(()) => Ok(Some(path)),
                    Err(e) => {
                        emit(&format!("Not written: cannot write `{}`: {e}\n", path.display()))?;
                        Ok(None)
                    }
                }
            }
            Ok(_) | Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => {
                Ok(None)
            }
            Err(e) => Err(prompt_error(e)),
        }
    }
}

/// A prompt that failed for another reason than Esc or Ctrl-C (the terminal went away).
fn prompt_error(e: InquireError) -> UsageError {
    match e {
        InquireError::IO(e) => UsageError::Io(e),
        other => UsageError::Usage(format!("the terminal prompt failed: {other}")),
    }
}

impl Frontend for Terminal<'_> {
    fn choose_symptom(&mut self, hits: &[SearchHit]) -> Result<Option<SymptomId>, UsageError> {
        let mut choices: Vec<Choice<Option<SymptomId>>> = hits
            .iter()
            .map(|hit| Choice {
                label: format!("{} ({})", hit.title, hit.matched.join(", ")),
                value: Some(hit.id),
            })
            .collect();
        choices.push(Choice { label: "None of these".into(), value: None });
        let page = fit(&mut choices);
        match Select::new("Several symptoms match. Which one do you see?", choices)
            .with_help_message("↑↓ move, Enter chooses, type to filter · Esc: none of these")
            .with_page_size(page)
            .prompt()
        {
            Ok(choice) => Ok(choice.value),
            Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => Ok(None),
            Err(e) => Err(prompt_error(e)),
        }
    }

    fn answer(
        &mut self,
        wizard: &Wizard<'_>,
        number: usize,
        question: &QuestionReport,
        fact: FactId,
    ) -> Result<Input, UsageError> {
        let def = self.model.fact(fact);
        let title = def.title.as_deref().map_or_else(|| def.name.clone(), plain);
        emit(&format!("\nQuestion {number} · {title} · {}\n", question_context(question)))?;
        let message = def.ask.as_deref().map_or_else(|| format!("{title}?"), plain);
        let answer = match &def.ty {
            FactType::Bool | FactType::Enum(_) => Self::select_answer(question, &message, def),
            ty => Self::text_answer(wizard, &message, fact, ty),
        };
        match answer {
            Ok(input) => Ok(input),
            Err(InquireError::OperationCanceled) => Ok(Input::Stop),
            Err(InquireError::OperationInterrupted) => Ok(Input::Interrupted),
            Err(e) => Err(prompt_error(e)),
        }
    }

    fn rejected(&mut self, problem: &FactProblem) -> Result<(), UsageError> {
        emit(&format!("Not accepted: {problem}\n"))
    }

    fn width(&self) -> Option<usize> {
        crossterm::terminal::size()
            .ok()
            .map(|(columns, _)| usize::from(columns))
            .filter(|w| *w >= 40)
    }

    fn pick(&mut self, question: &PickQuestion<'_>) -> Result<Pick, UsageError> {
        let mut choices: Vec<Choice<Pick>> = question
            .options
            .iter()
            .enumerate()
            .map(|(i, (label, _))| Choice { label: label.clone(), value: Pick::Option(i) })
            .collect();
        if let Some(words) = question.none {
            choices.push(Choice { label: capitalised(words), value: Pick::None });
        }
        choices.push(Choice { label: "Skip".into(), value: Pick::Skip });
        let page = fit(&mut choices);
        match Select::new(question.prompt, choices)
            .with_help_message("↑↓ move, Enter chooses · Esc skips")
            .with_page_size(page)
            .with_formatter(&answered)
            .prompt()
        {
            Ok(choice) => Ok(choice.value),
            // Never blocking: Esc and Ctrl-C skip the question.
            Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => {
                Ok(Pick::Skip)
            }
            Err(e) => Err(prompt_error(e)),
        }
    }

    fn finish(
        &mut self,
        wizard: &Wizard<'_>,
        ending: &Ending,
        save: Option<&Path>,
    ) -> Result<ExitCode, UsageError> {
        let suggested = save.map_or_else(|| wizard.default_save_path(), Path::to_path_buf);
        if *ending == Ending::Interrupted {
            return Self::leave(wizard, &suggested);
        }
        let mut saved: Option<PathBuf> = None;
        if let Some(path) = save {
            wizard.save(path)?;
            emit(&format!("\nSaved what was learned to {}.\n", path.display()))?;
            saved = Some(path.to_path_buf());
        }
        // The facts no longer change: one plan, whose shell the menu names.
        let planned = plan(wizard);
        let plan_label = planned
            .as_ref()
            .map_or_else(|_| "Write the repair plan to a file".into(), PlanScript::label);
        loop {
            let choices = vec![
                Choice { label: "Show the repair guide for this case".into(), value: Next::Guide },
                Choice { label: plan_label.clone(), value: Next::Plan },
                Choice { label: "Save what was learned to a fact file".into(), value: Next::Save },
                Choice { label: "Quit".into(), value: Next::Quit },
            ];
            let choice = match Select::new("What next?", choices)
                .with_help_message("↑↓ move, Enter chooses · Esc quits")
                .prompt()
            {
                Ok(choice) => choice.value,
                Err(InquireError::OperationCanceled) => Next::Quit,
                Err(InquireError::OperationInterrupted) if saved.is_none() => {
                    return Self::leave(wizard, &suggested);
                }
                Err(InquireError::OperationInterrupted) => return Ok(ExitCode::from(INTERRUPTED)),
                Err(e) => return Err(prompt_error(e)),
            };
            match choice {
                Next::Quit => {
                    if let Some(path) = &saved {
                        emit(&format!(
                            "\nLater, with the saved facts:\n{}",
                            next_commands(wizard, path)
                        ))?;
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                Next::Save => {
                    if let Some(path) = Self::save_prompt(wizard, &suggested)? {
                        saved = Some(path);
                    }
                }
                Next::Guide => match guide(wizard) {
                    Ok(page) => emit(&format!("\n{page}\n"))?,
                    Err(e) => emit(&format!("No guide: {e}\n"))?,
                },
                Next::Plan => match &planned {
                    Ok(script) => {
                        let suggested = script.file_name(wizard.symptom_name().unwrap_or("case"));
                        if let Some(path) = Self::write_prompt(&script.text, &suggested)? {
                            emit(&format!(
                                "Wrote the plan to {}. {}\n",
                                path.display(),
                                script.how_to_run(&path)
                            ))?;
                        }
                    }
                    Err(e) => emit(&format!("No plan: {e}\n"))?,
                },
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Next {
    Guide,
    Plan,
    Save,
    Quit,
}

/// `words` with a capital first letter, for a list entry.
fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}
