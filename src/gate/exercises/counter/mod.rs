//! # Exercise `counter`: the tutorial's 4.1 counter, made safe
//!
//! Many threads each take one off a shared `n`; when they are done, `n` must be exactly what it
//! started at minus the number of decrements. The starter file is the tutorial's own code
//! (`temp = n; n = temp - 1`), which loses updates; the lesson `counter-race` shows why.

use crate::gate::{Exercise, Property};
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

#[path = "reference.rs"]
pub(crate) mod reference;
#[path = "starter.rs"]
pub(crate) mod starter;

/// What a student implements: a counter that threads decrement at once.
pub trait Counter<R: Runtime>: Send + Sync + 'static {
    /// A counter at `start`.
    fn new(start: usize) -> Self;
    /// Takes one off. Called by many threads at once.
    fn decrement(&self);
    /// The count now.
    fn value(&self) -> usize;
}

/// Names a submission's type for every backend (the harness implements it for the student's
/// `Submission<R>`).
pub trait Plug: 'static {
    type Submission<R: Runtime>: Counter<R>;
}

/// Each worker's decrements.
const ROUNDS: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    NoLostUpdate,
    NoDeadlock,
}

/// The properties' programs over `P`'s counter.
pub struct Program<P>(PhantomData<P>);

/// What is left of the count at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Left(pub usize);

impl fmt::Display for Left {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n = {}", self.0)
    }
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Check;
    type Outcome = Left;
    const THREADS: Threads = Threads::shuttle(3).loom(2);
    const CHECK_EXECUTIONS: usize = 5_000;

    fn run<R: Runtime>(check: Check, params: &Params) -> Left {
        let workers = params.threads;
        let start = workers * ROUNDS;
        let counter = Arc::new(P::Submission::<R>::new(start));
        let handles: Vec<JoinHandle<R, ()>> = (0..workers)
            .map(|_| {
                let counter = counter.clone();
                thread::spawn::<R, _, _>(move || {
                    for _ in 0..ROUNDS {
                        counter.decrement();
                        if check == Check::NoDeadlock {
                            counter.value();
                        }
                    }
                })
            })
            .collect();
        if check == Check::NoDeadlock {
            counter.value();
        }
        handles.into_iter().for_each(JoinHandle::join);
        let left = counter.value();
        if check == Check::NoLostUpdate {
            assert!(
                left == 0,
                "no lost update: {start} decrements from {start} left n = {left}; {left} of them were lost"
            );
        }
        Left(left)
    }

    fn classify(_: Check, _: &Left, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}

/// The properties over `P`'s counter.
pub fn properties<P: Plug>() -> Vec<Property> {
    vec![
        Property {
            name: "no-lost-update",
            statement: "threads decrementing at once each take exactly one off",
            variant: Row::<Program<P>>::new(
                "counter/no-lost-update",
                Check::NoLostUpdate,
                Expect::Holds,
                "every decrement counted",
            )
            .variant(),
        },
        Property {
            name: "no-deadlock",
            statement: "decrements and reads from many threads always finish",
            variant: Row::<Program<P>>::new(
                "counter/no-deadlock",
                Check::NoDeadlock,
                Expect::Holds,
                "every thread finishes",
            )
            .variant(),
        },
    ]
}

pub fn exercise() -> Exercise {
    Exercise {
        name: "counter",
        statement: "the tutorial's 4.1 counter: threads decrement a shared n at once, and none is lost",
        readme: include_str!("README.md"),
        starter: include_str!("starter.rs"),
        reference: include_str!("reference.rs"),
        module: "counter",
        builtins: || {
            vec![
                builtin!(counter, "reference", reference::Submission<R>, None),
                builtin!(
                    counter,
                    "starter",
                    starter::Submission<R>,
                    Some("no-lost-update")
                ),
                builtin!(
                    counter,
                    "counter-race/unlocked",
                    crate::models::counter_race::Unlocked<R>,
                    Some("no-lost-update")
                ),
                builtin!(
                    counter,
                    "counter-race/locked",
                    crate::models::counter_race::Locked<R>,
                    None
                ),
            ]
        },
    }
}
