//! # gevent/patched-sleep and gevent/unpatched-sleep (tutorial 三.3–4): `monkey.patch_all()`
//!
//! The tutorial's `asynchronous()` spawns ten tasks that each `time.sleep(0.5)` and joins them.
//! With `monkey.patch_all()` first, `time.sleep` is gevent's: the task waits and the hub runs the
//! others, so the ten sleeps overlap. Without the patch, `time.sleep` blocks the one thread the
//! hub has: no other task runs until it returns, and the sleeps add up.
//!
//! - `patched-sleep`: each task awaits [`task::sleep`]. No task ever holds up the others.
//! - `unpatched-sleep` (BROKEN): each task calls [`task::blocking_sleep`]. The first task to run
//!   sleeps while every other task is ready and waiting: "time.sleep blocked the hub".
//!
//! The checkers have no clock, so the model counts what time would show: at each blocking
//! sleep, how many other tasks are ready (spawned and not finished), in a [`SharedCell`]. The
//! verdict does not depend on the interleaving: whichever task runs first finds every other
//! one waiting. shuttle runs 10 tasks, loom 3. Natively `blocking_sleep` really sleeps, so the
//! count is the same and the time shows it as well: the unpatched tasks' sleeps add up, the
//! patched ones overlap (the concept's native timing table).

use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::task::{self, SharedCell};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The tutorial's `time.sleep(0.5)`.
pub const HALF_A_SECOND: Duration = Duration::from_millis(500);

/// Most ready tasks one blocking sleep held up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stalled(pub usize);

impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => write!(f, "no task waited behind a sleep"),
            k => write!(f, "time.sleep blocked the hub: {k} ready tasks waited"),
        }
    }
}

/// How each task sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// gevent's sleep (`time.sleep` after `monkey.patch_all()`).
    Patched,
    /// `time.sleep` with no patch.
    Unpatched,
}

/// The tutorial's ten tasks that each sleep half a second.
pub struct SleepingTasks;

impl Lesson for SleepingTasks {
    type Version = Version;
    type Outcome = Stalled;
    const THREADS: Threads = Threads::shuttle(10).loom(3);

    fn run<R: Runtime>(version: Version, params: &Params) -> Stalled {
        let tasks = params.threads;
        // Spawned and not finished: every task is ready until it ends.
        let ready = Arc::new(SharedCell::<R, usize>::named("ready", tasks));
        let stalled = Arc::new(SharedCell::<R, usize>::named("stalled", 0));
        task::block_on::<R, _>(async move {
            let handles = (0..tasks)
                .map(|_| {
                    let (ready, stalled) = (ready.clone(), stalled.clone());
                    task::spawn::<R, _>(async move {
                        match version {
                            Version::Patched => task::sleep::<R>(HALF_A_SECOND).await,
                            Version::Unpatched => {
                                let others = ready.load() - 1;
                                task::blocking_sleep::<R>(HALF_A_SECOND);
                                if others > stalled.load() {
                                    stalled.store(others);
                                }
                            }
                        }
                        ready.store(ready.load() - 1);
                    })
                })
                .collect();
            task::join_all(handles).await;
            Stalled(stalled.load())
        })
    }

    fn classify(_: Version, outcome: &Stalled, _: &Params) -> (Class, &'static str) {
        if outcome.0 == 0 {
            (Class::Acceptable, "every sleep let the other tasks run")
        } else {
            (Class::Forbidden, "a blocking sleep stalls every other task")
        }
    }

    fn possible_outcomes(version: Version, params: &Params) -> Option<Vec<Stalled>> {
        match version {
            Version::Patched => Some(vec![Stalled(0)]),
            // Whichever task runs first, every other one is ready and waits.
            Version::Unpatched => Some(vec![Stalled(params.threads - 1)]),
        }
    }
}

pub const PATCHED_SLEEP: Row<SleepingTasks> = Row::new(
    "gevent/patched-sleep",
    Version::Patched,
    Expect::Holds,
    "monkey.patch_all(): each task's time.sleep(0.5) lets the others run",
);
pub const UNPATCHED_SLEEP: Row<SleepingTasks> = Row::new(
    "gevent/unpatched-sleep",
    Version::Unpatched,
    Expect::Violation,
    "no patch: time.sleep(0.5) blocks the hub's one thread, and every task waits",
);
