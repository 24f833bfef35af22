//! The project's solution to `thread-pool`: one lock and condition variable for the pool (the
//! queue, the shutdown flag, the workers), one for each future (its stage and its callbacks).
//! Every rule of the contract is one step under a lock: a worker starts a task only from
//! `Pending`, `cancel` wins only from `Pending`, and the step that makes a future done also takes
//! its callbacks, which are then run without the lock. Workers are started one per `submit`, up
//! to `max_workers`, and stop once the pool is shut down and the queue is empty.

use interleave::gate::exercises::thread_pool::{
    Callback, CancelledError, Executor, Future, SubmitError, Task,
};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use interleave::thread::{self, JoinHandle};
use std::collections::VecDeque;
use std::sync::Arc;

enum Stage {
    Pending,
    Running,
    Finished(usize),
    Cancelled,
}

struct Slot<R: Runtime> {
    stage: Stage,
    callbacks: Vec<Callback<PoolFuture<R>>>,
}

impl<R: Runtime> Slot<R> {
    fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Finished(_) | Stage::Cancelled)
    }
}

struct FutureState<R: Runtime> {
    slot: Mutex<R, Slot<R>>,
    done: Condvar<R>,
}

pub struct PoolFuture<R: Runtime> {
    state: Arc<FutureState<R>>,
}

impl<R: Runtime> PoolFuture<R> {
    fn new() -> Self {
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

    fn handle(&self) -> Self {
        PoolFuture {
            state: self.state.clone(),
        }
    }

    /// The worker's start: `Pending` to `Running` in one step; `false` if `cancel` won.
    fn start(&self) -> bool {
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
    fn finish(&self, value: usize) {
        self.complete(self.state.slot.lock(), Stage::Finished(value));
    }

    /// Makes the future done (finished or cancelled), waking every `result`, and takes the
    /// callbacks in the same step; then runs them without the lock (a callback may call `result`).
    fn complete(&self, mut slot: MutexGuard<'_, R, Slot<R>>, stage: Stage) {
        slot.stage = stage;
        self.state.done.notify_all();
        let callbacks = std::mem::take(&mut slot.callbacks);
        drop(slot);
        for callback in callbacks {
            callback(self);
        }
    }
}

impl<R: Runtime> Future for PoolFuture<R> {
    fn result(&self) -> Result<usize, CancelledError> {
        let slot = self.state.slot.lock();
        let slot = self.state.done.wait_while(slot, |slot| !slot.is_done());
        match slot.stage {
            Stage::Finished(value) => Ok(value),
            _ => Err(CancelledError),
        }
    }

    fn done(&self) -> bool {
        self.state.slot.lock().is_done()
    }

    fn cancel(&self) -> bool {
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

    fn add_done_callback(&self, callback: Callback<Self>) {
        let mut slot = self.state.slot.lock();
        if slot.is_done() {
            drop(slot);
            callback(self);
        } else {
            slot.callbacks.push(callback);
        }
    }
}

struct PoolState<R: Runtime> {
    jobs: VecDeque<(Task, PoolFuture<R>)>,
    shutdown: bool,
    workers: Vec<JoinHandle<R, ()>>,
}

struct Shared<R: Runtime> {
    state: Mutex<R, PoolState<R>>,
    work: Condvar<R>,
}

pub struct Pool<R: Runtime> {
    shared: Arc<Shared<R>>,
    max_workers: usize,
}

/// A worker: takes jobs until the pool is shut down and nothing is left.
fn work<R: Runtime>(shared: &Shared<R>) {
    loop {
        let (task, future) = {
            let state = shared.state.lock();
            let mut state = shared
                .work
                .wait_while(state, |state| state.jobs.is_empty() && !state.shutdown);
            match state.jobs.pop_front() {
                Some(job) => job,
                None => return,
            }
        };
        if future.start() {
            let value = task();
            future.finish(value);
        }
    }
}

impl<R: Runtime> Executor<R> for Pool<R> {
    type Future = PoolFuture<R>;

    fn new(max_workers: usize) -> Self {
        assert!(max_workers > 0, "max_workers must be greater than 0");
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::named(
                    "pool",
                    PoolState {
                        jobs: VecDeque::new(),
                        shutdown: false,
                        workers: Vec::new(),
                    },
                ),
                work: Condvar::named("pool.work"),
            }),
            max_workers,
        }
    }

    fn submit(&self, task: Task) -> Result<PoolFuture<R>, SubmitError> {
        let mut state = self.shared.state.lock();
        if state.shutdown {
            return Err(SubmitError::Shutdown);
        }
        let future = PoolFuture::new();
        state.jobs.push_back((task, future.handle()));
        self.shared.work.notify_one();
        // Started under the lock, so that a shutdown cannot miss a worker it has to wait for.
        if state.workers.len() < self.max_workers {
            let name = format!("pool_{}", state.workers.len());
            let shared = self.shared.clone();
            let worker = thread::spawn_named::<R, _, _>(name, move || work(&shared));
            state.workers.push(worker);
        }
        Ok(future)
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
