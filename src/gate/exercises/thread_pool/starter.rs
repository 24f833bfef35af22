//! Exercise `thread-pool`: the tutorial's 6 `ThreadPoolExecutor`. A first try: every task gets a
//! thread of its own, and the futures are a value behind a lock. It runs every task, and it
//! breaks the contract: make `shutdown(wait=True)` wait, run every callback exactly once, and
//! keep to `max_workers` threads. Grade it with `interleave grade thread-pool THIS_FILE`.

use interleave::gate::exercises::thread_pool::{
    Callback, CancelledError, Executor, Future, SubmitError, Task,
};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};
use interleave::thread;
use std::sync::Arc;

struct State<R: Runtime> {
    started: bool,
    cancelled: bool,
    value: Option<usize>,
    callbacks: Vec<Callback<MyFuture<R>>>,
}

pub struct MyFuture<R: Runtime> {
    state: Arc<Mutex<R, State<R>>>,
    finished: Arc<Condvar<R>>,
}

impl<R: Runtime> MyFuture<R> {
    fn handle(&self) -> Self {
        MyFuture {
            state: self.state.clone(),
            finished: self.finished.clone(),
        }
    }
}

impl<R: Runtime> Future for MyFuture<R> {
    fn result(&self) -> Result<usize, CancelledError> {
        let mut state = self.state.lock();
        loop {
            if state.cancelled {
                return Err(CancelledError);
            }
            if let Some(value) = state.value {
                return Ok(value);
            }
            state = self.finished.wait(state);
        }
    }

    fn done(&self) -> bool {
        let state = self.state.lock();
        state.cancelled || state.value.is_some()
    }

    fn cancel(&self) -> bool {
        let mut state = self.state.lock();
        if state.started {
            return false;
        }
        state.cancelled = true;
        self.finished.notify_all();
        true
    }

    fn add_done_callback(&self, callback: Callback<Self>) {
        if self.done() {
            callback(self);
        } else {
            // The worker will see it when it finishes.
            self.state.lock().callbacks.push(callback);
        }
    }
}

pub struct MyPool<R: Runtime> {
    shut_down: Mutex<R, bool>,
}

impl<R: Runtime> Executor<R> for MyPool<R> {
    type Future = MyFuture<R>;

    fn new(_max_workers: usize) -> Self {
        MyPool {
            shut_down: Mutex::named("shut_down", false),
        }
    }

    fn submit(&self, task: Task) -> Result<MyFuture<R>, SubmitError> {
        if *self.shut_down.lock() {
            return Err(SubmitError::Shutdown);
        }
        let future = MyFuture {
            state: Arc::new(Mutex::named(
                "future",
                State {
                    started: false,
                    cancelled: false,
                    value: None,
                    callbacks: Vec::new(),
                },
            )),
            finished: Arc::new(Condvar::named("future.finished")),
        };
        let mine = future.handle();
        thread::spawn::<R, _, _>(move || {
            {
                let mut state = mine.state.lock();
                if state.cancelled {
                    return;
                }
                state.started = true;
            }
            let value = task();
            mine.state.lock().value = Some(value);
            mine.finished.notify_all();
        });
        Ok(future)
    }

    fn shutdown(&self, _wait: bool) {
        // Each task has its own thread, which ends when the task does.
        *self.shut_down.lock() = true;
    }
}

/// The type the gate grades.
pub type Submission<R> = MyPool<R>;
