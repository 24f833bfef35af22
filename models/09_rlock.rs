//! # RLock (tutorial 4.2): a reentrant lock, built over the facade and verified
//!
//! Python's `RLock` is a lock plus two fields: the thread that owns it and how many times that
//! thread has acquired it. The owner may acquire again without blocking (the count goes up);
//! only when it has released as often as it acquired (the count is back at zero) can another
//! thread get in. std has no such lock, so here is one: a [`Mutex`] guarding `owner` and `count`,
//! and a [`Condvar`] on which other threads wait until the count drops to zero.
//!
//! Five properties, each checked by one program under shuttle and loom (a failed check panics
//! with the property's name): **mutual exclusion** (two threads never inside at once),
//! **reentrancy** (the owner's nested acquire and release keep the lock), **only the owner
//! releases** (anyone else gets an error, not a hang), **no lost wake-up** (with several waiters,
//! a release always lets one in: no deadlock), **free at count zero** (afterwards anyone can take it).
//!
//! Four deliberately broken locks, each caught by the checker (see [`Version`]):
//! `no-owner-check` lets a bystander release the owner's hold; `if-not-while` takes the lock
//! after a wake-up without looking again (another thread may have barged in); `lost-wakeup`
//! looks at the state, lets go of it, then waits (a release in that gap notifies nobody);
//! `forgets-count` frees the lock at the first release however deep the owner is.
//!
//! The tutorial says an `RLock` is "a Lock and a counter" that counts acquires; actually it also
//! has an owner, the thread that acquired it: only that thread may acquire again without
//! blocking, and a release by any other thread raises `RuntimeError: cannot release un-acquired
//! lock` (Python 3.11; here `Err(NotOwner)`), which `no-owner-check` forgets.
//!
//! The lock, correct or flawed, is a [`ReentrantLock`], the `rlock` exercise's trait
//! ([`crate::exercises::rlock`]). The correct one, [`RLock`], is the exercise's reference
//! solution, compiled here from its file (`src/gate/exercises/rlock/reference.rs`): one
//! implementation, which the gate grades as a student's file and this lesson runs. The broken
//! ones are [`BrokenRLock`], the same design with one mistake each; the exercise grades each
//! version ([`Flawed`]) with its own properties, and [`nested_sections`], the program here, is
//! the exercise's too and runs over any implementation of the trait (a student's as well).

// Written as a student writes it (`pub` items in a crate of its own).
#[allow(unreachable_pub)]
#[path = "../src/gate/exercises/rlock/reference.rs"]
pub mod reference;

pub use self::reference::RLock;
pub use crate::exercises::rlock::{NotOwner, ReentrantLock, SectionsDone, nested_sections};
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::sync::{Condvar, LockEvents, Mutex};
use crate::thread::current_name;
use std::sync::Arc;

/// Which lock: the correct one, or one with a deliberate mistake built in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Owner + count + a while-loop wait: [`RLock`].
    Correct,
    /// `release` does not ask who calls it.
    NoOwnerCheck,
    /// `if` instead of `while` around the wait.
    IfNotWhile,
    /// The state is checked, its lock let go, then the thread waits: a notify in between is lost.
    LostWakeup,
    /// The first release frees the lock, whatever the count.
    ForgetsCount,
}

impl Version {
    /// Every version, each at its index (`version as usize`), as [`Flawed`] names them.
    pub const ALL: [Version; 5] = [
        Version::Correct,
        Version::NoOwnerCheck,
        Version::IfNotWhile,
        Version::LostWakeup,
        Version::ForgetsCount,
    ];
}

/// Who owns a broken lock and how many times over.
struct Ownership<R: Runtime> {
    owner: Option<R::ThreadId>,
    owner_name: Option<String>,
    count: usize,
}

/// [`RLock`]'s design with one mistake built in (any [`Version`] but `Correct`, which is
/// [`RLock`] itself).
pub struct BrokenRLock<R: Runtime> {
    state: Mutex<R, Ownership<R>>,
    freed: Condvar<R>,
    events: LockEvents,
    flaw: Version,
}

impl<R: Runtime> BrokenRLock<R> {
    /// The lock as `flaw` builds it.
    pub fn with_flaw(name: &str, flaw: Version) -> Self {
        assert!(
            flaw != Version::Correct,
            "the correct lock is RLock, the exercise's reference"
        );
        let state = Ownership {
            owner: None,
            owner_name: None,
            count: 0,
        };
        BrokenRLock {
            state: Mutex::named(&format!("{name}.state"), state),
            freed: Condvar::named(&format!("{name}.freed")),
            events: LockEvents::named(name),
            flaw,
        }
    }

    fn busy(state: &Ownership<R>, me: R::ThreadId) -> bool {
        state.count > 0 && state.owner != Some(me)
    }

    /// `false` at once when another thread owns the lock.
    pub fn try_acquire(&self) -> bool {
        let me = R::current_id();
        let mut state = self.state.lock();
        if Self::busy(&state, me) {
            return false;
        }
        self.take(&mut state, me);
        true
    }

    fn take(&self, state: &mut Ownership<R>, me: R::ThreadId) {
        let name = current_name::<R>();
        // Mutual exclusion, checked where it breaks: a thread that stops waiting without looking
        // again (`if-not-while`) may get here while another still owns the lock. Left unchecked,
        // that theft shows later as a deadlock or not at all.
        if state.count > 0 && state.owner != Some(me) {
            panic!(
                "mutual exclusion: {} took the lock {} still held",
                name.as_deref().unwrap_or("a thread"),
                state.owner_name.as_deref().unwrap_or("another thread")
            );
        }
        self.events.acquired::<R>();
        state.owner = Some(me);
        state.owner_name = name;
        state.count += 1;
    }
}

impl<R: Runtime> BrokenRLock<R> {
    /// Blocks while another thread owns the lock; the owner gets in at once.
    pub fn acquire(&self) {
        let me = R::current_id();
        let mut state = self.state.lock();
        match self.flaw {
            Version::IfNotWhile => {
                if Self::busy(&state, me) {
                    state = self.freed.wait(state);
                }
            }
            Version::LostWakeup => {
                while Self::busy(&state, me) {
                    drop(state);
                    state = self.freed.wait(self.state.lock());
                }
            }
            _ => state = self.freed.wait_while(state, |state| Self::busy(state, me)),
        }
        self.take(&mut state, me);
    }

    /// Undoes one `acquire`; the last one lets a waiting thread in.
    pub fn release(&self) -> Result<(), NotOwner> {
        let me = R::current_id();
        let mut state = self.state.lock();
        let owner_check = self.flaw != Version::NoOwnerCheck;
        if state.count == 0 || (owner_check && state.owner != Some(me)) {
            return Err(NotOwner {
                owner: (state.count > 0)
                    .then(|| state.owner_name.clone())
                    .flatten(),
            });
        }
        self.events.released::<R>();
        state.count = if self.flaw == Version::ForgetsCount {
            0
        } else {
            state.count - 1
        };
        if state.count == 0 {
            state.owner = None;
            self.freed.notify_one();
        }
        Ok(())
    }

    /// How many times the calling thread holds the lock: 0 unless it owns it.
    pub fn depth(&self) -> usize {
        let state = self.state.lock();
        if state.count > 0 && state.owner == Some(R::current_id()) {
            state.count
        } else {
            0
        }
    }
}

/// The lesson's lock with the flaw `Version::ALL[FLAW]` built in, as a type, so that the `rlock`
/// exercise can grade each broken version: `Flawed<R, { Version::IfNotWhile as usize }>`. (The
/// correct version is [`RLock`].)
pub struct Flawed<R: Runtime, const FLAW: usize>(BrokenRLock<R>);

impl<R: Runtime, const FLAW: usize> Flawed<R, FLAW> {
    /// `false` at once when another thread owns the lock.
    pub fn try_acquire(&self) -> bool {
        self.0.try_acquire()
    }
}

impl<R: Runtime, const FLAW: usize> ReentrantLock<R> for Flawed<R, FLAW> {
    fn new() -> Self {
        Flawed(BrokenRLock::with_flaw("rlock", Version::ALL[FLAW]))
    }

    fn acquire(&self) {
        self.0.acquire()
    }

    fn release(&self) -> Result<(), NotOwner> {
        self.0.release()
    }

    fn depth(&self) -> usize {
        self.0.depth()
    }
}

/// [`nested_sections`] over a new `L`, then the last property: the lock is free once every
/// worker has released it.
fn sections_then_free<R: Runtime, L: ReentrantLock<R>>(
    workers: usize,
    try_acquire: fn(&L) -> bool,
) -> SectionsDone {
    let lock = Arc::new(L::new());
    let done = nested_sections::<R, _>(workers, &lock, true);
    assert!(
        try_acquire(&lock),
        "free at count zero: every worker released, yet the lock is taken"
    );
    done
}

/// [`sections_then_free`] over `Flawed<R, FLAW>`.
fn broken<R: Runtime, const FLAW: usize>(workers: usize) -> SectionsDone {
    sections_then_free::<R, Flawed<R, FLAW>>(workers, Flawed::try_acquire)
}

/// The property program over one lock, correct or broken.
pub struct RLockProperties;

impl Lesson for RLockProperties {
    type Version = Version;
    type Outcome = SectionsDone;
    const THREADS: Threads = Threads::shuttle(3).loom(2);

    fn run<R: Runtime>(version: Version, params: &Params) -> SectionsDone {
        let workers = params.threads;
        match version {
            Version::Correct => sections_then_free::<R, RLock<R>>(workers, RLock::try_acquire),
            Version::NoOwnerCheck => broken::<R, { Version::NoOwnerCheck as usize }>(workers),
            Version::IfNotWhile => broken::<R, { Version::IfNotWhile as usize }>(workers),
            Version::LostWakeup => broken::<R, { Version::LostWakeup as usize }>(workers),
            Version::ForgetsCount => broken::<R, { Version::ForgetsCount as usize }>(workers),
        }
    }

    fn classify(_: Version, _: &SectionsDone, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "every property held")
    }
}

pub const CORRECT: Row<RLockProperties> = Row::new(
    "rlock/correct",
    Version::Correct,
    Expect::Holds,
    "owner + count + a while-loop Condvar wait: every property holds",
);
pub const NO_OWNER_CHECK: Row<RLockProperties> = Row::new(
    "rlock/no-owner-check",
    Version::NoOwnerCheck,
    Expect::Violation,
    "broken: release does not check the owner (breaks only-the-owner-releases)",
);
pub const IF_NOT_WHILE: Row<RLockProperties> = Row::new(
    "rlock/if-not-while",
    Version::IfNotWhile,
    Expect::Violation,
    "broken: `if` around the wait, not `while` (breaks mutual exclusion)",
);
pub const LOST_WAKEUP: Row<RLockProperties> = Row::new(
    "rlock/lost-wakeup",
    Version::LostWakeup,
    Expect::Deadlock,
    "broken: checks, unlocks, then waits; a notify in the gap is lost (breaks no-lost-wake-up)",
);
pub const FORGETS_COUNT: Row<RLockProperties> = Row::new(
    "rlock/forgets-count",
    Version::ForgetsCount,
    Expect::Violation,
    "broken: the first release frees the lock at any depth (breaks reentrancy)",
);

pub fn concept() -> Concept {
    Concept::new(
        "rlock",
        "RLock: a reentrant lock, verified, and four broken ones caught (tutorial 4.2)",
        file!(),
    )
    .rows(&[
        CORRECT,
        NO_OWNER_CHECK,
        IF_NOT_WHILE,
        LOST_WAKEUP,
        FORGETS_COUNT,
    ])
}
