//! The `rlock` exercise's contract: the trait a student implements ([`ReentrantLock`]), the
//! error a release by a bystander gets ([`NotOwner`]), the [`Plug`] that names a submission for
//! every backend, and the properties' [`Program`], among them the lesson `rlock`'s own program
//! ([`nested_sections`]). The lesson's locks implement the trait; the gate
//! (`interleave::gate::exercises::rlock`, which re-exports all of this) grades implementations
//! with it.

use crate::lesson::{Class, Lesson, Params, Threads};
use crate::runtime::Runtime;
use crate::sync::AtomicUsize;
use crate::thread::{self, JoinHandle, current_name};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

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
    /// The submission's lock under the backend `R`.
    type Submission<R: Runtime>: ReentrantLock<R>;
}

/// How deep the `reentrancy` program nests.
const DEPTH: usize = 3;

/// Rounds of acquire and release per worker, where rounds are repeated: two, so that a thread
/// that has just released can barge back in ahead of the thread its release woke.
const ROUNDS: usize = 2;

/// Which property a program checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// `mutual-exclusion`: every worker holds the lock twice, one round after another; never
    /// two threads inside at once.
    MutualExclusion,
    /// `reentrancy`: each worker acquires 3 deep and releases as often, without blocking itself;
    /// `depth()` and `is_owned()` are right at every step.
    Reentrancy,
    /// `only-owner-releases`: main holds the lock twice over; every worker's `release` is
    /// refused and leaves main's depth at 2; main's own third release, of a free lock, is
    /// refused too.
    OnlyOwnerReleases,
    /// `no-lost-wakeup`: workers queue up while main holds the lock; once main lets go, each
    /// gets it twice (a worker left waiting on a free lock never finishes).
    NoLostWakeup,
    /// `no-deadlock`: the lesson's [`nested_sections`] without its checks, then main takes the
    /// lock once more: every thread finishes.
    NoDeadlock,
    /// `spurious-wakeups`: main lets go of the lock and takes it again at once while workers
    /// wait; a waiter that gets in without looking again meets main inside.
    SpuriousWakeups,
}

/// The old name of [`Goal`] (`model::Check` is the model builder's).
#[deprecated(
    since = "0.2.0",
    note = "renamed Goal: `Check` is the model builder's name"
)]
pub type Check = Goal;

impl Goal {
    /// The property's name as its failure messages begin.
    fn says(self) -> &'static str {
        match self {
            Goal::MutualExclusion => "mutual exclusion",
            Goal::Reentrancy => "reentrancy",
            Goal::OnlyOwnerReleases => "only owner releases",
            Goal::NoLostWakeup => "no lost wakeup",
            Goal::NoDeadlock => "no deadlock",
            Goal::SpuriousWakeups => "spurious wakeups",
        }
    }
}

/// The properties' programs over `P`'s lock.
pub struct Program<P>(PhantomData<P>);

/// Names the plug `P`, which is all there is to it.
impl<P> fmt::Debug for Program<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Program").field(&self.0).finish()
    }
}

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

    fn enter(&self, goal: Goal) {
        let before = self.0.fetch_add(1);
        assert!(
            before == 0,
            "{}: {} got in while another thread held the lock",
            goal.says(),
            me::<R>()
        );
    }

    fn leave(&self) {
        self.0.fetch_sub(1);
    }
}

/// Releases a lock the calling thread acquired; a refusal fails `check`.
fn release_own<R: Runtime, L: ReentrantLock<R>>(lock: &L, goal: Goal) {
    if let Err(refused) = lock.release() {
        panic!(
            "{}: {} acquired the lock, yet its release was refused: {refused}",
            goal.says(),
            me::<R>()
        );
    }
}

/// One hold: acquire, the critical section, release.
fn hold<R: Runtime, L: ReentrantLock<R>>(lock: &L, inside: &Inside<R>, goal: Goal) {
    lock.acquire();
    inside.enter(goal);
    inside.leave();
    release_own(lock, goal);
}

/// `mutual-exclusion`: every worker holds the lock `ROUNDS` times, one at a time.
fn mutual_exclusion<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let lock = Arc::new(L::new());
    let inside = Arc::new(Inside::<R>::new());
    join_all(workers::<R>(count, move || {
        for _ in 0..ROUNDS {
            hold(&*lock, &inside, Goal::MutualExclusion);
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
            release_own(&*lock, Goal::Reentrancy);
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
    let says = Goal::OnlyOwnerReleases.says();
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
    release_own(&*lock, Goal::OnlyOwnerReleases);
    release_own(&*lock, Goal::OnlyOwnerReleases);
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
    let sections = nested_sections::<R, L>(count, &lock, false);
    lock.acquire();
    let _ = lock.release();
    Holds(sections.0 + 1)
}

/// `spurious-wakeups`: main holds the lock (inside its critical section, asking its depth) while
/// the workers queue up, lets go, and takes it again at once; each worker holds it once. A waiter
/// that stops waiting without looking again (woken with no notify, or beaten to the lock by
/// main) gets in while the lock is taken.
fn spurious_wakeups<R: Runtime, L: ReentrantLock<R>>(count: usize) -> Holds {
    let goal = Goal::SpuriousWakeups;
    let lock = Arc::new(L::new());
    let inside = Arc::new(Inside::<R>::new());
    lock.acquire();
    inside.enter(goal);
    let (queued, waiting) = (lock.clone(), inside.clone());
    let handles = workers::<R>(count, move || hold(&*queued, &waiting, goal));
    for _ in 0..2 {
        lock.depth();
    }
    inside.leave();
    release_own(&*lock, goal);
    hold(&*lock, &inside, goal);
    join_all(handles);
    Holds(count + 2)
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Goal;
    type Outcome = Holds;
    const THREADS: Threads = Threads::shuttle(3).loom(2);
    const CHECK_EXECUTIONS: usize = 10_000;

    fn run<R: Runtime>(goal: Goal, params: &Params) -> Holds {
        type Lock<P, R> = <P as Plug>::Submission<R>;
        let count = params.threads;
        match goal {
            Goal::MutualExclusion => mutual_exclusion::<R, Lock<P, R>>(count),
            Goal::Reentrancy => reentrancy::<R, Lock<P, R>>(count),
            Goal::OnlyOwnerReleases => only_owner_releases::<R, Lock<P, R>>(count),
            Goal::NoLostWakeup => no_lost_wakeup::<R, Lock<P, R>>(count),
            Goal::NoDeadlock => no_deadlock::<R, Lock<P, R>>(count),
            Goal::SpuriousWakeups => spurious_wakeups::<R, Lock<P, R>>(count),
        }
    }

    fn classify(_: Goal, _: &Holds, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}

/// Every worker finished and the lock was free at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SectionsDone(pub usize);

impl fmt::Display for SectionsDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} critical sections, lock free at the end", self.0)
    }
}

/// The lesson `rlock`'s program, over any reentrant lock: each worker first tries to release
/// `lock` while it does not hold it, then does `ROUNDS` rounds of acquire, acquire, critical
/// section, release, critical section, release. `strict`: a broken property panics, naming it
/// (the lesson's checks); otherwise the program only runs (`no-deadlock` asks no more than that
/// it ends).
pub fn nested_sections<R: Runtime, L: ReentrantLock<R>>(
    workers: usize,
    lock: &Arc<L>,
    strict: bool,
) -> SectionsDone {
    let inside = Arc::new(AtomicUsize::<R>::named("inside", 0));
    let handles: Vec<JoinHandle<R, ()>> = (0..workers)
        .map(|_| {
            let (lock, inside) = (lock.clone(), inside.clone());
            thread::spawn::<R, _, _>(move || {
                let me = current_name::<R>().unwrap_or_default();
                if lock.release().is_ok() && strict {
                    panic!("only the owner releases: {me} released a lock it had not acquired");
                }
                for _ in 0..ROUNDS {
                    lock.acquire();
                    lock.acquire();
                    critical_section(&inside, &me, strict);
                    release_held(&*lock, &me, "inner", strict);
                    if !lock.is_owned() && strict {
                        panic!("reentrancy: {me} released once of twice and lost the lock")
                    }
                    critical_section(&inside, &me, strict);
                    release_held(&*lock, &me, "outer", strict);
                }
            })
        })
        .collect();
    handles.into_iter().for_each(JoinHandle::join);
    SectionsDone(workers * ROUNDS * 2)
}

/// Releases a lock `me` holds; a refusal names the property that let it slip away.
fn release_held<R: Runtime, L: ReentrantLock<R>>(lock: &L, me: &str, which: &str, strict: bool) {
    match lock.release() {
        Ok(()) => {}
        Err(_) if !strict => {}
        Err(NotOwner { owner: Some(other) }) if other != me => {
            panic!(
                "mutual exclusion: {other} took the lock {me} still held ({which} release refused)"
            )
        }
        Err(e) => panic!("reentrancy: {me}'s {which} release failed: {e}"),
    }
}

fn critical_section<R: Runtime>(inside: &AtomicUsize<R>, me: &str, strict: bool) {
    let before = inside.fetch_add(1);
    if strict {
        assert_eq!(
            before, 0,
            "mutual exclusion: {me} entered while another thread was inside"
        );
    }
    inside.fetch_sub(1);
}
