//! # Exercise `bounded-queue`: Python's `queue.Queue`, written from a lock and condition variables
//!
//! A FIFO of at most `maxsize` items that threads put into and get from at once, with Python's
//! API: `put` / `get` that block (for ever, or up to a timeout), `put_nowait` / `get_nowait` that
//! fail with `Full` / `Empty` instead, `qsize`, and `task_done` / `join`. The lesson `queue`
//! (`models/12_queue/`) runs this exercise's reference as its core queue and breaks it five
//! ways; its queues are implementations here too, checked by the same properties.
//!
//! The properties' programs are small on purpose (two producers and two consumers, two items
//! each, a `maxsize` of 1 or 2; `any-maxsize` adds 3 and 0 with one producer beside main): every
//! seeded bug shows in a few steps, so shuttle finds it from any seed and loom's exhaustive search
//! stays short.

pub use crate::exercises::bounded_queue::*;

#[cfg(feature = "cli")]
use crate::gate::Exercise;
use crate::gate::Property;
use crate::lesson::{Expect, Row};
use crate::runtime::sight::BlindSpot;

// Written as a student writes it (`pub` items in a crate of its own).
#[cfg(feature = "cli")]
#[allow(unreachable_pub)]
#[path = "starter.rs"]
pub(crate) mod starter;

/// The properties over `P`'s queue.
pub fn properties<P: Plug>() -> Vec<Property> {
    vec![
        Property {
            name: "linearizable",
            statement: "what every thread saw is explained by one sequential FIFO of maxsize 2, \
                        each call taking effect at one instant while it ran",
            variant: Row::<Program<P>>::new(
                "bounded-queue/linearizable",
                Goal::Linearizable,
                Expect::Holds,
                "2 producers (blocking, nowait, timed puts), 2 consumers (nowait, timed, blocking \
                 gets), maxsize 2: a FIFO explains every result",
            )
            .threads(4, 4)
            .loom_preemption_bound(2)
            .variant(),
        },
        Property {
            name: "capacity",
            statement: "the queue never holds more than maxsize items",
            variant: Row::<Program<P>>::new(
                "bounded-queue/capacity",
                Goal::Capacity,
                Expect::Holds,
                "2 producers (put_nowait, then blocking put), 1 consumer, maxsize 1: never 2 items",
            )
            .threads(3, 3)
            .loom_preemption_bound(2)
            .variant(),
        },
        Property {
            name: "nothing-lost-or-duplicated",
            statement: "every item put is got exactly once",
            variant: Row::<Program<P>>::new(
                "bounded-queue/nothing-lost-or-duplicated",
                Goal::NothingLostOrDuplicated,
                Expect::Holds,
                "1 producer puts 1 and 2 into maxsize 1, 2 consumers get one each",
            )
            .threads(3, 3)
            .variant(),
        },
        Property {
            name: "no-deadlock",
            statement: "producers and consumers blocking on a full or empty queue always finish",
            variant: Row::<Program<P>>::new(
                "bounded-queue/no-deadlock",
                Goal::NoDeadlock,
                Expect::Holds,
                "2 producers, 2 consumers (loom: 1), two items each, maxsize 1, all blocking",
            )
            .threads(4, 3)
            .loom_preemption_bound(2)
            .variant(),
        },
        Property {
            name: "join-waits-for-task-done",
            statement: "join returns only after task_done for every item put, and a task_done \
                        too many is an error",
            variant: Row::<Program<P>>::new(
                "bounded-queue/join-waits-for-task-done",
                Goal::JoinWaitsForTaskDone,
                Expect::Holds,
                "main puts one item per worker and joins; each worker gets, processes, task_done",
            )
            .threads(3, 2)
            .variant(),
        },
        Property {
            name: "any-maxsize",
            statement: "a queue of maxsize 3 and an unbounded one (maxsize 0) are FIFOs of that \
                        maxsize too, qsize() included, as they wrap round and grow",
            variant: Row::<Program<P>>::new(
                "bounded-queue/any-maxsize",
                Goal::AnyMaxsize,
                Expect::Holds,
                "main fills a queue of maxsize 3, then an unbounded one with 5 items, and empties \
                 each while a producer puts 2 more: a FIFO explains every result",
            )
            .threads(2, 2)
            .variant(),
        },
        Property {
            name: "timeouts-give-up",
            statement: "a timed put on a full queue and a timed get on an empty one, that no \
                        other thread will change, give up with Full and Empty",
            variant: Row::<Program<P>>::new(
                "bounded-queue/timeouts-give-up",
                Goal::TimeoutsGiveUp,
                Expect::Holds,
                "alone: a timed put into a full queue gives Full, a timed get from an empty one \
                 Empty",
            )
            .threads(1, 1)
            .needs(&[BlindSpot::TimeoutsFiring])
            .variant(),
        },
    ]
}

#[cfg(feature = "cli")]
pub fn exercise() -> Exercise {
    use crate::models::queue::{Fifo, blocking as reference, broken};
    Exercise {
        name: "bounded-queue",
        statement: "Python's queue.Queue (tutorial 5): put/get with block and timeout, \
                    put_nowait/get_nowait, qsize, task_done/join, from a lock and condition \
                    variables",
        readme: include_str!("README.md"),
        starter: include_str!("starter.rs"),
        reference: include_str!("reference.rs"),
        module: "bounded_queue",
        builtins: || {
            vec![
                // The reference is compiled once, as the lesson's core queue.
                builtin!(bounded_queue, "reference", reference::Submission<R>, None),
                builtin!(
                    bounded_queue,
                    "starter",
                    starter::Submission<R>,
                    Some("nothing-lost-or-duplicated")
                ),
                builtin!(
                    bounded_queue,
                    "queue/if-not-while",
                    broken::IfNotWhile<R>,
                    Some("nothing-lost-or-duplicated")
                ),
                builtin!(bounded_queue, "queue/while", Fifo<R, usize>, None),
                builtin!(
                    bounded_queue,
                    "queue/one-condvar",
                    broken::OneCondvar<R>,
                    Some("no-deadlock")
                ),
                builtin!(bounded_queue, "queue/two-condvars", Fifo<R, usize>, None),
                builtin!(
                    bounded_queue,
                    "queue/size-check-outside-lock",
                    broken::SizeCheckOutsideLock<R>,
                    Some("capacity")
                ),
                builtin!(bounded_queue, "queue/size-check-under-lock", Fifo<R, usize>, None),
                builtin!(
                    bounded_queue,
                    "queue/task-done-unlocked",
                    broken::UnlockedTasks<R>,
                    Some("join-waits-for-task-done")
                ),
                builtin!(bounded_queue, "queue/task-done-locked", Fifo<R, usize>, None),
            ]
        },
    }
}
