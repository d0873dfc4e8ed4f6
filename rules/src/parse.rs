//! The parser: `.kb` text to [`ast::File`], with every problem as a [`Diagnostic`].
//!
//! Built with nom 8 over `nom_locate` spans. Whitespace is insignificant (newlines included);
//! comments are collected on the side while skipping whitespace and attached to the nearest
//! item or field afterwards ([`attach_comments`]), so the grammar functions never see them.
//! After a keyword the parser commits (`cut`), so an error points at the real mistake rather
//! than at the start of the item. On an error it records the diagnostic and resumes at the
//! next line that starts with an item keyword, so one run reports the errors of every item.
//!
//! It does not resolve names or check types: that is [`crate::check`].

use crate::ast::{
    self, Background, Block, Body, Comments, CompareOp, Duration, Explained, Expr, ExprKind, Fact,
    Field, FieldKind, Frequency, FrequencyKind, FrequencyWord, Ident, Item, ItemKind, Literal,
    LiteralKind, Need, Number, Place, Probability, Risk, Role, Rule, Script, Shell, Text, TimeUnit,
    TypeExpr,
};
use crate::diagnostic::{Diagnostic, DiagnosticKind, did_you_mean};
use crate::source::{FileId, Span};
use nom::error::{ErrorKind, ParseError};
use nom_locate::LocatedSpan;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// How deeply conditions may nest (parentheses and `not`). Deeper input is an error, never a
/// stack overflow.
pub const MAX_NESTING: usize = 64;

/// Parses one file. Always returns a tree (of the items that parsed) and the diagnostics.
#[must_use]
pub fn parse_file(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let state = State { file, comments: RefCell::default(), depth: Cell::new(0) };
    let mut input = In::new_extra(text, &state);
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    input = skip_ws(input);
    while !input.fragment().is_empty() {
        match item(input) {
            Ok((rest, parsed)) => {
                items.push(parsed);
                input = skip_ws(rest);
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                diagnostics.push(e.into_diagnostic(file));
                let resume = next_item_start(input);
                state.comments.borrow_mut().retain(|&offset, _| offset < input.location_offset());
                input = skip_ws(resume);
            }
            Err(nom::Err::Incomplete(_)) => break,
        }
    }
    items.shrink_to_fit();
    let comments = std::mem::take(&mut *state.comments.borrow_mut());
    let mut tree = ast::File { header_comments: Vec::new(), items, trailing_comments: Vec::new() };
    if !comments.is_empty() {
        attach_comments(&mut tree, comments, text);
    }
    (tree, diagnostics)
}

/// Parses a lone condition (used by tests and by tools that take a condition on the command
/// line).
pub fn parse_condition(file: FileId, text: &str) -> Result<Expr, Box<Diagnostic>> {
    let state = State { file, comments: RefCell::default(), depth: Cell::new(0) };
    let input = In::new_extra(text, &state);
    let (rest, parsed) = ws(expr)(input).map_err(|e| match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => Box::new(e.into_diagnostic(file)),
        nom::Err::Incomplete(_) => Box::new(Diagnostic::new(
            DiagnosticKind::Syntax {
                expected: vec!["a condition".into()],
                found: "end of input".into(),
            },
            Span::new(file, text.len(), text.len()),
        )),
    })?;
    if rest.fragment().is_empty() {
        Ok(parsed)
    } else {
        Err(Box::new(
            PError::expected(rest, "`and`, `or` or the end of the condition").into_diagnostic(file),
        ))
    }
}

/// Parser state shared by all positions of one file.
#[derive(Debug)]
struct State {
    file: FileId,
    /// Comments seen while skipping whitespace, by byte offset (parsers backtrack, so the same
    /// comment can be seen twice; the map keeps it once).
    comments: RefCell<BTreeMap<usize, RawComment>>,
    depth: Cell<usize>,
}

#[derive(Debug, Clone)]
struct RawComment {
    text: String,
    /// Byte offset just past the comment (its line's end).
    end: usize,
    /// Nothing but whitespace before it on its line.
    own_line: bool,
    line: usize,
}

type In<'a> = LocatedSpan<&'a str, &'a State>;
type PResult<'a, T> = nom::IResult<In<'a>, T, PError<'a>>;

/// A parse error: where, what was expected there, or a specific problem.
#[derive(Debug)]
pub(crate) struct PError<'a> {
    at: In<'a>,
    expected: Vec<&'static str>,
    /// Boxed: it is rare, and it would make every `Result` of the parser large.
    problem: Option<Box<(DiagnosticKind, usize)>>,
}

impl<'a> PError<'a> {
    fn expected(at: In<'a>, what: &'static str) -> Self {
        Self { at, expected: vec![what], problem: None }
    }

    /// A specific problem covering `len` bytes from `at`.
    fn problem(at: In<'a>, kind: DiagnosticKind, len: usize) -> Self {
        Self { at, expected: Vec::new(), problem: Some(Box::new((kind, len))) }
    }

    fn offset(&self) -> usize {
        self.at.location_offset()
    }

    fn into_diagnostic(self, file: FileId) -> Diagnostic {
        let start = self.offset();
        if let Some(problem) = self.problem {
            let (kind, len) = *problem;
            let diagnostic = Diagnostic::new(kind, Span::new(file, start, start + len));
            return match &diagnostic.kind {
                DiagnosticKind::UnterminatedBlock => diagnostic
                    .with_label("opened here")
                    .with_hint("close the block with `\"\"\"` on a line of its own"),
                DiagnosticKind::UnterminatedString => diagnostic
                    .with_label("opened here")
                    .with_hint("close it with `\"` on the same line; for several lines use a `\"\"\"` block"),
                DiagnosticKind::MixedIndentation => diagnostic
                    .with_label("indented differently from the lines above")
                    .with_hint("indent every line of a block with the same characters (spaces are recommended)"),
                DiagnosticKind::KeywordAsName { .. } => {
                    diagnostic.with_hint(format!("keywords: {}", ast::KEYWORDS.join(", ")))
                }
                DiagnosticKind::TooDeep { .. } => diagnostic
                    .with_label("too deep here")
                    .with_hint("split the condition into derived facts with `rule`"),
                _ => diagnostic,
            };
        }
        let (found, len) = describe_found(self.at.fragment());
        let mut expected: Vec<String> = Vec::new();
        for e in self.expected {
            if !expected.iter().any(|x| x == e) {
                expected.push(e.to_string());
            }
        }
        let label = match expected.as_slice() {
            [one] => format!("expected {one}"),
            _ => "unexpected here".into(),
        };
        Diagnostic::new(
            DiagnosticKind::Syntax { expected, found },
            Span::new(file, start, start + len),
        )
        .with_label(label)
    }
}

impl<'a> ParseError<In<'a>> for PError<'a> {
    fn from_error_kind(input: In<'a>, _: ErrorKind) -> Self {
        Self { at: input, expected: Vec::new(), problem: None }
    }

    fn append(_: In<'a>, _: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(mut self, other: Self) -> Self {
        match self.offset().cmp(&other.offset()) {
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Equal => {
                if self.problem.is_none() {
                    if other.problem.is_some() {
                        return other;
                    }
                    self.expected.extend(other.expected);
                }
                self
            }
        }
    }
}

/// What the parser found at an error, for the message, and how many bytes to underline.
fn describe_found(rest: &str) -> (String, usize) {
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".into(), 0);
    };
    if first == '\n' || first == '\r' {
        return ("the end of the line".into(), 0);
    }
    if first == ' ' || first == '\t' {
        return (if first == ' ' { "a space" } else { "a tab" }.into(), 1);
    }
    if is_ident_char(first) {
        let word: String = rest.chars().take_while(|&c| is_ident_char(c)).take(40).collect();
        let len = word.len();
        return (format!("`{word}`"), len);
    }
    if rest.starts_with("\"\"\"") {
        return ("a `\"\"\"` block".into(), 3);
    }
    if first == '"' {
        return ("a string".into(), 1);
    }
    (format!("`{first}`"), first.len_utf8())
}

fn fail<T>(e: PError<'_>) -> PResult<'_, T> {
    Err(nom::Err::Error(e))
}

/// Turns a recoverable error into one that stops alternatives: used after a keyword, once we
/// know which construct this is.
fn cut<T>(result: PResult<'_, T>) -> PResult<'_, T> {
    result.map_err(|e| match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    })
}

// ---------------------------------------------------------------------------------------------
// Whitespace, comments, tokens
// ---------------------------------------------------------------------------------------------

/// Skips whitespace and comments, recording the comments.
fn skip_ws(input: In<'_>) -> In<'_> {
    let mut rest = input;
    loop {
        let text = rest.fragment();
        let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
        rest = advance(rest, text.len() - trimmed.len());
        if !trimmed.starts_with('#') {
            return rest;
        }
        let end = trimmed.find('\n').unwrap_or(trimmed.len());
        let offset = rest.location_offset();
        let line_start = rest.get_line_beginning();
        let own_line = std::str::from_utf8(line_start)
            .is_ok_and(|before| before.trim_start().starts_with('#'));
        let text = trimmed[1..end].trim().to_string();
        let line = rest.location_line() as usize;
        rest.extra.comments.borrow_mut().entry(offset).or_insert(RawComment {
            text,
            end: offset + end,
            own_line,
            line,
        });
        rest = advance(rest, end);
    }
}

fn advance(input: In<'_>, n: usize) -> In<'_> {
    use nom::Input;
    input.take_from(n)
}

/// Wraps a parser so it skips whitespace first.
fn ws<'a, T>(
    mut parser: impl FnMut(In<'a>) -> PResult<'a, T>,
) -> impl FnMut(In<'a>) -> PResult<'a, T> {
    move |i| parser(skip_ws(i))
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A bare word (letters, digits, `_`; not starting with a digit) without keyword check.
fn word(input: In<'_>) -> PResult<'_, (In<'_>, &str)> {
    let text = *input.fragment();
    match text.chars().next() {
        Some(c) if is_ident_start(c) => {}
        _ => return fail(PError::from_error_kind(input, ErrorKind::Alpha)),
    }
    let len = text.find(|c: char| !is_ident_char(c)).unwrap_or(text.len());
    Ok((advance(input, len), (input, &text[..len])))
}

/// Exactly the keyword `kw`, not followed by a name character.
fn keyword<'a>(kw: &'static str) -> impl FnMut(In<'a>) -> PResult<'a, Span> {
    move |input: In<'a>| match word(input) {
        Ok((rest, (_, w))) if w == kw => Ok((rest, span_between(input, rest))),
        _ => fail(PError::expected(input, kw_label(kw))),
    }
}

/// The label for an expected keyword, e.g. "`when`".
fn kw_label(kw: &'static str) -> &'static str {
    match kw {
        "when" => "`when`",
        "else" => "`else`",
        "prior" => "`prior`",
        "and" => "`and`",
        "or" => "`or`",
        "not" => "`not`",
        "in" => "`in`",
        _ => "a keyword",
    }
}

fn symbol<'a>(sym: &'static str, label: &'static str) -> impl FnMut(In<'a>) -> PResult<'a, Span> {
    move |input: In<'a>| {
        if input.fragment().starts_with(sym) {
            let rest = advance(input, sym.len());
            Ok((rest, span_between(input, rest)))
        } else {
            fail(PError::expected(input, label))
        }
    }
}

fn span_between(start: In<'_>, end: In<'_>) -> Span {
    Span::new(start.extra.file, start.location_offset(), end.location_offset())
}

fn span_at(at: In<'_>, len: usize) -> Span {
    Span::new(at.extra.file, at.location_offset(), at.location_offset() + len)
}

/// A name: not a keyword.
fn ident(input: In<'_>) -> PResult<'_, Ident> {
    let (rest, (at, w)) =
        word(input).map_err(|_| nom::Err::Error(PError::expected(input, "a name")))?;
    if ast::is_keyword(w) {
        return Err(nom::Err::Failure(PError::problem(
            at,
            DiagnosticKind::KeywordAsName { keyword: w.to_string() },
            w.len(),
        )));
    }
    Ok((rest, Ident { name: w.to_string(), span: span_between(input, rest) }))
}

/// `a, b, c`: at least one element. A trailing comma is allowed only before `closer` (the `]`
/// of a bracketed list, the `}` ending the block of a field list); elsewhere a comma promises
/// another element, so a misspelt one is reported rather than taken for the end of the list.
fn comma_list<'a, T>(
    closer: Option<char>,
    mut element: impl FnMut(In<'a>) -> PResult<'a, T>,
) -> impl FnMut(In<'a>) -> PResult<'a, Vec<T>> {
    move |input: In<'a>| {
        let (mut rest, first) = ws(&mut element)(input)?;
        let mut items = vec![first];
        loop {
            let after_ws = skip_ws(rest);
            if !after_ws.fragment().starts_with(',') {
                return Ok((rest, items));
            }
            let after_comma = skip_ws(advance(after_ws, 1));
            if closer.is_some_and(|c| after_comma.fragment().starts_with(c)) {
                return Ok((advance(after_ws, 1), items));
            }
            // `fixes a,` followed by the next field: the word is a field, not a forgotten name.
            if closer == Some('}')
                && let Ok((_, (_, w))) = word(after_comma)
                && any_field(w).is_some()
            {
                return Err(nom::Err::Failure(PError::problem(
                    after_ws,
                    DiagnosticKind::Syntax {
                        expected: vec!["another element after `,`".into()],
                        found: format!("the field `{w}` (remove the trailing comma)"),
                    },
                    1,
                )));
            }
            let (next, value) = cut(element(after_comma))?;
            items.push(value);
            rest = next;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------------------------

/// An unsigned decimal: digits with at most one `.` and digits after it.
fn unsigned_decimal(input: In<'_>) -> PResult<'_, Number> {
    let text = *input.fragment();
    let int_len = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    if int_len == 0 {
        return fail(PError::from_error_kind(input, ErrorKind::Digit));
    }
    let mut len = int_len;
    if text[len..].starts_with('.') {
        let frac =
            text[len + 1..].find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len() - len - 1);
        if frac > 0 {
            len += 1 + frac;
        }
    }
    let digits = &text[..len];
    let value = digits.parse::<f64>().unwrap_or(f64::INFINITY);
    Ok((advance(input, len), Number { text: digits.to_string(), value }))
}

fn probability(input: In<'_>) -> PResult<'_, Probability> {
    let (rest, number) = unsigned_decimal(input)
        .map_err(|_| nom::Err::Error(PError::expected(input, "a probability such as 0.2")))?;
    if rest.fragment().starts_with(|c: char| is_ident_char(c) || c == '.') {
        return fail(PError::expected(rest, "a probability such as 0.2"));
    }
    Ok((rest, Probability { number, span: span_between(input, rest) }))
}

fn frequency(input: In<'_>) -> PResult<'_, Frequency> {
    const LABEL: &str =
        "a frequency (always, usually, often, sometimes, rarely, never or a number from 0 to 1)";
    if let Ok((rest, (_, w))) = word(input) {
        return match FrequencyWord::ALL.into_iter().find(|f| f.keyword() == w) {
            Some(found) => Ok((
                rest,
                Frequency { kind: FrequencyKind::Word(found), span: span_between(input, rest) },
            )),
            None => {
                let mut e = PError::expected(input, LABEL);
                if let Some(close) = did_you_mean(w, FrequencyWord::ALL.iter().map(|f| f.keyword()))
                {
                    e = PError::problem(
                        input,
                        DiagnosticKind::Syntax {
                            expected: vec![LABEL.into()],
                            found: format!("`{w}` (did you mean `{close}`?)"),
                        },
                        w.len(),
                    );
                }
                fail(e)
            }
        };
    }
    let (rest, p) =
        probability(input).map_err(|_| nom::Err::Error(PError::expected(input, LABEL)))?;
    Ok((rest, Frequency { kind: FrequencyKind::Number(p.number), span: p.span }))
}

fn duration(input: In<'_>) -> PResult<'_, Duration> {
    const LABEL: &str = "a duration such as 30s, 5m or 1.5h";
    let (rest, amount) =
        unsigned_decimal(input).map_err(|_| nom::Err::Error(PError::expected(input, LABEL)))?;
    let unit = match rest.fragment().chars().next() {
        Some('s') => TimeUnit::Seconds,
        Some('m') => TimeUnit::Minutes,
        Some('h') => TimeUnit::Hours,
        _ => return fail(PError::expected(rest, "a unit: s, m or h")),
    };
    let rest = advance(rest, 1);
    if rest.fragment().starts_with(is_ident_char) {
        return fail(PError::expected(input, LABEL));
    }
    Ok((rest, Duration { amount, unit, span: span_between(input, rest) }))
}

/// `"text"` with escapes `\" \\ \n \t \r \u{…}`; must close on the same line.
fn quoted(input: In<'_>) -> PResult<'_, String> {
    let text = *input.fragment();
    if !text.starts_with('"') {
        return fail(PError::expected(input, "a string"));
    }
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((advance(input, i + 1), value)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    '"' => value.push('"'),
                    '\\' => value.push('\\'),
                    'n' => value.push('\n'),
                    't' => value.push('\t'),
                    'r' => value.push('\r'),
                    'u' => match unicode_escape(&text[i + 2..]) {
                        Some((ch, len)) => {
                            value.push(ch);
                            for _ in 0..len {
                                chars.next();
                            }
                        }
                        None => {
                            let at = advance(input, i);
                            let mut len =
                                text[i..].find(['}', '"', '\n']).map_or(2, |n| n + 1).min(12);
                            // The 12-byte cap can land inside a multi-byte character; back off
                            // to a boundary (`\u` itself is 2 ASCII bytes, so this stops).
                            while !text.is_char_boundary(i + len) {
                                len -= 1;
                            }
                            return Err(nom::Err::Failure(PError::problem(
                                at,
                                DiagnosticKind::InvalidEscape {
                                    escape: text[i..i + len].to_string(),
                                },
                                len,
                            )));
                        }
                    },
                    '\n' => break,
                    other => {
                        let at = advance(input, i);
                        let escape = format!("\\{other}");
                        let len = escape.len();
                        return Err(nom::Err::Failure(PError::problem(
                            at,
                            DiagnosticKind::InvalidEscape { escape },
                            len,
                        )));
                    }
                }
            }
            other => value.push(other),
        }
    }
    Err(nom::Err::Failure(PError::problem(input, DiagnosticKind::UnterminatedString, 1)))
}

/// `u{1F600}` after the backslash: the character and the bytes consumed after `u`.
fn unicode_escape(after_u: &str) -> Option<(char, usize)> {
    let inner = after_u.strip_prefix('{')?;
    let close = inner.find('}')?;
    let hex = &inner[..close];
    if hex.is_empty() || hex.len() > 6 {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((ch, close + 2))
}

/// A `"""` block: raw text, common indentation removed, first and last blank lines dropped.
fn block(input: In<'_>) -> PResult<'_, String> {
    let text = *input.fragment();
    if !text.starts_with("\"\"\"") {
        return fail(PError::expected(input, "a `\"\"\"` block"));
    }
    let Some(close) = text[3..].find("\"\"\"") else {
        return Err(nom::Err::Failure(PError::problem(
            input,
            DiagnosticKind::UnterminatedBlock,
            3,
        )));
    };
    let raw = &text[3..3 + close];
    let rest = advance(input, 3 + close + 3);
    match dedent(raw) {
        Ok(value) => Ok((rest, value)),
        Err(line_offset) => {
            let at = advance(input, 3 + line_offset);
            let len = raw[line_offset..].find('\n').unwrap_or(raw.len() - line_offset);
            Err(nom::Err::Failure(PError::problem(at, DiagnosticKind::MixedIndentation, len)))
        }
    }
}

/// Removes the common indentation of a block's lines. `Err` carries the offset (in `raw`) of a
/// line whose indentation mixes tabs and spaces differently from the others.
pub(crate) fn dedent(raw: &str) -> Result<String, usize> {
    if !raw.contains('\n') {
        return Ok(raw.trim().to_string());
    }
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for line in raw.split('\n') {
        // Carriage returns at a line's end belong to the line break (CRLF, or `\r\r\n` after a
        // double conversion): the formatter could not write them back. Trimming per line, not
        // rewriting `raw`, keeps `offset` an index into the caller's text.
        lines.push((offset, line.trim_end_matches('\r')));
        offset += line.len() + 1;
    }
    // The rest of the opening line and the closing line are delimiters when blank.
    if lines.first().is_some_and(|(_, l)| l.trim().is_empty()) {
        lines.remove(0);
    }
    if lines.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        lines.pop();
    }
    let mut common: Option<&str> = None;
    for &(line_offset, line) in &lines {
        if line.trim().is_empty() {
            continue;
        }
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        common = Some(match common {
            None => indent,
            Some(prev) => {
                let shared = prev.bytes().zip(indent.bytes()).take_while(|(a, b)| a == b).count();
                if shared < prev.len().min(indent.len()) {
                    return Err(line_offset);
                }
                &prev[..shared]
            }
        });
    }
    let strip = common.map_or(0, str::len);
    let out: Vec<&str> = lines
        .iter()
        .map(|&(_, line)| if line.trim().is_empty() { "" } else { &line[strip..] })
        .collect();
    Ok(out.join("\n"))
}

fn text(input: In<'_>) -> PResult<'_, Text> {
    if input.fragment().starts_with("\"\"\"") {
        let (rest, value) = block(input)?;
        return Ok((rest, Text { value, block: true, span: span_between(input, rest) }));
    }
    if input.fragment().starts_with('"') {
        let (rest, value) = quoted(input)?;
        return Ok((rest, Text { value, block: false, span: span_between(input, rest) }));
    }
    fail(PError::expected(input, "a string or a `\"\"\"` block"))
}

/// A literal on the right of a comparison.
fn literal(input: In<'_>) -> PResult<'_, Literal> {
    let text = *input.fragment();
    if text.starts_with('"') {
        let (rest, value) = quoted(input)?;
        return Ok((
            rest,
            Literal { kind: LiteralKind::Str(value), span: span_between(input, rest) },
        ));
    }
    if let Ok((rest, (_, w))) = word(input) {
        let kind = match w {
            "true" => LiteralKind::Bool(true),
            "false" => LiteralKind::Bool(false),
            _ if ast::is_keyword(w) => {
                return fail(PError::expected(input, "a value"));
            }
            _ => LiteralKind::Name(w.to_string()),
        };
        return Ok((rest, Literal { kind, span: span_between(input, rest) }));
    }
    numeric_literal(input)
}

fn numeric_literal(input: In<'_>) -> PResult<'_, Literal> {
    let text = *input.fragment();
    let negative = text.starts_with('-');
    let body = &text[usize::from(negative)..];
    let too_big = |len: usize| {
        Err(nom::Err::Failure(PError::problem(input, DiagnosticKind::IntOutOfRange, len)))
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let digits = hex.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(hex.len());
        let len = usize::from(negative) + 2 + digits;
        if digits == 0 {
            return fail(PError::expected(advance(input, len), "hex digits after `0x`"));
        }
        if hex[digits..].starts_with(is_ident_char) {
            return fail(PError::expected(advance(input, len), "the end of the hex number"));
        }
        let Ok(magnitude) = i128::from_str_radix(&hex[..digits], 16) else { return too_big(len) };
        let signed = if negative { -magnitude } else { magnitude };
        let Ok(value) = i64::try_from(signed) else { return too_big(len) };
        return Ok((
            advance(input, len),
            Literal { kind: LiteralKind::Int { value, hex: true }, span: span_at(input, len) },
        ));
    }
    let mut len = 0;
    let mut parts = 0;
    loop {
        let digits = body[len..].find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len() - len);
        if digits == 0 {
            if parts == 0 {
                return fail(PError::expected(input, "a value"));
            }
            // `1.` : the dot is not part of the number.
            len -= 1;
            break;
        }
        len += digits;
        parts += 1;
        if body[len..].starts_with('.') && body[len + 1..].starts_with(|c: char| c.is_ascii_digit())
        {
            len += 1;
        } else {
            break;
        }
    }
    let total = usize::from(negative) + len;
    let rest = advance(input, total);
    if rest.fragment().starts_with(is_ident_char) {
        return fail(PError::expected(rest, "the end of the number"));
    }
    let digits = &body[..len];
    let span = span_at(input, total);
    let kind = match parts {
        1 => {
            let Ok(magnitude) = digits.parse::<i128>() else { return too_big(total) };
            let signed = if negative { -magnitude } else { magnitude };
            let Ok(value) = i64::try_from(signed) else { return too_big(total) };
            LiteralKind::Int { value, hex: false }
        }
        2 => {
            let text = &text[..total];
            LiteralKind::Number(Number {
                text: text.to_string(),
                value: text.parse().unwrap_or(0.0),
            })
        }
        _ if negative => return fail(PError::expected(input, "a version without a sign")),
        _ => {
            let mut parts = Vec::new();
            for part in digits.split('.') {
                let Ok(n) = part.parse::<u64>() else { return too_big(total) };
                parts.push(n);
            }
            LiteralKind::Version(parts)
        }
    };
    Ok((rest, Literal { kind, span }))
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

/// `or`-expression: the entry point for a condition.
fn expr(input: In<'_>) -> PResult<'_, Expr> {
    let mut input = input;
    input = skip_ws(input);
    let start = input;
    let (rest, first) = and_expr(input)?;
    let (rest, operands) = more_operands(rest, first, "or", and_expr)?;
    Ok((rest, combine(start, rest, operands, ExprKind::Or)))
}

fn and_expr(input: In<'_>) -> PResult<'_, Expr> {
    let (rest, first) = not_expr(input)?;
    let (rest, operands) = more_operands(rest, first, "and", not_expr)?;
    Ok((rest, combine(input, rest, operands, ExprKind::And)))
}

fn more_operands<'a>(
    mut rest: In<'a>,
    first: Expr,
    op: &'static str,
    operand: fn(In<'a>) -> PResult<'a, Expr>,
) -> PResult<'a, Vec<Expr>> {
    let mut operands = vec![first];
    loop {
        let Ok((after_op, _)) = ws(keyword(op))(rest) else { break };
        let (next, e) = cut(ws(operand)(after_op))?;
        operands.push(e);
        rest = next;
    }
    Ok((rest, operands))
}

fn combine(
    start: In<'_>,
    end: In<'_>,
    mut operands: Vec<Expr>,
    make: fn(Vec<Expr>) -> ExprKind,
) -> Expr {
    if operands.len() == 1 {
        operands.remove(0)
    } else {
        Expr { kind: make(operands), span: span_between(start, end) }
    }
}

/// Runs `parser` one nesting level deeper, failing cleanly past [`MAX_NESTING`].
fn nested<'a, T>(input: In<'a>, parser: impl FnOnce(In<'a>) -> PResult<'a, T>) -> PResult<'a, T> {
    let depth = &input.extra.depth;
    if depth.get() >= MAX_NESTING {
        return Err(nom::Err::Failure(PError::problem(
            input,
            DiagnosticKind::TooDeep { limit: MAX_NESTING },
            1,
        )));
    }
    depth.set(depth.get() + 1);
    let result = parser(input);
    depth.set(depth.get() - 1);
    result
}

fn not_expr(input: In<'_>) -> PResult<'_, Expr> {
    if let Ok((after, _)) = keyword("not")(input) {
        let (rest, inner) = nested(after, |i| cut(ws(not_expr)(i)))?;
        return Ok((
            rest,
            Expr { kind: ExprKind::Not(Box::new(inner)), span: span_between(input, rest) },
        ));
    }
    atom(input)
}

fn atom(input: In<'_>) -> PResult<'_, Expr> {
    if input.fragment().starts_with('(') {
        let (rest, inner) = nested(advance(input, 1), |i| cut(expr(i)))?;
        let (rest, _) = cut(ws(symbol(")", "`)` or `and`/`or`"))(rest))?;
        let mut inner = inner;
        inner.span = span_between(input, rest);
        return Ok((rest, inner));
    }
    let (rest, fact) = ident(input).map_err(|e| match e {
        nom::Err::Error(_) => nom::Err::Error(PError::expected(input, "a condition")),
        other => other,
    })?;
    let after = skip_ws(rest);
    let t = *after.fragment();
    if t.starts_with('=') && !t.starts_with("==") {
        return Err(nom::Err::Failure(PError::problem(
            after,
            DiagnosticKind::Syntax {
                expected: vec!["a comparison operator".into()],
                found: "`=` (write `==` to compare)".into(),
            },
            1,
        )));
    }
    let op = [
        ("==", CompareOp::Eq),
        ("!=", CompareOp::Ne),
        ("<=", CompareOp::Le),
        (">=", CompareOp::Ge),
        ("<", CompareOp::Lt),
        (">", CompareOp::Gt),
    ]
    .into_iter()
    .find(|(s, _)| t.starts_with(s));
    if let Some((sym, op)) = op {
        let op_span = span_at(after, sym.len());
        let (rest, value) = cut(ws(literal)(advance(after, sym.len())))?;
        let span = span_between(input, rest);
        return Ok((rest, Expr { kind: ExprKind::Compare { fact, op, op_span, value }, span }));
    }
    if let Ok((after_has, op_span)) = keyword("has")(after) {
        let (rest, value) = cut(ws(literal)(after_has))?;
        let span = span_between(input, rest);
        return Ok((
            rest,
            Expr { kind: ExprKind::Compare { fact, op: CompareOp::Has, op_span, value }, span },
        ));
    }
    if let Ok((after_is, _)) = keyword("is")(after) {
        let after_is = skip_ws(after_is);
        let (rest, known) = match word(after_is) {
            Ok((rest, (_, "unknown"))) => (rest, false),
            Ok((rest, (_, "known"))) => (rest, true),
            _ => {
                return Err(nom::Err::Failure(PError::expected(
                    after_is,
                    "`unknown` or `known` after `is`",
                )));
            }
        };
        let span = span_between(input, rest);
        return Ok((rest, Expr { kind: ExprKind::Known { fact, known }, span }));
    }
    if let Ok((after_in, _)) = keyword("in")(after) {
        let (rest, _) = cut(ws(symbol("[", "`[` to start the list of values"))(after_in))?;
        let (rest, values) = cut(comma_list(Some(']'), literal)(rest))?;
        let (rest, _) = cut(ws(symbol("]", "`,` or `]`"))(rest))?;
        let span = span_between(input, rest);
        return Ok((rest, Expr { kind: ExprKind::In { fact, values }, span }));
    }
    let span = fact.span;
    Ok((rest, Expr { kind: ExprKind::Fact(fact), span }))
}

// ---------------------------------------------------------------------------------------------
// Items and fields
// ---------------------------------------------------------------------------------------------

const ITEM_KEYWORDS: [&str; 8] =
    ["fact", "symptom", "cause", "fix", "rule", "background", "parameter", "prelude"];
const ITEM_LABEL: &str =
    "an item (fact, symptom, cause, fix, rule, background, parameter or prelude)";

fn item(input: In<'_>) -> PResult<'_, Item> {
    let Ok((after_kw, (_, kw))) = word(input) else {
        return fail(PError::expected(input, ITEM_LABEL));
    };
    let kind = match kw {
        "fact" => fact_item(after_kw),
        "symptom" => {
            block_item(after_kw, ItemShape::Symptom).map(|(r, b)| (r, ItemKind::Symptom(b)))
        }
        "cause" => block_item(after_kw, ItemShape::Cause).map(|(r, b)| (r, ItemKind::Cause(b))),
        "fix" => block_item(after_kw, ItemShape::Fix).map(|(r, b)| (r, ItemKind::Fix(b))),
        "rule" => rule_item(after_kw),
        "background" => background_item(after_kw),
        "parameter" => {
            block_item(after_kw, ItemShape::Parameter).map(|(r, b)| (r, ItemKind::Parameter(b)))
        }
        "prelude" => {
            block_item(after_kw, ItemShape::Prelude).map(|(r, b)| (r, ItemKind::Prelude(b)))
        }
        other => {
            let mut e = PError::expected(input, ITEM_LABEL);
            if let Some(close) = did_you_mean(other, ITEM_KEYWORDS) {
                e = PError::problem(
                    input,
                    DiagnosticKind::Syntax {
                        expected: vec![ITEM_LABEL.into()],
                        found: format!("`{other}` (did you mean `{close}`?)"),
                    },
                    other.len(),
                );
            }
            return fail(e);
        }
    };
    let (rest, kind) = cut(kind)?;
    Ok((rest, Item { kind, span: span_between(input, rest), comments: None }))
}

/// Where to resume after a broken item: the next line that starts with an item keyword.
fn next_item_start(input: In<'_>) -> In<'_> {
    let text = *input.fragment();
    let mut offset = 0;
    // Inside a `"""` block a line may start with any word; count the delimiters skipped so
    // far and only resume outside a block.
    let mut in_block = false;
    // Skip the current line: the broken item starts here.
    while let Some(nl) = text[offset..].find('\n') {
        in_block ^= text[offset..offset + nl].matches("\"\"\"").count() % 2 == 1;
        offset += nl + 1;
        let line = text[offset..].trim_start_matches([' ', '\t']);
        let starts_item = ITEM_KEYWORDS.iter().any(|kw| {
            line.strip_prefix(kw).is_some_and(|after| after.starts_with([' ', '\t', '\r', '\n']))
        });
        if starts_item && !in_block {
            return advance(input, text.len() - line.len());
        }
    }
    advance(input, text.len())
}

fn fact_item(input: In<'_>) -> PResult<'_, ItemKind> {
    let (rest, name) = ws(ident)(input)?;
    let (rest, _) = ws(symbol(":", "`:` and the fact's type"))(rest)?;
    let type_start = skip_ws(rest);
    let (rest, ty) = type_expr(type_start)?;
    let ty_span = span_between(type_start, rest);
    let (rest, body) = optional_body(rest, ItemShape::Fact)?;
    Ok((rest, ItemKind::Fact(Fact { name, ty, ty_span, body })))
}

fn type_expr(input: In<'_>) -> PResult<'_, TypeExpr> {
    const LABEL: &str = "a type (bool, int, number, string, version, enum [..] or set [..])";
    let Ok((rest, (_, w))) = word(input) else { return fail(PError::expected(input, LABEL)) };
    let simple = match w {
        "bool" => Some(TypeExpr::Bool),
        "int" => Some(TypeExpr::Int),
        "number" => Some(TypeExpr::Number),
        "string" => Some(TypeExpr::String),
        "version" => Some(TypeExpr::Version),
        "enum" | "set" => None,
        _ => return fail(PError::expected(input, LABEL)),
    };
    if let Some(ty) = simple {
        return Ok((rest, ty));
    }
    let (rest, _) = ws(symbol("[", "`[` and the list of values"))(rest)?;
    let after_open = skip_ws(rest);
    if after_open.fragment().starts_with(']') {
        return Err(nom::Err::Failure(PError::problem(after_open, DiagnosticKind::EmptyEnum, 1)));
    }
    let (rest, values) = comma_list(Some(']'), ident)(rest)?;
    let (rest, _) = ws(symbol("]", "`,` or `]`"))(rest)?;
    Ok((rest, if w == "enum" { TypeExpr::Enum(values) } else { TypeExpr::Set(values) }))
}

fn rule_item(input: In<'_>) -> PResult<'_, ItemKind> {
    let (rest, target) = ws(ident)(input)?;
    let (rest, _) = ws(symbol("=", "`=` and the value the rule sets"))(rest)?;
    let (rest, value) = ws(literal)(rest)?;
    let (rest, _) = ws(keyword("when"))(rest)?;
    let (rest, condition) = expr(rest)?;
    let (rest, otherwise) = match ws(keyword("else"))(rest) {
        Ok((after, _)) => {
            let (rest, v) = ws(literal)(after)?;
            (rest, Some(v))
        }
        Err(_) => (rest, None),
    };
    Ok((rest, ItemKind::Rule(Rule { target, value, condition, otherwise })))
}

fn background_item(input: In<'_>) -> PResult<'_, ItemKind> {
    let (rest, condition) = expr(input)?;
    let (rest, _) = ws(symbol(":", "`:` and how often it holds, or `and`/`or`"))(rest)?;
    let (rest, frequency) = ws(frequency)(rest)?;
    Ok((rest, ItemKind::Background(Background { condition, frequency })))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemShape {
    Fact,
    Symptom,
    Cause,
    Fix,
    Parameter,
    Prelude,
}

impl ItemShape {
    const ALL: [ItemShape; 6] = [
        ItemShape::Fact,
        ItemShape::Symptom,
        ItemShape::Cause,
        ItemShape::Fix,
        ItemShape::Parameter,
        ItemShape::Prelude,
    ];

    fn name(self) -> &'static str {
        match self {
            ItemShape::Fact => "fact",
            ItemShape::Symptom => "symptom",
            ItemShape::Cause => "cause",
            ItemShape::Fix => "fix",
            ItemShape::Parameter => "parameter",
            ItemShape::Prelude => "prelude",
        }
    }

    /// The fields this kind of item accepts, in their canonical order.
    pub(crate) fn fields(self) -> &'static [&'static str] {
        match self {
            ItemShape::Fact => &[
                "title",
                "description",
                "ask",
                "where",
                "who",
                "collect",
                "cost",
                "unknown",
                "label",
                "pattern",
                "used_by",
                "allow",
            ],
            ItemShape::Symptom => &[
                "title",
                "description",
                "when",
                "frequency",
                "aliases",
                "unlisted",
                "background",
                "check",
                "allow",
            ],
            ItemShape::Cause => {
                &["title", "description", "explains", "prior", "when", "source", "allow"]
            }
            ItemShape::Fix => &[
                "title",
                "description",
                "fixes",
                "when",
                "cost",
                "risk",
                "needs",
                "success",
                "steps",
                "run",
                "verify",
                "undo",
                "source",
                "allow",
            ],
            ItemShape::Parameter => &["title", "description", "where", "default", "from", "allow"],
            ItemShape::Prelude => &["title", "description", "used_by", "where", "script", "allow"],
        }
    }
}

/// Every field keyword of some item, as the item shapes list them.
fn any_field(word: &str) -> Option<&'static str> {
    ItemShape::ALL.iter().flat_map(|shape| shape.fields()).find(|f| **f == word).copied()
}

fn block_item(input: In<'_>, shape: ItemShape) -> PResult<'_, Block> {
    let (rest, name) = ws(ident)(input)?;
    let after = skip_ws(rest);
    if !after.fragment().starts_with('{') {
        return fail(PError::expected(after, "`{` to open the block"));
    }
    let (rest, body) = body(after, shape)?;
    Ok((rest, Block { name, body }))
}

fn optional_body(input: In<'_>, shape: ItemShape) -> PResult<'_, Body> {
    let after = skip_ws(input);
    if after.fragment().starts_with('{') {
        body(after, shape)
    } else {
        Ok((input, Body::default()))
    }
}

/// `{ field* }`, starting at the `{`.
fn body(input: In<'_>, shape: ItemShape) -> PResult<'_, Body> {
    let mut rest = advance(input, 1);
    let mut fields = Vec::new();
    loop {
        rest = skip_ws(rest);
        if rest.fragment().starts_with('}') {
            let end = advance(rest, 1);
            // The vector grew by doubling; a large knowledge base has hundreds of thousands.
            fields.shrink_to_fit();
            return Ok((
                end,
                Body { fields, end_comments: Vec::new(), span: span_between(input, end) },
            ));
        }
        let (next, f) = field(rest, shape)?;
        fields.push(f);
        rest = next;
    }
}

fn field(input: In<'_>, shape: ItemShape) -> PResult<'_, Field> {
    let allowed = shape.fields();
    let expected_field = || {
        let mut e = PError::expected(input, "a field or `}`");
        e.expected = vec!["`}`"];
        e
    };
    let Ok((after_kw, (_, kw))) = word(input) else {
        let mut e = expected_field();
        e.expected.insert(0, field_list_label(shape));
        return fail(e);
    };
    if !allowed.contains(&kw) {
        let kind = if ITEM_KEYWORDS.contains(&kw) {
            DiagnosticKind::Syntax {
                expected: vec!["`}` to close the block".into()],
                found: format!("`{kw}`, which starts the next item (is a `}}` missing?)"),
            }
        } else if let Some(field) = any_field(kw) {
            DiagnosticKind::FieldNotAllowed { field, item: shape.name(), allowed: allowed.to_vec() }
        } else {
            let found = match did_you_mean(kw, allowed.iter().copied()) {
                Some(close) => format!("`{kw}` (did you mean `{close}`?)"),
                None => format!("`{kw}`"),
            };
            DiagnosticKind::Syntax {
                expected: vec![field_list_label(shape).into(), "`}`".into()],
                found,
            }
        };
        return fail(PError::problem(input, kind, kw.len()));
    }
    let (rest, kind) = cut(field_value(after_kw, kw, shape))?;
    Ok((rest, Field { kind, span: span_between(input, rest), comments: None }))
}

fn field_list_label(shape: ItemShape) -> &'static str {
    match shape {
        ItemShape::Fact => {
            "a fact field (title, description, ask, where, who, collect, cost, unknown, label, pattern, used_by, allow)"
        }
        ItemShape::Symptom => {
            "a symptom field (title, description, when, frequency, aliases, unlisted, background, check, allow)"
        }
        ItemShape::Cause => {
            "a cause field (title, description, explains, prior, when, source, allow)"
        }
        ItemShape::Fix => {
            "a fix field (title, description, fixes, when, cost, risk, needs, success, steps, run, verify, undo, source, allow)"
        }
        ItemShape::Parameter => {
            "a parameter field (title, description, where, default, from, allow)"
        }
        ItemShape::Prelude => "a prelude field (title, description, used_by, where, script, allow)",
    }
}

fn field_value<'a>(input: In<'a>, kw: &str, shape: ItemShape) -> PResult<'a, FieldKind> {
    let input = skip_ws(input);
    match kw {
        "title" => text(input).map(|(r, t)| (r, FieldKind::Title(t))),
        "description" => text(input).map(|(r, t)| (r, FieldKind::Description(t))),
        "ask" => text(input).map(|(r, t)| (r, FieldKind::Ask(t))),
        "source" => text(input).map(|(r, t)| (r, FieldKind::Source(t))),
        "steps" => text(input).map(|(r, t)| (r, FieldKind::Steps(t))),
        "collect" => script(input).map(|(r, s)| (r, FieldKind::Collect(s))),
        "check" => script(input).map(|(r, s)| (r, FieldKind::Check(s))),
        "run" => script(input).map(|(r, s)| (r, FieldKind::Run(s))),
        "verify" => script(input).map(|(r, s)| (r, FieldKind::Verify(s))),
        "undo" => script(input).map(|(r, s)| (r, FieldKind::Undo(s))),
        "script" => script(input).map(|(r, s)| (r, FieldKind::Script(s))),
        "default" => text(input).map(|(r, t)| (r, FieldKind::Default(t))),
        "from" => ident(input).map(|(r, f)| (r, FieldKind::From(f))),
        "cost" => duration(input).map(|(r, d)| (r, FieldKind::Cost(d))),
        "where" => comma_list(Some('}'), |i| {
            keyword_value(
                i,
                &Place::ALL,
                Place::keyword,
                "a place (client, server, management or person)",
            )
        })(input)
        .map(|(r, v)| (r, FieldKind::Where(v))),
        "who" => keyword_value(
            input,
            &Role::ALL,
            Role::keyword,
            "a role (user, client_admin, server_admin or network_admin)",
        )
        .map(|(r, (role, span))| (r, FieldKind::Who(role, span))),
        "aliases" => comma_list(Some('}'), text)(input).map(|(r, v)| (r, FieldKind::Aliases(v))),
        "unknown" => comma_list(Some('}'), ident)(input).map(|(r, v)| (r, FieldKind::Unknown(v))),
        "used_by" => comma_list(Some('}'), ident)(input).map(|(r, v)| (r, FieldKind::UsedBy(v))),
        "allow" => comma_list(Some('}'), ident)(input).map(|(r, v)| (r, FieldKind::Allow(v))),
        "frequency" => probability(input).map(|(r, p)| (r, FieldKind::Frequency(p))),
        "background" => {
            let (rest, condition) = expr(input)?;
            let (rest, _) = ws(symbol(":", "`:` and how often it is seen otherwise"))(rest)?;
            let (rest, frequency) = ws(frequency)(rest)?;
            Ok((rest, FieldKind::Background { condition: Box::new(condition), frequency }))
        }
        "pattern" => {
            if input.fragment().starts_with('"') {
                let (rest, regex) = text(input)?;
                return Ok((rest, FieldKind::Pattern { value: None, regex }));
            }
            let (rest, value) = ident(input)?;
            let (rest, regex) = text(skip_ws(rest))?;
            Ok((rest, FieldKind::Pattern { value: Some(value), regex }))
        }
        "label" => {
            let (rest, value) = ident(input)?;
            let (rest, text) = text(skip_ws(rest))?;
            Ok((rest, FieldKind::Label { value, text }))
        }
        "unlisted" => probability(input).map(|(r, p)| (r, FieldKind::Unlisted(p))),
        "prior" => probability(input).map(|(r, p)| (r, FieldKind::Prior(p))),
        "explains" => {
            comma_list(Some('}'), explained)(input).map(|(r, v)| (r, FieldKind::Explains(v)))
        }
        "fixes" => comma_list(Some('}'), ident)(input).map(|(r, v)| (r, FieldKind::Fixes(v))),
        "risk" => keyword_value(input, &Risk::ALL, Risk::keyword, "a risk (low, medium or high)")
            .map(|(r, (risk, span))| (r, FieldKind::Risk(risk, span))),
        "needs" => comma_list(Some('}'), |i| {
            keyword_value(
                i,
                &Need::ALL,
                Need::keyword,
                "a need (admin, server, client, reboot, domain_admin, network_admin or user)",
            )
        })(input)
        .map(|(r, v)| (r, FieldKind::Needs(v))),
        "success" => frequency(input).map(|(r, f)| (r, FieldKind::Success(f))),
        "when" if shape == ItemShape::Cause => {
            let (rest, condition) = expr(input)?;
            let (rest, _) =
                ws(symbol(":", "`:` and how often the cause shows it, or `and`/`or`"))(rest)?;
            let (rest, frequency) = ws(frequency)(rest)?;
            Ok((rest, FieldKind::Finding { condition: Box::new(condition), frequency }))
        }
        "when" => expr(input).map(|(r, e)| (r, FieldKind::When(Box::new(e)))),
        _ => fail(PError::expected(input, field_list_label(shape))),
    }
}

/// `symptom` or `symptom: 0.2` in an `explains` list.
fn explained(input: In<'_>) -> PResult<'_, Explained> {
    let (rest, symptom) = ident(input)?;
    let after = skip_ws(rest);
    if after.fragment().starts_with(':') {
        let (rest, prior) = cut(ws(probability)(advance(after, 1)))?;
        return Ok((rest, Explained { symptom, prior: Some(prior) }));
    }
    Ok((rest, Explained { symptom, prior: None }))
}

fn keyword_value<'a, T: Copy>(
    input: In<'a>,
    all: &[T],
    keyword_of: fn(T) -> &'static str,
    label: &'static str,
) -> PResult<'a, (T, Span)> {
    let Ok((rest, (_, w))) = word(input) else { return fail(PError::expected(input, label)) };
    match all.iter().find(|v| keyword_of(**v) == w) {
        Some(v) => Ok((rest, (*v, span_between(input, rest)))),
        None => {
            let found = match did_you_mean(w, all.iter().map(|v| keyword_of(*v))) {
                Some(close) => format!("`{w}` (did you mean `{close}`?)"),
                None => format!("`{w}`"),
            };
            fail(PError::problem(
                input,
                DiagnosticKind::Syntax { expected: vec![label.into()], found },
                w.len(),
            ))
        }
    }
}

fn script(input: In<'_>) -> PResult<'_, Script> {
    let (rest, (shell, shell_span)) =
        keyword_value(input, &Shell::ALL, Shell::keyword, "a shell (powershell or bash)")?;
    let (rest, text) = ws(text)(rest)?;
    Ok((rest, Script { shell, shell_span, text }))
}

// ---------------------------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------------------------

/// Attaches each collected comment to an item or field: a comment at the end of a line that
/// ends a node trails that node; any other comment leads the next field of the block it is
/// in (or closes the block), or the next item (or closes the file).
fn attach_comments(tree: &mut ast::File, comments: BTreeMap<usize, RawComment>, text: &str) {
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    // 1-based, like `RawComment::line`.
    let line_of = |offset: u32| line_starts.partition_point(|&s| s <= offset as usize);
    for (offset, comment) in comments {
        let offset = offset as u32;
        if !comment.own_line && attach_trailing(tree, offset, comment.line, &comment.text, &line_of)
        {
            continue;
        }
        let index = tree.items.partition_point(|item| item.span.end <= offset);
        let Some(start) = tree.items.get(index).map(|item| item.span.start) else {
            tree.trailing_comments.push(comment.text);
            continue;
        };
        if start > offset {
            let gap = text.get(comment.end..start as usize).unwrap_or("");
            let segments: Vec<&str> = gap.split('\n').collect();
            // The first segment ends the comment's line, the last leads into the item.
            let blank_line_follows = segments.len() > 2
                && segments[1..segments.len() - 1].iter().any(|l| l.trim().is_empty());
            if index == 0 && blank_line_follows && tree.items[0].comments.is_none() {
                tree.header_comments.push(comment.text);
            } else {
                Comments::of(&mut tree.items[index].comments).leading.push(comment.text);
            }
            continue;
        }
        let item = &mut tree.items[index];
        match body_mut(&mut item.kind) {
            Some(body) => {
                let next = body.fields.iter_mut().find(|f| f.span.end > offset);
                match next {
                    Some(field) => Comments::of(&mut field.comments).leading.push(comment.text),
                    None => body.end_comments.push(comment.text),
                }
            }
            None => Comments::of(&mut item.comments).leading.push(comment.text),
        }
    }
}

fn attach_trailing(
    tree: &mut ast::File,
    offset: u32,
    line: usize,
    text: &str,
    line_of: &impl Fn(u32) -> usize,
) -> bool {
    let index = tree.items.partition_point(|item| item.span.start < offset);
    let Some(item) = index.checked_sub(1).and_then(|i| tree.items.get_mut(i)) else {
        return false;
    };
    if item.span.end <= offset {
        if line_of(item.span.end) == line
            && item.comments.as_ref().is_none_or(|c| c.trailing.is_none())
        {
            Comments::of(&mut item.comments).trailing = Some(text.to_string());
            return true;
        }
        return false;
    }
    let Some(body) = body_mut(&mut item.kind) else { return false };
    let last_before = body.fields.iter_mut().rev().find(|f| f.span.end <= offset);
    match last_before {
        Some(field)
            if line_of(field.span.end) == line
                && field.comments.as_ref().is_none_or(|c| c.trailing.is_none()) =>
        {
            Comments::of(&mut field.comments).trailing = Some(text.to_string());
            true
        }
        _ => false,
    }
}

fn body_mut(kind: &mut ItemKind) -> Option<&mut Body> {
    match kind {
        ItemKind::Fact(f) => Some(&mut f.body),
        ItemKind::Symptom(b)
        | ItemKind::Cause(b)
        | ItemKind::Fix(b)
        | ItemKind::Parameter(b)
        | ItemKind::Prelude(b) => Some(&mut b.body),
        ItemKind::Rule(_) | ItemKind::Background(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> ast::File {
        let (file, diagnostics) = parse_file(FileId(0), text);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        file
    }

    fn first_error(text: &str) -> Diagnostic {
        let (_, diagnostics) = parse_file(FileId(0), text);
        diagnostics.into_iter().next().expect("an error")
    }

    #[test]
    fn dedent_removes_common_indentation_and_delimiter_lines() {
        assert_eq!(dedent("\n    a\n      b\n\n    c\n  ").unwrap(), "a\n  b\n\nc");
        assert_eq!(dedent("  inline  ").unwrap(), "inline");
        assert!(dedent("\n    a\n\tb\n").is_err());
    }

    #[test]
    fn conditions_parse_with_precedence() {
        let e = parse_condition(FileId(0), "a or b and not c == 1").unwrap();
        let ExprKind::Or(ops) = e.kind else { panic!("{e:?}") };
        assert!(matches!(ops[1].kind, ExprKind::And(_)));
    }

    #[test]
    fn hex_int_number_and_version_literals() {
        let lit = |s: &str| match parse_condition(FileId(0), &format!("x == {s}")).unwrap().kind {
            ExprKind::Compare { value, .. } => value.kind,
            other => panic!("{other:?}"),
        };
        assert_eq!(lit("0x904"), LiteralKind::Int { value: 0x904, hex: true });
        assert_eq!(lit("-3"), LiteralKind::Int { value: -3, hex: false });
        assert!(matches!(lit("0.5"), LiteralKind::Number(n) if n.text == "0.5"));
        assert_eq!(lit("10.0.26100"), LiteralKind::Version(vec![10, 0, 26100]));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("background {}x{} : rarely", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(first_error(&text).kind.code(), "too-deep");
        let text = format!("background {}x : rarely", "not ".repeat(10_000));
        assert_eq!(first_error(&text).kind.code(), "too-deep");
    }

    #[test]
    fn comments_attach_to_the_nearest_node() {
        let file = parse_ok(
            "# about a\nfact a: bool { # after brace\n  title \"A\" # trailing\n  # end\n}\n# tail\n",
        );
        let item = &file.items[0];
        assert_eq!(item.comments.as_ref().unwrap().leading, ["about a"]);
        let ItemKind::Fact(fact) = &item.kind else { panic!() };
        let comments = fact.body.fields[0].comments.as_ref().unwrap();
        assert_eq!(comments.leading, ["after brace"]);
        assert_eq!(comments.trailing.as_deref(), Some("trailing"));
        assert_eq!(fact.body.end_comments, ["end"]);
        assert_eq!(file.trailing_comments, ["tail"]);
    }

    #[test]
    fn recovers_at_the_next_item() {
        let (file, diagnostics) =
            parse_file(FileId(0), "fact a: nope\nfact b: bool\nfact c bool\nfact d: int\n");
        assert_eq!(diagnostics.len(), 2);
        assert_eq!(file.items.len(), 2);
    }
}
