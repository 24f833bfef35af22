//! Three broken executors, each a real-looking shortcut, run through the same scenario as the
//! property it breaks (in [`super::properties`]). The flawed code sits next to the correct code
//! in [`super::future`] and [`super::thread_pool`], chosen by a [`super::PoolFlaw`].
//!
//! - `executor/cancel-races-start`: the worker asks "cancelled?" and then marks the task running
//!   under a second lock; a `cancel` between the two returns `true` and the task runs anyway.
//! - `executor/callback-races-completion`: the completer copies the callbacks, then marks the
//!   future done; the adder appends, then looks whether it is done. A callback added in between
//!   runs never (copied too early, looked too early) or twice (copied, and looked too late).
//! - `executor/shutdown-returns-early`: `shutdown(wait=True)` waits until the queue is empty,
//!   which means every task was *taken*, not *finished*.

use super::PoolReport;
use super::properties::{PoolContract, PoolScenario};
use crate::lesson::{Class, Expect, Row};

/// With the flaw, a `cancel` that returned true and a task that ran anyway end in one line that
/// says so; the other outcomes are the property's own.
pub(super) fn cancel_races_start_classify(outcome: &PoolReport) -> (Class, &'static str) {
    match outcome.0.as_slice() {
        [line] if line.starts_with("cancel() = ") => (Class::Forbidden, "cancel and run disagree"),
        _ => (Class::Acceptable, "ran exactly once unless cancelled"),
    }
}

pub const CANCEL_RACES_START: Row<PoolContract> = Row::new(
    "executor/cancel-races-start",
    PoolScenario::CancelRacesStart,
    Expect::Violation,
    "BROKEN: the worker checks cancelled() and marks running in two steps: a cancelled task runs",
)
.max_threads(1);
pub const CALLBACK_RACES_COMPLETION: Row<PoolContract> = Row::new(
    "executor/callback-races-completion",
    PoolScenario::CallbackRacesCompletion,
    Expect::Violation,
    "BROKEN: callbacks copied before the future is marked done: a callback added then runs 0 or 2 times",
)
.max_threads(1);
pub const SHUTDOWN_RETURNS_EARLY: Row<PoolContract> = Row::new(
    "executor/shutdown-returns-early",
    PoolScenario::ShutdownReturnsEarly,
    Expect::Violation,
    "BROKEN: shutdown(wait=True) waits for an empty queue, not for the workers: a task still runs",
)
.max_threads(1);
