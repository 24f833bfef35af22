//! Exploring with shuttle: seeded schedulers (PCT, random, or a portfolio of both), one per job,
//! each execution's schedule recorded so that a failure can be replayed exactly.

use super::explore::{Ending, Execution, Explorer, Search, Which};
use super::token::{self, ReplayToken, Schedule as TokenSchedule};
use super::{Budget, CheckError, Mode, Report, Strategy};
use crate::lesson::{Params, Variant};
use crate::runtime::Backend;
use crate::util::lock_unpoisoned;
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, Once};

/// Where a job's schedules come from.
#[derive(Clone)]
enum Source {
    /// A seeded search: job `j` runs `strategy` from `job_seed(seed, j)`.
    Seeded { strategy: Strategy, seed: u64 },
    /// One schedule, replayed step by step.
    Schedule(Schedule),
}

/// Job `job`'s seed: job 0 keeps the run's own, so one job is the plain seeded search.
pub(super) fn job_seed(seed: u64, job: usize) -> u64 {
    if job == 0 {
        seed
    } else {
        splitmix(seed ^ (job as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A seeded scheduler for `strategy`, with no limit of its own on executions.
fn seeded(strategy: Strategy, seed: u64) -> Box<dyn Scheduler + Send> {
    match strategy {
        Strategy::Pct { depth } => Box::new(PctScheduler::new_from_seed(seed, depth, usize::MAX)),
        Strategy::Random => Box::new(RandomScheduler::new_from_seed(seed, usize::MAX)),
        Strategy::Portfolio => Box::new(Portfolio::new(seed)),
    }
}

/// Executions take turns among [`Strategy::PORTFOLIO`]'s members, each seeded on its own.
struct Portfolio {
    members: Vec<Box<dyn Scheduler + Send>>,
    executions: usize,
    current: usize,
}

impl Portfolio {
    fn new(seed: u64) -> Portfolio {
        let members = Strategy::PORTFOLIO
            .iter()
            .enumerate()
            .map(|(i, &member)| seeded(member, splitmix(seed.wrapping_add(i as u64))))
            .collect();
        Portfolio {
            members,
            executions: 0,
            current: 0,
        }
    }
}

impl Scheduler for Portfolio {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.current = self.executions % self.members.len();
        self.executions += 1;
        self.members[self.current].new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.members[self.current].next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.members[self.current].next_u64()
    }
}

/// What a job's recording keeps: the schedule of the execution running now, and of the first
/// that ended in a forbidden outcome.
#[derive(Default)]
struct Schedules {
    current: Option<Schedule>,
    first_forbidden: Option<Schedule>,
}

/// Wraps a job's scheduler: ends the job when its budget is spent or the search says stop, and
/// writes down every decision of the current execution.
struct Recording {
    /// Never dropped: shuttle's `RandomScheduler` (alone or in a portfolio) takes being dropped
    /// between two executions of its own count for a failure, and prints "failing seed … To
    /// replay the failure" on stderr. Our searches end at our budget or stop, and a replay token
    /// says how to replay, so the scheduler is forgotten instead (a few hundred bytes a job).
    inner: ManuallyDrop<Box<dyn Scheduler + Send>>,
    execution: Arc<Execution>,
    schedules: Arc<Mutex<Schedules>>,
    /// Executions this job may run.
    budget: usize,
    started: usize,
}

thread_local! {
    /// Set while a job's executions run on this thread: shuttle runs every task of an execution
    /// on the thread that called `Runner::run`.
    static EXPLORING: Cell<bool> = const { Cell::new(false) };
    /// The panic that ended the execution running on this thread, caught in its task.
    static CAUGHT: RefCell<Option<Box<dyn Any + Send>>> = const { RefCell::new(None) };
}

/// Runs a task's body (a facade thread's, a task's poll, the model's main); under a shuttle
/// search, a panic in it ends the execution there. Left to unwind out of the task, the panic
/// would be shuttle's to report, and it prints "test panicked in task …" on stderr. Caught
/// here, it is kept for the job, and the task yields to [`Recording`], which ends the
/// execution at once; the task is left unfinished, as shuttle leaves the others.
pub(crate) fn end_execution_at_panic<T>(body: impl FnOnce() -> T) -> T {
    if !EXPLORING.get() {
        return body();
    }
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            CAUGHT.with_borrow_mut(|caught| {
                caught.get_or_insert(payload);
            });
            loop {
                shuttle::thread::yield_now();
            }
        }
    }
}

fn panic_caught() -> bool {
    CAUGHT.with_borrow(Option::is_some)
}

impl Recording {
    fn keep_forbidden_schedule(&self) {
        let mut schedules = lock_unpoisoned(&self.schedules);
        if schedules.first_forbidden.is_none() && self.execution.forbidden_seen() {
            schedules.first_forbidden = schedules.current.clone();
        }
    }
}

impl Scheduler for Recording {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.keep_forbidden_schedule();
        if self.started >= self.budget || self.execution.should_stop() || panic_caught() {
            return None;
        }
        let schedule = self.inner.new_execution()?;
        self.started += 1;
        lock_unpoisoned(&self.schedules).current = Some(schedule.clone());
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if panic_caught() {
            return None;
        }
        let task = self.inner.next_task(runnable, current, is_yielding)?;
        if let Some(schedule) = lock_unpoisoned(&self.schedules).current.as_mut() {
            schedule.push_task(task);
        }
        Some(task)
    }

    fn next_u64(&mut self) -> u64 {
        if let Some(schedule) = lock_unpoisoned(&self.schedules).current.as_mut() {
            schedule.push_random();
        }
        self.inner.next_u64()
    }
}

/// Shuttle's explorer: each job runs its own scheduler under shuttle's `Runner` on its thread.
struct ShuttleExplorer {
    source: Source,
    /// Executions in the whole search (all jobs).
    executions: usize,
    jobs: usize,
    /// A replay: the search again, up to the execution its token names (`executions`).
    replay: bool,
    max_steps: usize,
    tag: String,
    threads: usize,
    schedules: Vec<Arc<Mutex<Schedules>>>,
}

impl ShuttleExplorer {
    /// Job `job`'s share of the executions: the numbers `job + 1`, `job + 1 + jobs`, ...
    fn share(&self, job: usize) -> usize {
        self.executions.saturating_sub(job).div_ceil(self.jobs)
    }
}

impl Explorer for ShuttleExplorer {
    const BACKEND: Backend = Backend::Shuttle;

    fn jobs(&self) -> usize {
        self.jobs
    }

    fn explore_job(&self, job: usize, execution: &Arc<Execution>) -> Ending {
        let scheduler = match &self.source {
            Source::Seeded { strategy, seed } => seeded(*strategy, job_seed(*seed, job)),
            Source::Schedule(schedule) => {
                let mut replay = ReplayScheduler::new_from_schedule(schedule.clone());
                replay.set_allow_incomplete();
                Box::new(replay)
            }
        };
        let recording = Recording {
            inner: ManuallyDrop::new(scheduler),
            execution: execution.clone(),
            schedules: self.schedules[job].clone(),
            budget: self.share(job),
            started: 0,
        };
        let mut config = quiet_config();
        config.max_steps = MaxSteps::FailAfter(self.max_steps);
        drop_shuttle_panic_hook();
        let runner = Runner::new(recording, config);
        let body = {
            let execution = execution.clone();
            move || end_execution_at_panic(|| execution.once())
        };
        CAUGHT.take();
        EXPLORING.set(true);
        let ran = catch_unwind(AssertUnwindSafe(|| runner.run(body)));
        EXPLORING.set(false);
        if let Some(payload) = CAUGHT.take() {
            return Ending::Panicked(payload);
        }
        match ran {
            Ok(_) => {
                // The search may end right after the forbidden execution: its schedule is the last.
                let mut schedules = lock_unpoisoned(&self.schedules[job]);
                if schedules.first_forbidden.is_none() && execution.forbidden_seen() {
                    schedules.first_forbidden = schedules.current.clone();
                }
                Ending::Finished
            }
            Err(payload) => Ending::Panicked(payload),
        }
    }

    fn token(&self, job: usize, which: Which) -> Option<ReplayToken> {
        let schedule = match (&self.source, which) {
            (
                Source::Seeded { strategy, seed },
                Which::FirstForbidden(execution) | Which::Failing(execution),
            ) => TokenSchedule::Seeded {
                strategy: *strategy,
                seed: *seed,
                jobs: self.jobs,
                execution,
            },
            (Source::Schedule(_), which) => {
                let schedules = lock_unpoisoned(&self.schedules[job]);
                let schedule = match which {
                    Which::FirstForbidden(_) => schedules.first_forbidden.as_ref(),
                    Which::Failing(_) => schedules.current.as_ref(),
                }?;
                TokenSchedule::Shuttle(serialize_schedule(schedule).replace('\n', ""))
            }
        };
        Some(ReplayToken {
            tag: self.tag.clone(),
            threads: self.threads,
            schedule,
        })
    }

    fn bounds(&self) -> String {
        let search = match &self.source {
            Source::Seeded { strategy, seed } if self.jobs > 1 => {
                format!("{}, seed {seed}, {} jobs", strategy.describe(), self.jobs)
            }
            Source::Seeded { strategy, seed } => format!("{}, seed {seed}", strategy.describe()),
            Source::Schedule(_) => return "replay".to_owned(),
        };
        if self.replay {
            format!("replay of execution {}: {search}", self.executions)
        } else {
            search
        }
    }
}

/// Shuttle's configuration with nothing of its own to say: no schedule printed or written to a
/// file at a failure (the report's token replays it), no warnings.
fn quiet_config() -> Config {
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.silence_warnings = true;
    config
}

/// Shuttle installs a panic hook at its first execution, once per process, that prints "Task
/// failed, serializing schedule" and the failing task's name on stderr for every later panic in
/// the process, even one outside any execution (a user's failed `assert_holds`: "Tried to get
/// ExecutionState, but got the following error: NotSet"). The checker's own hook (installed
/// before any search) already keeps an explored panic quiet and passes any other on, so
/// shuttle's is made to install itself now, over the default hook, and is dropped.
fn drop_shuttle_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let ours = std::panic::take_hook();
        Runner::new(DfsScheduler::new(Some(1), false), quiet_config()).run(|| {});
        drop(std::panic::take_hook());
        std::panic::set_hook(ours);
    });
}

fn explorer(variant: &Variant, params: &Params, source: Source, jobs: usize) -> ShuttleExplorer {
    ShuttleExplorer {
        source,
        executions: 0,
        jobs,
        replay: false,
        max_steps: Budget::defaults(Backend::Shuttle, Mode::Check).max_steps,
        tag: token::tag(variant.id),
        threads: params.threads,
        schedules: (0..jobs).map(|_| Arc::default()).collect(),
    }
}

pub(super) fn check(
    variant: &Variant,
    params: &Params,
    budget: &Budget,
    mode: Mode,
    search: &Arc<Search>,
) -> Result<Report, CheckError> {
    let source = Source::Seeded {
        strategy: budget.strategy,
        seed: budget.seed,
    };
    let executions = budget.execution_limit();
    let jobs = budget.jobs.clamp(1, executions.clamp(1, token::MAX_JOBS));
    let mut explorer = explorer(variant, params, source, jobs);
    explorer.executions = executions;
    explorer.max_steps = budget.max_steps;
    super::explore::explore(variant, params, mode, &explorer, search)
}

/// Runs the seeded search of `jobs` jobs again, up to its execution `target`: its first failure
/// is that execution, with the same counts as the check that found it.
pub(super) fn replay_seeded(
    variant: &Variant,
    params: &Params,
    strategy: Strategy,
    seed: u64,
    jobs: usize,
    target: usize,
    search: &Arc<Search>,
) -> Result<Report, CheckError> {
    let mut explorer = explorer(variant, params, Source::Seeded { strategy, seed }, jobs);
    explorer.executions = target;
    explorer.replay = true;
    super::explore::explore(variant, params, Mode::Check, &explorer, search)
}

pub(super) fn replay(
    variant: &Variant,
    params: &Params,
    hex: &str,
    search: &Arc<Search>,
) -> Result<Report, CheckError> {
    let does_not_fit = || {
        CheckError::BadToken(format!(
            "the schedule does not fit {} with {} threads",
            variant.id, params.threads
        ))
    };
    let schedule = deserialize_schedule(hex)
        .ok_or_else(|| CheckError::BadToken("the shuttle schedule does not decode".to_owned()))?;
    let mut explorer = explorer(variant, params, Source::Schedule(schedule), 1);
    explorer.executions = 1;
    match super::explore::explore(variant, params, Mode::Check, &explorer, search) {
        // The schedule asked shuttle for a step the model does not have.
        Err(CheckError::Backend { .. }) => Err(does_not_fit()),
        Ok(report) if report.executions == 0 => Err(does_not_fit()),
        other => other,
    }
}
