//! The `thread-pool` exercise's contract: the traits a student implements ([`Executor`],
//! [`Future`]), their errors ([`SubmitError`], [`CancelledError`]), the [`Plug`] that names a
//! submission for every backend, and the properties' [`Program`], with the lesson `executor`'s
//! own [`scenarios`] among them. The lesson's pools implement the traits; the gate
//! (`interleave::gate::exercises::thread_pool`, which re-exports all of this) grades
//! implementations with it.
//!
//! Items are `usize`: a task is `Box<dyn FnOnce() -> usize + Send>`, a result a `usize`.

use crate::lesson::{Class, Lesson, Params, Threads};
use crate::runtime::Runtime;
use crate::sync::AtomicUsize;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

pub mod busy_worker;
pub mod scenarios;

/// For a `result` with a timeout: what is left of it, as a queue's timed `get` computes it.
pub use crate::exercises::bounded_queue::Deadline;

use busy_worker::{at_most_max_workers, cancel_before_start, done_when_finished};
use scenarios::{
    callback_during_completion, callbacks_classify, cancel_race, shutdown_classify,
    shutdown_then_count,
};

/// Why `submit` refused a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// Python's `RuntimeError('cannot schedule new futures after shutdown')`.
    Shutdown,
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot schedule new futures after shutdown")
    }
}

impl std::error::Error for SubmitError {}

/// An outcome: a few lines describing what the execution did.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolReport(pub Vec<String>);

impl fmt::Display for PoolReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

/// A task: Python's `fn` with its arguments bound in, returning a number.
pub type Task = Box<dyn FnOnce() -> usize + Send>;

/// A done-callback, called with the future once it is done. Python's callbacks are plain
/// callables (nothing stops calling one twice), so this is `Fn`: calling it exactly once is the
/// future's job.
pub type Callback<F> = Box<dyn Fn(&F) + Send + Sync>;

/// What `result` gives for a task whose `cancel` succeeded (Python's `CancelledError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CancelledError;

impl fmt::Display for CancelledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CancelledError: the task was cancelled")
    }
}

impl std::error::Error for CancelledError {}

/// What a student implements: `concurrent.futures.ThreadPoolExecutor`, for tasks that return a
/// `usize`.
pub trait Executor<R: Runtime>: Send + Sync + 'static {
    /// The handle `submit` gives back for each task.
    type Future: Future;

    /// A pool that runs tasks on at most `max_workers` threads (at least 1).
    fn new(max_workers: usize) -> Self;

    /// Schedules `task` to run once on a worker and returns its future at once, without waiting.
    /// After `shutdown`, refuses with [`SubmitError::Shutdown`] (Python's `RuntimeError`).
    fn submit(&self, task: Task) -> Result<Self::Future, SubmitError>;

    /// No new task is accepted from now on; tasks already submitted still run. With `wait`,
    /// returns only after every one of them has finished (and its callbacks have run) and the
    /// workers have stopped. Calling it twice is harmless.
    fn shutdown(&self, wait: bool);
}

/// What a student implements: `concurrent.futures.Future`, one task's result-to-be. Called from
/// any thread, at any time, also while a worker runs or finishes the task.
pub trait Future: Send + Sync + 'static {
    /// Blocks until the task is done; then its value, or [`CancelledError`] if it was cancelled.
    fn result(&self) -> Result<usize, CancelledError>;

    /// Whether the task has finished or was cancelled.
    fn done(&self) -> bool;

    /// Succeeds (`true`) only if the task has not started yet (or was already cancelled): then it
    /// never runs, it is done, and `result` gives [`CancelledError`]. `false` once it has started.
    fn cancel(&self) -> bool;

    /// Calls `callback` with this future once it is done (finished or cancelled): at once, in
    /// this thread, if it already is; otherwise in the thread that finishes or cancels it.
    /// Exactly once either way. A callback may call `result` and `done` on its future.
    fn add_done_callback(&self, callback: Callback<Self>);
}

/// Names a submission's type for every backend (the harness implements it for the student's
/// `Submission<R>`).
pub trait Plug: 'static {
    /// The submission's pool under the backend `R`.
    type Submission<R: Runtime>: Executor<R>;
}

/// Which property a program checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// `runs-exactly-once`: one task more than workers, each `result()` awaited, then
    /// `shutdown(true)`: every task ran exactly once.
    RunsExactlyOnce,
    /// `results-match`: two tasks; each future's `result()` is its own task's value, and it is
    /// `done()` after.
    ResultsMatch,
    /// `shutdown-waits`: one worker, two tasks; `shutdown(true)` returns after both finished,
    /// and `submit` is refused after it ([`scenarios::shutdown_then_count`]).
    ShutdownWaits,
    /// `cancelled-never-runs`: `cancel` races the worker's start; a cancelled task never runs
    /// and gives `CancelledError`, otherwise its value ([`scenarios::cancel_race`]).
    CancelledNeverRuns,
    /// `callback-exactly-once`: a callback added while the task finishes, one after; each runs
    /// exactly once, after the future is done ([`scenarios::callback_during_completion`]).
    CallbackExactlyOnce,
    /// `no-deadlock`: callbacks that call `result()` and `add_done_callback` on their own
    /// future; every call returns.
    NoDeadlock,
    /// `done-when-finished`: one worker, kept busy by a task that waits for main, and a second
    /// task behind it: neither is `done()` until its `result()` has come
    /// ([`busy_worker::done_when_finished`]).
    DoneWhenFinished,
    /// `cancel-before-start`: the same busy worker; `cancel()` of the task waiting behind it
    /// succeeds, and the task never runs ([`busy_worker::cancel_before_start`]).
    CancelBeforeStart,
    /// `at-most-max-workers`: `workers + 2` tasks on a pool of `workers` (one): never more than
    /// `workers` run at once, and none in the thread that submitted it
    /// ([`busy_worker::at_most_max_workers`]).
    AtMostMaxWorkers,
}

/// The old name of [`Goal`] (`model::Check` is the model builder's).
#[deprecated(
    since = "0.2.0",
    note = "renamed Goal: `Check` is the model builder's name"
)]
pub type Check = Goal;

/// The properties' programs over `P`'s pool.
pub struct Program<P>(PhantomData<P>);

/// Names the plug `P`, which is all there is to it.
impl<P> fmt::Debug for Program<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Program").field(&self.0).finish()
    }
}

/// The value task `i` returns: distinct, and neither 0 nor `i`, so that a default, a count or an
/// index passed off as a result is caught.
fn value(i: usize) -> usize {
    10 * (i + 1) + 1
}

/// `workers + 1` tasks (so one waits in the queue), each counting its runs; `result` of each,
/// then `shutdown(true)`: every task ran exactly once.
fn runs_exactly_once<R: Runtime, P: Executor<R>>(workers: usize) -> PoolReport {
    let pool = P::new(workers);
    let tasks = workers + 1;
    let runs: Vec<Arc<AtomicUsize<R>>> = (0..tasks)
        .map(|i| Arc::new(AtomicUsize::named(&format!("task {i} runs"), 0)))
        .collect();
    let futures: Vec<P::Future> = runs
        .iter()
        .enumerate()
        .map(|(i, runs)| {
            let runs = runs.clone();
            pool.submit(Box::new(move || {
                runs.fetch_add(1);
                value(i)
            }))
            .expect("runs exactly once: submit refused a task before shutdown")
        })
        .collect();
    for future in &futures {
        let _ = future.result();
    }
    pool.shutdown(true);
    for (i, runs) in runs.iter().enumerate() {
        let runs = runs.load();
        assert_eq!(
            runs, 1,
            "runs exactly once: task {i} ran {runs} time(s) (its result() had returned, and shutdown(wait=True) too)"
        );
    }
    PoolReport(vec![format!("{tasks} tasks, each ran once")])
}

/// Two tasks on `workers` workers; each future's `result` is its own task's value (asked for the
/// second task first).
fn results_match<R: Runtime, P: Executor<R>>(workers: usize) -> PoolReport {
    let pool = P::new(workers);
    let futures: Vec<P::Future> = (0..2)
        .map(|i| {
            pool.submit(Box::new(move || value(i)))
                .expect("results match: submit refused a task before shutdown")
        })
        .collect();
    for (i, future) in futures.iter().enumerate().rev() {
        let got = future.result();
        assert!(
            got == Ok(value(i)),
            "results match: task {i} returned {}, but its future's result() gave {got:?}",
            value(i)
        );
        assert!(
            future.done(),
            "results match: result() returned, yet done() is false"
        );
    }
    pool.shutdown(true);
    PoolReport(vec!["each result() gave its own task's value".to_owned()])
}

/// The tutorial's fetch-then-parse: a callback that calls `result()` on its future, and adds
/// another callback that does too; one more added once the future is done. Every call returns.
fn callbacks_call_the_future<R: Runtime, P: Executor<R>>() -> PoolReport {
    let pool = P::new(1);
    let future = pool
        .submit(Box::new(|| value(0)))
        .expect("no deadlock: submit refused a task before shutdown");
    let calls = Arc::new(AtomicUsize::<R>::named("result() calls in callbacks", 0));
    let parse = {
        let calls = calls.clone();
        move |f: &P::Future| {
            let _ = f.result();
            let _ = f.done();
            calls.fetch_add(1);
        }
    };
    {
        let parse = parse.clone();
        future.add_done_callback(Box::new(move |f: &P::Future| {
            parse(f);
            let parse = parse.clone();
            f.add_done_callback(Box::new(move |f: &P::Future| parse(f)));
        }));
    }
    let _ = future.result();
    future.add_done_callback(Box::new(parse));
    pool.shutdown(true);
    PoolReport(vec!["every call returned".to_owned()])
}

/// Fails `property` with the lesson's own words when the lesson judges `report` forbidden.
fn judged(
    property: &str,
    report: PoolReport,
    classify: fn(&PoolReport) -> (Class, &'static str),
) -> PoolReport {
    let (class, meaning) = classify(&report);
    assert!(
        class != Class::Forbidden,
        "{property}: {meaning}, but: {report}"
    );
    report
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Goal;
    type Outcome = PoolReport;
    const THREADS: Threads = Threads::same(1);
    const CHECK_EXECUTIONS: usize = 10_000;

    fn run<R: Runtime>(goal: Goal, params: &Params) -> PoolReport {
        match goal {
            Goal::RunsExactlyOnce => runs_exactly_once::<R, P::Submission<R>>(params.threads),
            Goal::ResultsMatch => results_match::<R, P::Submission<R>>(params.threads),
            Goal::ShutdownWaits => judged(
                "shutdown waits",
                shutdown_then_count::<R, P::Submission<R>>(),
                shutdown_classify,
            ),
            Goal::CancelledNeverRuns => {
                let seen = cancel_race::<R, P::Submission<R>>();
                assert!(
                    seen.agree(),
                    "cancelled never runs: cancel() and result() disagree: {}",
                    seen.report()
                );
                seen.report()
            }
            Goal::CallbackExactlyOnce => judged(
                "callback exactly once",
                callback_during_completion::<R, P::Submission<R>>(),
                callbacks_classify,
            ),
            Goal::NoDeadlock => callbacks_call_the_future::<R, P::Submission<R>>(),
            Goal::DoneWhenFinished => done_when_finished::<R, P::Submission<R>>(),
            Goal::CancelBeforeStart => cancel_before_start::<R, P::Submission<R>>(),
            Goal::AtMostMaxWorkers => at_most_max_workers::<R, P::Submission<R>>(params.threads),
        }
    }

    fn classify(_: Goal, _: &PoolReport, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}
