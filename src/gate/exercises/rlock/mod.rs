//! # Exercise `rlock`: the tutorial's 4.2 RLock, built by the student
//!
//! A reentrant lock: the thread that owns it may acquire it again without blocking, and it is
//! free again only once its owner has released it as often as it acquired it. Others who try to
//! release it get an error. The starter file is the tutorial's plain `Lock` used as if it were
//! reentrant; the lesson `rlock` (models/09_rlock.rs) builds a correct one and breaks it four ways,
//! and each of those is an implementation graded here too.
//!
//! Six properties, each its own small program over the student's lock:
//! - `mutual-exclusion`: threads contending for the lock are never inside at once;
//! - `reentrancy`: the owner acquires to depth 3 without blocking, and `depth` follows;
//! - `only-owner-releases`: others' releases are refused and leave the owner's hold as it was;
//! - `no-lost-wakeup`: waiters queued behind the owner all get in;
//! - `no-deadlock`: the lesson's program (stray releases, nested acquires, queries, from several
//!   threads) always finishes, and leaves the lock free;
//! - `spurious-wakeups`: a waiter that wakes while the lock is still taken waits again.

use crate::gate::{Exercise, Property};
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::runtime::sight::BlindSpot;
use crate::sync::AtomicUsize;
use crate::thread::{self, JoinHandle, current_name};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

#[path = "reference.rs"]
pub(crate) mod reference;
#[path = "starter.rs"]
pub(crate) mod starter;

/// `release` by a thread that does not hold the lock: Python's `RuntimeError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotOwner {
    /// The name of the thread that holds the lock; `None` when it is free, or when the lock
    /// does not keep names.
    pub owner: Option<String>,
}

impl NotOwner {
    /// Python's own error, whoever holds the lock: `cannot release un-acquired lock` (the
    /// calling thread did not acquire it).
    pub fn unacquired() -> NotOwner {
        NotOwner { owner: None }
    }

    /// Another thread, named `owner`, holds the lock.
    pub fn held_by(owner: impl Into<String>) -> NotOwner {
        NotOwner {
            owner: Some(owner.into()),
        }
    }
}

impl fmt::Display for NotOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.owner {
            Some(owner) => write!(f, "cannot release a lock held by {owner}"),
            None => write!(f, "cannot release un-acquired lock"),
        }
    }
}

impl std::error::Error for NotOwner {}

/// What a student implements: Python's `threading.RLock`, over the facade.
///
/// Tell threads apart with `R::current_id()` (not `std::thread::current()`: under the model
/// checkers every thread runs on one OS thread). Block with a facade `Condvar`, never by spinning.
pub trait ReentrantLock<R: Runtime>: Send + Sync + 'static {
    /// A free lock.
    fn new() -> Self;

    /// Blocks while another thread owns the lock; then the calling thread owns it once more
    /// (its depth goes up by one). The owner never blocks here.
    fn acquire(&self);

    /// Undoes one `acquire` of the calling thread; when its depth reaches zero the lock is free
    /// and one waiting thread may take it. A thread that does not own the lock gets
    /// `Err(NotOwner)` and changes nothing.
    fn release(&self) -> Result<(), NotOwner>;

    /// How many times the calling thread holds the lock: 0 when it does not own it, whether the
    /// lock is free or another thread holds it (Python's `_recursion_count()`).
    fn depth(&self) -> usize;

    /// Whether the calling thread owns the lock (Python's `_is_owned()`).
    fn is_owned(&self) -> bool {
        self.depth() > 0
    }
}

/// Names a submission's type for every backend (the harness implements it for the student's
/// `Submission<R>`).
pub trait Plug: 'static {
    type Submission<R: Runtime>: ReentrantLock<R>;
}

/// How deep the `reentrancy` program nests.
const DEPTH: usize = 3;

/// Rounds of acquire and release per worker, where rounds are repeated: two, so that a thread
/// that has just released can barge back in ahead of the thread its release woke.
const ROUNDS: usize = 2;

/// Which property a program checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    MutualExclusion,
    Reentrancy,
    OnlyOwnerReleases,
    NoLostWakeup,
    NoDeadlock,
    SpuriousWakeups,
}

impl Check {
    /// The property's name as its failure messages begin.
    fn says(self) -> &'static str {
        match self {
            Check::MutualExclusion => "mutual exclusion",
            Check::Reentrancy => "reentrancy",
            Check::OnlyOwnerReleases => "only owner releases",
            Check::NoLostWakeup => "no lost wakeup",
            Check::NoDeadlock => "no deadlock",
            Check::SpuriousWakeups => "spurious wakeups",
        }
    }
}

/// The properties' programs over `P`'s lock.
pub struct Program<P>(PhantomData<P>);

/// How many acquires returned, once every thread has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Holds(pub usize);

impl fmt::Display for Holds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} acquires, every thread finished", self.0)
    }
}

fn me<R: Runtime>() -> String {
    current_name::<R>().unwrap_or_else(|| "a thread".to_owned())
}

fn workers<R: Runtime>(
    count: usize,
    body: impl Fn() + Send + Sync + 'static,
) -> Vec<JoinHandle<R, ()>> {
    let body = Arc::new(body);
    (0..count)
        .map(|_| {
            let body = body.clone();
            thread::spawn::<R, _, _>(move || body())
        })
        .collect()
}

fn join_all<R: Runtime>(handles: Vec<JoinHandle<R, ()>>) {
    handles.into_iter().for_each(JoinHandle::join);
}

/// Threads inside the lock's critical sections: more than one is a broken lock.
struct Inside<R: Runtime>(AtomicUsize<R>);

impl<R: Runtime> Inside<R> {
    fn new() -> Self {
        Inside(AtomicUsize::named("inside", 0))
    }

    fn enter(&self, check: Check) {
        let before = self.0.fetch_add(1);
        assert!(
            before == 0,
            "{}: {} got in while another thread held the lock",
            check.says(),
            me::<R>()
        );
    }

    fn leave(&self) {
        self.0.fetch_sub(1);
    }
}

/// Releases a lock the calling thread acquired; a refusal fails `check`.
fn release_own<R: Runtime, L: ReentrantLock<R>>(lock: &L, check: Check) {
    if let Err(refused) = lock.release() {
        panic!(
            "{}: {} acquired the lock, yet its release was refused: {refused}",
            check.says(),
            me::<R>()
        );
    }
}

/// One hold: acquire, the critical section, release.
fn hold<R: Runtime, L: ReentrantLock<R>>(lock: &L, inside: &Inside<R>, check: Check) {
    lock.acquire();
    inside.enter(check);
    inside.leave();
    release_own(lock, check);
}

/// `mutual-exclusion`: every worker holds the lock `ROUNDS` times, one at a time.
fn mutual_exclusion<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let lock = Arc::new(L::new());
    let inside = Arc::new(Inside::<R>::new());
    join_all(workers::<R>(count, move || {
        for _ in 0..ROUNDS {
            hold(&*lock, &inside, Check::MutualExclusion);
        }
    }));
    Holds(count * ROUNDS)
}

/// Asks the calling thread's depth, and whether it owns the lock, when it holds it `held` times.
fn expect_depth<R: Runtime, L: ReentrantLock<R>>(lock: &L, held: usize, doing: &str) {
    let depth = lock.depth();
    assert!(
        depth == held,
        "reentrancy: {} {doing}: depth() should be {held}, not {depth}",
        me::<R>()
    );
    let owned = lock.is_owned();
    assert!(
        owned == (held > 0),
        "reentrancy: {} {doing}: is_owned() should be {}, not {owned}",
        me::<R>(),
        held > 0
    );
}

/// `reentrancy`: each worker acquires `DEPTH` times, then releases as often, asking its depth
/// at every step.
fn reentrancy<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let lock = Arc::new(L::new());
    join_all(workers::<R>(count, move || {
        expect_depth(&*lock, 0, "has not acquired the lock yet");
        for held in 1..=DEPTH {
            lock.acquire();
            expect_depth(&*lock, held, &format!("acquired {held} times"));
        }
        for held in (0..DEPTH).rev() {
            release_own(&*lock, Check::Reentrancy);
            let released = DEPTH - held;
            expect_depth(
                &*lock,
                held,
                &format!("acquired {DEPTH} times and released {released}"),
            );
        }
    }));
    Holds(count * DEPTH)
}

/// `only-owner-releases`: main holds the lock twice over while each worker tries to release it;
/// then main releases it twice, and once more when it is free.
fn only_owner_releases<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let says = Check::OnlyOwnerReleases.says();
    let lock = Arc::new(L::new());
    let owner = me::<R>();
    lock.acquire();
    lock.acquire();
    let held = lock.clone();
    join_all(workers::<R>(count, move || {
        if held.release().is_ok() {
            panic!(
                "{says}: {} released a lock it had not acquired ({owner} held it)",
                me::<R>()
            );
        }
    }));
    let depth = lock.depth();
    assert!(
        depth == 2,
        "{says}: other threads' releases were refused, yet {}'s depth went from 2 to {depth}",
        me::<R>()
    );
    release_own(&*lock, Check::OnlyOwnerReleases);
    release_own(&*lock, Check::OnlyOwnerReleases);
    if lock.release().is_ok() {
        panic!(
            "{says}: {} released a free lock (it had released both of its acquires)",
            me::<R>()
        );
    }
    Holds(2)
}

/// `no-lost-wakeup`: main holds the lock while the workers queue up for it, then lets go; each
/// worker takes it `ROUNDS` times. A lost wake-up leaves a worker waiting on a free lock.
fn no_lost_wakeup<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let lock = Arc::new(L::new());
    lock.acquire();
    let queued = lock.clone();
    let handles = workers::<R>(count, move || {
        for _ in 0..ROUNDS {
            queued.acquire();
            let _ = queued.release();
        }
    });
    let _ = lock.release();
    join_all(handles);
    Holds(1 + count * ROUNDS)
}

/// `no-deadlock`: the lesson's program with none of its own checks, then main takes the lock
/// and lets it go: a lock left taken is a deadlock.
fn no_deadlock<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let lock = Arc::new(L::new());
    let sections = crate::models::rlock::exercise::<R, L>(count, &lock, false);
    lock.acquire();
    let _ = lock.release();
    Holds(sections.0 + 1)
}

/// `spurious-wakeups`: main holds the lock (inside its critical section, asking its depth) while
/// the workers queue up, lets go, and takes it again at once; each worker holds it once. A waiter
/// that stops waiting without looking again (woken with no notify, or beaten to the lock by
/// main) gets in while the lock is taken.
fn spurious_wakeups<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let check = Check::SpuriousWakeups;
    let lock = Arc::new(L::new());
    let inside = Arc::new(Inside::<R>::new());
    lock.acquire();
    inside.enter(check);
    let (queued, waiting) = (lock.clone(), inside.clone());
    let handles = workers::<R>(count, move || hold(&*queued, &waiting, check));
    for _ in 0..2 {
        lock.depth();
    }
    inside.leave();
    release_own(&*lock, check);
    hold(&*lock, &inside, check);
    join_all(handles);
    Holds(count + 2)
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Check;
    type Outcome = Holds;
    const THREADS: Threads = Threads::shuttle(3).loom(2);
    const CHECK_EXECUTIONS: usize = 10_000;

    fn run<R: Runtime>(check: Check, params: &Params) -> Holds {
        type Lock<P, R> = <P as Plug>::Submission<R>;
        let count = params.threads;
        match check {
            Check::MutualExclusion => mutual_exclusion::<R, Lock<P, R>>(count),
            Check::Reentrancy => reentrancy::<R, Lock<P, R>>(count),
            Check::OnlyOwnerReleases => only_owner_releases::<R, Lock<P, R>>(count),
            Check::NoLostWakeup => no_lost_wakeup::<R, Lock<P, R>>(count),
            Check::NoDeadlock => no_deadlock::<R, Lock<P, R>>(count),
            Check::SpuriousWakeups => spurious_wakeups::<R, Lock<P, R>>(count),
        }
    }

    fn classify(_: Check, _: &Holds, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}

/// The properties over `P`'s lock.
pub fn properties<P: Plug>() -> Vec<Property> {
    let row = |id, check, summary| Row::<Program<P>>::new(id, check, Expect::Holds, summary);
    vec![
        Property {
            name: "mutual-exclusion",
            statement: "threads contending for the lock are never inside it at once",
            variant: row(
                "rlock/mutual-exclusion",
                Check::MutualExclusion,
                "one holder at a time",
            )
            .variant(),
        },
        Property {
            name: "reentrancy",
            statement: "the owner acquires again without blocking, to depth 3, and depth() follows every acquire and release",
            variant: row(
                "rlock/reentrancy",
                Check::Reentrancy,
                "nested acquires never block, depth is counted",
            )
            .threads(2, 2)
            .variant(),
        },
        Property {
            name: "only-owner-releases",
            statement: "a release by a thread that does not own the lock is refused and changes nothing",
            variant: row(
                "rlock/only-owner-releases",
                Check::OnlyOwnerReleases,
                "others' releases refused",
            )
            .threads(2, 2)
            .variant(),
        },
        Property {
            name: "no-lost-wakeup",
            statement: "threads waiting for the lock all get in once it is released",
            variant: row(
                "rlock/no-lost-wakeup",
                Check::NoLostWakeup,
                "every waiter gets in",
            )
            .variant(),
        },
        Property {
            name: "no-deadlock",
            statement: "stray releases, nested acquires and queries from several threads always finish, and leave the lock free",
            variant: row(
                "rlock/no-deadlock",
                Check::NoDeadlock,
                "every thread finishes, the lock is free",
            )
            .variant(),
        },
        Property {
            name: "spurious-wakeups",
            statement: "a waiter woken while the lock is still taken (with no notify, or beaten to it) waits again",
            variant: row(
                "rlock/spurious-wakeups",
                Check::SpuriousWakeups,
                "a woken waiter looks again",
            )
            .needs(&[BlindSpot::SpuriousWakeups])
            .variant(),
        },
    ]
}

pub fn exercise() -> Exercise {
    use crate::models::rlock::{Flawed, Version};
    Exercise {
        name: "rlock",
        statement: "the tutorial's 4.2 RLock: a reentrant lock with an owner and a depth, that only its owner releases",
        readme: include_str!("README.md"),
        starter: include_str!("starter.rs"),
        reference: include_str!("reference.rs"),
        module: "rlock",
        builtins: || {
            vec![
                builtin!(rlock, "reference", reference::Submission<R>, None),
                builtin!(rlock, "starter", starter::Submission<R>, Some("reentrancy")),
                builtin!(
                    rlock,
                    "rlock/correct",
                    Flawed<R, { Version::Correct as usize }>,
                    None
                ),
                builtin!(
                    rlock,
                    "rlock/no-owner-check",
                    Flawed<R, { Version::NoOwnerCheck as usize }>,
                    Some("only-owner-releases")
                ),
                builtin!(
                    rlock,
                    "rlock/if-not-while",
                    Flawed<R, { Version::IfNotWhile as usize }>,
                    Some("mutual-exclusion")
                ),
                builtin!(
                    rlock,
                    "rlock/lost-wakeup",
                    Flawed<R, { Version::LostWakeup as usize }>,
                    Some("no-lost-wakeup")
                ),
                builtin!(
                    rlock,
                    "rlock/forgets-count",
                    Flawed<R, { Version::ForgetsCount as usize }>,
                    Some("reentrancy")
                ),
            ]
        },
    }
}
