//! Exploring with loom: every interleaving up to the preemption bound, in a fixed order, so an
//! execution's index is enough to reach it again.

use super::{Budget, CheckError, Mode, Report};
use crate::model::{Params, Variant};
use crate::runtime::Backend;

#[cfg(not(loom))]
pub(super) fn check(
    _variant: &Variant,
    _params: &Params,
    _budget: &Budget,
    _mode: Mode,
    _replay: Option<usize>,
) -> Result<Report, CheckError> {
    Err(CheckError::NotBuilt(Backend::Loom))
}

#[cfg(loom)]
pub(super) fn check(
    variant: &Variant,
    params: &Params,
    budget: &Budget,
    _mode: Mode,
    replay: Option<usize>,
) -> Result<Report, CheckError> {
    use super::token::{ReplayToken, Schedule};
    use super::{Failure, Tally};
    use crate::trace::{self, Recorder};
    use crate::util::lock_unpoisoned;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    /// Unwinds out of loom once the execution being replayed is done.
    struct ReplayDone;

    let recorder = Arc::new(Recorder::default());
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(budget.preemption_bound);
    let started = Instant::now();
    let result = {
        let (recorder, tally, run, params) = (
            recorder.clone(),
            tally.clone(),
            variant
                .runner(Backend::Loom)
                .expect("built with --cfg loom"),
            params.clone(),
        );
        catch_unwind(AssertUnwindSafe(|| {
            builder.check(move || {
                recorder.reset();
                trace::install(Some(recorder.clone()));
                let observed = run(&params);
                let mut tally = lock_unpoisoned(&tally);
                let index = tally.executions + 1;
                match replay {
                    Some(target) if index < target => tally.executions += 1,
                    Some(_) => {
                        tally.finish(observed, || recorder.snapshot());
                        drop(tally);
                        std::panic::resume_unwind(Box::new(ReplayDone));
                    }
                    None => {
                        tally.finish(observed, || recorder.snapshot());
                    }
                }
            })
        }))
    };
    trace::install(None);
    let elapsed = started.elapsed();
    let tally = std::mem::take(&mut *lock_unpoisoned(&tally));
    let token = |execution| {
        Some(ReplayToken {
            threads: params.threads,
            schedule: Schedule::Loom {
                preemption_bound: budget.preemption_bound,
                execution,
            },
        })
    };
    let (verdict, executions) = match result {
        Ok(()) => (tally.forbidden_verdict(token), tally.executions),
        Err(payload) if payload.is::<ReplayDone>() => {
            (tally.forbidden_verdict(token), tally.executions)
        }
        Err(payload) => {
            let execution = tally.executions + 1;
            let failure = |message| Failure {
                message,
                execution,
                outcome: None,
                trace: recorder.snapshot(),
                replay: token(execution),
            };
            (
                super::verdict_from_panic(super::panic_message(&*payload), failure),
                execution,
            )
        }
    };
    if let Some(target) = replay
        && executions < target
    {
        return Err(CheckError::BadToken(format!(
            "loom explores only {executions} executions of {} with {} threads",
            variant.id, params.threads
        )));
    }
    Ok(Report {
        id: variant.id,
        backend: Backend::Loom,
        params: params.clone(),
        verdict,
        executions,
        elapsed,
        outcomes: tally.outcomes,
        bounds: format!("preemption bound {}", budget.preemption_bound),
    })
}
