//! # The counter race (tutorial 4.1): a lost update, and two ways to prevent it
//!
//! `n` starts at the number of threads, and every thread does `temp = n; sleep; n = temp - 1`.
//! Each should take one off, so `n` should end at 0. Without a lock it does not: thread A reads
//! `n = 100`, thread B reads `n = 100` before A writes, A writes 99, B writes 99 over it. A's
//! decrement is lost. The tutorial's sleep makes this near-certain (every thread reads 100 before
//! any writes, so `n` ends at 99), but no sleep is needed: any switch between the read and the
//! write will do, and a model checker finds one every time.
//!
//! - `unlocked`: the race. Every final value from 0 to threads - 1 can occur; 0 is the only
//!   acceptable one, each other is a lost update (forbidden).
//! - `locked`: the read and the write happen under one lock, so no thread can read between them.
//! - `join-each`: start a thread, then wait for it before starting the next. Also correct, but
//!   everything is serial, sleeps included: the timing table shows what that costs.

use crate::gate::exercises::counter::Counter;
use crate::lesson::{
    Class, Concept, Expect, Lesson, Params, Ratios, Row, Threads, Timing, TimingRow,
};
use crate::runtime::{Native, Runtime, sleep_scale};
use crate::sync::{Mutex, Shared};
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The value of `n` once every thread has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Final(pub usize);

impl fmt::Display for Final {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n = {}", self.0)
    }
}

fn classify(outcome: &Final) -> (Class, &'static str) {
    match outcome.0 {
        0 => (Class::Acceptable, "every decrement counted"),
        _ => (Class::Forbidden, "lost update"),
    }
}

/// The counter race, in three versions.
pub struct CounterRace;

/// How the threads are run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Unlocked,
    Locked,
    JoinEach,
}

/// Sleep durations in the tutorial's seconds: before the critical part, and inside it.
#[derive(Clone, Copy)]
struct Sleeps {
    before: Duration,
    inside: Duration,
}

/// The tutorial's first example: no work before, 0.1 s between the read and the write.
const RACE_SLEEPS: Sleeps = Sleeps {
    before: Duration::ZERO,
    inside: Duration::from_millis(100),
};

/// The tutorial's `n`, unprotected: `temp = n; sleep; n = temp - 1`. As the `counter`
/// exercise sees it, a broken [`Counter`].
pub struct Unlocked<R: Runtime> {
    n: Shared<R, usize>,
    inside: Duration,
}

/// `n` with one lock around the read and the write: a correct [`Counter`].
pub struct Locked<R: Runtime> {
    n: Unlocked<R>,
    lock: Mutex<R, ()>,
}

impl<R: Runtime> Unlocked<R> {
    fn with_sleep(start: usize, inside: Duration) -> Self {
        Unlocked {
            n: Shared::named("n", start),
            inside,
        }
    }
}

impl<R: Runtime> Counter<R> for Unlocked<R> {
    fn new(start: usize) -> Self {
        Unlocked::with_sleep(start, RACE_SLEEPS.inside)
    }

    fn decrement(&self) {
        let temp = self.n.load();
        thread::sleep::<R>(self.inside);
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

impl<R: Runtime> Locked<R> {
    fn with_sleep(start: usize, inside: Duration) -> Self {
        Locked {
            n: Unlocked::with_sleep(start, inside),
            lock: Mutex::named("lock", ()),
        }
    }
}

impl<R: Runtime> Counter<R> for Locked<R> {
    fn new(start: usize) -> Self {
        Locked::with_sleep(start, RACE_SLEEPS.inside)
    }

    fn decrement(&self) {
        let _held = self.lock.lock();
        self.n.decrement();
    }

    fn value(&self) -> usize {
        let _held = self.lock.lock();
        self.n.value()
    }
}

/// Every thread started at once: each sleeps, then decrements `n`.
fn all_at_once<R: Runtime>(threads: usize, before: Duration, n: impl Counter<R>) -> Final {
    let n = Arc::new(n);
    let workers: Vec<JoinHandle<R, ()>> = (0..threads)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<R, _, _>(move || {
                thread::sleep::<R>(before);
                n.decrement();
            })
        })
        .collect();
    workers.into_iter().for_each(JoinHandle::join);
    Final(n.value())
}

fn join_each<R: Runtime>(threads: usize, sleeps: Sleeps) -> Final {
    let n = Arc::new(Unlocked::<R>::with_sleep(threads, sleeps.inside));
    for _ in 0..threads {
        let n = n.clone();
        thread::spawn::<R, _, _>(move || {
            thread::sleep::<R>(sleeps.before);
            n.decrement();
        })
        .join();
    }
    Final(n.value())
}

impl Version {
    /// This version's program: `threads` threads, each `temp = n; sleep; n = temp - 1`.
    fn program<R: Runtime>(self, threads: usize, sleeps: Sleeps) -> Final {
        match self {
            Version::Unlocked => all_at_once(
                threads,
                sleeps.before,
                Unlocked::<R>::with_sleep(threads, sleeps.inside),
            ),
            Version::Locked => all_at_once(
                threads,
                sleeps.before,
                Locked::<R>::with_sleep(threads, sleeps.inside),
            ),
            Version::JoinEach => join_each::<R>(threads, sleeps),
        }
    }
}

impl Lesson for CounterRace {
    type Version = Version;
    type Outcome = Final;
    const THREADS: Threads = Threads::shuttle(100).loom(3);
    const CHECK_EXECUTIONS: usize = 2_000;

    fn run<R: Runtime>(version: Version, params: &Params) -> Final {
        version.program::<R>(params.threads, RACE_SLEEPS)
    }

    fn classify(_: Version, outcome: &Final, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }

    fn possible_outcomes(version: Version, params: &Params) -> Option<Vec<Final>> {
        match version {
            Version::Unlocked => Some((0..params.threads).map(Final).collect()),
            Version::Locked | Version::JoinEach => Some(vec![Final(0)]),
        }
    }
}

pub const UNLOCKED: Row<CounterRace> = Row::new(
    "counter-race/unlocked",
    Version::Unlocked,
    Expect::Violation,
    "temp = n; sleep; n = temp - 1 in every thread, no lock",
);
pub const LOCKED: Row<CounterRace> = Row::new(
    "counter-race/locked",
    Version::Locked,
    Expect::Holds,
    "the read and the write under one Mutex",
);
pub const JOIN_EACH: Row<CounterRace> = Row::new(
    "counter-race/join-each",
    Version::JoinEach,
    Expect::Holds,
    "start each thread and join it at once: correct, and serial",
);

pub fn concept() -> Concept {
    Concept::new(
        "counter-race",
        "the counter race: a lost update (tutorial 4.1)",
        file!(),
    )
    .rows(&[UNLOCKED, LOCKED, JOIN_EACH])
    .timing(timing)
}

/// The tutorial's "lock versus join" comparison: 100 threads, each sleeping 3 s outside the
/// critical part and 0.5 s inside it (tutorial: 0.52 s wrong, 53 s locked, 350 s join-each).
pub fn timing() -> Timing {
    const THREADS: usize = 100;
    let sleeps = Sleeps {
        before: Duration::from_secs(3),
        inside: Duration::from_millis(500),
    };
    let unlocked_sleeps = Sleeps {
        before: Duration::ZERO,
        ..sleeps
    };
    let variants = [
        (
            "unlocked (0.5 s inside, nothing outside)",
            Version::Unlocked,
            unlocked_sleeps,
        ),
        (
            "locked (3 s outside, 0.5 s under the lock)",
            Version::Locked,
            sleeps,
        ),
        (
            "join-each (3 s + 0.5 s, one thread at a time)",
            Version::JoinEach,
            sleeps,
        ),
    ];
    let rows = variants
        .into_iter()
        .map(|(label, version, sleeps)| {
            let started = Instant::now();
            let outcome = version.program::<Native>(THREADS, sleeps);
            let seconds = started.elapsed().as_secs_f64();
            let (class, meaning) = classify(&outcome);
            TimingRow {
                label: label.to_owned(),
                seconds,
                note: format!("{outcome} ({}: {meaning})", class.name()),
            }
        })
        .collect();
    Timing {
        title: "lock vs join: 100 threads, final n and wall time".to_owned(),
        setup: format!(
            "tutorial sleeps scaled by 1/{} (0.5 s -> {:?})",
            sleep_scale(),
            Duration::from_millis(500) / sleep_scale()
        ),
        rows,
        ratios: Ratios::ToFirst,
    }
}
