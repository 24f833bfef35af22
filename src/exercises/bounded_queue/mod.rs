//! The `bounded-queue` exercise's contract: the trait a student implements ([`BoundedQueue`]),
//! its errors ([`Empty`], [`Full`], [`TaskDoneTooMany`]), the [`Plug`] that names a submission
//! for every backend, and the properties' [`Program`], with what they are made of: the
//! [`history`] of calls a linearizability check reads, and the lesson `queue`'s own
//! [`scenarios`]. The lesson's queues implement the trait; the gate
//! (`interleave::gate::exercises::bounded_queue`, which re-exports all of this) grades
//! implementations with it.

use crate::lesson::{Class, Lesson, Params, Threads};
use crate::runtime::{Runtime, sleep_scale};
use crate::thread::{self, JoinHandle};
use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub mod history;
pub mod scenarios;

use history::{How, Op, Recorder};
use scenarios::{join_after_task_done_over, one_producer_two_consumers, producers_consumers_over};

/// `get` found nothing (`get_nowait` on an empty queue, or a timeout ran out): Python's
/// `queue.Empty`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Empty;

/// `put` found no room (`put_nowait` on a full queue, or a timeout ran out): Python's
/// `queue.Full`. It gives the item back: `Err(Full(item))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Full<T>(pub T);

/// `task_done` called more times than items were put: Python's `ValueError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskDoneTooMany;

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is empty")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is full")
    }
}

impl fmt::Display for TaskDoneTooMany {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl std::error::Error for Empty {}
impl<T: fmt::Debug> std::error::Error for Full<T> {}
impl std::error::Error for TaskDoneTooMany {}

/// What a student implements: Python's `queue.Queue` of `usize` items, used by many threads at
/// once.
///
/// Waiting is done with the facade's `Mutex` and `Condvar` (`interleave::sync`), so that the
/// checkers can switch threads at every step. The checkers have no clock: a timed wait
/// (`Condvar::wait_timeout`) may report that it timed out at any moment, and a queue must then
/// give up (return `Full` / `Empty`) if it still cannot go on. Use the flag `wait_timeout`
/// returns (a submission cannot read a clock), to decide that the time is up.
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

/// A timed wait's clock, for a queue that waits again after a wake-up that did not let it go
/// on: [`Deadline::after`] when the wait begins, [`Deadline::left`] before each wait. Natively,
/// what is left is the timeout less the time since the start (scaled to the tutorial's units, as
/// the facade scales every wait: see [`crate::runtime::sleep_scale`]); under the checkers, which
/// have no clock, all of it, so that only the wait's own "timed out" flag ends it and a run
/// replays the same. A submission may not read a clock itself (`Instant`, `SystemTime`): its
/// grade would depend on when it ran.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    timeout: Duration,
    /// `None` under a backend with no clock.
    started: Option<Instant>,
}

impl Deadline {
    /// A wait of at most `timeout` (in the tutorial's units), starting now.
    pub fn after<R: Runtime>(timeout: Duration) -> Self {
        Deadline {
            timeout,
            started: R::HAS_CLOCK.then(Instant::now),
        }
    }

    /// What is left of the timeout.
    pub fn left(&self) -> Duration {
        match self.started {
            Some(started) => self
                .timeout
                .saturating_sub(started.elapsed() * sleep_scale()),
            None => self.timeout,
        }
    }
}

/// Names a submission's type for every backend (the harness implements it for the student's
/// `Submission<R>`).
pub trait Plug: 'static {
    /// The submission's queue under the backend `R`.
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

/// Which property a program checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// `linearizable`: producers and consumers put and get every way (blocking, timed, nowait)
    /// on a queue of maxsize 2; one sequential FIFO of maxsize 2 explains every call's result
    /// ([`history::assert_linearizable`]).
    Linearizable,
    /// `capacity`: producers fill a queue of maxsize 1 and look at `qsize()`; it is never seen
    /// holding more than 1 item ([`history::assert_within_capacity`]).
    Capacity,
    /// `nothing-lost-or-duplicated`: one producer puts 1 and 2 into a queue of maxsize 1, two
    /// consumers get one each: each item is got exactly once
    /// ([`scenarios::one_producer_two_consumers`]).
    NothingLostOrDuplicated,
    /// `no-deadlock`: producers and consumers blocking on a queue of maxsize 1 all finish
    /// ([`scenarios::producers_consumers_over`]).
    NoDeadlock,
    /// `join-waits-for-task-done`: `join` returns only once every item put is marked
    /// `task_done`, and one `task_done` more is refused
    /// ([`scenarios::join_after_task_done_over`]).
    JoinWaitsForTaskDone,
    /// `any-maxsize`: a queue of maxsize 3 and an unbounded one (maxsize 0), each filled by main
    /// and then emptied by main while a producer puts two more: one sequential FIFO of that
    /// maxsize explains every call, `qsize()` included ([`history::assert_explained`]). (The
    /// other programs use maxsize 1 and 2, and hold at most 4 items in an unbounded queue.)
    AnyMaxsize,
    /// `timeouts-give-up`: alone with a full queue of maxsize 1, a timed `put` returns
    /// `Err(Full(item))`; with an empty one, a timed `get` returns `Err(Empty)`, once the wait
    /// times out (a backend that never fires a timeout cannot check it).
    TimeoutsGiveUp,
}

/// The old name of [`Goal`] (`model::Check` is the model builder's).
#[deprecated(
    since = "0.2.0",
    note = "renamed Goal: `Check` is the model builder's name"
)]
pub type Check = Goal;

/// The properties' programs over `P`'s queue.
pub struct Program<P>(PhantomData<P>);

/// Names the plug `P`, which is all there is to it.
impl<P> fmt::Debug for Program<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Program").field(&self.0).finish()
    }
}

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

/// `any-maxsize`'s queues: maxsize 3 (not a power of two, so that a ring buffer's index
/// arithmetic that only holds modulo a power of two shows) and 0 (unbounded).
const ANY_MAXSIZES: [usize; 2] = [3, 0];

/// How many items main puts into `any-maxsize`'s unbounded queue before the producer starts: five,
/// more than a queue that starts with room for 2 and doubles can hold without growing twice.
const UNBOUNDED_FILL: usize = 5;

/// Items the producer puts (blocking) while main empties the queue: the ring wraps round.
const MORE: usize = 2;

/// Main fills a queue of each of [`ANY_MAXSIZES`] without waiting (one `put_nowait` more than a
/// bounded one holds, which must be `Full`), asks `qsize()`, starts a producer that puts [`MORE`]
/// items blocking, and gets every item blocking, asking `qsize()` after each; then one
/// `get_nowait`, which must be `Empty`. Each queue's calls are checked against a sequential FIFO
/// of its maxsize.
fn any_maxsize<R: Runtime, Q: BoundedQueue<R>>() -> Held {
    let mut calls = 0;
    for maxsize in ANY_MAXSIZES {
        let fill = if maxsize == 0 {
            UNBOUNDED_FILL
        } else {
            maxsize
        };
        let queue = Arc::new(Q::new(maxsize));
        let mut main = Recorder::<R, Q>::new(queue, "main");
        for item in 0..fill {
            let _ = main.put(item, How::Nowait);
        }
        if maxsize > 0 {
            let _ = main.put(fill, How::Nowait);
        }
        main.qsize();
        let producer = spawn_recorded(&main, "producer".to_owned(), move |queue| {
            for item in fill + 1..=fill + MORE {
                let _ = queue.put(item, How::Block);
            }
        });
        for _ in 0..fill + MORE {
            let _ = main.get(How::Block);
            main.qsize();
        }
        let mut history = producer.join();
        let _ = main.get(How::Nowait);
        history.extend(main.into_ops());
        history::assert_explained(&history, maxsize, "any-maxsize");
        calls += history.len();
    }
    Held(format!(
        "{calls} calls on queues of maxsize 3 and 0, each explained by a FIFO of its maxsize"
    ))
}

/// `timeouts-give-up`: see [`Goal::TimeoutsGiveUp`].
fn timeouts_give_up<R: Runtime, Q: BoundedQueue<R>>() -> Held {
    let queue = Q::new(1);
    let first = queue.put_nowait(1);
    assert!(
        first == Ok(()),
        "timeouts-give-up: put_nowait(1) into an empty queue of maxsize 1 gave {first:?}"
    );
    let put = queue.put(2, true, Some(TIMEOUT));
    assert!(
        put == Err(Full(2)),
        "timeouts-give-up: a timed put(2) into a full queue that no other thread touches gave \
         {put:?}, not Err(Full(2))"
    );
    let got = queue.get(true, Some(TIMEOUT));
    assert!(
        got == Ok(1),
        "timeouts-give-up: a timed get from a queue holding 1 gave {got:?}"
    );
    let again = queue.get(true, Some(TIMEOUT));
    assert!(
        again == Err(Empty),
        "timeouts-give-up: a timed get from an empty queue that no other thread touches gave \
         {again:?}, not Err(Empty)"
    );
    Held("a timed put on a full queue gave Full, a timed get on an empty one Empty".to_owned())
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Goal;
    type Outcome = Held;
    const THREADS: Threads = Threads::shuttle(4).loom(3);
    const CHECK_EXECUTIONS: usize = 10_000;

    fn run<R: Runtime>(goal: Goal, params: &Params) -> Held {
        let threads = params.threads;
        match goal {
            Goal::Linearizable => linearizable::<R, P::Submission<R>>(threads),
            Goal::Capacity => capacity::<R, P::Submission<R>>(threads),
            Goal::NothingLostOrDuplicated => nothing_lost_or_duplicated::<R, P::Submission<R>>(),
            Goal::NoDeadlock => no_deadlock::<R, P::Submission<R>>(threads),
            Goal::JoinWaitsForTaskDone => join_waits_for_task_done::<R, P::Submission<R>>(threads),
            Goal::AnyMaxsize => any_maxsize::<R, P::Submission<R>>(),
            Goal::TimeoutsGiveUp => timeouts_give_up::<R, P::Submission<R>>(),
        }
    }

    fn classify(_: Goal, _: &Held, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}
