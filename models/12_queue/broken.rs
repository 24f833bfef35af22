//! Five ways to break a blocking queue, each next to the core's correct code, and a scenario
//! small enough for loom in which the checkers catch it. Each bug's row is followed by its fix's,
//! run through the same scenario.

use super::blocking::Fifo;
use super::store::Store;
use crate::exercises::bounded_queue::scenarios::{
    ThreadsGot, join_after_task_done_over, one_producer_two_consumers, spawn_all,
};
use crate::exercises::bounded_queue::{BoundedQueue, Empty, Full, TaskDoneTooMany};
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::sync::{Condvar, Mutex, Shared};
use crate::thread::{self, JoinHandle};
use std::sync::Arc;
use std::time::Duration;

// Each flaw is a queue of its own, a [`BoundedQueue`] as the `bounded-queue` exercise sees it:
// the core with one method replaced. A timed wait in a replaced method waits like an untimed one
// (time is not what these bugs are about), except in `TrustsNotify`, whose bug is the timed wait.

/// BUG: `get` waits under an `if` instead of a `while`.
pub struct IfNotWhile<R: Runtime>(Fifo<R, usize>);

/// BUG: `get` and `put` share one condition variable, with `notify_one`.
pub struct OneCondvar<R: Runtime>(Fifo<R, usize>);

/// BUG: `put_nowait` checks for room, drops the lock, and locks again to put.
pub struct SizeCheckOutsideLock<R: Runtime>(Fifo<R, usize>);

/// BUG: `get(timeout)` trusts a wake-up that was not a timeout to mean an item is there.
pub struct TrustsNotify<R: Runtime>(Fifo<R, usize>);

impl<R: Runtime> IfNotWhile<R> {
    /// BUG: `if` instead of `while`. A woken consumer takes it for granted that an item is there,
    /// but between the notification and re-taking the lock another consumer may have taken it.
    fn get_with_if(&self) -> usize {
        let queue = &self.0;
        let mut state = queue.state.lock();
        if state.items.is_empty() {
            state = queue.not_empty.wait(state);
        }
        let item = state.items.pop().expect(
            "get woke to an empty queue: `if` instead of `while`, another consumer took the item",
        );
        queue.not_full.notify_one();
        item
    }
}

impl<R: Runtime> BoundedQueue<R> for IfNotWhile<R> {
    fn new(maxsize: usize) -> Self {
        IfNotWhile(Fifo::new(maxsize))
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        self.0.put(item, block, timeout)
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        match block {
            true => Ok(self.get_with_if()),
            false => self.0.get(block, timeout),
        }
    }

    fn qsize(&self) -> usize {
        self.0.qsize()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        self.0.task_done()
    }

    fn join(&self) {
        self.0.join()
    }
}

impl<R: Runtime> OneCondvar<R> {
    /// BUG: one condition variable (`not_empty`) for "an item arrived" and "room appeared", with
    /// `notify_one`: a consumer's notification meant for the blocked producer can wake the other
    /// consumer instead, which finds nothing and waits again. The producer is never woken.
    fn put_one_condvar(&self, item: usize, block: bool) -> Result<(), Full<usize>> {
        let queue = &self.0;
        let mut state = queue.state.lock();
        while state.is_full(queue.maxsize) {
            if !block {
                return Err(Full(item));
            }
            state = queue.not_empty.wait(state);
        }
        state.push(item, queue.maxsize);
        queue.not_empty.notify_one();
        Ok(())
    }

    fn get_one_condvar(&self, block: bool) -> Result<usize, Empty> {
        let queue = &self.0;
        let mut state = queue.state.lock();
        while state.items.is_empty() {
            if !block {
                return Err(Empty);
            }
            state = queue.not_empty.wait(state);
        }
        let item = state.items.pop().expect("not empty");
        queue.not_empty.notify_one();
        Ok(item)
    }
}

impl<R: Runtime> BoundedQueue<R> for OneCondvar<R> {
    fn new(maxsize: usize) -> Self {
        OneCondvar(Fifo::new(maxsize))
    }

    fn put(&self, item: usize, block: bool, _: Option<Duration>) -> Result<(), Full<usize>> {
        self.put_one_condvar(item, block)
    }

    fn get(&self, block: bool, _: Option<Duration>) -> Result<usize, Empty> {
        self.get_one_condvar(block)
    }

    fn qsize(&self) -> usize {
        self.0.qsize()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        self.0.task_done()
    }

    fn join(&self) {
        self.0.join()
    }
}

impl<R: Runtime> SizeCheckOutsideLock<R> {
    /// BUG: the size checked, then the lock dropped and taken again to put: two producers both
    /// see room for one. (`full()` takes the lock, but only for the check.)
    fn put_nowait_check_outside(&self, item: usize) -> Result<(), Full<usize>> {
        let queue = &self.0;
        if queue.full() {
            return Err(Full(item));
        }
        queue.state.lock().push(item, queue.maxsize);
        queue.not_empty.notify_one();
        Ok(())
    }
}

impl<R: Runtime> BoundedQueue<R> for SizeCheckOutsideLock<R> {
    fn new(maxsize: usize) -> Self {
        SizeCheckOutsideLock(Fifo::new(maxsize))
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        match block {
            false => self.put_nowait_check_outside(item),
            true => self.0.put(item, block, timeout),
        }
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        self.0.get(block, timeout)
    }

    fn qsize(&self) -> usize {
        self.0.qsize()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        self.0.task_done()
    }

    fn join(&self) {
        self.0.join()
    }
}

impl<R: Runtime> TrustsNotify<R> {
    /// BUG: when `wait_timeout` says it did not time out, the item it was told about is taken
    /// for granted. The notify only said an item arrived; another consumer may have taken it
    /// before this one had the lock again (and a wake-up may be spurious). A real timer and a
    /// real notify both end a timed wait, so the code after each must be right.
    fn get_trusting(&self, timeout: Duration) -> Result<usize, Empty> {
        let queue = &self.0;
        let mut state = queue.state.lock();
        if state.items.is_empty() {
            let timed_out;
            (state, timed_out) = queue.not_empty.wait_timeout(state, timeout);
            if timed_out && state.items.is_empty() {
                return Err(Empty);
            }
        }
        let item = state.items.pop().expect(
            "get(timeout) was notified and found the queue empty: it trusted `timed_out == false`, and another consumer took the item",
        );
        queue.not_full.notify_one();
        Ok(item)
    }
}

impl<R: Runtime> BoundedQueue<R> for TrustsNotify<R> {
    fn new(maxsize: usize) -> Self {
        TrustsNotify(Fifo::new(maxsize))
    }

    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        self.0.put(item, block, timeout)
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        match (block, timeout) {
            (true, Some(timeout)) => self.get_trusting(timeout),
            _ => self.0.get(block, timeout),
        }
    }

    fn qsize(&self) -> usize {
        self.0.qsize()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        self.0.task_done()
    }

    fn join(&self) {
        self.0.join()
    }
}

/// BUG: the count of unfinished tasks kept beside the queue, read and written outside any lock.
/// Two `task_done`s can both read 2 and both write 1: `join` then waits for ever.
pub struct UnlockedTasks<R: Runtime> {
    queue: Fifo<R, usize>,
    unfinished: Shared<R, usize>,
    done_lock: Mutex<R, ()>,
    all_tasks_done: Condvar<R>,
}

impl<R: Runtime> BoundedQueue<R> for UnlockedTasks<R> {
    fn new(maxsize: usize) -> Self {
        UnlockedTasks {
            queue: Fifo::new(maxsize),
            unfinished: Shared::named("unfinished", 0),
            done_lock: Mutex::named("done_lock", ()),
            all_tasks_done: Condvar::named("all_tasks_done"),
        }
    }

    /// Counts the item unfinished, then puts it (and counts it back out if it did not go in).
    fn put(&self, item: usize, block: bool, timeout: Option<Duration>) -> Result<(), Full<usize>> {
        self.unfinished.store(self.unfinished.load() + 1);
        let put = self.queue.put(item, block, timeout);
        if put.is_err() {
            self.unfinished.store(self.unfinished.load() - 1);
        }
        put
    }

    fn get(&self, block: bool, timeout: Option<Duration>) -> Result<usize, Empty> {
        self.queue.get(block, timeout)
    }

    fn qsize(&self) -> usize {
        self.queue.qsize()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooMany> {
        let seen = self.unfinished.load();
        if seen == 0 {
            return Err(TaskDoneTooMany);
        }
        let left = seen - 1;
        self.unfinished.store(left);
        if left == 0 {
            let _held = self.done_lock.lock();
            self.all_tasks_done.notify_all();
        }
        Ok(())
    }

    fn join(&self) {
        let mut held = self.done_lock.lock();
        while self.unfinished.load() > 0 {
            held = self.all_tasks_done.wait(held);
        }
    }
}

/// The tutorial's unit for a timeout: 0.1 s (natively scaled, see [`crate::runtime`]).
const TIMEOUT: Duration = Duration::from_millis(100);

const EMPTY: &str = "Empty";

/// One producer puts two items into an unbounded queue; two consumers each `get` once with a
/// timeout. (Under loom no timeout fires, so both consumers get an item.)
fn two_timed_gets<R: Runtime, Q: BoundedQueue<R>>() -> ThreadsGot {
    let queue = Arc::new(Q::new(0));
    let consumer = |queue: Arc<Q>| -> Box<dyn FnOnce() -> Vec<String> + Send> {
        Box::new(move || match queue.get(true, Some(TIMEOUT)) {
            Ok(item) => vec![format!("got {item}")],
            Err(Empty) => vec![EMPTY.to_owned()],
        })
    };
    let mut got = spawn_all::<R, Vec<String>>(vec![
        consumer(queue.clone()),
        consumer(queue.clone()),
        Box::new(move || {
            for item in [1, 2] {
                queue.put(item, true, None).expect("unbounded");
            }
            vec![]
        }),
    ])
    .concat();
    got.sort();
    ThreadsGot(got)
}

fn timed_gets(outcome: &ThreadsGot) -> (Class, &'static str) {
    match outcome
        .0
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["got 1", "got 2"] => (Class::Acceptable, "each item got exactly once"),
        [EMPTY, "got 1"] | [EMPTY, EMPTY] => (Class::Interesting, "a timeout fired first"),
        _ => (Class::Forbidden, "an item lost or got twice"),
    }
}

fn each_once(outcome: &ThreadsGot) -> (Class, &'static str) {
    match outcome
        .0
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["got 1", "got 2"] => (Class::Acceptable, "each item got exactly once"),
        _ => (Class::Forbidden, "an item lost or got twice"),
    }
}

/// `threads` producers each `put_nowait` once into a queue of maxsize 1.
fn producers_put_nowait<R: Runtime, Q: BoundedQueue<R>>(threads: usize) -> ThreadsGot {
    let queue = Arc::new(Q::new(1));
    let bodies = (0..threads)
        .map(|item| {
            let queue = queue.clone();
            Box::new(move || queue.put_nowait(item).is_ok()) as Box<dyn FnOnce() -> bool + Send>
        })
        .collect();
    let accepted = spawn_all::<R, bool>(bodies)
        .into_iter()
        .filter(|&ok| ok)
        .count();
    ThreadsGot(vec![format!("{accepted} put, {} Full", threads - accepted)])
}

fn one_put_fits(threads: usize) -> ThreadsGot {
    ThreadsGot(vec![format!("1 put, {} Full", threads - 1)])
}

const BOTH_DONE: &str = "join saw 2 of 2 done";

/// Main puts two items, two workers each get one and mark it done, main joins the queue.
fn task_done_locked<R: Runtime>() -> ThreadsGot {
    let saw = join_after_task_done_over::<R, Fifo<R, usize>>(2);
    ThreadsGot(vec![format!(
        "join saw {} of {} done",
        saw.processed, saw.items
    )])
}

/// The same with the count of unfinished tasks outside the lock.
fn task_done_unlocked<R: Runtime>() -> ThreadsGot {
    let tasks = Arc::new(UnlockedTasks::<R>::new(0));
    // The items go in before the workers start, so only the two `task_done`s race.
    for item in 0..2 {
        tasks.put(item, true, None).expect("unbounded");
    }
    let handles: Vec<JoinHandle<R, ()>> = (0..2)
        .map(|_| {
            let tasks = tasks.clone();
            thread::spawn::<R, _, _>(move || {
                tasks.get(true, None).expect("blocking get");
                tasks.task_done().expect("one task_done per item got");
            })
        })
        .collect();
    tasks.join();
    handles.into_iter().for_each(JoinHandle::join);
    ThreadsGot(vec![BOTH_DONE.into()])
}

/// The five bugs and their fixes, each pair run through one scenario.
pub struct QueueFlaws;

/// Which queue code a scenario runs: a bug, or the core's code that fixes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueVersion {
    /// `get` waits under an `if`.
    IfNotWhile,
    /// `get` waits in a `while` loop (the core).
    While,
    /// One condition variable with `notify_one` for producers and consumers.
    OneCondvar,
    /// `not_empty` and `not_full` (the core).
    TwoCondvars,
    /// `put_nowait` checks `full()` and locks again to put.
    SizeCheckOutsideLock,
    /// `put_nowait` checks and puts under one lock (the core).
    SizeCheckUnderLock,
    /// `task_done` decrements a counter outside any lock.
    TaskDoneUnlocked,
    /// The count lives under the queue's lock (the core).
    TaskDoneLocked,
    /// `get(timeout)` pops without looking again when its wait did not time out.
    TimedGetTrustsNotify,
    /// `get(timeout)` looks again after every wake-up (the core).
    TimedGetRechecks,
}

impl Lesson for QueueFlaws {
    type Version = QueueVersion;
    type Outcome = ThreadsGot;
    const THREADS: Threads = Threads::same(3);

    fn run<R: Runtime>(version: QueueVersion, params: &Params) -> ThreadsGot {
        match version {
            QueueVersion::IfNotWhile => one_producer_two_consumers::<R, IfNotWhile<R>>(0),
            QueueVersion::While => one_producer_two_consumers::<R, Fifo<R, usize>>(0),
            QueueVersion::OneCondvar => one_producer_two_consumers::<R, OneCondvar<R>>(1),
            QueueVersion::TwoCondvars => one_producer_two_consumers::<R, Fifo<R, usize>>(1),
            QueueVersion::SizeCheckOutsideLock => {
                producers_put_nowait::<R, SizeCheckOutsideLock<R>>(params.threads)
            }
            QueueVersion::SizeCheckUnderLock => {
                producers_put_nowait::<R, Fifo<R, usize>>(params.threads)
            }
            QueueVersion::TaskDoneUnlocked => task_done_unlocked::<R>(),
            QueueVersion::TaskDoneLocked => task_done_locked::<R>(),
            QueueVersion::TimedGetTrustsNotify => two_timed_gets::<R, TrustsNotify<R>>(),
            QueueVersion::TimedGetRechecks => two_timed_gets::<R, Fifo<R, usize>>(),
        }
    }

    fn classify(
        version: QueueVersion,
        outcome: &ThreadsGot,
        params: &Params,
    ) -> (Class, &'static str) {
        match version {
            QueueVersion::IfNotWhile
            | QueueVersion::While
            | QueueVersion::OneCondvar
            | QueueVersion::TwoCondvars => each_once(outcome),
            QueueVersion::SizeCheckOutsideLock | QueueVersion::SizeCheckUnderLock => {
                if *outcome == one_put_fits(params.threads) {
                    (Class::Acceptable, "exactly one put fits")
                } else {
                    (Class::Forbidden, "more items than maxsize")
                }
            }
            QueueVersion::TaskDoneUnlocked | QueueVersion::TaskDoneLocked => {
                match outcome.0.as_slice() {
                    [line] if line == BOTH_DONE => {
                        (Class::Acceptable, "join waited for both tasks")
                    }
                    _ => (Class::Forbidden, "join returned early"),
                }
            }
            QueueVersion::TimedGetTrustsNotify | QueueVersion::TimedGetRechecks => {
                timed_gets(outcome)
            }
        }
    }

    /// The timed gets declare none: which timeouts fire depends on the backend's clock.
    fn possible_outcomes(version: QueueVersion, params: &Params) -> Option<Vec<ThreadsGot>> {
        Some(vec![match version {
            QueueVersion::TimedGetTrustsNotify | QueueVersion::TimedGetRechecks => return None,
            QueueVersion::IfNotWhile
            | QueueVersion::While
            | QueueVersion::OneCondvar
            | QueueVersion::TwoCondvars => ThreadsGot(vec!["got 1".into(), "got 2".into()]),
            QueueVersion::SizeCheckOutsideLock | QueueVersion::SizeCheckUnderLock => {
                one_put_fits(params.threads)
            }
            QueueVersion::TaskDoneUnlocked | QueueVersion::TaskDoneLocked => {
                ThreadsGot(vec![BOTH_DONE.into()])
            }
        }])
    }
}

pub const IF_NOT_WHILE: Row<QueueFlaws> = Row::new(
    "queue/if-not-while",
    QueueVersion::IfNotWhile,
    Expect::Violation,
    "BROKEN: get waits under an `if`, and may wake to an empty queue",
)
.max_threads(3);
pub const WHILE: Row<QueueFlaws> = Row::new(
    "queue/while",
    QueueVersion::While,
    Expect::Holds,
    "get re-checks emptiness in a while loop after every wake-up",
)
.max_threads(3);
pub const ONE_CONDVAR: Row<QueueFlaws> = Row::new(
    "queue/one-condvar",
    QueueVersion::OneCondvar,
    Expect::Deadlock,
    "BROKEN: one condvar with notify_one for producers and consumers: a lost wake-up, deadlock",
)
.max_threads(3);
pub const TWO_CONDVARS: Row<QueueFlaws> = Row::new(
    "queue/two-condvars",
    QueueVersion::TwoCondvars,
    Expect::Holds,
    "not_empty wakes consumers, not_full wakes producers: a notify always reaches the right kind",
)
.max_threads(3);
pub const SIZE_CHECK_OUTSIDE_LOCK: Row<QueueFlaws> = Row::new(
    "queue/size-check-outside-lock",
    QueueVersion::SizeCheckOutsideLock,
    Expect::Violation,
    "BROKEN: put_nowait checks full() and then locks again to put: two producers overfill",
)
.threads(2, 2)
.max_threads(4);
pub const SIZE_CHECK_UNDER_LOCK: Row<QueueFlaws> = Row::new(
    "queue/size-check-under-lock",
    QueueVersion::SizeCheckUnderLock,
    Expect::Holds,
    "put_nowait checks for room and puts under one lock",
)
.threads(2, 2)
.max_threads(4);
pub const TASK_DONE_UNLOCKED: Row<QueueFlaws> = Row::new(
    "queue/task-done-unlocked",
    QueueVersion::TaskDoneUnlocked,
    Expect::Deadlock,
    "BROKEN: task_done decrements an unprotected counter: a lost update, and join hangs",
)
.threads(2, 2)
.max_threads(2);
pub const TASK_DONE_LOCKED: Row<QueueFlaws> = Row::new(
    "queue/task-done-locked",
    QueueVersion::TaskDoneLocked,
    Expect::Holds,
    "the unfinished-task count lives under the queue's lock",
)
.threads(2, 2)
.max_threads(2);
pub const TIMED_GET_TRUSTS_NOTIFY: Row<QueueFlaws> = Row::new(
    "queue/timed-get-trusts-notify",
    QueueVersion::TimedGetTrustsNotify,
    Expect::Violation,
    "BROKEN: get(timeout) pops without looking again when the wait says it was notified",
)
.max_threads(3);
pub const TIMED_GET_RECHECKS: Row<QueueFlaws> = Row::new(
    "queue/timed-get-rechecks",
    QueueVersion::TimedGetRechecks,
    Expect::Holds,
    "get(timeout) looks at the queue again after every wake-up, notified or timed out",
)
.max_threads(3);
