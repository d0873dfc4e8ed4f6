//! `triage-bench report [--lines N]`: what `triage report` costs on a fleet of N summary lines
//! (default 1,000,000): time and peak memory of one pass plus the HTML page, measured in a
//! fresh child process so the generation's memory is not counted. The lines are real
//! `triage batch` summaries: the RDP knowledge base's cases, and variants of each with one known
//! fact left out (thinner reports, as a fleet has them), one in 200 with a value of the wrong
//! type (an error record), diagnosed once and repeated with a distinct host name per line.

use crate::fleet::{case_lines, repository};
use std::io::{self, BufRead, BufReader, Write};
use std::time::Instant;
use triage_engine::Engine;
use triage_engine::batch::{BatchOptions, run};
use triage_engine::facts::FactReader;

/// The hidden child: `measure-report RESULTS`.
pub const HIDDEN_REPORT: &str = "measure-report";

/// The targets of the issue for 1,000,000 lines.
const TARGET_SECONDS: f64 = 10.0;
const TARGET_RSS_MB: f64 = 200.0;

/// Distinct fact sets diagnosed (then repeated): enough variety, a few seconds of `batch`.
const DISTINCT: usize = 10_000;

/// Fact sets: each case, then each case with its k-th known fact left out, cycled.
fn fact_sets(cases: &[String], count: usize) -> Result<Vec<String>, String> {
    let parsed: Vec<serde_json::Map<String, serde_json::Value>> = cases
        .iter()
        .map(|c| serde_json::from_str(c).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(count);
    let mut variant = 0usize;
    while out.len() < count {
        for (i, case) in parsed.iter().enumerate() {
            if out.len() >= count {
                break;
            }
            let mut facts = case.clone();
            let keys: Vec<String> = facts
                .keys()
                .filter(|k| !matches!(k.as_str(), "host" | "symptom"))
                .cloned()
                .collect();
            if variant > 0 && variant <= keys.len() {
                facts.remove(&keys[variant - 1]);
            } else if variant > keys.len() {
                // Past every single fact: two left out.
                for key in keys.iter().skip(variant % keys.len().max(1)).take(2) {
                    facts.remove(key);
                }
            }
            if (out.len() + 1) % 200 == 0 {
                facts.insert("client_os".into(), "amiga".into());
            }
            facts.insert("host".into(), format!("case-{i}-{variant}").into());
            out.push(serde_json::Value::Object(facts).to_string());
        }
        variant += 1;
    }
    Ok(out)
}

#[allow(clippy::cast_precision_loss)] // rates and sizes for people
pub fn report(args: &[String]) -> Result<(), String> {
    let mut count = 1_000_000usize;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" => {
                count = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--lines needs a number of lines")?;
            }
            other => {
                return Err(format!("unknown argument `{other}`: triage-bench report [--lines N]"));
            }
        }
    }
    let mut kb = triage_rules::load_paths(&[repository().join("knowledge/rdp")]);
    let model = kb.model.take().ok_or("knowledge/rdp does not check")?;
    let engine = Engine::new(model);
    let reader = FactReader::new(engine.model());
    let cases = case_lines(&engine)?;
    let facts = fact_sets(&cases, DISTINCT.min(count))?;
    eprintln!("diagnosing {} distinct fact sets with triage batch…", facts.len());
    let input = facts.join("\n") + "\n";
    let mut summaries = Vec::new();
    let batch = run(
        &engine,
        &reader,
        &BatchOptions::default(),
        io::Cursor::new(input.as_bytes()),
        &mut summaries,
        |_| {},
    )
    .map_err(|e| e.to_string())?;
    let summaries: Vec<serde_json::Value> = summaries
        .lines()
        .map(|l| {
            l.map_err(|e| e.to_string())
                .and_then(|l| serde_json::from_str(&l).map_err(|e| e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let path = repository().join("target/bench-report.jsonl");
    let mut file = io::BufWriter::new(
        std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    let mut bytes = 0usize;
    for (i, record) in summaries.iter().cycle().take(count).enumerate() {
        let mut record = record.clone();
        if record.get("host").is_some() {
            record["host"] = format!("host-{i:07}").into();
        }
        let line = record.to_string();
        bytes += line.len() + 1;
        writeln!(file, "{line}").map_err(|e| e.to_string())?;
    }
    file.flush().map_err(|e| e.to_string())?;
    drop(file);
    println!(
        "{count} summary lines ({:.0} bytes a line, {} MB) from {} distinct fact sets ({} failed in batch)",
        bytes as f64 / count as f64,
        bytes / 1_000_000,
        facts.len(),
        batch.failed
    );
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let output = std::process::Command::new(exe)
        .arg(HIDDEN_REPORT)
        .arg(&path)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "measuring failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut lines = stdout.lines();
    let figures = lines.next().unwrap_or_default();
    let headline = lines.next().unwrap_or_default();
    let mut fields = figures.split('\t').map(str::parse::<f64>);
    let (Some(Ok(seconds)), Some(Ok(rss_kb))) = (fields.next(), fields.next()) else {
        return Err(format!("unexpected output from the child: {stdout:?}"));
    };
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let mb = rss_kb / 1024.0;
    println!("| lines | seconds | lines/s | peak RSS |");
    println!("|---|---|---|---|");
    println!(
        "| {count} | {seconds:.2} {} | {:.0} | {mb:.1} MB {} |",
        mark(count < 1_000_000 || seconds < TARGET_SECONDS),
        count as f64 / seconds,
        mark(mb < TARGET_RSS_MB)
    );
    println!("targets at 1,000,000 lines: < {TARGET_SECONDS} s, < {TARGET_RSS_MB} MB");
    println!("headline: {headline}");
    Ok(())
}

/// The child: one pass over `RESULTS` with the hosts CSV written, the report built and
/// rendered as HTML; prints seconds and peak RSS (KiB), then the headline.
pub fn measure_report(args: &[String]) -> Result<(), String> {
    let [path] = args else { return Err(format!("usage: triage-bench {HIDDEN_REPORT} RESULTS")) };
    let mut kb = triage_rules::load_paths(&[repository().join("knowledge/rdp")]);
    let model = kb.model.take().ok_or("knowledge/rdp does not check")?;
    let started = Instant::now();
    let csv_path = repository().join("target/bench-report-hosts.csv");
    let csv = io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&csv_path).map_err(|e| format!("{}: {e}", csv_path.display()))?,
    );
    let mut reader = triage_fleet::read::Reader::new(Some(csv)).map_err(|e| e.to_string())?;
    let input: Box<dyn BufRead> = Box::new(BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?,
    ));
    triage_fleet::read::read_source(&mut reader, path, input, triage_engine::batch::MAX_LINE_BYTES)
        .map_err(|e| e.to_string())?;
    let tally = reader.finish().map_err(|e| e.to_string())?;
    let kb = triage_fleet::KnowledgeBase { name: "rdp", model: &model, kb_option: "" };
    let report = triage_fleet::FleetReport::new(&tally, kb, Some("bench-report-hosts.csv".into()));
    let html = triage_fleet::render::render(&report, triage_fleet::render::Format::Html)
        .map_err(|e| e.to_string())?;
    let page = repository().join("target/bench-report.html");
    std::fs::write(&page, html).map_err(|e| format!("{}: {e}", page.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    println!("{seconds}\t{}", crate::peak_rss_kb()?);
    println!("{}", report.headline);
    Ok(())
}
