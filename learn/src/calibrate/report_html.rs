//! The calibration report as one self-contained HTML page (`calibrate --report DIR` writes
//! `DIR/index.html`): the headline scores, the reliability diagram as inline SVG, the held-out
//! validation and the tables of numbers where the data disagree with the author. No script, no
//! external asset; every text that is not markup goes through [`escape`].

use super::Calibration;
use super::estimate::Entry;
use super::metrics::BINS;
use std::fmt::Write as _;
use triage_engine::explain::percent;
use triage_renderers::guide::escape_html as escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}\
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}\
td:first-child,th:first-child{text-align:left}tr.beyond td{background:#fff3cd}.warn{color:#8a4b00}";

/// The reliability diagram: predicted probability (x) against observed frequency (y) per bin,
/// each point labelled with its count, and the diagonal of perfect calibration.
#[allow(clippy::cast_precision_loss, clippy::many_single_char_names)] // counts far below 2^52; x, y, w, h, m as in a plot
fn reliability_svg(calibration: &Calibration) -> String {
    let (w, h, m) = (420.0, 420.0, 40.0);
    let x = |p: f64| m + p * (w - 2.0 * m);
    let y = |p: f64| h - m - p * (h - 2.0 * m);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"reliability diagram\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">"
    );
    let _ = write!(
        svg,
        "<rect x=\"{m}\" y=\"{m}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\
         <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#bbb\" stroke-dasharray=\"4\"/>",
        w - 2.0 * m,
        h - 2.0 * m,
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0)
    );
    for tick in 0..=5 {
        let p = f64::from(tick) / 5.0;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{p:.1}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{p:.1}</text>",
            x(p),
            h - m + 15.0,
            m - 5.0,
            y(p) + 4.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">predicted probability</text>\
         <text x=\"12\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 {})\">observed frequency</text>",
        w / 2.0,
        h - 8.0,
        h / 2.0,
        h / 2.0
    );
    let mut points = Vec::new();
    for bin in calibration.scores.bins.iter().filter(|b| b.count > 0) {
        let predicted = bin.predicted / bin.count as f64;
        let observed = bin.observed as f64 / bin.count as f64;
        points.push(format!("{:.1},{:.1}", x(predicted), y(observed)));
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#1f77b4\"><title>predicted {:.3}, observed {:.3}, {} pairs</title></circle>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            x(predicted),
            y(observed),
            predicted,
            observed,
            bin.count,
            x(predicted) + 6.0,
            y(observed) - 6.0,
            bin.count
        );
    }
    if points.len() > 1 {
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f77b4\"/>",
            points.join(" ")
        );
    }
    svg.push_str("</svg>");
    svg
}

fn table(out: &mut String, title: &str, entries: &[Entry]) {
    let _ = write!(out, "<h2>{}</h2>", escape(title));
    if entries.is_empty() {
        out.push_str("<p>No session informs these numbers.</p>");
        return;
    }
    out.push_str(
        "<table><thead><tr><th>number</th><th>author</th><th>sessions</th><th>showing it</th>\
         <th>estimate</th><th>95&#160;% interval</th><th>beyond noise</th><th>proposed</th></tr></thead><tbody>",
    );
    for e in entries {
        let _ = write!(
            out,
            "<tr{}><td>{}</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3} – {:.3}</td><td>{}</td><td>{}</td></tr>",
            if e.beyond_noise { " class=\"beyond\"" } else { "" },
            escape(&e.label),
            e.author,
            e.n,
            e.k,
            e.mean,
            e.low,
            e.high,
            if e.beyond_noise { "yes" } else { "no" },
            e.proposed.map_or_else(|| "–".to_string(), |p| format!("{p:.3}")),
        );
    }
    out.push_str("</tbody></table>");
}

/// The whole page. `title` names the knowledge base; `warnings` are shown at the top.
#[must_use]
pub fn render(calibration: &Calibration, title: &str, warnings: &[String]) -> String {
    let s = &calibration.summary;
    let mut out = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        out,
        "<title>Calibration of {}</title><style>{STYLE}</style></head><body><h1>Calibration of {}</h1>",
        escape(title),
        escape(title)
    );
    for warning in warnings {
        let _ = write!(out, "<p class=\"warn\">{}</p>", escape(warning));
    }
    let _ = write!(
        out,
        "<table><tbody><tr><td>sessions</td><td>{}</td></tr><tr><td>log loss (mean −ln P(true cause))</td><td>{:.3}</td></tr>\
         <tr><td>Brier score</td><td>{:.3}</td></tr><tr><td>top-1</td><td>{}</td></tr><tr><td>top-3</td><td>{}</td></tr>\
         <tr><td>prior strength (pseudo-sessions)</td><td>{}</td></tr></tbody></table>",
        s.sessions,
        s.log_loss,
        s.brier,
        escape(&percent(s.top1)),
        escape(&percent(s.top3)),
        calibration.strength
    );
    let _ = write!(
        out,
        "<h2>Reliability</h2><p>Each point is one of {BINS} equal bins of the predicted probability of every (session, cause) pair, \
         the unlisted cause included; the label is the number of pairs.</p>{}",
        reliability_svg(calibration)
    );
    out.push_str("<h2>Held-out validation</h2>");
    match &calibration.validation {
        Some(v) => {
            let _ = write!(
                out,
                "<table><thead><tr><th>{} folds</th><th>log loss</th><th>Brier</th><th>top-1</th></tr></thead><tbody>\
                 <tr><td>as written</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>\
                 <tr><td>with the other folds' proposals</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr></tbody></table>",
                v.folds,
                v.before.log_loss,
                v.before.brier,
                escape(&percent(v.before.top1)),
                v.after.log_loss,
                v.after.brier,
                escape(&percent(v.after.top1)),
            );
        }
        None => out.push_str("<p>Too few sessions for the folds.</p>"),
    }
    table(&mut out, "Findings: P(finding | cause)", &calibration.estimates.findings);
    table(&mut out, "Cause priors", &calibration.estimates.priors);
    table(&mut out, "Fix success rates", &calibration.estimates.fixes);
    table(&mut out, "Symptom frequencies (shares)", &calibration.estimates.frequencies);
    out.push_str("</body></html>\n");
    out
}
