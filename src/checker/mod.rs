//! The checker: runs a [`Variant`] under a backend within a budget and returns a [`Report`],
//! never a crashed process. Assertion panics, shuttle's and loom's deadlock panics and step
//! limits all become a [`Verdict`]; every distinct outcome is counted and classified.
//!
//! Defaults are fixed so that a run is reproducible; `INTERLEAVE_SEED`, `INTERLEAVE_EXECUTIONS`,
//! `INTERLEAVE_PREEMPTION_BOUND` and the command line's flags override them.
//! `INTERLEAVE_SHOW_PANICS=1` prints each panic inside a model as it happens (with its backtrace
//! under `RUST_BACKTRACE=1`), for debugging a model.

mod backend_panic;
pub mod env;
mod explore;
mod loom;
mod native;
mod shuttle;
mod token;

pub use self::explore::Search as Progress;
pub(crate) use self::shuttle::end_execution_at_panic;
pub use self::token::{ReplayToken, tag as token_tag};

use crate::lesson::{Class, DEFAULT_LOOM_EXECUTIONS, Expect, Observed, Params, Variant};
use crate::runtime::Backend;
pub use crate::runtime::sight;
use crate::runtime::sight::BlindSpot;
use crate::trace::Trace;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Once;
use std::time::Duration;

/// How shuttle picks the next thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Probabilistic concurrency testing: finds bugs of small depth fast.
    Pct {
        /// Priority changes per execution, plus one: `1..=`[`MAX_PCT_DEPTH`].
        depth: usize,
    },
    /// Uniformly random: better spread of outcomes.
    Random,
    /// Executions take turns among PCT at depths 1 to 5 and the random scheduler, each with a
    /// seed of its own (Coyote's portfolio): no single strategy's blind spot is the search's.
    Portfolio,
}

impl Strategy {
    /// The members of [`Strategy::Portfolio`], in the order executions take them.
    pub const PORTFOLIO: [Strategy; 6] = [
        Strategy::Pct { depth: 3 },
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 5 },
        Strategy::Pct { depth: 1 },
        Strategy::Pct { depth: 4 },
    ];

    /// How a replay token names the strategy.
    pub fn token_name(self) -> String {
        match self {
            Strategy::Pct { depth } => format!("pct{depth}"),
            Strategy::Random => "random".to_owned(),
            Strategy::Portfolio => "portfolio".to_owned(),
        }
    }

    /// The strategy [`Strategy::token_name`] gives `name`, if any (a PCT depth within
    /// [`MAX_PCT_DEPTH`]).
    pub fn from_token_name(name: &str) -> Option<Strategy> {
        match name {
            "random" => Some(Strategy::Random),
            "portfolio" => Some(Strategy::Portfolio),
            _ => {
                let depth: usize = name.strip_prefix("pct")?.parse().ok()?;
                (1..=MAX_PCT_DEPTH)
                    .contains(&depth)
                    .then_some(Strategy::Pct { depth })
            }
        }
    }

    /// In words, for a report.
    pub fn describe(self) -> String {
        match self {
            Strategy::Pct { depth } => format!("pct depth {depth}"),
            Strategy::Random => "random".to_owned(),
            Strategy::Portfolio => "portfolio of pct 1-5 and random".to_owned(),
        }
    }
}

/// PCT's depth is the number of priority changes plus one; past a few it is a random walk.
pub const MAX_PCT_DEPTH: usize = 16;

/// How much exploring one run may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Shuttle and native: executions to run. Loom: executions its search may run before it is
    /// reported unfinished.
    pub executions: usize,
    /// Shuttle: the seed of the search's schedulers; the same seed, jobs and budget run the same
    /// executions.
    pub seed: u64,
    /// Shuttle: how its scheduler picks the next thread.
    pub strategy: Strategy,
    /// Loom: context switches forced on a thread that could go on.
    pub preemption_bound: usize,
    /// Scheduling steps in one execution before it is reported as a step limit (livelock).
    pub max_steps: usize,
    /// Native: an execution making no progress for this long is reported as a likely deadlock.
    pub watchdog: Duration,
    /// Shuttle: worker threads, each exploring its own share with a seed derived from `seed`.
    /// The verdict and the first failure depend on `seed` and `jobs`, not on timing.
    pub jobs: usize,
    /// Shuttle: explore for this long instead of `executions` (the count then varies).
    pub time: Option<Duration>,
}

/// Whether a run stops at the first forbidden outcome or counts them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Stop at the first failure: the verdict, and the failure's timeline and token.
    Check,
    /// Run the whole budget and count every outcome (jcstress's table).
    Outcomes,
}

/// The seed a run uses unless `INTERLEAVE_SEED` or the command line sets one.
pub const DEFAULT_SEED: u64 = 0x1e55_0b5e;

/// Scheduling steps in one execution, by default ([`Budget::max_steps`]).
pub const MAX_STEPS: usize = 100_000;

impl Budget {
    /// The fixed defaults for `mode` on `backend`, then the environment's overrides.
    pub fn defaults(backend: Backend, mode: Mode) -> Budget {
        let executions = match (backend, mode) {
            (Backend::Native, _) => 10,
            (Backend::Loom, _) => DEFAULT_LOOM_EXECUTIONS,
            (_, Mode::Check) => 1_000,
            (_, Mode::Outcomes) => 2_000,
        };
        let strategy = match mode {
            Mode::Check => Strategy::Portfolio,
            Mode::Outcomes => Strategy::Random,
        };
        Budget {
            executions: env::executions().unwrap_or(executions),
            seed: env::seed().unwrap_or(DEFAULT_SEED),
            strategy,
            preemption_bound: env::preemption_bound().unwrap_or(3),
            max_steps: MAX_STEPS,
            watchdog: Duration::from_secs(2),
            jobs: default_jobs(),
            time: None,
        }
    }
}

impl Budget {
    /// [`Budget::defaults`], with the variant's own loom preemption bound unless the
    /// environment sets one.
    pub fn for_variant(variant: &Variant, backend: Backend, mode: Mode) -> Budget {
        let mut budget = Budget::defaults(backend, mode);
        if backend == Backend::Shuttle && mode == Mode::Check && env::executions().is_none() {
            budget.executions = variant.check_executions;
        }
        if backend == Backend::Loom && env::executions().is_none() {
            budget.executions = variant.loom_executions;
        }
        if let Some(bound) = variant.loom_preemption_bound
            && env::preemption_bound().is_none()
        {
            budget.preemption_bound = bound;
        }
        budget
    }
}

/// One job per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

impl Budget {
    /// Executions a job may run in all: the budget's count, or no limit when time bounds it.
    pub(crate) fn execution_limit(&self) -> usize {
        if self.time.is_some() {
            usize::MAX
        } else {
            self.executions
        }
    }

    /// Refuses what no backend can run: no executions, no jobs, a bound loom cannot count.
    pub fn validate(&self) -> Result<(), CheckError> {
        let bad = |why: String| Err(CheckError::BadBudget(why));
        if self.executions == 0 && self.time.is_none() {
            return bad("at least one execution is needed".to_owned());
        }
        if self.jobs == 0 {
            return bad("at least one job is needed".to_owned());
        }
        if self.preemption_bound > env::MAX_PREEMPTION_BOUND {
            return bad(format!(
                "preemption bound {} is over loom's {}",
                self.preemption_bound,
                env::MAX_PREEMPTION_BOUND
            ));
        }
        if let Strategy::Pct { depth } = self.strategy
            && !(1..=MAX_PCT_DEPTH).contains(&depth)
        {
            return bad(format!("pct depth {depth} is outside 1..={MAX_PCT_DEPTH}"));
        }
        Ok(())
    }
}

impl Budget {
    /// The tour's budget: a tenth of a check's under shuttle (the seeded bugs are all found
    /// well within it from the default seed; `ci/seed-sweep.sh` shows it for a hundred seeds).
    pub fn for_tour(variant: &Variant, backend: Backend) -> Budget {
        let mut budget = Budget::for_variant(variant, backend, Mode::Check);
        if backend == Backend::Shuttle && env::executions().is_none() {
            budget.executions = (budget.executions / TOUR_SHARE).max(100);
        }
        budget
    }
}

/// The tour checks this fraction of a check's default executions.
const TOUR_SHARE: usize = 10;

/// What went wrong in one execution, with everything needed to explain and replay it.
#[derive(Clone)]
pub struct Failure {
    /// What failed, in one line: `forbidden outcome <outcome>: <meaning>`, `panicked: <message>`,
    /// `step limit: ...`, or the deadlock's explanation (`deadlock: ...`).
    pub message: String,
    /// 1-based number of the failing execution in the whole search (all jobs): the number its
    /// replay token names and the replay prints.
    pub execution: usize,
    /// The outcome, when the execution ran to the end.
    pub outcome: Option<Observed>,
    /// What the failing execution did, step by step, and who was blocked on what at its end.
    pub trace: Trace,
    /// The token that replays exactly this execution; `None` when the backend cannot replay it
    /// (a native run).
    pub replay: Option<ReplayToken>,
}

/// One line, even as `{:#?}`: what failed, at which execution, and the token that replays it
/// (`None` for a native run). The whole story is the [`Report`]'s `Display`.
impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let replay = self.replay.as_ref().map(ToString::to_string);
        write!(
            f,
            "Failure {{ message: {:?}, execution: {}, replay: {replay:?} }}",
            self.message, self.execution
        )
    }
}

/// A verdict the backend could not reach: what it cannot see, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotChecked {
    /// The behaviour the variant needs and the backend never produces.
    pub spot: BlindSpot,
    /// The backend's reason, from [`sight::CANNOT_SEE`].
    pub why: &'static str,
    /// What showed it in this run, when an execution did (a thread left in a timed wait).
    pub detail: Option<String>,
}

/// What a run found about a variant.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// No execution that ran failed ([`Report::exhaustive`] says whether they were all there
    /// are).
    Holds,
    /// The verdict depends on a behaviour this backend never produces: nothing is claimed.
    NotChecked(NotChecked),
    /// A forbidden outcome or a panic (a failed assertion in the model).
    Violated(Failure),
    /// Every thread left is blocked; `failure.trace.blocked` says who holds and waits for what.
    Deadlock(Failure),
    /// An execution ran past the step bound: a livelock or a spin.
    StepLimit(Failure),
}

impl Verdict {
    /// The failure, for a violation, a deadlock or a step limit.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Verdict::Holds | Verdict::NotChecked(_) => None,
            Verdict::Violated(f) | Verdict::Deadlock(f) | Verdict::StepLimit(f) => Some(f),
        }
    }

    /// The verdict as the kind a variant declares it expects (a step limit is a violation).
    pub fn kind(&self) -> Expect {
        match self {
            Verdict::Holds => Expect::Holds,
            Verdict::NotChecked(_) => Expect::NotChecked,
            Verdict::Deadlock(_) => Expect::Deadlock,
            Verdict::Violated(_) | Verdict::StepLimit(_) => Expect::Violation,
        }
    }

    /// How a report names it: `"holds"`, `"not checked"`, `"violated"`, `"deadlock"` or
    /// `"step limit"`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::NotChecked(_) => "not checked",
            Verdict::Violated(_) => "violated",
            Verdict::Deadlock(_) => "deadlock",
            Verdict::StepLimit(_) => "step limit",
        }
    }
}

/// Every distinct outcome with its count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeTable {
    /// Each outcome seen, with the number of executions that ended in it.
    pub rows: BTreeMap<Observed, usize>,
}

impl OutcomeTable {
    /// Counts one more execution ending in `observed`.
    pub fn add(&mut self, observed: Observed) {
        *self.rows.entry(observed).or_default() += 1;
    }

    /// Executions counted, all outcomes together.
    pub fn total(&self) -> usize {
        self.rows.values().sum()
    }

    /// The outcome texts seen, for comparing with an exact expected set.
    pub fn texts(&self) -> Vec<String> {
        let mut texts: Vec<String> = self.rows.keys().map(|o| o.text.clone()).collect();
        texts.sort();
        texts.dedup();
        texts
    }

    /// The first forbidden outcome in the table's order, if any was seen.
    pub fn first_forbidden(&self) -> Option<&Observed> {
        self.rows.keys().find(|o| o.class == Class::Forbidden)
    }
}

/// What one run of a variant found, and how far it looked.
#[derive(Clone, Debug)]
pub struct Report {
    /// The variant's id.
    pub id: &'static str,
    /// The backend that explored it.
    pub backend: Backend,
    /// The thread count it ran with.
    pub params: Params,
    /// What the run found.
    pub verdict: Verdict,
    /// Executions run, all jobs together (a check stops at its first failure).
    pub executions: usize,
    /// Wall-clock time the run took.
    pub elapsed: Duration,
    /// Every distinct outcome with its count (in an `outcomes` run a deadlock or a step limit is
    /// a row of its own).
    pub outcomes: OutcomeTable,
    /// What bounded the search, in words (seed, strategy, preemption bound).
    pub bounds: String,
    /// The executions run were all there are (loom, up to its bound), not a sample.
    pub exhaustive: bool,
    /// The search was cut short (Ctrl-C, a time limit) before its budget was spent.
    pub interrupted: bool,
    /// Loom: the search spent its execution budget before it was done, so it is not exhaustive
    /// (a count, so the same on every machine).
    pub unfinished: bool,
    /// Worker threads that shared the search.
    pub jobs: usize,
}

/// Why a run gave no verdict: the request was wrong, or the backend failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// `--backend loom` in a binary built without `--cfg loom`.
    NotBuilt(Backend),
    /// A replay token that does not parse, names another model, or names an execution no check
    /// prints; the text says which.
    BadToken(String),
    /// A budget no backend can run (no executions, a bound loom cannot count).
    BadBudget(String),
    /// The backend itself failed (a limit, a parameter it refused): no verdict on the model.
    Backend {
        /// The backend that failed.
        backend: Backend,
        /// Its panic's message.
        message: String,
        /// Where in the backend's source it panicked.
        site: String,
    },
}

impl CheckError {
    /// A usage error (the input was wrong) rather than the checker failing.
    pub fn is_usage(&self) -> bool {
        !matches!(self, CheckError::Backend { .. })
    }
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::NotBuilt(backend) => write!(
                f,
                "this binary was built without the {} backend; build it with \
                 RUSTFLAGS=\"--cfg loom\" (a crate's tests: RUSTFLAGS=\"--cfg loom\" cargo test --release)",
                backend.name()
            ),
            CheckError::BadToken(why) => write!(f, "bad replay token: {why}"),
            CheckError::BadBudget(why) => write!(f, "bad budget: {why}"),
            CheckError::Backend {
                backend,
                message,
                site,
            } => write!(
                f,
                "checker error: {} failed on its own ({message}, at {site}); this says nothing about the model",
                backend.name()
            ),
        }
    }
}

/// Runs `variant` on `backend`: the one entry point for the CLI, the tour and the tests.
pub fn check(
    variant: &Variant,
    backend: Backend,
    params: &Params,
    budget: &Budget,
    mode: Mode,
) -> Result<Report, CheckError> {
    check_with(
        variant,
        backend,
        params,
        budget,
        mode,
        &Progress::new(budget),
    )
}

/// [`check`], watched and stoppable through `progress` (from another thread).
pub fn check_with(
    variant: &Variant,
    backend: Backend,
    params: &Params,
    budget: &Budget,
    mode: Mode,
    progress: &Arc<Progress>,
) -> Result<Report, CheckError> {
    budget.validate()?;
    install_quiet_panic_hook();
    let report = match backend {
        Backend::Native => native::check(variant, params, budget, mode, progress),
        Backend::Shuttle => shuttle::check(variant, params, budget, mode, progress),
        Backend::Loom => loom::check(variant, params, budget, mode, None, progress),
    }?;
    Ok(judge(report, variant.needs))
}

/// A search that found nothing, on a backend blind to something the variant needs, showed
/// nothing about it: its verdict is not checked. A failure it did find stands.
fn judge(mut report: Report, needs: &[BlindSpot]) -> Report {
    if !matches!(report.verdict, Verdict::Holds) {
        return report;
    }
    if let Some((spot, why)) = needs
        .iter()
        .find_map(|&spot| spot.blind(report.backend).map(|why| (spot, why)))
    {
        report.verdict = Verdict::NotChecked(NotChecked {
            spot,
            why,
            detail: None,
        });
        report.exhaustive = false;
    }
    report
}

/// Re-runs exactly the execution a [`ReplayToken`] names, with the counts of the search that
/// found it. A seeded token is replayed within the most executions a check or an `outcomes` of
/// `variant` runs ([`Budget::for_variant`], which `INTERLEAVE_EXECUTIONS` overrides).
pub fn replay(variant: &Variant, token: &ReplayToken) -> Result<Report, CheckError> {
    let executions = [Mode::Check, Mode::Outcomes]
        .map(|mode| Budget::for_variant(variant, Backend::Shuttle, mode).executions)
        .into_iter()
        .max()
        .unwrap_or_default();
    replay_within(variant, token, executions)
}

/// [`replay`], for a token from a search of at most `executions` executions: a seeded token
/// naming a later one is refused before anything runs.
pub fn replay_within(
    variant: &Variant,
    token: &ReplayToken,
    executions: usize,
) -> Result<Report, CheckError> {
    install_quiet_panic_hook();
    if token.tag != token::tag(variant.id) {
        return Err(CheckError::BadToken(format!(
            "it was made for another model (tag {}; {} has {}): `check {}` prints tokens for it",
            token.tag,
            variant.id,
            token::tag(variant.id),
            variant.id
        )));
    }
    let backend = token.backend();
    let params = variant
        .params(backend, Some(token.threads))
        .map_err(|refused| CheckError::BadToken(refused.describe("the thread count")))?;
    let mut budget = Budget::defaults(backend, Mode::Check);
    budget.jobs = 1;
    let progress = Progress::new(&budget);
    match &token.schedule {
        token::Schedule::Seeded {
            strategy,
            seed,
            jobs,
            execution,
        } => {
            if *execution > executions {
                return Err(CheckError::BadToken(format!(
                    "execution {execution} is beyond the {executions} executions a check of {} \
                     runs, and a replay runs no more; to replay a token from a longer run, set \
                     INTERLEAVE_EXECUTIONS={execution}",
                    variant.id
                )));
            }
            let report = shuttle::replay_seeded(
                variant, &params, *strategy, *seed, *jobs, *execution, &progress,
            )?;
            reproduced(report, *execution)
        }
        token::Schedule::Shuttle(schedule) => {
            shuttle::replay(variant, &params, schedule, &progress)
        }
        token::Schedule::Loom {
            preemption_bound,
            execution,
        } => {
            budget.preemption_bound = *preemption_bound;
            let report = loom::check(
                variant,
                &params,
                &budget,
                Mode::Check,
                Some(*execution),
                &progress,
            )?;
            if report.verdict.failure().is_none() && report.executions < *execution {
                return Err(CheckError::BadToken(format!(
                    "loom explores {} executions of {} with {} threads, fewer than {execution}",
                    report.executions, variant.id, params.threads
                )));
            }
            reproduced(report, *execution)
        }
    }
}

/// A replay shows the failure its token names, or says that no check printed that token: its
/// search fails first somewhere else, or not at all.
fn reproduced(report: Report, execution: usize) -> Result<Report, CheckError> {
    if report.interrupted {
        return Ok(report);
    }
    match report.verdict.failure() {
        Some(failure) if failure.execution == execution => Ok(report),
        Some(failure) => Err(CheckError::BadToken(format!(
            "no check prints this token: its search fails first at execution {}, not {execution}; \
             replay the token `check` printed",
            failure.execution
        ))),
        None => Err(CheckError::BadToken(format!(
            "execution {execution} of this search does not fail: the token does not reproduce a \
             failure of this model (was it made by another version, or by hand?)"
        ))),
    }
}

/// A panic inside an explored execution is a verdict, not noise: while a recorder is installed
/// the hook only freezes it (so unwinding does not pollute the timeline) and prints nothing.
fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        let verbose = env::show_panics();
        std::panic::set_hook(Box::new(move |info| match crate::trace::current() {
            Some(recorder) => {
                recorder.freeze();
                if let Some(location) = info.location() {
                    backend_panic::note_site(&recorder, location.file());
                }
                if verbose {
                    default(info);
                }
            }
            None => default(info),
        }));
    });
}
