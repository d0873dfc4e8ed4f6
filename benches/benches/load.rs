//! Criterion bench of loading a knowledge base: parse + check + decision graph of the
//! generated workloads (N = 100, 1k, 10k, 100k causes): what `triage check` runs, plus the
//! decision graph `triage graph` builds.
//!
//! `cargo bench -p triage-bench --bench load` (filter with e.g. `-- load/10000`). The
//! workloads are generated on first use with benches/workload/gen.py and cached in
//! target/bench-workload/N/. Dropping the result is not timed.

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use triage_bench::{compile, workload};

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for n in SIZES {
        let prepared = workload(n, 0).and_then(|w| {
            std::fs::read_to_string(&w.kb_path).map_err(|source| triage_bench::WorkloadError::Io {
                path: w.kb_path.clone(),
                source,
            })
        });
        let text = match prepared {
            Ok(text) => text,
            Err(e) => panic!("workload N = {n}: {e}"),
        };
        let errors = compile(&text).error_count();
        assert_eq!(errors, 0, "the N = {n} workload has checker errors");
        // Big sizes: few samples, one iteration each, so the whole bench takes minutes.
        match n {
            0..=100 => group.sample_size(50).measurement_time(Duration::from_secs(5)),
            101..=1_000 => group.sample_size(50).measurement_time(Duration::from_secs(8)),
            1_001..=10_000 => group
                .sample_size(20)
                .measurement_time(Duration::from_secs(8))
                .sampling_mode(SamplingMode::Flat),
            _ => group
                .sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(15))
                .sampling_mode(SamplingMode::Flat),
        };
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(n.to_string(), |b| {
            b.iter_batched(
                || (),
                |()| black_box(compile(black_box(&text))),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
