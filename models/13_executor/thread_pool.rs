//! `ThreadPoolExecutor` over the facade, built as CPython's `concurrent/futures/thread.py` is:
//! a work queue (the blocking FIFO of the queue lesson), workers started lazily, one per submit
//! while none is idle, up to `max_workers`, and a `None` sentinel that tells workers to stop.
//!
//! `shutdown` puts one sentinel behind every queued task; a worker that takes it puts it back for
//! the next one and exits, so every task queued before the shutdown still runs. With `wait` the
//! caller then joins every worker: when `shutdown(true)` returns, every task has finished and
//! every callback has run (callbacks run in the worker, inside the task's turn).

use super::future::{Future, TaskError};
use super::{PoolFlaw, SubmitError};
use crate::exercises::thread_pool::{Executor, Task};
use crate::models::queue::Fifo;
use crate::runtime::{Runtime, backend_finding, panic_text};
use crate::sync::{AtomicUsize, Mutex};
use crate::thread::{self, JoinHandle};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

type Job = Box<dyn FnOnce() + Send>;

struct PoolState<R: Runtime> {
    shutdown: bool,
    workers: Vec<JoinHandle<R, ()>>,
    started: usize,
    /// Workers waiting for a task (Python's `_idle_semaphore`).
    idle: usize,
}

/// What the pool, its handles and its workers share.
struct PoolCore<R: Runtime> {
    state: Mutex<R, PoolState<R>>,
    queue: Fifo<R, Option<Job>>,
    /// Tasks submitted and not yet taken by a worker; only the flawed shutdown looks at it.
    queued: AtomicUsize<R>,
    max_workers: usize,
    prefix: String,
    flaw: PoolFlaw,
}

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
    shared: Arc<PoolCore<R>>,
}

/// The pool's owner: a handle that also has `map` and `shutdown`; dropping it is
/// `shutdown(true)`.
pub struct ThreadPool<R: Runtime> {
    handle: PoolHandle<R>,
}

impl<R: Runtime> Clone for PoolHandle<R> {
    fn clone(&self) -> Self {
        PoolHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<R: Runtime> ThreadPool<R> {
    /// `max_workers` threads at most, named `{prefix}_0`, `{prefix}_1`, … as Python names them.
    pub fn new(max_workers: usize, prefix: &str) -> Self {
        Self::with_flaw(max_workers, prefix, PoolFlaw::None)
    }

    /// Python's defaults: [`default_max_workers`] and the prefix `ThreadPoolExecutor`.
    pub fn with_defaults() -> Self {
        Self::new(default_max_workers(), "ThreadPoolExecutor")
    }

    pub(crate) fn with_flaw(max_workers: usize, prefix: &str, flaw: PoolFlaw) -> Self {
        assert!(max_workers > 0, "max_workers must be greater than 0");
        let shared = Arc::new(PoolCore {
            state: Mutex::named(
                "pool.state",
                PoolState {
                    shutdown: false,
                    workers: Vec::new(),
                    started: 0,
                    idle: 0,
                },
            ),
            queue: Fifo::new(0),
            queued: AtomicUsize::named("pool.queued", 0),
            max_workers,
            prefix: prefix.to_owned(),
            flaw,
        });
        ThreadPool {
            handle: PoolHandle { shared },
        }
    }

    pub fn max_workers(&self) -> usize {
        self.handle.shared.max_workers
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
        let shared = &self.handle.shared;
        let workers = {
            let mut state = shared.state.lock();
            if !state.shutdown {
                state.shutdown = true;
                assert!(
                    shared.queue.put(None, true, None).is_ok(),
                    "an unbounded put succeeds"
                );
            }
            if wait && shared.flaw != PoolFlaw::ShutdownWaitsForQueue {
                std::mem::take(&mut state.workers)
            } else {
                Vec::new()
            }
        };
        if wait && shared.flaw == PoolFlaw::ShutdownWaitsForQueue {
            return wait_until_nothing_is_queued(shared);
        }
        workers.into_iter().for_each(JoinHandle::join);
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

/// BROKEN: waits until every task has been *taken* by a worker, not until it has *finished*:
/// the last task may still be running (or not even started) when shutdown returns.
fn wait_until_nothing_is_queued<R: Runtime>(shared: &PoolCore<R>) {
    while shared.queued.load() > 0 {
        thread::yield_now::<R>();
    }
}

impl<R: Runtime> Drop for ThreadPool<R> {
    /// Python joins a pool's workers at interpreter exit; here the owner going away does it.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        self.shutdown(true);
        let workers = std::mem::take(&mut self.handle.shared.state.lock().workers);
        workers.into_iter().for_each(JoinHandle::join);
    }
}

impl<R: Runtime> PoolHandle<R> {
    pub fn submit<T, F>(&self, task: F) -> Result<Future<R, T>, SubmitError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        submit(&self.shared, task)
    }
}

fn submit<R, T, F>(shared: &Arc<PoolCore<R>>, task: F) -> Result<Future<R, T>, SubmitError>
where
    R: Runtime,
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let mut state = shared.state.lock();
    if state.shutdown {
        return Err(SubmitError::Shutdown);
    }
    let future = Future::new(shared.flaw);
    let job = {
        let future = future.clone();
        Box::new(move || run_task(&future, task)) as Job
    };
    if shared.flaw == PoolFlaw::ShutdownWaitsForQueue {
        shared.queued.fetch_add(1);
    }
    assert!(
        shared.queue.put(Some(job), true, None).is_ok(),
        "an unbounded put succeeds"
    );
    // Python's `_adjust_thread_count`: an idle worker will take it; otherwise start one if allowed.
    if state.idle > 0 {
        state.idle -= 1;
    } else if state.started < shared.max_workers {
        let name = format!("{}_{}", shared.prefix, state.started);
        let worker = {
            let shared = shared.clone();
            thread::spawn_named::<R, _, _>(name, move || work(&shared))
        };
        state.started += 1;
        state.workers.push(worker);
    }
    Ok(future)
}

/// Runs one task unless it was cancelled first; a panic becomes the future's error, and the
/// worker carries on with the next task.
pub(crate) fn run_task<R: Runtime, T: Send + 'static>(
    future: &Future<R, T>,
    task: impl FnOnce() -> T,
) {
    if !future.set_running_or_notify_cancel() {
        return;
    }
    let result = catch_unwind(AssertUnwindSafe(task)).map_err(|payload| {
        let message = panic_text(&*payload);
        // A checker reports a deadlock or a step limit by panicking in whichever thread blocks
        // last, which may be inside a task: that is the checker's verdict, not the task's error.
        if backend_finding(&message).is_some() {
            std::panic::resume_unwind(payload);
        }
        TaskError::Panicked(message)
    });
    future.set_result(result);
}

/// A worker: takes tasks until it takes the sentinel, which it puts back for the others.
fn work<R: Runtime>(shared: &PoolCore<R>) {
    loop {
        match shared.queue.get(true, None).expect("a blocking get") {
            Some(job) => {
                if shared.flaw == PoolFlaw::ShutdownWaitsForQueue {
                    shared.queued.fetch_sub(1);
                }
                job();
                shared.state.lock().idle += 1;
            }
            None => {
                assert!(
                    shared.queue.put(None, true, None).is_ok(),
                    "an unbounded put succeeds"
                );
                return;
            }
        }
    }
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
