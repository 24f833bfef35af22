//! # gevent (tutorial 三.3–4): tasks switch only where they await
//!
//! A gevent program runs its greenlets on one thread, one at a time, and the hub switches to
//! another only when the running one waits: `gevent.sleep`, a `join`, a patched socket call.
//! The concept's lessons, in the tutorial's order, each buggy variant beside its fix:
//!
//! 1. [`joinall`]: spawn, `joinall`, then each `.value`: the values come back in spawn order,
//!    whatever order the tasks finished in (`gevent/joinall`).
//! 2. Shared data, below: between two waits a greenlet runs alone, so it needs no lock... as
//!    long as nothing between the read and the write waits (`gevent/no-lock-needed`,
//!    `gevent/await-between`).
//! 3. [`sleep`]: `monkey.patch_all()`: an unpatched `time.sleep` blocks the hub, and every other
//!    task waits (`gevent/patched-sleep`, `gevent/unpatched-sleep`).
//! 4. [`await_each_other`]: two greenlets that each `get()` the other's value deadlock
//!    (`gevent/await-each-other`).
//!
//! Under shuttle a task is one of its future tasks; under loom a thread of its own whose every
//! poll holds the one processor; natively a task of tokio's one-thread runtime: in all three an `.await` that is not
//! ready is the only place a task can lose the processor, and the checkers try every choice of
//! which ready task runs next at each of them. Neither checker has a clock: a sleep is a switch
//! point and nothing more there, and only the native runs show time.
//!
//! ## Shared data with no lock
//!
//! The tasks share `n` (a [`SharedCell`]: recorded, never a switch point) and each adds one to it.
//!
//! - `no-lock-needed`: `await sleep; temp = n; n = temp + 1`. Every task sleeps first, so the
//!   order they run in varies, but the read and the write are one step: `n` always ends at the
//!   number of tasks.
//! - `await-between` (BROKEN): `temp = n; await sleep; n = temp + 1`. Task A reads 0 and sleeps;
//!   the hub runs task B, which reads 0 too; both write 1. One increment is lost, exactly as with
//!   threads: the await is a switch point the program put there itself. Natively every task
//!   reads before any wakes up, so `n` ends at 1 every time.

pub mod await_each_other;
pub mod joinall;
pub mod sleep;
#[cfg(not(loom))]
pub mod timing;

pub use self::await_each_other::AWAIT_EACH_OTHER;
pub use self::joinall::JOINALL;
pub use self::sleep::{PATCHED_SLEEP, UNPATCHED_SLEEP};

use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::task::{self, SharedCell};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The value of `n` once every task has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Final(pub usize);

impl fmt::Display for Final {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n = {}", self.0)
    }
}

/// Where the task awaits, relative to its read and write of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    NoLockNeeded,
    AwaitBetween,
}

/// The tutorial's `gevent.sleep` length, in its seconds.
const SLEEP: Duration = Duration::from_millis(100);

impl Version {
    async fn increment<R: Runtime>(self, n: &SharedCell<R, usize>) {
        match self {
            Version::NoLockNeeded => {
                task::sleep::<R>(SLEEP).await;
                let temp = n.load();
                n.store(temp + 1);
            }
            Version::AwaitBetween => {
                let temp = n.load();
                task::sleep::<R>(SLEEP).await;
                n.store(temp + 1);
            }
        }
    }
}

/// Tasks sharing one counter with no lock.
pub struct SharedCounter;

impl Lesson for SharedCounter {
    type Version = Version;
    type Outcome = Final;
    // loom: every task is a thread, at most 4; 3 already shows every lost update.
    const THREADS: Threads = Threads::shuttle(10).loom(3);

    fn run<R: Runtime>(version: Version, params: &Params) -> Final {
        let n = Arc::new(SharedCell::<R, usize>::named("n", 0));
        let tasks = params.threads;
        task::block_on::<R, _>(async move {
            let handles = (0..tasks)
                .map(|_| {
                    let n = n.clone();
                    task::spawn::<R, _>(async move { version.increment(&n).await })
                })
                .collect();
            task::join_all(handles).await;
            Final(n.load())
        })
    }

    fn classify(_: Version, outcome: &Final, params: &Params) -> (Class, &'static str) {
        if outcome.0 == params.threads {
            (Class::Acceptable, "every increment counted")
        } else {
            (Class::Forbidden, "lost update")
        }
    }

    fn possible_outcomes(version: Version, params: &Params) -> Option<Vec<Final>> {
        match version {
            Version::NoLockNeeded => Some(vec![Final(params.threads)]),
            Version::AwaitBetween => Some((1..=params.threads).map(Final).collect()),
        }
    }
}

pub const NO_LOCK_NEEDED: Row<SharedCounter> = Row::new(
    "gevent/no-lock-needed",
    Version::NoLockNeeded,
    Expect::Holds,
    "await sleep; temp = n; n = temp + 1 in every task, no lock",
);
pub const AWAIT_BETWEEN: Row<SharedCounter> = Row::new(
    "gevent/await-between",
    Version::AwaitBetween,
    Expect::Violation,
    "temp = n; await sleep; n = temp + 1: a switch point between the read and the write",
);

pub fn concept() -> Concept {
    let concept = Concept::new(
        "gevent",
        "gevent: tasks switch only where they await (tutorial 三.3-4)",
        file!(),
    )
    .rows(&[JOINALL])
    .rows(&[NO_LOCK_NEEDED, AWAIT_BETWEEN])
    .rows(&[PATCHED_SLEEP, UNPATCHED_SLEEP])
    .rows(&[AWAIT_EACH_OTHER]);
    #[cfg(not(loom))]
    let concept = concept.timing(timing::timing);
    concept
}
