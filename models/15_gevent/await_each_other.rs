//! # gevent/await-each-other (tutorial 三.3, `g.value`): two greenlets wait for each other
//!
//! `g.get()` waits for `g` to finish and returns its value. If `g1` calls `g2.get()` while `g2`
//! calls `g1.get()`, neither can finish: each waits for the other, and main waits in `joinall`
//! for both. gevent's hub then has nothing to run, and `joinall` raises `LoopExit` ("This
//! operation would block forever"). No lock is involved: a join is enough to deadlock.
//!
//! Each task here holds a [`SharedHandle`] to the next one (task `n` to task 1) and awaits its
//! value; the default is the tutorial's pair.
//!
//! - shuttle and loom: every task is blocked waiting for another, and the checker reports the
//!   deadlock, with each task's wait: `Greenlet-1` waits for `Greenlet-2 to finish`, and back.
//! - natively the hub has nothing to run and the program hangs: the native checker's watchdog
//!   reports a likely deadlock after its timeout (no progress) and moves on.

use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::task::{self, SharedHandle};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The values the tasks returned, in spawn order (if they ever do).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Values(pub Vec<u32>);

impl fmt::Display for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "values {:?}", self.0)
    }
}

/// Tasks in a ring, each awaiting the next one's value.
pub struct AwaitEachOther;

impl Lesson for AwaitEachOther {
    type Version = ();
    type Outcome = Values;
    const THREADS: Threads = Threads::same(2);

    fn run<R: Runtime>(_: (), params: &Params) -> Values {
        let tasks = params.threads;
        // The handle each task will await, known only once every task is spawned.
        let next: Arc<Vec<OnceLock<SharedHandle<R, u32>>>> =
            Arc::new((0..tasks).map(|_| OnceLock::new()).collect());
        task::block_on::<R, _>(async move {
            let handles: Vec<SharedHandle<R, u32>> = (0..tasks)
                .map(|i| {
                    let next = next.clone();
                    task::spawn_shared::<R, _>(async move {
                        let other = next[i].get().expect("main sets it before it awaits");
                        other.get().await + 1
                    })
                })
                .collect();
            // Tasks run only once main awaits: every slot is set before any task starts.
            for (i, slot) in next.iter().enumerate() {
                let _ = slot.set(handles[(i + 1) % tasks].clone());
            }
            let mut values = Vec::with_capacity(tasks);
            for handle in &handles {
                values.push(handle.get().await);
            }
            Values(values)
        })
    }

    fn classify(_: (), _: &Values, _: &Params) -> (Class, &'static str) {
        (
            Class::Forbidden,
            "a task got the value of a task still waiting for it",
        )
    }

    /// None: no execution gets past the waits.
    fn possible_outcomes(_: (), _: &Params) -> Option<Vec<Values>> {
        Some(Vec::new())
    }
}

pub const AWAIT_EACH_OTHER: Row<AwaitEachOther> = Row::new(
    "gevent/await-each-other",
    (),
    Expect::Deadlock,
    "g1 calls g2.get() while g2 calls g1.get(); main joins both",
)
.max_threads(4);
