//! `triage-bench calibrate [--records N]`: `triage calibrate` on N outcome records (default
//! 100,000) of the RDP knowledge base, made from its own cases (each case's facts, a random
//! fifth of the asked ones forgotten, its expected cause confirmed), read from a JSON Lines
//! file as the command reads them: parse, diagnose, count, estimate, 5-fold validation.
//!
//! `triage-bench convergence [-o FILE]`: the synthetic world (`triage_learn::synthetic`) at
//! growing numbers of records: the mean distance of the estimates from the truth, and the
//! held-out log loss before and after the proposals, as a table and as the SVG plot of
//! docs/learning.md (`docs/learning-convergence.svg`).

// Counts and sizes become plot coordinates (far below 2^52); x, y, w, h and m are a plot's.
#![allow(clippy::cast_precision_loss, clippy::many_single_char_names)]

use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use triage_engine::Engine;
use triage_learn::calibrate::{self, estimate::Options, estimate::Subject};
use triage_learn::record::{FORMAT, FactSource, KbVersion, Record, RecordedFact, Tool};
use triage_learn::session;
use triage_learn::synthetic;

const TARGET_SECONDS: f64 = 10.0;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Records made from the RDP cases, cycling through them.
fn rdp_records(engine: &Engine, count: usize, version: &str) -> Result<Vec<String>, String> {
    let dir = repository().join("knowledge/rdp/cases");
    let mut cases = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let name = path.display().to_string();
        cases.extend(
            triage_engine::cases::parse(&name, &text, engine.model()).map_err(|e| e.to_string())?,
        );
    }
    let cases: Vec<_> = cases.into_iter().filter(|c| c.expected_top.is_some()).collect();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut lines = Vec::with_capacity(count);
    for n in 0..count {
        let case = &cases[n % cases.len()];
        let opening = case.opening.clone().unwrap_or_default();
        let mut facts = Vec::new();
        if let Some(object) = case.facts.as_object() {
            for (fact, value) in object {
                if fact == "symptom" {
                    continue;
                }
                let at_start = opening.contains_key(fact);
                if !at_start && rng.f64() < 0.2 {
                    continue;
                }
                let step = if at_start { 0 } else { facts.len() as u32 + 1 };
                facts.push(RecordedFact {
                    fact: fact.clone(),
                    value: value.clone(),
                    source: if at_start { FactSource::Given } else { FactSource::Asked },
                    step,
                });
            }
        }
        let record = Record {
            format: FORMAT.into(),
            id: format!("{n:016x}"),
            recorded_at: "2026-12-01T12:00:00Z".into(),
            tool: Tool::Ask,
            kb: KbVersion { name: "rdp".into(), version: version.into() },
            symptom: case.facts.get("symptom").and_then(|s| s.as_str()).map(str::to_string),
            facts,
            ranking: Vec::new(),
            unlisted: 0.0,
            fixes: Vec::new(),
            confirmed_cause: case.expected_top.clone(),
        };
        lines.push(serde_json::to_string(&record).map_err(|e| e.to_string())?);
    }
    Ok(lines)
}

pub fn calibrate_bench(args: &[String]) -> Result<(), String> {
    let mut count = 100_000;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--records" => {
                count = args
                    .next()
                    .and_then(|v| v.replace('_', "").parse().ok())
                    .ok_or("--records needs a number")?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    let mut kb = triage_rules::load_paths(&[repository().join("knowledge/rdp")]);
    let model = kb.model.take().ok_or("knowledge/rdp does not check")?;
    let engine = Engine::new(model);
    let lines = rdp_records(&engine, count, "sha256:bench")?;
    let file =
        std::env::temp_dir().join(format!("triage-bench-records-{}.jsonl", std::process::id()));
    std::fs::write(&file, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
    let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
    let started = Instant::now();
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let read = Instant::now();
    let lines: Vec<&str> = text.lines().collect();
    let model = engine.model();
    let sessions: Vec<_> = lines
        .par_iter()
        .filter_map(|line| {
            let (mut records, _) = triage_learn::record::read_records("bench", line);
            session::from_record(model, "rdp", &records.pop()?).ok()
        })
        .collect();
    let parsed = Instant::now();
    let calibration = calibrate::calibrate(&engine, &sessions, Options::default());
    let done = Instant::now();
    let _ = std::fs::remove_file(&file);
    let total = (done - started).as_secs_f64();
    println!(
        "calibrate: {count} records ({:.1} MB, {} sessions with a known cause) of knowledge/rdp",
        bytes as f64 / 1e6,
        sessions.len()
    );
    println!(
        "  read {:.2} s, parse {:.2} s, diagnose + count + estimate + 5-fold validation {:.2} s",
        (read - started).as_secs_f64(),
        (parsed - read).as_secs_f64(),
        (done - parsed).as_secs_f64()
    );
    println!(
        "  total {total:.2} s (target < {TARGET_SECONDS} s: {}); log loss {:.3}, held out {:.3} -> {:.3}",
        if total < TARGET_SECONDS { "met" } else { "MISSED" },
        calibration.summary.log_loss,
        calibration.validation.as_ref().map_or(f64::NAN, |v| v.before.log_loss),
        calibration.validation.as_ref().map_or(f64::NAN, |v| v.after.log_loss),
    );
    Ok(())
}

/// One point of the convergence plot.
struct Point {
    records: usize,
    /// Mean |estimate − truth| over the findings.
    estimate_error: f64,
    /// Mean |author − truth| over the findings.
    author_error: f64,
    before: f64,
    after: f64,
    /// Findings seen at least 100 times whose proposal is within 0.05 of the truth, of them.
    within: (usize, usize),
}

fn point(author: &Engine, truth: &Engine, records: usize, seed: u64) -> Point {
    let sessions: Vec<_> = synthetic::simulate(truth, records, seed, "sha256:synthetic")
        .iter()
        .filter_map(|r| session::from_record(author.model(), synthetic::NAME, r).ok())
        .collect();
    let calibration = calibrate::calibrate(author, &sessions, Options::default());
    let (a, t) = (author.model(), truth.model());
    let true_rate = |subject: Subject| match subject {
        Subject::Finding { cause, finding } => {
            let c = t.cause_id(&a.cause(cause).name)?;
            t.cause(c)
                .findings
                .iter()
                .find(|(f, _)| t.finding(*f).text == a.finding(finding).text)
                .map(|(_, r)| *r)
        }
        _ => None,
    };
    let mut estimate_error = 0.0;
    let mut author_error = 0.0;
    let mut within = (0, 0);
    let entries = &calibration.estimates.findings;
    for e in entries {
        let Some(rate) = true_rate(e.subject) else { continue };
        estimate_error += (e.mean - rate).abs();
        author_error += (e.author - rate).abs();
        if e.n >= 100 {
            within.1 += 1;
            within.0 += usize::from((e.proposed.unwrap_or(e.author) - rate).abs() <= 0.05);
        }
    }
    let n = entries.len().max(1) as f64;
    let v = calibration.validation.as_ref();
    Point {
        records,
        estimate_error: estimate_error / n,
        author_error: author_error / n,
        before: v.map_or(f64::NAN, |v| v.before.log_loss),
        after: v.map_or(f64::NAN, |v| v.after.log_loss),
        within,
    }
}

/// A panel: its title, the top of its y axis, and its series (label, colour, values).
type Panel<'a> = (&'a str, f64, Vec<(&'a str, &'a str, Vec<f64>)>);

/// Two panels side by side: mean error of the estimates (and the author's) against records
/// (log scale), and held-out log loss before and after.
fn svg(points: &[Point]) -> String {
    let (w, h, m) = (360.0, 260.0, 48.0);
    let max_records = points.iter().map(|p| p.records).max().unwrap_or(1) as f64;
    let min_records = points.iter().map(|p| p.records).min().unwrap_or(1) as f64;
    let x = |records: usize| {
        m + ((records as f64).ln() - min_records.ln())
            / (max_records.ln() - min_records.ln()).max(1e-9)
            * (w - 1.5 * m)
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{h}\" viewBox=\"0 0 {} {h}\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        2.0 * w,
        2.0 * w
    );
    let panels: [Panel<'_>; 2] = [
        (
            "mean |P − truth| over the findings",
            0.25,
            vec![
                ("estimate", "#1f77b4", points.iter().map(|p| p.estimate_error).collect()),
                ("author", "#d62728", points.iter().map(|p| p.author_error).collect()),
            ],
        ),
        (
            "held-out log loss (5 folds)",
            points.iter().map(|p| p.before.max(p.after)).fold(0.0, f64::max) * 1.1,
            vec![
                ("author's numbers", "#d62728", points.iter().map(|p| p.before).collect()),
                ("with the proposals", "#1f77b4", points.iter().map(|p| p.after).collect()),
            ],
        ),
    ];
    for (i, (title, top, series)) in panels.iter().enumerate() {
        let dx = i as f64 * w;
        let y = |v: f64| h - m - v / top * (h - 2.0 * m);
        let _ = writeln!(
            out,
            "<g transform=\"translate({dx} 0)\"><text x=\"{}\" y=\"20\" font-size=\"13\" text-anchor=\"middle\">{title}</text>\
             <line x1=\"{m}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/><line x1=\"{m}\" y1=\"{m}\" x2=\"{m}\" y2=\"{}\" stroke=\"#333\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">simulated records (log scale)</text>",
            w / 2.0,
            h - m,
            w - m / 2.0,
            h - m,
            h - m,
            w / 2.0,
            h - 10.0
        );
        for p in points {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                x(p.records),
                h - m + 14.0,
                p.records
            );
        }
        for k in 0..=4 {
            let v = top * f64::from(k) / 4.0;
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{v:.2}</text>",
                m - 4.0,
                y(v) + 3.0
            );
        }
        for (j, (label, colour, values)) in series.iter().enumerate() {
            let line: Vec<String> = points
                .iter()
                .zip(values)
                .map(|(p, v)| format!("{:.1},{:.1}", x(p.records), y(*v)))
                .collect();
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{colour}\">{label}</text>",
                line.join(" "),
                w - 150.0,
                40.0 + 14.0 * j as f64
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

pub fn convergence(args: &[String]) -> Result<(), String> {
    let mut output: Option<PathBuf> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-o" | "--output" => output = Some(args.next().ok_or("-o needs a file")?.into()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let author = Engine::new(synthetic::model(synthetic::AUTHOR_KB)?);
    let truth = Engine::new(synthetic::model(synthetic::TRUTH_KB)?);
    let points: Vec<Point> = [100, 200, 500, 1000, 2000, 5000, 10_000]
        .iter()
        .map(|&n| point(&author, &truth, n, 17))
        .collect();
    println!(
        "records  mean |estimate - truth|  mean |author - truth|  held-out log loss author -> proposals  seen >= 100 within 0.05"
    );
    for p in &points {
        println!(
            "{:>7}  {:>24.3}  {:>21.3}  {:>21.3} -> {:.3}  {:>10} of {}",
            p.records, p.estimate_error, p.author_error, p.before, p.after, p.within.0, p.within.1
        );
    }
    // One world is noisy: the target over ten worlds of 2,000 records, as the test checks it.
    let (mut within, mut seen, mut improved) = (0, 0, 0);
    for seed in 1..=10 {
        let p = point(&author, &truth, 2000, seed);
        within += p.within.0;
        seen += p.within.1;
        improved += usize::from(p.after < p.before);
    }
    println!(
        "ten worlds of 2000 records: {within} of {seen} proposals for findings seen >= 100 times within 0.05 of the truth; held-out log loss lower in {improved} of 10"
    );
    if let Some(path) = output {
        std::fs::write(&path, svg(&points)).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
