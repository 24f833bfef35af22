//! expect: fail linearizable
//! The lock makes it thread-safe; a get on an empty queue says Empty, a put on a full one Full.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    items: VecDeque<usize>,
    unfinished: usize,
}

pub struct LockedDeque<R: Runtime> {
    state: Mutex<R, State>,
    all_tasks_done: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> BoundedQueue<R> for LockedDeque<R> {
    fn new(maxsize: usize) -> Self {
        LockedDeque {
            state: Mutex::named(
                "state",
                State {
                    items: VecDeque::new(),
                    unfinished: 0,
                },
            ),
            all_tasks_done: Condvar::named("all_tasks_done"),
            maxsize,
        }
    }

    fn put(
        &self,
        item: usize,
        _block: bool,
        _timeout: Option<Duration>,
    ) -> Result<(), Full<usize>> {
        let mut state = self.state.lock();
        if self.maxsize > 0 && state.items.len() >= self.maxsize {
            return Err(Full(item));
        }
        state.items.push_back(item);
        state.unfinished += 1;
        Ok(())
    }

    fn get(&self, _block: bool, _timeout: Option<Duration>) -> Result<usize, Empty> {
        self.state.lock().items.pop_front().ok_or(Empty)
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

pub type Submission<R> = LockedDeque<R>;
