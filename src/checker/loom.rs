//! Exploring with loom: every interleaving up to the preemption bound, in a fixed order, so an
//! execution's index is enough to reach it again.

use super::explore::Search;
use super::{Budget, CheckError, Mode, Report};
use crate::lesson::{Params, Variant};
use std::sync::Arc;

#[cfg(not(loom))]
pub(super) fn check(
    _variant: &Variant,
    _params: &Params,
    _budget: &Budget,
    _mode: Mode,
    _replay: Option<usize>,
    _search: &Arc<Search>,
) -> Result<Report, CheckError> {
    Err(CheckError::NotBuilt(crate::runtime::Backend::Loom))
}

#[cfg(loom)]
pub(super) fn check(
    variant: &Variant,
    params: &Params,
    budget: &Budget,
    mode: Mode,
    replay: Option<usize>,
    search: &Arc<Search>,
) -> Result<Report, CheckError> {
    let explorer = explorer::LoomExplorer {
        preemption_bound: budget.preemption_bound,
        tag: super::token::tag(variant.id),
        threads: params.threads,
        replay,
        budget: budget.execution_limit(),
        unfinished: Default::default(),
    };
    let report = super::explore::explore(variant, params, mode, &explorer, search)?;
    if let Some(target) = replay
        && report.executions == 0
    {
        return Err(CheckError::BadToken(format!(
            "loom explores fewer than {target} executions of {} with {} threads",
            variant.id, params.threads
        )));
    }
    Ok(report)
}

#[cfg(loom)]
mod explorer {
    use super::super::explore::{Ending, Execution, Explorer, Which};
    use super::super::token::{ReplayToken, Schedule};
    use crate::runtime::Backend;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Unwinds out of loom once the execution being replayed is done, or the search must stop
    /// (loom has no other way to end a search early).
    struct Done;

    pub(super) struct LoomExplorer {
        pub preemption_bound: usize,
        pub tag: String,
        pub threads: usize,
        /// Replay: run up to this execution (1-based) and stop there.
        pub replay: Option<usize>,
        /// Executions the search may run; loom asking for one more leaves it unfinished.
        pub budget: usize,
        pub unfinished: Arc<AtomicBool>,
    }

    impl Explorer for LoomExplorer {
        const BACKEND: Backend = Backend::Loom;

        fn exhaustive(&self) -> bool {
            self.replay.is_none()
        }

        fn unfinished(&self) -> bool {
            self.unfinished.load(Ordering::SeqCst)
        }

        fn explore_job(&self, _job: usize, execution: &Arc<Execution>) -> Ending {
            let (execution, replay) = (execution.clone(), self.replay);
            let (budget, unfinished) = (self.budget, self.unfinished.clone());
            let result = catch_unwind(AssertUnwindSafe(|| {
                // Inside: loom's builder reads LOOM_* variables and panics on a bad one.
                let mut builder = loom::model::Builder::new();
                builder.preemption_bound = Some(self.preemption_bound);
                builder.check(move || {
                    if execution.should_stop() {
                        std::panic::resume_unwind(Box::new(Done));
                    }
                    if replay.is_none() && execution.executions() >= budget {
                        unfinished.store(true, Ordering::SeqCst);
                        std::panic::resume_unwind(Box::new(Done));
                    }
                    if execution.step(replay) {
                        std::panic::resume_unwind(Box::new(Done));
                    }
                })
            }));
            match result {
                Ok(()) => Ending::Finished,
                Err(payload) if payload.is::<Done>() => Ending::Finished,
                Err(payload) => Ending::Panicked(payload),
            }
        }

        fn token(&self, _job: usize, which: Which) -> Option<ReplayToken> {
            let (Which::FirstForbidden(execution) | Which::Failing(execution)) = which;
            Some(ReplayToken {
                tag: self.tag.clone(),
                threads: self.threads,
                schedule: Schedule::Loom {
                    preemption_bound: self.preemption_bound,
                    execution,
                },
            })
        }

        fn bounds(&self) -> String {
            match self.replay {
                Some(execution) => format!(
                    "replay of execution {execution}: preemption bound {}",
                    self.preemption_bound
                ),
                None => format!("preemption bound {}", self.preemption_bound),
            }
        }
    }
}
