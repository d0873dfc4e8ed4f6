//! `triage-bench load [--sizes 100,1000,10000,100000] [--runs K]`: one table of how long
//! parse + check + decision graph take on the generated workloads, and the peak memory.
//! `triage-bench engine [--sizes …]`: diagnosis latency, batch throughput and memory (see
//! `engine_bench`). `triage-bench stream`: batch memory on a 1 GB input. `triage-bench fleet`:
//! batch throughput and record size, summary against full, on the RDP knowledge base's cases
//! (see `fleet`). `triage-bench report`: `triage report` over 1,000,000
//! summary lines (see `report_bench`).
//!
//! Each size is measured in a fresh child process (this binary again, with the hidden
//! `measure-load` subcommand), so the peak RSS of one size does not include another's.

mod engine_bench;
mod fleet;
mod learning;
mod report_bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;
use triage_bench::{Timings, compile, workload};

const DEFAULT_SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];
/// The targets apply to the largest workload of the issue.
const TARGET_N: usize = 100_000;
const TARGET_TOTAL_MS: f64 = 2000.0;
const TARGET_RSS_MB: f64 = 300.0;
const HIDDEN: &str = "measure-load";

const USAGE: &str = "usage: triage-bench load [--sizes 100,1000,10000,100000] [--runs K]
       triage-bench engine [--sizes 100,1000,10000,100000]
       triage-bench stream
       triage-bench fleet [--lines N]
       triage-bench report [--lines N]
       triage-bench calibrate [--records N]
       triage-bench convergence [-o docs/learning-convergence.svg]

Generates the workloads with benches/workload/gen.py (cached in target/bench-workload/N/),
converts kb.json to .kb, then times parse + check + decision graph for each size in a fresh
process: median of K runs (default: more runs for small sizes), and the peak RSS.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("load") => load(&args[1..]),
        Some(HIDDEN) => measure(&args[1..]),
        Some("engine") => parse_options(&args[1..]).and_then(|o| engine_bench::engine(&o.sizes)),
        Some(engine_bench::HIDDEN_ENGINE) => engine_bench::measure_engine(&args[1..]),
        Some("stream") => engine_bench::stream(),
        Some("fleet") => fleet::fleet(&args[1..]),
        Some("report") => report_bench::report(&args[1..]),
        Some(report_bench::HIDDEN_REPORT) => report_bench::measure_report(&args[1..]),
        Some("calibrate") => learning::calibrate_bench(&args[1..]),
        Some("convergence") => learning::convergence(&args[1..]),
        Some("profile-diagnose") => engine_bench::profile_diagnose(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("triage-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    sizes: Vec<usize>,
    runs: Option<usize>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options { sizes: DEFAULT_SIZES.to_vec(), runs: None };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let mut value = || {
            inline.clone().or_else(|| args.next().cloned()).ok_or(format!("{flag} needs a value"))
        };
        match flag {
            "--sizes" => {
                options.sizes =
                    value()?.split(',').map(|s| parse_size(s.trim())).collect::<Result<_, _>>()?;
            }
            "--runs" => {
                let runs = value()?;
                options.runs = Some(
                    runs.parse()
                        .ok()
                        .filter(|r| *r > 0)
                        .ok_or(format!("--runs: `{runs}` is not a count"))?,
                );
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(options)
}

/// `100`, `1000`, `1k`, `100k`.
fn parse_size(s: &str) -> Result<usize, String> {
    let (digits, scale) = match s.strip_suffix(['k', 'K']) {
        Some(d) => (d, 1000),
        None => (s, 1),
    };
    digits
        .replace('_', "")
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n * scale)
        .ok_or(format!("--sizes: `{s}` is not a number of causes"))
}

/// Runs per size when not given: enough for a stable median, about a second or two each.
fn default_runs(n: usize) -> usize {
    match n {
        0..=1_000 => 51,
        1_001..=10_000 => 15,
        _ => 5,
    }
}

/// What a child reports for one size.
struct Measured {
    median: Timings,
    median_total: Duration,
    /// The first run of the fresh process: cold caches, the heap not grown yet (what one
    /// `triage check` sees).
    first_total: Duration,
    /// `VmHWM` after the first run, and at the end of all runs.
    first_rss_kb: u64,
    peak_rss_kb: u64,
    diagnostics: String,
}

fn load(args: &[String]) -> Result<(), String> {
    let options = parse_options(args)?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut rows = Vec::new();
    for &n in &options.sizes {
        eprintln!("N = {n}: preparing the workload…");
        let w = workload(n, 0).map_err(|e| e.to_string())?;
        let bytes = std::fs::metadata(&w.kb_path)
            .map_err(|e| format!("{}: {e}", w.kb_path.display()))?
            .len();
        let runs = options.runs.unwrap_or_else(|| default_runs(n));
        eprintln!("N = {n}: measuring {runs} runs in a child process…");
        let measured = run_child(&exe, &w.kb_path, runs)?;
        rows.push((n, bytes, runs, measured));
    }
    print_table(&rows);
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let fields: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "load average (1, 5, 15 min) after the run: {}; {} cores. Other work on the machine slows the times.",
            fields.join(" "),
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
        );
    }
    Ok(())
}

fn run_child(exe: &Path, kb: &Path, runs: usize) -> Result<Measured, String> {
    let output = Command::new(exe)
        .arg(HIDDEN)
        .arg(kb)
        .arg(runs.to_string())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "measuring {} failed ({}):\n{}{}",
            kb.display(),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let line = stdout.lines().last().unwrap_or_default();
    let mut fields = line.split('\t');
    let mut next_u64 = || {
        fields
            .next()
            .and_then(|f| f.parse::<u64>().ok())
            .ok_or(format!("unexpected output from the child: {line:?}"))
    };
    let median = Timings {
        parse: Duration::from_nanos(next_u64()?),
        check: Duration::from_nanos(next_u64()?),
        graph: Duration::from_nanos(next_u64()?),
    };
    let median_total = Duration::from_nanos(next_u64()?);
    let first_total = Duration::from_nanos(next_u64()?);
    let first_rss_kb = next_u64()?;
    let peak_rss_kb = next_u64()?;
    let diagnostics = fields.next().unwrap_or_default().to_string();
    Ok(Measured { median, median_total, first_total, first_rss_kb, peak_rss_kb, diagnostics })
}

/// The hidden child: `measure-load KB RUNS`. Prints one tab-separated line: median parse,
/// check, graph and total nanoseconds, the first run's total, peak RSS (KiB) after the first
/// run and at the end, and the diagnostic codes.
fn measure(args: &[String]) -> Result<(), String> {
    let [path, runs] = args else {
        return Err(format!("usage: triage-bench {HIDDEN} KB RUNS"));
    };
    let runs: usize =
        runs.parse().ok().filter(|r| *r > 0).ok_or(format!("`{runs}` is not a count of runs"))?;
    let text = std::fs::read_to_string(PathBuf::from(path)).map_err(|e| format!("{path}: {e}"))?;
    // The first run is the cold one (and a warm-up for the others); it also checks the workload.
    let compiled = compile(&text);
    let first_total = compiled.timings.total();
    let first_rss_kb = peak_rss_kb()?;
    if compiled.error_count() > 0 {
        let first: Vec<String> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .take(5)
            .map(|d| d.kind.message())
            .collect();
        return Err(format!(
            "{path}: {} errors, first: {}",
            compiled.error_count(),
            first.join("; ")
        ));
    }
    let codes: Vec<String> =
        compiled.codes().iter().map(|(code, count)| format!("{code}×{count}")).collect();
    drop(compiled);
    let mut samples: Vec<Timings> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let compiled = compile(&text);
        samples.push(compiled.timings);
        drop(std::hint::black_box(compiled));
    }
    let median_of = |f: fn(&Timings) -> Duration| {
        let mut v: Vec<Duration> = samples.iter().map(f).collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    let nanos = |d: Duration| d.as_nanos();
    println!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        nanos(median_of(|t| t.parse)),
        nanos(median_of(|t| t.check)),
        nanos(median_of(|t| t.graph)),
        nanos(median_of(Timings::total)),
        nanos(first_total),
        first_rss_kb,
        peak_rss_kb()?,
        if codes.is_empty() { "none".to_string() } else { codes.join(" ") }
    );
    Ok(())
}

/// `VmHWM` of this process, in KiB.
pub(crate) fn peak_rss_kb() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM line in /proc/self/status".to_string())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[allow(clippy::cast_precision_loss)] // sizes in bytes and KiB are far below 2^52
fn print_table(rows: &[(usize, u64, usize, Measured)]) {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let time_target = |n: usize, ms: f64| {
        if n == TARGET_N {
            format!("{ms:.1} {}", mark(ms < TARGET_TOTAL_MS))
        } else {
            format!("{ms:.2}")
        }
    };
    let rss_target = |n: usize, mb: f64| {
        if n == TARGET_N {
            format!("{mb:.1} {}", mark(mb < TARGET_RSS_MB))
        } else {
            format!("{mb:.1}")
        }
    };
    println!(
        "triage-bench load: parse + check + graph of the gen.py workload; each size in a fresh process"
    );
    println!(
        "targets at N = {TARGET_N}: total < {TARGET_TOTAL_MS:.0} ms, peak RSS < {TARGET_RSS_MB:.0} MB"
    );
    println!(
        "{:>9} {:>7} {:>9} {:>9} {:>9} {:>11} {:>11} {:>12} {:>12} {:>5}",
        "N causes",
        ".kb MB",
        "parse ms",
        "check ms",
        "graph ms",
        "total ms",
        "1st run ms",
        "RSS 1st MB",
        "peak RSS MB",
        "runs"
    );
    for (n, bytes, runs, m) in rows {
        println!(
            "{:>9} {:>7.2} {:>9.2} {:>9.2} {:>9.2} {:>11} {:>11} {:>12} {:>12} {:>5}",
            n,
            *bytes as f64 / 1_000_000.0,
            ms(m.median.parse),
            ms(m.median.check),
            ms(m.median.graph),
            time_target(*n, ms(m.median_total)),
            time_target(*n, ms(m.first_total)),
            rss_target(*n, m.first_rss_kb as f64 / 1024.0),
            rss_target(*n, m.peak_rss_kb as f64 / 1024.0),
            runs
        );
    }
    println!(
        "parse/check/graph/total: median of the runs after the first; 1st run: the cold first load; RSS 1st: VmHWM after the first load; peak RSS: VmHWM after all runs"
    );
    println!("checker diagnostics (warnings only; a size with an error fails instead):");
    for (n, _, _, m) in rows {
        println!("{n:>9}  {}", m.diagnostics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("100k"), Ok(100_000));
        assert_eq!(parse_size("1_000"), Ok(1000));
        assert!(parse_size("x").is_err());
        let args: Vec<String> =
            ["--sizes", "100,1k", "--runs=3"].iter().map(ToString::to_string).collect();
        let options = parse_options(&args).unwrap();
        assert_eq!(options.sizes, vec![100, 1000]);
        assert_eq!(options.runs, Some(3));
    }
}
