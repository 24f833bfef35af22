//! Three broken executors, each a real-looking shortcut, run through the same scenario as the
//! property it breaks (the exercise's, [`crate::exercises::thread_pool::scenarios`], which
//! [`super::properties`] runs with the real pool). The flawed code sits next to the correct code
//! in [`super::future`] and [`super::thread_pool`], chosen by a [`super::PoolFlaw`].
//!
//! - `executor/cancel-races-start`: the worker asks "cancelled?" and then marks the task running
//!   under a second lock; a `cancel` between the two returns `true` and the task runs anyway.
//! - `executor/callback-races-completion`: the completer copies the callbacks, then marks the
//!   future done; the adder appends, then looks whether it is done. A callback added in between
//!   runs never (copied too early, looked too early) or twice (copied, and looked too late).
//! - `executor/shutdown-returns-early`: `shutdown(wait=True)` waits until the queue is empty,
//!   which means every task was *taken*, not *finished*.
//!
//! Each flawed pool is also a type ([`CancelRacesStartPool`], …): a broken [`Executor`] for the
//! `thread-pool` exercise, whose properties run these same scenarios.

use super::thread_pool::ThreadPool;
use super::{Future, PoolFlaw, PoolReport, SubmitError};
use crate::exercises::thread_pool::scenarios::{
    callback_during_completion, callbacks_classify, cancel_race, shutdown_classify,
    shutdown_then_count,
};
use crate::exercises::thread_pool::{Executor, Task};
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use std::marker::PhantomData;

/// The contract's scenarios, each over the pool with one flaw built in.
pub struct PoolFlaws;

/// Which scenario, over which flawed pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlawedScenario {
    /// [`cancel_race`] over [`CancelRacesStartPool`].
    CancelRacesStart,
    /// [`callback_during_completion`] over [`CallbackRacesCompletionPool`].
    CallbackRacesCompletion,
    /// [`shutdown_then_count`] over [`ShutdownReturnsEarlyPool`].
    ShutdownReturnsEarly,
}

impl Lesson for PoolFlaws {
    type Version = FlawedScenario;
    type Outcome = PoolReport;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>(scenario: FlawedScenario, _: &Params) -> PoolReport {
        match scenario {
            FlawedScenario::CancelRacesStart => {
                cancel_race::<R, CancelRacesStartPool<R>>().report()
            }
            FlawedScenario::CallbackRacesCompletion => {
                callback_during_completion::<R, CallbackRacesCompletionPool<R>>()
            }
            FlawedScenario::ShutdownReturnsEarly => {
                shutdown_then_count::<R, ShutdownReturnsEarlyPool<R>>()
            }
        }
    }

    fn classify(
        scenario: FlawedScenario,
        outcome: &PoolReport,
        _: &Params,
    ) -> (Class, &'static str) {
        match scenario {
            FlawedScenario::CancelRacesStart => cancel_races_start_classify(outcome),
            FlawedScenario::CallbackRacesCompletion => callbacks_classify(outcome),
            FlawedScenario::ShutdownReturnsEarly => shutdown_classify(outcome),
        }
    }
}

/// With the flaw, a `cancel` that returned true and a task that ran anyway end in one line that
/// says so; the other outcomes are the property's own.
fn cancel_races_start_classify(outcome: &PoolReport) -> (Class, &'static str) {
    match outcome.0.as_slice() {
        [line] if line.starts_with("cancel() = ") => (Class::Forbidden, "cancel and run disagree"),
        _ => (Class::Acceptable, "ran exactly once unless cancelled"),
    }
}

pub const CANCEL_RACES_START: Row<PoolFlaws> = Row::new(
    "executor/cancel-races-start",
    FlawedScenario::CancelRacesStart,
    Expect::Violation,
    "BROKEN: the worker checks cancelled() and marks running in two steps: a cancelled task runs",
)
.max_threads(1);
pub const CALLBACK_RACES_COMPLETION: Row<PoolFlaws> = Row::new(
    "executor/callback-races-completion",
    FlawedScenario::CallbackRacesCompletion,
    Expect::Violation,
    "BROKEN: callbacks copied before the future is marked done: a callback added then runs 0 or 2 times",
)
.max_threads(1);
pub const SHUTDOWN_RETURNS_EARLY: Row<PoolFlaws> = Row::new(
    "executor/shutdown-returns-early",
    FlawedScenario::ShutdownReturnsEarly,
    Expect::Violation,
    "BROKEN: shutdown(wait=True) waits for an empty queue, not for the workers: a task still runs",
)
.max_threads(1);

/// Which [`PoolFlaw`] a [`Flawed`] pool has built in.
pub trait Flaw: Send + Sync + 'static {
    const FLAW: PoolFlaw;
}

/// The lesson's pool with a flaw built in, as the `thread-pool` exercise sees it: a broken
/// [`Executor`], which the exercise's properties catch as the rows above do.
pub struct Flawed<R: Runtime, F: Flaw> {
    pool: ThreadPool<R>,
    _flaw: PhantomData<F>,
}

impl<R: Runtime, F: Flaw> Executor<R> for Flawed<R, F> {
    type Future = Future<R, usize>;

    fn new(max_workers: usize) -> Self {
        Flawed {
            pool: ThreadPool::with_flaw(max_workers, "pool", F::FLAW),
            _flaw: PhantomData,
        }
    }

    fn submit(&self, task: Task) -> Result<Future<R, usize>, SubmitError> {
        self.pool.submit(task)
    }

    fn shutdown(&self, wait: bool) {
        self.pool.shutdown(wait);
    }
}

/// [`PoolFlaw::CancelRacesStart`].
pub struct CancelRacesStart;
impl Flaw for CancelRacesStart {
    const FLAW: PoolFlaw = PoolFlaw::CancelRacesStart;
}

/// [`PoolFlaw::CallbackRacesCompletion`].
pub struct CallbackRacesCompletion;
impl Flaw for CallbackRacesCompletion {
    const FLAW: PoolFlaw = PoolFlaw::CallbackRacesCompletion;
}

/// [`PoolFlaw::ShutdownWaitsForQueue`].
pub struct ShutdownWaitsForQueue;
impl Flaw for ShutdownWaitsForQueue {
    const FLAW: PoolFlaw = PoolFlaw::ShutdownWaitsForQueue;
}

/// The pool of `executor/cancel-races-start`.
pub type CancelRacesStartPool<R> = Flawed<R, CancelRacesStart>;
/// The pool of `executor/callback-races-completion`.
pub type CallbackRacesCompletionPool<R> = Flawed<R, CallbackRacesCompletion>;
/// The pool of `executor/shutdown-returns-early`.
pub type ShutdownReturnsEarlyPool<R> = Flawed<R, ShutdownWaitsForQueue>;
