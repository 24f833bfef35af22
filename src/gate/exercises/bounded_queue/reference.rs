//! The project's solution to `bounded-queue`: CPython's `queue.py`, one lock and three condition
//! variables on it (`not_empty`, consumers wait on it; `not_full`, producers wait on it;
//! `all_tasks_done`, `join` waits on it). Every wait is a `while` loop, and every change is made
//! under the lock.
//!
//! Python's three queues differ only in which item leaves first, so the core is written once
//! and the order is a [`Store`]: here the FIFO ([`FifoStore`]), `queue.Queue`. It is also the
//! lesson `queue`'s core (`models/12_queue/`, which compiles this very file as its `blocking`
//! module and adds the LIFO and priority stores): one implementation, graded here as a
//! student's file and run there, by the lesson's FIFO, LIFO and priority queues and by its
//! broken queues, which reach in (the `pub(crate)` fields) to replace one step each.

use interleave::gate::exercises::bounded_queue::{
    BoundedQueue, Deadline, Empty, Full, TaskDoneTooMany,
};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
use std::time::Duration;

/// The order a queue keeps its items in. Only ever touched with the queue's lock held.
pub trait Store: Send + 'static {
    type Item: Send + 'static;
    fn new() -> Self;
    fn push(&mut self, item: Self::Item);
    /// The next item to leave, `None` when there is none.
    fn pop(&mut self) -> Option<Self::Item>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out: Python's `queue.Queue`.
pub struct FifoStore<T> {
    items: VecDeque<T>,
}

impl<T: Send + 'static> Store for FifoStore<T> {
    type Item = T;
    fn new() -> Self {
        FifoStore {
            items: VecDeque::new(),
        }
    }
    fn push(&mut self, item: T) {
        self.items.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.items.pop_front()
    }
    fn len(&self) -> usize {
        self.items.len()
    }
}

/// `queue.Queue`: first in, first out.
pub type Fifo<R, T> = Queue<R, FifoStore<T>>;

/// What the lock protects.
pub(crate) struct State<S> {
    pub(crate) items: S,
    /// Items put and not yet marked `task_done`.
    pub(crate) unfinished: usize,
}

impl<S: Store> State<S> {
    pub(crate) fn is_full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.items.len() >= maxsize
    }

    /// Adds an item; the capacity assertion is what the lesson's broken queues trip.
    pub(crate) fn push(&mut self, item: S::Item, maxsize: usize) {
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
    pub(crate) state: Mutex<R, State<S>>,
    pub(crate) not_empty: Condvar<R>,
    pub(crate) not_full: Condvar<R>,
    pub(crate) all_tasks_done: Condvar<R>,
    pub(crate) maxsize: usize,
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

    /// Waits on `condvar` while `blocked` holds, re-checking after every wake-up (a `while`, not
    /// an `if`: another thread may have taken what the notification announced): not at all
    /// without `block`, for ever without a `timeout`, at most `timeout` with one. `None` when it
    /// gave up with `blocked` still true. Only a wait's own "timed out" decides that the time is
    /// up (the checkers have no clock); natively each wait after the first is shortened by the
    /// time already waited ([`Deadline`]).
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
                let deadline = Deadline::after::<R>(timeout);
                let mut timed_out = false;
                while blocked(&state) {
                    if timed_out {
                        return None;
                    }
                    (state, timed_out) = condvar.wait_timeout(state, deadline.left());
                }
                Some(state)
            }
        }
    }
}

/// The FIFO of `usize` items, as the exercise asks for it.
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

pub type Submission<R> = Fifo<R, usize>;
