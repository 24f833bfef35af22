//! # Exercise `thread-pool`: the tutorial's 6 `ThreadPoolExecutor`, with its contract
//!
//! A pool of worker threads takes tasks (`submit`) and hands back one future per task (`result`,
//! `done`, `cancel`, `add_done_callback`); `shutdown(wait=True)` returns once every task has
//! finished. The reference solution is the lesson `executor`'s pool, which breaks it three
//! ways; its scenarios (now the contract's, [`scenarios`]) are the properties here, generic over
//! any pool.
//!
//! Items are `usize`: a task is `Box<dyn FnOnce() -> usize + Send>`, a result a `usize`.

pub use crate::exercises::thread_pool::*;

#[cfg(feature = "cli")]
use crate::gate::Exercise;
use crate::gate::Property;
use crate::lesson::{Expect, Row};

// Written as a student writes it (`pub` items in a crate of its own).
#[cfg(feature = "cli")]
#[allow(unreachable_pub)]
#[path = "starter.rs"]
pub(crate) mod starter;

/// The properties over `P`'s pool.
pub fn properties<P: Plug>() -> Vec<Property> {
    vec![
        Property {
            name: "runs-exactly-once",
            statement: "every submitted task runs exactly once",
            variant: Row::<Program<P>>::new(
                "thread-pool/runs-exactly-once",
                Goal::RunsExactlyOnce,
                Expect::Holds,
                "workers + 1 tasks, each result() awaited: each task ran once",
            )
            .threads(2, 2)
            .loom_preemption_bound(2)
            .variant(),
        },
        Property {
            name: "results-match",
            statement: "result() waits for its task and gives that task's own value",
            variant: Row::<Program<P>>::new(
                "thread-pool/results-match",
                Goal::ResultsMatch,
                Expect::Holds,
                "two tasks on two workers: each future gives its own task's value",
            )
            .threads(2, 2)
            .loom_preemption_bound(2)
            .variant(),
        },
        Property {
            name: "shutdown-waits",
            statement: "shutdown(wait=True) returns only after every submitted task has finished, and submit is refused after it",
            variant: Row::<Program<P>>::new(
                "thread-pool/shutdown-waits",
                Goal::ShutdownWaits,
                Expect::Holds,
                "one worker, two tasks, shutdown(wait=True): both had finished",
            )
            .variant(),
        },
        Property {
            name: "cancelled-never-runs",
            statement: "a task whose cancel() returned true never runs and its result() is CancelledError; otherwise result() is its value",
            variant: Row::<Program<P>>::new(
                "thread-pool/cancelled-never-runs",
                Goal::CancelledNeverRuns,
                Expect::Holds,
                "cancel races the worker's start: cancel wins and the task never runs, or it fails",
            )
            .variant(),
        },
        Property {
            name: "callback-exactly-once",
            statement: "each done-callback runs exactly once, after its future is done, whether added before, during or after completion",
            variant: Row::<Program<P>>::new(
                "thread-pool/callback-exactly-once",
                Goal::CallbackExactlyOnce,
                Expect::Holds,
                "a callback added while the task finishes, one after: each ran once",
            )
            .variant(),
        },
        Property {
            name: "no-deadlock",
            statement: "a done-callback may call result() and add_done_callback on its future, and every call returns",
            variant: Row::<Program<P>>::new(
                "thread-pool/no-deadlock",
                Goal::NoDeadlock,
                Expect::Holds,
                "callbacks that call result() on their future: every call returns",
            )
            .variant(),
        },
        Property {
            name: "done-when-finished",
            statement: "done() is false while a task runs or waits for a worker, and true once its result() has come",
            variant: Row::<Program<P>>::new(
                "thread-pool/done-when-finished",
                Goal::DoneWhenFinished,
                Expect::Holds,
                "one worker busy with a task that waits for main, one task behind it: neither done until it finished",
            )
            .variant(),
        },
        Property {
            name: "cancel-before-start",
            statement: "cancel() of a task no worker has started succeeds: it returns true, the task never runs, and result() is CancelledError",
            variant: Row::<Program<P>>::new(
                "thread-pool/cancel-before-start",
                Goal::CancelBeforeStart,
                Expect::Holds,
                "one worker busy with a task that waits for main: the task behind it is cancelled",
            )
            .variant(),
        },
        Property {
            name: "at-most-max-workers",
            statement: "tasks run on worker threads, never in the thread that submits them, and never more than max_workers at once",
            variant: Row::<Program<P>>::new(
                "thread-pool/at-most-max-workers",
                Goal::AtMostMaxWorkers,
                Expect::Holds,
                "3 tasks on a pool of 1 worker: never 2 running at once, none in main",
            )
            // One preemption is all a pool with a worker too many needs to run two tasks at
            // once (the worker inside a task switched out for the other); a bound of 1 keeps
            // loom's search of a pool that started three workers within its budget.
            .loom_preemption_bound(1)
            .variant(),
        },
    ]
}

#[cfg(feature = "cli")]
pub fn exercise() -> Exercise {
    Exercise {
        name: "thread-pool",
        statement: "the tutorial's 6 ThreadPoolExecutor: submit, result, cancel, callbacks and shutdown with concurrent.futures' contract",
        readme: include_str!("README.md"),
        starter: include_str!("starter.rs"),
        reference: include_str!("reference.rs"),
        module: "thread_pool",
        builtins: || {
            vec![
                // The reference is compiled once, as the lesson's pool.
                builtin!(
                    thread_pool,
                    "reference",
                    crate::models::executor::reference::Submission<R>,
                    None
                ),
                builtin!(
                    thread_pool,
                    "starter",
                    starter::Submission<R>,
                    Some("shutdown-waits")
                ),
                builtin!(
                    thread_pool,
                    "executor/thread-pool",
                    crate::models::executor::ThreadPool<R>,
                    None
                ),
                builtin!(
                    thread_pool,
                    "executor/cancel-races-start",
                    crate::models::executor::broken::CancelRacesStartPool<R>,
                    Some("cancelled-never-runs")
                ),
                builtin!(
                    thread_pool,
                    "executor/callback-races-completion",
                    crate::models::executor::broken::CallbackRacesCompletionPool<R>,
                    Some("callback-exactly-once")
                ),
                builtin!(
                    thread_pool,
                    "executor/shutdown-returns-early",
                    crate::models::executor::broken::ShutdownReturnsEarlyPool<R>,
                    Some("shutdown-waits")
                ),
            ]
        },
    }
}
