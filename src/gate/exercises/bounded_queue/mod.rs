//! # Exercise `bounded-queue`: Python's `queue.Queue`, written from a lock and condition variables
//!
//! A FIFO of at most `maxsize` items that threads put into and get from at once, with Python's
//! API: `put` / `get` that block (for ever, or up to a timeout), `put_nowait` / `get_nowait` that
//! fail with `Full` / `Empty` instead, `qsize`, and `task_done` / `join`. The lesson `queue`
//! (`models/12_queue/`) builds the same queue and breaks it four ways; its queues are
//! implementations here too, checked by the same properties.
//!
//! The properties' programs are small on purpose (two producers and two consumers, two items
//! each, a `maxsize` of 1 or 2): every seeded bug shows in a few steps, so shuttle finds it from
//! any seed and loom's exhaustive search stays short.

use crate::gate::{Exercise, Property};
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::models::queue::broken::one_producer_two_consumers;
use crate::models::queue::properties::{join_after_task_done_over, producers_consumers_over};
use crate::runtime::Runtime;
use crate::thread::{self, JoinHandle};
use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

pub mod history;
#[path = "reference.rs"]
pub(crate) mod reference;
#[path = "starter.rs"]
pub(crate) mod starter;

use history::{How, Op, Recorder};

/// `get` found nothing (`get_nowait` on an empty queue, or a timeout ran out): Python's
/// `queue.Empty`.
pub use crate::models::queue::Empty;
/// `put` found no room (`put_nowait` on a full queue, or a timeout ran out): Python's
/// `queue.Full`. It gives the item back: `Err(Full(item))`.
pub use crate::models::queue::Full;
/// `task_done` called more times than items were put: Python's `ValueError`.
pub use crate::models::queue::TaskDoneTooMany;

/// What a student implements: Python's `queue.Queue` of `usize` items, used by many threads at
/// once.
///
/// Waiting is done with the facade's `Mutex` and `Condvar` (`interleave::sync`), so that the
/// checkers can switch threads at every step. The checkers have no clock: a timed wait
/// (`Condvar::wait_timeout`) may report that it timed out at any moment, and a queue must then
/// give up (return `Full` / `Empty`) if it still cannot go on. Use the flag `wait_timeout`
/// returns, not `Instant::now()`, to decide that the time is up.
pub trait BoundedQueue<R: Runtime>: Send + Sync + 'static {
    /// An empty queue that holds at most `maxsize` items; `maxsize` 0 means no limit.
    fn new(maxsize: usize) -> Self;

    /// Puts `item` at the back. With `block` and no `timeout`, waits as long as the queue is
    /// full; with a `timeout`, waits at most that long and then returns `Err(Full(item))`;
    /// without `block`, returns `Err(Full(item))` at once if there is no room (`timeout` is
    /// ignored).
    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>>;

    /// Takes the item at the front, waiting as [`BoundedQueue::put`] does; `Err(Empty)` when it
    /// does not wait, or its timeout runs out, and there is no item.
    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty>;

    /// `put(item, false, None)`.
    fn put_nowait(&self, item: usize) -> Result<(), Full<usize>> {
        self.put(item, false, None)
    }

    /// `get(false, None)`.
    fn get_nowait(&self) -> Result<usize, Empty> {
        self.get(false, None)
    }

    /// The number of items in the queue now.
    fn qsize(&self) -> usize;

    /// Marks one item taken by `get` as processed; `Err(TaskDoneTooMany)` if every item put has
    /// already been marked.
    fn task_done(&self) -> Result<(), TaskDoneTooMany>;

    /// Waits until every item ever put has been marked `task_done`.
    fn join(&self);
}

/// Names a submission's type for every backend (the harness implements it for the student's
/// `Submission<R>`).
pub trait Plug: 'static {
    type Submission<R: Runtime>: BoundedQueue<R>;
}

/// The timeout of a timed `put` or `get` in the programs: the tutorial's 0.1 s (the checkers
/// have no clock; under shuttle the wait may end at any point, under loom it never times out).
const TIMEOUT: Duration = Duration::from_millis(100);

/// `maxsize` of the `linearizable` program: 2, so that a queue that hands items out in another
/// order than FIFO has the chance to.
const LINEARIZABLE_MAXSIZE: usize = 2;

/// `maxsize` of the `capacity` program.
const CAPACITY_MAXSIZE: usize = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Linearizable,
    Capacity,
    NothingLostOrDuplicated,
    NoDeadlock,
    JoinWaitsForTaskDone,
}

/// The properties' programs over `P`'s queue.
pub struct Program<P>(PhantomData<P>);

/// What a program saw when its property held.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Held(pub String);

impl fmt::Display for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn spawn_recorded<R: Runtime, Q: BoundedQueue<R>>(
    main: &Recorder<R, Q>,
    name: String,
    body: impl FnOnce(&mut Recorder<R, Q>) + Send + 'static,
) -> JoinHandle<R, Vec<Op>> {
    let mut recorder = main.another(name.clone());
    thread::spawn_named::<R, _, _>(name, move || {
        body(&mut recorder);
        recorder.into_ops()
    })
}

/// Gets with `get_nowait` until `Empty` (at most `most` times), after every other thread is done.
fn drain<R: Runtime, Q: BoundedQueue<R>>(main: &mut Recorder<R, Q>, most: usize) {
    for _ in 0..most {
        if main.get(How::Nowait).is_err() {
            break;
        }
    }
}

/// `threads` workers over a queue of maxsize 2: half producers (rounded down), the rest
/// consumers. Producer `p` puts `2p` blocking, then `2p + 1` without waiting (even `p`) or with a
/// timeout (odd `p`). Consumer `c` takes one item: first without waiting (even `c`) or with a
/// timeout (odd `c`), and if that finds nothing, blocking. Main then empties the queue with
/// `get_nowait`. Whatever happens, no thread waits for ever on a correct queue: each consumer
/// takes one item, and at least as many are put blocking.
fn linearizable<R: Runtime, Q: BoundedQueue<R>>(threads: usize) -> Held {
    let producers = (threads / 2).max(1);
    let consumers = threads.saturating_sub(producers).max(1);
    let queue = Arc::new(Q::new(LINEARIZABLE_MAXSIZE));
    let mut main = Recorder::<R, Q>::new(queue, "main");
    let mut handles: Vec<JoinHandle<R, Vec<Op>>> = (0..producers)
        .map(|p| {
            spawn_recorded(&main, format!("producer {p}"), move |queue| {
                let _ = queue.put(2 * p, How::Block);
                let second = if p % 2 == 0 {
                    How::Nowait
                } else {
                    How::Timeout(TIMEOUT)
                };
                let _ = queue.put(2 * p + 1, second);
            })
        })
        .collect();
    handles.extend((0..consumers).map(|c| {
        spawn_recorded(&main, format!("consumer {c}"), move |queue| {
            let first = if c % 2 == 0 {
                How::Nowait
            } else {
                How::Timeout(TIMEOUT)
            };
            if queue.get(first).is_err() {
                let _ = queue.get(How::Block);
            }
        })
    }));
    let mut calls: Vec<Op> = handles.into_iter().flat_map(JoinHandle::join).collect();
    drain(&mut main, 2 * producers + 1);
    calls.extend(main.into_ops());
    history::assert_linearizable(&calls, LINEARIZABLE_MAXSIZE);
    Held(format!(
        "{} calls, explained by a FIFO of maxsize {LINEARIZABLE_MAXSIZE}",
        calls.len()
    ))
}

/// `threads - 1` producers and one consumer over a queue of maxsize 1. Producer `p` puts `2p`
/// with `put_nowait`, then `2p + 1` blocking, and looks at `qsize()` after each put that went in.
/// The consumer gets (blocking) until it has every odd item, the ones put blocking. Main then
/// looks at `qsize()` and empties the queue.
fn capacity<R: Runtime, Q: BoundedQueue<R>>(threads: usize) -> Held {
    let producers = threads.saturating_sub(1).max(1);
    let queue = Arc::new(Q::new(CAPACITY_MAXSIZE));
    let mut main = Recorder::<R, Q>::new(queue, "main");
    let mut handles: Vec<JoinHandle<R, Vec<Op>>> = (0..producers)
        .map(|p| {
            spawn_recorded(&main, format!("producer {p}"), move |queue| {
                if queue.put(2 * p, How::Nowait).is_ok() {
                    queue.qsize();
                }
                if queue.put(2 * p + 1, How::Block).is_ok() {
                    queue.qsize();
                }
            })
        })
        .collect();
    handles.push(spawn_recorded(&main, "consumer".to_owned(), move |queue| {
        let mut waiting: BTreeSet<usize> = (0..producers).map(|p| 2 * p + 1).collect();
        for _ in 0..2 * producers {
            match queue.get(How::Block) {
                Ok(item) => waiting.remove(&item),
                Err(_) => break,
            };
            if waiting.is_empty() {
                break;
            }
        }
    }));
    let mut calls: Vec<Op> = handles.into_iter().flat_map(JoinHandle::join).collect();
    main.qsize();
    drain(&mut main, 2 * producers + 1);
    calls.extend(main.into_ops());
    history::assert_within_capacity(&calls, CAPACITY_MAXSIZE);
    Held(format!("never more than {CAPACITY_MAXSIZE} item"))
}

/// The lesson's scenario: one producer puts 1 and 2 into a queue of maxsize 1, two consumers
/// get one each.
fn nothing_lost_or_duplicated<R: Runtime, Q: BoundedQueue<R>>() -> Held {
    let got = one_producer_two_consumers::<R, Q>(1);
    assert!(
        got.0 == ["got 1", "got 2"],
        "nothing-lost-or-duplicated: one producer put 1 and 2, two consumers got one each, and \
         together they got [{got}]; each item should be got exactly once"
    );
    Held(got.to_string())
}

/// The lesson's producers and consumers over a queue of maxsize 1, all blocking: every thread
/// must finish (a thread waiting for ever is the checker's deadlock).
fn no_deadlock<R: Runtime, Q: BoundedQueue<R>>(threads: usize) -> Held {
    producers_consumers_over::<R, Q>(threads, 1);
    Held("every producer and consumer finished".to_owned())
}

/// The lesson's `join`: main puts one item per worker into an unbounded queue; each worker gets
/// one, counts it processed, marks it done; main joins.
fn join_waits_for_task_done<R: Runtime, Q: BoundedQueue<R>>(workers: usize) -> Held {
    let saw = join_after_task_done_over::<R, Q>(workers);
    assert!(
        saw.processed == saw.items,
        "join-waits-for-task-done: join returned when {} of the {} items had been processed; it \
         must wait until task_done has been called for every item put",
        saw.processed,
        saw.items
    );
    assert!(
        saw.extra_task_done_refused,
        "join-waits-for-task-done: every item was already marked done, and one more task_done \
         did not return Err(TaskDoneTooMany) (Python raises ValueError)"
    );
    Held(saw.to_string())
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Check;
    type Outcome = Held;
    const THREADS: Threads = Threads::shuttle(4).loom(3);
    const CHECK_EXECUTIONS: usize = 10_000;

    fn run<R: Runtime>(check: Check, params: &Params) -> Held {
        let threads = params.threads;
        match check {
            Check::Linearizable => linearizable::<R, P::Submission<R>>(threads),
            Check::Capacity => capacity::<R, P::Submission<R>>(threads),
            Check::NothingLostOrDuplicated => nothing_lost_or_duplicated::<R, P::Submission<R>>(),
            Check::NoDeadlock => no_deadlock::<R, P::Submission<R>>(threads),
            Check::JoinWaitsForTaskDone => join_waits_for_task_done::<R, P::Submission<R>>(threads),
        }
    }

    fn classify(_: Check, _: &Held, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}

/// The properties over `P`'s queue.
pub fn properties<P: Plug>() -> Vec<Property> {
    vec![
        Property {
            name: "linearizable",
            statement: "what every thread saw is explained by one sequential FIFO of maxsize 2, \
                        each call taking effect at one instant while it ran",
            variant: Row::<Program<P>>::new(
                "bounded-queue/linearizable",
                Check::Linearizable,
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
                Check::Capacity,
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
                Check::NothingLostOrDuplicated,
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
                Check::NoDeadlock,
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
                Check::JoinWaitsForTaskDone,
                Expect::Holds,
                "main puts one item per worker and joins; each worker gets, processes, task_done",
            )
            .threads(3, 2)
            .variant(),
        },
    ]
}

/// The lesson's core queue (`queue/while`, `queue/two-condvars`, `queue/size-check-under-lock`,
pub fn exercise() -> Exercise {
    use crate::models::queue::{Fifo, broken};
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
