//! # The GIL (tutorial 3.1): one thread at a time, and the counter race still happens
//!
//! CPython lets one thread at a time run bytecode: a thread holds the global interpreter lock
//! while it runs and gives it up every switch interval (5 ms), or when it blocks or sleeps. Two
//! consequences, both shown here with an emulated GIL ([`Gil`]: one facade Mutex that a worker
//! holds while it computes and drops at each switch point):
//!
//! - CPU-bound work does not get faster with threads. In Rust, work split over 2 threads on 2
//!   cores takes about half the time; under the emulated GIL it is no faster than one thread,
//!   and usually slower (speed-ups like 0.8x in [`timing`]), worse with more threads: every
//!   switch hands the lock to another thread, which must first be woken by the OS and then finds
//!   its cache cold. The switches are pure cost, since only one thread computes at a time.
//!   CPython pays the same, which is why a CPU-bound Python program can get slower with threads.
//! - The GIL does not make `temp = n; n = temp - 1` atomic: the switch can fall between the read
//!   and the write (the tutorial's `sleep` is such a point, and so is the end of any interval).
//!   `gil/counter-race` loses updates exactly as `counter-race/unlocked` does. Only a switch that
//!   never falls inside the update (`gil/switch-between-updates`, as if the decrement were one
//!   bytecode) keeps every decrement.
//!
//! The tutorial says a thread runs "a given number of bytecode instructions" and then switches;
//! actually that was so only before Python 3.2 (a check every 100 ticks). Since 3.2 a thread
//! keeps the GIL until it blocks or sleeps, or until another thread has waited a switch interval
//! (5 ms, `sys.setswitchinterval`) and asks for it.
//!
//! A model checker is itself a GIL: it runs one thread at a time and switches only at operations
//! it controls. The difference is that it picks each switch point adversarially, to find the
//! interleaving that breaks the program, where CPython's interval picks it by the clock.

use crate::lesson::{
    Class, Concept, Expect, Lesson, Params, Ratios, Row, Threads, Timing, TimingRow,
};
use crate::models::counter_race::Final;
use crate::runtime::{Native, Runtime, sleep_scale};
use crate::sync::{Mutex, MutexGuard, Shared};
use crate::thread::{self, JoinHandle};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An emulated global interpreter lock.
pub struct Gil<R: Runtime> {
    lock: Mutex<R, ()>,
}

/// A thread running "bytecode": it holds the GIL until it drops this.
pub struct Holding<'a, R: Runtime> {
    gil: &'a Gil<R>,
    guard: Option<MutexGuard<'a, R, ()>>,
    since_switch: u64,
    interval: u64,
}

impl<R: Runtime> Gil<R> {
    pub fn new() -> Self {
        Gil {
            lock: Mutex::named("GIL", ()),
        }
    }

    /// Takes the GIL; [`Holding::tick`] gives it up every `interval` units of work.
    pub fn hold(&self, interval: u64) -> Holding<'_, R> {
        Holding {
            gil: self,
            guard: Some(self.lock.lock()),
            since_switch: 0,
            interval: interval.max(1),
        }
    }
}

impl<R: Runtime> Default for Gil<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> Holding<'_, R> {
    /// One unit of work done; at the end of an interval, lets another thread run.
    pub fn tick(&mut self) {
        self.since_switch += 1;
        if self.since_switch >= self.interval {
            self.switch(Duration::ZERO);
        }
    }

    /// Drops the GIL, sleeps for `pause` (in the tutorial's time; zero yields, as Python's
    /// `time.sleep(0)` does), and waits to take it back. Models pass a non-zero pause: under
    /// loom a yield would be taken for a spinning thread (see [`crate::runtime`]).
    pub fn switch(&mut self, pause: Duration) {
        self.guard.take();
        if pause.is_zero() {
            thread::yield_now::<R>();
        } else {
            thread::sleep::<R>(pause);
        }
        self.guard = Some(self.gil.lock.lock());
        self.since_switch = 0;
    }
}

/// The tutorial's sleep inside the counter race; Python's `time.sleep` releases the GIL.
const RACE_SLEEP: Duration = Duration::from_millis(100);

/// The counter race under an emulated GIL, switching where [`Version`] says.
pub struct GilCounterRace;

/// Where a thread may lose the GIL in `temp = n; n = temp - 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Between the read and the write (the tutorial's sleep, or an interval that ends there).
    SwitchInsideTheUpdate,
    /// Only after the write, as if the whole decrement were one bytecode.
    SwitchBetweenUpdates,
}

fn counter_race<R: Runtime>(threads: usize, switch_at: Version) -> Final {
    let n = Arc::new(Shared::<R, usize>::named("n", threads));
    let gil = Arc::new(Gil::<R>::new());
    let workers: Vec<JoinHandle<R, ()>> = (0..threads)
        .map(|_| {
            let (n, gil) = (n.clone(), gil.clone());
            thread::spawn::<R, _, _>(move || {
                let mut held = gil.hold(u64::MAX);
                let temp = n.load();
                if switch_at == Version::SwitchInsideTheUpdate {
                    held.switch(RACE_SLEEP);
                }
                n.store(temp - 1);
                if switch_at == Version::SwitchBetweenUpdates {
                    held.switch(RACE_SLEEP);
                }
            })
        })
        .collect();
    workers.into_iter().for_each(JoinHandle::join);
    Final(n.load())
}

fn classify(outcome: &Final) -> (Class, &'static str) {
    match outcome.0 {
        0 => (Class::Acceptable, "every decrement counted"),
        _ => (Class::Forbidden, "lost update, with a GIL"),
    }
}

impl Lesson for GilCounterRace {
    type Version = Version;
    type Outcome = Final;
    const THREADS: Threads = Threads::shuttle(100).loom(3);
    const CHECK_EXECUTIONS: usize = 2_000;

    fn run<R: Runtime>(version: Version, params: &Params) -> Final {
        counter_race::<R>(params.threads, version)
    }

    fn classify(_: Version, outcome: &Final, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }

    fn possible_outcomes(version: Version, params: &Params) -> Option<Vec<Final>> {
        match version {
            Version::SwitchInsideTheUpdate => Some((0..params.threads).map(Final).collect()),
            Version::SwitchBetweenUpdates => Some(vec![Final(0)]),
        }
    }
}

pub const COUNTER_RACE: Row<GilCounterRace> = Row::new(
    "gil/counter-race",
    Version::SwitchInsideTheUpdate,
    Expect::Violation,
    "temp = n; sleep; n = temp - 1 under a GIL that sleep releases",
);
pub const SWITCH_BETWEEN_UPDATES: Row<GilCounterRace> = Row::new(
    "gil/switch-between-updates",
    Version::SwitchBetweenUpdates,
    Expect::Holds,
    "the GIL is given up only after n = temp - 1: no update lost",
);

pub fn concept() -> Concept {
    Concept::new(
        "gil",
        "the GIL: one thread at a time, and still a lost update (tutorial 3.1)",
        file!(),
    )
    .rows(&[COUNTER_RACE, SWITCH_BETWEEN_UPDATES])
    .timing(timing)
}

/// One unit of CPU-bound work: a chain of integer hashes (splitmix64's finaliser) from `seed`.
fn unit(seed: u64) -> u64 {
    let mut z = seed;
    for _ in 0..16 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
    }
    z
}

/// Units `0..units` split into `threads` ranges; the sum of every unit's hash, which does not
/// depend on the split. With `gil`, each worker holds it and gives it up every `interval` units.
pub fn hash_sum(units: u64, threads: usize, gil: Option<u64>) -> u64 {
    let shared_gil = Arc::new(Gil::<Native>::new());
    let per_thread = units.div_ceil(threads.max(1) as u64);
    let workers: Vec<JoinHandle<Native, u64>> = (0..threads.max(1) as u64)
        .map(|t| {
            let range = (t * per_thread).min(units)..((t + 1) * per_thread).min(units);
            let gil_lock = shared_gil.clone();
            thread::spawn::<Native, _, _>(move || {
                let mut held = gil.map(|interval| gil_lock.hold(interval));
                let mut sum = 0u64;
                for seed in range {
                    sum = sum.wrapping_add(unit(std::hint::black_box(seed)));
                    if let Some(held) = &mut held {
                        held.tick();
                    }
                }
                sum
            })
        })
        .collect();
    workers
        .into_iter()
        .map(JoinHandle::join)
        .fold(0, u64::wrapping_add)
}

/// Units of work for `time gil` (about 0.15 s on one idle core in a release build).
pub const WORK_UNITS: u64 = 4_000_000;
/// Units between two switches of the emulated GIL.
pub const SWITCH_INTERVAL: u64 = 2_000;
/// Each configuration runs this many times, round-robin, and its fastest run counts: a busy
/// machine slows some runs down, never speeds one up.
pub const REPEATS: usize = 3;

/// `time gil`: the CPU-bound split over 1, 2 and 4 threads, with and without the GIL.
pub fn timing() -> Timing {
    measure(WORK_UNITS, SWITCH_INTERVAL)
}

/// The speed-up table for `units` of work, then the counter race run natively under the GIL.
pub fn measure(units: u64, interval: u64) -> Timing {
    let configurations: Vec<(usize, Option<u64>)> = [1, 2, 4]
        .into_iter()
        .flat_map(|threads| [(threads, None), (threads, Some(interval))])
        .collect();
    let mut fastest = vec![f64::INFINITY; configurations.len()];
    let mut sums = vec![0; configurations.len()];
    for _ in 0..REPEATS {
        for (i, &(threads, gil)) in configurations.iter().enumerate() {
            let started = Instant::now();
            sums[i] = hash_sum(units, threads, gil);
            fastest[i] = fastest[i].min(started.elapsed().as_secs_f64());
        }
    }
    let base = fastest[0];
    let mut rows: Vec<TimingRow> = configurations
        .iter()
        .zip(fastest.iter().zip(&sums))
        .map(|(&(threads, gil), (&seconds, sum))| {
            let plural = if threads == 1 { "" } else { "s" };
            let with = if gil.is_some() {
                "emulated GIL"
            } else {
                "no GIL"
            };
            TimingRow {
                label: format!("{threads} thread{plural}, {with}"),
                seconds,
                note: format!("speed-up {:.2}x; sum {sum:#018x}", base / seconds.max(1e-9)),
            }
        })
        .collect();
    let race_threads = 100;
    let started = Instant::now();
    let outcome = counter_race::<Native>(race_threads, Version::SwitchInsideTheUpdate);
    let (class, meaning) = classify(&outcome);
    rows.push(TimingRow {
        label: format!("counter race, {race_threads} threads, emulated GIL"),
        seconds: started.elapsed().as_secs_f64(),
        note: format!("{outcome} ({}: {meaning})", class.name()),
    });
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let interval_time = rows[0].seconds / units.max(1) as f64 * interval as f64;
    Timing {
        title: format!("the GIL: {units} hash chains split over 1, 2, 4 threads"),
        setup: format!(
            "{cores} cores here, so {cores} threads is the most that can help; best of {REPEATS}; \
             switch every {interval} units (~{:.0} us here; CPython: 5 ms); race sleep scaled by 1/{}",
            interval_time * 1e6,
            sleep_scale()
        ),
        rows,
        // The six speed-up rows split the same work; the counter race is other work.
        ratios: Ratios::Groups(vec![6, 1]),
    }
}
