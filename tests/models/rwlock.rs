//! `interleave::sync::RwLock`, as a user ports std code to it. A read-then-upgrade (read under
//! a read guard, drop it, write what was read under a write guard) loses an increment, found
//! with the timeline's notes under the lock's name; writing under one write guard holds. Two
//! readers are inside together in some executions, a reader and a writer never. std's policy on
//! Linux is pinned too: a waiting writer keeps new readers out, so a thread that reads twice
//! while a writer waits deadlocks. Each check is written once and run under shuttle, natively
//! and, with `--cfg loom`, under loom. The helpers at the end are shared with `barrier.rs`,
//! `once.rs` and `mpsc.rs`.

use crate::atomics::outcomes;
use interleave::model::Check;
use interleave::runtime::{Backend, Runtime};
use interleave::sync::RwLock;
use interleave::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use interleave::trace::{Action, Trace};
use interleave::{check, model, thread};
use std::fmt::Debug;
use std::sync::Arc;

/// Two threads each add one to the lock's value: by a read, then a write of what was read plus
/// one (`upgrade`), or under one write guard. Returns the value.
fn increment_twice<R: Runtime>(upgrade: bool) -> usize {
    let table = Arc::new(RwLock::<R, usize>::named("table", 0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let table = table.clone();
            thread::spawn::<R, _, _>(move || {
                if upgrade {
                    let seen = *table.read();
                    *table.write() = seen + 1;
                } else {
                    *table.write() += 1;
                }
            })
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    *table.read()
}

/// Two threads take the lock (both to read, or the first to write), count themselves inside,
/// and leave. Returns the most threads ever inside together.
fn most_inside<R: Runtime>(first_writes: bool) -> usize {
    let table = Arc::new(RwLock::<R, ()>::named("table", ()));
    let inside = Arc::new(AtomicUsize::<R>::named("inside", 0));
    let most = Arc::new(AtomicUsize::<R>::named("most inside", 0));
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let (table, inside, most) = (table.clone(), inside.clone(), most.clone());
            thread::spawn::<R, _, _>(move || {
                let count_in = || {
                    most.fetch_max(inside.fetch_add(1, SeqCst) + 1, SeqCst);
                    inside.fetch_sub(1, SeqCst);
                };
                if first_writes && i == 0 {
                    let _held = table.write();
                    count_in();
                } else {
                    let _held = table.read();
                    count_in();
                }
            })
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    most.load(SeqCst)
}

/// Main reads, a thread starts to write, and main asks for the lock to read again, blocking
/// (`read`) or not (`try_read`). Returns whether the second read got in.
fn read_again_while_a_writer_may_wait<R: Runtime>(blocking: bool) -> bool {
    let table = Arc::new(RwLock::<R, usize>::named("table", 0));
    let writer = {
        let table = table.clone();
        thread::spawn::<R, _, _>(move || *table.write() += 1)
    };
    let first = table.read();
    let again = match blocking {
        true => Some(table.read()),
        false => table.try_read(),
    };
    let got_in = again.is_some();
    drop(again);
    drop(first);
    writer.join();
    got_in
}

fn lost_increment(value: &usize) -> Option<&'static str> {
    (*value != 2).then_some("an increment was lost")
}

/// The upgrade loses an increment, and the timeline shows both threads' read-locks under the
/// lock's name; the outcomes are exactly 1 and 2. Writing under one guard always gives 2.
fn upgrade_loses_an_increment(backend: Backend) {
    let failure = on(check(model!(|R| increment_twice::<R>(true))), backend, 300)
        .forbid(lost_increment)
        .assert_violation("forbidden outcome 1: an increment was lost");
    let notes = notes(&failure.trace);
    for thread in ["Thread-1", "Thread-2"] {
        for step in [
            "read-locks table",
            "read-unlocks table",
            "write-locks table",
        ] {
            assert!(notes.contains(&(thread.into(), step.into())), "{notes:?}");
        }
    }
    let upgrades = on(check(model!(|R| increment_twice::<R>(true))), backend, 300)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&upgrades, backend), ["1", "2"]);
    let writes = on(check(model!(|R| increment_twice::<R>(false))), backend, 300)
        .forbid(lost_increment)
        .outcomes()
        .assert_holds();
    assert_eq!(outcomes(&writes, backend), ["2"]);
}

/// Two readers are inside together in some executions; a writer is always alone.
fn many_readers_or_one_writer(backend: Backend) {
    let readers = on(check(model!(|R| most_inside::<R>(false))), backend, 300)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&readers, backend), ["1", "2"]);
    let writer = on(check(model!(|R| most_inside::<R>(true))), backend, 300)
        .forbid(|&most| (most > 1).then_some("a reader inside with the writer"))
        .outcomes()
        .assert_holds();
    assert_eq!(outcomes(&writer, backend), ["1"]);
}

/// A writer waiting keeps new readers out: `try_read` fails in some executions, and a second
/// `read` deadlocks there, both threads waiting on the lock's condvar.
fn a_waiting_writer_keeps_readers_out(backend: Backend) {
    let tries = on(
        check(model!(|R| read_again_while_a_writer_may_wait::<R>(false))),
        backend,
        300,
    )
    .outcomes()
    .run()
    .unwrap();
    assert_eq!(outcomes(&tries, backend), ["false", "true"]);
    let failure = on(
        check(model!(|R| read_again_while_a_writer_may_wait::<R>(true))),
        backend,
        300,
    )
    .assert_deadlock();
    let mut blocked: Vec<(&str, &str)> = failure
        .trace
        .blocked
        .iter()
        .map(|b| (&*b.thread.name, &*b.waits_for.name))
        .collect();
    blocked.sort_unstable();
    assert_eq!(
        blocked,
        [
            ("Thread-1", "a notify on table"),
            ("main", "a notify on table")
        ]
    );
    assert!(
        failure
            .message
            .starts_with("deadlock: Thread-1 waits for a notify on table that never comes"),
        "{}",
        failure.message
    );
}

/// std's calls, in one thread: readers share, a writer excludes, `get_mut` and `into_inner`.
fn one_thread_calls<R: Runtime>() {
    let table = RwLock::<R, u8>::named("table", 1);
    let read = table.read();
    assert!(table.try_read().is_some(), "readers share");
    assert!(table.try_write().is_none(), "a reader keeps a writer out");
    drop(read);
    let mut write = table.write();
    *write += 1;
    assert_eq!(format!("{write:?}"), "2");
    assert!(table.try_read().is_none(), "a writer keeps readers out");
    assert!(table.try_write().is_none(), "a writer keeps writers out");
    drop(write);
    assert_eq!(*table.try_write().expect("free again"), 2);
    let mut table = table;
    *table.get_mut() += 1;
    assert_eq!(table.into_inner(), 3);
}

#[test]
fn shuttle_finds_the_read_then_upgrade_losing_an_increment() {
    upgrade_loses_an_increment(Backend::Shuttle);
}

#[test]
fn shuttle_finds_two_readers_together_and_a_writer_alone() {
    many_readers_or_one_writer(Backend::Shuttle);
}

#[test]
fn shuttle_finds_a_waiting_writer_keeps_new_readers_out() {
    a_waiting_writer_keeps_readers_out(Backend::Shuttle);
}

#[test]
fn rwlock_calls_behave_as_std_on_shuttle_and_natively() {
    for backend in [Backend::Shuttle, Backend::Native] {
        on(check(model!(one_thread_calls)), backend, 3).assert_holds();
    }
}

/// Natively nothing is explored: writing under one guard holds in every run, and a writer is
/// always alone.
#[test]
fn natively_the_rwlock_fixes_hold() {
    let writes = check(model!(|R| increment_twice::<R>(false)))
        .forbid(lost_increment)
        .executions(20)
        .backend(Backend::Native)
        .assert_holds();
    assert_eq!(outcomes(&writes, Backend::Native), ["2"]);
    let writer = check(model!(|R| most_inside::<R>(true)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(outcomes(&writer, Backend::Native), ["1"]);
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_finds_the_read_then_upgrade_losing_an_increment() {
        upgrade_loses_an_increment(Backend::Loom);
    }

    #[test]
    fn loom_finds_two_readers_together_and_a_writer_alone() {
        many_readers_or_one_writer(Backend::Loom);
    }

    #[test]
    fn loom_finds_a_waiting_writer_keeps_new_readers_out() {
        a_waiting_writer_keeps_readers_out(Backend::Loom);
    }
}

/// `check` on `backend`, sampling `executions` under shuttle (and natively); loom explores
/// every execution, with its default budget.
pub fn on<O: Debug + Send + 'static>(
    check: Check<O>,
    backend: Backend,
    executions: usize,
) -> Check<O> {
    match backend {
        Backend::Loom => check.backend(backend),
        _ => check.backend(backend).executions(executions),
    }
}

/// The steps the primitives note in `trace` (`read-locks table`), as (thread, text).
pub fn notes(trace: &Trace) -> Vec<(String, String)> {
    trace
        .events
        .iter()
        .filter_map(|event| match &event.action {
            Action::Note { text } => {
                Some((trace.thread_name(event.thread).into_owned(), text.clone()))
            }
            _ => None,
        })
        .collect()
}
