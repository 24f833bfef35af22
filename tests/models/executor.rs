//! Executors (tutorial 6): the contract under shuttle (and loom), each broken executor caught
//! with the property it breaks, and the documented errors natively: submit after shutdown, a
//! panicking task, a result timeout, a worker process that dies, hangs or answers garbage.

use crate::support::{
    assert_deadlock, assert_holds, assert_holds_with, assert_message, assert_violation, check,
    declared, outcome_set, run_variant, strings,
};
use interleave::checker::Mode;
use interleave::lesson::{Ratios, Row};
use interleave::models::executor::native::ProcessSpawner;
use interleave::models::executor::properties::PoolContract;
use interleave::models::executor::{
    ProcessPool, SubmitError, Task, TaskError, ThreadPool, broken, default_max_workers, demos,
    properties, shutdown_no_wait,
};
use interleave::runtime::{Backend, Native};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::mem::discriminant;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What each broken executor's check must report: the promise it breaks.
const CANCEL_PROMISE: &str = "a successful cancel must mean it never runs";
const CALLBACK_PROMISE: &str = "a callback must run exactly once";
const SHUTDOWN_PROMISE: &str = "shutdown(wait=True) must return only after every task finished";

#[test]
fn the_demos_hold_every_task_once_results_in_order() {
    for (demo, executions) in [
        (demos::THREAD_POOL, 150),
        (demos::PROCESS_POOL, 100),
        (demos::MAP, 150),
        (demos::FETCH_PARSE, 150),
    ] {
        let report = check(demo, Backend::Shuttle, 3, executions);
        assert_holds(&report);
        let seen = outcome_set(&report);
        let each_once = seen.iter().all(|o| o.contains("each once"));
        assert!(each_once, "{}: {seen:?}", demo.id);
    }
}

#[test]
fn cancel_either_wins_before_the_start_or_fails_and_the_task_runs_once() {
    assert_holds(&check(properties::CANCEL, Backend::Shuttle, 1, 500));
    assert_holds_with(
        &run_variant(properties::CANCEL, Backend::Shuttle, 1, Mode::Outcomes, 300),
        &[
            "cancel won: the task never ran, result() is CancelledError",
            "the task started first: cancel failed, result() is 7",
        ],
    );
}

/// Each callback runs exactly once, added during or after completion; `shutdown(wait=True)` waits
/// for the queued tasks (and then refuses new ones); `result(timeout)` returns the value or a
/// timeout error. Each holds, with exactly these outcomes.
#[test]
fn callbacks_shutdown_and_result_timeout_keep_their_promises() {
    let cases: [(Row<PoolContract>, Mode, usize, &[&str]); 3] = [
        (
            properties::CALLBACKS,
            Mode::Outcomes,
            500,
            &[
                "callback added during completion ran 1 time(s); callback added after completion ran 1 time(s)",
            ],
        ),
        (
            properties::SHUTDOWN_WAITS,
            Mode::Check,
            500,
            &["shutdown(wait=True) returned after 2 of 2 tasks finished"],
        ),
        (
            properties::RESULT_TIMEOUT,
            Mode::Outcomes,
            300,
            &[
                "result(timeout) got 3",
                "result(timeout) timed out, result() then got 3",
            ],
        ),
    ];
    for (row, mode, executions, expected) in cases {
        let report = run_variant(row, Backend::Shuttle, 1, mode, executions);
        assert_holds_with(&report, expected);
    }
}

#[test]
fn a_task_may_wait_on_a_task_it_submitted_while_a_worker_is_free() {
    assert_holds(&check(properties::NESTED, Backend::Shuttle, 2, 300));
}

#[test]
fn with_one_worker_a_task_waiting_on_its_own_subtask_deadlocks_as_documented() {
    let report = check(properties::NESTED_ONE_WORKER, Backend::Shuttle, 1, 100);
    assert_message(&assert_deadlock(&report), "future.done");
}

#[test]
fn broken_cancel_racing_the_start_is_caught_a_cancelled_task_runs() {
    let report = check(broken::CANCEL_RACES_START, Backend::Shuttle, 1, 1000);
    let failure = assert_violation(&report, CANCEL_PROMISE);
    assert!(failure.replay.is_some());
    assert!(!failure.trace.events.is_empty());
}

#[test]
fn broken_callback_racing_completion_is_caught_running_never_or_twice() {
    let racy = broken::CALLBACK_RACES_COMPLETION;
    assert_violation(&check(racy, Backend::Shuttle, 1, 1000), CALLBACK_PROMISE);
    let report = run_variant(racy, Backend::Shuttle, 1, Mode::Outcomes, 500);
    let counts: BTreeSet<String> = outcome_set(&report)
        .iter()
        .map(|o| o.split(';').next().unwrap_or_default().to_owned())
        .collect();
    for times in ["0", "2"] {
        let during = format!("callback added during completion ran {times} time(s)");
        assert!(counts.contains(&during), "{counts:?}");
    }
}

#[test]
fn broken_shutdown_returning_before_queued_tasks_finish_is_caught() {
    let report = check(broken::SHUTDOWN_RETURNS_EARLY, Backend::Shuttle, 1, 1000);
    assert_violation(&report, SHUTDOWN_PROMISE);
}

/// `shutdown(wait=False)`, main's next line, a refused `submit`, the end of main's code: every
/// merge of main's two lines with the two tasks' lines (one worker, so task 0 first). In all but
/// the last, shutdown returned before a task had run, and the exit waited for it.
const SHUTDOWN_NO_WAIT_OUTCOMES: [&str; 6] = [
    "main: shutdown(wait=False) returned | main: submit after shutdown: RuntimeError: cannot schedule new futures after shutdown | task 0 done | task 1 done",
    "main: shutdown(wait=False) returned | task 0 done | main: submit after shutdown: RuntimeError: cannot schedule new futures after shutdown | task 1 done",
    "main: shutdown(wait=False) returned | task 0 done | task 1 done | main: submit after shutdown: RuntimeError: cannot schedule new futures after shutdown",
    "task 0 done | main: shutdown(wait=False) returned | main: submit after shutdown: RuntimeError: cannot schedule new futures after shutdown | task 1 done",
    "task 0 done | main: shutdown(wait=False) returned | task 1 done | main: submit after shutdown: RuntimeError: cannot schedule new futures after shutdown",
    "task 0 done | task 1 done | main: shutdown(wait=False) returned | main: submit after shutdown: RuntimeError: cannot schedule new futures after shutdown",
];

#[test]
fn shutdown_without_wait_returns_at_once_refuses_submit_and_the_exit_waits_for_every_task() {
    let row = shutdown_no_wait::SHUTDOWN_NO_WAIT;
    assert_eq!(
        declared(&row.variant(), 1),
        strings(&SHUTDOWN_NO_WAIT_OUTCOMES)
    );
    assert_holds(&check(row, Backend::Shuttle, 1, 500));
    let report = run_variant(row, Backend::Shuttle, 1, Mode::Outcomes, 2_000);
    assert_holds_with(&report, &SHUTDOWN_NO_WAIT_OUTCOMES);
    let early = report
        .outcomes
        .rows
        .keys()
        .filter(|o| o.label.starts_with("shutdown returned before a task ran"))
        .count();
    assert_eq!(early, 5, "{:?}", report.outcomes.rows.keys());
}

#[test]
fn a_process_pools_done_callback_runs_in_the_parent_in_the_model() {
    let report = run_variant(
        demos::PROCESS_CALLBACK,
        Backend::Shuttle,
        3,
        Mode::Outcomes,
        200,
    );
    assert_holds_with(
        &report,
        &[
            "5 pages: each page fetched in a worker process, parsed by its callback in the parent process",
        ],
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
    assert_eq!(
        default_max_workers(),
        (cpus + 4).min(32),
        "Python 3.8+: min(32, cpu_count() + 4)"
    );
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

/// The task failed with an error of `kind` (a dead worker, a panic) whose text says `says`.
fn assert_task_failed<T: Debug>(
    result: Result<T, TaskError>,
    kind: fn(String) -> TaskError,
    says: &str,
) {
    let expected = kind(String::new());
    let error = result.err();
    let text = match &error {
        Some(error) if discriminant(error) == discriminant(&expected) => error.to_string(),
        other => panic!("expected {expected:?}, got {other:?}"),
    };
    assert!(text.contains(says), "{text}");
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
    assert_task_failed(dies.result(None), TaskError::WorkerDied, "exited");
    let replaced = after_death.result(None).expect("a fresh worker");
    assert_eq!(replaced.value, 16);
    assert_ne!(replaced.pid, first.pid, "the dead worker was replaced");
    assert_task_failed(panics.result(None), TaskError::Panicked, "on purpose");
    assert!(matches!(garbage.result(None), Err(TaskError::BadReply(_))));
    assert_eq!(after_garbage.result(None).expect("answered").value, 25);
}

#[test]
fn a_worker_process_that_hangs_is_killed_after_the_reply_timeout() {
    let pool = ProcessPool::<Native>::new(1, spawner(Duration::from_millis(200)));
    let started = Instant::now();
    let hangs = pool.submit(Task::SleepMs(60_000)).expect("open");
    let next = pool.submit(Task::Square(2)).expect("open");
    assert_task_failed(hangs.result(None), TaskError::WorkerDied, "killed");
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

#[test]
fn a_process_pools_done_callback_runs_in_the_parent_process_not_the_worker() {
    let parent = std::process::id();
    let pool = ProcessPool::<Native>::new(2, spawner(Duration::from_secs(30)));
    let seen = demos::fetch_then_parse_in_processes(pool, 4, std::process::id)
        .expect("every page fetched");
    assert_eq!(
        seen.iter().map(|p| p.page).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    for pids in &seen {
        assert_eq!(pids.callback, parent, "{pids:?}");
        assert_ne!(pids.worker, parent, "{pids:?}");
    }
    let note = demos::callback_pids_note(&seen, parent);
    let first = seen[0].worker;
    assert!(
        note.starts_with(&format!(
            "worker pid {first}, callback pid {parent} (= parent {parent})"
        )),
        "{note}"
    );
}

/// `time executor` compares the pools pair by pair, each pair on the same work: the tutorial's
/// demo with its sleeps in both pools, start-up, tiny tasks, fetch-then-parse (whose process
/// row shows the callbacks' pid, the parent's). No time is asserted.
#[test]
fn the_executor_table_compares_the_pools_on_the_same_work_pair_by_pair() {
    let timing = demos::measure(&spawner(Duration::from_secs(30)));
    assert_eq!(timing.ratios, Ratios::Groups(vec![2, 2, 2, 2]));
    let labels: Vec<&str> = timing.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "thread pool demo: 11 tasks that sleep 1-3 s, n**2; 3 threads",
            "process pool demo: the same 11 tasks; 3 worker processes",
            "thread pool start-up (3 workers, first result; median of 5)",
            "process pool start-up (3 workers, first result; median of 5)",
            "thread pool: 2000 tiny tasks (n**2, no sleep)",
            "process pool: the same 2000 tiny tasks",
            "thread pool: get_page + parse_page callback, 5 pages",
            "process pool: the same 5 pages",
        ]
    );
    for row in &timing.rows {
        assert!(
            !row.note.contains("not measured"),
            "{}: {}",
            row.label,
            row.note
        );
    }
    assert!(
        timing.title.contains("each pair on the same work"),
        "{}",
        timing.title
    );
    let parent = std::process::id();
    assert!(
        timing.rows[7]
            .note
            .contains(&format!("callbacks pid {parent} x5")),
        "{}",
        timing.rows[7].note
    );
    assert_eq!(timing.ratio(1).is_some(), timing.ratio(2).is_some());
}

#[cfg(loom)]
mod loom {
    use super::*;
    use crate::support::{assert_outcomes, loom};

    #[test]
    fn loom_executor_demos_hold() {
        for demo in [
            demos::THREAD_POOL,
            demos::MAP,
            demos::FETCH_PARSE,
            demos::PROCESS_POOL,
        ] {
            assert_holds(&loom(demo, Mode::Check));
        }
        assert_holds(&loom(properties::NESTED, Mode::Check));
    }

    #[test]
    fn loom_executor_cancel_and_callbacks_hold_with_every_outcome() {
        for (row, outcomes) in [(properties::CANCEL, 2), (properties::CALLBACKS, 1)] {
            let report = loom(row, Mode::Check);
            assert_holds(&report);
            assert_eq!(outcome_set(&report).len(), outcomes, "{}", row.id);
        }
        assert_holds(&loom(properties::SHUTDOWN_WAITS, Mode::Check));
        let timeout = loom(properties::RESULT_TIMEOUT, Mode::Check);
        assert_outcomes(&timeout, &["result(timeout) got 3"]);
    }

    #[test]
    fn loom_executor_broken_variants_are_caught() {
        for (row, promise) in [
            (broken::CANCEL_RACES_START, CANCEL_PROMISE),
            (broken::CALLBACK_RACES_COMPLETION, CALLBACK_PROMISE),
            (broken::SHUTDOWN_RETURNS_EARLY, SHUTDOWN_PROMISE),
        ] {
            assert_violation(&loom(row, Mode::Check), promise);
        }
        assert_deadlock(&loom(properties::NESTED_ONE_WORKER, Mode::Check));
    }

    #[test]
    fn loom_shutdown_without_wait_has_exactly_the_six_merges() {
        let report = loom(shutdown_no_wait::SHUTDOWN_NO_WAIT, Mode::Outcomes);
        assert_holds_with(&report, &SHUTDOWN_NO_WAIT_OUTCOMES);
    }

    #[test]
    fn loom_a_process_pools_callbacks_run_in_the_parent() {
        let report = loom(demos::PROCESS_CALLBACK, Mode::Check);
        assert_holds_with(
            &report,
            &[
                "2 pages: each page fetched in a worker process, parsed by its callback in the parent process",
            ],
        );
    }
}
