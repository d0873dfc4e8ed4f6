//! A diagnosis report as text for a terminal.
//!
//! Styles are ANSI escapes; the caller writes through a stream that strips them when the output
//! is not a terminal or `NO_COLOR` is set. Values that came from a fact file (the host name)
//! are printed with control characters escaped, so a hostile value cannot move the cursor or
//! recolour the terminal.

use anstyle::{AnsiColor, Style};
use std::fmt::Write as _;
use triage_engine::explain::percent;
use triage_engine::report::{CauseReport, PlanReport, RepairReport, Report, SymptomReport};

const HEADING: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const BAD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));

/// `90` → `1m 30s`.
#[must_use]
pub fn duration(seconds: f64) -> String {
    let total = seconds.round().max(0.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // rounded, non-negative
    let total = total as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

/// Text safe to print: control characters shown as escapes.
#[must_use]
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

fn styled(style: Style, text: &str) -> String {
    format!("{}{}{}", style.render(), text, style.render_reset())
}

/// The whole report. `explain` lists every finding behind each cause, not just the main one.
#[must_use]
pub fn render(report: &Report, explain: bool) -> String {
    let mut out = String::new();
    if let Some(host) = &report.host {
        let _ = writeln!(out, "{} {}", styled(DIM, "host"), printable(host));
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "{} {}", styled(BAD, "warning:"), printable(warning));
    }
    if !report.derived.is_empty() {
        let derived: Vec<String> =
            report.derived.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(out, "{} {}", styled(DIM, "derived"), printable(&derived.join(", ")));
    }
    if let Some(message) = &report.message {
        let _ = writeln!(out, "{message}");
    }
    for (i, symptom) in report.symptoms.iter().enumerate() {
        if i > 0 || !out.is_empty() {
            out.push('\n');
        }
        render_symptom(&mut out, symptom, explain);
    }
    out
}

fn render_symptom(out: &mut String, symptom: &SymptomReport, explain: bool) {
    match &symptom.message {
        // A thin report: say so, and which symptoms the ranking weighs.
        Some(_) => {
            let _ = writeln!(
                out,
                "{} {}",
                styled(HEADING, "No symptom matches exactly"),
                styled(DIM, "(the ranking weighs the symptoms the facts leave possible)")
            );
            for weight in symptom.weights.iter().take(3) {
                ranked_line(out, weight.weight, &weight.title, &weight.symptom);
            }
        }
        None => {
            let _ = writeln!(
                out,
                "{} {}",
                styled(HEADING, &symptom.title),
                styled(DIM, &format!("({})", symptom.symptom))
            );
        }
    }
    let (live, out_of_it): (Vec<&CauseReport>, Vec<&CauseReport>) =
        symptom.causes.iter().partition(|c| !c.ruled_out);
    let _ = writeln!(out, "\n  {}", styled(HEADING, "Likely causes"));
    let mut unlisted_shown = false;
    for cause in &live {
        if !unlisted_shown && symptom.unlisted > cause.posterior {
            unlisted_line(out, symptom.unlisted);
            unlisted_shown = true;
        }
        ranked_line(out, cause.posterior, &cause.title, &cause.cause);
        cause_detail(out, cause, explain);
    }
    if !unlisted_shown {
        unlisted_line(out, symptom.unlisted);
    }
    if !out_of_it.is_empty() {
        let _ = writeln!(out, "\n  {}", styled(HEADING, "Ruled out"));
        for cause in out_of_it {
            let _ = writeln!(
                out,
                "         {} {}",
                cause.title,
                styled(DIM, &format!("({})", cause.cause))
            );
            cause_detail(out, cause, false);
        }
    }
    if !symptom.next_questions.is_empty() {
        let _ = writeln!(out, "\n  {}", styled(HEADING, "Next questions"));
        for (i, q) in symptom.next_questions.iter().enumerate() {
            let question = q.ask.as_deref().or(q.title.as_deref()).unwrap_or(&q.fact);
            let places: Vec<&str> =
                q.places.iter().map(|p| crate::guide::place_words(*p)).collect();
            let place = if places.is_empty() {
                String::new()
            } else {
                format!(", {}", places.join(" or "))
            };
            let _ = writeln!(out, "  {:>5}  {}", format!("{}.", i + 1), question);
            let _ = writeln!(
                out,
                "         {}",
                styled(
                    DIM,
                    &format!(
                        "{} — {:.2} bits in {}{place} ({:.2} bits/min)",
                        q.fact,
                        q.information_gain_bits,
                        duration(q.cost_seconds),
                        q.bits_per_minute
                    )
                )
            );
        }
    }
    if let Some(repair) = &symptom.repair {
        render_repair(out, repair);
    }
    if let Some(plan @ PlanReport::Ask { expected_seconds, .. }) = &symptom.plan {
        let _ = writeln!(
            out,
            "\n  {} {}",
            styled(HEADING, "Quicker with a question first"),
            styled(DIM, &format!("(expected time to resolution {})", duration(*expected_seconds)))
        );
        render_plan(out, plan, 2);
    }
}

/// The decision tree: each question with its answers, each answer with what to do then.
fn render_plan(out: &mut String, plan: &PlanReport, indent: usize) {
    let pad = " ".repeat(indent + 3);
    match plan {
        PlanReport::Ask { fact, ask, cost_seconds, branches, .. } => {
            let question = ask.as_deref().unwrap_or(fact);
            let _ = writeln!(
                out,
                "{pad}{} {question} {}",
                styled(GOOD, "ask"),
                styled(DIM, &format!("({fact}, {})", duration(*cost_seconds)))
            );
            for branch in branches {
                let _ = writeln!(
                    out,
                    "{pad}  {} {}",
                    styled(HEADING, &format!("if {}", branch.text)),
                    styled(DIM, &format!("({})", percent(branch.probability)))
                );
                render_plan(out, &branch.plan, indent + 4);
            }
        }
        PlanReport::Repair(repair) if repair.steps.is_empty() => {
            let _ = writeln!(out, "{pad}{}", styled(DIM, "no fix applies: escalate"));
        }
        PlanReport::Repair(repair) => {
            let steps: Vec<&str> = repair.steps.iter().map(|s| s.fix.as_str()).collect();
            let _ = writeln!(out, "{pad}{} {}", styled(GOOD, "fix"), steps.join(" → "));
        }
    }
}

fn unlisted_line(out: &mut String, posterior: f64) {
    let _ = writeln!(
        out,
        "  {:>5}  {}",
        percent(posterior),
        styled(DIM, "a cause the knowledge base does not list")
    );
}

/// "   45%  Title (name)": a ranked cause or a weighed symptom.
fn ranked_line(out: &mut String, probability: f64, title: &str, name: &str) {
    let _ = writeln!(
        out,
        "  {:>5}  {title} {}",
        percent(probability),
        styled(DIM, &format!("({name})"))
    );
}

fn cause_detail(out: &mut String, cause: &CauseReport, explain: bool) {
    if explain && !cause.evidence.is_empty() {
        for evidence in &cause.evidence {
            let style = if evidence.rules_out || evidence.contribution.is_some_and(|c| c < 0.0) {
                BAD
            } else {
                GOOD
            };
            let plain;
            let text = match evidence.explanation.as_deref() {
                Some(text) => text,
                None => {
                    plain = format!("`{}` is {}", evidence.fact, evidence.observed);
                    &plain
                }
            };
            let _ = writeln!(out, "         {} {}", styled(style, "•"), text);
        }
    } else if let Some(reason) = &cause.reason {
        let _ = writeln!(out, "         {}", styled(DIM, reason));
    }
}

fn render_repair(out: &mut String, repair: &RepairReport) {
    if repair.steps.is_empty() {
        let _ = writeln!(
            out,
            "\n  {}",
            styled(DIM, "No fix in the knowledge base applies to these causes.")
        );
        return;
    }
    let _ = writeln!(
        out,
        "\n  {} {}",
        styled(HEADING, "Repair order"),
        styled(
            DIM,
            &format!(
                "(expected time to resolution {}, fixes it {} of the time)",
                duration(repair.expected_seconds),
                percent(repair.coverage)
            )
        )
    );
    for (i, step) in repair.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:>5}  {} {} {}",
            format!("{}.", i + 1),
            step.title,
            styled(DIM, &format!("({})", step.fix)),
            styled(
                DIM,
                &format!(
                    "— {}, {} that its cause is to blame",
                    duration(step.cost_seconds),
                    percent(step.probability * step.success)
                )
            )
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(45.0), "45s");
        assert_eq!(duration(90.0), "1m 30s");
        assert_eq!(duration(300.0), "5m");
        assert_eq!(duration(5400.0), "1h 30m");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("pc\u{1b}[31m\n"), "pc\\u{1b}[31m\\n");
    }
}
