//! The `counter` exercise's contract: the trait a student implements ([`Counter`]), the
//! [`Plug`] that names a submission for every backend, and the properties' [`Program`]. The
//! lesson `counter-race` implements the trait; the gate (`interleave::gate::exercises::counter`,
//! which re-exports all of this) grades implementations with it.

use crate::lesson::{Class, Lesson, Params, Threads};
use crate::runtime::Runtime;
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

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
    /// The submission's counter under the backend `R`.
    type Submission<R: Runtime>: Counter<R>;
}

/// Each worker's decrements.
const ROUNDS: usize = 2;

/// What `value-is-the-count` leaves on the counter: not 0, so that a `value()` stuck at 0 (or a
/// count that stops at 0) shows.
const LEFT: usize = 1;

/// Which property a program checks. Each starts the counter at `threads * ROUNDS` (two
/// decrements per worker; `value-is-the-count` at `LEFT` more) and lets every worker decrement
/// it `ROUNDS` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// `no-lost-update`: once every worker is done, the count is 0; whatever is left is the
    /// number of decrements lost.
    NoLostUpdate,
    /// `no-deadlock`: workers and main also call `value` in between; every thread must finish.
    NoDeadlock,
    /// `value-is-the-count`: `value()` is the start on a new counter; a worker that has made `k`
    /// decrements reads at most the start less `k` (it sees its own) and never less than what
    /// every decrement leaves; once all are done, it reads exactly that, `LEFT`.
    ValueIsTheCount,
}

/// The old name of [`Goal`] (`model::Check` is the model builder's).
#[deprecated(
    since = "0.2.0",
    note = "renamed Goal: `Check` is the model builder's name"
)]
pub type Check = Goal;

/// The properties' programs over `P`'s counter.
pub struct Program<P>(PhantomData<P>);

/// Names the plug `P`, which is all there is to it.
impl<P> fmt::Debug for Program<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Program").field(&self.0).finish()
    }
}

/// What is left of the count at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Left(pub usize);

impl fmt::Display for Left {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n = {}", self.0)
    }
}

/// `value-is-the-count`: see [`Goal::ValueIsTheCount`].
fn value_is_the_count<R: Runtime, C: Counter<R>>(workers: usize) -> Left {
    let start = workers * ROUNDS + LEFT;
    let counter = Arc::new(C::new(start));
    let first = counter.value();
    assert!(
        first == start,
        "value is the count: a new counter from {start} says value() = {first}"
    );
    let handles: Vec<JoinHandle<R, ()>> = (0..workers)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn::<R, _, _>(move || {
                for mine in 1..=ROUNDS {
                    counter.decrement();
                    let seen = counter.value();
                    assert!(
                        seen <= start - mine,
                        "value is the count: a thread made {mine} decrement(s) of a counter from \
                         {start}, then read value() = {seen}: at most {} (its own decrements \
                         are done)",
                        start - mine
                    );
                    assert!(
                        seen >= LEFT,
                        "value is the count: a thread read value() = {seen}, below the {LEFT} that \
                         all {} decrements of a counter from {start} leave",
                        workers * ROUNDS
                    );
                }
            })
        })
        .collect();
    handles.into_iter().for_each(JoinHandle::join);
    let left = counter.value();
    assert!(
        left == LEFT,
        "value is the count: {} decrements of a counter from {start} leave {LEFT}, yet value() = {left}",
        workers * ROUNDS
    );
    Left(left)
}

impl<P: Plug> Lesson for Program<P> {
    type Version = Goal;
    type Outcome = Left;
    const THREADS: Threads = Threads::shuttle(3).loom(2);
    const CHECK_EXECUTIONS: usize = 5_000;

    fn run<R: Runtime>(goal: Goal, params: &Params) -> Left {
        if goal == Goal::ValueIsTheCount {
            return value_is_the_count::<R, P::Submission<R>>(params.threads);
        }
        let workers = params.threads;
        let start = workers * ROUNDS;
        let counter = Arc::new(P::Submission::<R>::new(start));
        let handles: Vec<JoinHandle<R, ()>> = (0..workers)
            .map(|_| {
                let counter = counter.clone();
                thread::spawn::<R, _, _>(move || {
                    for _ in 0..ROUNDS {
                        counter.decrement();
                        if goal == Goal::NoDeadlock {
                            counter.value();
                        }
                    }
                })
            })
            .collect();
        if goal == Goal::NoDeadlock {
            counter.value();
        }
        handles.into_iter().for_each(JoinHandle::join);
        let left = counter.value();
        if goal == Goal::NoLostUpdate {
            assert!(
                left == 0,
                "no lost update: {start} decrements from {start} left n = {left}; {left} of them were lost"
            );
        }
        Left(left)
    }

    fn classify(_: Goal, _: &Left, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the property held")
    }
}
