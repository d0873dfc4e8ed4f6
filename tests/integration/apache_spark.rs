//! `examples/spark/triage_batch.py` in Spark local mode gives what `triage batch` gives.
//!
//! 10,000 lines — the facts of every case of `knowledge/rdp/cases`, each with its own host,
//! and every tenth line broken (not JSON, a value of the wrong type, an unknown fact, an empty
//! object, an empty line) — go through the job on 4 partitions, shipping the binary and the
//! `knowledge/rdp` folder to the executors, and through `triage batch` directly: the part files
//! hold one record per input line, and the same records, line for line once sorted (the job
//! numbers a record's `line` from the start of the whole input). The job's speed is not what
//! this measures (every line takes the same path through the job, 2,500 to a partition): the
//! throughput of `triage batch` is `triage-bench fleet`'s.
//!
//! It needs `python3` with `pyspark` and a Java runtime (`python3 -m pip install pyspark`,
//! Debian `openjdk-17-jre-headless`). Without them it fails when `TRIAGE_REQUIRE_SPARK` is set
//! (CI sets it), and otherwise passes with a notice written straight to the terminal. Every
//! Spark address is bound to the loopback interface, and the UI is off.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const LINES: usize = 10_000;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether `python3 -c 'import pyspark'` and `java -version` work; when not, after saying
/// loudly that the test did not run. With `TRIAGE_REQUIRE_SPARK` set (CI), a missing one is a
/// failure.
fn spark_present() -> bool {
    let works = |program: &str, args: &[&str]| {
        Command::new(program).args(args).output().is_ok_and(|o| o.status.success())
    };
    let mut missing = Vec::new();
    if !works("python3", &["-c", "import pyspark"]) {
        missing.push("pyspark (python3 -m pip install pyspark)");
    }
    if !works("java", &["-version"]) {
        missing.push("a Java 17+ runtime (apt-get install openjdk-17-jre-headless)");
    }
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("TRIAGE_REQUIRE_SPARK").is_none(),
        "TRIAGE_REQUIRE_SPARK is set but {} is missing",
        missing.join(" and ")
    );
    // Straight to the terminal: the harness captures eprintln! of a passing test, and a test
    // that did not run must not look like one that passed.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** NOT RUN: the Spark test: {} missing; set TRIAGE_REQUIRE_SPARK=1 to make this a \
         failure ***\n",
        missing.join(" and ")
    );
    false
}

/// The facts of every RDP case with a host of its own, and every tenth line a broken one.
fn input_lines() -> Vec<String> {
    let mut kb = triage_rules::load_paths(&[repository().join("knowledge/rdp")]);
    let model = kb.model.take().expect("knowledge/rdp checks");
    let dir = repository().join("knowledge/rdp/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for case in triage_engine::cases::parse(&file.display().to_string(), &text, &model).unwrap()
        {
            cases.push(case.facts.clone());
        }
    }
    let broken = [
        "not json at all",
        r#"{"error_code": "0x904", "other_clients_can_connect": "sometimes"}"#,
        r#"{"no_such_fact": 1, "host": "broken-unknown"}"#,
        "{}",
        "",
        "[1, 2, 3]",
    ];
    (0..LINES)
        .map(|i| {
            if i % 10 == 9 {
                return broken[(i / 10) % broken.len()].to_string();
            }
            let mut facts = cases[i % cases.len()].clone();
            facts.as_object_mut().unwrap().insert("host".into(), format!("host-{i:05}").into());
            facts.to_string()
        })
        .collect()
}

fn sorted_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

#[test]
fn the_spark_job_writes_what_triage_batch_writes_one_record_per_line() {
    if !spark_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("fleet.jsonl");
    let lines = input_lines();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let triage = Path::new(env!("CARGO_BIN_EXE_triage"));
    let kb = repository().join("knowledge/rdp");

    let started = Instant::now();
    let direct = Command::new(triage)
        .args(["batch", "--kb"])
        .arg(&kb)
        .arg(&input)
        .env_remove("TRIAGE_KB")
        .output()
        .unwrap();
    let direct_time = started.elapsed();
    assert_eq!(direct.status.code(), Some(1), "some lines fail");
    let direct = String::from_utf8(direct.stdout).unwrap();
    assert_eq!(direct.lines().count(), LINES);

    let output = dir.path().join("results");
    let started = Instant::now();
    let job = Command::new("python3")
        .arg(repository().join("examples/spark/triage_batch.py"))
        .arg(&input)
        .arg(&output)
        .arg("--triage")
        .arg(triage)
        .arg("--kb")
        .arg(&kb)
        .args(["--partitions", "4"])
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env(
            "PYSPARK_SUBMIT_ARGS",
            "--master local[2] --conf spark.ui.enabled=false \
             --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
             pyspark-shell",
        )
        .env_remove("TRIAGE_KB")
        .output()
        .unwrap();
    let spark_time = started.elapsed();
    assert!(job.status.success(), "the job failed: {}", String::from_utf8_lossy(&job.stderr));
    assert!(output.join("_SUCCESS").is_file());
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&output)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("part-"))
        .collect();
    parts.sort();
    assert!(parts.len() >= 4, "{} part files", parts.len());
    let spark: String = parts.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    assert_eq!(spark.lines().count(), LINES, "one record per input line");

    let (spark_sorted, direct_sorted) = (sorted_lines(&spark), sorted_lines(&direct));
    for (i, (a, b)) in spark_sorted.iter().zip(&direct_sorted).enumerate() {
        assert_eq!(a, b, "sorted line {i} differs");
    }
    // Every kind of broken line got its error record, numbered as in the whole input.
    for (i, line) in lines.iter().enumerate().filter(|(i, _)| i % 10 == 9).take(6) {
        let record = format!(r#""line":{}"#, i + 1);
        assert!(
            spark.lines().any(|r| r.contains(&record) && r.contains(r#""error":"#)),
            "no error record for line {} ({line:?})",
            i + 1
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "spark test: {LINES} lines, triage batch {:.1} s, the Spark job (4 partitions, \
         local[2]) {:.1} s",
        direct_time.as_secs_f64(),
        spark_time.as_secs_f64()
    );
}
