//! expect: fail timeouts-give-up
//! A ring buffer of slots under one lock, a head and a length; not_empty and not_full on it. A
//! timed wait is looked at like any other wake-up: back round the loop until there is room or an
//! item. It never gives up, so a timed put on a full queue that nobody empties waits for ever.

use interleave::gate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

struct Ring {
    slots: Vec<usize>,
    head: usize,
    len: usize,
    unfinished: usize,
}

impl Ring {
    fn push(&mut self, item: usize) {
        if self.len == self.slots.len() {
            // Unbounded and out of slots: grow, keeping the order.
            let mut grown: Vec<usize> = (0..self.len).map(|i| self.slot(i)).collect();
            grown.resize(2 * self.len.max(1), 0);
            self.slots = grown;
            self.head = 0;
        }
        let tail = (self.head + self.len) % self.slots.len();
        self.slots[tail] = item;
        self.len += 1;
    }

    fn pop(&mut self) -> usize {
        let item = self.slots[self.head];
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        item
    }

    fn slot(&self, i: usize) -> usize {
        self.slots[(self.head + i) % self.slots.len()]
    }
}

pub struct RingQueue<R: Runtime> {
    ring: Mutex<R, Ring>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
    all_tasks_done: Condvar<R>,
    maxsize: usize,
}

impl<R: Runtime> RingQueue<R> {
    fn full(&self, ring: &Ring) -> bool {
        self.maxsize > 0 && ring.len == self.maxsize
    }

    /// Waits on `condvar` until `ready`; `None` if it may not wait.
    fn wait_until<'a>(
        &self,
        mut ring: MutexGuard<'a, R, Ring>,
        condvar: &Condvar<R>,
        ready: impl Fn(&Ring) -> bool,
        block: bool,
        timeout: Option<Duration>,
    ) -> Option<MutexGuard<'a, R, Ring>> {
        loop {
            if ready(&ring) {
                return Some(ring);
            }
            if !block {
                return None;
            }
            if let Some(timeout) = timeout {
                let (woken, _timed_out) = condvar.wait_timeout(ring, timeout);
                ring = woken;
            } else {
                ring = condvar.wait(ring);
            }
        }
    }
}

impl<R: Runtime> BoundedQueue<R> for RingQueue<R> {
    fn new(maxsize: usize) -> Self {
        RingQueue {
            ring: Mutex::named(
                "ring",
                Ring {
                    slots: vec![0; maxsize],
                    head: 0,
                    len: 0,
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
        let ring = self.ring.lock();
        let ready = |r: &Ring| !self.full(r);
        let Some(mut ring) = self.wait_until(ring, &self.not_full, ready, block, timeout) else {
            return Err(Full(item));
        };
        ring.push(item);
        ring.unfinished += 1;
        self.not_empty.notify_one();
        Ok(())
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        let ring = self.ring.lock();
        let mut ring = self
            .wait_until(ring, &self.not_empty, |r| r.len > 0, block, timeout)
            .ok_or(Empty)?;
        let item = ring.pop();
        self.not_full.notify_one();
        Ok(item)
    }

    fn qsize(&self) -> usize {
        self.ring.lock().len
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        let mut ring = self.ring.lock();
        if ring.unfinished == 0 {
            return Err(TaskDoneTooMany);
        }
        ring.unfinished -= 1;
        if ring.unfinished == 0 {
            self.all_tasks_done.notify_all();
        }
        Ok(())
    }

    fn join(&self) {
        drop(
            self.all_tasks_done
                .wait_while(self.ring.lock(), |r| r.unfinished > 0),
        );
    }
}

pub type Submission<R> = RingQueue<R>;
