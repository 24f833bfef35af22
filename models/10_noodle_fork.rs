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
//!
//! Each version is a [`TableManners`] of the `philosophers` exercise ([`TwoLocks`],
//! [`OneRLock`], [`Ordered`], [`TryLock`]): the noodle is fork 0 and the fork fork 1, `eat1`
//! sits at seat 0 and `eat2` at seat 1, and the exercise's properties check them round bigger
//! tables too (even seats eat like `eat1`, odd ones nap like `eat2`).

use super::rlock::RLock;
use crate::exercises::philosophers::{Fork, TableManners};
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Ratios, Row, Threads, WatchedRuns};
use crate::runtime::{Runtime, sleep_scale};
use crate::sync::AtomicUsize;
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::marker::PhantomData;
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

/// `eat2`, the diner who naps between the first lock and the second. At a table for two, seat
/// 0 is `eat1` and seat 1 is `eat2`; round a bigger table (the `philosophers` exercise) even
/// seats eat like `eat1` and odd seats like `eat2`.
fn naps(seat: usize) -> bool {
    seat % 2 == 1
}

/// Two locks, each diner takes their left one first: `eat1` the noodle, then the fork; `eat2`
/// the fork, a nap, then the noodle. As the `philosophers` exercise sees it, manners that
/// deadlock.
pub struct TwoLocks<R: Runtime>(PhantomData<R>);

/// The tutorial's fix, `fork_lock = noodle_lock = RLock()`: one reentrant lock for the whole
/// table, acquired once for each utensil, so whoever has one has both.
pub struct OneRLock<R: Runtime> {
    both: RLock<R>,
}

/// Two locks in one global order: the noodle (the lower-numbered) before the fork.
pub struct Ordered<R: Runtime>(PhantomData<R>);

/// Take one, try the other; on failure put the first back, back off, and start over.
pub struct TryLock<R: Runtime>(PhantomData<R>);

impl<R: Runtime> TableManners<R> for TwoLocks<R> {
    fn new(_seats: usize) -> Self {
        TwoLocks(PhantomData)
    }

    fn dine(&self, seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        let _left = left.lock();
        if naps(seat) {
            thread::sleep::<R>(NAP);
        }
        let _right = right.lock();
        eat();
    }
}

impl<R: Runtime> TableManners<R> for OneRLock<R> {
    fn new(_seats: usize) -> Self {
        OneRLock {
            both: RLock::named("noodle+fork"),
        }
    }

    fn dine(&self, seat: usize, _left: &Fork<R>, _right: &Fork<R>, eat: impl FnOnce()) {
        self.both.acquire(); // the first utensil
        if naps(seat) {
            thread::sleep::<R>(NAP);
        }
        self.both.acquire(); // the second: the same lock, owned already
        eat();
        self.both.release().expect("owner");
        self.both.release().expect("owner");
    }
}

impl<R: Runtime> TableManners<R> for Ordered<R> {
    fn new(_seats: usize) -> Self {
        Ordered(PhantomData)
    }

    fn dine(&self, seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        let (first, second) = if left.number() < right.number() {
            (left, right)
        } else {
            (right, left)
        };
        let _first = first.lock();
        if naps(seat) {
            thread::sleep::<R>(NAP);
        }
        let _second = second.lock();
        eat();
    }
}

impl<R: Runtime> TableManners<R> for TryLock<R> {
    fn new(_seats: usize) -> Self {
        TryLock(PhantomData)
    }

    /// Holds `left`, tries `right`; on failure lets `left` go, backs off, and starts over.
    fn dine(&self, seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        let nap = if naps(seat) { NAP } else { Duration::ZERO };
        let (_held, _other) = loop {
            let held = left.lock();
            thread::sleep::<R>(nap);
            if let Some(other) = right.try_lock() {
                break (held, other);
            }
            drop(held);
            thread::sleep::<R>(BACK_OFF);
            // A back-off is a spin as far as loom is concerned: it must let the others run.
            thread::yield_now::<R>();
        };
        eat();
    }
}

/// Spawns `threads` diners alternating `eat1` (seat 0: the noodle on its left, the fork on its
/// right) and `eat2` (seat 1: the other way round) over the tutorial's names; counts meals.
fn dinner<R: Runtime, T: TableManners<R>>(threads: usize) -> DinersAte {
    let utensils = Arc::new([Fork::named(0, "noodle"), Fork::named(1, "fork")]);
    let meals = Arc::new(AtomicUsize::<R>::named("meals", 0));
    let table = Arc::new(T::new(2));
    let diners: Vec<JoinHandle<R, ()>> = (0..threads)
        .map(|i| {
            let (utensils, meals, table) = (utensils.clone(), meals.clone(), table.clone());
            let seat = i % 2;
            let name = format!("eat{}-{}", seat + 1, DINERS[(i / 2) % DINERS.len()]);
            thread::spawn_named::<R, _, _>(name, move || {
                let (left, right) = (&utensils[seat], &utensils[1 - seat]);
                table.dine(seat, left, right, || {
                    meals.fetch_add(1);
                })
            })
        })
        .collect();
    diners.into_iter().for_each(JoinHandle::join);
    DinersAte(meals.load(), threads)
}

impl Lesson for NoodleFork {
    type Version = Version;
    type Outcome = DinersAte;
    const THREADS: Threads = Threads::shuttle(6).loom(2);

    fn run<R: Runtime>(version: Version, params: &Params) -> DinersAte {
        let threads = params.threads;
        match version {
            Version::TwoLocks => dinner::<R, TwoLocks<R>>(threads),
            Version::OneRLock => dinner::<R, OneRLock<R>>(threads),
            Version::Ordered => dinner::<R, Ordered<R>>(threads),
            Version::TryLock => dinner::<R, TryLock<R>>(threads),
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
        // The three fixes eat the same meals; the deadlock's time is the watchdog's.
        ratios: Ratios::Groups(vec![3, 1]),
    }
}
