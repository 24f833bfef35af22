//! # Double acquire (tutorial 4.2): a thread that waits for itself
//!
//! A plain lock does not know who holds it, only that someone does. So when the thread that
//! holds `mutexA` asks for it again, it waits for the holder to let go, and the holder is itself:
//! it waits forever. No other thread is needed for this deadlock; the wait-for ring has one
//! member. The checkers report it as a thread waiting for a lock it already holds (shuttle spots
//! the self-wait at once; loom sees that no thread can run; natively the watchdog notices that
//! nothing moves).
//!
//! An [`RLock`] remembers its owner and counts its acquisitions, so the
//! second `acquire` by the owner just bumps the count and the program prints `123`.

use super::rlock::RLock;
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::sync::Mutex;
use crate::thread::record_print;
use std::fmt;

/// What the program's one thread (main) printed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MainPrinted(pub Vec<String>);

impl fmt::Display for MainPrinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "printed {:?}", self.0)
    }
}

impl MainPrinted {
    /// Prints `line`: into the timeline, and into the outcome.
    fn print<R: Runtime>(&mut self, line: &str) {
        record_print::<R>(line);
        self.0.push(line.to_owned());
    }
}

/// One thread acquires the same lock twice.
pub struct DoubleAcquire;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// A plain [`Mutex`]: the second acquire waits for the first.
    Lock,
    /// An [`RLock`]: the owner gets in again.
    Reentrant,
}

fn plain_lock<R: Runtime>(out: &mut MainPrinted) {
    let mutex_a = Mutex::<R, ()>::named("mutexA", ());
    let first = mutex_a.lock();
    let second = mutex_a.lock();
    out.print::<R>("123");
    drop(second);
    drop(first);
}

fn reentrant<R: Runtime>(out: &mut MainPrinted) {
    let mutex_a = RLock::<R>::named("mutexA");
    mutex_a.acquire();
    mutex_a.acquire();
    out.print::<R>("123");
    mutex_a.release().expect("the owner releases");
    mutex_a.release().expect("the owner releases");
}

impl Lesson for DoubleAcquire {
    type Version = Version;
    type Outcome = MainPrinted;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>(version: Version, _: &Params) -> MainPrinted {
        let mut printed = MainPrinted(Vec::new());
        match version {
            Version::Lock => plain_lock::<R>(&mut printed),
            Version::Reentrant => reentrant::<R>(&mut printed),
        }
        printed
    }

    fn classify(_: Version, outcome: &MainPrinted, _: &Params) -> (Class, &'static str) {
        if outcome.0 == ["123"] {
            (Class::Acceptable, "both acquires went through")
        } else {
            (Class::Forbidden, "unexpected output")
        }
    }

    fn possible_outcomes(version: Version, _: &Params) -> Option<Vec<MainPrinted>> {
        match version {
            Version::Lock => None,
            Version::Reentrant => Some(vec![MainPrinted(vec!["123".to_owned()])]),
        }
    }
}

pub const LOCK: Row<DoubleAcquire> = Row::new(
    "double-acquire/lock",
    Version::Lock,
    Expect::Deadlock,
    "one thread acquires a plain Mutex twice: it waits for itself",
)
.max_threads(1);
pub const RLOCK: Row<DoubleAcquire> = Row::new(
    "double-acquire/rlock",
    Version::Reentrant,
    Expect::Holds,
    "the same with an RLock: the owner gets in again, prints 123",
)
.max_threads(1);

pub fn concept() -> Concept {
    Concept::new(
        "double-acquire",
        "double acquire: a thread waits for itself (tutorial 4.2)",
        file!(),
    )
    .rows(&[LOCK, RLOCK])
}
