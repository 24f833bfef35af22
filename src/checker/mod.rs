//! The checker: runs a [`Variant`] under a backend within a budget and returns a [`Report`],
//! never a crashed process. Assertion panics, shuttle's and loom's deadlock panics and step
//! limits all become a [`Verdict`]; every distinct outcome is counted and classified.
//!
//! Defaults are fixed so that a run is reproducible; `INTERLEAVE_SEED`, `INTERLEAVE_EXECUTIONS`,
//! `INTERLEAVE_PREEMPTION_BOUND` and the command line's flags override them.
//! `INTERLEAVE_SHOW_PANICS=1` prints each panic inside a model as it happens (with its backtrace
//! under `RUST_BACKTRACE=1`), for debugging a model.

mod backend_panic;
mod explore;
mod loom;
mod native;
mod shuttle;
mod token;

pub use self::token::ReplayToken;

use crate::lesson::{Class, Expect, Observed, Params, Variant};
use crate::runtime::Backend;
use crate::trace::Trace;
use std::collections::BTreeMap;
use std::sync::Once;
use std::time::Duration;

/// How shuttle picks the next thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Probabilistic concurrency testing: finds bugs of small depth fast.
    Pct { depth: usize },
    /// Uniformly random: better spread of outcomes.
    Random,
}

/// How much exploring one run may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Shuttle and native: executions to run. Loom: ignored (it explores them all).
    pub executions: usize,
    pub seed: u64,
    pub strategy: Strategy,
    /// Loom: context switches forced on a thread that could go on.
    pub preemption_bound: usize,
    /// Scheduling steps in one execution before it is reported as a step limit (livelock).
    pub max_steps: usize,
    /// Native: an execution making no progress for this long is reported as a likely deadlock.
    pub watchdog: Duration,
}

/// Whether a run stops at the first forbidden outcome or counts them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Check,
    Outcomes,
}

pub const DEFAULT_SEED: u64 = 0x1e55_0b5e;

impl Budget {
    /// The fixed defaults for `mode` on `backend`, then the environment's overrides.
    pub fn defaults(backend: Backend, mode: Mode) -> Budget {
        let executions = match (backend, mode) {
            (Backend::Native, _) => 10,
            (_, Mode::Check) => 1_000,
            (_, Mode::Outcomes) => 2_000,
        };
        let strategy = match mode {
            Mode::Check => Strategy::Pct { depth: 3 },
            Mode::Outcomes => Strategy::Random,
        };
        Budget {
            executions: env_number("INTERLEAVE_EXECUTIONS").unwrap_or(executions as u64) as usize,
            seed: env_number("INTERLEAVE_SEED").unwrap_or(DEFAULT_SEED),
            strategy,
            preemption_bound: env_number("INTERLEAVE_PREEMPTION_BOUND").unwrap_or(3) as usize,
            max_steps: 100_000,
            watchdog: Duration::from_secs(2),
        }
    }
}

impl Budget {
    /// [`Budget::defaults`], with the variant's own loom preemption bound unless the
    /// environment sets one.
    pub fn for_variant(variant: &Variant, backend: Backend, mode: Mode) -> Budget {
        let mut budget = Budget::defaults(backend, mode);
        if let Some(bound) = variant.loom_preemption_bound
            && std::env::var_os("INTERLEAVE_PREEMPTION_BOUND").is_none()
        {
            budget.preemption_bound = bound;
        }
        budget
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// What went wrong in one execution, with everything needed to explain and replay it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    /// 1-based index of the failing execution.
    pub execution: usize,
    /// The outcome, when the execution ran to the end.
    pub outcome: Option<Observed>,
    pub trace: Trace,
    pub replay: Option<ReplayToken>,
}

#[derive(Clone, Debug)]
pub enum Verdict {
    Holds,
    /// A forbidden outcome or a panic (a failed assertion in the model).
    Violated(Failure),
    /// Every thread left is blocked; `failure.trace.blocked` says who holds and waits for what.
    Deadlock(Failure),
    /// An execution ran past the step bound: a livelock or a spin.
    StepLimit(Failure),
}

impl Verdict {
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Verdict::Holds => None,
            Verdict::Violated(f) | Verdict::Deadlock(f) | Verdict::StepLimit(f) => Some(f),
        }
    }

    /// The verdict as the kind a variant declares it expects (a step limit is a violation).
    pub fn kind(&self) -> Expect {
        match self {
            Verdict::Holds => Expect::Holds,
            Verdict::Deadlock(_) => Expect::Deadlock,
            Verdict::Violated(_) | Verdict::StepLimit(_) => Expect::Violation,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated(_) => "violated",
            Verdict::Deadlock(_) => "deadlock",
            Verdict::StepLimit(_) => "step limit",
        }
    }
}

/// Every distinct outcome with its count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeTable {
    pub rows: BTreeMap<Observed, usize>,
}

impl OutcomeTable {
    pub fn add(&mut self, observed: Observed) {
        *self.rows.entry(observed).or_default() += 1;
    }

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

    pub fn first_forbidden(&self) -> Option<&Observed> {
        self.rows.keys().find(|o| o.class == Class::Forbidden)
    }
}

#[derive(Clone, Debug)]
pub struct Report {
    pub id: &'static str,
    pub backend: Backend,
    pub params: Params,
    pub verdict: Verdict,
    pub executions: usize,
    pub elapsed: Duration,
    pub outcomes: OutcomeTable,
    /// What bounded the search, in words (seed, strategy, preemption bound).
    pub bounds: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// `--backend loom` in a binary built without `--cfg loom`.
    NotBuilt(Backend),
    BadToken(String),
    /// The backend itself failed (a limit, a parameter it refused): no verdict on the model.
    Backend {
        backend: Backend,
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
                "this binary was built without the {} backend; build one with: \
                 RUSTFLAGS=\"--cfg loom\" cargo run --release --target-dir target/loom -- ...",
                backend.name()
            ),
            CheckError::BadToken(why) => write!(f, "bad replay token: {why}"),
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
    install_quiet_panic_hook();
    match backend {
        Backend::Native => native::check(variant, params, budget, mode),
        Backend::Shuttle => shuttle::check(variant, params, budget, mode),
        Backend::Loom => loom::check(variant, params, budget, mode, None),
    }
}

/// Re-runs exactly the execution a [`ReplayToken`] names.
pub fn replay(variant: &Variant, token: &ReplayToken) -> Result<Report, CheckError> {
    install_quiet_panic_hook();
    let backend = match token.schedule {
        token::Schedule::Shuttle(_) => Backend::Shuttle,
        token::Schedule::Loom { .. } => Backend::Loom,
    };
    let params = variant
        .params(backend, Some(token.threads))
        .map_err(|refused| CheckError::BadToken(refused.describe("the thread count")))?;
    match &token.schedule {
        token::Schedule::Shuttle(schedule) => shuttle::replay(variant, &params, schedule),
        token::Schedule::Loom {
            preemption_bound,
            execution,
        } => {
            let mut budget = Budget::defaults(Backend::Loom, Mode::Check);
            budget.preemption_bound = *preemption_bound;
            loom::check(variant, &params, &budget, Mode::Check, Some(*execution))
        }
    }
}

/// A panic inside an explored execution is a verdict, not noise: while a recorder is installed
/// the hook only freezes it (so unwinding does not pollute the timeline) and prints nothing.
fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        let verbose = std::env::var_os("INTERLEAVE_SHOW_PANICS").is_some();
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

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}
