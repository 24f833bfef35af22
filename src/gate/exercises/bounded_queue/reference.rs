//! The project's solution to `bounded-queue`: CPython's `queue.py`, one lock and three condition
//! variables on it. Every wait is a `while` loop, and every change is made under the lock.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

struct State {
    items: VecDeque<usize>,
    /// Items put and not yet marked `task_done`.
    unfinished: usize,
}

pub struct Queue<R: Runtime> {
    state: Mutex<R, State>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
    all_tasks_done: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> Queue<R> {
    fn is_full(&self, state: &State) -> bool {
        self.maxsize > 0 && state.items.len() >= self.maxsize
    }

    /// Waits on `condvar` while `blocked` holds: not at all without `block`, up to a timeout with
    /// one. `None` when it gives up with `blocked` still true. Only the wait's own "timed out"
    /// decides that the time is up (the checkers have no clock); the deadline just shortens each
    /// wait after the first, so that natively the waits add up to the timeout.
    fn wait_while<'a>(
        &self,
        mut state: MutexGuard<'a, R, State>,
        condvar: &Condvar<R>,
        blocked: impl Fn(&State) -> bool,
        block: bool,
        timeout: Option<Duration>,
    ) -> Option<MutexGuard<'a, R, State>> {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        while blocked(&state) {
            match (block, deadline) {
                (false, _) => return None,
                (true, None) => state = condvar.wait(state),
                (true, Some(deadline)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    let (woken, timed_out) = condvar.wait_timeout(state, left);
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

impl<R: Runtime> BoundedQueue<R> for Queue<R> {
    fn new(maxsize: usize) -> Self {
        Queue {
            state: Mutex::named(
                "queue.mutex",
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
        let state = self.state.lock();
        let Some(mut state) =
            self.wait_while(state, &self.not_full, |s| self.is_full(s), block, timeout)
        else {
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
            .wait_while(
                state,
                &self.not_empty,
                |s| s.items.is_empty(),
                block,
                timeout,
            )
            .ok_or(Empty)?;
        let item = state.items.pop_front().expect("not empty, under the lock");
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

pub type Submission<R> = Queue<R>;
