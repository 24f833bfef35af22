//! Exploring with shuttle: PCT or random schedules from a fixed seed, each execution's schedule
//! recorded so that a failure can be replayed exactly.

use super::explore::{Ending, Execution, Explorer, Which};
use super::token::{ReplayToken, Schedule as TokenSchedule};
use super::{Budget, CheckError, Mode, Report, Strategy};
use crate::lesson::{Params, Variant};
use crate::runtime::Backend;
use shuttle::scheduler::{
    PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;

/// Wraps a scheduler and writes down every decision of the current execution, keeping the
/// schedule of the first execution that ended in a forbidden outcome.
struct Recording<S> {
    inner: S,
    execution: Arc<Execution>,
    schedules: Rc<RefCell<Schedules>>,
}

#[derive(Default)]
struct Schedules {
    current: Option<Schedule>,
    first_forbidden: Option<Schedule>,
}

impl<S> Recording<S> {
    fn keep_forbidden_schedule(&self) {
        let mut schedules = self.schedules.borrow_mut();
        if schedules.first_forbidden.is_none() && self.execution.forbidden_seen() {
            schedules.first_forbidden = schedules.current.clone();
        }
    }
}

impl<S: Scheduler> Scheduler for Recording<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.keep_forbidden_schedule();
        if self.execution.should_stop() {
            return None;
        }
        let schedule = self.inner.new_execution()?;
        self.schedules.borrow_mut().current = Some(schedule.clone());
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let task = self.inner.next_task(runnable, current, is_yielding)?;
        if let Some(schedule) = self.schedules.borrow_mut().current.as_mut() {
            schedule.push_task(task);
        }
        Some(task)
    }

    fn next_u64(&mut self) -> u64 {
        if let Some(schedule) = self.schedules.borrow_mut().current.as_mut() {
            schedule.push_random();
        }
        self.inner.next_u64()
    }
}

/// Shuttle's explorer: one scheduler, run under shuttle's `Runner` on the calling thread.
struct ShuttleExplorer {
    scheduler: Option<Box<dyn Scheduler + Send>>,
    max_steps: usize,
    threads: usize,
    bounds: String,
    schedules: Rc<RefCell<Schedules>>,
}

impl Explorer for ShuttleExplorer {
    const BACKEND: Backend = Backend::Shuttle;

    fn explore(&mut self, execution: &Arc<Execution>) -> Ending {
        let Some(scheduler) = self.scheduler.take() else {
            return Ending::Finished;
        };
        let recording = Recording {
            inner: scheduler,
            execution: execution.clone(),
            schedules: self.schedules.clone(),
        };
        let mut config = Config::new();
        config.failure_persistence = FailurePersistence::None;
        config.max_steps = MaxSteps::FailAfter(self.max_steps);
        config.silence_warnings = true;
        let runner = Runner::new(recording, config);
        let body = {
            let execution = execution.clone();
            move || execution.once()
        };
        let result = catch_unwind(AssertUnwindSafe(|| runner.run(body)));
        match result {
            Ok(_) => {
                // The search may end right after the forbidden execution: its schedule is the last.
                let mut schedules = self.schedules.borrow_mut();
                if schedules.first_forbidden.is_none() && execution.forbidden_seen() {
                    schedules.first_forbidden = schedules.current.clone();
                }
                Ending::Finished
            }
            Err(payload) => Ending::Panicked(payload),
        }
    }

    fn token(&self, which: Which) -> Option<ReplayToken> {
        let schedules = self.schedules.borrow();
        let schedule = match which {
            Which::FirstForbidden(_) => schedules.first_forbidden.as_ref(),
            Which::Failing(_) => schedules.current.as_ref(),
        }?;
        Some(ReplayToken {
            threads: self.threads,
            schedule: TokenSchedule::Shuttle(serialize_schedule(schedule).replace('\n', "")),
        })
    }

    fn bounds(&self) -> String {
        self.bounds.clone()
    }
}

pub(super) fn check(
    variant: &Variant,
    params: &Params,
    budget: &Budget,
    mode: Mode,
) -> Result<Report, CheckError> {
    let executions = budget.executions.max(1);
    let (scheduler, bounds): (Box<dyn Scheduler + Send>, String) = match budget.strategy {
        Strategy::Pct { depth } => (
            Box::new(PctScheduler::new_from_seed(budget.seed, depth, executions)),
            format!("pct depth {depth}, seed {}", budget.seed),
        ),
        Strategy::Random => (
            Box::new(RandomScheduler::new_from_seed(budget.seed, executions)),
            format!("random, seed {}", budget.seed),
        ),
    };
    let mut explorer = ShuttleExplorer {
        scheduler: Some(scheduler),
        max_steps: budget.max_steps,
        threads: params.threads,
        bounds,
        schedules: Rc::default(),
    };
    super::explore::explore(variant, params, mode, &mut explorer)
}

pub(super) fn replay(variant: &Variant, params: &Params, hex: &str) -> Result<Report, CheckError> {
    let does_not_fit = || {
        CheckError::BadToken(format!(
            "the schedule does not fit {} with {} threads",
            variant.id, params.threads
        ))
    };
    let schedule = deserialize_schedule(hex)
        .ok_or_else(|| CheckError::BadToken("the shuttle schedule does not decode".to_owned()))?;
    let mut scheduler = ReplayScheduler::new_from_schedule(schedule);
    scheduler.set_allow_incomplete();
    let mut explorer = ShuttleExplorer {
        scheduler: Some(Box::new(scheduler)),
        max_steps: Budget::defaults(Backend::Shuttle, Mode::Check).max_steps,
        threads: params.threads,
        bounds: "replay".to_owned(),
        schedules: Rc::default(),
    };
    match super::explore::explore(variant, params, Mode::Check, &mut explorer) {
        // The schedule asked shuttle for a step the model does not have.
        Err(CheckError::Backend { .. }) => Err(does_not_fit()),
        Ok(report) if report.executions == 0 => Err(does_not_fit()),
        other => other,
    }
}
