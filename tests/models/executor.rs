//! Executors (tutorial 6): the contract under shuttle (and loom), each broken executor caught
//! with the property it breaks, and the documented errors natively: submit after shutdown, a
//! panicking task, a result timeout, a worker process that dies, hangs or answers garbage.

use crate::support::{assert_deadlock, assert_holds, assert_violation, outcome_set, run_variant};
use interleave::checker::Mode;
use interleave::lesson::Variant;
use interleave::models::executor::native::ProcessSpawner;
use interleave::models::executor::{
    ProcessPool, SubmitError, Task, TaskError, ThreadPool, broken, default_max_workers, demos,
    properties,
};
use interleave::runtime::{Backend, Native};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn shuttle(variant: &Variant, threads: usize, executions: usize) -> interleave::checker::Report {
    run_variant(
        variant,
        Backend::Shuttle,
        threads,
        Mode::Check,
        Some(executions),
    )
}

#[test]
fn the_demos_hold_every_task_once_results_in_order() {
    for (demo, threads, executions) in [
        (demos::THREAD_POOL.variant(), 3, 150),
        (demos::PROCESS_POOL.variant(), 3, 100),
        (demos::MAP.variant(), 3, 150),
        (demos::FETCH_PARSE.variant(), 3, 150),
    ] {
        let report = shuttle(&demo, threads, executions);
        assert_holds(&report);
        assert!(
            outcome_set(&report).iter().all(|o| o.contains("each once")),
            "{}: {:?}",
            demo.id,
            outcome_set(&report)
        );
    }
}

#[test]
fn cancel_either_wins_before_the_start_or_fails_and_the_task_runs_once() {
    assert_holds(&shuttle(&properties::CANCEL.variant(), 1, 500));
    let report = run_variant(
        &properties::CANCEL.variant(),
        Backend::Shuttle,
        1,
        Mode::Outcomes,
        Some(300),
    );
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        [
            "cancel won: the task never ran, result() is CancelledError",
            "the task started first: cancel failed, result() is 7",
        ]
    );
}

#[test]
fn each_callback_runs_exactly_once_added_during_or_after_completion() {
    let report = run_variant(
        &properties::CALLBACKS.variant(),
        Backend::Shuttle,
        1,
        Mode::Outcomes,
        Some(500),
    );
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        [
            "callback added during completion ran 1 time(s); callback added after completion ran 1 time(s)"
        ]
    );
}

#[test]
fn shutdown_waits_for_queued_tasks_and_then_refuses_new_ones() {
    let report = shuttle(&properties::SHUTDOWN_WAITS.variant(), 1, 500);
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        ["shutdown(wait=True) returned after 2 of 2 tasks finished"]
    );
}

#[test]
fn result_with_a_timeout_returns_the_value_or_a_timeout_error() {
    let report = run_variant(
        &properties::RESULT_TIMEOUT.variant(),
        Backend::Shuttle,
        1,
        Mode::Outcomes,
        Some(300),
    );
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        [
            "result(timeout) got 3",
            "result(timeout) timed out, result() then got 3"
        ]
    );
}

#[test]
fn a_task_may_wait_on_a_task_it_submitted_while_a_worker_is_free() {
    assert_holds(&shuttle(&properties::NESTED.variant(), 2, 300));
}

#[test]
fn with_one_worker_a_task_waiting_on_its_own_subtask_deadlocks_as_documented() {
    let failure = assert_deadlock(&shuttle(&properties::NESTED_ONE_WORKER.variant(), 1, 100));
    assert!(
        failure.message.contains("future.done"),
        "{}",
        failure.message
    );
}

#[test]
fn broken_cancel_racing_the_start_is_caught_a_cancelled_task_runs() {
    let failure = assert_violation(
        &shuttle(&broken::CANCEL_RACES_START.variant(), 1, 1000),
        "a successful cancel must mean it never runs",
    );
    assert!(failure.replay.is_some());
    assert!(!failure.trace.events.is_empty());
}

#[test]
fn broken_callback_racing_completion_is_caught_running_never_or_twice() {
    assert_violation(
        &shuttle(&broken::CALLBACK_RACES_COMPLETION.variant(), 1, 1000),
        "a callback must run exactly once",
    );
    let report = run_variant(
        &broken::CALLBACK_RACES_COMPLETION.variant(),
        Backend::Shuttle,
        1,
        Mode::Outcomes,
        Some(500),
    );
    let counts: BTreeSet<String> = outcome_set(&report)
        .iter()
        .map(|o| o.split(';').next().unwrap_or_default().to_owned())
        .collect();
    for times in ["0", "2"] {
        assert!(
            counts.contains(&format!(
                "callback added during completion ran {times} time(s)"
            )),
            "{counts:?}"
        );
    }
}

#[test]
fn broken_shutdown_returning_before_queued_tasks_finish_is_caught() {
    assert_violation(
        &shuttle(&broken::SHUTDOWN_RETURNS_EARLY.variant(), 1, 1000),
        "shutdown(wait=True) must return only after every task finished",
    );
}

// Natively: the documented errors.

#[test]
fn submitting_after_shutdown_is_an_error_and_queued_tasks_still_ran() {
    let pool = ThreadPool::<Native>::new(2, "pool");
    let ran = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..20)
        .map(|_| {
            let ran = ran.clone();
            pool.submit(move || ran.fetch_add(1, Ordering::SeqCst))
                .expect("open")
        })
        .collect();
    pool.shutdown(false);
    let refused = pool.submit(|| 0).err().expect("refused after shutdown");
    assert_eq!(refused, SubmitError::Shutdown);
    assert_eq!(
        refused.to_string(),
        "cannot schedule new futures after shutdown"
    );
    pool.shutdown(true);
    assert_eq!(ran.load(Ordering::SeqCst), 20);
    assert!(futures.iter().all(|f| f.done()));
}

#[test]
fn a_panicking_task_gives_its_error_and_the_worker_carries_on() {
    let pool = ThreadPool::<Native>::new(1, "pool");
    let bad = pool
        .submit(|| -> u32 { panic!("bad input") })
        .expect("open");
    let good = pool.submit(|| 1).expect("open");
    assert_eq!(
        bad.result(None),
        Err(TaskError::Panicked("bad input".into()))
    );
    assert_eq!(good.result(None), Ok(1));
}

#[test]
fn result_timeout_gives_a_timeout_error_and_the_value_later() {
    let pool = ThreadPool::<Native>::new(1, "pool");
    let slow = pool
        .submit(|| {
            std::thread::sleep(Duration::from_millis(100));
            9
        })
        .expect("open");
    let started = Instant::now();
    assert_eq!(
        slow.result(Some(Duration::from_millis(10))),
        Err(TaskError::Timeout)
    );
    assert!(started.elapsed() < Duration::from_millis(90));
    assert!(!slow.done());
    assert_eq!(slow.result(None), Ok(9));
}

#[test]
fn defaults_names_map_and_late_callbacks_natively() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(default_max_workers(), cpus * 5);
    let pool = ThreadPool::<Native>::new(3, "fetcher");
    let names: BTreeSet<String> = pool
        .map(
            |n: u64| {
                std::thread::sleep(Duration::from_millis(5 - n % 5));
                std::thread::current().name().unwrap_or_default().to_owned()
            },
            0..9,
        )
        .expect("open")
        .map(|name| name.expect("ok"))
        .collect();
    assert!(
        names.iter().all(|name| name.starts_with("fetcher_")),
        "{names:?}"
    );
    let squares: Vec<u64> = pool
        .map(|n: u64| n * n, 0..50)
        .expect("open")
        .map(|r| r.expect("ok"))
        .collect();
    assert_eq!(squares, (0..50).map(|n| n * n).collect::<Vec<_>>());
    let done = pool.submit(|| 1).expect("open");
    done.result(None).expect("ok");
    let here = std::thread::current().id();
    let ran_in = Arc::new(std::sync::Mutex::new(None));
    let ran = ran_in.clone();
    done.add_done_callback(move |_| *ran.lock().unwrap() = Some(std::thread::current().id()));
    assert_eq!(*ran_in.lock().unwrap(), Some(here));
}

fn spawner(reply_timeout: Duration) -> ProcessSpawner {
    ProcessSpawner {
        program: PathBuf::from(env!("CARGO_BIN_EXE_interleave")),
        reply_timeout,
    }
}

#[test]
fn the_process_pool_runs_tasks_in_distinct_worker_processes() {
    let mut pool = ProcessPool::<Native>::new(3, spawner(Duration::from_secs(30)));
    let futures: Vec<_> = (0..11)
        .map(|n| pool.submit(Task::Square(n)).expect("open"))
        .collect();
    pool.shutdown(true);
    let done: Vec<_> = futures
        .iter()
        .map(|f| f.result(None).expect("answered"))
        .collect();
    assert_eq!(
        done.iter().map(|d| d.value).collect::<Vec<_>>(),
        (0..11).map(|n| n * n).collect::<Vec<_>>()
    );
    let pids: BTreeSet<u32> = done.iter().map(|d| d.pid).collect();
    assert!(!pids.contains(&std::process::id()));
    assert!((1..=3).contains(&pids.len()), "{pids:?}");
    assert_eq!(
        pool.submit(Task::Square(1)).err(),
        Some(SubmitError::Shutdown)
    );
}

#[test]
fn a_worker_process_that_dies_panics_or_answers_garbage_gives_its_error_and_the_pool_goes_on() {
    let pool = ProcessPool::<Native>::new(1, spawner(Duration::from_secs(30)));
    let first = pool.submit(Task::Square(3)).expect("open");
    let dies = pool.submit(Task::Exit(3)).expect("open");
    let after_death = pool.submit(Task::Square(4)).expect("open");
    let panics = pool.submit(Task::Panic).expect("open");
    let garbage = pool.submit(Task::Garbage).expect("open");
    let after_garbage = pool.submit(Task::Square(5)).expect("open");
    let first = first.result(None).expect("answered");
    assert_eq!(first.value, 9);
    match dies.result(None) {
        Err(TaskError::WorkerDied(why)) => assert!(why.contains("exited"), "{why}"),
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    let replaced = after_death.result(None).expect("a fresh worker");
    assert_eq!(replaced.value, 16);
    assert_ne!(replaced.pid, first.pid, "the dead worker was replaced");
    match panics.result(None) {
        Err(TaskError::Panicked(why)) => assert!(why.contains("on purpose"), "{why}"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    assert!(matches!(garbage.result(None), Err(TaskError::BadReply(_))));
    assert_eq!(after_garbage.result(None).expect("answered").value, 25);
}

#[test]
fn a_worker_process_that_hangs_is_killed_after_the_reply_timeout() {
    let pool = ProcessPool::<Native>::new(1, spawner(Duration::from_millis(200)));
    let started = Instant::now();
    let hangs = pool.submit(Task::SleepMs(60_000)).expect("open");
    let next = pool.submit(Task::Square(2)).expect("open");
    match hangs.result(None) {
        Err(TaskError::WorkerDied(why)) => assert!(why.contains("killed"), "{why}"),
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    assert_eq!(next.result(None).expect("a fresh worker").value, 4);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_missing_worker_binary_is_an_error_not_a_hang() {
    let pool = ProcessPool::<Native>::new(
        1,
        ProcessSpawner {
            program: PathBuf::from("/nonexistent/interleave"),
            reply_timeout: Duration::from_secs(1),
        },
    );
    let future = pool.submit(Task::Square(1)).expect("open");
    assert!(matches!(future.result(None), Err(TaskError::WorkerDied(_))));
}

#[cfg(loom)]
mod loom {
    use crate::support::{
        assert_deadlock, assert_holds, assert_violation, outcome_set, run_variant,
    };
    use interleave::checker::Mode;
    use interleave::lesson::Variant;
    use interleave::models::executor::{broken, demos, properties};
    use interleave::runtime::Backend;

    fn loom(variant: Variant, threads: usize) -> interleave::checker::Report {
        let report = run_variant(&variant, Backend::Loom, threads, Mode::Check, None);
        eprintln!(
            "{} [loom, {threads}]: {} after {} executions in {:?}",
            variant.id,
            report.verdict.name(),
            report.executions,
            report.elapsed
        );
        report
    }

    #[test]
    fn loom_executor_demos_hold() {
        for (variant, threads) in [
            (demos::THREAD_POOL.variant(), 2),
            (demos::MAP.variant(), 2),
            (demos::FETCH_PARSE.variant(), 2),
            (demos::PROCESS_POOL.variant(), 1),
            (properties::NESTED.variant(), 2),
        ] {
            assert_holds(&loom(variant, threads));
        }
    }

    #[test]
    fn loom_executor_cancel_and_callbacks_hold_with_every_outcome() {
        let cancel = loom(properties::CANCEL.variant(), 1);
        assert_holds(&cancel);
        assert_eq!(outcome_set(&cancel).len(), 2);
        let callbacks = loom(properties::CALLBACKS.variant(), 1);
        assert_holds(&callbacks);
        assert_eq!(outcome_set(&callbacks).len(), 1);
        assert_holds(&loom(properties::SHUTDOWN_WAITS.variant(), 1));
        let timeout = loom(properties::RESULT_TIMEOUT.variant(), 1);
        assert_eq!(outcome_set(&timeout), ["result(timeout) got 3"]);
    }

    #[test]
    fn loom_executor_broken_variants_are_caught() {
        assert_violation(
            &loom(broken::CANCEL_RACES_START.variant(), 1),
            "a successful cancel must mean it never runs",
        );
        assert_violation(
            &loom(broken::CALLBACK_RACES_COMPLETION.variant(), 1),
            "a callback must run exactly once",
        );
        assert_violation(
            &loom(broken::SHUTDOWN_RETURNS_EARLY.variant(), 1),
            "shutdown(wait=True) must return only after every task finished",
        );
        assert_deadlock(&loom(properties::NESTED_ONE_WORKER.variant(), 1));
    }
}
