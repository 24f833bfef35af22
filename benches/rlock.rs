//! The facade's RLock (models/09_rlock.rs) natively, against `parking_lot::ReentrantMutex` and
//! std's `Mutex`: one acquire/release pair uncontended, and 2 threads x 1,000 pairs contended.
//! After criterion's own report, the mean times are printed as ratios to parking_lot's.
//!
//! Run: `cargo bench --features bench --bench rlock` (about a minute).

// A bench binary has no outside: its `pub` helpers are for its own modules, not an API.
#![allow(unreachable_pub, missing_docs)]

use criterion::{Criterion, black_box, criterion_group};
use interleave::models::rlock::RLock;
use interleave::runtime::Native;
use parking_lot::ReentrantMutex;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

const THREADS: usize = 2;
const PAIRS: usize = 1_000;

/// Each lock as the benchmark sees it: take it, let it go.
trait Pair: Send + Sync + 'static {
    fn pair(&self);
}

impl Pair for RLock<Native> {
    fn pair(&self) {
        self.acquire();
        self.release().expect("the owner releases");
    }
}

impl Pair for ReentrantMutex<()> {
    fn pair(&self) {
        let guard = self.lock();
        black_box(&guard);
    }
}

impl Pair for Mutex<()> {
    fn pair(&self) {
        let guard = self.lock().expect("not poisoned");
        black_box(&guard);
    }
}

const LOCKS: [&str; 3] = ["interleave-rlock", "parking_lot-reentrant", "std-mutex"];

fn each_lock(mut body: impl FnMut(&str, Arc<dyn Pair>)) {
    body(LOCKS[0], Arc::new(RLock::<Native>::named("bench")));
    body(LOCKS[1], Arc::new(ReentrantMutex::new(())));
    body(LOCKS[2], Arc::new(Mutex::new(())));
}

fn uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("uncontended");
    each_lock(|name, lock| {
        group.bench_function(name, |b| b.iter(|| lock.pair()));
    });
    group.finish();
}

/// `THREADS` threads start together and each does `PAIRS` pairs; the time is the slowest's.
fn contended_run(lock: &Arc<dyn Pair>, iterations: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let start = Arc::new(Barrier::new(THREADS + 1));
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (lock, start) = (lock.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    (0..PAIRS).for_each(|_| lock.pair());
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        workers.into_iter().for_each(|w| w.join().expect("worker"));
        total += began.elapsed();
    }
    total
}

fn contended(c: &mut Criterion) {
    let mut group = c.benchmark_group("contended");
    group.sample_size(20);
    each_lock(|name, lock| {
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| contended_run(&lock, iterations))
        });
    });
    group.finish();
}

criterion_group!(benches, uncontended, contended);

/// criterion's mean estimate for `group/name`, in ns, from its JSON output.
fn mean_ns(group: &str, name: &str) -> Option<f64> {
    let path = format!("target/criterion/{group}/{name}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let mean = &text[text.find("\"mean\"")?..];
    let estimate = &mean[mean.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    estimate.split([',', '}']).next()?.trim().parse().ok()
}

fn print_ratios() {
    println!("\nratios to parking_lot::ReentrantMutex (mean time; higher is slower):");
    for group in ["uncontended", "contended"] {
        let Some(base) = mean_ns(group, LOCKS[1]) else {
            continue;
        };
        let row: Vec<String> = LOCKS
            .iter()
            .filter_map(|name| {
                mean_ns(group, name).map(|ns| format!("{name} {:.1} ns = {:.2}x", ns, ns / base))
            })
            .collect();
        println!("  {group:<12} {}", row.join(", "));
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}
