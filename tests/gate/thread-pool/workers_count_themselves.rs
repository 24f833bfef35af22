//! expect: fail at-most-max-workers
//! Workers are started lazily, one per `submit` that finds none idle, while fewer than
//! `max_workers` have started; and each worker counts itself in `started` when it begins to run.
//! A worker just spawned has not run yet, so a `submit` right after it sees it uncounted and
//! starts another: submits in quick succession start more workers than `max_workers`.

use interleave::gate::exercises::thread_pool::{
    Callback, CancelledError, Executor, Future, SubmitError, Task,
};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};
use interleave::thread::{self, JoinHandle};
use std::collections::VecDeque;
use std::sync::Arc;

enum Stage {
    Pending,
    Running,
    Done(Result<usize, CancelledError>),
}

/// The callbacks waiting for the future to be done.
type Waiting<R> = Vec<Callback<Fut<R>>>;

struct Inner<R: Runtime> {
    state: Mutex<R, (Stage, Waiting<R>)>,
    done: Condvar<R>,
}

pub struct Fut<R: Runtime>(Arc<Inner<R>>);

impl<R: Runtime> Clone for Fut<R> {
    fn clone(&self) -> Self {
        Fut(self.0.clone())
    }
}

impl<R: Runtime> Fut<R> {
    fn new() -> Self {
        Fut(Arc::new(Inner {
            state: Mutex::named("future", (Stage::Pending, Vec::new())),
            done: Condvar::named("future.done"),
        }))
    }

    fn start(&self) -> bool {
        let mut state = self.0.state.lock();
        if matches!(state.0, Stage::Pending) {
            state.0 = Stage::Running;
            true
        } else {
            false
        }
    }

    fn settle(&self, outcome: Result<usize, CancelledError>) {
        let callbacks = {
            let mut state = self.0.state.lock();
            state.0 = Stage::Done(outcome);
            self.0.done.notify_all();
            std::mem::take(&mut state.1)
        };
        for callback in callbacks {
            callback(self);
        }
    }
}

impl<R: Runtime> Future for Fut<R> {
    fn result(&self) -> Result<usize, CancelledError> {
        let state = self.0.state.lock();
        let state = self
            .0
            .done
            .wait_while(state, |state| !matches!(state.0, Stage::Done(_)));
        match state.0 {
            Stage::Done(outcome) => outcome,
            _ => unreachable!(),
        }
    }

    fn done(&self) -> bool {
        matches!(self.0.state.lock().0, Stage::Done(_))
    }

    fn cancel(&self) -> bool {
        let callbacks = {
            let mut state = self.0.state.lock();
            match state.0 {
                Stage::Pending => {}
                Stage::Done(Err(CancelledError)) => return true,
                _ => return false,
            }
            state.0 = Stage::Done(Err(CancelledError));
            self.0.done.notify_all();
            std::mem::take(&mut state.1)
        };
        for callback in callbacks {
            callback(self);
        }
        true
    }

    fn add_done_callback(&self, callback: Callback<Self>) {
        let mut state = self.0.state.lock();
        if matches!(state.0, Stage::Done(_)) {
            drop(state);
            callback(self);
        } else {
            state.1.push(callback);
        }
    }
}

struct Jobs<R: Runtime> {
    queue: VecDeque<(Task, Fut<R>)>,
    shutdown: bool,
    /// Workers that have begun to run (each adds itself).
    started: usize,
    /// Workers done with a task and not yet claimed by a `submit`.
    idle: usize,
    handles: Vec<JoinHandle<R, ()>>,
}

struct Shared<R: Runtime> {
    jobs: Mutex<R, Jobs<R>>,
    work: Condvar<R>,
}

fn worker<R: Runtime>(shared: &Shared<R>) {
    shared.jobs.lock().started += 1;
    loop {
        let (task, future) = {
            let jobs = shared.jobs.lock();
            let mut jobs = shared
                .work
                .wait_while(jobs, |jobs| jobs.queue.is_empty() && !jobs.shutdown);
            match jobs.queue.pop_front() {
                Some(job) => job,
                None => return,
            }
        };
        if future.start() {
            future.settle(Ok(task()));
        }
        shared.jobs.lock().idle += 1;
    }
}

pub struct Pool<R: Runtime> {
    shared: Arc<Shared<R>>,
    max_workers: usize,
}

impl<R: Runtime> Executor<R> for Pool<R> {
    type Future = Fut<R>;

    fn new(max_workers: usize) -> Self {
        Pool {
            shared: Arc::new(Shared {
                jobs: Mutex::named(
                    "jobs",
                    Jobs {
                        queue: VecDeque::new(),
                        shutdown: false,
                        started: 0,
                        idle: 0,
                        handles: Vec::new(),
                    },
                ),
                work: Condvar::named("work"),
            }),
            max_workers,
        }
    }

    fn submit(&self, task: Task) -> Result<Fut<R>, SubmitError> {
        let mut jobs = self.shared.jobs.lock();
        if jobs.shutdown {
            return Err(SubmitError::Shutdown);
        }
        let future = Fut::new();
        jobs.queue.push_back((task, future.clone()));
        self.shared.work.notify_one();
        if jobs.idle > 0 {
            jobs.idle -= 1;
        } else if jobs.started < self.max_workers {
            let shared = self.shared.clone();
            let handle = thread::spawn::<R, _, _>(move || worker(&shared));
            jobs.handles.push(handle);
        }
        Ok(future)
    }

    fn shutdown(&self, wait: bool) {
        let handles = {
            let mut jobs = self.shared.jobs.lock();
            jobs.shutdown = true;
            self.shared.work.notify_all();
            if wait {
                std::mem::take(&mut jobs.handles)
            } else {
                Vec::new()
            }
        };
        handles.into_iter().for_each(JoinHandle::join);
    }
}

pub type Submission<R> = Pool<R>;
