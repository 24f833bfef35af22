//! What a concept is to the checker: a program generic over [`Runtime`], its observable outcome,
//! and the classification of every outcome, declared as data next to the program.

use crate::runtime::{Native, Runtime, Shuttle};
use std::fmt::Display;

/// How big an execution is: the number of worker threads a variant starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub threads: usize,
}

/// jcstress's three kinds of outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// What the program is meant to produce.
    Acceptable,
    /// Allowed, and worth a look (a daemon's output cut short by exit, say).
    Interesting,
    /// A bug: `check` fails on it.
    Forbidden,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Acceptable => "acceptable",
            Class::Interesting => "interesting",
            Class::Forbidden => "forbidden",
        }
    }
}

/// What the checkers are expected to find in a variant (the tour and the tests compare).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Holds,
    Violation,
    Deadlock,
}

/// One variant of a concept, written once for every backend.
pub trait Program: 'static {
    /// Kebab-case `concept/variant`.
    const ID: &'static str;
    const SUMMARY: &'static str;
    const EXPECT: Expect;
    /// Worker threads under shuttle and natively.
    const THREADS: usize;
    /// Worker threads under loom (at most 4: loom allows 5 threads, main included).
    const LOOM_THREADS: usize;
    /// Largest thread count the variant accepts (bounds `--threads`).
    const MAX_THREADS: usize = 1000;
    /// Loom's preemption bound when the default (3) misses outcomes the lesson needs.
    const LOOM_PREEMPTION_BOUND: Option<usize> = None;

    type Outcome: Ord + Clone + Display + Send + 'static;

    /// One execution: run the program, return what it observably did.
    fn run<R: Runtime>(params: &Params) -> Self::Outcome;

    /// The class of an outcome and a few words on what it means.
    fn classify(outcome: &Self::Outcome, params: &Params) -> (Class, &'static str);

    /// Every outcome an exhaustive search must find, when the variant declares it.
    fn possible_outcomes(_params: &Params) -> Option<Vec<Self::Outcome>> {
        None
    }
}

/// An outcome as the checker keeps it: its text and class.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Observed {
    pub text: String,
    pub class: Class,
    pub label: &'static str,
}

pub type RunFn = fn(&Params) -> Observed;

/// A [`Program`] with its generic parts instantiated per backend, so a registry can hold it.
#[derive(Clone, Debug)]
pub struct Variant {
    pub id: &'static str,
    pub summary: &'static str,
    pub expect: Expect,
    pub threads: usize,
    pub loom_threads: usize,
    pub max_threads: usize,
    pub loom_preemption_bound: Option<usize>,
    pub run_native: RunFn,
    pub run_shuttle: RunFn,
    #[cfg(loom)]
    pub run_loom: RunFn,
    pub possible_outcomes: fn(&Params) -> Option<Vec<Observed>>,
}

fn observe<P: Program>(outcome: P::Outcome, params: &Params) -> Observed {
    let (class, label) = P::classify(&outcome, params);
    Observed {
        text: outcome.to_string(),
        class,
        label,
    }
}

fn run_on<R: Runtime, P: Program>(params: &Params) -> Observed {
    observe::<P>(P::run::<R>(params), params)
}

fn possible<P: Program>(params: &Params) -> Option<Vec<Observed>> {
    P::possible_outcomes(params)
        .map(|all| all.into_iter().map(|o| observe::<P>(o, params)).collect())
}

impl Variant {
    pub fn of<P: Program>() -> Variant {
        Variant {
            id: P::ID,
            summary: P::SUMMARY,
            expect: P::EXPECT,
            threads: P::THREADS,
            loom_threads: P::LOOM_THREADS,
            max_threads: P::MAX_THREADS,
            loom_preemption_bound: P::LOOM_PREEMPTION_BOUND,
            run_native: run_on::<Native, P>,
            run_shuttle: run_on::<Shuttle, P>,
            #[cfg(loom)]
            run_loom: run_on::<crate::runtime::Loom, P>,
            possible_outcomes: possible::<P>,
        }
    }

    /// The part after the `/`.
    pub fn name(&self) -> &'static str {
        self.id.split_once('/').map_or(self.id, |(_, name)| name)
    }
}

/// A row of a native timing table.
#[derive(Clone, Debug)]
pub struct TimingRow {
    pub label: String,
    pub seconds: f64,
    pub note: String,
}

/// A native timing table: rows measured side by side in one run, compared as ratios to the first.
#[derive(Clone, Debug)]
pub struct Timing {
    pub title: String,
    pub setup: String,
    pub rows: Vec<TimingRow>,
}

/// A lesson of the tutorial: its variants, where it lives, and its native timing, if any.
#[derive(Clone, Debug)]
pub struct Concept {
    pub id: &'static str,
    pub title: &'static str,
    pub file: &'static str,
    pub variants: Vec<Variant>,
    pub timing: Option<fn() -> Timing>,
}
