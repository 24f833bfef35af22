//! `ThreadPoolExecutor` over the facade, built as CPython's `concurrent/futures/thread.py` is:
//! a work queue, workers started lazily, one per submit while none is idle, up to
//! `max_workers`, and a shutdown that lets every queued task run first. The pool is the
//! `thread-pool` exercise's reference ([`Pool`], compiled from its file):
//! one implementation, which the gate grades as a student's file and this lesson runs. What the
//! lesson adds here is Python's side of it: any result type, a task's panic caught as its error
//! (the worker carries on), `map`, handles for tasks that submit tasks, and the exit's join.
//!
//! With `wait`, `shutdown` joins every worker: when `shutdown(true)` returns, every task has
//! finished and every callback has run (callbacks run in the worker, inside the task's turn).

use super::SubmitError;
use super::future::{Future, TaskError};
use super::reference::Pool;
use crate::exercises::thread_pool::{Executor, Task};
use crate::runtime::{Runtime, backend_finding, panic_text};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Python's default for threads since 3.8: `min(32, os.cpu_count() + 4)`: at least 5 for I/O
/// waits, at most 32 so a big machine does not start hundreds of threads. (The tutorial quotes
/// 3.5's rule, CPUs × 5, which 3.8 replaced.)
pub fn default_max_workers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cpus + 4).min(32)
}

/// A way in, for tasks that submit tasks: clones share the pool; dropping one does not shut
/// anything down (a worker dropping the owner would have to join itself).
pub struct PoolHandle<R: Runtime> {
    pool: Arc<Pool<R>>,
}

/// The pool's owner: a handle that also has `map` and `shutdown`; dropping it is
/// `shutdown(true)`.
pub struct ThreadPool<R: Runtime> {
    handle: PoolHandle<R>,
}

impl<R: Runtime> Clone for PoolHandle<R> {
    fn clone(&self) -> Self {
        PoolHandle {
            pool: self.pool.clone(),
        }
    }
}

impl<R: Runtime> ThreadPool<R> {
    /// `max_workers` threads at most, named `{prefix}_0`, `{prefix}_1`, … as Python names them.
    pub fn new(max_workers: usize, prefix: &str) -> Self {
        ThreadPool {
            handle: PoolHandle {
                pool: Arc::new(Pool::with_prefix(max_workers, prefix)),
            },
        }
    }

    /// Python's defaults: [`default_max_workers`] and the prefix `ThreadPoolExecutor`.
    pub fn with_defaults() -> Self {
        Self::new(default_max_workers(), "ThreadPoolExecutor")
    }

    pub fn max_workers(&self) -> usize {
        self.handle.pool.max_workers()
    }

    pub fn handle(&self) -> PoolHandle<R> {
        self.handle.clone()
    }

    pub fn submit<T, F>(&self, task: F) -> Result<Future<R, T>, SubmitError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.handle.submit(task)
    }

    /// Submits every item at once (eagerly, as Python does) and returns the results lazily, in
    /// the input order, each as its task finishes: the next call waits for the next item's task,
    /// whichever task finished first.
    pub fn map<I, T, F>(&self, task: F, items: I) -> Result<MapResults<R, T>, SubmitError>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        let task = Arc::new(task);
        let futures = items
            .into_iter()
            .map(|item| {
                let task = task.clone();
                self.handle.submit(move || task(item))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MapResults {
            futures: futures.into_iter(),
        })
    }

    /// No new task is accepted from now on; queued tasks still run. With `wait`, returns only
    /// after every one has finished (and its callbacks have run). Calling it twice is harmless.
    pub fn shutdown(&self, wait: bool) {
        Executor::shutdown(&*self.handle.pool, wait);
    }
}

/// As the `thread-pool` exercise sees it: an executor of `usize` tasks, named `pool_0`, ….
impl<R: Runtime> Executor<R> for ThreadPool<R> {
    type Future = Future<R, usize>;

    fn new(max_workers: usize) -> Self {
        ThreadPool::new(max_workers, "pool")
    }

    fn submit(&self, task: Task) -> Result<Future<R, usize>, SubmitError> {
        ThreadPool::submit(self, task)
    }

    fn shutdown(&self, wait: bool) {
        ThreadPool::shutdown(self, wait);
    }
}

impl<R: Runtime> Drop for ThreadPool<R> {
    /// Python joins a pool's workers at interpreter exit; here the owner going away does it.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.shutdown(true);
        }
    }
}

impl<R: Runtime> PoolHandle<R> {
    pub fn submit<T, F>(&self, task: F) -> Result<Future<R, T>, SubmitError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let future = self.pool.submit_task(move || caught(task))?;
        Ok(Future::from_pool(future))
    }
}

/// Runs a task; a panic becomes its error, and the worker carries on with the next task.
pub(crate) fn caught<T>(task: impl FnOnce() -> T) -> Result<T, TaskError> {
    catch_unwind(AssertUnwindSafe(task)).map_err(|payload| {
        let message = panic_text(&*payload);
        // A checker reports a deadlock or a step limit by panicking in whichever thread blocks
        // last, which may be inside a task: that is the checker's verdict, not the task's error.
        if backend_finding(&message).is_some() {
            std::panic::resume_unwind(payload);
        }
        TaskError::Panicked(message)
    })
}

/// `map`'s results, in input order.
pub struct MapResults<R: Runtime, T: Send + 'static> {
    futures: std::vec::IntoIter<Future<R, T>>,
}

impl<R: Runtime, T: Send + Clone + 'static> Iterator for MapResults<R, T> {
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.futures.next().map(|future| future.result(None))
    }
}
