//! Exercise `bounded-queue`: Python's `queue.Queue` (tutorial 5), for threads that put and get
//! at once. This first try has a lock and condition variables, and it looks right: a `put` on a
//! full queue waits for room, a `get` on an empty one waits for an item, `join` waits for the
//! last `task_done`. It is not: make it correct. Grade it with
//! `interleave grade bounded-queue THIS_FILE`.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    items: VecDeque<usize>,
    /// Items put and not yet marked `task_done`.
    unfinished: usize,
}

pub struct FirstQueue<R: Runtime> {
    state: Mutex<R, State>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
    all_tasks_done: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> BoundedQueue<R> for FirstQueue<R> {
    fn new(maxsize: usize) -> Self {
        FirstQueue {
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
        let mut state = self.state.lock();
        if self.maxsize > 0 && state.items.len() >= self.maxsize {
            if !block {
                return Err(Full(item));
            }
            // Woken up: a get made room.
            state = match timeout {
                None => self.not_full.wait(state),
                Some(timeout) => self.not_full.wait_timeout(state, timeout).0,
            };
        }
        state.items.push_back(item);
        state.unfinished += 1;
        self.not_empty.notify_one();
        Ok(())
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        let mut state = self.state.lock();
        if state.items.is_empty() {
            if !block {
                return Err(Empty);
            }
            // Woken up: a put brought an item (or else the timeout ran out).
            state = match timeout {
                None => self.not_empty.wait(state),
                Some(timeout) => self.not_empty.wait_timeout(state, timeout).0,
            };
        }
        let item = state.items.pop_front().ok_or(Empty)?;
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
        let state = self.state.lock();
        if state.unfinished > 0 {
            // Woken up: the last task_done.
            drop(self.all_tasks_done.wait(state));
        }
    }
}

/// The type the gate grades.
pub type Submission<R> = FirstQueue<R>;
