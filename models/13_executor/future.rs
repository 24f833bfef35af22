//! A `Future`: one task's result-to-be, shared by the pool that runs the task and whoever waits.
//!
//! Its life is a small state machine under one lock: `Pending` → `Running` → `Finished`, or
//! `Pending` → `Cancelled`. Every rule of the contract is one transition made under that lock:
//! `cancel` wins only from `Pending`, a worker starts only from `Pending`, and the callbacks are
//! taken out of the list in the same step that makes the future done, so each one is run by
//! exactly one party. The flawed paths ([`PoolFlaw`]) split one of those steps in two, next to the
//! correct code, and the checkers find the gap.

use super::PoolFlaw;
use crate::exercises::thread_pool::{self as exercise, CancelledError};
use crate::runtime::Runtime;
use crate::sync::{Condvar, Mutex};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why `result` has no value to give.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskError {
    /// `cancel` won before the task started (Python's `CancelledError`).
    Cancelled,
    /// `result(timeout)` gave up; the task may still finish later (Python's `TimeoutError`).
    Timeout,
    /// The task panicked; the pool's worker survives (Python re-raises the task's exception).
    Panicked(String),
    /// A worker process died or stopped answering while it ran the task (`BrokenProcessPool`).
    WorkerDied(String),
    /// A worker process answered something that is not a reply.
    BadReply(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("CancelledError: the task was cancelled"),
            TaskError::Timeout => f.write_str("TimeoutError: no result within the timeout"),
            TaskError::Panicked(message) => write!(f, "the task panicked: {message}"),
            TaskError::WorkerDied(why) => write!(f, "BrokenProcessPool: {why}"),
            TaskError::BadReply(reply) => {
                write!(
                    f,
                    "BrokenProcessPool: the worker answered garbage: {reply:?}"
                )
            }
        }
    }
}

impl std::error::Error for TaskError {}

/// A callback, called with the future once it is done. Python's callbacks are plain callables
/// (nothing stops calling one twice), so this is `Fn`: running it once is the future's job.
pub type Callback<R, T> = Arc<dyn Fn(&Future<R, T>) + Send + Sync>;

enum Stage<T> {
    Pending,
    Running,
    Finished(Result<T, TaskError>),
    Cancelled,
}

struct Slot<R: Runtime, T: Send + 'static> {
    stage: Stage<T>,
    callbacks: Vec<Callback<R, T>>,
}

struct Inner<R: Runtime, T: Send + 'static> {
    slot: Mutex<R, Slot<R, T>>,
    done: Condvar<R>,
    flaw: PoolFlaw,
}

/// A handle on one task's outcome; clones share it.
pub struct Future<R: Runtime, T: Send + 'static> {
    inner: Arc<Inner<R, T>>,
}

impl<R: Runtime, T: Send + 'static> Clone for Future<R, T> {
    fn clone(&self) -> Self {
        Future {
            inner: self.inner.clone(),
        }
    }
}

impl<R: Runtime, T: Send + 'static> Future<R, T> {
    pub(crate) fn new(flaw: PoolFlaw) -> Self {
        Future {
            inner: Arc::new(Inner {
                slot: Mutex::named(
                    "future",
                    Slot {
                        stage: Stage::Pending,
                        callbacks: Vec::new(),
                    },
                ),
                done: Condvar::named("future.done"),
                flaw,
            }),
        }
    }

    /// Finished or cancelled.
    pub fn done(&self) -> bool {
        matches!(
            self.inner.slot.lock().stage,
            Stage::Finished(_) | Stage::Cancelled
        )
    }

    pub fn running(&self) -> bool {
        matches!(self.inner.slot.lock().stage, Stage::Running)
    }

    pub fn cancelled(&self) -> bool {
        matches!(self.inner.slot.lock().stage, Stage::Cancelled)
    }

    /// Succeeds only while the task has not started (and again if it was already cancelled);
    /// a cancelled task never runs, and `result` then reports [`TaskError::Cancelled`].
    pub fn cancel(&self) -> bool {
        let mut slot = self.inner.slot.lock();
        match slot.stage {
            Stage::Running | Stage::Finished(_) => false,
            Stage::Cancelled => true,
            Stage::Pending => {
                slot.stage = Stage::Cancelled;
                self.complete(slot);
                true
            }
        }
    }

    /// Blocks until the task is done, at most `timeout` if one is given (see the concept's notes
    /// on what each backend does with time).
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, TaskError>
    where
        T: Clone,
    {
        let slot = self.inner.slot.lock();
        let slot = match timeout {
            None => self.inner.done.wait_while(slot, |s| !s.is_done()),
            Some(timeout) => {
                let started = Instant::now();
                let (mut slot, mut timed_out) = (slot, false);
                while !slot.is_done() {
                    if timed_out {
                        return Err(TaskError::Timeout);
                    }
                    let remaining = timeout.saturating_sub(elapsed::<R>(started));
                    (slot, timed_out) = self.inner.done.wait_timeout(slot, remaining);
                }
                slot
            }
        };
        match &slot.stage {
            Stage::Finished(result) => result.clone(),
            Stage::Cancelled => Err(TaskError::Cancelled),
            Stage::Pending | Stage::Running => unreachable!("waited until done"),
        }
    }

    /// Runs `callback` with this future once it is done: at once, in this thread, if it already
    /// is; otherwise in the thread that finishes (or cancels) it. Exactly once either way.
    pub fn add_done_callback(&self, callback: impl Fn(&Future<R, T>) + Send + Sync + 'static) {
        let callback: Callback<R, T> = Arc::new(callback);
        if self.inner.flaw == PoolFlaw::CallbackRacesCompletion {
            return self.add_then_check_apart(callback);
        }
        let mut slot = self.inner.slot.lock();
        if slot.is_done() {
            drop(slot);
            callback(self);
        } else {
            slot.callbacks.push(callback);
        }
    }

    /// BROKEN: adds the callback, lets go of the lock, then looks again: "if it finished
    /// meanwhile, the completer may have missed it, so run it myself". It may also not have.
    fn add_then_check_apart(&self, callback: Callback<R, T>) {
        self.inner.slot.lock().callbacks.push(callback.clone());
        if self.done() {
            callback(self);
        }
    }

    /// The worker's start: `Pending` → `Running` in one step; `false` if `cancel` won.
    pub(crate) fn set_running_or_notify_cancel(&self) -> bool {
        if self.inner.flaw == PoolFlaw::CancelRacesStart {
            return self.start_checked_apart();
        }
        let mut slot = self.inner.slot.lock();
        match slot.stage {
            Stage::Pending => {
                slot.stage = Stage::Running;
                true
            }
            Stage::Cancelled => false,
            Stage::Running | Stage::Finished(_) => unreachable!("a task starts once"),
        }
    }

    /// BROKEN: asks "cancelled?" and then, under a second lock, marks the task running. A
    /// `cancel` in between succeeds (the task is still `Pending`) and the task runs anyway.
    fn start_checked_apart(&self) -> bool {
        if self.cancelled() {
            return false;
        }
        self.inner.slot.lock().stage = Stage::Running;
        true
    }

    /// The worker's finish: stores the result, wakes every `result` waiter, runs the callbacks.
    pub(crate) fn set_result(&self, result: Result<T, TaskError>) {
        if self.inner.flaw == PoolFlaw::CallbackRacesCompletion {
            return self.finish_with_a_snapshot(result);
        }
        let mut slot = self.inner.slot.lock();
        slot.stage = Stage::Finished(result);
        self.complete(slot);
    }

    /// Done under the lock: wake the waiters and take the callbacks in the same step, then run
    /// them without the lock (a callback may call `result`, or add another callback).
    fn complete(&self, mut slot: crate::sync::MutexGuard<'_, R, Slot<R, T>>) {
        let callbacks = std::mem::take(&mut slot.callbacks);
        self.inner.done.notify_all();
        drop(slot);
        for callback in callbacks {
            callback(self);
        }
    }

    /// BROKEN: copies the callback list, and only then, under a second lock, marks the future
    /// done. A callback added between the two is missed by both sides; one added before the copy
    /// whose adder looks after the second step is run by both.
    fn finish_with_a_snapshot(&self, result: Result<T, TaskError>) {
        let callbacks = self.inner.slot.lock().callbacks.clone();
        self.inner.slot.lock().stage = Stage::Finished(result);
        self.inner.done.notify_all();
        for callback in callbacks {
            callback(self);
        }
    }
}

/// As the `thread-pool` exercise sees it: a future of a `usize` task, with the exercise's
/// contract (which is this future's).
impl<R: Runtime> exercise::Future for Future<R, usize> {
    fn result(&self) -> Result<usize, CancelledError> {
        match Future::result(self, None) {
            Ok(value) => Ok(value),
            Err(TaskError::Cancelled) => Err(CancelledError),
            Err(error) => panic!("{error}"),
        }
    }

    fn done(&self) -> bool {
        Future::done(self)
    }

    fn cancel(&self) -> bool {
        Future::cancel(self)
    }

    fn add_done_callback(&self, callback: exercise::Callback<Self>) {
        Future::add_done_callback(self, callback);
    }
}

impl<R: Runtime, T: Send + 'static> Slot<R, T> {
    fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Finished(_) | Stage::Cancelled)
    }
}

/// Real time natively; the checkers have no clock, only the backend's "timed out" flag.
fn elapsed<R: Runtime>(started: Instant) -> Duration {
    if R::HAS_CLOCK {
        started.elapsed()
    } else {
        Duration::ZERO
    }
}
