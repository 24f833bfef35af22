//! The shared core of the three queues: Python's `queue` module over the facade, one lock and
//! three condition variables, as CPython's `queue.py` has them (`mutex`, `not_empty`, `not_full`,
//! `all_tasks_done`, all on the one lock).

use super::store::{FifoStore, LifoStore, PriorityStore, Store};
use crate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use crate::runtime::{Runtime, sleep_scale};
use crate::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// `queue.Queue`: first in, first out.
pub type Fifo<R, T> = Queue<R, FifoStore<T>>;
/// `queue.LifoQueue`: last in, first out.
pub type Lifo<R, T> = Queue<R, LifoStore<T>>;
/// `queue.PriorityQueue`: put `(priority, value)`; smallest priority first, ties in insertion order.
pub type Priority<R, P, T> = Queue<R, PriorityStore<P, T>>;

/// What the lock protects.
pub(super) struct State<S> {
    pub items: S,
    /// Items put and not yet marked `task_done`.
    pub unfinished: usize,
}

impl<S: Store> State<S> {
    pub fn is_full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.items.len() >= maxsize
    }

    /// Adds an item; the capacity assertion is what the broken variants trip.
    pub fn push(&mut self, item: S::Item, maxsize: usize) {
        self.items.push(item);
        self.unfinished += 1;
        let len = self.items.len();
        assert!(
            maxsize == 0 || len <= maxsize,
            "over capacity: {len} items in a queue of maxsize {maxsize}"
        );
    }
}

/// A blocking queue with Python's API; `S` decides the order items leave in.
pub struct Queue<R: Runtime, S: Store> {
    pub(super) state: Mutex<R, State<S>>,
    pub(super) not_empty: Condvar<R>,
    pub(super) not_full: Condvar<R>,
    pub(super) all_tasks_done: Condvar<R>,
    pub(super) maxsize: usize,
}

type Guard<'a, R, S> = MutexGuard<'a, R, State<S>>;

impl<R: Runtime, S: Store> Queue<R, S> {
    /// `maxsize` 0 means unbounded.
    pub fn new(maxsize: usize) -> Self {
        Queue {
            state: Mutex::named(
                "queue.mutex",
                State {
                    items: S::new(),
                    unfinished: 0,
                },
            ),
            not_empty: Condvar::named("not_empty"),
            not_full: Condvar::named("not_full"),
            all_tasks_done: Condvar::named("all_tasks_done"),
            maxsize,
        }
    }

    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Puts `item`. With `block` and no `timeout`, waits as long as the queue is full; with a
    /// `timeout`, waits at most that long; without `block`, does not wait (`timeout` is ignored).
    pub fn put(
        &self,
        item: S::Item,
        block: bool,
        timeout: Option<Duration>,
    ) -> Result<(), Full<S::Item>> {
        let maxsize = self.maxsize;
        let state = self.state.lock();
        let Some(mut state) = self.wait_for(
            state,
            &self.not_full,
            |s| s.is_full(maxsize),
            block,
            timeout,
        ) else {
            return Err(Full(item));
        };
        state.push(item, maxsize);
        self.not_empty.notify_one();
        Ok(())
    }

    pub fn put_nowait(&self, item: S::Item) -> Result<(), Full<S::Item>> {
        self.put(item, false, None)
    }

    /// Takes the next item, waiting as [`Queue::put`] does.
    pub fn get(&self, block: bool, timeout: Option<Duration>) -> Result<S::Item, Empty> {
        let state = self.state.lock();
        let mut state = self
            .wait_for(
                state,
                &self.not_empty,
                |s| s.items.is_empty(),
                block,
                timeout,
            )
            .ok_or(Empty)?;
        let item = state.items.pop().expect("not empty, under the lock");
        self.not_full.notify_one();
        Ok(item)
    }

    pub fn get_nowait(&self) -> Result<S::Item, Empty> {
        self.get(false, None)
    }

    /// Marks one item taken by `get` as processed; `join` returns once every item is.
    pub fn task_done(&self) -> Result<(), TaskDoneTooMany> {
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

    /// Waits until every item ever put has been marked `task_done`.
    pub fn join(&self) {
        let state = self.state.lock();
        drop(self.all_tasks_done.wait_while(state, |s| s.unfinished > 0));
    }

    /// The number of items now (already stale when the caller looks at it, as in Python).
    pub fn qsize(&self) -> usize {
        self.state.lock().items.len()
    }

    pub fn empty(&self) -> bool {
        self.state.lock().items.is_empty()
    }

    pub fn full(&self) -> bool {
        self.state.lock().is_full(self.maxsize)
    }

    /// Waits on `condvar` while `blocked` holds, re-checking after every wake-up (a `while`, not an
    /// `if`: another thread may have taken what the notification announced). `None` when it gave up.
    fn wait_for<'a>(
        &self,
        mut state: Guard<'a, R, S>,
        condvar: &Condvar<R>,
        blocked: impl Fn(&State<S>) -> bool,
        block: bool,
        timeout: Option<Duration>,
    ) -> Option<Guard<'a, R, S>> {
        match (block, timeout) {
            (false, _) => (!blocked(&state)).then_some(state),
            (true, None) => Some(condvar.wait_while(state, |s| blocked(s))),
            (true, Some(timeout)) => {
                let started = Instant::now();
                let mut timed_out = false;
                while blocked(&state) {
                    if timed_out {
                        return None;
                    }
                    let remaining = timeout.saturating_sub(tutorial_elapsed::<R>(started));
                    (state, timed_out) = condvar.wait_timeout(state, remaining);
                }
                Some(state)
            }
        }
    }
}

/// The core as the `bounded-queue` exercise sees it: a correct [`BoundedQueue`] of `usize` items.
impl<R: Runtime> BoundedQueue<R> for Fifo<R, usize> {
    fn new(maxsize: usize) -> Self {
        Queue::new(maxsize)
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        Queue::put(self, item, block, timeout)
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        Queue::get(self, block, timeout)
    }

    fn qsize(&self) -> usize {
        Queue::qsize(self)
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        Queue::task_done(self)
    }

    fn join(&self) {
        Queue::join(self)
    }
}

/// Time since `started` in the tutorial's units. Natively a wait is scaled down (see
/// [`crate::runtime::set_sleep_scale`]); the checkers have no clock, and only the backend's
/// "timed out" flag decides whether a wait gave up, so a run stays reproducible.
fn tutorial_elapsed<R: Runtime>(started: Instant) -> Duration {
    if R::HAS_CLOCK {
        started.elapsed() * sleep_scale()
    } else {
        Duration::ZERO
    }
}
