//! What every backend shares: one execution run and counted ([`Execution`]), the trait each
//! backend's explorer implements ([`Explorer`]), and the one function that turns the end of a
//! search into a [`Report`].
//!
//! The lifecycle: [`explore`] builds an [`Execution`] (a fresh recorder, an empty tally), hands
//! it to the backend's [`Explorer::explore`], which calls [`Execution::once`] for every execution
//! it runs (on whatever thread the backend runs models on) until its budget is spent,
//! [`Execution::should_stop`] says so, or an execution panics; then the [`Ending`] becomes a
//! verdict, with the explorer's replay token for the execution that shows it.

use super::backend_panic::{self, Cause};
use super::{CheckError, Failure, Mode, OutcomeTable, ReplayToken, Report, Verdict, panic_message};
use crate::lesson::{Class, Observed, Params, RunFn, Variant};
use crate::runtime::Backend;
use crate::trace::{self, Recorder, Trace};
use crate::util::lock_unpoisoned;
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a backend's search ended.
pub(super) enum Ending {
    /// The budget was spent, the search was exhausted, or it stopped at a forbidden outcome.
    Finished,
    /// An execution panicked, with this payload.
    Panicked(Box<dyn Any + Send>),
    /// Natively: an execution made no progress for this long.
    Stalled(Duration),
}

/// Which execution a replay token should name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Which {
    /// The first execution that ended in a forbidden outcome (its 1-based index).
    FirstForbidden(usize),
    /// The last execution run, which failed (its 1-based index).
    Failing(usize),
}

/// One backend's way of running executions.
pub(super) trait Explorer {
    const BACKEND: Backend;
    /// Runs executions of `execution` until the search ends.
    fn explore(&mut self, execution: &Arc<Execution>) -> Ending;
    /// The token that replays `which`, if this backend can replay it.
    fn token(&self, which: Which) -> Option<ReplayToken>;
    /// What bounded the search, in words (seed, strategy, preemption bound).
    fn bounds(&self) -> String;
}

/// One variant with its parameters, run once per call, outcomes counted.
pub(super) struct Execution {
    recorder: Mutex<Arc<Recorder>>,
    tally: Mutex<Tally>,
    run: RunFn,
    params: Params,
    stop_at_forbidden: bool,
    forbidden_seen: AtomicBool,
}

impl Execution {
    fn new(run: RunFn, params: &Params, mode: Mode) -> Arc<Execution> {
        let recorder = Arc::new(Recorder::default());
        backend_panic::forget_site(&recorder);
        Arc::new(Execution {
            recorder: Mutex::new(recorder),
            tally: Mutex::default(),
            run,
            params: params.clone(),
            stop_at_forbidden: mode == Mode::Check,
            forbidden_seen: AtomicBool::new(false),
        })
    }

    /// Runs one execution on the calling thread and counts its outcome.
    pub fn once(&self) {
        let observed = self.run_model();
        let forbidden =
            lock_unpoisoned(&self.tally).finish(observed, || self.recorder().snapshot());
        if forbidden {
            self.forbidden_seen.store(true, Ordering::SeqCst);
        }
    }

    #[cfg_attr(not(loom), allow(dead_code))]
    /// Runs one execution only to get past it (loom's replay walks to its target): counted,
    /// nothing kept.
    pub fn skip(&self) {
        self.run_model();
        lock_unpoisoned(&self.tally).executions += 1;
    }

    fn run_model(&self) -> Observed {
        let recorder = self.recorder();
        recorder.reset();
        backend_panic::forget_site(&recorder);
        trace::install(Some(recorder));
        (self.run)(&self.params)
    }

    #[cfg_attr(not(loom), allow(dead_code))]
    /// Executions counted so far.
    pub fn executions(&self) -> usize {
        lock_unpoisoned(&self.tally).executions
    }

    pub fn forbidden_seen(&self) -> bool {
        self.forbidden_seen.load(Ordering::SeqCst)
    }

    /// A `check` is done at its first forbidden outcome; `outcomes` goes on counting.
    pub fn should_stop(&self) -> bool {
        self.stop_at_forbidden && self.forbidden_seen()
    }

    pub fn recorder(&self) -> Arc<Recorder> {
        lock_unpoisoned(&self.recorder).clone()
    }

    /// A recorder of its own for the next execution: natively, threads of an execution that
    /// outlive it (daemons, a stalled run) must not write into the next one's timeline.
    pub fn renew_recorder(&self) {
        *lock_unpoisoned(&self.recorder) = Arc::new(Recorder::default());
    }
}

/// Runs `variant` with `explorer` and reports what the search showed.
pub(super) fn explore<E: Explorer>(
    variant: &Variant,
    params: &Params,
    mode: Mode,
    explorer: &mut E,
) -> Result<Report, CheckError> {
    let run = variant
        .runner(E::BACKEND)
        .ok_or(CheckError::NotBuilt(E::BACKEND))?;
    let execution = Execution::new(run, params, mode);
    let started = Instant::now();
    // Installed before the backend starts, so that a panic it raises before the first execution
    // (a parameter it refuses) is still seen, and known to be the backend's.
    trace::install(Some(execution.recorder()));
    let ending = explorer.explore(&execution);
    trace::install(None);
    let elapsed = started.elapsed();
    let tally = std::mem::take(&mut *lock_unpoisoned(&execution.tally));
    let mut bounds = explorer.bounds();
    let failing = tally.executions + 1;
    let recorder = execution.recorder();
    let failure = |message: String| Failure {
        message,
        execution: failing,
        outcome: None,
        trace: recorder.snapshot(),
        replay: explorer.token(Which::Failing(failing)),
    };
    let (verdict, executions) = match ending {
        Ending::Finished => (
            tally.forbidden_verdict(|index| explorer.token(Which::FirstForbidden(index))),
            tally.executions,
        ),
        Ending::Stalled(watchdog) => {
            let mut found = failure(format!("no progress for {watchdog:?}: deadlock likely"));
            if let Some(why) = found.trace.deadlock_explanation()
                && let Some(why) = why.strip_prefix("deadlock: ")
            {
                found.message = format!("{}; {why}", found.message);
            }
            found.replay = None;
            (Verdict::Deadlock(found), failing)
        }
        Ending::Panicked(payload) => {
            let message = panic_message(&*payload);
            let site = backend_panic::take_site(&recorder);
            match backend_panic::cause(&message, site.as_deref()) {
                Cause::Model => (
                    Verdict::Violated(failure(format!("panicked: {}", first_line(&message)))),
                    failing,
                ),
                Cause::Deadlock => {
                    let mut found = failure("deadlock: every thread left is blocked".to_owned());
                    if let Some(why) = found.trace.deadlock_explanation() {
                        found.message = why;
                    }
                    (Verdict::Deadlock(found), failing)
                }
                Cause::StepLimit => (
                    Verdict::StepLimit(failure(format!("step limit: {}", first_line(&message)))),
                    failing,
                ),
                Cause::Sequential => {
                    bounds =
                        "no two threads were ever runnable at once: one schedule is all schedules"
                            .to_owned();
                    (tally.forbidden_verdict(|_| None), tally.executions)
                }
                Cause::Backend => {
                    return Err(CheckError::Backend {
                        backend: E::BACKEND,
                        message: first_line(&message).to_owned(),
                        site: site.unwrap_or_default(),
                    });
                }
            }
        }
    };
    Ok(Report {
        id: variant.id,
        backend: E::BACKEND,
        params: params.clone(),
        verdict,
        executions,
        elapsed,
        outcomes: tally.outcomes,
        bounds,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Outcome bookkeeping: every finished execution's outcome, and the first forbidden one.
#[derive(Default)]
struct Tally {
    outcomes: OutcomeTable,
    executions: usize,
    first_forbidden: Option<(usize, Observed, Trace)>,
}

impl Tally {
    /// Counts one finished execution; returns whether it was forbidden.
    fn finish(&mut self, observed: Observed, trace: impl FnOnce() -> Trace) -> bool {
        self.executions += 1;
        let forbidden = observed.class == Class::Forbidden;
        if forbidden && self.first_forbidden.is_none() {
            self.first_forbidden = Some((self.executions, observed.clone(), trace()));
        }
        self.outcomes.add(observed);
        forbidden
    }

    fn forbidden_verdict(&self, replay: impl FnOnce(usize) -> Option<ReplayToken>) -> Verdict {
        match &self.first_forbidden {
            None => Verdict::Holds,
            Some((execution, observed, trace)) => Verdict::Violated(Failure {
                message: format!("forbidden outcome {}: {}", observed.text, observed.label),
                execution: *execution,
                outcome: Some(observed.clone()),
                trace: trace.clone(),
                replay: replay(*execution),
            }),
        }
    }
}
