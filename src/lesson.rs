//! What a concept is to the checker. A [`Lesson`] is one program written over the facade,
//! generic over [`Runtime`], with its observable outcome and the class of every outcome; its
//! variants (the bug and each fix) are [`Row`]s of data next to it, told apart by a
//! [`Lesson::Version`]. A [`Concept`] is a file's lessons, as the registry and the tour see them.
//!
//! ```
//! use interleave::lesson::{Class, Expect, Lesson, Params, Row};
//! use interleave::runtime::Runtime;
//! use interleave::sync::Shared;
//! use interleave::thread;
//! use std::sync::Arc;
//!
//! struct Increment;
//!
//! #[derive(Clone, Copy)]
//! enum Version { Racy, Atomic }
//!
//! impl Lesson for Increment {
//!     type Version = Version;
//!     type Outcome = usize;
//!
//!     fn run<R: Runtime>(version: Version, params: &Params) -> usize {
//!         let n = Arc::new(Shared::<R, usize>::named("n", 0));
//!         let lock = Arc::new(interleave::sync::Mutex::<R, ()>::named("lock", ()));
//!         let workers: Vec<_> = (0..params.threads)
//!             .map(|_| {
//!                 let (n, lock) = (n.clone(), lock.clone());
//!                 thread::spawn::<R, _, _>(move || {
//!                     let _held = matches!(version, Version::Atomic).then(|| lock.lock());
//!                     let seen = n.load();
//!                     n.store(seen + 1);
//!                 })
//!             })
//!             .collect();
//!         workers.into_iter().for_each(thread::JoinHandle::join);
//!         n.load()
//!     }
//!
//!     fn classify(_: Version, n: &usize, params: &Params) -> (Class, &'static str) {
//!         if *n == params.threads { (Class::Acceptable, "all counted") } else { (Class::Forbidden, "lost update") }
//!     }
//! }
//!
//! const RACY: Row<Increment> = Row::new("increment/racy", Version::Racy, Expect::Violation, "no lock");
//! const ATOMIC: Row<Increment> = Row::new("increment/atomic", Version::Atomic, Expect::Holds, "one lock");
//! let variants = [RACY.variant(), ATOMIC.variant()];
//! assert_eq!(variants[0].threads, 2);
//! ```

use crate::runtime::sight::BlindSpot;
use crate::runtime::{Backend, Native, Runtime, Shuttle};
use std::fmt::{self, Display};
use std::sync::Arc;

/// How big an execution is: the number of worker threads a variant starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Worker threads to start (main not counted).
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
    /// How a report names it: `"acceptable"`, `"interesting"` or `"forbidden"`.
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
    /// No execution fails: every outcome is acceptable or interesting.
    Holds,
    /// Some execution ends in a forbidden outcome or a panic (or runs past the step limit).
    Violation,
    /// Some execution ends with every thread left blocked.
    Deadlock,
    /// The backend cannot see what the verdict depends on (no lesson expects it).
    NotChecked,
}

/// One program of a concept, written once for every backend, and what its outcomes mean.
pub trait Lesson: 'static {
    /// What tells this lesson's variants apart: a flaw built in, a fix, which demo.
    type Version: Copy + Send + Sync + 'static;
    /// What one execution observably did (a final count, the lines printed); its `Display` is the
    /// outcome's text in reports and tables.
    type Outcome: Ord + Clone + Display + Send + 'static;
    /// Worker threads by default, unless a row says otherwise.
    const THREADS: Threads = Threads::same(2);
    /// Shuttle executions a `check` runs by default: about a second's worth on two cores. A
    /// lesson whose executions cost more (a hundred threads, a pool) checks fewer.
    const CHECK_EXECUTIONS: usize = DEFAULT_CHECK_EXECUTIONS;

    /// One execution: run the program, return what it observably did.
    fn run<R: Runtime>(version: Self::Version, params: &Params) -> Self::Outcome;

    /// The class of an outcome and a few words on what it means.
    fn classify(
        version: Self::Version,
        outcome: &Self::Outcome,
        params: &Params,
    ) -> (Class, &'static str);

    /// Every outcome an exhaustive search must find, when the lesson declares it.
    fn possible_outcomes(_version: Self::Version, _params: &Params) -> Option<Vec<Self::Outcome>> {
        None
    }
}

/// A lesson's worker threads: under shuttle and natively, and under loom (at most 4: loom allows
/// 5 threads, main included, and its search grows with every one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threads {
    /// Worker threads under shuttle and natively.
    pub shuttle: usize,
    /// Worker threads under loom (at most 4).
    pub loom: usize,
}

impl Threads {
    /// The same count under every backend.
    pub const fn same(threads: usize) -> Threads {
        Threads {
            shuttle: threads,
            loom: threads,
        }
    }

    /// `threads` under shuttle and natively (and loom, until [`Threads::loom`] says otherwise).
    pub const fn shuttle(threads: usize) -> Threads {
        Threads::same(threads)
    }

    /// `threads` under loom instead.
    pub const fn loom(mut self, threads: usize) -> Threads {
        self.loom = threads;
        self
    }
}

/// One variant of a [`Lesson`], as data: its id, what the checkers should find, its sizes.
pub struct Row<L: Lesson> {
    /// Kebab-case `concept/variant`.
    pub id: &'static str,
    /// The version of the lesson's program this variant runs.
    pub version: L::Version,
    /// What the checkers should find.
    pub expect: Expect,
    /// One line on what the variant is (the tour and `list` print it).
    pub summary: &'static str,
    /// Worker threads by default, under shuttle and natively.
    pub threads: usize,
    /// Worker threads by default under loom.
    pub loom_threads: usize,
    /// Largest thread count the variant accepts (bounds `--threads`).
    pub max_threads: usize,
    /// Loom's preemption bound when the default (3) misses outcomes the lesson needs.
    pub loom_preemption_bound: Option<usize>,
    /// Shuttle executions a `check` runs by default: about a second's worth on two cores.
    pub check_executions: usize,
    /// Loom executions a search may run before it stops unfinished (a count, not a clock, so
    /// the status is the same on a fast and a slow machine).
    pub loom_executions: usize,
    /// Behaviours the verdict depends on a backend producing (see [`crate::checker::sight`]).
    pub needs: &'static [BlindSpot],
}

impl<L: Lesson> fmt::Debug for Row<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Row")
            .field("id", &self.id)
            .field("expect", &self.expect)
            .finish_non_exhaustive()
    }
}

/// A `check`'s default budget under shuttle, for a small model: about a second on two cores.
pub const DEFAULT_CHECK_EXECUTIONS: usize = 50_000;

/// A loom search's default budget: about what the slowest lessons explore exhaustively at their
/// bound in a few seconds of a release build on two cores.
pub const DEFAULT_LOOM_EXECUTIONS: usize = 100_000;

impl<L: Lesson> Clone for Row<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L: Lesson> Copy for Row<L> {}

impl<L: Lesson> Row<L> {
    /// A row with the lesson's thread counts, up to 1000 threads, loom's default bound.
    pub const fn new(
        id: &'static str,
        version: L::Version,
        expect: Expect,
        summary: &'static str,
    ) -> Self {
        Row {
            id,
            version,
            expect,
            summary,
            threads: L::THREADS.shuttle,
            loom_threads: L::THREADS.loom,
            max_threads: 1000,
            loom_preemption_bound: None,
            check_executions: L::CHECK_EXECUTIONS,
            loom_executions: DEFAULT_LOOM_EXECUTIONS,
            needs: &[],
        }
    }

    /// Default worker threads: `threads` under shuttle and natively, `loom_threads` under loom.
    pub const fn threads(mut self, threads: usize, loom_threads: usize) -> Self {
        self.threads = threads;
        self.loom_threads = loom_threads;
        self
    }

    /// The largest thread count the variant accepts (1000 unless set).
    pub const fn max_threads(mut self, max_threads: usize) -> Self {
        self.max_threads = max_threads;
        self
    }

    /// Loom's preemption bound for this variant, instead of the default 3.
    pub const fn loom_preemption_bound(mut self, bound: usize) -> Self {
        self.loom_preemption_bound = Some(bound);
        self
    }

    /// Loom executions a search may run before it stops unfinished, instead of
    /// [`DEFAULT_LOOM_EXECUTIONS`].
    pub const fn loom_executions(mut self, executions: usize) -> Self {
        self.loom_executions = executions;
        self
    }

    /// The verdict depends on a backend producing these behaviours.
    pub const fn needs(mut self, needs: &'static [BlindSpot]) -> Self {
        self.needs = needs;
        self
    }

    /// The row with its generic parts instantiated per backend, for the registry.
    pub fn variant(self) -> Variant {
        let version = self.version;
        Variant {
            id: self.id,
            summary: self.summary,
            expect: self.expect,
            threads: self.threads,
            loom_threads: self.loom_threads,
            max_threads: self.max_threads,
            loom_preemption_bound: self.loom_preemption_bound,
            check_executions: self.check_executions,
            loom_executions: self.loom_executions,
            needs: self.needs,
            runs: Runs {
                native: Arc::new(move |params| run_on::<Native, L>(version, params)),
                shuttle: Arc::new(move |params| run_on::<Shuttle, L>(version, params)),
                #[cfg(loom)]
                loom: Arc::new(move |params| run_on::<crate::runtime::Loom, L>(version, params)),
            },
            possible_outcomes: Arc::new(move |params| {
                L::possible_outcomes(version, params).map(|all| {
                    all.into_iter()
                        .map(|outcome| observe::<L>(version, outcome, params))
                        .collect()
                })
            }),
        }
    }
}

impl<L: Lesson> From<Row<L>> for Variant {
    fn from(row: Row<L>) -> Variant {
        row.variant()
    }
}

impl From<&Variant> for Variant {
    fn from(variant: &Variant) -> Variant {
        variant.clone()
    }
}

/// An outcome as the checker keeps it: its text and class.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Observed {
    /// The outcome as its `Display` writes it.
    pub text: String,
    /// The class [`Lesson::classify`] gave it.
    pub class: Class,
    /// The few words [`Lesson::classify`] said about what it means.
    pub label: &'static str,
}

/// One execution of a variant on one backend.
pub type RunFn = Arc<dyn Fn(&Params) -> Observed + Send + Sync>;

/// A lesson's row with its generic parts instantiated per backend, so a registry can hold it.
#[derive(Clone)]
pub struct Variant {
    /// Kebab-case `concept/variant`: what `check`, replay tokens and reports name it by.
    pub id: &'static str,
    /// One line on what the variant is.
    pub summary: &'static str,
    /// What the checkers should find.
    pub expect: Expect,
    /// Worker threads by default, under shuttle and natively.
    pub threads: usize,
    /// Worker threads by default under loom.
    pub loom_threads: usize,
    /// Largest thread count the variant accepts.
    pub max_threads: usize,
    /// Loom's preemption bound for this variant; `None` for the default (3).
    pub loom_preemption_bound: Option<usize>,
    /// Shuttle executions a `check` runs by default.
    pub check_executions: usize,
    /// Loom executions a search may run before it is reported as unfinished.
    pub loom_executions: usize,
    /// Behaviours the verdict depends on a backend producing: a backend blind to one of them
    /// reports the variant as not checked, never as holding.
    pub needs: &'static [BlindSpot],
    runs: Runs,
    possible_outcomes: PossibleFn,
}

type PossibleFn = Arc<dyn Fn(&Params) -> Option<Vec<Observed>> + Send + Sync>;

/// The per-backend instances: adding a backend adds a field here, nothing in `models/`.
#[derive(Clone)]
struct Runs {
    native: RunFn,
    shuttle: RunFn,
    #[cfg(loom)]
    loom: RunFn,
}

impl fmt::Debug for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variant")
            .field("id", &self.id)
            .field("expect", &self.expect)
            .finish_non_exhaustive()
    }
}

fn observe<L: Lesson>(version: L::Version, outcome: L::Outcome, params: &Params) -> Observed {
    let (class, label) = L::classify(version, &outcome, params);
    Observed {
        text: outcome.to_string(),
        class,
        label,
    }
}

fn run_on<R: Runtime, L: Lesson>(version: L::Version, params: &Params) -> Observed {
    observe::<L>(version, L::run::<R>(version, params), params)
}

/// A thread count a variant or a backend does not accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadsOutOfRange {
    /// The variant's id.
    pub id: &'static str,
    /// The backend it was to run on.
    pub backend: Backend,
    /// The count asked for.
    pub threads: usize,
    /// The most the variant and the backend both allow.
    pub max: usize,
}

impl ThreadsOutOfRange {
    /// The refusal, with `what` naming where the count came from (`--threads`, a token).
    pub fn describe(&self, what: &str) -> String {
        let mut text = format!(
            "{what} {} is outside 1..={} for {} on {}",
            self.threads,
            self.max,
            self.id,
            self.backend.name()
        );
        if let Some(limit) = self.backend.max_workers() {
            text += &format!(
                " ({} allows {} threads, main included)",
                self.backend.name(),
                limit + 1
            );
        }
        text
    }
}

impl Display for ThreadsOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("thread count"))
    }
}

impl Variant {
    /// The part after the `/`.
    pub fn name(&self) -> &'static str {
        self.id.split_once('/').map_or(self.id, |(_, name)| name)
    }

    /// The one rule for thread counts, used by `check`, `outcomes`, `replay`, the tour and the
    /// tests: the requested count (or the variant's default on `backend`), within what both the
    /// variant and the backend allow.
    pub fn params(
        &self,
        backend: Backend,
        requested: Option<usize>,
    ) -> Result<Params, ThreadsOutOfRange> {
        let default = if backend == Backend::Loom {
            self.loom_threads
        } else {
            self.threads
        };
        let threads = requested.unwrap_or(default);
        let max = backend
            .max_workers()
            .map_or(self.max_threads, |limit| limit.min(self.max_threads));
        if threads == 0 || threads > max {
            return Err(ThreadsOutOfRange {
                id: self.id,
                backend,
                threads,
                max,
            });
        }
        Ok(Params { threads })
    }

    /// A variant of a model outside the registry (a user's [`crate::check`]): `run_on` gives one
    /// execution for each backend this binary is built with. It is expected to hold, with
    /// `threads` workers by default, and has no declared outcome set.
    pub fn of_model(
        id: &'static str,
        summary: &'static str,
        threads: usize,
        run_on: impl Fn(Backend) -> RunFn,
    ) -> Variant {
        Variant {
            id,
            summary,
            expect: Expect::Holds,
            threads,
            loom_threads: threads,
            max_threads: 1000,
            loom_preemption_bound: None,
            check_executions: DEFAULT_CHECK_EXECUTIONS,
            loom_executions: DEFAULT_LOOM_EXECUTIONS,
            needs: &[],
            runs: Runs {
                native: run_on(Backend::Native),
                shuttle: run_on(Backend::Shuttle),
                #[cfg(loom)]
                loom: run_on(Backend::Loom),
            },
            possible_outcomes: Arc::new(|_| None),
        }
    }

    /// One execution on `backend`; `None` when this binary was built without it.
    pub fn runner(&self, backend: Backend) -> Option<RunFn> {
        match backend {
            Backend::Native => Some(self.runs.native.clone()),
            Backend::Shuttle => Some(self.runs.shuttle.clone()),
            #[cfg(loom)]
            Backend::Loom => Some(self.runs.loom.clone()),
            #[cfg(not(loom))]
            Backend::Loom => None,
        }
    }

    /// Every outcome an exhaustive search must find, when the variant declares it.
    pub fn possible_outcomes(&self, params: &Params) -> Option<Vec<Observed>> {
        (self.possible_outcomes)(params)
    }
}

/// A row of a native timing table.
#[derive(Clone, Debug)]
pub struct TimingRow {
    /// What was run.
    pub label: String,
    /// Wall-clock time, in seconds (0 when it could not be measured).
    pub seconds: f64,
    /// What the run produced or found (its result, or why it was not measured).
    pub note: String,
}

/// A native timing table: rows measured side by side in one run, compared as ratios only where
/// they measure the same work (see [`Ratios`]).
#[derive(Clone, Debug)]
pub struct Timing {
    /// The table's heading.
    pub title: String,
    /// How it was measured (how sleeps are scaled, what the watchdog is).
    pub setup: String,
    /// The rows, in the order they are shown.
    pub rows: Vec<TimingRow>,
    /// Which rows a ratio may compare.
    pub ratios: Ratios,
}

/// Which rows of a [`Timing`] a ratio may compare: only rows that do the same work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ratios {
    /// Every row does the same work: each is compared with the first.
    ToFirst,
    /// Consecutive groups of rows, by size: each row is compared with the first of its group, and
    /// a group of one shows no ratio (e.g. `[3, 2]`: rows 0-2 against row 0, rows 3-4 against 3).
    Groups(Vec<usize>),
    /// No two rows do the same work: no ratios.
    None,
}

impl Timing {
    /// Row `row`'s time over the time of the row it is compared with, if it is compared at all.
    pub fn ratio(&self, row: usize) -> Option<f64> {
        let base = match &self.ratios {
            Ratios::ToFirst => Some(0),
            Ratios::None => None,
            Ratios::Groups(sizes) => {
                let mut start = 0;
                sizes.iter().find_map(|&size| {
                    let group = start..start + size;
                    start += size;
                    (group.contains(&row) && size > 1).then_some(group.start)
                })
            }
        }?;
        let seconds = self.rows.get(row)?.seconds;
        Some(seconds / self.rows[base].seconds.max(f64::MIN_POSITIVE))
    }
}

/// A concept of the tutorial: its variants, where it lives, and its native timing, if any.
#[derive(Clone, Debug)]
pub struct Concept {
    /// Kebab-case: the part of its variants' ids before the `/`.
    pub id: &'static str,
    /// Its heading in the tour and the pictures.
    pub title: &'static str,
    /// The concept's file, relative to the project's root.
    pub file: &'static str,
    /// Its variants, in the order the tour shows them.
    pub variants: Vec<Variant>,
    /// Its native timing table; `None` when it has none.
    pub timing: Option<TimingSource>,
}

/// Where a concept's native timing table comes from.
#[derive(Clone, Debug)]
pub enum TimingSource {
    /// The concept measures its own rows.
    Measured(fn() -> Timing),
    /// Each row is one native run of a variant, ended by a watchdog if it makes no progress
    /// (a deadlock): the command line runs them with the checker, so the model needs only the
    /// facade.
    Watched(WatchedRuns),
}

/// Native runs of variants, side by side, for a timing table.
#[derive(Clone, Debug)]
pub struct WatchedRuns {
    /// The table's heading.
    pub title: &'static str,
    /// The table's setup line (how sleeps are scaled, what the watchdog is).
    pub setup: fn() -> String,
    /// The variants to run, one row each.
    pub variants: Vec<Variant>,
    /// A run with no progress for this long is reported as a likely deadlock.
    pub watchdog: std::time::Duration,
    /// Which runs do the same work, so a ratio between them means something.
    pub ratios: Ratios,
}

impl Concept {
    /// A concept declared in `file` (pass `file!()`), with no variants yet.
    pub fn new(id: &'static str, title: &'static str, file: &'static str) -> Concept {
        Concept {
            id,
            title,
            file: file.strip_prefix("src/../").unwrap_or(file),
            variants: Vec::new(),
            timing: None,
        }
    }

    /// Adds a lesson's rows, in order.
    pub fn rows<L: Lesson>(mut self, rows: &[Row<L>]) -> Concept {
        self.variants.extend(rows.iter().map(|row| row.variant()));
        self
    }

    /// Gives the concept a timing table it measures itself.
    pub fn timing(mut self, timing: fn() -> Timing) -> Concept {
        self.timing = Some(TimingSource::Measured(timing));
        self
    }

    /// Gives the concept a timing table of native runs of variants.
    pub fn watched_timing(mut self, runs: WatchedRuns) -> Concept {
        self.timing = Some(TimingSource::Watched(runs));
        self
    }
}
