//! Three broken executors, each a real-looking shortcut, run through the same scenario as the
//! property it breaks (in [`super::properties`]). The flawed code sits next to the correct code
//! in [`super::future`] and [`super::thread_pool`], chosen by a [`Flaw`].
//!
//! - `executor/cancel-races-start`: the worker asks "cancelled?" and then marks the task running
//!   under a second lock; a `cancel` between the two returns `true` and the task runs anyway.
//! - `executor/callback-races-completion`: the completer copies the callbacks, then marks the
//!   future done; the adder appends, then looks whether it is done. A callback added in between
//!   runs never (copied too early, looked too early) or twice (copied, and looked too late).
//! - `executor/shutdown-returns-early`: `shutdown(wait=True)` waits until the queue is empty,
//!   which means every task was *taken*, not *finished*.

use super::properties::{
    callback_during_completion, callbacks_classify, cancel_against_start, shutdown_classify,
    shutdown_then_count,
};
use super::{Flaw, Lines};
use crate::model::{Class, Expect, Params, Program};
use crate::runtime::Runtime;

pub struct CancelRacesStart;

impl Program for CancelRacesStart {
    const ID: &'static str = "executor/cancel-races-start";
    const SUMMARY: &'static str = "BROKEN: the worker checks cancelled() and marks running in two steps: a cancelled task runs";
    const EXPECT: Expect = Expect::Violation;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        cancel_against_start::<R>(Flaw::CancelRacesStart)
    }

    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        match outcome.0.as_slice() {
            [line] if line.starts_with("cancel() = ") => {
                (Class::Forbidden, "cancel and run disagree")
            }
            _ => (Class::Acceptable, "ran exactly once unless cancelled"),
        }
    }
}

pub struct CallbackRacesCompletion;

impl Program for CallbackRacesCompletion {
    const ID: &'static str = "executor/callback-races-completion";
    const SUMMARY: &'static str = "BROKEN: callbacks copied before the future is marked done: a callback added then runs 0 or 2 times";
    const EXPECT: Expect = Expect::Violation;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        callback_during_completion::<R>(Flaw::CallbackRacesCompletion)
    }

    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        callbacks_classify(outcome)
    }
}

pub struct ShutdownReturnsEarly;

impl Program for ShutdownReturnsEarly {
    const ID: &'static str = "executor/shutdown-returns-early";
    const SUMMARY: &'static str = "BROKEN: shutdown(wait=True) waits for an empty queue, not for the workers: a task still runs";
    const EXPECT: Expect = Expect::Violation;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    const MAX_THREADS: usize = 1;
    type Outcome = Lines;

    fn run<R: Runtime>(_: &Params) -> Lines {
        shutdown_then_count::<R>(Flaw::ShutdownWaitsForQueue)
    }

    fn classify(outcome: &Lines, _: &Params) -> (Class, &'static str) {
        shutdown_classify(outcome)
    }
}
