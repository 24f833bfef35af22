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
//! Four deliberately broken locks, each caught by the checker (see [`Flaw`]):
//! `no-owner-check` lets a bystander release the owner's hold; `if-not-while` takes the lock
//! after a wake-up without looking again (another thread may have barged in); `lost-wakeup`
//! looks at the state, lets go of it, then waits (a release in that gap notifies nobody);
//! `forgets-count` frees the lock at the first release however deep the owner is.

use crate::model::{Class, Expect, Params, Program};
use crate::runtime::Runtime;
use crate::sync::{AtomicUsize, Condvar, Mutex};
use crate::thread::{self, JoinHandle, current_name};
use crate::trace::{self, ObjId};
use std::fmt;
use std::sync::Arc;

/// A deliberate mistake; [`Flaw::None`] is the correct lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    None,
    /// `release` does not ask who calls it.
    NoOwnerCheck,
    /// `if` instead of `while` around the wait.
    IfNotWhile,
    /// The state is checked, its lock let go, then the thread waits: a notify in between is lost.
    LostWakeup,
    /// The first release frees the lock, whatever the count.
    ForgetsCount,
}

struct State<R: Runtime> {
    owner: Option<R::ThreadId>,
    owner_name: Option<String>,
    count: usize,
}

/// A reentrant lock: `acquire` and `release` in pairs, nested as deep as the owner likes.
pub struct RLock<R: Runtime> {
    state: Mutex<R, State<R>>,
    freed: Condvar<R>,
    id: ObjId,
    flaw: Flaw,
}

/// `release` by a thread that does not hold the lock (Python: `RuntimeError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotOwner {
    pub owner: Option<String>,
}

impl fmt::Display for NotOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.owner {
            Some(owner) => write!(f, "cannot release a lock held by {owner}"),
            None => write!(f, "cannot release un-acquired lock"),
        }
    }
}

impl<R: Runtime> RLock<R> {
    pub fn named(name: &str) -> Self {
        Self::with_flaw(name, Flaw::None)
    }

    pub fn with_flaw(name: &str, flaw: Flaw) -> Self {
        let state = State {
            owner: None,
            owner_name: None,
            count: 0,
        };
        RLock {
            state: Mutex::named(&format!("{name}.state"), state),
            freed: Condvar::named(&format!("{name}.freed")),
            id: trace::register(name.to_owned()),
            flaw,
        }
    }

    fn busy(state: &State<R>, me: R::ThreadId) -> bool {
        state.count > 0 && state.owner != Some(me)
    }

    /// Blocks while another thread owns the lock; the owner gets in at once.
    pub fn acquire(&self) {
        let me = R::current_id();
        let mut state = self.state.lock();
        match self.flaw {
            Flaw::IfNotWhile => {
                if Self::busy(&state, me) {
                    state = self.freed.wait(state);
                }
            }
            Flaw::LostWakeup => {
                while Self::busy(&state, me) {
                    drop(state);
                    state = self.freed.wait(self.state.lock());
                }
            }
            _ => state = self.freed.wait_while(state, |state| Self::busy(state, me)),
        }
        self.take(&mut state, me);
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

    fn take(&self, state: &mut State<R>, me: R::ThreadId) {
        let name = current_name::<R>();
        if let Some(name) = &name {
            trace::acquired(name, self.id);
        }
        state.owner = Some(me);
        state.owner_name = name;
        state.count += 1;
    }

    /// Undoes one `acquire`; the last one lets a waiting thread in.
    pub fn release(&self) -> Result<(), NotOwner> {
        let me = R::current_id();
        let mut state = self.state.lock();
        let owner_check = self.flaw != Flaw::NoOwnerCheck;
        if state.count == 0 || (owner_check && state.owner != Some(me)) {
            return Err(NotOwner {
                owner: (state.count > 0)
                    .then(|| state.owner_name.clone())
                    .flatten(),
            });
        }
        if let Some(name) = current_name::<R>() {
            trace::released(&name, self.id);
        }
        state.count = if self.flaw == Flaw::ForgetsCount {
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

    /// Whether the calling thread owns the lock (Python's `_is_owned`).
    pub fn is_owned(&self) -> bool {
        self.holder() == Holder::Me
    }

    /// Who holds the lock, as seen from the calling thread.
    pub fn holder(&self) -> Holder {
        let state = self.state.lock();
        match (state.count, state.owner) {
            (0, _) => Holder::Nobody,
            (_, owner) if owner == Some(R::current_id()) => Holder::Me,
            _ => Holder::Other(state.owner_name.clone().unwrap_or_default()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    Nobody,
    Me,
    Other(String),
}

/// Every worker finished and the lock was free at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Done(pub usize);

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} critical sections, lock free at the end", self.0)
    }
}

/// Nested acquire/release rounds per worker: two, so a releasing owner can barge back in.
const ROUNDS: usize = 2;

/// The property program: each worker first tries to release a lock it does not hold, then does
/// [`ROUNDS`] rounds of acquire, acquire, critical section, release, critical section, release.
pub fn exercise<R: Runtime>(workers: usize, flaw: Flaw) -> Done {
    let lock = Arc::new(RLock::<R>::with_flaw("rlock", flaw));
    let inside = Arc::new(AtomicUsize::<R>::named("inside", 0));
    let handles: Vec<JoinHandle<R, ()>> = (0..workers)
        .map(|_| {
            let (lock, inside) = (lock.clone(), inside.clone());
            thread::spawn::<R, _, _>(move || {
                let me = current_name::<R>().unwrap_or_default();
                if lock.release().is_ok() {
                    panic!("only the owner releases: {me} released a lock it had not acquired");
                }
                for _ in 0..ROUNDS {
                    lock.acquire();
                    lock.acquire();
                    critical_section(&inside, &me);
                    release_held(&lock, &me, "inner");
                    match lock.holder() {
                        Holder::Me => {}
                        Holder::Nobody => {
                            panic!("reentrancy: {me} released once of twice and lost the lock")
                        }
                        Holder::Other(other) => {
                            panic!("mutual exclusion: {other} took the lock {me} still held")
                        }
                    }
                    critical_section(&inside, &me);
                    release_held(&lock, &me, "outer");
                }
            })
        })
        .collect();
    handles.into_iter().for_each(JoinHandle::join);
    assert!(
        lock.try_acquire(),
        "free at count zero: every worker released, yet the lock is taken"
    );
    Done(workers * ROUNDS * 2)
}

/// Releases a lock `me` holds; a refusal names the property that let it slip away.
fn release_held<R: Runtime>(lock: &RLock<R>, me: &str, which: &str) {
    match lock.release() {
        Ok(()) => {}
        Err(NotOwner { owner: Some(other) }) if other != me => {
            panic!(
                "mutual exclusion: {other} took the lock {me} still held ({which} release refused)"
            )
        }
        Err(e) => panic!("reentrancy: {me}'s {which} release failed: {e}"),
    }
}

fn critical_section<R: Runtime>(inside: &AtomicUsize<R>, me: &str) {
    let before = inside.fetch_add(1);
    assert_eq!(
        before, 0,
        "mutual exclusion: {me} entered while another thread was inside"
    );
    inside.fetch_sub(1);
}

macro_rules! rlock_variant {
    ($name:ident, $id:literal, $flaw:expr, $expect:expr, $summary:literal) => {
        pub struct $name;

        impl Program for $name {
            const ID: &'static str = $id;
            const SUMMARY: &'static str = $summary;
            const EXPECT: Expect = $expect;
            const THREADS: usize = 3;
            const LOOM_THREADS: usize = 2;
            type Outcome = Done;

            fn run<R: Runtime>(params: &Params) -> Done {
                exercise::<R>(params.threads, $flaw)
            }

            fn classify(_: &Done, _: &Params) -> (Class, &'static str) {
                (Class::Acceptable, "every property held")
            }
        }
    };
}

rlock_variant!(
    Correct,
    "rlock/correct",
    Flaw::None,
    Expect::Holds,
    "owner + count + a while-loop Condvar wait: every property holds"
);
rlock_variant!(
    NoOwnerCheck,
    "rlock/no-owner-check",
    Flaw::NoOwnerCheck,
    Expect::Violation,
    "broken: release does not check the owner (breaks only-the-owner-releases)"
);
rlock_variant!(
    IfNotWhile,
    "rlock/if-not-while",
    Flaw::IfNotWhile,
    Expect::Violation,
    "broken: `if` around the wait, not `while` (breaks mutual exclusion)"
);
rlock_variant!(
    LostWakeup,
    "rlock/lost-wakeup",
    Flaw::LostWakeup,
    Expect::Deadlock,
    "broken: checks, unlocks, then waits; a notify in the gap is lost (breaks no-lost-wake-up)"
);
rlock_variant!(
    ForgetsCount,
    "rlock/forgets-count",
    Flaw::ForgetsCount,
    Expect::Violation,
    "broken: the first release frees the lock at any depth (breaks reentrancy)"
);
