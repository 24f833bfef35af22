//! # The thread API (tutorial 3.3.4): names, `current_thread`, `enumerate`, `active_count`,
//! `is_alive`, `join`
//!
//! Python keeps a registry of live threads. Its promises, checked here in every explored
//! interleaving: `current_thread()` in a thread is that thread (`MainThread` in main); default
//! names `Thread-N` are unique; a started thread is alive, and listed by `enumerate()`, until it
//! ends; `active_count()` is `len(enumerate())`; after `join()` a thread is no longer alive.
//!
//! `racy-count` breaks the registry the classic way: each thread bumps a shared count of live
//! threads with a separate read and write. Two threads starting together lose one increment
//! (or one decrement), and the count left after every thread has been joined is not zero.

use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::program::{self, Printed, Program, Shutdown};
use crate::runtime::Runtime;
use crate::sync::{Mutex, Shared};
use std::sync::Arc;

/// Python's registry of live threads: kept by the program, with every promise asserted while it
/// runs, or a count of live threads bumped with a separate read and write.
pub struct ThreadRegistry;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Registry,
    RacyCount,
}

/// Main's one line: how many threads, and the names `enumerate()` listed while all were alive.
/// Every promise of the registry is asserted on the way.
fn registry<R: Runtime>(main: &Program<R>, threads: usize) -> String {
    assert_eq!(
        main.current_thread().name(),
        "MainThread",
        "current_thread() in main is MainThread"
    );
    let gate = Arc::new(Mutex::<R, ()>::named("gate", ()));
    let seen = Arc::new(Mutex::<R, Vec<String>>::named("names seen", Vec::new()));
    let closed = gate.lock();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (gate, seen, me) = (gate.clone(), seen.clone(), main.clone());
            main.thread(move || {
                seen.lock().push(me.current_thread().name());
                drop(gate.lock());
            })
            .start()
        })
        .collect();
    // No worker can end while the gate is closed: the registry must list them all.
    let alive: Vec<String> = main.enumerate().iter().map(|t| t.name()).collect();
    assert_eq!(
        main.active_count(),
        alive.len(),
        "active_count() == len(enumerate())"
    );
    assert_eq!(
        alive.len(),
        threads + 1,
        "every started thread is alive until it ends: {alive:?}"
    );
    let mut unique = alive.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        alive.len(),
        "default names Thread-N are unique: {alive:?}"
    );
    drop(closed);
    let mut names: Vec<String> = workers.iter().map(|w| w.info().name()).collect();
    for worker in workers {
        let info = worker.info().clone();
        worker.join();
        assert!(!info.is_alive(), "is_alive() is false after join()");
    }
    assert_eq!(
        main.active_count(),
        1,
        "only MainThread is left after every join"
    );
    let mut inside = seen.lock().clone();
    inside.sort();
    names.sort();
    assert_eq!(
        inside, names,
        "current_thread() inside a thread is that thread"
    );
    format!("{} threads: {}", threads, alive.join(", "))
}

/// Each worker bumps a shared count of live threads up and down; the count once all are joined.
fn racy_count<R: Runtime>(main: &Program<R>, threads: usize) -> usize {
    let live = Arc::new(Shared::<R, usize>::named("live threads", 0));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let live = live.clone();
            main.thread(move || {
                let count = live.load();
                live.store(count + 1);
                let count = live.load();
                live.store(count - 1);
            })
            .start()
        })
        .collect();
    workers.into_iter().for_each(|w| w.join());
    live.load()
}

/// What a program over the registry reported.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegistrySaw {
    /// The line main printed: how many threads, and the names `enumerate()` listed.
    Listed(Printed),
    /// The count of live threads once all have been joined.
    LiveAfterJoin(usize),
}

impl std::fmt::Display for RegistrySaw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistrySaw::Listed(printed) => write!(f, "{printed}"),
            RegistrySaw::LiveAfterJoin(live) => {
                write!(f, "live count after join = {}", *live as isize)
            }
        }
    }
}

fn expected_registry(params: &Params) -> RegistrySaw {
    let names: Vec<String> = std::iter::once("MainThread".to_owned())
        .chain((1..=params.threads).map(|n| format!("Thread-{n}")))
        .collect();
    RegistrySaw::Listed(Printed(vec![format!(
        "{} threads: {}",
        params.threads,
        names.join(", ")
    )]))
}

impl Lesson for ThreadRegistry {
    type Version = Version;
    type Outcome = RegistrySaw;
    const THREADS: Threads = Threads::shuttle(3).loom(2);

    fn run<R: Runtime>(version: Version, params: &Params) -> RegistrySaw {
        let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| match version {
            Version::Registry => RegistrySaw::Listed(Printed(vec![registry(main, params.threads)])),
            Version::RacyCount => RegistrySaw::LiveAfterJoin(racy_count(main, params.threads)),
        });
        exit.value
    }

    fn classify(_: Version, outcome: &RegistrySaw, params: &Params) -> (Class, &'static str) {
        match outcome {
            RegistrySaw::Listed(_) if *outcome == expected_registry(params) => {
                (Class::Acceptable, "every promise of the registry kept")
            }
            RegistrySaw::Listed(_) => (Class::Forbidden, "the registry listed other threads"),
            RegistrySaw::LiveAfterJoin(0) => (Class::Acceptable, "every start and end counted"),
            RegistrySaw::LiveAfterJoin(_) => (
                Class::Forbidden,
                "lost update: the count of live threads is wrong",
            ),
        }
    }

    fn possible_outcomes(version: Version, params: &Params) -> Option<Vec<RegistrySaw>> {
        match version {
            Version::Registry => Some(vec![expected_registry(params)]),
            Version::RacyCount => None,
        }
    }
}

pub const REGISTRY: Row<ThreadRegistry> = Row::new(
    "thread-api/registry",
    Version::Registry,
    Expect::Holds,
    "current_thread, enumerate, active_count, is_alive, join: Python's promises",
)
.max_threads(100);
pub const RACY_COUNT: Row<ThreadRegistry> = Row::new(
    "thread-api/racy-count",
    Version::RacyCount,
    Expect::Violation,
    "a registry whose live-thread count is bumped without a lock",
)
.max_threads(100);

pub fn concept() -> Concept {
    Concept::new(
        "thread-api",
        "the thread API: names, current_thread, enumerate, active_count, is_alive (tutorial 3.3.4)",
        file!(),
    )
    .rows(&[REGISTRY, RACY_COUNT])
}
