//! expect: fail join-waits-for-task-done
//! join waits until the queue is empty: once every item has been taken, the work is done.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    items: VecDeque<usize>,
    unfinished: usize,
}

pub struct EmptyJoinQueue<R: Runtime> {
    state: Mutex<R, State>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
    /// Notified when a get takes the last item.
    emptied: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> EmptyJoinQueue<R> {
    fn wait<'a>(
        &self,
        mut state: MutexGuard<'a, R, State>,
        condvar: &Condvar<R>,
        blocked: impl Fn(&State) -> bool,
        block: bool,
        timeout: Option<Duration>,
    ) -> Option<MutexGuard<'a, R, State>> {
        while blocked(&state) {
            if !block {
                return None;
            }
            match timeout {
                None => state = condvar.wait(state),
                Some(timeout) => {
                    let (woken, timed_out) = condvar.wait_timeout(state, timeout);
                    state = woken;
                    if timed_out && blocked(&state) {
                        return None;
                    }
                }
            }
        }
        Some(state)
    }
}

impl<R: Runtime> BoundedQueue<R> for EmptyJoinQueue<R> {
    fn new(maxsize: usize) -> Self {
        EmptyJoinQueue {
            state: Mutex::named(
                "state",
                State {
                    items: VecDeque::new(),
                    unfinished: 0,
                },
            ),
            not_empty: Condvar::named("not_empty"),
            not_full: Condvar::named("not_full"),
            emptied: Condvar::named("emptied"),
            maxsize,
        }
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        let maxsize = self.maxsize;
        let full = |s: &State| maxsize > 0 && s.items.len() >= maxsize;
        let state = self.state.lock();
        let Some(mut state) = self.wait(state, &self.not_full, full, block, timeout) else {
            return Err(Full(item));
        };
        state.items.push_back(item);
        state.unfinished += 1;
        self.not_empty.notify_one();
        Ok(())
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        let state = self.state.lock();
        let mut state = self
            .wait(
                state,
                &self.not_empty,
                |s| s.items.is_empty(),
                block,
                timeout,
            )
            .ok_or(Empty)?;
        let item = state.items.pop_front().expect("not empty");
        self.not_full.notify_one();
        if state.items.is_empty() {
            self.emptied.notify_all();
        }
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
        Ok(())
    }

    fn join(&self) {
        let mut state = self.state.lock();
        while !state.items.is_empty() {
            state = self.emptied.wait(state);
        }
    }
}

pub type Submission<R> = EmptyJoinQueue<R>;
