//! `triage-bench engine`: the inference engine on the peer-engine workload, one table:
//! load (parse + check + compile), per-fact-set diagnosis latency (median, p99), batch
//! throughput next to merely parsing the same JSON Lines, and peak RSS. Each size runs in a
//! fresh child process so its peak RSS is its own.
//!
//! `triage-bench stream`: batch triage of a 1 GB synthetic input (a sample of fact sets
//! repeated, never written to disk) after a 100 MB one, with the peak RSS after each: memory
//! must not grow with the input.

use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use triage_engine::{Engine, FactReader};

pub const HIDDEN_ENGINE: &str = "measure-engine";

/// Latency targets (µs) by number of causes, from the issue.
fn latency_target_us(n: usize) -> Option<f64> {
    match n {
        100 => Some(1.3),
        1_000 => Some(5.0),
        10_000 => Some(40.0),
        100_000 => Some(100.0),
        _ => None,
    }
}

/// Fact sets per size: 10,000, and 1,000 at 100k causes (each line is ~0.5 MB there).
fn fact_sets(n: usize) -> usize {
    if n >= 100_000 { 1_000 } else { 10_000 }
}

pub fn engine(sizes: &[usize]) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut rows = Vec::new();
    for &n in sizes {
        let count = fact_sets(n);
        eprintln!("N = {n}: preparing the workload ({count} fact sets)…");
        let w = triage_bench::workload(n, count).map_err(|e| e.to_string())?;
        eprintln!("N = {n}: measuring in a child process…");
        let output = Command::new(&exe)
            .arg(HIDDEN_ENGINE)
            .arg(&w.kb_path)
            .arg(&w.facts_path)
            .arg(count.to_string())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !output.status.success() {
            return Err(format!(
                "measuring N = {n} failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default().to_string();
        let values: Vec<f64> = line.split('\t').filter_map(|f| f.parse().ok()).collect();
        if values.len() != 9 {
            return Err(format!("unexpected output from the child: {line:?}"));
        }
        rows.push((n, count, values));
    }
    print_table(&rows);
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn print_table(rows: &[(usize, usize, Vec<f64>)]) {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    println!(
        "triage-bench engine: the gen.py workload (the peers' workload); each size in a fresh process"
    );
    println!(
        "{:>8} {:>6} {:>9} {:>12} {:>10} {:>11} {:>12} {:>12} {:>7} {:>9}",
        "N causes",
        "sets",
        "load ms",
        "median µs",
        "p99 µs",
        "+words µs",
        "batch set/s",
        "parse set/s",
        "ratio",
        "RSS MB"
    );
    for (n, count, v) in rows {
        let (load_ms, median, p99, words, batch, parse, peak_kib) =
            (v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        let latency = match latency_target_us(*n) {
            Some(target) => format!("{median:.2} {}", mark(median <= target)),
            None => format!("{median:.2}"),
        };
        let ratio = parse / batch;
        let load = if *n == 100_000 {
            format!("{load_ms:.0} {}", mark(load_ms < 1000.0))
        } else {
            format!("{load_ms:.1}")
        };
        let megabytes = peak_kib / 1024.0;
        let rss = if *n == 100_000 {
            format!("{megabytes:.0} {}", mark(megabytes < 300.0))
        } else {
            format!("{megabytes:.0}")
        };
        println!(
            "{n:>8} {count:>6} {load:>9} {latency:>12} {p99:>10.2} {words:>11.2} {batch:>12.0} {parse:>12.0} {:>7} {rss:>9}",
            format!("{ratio:.2} {}", mark(ratio <= 1.2)),
        );
    }
    println!(
        "targets: median ≤ 1.3 / 5 / 40 / 100 µs at 100 / 1k / 10k / 100k causes; parse/batch ratio ≤ 1.2; load < 1000 ms and RSS < 300 MB at 100k"
    );
    println!(
        "load: parse + check + compile. median/p99: parsed facts → ranked causes with their evidence (Engine::diagnose);"
    );
    println!(
        "+words: the same plus the report with every explanation written out. batch: `triage batch` on the same lines"
    );
    println!(
        "(parse, diagnose, write JSON; all cores); parse: serde_json parsing the same lines into a Value on all cores."
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let fields: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "load average after the run: {}; {} cores.",
            fields.join(" "),
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
        );
    }
}

/// Byte length of the first `count` lines of a file.
fn prefix_len(path: &Path, count: usize) -> Result<u64, String> {
    let mut reader =
        BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(|e| e.to_string())?);
    let mut total = 0u64;
    let mut line = Vec::new();
    for _ in 0..count {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
        if read == 0 {
            break;
        }
        total += read as u64;
    }
    Ok(total)
}

fn open_prefix(path: &Path, bytes: u64) -> Result<impl BufRead + Send, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(BufReader::with_capacity(1 << 20, file.take(bytes)))
}

/// Reads lines in chunks, as `triage batch` does, and hands each chunk to `work`.
fn for_each_chunk(mut input: impl BufRead, mut work: impl FnMut(&[&[u8]])) -> Result<(), String> {
    use triage_engine::batch::{CHUNK_LINES, MAX_LINE_BYTES, read_chunk};
    let mut chunk = Vec::with_capacity(CHUNK_LINES);
    loop {
        read_chunk(&mut input, &mut chunk, MAX_LINE_BYTES).map_err(|e| e.to_string())?;
        if chunk.is_empty() {
            return Ok(());
        }
        let lines: Vec<&[u8]> = chunk.iter().filter_map(|line| line.text()).collect();
        work(&lines);
    }
}

/// The child: `measure-engine KB FACTS COUNT`. Prints: load ms, median µs, p99 µs, median µs
/// with words, batch sets/s, parse sets/s, peak RSS KiB, sets, and 0.
#[allow(clippy::cast_precision_loss)]
pub fn measure_engine(args: &[String]) -> Result<(), String> {
    let [kb, facts, count] = args else {
        return Err(format!("usage: triage-bench {HIDDEN_ENGINE} KB FACTS COUNT"));
    };
    let count: usize = count.parse().map_err(|_| format!("`{count}` is not a count"))?;
    let facts_path = Path::new(facts);
    let text = std::fs::read_to_string(kb).map_err(|e| format!("{kb}: {e}"))?;

    let start = Instant::now();
    let loaded = triage_rules::load_text(kb.as_str(), text);
    let model = loaded.model.ok_or_else(|| format!("{kb} has errors"))?;
    // The engine never needs the source text: free it before compiling.
    drop(loaded.sources);
    let engine = Engine::new(model);
    let load = start.elapsed();
    eprintln!("peak RSS after load: {} KiB", crate::peak_rss_kb()?);
    let reader = FactReader::new(engine.model());
    let bytes = prefix_len(facts_path, count)?;

    // Latency: each fact set parsed (not timed), then diagnosed (timed).
    let mut latencies: Vec<Duration> = Vec::with_capacity(count);
    let mut with_words: Vec<Duration> = Vec::with_capacity(count);
    for_each_chunk(open_prefix(facts_path, bytes)?, |chunk| {
        for line in chunk {
            let Ok(text) = std::str::from_utf8(line) else { continue };
            let Ok(facts) = reader.read_json(text) else { continue };
            let t = Instant::now();
            let diagnosis = engine.diagnose(&facts);
            latencies.push(t.elapsed());
            std::hint::black_box(diagnosis);
            let t = Instant::now();
            let diagnosis = engine.diagnose(&facts);
            let report = triage_engine::report::Report::new(
                &engine,
                &facts,
                &diagnosis,
                triage_engine::report::ReportOptions {
                    words: true,
                    ..triage_engine::report::ReportOptions::RANKING
                },
            );
            with_words.push(t.elapsed());
            std::hint::black_box((diagnosis, report));
        }
    })?;
    if latencies.len() != count {
        return Err(format!("only {} of {count} fact sets were read and valid", latencies.len()));
    }
    latencies.sort_unstable();
    with_words.sort_unstable();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let median = micros(latencies[latencies.len() / 2]);
    let p99 = micros(latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)]);
    let words = micros(with_words[with_words.len() / 2]);

    eprintln!("peak RSS after the latency runs: {} KiB", crate::peak_rss_kb()?);
    // Parse only, on all cores, in the same chunks.
    let t = Instant::now();
    for_each_chunk(open_prefix(facts_path, bytes)?, |chunk| {
        let parsed: usize = chunk
            .par_iter()
            .filter(|line| serde_json::from_slice::<serde_json::Value>(line).is_ok())
            .count();
        std::hint::black_box(parsed);
    })?;
    let parse_rate = count as f64 / t.elapsed().as_secs_f64();

    eprintln!("peak RSS after parse-only: {} KiB", crate::peak_rss_kb()?);
    // Batch triage, output discarded.
    let t = Instant::now();
    let summary = triage_engine::batch::run(
        &engine,
        &reader,
        &triage_engine::batch::BatchOptions {
            detail: triage_engine::batch::Detail::Full { words: false },
            ..triage_engine::batch::BatchOptions::default()
        },
        open_prefix(facts_path, bytes)?,
        std::io::sink(),
        |_| {},
    )
    .map_err(|e| e.to_string())?;
    let batch_rate = summary.lines as f64 / t.elapsed().as_secs_f64();
    if summary.failed > 0 {
        return Err(format!("{} lines failed in batch", summary.failed));
    }

    println!(
        "{:.3}\t{median:.3}\t{p99:.3}\t{words:.3}\t{batch_rate:.1}\t{parse_rate:.1}\t{}\t{count}\t0",
        load.as_secs_f64() * 1000.0,
        crate::peak_rss_kb()?
    );
    Ok(())
}

/// An endless input made of a sample of lines, `limit` bytes long.
struct Repeat {
    sample: Vec<u8>,
    position: usize,
    left: u64,
}

impl Read for Repeat {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 || self.sample.is_empty() {
            return Ok(0);
        }
        let available = &self.sample[self.position..];
        let n =
            available.len().min(buf.len()).min(usize::try_from(self.left).unwrap_or(usize::MAX));
        buf[..n].copy_from_slice(&available[..n]);
        self.position = (self.position + n) % self.sample.len();
        self.left -= n as u64;
        Ok(n)
    }
}

/// `triage-bench stream`: see the module note. Uses the 1k-cause workload (lines of ~4 KB).
#[allow(clippy::cast_precision_loss)]
pub fn stream() -> Result<(), String> {
    let w = triage_bench::workload(1_000, 2_000).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&w.kb_path).map_err(|e| e.to_string())?;
    let model = triage_rules::load_text("kb.kb", text).model.ok_or("the workload has errors")?;
    let engine = Engine::new(model);
    let reader = FactReader::new(engine.model());
    let sample_len = prefix_len(&w.facts_path, 2_000)?;
    let mut sample = Vec::new();
    open_prefix(&w.facts_path, sample_len)?.read_to_end(&mut sample).map_err(|e| e.to_string())?;
    println!(
        "triage-bench stream: triage batch over synthetic JSON Lines (2,000 fact sets of the 1k workload, repeated)"
    );
    println!("{:>10} {:>12} {:>10} {:>14}", "input MB", "lines", "seconds", "peak RSS MB");
    for megabytes in [100u64, 1_000] {
        let input = BufReader::with_capacity(
            1 << 20,
            Repeat { sample: sample.clone(), position: 0, left: megabytes * 1_000_000 },
        );
        let t = Instant::now();
        let summary = triage_engine::batch::run(
            &engine,
            &reader,
            &triage_engine::batch::BatchOptions {
                detail: triage_engine::batch::Detail::Full { words: false },
                ..triage_engine::batch::BatchOptions::default()
            },
            input,
            std::io::sink(),
            |_| {},
        )
        .map_err(|e| e.to_string())?;
        println!(
            "{megabytes:>10} {:>12} {:>10.1} {:>14.1}",
            summary.lines,
            t.elapsed().as_secs_f64(),
            crate::peak_rss_kb()? as f64 / 1024.0
        );
    }
    println!(
        "peak RSS is the process high-water mark: equal rows mean memory did not grow with the input."
    );
    Ok(())
}

/// `profile-diagnose KB FACTS SECONDS`: diagnoses the first 1,000 fact sets over and over,
/// for a profiler to look at `Engine::diagnose` alone.
pub fn profile_diagnose(args: &[String]) -> Result<(), String> {
    let [kb, facts, seconds] = args else {
        return Err("usage: triage-bench profile-diagnose KB FACTS SECONDS".into());
    };
    let seconds: f64 = seconds.parse().map_err(|_| format!("`{seconds}` is not a number"))?;
    let text = std::fs::read_to_string(kb).map_err(|e| format!("{kb}: {e}"))?;
    let model = triage_rules::load_text(kb.as_str(), text)
        .model
        .ok_or_else(|| format!("{kb} has errors"))?;
    let engine = Engine::new(model);
    let reader = FactReader::new(engine.model());
    let path = Path::new(facts);
    let mut sets = Vec::new();
    for_each_chunk(open_prefix(path, prefix_len(path, 1_000)?)?, |chunk| {
        sets.extend(
            chunk.iter().filter_map(|l| reader.read_json(std::str::from_utf8(l).ok()?).ok()),
        );
    })?;
    let start = Instant::now();
    let mut rounds = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for facts in &sets {
            std::hint::black_box(engine.diagnose(facts));
        }
        rounds += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let per = start.elapsed().as_secs_f64() * 1e6 / (rounds as f64 * sets.len() as f64);
    println!("{per:.3} µs per diagnosis over {rounds} rounds of {} fact sets", sets.len());
    Ok(())
}
