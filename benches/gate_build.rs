//! The gate's build of new submissions, warm (the harness library already built): a class's
//! submissions built together in batches (`Harness::build_together`, what `interleave grade`
//! does) against each built on its own (`Harness::build`, what it did before), side by side in
//! one run. Throughput is submissions; the time per submission is the sample's time over its
//! elements.
//!
//! `cargo bench --features bench --bench gate_build`. Its harness target is a folder of its own,
//! `target/gate-bench` (the first run builds the library there, a couple of minutes); every
//! sample's submissions are new (a comment line of their own), so each is compiled.

// A bench binary has no outside: its `pub` helpers are for its own modules, not an API.
#![allow(unreachable_pub, missing_docs)]

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use interleave::gate::harness::{Harness, Origin, Submission};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A class: this many new submissions built together.
const CLASS: usize = 50;
/// Built on their own, a second each: fewer per sample, the same time per submission.
const ALONE: usize = 10;

/// Counter submissions that compile: the reference, the starter and the honest corpus.
fn sources() -> Vec<String> {
    let mut files = vec![
        PathBuf::from("src/gate/exercises/counter/reference.rs"),
        PathBuf::from("src/gate/exercises/counter/starter.rs"),
    ];
    let mut corpus: Vec<PathBuf> = std::fs::read_dir("tests/gate/counter")
        .expect("the corpus")
        .map(|entry| entry.expect("a corpus file").path())
        .collect();
    corpus.sort();
    files.extend(corpus);
    files
        .iter()
        .map(|file| std::fs::read_to_string(file).expect("a submission's text"))
        .collect()
}

/// `count` submissions no build has seen: each source in turn, under a comment of its own.
fn new_submissions(sources: &[String], count: usize) -> Vec<Submission> {
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let run = std::process::id();
    (0..count)
        .map(|i| {
            let made = MADE.fetch_add(1, Ordering::Relaxed);
            let text = format!("// bench {run}-{made}\n{}", sources[i % sources.len()]);
            Submission {
                display: format!("student-{made}.rs"),
                files: vec![(PathBuf::from("submission.rs"), text)],
                origin: Origin::File(format!("student-{made}.rs")),
            }
        })
        .collect()
}

/// The bench's submissions' crates and binaries, removed between samples (the library stays).
fn forget_submissions(harness: &Harness) {
    let _ = std::fs::remove_dir_all(harness.work.join("crates"));
    let release = harness.work.join("target/release");
    for dir in [
        release.clone(),
        release.join("deps"),
        release.join(".fingerprint"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("gate-counter-") || name.starts_with("gate_counter_") {
                let path = entry.path();
                let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
            }
        }
    }
}

fn gate_build(c: &mut Criterion) {
    let exercise = interleave::gate::find_exercise("counter").expect("the counter exercise");
    let harness = Harness {
        source: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        work: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/gate-bench"),
        loom: false,
    };
    let sources = sources();
    // The library, once, outside every sample.
    harness
        .prepare(&exercise)
        .unwrap_or_else(|refusal| panic!("the harness builds: {}", refusal.message));

    let mut group = c.benchmark_group("gate build of new counter submissions, warm");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(1));

    group.throughput(Throughput::Elements(CLASS as u64));
    group.bench_function(BenchmarkId::new("together", CLASS), |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                let class = new_submissions(&sources, CLASS);
                let members: Vec<&Submission> = class.iter().collect();
                let started = Instant::now();
                let built = harness.build_together(&exercise, &members);
                spent += started.elapsed();
                assert_eq!(built.len(), CLASS, "every submission built together");
                forget_submissions(&harness);
            }
            spent
        })
    });

    group.throughput(Throughput::Elements(ALONE as u64));
    group.bench_function(BenchmarkId::new("alone", ALONE), |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                let class = new_submissions(&sources, ALONE);
                let started = Instant::now();
                for submission in &class {
                    harness
                        .build(&exercise, submission)
                        .unwrap_or_else(|refusal| panic!("it builds: {}", refusal.message));
                }
                spent += started.elapsed();
                forget_submissions(&harness);
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, gate_build);
criterion_main!(benches);
