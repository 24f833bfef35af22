//! # Dining philosophers: the noodle/fork deadlock in general (Dijkstra, 1965)
//!
//! `N` philosophers sit at a round table with one fork between each pair; philosopher `i` eats
//! with fork `i` (left) and fork `i + 1 mod N` (right). If each takes the left fork and then
//! waits for the right one, all `N` can hold a left fork at once: philosopher 0 waits for 1,
//! 1 for 2, ..., `N - 1` for 0. The noodle-and-fork deadlock is this ring with `N = 2`.
//!
//! A deadlock needs four things at once: exclusive use, holding while waiting, no pre-emption,
//! and a circular wait. Each fix removes one of them:
//! - `ordered`: take the lower-numbered fork first. Philosopher `N - 1` now reaches for fork 0
//!   before fork `N - 1`, the ring can't close (no circular wait).
//! - `footman`: a footman lets at most `N - 1` sit at once (a counting semaphore over the facade's
//!   Mutex and Condvar). With one seat empty, some seated philosopher always has both forks in
//!   reach, so no circular wait either, and nobody's order changes.
//!
//! Five or more threads under shuttle and natively; four under loom (five with main).

use super::noodle_fork::DinersAte;
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::sync::{AtomicUsize, Condvar, Mutex};
use crate::thread::{self, JoinHandle};
use std::sync::Arc;
use std::time::Duration;

const NAP: Duration = Duration::from_millis(100);

/// `N` philosophers around one table, each under the same rule.
pub struct Philosophers;

/// The round table: a fork between each pair, the meals eaten, and the footman's seats.
struct RoundTable<R: Runtime> {
    forks: Vec<Mutex<R, ()>>,
    meals: AtomicUsize<R>,
    /// Free seats, for the footman.
    seats: Mutex<R, usize>,
    seat_freed: Condvar<R>,
}

/// The rule every philosopher follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Left fork, then right.
    LeftThenRight,
    /// The lower-numbered fork first.
    LowerFirst,
    /// Left then right, but only once the footman gives a seat.
    Footman,
}

fn philosopher<R: Runtime>(table: &RoundTable<R>, i: usize, rule: Version) {
    let n = table.forks.len();
    let (left, right) = (i, (i + 1) % n);
    let (first, second) = match rule {
        Version::LowerFirst => (left.min(right), left.max(right)),
        _ => (left, right),
    };
    if rule == Version::Footman {
        let mut seats = table
            .seat_freed
            .wait_while(table.seats.lock(), |free| *free == 0);
        *seats -= 1;
    }
    {
        let _first = table.forks[first].lock();
        thread::sleep::<R>(NAP);
        let _second = table.forks[second].lock();
        table.meals.fetch_add(1);
    }
    if rule == Version::Footman {
        *table.seats.lock() += 1;
        table.seat_freed.notify_one();
    }
}

fn dine<R: Runtime>(n: usize, rule: Version) -> DinersAte {
    let table = Arc::new(RoundTable::<R> {
        forks: (0..n)
            .map(|i| Mutex::named(&format!("fork-{i}"), ()))
            .collect(),
        meals: AtomicUsize::named("meals", 0),
        seats: Mutex::named("seats", n.saturating_sub(1).max(1)),
        seat_freed: Condvar::named("seat-freed"),
    });
    let handles: Vec<JoinHandle<R, ()>> = (0..n)
        .map(|i| {
            let table = table.clone();
            thread::spawn_named::<R, _, _>(format!("philosopher-{i}"), move || {
                philosopher(&table, i, rule)
            })
        })
        .collect();
    handles.into_iter().for_each(JoinHandle::join);
    DinersAte(table.meals.load(), n)
}

impl Lesson for Philosophers {
    type Version = Version;
    type Outcome = DinersAte;
    const THREADS: Threads = Threads::shuttle(5).loom(4);

    fn run<R: Runtime>(rule: Version, params: &Params) -> DinersAte {
        dine::<R>(params.threads.max(2), rule)
    }

    fn classify(_: Version, outcome: &DinersAte, _: &Params) -> (Class, &'static str) {
        outcome.class()
    }

    fn possible_outcomes(_: Version, params: &Params) -> Option<Vec<DinersAte>> {
        let n = params.threads.max(2);
        Some(vec![DinersAte(n, n)])
    }
}

pub const NAIVE: Row<Philosophers> = Row::new(
    "philosophers/naive",
    Version::LeftThenRight,
    Expect::Deadlock,
    "left fork, nap, right fork: the ring can close",
)
.max_threads(200);
pub const ORDERED: Row<Philosophers> = Row::new(
    "philosophers/ordered",
    Version::LowerFirst,
    Expect::Holds,
    "lower-numbered fork first: the ring can't close",
)
.max_threads(200);
pub const FOOTMAN: Row<Philosophers> = Row::new(
    "philosophers/footman",
    Version::Footman,
    Expect::Holds,
    "at most N - 1 seated at once (a semaphore)",
)
.max_threads(200);

pub fn concept() -> Concept {
    Concept::new(
        "philosophers",
        "dining philosophers: the ring in general (tutorial 4.3, generalised)",
        file!(),
    )
    .rows(&[NAIVE, ORDERED, FOOTMAN])
}
