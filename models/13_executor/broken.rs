//! Three broken executors, each a real-looking shortcut, run through the same scenario as the
//! property it breaks (the exercise's, [`crate::exercises::thread_pool::scenarios`], which
//! [`super::properties`] runs with the real pool). Each is the real pool, the exercise's
//! reference ([`super::reference`]), with one step replaced, chosen by a [`super::PoolFlaw`]:
//! the flawed step is here, the correct one in the reference.
//!
//! - `executor/cancel-races-start`: the worker asks "cancelled?" and then marks the task running
//!   under a second lock; a `cancel` between the two returns `true` and the task runs anyway.
//! - `executor/callback-races-completion`: the completer takes the callbacks, then marks the
//!   future done; the adder appends, then looks whether it is done. A callback added in between
//!   runs never (taken too early, looked too early) or twice (taken, and looked too late).
//! - `executor/shutdown-returns-early`: `shutdown(wait=True)` waits until the queue is empty,
//!   which means every task was *taken*, not *finished*.
//!
//! Each flawed pool is also a type ([`CancelRacesStartPool`], …): a broken [`Executor`] for the
//! `thread-pool` exercise, whose properties run these same scenarios.

use super::reference::{Pool, PoolFuture, Stage};
use super::{PoolFlaw, PoolReport, SubmitError};
use crate::exercises::thread_pool::scenarios::{
    callback_during_completion, callbacks_classify, cancel_race, shutdown_classify,
    shutdown_then_count,
};
use crate::exercises::thread_pool::{self as exercise, Callback, CancelledError, Executor, Task};
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::thread;
use std::marker::PhantomData;
use std::sync::Arc;

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
    "BROKEN: callbacks taken before the future is marked done: a callback added then runs 0 or 2 times",
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

/// The reference pool with a flaw built in, as the `thread-pool` exercise sees it: a broken
/// [`Executor`], which the exercise's properties catch as the rows above do.
pub struct Flawed<R: Runtime, F: Flaw> {
    pool: Pool<R>,
    _flaw: PhantomData<F>,
}

/// A future of a [`Flawed`] pool: the reference's, with the flawed `add_done_callback` of
/// [`PoolFlaw::CallbackRacesCompletion`].
pub struct FlawedFuture<R: Runtime, F: Flaw> {
    inner: PoolFuture<R>,
    _flaw: PhantomData<F>,
}

impl<R: Runtime, F: Flaw> FlawedFuture<R, F> {
    fn of(inner: &PoolFuture<R>) -> Self {
        FlawedFuture {
            inner: inner.clone(),
            _flaw: PhantomData,
        }
    }

    /// BROKEN: adds the callback, lets go of the lock, then looks again: "if it finished
    /// meanwhile, the completer may have missed it, so run it myself". It may also not have.
    fn add_then_check_apart(&self, callback: Callback<Self>) {
        let callback = Arc::new(callback);
        let call = callback.clone();
        let call: Callback<PoolFuture<R>> = Box::new(move |inner| call(&Self::of(inner)));
        self.inner.state.slot.lock().callbacks.push(call);
        if self.inner.done() {
            callback(self);
        }
    }
}

impl<R: Runtime, F: Flaw> exercise::Future for FlawedFuture<R, F> {
    fn result(&self) -> Result<usize, CancelledError> {
        exercise::Future::result(&self.inner)
    }

    fn done(&self) -> bool {
        self.inner.done()
    }

    fn cancel(&self) -> bool {
        self.inner.cancel()
    }

    fn add_done_callback(&self, callback: Callback<Self>) {
        if F::FLAW == PoolFlaw::CallbackRacesCompletion {
            return self.add_then_check_apart(callback);
        }
        let callback: Callback<PoolFuture<R>> = Box::new(move |inner| callback(&Self::of(inner)));
        self.inner.add_done_callback(callback);
    }
}

/// BROKEN: asks "cancelled?" and then, under a second lock, marks the task running. A `cancel`
/// in between succeeds (the task is still `Pending`) and the task runs anyway.
fn start_checked_apart<R: Runtime>(future: &PoolFuture<R>, task: Task) {
    if future.cancelled() {
        return;
    }
    future.state.slot.lock().stage = Stage::Running;
    future.set_result(task());
}

/// BROKEN: takes the callbacks, and only then, under a second lock, marks the future done. A
/// callback added between the two is missed by both sides; one added before them whose adder
/// looks after the second step is run by both.
fn finish_taken_apart<R: Runtime>(future: &PoolFuture<R>, task: Task) {
    if !future.set_running_or_notify_cancel() {
        return;
    }
    let value = task();
    let callbacks = std::mem::take(&mut future.state.slot.lock().callbacks);
    future.state.slot.lock().stage = Stage::Finished(value);
    future.state.done.notify_all();
    for callback in callbacks {
        callback(future);
    }
}

/// BROKEN: waits until every task has been *taken* by a worker, not until it has *finished*:
/// the last task may still be running (or not even started) when shutdown returns.
fn wait_until_nothing_is_queued<R: Runtime>(pool: &Pool<R>) {
    while !pool.shared.state.lock().jobs.is_empty() {
        thread::yield_now::<R>();
    }
}

impl<R: Runtime, F: Flaw> Executor<R> for Flawed<R, F> {
    type Future = FlawedFuture<R, F>;

    fn new(max_workers: usize) -> Self {
        Flawed {
            pool: Pool::with_prefix(max_workers, "pool"),
            _flaw: PhantomData,
        }
    }

    fn submit(&self, task: Task) -> Result<Self::Future, SubmitError> {
        let future = match F::FLAW {
            PoolFlaw::CancelRacesStart => self
                .pool
                .submit_job(move |future| start_checked_apart(future, task)),
            PoolFlaw::CallbackRacesCompletion => self
                .pool
                .submit_job(move |future| finish_taken_apart(future, task)),
            PoolFlaw::ShutdownWaitsForQueue => self.pool.submit_task(task),
        }?;
        Ok(FlawedFuture::of(&future))
    }

    fn shutdown(&self, wait: bool) {
        if wait && F::FLAW == PoolFlaw::ShutdownWaitsForQueue {
            self.pool.shutdown(false);
            return wait_until_nothing_is_queued(&self.pool);
        }
        self.pool.shutdown(wait);
    }
}

impl<R: Runtime, F: Flaw> Drop for Flawed<R, F> {
    /// Joins the workers, which a flawed shutdown may have left running.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.pool.shutdown(true);
        }
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
