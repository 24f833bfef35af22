//! # The thread API (tutorial 3.3.4): names, `current_thread`, `enumerate`, `active_count`,
//! `is_alive`, `join`
//!
//! Python keeps a registry of live threads. Its promises, checked here in every explored
//! interleaving: `current_thread()` in a thread is that thread (`MainThread` in main); default
//! names `Thread-N` are unique; a started thread is alive, and listed by `enumerate()`, until it
//! ends; `active_count()` is `len(enumerate())`; after `join()` a thread is no longer alive.
//!
//! `set-name` renames a started thread (`t.setName('downloader')`): the new name is what
//! `enumerate()` lists and what `current_thread()` says inside the thread from then on.
//!
//! `racy-count` breaks the registry the classic way: each thread bumps a shared count of live
//! threads with a separate read and write. Two threads starting together lose one increment
//! (or one decrement), and the count left after every thread has been joined is not zero.
//!
//! The tutorial says / actually:
//! - `isAlive()`: removed in Python 3.9; it is `is_alive()`. `getName()`/`setName()`,
//!   `currentThread()`, `activeCount()` (and `setDaemon()`) are deprecated since 3.10 in favour
//!   of the `name` and `daemon` attributes, `current_thread()`, `active_count()`.
//! - Its example prints `threading.active_count()`, but its sample output has no such line: it
//!   prints `2` (main and `Thread-1`, alive for its 3 s sleep) between the list and `主线程/主进程`.
//!   The count includes `MainThread`: three started threads make `active_count() = 4`, as the
//!   `registry` outcome shows.

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
    SetName,
    RacyCount,
}

/// The name `set-name` gives its thread.
pub const RENAMED: &str = "downloader";

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
    format!("active_count() = {}: {}", alive.len(), alive.join(", "))
}

/// `t.getName()`, `t.setName('downloader')` while `t` waits at a gate, `enumerate()`, then the
/// thread's own `current_thread().getName()`: every line printed, in order.
fn rename<R: Runtime>(main: &Program<R>) {
    let gate = Arc::new(Mutex::<R, ()>::named("gate", ()));
    let closed = gate.lock();
    let worker = {
        let (gate, me) = (gate.clone(), main.clone());
        main.thread(move || {
            drop(gate.lock());
            let name = me.current_thread().name();
            me.print(format!(
                "in the thread: current_thread().getName() = {name}"
            ));
        })
        .start()
    };
    main.print(format!("t.getName() = {}", worker.info().name()));
    worker.info().set_name(RENAMED);
    let listed: Vec<String> = main.enumerate().iter().map(|t| t.name()).collect();
    main.print(format!(
        "t.setName('{RENAMED}'); enumerate() = {}",
        listed.join(", ")
    ));
    drop(closed);
    worker.join();
}

fn expected_rename() -> RegistrySaw {
    RegistrySaw::Listed(Printed(vec![
        "t.getName() = Thread-1".to_owned(),
        format!("t.setName('{RENAMED}'); enumerate() = MainThread, {RENAMED}"),
        format!("in the thread: current_thread().getName() = {RENAMED}"),
    ]))
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
        "active_count() = {}: {}",
        names.len(),
        names.join(", ")
    )]))
}

impl Lesson for ThreadRegistry {
    type Version = Version;
    type Outcome = RegistrySaw;
    const THREADS: Threads = Threads::shuttle(3).loom(2);

    fn run<R: Runtime>(version: Version, params: &Params) -> RegistrySaw {
        let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| match version {
            Version::Registry => Some(RegistrySaw::Listed(Printed(vec![registry(
                main,
                params.threads,
            )]))),
            Version::SetName => {
                rename(main);
                None
            }
            Version::RacyCount => {
                Some(RegistrySaw::LiveAfterJoin(racy_count(main, params.threads)))
            }
        });
        match exit.value {
            Some(saw) => saw,
            None => RegistrySaw::Listed(Printed(exit.output)),
        }
    }

    fn classify(version: Version, outcome: &RegistrySaw, params: &Params) -> (Class, &'static str) {
        if version == Version::SetName {
            return if *outcome == expected_rename() {
                (Class::Acceptable, "the new name is seen everywhere")
            } else {
                (Class::Forbidden, "the new name was not seen everywhere")
            };
        }
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
            Version::SetName => Some(vec![expected_rename()]),
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
pub const SET_NAME: Row<ThreadRegistry> = Row::new(
    "thread-api/set-name",
    Version::SetName,
    Expect::Holds,
    "t.setName('downloader') on a started thread: enumerate() and the thread itself see the new name",
)
.threads(1, 1)
.max_threads(1);
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
        "the thread API: names, setName, current_thread, enumerate, active_count, is_alive (tutorial 3.3.4)",
        file!(),
    )
    .rows(&[REGISTRY, SET_NAME, RACY_COUNT])
}
