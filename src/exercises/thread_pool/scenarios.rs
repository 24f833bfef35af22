//! The lesson `executor`'s scenarios that are also the exercise's properties, over any
//! [`Executor`]: the lesson runs them over its own pool (and its flawed ones), the exercise over
//! a student's. Each is small enough for loom: one worker, one or two tasks.

use super::{CancelledError, Executor, Future as _, PoolReport, SubmitError};
use crate::lesson::Class;
use crate::runtime::Runtime;
use crate::sync::AtomicUsize;
use std::sync::Arc;

/// A report of these lines.
pub fn lines(items: &[&str]) -> PoolReport {
    PoolReport(items.iter().map(|s| s.to_string()).collect())
}

/// [`cancel_race`]'s report when `cancel` came first.
pub const CANCEL_WON: &str = "cancel won: the task never ran, result() is CancelledError";
/// [`cancel_race`]'s report when the worker started the task first.
pub const START_WON: &str = "the task started first: cancel failed, result() is 7";

/// The value of [`cancel_race`]'s task.
const CANCELLED_TASK_VALUE: usize = 7;

/// What main saw in [`cancel_race`], once `shutdown(true)` had returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelSeen {
    /// What `cancel()` returned.
    pub cancelled: bool,
    /// How many times the task had run.
    pub runs: usize,
    /// What `result()` gave: 7, the task's value, or `CancelledError`.
    pub result: Result<usize, CancelledError>,
}

impl CancelSeen {
    /// Whether `cancel` and `result` agree: a successful cancel gives `CancelledError`, a failed
    /// one the task's value. (How often the task had run by then is the report's business.)
    pub fn agree(&self) -> bool {
        if self.cancelled {
            self.runs == 0 && self.result == Err(CancelledError)
        } else {
            self.result == Ok(CANCELLED_TASK_VALUE)
        }
    }

    /// The outcome as the lesson `executor` reports it: [`CANCEL_WON`] or [`START_WON`] when
    /// the two agree and the task ran as often as they say, otherwise the three values.
    pub fn report(&self) -> PoolReport {
        match (self.cancelled, self.runs, self.result) {
            (true, 0, Err(CancelledError)) => lines(&[CANCEL_WON]),
            (false, 1, Ok(CANCELLED_TASK_VALUE)) => lines(&[START_WON]),
            (cancelled, runs, result) => PoolReport(vec![format!(
                "cancel() = {cancelled}, ran {runs} time(s), result() = {result:?}"
            )]),
        }
    }
}

/// One worker, one task, and `cancel` from main racing with the worker's start.
pub fn cancel_race<R: Runtime, P: Executor<R>>() -> CancelSeen {
    let pool = P::new(1);
    let runs = Arc::new(AtomicUsize::<R>::named("task runs", 0));
    let future = {
        let runs = runs.clone();
        pool.submit(Box::new(move || {
            runs.fetch_add(1);
            CANCELLED_TASK_VALUE
        }))
        .expect("the pool is open")
    };
    let cancelled = future.cancel();
    pool.shutdown(true);
    let runs = runs.load();
    let result = future.result();
    assert!(
        !(cancelled && runs > 0),
        "cancelled never runs: cancel() returned true, yet the task ran {runs} time(s): a successful cancel must mean it never runs"
    );
    CancelSeen {
        cancelled,
        runs,
        result,
    }
}

/// How the lesson `executor` classes a report of [`cancel_race`].
pub fn cancel_classify(outcome: &PoolReport) -> (Class, &'static str) {
    match outcome.0.as_slice() {
        [line] if line == CANCEL_WON || line == START_WON => {
            (Class::Acceptable, "ran exactly once unless cancelled")
        }
        _ => (Class::Forbidden, "cancel and run disagree"),
    }
}

/// One task; main adds a callback while the worker may be finishing it, then (after `result`)
/// adds another to the finished future. Each callback counts its runs.
pub fn callback_during_completion<R: Runtime, P: Executor<R>>() -> PoolReport {
    let pool = P::new(1);
    let future = pool.submit(Box::new(|| 5)).expect("the pool is open");
    let during = Arc::new(AtomicUsize::<R>::named("callback runs", 0));
    {
        let during = during.clone();
        future.add_done_callback(Box::new(move |f: &P::Future| {
            assert!(
                f.done(),
                "callback exactly once: a callback ran before its future was done"
            );
            during.fetch_add(1);
        }));
    }
    let result = future.result();
    assert!(
        result == Ok(5),
        "callback exactly once: result() gave {result:?}, not the task's Ok(5)"
    );
    let after = Arc::new(AtomicUsize::<R>::named("late callback runs", 0));
    {
        let after = after.clone();
        future.add_done_callback(Box::new(move |_: &P::Future| {
            after.fetch_add(1);
        }));
    }
    let late = after.load();
    assert!(
        late == 1,
        "callback exactly once: a callback added after completion must run at once, in the adding thread (it ran {late} time(s))"
    );
    pool.shutdown(true);
    PoolReport(vec![
        format!(
            "callback added during completion ran {} time(s)",
            during.load()
        ),
        format!(
            "callback added after completion ran {} time(s)",
            after.load()
        ),
    ])
}

/// How the lesson classes a report of [`callback_during_completion`]; the exercise's
/// `callback-exactly-once` fails what it calls forbidden.
pub fn callbacks_classify(outcome: &PoolReport) -> (Class, &'static str) {
    if outcome
        .0
        .iter()
        .all(|line| line.ends_with(" ran 1 time(s)"))
    {
        (Class::Acceptable, "each callback ran exactly once")
    } else {
        (Class::Forbidden, "a callback must run exactly once")
    }
}

/// One worker, two tasks (so one is queued), `shutdown(true)`: how many had finished by then.
pub fn shutdown_then_count<R: Runtime, P: Executor<R>>() -> PoolReport {
    let pool = P::new(1);
    let finished = Arc::new(AtomicUsize::<R>::named("finished", 0));
    for _ in 0..2 {
        let finished = finished.clone();
        pool.submit(Box::new(move || {
            finished.fetch_add(1);
            0
        }))
        .expect("the pool is open");
    }
    pool.shutdown(true);
    let seen = finished.load();
    let refused = pool.submit(Box::new(|| 0)).err();
    assert!(
        refused == Some(SubmitError::Shutdown),
        "shutdown waits: submit after shutdown must be refused (it gave {refused:?})"
    );
    PoolReport(vec![format!(
        "shutdown(wait=True) returned after {seen} of 2 tasks finished"
    )])
}

/// How the lesson classes a report of [`shutdown_then_count`]; the exercise's
/// `shutdown-waits` fails what it calls forbidden.
pub fn shutdown_classify(outcome: &PoolReport) -> (Class, &'static str) {
    match outcome.0.as_slice() {
        [line] if line.contains("after 2 of 2") => {
            (Class::Acceptable, "shutdown waited for every task")
        }
        _ => (
            Class::Forbidden,
            "shutdown(wait=True) must return only after every task finished",
        ),
    }
}
