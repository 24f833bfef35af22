//! expect: fail cancel-before-start
//! Python's design (every worker started at once, one `None` per worker to stop them), with a
//! `cancel()` that never cancels: "cancel may fail" read as "cancel may always fail". Every task
//! runs and `result()` is always its value, so nothing a cancel returned is ever contradicted.

use interleave::gate::exercises::thread_pool::{
    Callback, CancelledError, Executor, Future, SubmitError, Task,
};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};
use interleave::thread::{self, JoinHandle};
use std::collections::VecDeque;
use std::sync::Arc;

struct State<R: Runtime> {
    outcome: Option<Result<usize, CancelledError>>,
    callbacks: Vec<Callback<Handle<R>>>,
}

struct Cell<R: Runtime> {
    state: Mutex<R, State<R>>,
    changed: Condvar<R>,
}

pub struct Handle<R: Runtime>(Arc<Cell<R>>);

impl<R: Runtime> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Handle(self.0.clone())
    }
}

impl<R: Runtime> Handle<R> {
    /// The worker's finish: the value, then the callbacks that were waiting for it.
    fn resolve(&self, outcome: Result<usize, CancelledError>) {
        let waiting = {
            let mut state = self.0.state.lock();
            state.outcome = Some(outcome);
            self.0.changed.notify_all();
            std::mem::take(&mut state.callbacks)
        };
        waiting.into_iter().for_each(|callback| callback(self));
    }
}

impl<R: Runtime> Future for Handle<R> {
    fn result(&self) -> Result<usize, CancelledError> {
        let mut state = self.0.state.lock();
        loop {
            if let Some(outcome) = state.outcome {
                return outcome;
            }
            state = self.0.changed.wait(state);
        }
    }

    fn done(&self) -> bool {
        self.0.state.lock().outcome.is_some()
    }

    fn cancel(&self) -> bool {
        false
    }

    fn add_done_callback(&self, callback: Callback<Self>) {
        let mut state = self.0.state.lock();
        if state.outcome.is_none() {
            state.callbacks.push(callback);
            return;
        }
        drop(state);
        callback(self);
    }
}

type Item<R> = Option<(Task, Handle<R>)>;

struct Queue<R: Runtime> {
    items: Mutex<R, (VecDeque<Item<R>>, bool)>,
    not_empty: Condvar<R>,
}

pub struct ThreadPoolExecutor<R: Runtime> {
    queue: Arc<Queue<R>>,
    workers: Mutex<R, Vec<JoinHandle<R, ()>>>,
}

impl<R: Runtime> Executor<R> for ThreadPoolExecutor<R> {
    type Future = Handle<R>;

    fn new(max_workers: usize) -> Self {
        let queue = Arc::new(Queue {
            items: Mutex::named("queue", (VecDeque::new(), false)),
            not_empty: Condvar::named("queue.not_empty"),
        });
        let workers = (0..max_workers)
            .map(|n| {
                let queue = queue.clone();
                thread::spawn_named::<R, _, _>(format!("ThreadPoolExecutor_{n}"), move || {
                    loop {
                        let item = {
                            let items = queue.items.lock();
                            let mut items = queue.not_empty.wait_while(items, |i| i.0.is_empty());
                            items.0.pop_front().expect("not empty")
                        };
                        let Some((task, future)) = item else { return };
                        future.resolve(Ok(task()));
                    }
                })
            })
            .collect();
        ThreadPoolExecutor {
            queue,
            workers: Mutex::named("workers", workers),
        }
    }

    fn submit(&self, task: Task) -> Result<Handle<R>, SubmitError> {
        let mut items = self.queue.items.lock();
        if items.1 {
            return Err(SubmitError::Shutdown);
        }
        let future = Handle(Arc::new(Cell {
            state: Mutex::named(
                "future",
                State {
                    outcome: None,
                    callbacks: Vec::new(),
                },
            ),
            changed: Condvar::named("future.changed"),
        }));
        items.0.push_back(Some((task, future.clone())));
        self.queue.not_empty.notify_one();
        Ok(future)
    }

    fn shutdown(&self, wait: bool) {
        let mut workers = self.workers.lock();
        {
            let mut items = self.queue.items.lock();
            if !items.1 {
                items.1 = true;
                for _ in 0..workers.len() {
                    items.0.push_back(None);
                }
                self.queue.not_empty.notify_all();
            }
        }
        if wait {
            std::mem::take(&mut *workers)
                .into_iter()
                .for_each(JoinHandle::join);
        }
    }
}

pub type Submission<R> = ThreadPoolExecutor<R>;
