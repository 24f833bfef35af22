//! The project's solution to `thread-pool`, built as CPython's `concurrent/futures/thread.py`
//! is: one lock and condition variable for the pool (its queue of jobs, the shutdown flag, the
//! workers), one for each future (its stage and its callbacks). Every rule of the contract is one
//! step under a lock: a worker starts a task only from `Pending`, `cancel` wins only from
//! `Pending`, and the step that makes a future done also takes its callbacks, which are then run
//! without the lock. Workers are started lazily, one per `submit` while none is idle, up to
//! `max_workers`, and named `{prefix}_0`, `{prefix}_1`, …; they stop once the pool is shut down
//! and the queue is empty (where CPython puts a `None` sentinel behind the last task).
//!
//! It is also the lesson `executor`'s pool (`models/13_executor/`, which compiles this very file
//! as its `reference` module): one implementation, graded here as a student's file and run
//! there. So the futures are generic over the task's result (the exercise's are `usize`: the
//! default), the lesson catches its tasks' panics around them, and its broken pools reach in
//! (the `pub(crate)` items) to replace one step each.

use interleave::gate::exercises::thread_pool::{
    Callback, CancelledError, Deadline, Executor, Future, SubmitError, Task,
};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use interleave::thread::{self, JoinHandle};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

pub(crate) enum Stage<T> {
    Pending,
    Running,
    Finished(T),
    Cancelled,
}

pub(crate) struct Slot<R: Runtime, T: Send + 'static> {
    pub(crate) stage: Stage<T>,
    pub(crate) callbacks: Vec<Callback<PoolFuture<R, T>>>,
}

impl<R: Runtime, T: Send + 'static> Slot<R, T> {
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Finished(_) | Stage::Cancelled)
    }
}

pub(crate) struct FutureState<R: Runtime, T: Send + 'static> {
    pub(crate) slot: Mutex<R, Slot<R, T>>,
    pub(crate) done: Condvar<R>,
}

/// One task's result-to-be, `T` the task's result; clones share it.
pub struct PoolFuture<R: Runtime, T: Send + 'static = usize> {
    pub(crate) state: Arc<FutureState<R, T>>,
}

impl<R: Runtime, T: Send + 'static> Clone for PoolFuture<R, T> {
    fn clone(&self) -> Self {
        PoolFuture {
            state: self.state.clone(),
        }
    }
}

impl<R: Runtime, T: Send + 'static> PoolFuture<R, T> {
    /// A future whose task has not started.
    pub fn pending() -> Self {
        PoolFuture {
            state: Arc::new(FutureState {
                slot: Mutex::named(
                    "future",
                    Slot {
                        stage: Stage::Pending,
                        callbacks: Vec::new(),
                    },
                ),
                done: Condvar::named("future.done"),
            }),
        }
    }

    /// The worker's start: `Pending` to `Running` in one step; `false` if `cancel` won.
    pub fn set_running_or_notify_cancel(&self) -> bool {
        let mut slot = self.state.slot.lock();
        match slot.stage {
            Stage::Pending => {
                slot.stage = Stage::Running;
                true
            }
            _ => false,
        }
    }

    /// The worker's finish.
    pub fn set_result(&self, value: T) {
        self.complete(self.state.slot.lock(), Stage::Finished(value));
    }

    /// Makes the future done (finished or cancelled), waking every `result`, and takes the
    /// callbacks in the same step; then runs them without the lock (a callback may call `result`).
    pub(crate) fn complete(&self, mut slot: MutexGuard<'_, R, Slot<R, T>>, stage: Stage<T>) {
        slot.stage = stage;
        self.state.done.notify_all();
        let callbacks = std::mem::take(&mut slot.callbacks);
        drop(slot);
        for callback in callbacks {
            callback(self);
        }
    }

    /// Finished or cancelled.
    pub fn done(&self) -> bool {
        self.state.slot.lock().is_done()
    }

    pub fn running(&self) -> bool {
        matches!(self.state.slot.lock().stage, Stage::Running)
    }

    pub fn cancelled(&self) -> bool {
        matches!(self.state.slot.lock().stage, Stage::Cancelled)
    }

    /// Succeeds only while the task has not started (and again once it is cancelled).
    pub fn cancel(&self) -> bool {
        let slot = self.state.slot.lock();
        match slot.stage {
            Stage::Pending => {
                self.complete(slot, Stage::Cancelled);
                true
            }
            Stage::Cancelled => true,
            Stage::Running | Stage::Finished(_) => false,
        }
    }

    /// Runs `callback` once the future is done: at once, in this thread, if it already is.
    pub fn add_done_callback(&self, callback: Callback<Self>) {
        let mut slot = self.state.slot.lock();
        if slot.is_done() {
            drop(slot);
            callback(self);
        } else {
            slot.callbacks.push(callback);
        }
    }

    /// Waits until the future is done, for ever or at most `timeout`: its value or
    /// `CancelledError`, or `None` if the time ran out first.
    pub fn result_within(&self, timeout: Option<Duration>) -> Option<Result<T, CancelledError>>
    where
        T: Clone,
    {
        let mut slot = self.state.slot.lock();
        match timeout {
            None => slot = self.state.done.wait_while(slot, |slot| !slot.is_done()),
            Some(timeout) => {
                let deadline = Deadline::after::<R>(timeout);
                while !slot.is_done() {
                    let timed_out;
                    (slot, timed_out) = self.state.done.wait_timeout(slot, deadline.left());
                    if timed_out && !slot.is_done() {
                        return None;
                    }
                }
            }
        }
        match &slot.stage {
            Stage::Finished(value) => Some(Ok(value.clone())),
            _ => Some(Err(CancelledError)),
        }
    }
}

/// The exercise's future: the methods above, for a `usize` task.
impl<R: Runtime> Future for PoolFuture<R> {
    fn result(&self) -> Result<usize, CancelledError> {
        self.result_within(None)
            .expect("without a timeout, the wait ends only once the future is done")
    }

    fn done(&self) -> bool {
        PoolFuture::done(self)
    }

    fn cancel(&self) -> bool {
        PoolFuture::cancel(self)
    }

    fn add_done_callback(&self, callback: Callback<Self>) {
        PoolFuture::add_done_callback(self, callback);
    }
}

/// A task bound to its future (CPython's `_WorkItem`), run by whichever worker takes it.
type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct PoolState<R: Runtime> {
    pub(crate) jobs: VecDeque<Job>,
    shutdown: bool,
    workers: Vec<JoinHandle<R, ()>>,
    /// Workers done with a job and not yet claimed by a `submit` (CPython's `_idle_semaphore`).
    idle: usize,
}

pub(crate) struct Shared<R: Runtime> {
    pub(crate) state: Mutex<R, PoolState<R>>,
    work: Condvar<R>,
}

pub struct Pool<R: Runtime> {
    pub(crate) shared: Arc<Shared<R>>,
    max_workers: usize,
    prefix: String,
}

/// A worker: takes jobs until the pool is shut down and nothing is left.
fn work<R: Runtime>(shared: &Shared<R>) {
    loop {
        let job = {
            let state = shared.state.lock();
            let mut state = shared
                .work
                .wait_while(state, |state| state.jobs.is_empty() && !state.shutdown);
            match state.jobs.pop_front() {
                Some(job) => job,
                None => return,
            }
        };
        job();
        shared.state.lock().idle += 1;
    }
}

impl<R: Runtime> Pool<R> {
    /// At most `max_workers` threads, named `{prefix}_0`, `{prefix}_1`, ….
    pub fn with_prefix(max_workers: usize, prefix: &str) -> Self {
        assert!(max_workers > 0, "max_workers must be greater than 0");
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::named(
                    "pool",
                    PoolState {
                        jobs: VecDeque::new(),
                        shutdown: false,
                        workers: Vec::new(),
                        idle: 0,
                    },
                ),
                work: Condvar::named("pool.work"),
            }),
            max_workers,
            prefix: prefix.to_owned(),
        }
    }

    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// `submit` for a task of any result: run unless it was cancelled first.
    pub fn submit_task<T: Send + 'static>(
        &self,
        task: impl FnOnce() -> T + Send + 'static,
    ) -> Result<PoolFuture<R, T>, SubmitError> {
        self.submit_job(move |future| {
            if future.set_running_or_notify_cancel() {
                future.set_result(task());
            }
        })
    }

    /// Queues `job` with a new future, which the worker that takes it runs it with, and sees
    /// that a worker will take it: an idle one, or a new one if allowed.
    pub(crate) fn submit_job<T: Send + 'static>(
        &self,
        job: impl FnOnce(&PoolFuture<R, T>) + Send + 'static,
    ) -> Result<PoolFuture<R, T>, SubmitError> {
        let mut state = self.shared.state.lock();
        if state.shutdown {
            return Err(SubmitError::Shutdown);
        }
        let future = PoolFuture::pending();
        let bound = future.clone();
        state.jobs.push_back(Box::new(move || job(&bound)));
        self.shared.work.notify_one();
        // CPython's `_adjust_thread_count`: an idle worker will take it; otherwise a new one is
        // started, under the lock, so that a shutdown cannot miss a worker it has to wait for.
        if state.idle > 0 {
            state.idle -= 1;
        } else if state.workers.len() < self.max_workers {
            let name = format!("{}_{}", self.prefix, state.workers.len());
            let shared = self.shared.clone();
            let worker = thread::spawn_named::<R, _, _>(name, move || work(&shared));
            state.workers.push(worker);
        }
        Ok(future)
    }
}

impl<R: Runtime> Executor<R> for Pool<R> {
    type Future = PoolFuture<R>;

    fn new(max_workers: usize) -> Self {
        Pool::with_prefix(max_workers, "pool")
    }

    fn submit(&self, task: Task) -> Result<PoolFuture<R>, SubmitError> {
        self.submit_task(task)
    }

    fn shutdown(&self, wait: bool) {
        let workers = {
            let mut state = self.shared.state.lock();
            state.shutdown = true;
            self.shared.work.notify_all();
            if wait {
                std::mem::take(&mut state.workers)
            } else {
                Vec::new()
            }
        };
        workers.into_iter().for_each(JoinHandle::join);
    }
}

pub type Submission<R> = Pool<R>;
