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

use crate::model::{Class, Expect, Params, Program, Timing, TimingRow};
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

fn decrement<R: Runtime>(n: &Shared<R, usize>, sleeps: Sleeps) {
    let temp = n.load();
    thread::sleep::<R>(sleeps.inside);
    n.store(temp - 1);
}

fn unlocked<R: Runtime>(threads: usize, sleeps: Sleeps) -> Final {
    let n = Arc::new(Shared::<R, usize>::named("n", threads));
    let workers: Vec<JoinHandle<R, ()>> = (0..threads)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<R, _, _>(move || {
                thread::sleep::<R>(sleeps.before);
                decrement(&n, sleeps);
            })
        })
        .collect();
    workers.into_iter().for_each(JoinHandle::join);
    Final(n.load())
}

fn locked<R: Runtime>(threads: usize, sleeps: Sleeps) -> Final {
    let n = Arc::new(Shared::<R, usize>::named("n", threads));
    let lock = Arc::new(Mutex::<R, ()>::named("lock", ()));
    let workers: Vec<JoinHandle<R, ()>> = (0..threads)
        .map(|_| {
            let (n, lock) = (n.clone(), lock.clone());
            thread::spawn::<R, _, _>(move || {
                thread::sleep::<R>(sleeps.before);
                let _held = lock.lock();
                decrement(&n, sleeps);
            })
        })
        .collect();
    workers.into_iter().for_each(JoinHandle::join);
    Final(n.load())
}

fn join_each<R: Runtime>(threads: usize, sleeps: Sleeps) -> Final {
    let n = Arc::new(Shared::<R, usize>::named("n", threads));
    for _ in 0..threads {
        let n = n.clone();
        thread::spawn::<R, _, _>(move || {
            thread::sleep::<R>(sleeps.before);
            decrement(&n, sleeps);
        })
        .join();
    }
    Final(n.load())
}

pub struct Unlocked;

impl Program for Unlocked {
    const ID: &'static str = "counter-race/unlocked";
    const SUMMARY: &'static str = "temp = n; sleep; n = temp - 1 in every thread, no lock";
    const EXPECT: Expect = Expect::Violation;
    const THREADS: usize = 100;
    const LOOM_THREADS: usize = 3;
    type Outcome = Final;

    fn run<R: Runtime>(params: &Params) -> Final {
        unlocked::<R>(params.threads, RACE_SLEEPS)
    }

    fn classify(outcome: &Final, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }

    fn possible_outcomes(params: &Params) -> Option<Vec<Final>> {
        Some((0..params.threads).map(Final).collect())
    }
}

pub struct Locked;

impl Program for Locked {
    const ID: &'static str = "counter-race/locked";
    const SUMMARY: &'static str = "the read and the write under one Mutex";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 100;
    const LOOM_THREADS: usize = 3;
    type Outcome = Final;

    fn run<R: Runtime>(params: &Params) -> Final {
        locked::<R>(params.threads, RACE_SLEEPS)
    }

    fn classify(outcome: &Final, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Final>> {
        Some(vec![Final(0)])
    }
}

pub struct JoinEach;

impl Program for JoinEach {
    const ID: &'static str = "counter-race/join-each";
    const SUMMARY: &'static str = "start each thread and join it at once: correct, and serial";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 100;
    const LOOM_THREADS: usize = 3;
    type Outcome = Final;

    fn run<R: Runtime>(params: &Params) -> Final {
        join_each::<R>(params.threads, RACE_SLEEPS)
    }

    fn classify(outcome: &Final, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Final>> {
        Some(vec![Final(0)])
    }
}

type CounterProgram = fn(usize, Sleeps) -> Final;

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
    let variants: [(&str, CounterProgram, Sleeps); 3] = [
        (
            "unlocked (0.5 s inside, nothing outside)",
            unlocked::<Native>,
            unlocked_sleeps,
        ),
        (
            "locked (3 s outside, 0.5 s under the lock)",
            locked::<Native>,
            sleeps,
        ),
        (
            "join-each (3 s + 0.5 s, one thread at a time)",
            join_each::<Native>,
            sleeps,
        ),
    ];
    let rows = variants
        .into_iter()
        .map(|(label, run, sleeps)| {
            let started = Instant::now();
            let outcome = run(THREADS, sleeps);
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
    }
}
