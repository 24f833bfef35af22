//! The contract, one scenario per rule, each small enough for loom (one or two workers, one or
//! two tasks), run with the real pool. The first three are the exercise's
//! ([`crate::exercises::thread_pool::scenarios`]), generic over any [`Executor`]: the
//! `thread-pool` exercise checks a student's pool with them, and [`super::broken`] the flawed
//! pools.

use super::thread_pool::ThreadPool;
use super::{PoolReport, TaskError};
use crate::exercises::thread_pool::Executor;
use crate::exercises::thread_pool::scenarios::{
    CANCEL_WON, START_WON, callback_during_completion, callbacks_classify, cancel_classify,
    cancel_race, lines, shutdown_classify, shutdown_then_count,
};
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use std::time::Duration;

/// [`cancel_race`], as the lesson reports it.
fn cancel_against_start<R: Runtime, P: Executor<R>>() -> PoolReport {
    cancel_race::<R, P>().report()
}

pub const GOT_IT: &str = "result(timeout) got 3";
pub const TIMED_OUT: &str = "result(timeout) timed out, result() then got 3";

/// `result(timeout)` against a task that finishes whenever the worker gets to it.
fn result_with_timeout<R: Runtime>() -> PoolReport {
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

/// A task that submits a task to its own pool and waits for it. With a free worker the inner
/// task runs there. With `max_workers = 1` nobody is left to run it: the outer task waits for
/// ever, and main with it. Python documents the same deadlock; the fix is not to wait on a task
/// of your own pool from inside it (or to size the pool for the nesting).
fn nested<R: Runtime>(workers: usize) -> PoolReport {
    let pool = ThreadPool::<R>::new(workers, "pool");
    let handle = pool.handle();
    let outer = pool
        .submit(move || {
            let inner = handle.submit(|| 2).expect("the pool is open");
            inner.result(None).expect("the inner task succeeds") * 10
        })
        .expect("the pool is open");
    let value = outer.result(None);
    pool.shutdown(true);
    PoolReport(vec![format!("outer task got {value:?}")])
}

const NESTED_GOT: &str = "outer task got Ok(20)";

/// The contract's scenarios, each run with the real pool ([`super::broken`] runs them with a
/// flaw built in).
pub struct PoolContract;

/// Which scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolScenario {
    Cancel,
    Callbacks,
    ShutdownWaits,
    ResultTimeout,
    /// A task waits on a task it submitted, with a second worker free.
    Nested,
    /// The same with the only worker.
    NestedOneWorker,
}

impl Lesson for PoolContract {
    type Version = PoolScenario;
    type Outcome = PoolReport;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>(scenario: PoolScenario, _: &Params) -> PoolReport {
        match scenario {
            PoolScenario::Cancel => cancel_against_start::<R, ThreadPool<R>>(),
            PoolScenario::Callbacks => callback_during_completion::<R, ThreadPool<R>>(),
            PoolScenario::ShutdownWaits => shutdown_then_count::<R, ThreadPool<R>>(),
            PoolScenario::ResultTimeout => result_with_timeout::<R>(),
            PoolScenario::Nested => nested::<R>(2),
            PoolScenario::NestedOneWorker => nested::<R>(1),
        }
    }

    fn classify(scenario: PoolScenario, outcome: &PoolReport, _: &Params) -> (Class, &'static str) {
        match scenario {
            PoolScenario::Cancel => cancel_classify(outcome),
            PoolScenario::Callbacks => callbacks_classify(outcome),
            PoolScenario::ShutdownWaits => shutdown_classify(outcome),
            // Under loom a timed wait never times out, so only the first appears there.
            PoolScenario::ResultTimeout => match outcome.0.as_slice() {
                [line] if line == GOT_IT => (Class::Acceptable, "the task finished in time"),
                [line] if line == TIMED_OUT => (Class::Interesting, "the timeout fired first"),
                _ => (Class::Forbidden, "a wrong result"),
            },
            PoolScenario::Nested | PoolScenario::NestedOneWorker => match outcome.0.as_slice() {
                [line] if line == NESTED_GOT => {
                    (Class::Acceptable, "the inner task ran on the free worker")
                }
                _ => (Class::Forbidden, "a wrong result"),
            },
        }
    }

    fn possible_outcomes(scenario: PoolScenario, _: &Params) -> Option<Vec<PoolReport>> {
        match scenario {
            PoolScenario::Cancel => Some(vec![lines(&[CANCEL_WON]), lines(&[START_WON])]),
            PoolScenario::Callbacks => Some(vec![lines(&[
                "callback added during completion ran 1 time(s)",
                "callback added after completion ran 1 time(s)",
            ])]),
            PoolScenario::ShutdownWaits => Some(vec![lines(&[
                "shutdown(wait=True) returned after 2 of 2 tasks finished",
            ])]),
            PoolScenario::Nested | PoolScenario::NestedOneWorker => {
                Some(vec![lines(&[NESTED_GOT])])
            }
            PoolScenario::ResultTimeout => None,
        }
    }
}

pub const CANCEL: Row<PoolContract> = Row::new(
    "executor/cancel",
    PoolScenario::Cancel,
    Expect::Holds,
    "cancel races the worker's start: either cancel wins and the task never runs, or it fails",
)
.max_threads(1);
pub const CALLBACKS: Row<PoolContract> = Row::new(
    "executor/callbacks",
    PoolScenario::Callbacks,
    Expect::Holds,
    "add_done_callback while the task finishes, and after: each callback runs exactly once",
)
.max_threads(1);
pub const SHUTDOWN_WAITS: Row<PoolContract> = Row::new(
    "executor/shutdown-waits",
    PoolScenario::ShutdownWaits,
    Expect::Holds,
    "shutdown(wait=True) joins the workers: every queued task has finished when it returns",
)
.max_threads(1);
pub const RESULT_TIMEOUT: Row<PoolContract> = Row::new(
    "executor/result-timeout",
    PoolScenario::ResultTimeout,
    Expect::Holds,
    "result(timeout) returns the value or TimeoutError, and a later result() still gets it",
)
.max_threads(1);
pub const NESTED: Row<PoolContract> = Row::new(
    "executor/nested",
    PoolScenario::Nested,
    Expect::Holds,
    "a task submits a task to its own pool and waits for it, while a worker is free: no deadlock",
)
.threads(2, 2)
.max_threads(2);
pub const NESTED_ONE_WORKER: Row<PoolContract> = Row::new(
    "executor/nested-one-worker",
    PoolScenario::NestedOneWorker,
    Expect::Deadlock,
    "DEADLOCK (documented): the only worker waits for a task it submitted, which needs a worker",
)
.max_threads(1);
