//! What every backend shares: one execution run and counted ([`Execution`]), the trait each
//! backend's explorer implements ([`Explorer`]), and the one function that turns the end of a
//! search into a [`Report`].
//!
//! The lifecycle: [`explore`] gives every job of the search (shuttle runs one per core; the
//! others run one) an [`Execution`] of its own (a recorder, a tally) and calls
//! [`Explorer::explore_job`] on its own thread. A job calls [`Execution::once`] for every
//! execution it runs, until its budget is spent, [`Execution::should_stop`] says so, or an
//! execution panics. Then the jobs' endings become one verdict, with the explorer's replay token
//! for the execution that shows it.
//!
//! Jobs and determinism: job `j` of `n` runs the executions numbered `j + 1`, `j + 1 + n`, ...
//! of the whole search. A job that finds a failure lowers the shared limit to its execution's
//! number, and the others stop before they pass it, so the first failure by that numbering is
//! the one reported, and the counts are the same on every run with the same seed and jobs.
//! That number is the one the report, the token and the token's replay (the same search again,
//! up to it) all print; a check, which stops there, has run exactly that many executions unless
//! it was cut short.

use super::backend_panic::{self, Cause};
use super::{CheckError, Failure, Mode, NotChecked, OutcomeTable, ReplayToken, Report, Verdict};
use crate::lesson::{Class, Observed, Params, RunFn, Variant};
use crate::runtime::Backend;
use crate::runtime::panic_text;
use crate::runtime::sight::BlindSpot;
use crate::trace::{self, Recorder, Trace, Waiting};
use crate::util::lock_unpoisoned;
use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How one job's search ended.
pub(super) enum Ending {
    /// The budget was spent, the search was exhausted, or it stopped at a forbidden outcome.
    Finished,
    /// An execution panicked, with this payload.
    Panicked(Box<dyn Any + Send>),
    /// Natively: an execution made no progress for this long.
    Stalled(Duration),
}

/// Which execution of a job a replay token should name, by its number in the whole search
/// (1-based, the number the report prints), not the job's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Which {
    /// The first execution that ended in a forbidden outcome.
    FirstForbidden(usize),
    /// The last execution run, which failed.
    Failing(usize),
}

/// One backend's way of running executions.
pub(super) trait Explorer: Sync {
    const BACKEND: Backend;
    /// How many jobs share the search, each on its own thread.
    fn jobs(&self) -> usize {
        1
    }
    /// Runs job `job`'s executions of `execution` until its part of the search ends.
    fn explore_job(&self, job: usize, execution: &Arc<Execution>) -> Ending;
    /// The token that replays `which` execution of job `job`, if this backend can replay it.
    fn token(&self, job: usize, which: Which) -> Option<ReplayToken>;
    /// What bounded the search, in words (seed, strategy, preemption bound).
    fn bounds(&self) -> String;
    /// Whether the executions run are every one there is (loom), not a sample.
    fn exhaustive(&self) -> bool {
        false
    }
    /// Whether the search had executions left when it spent its budget (loom).
    fn unfinished(&self) -> bool {
        false
    }
}

/// What all jobs of one search share: how far they may go, and how far they got.
#[derive(Debug)]
pub struct Search {
    /// The global number of the earliest failure found so far (`usize::MAX`: none).
    limit: AtomicUsize,
    /// Executions finished, all jobs together (for progress).
    finished: AtomicUsize,
    /// Set from outside (Ctrl-C, a time limit): every job stops at its next execution.
    interrupted: AtomicBool,
    jobs: AtomicUsize,
    started: Instant,
    time: Option<Duration>,
    /// Over every execution: the locks a `try_lock` was called on, and the locks held with
    /// nothing done between taking and releasing them (see [`busy_lock_unseen`]).
    lock_sections: Mutex<(BTreeSet<String>, BTreeSet<String>)>,
}

impl Search {
    /// A search within `budget`'s time limit, if any.
    pub fn new(budget: &super::Budget) -> Arc<Search> {
        Arc::new(Search {
            limit: AtomicUsize::new(usize::MAX),
            finished: AtomicUsize::new(0),
            interrupted: AtomicBool::new(false),
            jobs: AtomicUsize::new(1),
            started: Instant::now(),
            time: budget.time,
            lock_sections: Mutex::default(),
        })
    }

    /// Executions finished so far, all jobs together.
    pub fn executions(&self) -> usize {
        self.finished.load(Ordering::Relaxed)
    }

    /// Failures found so far (a check stops at its first).
    pub fn failed(&self) -> bool {
        self.limit.load(Ordering::SeqCst) != usize::MAX
    }

    /// Asks every job to stop before its next execution; the report says it was interrupted.
    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
    }

    /// Time since the search started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The global number of job `job`'s `index`-th execution.
    fn global(&self, job: usize, index: usize) -> usize {
        (index - 1) * self.jobs.load(Ordering::Relaxed) + job + 1
    }

    fn found(&self, job: usize, index: usize) {
        self.limit
            .fetch_min(self.global(job, index), Ordering::SeqCst);
    }

    /// Whether job `job` may start its `index`-th execution.
    fn may_run(&self, job: usize, index: usize) -> bool {
        let time_left = self.time.is_none_or(|time| self.started.elapsed() < time);
        if !time_left {
            self.interrupted.store(true, Ordering::SeqCst);
        }
        time_left
            && !self.interrupted.load(Ordering::SeqCst)
            && self.global(job, index) <= self.limit.load(Ordering::SeqCst)
    }
}

/// One job's run of a variant: its recorder and tally, shared with the job's executions.
pub(super) struct Execution {
    recorder: Mutex<Arc<Recorder>>,
    tally: Mutex<Tally>,
    run: RunFn,
    params: Params,
    stop_at_forbidden: bool,
    job: usize,
    search: Arc<Search>,
}

impl Execution {
    fn new(run: RunFn, params: &Params, mode: Mode, job: usize, search: &Arc<Search>) -> Arc<Self> {
        let recorder = Arc::new(Recorder::default());
        backend_panic::forget_site(&recorder);
        Arc::new(Execution {
            recorder: Mutex::new(recorder),
            tally: Mutex::default(),
            run,
            params: params.clone(),
            stop_at_forbidden: mode == Mode::Check,
            job,
            search: search.clone(),
        })
    }

    /// Runs one execution on the calling thread and counts its outcome.
    pub(super) fn once(&self) {
        let index = self.executions() + 1;
        let observed = self.run_model();
        let (try_locked, bare) = self.recorder().lock_sections();
        {
            let mut sections = lock_unpoisoned(&self.search.lock_sections);
            sections.0.extend(try_locked);
            sections.1.extend(bare);
        }
        let forbidden =
            lock_unpoisoned(&self.tally).finish(observed, || self.recorder().snapshot());
        self.search.finished.fetch_add(1, Ordering::Relaxed);
        if forbidden && self.stop_at_forbidden {
            self.search.found(self.job, index);
        }
    }

    fn run_model(&self) -> Observed {
        let recorder = self.recorder();
        recorder.reset();
        backend_panic::forget_site(&recorder);
        trace::install(Some(recorder));
        (self.run)(&self.params)
    }

    /// Executions of this job counted so far.
    pub(super) fn executions(&self) -> usize {
        lock_unpoisoned(&self.tally).executions()
    }

    /// Whether this job has run an execution that ended in a forbidden outcome.
    pub(super) fn forbidden_seen(&self) -> bool {
        lock_unpoisoned(&self.tally).first_forbidden.is_some()
    }

    /// One step of a search, or of a replay running the search again up to execution
    /// `replay_to`, counted as the search counted it. Returns whether this was the target.
    #[cfg(loom)]
    pub(super) fn step(&self, replay_to: Option<usize>) -> bool {
        self.once();
        replay_to.is_some_and(|target| self.executions() >= target)
    }

    /// Whether the job must not start another execution: a `check` is done at its first
    /// forbidden outcome, another job found an earlier failure, or the search was interrupted.
    pub(super) fn should_stop(&self) -> bool {
        (self.stop_at_forbidden && self.forbidden_seen())
            || !self.search.may_run(self.job, self.executions() + 1)
    }

    /// The recorder the job's current execution records into.
    pub(super) fn recorder(&self) -> Arc<Recorder> {
        lock_unpoisoned(&self.recorder).clone()
    }

    /// A recorder of its own for the next execution: natively, threads of an execution that
    /// outlive it (daemons, a stalled run) must not write into the next one's timeline.
    pub(super) fn renew_recorder(&self) {
        *lock_unpoisoned(&self.recorder) = Arc::new(Recorder::default());
    }
}

/// One job's result, before the jobs are merged.
struct JobResult {
    job: usize,
    ending: Ending,
    tally: Tally,
    trace: Trace,
    site: Option<String>,
}

impl JobResult {
    /// Where the job stopped short of its budget, by its own execution number: the first
    /// forbidden outcome (a check stops there) or the execution that did not finish.
    fn stop_index(&self, mode: Mode) -> Option<usize> {
        match self.ending {
            Ending::Finished => self.forbidden_index().filter(|_| mode == Mode::Check),
            Ending::Panicked(_) | Ending::Stalled(_) => Some(self.tally.executions() + 1),
        }
    }

    fn forbidden_index(&self) -> Option<usize> {
        self.tally
            .first_forbidden
            .as_ref()
            .map(|(index, ..)| *index)
    }
}

/// Runs `variant` with `explorer` and reports what the search showed: the jobs run, their
/// counts merge up to where the search stopped, and the earliest failure decides the verdict.
pub(super) fn explore<E: Explorer>(
    variant: &Variant,
    params: &Params,
    mode: Mode,
    explorer: &E,
    search: &Arc<Search>,
) -> Result<Report, CheckError> {
    let run = variant
        .runner(E::BACKEND)
        .ok_or(CheckError::NotBuilt(E::BACKEND))?;
    let started = Instant::now();
    let jobs = explorer.jobs().max(1);
    let mut results = run_jobs(&run, params, mode, explorer, search, jobs);
    let elapsed = started.elapsed();
    let merged = Merged::of(&results, mode, search);
    let mut counted = Counted {
        executions: merged.executions,
        outcomes: merged.outcomes,
        bounds: explorer.bounds(),
        // A job that stopped short of its budget (a failure a check stops at, a deadlock, a
        // panic) left the rest of the search unexplored: what was counted is not every execution.
        complete: merged.limit == usize::MAX,
    };
    let verdict = match merged.first {
        None => match busy_lock_unseen(E::BACKEND, search) {
            Some(not_checked) => Verdict::NotChecked(not_checked),
            None => Verdict::Holds,
        },
        Some(first) => decide(first, &mut results, mode, explorer, &mut counted)?,
    };
    Ok(Report {
        id: variant.id,
        backend: E::BACKEND,
        params: params.clone(),
        verdict,
        executions: counted.executions,
        elapsed,
        outcomes: counted.outcomes,
        bounds: counted.bounds,
        exhaustive: explorer.exhaustive() && counted.complete && !explorer.unfinished(),
        interrupted: search.interrupted.load(Ordering::SeqCst),
        unfinished: explorer.unfinished(),
        jobs,
    })
}

/// Runs every job of the search on a thread of its own (one job: on the calling thread).
fn run_jobs<E: Explorer>(
    run: &RunFn,
    params: &Params,
    mode: Mode,
    explorer: &E,
    search: &Arc<Search>,
    jobs: usize,
) -> Vec<JobResult> {
    let job = |job: usize| {
        let execution = Execution::new(run.clone(), params, mode, job, search);
        // Installed before the backend starts, so that a panic it raises before the first
        // execution (a parameter it refuses) is still seen, and known to be the backend's.
        trace::install(Some(execution.recorder()));
        let ending = explorer.explore_job(job, &execution);
        trace::install(None);
        if !matches!(ending, Ending::Finished) {
            search.found(job, execution.executions() + 1);
        }
        let recorder = execution.recorder();
        JobResult {
            job,
            ending,
            tally: std::mem::take(&mut *lock_unpoisoned(&execution.tally)),
            trace: recorder.snapshot(),
            site: backend_panic::take_site(&recorder),
        }
    };
    search.jobs.store(jobs, Ordering::Relaxed);
    if jobs == 1 {
        return vec![job(0)];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|j| {
                let job = &job;
                std::thread::Builder::new()
                    .name(format!("job-{j}"))
                    .spawn_scoped(scope, move || job(j))
                    .expect("the OS refused to start a thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
            .collect()
    })
}

/// The earliest failure of a search: its global execution number, its job, and whether it is
/// a forbidden outcome (rather than the job's ending: a deadlock, a panic, a stall).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct First {
    global: usize,
    job: usize,
    forbidden: bool,
}

/// The jobs' counts put together up to where the search stopped.
struct Merged {
    /// The global number of the execution the search stopped at (`usize::MAX`: none).
    limit: usize,
    first: Option<First>,
    executions: usize,
    outcomes: OutcomeTable,
}

impl Merged {
    /// Where the search stopped, by its numbering: every job ran at least up to there, so what
    /// is counted up to it is the same on every run. The earliest failure within it is reported.
    fn of(results: &[JobResult], mode: Mode, search: &Search) -> Merged {
        let limit = results
            .iter()
            .filter_map(|r| r.stop_index(mode).map(|index| search.global(r.job, index)))
            .min()
            .unwrap_or(usize::MAX);
        let first = results
            .iter()
            .flat_map(|r| {
                let stop = r.stop_index(mode).map(|index| (index, false));
                let forbidden = r.forbidden_index().map(|index| (index, true));
                stop.into_iter()
                    .chain(forbidden)
                    .map(|(index, forbidden)| First {
                        global: search.global(r.job, index),
                        job: r.job,
                        forbidden,
                    })
            })
            .filter(|first| first.global <= limit)
            .min();
        let mut outcomes = OutcomeTable::default();
        let mut executions = 0;
        for result in results {
            let kept = result
                .tally
                .outcomes()
                .enumerate()
                .take_while(|(i, _)| search.global(result.job, i + 1) <= limit);
            for (_, observed) in kept {
                executions += 1;
                outcomes.add(observed.clone());
            }
        }
        Merged {
            limit,
            first,
            executions,
            outcomes,
        }
    }
}

/// What the report counts, which the failing execution itself may add to.
struct Counted {
    executions: usize,
    outcomes: OutcomeTable,
    bounds: String,
    complete: bool,
}

/// The verdict of the search's earliest failure, from how its job ended.
fn decide<E: Explorer>(
    first: First,
    results: &mut [JobResult],
    mode: Mode,
    explorer: &E,
    counted: &mut Counted,
) -> Result<Verdict, CheckError> {
    let First {
        global,
        job,
        forbidden,
    } = first;
    let result = results
        .iter_mut()
        .find(|r| r.job == job)
        .expect("the failing job is among the results");
    let ending = if forbidden {
        Ending::Finished
    } else {
        std::mem::replace(&mut result.ending, Ending::Finished)
    };
    let failure = |message: String, trace: Trace, outcome: Option<Observed>, which| Failure {
        message,
        execution: global,
        outcome,
        trace,
        replay: explorer.token(job, which),
    };
    let payload = match ending {
        Ending::Finished => {
            let (_, observed, trace) = result
                .tally
                .first_forbidden
                .clone()
                .expect("a forbidden outcome was seen");
            return Ok(Verdict::Violated(failure(
                format!("forbidden outcome {}: {}", observed.text, observed.label),
                trace,
                Some(observed),
                Which::FirstForbidden(global),
            )));
        }
        Ending::Stalled(watchdog) => {
            counted.executions += 1;
            if mode == Mode::Outcomes {
                counted.outcomes.add(deadlock_outcome());
            }
            let mut message = format!("no progress for {watchdog:?}: deadlock likely");
            if let Some(why) = result.trace.deadlock_explanation()
                && let Some(why) = why.strip_prefix("deadlock: ")
            {
                message = format!("{message}; {why}");
            }
            return Ok(Verdict::Deadlock(failure(
                message,
                result.trace.clone(),
                None,
                Which::Failing(global),
            )));
        }
        Ending::Panicked(payload) => payload,
    };
    let message = panic_text(&*payload);
    let trace = result.trace.clone();
    let cause = backend_panic::cause(&message, result.site.as_deref());
    if !matches!(cause, Cause::Sequential | Cause::Backend) {
        counted.executions += 1;
    }
    Ok(match cause {
        Cause::Model => Verdict::Violated(failure(
            format!("panicked: {}", first_line(&message)),
            trace,
            None,
            Which::Failing(global),
        )),
        Cause::Deadlock => match relies_on_a_timer(E::BACKEND, &trace, global) {
            Some(not_checked) => Verdict::NotChecked(not_checked),
            None => {
                if mode == Mode::Outcomes {
                    counted.outcomes.add(deadlock_outcome());
                }
                let why = trace
                    .deadlock_explanation()
                    .unwrap_or_else(|| "deadlock: every thread left is blocked".to_owned());
                Verdict::Deadlock(failure(why, trace, None, Which::Failing(global)))
            }
        },
        Cause::StepLimit => {
            if mode == Mode::Outcomes {
                counted.outcomes.add(step_limit_outcome());
            }
            Verdict::StepLimit(failure(
                format!("step limit: {}", first_line(&message)),
                trace,
                None,
                Which::Failing(global),
            ))
        }
        Cause::Sequential => {
            counted.complete = true;
            counted.bounds =
                "no two threads were ever runnable at once: one schedule is all schedules"
                    .to_owned();
            Verdict::Holds
        }
        Cause::Backend => {
            return Err(CheckError::Backend {
                backend: E::BACKEND,
                message: first_line(&message).to_owned(),
                site: result.site.clone().unwrap_or_default(),
            });
        }
    })
}

/// A deadlock as a row of an outcome table: the execution had no outcome of its own, and the
/// search stopped there.
fn deadlock_outcome() -> Observed {
    Observed {
        text: "deadlock".to_owned(),
        class: Class::Forbidden,
        label: "every thread left is blocked; the search stopped here",
    }
}

/// A step limit (a livelock or a spin) as a row of an outcome table.
fn step_limit_outcome() -> Observed {
    Observed {
        text: "step limit".to_owned(),
        class: Class::Forbidden,
        label: "ran past the step bound (livelock or spin); the search stopped here",
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// One job's outcome bookkeeping: which outcome every execution had, in order (each distinct
/// outcome kept once), and the first forbidden one.
#[derive(Default)]
struct Tally {
    distinct: Vec<Observed>,
    numbered: HashMap<Observed, u32>,
    /// Per execution, its outcome's index in `distinct`.
    log: Vec<u32>,
    first_forbidden: Option<(usize, Observed, Trace)>,
}

impl Tally {
    /// Counts one finished execution; returns whether it was forbidden.
    fn finish(&mut self, observed: Observed, trace: impl FnOnce() -> Trace) -> bool {
        let forbidden = observed.class == Class::Forbidden;
        if forbidden && self.first_forbidden.is_none() {
            self.first_forbidden = Some((self.executions() + 1, observed.clone(), trace()));
        }
        let next = self.distinct.len() as u32;
        let number = *self
            .numbered
            .entry(observed.clone())
            .or_insert_with(|| next);
        if number == next {
            self.distinct.push(observed);
        }
        self.log.push(number);
        forbidden
    }

    /// Executions counted.
    fn executions(&self) -> usize {
        self.log.len()
    }

    /// The outcome of every execution, in order.
    fn outcomes(&self) -> impl Iterator<Item = &Observed> {
        self.log.iter().map(|&n| &self.distinct[n as usize])
    }
}

/// A search that found nothing on a backend that never shows a `try_lock` a busy lock, while
/// the model called `try_lock` on a lock some thread held with nothing done in between (which
/// such a backend never interrupts): what the model does when `try_lock` fails went unchecked.
fn busy_lock_unseen(backend: Backend, search: &Search) -> Option<NotChecked> {
    let why = BlindSpot::BusyLockForTryLock.blind(backend)?;
    let sections = lock_unpoisoned(&search.lock_sections);
    let unseen = sections.0.intersection(&sections.1).next()?;
    Some(NotChecked {
        spot: BlindSpot::BusyLockForTryLock,
        why,
        detail: Some(format!(
            "a try_lock on the lock {unseen}, which a thread took and released with nothing in \
             between: loom never showed that try_lock the lock busy"
        )),
    })
}

/// A run stuck where only a timer could end a wait, on a backend that never fires one: loom's
/// blind spot, not the model's deadlock. A ring of threads waiting for each other's locks is a
/// deadlock whatever a timer does, so it stays one.
fn relies_on_a_timer(backend: Backend, trace: &Trace, execution: usize) -> Option<NotChecked> {
    let why = BlindSpot::TimeoutsFiring.blind(backend)?;
    if !trace.deadlock_cycle().is_empty() {
        return None;
    }
    let waiter = trace
        .blocked
        .iter()
        .find(|b| matches!(b.waits_for.id, Waiting::Condvar { timed: true, .. }))?;
    Some(NotChecked {
        spot: BlindSpot::TimeoutsFiring,
        why,
        detail: Some(format!(
            "execution {execution} relies on a timeout, which loom does not fire: {} waits with a timeout for {} and no thread is left to send it",
            waiter.thread, waiter.waits_for
        )),
    })
}
