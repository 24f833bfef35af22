//! # Double acquire (tutorial 4.2): a thread that waits for itself
//!
//! A plain lock does not know who holds it, only that someone does. So when the thread that
//! holds `mutexA` asks for it again, it waits for the holder to let go, and the holder is itself:
//! it waits forever. No other thread is needed for this deadlock; the wait-for ring has one
//! member. The checkers report it as a thread waiting for a lock it already holds (shuttle spots
//! the self-wait at once; loom sees that no thread can run; natively the watchdog notices that
//! nothing moves).
//!
//! An [`RLock`](super::rlock::RLock) remembers its owner and counts its acquisitions, so the
//! second `acquire` by the owner just bumps the count and the program prints `123`.

use super::rlock::RLock;
use crate::model::{Class, Expect, Params, Program};
use crate::runtime::Runtime;
use crate::sync::Mutex;
use crate::thread::current_name;
use crate::trace;
use std::fmt;

/// What the program printed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Printed(pub Vec<String>);

impl fmt::Display for Printed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "printed {:?}", self.0)
    }
}

fn print<R: Runtime>(line: &str, printed: &mut Vec<String>) {
    if let Some(me) = current_name::<R>() {
        trace::print(&me, line.to_owned());
    }
    printed.push(line.to_owned());
}

fn classify(outcome: &Printed) -> (Class, &'static str) {
    if outcome.0 == ["123"] {
        (Class::Acceptable, "both acquires went through")
    } else {
        (Class::Forbidden, "unexpected output")
    }
}

pub struct Lock;

impl Program for Lock {
    const ID: &'static str = "double-acquire/lock";
    const SUMMARY: &'static str = "one thread acquires a plain Mutex twice: it waits for itself";
    const EXPECT: Expect = Expect::Deadlock;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Printed;

    fn run<R: Runtime>(_: &Params) -> Printed {
        let mut printed = Vec::new();
        let mutex_a = Mutex::<R, ()>::named("mutexA", ());
        let first = mutex_a.lock();
        let second = mutex_a.lock();
        print::<R>("123", &mut printed);
        drop(second);
        drop(first);
        Printed(printed)
    }

    fn classify(outcome: &Printed, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }
}

pub struct Reentrant;

impl Program for Reentrant {
    const ID: &'static str = "double-acquire/rlock";
    const SUMMARY: &'static str = "the same with an RLock: the owner gets in again, prints 123";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Printed;

    fn run<R: Runtime>(_: &Params) -> Printed {
        let mut printed = Vec::new();
        let mutex_a = RLock::<R>::named("mutexA");
        mutex_a.acquire();
        mutex_a.acquire();
        print::<R>("123", &mut printed);
        mutex_a.release().expect("the owner releases");
        mutex_a.release().expect("the owner releases");
        Printed(printed)
    }

    fn classify(outcome: &Printed, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Printed>> {
        Some(vec![Printed(vec!["123".to_owned()])])
    }
}
