//! Shuttle's exploration on one job against one per core: executions per second for a model
//! that holds (so every execution of the budget runs), side by side in one run.
//!
//! `cargo bench --features bench --bench jobs`; the ratio of the two throughputs is the speed-up
//! `--jobs` buys.

// A bench binary has no outside: its `pub` helpers are for its own modules, not an API.
#![allow(unreachable_pub, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use interleave::checker::{self, Budget, Mode, Verdict};
use interleave::runtime::Backend;

const EXECUTIONS: usize = 4_000;

fn jobs(c: &mut Criterion) {
    let variant = interleave::models::find("rlock/correct").expect("a registered variant");
    let params = variant
        .params(Backend::Shuttle, None)
        .expect("default sizes");
    let mut group = c.benchmark_group("shuttle executions, rlock/correct");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EXECUTIONS as u64));
    for jobs in [1, 2] {
        let mut budget = Budget::for_variant(&variant, Backend::Shuttle, Mode::Check);
        budget.executions = EXECUTIONS;
        budget.jobs = jobs;
        group.bench_with_input(BenchmarkId::new("jobs", jobs), &budget, |b, budget| {
            b.iter(|| {
                let report =
                    checker::check(&variant, Backend::Shuttle, &params, budget, Mode::Check)
                        .expect("shuttle is built");
                assert!(matches!(report.verdict, Verdict::Holds));
                assert_eq!(report.executions, EXECUTIONS);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, jobs);
criterion_main!(benches);
