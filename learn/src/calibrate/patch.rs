//! The proposal as a unified diff of the `.kb` files (`calibrate --write-patch`): each file is
//! parsed, the proposed numbers are set in its syntax tree, and the tree is printed by the
//! formatter `triage fmt` uses. Nothing is written to the knowledge base itself; the diff is
//! checked to give a knowledge base without errors before it is returned.

use super::estimate::{Estimates, Subject};
use std::fmt::Write as _;
use triage_rules::ast::{
    Explained, Field, FieldKind, Frequency, FrequencyKind, ItemKind, Number, Probability,
};
use triage_rules::format::{expr_text, format_file};
use triage_rules::model::Model;
use triage_rules::parse::parse_file;
use triage_rules::{SourceMap, load_sources};

/// Why no patch could be made.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("{file} does not parse, so it cannot be patched")]
    Syntax { file: String },
    #[error("the patched knowledge base has errors (a bug in calibrate): {message}")]
    Invalid { message: String },
}

/// A probability as the patch writes it: up to three decimals, no trailing zeros.
#[must_use]
pub fn number_text(p: f64) -> String {
    let text = format!("{p:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() { "0".into() } else { text.to_string() }
}

fn number(p: f64) -> Number {
    Number { text: number_text(p), value: p }
}

/// The patch: one unified diff per changed file, named by `path_of(source name)`; empty when
/// nothing is proposed.
pub fn patch(
    sources: &SourceMap,
    model: &Model,
    estimates: &Estimates,
    path_of: &dyn Fn(&str) -> String,
) -> Result<String, PatchError> {
    let mut changed = SourceMap::new();
    let mut diff = String::new();
    for (id, file) in sources.iter() {
        let (mut tree, problems) = parse_file(id, &file.text);
        if !problems.is_empty() {
            return Err(PatchError::Syntax { file: file.name.clone() });
        }
        let before = format_file(&tree);
        set_numbers(&mut tree, model, estimates);
        let after = format_file(&tree);
        changed.add(file.name.clone(), after.clone());
        if after == before {
            continue;
        }
        let path = path_of(&file.name);
        let text = similar::TextDiff::from_lines(file.text.as_str(), after.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string();
        let _ = write!(diff, "{text}");
    }
    let checked = load_sources(changed);
    if checked.error_count() > 0 {
        let message = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{:?}", d.kind))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(PatchError::Invalid { message });
    }
    Ok(diff)
}

/// Sets the proposed numbers in one file's tree.
fn set_numbers(tree: &mut triage_rules::ast::File, model: &Model, estimates: &Estimates) {
    for item in &mut tree.items {
        match &mut item.kind {
            ItemKind::Cause(block) => {
                let Some(cause) = model.cause_id(&block.name.name) else { continue };
                for field in &mut block.body.fields {
                    match &mut field.kind {
                        FieldKind::Finding { condition, frequency } => {
                            let text = expr_text(condition);
                            let proposal = estimates.proposals().find_map(|e| match e.subject {
                                Subject::Finding { cause: c, finding }
                                    if c == cause && model.finding(finding).text == text =>
                                {
                                    e.proposed
                                }
                                _ => None,
                            });
                            if let Some(p) = proposal {
                                *frequency = Frequency {
                                    kind: FrequencyKind::Number(number(p)),
                                    span: frequency.span,
                                };
                            }
                        }
                        FieldKind::Explains(list) => {
                            for Explained { symptom, prior } in list.iter_mut() {
                                let Some(s) = model.symptom_id(&symptom.name) else { continue };
                                let proposal =
                                    estimates.proposals().find_map(|e| match e.subject {
                                        Subject::Prior { symptom: x, cause: c }
                                            if x == s && c == cause =>
                                        {
                                            e.proposed
                                        }
                                        _ => None,
                                    });
                                if let Some(p) = proposal {
                                    let span = prior.as_ref().map_or(symptom.span, |q| q.span);
                                    *prior = Some(Probability { number: number(p), span });
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            ItemKind::Fix(block) => {
                let Some(fix) = model.fix_id(&block.name.name) else { continue };
                let proposal = estimates.proposals().find_map(|e| match e.subject {
                    Subject::Success { fix: f } if f == fix => e.proposed,
                    _ => None,
                });
                let Some(p) = proposal else { continue };
                let frequency = |span| Frequency { kind: FrequencyKind::Number(number(p)), span };
                let existing =
                    block.body.fields.iter_mut().find(|f| matches!(f.kind, FieldKind::Success(_)));
                match existing {
                    Some(field) => field.kind = FieldKind::Success(frequency(field.span)),
                    None => {
                        let span = block.body.span;
                        block.body.fields.push(Field {
                            kind: FieldKind::Success(frequency(span)),
                            span,
                            comments: None,
                        });
                    }
                }
            }
            ItemKind::Symptom(block) => {
                let Some(symptom) = model.symptom_id(&block.name.name) else { continue };
                let proposal = estimates.proposals().find_map(|e| match e.subject {
                    Subject::Frequency { symptom: s } if s == symptom => e.proposed,
                    _ => None,
                });
                let Some(p) = proposal else { continue };
                for field in &mut block.body.fields {
                    if let FieldKind::Frequency(probability) = &mut field.kind {
                        probability.number = number(p);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::number_text;

    #[test]
    fn numbers_read_as_an_author_writes_them() {
        assert_eq!(number_text(0.35), "0.35");
        assert_eq!(number_text(0.001), "0.001");
        assert_eq!(number_text(1.0), "1");
        assert_eq!(number_text(0.0), "0");
    }
}
