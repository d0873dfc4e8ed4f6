//! Criterion bench of one diagnosis: `Engine::diagnose` (rules, symptom matching, ranking with
//! the evidence of every cause) on the fact sets of the generated workloads, N = 100, 1k, 10k
//! and 100k causes. Each iteration diagnoses the next of 200 pre-parsed fact sets, so the
//! figure is an average over different symptoms.
//!
//! `cargo bench -p triage-bench --bench diagnose` (filter with e.g. `-- diagnose/1000`). The
//! table with medians, p99, batch throughput and memory is `triage-bench engine`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::BufRead;
use triage_engine::{Engine, FactReader, FactSet};

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];
const SETS: usize = 200;

fn diagnose(c: &mut Criterion) {
    let mut group = c.benchmark_group("diagnose");
    for n in SIZES {
        let workload =
            triage_bench::workload(n, SETS).unwrap_or_else(|e| panic!("workload N = {n}: {e}"));
        let text = std::fs::read_to_string(&workload.kb_path).unwrap_or_else(|e| panic!("{e}"));
        let model = triage_rules::load_text("kb.kb", text)
            .model
            .unwrap_or_else(|| panic!("N = {n} has errors"));
        let engine = Engine::new(model);
        let reader = FactReader::new(engine.model());
        let file = std::fs::File::open(&workload.facts_path).unwrap_or_else(|e| panic!("{e}"));
        let sets: Vec<FactSet> = std::io::BufReader::new(file)
            .lines()
            .take(SETS)
            .map(|line| {
                reader
                    .read_json(&line.unwrap_or_else(|e| panic!("{e}")))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let mut next = 0;
        group.bench_function(n.to_string(), |b| {
            b.iter(|| {
                next = (next + 1) % sets.len();
                black_box(engine.diagnose(&sets[next]))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, diagnose);
criterion_main!(benches);
