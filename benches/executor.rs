//! Executor costs: 100k tiny tasks through the lesson's `ThreadPool` (natively, through the
//! facade) against rayon's pool (`rayon::scope` + `spawn`, results into a slot each) and against
//! a thread per task (2,000 tasks: 100k threads would only measure the kernel); then the process
//! pool against the thread pool: start-up (pool + first result) and 2,000 tiny tasks. The closing
//! note gives every time per task and as a ratio.
//!
//! `cargo bench --features bench --bench executor` (about a minute: short warm-up and measurement
//! on purpose).

// A bench binary has no outside: its `pub` helpers are for its own modules, not an API.
#![allow(unreachable_pub, missing_docs)]

mod common;

use criterion::{BenchmarkId, Criterion, Throughput};
use interleave::models::executor::native::ProcessSpawner;
use interleave::models::executor::{ProcessPool, Task, ThreadPool};
use interleave::runtime::Native;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const TINY: u64 = 100_000;
const PER_THREAD: u64 = 2_000;
const PROCESS_TASKS: u64 = 2_000;
const WORKERS: usize = 4;

fn spawner() -> ProcessSpawner {
    ProcessSpawner {
        program: PathBuf::from(env!("CARGO_BIN_EXE_interleave")),
        reply_timeout: Duration::from_secs(30),
    }
}

fn lesson_pool(pool: &ThreadPool<Native>, tasks: u64) -> u64 {
    let futures: Vec<_> = (0..tasks)
        .map(|n| pool.submit(move || n ^ 1).expect("open"))
        .collect();
    futures.iter().map(|f| f.result(None).expect("ok")).sum()
}

fn rayon_pool(pool: &rayon::ThreadPool, tasks: u64) -> u64 {
    let slots: Vec<AtomicU64> = (0..tasks).map(|_| AtomicU64::new(0)).collect();
    pool.scope(|s| {
        for (n, slot) in slots.iter().enumerate() {
            s.spawn(move |_| slot.store(n as u64 ^ 1, Ordering::Relaxed));
        }
    });
    slots.iter().map(|s| s.load(Ordering::Relaxed)).sum()
}

fn thread_per_task(tasks: u64) -> u64 {
    let handles: Vec<_> = (0..tasks)
        .map(|n| std::thread::spawn(move || n ^ 1))
        .collect();
    handles.into_iter().map(|h| h.join().expect("ok")).sum()
}

fn benches(c: &mut Criterion) {
    let lesson = ThreadPool::<Native>::new(WORKERS, "bench");
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .expect("rayon pool");
    let mut group = c.benchmark_group("executor_tiny");
    group.throughput(Throughput::Elements(TINY));
    group.bench_function(BenchmarkId::new("lesson-thread-pool", TINY), |b| {
        b.iter(|| lesson_pool(&lesson, TINY))
    });
    group.bench_function(BenchmarkId::new("rayon-scope", TINY), |b| {
        b.iter(|| rayon_pool(&rayon, TINY))
    });
    group.throughput(Throughput::Elements(PER_THREAD));
    group.bench_function(BenchmarkId::new("thread-per-task", PER_THREAD), |b| {
        b.iter(|| thread_per_task(PER_THREAD))
    });
    group.finish();

    let mut group = c.benchmark_group("executor_pools");
    group.bench_function("thread-pool-start", |b| {
        b.iter(|| {
            let pool = ThreadPool::<Native>::new(WORKERS, "start");
            pool.submit(|| 1).expect("open").result(None).expect("ok")
        })
    });
    group.bench_function("process-pool-start", |b| {
        b.iter(|| {
            let pool = ProcessPool::<Native>::new(WORKERS, spawner());
            let first = pool.submit(Task::Square(1)).expect("open");
            first.result(None).expect("the worker answers").value
        })
    });
    group.throughput(Throughput::Elements(PROCESS_TASKS));
    group.bench_function("thread-pool-tasks", |b| {
        b.iter(|| lesson_pool(&lesson, PROCESS_TASKS))
    });
    let processes = ProcessPool::<Native>::new(WORKERS, spawner());
    group.bench_function("process-pool-tasks", |b| {
        b.iter(|| {
            let futures: Vec<_> = (0..PROCESS_TASKS)
                .map(|n| processes.submit(Task::Square(n)).expect("open"))
                .collect();
            futures
                .iter()
                .map(|f| f.result(None).expect("answered").value)
                .sum::<u64>()
        })
    });
    group.finish();
}

fn closing_note() {
    let per_task = |path: &str, tasks: u64| common::mean_ns(path).map(|ns| ns / tasks as f64);
    let lesson = per_task("executor_tiny/lesson-thread-pool/100000", TINY);
    let rayon = per_task("executor_tiny/rayon-scope/100000", TINY);
    let spawn = per_task("executor_tiny/thread-per-task/2000", PER_THREAD);
    let thread_start = common::mean_ns("executor_pools/thread-pool-start");
    let process_start = common::mean_ns("executor_pools/process-pool-start");
    let thread_tasks = per_task("executor_pools/thread-pool-tasks", PROCESS_TASKS);
    let process_tasks = per_task("executor_pools/process-pool-tasks", PROCESS_TASKS);
    println!("\nclosing note: criterion's means, {WORKERS} workers everywhere");
    let (Some(lesson), Some(rayon), Some(spawn)) = (lesson, rayon, spawn) else {
        println!(
            "  no estimates found under {}",
            common::output_directory().display()
        );
        return;
    };
    println!(
        "  per tiny task: lesson pool {lesson:.0} ns, rayon {rayon:.0} ns (lesson/rayon = {:.1}x), \
         thread per task {spawn:.0} ns (spawn/lesson = {:.1}x)",
        lesson / rayon,
        spawn / lesson
    );
    if let (Some(ts), Some(ps), Some(tt), Some(pt)) =
        (thread_start, process_start, thread_tasks, process_tasks)
    {
        println!(
            "  start-up: thread pool {:.1} us, process pool {:.1} us (1:{:.0}); per task: thread pool \
             {tt:.0} ns, process pool {pt:.0} ns (1:{:.0})",
            ts / 1e3,
            ps / 1e3,
            ps / ts,
            pt / tt
        );
    }
}

fn main() {
    common::main(benches, closing_note);
}
