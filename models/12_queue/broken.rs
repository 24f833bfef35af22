//! Four ways to break a blocking queue, each next to the core's correct code, and a scenario
//! small enough for loom in which the checkers catch it. `Pair<false>` is the bug, `Pair<true>`
//! the fix, run through the same scenario.

use super::blocking::{Fifo, Full};
use super::store::Store;
use crate::model::{Class, Expect, Params, Program};
use crate::runtime::Runtime;
use crate::sync::{Condvar, Mutex, Shared};
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::sync::Arc;

/// BUG: `if` instead of `while`. A woken consumer takes it for granted that an item is there, but
/// between the notification and re-taking the lock another consumer may have taken it.
fn get_with_if<R: Runtime>(queue: &Fifo<R, u32>) -> u32 {
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

/// BUG: one condition variable (`not_empty`) for "an item arrived" and "room appeared", with
/// `notify_one`: a consumer's notification meant for the blocked producer can wake the other
/// consumer instead, which finds nothing and waits again. The producer is never woken.
fn put_one_condvar<R: Runtime>(queue: &Fifo<R, u32>, item: u32) {
    let mut state = queue.state.lock();
    while state.is_full(queue.maxsize) {
        state = queue.not_empty.wait(state);
    }
    state.push(item, queue.maxsize);
    queue.not_empty.notify_one();
}

fn get_one_condvar<R: Runtime>(queue: &Fifo<R, u32>) -> u32 {
    let mut state = queue.state.lock();
    while state.items.is_empty() {
        state = queue.not_empty.wait(state);
    }
    let item = state.items.pop().expect("not empty");
    queue.not_empty.notify_one();
    item
}

/// BUG: the size checked, then the lock dropped and taken again to put: two producers both see
/// room for one. (`full()` takes the lock, but only for the check.)
fn put_nowait_check_outside<R: Runtime>(queue: &Fifo<R, u32>, item: u32) -> Result<(), Full<u32>> {
    if queue.full() {
        return Err(Full(item));
    }
    queue.state.lock().push(item, queue.maxsize);
    queue.not_empty.notify_one();
    Ok(())
}

/// BUG: the count of unfinished tasks kept beside the queue, read and written outside any lock.
/// Two `task_done`s can both read 2 and both write 1: `join` then waits for ever.
struct UnlockedTasks<R: Runtime> {
    queue: Fifo<R, u32>,
    unfinished: Shared<R, usize>,
    done_lock: Mutex<R, ()>,
    all_tasks_done: Condvar<R>,
}

impl<R: Runtime> UnlockedTasks<R> {
    fn task_done(&self) {
        let left = self.unfinished.load().saturating_sub(1);
        self.unfinished.store(left);
        if left == 0 {
            let _held = self.done_lock.lock();
            self.all_tasks_done.notify_all();
        }
    }

    fn join(&self) {
        let mut held = self.done_lock.lock();
        while self.unfinished.load() > 0 {
            held = self.all_tasks_done.wait(held);
        }
    }
}

/// The four bugs, by id; `FIXED` runs the same scenario with the core queue.
pub struct IfNotWhile<const FIXED: bool>;
pub struct OneCondvar<const FIXED: bool>;
pub struct SizeCheckOutsideLock<const FIXED: bool>;
pub struct TaskDoneUnlocked<const FIXED: bool>;

/// What a scenario's threads got; the bugs show as a panic or a deadlock, not as an outcome.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Got(pub Vec<String>);

impl fmt::Display for Got {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

fn spawn_all<R: Runtime, T: Send + 'static>(bodies: Vec<Box<dyn FnOnce() -> T + Send>>) -> Vec<T> {
    let handles: Vec<JoinHandle<R, T>> = bodies
        .into_iter()
        .map(|body| thread::spawn::<R, _, _>(body))
        .collect();
    handles.into_iter().map(JoinHandle::join).collect()
}

/// One producer puts two items into a queue of `maxsize`; two consumers get one each.
fn one_producer_two_consumers<R: Runtime>(
    maxsize: usize,
    put: fn(&Fifo<R, u32>, u32),
    get: fn(&Fifo<R, u32>) -> u32,
) -> Got {
    let queue = Arc::new(Fifo::<R, u32>::new(maxsize));
    let (q1, q2, q3) = (queue.clone(), queue.clone(), queue.clone());
    let mut got: Vec<u32> = spawn_all::<R, Vec<u32>>(vec![
        Box::new(move || vec![get(&q1)]),
        Box::new(move || vec![get(&q2)]),
        Box::new(move || {
            put(&q3, 1);
            put(&q3, 2);
            vec![]
        }),
    ])
    .concat();
    got.sort();
    Got(got.iter().map(|item| format!("got {item}")).collect())
}

fn put_core<R: Runtime>(queue: &Fifo<R, u32>, item: u32) {
    queue.put(item, true, None).expect("blocking put");
}

fn get_core<R: Runtime>(queue: &Fifo<R, u32>) -> u32 {
    queue.get(true, None).expect("blocking get")
}

fn each_once(outcome: &Got) -> (Class, &'static str) {
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

impl<const FIXED: bool> Program for IfNotWhile<FIXED> {
    const ID: &'static str = if FIXED {
        "queue/while"
    } else {
        "queue/if-not-while"
    };
    const SUMMARY: &'static str = if FIXED {
        "get re-checks emptiness in a while loop after every wake-up"
    } else {
        "BROKEN: get waits under an `if`, and may wake to an empty queue"
    };
    const EXPECT: Expect = if FIXED {
        Expect::Holds
    } else {
        Expect::Violation
    };
    const THREADS: usize = 3;
    const LOOM_THREADS: usize = 3;
    const MAX_THREADS: usize = 3;
    type Outcome = Got;

    fn run<R: Runtime>(_: &Params) -> Got {
        one_producer_two_consumers::<R>(0, put_core, if FIXED { get_core } else { get_with_if })
    }

    fn classify(outcome: &Got, _: &Params) -> (Class, &'static str) {
        each_once(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Got>> {
        Some(vec![Got(vec!["got 1".into(), "got 2".into()])])
    }
}

impl<const FIXED: bool> Program for OneCondvar<FIXED> {
    const ID: &'static str = if FIXED {
        "queue/two-condvars"
    } else {
        "queue/one-condvar"
    };
    const SUMMARY: &'static str = if FIXED {
        "not_empty wakes consumers, not_full wakes producers: a notify always reaches the right kind"
    } else {
        "BROKEN: one condvar with notify_one for producers and consumers: a lost wake-up, deadlock"
    };
    const EXPECT: Expect = if FIXED {
        Expect::Holds
    } else {
        Expect::Deadlock
    };
    const THREADS: usize = 3;
    const LOOM_THREADS: usize = 3;
    const MAX_THREADS: usize = 3;
    type Outcome = Got;

    fn run<R: Runtime>(_: &Params) -> Got {
        if FIXED {
            one_producer_two_consumers::<R>(1, put_core, get_core)
        } else {
            one_producer_two_consumers::<R>(1, put_one_condvar, get_one_condvar)
        }
    }

    fn classify(outcome: &Got, _: &Params) -> (Class, &'static str) {
        each_once(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Got>> {
        Some(vec![Got(vec!["got 1".into(), "got 2".into()])])
    }
}

impl<const FIXED: bool> Program for SizeCheckOutsideLock<FIXED> {
    const ID: &'static str = if FIXED {
        "queue/size-check-under-lock"
    } else {
        "queue/size-check-outside-lock"
    };
    const SUMMARY: &'static str = if FIXED {
        "put_nowait checks for room and puts under one lock"
    } else {
        "BROKEN: put_nowait checks full() and then locks again to put: two producers overfill"
    };
    const EXPECT: Expect = if FIXED {
        Expect::Holds
    } else {
        Expect::Violation
    };
    const THREADS: usize = 2;
    const LOOM_THREADS: usize = 2;
    const MAX_THREADS: usize = 4;
    type Outcome = Got;

    /// `threads` producers each `put_nowait` once into a queue of maxsize 1.
    fn run<R: Runtime>(params: &Params) -> Got {
        let queue = Arc::new(Fifo::<R, u32>::new(1));
        let bodies = (0..params.threads as u32)
            .map(|item| {
                let queue = queue.clone();
                Box::new(move || match FIXED {
                    true => queue.put_nowait(item).is_ok(),
                    false => put_nowait_check_outside(&queue, item).is_ok(),
                }) as Box<dyn FnOnce() -> bool + Send>
            })
            .collect();
        let accepted = spawn_all::<R, bool>(bodies)
            .into_iter()
            .filter(|&ok| ok)
            .count();
        Got(vec![format!(
            "{accepted} put, {} Full",
            params.threads - accepted
        )])
    }

    fn classify(outcome: &Got, params: &Params) -> (Class, &'static str) {
        if outcome.0 == [format!("1 put, {} Full", params.threads - 1)] {
            (Class::Acceptable, "exactly one put fits")
        } else {
            (Class::Forbidden, "more items than maxsize")
        }
    }

    fn possible_outcomes(params: &Params) -> Option<Vec<Got>> {
        Some(vec![Got(vec![format!(
            "1 put, {} Full",
            params.threads - 1
        )])])
    }
}

impl<const FIXED: bool> Program for TaskDoneUnlocked<FIXED> {
    const ID: &'static str = if FIXED {
        "queue/task-done-locked"
    } else {
        "queue/task-done-unlocked"
    };
    const SUMMARY: &'static str = if FIXED {
        "the unfinished-task count lives under the queue's lock"
    } else {
        "BROKEN: task_done decrements an unprotected counter: a lost update, and join hangs"
    };
    const EXPECT: Expect = if FIXED {
        Expect::Holds
    } else {
        Expect::Deadlock
    };
    const THREADS: usize = 2;
    const LOOM_THREADS: usize = 2;
    const MAX_THREADS: usize = 2;
    type Outcome = Got;

    /// Main puts two items, two workers each get one and mark it done, main joins the queue.
    fn run<R: Runtime>(_: &Params) -> Got {
        if FIXED {
            let saw = super::properties::join_after_task_done::<R>(2);
            return Got(vec![format!(
                "join saw {} of {} done",
                saw.processed, saw.items
            )]);
        }
        let tasks = Arc::new(UnlockedTasks::<R> {
            queue: Fifo::new(0),
            unfinished: Shared::named("unfinished", 0),
            done_lock: Mutex::named("done_lock", ()),
            all_tasks_done: Condvar::named("all_tasks_done"),
        });
        // The items go in before the workers start, so only the two `task_done`s race.
        for item in 0..2 {
            tasks.unfinished.store(tasks.unfinished.load() + 1);
            tasks.queue.put(item, true, None).expect("unbounded");
        }
        let handles: Vec<JoinHandle<R, ()>> = (0..2)
            .map(|_| {
                let tasks = tasks.clone();
                thread::spawn::<R, _, _>(move || {
                    tasks.queue.get(true, None).expect("blocking get");
                    tasks.task_done();
                })
            })
            .collect();
        tasks.join();
        handles.into_iter().for_each(JoinHandle::join);
        Got(vec!["join saw 2 of 2 done".into()])
    }

    fn classify(outcome: &Got, _: &Params) -> (Class, &'static str) {
        match outcome.0.as_slice() {
            [line] if line == "join saw 2 of 2 done" => {
                (Class::Acceptable, "join waited for both tasks")
            }
            _ => (Class::Forbidden, "join returned early"),
        }
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Got>> {
        Some(vec![Got(vec!["join saw 2 of 2 done".into()])])
    }
}
