//! # Checking your own code: one model, every backend, from your own `cargo test`
//!
//! A model is a function generic over the [`Runtime`], written over the facade ([`crate::sync`],
//! [`crate::thread`]). [`model!`](crate::model!) turns a generic function or a block into one,
//! since a closure cannot be generic; [`check`] checks it, and the same call explores it under
//! shuttle in a plain `cargo test`, under loom when built with `RUSTFLAGS="--cfg loom"`, or runs
//! it on std threads:
//!
//! ```
//! use interleave::{model, runtime::Runtime, sync::Shared, thread};
//! use std::sync::Arc;
//!
//! fn withdraw_twice<R: Runtime>() -> i64 {
//!     let balance = Arc::new(Shared::<R, i64>::named("balance", 100));
//!     let withdraw = || {
//!         let balance = balance.clone();
//!         thread::spawn::<R, _, _>(move || {
//!             if balance.load() >= 60 {
//!                 balance.store(balance.load() - 60);
//!             }
//!         })
//!     };
//!     let (a, b) = (withdraw(), withdraw());
//!     a.join();
//!     b.join();
//!     balance.load()
//! }
//!
//! let check = || interleave::check(model!(withdraw_twice)).forbid(|&b| (b < 0).then_some("overdraft"));
//! check().assert_violation("overdraft"); // shuttle, or loom under --cfg loom
//! check().native().unwrap();             // std threads: the race is there, seldom seen
//! ```
//!
//! A failing `assert_` call panics with the report: the verdict, the execution's timeline and
//! one line to replay it in the same test, and only that test: `INTERLEAVE_REPLAY=<token> cargo
//! test [--lib | --test <target>] <test> -- --exact --include-ignored` ([`replay_line`]). A
//! [`Report`] prints the same, so a check run with [`Check::run`] (or a backend's name) is shown
//! with `println!("{report}")` or `assert!(…, "{report}")`. With the variable set, a check whose
//! model the token names runs exactly that execution (under shuttle, its search again up to it,
//! within the check's executions); every other check runs as usual.
//!
//! The registry's lessons go through the same builder ([`check_variant`]).

use crate::checker::{self, Budget, CheckError, Failure, Mode, ReplayToken, Report, Verdict};
use crate::lesson::RunFn;
/// Where 0.1.0 had them (they live in [`crate::lesson`] since 0.2.0): kept so that code written
/// against 0.1.0 (`interleave::model::{Expect, Params, …}`) still compiles.
pub use crate::lesson::{Class, Concept, Expect, Observed, Params, Variant};
use crate::replay_line::current_test;
pub use crate::replay_line::{REPLAY_VAR, replay_line};
use crate::runtime::sight::BlindSpot;
use crate::runtime::{Backend, Native, Runtime, Shuttle};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

/// A model as a type: one execution, generic over the runtime, given the worker thread count.
/// [`model!`](crate::model!) makes one from a function or a block without a type.
pub trait Model: Send + Sync + 'static {
    /// What the execution observably did; its `Debug` text is the outcome's name in a report.
    type Outcome: Debug + Send + 'static;

    /// One execution on `R`, with `threads` worker threads (the check's count; a model may
    /// ignore it).
    fn run<R: Runtime>(&self, threads: usize) -> Self::Outcome;
}

/// A model with its runtime chosen at run time: what [`check`] takes.
pub struct ModelFn<O> {
    run: Arc<dyn Fn(Backend, usize) -> O + Send + Sync>,
}

impl<O> std::fmt::Debug for ModelFn<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelFn").finish_non_exhaustive()
    }
}

impl<O> Clone for ModelFn<O> {
    fn clone(&self) -> Self {
        ModelFn {
            run: self.run.clone(),
        }
    }
}

impl<O> ModelFn<O> {
    /// `run(backend, threads)` must run the model on `backend`'s runtime; [`model!`](crate::model!)
    /// writes it.
    pub fn new(run: impl Fn(Backend, usize) -> O + Send + Sync + 'static) -> Self {
        ModelFn { run: Arc::new(run) }
    }
}

impl<M: Model> From<M> for ModelFn<M::Outcome> {
    fn from(model: M) -> Self {
        ModelFn::new(move |backend, threads| match backend {
            Backend::Native => model.run::<Native>(threads),
            Backend::Shuttle => model.run::<Shuttle>(threads),
            #[cfg(loom)]
            Backend::Loom => model.run::<crate::runtime::Loom>(threads),
            #[cfg(not(loom))]
            Backend::Loom => unreachable!("this build has no loom backend"),
        })
    }
}

/// A model from a generic function (`model!(withdraw_twice)` calls `withdraw_twice::<R>()`) or a
/// block with the runtime's name bound (`model!(|R| ...)`, or `model!(|R, threads| ...)` to use
/// the check's thread count). The block is compiled once per backend, with `R` naming its
/// runtime; what it captures is moved in once, and shared by reference between executions.
#[macro_export]
macro_rules! model {
    (|$runtime:ident| $body:expr) => {
        $crate::model!(|$runtime, _threads| $body)
    };
    (|$runtime:ident, $threads:ident| $body:expr) => {
        $crate::model::ModelFn::new(
            move |backend: $crate::runtime::Backend, $threads: usize| match backend {
                $crate::runtime::Backend::Native => {
                    type $runtime = $crate::runtime::Native;
                    $body
                }
                $crate::runtime::Backend::Shuttle => {
                    type $runtime = $crate::runtime::Shuttle;
                    $body
                }
                $crate::runtime::Backend::Loom => $crate::__model_on_loom!($runtime, $body),
            },
        )
    };
    ($($function:ident)::+) => {
        $crate::model!(|R| $($function)::+::<R>())
    };
}

#[cfg(loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! __model_on_loom {
    ($runtime:ident, $body:expr) => {{
        type $runtime = $crate::runtime::Loom;
        $body
    }};
}

#[cfg(not(loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! __model_on_loom {
    ($runtime:ident, $body:expr) => {
        ::core::unreachable!("this build has no loom backend")
    };
}

/// The outcome type of a check of a registry variant: its outcomes are classified by the
/// lesson, so it takes no classifier.
#[derive(Debug)]
pub enum Registered {}

type Classifier<O> = Arc<dyn Fn(&O) -> (Class, &'static str) + Send + Sync>;

enum Target<O> {
    Model {
        model: ModelFn<O>,
        classify: Classifier<O>,
        name: Option<String>,
    },
    Registered(Variant),
}

/// A check being set up; it runs at [`Check::run`], a backend's name, or an `assert_` call.
#[must_use = "a check runs at .run(), .shuttle(), .native(), .assert_holds() or .assert_violation()"]
pub struct Check<O> {
    target: Target<O>,
    /// Builds the variant; it knows `O`'s `Debug` where [`Check`]'s methods need not.
    variant: fn(&Target<O>) -> (Variant, Defaults),
    backend: Backend,
    threads: Option<usize>,
    executions: Option<usize>,
    seed: Option<u64>,
    mode: Mode,
    needs: &'static [BlindSpot],
}

/// What the check will run and with what settings; not the model, the classifier or the builder.
impl<O> std::fmt::Debug for Check<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match &self.target {
            Target::Model { name, .. } => name.as_deref(),
            Target::Registered(variant) => Some(variant.id),
        };
        f.debug_struct("Check")
            .field("name", &name)
            .field("backend", &self.backend)
            .field("threads", &self.threads)
            .field("executions", &self.executions)
            .field("seed", &self.seed)
            .field("mode", &self.mode)
            .field("needs", &self.needs)
            .finish_non_exhaustive()
    }
}

/// A check of `model`, with 2 worker threads, on the exploring backend of this build (shuttle,
/// or loom under `--cfg loom`). No outcome is forbidden until [`Check::forbid`] or
/// [`Check::classify`] says so; a panic (a failed `assert!`) or a deadlock in the model always
/// fails.
pub fn check<O: Debug + Send + 'static>(model: impl Into<ModelFn<O>>) -> Check<O> {
    Check::new(
        Target::Model {
            model: model.into(),
            classify: Arc::new(|_| (Class::Acceptable, "allowed")),
            name: None,
        },
        variant_of::<O>,
    )
}

/// A check of a registry variant (a lesson's row or [`Variant`]), with the variant's own
/// defaults: the same builder and replay as a user's model.
pub fn check_variant(variant: impl Into<Variant>) -> Check<Registered> {
    Check::new(Target::Registered(variant.into()), registered_variant)
}

/// The backend a check uses unless told otherwise: loom when built with it, else shuttle.
pub const EXPLORER: Backend = if cfg!(loom) {
    Backend::Loom
} else {
    Backend::Shuttle
};

impl<O: Debug + Send + 'static> Check<O> {
    /// Forbids the outcomes for which `forbidden` gives a reason (shown in the report); every
    /// other outcome is acceptable.
    pub fn forbid(
        self,
        forbidden: impl Fn(&O) -> Option<&'static str> + Send + Sync + 'static,
    ) -> Self {
        self.classify(move |outcome| match forbidden(outcome) {
            Some(why) => (Class::Forbidden, why),
            None => (Class::Acceptable, "allowed"),
        })
    }

    /// Classifies every outcome as acceptable, interesting or forbidden, with a few words each.
    pub fn classify(
        mut self,
        classify: impl Fn(&O) -> (Class, &'static str) + Send + Sync + 'static,
    ) -> Self {
        if let Target::Model { classify: slot, .. } = &mut self.target {
            *slot = Arc::new(classify);
        }
        self
    }

    /// The model's name in reports and replay tokens. By default it is the test's name (the
    /// thread's name under `cargo test`), with `#2`, `#3`... for later checks in the same test.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        if let Target::Model { name: slot, .. } = &mut self.target {
            *slot = Some(name.into());
        }
        self
    }
}

impl<O> Check<O> {
    fn new(target: Target<O>, variant: fn(&Target<O>) -> (Variant, Defaults)) -> Self {
        Check {
            target,
            variant,
            backend: EXPLORER,
            threads: None,
            executions: None,
            seed: None,
            mode: Mode::Check,
            needs: &[],
        }
    }

    /// Worker threads the model is given (default 2, or the variant's).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Executions to run under shuttle or natively; under loom, how many its search may run
    /// before it is reported unfinished (it explores them all if there are fewer).
    pub fn executions(mut self, executions: usize) -> Self {
        self.executions = Some(executions);
        self
    }

    /// The verdict depends on a backend producing these behaviours (a check that a lock
    /// survives spurious wake-ups, say): a backend that cannot reports it as not checked,
    /// never as holding.
    pub fn needs(mut self, needs: &'static [BlindSpot]) -> Self {
        self.needs = needs;
        self
    }

    /// The search's seed (shuttle).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Counts every outcome instead of stopping at the first forbidden one (a uniformly random
    /// search under shuttle).
    pub fn outcomes(mut self) -> Self {
        self.mode = Mode::Outcomes;
        self
    }

    /// The backend [`Check::run`] and the `assert_` calls use.
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// [`Check::run`] under shuttle.
    pub fn shuttle(self) -> Result<Report, CheckError> {
        self.backend(Backend::Shuttle).run()
    }

    /// [`Check::run`] on std threads: each execution as the OS schedules it, nothing explored.
    pub fn native(self) -> Result<Report, CheckError> {
        self.backend(Backend::Native).run()
    }

    /// [`Check::run`] under loom (only in a `--cfg loom` build).
    #[cfg(loom)]
    pub fn loom(self) -> Result<Report, CheckError> {
        self.backend(Backend::Loom).run()
    }

    /// Runs the check, or, when [`REPLAY_VAR`] names an execution of this model on this backend,
    /// exactly that execution. A malformed token is an error for every check that reads it.
    pub fn run(self) -> Result<Report, CheckError> {
        checker::env::validate()?;
        let (mut variant, defaults) = (self.variant)(&self.target);
        if !self.needs.is_empty() {
            variant.needs = self.needs;
        }
        let mut budget = match defaults {
            Defaults::Backend => Budget::defaults(self.backend, self.mode),
            Defaults::Variant => Budget::for_variant(&variant, self.backend, self.mode),
        };
        budget.executions = self.executions.unwrap_or(budget.executions);
        budget.seed = self.seed.unwrap_or(budget.seed);
        if let Some(token) = requested_replay(&variant, self.backend)? {
            return checker::replay_within(&variant, &token, budget.executions);
        }
        let params = variant
            .params(self.backend, self.threads)
            .map_err(|refused| CheckError::BadBudget(refused.describe("the thread count")))?;
        checker::check(&variant, self.backend, &params, &budget, self.mode)
    }

    /// Runs the check and returns its report if it holds; panics with the report's text if not.
    #[track_caller]
    pub fn assert_holds(self) -> Report {
        let report = ran(self.run());
        match report.verdict {
            Verdict::Holds => report,
            _ => panic!("{report}"),
        }
    }

    /// Runs the check and returns the violation it must find, whose message contains `message`
    /// (e.g. the forbidden outcome's reason, or a panic's text); panics with the report's text
    /// if it finds none, or another.
    #[track_caller]
    pub fn assert_violation(self, message: &str) -> Failure {
        let report = ran(self.run());
        match &report.verdict {
            Verdict::Violated(failure) if failure.message.contains(message) => failure.clone(),
            _ => panic!("expected a violation ({message}), got:\n{report}"),
        }
    }

    /// Runs the check and returns the deadlock it must find; panics with the report's text if
    /// it finds none.
    #[track_caller]
    pub fn assert_deadlock(self) -> Failure {
        let report = ran(self.run());
        match &report.verdict {
            Verdict::Deadlock(failure) => failure.clone(),
            _ => panic!("expected a deadlock, got:\n{report}"),
        }
    }
}

/// The variant a check runs, and whose budget defaults apply.
fn variant_of<O: Debug + Send + 'static>(target: &Target<O>) -> (Variant, Defaults) {
    match target {
        Target::Registered(variant) => (variant.clone(), Defaults::Variant),
        Target::Model {
            model,
            classify,
            name,
        } => {
            let id = intern(name.clone().unwrap_or_else(default_name));
            let variant = Variant::of_model(id, "a model checked from a test", 2, |backend| {
                let (model, classify) = (model.clone(), classify.clone());
                let run: RunFn = Arc::new(move |params| {
                    let outcome = (model.run)(backend, params.threads);
                    let (class, label) = classify(&outcome);
                    Observed {
                        text: format!("{outcome:?}"),
                        class,
                        label,
                    }
                });
                run
            });
            (variant, Defaults::Backend)
        }
    }
}

fn registered_variant(target: &Target<Registered>) -> (Variant, Defaults) {
    match target {
        Target::Registered(variant) => (variant.clone(), Defaults::Variant),
        Target::Model { .. } => unreachable!("check_variant makes no model target"),
    }
}

enum Defaults {
    /// A model's: the backend's fixed defaults (and the environment's overrides).
    Backend,
    /// A registry variant's own budget.
    Variant,
}

#[track_caller]
fn ran(result: Result<Report, CheckError>) -> Report {
    match result {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    }
}

/// The report's text, as its `Display` writes it: verdict, explanation, timeline, and the line
/// that replays it in the test that runs this check (`report.to_string()`).
pub fn verdict(report: &Report) -> String {
    report.to_string()
}

/// The test's name, `#2` and on for the later checks of the same test (so that a token names one
/// check), or `model` outside a test.
fn default_name() -> String {
    thread_local! {
        static CHECKS: RefCell<(String, usize)> = const { RefCell::new((String::new(), 0)) };
    }
    let test = current_test().unwrap_or_else(|| "model".to_owned());
    CHECKS.with_borrow_mut(|(last, count)| {
        if *last == test {
            *count += 1;
        } else {
            (*last, *count) = (test.clone(), 1);
        }
        match *count {
            1 => test,
            n => format!("{test}#{n}"),
        }
    })
}

/// Variant ids are `&'static str`: each name is leaked once.
fn intern(name: String) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = crate::util::lock_unpoisoned(&NAMES);
    if let Some(&known) = names.get(name.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// The token in [`REPLAY_VAR`], if it names this model on `backend`.
fn requested_replay(
    variant: &Variant,
    backend: Backend,
) -> Result<Option<ReplayToken>, CheckError> {
    let Some(text) = std::env::var_os(REPLAY_VAR) else {
        return Ok(None);
    };
    let text = text
        .into_string()
        .map_err(|_| CheckError::BadToken(format!("{REPLAY_VAR} is not valid UTF-8")))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let token: ReplayToken = text.parse()?;
    if token.tag != checker::token_tag(variant.id) {
        return Ok(None);
    }
    match (token.backend(), backend) {
        (from, here) if from == here => Ok(Some(token)),
        (Backend::Loom, _) if !cfg!(loom) => Err(CheckError::BadToken(
            "the token is from a loom run: replay it in a loom build \
             (RUSTFLAGS=\"--cfg loom\" cargo test --release …), as its replay line says"
                .to_owned(),
        )),
        (Backend::Shuttle, Backend::Loom) => Err(CheckError::BadToken(
            "the token is from a shuttle run, and this build checks the model under loom: \
             replay it in a build without --cfg loom, as its replay line says"
                .to_owned(),
        )),
        _ => Ok(None),
    }
}
