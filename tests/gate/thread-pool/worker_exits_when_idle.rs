//! expect: fail runs-exactly-once
//! Workers start with the pool and stop when they find the queue empty: no work left, job done.

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
}

pub struct Pool<R: Runtime> {
    jobs: Arc<Mutex<R, Jobs<R>>>,
    workers: Mutex<R, Vec<JoinHandle<R, ()>>>,
}

impl<R: Runtime> Executor<R> for Pool<R> {
    type Future = Fut<R>;

    fn new(max_workers: usize) -> Self {
        let jobs = Arc::new(Mutex::named(
            "jobs",
            Jobs {
                queue: VecDeque::new(),
                shutdown: false,
            },
        ));
        let workers = (0..max_workers)
            .map(|_| {
                let jobs = jobs.clone();
                thread::spawn::<R, _, _>(move || {
                    loop {
                        let job = jobs.lock().queue.pop_front();
                        match job {
                            Some((task, future)) => {
                                if future.start() {
                                    future.settle(Ok(task()));
                                }
                            }
                            None => return,
                        }
                    }
                })
            })
            .collect();
        Pool {
            jobs,
            workers: Mutex::named("workers", workers),
        }
    }

    fn submit(&self, task: Task) -> Result<Fut<R>, SubmitError> {
        let mut jobs = self.jobs.lock();
        if jobs.shutdown {
            return Err(SubmitError::Shutdown);
        }
        let future = Fut::new();
        jobs.queue.push_back((task, Fut(future.0.clone())));
        Ok(future)
    }

    fn shutdown(&self, wait: bool) {
        self.jobs.lock().shutdown = true;
        if wait {
            let workers = std::mem::take(&mut *self.workers.lock());
            workers.into_iter().for_each(JoinHandle::join);
        }
    }
}

pub type Submission<R> = Pool<R>;
