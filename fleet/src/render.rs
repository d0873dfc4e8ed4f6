//! The fleet report as Markdown or as one self-contained HTML page (inline CSS, inline SVG bar
//! charts, a few lines of inline script that sort the tables; nothing is fetched), both with
//! tera. The HTML template is autoescaped: host names and every other value from the records
//! are text, never markup. Markdown values go through the Markdown escaping of the guides.

use crate::document::{FleetReport, amount, count};
use serde::Serialize;
use triage_engine::explain::percent;
use triage_renderers::diagnosis::duration;

/// The output formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Json,
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template `{name}`: {message}")]
    Template { name: String, message: String },
    #[error("the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

const TEMPLATES: [(&str, &str); 2] = [
    ("report.html", include_str!("../templates/report.html")),
    ("report.md", include_str!("../templates/report.md")),
];

/// Bars drawn per chart.
pub const CHART_BARS: usize = 12;

/// A bar of a chart: confident and ambiguous hosts, as shares (0–100) of the longest bar.
#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    hosts: String,
    confident: String,
    confident_width: f64,
    ambiguous_width: f64,
}

/// What the templates show beyond the document: numbers in words, bar lengths.
#[derive(Debug, Serialize)]
struct View {
    hosts: String,
    diagnosed: String,
    failed: String,
    confident: String,
    ambiguous: String,
    confident_share: String,
    cause_bars: Vec<Bar>,
    symptom_bars: Vec<Bar>,
    /// Every step; the Markdown report lists the first [`ROLLOUT_LISTED`].
    rollout: Vec<RolloutView>,
    rollout_listed: usize,
    /// The steps after those: how many and the hosts they are expected to fix, in words.
    rollout_rest: Option<(usize, String)>,
    next_fact_bits: Option<String>,
    next_fact_hosts: Option<String>,
    next_fact_share: Option<String>,
}

/// The rollout steps the Markdown report lists; the rest is one line (the HTML report's table
/// is sortable and has them all, as has the JSON). A fleet's expected fixes are spread thin —
/// on the sample fleet (tests/data/fleet) 44 of 78 fixes make up 90 % of the hosts fixed — so a share would not
/// shorten the list: the first ten are what a rollout plan starts with.
const ROLLOUT_LISTED: usize = 10;

#[derive(Debug, Serialize)]
struct RolloutView {
    fix: String,
    title: String,
    risk: Option<String>,
    expected: String,
    per_hour: String,
    success: String,
    cost: String,
}

fn bars<'a>(rows: impl Iterator<Item = (String, u64, u64)> + 'a) -> Vec<Bar> {
    let rows: Vec<(String, u64, u64)> = rows.take(CHART_BARS).collect();
    let longest = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    #[allow(clippy::cast_precision_loss)] // host counts far below 2^52
    let share = |n: u64| (n as f64 / longest as f64 * 1000.0).round() / 10.0;
    rows.into_iter()
        .map(|(label, hosts, confident)| Bar {
            label,
            hosts: count(hosts),
            confident: count(confident),
            confident_width: share(confident),
            ambiguous_width: share(hosts - confident),
        })
        .collect()
}

#[allow(clippy::cast_precision_loss)] // host counts far below 2^52
fn view(report: &FleetReport) -> View {
    let share = |part: u64, whole: u64| {
        if whole == 0 { percent(0.0) } else { percent(part as f64 / whole as f64) }
    };
    View {
        hosts: count(report.hosts),
        diagnosed: count(report.diagnosed),
        failed: count(report.failed),
        confident: count(report.confident),
        ambiguous: count(report.ambiguous),
        confident_share: share(report.confident, report.confident + report.ambiguous),
        cause_bars: bars(
            report.causes.iter().map(|c| {
                (c.title.clone().unwrap_or_else(|| c.cause.clone()), c.hosts, c.confident)
            }),
        ),
        symptom_bars: bars(
            report.symptoms.iter().map(|s| {
                (s.title.clone().unwrap_or_else(|| s.symptom.clone()), s.hosts, s.confident)
            }),
        ),
        rollout: report
            .rollout
            .iter()
            .map(|s| RolloutView {
                fix: s.fix.clone(),
                title: s.title.clone(),
                risk: s.risk.clone(),
                expected: amount(s.expected_hosts_fixed),
                per_hour: amount(s.hosts_per_hour),
                success: percent(s.success),
                cost: duration(s.cost_seconds),
            })
            .collect(),
        rollout_listed: ROLLOUT_LISTED,
        rollout_rest: (report.rollout.len() > ROLLOUT_LISTED).then(|| {
            let rest = &report.rollout[ROLLOUT_LISTED..];
            (rest.len(), amount(rest.iter().map(|s| s.expected_hosts_fixed).sum()))
        }),
        next_fact_bits: report.next_fact.as_ref().map(|f| amount(f.value.bits)),
        next_fact_hosts: report.next_fact.as_ref().map(|f| count(f.value.hosts)),
        next_fact_share: report.next_fact.as_ref().map(|f| share(f.value.hosts, report.ambiguous)),
    }
}

/// `{{ text | md }}`: plain text made inert in a Markdown document.
#[allow(clippy::unnecessary_wraps)] // the signature tera requires of a filter
fn md_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = match value {
        tera::Value::String(s) => s.clone(),
        tera::Value::Null => String::new(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(triage_renderers::markdown::escape_text(&text)))
}

/// `{{ n | n }}`: a count with thousands separators, an amount with one decimal (small) or
/// none (large).
#[allow(clippy::unnecessary_wraps)] // the signature tera requires of a filter
fn number_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = match value {
        tera::Value::Number(n) => match n.as_u64() {
            Some(whole) => count(whole),
            None => amount(n.as_f64().unwrap_or(0.0)),
        },
        other => other.to_string(),
    };
    Ok(tera::Value::String(text))
}

fn template_error(name: &str, error: &tera::Error) -> RenderError {
    RenderError::Template {
        name: name.to_string(),
        message: triage_renderers::guide::describe_tera(error),
    }
}

/// The report in `format`.
pub fn render(report: &FleetReport, format: Format) -> Result<String, RenderError> {
    let name = match format {
        Format::Json => return Ok(format!("{}\n", serde_json::to_string_pretty(report)?)),
        Format::Html => "report.html",
        Format::Markdown => "report.md",
    };
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.add_raw_templates(TEMPLATES).map_err(|e| template_error(name, &e))?;
    tera.register_filter("md", md_filter);
    tera.register_filter("n", number_filter);
    let mut context = tera::Context::new();
    context.insert("report", report);
    context.insert("view", &view(report));
    context.insert("generator", concat!("triage ", env!("CARGO_PKG_VERSION")));
    tera.render(name, &context).map_err(|e| template_error(name, &e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::read::Reader;

    /// More hosts than a page lists, in every group: each format renders, and says how many
    /// more there are.
    #[test]
    fn every_format_renders_groups_longer_than_the_page_lists() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp");
        let model = triage_rules::load_paths(&[path]).model.unwrap();
        let mut reader = Reader::new(None::<Vec<u8>>).unwrap();
        for i in 0..25 {
            let line = format!(
                r#"{{"host":"h{i}","symptoms":[{{"symptom":"rdp_0x904_0x7","weight":1.0}}],"causes":[{{"cause":"network_path_instability","probability":0.1}}],"unlisted":0.5,"next_question":null,"first_fix":null}}"#
            );
            reader.add_line(line.as_bytes()).unwrap();
            let line = line.replace("\"h", "\"g").replace("0.5,", "0.05,").replace("0.1}", "0.9}");
            reader.add_line(line.as_bytes()).unwrap();
        }
        let tally = reader.finish().unwrap();
        let kb = crate::KnowledgeBase { name: "rdp", model: &model, kb_option: "" };
        let report = FleetReport::new(&tally, kb, None);
        assert_eq!((report.unlisted.hosts, report.unlisted.listed_hosts.len()), (25, 20));
        let md = render(&report, Format::Markdown).unwrap();
        assert!(md.contains("and 5 more"), "{md}");
        assert!(md.contains("the first 20 of 25 hosts"), "{md}");
        let html = render(&report, Format::Html).unwrap();
        assert!(html.contains("First 20 of 25 hosts"), "{html}");
        let json: serde_json::Value =
            serde_json::from_str(&render(&report, Format::Json).unwrap()).unwrap();
        assert_eq!(json["causes"][0]["hosts"], 25);
        assert!(!report.rollout.is_empty());
    }

    /// The Markdown report lists the first ten rollout steps and sums up the rest; the HTML
    /// table and the JSON have every step.
    #[test]
    fn markdown_lists_the_first_rollout_steps_and_sums_up_the_rest() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let model = triage_rules::load_paths(&[root.join("knowledge/rdp")]).model.unwrap();
        let mut reader = Reader::new(None::<Vec<u8>>).unwrap();
        let lines = std::fs::read_to_string(root.join("tests/data/fleet/results.jsonl")).unwrap();
        for line in lines.lines() {
            reader.add_line(line.as_bytes()).unwrap();
        }
        let tally = reader.finish().unwrap();
        let kb = crate::KnowledgeBase { name: "rdp", model: &model, kb_option: "" };
        let report = FleetReport::new(&tally, kb, None);
        assert!(report.rollout.len() > ROLLOUT_LISTED, "the sample has {}", report.rollout.len());
        let md = render(&report, Format::Markdown).unwrap();
        let section =
            &md[md.find("## Rollout order").unwrap()..md.find("## Failed lines").unwrap()];
        let rows = section.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| #")).count();
        assert_eq!(rows, ROLLOUT_LISTED, "{section}");
        let rest = report.rollout.len() - ROLLOUT_LISTED;
        let hosts: f64 =
            report.rollout[ROLLOUT_LISTED..].iter().map(|s| s.expected_hosts_fixed).sum();
        let line =
            format!("Then {rest} more fixes, together expected to fix {} hosts", amount(hosts));
        assert!(section.contains(&line), "{section}");
        let html = render(&report, Format::Html).unwrap();
        let last = &report.rollout[report.rollout.len() - 1];
        assert!(html.contains(&format!("<code>{}</code>", last.fix)), "the HTML lists every step");
    }
}
