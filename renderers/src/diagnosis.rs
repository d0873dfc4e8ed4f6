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

/// What the text shows besides the short answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions<'a> {
    /// Every cause, and every finding behind each, not just the likeliest and their reason.
    pub explain: bool,
    /// The whole repair order and the decision tree.
    pub tree: bool,
    /// Where the facts came from, for the commands "What next" names; `None` writes `FILE`.
    pub facts: Option<FactArgs<'a>>,
}

/// How `triage ask` and `triage plan` get the facts of this diagnosis again, shell-quoted.
#[derive(Debug, Clone, Copy, Default)]
pub struct FactArgs<'a> {
    /// `--kb PATH` when the knowledge base was named, for `guide` too.
    pub kb: Option<&'a str>,
    /// The fact file (`case.json`).
    pub file: Option<&'a str>,
    /// `--fact NAME=VALUE` words (`--fact error_code=0x904 --fact extended_error_code=0x7`).
    pub flags: &'a str,
}

impl FactArgs<'_> {
    /// `--facts FILE --fact …` for `ask`, `FILE --fact …` for `plan`.
    fn words(facts: Option<FactArgs<'_>>, file_option: &str) -> String {
        let Some(facts) = facts else { return format!("{file_option}FILE") };
        let file = facts.file.map(|f| format!("{file_option}{f}"));
        let flags = (!facts.flags.is_empty()).then(|| facts.flags.to_string());
        facts
            .kb
            .map(str::to_string)
            .into_iter()
            .chain(file)
            .chain(flags)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Without `explain`, the ranking stops once the causes shown hold this share…
const SHOWN_MASS: f64 = 0.9;
/// …or at this many causes.
const SHOWN_CAUSES: usize = 6;
/// Without `tree`, the repair order shows this many steps.
const SHOWN_STEPS: usize = 3;

/// The report: the ranking with one reason per cause, then what to do next (the question worth
/// asking, or the first fix, and the command that goes on from there).
#[must_use]
pub fn render(report: &Report, options: TextOptions<'_>) -> String {
    let mut out = String::new();
    if let Some(host) = &report.host {
        let _ = writeln!(out, "{} {}", styled(DIM, "host"), printable(host));
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "{} {}", styled(BAD, "warning:"), printable(warning));
    }
    // What the rules derived is the knowledge base's bookkeeping: shown with --explain.
    if options.explain && !report.derived.is_empty() {
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
        render_symptom(&mut out, symptom, options);
    }
    out
}

fn render_symptom(out: &mut String, symptom: &SymptomReport, options: TextOptions<'_>) {
    let explain = options.explain;
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
                ranked_line(out, weight.weight, &weight.title, explain.then_some(&weight.symptom));
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
    let mut shown_mass = 0.0;
    let mut hidden = 0;
    for (i, cause) in live.iter().enumerate() {
        if !explain && i > 0 && (i >= SHOWN_CAUSES || shown_mass >= SHOWN_MASS) {
            hidden = live.len() - i;
            break;
        }
        if !unlisted_shown && symptom.unlisted > cause.posterior {
            unlisted_line(out, symptom.unlisted);
            unlisted_shown = true;
            shown_mass += symptom.unlisted;
        }
        ranked_line(out, cause.posterior, &cause.title, explain.then_some(&cause.cause));
        cause_detail(out, cause, explain);
        shown_mass += cause.posterior;
    }
    if !unlisted_shown {
        unlisted_line(out, symptom.unlisted);
    }
    if hidden > 0 {
        let plural = if hidden == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "         {}",
            styled(
                DIM,
                &format!("and {hidden} less likely cause{plural} (--explain lists every one)")
            )
        );
    }
    // The short answer leaves out the causes of other codes: what the symptom itself tests
    // (its error code) rules them out, which says nothing the reader does not know.
    let (out_of_it, of_other_codes): (Vec<&CauseReport>, Vec<&CauseReport>) =
        out_of_it.into_iter().partition(|c| explain || !c.ruled_out_by_symptom);
    if !out_of_it.is_empty() || !of_other_codes.is_empty() {
        let _ = writeln!(out, "\n  {}", styled(HEADING, "Ruled out"));
        for cause in out_of_it {
            let name = if explain {
                format!(" {}", styled(DIM, &format!("({})", cause.cause)))
            } else {
                String::new()
            };
            let _ = writeln!(out, "         {}{name}", cause.title);
            cause_detail(out, cause, false);
        }
        if !of_other_codes.is_empty() {
            let n = of_other_codes.len();
            let (causes, belong, them) =
                if n == 1 { ("cause", "belongs", "it") } else { ("causes", "belong", "them") };
            let summary =
                format!("{n} {causes} that {belong} to other symptoms (--explain lists {them})");
            let _ = writeln!(out, "         {}", styled(DIM, &summary));
        }
    }
    if options.tree {
        render_tree(out, symptom, explain);
    } else {
        what_next(out, symptom, explain, options.facts);
    }
}

/// `--tree`: the best next questions, the whole repair order and the decision tree.
fn render_tree(out: &mut String, symptom: &SymptomReport, explain: bool) {
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
        render_repair(out, repair, usize::MAX, explain);
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

/// "   45%  Title", with " (name)" for --explain: a ranked cause or a weighed symptom.
fn ranked_line(out: &mut String, probability: f64, title: &str, name: Option<&String>) {
    let name = name.map_or(String::new(), |n| format!(" {}", styled(DIM, &format!("({n})"))));
    let _ = writeln!(out, "  {:>5}  {title}{name}", percent(probability));
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

/// The short answer's end: the question worth asking first (when the decision tree starts
/// with one) or the first fix, the start of the repair order, and the commands that go on.
fn what_next(
    out: &mut String,
    symptom: &SymptomReport,
    explain: bool,
    facts: Option<FactArgs<'_>>,
) {
    let _ = writeln!(out, "\n  {}", styled(HEADING, "What next"));
    if let Some(PlanReport::Ask { fact, ask, title, cost_seconds, .. }) = &symptom.plan {
        {
            let question = ask.as_ref().or(title.as_ref()).unwrap_or(fact);
            let _ = writeln!(
                out,
                "     Ask first: {question} {}",
                styled(
                    DIM,
                    &if explain {
                        format!("({fact}, about {})", duration(*cost_seconds))
                    } else {
                        format!("(about {})", duration(*cost_seconds))
                    }
                )
            );
            let _ = writeln!(
                out,
                "     {}",
                styled(
                    DIM,
                    &format!(
                        "Its answer decides the fix: `triage ask {}` asks it and goes on; `--tree` shows every branch.",
                        FactArgs::words(facts, "--facts ")
                    )
                )
            );
        }
    } else if symptom.repair.as_ref().is_some_and(|r| !r.steps.is_empty()) {
        let _ =
            writeln!(out, "     No question is worth its time first: try the fixes in this order.");
    }
    if let Some(repair) = &symptom.repair {
        render_repair(out, repair, SHOWN_STEPS, explain);
    }
    let guide = format!(
        "triage guide {}{}",
        symptom.symptom,
        facts.and_then(|f| f.kb).map(|kb| format!(" {kb}")).unwrap_or_default()
    );
    // A script is offered only when there is a fix to apply.
    let end = if symptom.repair.as_ref().is_some_and(|r| !r.steps.is_empty()) {
        format!(
            "The steps: `{guide}`; a script that applies, verifies and undoes them: `triage plan {}`.",
            FactArgs::words(facts, "")
        )
    } else {
        format!("The checks and what each cause looks like: `{guide}`.")
    };
    let _ = writeln!(out, "\n     {}", styled(DIM, &end));
}

fn render_repair(out: &mut String, repair: &RepairReport, shown: usize, names: bool) {
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
    for (i, step) in repair.steps.iter().enumerate().take(shown) {
        let hand_over = if step.hand_over_seconds > 0.0 {
            format!(
                " (+{} to get {} on the case)",
                duration(step.hand_over_seconds),
                crate::guide::role_words(step.role)
            )
        } else {
            String::new()
        };
        let name = if names {
            format!(" {}", styled(DIM, &format!("({})", step.fix)))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:>5}  {}{name} {}",
            format!("{}.", i + 1),
            step.title,
            styled(
                DIM,
                &format!(
                    "— {}{hand_over}, {} that its cause is to blame",
                    duration(step.cost_seconds),
                    percent(step.probability * step.success)
                )
            )
        );
    }
    if repair.steps.len() > shown {
        let more = repair.steps.len() - shown;
        let plural = if more == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "         {}",
            styled(DIM, &format!("then {more} more step{plural} (--tree shows the whole order)"))
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
