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
//!
//! Each rule is a [`TableManners`] of the `philosophers` exercise ([`LeftThenRight`],
//! [`LowerFirst`], [`Footman`]), which the exercise's properties check too. `ordered` is the
//! exercise's reference solution itself (one file, compiled here and graded as `reference`).

// Written as a student writes it (`pub` items in a crate of its own).
#[allow(unreachable_pub)]
#[path = "../src/gate/exercises/philosophers/reference.rs"]
pub mod reference;

pub use self::reference::LowerFirst;
use super::noodle_fork::DinersAte;
use crate::exercises::philosophers::{Fork, TableManners};
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::sync::{AtomicUsize, Condvar, Mutex};
use crate::thread::{self, JoinHandle};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

const NAP: Duration = Duration::from_millis(100);

/// `N` philosophers around one table, each under the same rule.
pub struct Philosophers;

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

/// Left fork, a nap, right fork: the ring can close. As the `philosophers` exercise sees it,
/// manners that deadlock.
pub struct LeftThenRight<R: Runtime>(PhantomData<R>);

/// Left then right, but only once the footman gives a seat: at most `N - 1` are seated at once
/// (a counting semaphore over the facade's Mutex and Condvar).
pub struct Footman<R: Runtime> {
    /// Free seats.
    seats: Mutex<R, usize>,
    seat_freed: Condvar<R>,
}

/// Takes `first`, naps, takes `second`, eats; puts both down.
fn two_forks<R: Runtime>(first: &Fork<R>, second: &Fork<R>, eat: impl FnOnce()) {
    let _first = first.lock();
    thread::sleep::<R>(NAP);
    let _second = second.lock();
    eat();
}

impl<R: Runtime> TableManners<R> for LeftThenRight<R> {
    fn new(_seats: usize) -> Self {
        LeftThenRight(PhantomData)
    }

    fn dine(&self, _seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        two_forks(left, right, eat);
    }
}

impl<R: Runtime> TableManners<R> for Footman<R> {
    fn new(seats: usize) -> Self {
        Footman {
            seats: Mutex::named("seats", seats.saturating_sub(1).max(1)),
            seat_freed: Condvar::named("seat-freed"),
        }
    }

    fn dine(&self, _seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        {
            let mut seats = self
                .seat_freed
                .wait_while(self.seats.lock(), |free| *free == 0);
            *seats -= 1;
        }
        two_forks(left, right, eat);
        *self.seats.lock() += 1;
        self.seat_freed.notify_one();
    }
}

/// `n` philosophers round the table, each dining once under manners `T`.
fn dine<R: Runtime, T: TableManners<R>>(n: usize) -> DinersAte {
    let forks: Arc<Vec<Fork<R>>> = Arc::new(
        (0..n)
            .map(|i| Fork::named(i, &format!("fork-{i}")))
            .collect(),
    );
    let meals = Arc::new(AtomicUsize::<R>::named("meals", 0));
    let table = Arc::new(T::new(n));
    let handles: Vec<JoinHandle<R, ()>> = (0..n)
        .map(|i| {
            let (forks, meals, table) = (forks.clone(), meals.clone(), table.clone());
            thread::spawn_named::<R, _, _>(format!("philosopher-{i}"), move || {
                table.dine(i, &forks[i], &forks[(i + 1) % n], || {
                    meals.fetch_add(1);
                })
            })
        })
        .collect();
    handles.into_iter().for_each(JoinHandle::join);
    DinersAte(meals.load(), n)
}

impl Lesson for Philosophers {
    type Version = Version;
    type Outcome = DinersAte;
    const THREADS: Threads = Threads::shuttle(5).loom(4);

    fn run<R: Runtime>(rule: Version, params: &Params) -> DinersAte {
        let n = params.threads.max(2);
        match rule {
            Version::LeftThenRight => dine::<R, LeftThenRight<R>>(n),
            Version::LowerFirst => dine::<R, LowerFirst<R>>(n),
            Version::Footman => dine::<R, Footman<R>>(n),
        }
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
.max_threads(200)
// Its whole loom search is 104,731 executions at bound 3, over the default budget.
.loom_executions(150_000);

pub fn concept() -> Concept {
    Concept::new(
        "philosophers",
        "dining philosophers: the ring in general (tutorial 4.3, generalised)",
        file!(),
    )
    .rows(&[NAIVE, ORDERED, FOOTMAN])
}
