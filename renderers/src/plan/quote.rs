//! Quoting untrusted text as one string literal of a PowerShell or bash script.
//!
//! Every value that comes from a fact file (`host`, `collected_at`, fact values) reaches a
//! generated script only through these functions, so the only way text can become code is a
//! bug here; the property tests parse generated scripts to hold them to that. They do not
//! decide which values may appear at all: text holding NUL cannot be carried by either shell
//! (bash strings end at NUL; the PowerShell tokenizer and most Windows tools treat a NUL byte
//! as the end of a text file), so both functions refuse it and callers report the fact.

use std::fmt;

/// The characters PowerShell treats as a single quote inside and around a verbatim string:
/// the ASCII apostrophe and U+2018–U+201B (‘ ’ ‚ ‛). Any of them ends the string unless
/// doubled.
pub const POWERSHELL_SINGLE_QUOTES: [char; 5] =
    ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// The value holds a NUL character, which no script literal can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NulInValue;

impl fmt::Display for NulInValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("it contains a NUL character, which a script cannot carry as a literal")
    }
}

impl std::error::Error for NulInValue {}

/// `text` as a PowerShell verbatim string: `'…'` with every single-quote character doubled.
///
/// ```
/// use triage_renderers::plan::quote;
/// assert_eq!(quote::powershell("it's $(x)").unwrap(), "'it''s $(x)'");
/// ```
pub fn powershell(text: &str) -> Result<String, NulInValue> {
    if text.contains('\0') {
        return Err(NulInValue);
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        out.push(c);
        if POWERSHELL_SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
    }
    out.push('\'');
    Ok(out)
}

/// PowerShell's reading of one verbatim string `'…'`: any single-quote character followed by
/// another one stands for the second. `None` when `literal` is not exactly one such string (a
/// lone quote would end it early). The inverse of [`powershell`]: tests read scripts back
/// with it.
///
/// ```
/// use triage_renderers::plan::quote;
/// assert_eq!(quote::read_powershell("'it''s'").as_deref(), Some("it's"));
/// assert_eq!(quote::read_powershell("'it's'"), None);
/// ```
#[must_use]
pub fn read_powershell(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if POWERSHELL_SINGLE_QUOTES.contains(&c) {
            let next = chars.next().filter(|n| POWERSHELL_SINGLE_QUOTES.contains(n))?;
            out.push(next);
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// `text` as one bash word that expands to exactly `text`.
///
/// Without an apostrophe it is single-quoted (`'…'`, where nothing is special). With one, it
/// is ANSI-C quoted (`$'…'`) with the backslash written `\x5c` and the apostrophe `\x27`, so
/// the literal is still a single token: the usual `'\''` splice would make it three.
///
/// ```
/// use triage_renderers::plan::quote;
/// assert_eq!(quote::bash("a b $(c)").unwrap(), "'a b $(c)'");
/// assert_eq!(quote::bash(r"it's a\b").unwrap(), r"$'it\x27s a\x5cb'");
/// ```
pub fn bash(text: &str) -> Result<String, NulInValue> {
    if text.contains('\0') {
        return Err(NulInValue);
    }
    if !text.contains('\'') {
        return Ok(format!("'{text}'"));
    }
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str("$'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\x5c"),
            '\'' => out.push_str("\\x27"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

/// Text for a `#` comment line of either shell: one line, nothing that could close a
/// PowerShell block comment. Only for text from the knowledge base (titles), never for fact
/// values, which go into literals.
#[must_use]
pub fn comment(text: &str) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    one_line.replace("#>", "# >").replace("<#", "< #")
}

/// A bash function every generated script defines and prints through: `inert TEXT` sets
/// `shown` to TEXT with its control characters (C0, DEL and C1, so also a newline or a
/// carriage return that would fake a line) written as `\xHH`, so nothing a fact value or a
/// script's output holds can drive the operator's terminal or forge a transcript line. A tab
/// stays a tab. Printable text, the usual case, is returned as it is without a loop.
pub const BASH_INERT: &str = r#"
# inert TEXT: shown becomes TEXT with control characters written as \xHH.
inert() {
  local s=$1 code hex c
  if [[ $s != *[![:print:]]* ]]; then shown=$s; return; fi
  for code in {1..8} {10..31} 127; do
    printf -v hex '%02x' "$code"
    printf -v c "\\x$hex"
    s=${s//"$c"/"\\x$hex"}
  done
  for code in {128..159}; do
    printf -v hex '%02x' "$code"
    printf -v c "\\xc2\\x$hex"
    s=${s//"$c"/"\\u00$hex"}
  done
  shown=$s
}
"#;

/// The PowerShell counterpart of [`BASH_INERT`]: `ConvertTo-PlanInert TEXT` returns TEXT with
/// its control characters (C0 but tab, DEL, C1) written as `\xHH`.
pub const POWERSHELL_INERT: &str = r#"
function ConvertTo-PlanInert {
    param([string]$Text)
    [regex]::Replace("$Text", '[\x00-\x08\x0A-\x1F\x7F-\x9F]', [Text.RegularExpressions.MatchEvaluator] {
        param($m) '\x{0:x2}' -f [int][char]$m.Value
    })
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_doubles_every_single_quote_kind() {
        assert_eq!(powershell("").unwrap(), "''");
        assert_eq!(powershell("a'b").unwrap(), "'a''b'");
        assert_eq!(powershell("\u{2018}x\u{2019}").unwrap(), "'\u{2018}\u{2018}x\u{2019}\u{2019}'");
        assert_eq!(powershell("\u{201A}\u{201B}").unwrap(), "'\u{201A}\u{201A}\u{201B}\u{201B}'");
        // Double quotes, `$`, backticks are plain characters in a verbatim string.
        assert_eq!(powershell("\"$x`n").unwrap(), "'\"$x`n'");
        assert_eq!(powershell("a\r\nb").unwrap(), "'a\r\nb'");
    }

    #[test]
    fn a_powershell_literal_reads_back_as_the_text() {
        for text in ["", "a'b", "\u{2018}x\u{2019}", "''", "\"$x`n", "a\r\nb"] {
            assert_eq!(read_powershell(&powershell(text).unwrap()).as_deref(), Some(text));
        }
        assert_eq!(read_powershell("'a'b'"), None, "a lone quote ends the string");
        assert_eq!(read_powershell("'a"), None);
        assert_eq!(read_powershell("'"), None);
    }

    #[test]
    fn bash_single_quotes_unless_there_is_an_apostrophe() {
        assert_eq!(bash("").unwrap(), "''");
        assert_eq!(bash("$(rm -rf /) `id` ${x}\n;|&\\").unwrap(), "'$(rm -rf /) `id` ${x}\n;|&\\'");
        assert_eq!(bash("'").unwrap(), "$'\\x27'");
        assert_eq!(bash("\\'\\").unwrap(), "$'\\x5c\\x27\\x5c'");
    }

    #[test]
    fn nul_is_refused_by_both() {
        assert_eq!(powershell("a\0b"), Err(NulInValue));
        assert_eq!(bash("a\0b"), Err(NulInValue));
        assert!(NulInValue.to_string().contains("NUL"));
    }

    #[test]
    fn comments_stay_on_one_line_and_inside_the_block() {
        assert_eq!(comment("a\nb#>c<#"), "a b# >c< #");
    }

    #[test]
    fn bash_literals_run_through_bash_unchanged() {
        // The real shell agrees with the quoting (skipped where bash is missing).
        let value = "it's \\ \u{2019} $(echo no) `echo no` \"q\" \n\r\t end\\";
        let script = format!("printf '%s' {}", bash(value).unwrap());
        let Ok(out) = std::process::Command::new("bash").arg("-c").arg(&script).output() else {
            return;
        };
        assert_eq!(String::from_utf8_lossy(&out.stdout), value);
    }
}
