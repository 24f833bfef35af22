//! # The counter race (tutorial 4.1): a lost update, and two ways to prevent it
//!
//! `n` starts at the number of threads, and every thread does `temp = n; sleep; n = temp - 1`.
//! Each should take one off, so `n` should end at 0. Without a lock it does not: thread A reads
//! `n = 100`, thread B reads `n = 100` before A writes, A writes 99, B writes 99 over it. A's
//! decrement is lost. The tutorial's sleep makes `n = 99` near-certain, on one premise: the sleep
//! outlasts starting all 100 threads, so every thread reads 100 before any writes. But no sleep
//! is needed: any switch between the read and the write will do, and a model checker finds one
//! every time.
//!
//! Natively the premise depends on the scale. At the default 1/100 the tutorial's 0.1 s is 1 ms,
//! less than it takes to start 100 threads, so the first threads write before the last ones read
//! and `n` ends lower (91-93 here). `time counter-race` measures the start-up and divides the
//! sleeps only so far that they still outlast it (or prints why this machine cannot), and there
//! the unlocked run ends at 99, as the tutorial's did.
//!
//! - `unlocked`: the race. Every final value from 0 to threads - 1 can occur; 0 is the only
//!   acceptable one, each other is a lost update (forbidden).
//! - `locked`: the read and the write happen under one lock, so no thread can read between them.
//! - `join-each`: start a thread, then wait for it before starting the next. Also correct, but
//!   everything is serial, sleeps included: the timing table shows what that costs.
//!
//! The tutorial says "#不加锁" (no lock) above its second timing example; actually that one is
//! the locked version (it calls `lock.acquire()`). Its sample output there, `Thread-1 is
//! running`, is also the first example's: that code prints `Thread-1 start to run`.

use crate::exercises::counter::Counter;
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

/// The tutorial's "lock versus join" comparison at a scale that keeps its premise on this
/// machine (see [`choose_scale`]): 100 threads, each sleeping 3 s outside the critical part and
/// 0.5 s inside it (tutorial: 0.52 s wrong, 53 s locked, 350 s join-each).
pub fn timing() -> Timing {
    lock_vs_join(&choose_scale(start_up_time(LOCK_VS_JOIN_THREADS)))
}

const LOCK_VS_JOIN_THREADS: usize = 100;

/// The tutorial's wall times for the three rows, and what it printed for `n`.
const TUTORIAL: [(f64, usize); 3] = [(0.5216, 99), (53.294, 0), (350.694, 0)];

/// The 0.5 s sleep inside the critical part must outlast starting every thread this many times
/// over: then every thread has read `n` before the first one writes it.
pub const PREMISE_MARGIN: u32 = 4;

/// The smallest divisor the table runs at: join-each then takes 350 s / 10 = 35 s.
pub const MIN_DIVISOR: u32 = 10;

/// How far the tutorial's sleeps are divided for the lock-vs-join table, and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub divisor: u32,
    /// How long starting the table's 100 threads took here.
    pub start_up: Duration,
    /// Whether the scaled 0.5 s sleep outlasts the start-up [`PREMISE_MARGIN`] times over.
    pub keeps_premise: bool,
}

/// The largest divisor, up to the native default ([`sleep_scale`]), at which the tutorial's
/// 0.5 s still outlasts `start_up` [`PREMISE_MARGIN`] times; [`MIN_DIVISOR`] if none is that
/// large (the premise is then not kept, and the table says so).
pub fn choose_scale(start_up: Duration) -> Scale {
    let needed = start_up.as_secs_f64() * f64::from(PREMISE_MARGIN);
    let fits = (0.5 / needed.max(f64::MIN_POSITIVE)).floor();
    let divisor = fits.min(f64::from(sleep_scale())) as u32;
    Scale {
        divisor: divisor.max(MIN_DIVISOR),
        start_up,
        keeps_premise: divisor >= MIN_DIVISOR,
    }
}

/// How long starting `threads` native threads that do nothing takes here (the median of three):
/// the time between the first thread's read and the last one's, when the threads read at once.
pub fn start_up_time(threads: usize) -> Duration {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let workers: Vec<JoinHandle<Native, ()>> = (0..threads)
                .map(|_| thread::spawn::<Native, _, _>(|| ()))
                .collect();
            let spawned = started.elapsed();
            workers.into_iter().for_each(JoinHandle::join);
            spawned
        })
        .collect();
    times.sort();
    times[1]
}

/// The three rows of the tutorial's comparison, with its sleeps divided by `scale.divisor`.
pub fn lock_vs_join(scale: &Scale) -> Timing {
    // The native runtime divides every sleep by `sleep_scale()`; these are given so that what
    // it sleeps is the tutorial's duration over `scale.divisor`.
    let scaled = |tutorial: Duration| tutorial * sleep_scale() / scale.divisor;
    let sleeps = Sleeps {
        before: scaled(Duration::from_secs(3)),
        inside: scaled(Duration::from_millis(500)),
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
    let mut unlocked = None;
    let rows = variants
        .into_iter()
        .zip(TUTORIAL)
        .map(|((label, version, sleeps), (tutorial_seconds, tutorial_n))| {
            let started = Instant::now();
            let outcome = version.program::<Native>(LOCK_VS_JOIN_THREADS, sleeps);
            let seconds = started.elapsed().as_secs_f64();
            let (class, meaning) = classify(&outcome);
            if version == Version::Unlocked {
                unlocked = Some(outcome);
            }
            TimingRow {
                label: label.to_owned(),
                seconds,
                note: format!(
                    "{outcome} ({}: {meaning}); tutorial: {tutorial_seconds:.2} s = {:.0}x, n = {tutorial_n}",
                    class.name(),
                    tutorial_seconds / TUTORIAL[0].0
                ),
            }
        })
        .collect::<Vec<_>>();
    let unlocked = unlocked.expect("the unlocked row always runs");
    Timing {
        title: "lock vs join: 100 threads, final n and wall time".to_owned(),
        setup: setup(scale, unlocked),
        rows,
        ratios: Ratios::ToFirst,
    }
}

/// The table's setup lines: the scale, whether it keeps the tutorial's premise (or why this
/// machine cannot), and the unlocked run's final `n` against the tutorial's 99.
pub fn setup(scale: &Scale, unlocked: Final) -> String {
    let inside = whole_microseconds(Duration::from_millis(500) / scale.divisor);
    let premise = if scale.keeps_premise {
        format!(
            "the {inside:?} sleep outlasts that {PREMISE_MARGIN}x over, so every thread reads n before any writes (the tutorial's premise: n = 99 unlocked)"
        )
    } else {
        format!(
            "this machine cannot keep the tutorial's premise (every read before any write): the scaled 0.5 s would have to exceed {:?}, a divisor under {MIN_DIVISOR} (join-each over {} s); ran at 1/{MIN_DIVISOR}",
            whole_microseconds(scale.start_up * PREMISE_MARGIN),
            350 / MIN_DIVISOR
        )
    };
    let result = match unlocked {
        Final(n) if n == LOCK_VS_JOIN_THREADS - 1 => {
            format!("unlocked: n = {n}, as the tutorial printed")
        }
        Final(n) => format!(
            "unlocked: n = {n}, not 99: a thread read n after another had written it (starting the threads outlasted the {inside:?} sleep this time)"
        ),
    };
    format!(
        "tutorial sleeps scaled by 1/{} (0.5 s -> {inside:?}); starting {LOCK_VS_JOIN_THREADS} threads takes {:?} here\n  {premise}\n  {result}",
        scale.divisor,
        whole_microseconds(scale.start_up)
    )
}

/// `d` without its nanoseconds, for printing (`20.833ms`, not `20.833333ms`).
fn whole_microseconds(d: Duration) -> Duration {
    Duration::from_micros(d.as_micros() as u64)
}
