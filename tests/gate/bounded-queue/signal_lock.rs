//! expect: fail no-deadlock
//! The items have their lock; the condition variables get a lock of their own, just for waiting.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    items: VecDeque<usize>,
    unfinished: usize,
}

pub struct SignalQueue<R: Runtime> {
    state: Mutex<R, State>,
    /// What the waits wait with.
    signal: Mutex<R, ()>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
    all_tasks_done: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> SignalQueue<R> {
    /// Waits for a signal on `condvar`; false if the timeout ran out.
    fn wait_for_signal(&self, condvar: &Condvar<R>, timeout: Option<Duration>) -> bool {
        let signal = self.signal.lock();
        match timeout {
            None => {
                drop(condvar.wait(signal));
                true
            }
            Some(timeout) => !condvar.wait_timeout(signal, timeout).1,
        }
    }

    fn signal(&self, condvar: &Condvar<R>) {
        let _signal = self.signal.lock();
        condvar.notify_one();
    }
}

impl<R: Runtime> BoundedQueue<R> for SignalQueue<R> {
    fn new(maxsize: usize) -> Self {
        SignalQueue {
            state: Mutex::named(
                "state",
                State {
                    items: VecDeque::new(),
                    unfinished: 0,
                },
            ),
            signal: Mutex::named("signal", ()),
            not_empty: Condvar::named("not_empty"),
            not_full: Condvar::named("not_full"),
            all_tasks_done: Condvar::named("all_tasks_done"),
            maxsize,
        }
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        let mut waited = false;
        loop {
            {
                let mut state = self.state.lock();
                if self.maxsize == 0 || state.items.len() < self.maxsize {
                    state.items.push_back(item);
                    state.unfinished += 1;
                    drop(state);
                    self.signal(&self.not_empty);
                    return Ok(());
                }
            }
            if !block || waited && timeout.is_some() {
                return Err(Full(item));
            }
            waited = !self.wait_for_signal(&self.not_full, timeout);
        }
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        let mut waited = false;
        loop {
            if let Some(item) = self.state.lock().items.pop_front() {
                self.signal(&self.not_full);
                return Ok(item);
            }
            if !block || waited && timeout.is_some() {
                return Err(Empty);
            }
            waited = !self.wait_for_signal(&self.not_empty, timeout);
        }
    }

    fn qsize(&self) -> usize {
        self.state.lock().items.len()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        let mut state = self.state.lock();
        if state.unfinished == 0 {
            return Err(TaskDoneTooMany);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            self.all_tasks_done.notify_all();
        }
        Ok(())
    }

    fn join(&self) {
        let mut state = self.state.lock();
        while state.unfinished > 0 {
            state = self.all_tasks_done.wait(state);
        }
    }
}

pub type Submission<R> = SignalQueue<R>;
