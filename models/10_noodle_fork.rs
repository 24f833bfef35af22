//! # Noodles and a fork (tutorial 4.3): two locks taken in opposite orders
//!
//! Eating needs both the noodle and the fork. `eat1` takes the noodle, then the fork; `eat2`
//! takes the fork, dozes off for a second, then reaches for the noodle. Let `eat2-nezha` hold the
//! fork through its nap while `eat1-egon` picks up the noodle: each now waits for what the other
//! holds, and neither will let go. That ring of waits is a deadlock; the nap only makes the
//! unlucky interleaving likely, a model checker finds it without one.
//!
//! Three ways out, each checked:
//! - `one-rlock` (the tutorial's): noodle and fork are one reentrant lock, so whoever has one has
//!   both. No ring can form, at the cost of one diner at a time.
//! - `ordered`: every diner takes the noodle before the fork. A ring needs someone to hold a later
//!   lock while waiting for an earlier one, and nobody ever does.
//! - `try-lock`: take one, *try* the other; on failure put the first back and back off. No thread
//!   waits while holding, so no deadlock; in principle both sides could keep colliding (a
//!   livelock), and the step bound is there to catch that. In the schedules explored it never
//!   ran out: back-off lets one side finish.
//!
//! Threads are spawned in the tutorial's order, `eat1-nezha, eat2-nezha, eat1-egon, ...`: six
//! natively and under shuttle, two under loom (its limit is five threads, main included).

use super::rlock::RLock;
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads, WatchedRuns};
use crate::runtime::{Runtime, sleep_scale};
use crate::sync::{AtomicUsize, Mutex};
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

const DINERS: [&str; 3] = ["nezha", "egon", "yuan"];
const NAP: Duration = Duration::from_secs(1);
const BACK_OFF: Duration = Duration::from_millis(10);

/// How many diners ate, of how many sat down (at a table for two, or round one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DinersAte(pub usize, pub usize);

impl fmt::Display for DinersAte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} ate", self.0, self.1)
    }
}

impl DinersAte {
    pub fn class(&self) -> (Class, &'static str) {
        if self.0 == self.1 {
            (Class::Acceptable, "everyone ate")
        } else {
            (Class::Forbidden, "someone went hungry")
        }
    }
}

/// Diners at one table, alternating `eat1` and `eat2`.
pub struct NoodleFork;

/// How the table is laid and how each diner eats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Two locks; `eat1` takes noodle then fork, `eat2` fork, nap, noodle.
    TwoLocks,
    /// One RLock is both noodle and fork.
    OneRLock,
    /// Two locks, both diners noodle first.
    Ordered,
    /// Two locks, take one and try the other, backing off on failure.
    TryLock,
}

/// Two separate locks, and the count of meals.
pub struct TwoLockTable<R: Runtime> {
    noodle: Mutex<R, ()>,
    fork: Mutex<R, ()>,
    meals: AtomicUsize<R>,
}

/// One reentrant lock for both, as the tutorial's `fork_lock = noodle_lock = RLock()`.
pub struct OneLockTable<R: Runtime> {
    both: RLock<R>,
    meals: AtomicUsize<R>,
}

fn meals<R: Runtime>() -> AtomicUsize<R> {
    AtomicUsize::named("meals", 0)
}

/// Spawns `threads` diners alternating `eat1`, `eat2` over the tutorial's names; counts meals.
fn dinner<R: Runtime, T: Send + Sync + 'static>(
    threads: usize,
    table: T,
    eat: [fn(&T); 2],
    meals: fn(&T) -> usize,
) -> DinersAte {
    let table = Arc::new(table);
    let diners: Vec<JoinHandle<R, ()>> = (0..threads)
        .map(|i| {
            let (table, eat) = (table.clone(), eat[i % 2]);
            let name = format!("eat{}-{}", i % 2 + 1, DINERS[(i / 2) % DINERS.len()]);
            thread::spawn_named::<R, _, _>(name, move || eat(&table))
        })
        .collect();
    diners.into_iter().for_each(JoinHandle::join);
    DinersAte(meals(&table), threads)
}

fn two_lock_table<R: Runtime>() -> TwoLockTable<R> {
    TwoLockTable {
        noodle: Mutex::named("noodle", ()),
        fork: Mutex::named("fork", ()),
        meals: meals(),
    }
}

fn two_locks_eat1<R: Runtime>(t: &TwoLockTable<R>) {
    let _noodle = t.noodle.lock();
    let _fork = t.fork.lock();
    t.meals.fetch_add(1);
}

fn two_locks_eat2<R: Runtime>(t: &TwoLockTable<R>) {
    let _fork = t.fork.lock();
    thread::sleep::<R>(NAP);
    let _noodle = t.noodle.lock();
    t.meals.fetch_add(1);
}

fn one_rlock_eat1<R: Runtime>(t: &OneLockTable<R>) {
    t.both.acquire(); // "noodle"
    t.both.acquire(); // "fork": the same lock, owned already
    t.meals.fetch_add(1);
    t.both.release().expect("owner");
    t.both.release().expect("owner");
}

fn one_rlock_eat2<R: Runtime>(t: &OneLockTable<R>) {
    t.both.acquire(); // "fork"
    thread::sleep::<R>(NAP);
    t.both.acquire(); // "noodle"
    t.meals.fetch_add(1);
    t.both.release().expect("owner");
    t.both.release().expect("owner");
}

/// Both diners follow the global order: noodle, then fork (eat2 still naps in between).
fn ordered_eat2<R: Runtime>(t: &TwoLockTable<R>) {
    let _noodle = t.noodle.lock();
    thread::sleep::<R>(NAP);
    let _fork = t.fork.lock();
    t.meals.fetch_add(1);
}

/// Holds `first`, tries `second`; on failure lets `first` go, backs off, and starts over.
fn try_both<R: Runtime>(
    t: &TwoLockTable<R>,
    first: &Mutex<R, ()>,
    second: &Mutex<R, ()>,
    nap: Duration,
) {
    loop {
        let held = first.lock();
        thread::sleep::<R>(nap);
        if let Some(_other) = second.try_lock() {
            t.meals.fetch_add(1);
            return;
        }
        drop(held);
        thread::sleep::<R>(BACK_OFF);
        // A back-off is a spin as far as loom is concerned: it must let the others run.
        thread::yield_now::<R>();
    }
}

fn try_lock_eat1<R: Runtime>(t: &TwoLockTable<R>) {
    try_both(t, &t.noodle, &t.fork, Duration::ZERO);
}

fn try_lock_eat2<R: Runtime>(t: &TwoLockTable<R>) {
    try_both(t, &t.fork, &t.noodle, NAP);
}

fn one_lock_table<R: Runtime>() -> OneLockTable<R> {
    OneLockTable {
        both: RLock::named("noodle+fork"),
        meals: meals(),
    }
}

fn two_lock_dinner<R: Runtime>(threads: usize, eat: [fn(&TwoLockTable<R>); 2]) -> DinersAte {
    dinner::<R, _>(threads, two_lock_table::<R>(), eat, |t| t.meals.load())
}

impl Lesson for NoodleFork {
    type Version = Version;
    type Outcome = DinersAte;
    const THREADS: Threads = Threads::shuttle(6).loom(2);

    fn run<R: Runtime>(version: Version, params: &Params) -> DinersAte {
        let threads = params.threads;
        match version {
            Version::TwoLocks => {
                two_lock_dinner::<R>(threads, [two_locks_eat1::<R>, two_locks_eat2::<R>])
            }
            Version::OneRLock => dinner::<R, _>(
                threads,
                one_lock_table::<R>(),
                [one_rlock_eat1::<R>, one_rlock_eat2::<R>],
                |t| t.meals.load(),
            ),
            Version::Ordered => {
                two_lock_dinner::<R>(threads, [two_locks_eat1::<R>, ordered_eat2::<R>])
            }
            Version::TryLock => {
                two_lock_dinner::<R>(threads, [try_lock_eat1::<R>, try_lock_eat2::<R>])
            }
        }
    }

    fn classify(_: Version, outcome: &DinersAte, _: &Params) -> (Class, &'static str) {
        outcome.class()
    }

    fn possible_outcomes(_: Version, params: &Params) -> Option<Vec<DinersAte>> {
        Some(vec![DinersAte(params.threads, params.threads)])
    }
}

pub const TWO_LOCKS: Row<NoodleFork> = Row::new(
    "noodle-fork/two-locks",
    Version::TwoLocks,
    Expect::Deadlock,
    "eat1: noodle then fork; eat2: fork, nap, noodle",
);
pub const ONE_RLOCK: Row<NoodleFork> = Row::new(
    "noodle-fork/one-rlock",
    Version::OneRLock,
    Expect::Holds,
    "the tutorial's fix: one RLock is both noodle and fork",
);
pub const ORDERED: Row<NoodleFork> = Row::new(
    "noodle-fork/ordered",
    Version::Ordered,
    Expect::Holds,
    "everyone takes the noodle before the fork",
);
pub const TRY_LOCK: Row<NoodleFork> = Row::new(
    "noodle-fork/try-lock",
    Version::TryLock,
    Expect::Holds,
    "take one, try the other; on failure put it back and back off",
);

pub fn concept() -> Concept {
    Concept::new(
        "noodle-fork",
        "noodle and fork: a deadlock and three fixes (tutorial 4.3)",
        file!(),
    )
    .rows(&[TWO_LOCKS, ONE_RLOCK, ORDERED, TRY_LOCK])
    .watched_timing(timing())
}

/// The watchdog used for the timing table: long against a 10 ms nap, short for a person.
const TIMING_WATCHDOG: Duration = Duration::from_millis(500);

/// All four natively, one run each, side by side; the deadlock is ended by the watchdog.
fn timing() -> WatchedRuns {
    WatchedRuns {
        title: "noodle and fork natively: 6 diner threads, one run each",
        setup: || {
            format!(
                "nap 1 s scaled by 1/{} to {:?}; a run with no progress for {TIMING_WATCHDOG:?} is reported as a likely deadlock",
                sleep_scale(),
                NAP / sleep_scale()
            )
        },
        variants: vec![
            ONE_RLOCK.variant(),
            ORDERED.variant(),
            TRY_LOCK.variant(),
            TWO_LOCKS.variant(),
        ],
        watchdog: TIMING_WATCHDOG,
    }
}
