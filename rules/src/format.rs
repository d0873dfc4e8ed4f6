//! The formatter: prints a syntax tree in canonical form.
//!
//! One blank line between items, two-space indentation, one field per line, `"""` blocks with
//! their content indented one level under the field, parentheses only where a nested `and` /
//! `or` needs them (and always around a nested one, for the reader). Comments come back where
//! the parser attached them. The output parses back to an equal tree (`parse(fmt(x)) == x`).
//! It does not reorder fields or items: the author's order is part of the meaning for people.

use crate::ast::{
    Body, Comments, Duration, Explained, Expr, ExprKind, Field, FieldKind, File, Frequency,
    FrequencyKind, Item, ItemKind, Literal, LiteralKind, Script, Text, TypeExpr,
};
use std::fmt::Write as _;

const INDENT: &str = "  ";

/// The canonical text of a file.
#[must_use]
pub fn format_file(file: &File) -> String {
    let mut out = String::new();
    for comment in &file.header_comments {
        push_comment_line(&mut out, "", comment);
    }
    if !file.header_comments.is_empty() && !file.items.is_empty() {
        out.push('\n');
    }
    for (i, item) in file.items.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        format_item(&mut out, item);
    }
    if !file.trailing_comments.is_empty() {
        if !file.items.is_empty() {
            out.push('\n');
        }
        for comment in &file.trailing_comments {
            push_comment_line(&mut out, "", comment);
        }
    }
    out
}

fn push_comment_line(out: &mut String, indent: &str, comment: &str) {
    out.push_str(indent);
    if comment.is_empty() {
        out.push_str("#\n");
    } else {
        let _ = writeln!(out, "# {comment}");
    }
}

fn push_trailing(out: &mut String, comments: Option<&Comments>) {
    if let Some(comment) = comments.and_then(|c| c.trailing.as_ref()) {
        if comment.is_empty() {
            out.push_str(" #");
        } else {
            let _ = write!(out, " # {comment}");
        }
    }
    out.push('\n');
}

fn format_item(out: &mut String, item: &Item) {
    for comment in item.comments.iter().flat_map(|c| &c.leading) {
        push_comment_line(out, "", comment);
    }
    match &item.kind {
        ItemKind::Fact(fact) => {
            let _ = write!(out, "fact {}: {}", fact.name.name, type_text(&fact.ty));
            format_body(out, &fact.body, true);
        }
        ItemKind::Symptom(block)
        | ItemKind::Cause(block)
        | ItemKind::Fix(block)
        | ItemKind::Parameter(block)
        | ItemKind::Prelude(block) => {
            let _ = write!(out, "{} {}", item.kind.keyword(), block.name.name);
            format_body(out, &block.body, false);
        }
        ItemKind::Rule(rule) => {
            let _ = write!(
                out,
                "rule {} = {} when {}",
                rule.target.name,
                literal_text(&rule.value),
                expr_text(&rule.condition)
            );
            if let Some(otherwise) = &rule.otherwise {
                let _ = write!(out, " else {}", literal_text(otherwise));
            }
        }
        ItemKind::Background(background) => {
            let _ = write!(
                out,
                "background {} : {}",
                expr_text(&background.condition),
                frequency_text(&background.frequency)
            );
        }
    }
    push_trailing(out, item.comments.as_deref());
}

fn type_text(ty: &TypeExpr) -> String {
    let list = |kw: &str, values: &[crate::ast::Ident]| {
        let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
        format!("{kw} [{}]", names.join(", "))
    };
    match ty {
        TypeExpr::Enum(values) => list("enum", values),
        TypeExpr::Set(values) => list("set", values),
        other => other.describe().to_string(),
    }
}

fn format_body(out: &mut String, body: &Body, optional: bool) {
    if body.fields.is_empty() && body.end_comments.is_empty() {
        if !optional {
            out.push_str(" {}");
        }
        return;
    }
    out.push_str(" {\n");
    for field in &body.fields {
        format_field(out, field);
    }
    for comment in &body.end_comments {
        push_comment_line(out, INDENT, comment);
    }
    out.push('}');
}

fn format_field(out: &mut String, field: &Field) {
    for comment in field.comments.iter().flat_map(|c| &c.leading) {
        push_comment_line(out, INDENT, comment);
    }
    out.push_str(INDENT);
    out.push_str(field.kind.keyword());
    out.push(' ');
    match &field.kind {
        FieldKind::Title(t)
        | FieldKind::Description(t)
        | FieldKind::Ask(t)
        | FieldKind::Source(t)
        | FieldKind::Default(t)
        | FieldKind::Steps(t) => push_text(out, t),
        FieldKind::From(fact) => out.push_str(&fact.name),
        FieldKind::Collect(s)
        | FieldKind::Check(s)
        | FieldKind::Run(s)
        | FieldKind::Verify(s)
        | FieldKind::Undo(s)
        | FieldKind::Script(s) => push_script(out, s),
        FieldKind::Cost(d) => out.push_str(&duration_text(d)),
        FieldKind::Where(places) => {
            let words: Vec<&str> = places.iter().map(|(p, _)| p.keyword()).collect();
            out.push_str(&words.join(", "));
        }
        FieldKind::Who(role, _) => out.push_str(role.keyword()),
        FieldKind::Pattern { value, regex } => {
            if let Some(value) = value {
                out.push_str(&value.name);
                out.push(' ');
            }
            // A one-line block (a regular expression, whose backslashes a string would
            // escape) stays on its line, unless a quote at its end would run into the `"""`.
            if regex.block && !regex.value.contains('\n') && !regex.value.ends_with('"') {
                out.push_str("\"\"\"");
                out.push_str(&regex.value);
                out.push_str("\"\"\"");
            } else {
                push_text(out, regex);
            }
        }
        FieldKind::When(condition) => out.push_str(&expr_text(condition)),
        FieldKind::Unknown(values) | FieldKind::UsedBy(values) | FieldKind::Allow(values) => {
            let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
            out.push_str(&names.join(", "));
        }
        FieldKind::Label { value, text } => {
            out.push_str(&value.name);
            out.push(' ');
            push_text(out, text);
        }
        FieldKind::Aliases(texts) => {
            for (i, t) in texts.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_text(out, t);
            }
        }
        FieldKind::Unlisted(p) | FieldKind::Prior(p) | FieldKind::Frequency(p) => {
            out.push_str(&p.number.text);
        }
        FieldKind::Explains(list) => {
            let parts: Vec<String> = list.iter().map(explained_text).collect();
            out.push_str(&parts.join(", "));
        }
        FieldKind::Finding { condition, frequency }
        | FieldKind::Background { condition, frequency } => {
            let _ = write!(out, "{} : {}", expr_text(condition), frequency_text(frequency));
        }
        FieldKind::Fixes(causes) => {
            let names: Vec<&str> = causes.iter().map(|c| c.name.as_str()).collect();
            out.push_str(&names.join(", "));
        }
        FieldKind::Risk(risk, _) => out.push_str(risk.keyword()),
        FieldKind::Needs(needs) => {
            let words: Vec<&str> = needs.iter().map(|(n, _)| n.keyword()).collect();
            out.push_str(&words.join(", "));
        }
        FieldKind::Success(f) => out.push_str(&frequency_text(f)),
    }
    push_trailing(out, field.comments.as_deref());
}

fn explained_text(explained: &Explained) -> String {
    match &explained.prior {
        Some(p) => format!("{}: {}", explained.symptom.name, p.number.text),
        None => explained.symptom.name.clone(),
    }
}

fn push_script(out: &mut String, script: &Script) {
    out.push_str(script.shell.keyword());
    out.push(' ');
    push_text(out, &script.text);
}

fn push_text(out: &mut String, text: &Text) {
    if !text.block {
        out.push_str(&quote(&text.value));
        return;
    }

    out.push_str("\"\"\"\n");
    for line in text.value.split('\n') {
        if !line.is_empty() {
            out.push_str(INDENT);
            out.push_str(INDENT);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(INDENT);
    out.push_str("\"\"\"");
}

/// A string literal with the escapes the parser understands.
#[must_use]
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn duration_text(d: &Duration) -> String {
    format!("{}{}", d.amount.text, d.unit.suffix())
}

fn frequency_text(f: &Frequency) -> String {
    match &f.kind {
        FrequencyKind::Word(w) => w.keyword().to_string(),
        FrequencyKind::Number(n) => n.text.clone(),
    }
}

/// A literal as source text.
#[must_use]
pub fn literal_text(literal: &Literal) -> String {
    match &literal.kind {
        LiteralKind::Bool(b) => b.to_string(),
        LiteralKind::Int { value, hex: true } => {
            if *value < 0 {
                format!("-0x{:x}", value.unsigned_abs())
            } else {
                format!("0x{value:x}")
            }
        }
        LiteralKind::Int { value, hex: false } => value.to_string(),
        LiteralKind::Number(n) => n.text.clone(),
        LiteralKind::Version(parts) => {
            let parts: Vec<String> = parts.iter().map(u64::to_string).collect();
            parts.join(".")
        }
        LiteralKind::Str(s) => quote(s),
        LiteralKind::Name(n) => n.clone(),
    }
}

/// A condition as source text.
#[must_use]
pub fn expr_text(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

fn write_expr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::And(operands) | ExprKind::Or(operands) => {
            let op = if matches!(expr.kind, ExprKind::And(_)) { " and " } else { " or " };
            for (i, operand) in operands.iter().enumerate() {
                if i > 0 {
                    out.push_str(op);
                }
                write_operand(out, operand);
            }
        }
        ExprKind::Not(inner) => {
            out.push_str("not ");
            write_operand(out, inner);
        }
        ExprKind::Fact(fact) => out.push_str(&fact.name),
        ExprKind::Compare { fact, op, value, .. } => {
            let _ = write!(out, "{} {} {}", fact.name, op.symbol(), literal_text(value));
        }
        ExprKind::Known { fact, known } => {
            let _ = write!(out, "{} is {}", fact.name, if *known { "known" } else { "unknown" });
        }
        ExprKind::In { fact, values } => {
            let values: Vec<String> = values.iter().map(literal_text).collect();
            let _ = write!(out, "{} in [{}]", fact.name, values.join(", "));
        }
    }
}

fn write_operand(out: &mut String, operand: &Expr) {
    if matches!(operand.kind, ExprKind::And(_) | ExprKind::Or(_)) {
        out.push('(');
        write_expr(out, operand);
        out.push(')');
    } else {
        write_expr(out, operand);
    }
}
