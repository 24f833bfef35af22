//! # Thread-safe queues (tutorial 5): FIFO, LIFO and priority, and five ways to break one
//!
//! Python's `queue` module is the safe way for threads to hand each other work: `put` and `get`
//! block, `maxsize` bounds the queue, and `task_done` / `join` let a producer wait until every
//! item has been dealt with. Inside, it is a lock and three condition variables: `not_empty`
//! (consumers wait on it), `not_full` (producers wait on it) and `all_tasks_done` (`join` waits).
//! The three queues differ only in which item leaves first, so here one core ([`blocking::Queue`])
//! is written once and the order is a [`store::Store`]: first in first out, last in first out,
//! or a binary heap.
//!
//! Each piece of that design is there for a reason, and [`broken`] removes one at a time:
//! - `queue/if-not-while`: a woken consumer must check again, because the item it was told
//!   about may already be gone (taken by a consumer that never had to wait).
//! - `queue/one-condvar`: with one condition variable and `notify_one`, a consumer can wake the
//!   other consumer instead of the blocked producer. Nobody is left to wake anyone: a deadlock.
//! - `queue/size-check-outside-lock`: "is there room?" and "put it" must be one step under the
//!   lock, or two producers both see the one free slot.
//! - `queue/task-done-unlocked`: the count of unfinished tasks is shared data too; decremented
//!   without the lock it loses an update, and `join` waits for a task that is already done.
//! - `queue/timed-get-trusts-notify`: a timed wait ends by a notify or by its timer, and either
//!   way the consumer must look again: notified, it pops an item another consumer already took.
//!
//! The fixes are the core's own code, run through the same scenarios (`queue/while`,
//! `queue/two-condvars`, `queue/size-check-under-lock`, `queue/task-done-locked`,
//! `queue/timed-get-rechecks`); the
//! [`properties`] show the core under producers and consumers, and [`demos`] are the tutorial's
//! three examples with their outcome sets for one producer and one consumer, and two more with
//! non-numeric priorities (tuples, strings), ordered as Python compares them.
//!
//! The core is the `bounded-queue` exercise's reference solution: [`blocking`] is compiled from
//! its file (`src/gate/exercises/bounded_queue/reference.rs`), one implementation that the gate
//! grades as a student's file and this lesson runs. Over `usize` items it, and each broken queue,
//! implement the exercise's [`BoundedQueue`](crate::exercises::bounded_queue::BoundedQueue), so
//! the exercise's properties check them too; the scenarios the two share are written over that
//! trait ([`crate::exercises::bounded_queue::scenarios`]).
//!
//! Not modelled everywhere: under loom a timed wait never times out (loom 0.7 has no clock), so
//! there `get(timeout)` behaves as a plain blocking `get`; under shuttle a timed wait ends by a
//! notify or by its timer, at any point (see [`crate::sync::Condvar::wait_timeout`]).

// Written as a student writes it (`pub` items in a crate of its own).
#[allow(unreachable_pub)]
#[path = "../../src/gate/exercises/bounded_queue/reference.rs"]
pub mod blocking;
pub mod broken;
pub mod demos;
pub mod properties;
pub mod store;

pub use self::blocking::{Fifo, Queue};
pub use self::store::{Lifo, Priority};
pub use crate::exercises::bounded_queue::{Empty, Full, TaskDoneTooMany};

use crate::lesson::Concept;

pub fn concept() -> Concept {
    Concept::new(
        "queue",
        "thread-safe queues: FIFO, LIFO, priority (tutorial 5)",
        file!(),
    )
    .rows(&[
        demos::FIFO,
        demos::LIFO,
        demos::PRIORITY,
        demos::PRIORITY_TUPLES,
        demos::PRIORITY_STRINGS,
    ])
    .rows(&[
        properties::PRODUCERS_CONSUMERS,
        properties::JOIN,
        properties::TIMEOUT,
    ])
    .rows(&[
        broken::IF_NOT_WHILE,
        broken::WHILE,
        broken::ONE_CONDVAR,
        broken::TWO_CONDVARS,
        broken::SIZE_CHECK_OUTSIDE_LOCK,
        broken::SIZE_CHECK_UNDER_LOCK,
        broken::TASK_DONE_UNLOCKED,
        broken::TASK_DONE_LOCKED,
        broken::TIMED_GET_TRUSTS_NOTIFY,
        broken::TIMED_GET_RECHECKS,
    ])
}
