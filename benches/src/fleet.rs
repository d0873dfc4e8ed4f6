//! `triage-bench fleet [--lines N]`: what `triage batch` costs a fleet on the shipped RDP
//! knowledge base, with fact sets taken from its own cases (`knowledge/rdp/cases/*.yaml`,
//! repeated to N lines, default 100,000): lines per second and bytes per line for
//! `--detail full` (every cause with its evidence) and `--detail summary` (the default), and
//! the peak memory, so "summary ≤ 600 bytes a line" and "≥ 1.5 × full's throughput" are
//! measured, not guessed.

use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use triage_engine::Engine;
use triage_engine::batch::{BatchOptions, Detail, run};
use triage_engine::facts::FactReader;

/// Counts what is written and drops it.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(crate) fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The facts of every case of the RDP knowledge base, one JSON object per line.
pub(crate) fn case_lines(engine: &Engine) -> Result<Vec<String>, String> {
    let dir = repository().join("knowledge/rdp/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file.display().to_string();
        let cases =
            triage_engine::cases::parse(&name, &text, engine.model()).map_err(|e| e.to_string())?;
        for case in cases {
            let mut facts = case.facts.clone();
            if let Some(object) = facts.as_object_mut() {
                object.insert("host".into(), case.id.clone().into());
            }
            lines.push(facts.to_string());
        }
    }
    Ok(lines)
}

#[allow(clippy::cast_precision_loss)] // rates and averages for people
pub fn fleet(args: &[String]) -> Result<(), String> {
    let mut count = 100_000usize;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" => {
                count = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--lines needs a number of lines")?;
            }
            other => {
                return Err(format!("unknown argument `{other}`: triage-bench fleet [--lines N]"));
            }
        }
    }
    let mut kb = triage_rules::load_paths(&[repository().join("knowledge/rdp")]);
    let model = kb.model.take().ok_or("knowledge/rdp does not check")?;
    let engine = Engine::new(model);
    let reader = FactReader::new(engine.model());
    let cases = case_lines(&engine)?;
    // Streamed from a file, as `triage batch FILE` reads it: memory is the engine's, not the
    // input's.
    let path = repository().join("target/bench-fleet.jsonl");
    let mut file = io::BufWriter::new(
        std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    let mut input_bytes = 0;
    for line in cases.iter().cycle().take(count) {
        writeln!(file, "{line}").map_err(|e| e.to_string())?;
        input_bytes += line.len() + 1;
    }
    file.flush().map_err(|e| e.to_string())?;
    drop(file);
    println!(
        "{count} lines from the {} cases of knowledge/rdp ({:.0} bytes a line in)",
        cases.len(),
        input_bytes as f64 / count as f64
    );
    println!("| detail | lines/s | bytes a line out | peak RSS |");
    println!("|---|---|---|---|");
    let mut rates = Vec::new();
    for (name, detail) in [("full", Detail::Full { words: false }), ("summary", Detail::Summary)] {
        let options = BatchOptions { detail, ..BatchOptions::default() };
        let mut out = Counter(0);
        let started = Instant::now();
        let input = BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?,
        );
        let summary =
            run(&engine, &reader, &options, input, &mut out, |_| {}).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        if summary.failed > 0 {
            return Err(format!("{} of the lines failed", summary.failed));
        }
        let rate = summary.lines as f64 / seconds;
        rates.push(rate);
        println!(
            "| {name} | {rate:.0} | {:.0} | {} MiB |",
            out.0 as f64 / summary.lines as f64,
            crate::peak_rss_kb()? / 1024
        );
    }
    println!("summary / full throughput: {:.2}×", rates[1] / rates[0]);
    Ok(())
}
