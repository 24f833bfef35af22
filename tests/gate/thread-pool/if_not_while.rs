//! expect: fail results-match
//! One condition variable for every future: woken up means my task is done, so no loop.

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
    Finished(usize),
    Cancelled,
}

struct Entry<R: Runtime> {
    stage: Stage,
    callbacks: Vec<Callback<Fut<R>>>,
}

/// Every task's state, in one table under one lock; `finished` is signalled whenever any task
/// is done.
struct Table<R: Runtime> {
    entries: Mutex<R, Vec<Entry<R>>>,
    finished: Condvar<R>,
}

pub struct Fut<R: Runtime> {
    table: Arc<Table<R>>,
    id: usize,
}

impl<R: Runtime> Fut<R> {
    fn start(&self) -> bool {
        let mut entries = self.table.entries.lock();
        let entry = &mut entries[self.id];
        if matches!(entry.stage, Stage::Pending) {
            entry.stage = Stage::Running;
            true
        } else {
            false
        }
    }

    fn settle(&self, stage: Stage) {
        let callbacks = {
            let mut entries = self.table.entries.lock();
            let entry = &mut entries[self.id];
            entry.stage = stage;
            self.table.finished.notify_all();
            std::mem::take(&mut entry.callbacks)
        };
        for callback in callbacks {
            callback(self);
        }
    }
}

fn is_done(stage: &Stage) -> bool {
    matches!(stage, Stage::Finished(_) | Stage::Cancelled)
}

impl<R: Runtime> Future for Fut<R> {
    fn result(&self) -> Result<usize, CancelledError> {
        let mut entries = self.table.entries.lock();
        if !is_done(&entries[self.id].stage) {
            entries = self.table.finished.wait(entries);
        }
        match entries[self.id].stage {
            Stage::Finished(value) => Ok(value),
            Stage::Cancelled => Err(CancelledError),
            _ => unreachable!("woken up, so the task is done"),
        }
    }

    fn done(&self) -> bool {
        is_done(&self.table.entries.lock()[self.id].stage)
    }

    fn cancel(&self) -> bool {
        let callbacks = {
            let mut entries = self.table.entries.lock();
            let entry = &mut entries[self.id];
            match entry.stage {
                Stage::Pending => {}
                Stage::Cancelled => return true,
                _ => return false,
            }
            entry.stage = Stage::Cancelled;
            self.table.finished.notify_all();
            std::mem::take(&mut entry.callbacks)
        };
        for callback in callbacks {
            callback(self);
        }
        true
    }

    fn add_done_callback(&self, callback: Callback<Self>) {
        let mut entries = self.table.entries.lock();
        if is_done(&entries[self.id].stage) {
            drop(entries);
            callback(self);
        } else {
            entries[self.id].callbacks.push(callback);
        }
    }
}

struct Jobs<R: Runtime> {
    queue: VecDeque<(Task, Fut<R>)>,
    shutdown: bool,
    workers: Vec<JoinHandle<R, ()>>,
}

struct Core<R: Runtime> {
    jobs: Mutex<R, Jobs<R>>,
    work: Condvar<R>,
}

pub struct Pool<R: Runtime> {
    shared: Arc<Core<R>>,
    table: Arc<Table<R>>,
    max_workers: usize,
}

fn work<R: Runtime>(shared: &Core<R>) {
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
            future.settle(Stage::Finished(task()));
        }
    }
}

impl<R: Runtime> Executor<R> for Pool<R> {
    type Future = Fut<R>;

    fn new(max_workers: usize) -> Self {
        Pool {
            shared: Arc::new(Core {
                jobs: Mutex::named(
                    "jobs",
                    Jobs {
                        queue: VecDeque::new(),
                        shutdown: false,
                        workers: Vec::new(),
                    },
                ),
                work: Condvar::named("work"),
            }),
            table: Arc::new(Table {
                entries: Mutex::named("futures", Vec::new()),
                finished: Condvar::named("finished"),
            }),
            max_workers,
        }
    }

    fn submit(&self, task: Task) -> Result<Fut<R>, SubmitError> {
        let mut jobs = self.shared.jobs.lock();
        if jobs.shutdown {
            return Err(SubmitError::Shutdown);
        }
        let id = {
            let mut entries = self.table.entries.lock();
            entries.push(Entry {
                stage: Stage::Pending,
                callbacks: Vec::new(),
            });
            entries.len() - 1
        };
        let future = Fut {
            table: self.table.clone(),
            id,
        };
        let theirs = Fut {
            table: self.table.clone(),
            id,
        };
        jobs.queue.push_back((task, theirs));
        self.shared.work.notify_one();
        if jobs.workers.len() < self.max_workers {
            let shared = self.shared.clone();
            let worker = thread::spawn::<R, _, _>(move || work(&shared));
            jobs.workers.push(worker);
        }
        Ok(future)
    }

    fn shutdown(&self, wait: bool) {
        let workers = {
            let mut jobs = self.shared.jobs.lock();
            jobs.shutdown = true;
            self.shared.work.notify_all();
            if wait {
                std::mem::take(&mut jobs.workers)
            } else {
                Vec::new()
            }
        };
        workers.into_iter().for_each(JoinHandle::join);
    }
}

pub type Submission<R> = Pool<R>;
