//! Diagnostics as data, and their rendering.
//!
//! Every problem the parser or checker finds becomes a [`Diagnostic`]: a [`DiagnosticKind`]
//! (which says what is wrong, and decides the code, the severity and the message text), the
//! span it points at, secondary labels and hints. Nothing is printed where it is found; the
//! CLI renders a list of them at the edge, as text with carets ([`render`]) or as JSON
//! ([`to_json`]). All message wording lives in [`DiagnosticKind::message`].

use crate::source::{SourceMap, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet, renderer::DecorStyle};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// What is wrong. The variant decides code, severity and message.
#[derive(Debug, Clone, PartialEq)]
pub enum DiagnosticKind {
    /// The file could not be read as UTF-8.
    InvalidUtf8 {
        line: usize,
        column: usize,
    },
    /// The grammar expected something else here.
    Syntax {
        expected: Vec<String>,
        found: String,
    },
    /// The parser gave up on a construct nested this deep.
    TooDeep {
        limit: usize,
    },
    UnterminatedString,
    UnterminatedBlock,
    MixedIndentation,
    InvalidEscape {
        escape: String,
    },
    KeywordAsName {
        keyword: String,
    },
    IntOutOfRange,
    DuplicateField {
        field: &'static str,
    },
    MissingField {
        item: &'static str,
        name: String,
        field: &'static str,
    },
    FieldNotAllowed {
        field: &'static str,
        item: &'static str,
        allowed: Vec<&'static str>,
    },
    DuplicateName {
        kind: &'static str,
        name: String,
    },
    UnknownName {
        kind: &'static str,
        name: String,
    },
    DuplicateEnumValue {
        value: String,
    },
    UnknownEnumValue {
        fact: String,
        value: String,
    },
    /// `verb` is "is compared with" in a condition, "is set to" in a rule.
    TypeMismatch {
        fact: String,
        fact_type: String,
        verb: &'static str,
        found: &'static str,
        expected: String,
    },
    NotABool {
        fact: String,
        fact_type: String,
    },
    OperatorNotAllowed {
        op: &'static str,
        fact: String,
        fact_type: String,
        allowed: String,
    },
    ProbabilityOutOfRange {
        what: &'static str,
        value: f64,
    },
    PriorsExceedOne {
        symptom: String,
        total: f64,
    },
    NoPrior {
        cause: String,
        symptom: String,
    },
    RuleCycle {
        facts: Vec<String>,
    },
    CauseExplainsNothing {
        cause: String,
    },
    FixFixesNothing {
        fix: String,
    },
    SymptomWithoutCause {
        symptom: String,
    },
    DuplicateExplains {
        symptom: String,
    },
    EmptyEnum,
    NotAFile {
        path: String,
        reason: String,
    },
    NoKnowledge,
    // Warnings.
    UnusedFact {
        fact: String,
    },
    CauseWithoutEvidence {
        cause: String,
    },
    FixWithoutVerify {
        fix: String,
    },
    CauseWithoutFix {
        cause: String,
    },
    UnusedBackground,
    UndoWithoutRun {
        fix: String,
    },
    NoUndo {
        fix: String,
    },
    NoSymptom,
    /// Evidence (a finding or a background) must be about one variable.
    EvidenceNotOneFact {
        /// The facts (or set members) it reads.
        reads: Vec<String>,
    },
    /// Evidence that tests whether a fact is known.
    EvidenceOnKnownness {
        fact: String,
    },
    /// Two findings of one cause (or two backgrounds) cover a common outcome.
    EvidenceOverlap {
        fact: String,
        outcome: String,
    },
    /// The outcomes of one variable given for one cause or background add up past 1.
    EvidenceExceedsOne {
        fact: String,
        total: f64,
    },
    /// Every outcome of a variable is given, but the rates do not add up to 1.
    EvidenceIncomplete {
        fact: String,
        total: f64,
    },
    /// Evidence that holds for no outcome of its fact.
    EvidenceNoOutcome {
        fact: String,
    },
    /// Values of an enum or set fact that have no `label`: menus and explanations show a person
    /// the bare name.
    ValueWithoutLabel {
        fact: String,
        values: Vec<String>,
    },
    /// `allow` names something that is not a warning.
    UnknownWarning {
        name: String,
    },
    /// A fact's `pattern` does not compile or does not say what its value is.
    InvalidPattern {
        message: String,
    },
    /// A fact nothing uses, named almost like an undeclared fact that the uses all name.
    MisspeltDeclaration {
        declared: String,
        used: String,
        uses: usize,
    },
    /// A parameter whose name cannot be an environment variable of every shell.
    InvalidParameterName {
        name: String,
        reason: &'static str,
    },
    /// A parameter no script of the knowledge base mentions.
    UnusedParameter {
        parameter: String,
    },
    /// An invisible control character in the text (a bell, an escape, a NUL): almost always
    /// pasted by accident. `fmt` keeps it byte for byte.
    ControlCharacter {
        code: u32,
    },
}

/// "value `a`", "values `a`, `b` and `c`".
fn value_list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.as_slice() {
        [one] => format!("value {one}"),
        [rest @ .., last] => format!("values {} and {last}", rest.join(", ")),
        [] => "no value".into(),
    }
}

/// The usual name of a control character.
fn control_name(code: u32) -> &'static str {
    const C0: [&str; 32] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF",
        "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
        "SUB", "ESC", "FS", "GS", "RS", "US",
    ];
    match code {
        0..=31 => C0[code as usize],
        0x7f => "DEL",
        0x9b => "CSI",
        _ => "C1 control",
    }
}

/// The codes of the warnings, which an item can `allow` (written with `_` or `-`).
pub const WARNING_CODES: &[&str] = &[
    "unused-fact",
    "cause-without-evidence",
    "fix-without-verify",
    "cause-without-fix",
    "unused-background",
    "undo-without-run",
    "fix-without-undo",
    "unused-parameter",
    "value-without-label",
];

impl DiagnosticKind {
    /// A stable, kebab-case code users can search for and editors can key on.
    #[must_use]
    pub fn code(&self) -> &'static str {
        use DiagnosticKind as K;
        match self {
            K::InvalidUtf8 { .. } => "invalid-utf8",
            K::Syntax { .. } => "syntax",
            K::TooDeep { .. } => "too-deep",
            K::UnterminatedString => "unterminated-string",
            K::UnterminatedBlock => "unterminated-block",
            K::MixedIndentation => "mixed-indentation",
            K::InvalidEscape { .. } => "invalid-escape",
            K::KeywordAsName { .. } => "keyword-as-name",
            K::IntOutOfRange => "int-out-of-range",
            K::DuplicateField { .. } => "duplicate-field",
            K::MissingField { .. } => "missing-field",
            K::FieldNotAllowed { .. } => "field-not-allowed",
            K::DuplicateName { .. } => "duplicate-name",
            K::UnknownName { .. } => "unknown-name",
            K::DuplicateEnumValue { .. } => "duplicate-enum-value",
            K::UnknownEnumValue { .. } => "unknown-enum-value",
            K::TypeMismatch { .. } | K::NotABool { .. } => "type-mismatch",
            K::OperatorNotAllowed { .. } => "operator-not-allowed",
            K::ProbabilityOutOfRange { .. } => "probability-out-of-range",
            K::PriorsExceedOne { .. } => "priors-exceed-one",
            K::NoPrior { .. } => "no-prior",
            K::RuleCycle { .. } => "rule-cycle",
            K::CauseExplainsNothing { .. } => "cause-explains-nothing",
            K::FixFixesNothing { .. } => "fix-fixes-nothing",
            K::SymptomWithoutCause { .. } => "symptom-without-cause",
            K::DuplicateExplains { .. } => "duplicate-explains",
            K::EmptyEnum => "empty-enum",
            K::NotAFile { .. } => "unreadable",
            K::NoKnowledge => "no-knowledge",
            K::UnusedFact { .. } => "unused-fact",
            K::CauseWithoutEvidence { .. } => "cause-without-evidence",
            K::FixWithoutVerify { .. } => "fix-without-verify",
            K::CauseWithoutFix { .. } => "cause-without-fix",
            K::UnusedBackground => "unused-background",
            K::UndoWithoutRun { .. } => "undo-without-run",
            K::NoUndo { .. } => "fix-without-undo",
            K::NoSymptom => "no-symptom",
            K::EvidenceNotOneFact { .. } => "evidence-not-one-fact",
            K::EvidenceOnKnownness { .. } => "evidence-on-knownness",
            K::EvidenceOverlap { .. } => "evidence-overlap",
            K::EvidenceExceedsOne { .. } => "evidence-exceeds-one",
            K::EvidenceIncomplete { .. } => "evidence-incomplete",
            K::EvidenceNoOutcome { .. } => "evidence-no-outcome",
            K::ValueWithoutLabel { .. } => "value-without-label",
            K::UnknownWarning { .. } => "unknown-warning",
            K::InvalidPattern { .. } => "invalid-pattern",
            K::MisspeltDeclaration { .. } => "misspelt-declaration",
            K::InvalidParameterName { .. } => "invalid-parameter-name",
            K::UnusedParameter { .. } => "unused-parameter",
            K::ControlCharacter { .. } => "control-character",
        }
    }

    #[must_use]
    pub fn severity(&self) -> Severity {
        use DiagnosticKind as K;
        match self {
            K::UnusedFact { .. }
            | K::CauseWithoutEvidence { .. }
            | K::FixWithoutVerify { .. }
            | K::CauseWithoutFix { .. }
            | K::UnusedBackground
            | K::UndoWithoutRun { .. }
            | K::NoUndo { .. }
            | K::UnusedParameter { .. }
            | K::ValueWithoutLabel { .. }
            | K::ControlCharacter { .. }
            | K::NoSymptom => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The messages of the parameter, text and declaration checks (kept apart: `message` is
    /// long enough).
    fn authoring_message(&self) -> String {
        use DiagnosticKind as K;
        match self {
            K::InvalidParameterName { name, reason } => {
                format!("`{name}` cannot be a parameter's name: {reason}")
            }
            K::ValueWithoutLabel { fact, values } => format!(
                "{} of fact `{fact}` {} no `label`, so a person reads the bare name",
                value_list(values),
                if values.len() == 1 { "has" } else { "have" }
            ),
            K::UnusedParameter { parameter } => format!(
                "parameter `{parameter}` is not read by any script of the knowledge base (no `${parameter}` or `$env:{parameter}`)"
            ),
            K::MisspeltDeclaration { declared, used, uses } => format!(
                "fact `{declared}` is declared but never used, and {uses} use{} name an undeclared `{used}`: the declaration looks misspelt",
                if *uses == 1 { "" } else { "s" }
            ),
            K::ControlCharacter { code } => format!(
                "an invisible control character U+{code:04X} ({}) is in the text",
                control_name(*code)
            ),
            _ => String::new(),
        }
    }

    /// The messages of the evidence checks (kept apart: `message` is long enough).
    fn evidence_message(&self) -> String {
        use DiagnosticKind as K;
        match self {
            K::EvidenceNotOneFact { reads } => format!(
                "evidence is about one fact, but this condition reads {}: {}",
                reads.len(),
                reads.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
            ),
            K::EvidenceOnKnownness { fact } => {
                format!(
                    "evidence cannot test whether `{fact}` is known: a missing fact is no evidence"
                )
            }
            K::EvidenceOverlap { fact, outcome } => {
                format!("two lines give a rate for the same outcome of `{fact}` ({outcome})")
            }
            K::EvidenceExceedsOne { fact, total } => {
                format!("the rates given for the outcomes of `{fact}` add up to {total}, past 1")
            }
            K::EvidenceIncomplete { fact, total } => {
                format!("every outcome of `{fact}` has a rate, but they add up to {total}, not 1")
            }
            K::EvidenceNoOutcome { fact } => {
                format!("this condition holds for no outcome of `{fact}`: it can never be observed")
            }
            _ => String::new(),
        }
    }

    /// The one-line message.
    #[must_use]
    pub fn message(&self) -> String {
        use DiagnosticKind as K;
        match self {
            K::InvalidUtf8 { line, column } => {
                format!(
                    "the file is not valid UTF-8 (first bad byte at line {line}, column {column})"
                )
            }
            K::Syntax { expected, found } => {
                format!("expected {}, found {found}", one_of(expected))
            }
            K::TooDeep { limit } => {
                format!("this condition nests deeper than {limit} levels")
            }
            K::UnterminatedString => "this string has no closing `\"` on its line".into(),
            K::UnterminatedBlock => "this `\"\"\"` block is never closed".into(),
            K::MixedIndentation => {
                "this block indents some lines with tabs and others with spaces".into()
            }
            K::InvalidEscape { escape } => format!("invalid escape `{escape}` in a string"),
            K::KeywordAsName { keyword } => {
                format!("`{keyword}` is a keyword and cannot be used as a name")
            }
            K::IntOutOfRange => "this number does not fit in 64 bits".into(),
            K::DuplicateField { field } => format!("`{field}` is given more than once"),
            K::MissingField { item, name, field } => {
                format!("{item} `{name}` has no `{field}`")
            }
            K::FieldNotAllowed { field, item, .. } => {
                format!("`{field}` is not a field of a {item}")
            }
            K::DuplicateName { kind, name } => format!("{kind} `{name}` is defined more than once"),
            K::UnknownName { kind, name } => format!("unknown {kind} `{name}`"),
            K::DuplicateEnumValue { value } => format!("enum value `{value}` is listed twice"),
            K::UnknownEnumValue { fact, value } => {
                format!("`{value}` is not one of the values of `{fact}`")
            }
            K::TypeMismatch { fact, fact_type, verb, found, expected } => {
                format!("`{fact}` is {fact_type} but {verb} {found}; expected {expected}")
            }
            K::NotABool { fact, fact_type } => {
                format!(
                    "`{fact}` is {fact_type}, not a bool, so it cannot stand alone as a condition"
                )
            }
            K::OperatorNotAllowed { op, fact, fact_type, allowed } => {
                format!("`{op}` cannot be used on `{fact}` ({fact_type}); use {allowed}")
            }
            K::ProbabilityOutOfRange { what, value } => {
                format!("{what} is {value}, but must be between 0 and 1")
            }
            K::PriorsExceedOne { symptom, total } => {
                format!("the priors of the causes of `{symptom}` add up to {total:.3}, more than 1")
            }
            K::NoPrior { cause, symptom } => {
                format!("cause `{cause}` gives no prior for `{symptom}`")
            }
            K::RuleCycle { facts } => {
                format!("rules depend on each other in a cycle: {}", cycle_text(facts))
            }
            K::CauseExplainsNothing { cause } => format!("cause `{cause}` explains no symptom"),
            K::FixFixesNothing { fix } => format!("fix `{fix}` fixes no cause"),
            K::SymptomWithoutCause { symptom } => {
                format!("symptom `{symptom}` has no cause that explains it")
            }
            K::DuplicateExplains { symptom } => format!("`{symptom}` is explained twice"),
            K::EmptyEnum => "an enum needs at least one value".into(),
            K::NotAFile { path, reason } => format!("cannot read `{path}`: {reason}"),
            K::NoKnowledge => "no `.kb` files found".into(),
            K::UnusedFact { fact } => format!("fact `{fact}` is not used by any condition"),
            K::CauseWithoutEvidence { cause } => {
                format!("cause `{cause}` has no findings, so no fact can move it")
            }
            K::FixWithoutVerify { fix } => {
                format!("fix `{fix}` has no `verify` script, so a plan cannot tell if it worked")
            }
            K::CauseWithoutFix { cause } => format!("no fix repairs cause `{cause}`"),
            K::UnusedBackground => "no cause gives evidence on this fact".into(),
            K::EvidenceNotOneFact { .. }
            | K::EvidenceOnKnownness { .. }
            | K::EvidenceOverlap { .. }
            | K::EvidenceExceedsOne { .. }
            | K::EvidenceIncomplete { .. }
            | K::EvidenceNoOutcome { .. } => self.evidence_message(),
            K::UnknownWarning { name } => format!("`{name}` is not a warning that can be allowed"),
            K::InvalidPattern { message } => format!("this pattern cannot be used: {message}"),
            K::InvalidParameterName { .. }
            | K::UnusedParameter { .. }
            | K::ValueWithoutLabel { .. }
            | K::ControlCharacter { .. }
            | K::MisspeltDeclaration { .. } => self.authoring_message(),
            K::UndoWithoutRun { fix } => {
                format!("fix `{fix}` has an `undo` script for a shell it has no `run` script for")
            }
            K::NoSymptom => {
                "the knowledge base declares no symptom, so nothing can be diagnosed".into()
            }
            K::NoUndo { fix } => {
                format!("fix `{fix}` runs a script but has no `undo` for that shell")
            }
        }
    }
}

fn one_of(expected: &[String]) -> String {
    match expected {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn cycle_text(facts: &[String]) -> String {
    let mut text = String::new();
    for (i, fact) in facts.iter().enumerate() {
        let next = &facts[(i + 1) % facts.len()];
        let sep = match i {
            0 => "",
            _ if i + 1 == facts.len() => ", and ",
            _ => ", ",
        };
        let _ = write!(text, "{sep}the rule for `{fact}` reads `{next}`");
    }
    text
}

/// A problem found in a knowledge base.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    /// Where the problem is; `None` for problems of the whole knowledge base.
    pub span: Option<Span>,
    /// The primary label under the caret, if any.
    pub label: Option<String>,
    /// Other places that explain it ("first defined here").
    pub related: Vec<(Span, String)>,
    pub hints: Vec<String>,
}

impl Diagnostic {
    #[must_use]
    pub fn new(kind: DiagnosticKind, span: Span) -> Self {
        Self { kind, span: Some(span), label: None, related: Vec::new(), hints: Vec::new() }
    }

    #[must_use]
    pub fn global(kind: DiagnosticKind) -> Self {
        Self { kind, span: None, label: None, related: Vec::new(), hints: Vec::new() }
    }

    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    #[must_use]
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// Sorts diagnostics by file and position, errors first where they tie.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        (d.span.map(|s| (s.file, s.start, s.end)), std::cmp::Reverse(d.severity()), d.kind.code())
    });
}

/// Renders diagnostics for a terminal: `error[code]: message`, then `file:line:column`, the
/// line, a caret under the span, and hints. `color` adds ANSI styles.
#[must_use]
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let renderer =
        if color { Renderer::styled() } else { Renderer::plain() }.decor_style(DecorStyle::Ascii);
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render_one(diagnostic, sources, &renderer));
        out.push_str("\n\n");
    }
    out
}

/// Annotations this close together (in lines) share one excerpt.
const MERGE_LINES: usize = 8;

/// One annotation of a diagnostic, placed in its file.
struct Mark<'a> {
    range: std::ops::Range<usize>,
    primary: bool,
    label: Option<&'a str>,
    /// First and last line (0-based).
    lines: (usize, usize),
}

fn render_one(diagnostic: &Diagnostic, sources: &SourceMap, renderer: &Renderer) -> String {
    let level = match diagnostic.severity() {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let message = diagnostic.kind.message();
    let mut group = Group::with_title(level.primary_title(&message).id(diagnostic.kind.code()));
    // (span, is primary, label), the primary first.
    let mut marks: Vec<(Span, bool, Option<&str>)> = Vec::new();
    if let Some(span) = diagnostic.span {
        marks.push((span, true, diagnostic.label.as_deref()));
    }
    marks.extend(diagnostic.related.iter().map(|(s, l)| (*s, false, Some(l.as_str()))));
    // Files in order of first mention; within a file, excerpts of nearby lines only, so a
    // large file is never handed to the renderer whole.
    let mut files: Vec<crate::source::FileId> = Vec::new();
    for (span, _, _) in &marks {
        if !files.contains(&span.file) {
            files.push(span.file);
        }
    }
    for file_id in files {
        let Some(file) = sources.get(file_id) else { continue };
        let mut in_file: Vec<Mark<'_>> = marks
            .iter()
            .filter(|(s, _, _)| s.file == file_id)
            .map(|(s, primary, label)| {
                let range = clamp_to_char_boundaries(&file.text, *s);
                let lines = (file.line_of(range.start), file.line_of(range.end));
                Mark { range, primary: *primary, label: *label, lines }
            })
            .collect();
        // The primary annotation first, the rest in file order.
        in_file.sort_by_key(|m| (!m.primary, m.lines.0));
        // Excerpts: (first line, last line, members); nearby annotations share one.
        let mut windows: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for (i, m) in in_file.iter().enumerate() {
            let near = windows
                .iter_mut()
                .find(|w| m.lines.0 <= w.1 + MERGE_LINES && m.lines.1 + MERGE_LINES >= w.0);
            match near {
                Some(w) => {
                    w.0 = w.0.min(m.lines.0);
                    w.1 = w.1.max(m.lines.1);
                    w.2.push(i);
                }
                None => windows.push((m.lines.0, m.lines.1, vec![i])),
            }
        }
        for (first, last, members) in windows {
            let lines = file.lines_range(first, last);
            let excerpt = &file.text[lines.clone()];
            let mut snippet =
                Snippet::source(excerpt).line_start(first + 1).path(file.name.as_str()).fold(true);
            for i in members {
                let mark = &in_file[i];
                let local =
                    mark.range.start - lines.start..mark.range.end.min(lines.end) - lines.start;
                let kind =
                    if mark.primary { AnnotationKind::Primary } else { AnnotationKind::Context };
                snippet = snippet.annotation(kind.span(local).label(mark.label));
            }
            group = group.element(snippet);
        }
    }
    for hint in &diagnostic.hints {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    let report: [Group<'_>; 1] = [group];
    renderer.render(&report)
}

/// A span that starts and ends on character boundaries and inside the text, so rendering
/// never slices a character in two.
fn clamp_to_char_boundaries(text: &str, span: Span) -> std::ops::Range<usize> {
    let mut start = (span.start as usize).min(text.len());
    let mut end = (span.end as usize).min(text.len()).max(start);
    // "Found the end of the file" after a final newline: point at the end of the last line,
    // not at an empty line below it.
    if start == text.len() && end == start && text.ends_with('\n') {
        start -= 1;
        end -= 1;
    }
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// One diagnostic as JSON, for editors and CI.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub label: Option<String>,
    pub hints: Vec<String>,
}

/// The diagnostics as serialisable records with line and column resolved.
#[must_use]
pub fn to_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> Vec<JsonDiagnostic> {
    diagnostics
        .iter()
        .map(|d| {
            let located = d.span.and_then(|s| sources.get(s.file).map(|f| (s, f)));
            let (file, start, end) = match located {
                Some((span, file)) => (
                    Some(file.name.clone()),
                    Some(file.line_col(span.start as usize)),
                    Some(file.line_col(span.end as usize)),
                ),
                None => (None, None, None),
            };
            JsonDiagnostic {
                severity: d.severity(),
                code: d.kind.code(),
                message: d.kind.message(),
                file,
                line: start.map(|p| p.0),
                column: start.map(|p| p.1),
                end_line: end.map(|p| p.0),
                end_column: end.map(|p| p.1),
                label: d.label.clone(),
                hints: d.hints.clone(),
            }
        })
        .collect()
}

/// The longest name (in characters) that [`did_you_mean`] looks for a near miss of: a longer
/// one is not a typo of an identifier, and comparing it would cost time for nothing.
pub const DID_YOU_MEAN_MAX_CHARS: usize = 64;

/// The closest of `candidates` to `name` by edit distance, if close enough to be a typo.
///
/// Bounded whatever the input: a name over [`DID_YOU_MEAN_MAX_CHARS`] gets no suggestion, and
/// a candidate whose length differs by more than the allowed distance is skipped before any
/// distance is computed (it cannot be within it).
#[must_use]
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let length = name.chars().count();
    if length > DID_YOU_MEAN_MAX_CHARS {
        return None;
    }
    let limit = (length / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn a_near_miss_is_suggested_and_a_far_one_is_not() {
        let names = ["error_code", "extended_code", "client_os"];
        assert_eq!(did_you_mean("eror_code", names), Some("error_code"));
        assert_eq!(did_you_mean("server_os_version", names), None);
    }

    #[test]
    fn a_huge_name_gets_no_suggestion_however_close_its_start() {
        let huge = format!("error_code{}", "x".repeat(250_000));
        assert_eq!(did_you_mean(&huge, ["error_code"]), None);
        let long_but_close = "a".repeat(60) + "b";
        let candidate = "a".repeat(61);
        assert_eq!(did_you_mean(&long_but_close, [candidate.as_str()]), Some(candidate.as_str()));
    }
}
