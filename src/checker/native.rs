//! Running natively: real threads, no exploration. Each execution runs on a fresh `main` thread
//! and gets a watchdog: one that makes no progress for `budget.watchdog` is reported as a likely
//! deadlock (its threads are left blocked, and the run moves on).

use super::explore::{Ending, Execution, Explorer, Search, Which};
use super::{Budget, CheckError, Mode, ReplayToken, Report};
use crate::lesson::{Params, Variant};
use crate::runtime::Backend;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

struct NativeExplorer {
    executions: usize,
    watchdog: Duration,
}

impl Explorer for NativeExplorer {
    const BACKEND: Backend = Backend::Native;

    fn explore_job(&self, _job: usize, execution: &Arc<Execution>) -> Ending {
        for _ in 0..self.executions.max(1) {
            if execution.should_stop() {
                break;
            }
            if let Some(ending) = self.run_once(execution) {
                return ending;
            }
        }
        Ending::Finished
    }

    fn token(&self, _: usize, _: Which) -> Option<ReplayToken> {
        None
    }

    fn bounds(&self) -> String {
        format!(
            "watchdog {:?}, sleep scale 1/{}",
            self.watchdog,
            crate::runtime::sleep_scale()
        )
    }
}

impl NativeExplorer {
    /// One execution on its own `main` thread; `Some` when it did not finish.
    fn run_once(&self, execution: &Arc<Execution>) -> Option<Ending> {
        execution.renew_recorder();
        let (done, finished) = channel();
        {
            let execution = execution.clone();
            std::thread::Builder::new()
                .name("main".to_owned())
                .spawn(move || {
                    let result = catch_unwind(AssertUnwindSafe(|| execution.once()));
                    let _ = done.send(result);
                })
                .expect("the OS refused to start a thread");
        }
        let recorder = execution.recorder();
        let mut last_progress = (recorder.progress(), Instant::now());
        loop {
            match finished.recv_timeout(Duration::from_millis(50)) {
                Ok(Ok(())) => return None,
                Ok(Err(payload)) => return Some(Ending::Panicked(payload)),
                Err(RecvTimeoutError::Disconnected) => {
                    unreachable!("the runner thread always reports")
                }
                Err(RecvTimeoutError::Timeout) => {
                    let progress = recorder.progress();
                    if progress != last_progress.0 {
                        last_progress = (progress, Instant::now());
                    } else if last_progress.1.elapsed() >= self.watchdog {
                        recorder.freeze();
                        return Some(Ending::Stalled(self.watchdog));
                    }
                }
            }
        }
    }
}

pub(super) fn check(
    variant: &Variant,
    params: &Params,
    budget: &Budget,
    mode: Mode,
    search: &Arc<Search>,
) -> Result<Report, CheckError> {
    let explorer = NativeExplorer {
        executions: budget.execution_limit(),
        watchdog: budget.watchdog,
    };
    super::explore::explore(variant, params, mode, &explorer, search)
}
