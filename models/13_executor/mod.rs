//! # Executors (tutorial 6): a thread pool and a process pool behind one `Future`
//!
//! `concurrent.futures` hides threads behind two ideas: an executor that takes tasks (`submit`,
//! `map`, `shutdown`) and a future per task (`result`, `done`, `cancel`, `add_done_callback`).
//! Under the hood ([`thread_pool`]) it is the queue lesson again: a FIFO of tasks under a lock,
//! workers that wait on a condition variable to take from it, and a shutdown that lets them
//! empty it before they stop (CPython puts a `None` sentinel behind the last task). The pool and
//! its futures are the `thread-pool` exercise's reference solution, compiled here from its file
//! ([`mod@reference`], `src/gate/exercises/thread_pool/reference.rs`): one implementation, which the
//! gate grades as a student's file and this lesson runs. The interesting part is the
//! [`future`]: three parties (the worker, the waiter, whoever cancels or adds a callback) race on
//! one small state machine, and each rule of the contract is true only because a transition is
//! one step under a lock:
//! - `cancel` succeeds only while the task has not started, and then it never runs;
//! - each callback runs exactly once, also when added while the task is finishing, or after;
//! - `shutdown(wait=True)` returns after every submitted task has finished;
//! - `map` gives results in the input order, whatever order tasks finish in;
//! - `shutdown(wait=False)` returns at once, yet the program waits for every task at exit, and
//!   `submit` after `shutdown` is refused ([`shutdown_no_wait`], `executor/shutdown-no-wait`).
//!
//! The tutorial says `done()` tells "whether a thread has finished"; actually it is a future's
//! state: whether that task has finished or was cancelled (a worker thread runs many tasks and is
//! never "done" while the pool is open).
//!
//! [`broken`] is the same pool with each of those steps split in two (the flawed step replacing
//! the reference's), and the checkers find the gap with a timeline:
//! `executor/cancel-races-start`, `executor/callback-races-completion`,
//! `executor/shutdown-returns-early`. [`properties`] are the same scenarios with the real code, plus
//! a task that submits a task: fine while a worker is free, a deadlock (as documented by Python)
//! when the only worker waits for a task that needs a worker.
//!
//! The [`process_pool`] keeps the contract with workers that share nothing: tasks and results are
//! text lines. Natively ([`native`]) a worker is this binary re-executed; in the models, an
//! isolated thread behind two pipes. [`demos`] are the tutorial's programs and the native timing.
//!
//! What the backends cannot model: under loom `result(timeout)` never times out (loom has no
//! clock); under shuttle a timed wait may end at any point (see [`crate::sync::Condvar`]).

pub mod broken;
pub mod demos;
pub mod future;
pub mod native;
pub mod process_pool;
pub mod properties;
// Written as a student writes it (`pub` items in a crate of its own).
#[allow(unreachable_pub)]
#[path = "../../src/gate/exercises/thread_pool/reference.rs"]
pub mod reference;
pub mod shutdown_no_wait;
pub mod thread_pool;

pub use self::future::{Future, TaskError};
pub use self::process_pool::{ProcessPool, Task, WorkerAnswer};
pub use self::thread_pool::{PoolHandle, ThreadPool, default_max_workers};
pub use crate::exercises::thread_pool::{PoolReport, SubmitError};

use crate::lesson::Concept;

/// A bug to build into the pool, for the broken variants ([`broken::Flawed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolFlaw {
    /// The worker checks "cancelled?" and marks the task running in two separate steps.
    CancelRacesStart,
    /// Adding a callback and completing the future each look at the other in two steps.
    CallbackRacesCompletion,
    /// `shutdown(wait=True)` waits until every task was taken, not until every task finished.
    ShutdownWaitsForQueue,
}

pub fn concept() -> Concept {
    Concept::new(
        "executor",
        "thread and process pools: futures, callbacks, cancel, shutdown (tutorial 6)",
        file!(),
    )
    .rows(&[
        demos::THREAD_POOL,
        demos::PROCESS_POOL,
        demos::MAP,
        demos::FETCH_PARSE,
        demos::PROCESS_CALLBACK,
    ])
    .rows(&[
        properties::CANCEL,
        properties::CALLBACKS,
        properties::SHUTDOWN_WAITS,
        properties::RESULT_TIMEOUT,
        properties::NESTED,
        properties::NESTED_ONE_WORKER,
    ])
    .rows(&[
        broken::CANCEL_RACES_START,
        broken::CALLBACK_RACES_COMPLETION,
        broken::SHUTDOWN_RETURNS_EARLY,
    ])
    .rows(&[shutdown_no_wait::SHUTDOWN_NO_WAIT])
    .timing(demos::timing)
}
