//! The `philosophers` exercise's contract: the table's [`Fork`]s, the trait a student
//! implements ([`TableManners`]), the [`Plug`] that names a submission for every backend, and the
//! properties' [`Program`]. The lessons `noodle-fork` and `philosophers` implement the trait; the
//! gate (`interleave::gate::exercises::philosophers`, which re-exports all of this) grades
//! implementations with it.

use crate::lesson::{Class, Lesson, Params, Threads};
use crate::runtime::Runtime;
use crate::sync::{AtomicUsize, Mutex, MutexGuard};
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A fork on the table: a lock with a number. Philosopher `i`'s left fork is fork `i`, their
/// right fork is fork `i + 1 mod n`.
pub struct Fork<R: Runtime> {
    number: usize,
    lock: Mutex<R, ()>,
}

/// Its number and its lock (no step of the model: whether someone holds it is not shown).
impl<R: Runtime> fmt::Debug for Fork<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fork")
            .field("number", &self.number)
            .field("lock", &self.lock)
            .finish()
    }
}

/// A fork in a philosopher's hand: it goes back on the table when the guard is dropped.
pub type ForkGuard<'a, R> = MutexGuard<'a, R, ()>;

impl<R: Runtime> Fork<R> {
    /// Fork `number`, named `fork {number}` in timelines.
    pub fn new(number: usize) -> Self {
        Fork::named(number, &format!("fork {number}"))
    }

    /// Fork `number`, named `name` in timelines (the lessons' `noodle` and `fork`).
    pub fn named(number: usize, name: &str) -> Self {
        Fork {
            number,
            lock: Mutex::named(name, ()),
        }
    }

    /// Its place round the table: 0 to `n - 1`.
    pub fn number(&self) -> usize {
        self.number
    }

    /// Its name in timelines (`fork 2`, the lessons' `noodle`); empty when nothing records (a
    /// native timing run).
    pub fn name(&self) -> String {
        self.lock.name()
    }

    /// Picks the fork up, waiting while another philosopher holds it. Picking up a fork you
    /// already hold waits forever.
    #[track_caller]
    pub fn lock(&self) -> ForkGuard<'_, R> {
        self.lock.lock()
    }

    /// Picks the fork up if it is on the table; `None` at once if someone holds it.
    #[track_caller]
    pub fn try_lock(&self) -> Option<ForkGuard<'_, R>> {
        self.lock.try_lock()
    }
}

/// What a student implements: how a philosopher takes their two forks, eats, and puts them down.
///
/// One value is shared by the whole table; every philosopher calls [`TableManners::dine`] from
/// their own thread, all at once, once per meal.
pub trait TableManners<R: Runtime>: Send + Sync + 'static {
    /// The manners of a table of `seats` philosophers (2 or more). Anything the table needs
    /// besides its forks (a waiter, a count of who is seated) is made here, over the facade.
    fn new(seats: usize) -> Self;

    /// Philosopher `seat` eats one meal: takes `left` (fork `seat`) and `right` (fork
    /// `seat + 1 mod seats`), calls `eat` exactly once while holding both, and puts them down.
    fn dine(&self, seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce());
}

/// Names a submission's type for every backend (the harness implements it for the student's
/// `Submission<R>`).
pub trait Plug: 'static {
    /// The submission's manners under the backend `R`.
    type Submission<R: Runtime>: TableManners<R>;
}

/// Meals each philosopher eats at each table in `mutual-exclusion` and `everyone-eats` (one in
/// `no-deadlock`).
const MEALS: usize = 2;

/// The smallest table: two philosophers sharing two forks (the noodle and the fork).
const SMALLEST: usize = 2;

/// Every property's program lays tables of 2 up to `threads` seats, and starts `threads`
/// philosopher threads: philosopher `i` dines at every table with a seat `i`, smallest first.
/// (Loom counts every thread an execution starts, finished or not: four threads cover tables of
/// 2, 3 and 4 this way, where one thread per seat would cover 2 only.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// One meal at each table; the checker reports a table that cannot finish.
    NoDeadlock,
    /// Two meals at each table; every fork counts the philosophers eating with it.
    MutualExclusion,
    /// Two meals at each table; every philosopher counts the meals they got.
    EveryoneEats,
}

/// The old name of [`Goal`] (`model::Check` is the model builder's).
#[deprecated(
    since = "0.2.0",
    note = "renamed Goal: `Check` is the model builder's name"
)]
pub type Check = Goal;

/// The properties' programs over `P`'s manners.
pub struct Program<P>(PhantomData<P>);

/// Names the plug `P`, which is all there is to it.
impl<P> fmt::Debug for Program<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Program").field(&self.0).finish()
    }
}

/// The meals eaten in an execution, over all its tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Eaten(pub usize);

impl fmt::Display for Eaten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} meals eaten", self.0)
    }
}

/// One table: its forks, the submission's manners for it, and (for `mutual-exclusion`) how
/// many philosophers are eating with each fork.
struct Table<R: Runtime, T> {
    forks: Vec<Fork<R>>,
    manners: T,
    diners: Vec<AtomicUsize<R>>,
}

impl<R: Runtime, T: TableManners<R>> Table<R, T> {
    /// A table of `seats`: its forks are `fork 0 (table of 3)`, ... in timelines.
    fn new(seats: usize, goal: Goal) -> Self {
        let forks = (0..seats)
            .map(|i| Fork::named(i, &format!("fork {i} (table of {seats})")))
            .collect();
        let diners = match goal {
            Goal::MutualExclusion => (0..seats)
                .map(|i| {
                    let name = format!("eating with fork {i} (table of {seats})");
                    AtomicUsize::named(&name, 0)
                })
                .collect(),
            _ => Vec::new(),
        };
        Table {
            forks,
            manners: T::new(seats),
            diners,
        }
    }

    fn seats(&self) -> usize {
        self.forks.len()
    }

    /// Philosopher `seat` dines once: whether they ate.
    fn dine(&self, seat: usize) -> bool {
        let (left, right) = (seat, (seat + 1) % self.seats());
        let mut ate = false;
        self.manners
            .dine(seat, &self.forks[left], &self.forks[right], || {
                ate = true;
                if !self.diners.is_empty() {
                    self.eat_watched(seat, [left, right]);
                }
            });
        ate
    }

    /// Marks `seat` as eating with `forks` (panics if a neighbour already is), then unmarks it.
    /// Every mark is a facade step, so a checker can run the neighbour in between.
    fn eat_watched(&self, seat: usize, forks: [usize; 2]) {
        let seats = self.seats();
        for fork in forks {
            if self.diners[fork].fetch_add(1) > 0 {
                // Fork `f` is philosopher `f`'s left fork and philosopher `f - 1`'s right one.
                let other = if seat == fork {
                    (fork + seats - 1) % seats
                } else {
                    fork
                };
                panic!(
                    "mutual exclusion: at the table of {seats}, philosopher {seat} eats with \
                     fork {fork} while philosopher {other} is eating with it"
                );
            }
        }
        for fork in forks {
            self.diners[fork].fetch_sub(1);
        }
    }
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Goal;
    type Outcome = Eaten;
    const THREADS: Threads = Threads::shuttle(3).loom(2);
    const CHECK_EXECUTIONS: usize = 10_000;

    fn run<R: Runtime>(goal: Goal, params: &Params) -> Eaten {
        let philosophers = params.threads.max(SMALLEST);
        let meals = match goal {
            Goal::NoDeadlock => 1,
            _ => MEALS,
        };
        let tables: Arc<Vec<Table<R, P::Submission<R>>>> = Arc::new(
            (SMALLEST..=philosophers)
                .map(|seats| Table::new(seats, goal))
                .collect(),
        );
        let handles: Vec<JoinHandle<R, usize>> = (0..philosophers)
            .map(|seat| {
                let tables = tables.clone();
                thread::spawn_named::<R, _, _>(format!("philosopher {seat}"), move || {
                    let mut eaten = 0;
                    for table in tables.iter().filter(|table| seat < table.seats()) {
                        let ate = (0..meals).filter(|_| table.dine(seat)).count();
                        if goal == Goal::EveryoneEats && ate < meals {
                            panic!(
                                "everyone eats: at the table of {}, philosopher {seat} ate \
                                 {ate} of their {meals} meals",
                                table.seats()
                            );
                        }
                        eaten += ate;
                    }
                    eaten
                })
            })
            .collect();
        Eaten(handles.into_iter().map(JoinHandle::join).sum())
    }

    fn classify(_: Goal, _: &Eaten, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}
