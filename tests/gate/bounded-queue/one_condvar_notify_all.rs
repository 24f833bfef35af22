//! expect: pass
//! One condition variable for every kind of wait, and every change wakes all the waiters.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    items: VecDeque<usize>,
    unfinished: usize,
}

pub struct BroadcastQueue<R: Runtime> {
    state: Mutex<R, State>,
    /// Something changed: an item came or went, or a task was done.
    changed: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> BroadcastQueue<R> {
    /// Waits while `blocked`; `None` if it gave up.
    fn wait_while<'a>(
        &self,
        mut state: MutexGuard<'a, R, State>,
        blocked: impl Fn(&State) -> bool,
        block: bool,
        timeout: Option<Duration>,
    ) -> Option<MutexGuard<'a, R, State>> {
        if !block {
            return (!blocked(&state)).then_some(state);
        }
        let Some(timeout) = timeout else {
            return Some(self.changed.wait_while(state, |s| blocked(s)));
        };
        while blocked(&state) {
            let timed_out;
            (state, timed_out) = self.changed.wait_timeout(state, timeout);
            if timed_out && blocked(&state) {
                return None;
            }
        }
        Some(state)
    }
}

impl<R: Runtime> BoundedQueue<R> for BroadcastQueue<R> {
    fn new(maxsize: usize) -> Self {
        BroadcastQueue {
            state: Mutex::named(
                "state",
                State {
                    items: VecDeque::new(),
                    unfinished: 0,
                },
            ),
            changed: Condvar::named("changed"),
            maxsize,
        }
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        let maxsize = self.maxsize;
        let full = |s: &State| maxsize > 0 && s.items.len() >= maxsize;
        let Some(mut state) = self.wait_while(self.state.lock(), full, block, timeout) else {
            return Err(Full(item));
        };
        state.items.push_back(item);
        state.unfinished += 1;
        self.changed.notify_all();
        Ok(())
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        let empty = |s: &State| s.items.is_empty();
        let mut state = self
            .wait_while(self.state.lock(), empty, block, timeout)
            .ok_or(Empty)?;
        let item = state.items.pop_front().expect("not empty");
        self.changed.notify_all();
        Ok(item)
    }

    fn qsize(&self) -> usize {
        self.state.lock().items.len()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        let mut state = self.state.lock();
        state.unfinished = state.unfinished.checked_sub(1).ok_or(TaskDoneTooMany)?;
        self.changed.notify_all();
        Ok(())
    }

    fn join(&self) {
        drop(
            self.changed
                .wait_while(self.state.lock(), |s| s.unfinished > 0),
        );
    }
}

pub type Submission<R> = BroadcastQueue<R>;
