//! Typed answers on a terminal: rustyline's line editor, so the keys people's fingers know
//! work — Ctrl-U (clear to the start), Ctrl-W (delete a word), Ctrl-A / Ctrl-E (start, end),
//! Ctrl-K (clear to the end), arrows, Home and End — which inquire's text prompt lacks (it
//! types a `u` for Ctrl-U). Lists stay inquire's.
//!
//! It reads and draws on the terminal itself (`/dev/tty`), as inquire does on stderr, so the
//! transcript on stdout stays clean when it is redirected. Esc gives up the prompt (the caller
//! stops asking), Ctrl-C interrupts (the caller offers to save and leaves), Ctrl-D on an
//! empty line is Esc. A refused value is shown with the reason and offered again for editing.

use inquire::InquireError;
use rustyline::config::{Behavior, Config, EditMode};
use rustyline::error::ReadlineError;
use rustyline::{
    Cmd, ConditionalEventHandler, DefaultEditor, Event, EventContext, EventHandler, KeyCode,
    KeyEvent, Modifiers, RepeatCount,
};
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How long a lone Esc waits for the rest of a key sequence (an arrow is Esc `[` `A`), in ms.
const ESC_TIMEOUT_MS: u16 = 50;

/// Esc: interrupts the line and remembers that it was Esc, not Ctrl-C.
struct EscapeHandler(Arc<AtomicBool>);

impl ConditionalEventHandler for EscapeHandler {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, _: &EventContext) -> Option<Cmd> {
        self.0.store(true, Ordering::SeqCst);
        Some(Cmd::Interrupt)
    }
}

/// Shows `heading` (a question, on lines of its own; none when empty) and `help` under it,
/// then reads one line after `prompt`, starting from `initial`, until `validate` accepts it. Errors as inquire's prompts give them: `OperationCanceled` for Esc
/// or Ctrl-D, `OperationInterrupted` for Ctrl-C, `IO` when the terminal fails.
pub(super) fn read_line(
    heading: &str,
    prompt: &str,
    help: &str,
    initial: &str,
    validate: &dyn Fn(&str) -> Result<(), String>,
) -> Result<String, InquireError> {
    let config = Config::builder()
        .behavior(Behavior::PreferTerm)
        .edit_mode(EditMode::Emacs)
        .keyseq_timeout(Some(ESC_TIMEOUT_MS))
        .auto_add_history(false)
        .build();
    let mut editor = DefaultEditor::with_config(config).map_err(readline_error)?;
    let escaped = Arc::new(AtomicBool::new(false));
    editor.bind_sequence(
        KeyEvent(KeyCode::Esc, Modifiers::NONE),
        EventHandler::Conditional(Box::new(EscapeHandler(Arc::clone(&escaped)))),
    );
    let mut err = std::io::stderr();
    if !heading.is_empty() {
        writeln!(err, "{heading}").map_err(InquireError::IO)?;
    }
    if !help.is_empty() {
        writeln!(err, "  [{help} · Ctrl-U clears]").map_err(InquireError::IO)?;
    }
    err.flush().map_err(InquireError::IO)?;
    let prompt = format!("{prompt} ");
    let mut text = initial.to_string();
    loop {
        match editor.readline_with_initial(&prompt, (&text, "")) {
            Ok(line) => match validate(&line) {
                Ok(()) => return Ok(line),
                Err(reason) => {
                    writeln!(err, "  ✗ {reason}").map_err(InquireError::IO)?;
                    err.flush().map_err(InquireError::IO)?;
                    text = line;
                }
            },
            Err(ReadlineError::Interrupted) if escaped.load(Ordering::SeqCst) => {
                return Err(InquireError::OperationCanceled);
            }
            Err(ReadlineError::Interrupted) => return Err(InquireError::OperationInterrupted),
            Err(ReadlineError::Eof) => return Err(InquireError::OperationCanceled),
            Err(e) => return Err(readline_error(e)),
        }
    }
}

fn readline_error(e: ReadlineError) -> InquireError {
    match e {
        ReadlineError::Io(e) => InquireError::IO(e),
        other => InquireError::IO(std::io::Error::other(other.to_string())),
    }
}
