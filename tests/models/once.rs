//! `interleave::sync::{Once, OnceLock}`, as a user ports std code to them. Two threads each
//! make sure a config is initialised, then read it. A hand-made once (a flag read, then set, in
//! two steps) initialises twice, and lets a thread read before the initialisation is done;
//! `Once::call_once` and `OnceLock::get_or_init` initialise exactly once, and the thread that
//! did not run it waits until it has. Two `OnceLock::set`s: one wins, the other gets its value
//! back. Each check is written once and run under shuttle, natively and, with `--cfg loom`,
//! under loom; a panicking initialisation is pinned natively.

use crate::atomics::outcomes;
use crate::rwlock::{notes, on};
use interleave::runtime::{Backend, Native, Runtime};
use interleave::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use interleave::sync::{Once, OnceLock, Shared};
use interleave::{check, model, thread};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// How a thread makes sure the config is initialised.
#[derive(Clone, Copy, Debug)]
enum How {
    /// Reads a flag; if it is not set, sets it, then initialises: two steps apart.
    Flag,
    /// `Once::call_once`, then reads the config.
    Once,
    /// `OnceLock::get_or_init`.
    OnceLock,
}

/// Threads 1 and 2 each make sure the config is initialised (to their number, counting the
/// initialisation), then read it. Returns the initialisations and what each thread read.
fn initialise<R: Runtime>(how: How) -> (usize, [usize; 2]) {
    let initialised = Arc::new(Shared::<R, bool>::named("initialised", false));
    let once = Arc::new(Once::<R>::named("once"));
    let cell = Arc::new(OnceLock::<R, usize>::named("config"));
    let config = Arc::new(Shared::<R, usize>::named("config", 0));
    let inits = Arc::new(AtomicUsize::<R>::named("inits", 0));
    let workers: Vec<_> = (1..=2)
        .map(|me| {
            let (initialised, once, cell) = (initialised.clone(), once.clone(), cell.clone());
            let (config, inits) = (config.clone(), inits.clone());
            thread::spawn::<R, _, _>(move || {
                let init = || {
                    inits.fetch_add(1, SeqCst);
                    me
                };
                match how {
                    How::Flag => {
                        if !initialised.load() {
                            initialised.store(true);
                            config.store(init());
                        }
                        config.load()
                    }
                    How::Once => {
                        once.call_once(|| config.store(init()));
                        config.load()
                    }
                    How::OnceLock => *cell.get_or_init(init),
                }
            })
        })
        .collect();
    let read: Vec<usize> = workers.into_iter().map(thread::JoinHandle::join).collect();
    (inits.load(SeqCst), [read[0], read[1]])
}

fn initialised_once(&(inits, read): &(usize, [usize; 2])) -> Option<&'static str> {
    if inits != 1 {
        Some("initialised twice")
    } else if read[0] != read[1] {
        Some("a thread read before the initialisation was done")
    } else {
        None
    }
}

/// The hand-made once initialises twice; `call_once` and `get_or_init` initialise once, and
/// both threads read the winner's value: the loser waited for it.
fn a_flag_initialises_twice_where_once_does_not(backend: Backend) {
    let failure = on(check(model!(|R| initialise::<R>(How::Flag))), backend, 300)
        .forbid(|&(inits, _)| (inits != 1).then_some("initialised twice"))
        .assert_violation("initialised twice");
    let outcome = failure.outcome.expect("it ran to the end").text;
    assert!(outcome.starts_with("(2, "), "{outcome}");
    let flag = on(check(model!(|R| initialise::<R>(How::Flag))), backend, 300)
        .outcomes()
        .run()
        .unwrap();
    let flag = outcomes(&flag, backend);
    for early in ["(1, [0, 2])", "(1, [1, 0])"] {
        assert!(flag.contains(&early.to_owned()), "{flag:?}");
    }
    for how in [How::Once, How::OnceLock] {
        let report = on(check(model!(|R| initialise::<R>(how))), backend, 300)
            .forbid(initialised_once)
            .outcomes()
            .assert_holds();
        assert_eq!(
            outcomes(&report, backend),
            ["(1, [1, 1])", "(1, [2, 2])"],
            "{how:?}"
        );
    }
    // Every outcome forbidden: the first execution comes back with its timeline.
    let failure = on(check(model!(|R| initialise::<R>(How::Once))), backend, 300)
        .forbid(|_| Some("shown"))
        .assert_violation("shown");
    let notes = notes(&failure.trace);
    let inits: Vec<_> = notes
        .iter()
        .filter(|(_, n)| n.starts_with("initialise"))
        .collect();
    assert_eq!(inits.len(), 2, "{notes:?}");
    assert_eq!(
        (&*inits[0].1, &*inits[1].1),
        ("initialises once", "initialised once")
    );
    assert_eq!(inits[0].0, inits[1].0, "one thread ran it");
}

/// Threads 1 and 2 each `set` the cell to their number. Returns what each `set` returned and
/// what the cell holds then.
fn set_twice<R: Runtime>() -> (Vec<Result<(), usize>>, Option<usize>) {
    let cell = Arc::new(OnceLock::<R, usize>::named("cell"));
    let workers: Vec<_> = (1..=2)
        .map(|me| {
            let cell = cell.clone();
            thread::spawn::<R, _, _>(move || cell.set(me))
        })
        .collect();
    let results = workers.into_iter().map(thread::JoinHandle::join).collect();
    (results, cell.get().copied())
}

/// One `set` wins; the other gets its own value back, and the cell holds the winner's.
fn one_set_wins(backend: Backend) {
    let report = on(check(model!(set_twice)), backend, 200)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(
        outcomes(&report, backend),
        ["([Err(1), Ok(())], Some(2))", "([Ok(()), Err(2)], Some(1))"]
    );
}

/// std's calls, in one thread.
fn one_thread_calls<R: Runtime>() {
    let once = Once::<R>::new();
    assert!(!once.is_completed());
    let mut runs = 0;
    once.call_once(|| runs += 1);
    once.call_once(|| runs += 1);
    assert_eq!(runs, 1);
    assert!(once.is_completed());

    let mut cell = OnceLock::<R, u8>::new();
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.set(2), Err(2));
    assert_eq!(cell.get(), Some(&1));
    assert_eq!(*cell.get_or_init(|| unreachable!("already set")), 1);
    *cell.get_mut().expect("set") += 1;
    assert_eq!(cell.into_inner(), Some(2));
    assert_eq!(OnceLock::<R, u8>::new().into_inner(), None);
}

#[test]
fn shuttle_finds_a_flag_initialises_twice_where_once_does_not() {
    a_flag_initialises_twice_where_once_does_not(Backend::Shuttle);
}

#[test]
fn shuttle_finds_one_once_lock_set_wins() {
    one_set_wins(Backend::Shuttle);
}

#[test]
fn once_calls_behave_as_std_on_shuttle_and_natively() {
    for backend in [Backend::Shuttle, Backend::Native] {
        on(check(model!(one_thread_calls)), backend, 3).assert_holds();
    }
}

/// Natively nothing is explored: `call_once` and `get_or_init` initialise once in every run.
#[test]
fn natively_once_and_once_lock_initialise_once() {
    for how in [How::Once, How::OnceLock] {
        check(model!(|R| initialise::<R>(how)))
            .forbid(initialised_once)
            .executions(20)
            .backend(Backend::Native)
            .assert_holds();
    }
}

/// Natively, as in std: a `call_once` that panics poisons the `Once` (the next one panics with
/// std's message, and runs nothing), and leaves a `OnceLock` empty for the next `get_or_init`.
#[test]
fn natively_a_panicking_initialisation_poisons_a_once_not_a_once_lock() {
    let once = Once::<Native>::new();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        once.call_once(|| panic!("init failed"))
    }));
    assert!(panicked.is_err());
    let again = catch_unwind(AssertUnwindSafe(|| once.call_once(|| unreachable!())));
    let message = again.expect_err("poisoned");
    assert_eq!(
        message.downcast_ref::<&str>(),
        Some(&"Once instance has previously been poisoned")
    );
    assert!(!once.is_completed());

    let cell = OnceLock::<Native, u8>::new();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        cell.get_or_init(|| panic!("init failed"))
    }));
    assert!(panicked.is_err());
    assert_eq!(cell.get(), None);
    assert_eq!(*cell.get_or_init(|| 7), 7);
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_finds_a_flag_initialises_twice_where_once_does_not() {
        a_flag_initialises_twice_where_once_does_not(Backend::Loom);
    }

    #[test]
    fn loom_finds_one_once_lock_set_wins() {
        one_set_wins(Backend::Loom);
    }
}
