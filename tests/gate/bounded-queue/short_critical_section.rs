//! expect: fail capacity
//! Wait for room under the lock, then let go of it quickly: pushing one item needs no waiting.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    items: VecDeque<usize>,
    unfinished: usize,
}

pub struct QuickQueue<R: Runtime> {
    state: Mutex<R, State>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
    all_tasks_done: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> QuickQueue<R> {
    /// Waits while `blocked`; `None` if it gave up.
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

impl<R: Runtime> BoundedQueue<R> for QuickQueue<R> {
    fn new(maxsize: usize) -> Self {
        QuickQueue {
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
        let maxsize = self.maxsize;
        let room = self.wait(
            self.state.lock(),
            &self.not_full,
            |s| maxsize > 0 && s.items.len() >= maxsize,
            block,
            timeout,
        );
        if room.is_none() {
            return Err(Full(item));
        }
        drop(room);
        // There is room: push without holding anyone up for long.
        let mut state = self.state.lock();
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

pub type Submission<R> = QuickQueue<R>;
