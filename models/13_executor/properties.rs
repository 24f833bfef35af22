//! The contract, one scenario per rule, each small enough for loom (one or two workers, one or
//! two tasks). The same scenarios run the flawed pools in [`super::broken`].

use super::thread_pool::ThreadPool;
use super::{Flaw, Lines, SubmitError, TaskError};
use crate::model::{Class, Expect, Params, Program};
use crate::runtime::Runtime;
use crate::sync::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

fn lines(items: &[&str]) -> Lines {
    Lines(items.iter().map(|s| s.to_string()).collect())
}

pub(super) const CANCEL_WON: &str = "cancel won: the task never ran, result() is CancelledError";
pub(super) const START_WON: &str = "the task started first: cancel failed, result() is 7";

/// One worker, one task, and `cancel` from main racing with the worker's start.
pub(super) fn cancel_against_start<R: Runtime>(flaw: Flaw) -> Lines {
    let pool = ThreadPool::<R>::with_flaw(1, "pool", flaw);
    let runs = Arc::new(AtomicUsize::<R>::named("task runs", 0));
    let future = {
        let runs = runs.clone();
        pool.submit(move || {
            runs.fetch_add(1);
            7
        })
        .expect("the pool is open")
    };
    let cancelled = future.cancel();
    pool.shutdown(true);
    let runs = runs.load();
    let result = future.result(None);
    assert!(
        !(cancelled && runs > 0),
        "cancel() returned true, yet the task ran {runs} time(s): a successful cancel must mean it never runs"
    );
    match (cancelled, runs, result) {
        (true, 0, Err(TaskError::Cancelled)) => lines(&[CANCEL_WON]),
        (false, 1, Ok(7)) => lines(&[START_WON]),
        (cancelled, runs, result) => Lines(vec![format!(
            "cancel() = {cancelled}, ran {runs} time(s), result() = {result:?}"
        )]),
    }
}

fn cancel_classify(outcome: &Lines) -> (Class, &'static str) {
    match outcome.0.as_slice() {
        [line] if line == CANCEL_WON || line == START_WON => {
            (Class::Acceptable, "ran exactly once unless cancelled")
        }
        _ => (Class::Forbidden, "cancel and run disagree"),
    }
}

pub struct Cancel;

impl Program for Cancel {
    const ID: &'static str = "executor/cancel";
    const SUMMARY: &'static str =
        "cancel races the worker's start: either cancel wins and the task never runs, or it fails";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        cancel_against_start::<R>(Flaw::None)
    }

    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        cancel_classify(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Lines>> {
        Some(vec![lines(&[CANCEL_WON]), lines(&[START_WON])])
    }
}

/// One task; main adds a callback while the worker may be finishing it, then (after `result`)
/// adds another to the finished future. Each callback counts its runs.
pub(super) fn callback_during_completion<R: Runtime>(flaw: Flaw) -> Lines {
    let pool = ThreadPool::<R>::with_flaw(1, "pool", flaw);
    let future = pool.submit(|| 5).expect("the pool is open");
    let during = Arc::new(AtomicUsize::<R>::named("callback runs", 0));
    {
        let during = during.clone();
        future.add_done_callback(move |f| {
            assert!(f.done(), "a callback ran before its future was done");
            during.fetch_add(1);
        });
    }
    assert_eq!(future.result(None), Ok(5));
    let after = Arc::new(AtomicUsize::<R>::named("late callback runs", 0));
    {
        let after = after.clone();
        future.add_done_callback(move |_| {
            after.fetch_add(1);
        });
    }
    assert_eq!(
        after.load(),
        1,
        "a callback added after completion must run at once, in the adding thread"
    );
    pool.shutdown(true);
    Lines(vec![
        format!(
            "callback added during completion ran {} time(s)",
            during.load()
        ),
        format!(
            "callback added after completion ran {} time(s)",
            after.load()
        ),
    ])
}

pub(super) fn callbacks_classify(outcome: &Lines) -> (Class, &'static str) {
    if outcome
        .0
        .iter()
        .all(|line| line.ends_with(" ran 1 time(s)"))
    {
        (Class::Acceptable, "each callback ran exactly once")
    } else {
        (Class::Forbidden, "a callback must run exactly once")
    }
}

pub struct Callbacks;

impl Program for Callbacks {
    const ID: &'static str = "executor/callbacks";
    const SUMMARY: &'static str =
        "add_done_callback while the task finishes, and after: each callback runs exactly once";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        callback_during_completion::<R>(Flaw::None)
    }

    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        callbacks_classify(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Lines>> {
        Some(vec![lines(&[
            "callback added during completion ran 1 time(s)",
            "callback added after completion ran 1 time(s)",
        ])])
    }
}

/// One worker, two tasks (so one is queued), `shutdown(true)`: how many had finished by then.
pub(super) fn shutdown_then_count<R: Runtime>(flaw: Flaw) -> Lines {
    let pool = ThreadPool::<R>::with_flaw(1, "pool", flaw);
    let finished = Arc::new(AtomicUsize::<R>::named("finished", 0));
    for _ in 0..2 {
        let finished = finished.clone();
        pool.submit(move || {
            finished.fetch_add(1);
        })
        .expect("the pool is open");
    }
    pool.shutdown(true);
    let seen = finished.load();
    let refused = pool.submit(|| ()).err();
    assert_eq!(
        refused,
        Some(SubmitError::Shutdown),
        "submit after shutdown must be refused"
    );
    Lines(vec![format!(
        "shutdown(wait=True) returned after {seen} of 2 tasks finished"
    )])
}

pub(super) fn shutdown_classify(outcome: &Lines) -> (Class, &'static str) {
    match outcome.0.as_slice() {
        [line] if line.contains("after 2 of 2") => {
            (Class::Acceptable, "shutdown waited for every task")
        }
        _ => (
            Class::Forbidden,
            "shutdown(wait=True) must return only after every task finished",
        ),
    }
}

pub struct ShutdownWaits;

impl Program for ShutdownWaits {
    const ID: &'static str = "executor/shutdown-waits";
    const SUMMARY: &'static str =
        "shutdown(wait=True) joins the workers: every queued task has finished when it returns";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        shutdown_then_count::<R>(Flaw::None)
    }

    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        shutdown_classify(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Lines>> {
        Some(vec![lines(&[
            "shutdown(wait=True) returned after 2 of 2 tasks finished",
        ])])
    }
}

pub const GOT_IT: &str = "result(timeout) got 3";
pub const TIMED_OUT: &str = "result(timeout) timed out, result() then got 3";

/// `result(timeout)` against a task that finishes whenever the worker gets to it.
fn result_with_timeout<R: Runtime>() -> Lines {
    let pool = ThreadPool::<R>::new(1, "pool");
    let future = pool.submit(|| 3).expect("the pool is open");
    let line = match future.result(Some(Duration::from_millis(100))) {
        Ok(3) => GOT_IT,
        Err(TaskError::Timeout) => {
            assert_eq!(
                future.result(None),
                Ok(3),
                "a timeout must not lose the result"
            );
            TIMED_OUT
        }
        other => panic!("result(timeout) returned {other:?}"),
    };
    lines(&[line])
}

pub struct ResultTimeout;

impl Program for ResultTimeout {
    const ID: &'static str = "executor/result-timeout";
    const SUMMARY: &'static str =
        "result(timeout) returns the value or TimeoutError, and a later result() still gets it";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        result_with_timeout::<R>()
    }

    /// Under loom a timed wait never times out, so only the first appears there.
    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        match outcome.0.as_slice() {
            [line] if line == GOT_IT => (Class::Acceptable, "the task finished in time"),
            [line] if line == TIMED_OUT => (Class::Interesting, "the timeout fired first"),
            _ => (Class::Forbidden, "a wrong result"),
        }
    }
}

/// A task that submits a task to its own pool and waits for it. With a free worker the inner
/// task runs there. With `max_workers = 1` nobody is left to run it: the outer task waits for
/// ever, and main with it. Python documents the same deadlock; the fix is not to wait on a task
/// of your own pool from inside it (or to size the pool for the nesting).
pub struct Nested<const WORKERS: usize>;

impl<const WORKERS: usize> Program for Nested<WORKERS> {
    const ID: &'static str = if WORKERS == 1 {
        "executor/nested-one-worker"
    } else {
        "executor/nested"
    };
    const SUMMARY: &'static str = if WORKERS == 1 {
        "DEADLOCK (documented): the only worker waits for a task it submitted, which needs a worker"
    } else {
        "a task submits a task to its own pool and waits for it, while a worker is free: no deadlock"
    };
    const EXPECT: Expect = if WORKERS == 1 {
        Expect::Deadlock
    } else {
        Expect::Holds
    };
    const THREADS: usize = WORKERS;
    const LOOM_THREADS: usize = WORKERS;
    const MAX_THREADS: usize = WORKERS;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        let pool = ThreadPool::<R>::new(WORKERS, "pool");
        let handle = pool.handle();
        let outer = pool
            .submit(move || {
                let inner = handle.submit(|| 2).expect("the pool is open");
                inner.result(None).expect("the inner task succeeds") * 10
            })
            .expect("the pool is open");
        let value = outer.result(None);
        pool.shutdown(true);
        Lines(vec![format!("outer task got {value:?}")])
    }

    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        match outcome.0.as_slice() {
            [line] if line == "outer task got Ok(20)" => {
                (Class::Acceptable, "the inner task ran on the free worker")
            }
            _ => (Class::Forbidden, "a wrong result"),
        }
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Lines>> {
        Some(vec![lines(&["outer task got Ok(20)"])])
    }
}
