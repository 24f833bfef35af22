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

use crate::model::{Class, Expect, Params, Program};
use crate::runtime::Runtime;
use crate::sync::{AtomicUsize, Condvar, Mutex};
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

const NAP: Duration = Duration::from_millis(100);

/// How many philosophers ate, of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ate(pub usize, pub usize);

impl fmt::Display for Ate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} ate", self.0, self.1)
    }
}

struct Table<R: Runtime> {
    forks: Vec<Mutex<R, ()>>,
    meals: AtomicUsize<R>,
    /// Free seats, for the footman.
    seats: Mutex<R, usize>,
    seat_freed: Condvar<R>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    LeftThenRight,
    LowerFirst,
    Footman,
}

fn philosopher<R: Runtime>(table: &Table<R>, i: usize, rule: Rule) {
    let n = table.forks.len();
    let (left, right) = (i, (i + 1) % n);
    let (first, second) = match rule {
        Rule::LowerFirst => (left.min(right), left.max(right)),
        _ => (left, right),
    };
    if rule == Rule::Footman {
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
    if rule == Rule::Footman {
        *table.seats.lock() += 1;
        table.seat_freed.notify_one();
    }
}

fn dine<R: Runtime>(n: usize, rule: Rule) -> Ate {
    let table = Arc::new(Table::<R> {
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
    Ate(table.meals.load(), n)
}

macro_rules! ring_variant {
    ($name:ident, $id:literal, $rule:expr, $expect:expr, $summary:literal) => {
        pub struct $name;

        impl Program for $name {
            const ID: &'static str = $id;
            const SUMMARY: &'static str = $summary;
            const EXPECT: Expect = $expect;
            const THREADS: usize = 5;
            const LOOM_THREADS: usize = 4;
            const MAX_THREADS: usize = 200;
            type Outcome = Ate;

            fn run<R: Runtime>(params: &Params) -> Ate {
                dine::<R>(params.threads.max(2), $rule)
            }

            fn classify(outcome: &Ate, _: &Params) -> (Class, &'static str) {
                if outcome.0 == outcome.1 {
                    (Class::Acceptable, "everyone ate")
                } else {
                    (Class::Forbidden, "someone went hungry")
                }
            }

            fn possible_outcomes(params: &Params) -> Option<Vec<Ate>> {
                let n = params.threads.max(2);
                Some(vec![Ate(n, n)])
            }
        }
    };
}

ring_variant!(
    Naive,
    "philosophers/naive",
    Rule::LeftThenRight,
    Expect::Deadlock,
    "left fork, nap, right fork: the ring can close"
);
ring_variant!(
    Ordered,
    "philosophers/ordered",
    Rule::LowerFirst,
    Expect::Holds,
    "lower-numbered fork first: the ring can't close"
);
ring_variant!(
    Footman,
    "philosophers/footman",
    Rule::Footman,
    Expect::Holds,
    "at most N - 1 seated at once (a semaphore)"
);
