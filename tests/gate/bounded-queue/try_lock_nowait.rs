//! expect: fail linearizable
//! `nowait` means never wait: not for room, not for an item, and not for the lock either.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    items: VecDeque<usize>,
    unfinished: usize,
}

pub struct NoWaitQueue<R: Runtime> {
    state: Mutex<R, State>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
    all_tasks_done: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> NoWaitQueue<R> {
    /// The lock, unless the call must not wait and someone else holds it.
    fn lock(&self, block: bool) -> Option<MutexGuard<'_, R, State>> {
        if block {
            Some(self.state.lock())
        } else {
            self.state.try_lock()
        }
    }

    fn full(&self, state: &State) -> bool {
        self.maxsize > 0 && state.items.len() >= self.maxsize
    }
}

impl<R: Runtime> BoundedQueue<R> for NoWaitQueue<R> {
    fn new(maxsize: usize) -> Self {
        NoWaitQueue {
            state: Mutex::named(
                "state",
                State {
                    items: VecDeque::new(),
                    unfinished: 0,
                },
            ),
            not_empty: Condvar::named("not_empty"),
            not_full: Condvar::named("not_full"),
            all_tasks_done: Condvar::named("all_tasks_done"),
            maxsize,
        }
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        let Some(mut state) = self.lock(block) else {
            return Err(Full(item));
        };
        while self.full(&state) {
            if !block {
                return Err(Full(item));
            }
            match timeout {
                None => state = self.not_full.wait(state),
                Some(timeout) => {
                    let (woken, timed_out) = self.not_full.wait_timeout(state, timeout);
                    state = woken;
                    if timed_out && self.full(&state) {
                        return Err(Full(item));
                    }
                }
            }
        }
        state.items.push_back(item);
        state.unfinished += 1;
        self.not_empty.notify_one();
        Ok(())
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        let Some(mut state) = self.lock(block) else {
            return Err(Empty);
        };
        while state.items.is_empty() {
            if !block {
                return Err(Empty);
            }
            match timeout {
                None => state = self.not_empty.wait(state),
                Some(timeout) => {
                    let (woken, timed_out) = self.not_empty.wait_timeout(state, timeout);
                    state = woken;
                    if timed_out && state.items.is_empty() {
                        return Err(Empty);
                    }
                }
            }
        }
        let item = state.items.pop_front().expect("not empty");
        self.not_full.notify_one();
        Ok(item)
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

pub type Submission<R> = NoWaitQueue<R>;
