//! Running natively: real threads, no exploration. Each execution gets a fresh recorder and a
//! watchdog: one that makes no progress for `budget.watchdog` is reported as a likely deadlock
//! (its threads are left blocked, and the run moves on).

use super::{Budget, Failure, Mode, Report, Tally, Verdict};
use crate::model::{Observed, Params, Variant};
use crate::runtime::Backend;
use crate::trace::{self, Recorder};
use crate::util::lock_unpoisoned;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) fn check(variant: &Variant, params: &Params, budget: &Budget, mode: Mode) -> Report {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let mut verdict = Verdict::Holds;
    for execution in 1..=budget.executions.max(1) {
        match run_once(variant, params, budget.watchdog) {
            Ok(observed) => {
                let forbidden =
                    lock_unpoisoned(&tally).finish(observed.0, || observed.1.snapshot());
                if forbidden && mode == Mode::Check {
                    break;
                }
            }
            Err(failed) => {
                verdict = failed(execution);
                break;
            }
        }
    }
    let tally = std::mem::take(&mut *lock_unpoisoned(&tally));
    if matches!(verdict, Verdict::Holds) {
        verdict = tally.forbidden_verdict(|_| None);
    }
    let executions =
        tally.executions + usize::from(verdict.failure().is_some_and(|f| f.outcome.is_none()));
    Report {
        id: variant.id,
        backend: Backend::Native,
        params: params.clone(),
        verdict,
        executions,
        elapsed: started.elapsed(),
        outcomes: tally.outcomes,
        bounds: format!(
            "watchdog {:?}, sleep scale 1/{}",
            budget.watchdog,
            crate::runtime::sleep_scale()
        ),
    }
}

type Failed = Box<dyn FnOnce(usize) -> Verdict>;

fn run_once(
    variant: &Variant,
    params: &Params,
    watchdog: Duration,
) -> Result<(Observed, Arc<Recorder>), Failed> {
    let recorder = Arc::new(Recorder::default());
    let (done, finished) = channel();
    {
        let (recorder, run, params) = (
            recorder.clone(),
            variant.runner(Backend::Native).expect("always built"),
            params.clone(),
        );
        std::thread::Builder::new()
            .name("main".to_owned())
            .spawn(move || {
                trace::install(Some(recorder));
                let result = catch_unwind(AssertUnwindSafe(|| run(&params)));
                let _ = done.send(result.map_err(|payload| super::panic_message(&*payload)));
            })
            .expect("the OS refused to start a thread");
    }
    let mut last_progress = (recorder.progress(), Instant::now());
    loop {
        match finished.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok(observed)) => return Ok((observed, recorder)),
            Ok(Err(message)) => {
                return Err(Box::new(move |execution| {
                    let failure = |message| Failure {
                        message,
                        execution,
                        outcome: None,
                        trace: recorder.snapshot(),
                        replay: None,
                    };
                    super::verdict_from_panic(message, failure)
                }));
            }
            Err(RecvTimeoutError::Disconnected) => unreachable!("the runner thread always reports"),
            Err(RecvTimeoutError::Timeout) => {
                let progress = recorder.progress();
                if progress != last_progress.0 {
                    last_progress = (progress, Instant::now());
                } else if last_progress.1.elapsed() >= watchdog {
                    let trace = recorder.snapshot();
                    recorder.freeze();
                    let mut message = format!("no progress for {watchdog:?}: deadlock likely");
                    let why = trace.deadlock_explanation().unwrap_or_default();
                    if let Some(why) = why.strip_prefix("deadlock: ") {
                        message = format!("{message}; {why}");
                    }
                    return Err(Box::new(move |execution| {
                        Verdict::Deadlock(Failure {
                            message,
                            execution,
                            outcome: None,
                            trace,
                            replay: None,
                        })
                    }));
                }
            }
        }
    }
}
