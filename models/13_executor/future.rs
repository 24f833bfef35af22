//! A `Future`: one task's result-to-be, shared by the pool that runs the task and whoever waits.
//!
//! Its life is a small state machine under one lock: `Pending` → `Running` → `Finished`, or
//! `Pending` → `Cancelled`. Every rule of the contract is one transition made under that lock:
//! `cancel` wins only from `Pending`, a worker starts only from `Pending`, and the callbacks are
//! taken out of the list in the same step that makes the future done, so each one is run by
//! exactly one party. That machine is the `thread-pool` exercise's reference
//! ([`PoolFuture`]); a lesson future is one of those whose value is
//! the task's result or [`TaskError`]. The broken futures ([`super::broken`]) split one of those
//! steps in two, and the checkers find the gap.

use super::reference::PoolFuture;
use crate::exercises::thread_pool::{self as exercise, CancelledError};
use crate::runtime::Runtime;
use std::fmt;
use std::time::Duration;

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

/// A handle on one task's outcome; clones share it.
pub struct Future<R: Runtime, T: Send + 'static> {
    inner: PoolFuture<R, Result<T, TaskError>>,
}

impl<R: Runtime, T: Send + 'static> Clone for Future<R, T> {
    fn clone(&self) -> Self {
        Future {
            inner: self.inner.clone(),
        }
    }
}

impl<R: Runtime, T: Send + 'static> Future<R, T> {
    pub(crate) fn new() -> Self {
        Future {
            inner: PoolFuture::pending(),
        }
    }

    pub(crate) fn from_pool(inner: PoolFuture<R, Result<T, TaskError>>) -> Self {
        Future { inner }
    }

    /// Finished or cancelled.
    pub fn done(&self) -> bool {
        self.inner.done()
    }

    pub fn running(&self) -> bool {
        self.inner.running()
    }

    pub fn cancelled(&self) -> bool {
        self.inner.cancelled()
    }

    /// Succeeds only while the task has not started (and again if it was already cancelled);
    /// a cancelled task never runs, and `result` then reports [`TaskError::Cancelled`].
    pub fn cancel(&self) -> bool {
        self.inner.cancel()
    }

    /// Blocks until the task is done, at most `timeout` if one is given (see the concept's notes
    /// on what each backend does with time).
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, TaskError>
    where
        T: Clone,
    {
        match self.inner.result_within(timeout) {
            Some(Ok(result)) => result,
            Some(Err(CancelledError)) => Err(TaskError::Cancelled),
            None => Err(TaskError::Timeout),
        }
    }

    /// Runs `callback` with this future once it is done: at once, in this thread, if it already
    /// is; otherwise in the thread that finishes (or cancels) it. Exactly once either way.
    pub fn add_done_callback(&self, callback: impl Fn(&Future<R, T>) + Send + Sync + 'static) {
        self.inner.add_done_callback(Box::new(move |inner| {
            callback(&Future::from_pool(inner.clone()));
        }));
    }

    /// The worker's start: `Pending` → `Running` in one step; `false` if `cancel` won.
    pub(crate) fn set_running_or_notify_cancel(&self) -> bool {
        self.inner.set_running_or_notify_cancel()
    }

    /// The worker's finish: stores the result, wakes every `result` waiter, runs the callbacks.
    pub(crate) fn set_result(&self, result: Result<T, TaskError>) {
        self.inner.set_result(result);
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
