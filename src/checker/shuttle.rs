//! Exploring with shuttle: PCT or random schedules from a fixed seed, each execution's schedule
//! recorded so that a failure can be replayed exactly.

use super::token::{ReplayToken, Schedule as TokenSchedule};
use super::{Budget, CheckError, Failure, Mode, Report, Strategy, Tally};
use crate::model::{Params, Variant};
use crate::runtime::Backend;
use crate::trace::{self, Recorder};
use crate::util::lock_unpoisoned;
use shuttle::scheduler::{
    PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Wraps a scheduler and writes down every decision of the current execution, keeping the
/// schedule of the first execution that ended in a forbidden outcome.
struct Recording<S> {
    inner: S,
    schedule: Rc<RefCell<Schedule>>,
    first_forbidden: Rc<RefCell<Option<Schedule>>>,
    forbidden_seen: Arc<AtomicBool>,
    stop_at_forbidden: bool,
}

impl<S> Recording<S> {
    fn keep_forbidden_schedule(&self) {
        let mut first = self.first_forbidden.borrow_mut();
        if first.is_none() && self.forbidden_seen.load(Ordering::SeqCst) {
            *first = Some(self.schedule.borrow().clone());
        }
    }
}

impl<S: Scheduler> Scheduler for Recording<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.keep_forbidden_schedule();
        if self.stop_at_forbidden && self.forbidden_seen.load(Ordering::SeqCst) {
            return None;
        }
        let schedule = self.inner.new_execution()?;
        *self.schedule.borrow_mut() = schedule.clone();
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let task = self.inner.next_task(runnable, current, is_yielding)?;
        self.schedule.borrow_mut().push_task(task);
        Some(task)
    }

    fn next_u64(&mut self) -> u64 {
        self.schedule.borrow_mut().push_random();
        self.inner.next_u64()
    }
}

pub(super) fn check(variant: &Variant, params: &Params, budget: &Budget, mode: Mode) -> Report {
    let executions = budget.executions.max(1);
    let scheduler: Box<dyn Scheduler + Send> = match budget.strategy {
        Strategy::Pct { depth } => {
            Box::new(PctScheduler::new_from_seed(budget.seed, depth, executions))
        }
        Strategy::Random => Box::new(RandomScheduler::new_from_seed(budget.seed, executions)),
    };
    let bounds = match budget.strategy {
        Strategy::Pct { depth } => format!("pct depth {depth}, seed {}", budget.seed),
        Strategy::Random => format!("random, seed {}", budget.seed),
    };
    explore(variant, params, budget.max_steps, scheduler, mode, bounds)
}

pub(super) fn replay(variant: &Variant, threads: usize, hex: &str) -> Result<Report, CheckError> {
    let schedule = deserialize_schedule(hex)
        .ok_or_else(|| CheckError::BadToken("the shuttle schedule does not decode".to_owned()))?;
    let mut scheduler = ReplayScheduler::new_from_schedule(schedule);
    scheduler.set_allow_incomplete();
    let params = Params { threads };
    let budget = Budget::defaults(Backend::Shuttle, Mode::Check);
    let report = explore(
        variant,
        &params,
        budget.max_steps,
        Box::new(scheduler),
        Mode::Check,
        "replay".into(),
    );
    let diverged = report
        .verdict
        .failure()
        .is_some_and(|f| f.message.contains("schedule") && f.message.contains("replay"));
    if diverged || report.executions == 0 {
        return Err(CheckError::BadToken(format!(
            "the schedule does not fit {} with {threads} threads",
            variant.id
        )));
    }
    Ok(report)
}

fn explore(
    variant: &Variant,
    params: &Params,
    max_steps: usize,
    scheduler: Box<dyn Scheduler + Send>,
    mode: Mode,
    mut bounds: String,
) -> Report {
    let schedule = Rc::new(RefCell::new(Schedule::new(0)));
    let first_forbidden = Rc::new(RefCell::new(None));
    let forbidden_seen = Arc::new(AtomicBool::new(false));
    let recording = Recording {
        inner: scheduler,
        schedule: schedule.clone(),
        first_forbidden: first_forbidden.clone(),
        forbidden_seen: forbidden_seen.clone(),
        stop_at_forbidden: mode == Mode::Check,
    };

    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::FailAfter(max_steps);
    config.silence_warnings = true;

    let recorder = Arc::new(Recorder::default());
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let result = {
        let (recorder, tally, run, params) = (
            recorder.clone(),
            tally.clone(),
            variant.runner(Backend::Shuttle).expect("always built"),
            params.clone(),
        );
        let forbidden_seen = forbidden_seen.clone();
        let body = move || {
            recorder.reset();
            trace::install(Some(recorder.clone()));
            let observed = run(&params);
            if lock_unpoisoned(&tally).finish(observed, || recorder.snapshot()) {
                forbidden_seen.store(true, Ordering::SeqCst);
            }
        };
        let runner = Runner::new(recording, config);
        catch_unwind(AssertUnwindSafe(|| runner.run(body)))
    };
    trace::install(None);
    let elapsed = started.elapsed();
    let tally = std::mem::take(&mut *lock_unpoisoned(&tally));
    let token = |schedule: &Schedule| ReplayToken {
        threads: params.threads,
        schedule: TokenSchedule::Shuttle(serialize_schedule(schedule).replace('\n', "")),
    };
    let (verdict, executions) = match result {
        Ok(_) => {
            let failing = first_forbidden.borrow().clone().or_else(|| {
                // The search ended right after the forbidden execution: its schedule is the last.
                forbidden_seen
                    .load(Ordering::SeqCst)
                    .then(|| schedule.borrow().clone())
            });
            (
                tally.forbidden_verdict(|_| failing.as_ref().map(token)),
                tally.executions,
            )
        }
        Err(payload) if super::panic_message(&*payload).contains(SEQUENTIAL) => {
            // PCT found no step where two threads could run: every schedule is this one.
            bounds = "no two threads were ever runnable at once: one schedule is all schedules"
                .to_owned();
            (tally.forbidden_verdict(|_| None), tally.executions)
        }
        Err(payload) => {
            let execution = tally.executions + 1;
            let failure = |message| Failure {
                message,
                execution,
                outcome: None,
                trace: recorder.snapshot(),
                replay: Some(token(&schedule.borrow())),
            };
            (
                super::verdict_from_panic(super::panic_message(&*payload), failure),
                execution,
            )
        }
    };
    Report {
        id: variant.id,
        backend: Backend::Shuttle,
        params: params.clone(),
        verdict,
        executions,
        elapsed,
        outcomes: tally.outcomes,
        bounds,
    }
}

/// PCT's complaint about a program in which no two threads are ever runnable at once.
const SEQUENTIAL: &str = "did not exercise any concurrency";
