//! FIFO throughput: the lesson's Mutex + Condvar queue (natively, through the facade) against
//! crossbeam-channel (bounded and unbounded) and std mpsc, with 1, 2 and 4 producers and as many
//! consumers, 20,000 items per run. std's `Receiver` has a single consumer and is not `Sync`: the
//! consumers share it behind a `Mutex` (the usual workaround; uncontended with one consumer). The closing note prints each
//! time as a ratio to the lesson's queue.
//!
//! `cargo bench --features bench --bench queue` (about a minute: short warm-up and measurement on
//! purpose).

// A bench binary has no outside: its `pub` helpers are for its own modules, not an API.
#![allow(unreachable_pub, missing_docs)]

mod common;

use criterion::{BenchmarkId, Criterion, Throughput};
use interleave::models::queue::Fifo;
use interleave::runtime::Native;
use std::sync::{Mutex, mpsc};
use std::thread;

const ITEMS: u64 = 20_000;
const BOUND: usize = 64;
const THREADS: [usize; 3] = [1, 2, 4];

/// `n` producers each send their share, `n` consumers each receive theirs.
fn run(n: usize, send: impl Fn(u64) + Sync, recv: impl Fn() -> u64 + Sync) {
    let share = ITEMS / n as u64;
    thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| (0..share).for_each(&send));
            s.spawn(|| (0..share).map(|_| recv()).sum::<u64>());
        }
    });
}

fn lesson(n: usize, maxsize: usize) {
    let queue = Fifo::<Native, u64>::new(maxsize);
    run(
        n,
        |i| queue.put(i, true, None).expect("blocking put"),
        || queue.get(true, None).expect("blocking get"),
    );
}

fn crossbeam(n: usize, bounded: bool) {
    let (tx, rx) = if bounded {
        crossbeam::channel::bounded(BOUND)
    } else {
        crossbeam::channel::unbounded()
    };
    run(
        n,
        |i| tx.send(i).expect("open"),
        || rx.recv().expect("open"),
    );
}

fn std_mpsc(n: usize) {
    let (tx, rx) = mpsc::channel();
    // `Receiver` is not `Sync`: the consumers take turns on it behind a `Mutex` (uncontended at n = 1).
    let rx = Mutex::new(rx);
    run(
        n,
        |i| tx.send(i).expect("open"),
        || rx.lock().unwrap().recv().expect("open"),
    );
}

type Contender = (&'static str, fn(usize));

const CONTENDERS: [Contender; 5] = [
    ("lesson-fifo-bounded", |n| lesson(n, BOUND)),
    ("lesson-fifo-unbounded", |n| lesson(n, 0)),
    ("crossbeam-bounded", |n| crossbeam(n, true)),
    ("crossbeam-unbounded", |n| crossbeam(n, false)),
    ("std-mpsc", std_mpsc),
];

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_fifo");
    group.throughput(Throughput::Elements(ITEMS));
    for n in THREADS {
        for (name, contender) in CONTENDERS {
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| {
                b.iter(|| contender(n))
            });
        }
    }
    group.finish();
}

fn closing_note() {
    println!(
        "\nclosing note: FIFO, {ITEMS} items per run, n producers + n consumers, criterion's mean per run;"
    );
    println!("  like for like: how many times faster each channel is than the lesson's queue");
    for n in THREADS {
        let mean = |name: &str| common::mean_ns(&format!("queue_fifo/{name}/{n}"));
        let (Some(bounded), Some(unbounded)) =
            (mean("lesson-fifo-bounded"), mean("lesson-fifo-unbounded"))
        else {
            println!(
                "  n = {n}: no estimates found under {}",
                common::output_directory().display()
            );
            continue;
        };
        let versus = |name: &str, base: f64| {
            mean(name).map_or("?".to_owned(), |t| {
                format!("{:.1}x ({:.2} ms)", base / t, t / 1e6)
            })
        };
        println!(
            "  n = {n}: lesson bounded {:.2} ms, unbounded {:.2} ms; crossbeam bounded {} vs bounded, crossbeam unbounded {} \
             vs unbounded, std mpsc {} vs unbounded",
            bounded / 1e6,
            unbounded / 1e6,
            versus("crossbeam-bounded", bounded),
            versus("crossbeam-unbounded", unbounded),
            versus("std-mpsc", unbounded),
        );
    }
}

fn main() {
    common::main(benches, closing_note);
}
