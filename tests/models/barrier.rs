//! `interleave::sync::Barrier`, as a user ports std code to it. Three threads count themselves
//! in, meet at a barrier, read the count and meet again: with a barrier of 3 every thread reads
//! 3 and each meeting has one leader; with a barrier of 2 (sized for one thread fewer than use
//! it) a pair goes through before the third has counted itself in, and reads 2, or two threads
//! meet twice between themselves and the third waits alone for ever: a deadlock whose report
//! names the barrier. Each check is written
//! once and run under shuttle, natively and, with `--cfg loom`, under loom.

use crate::atomics::outcomes;
use crate::rwlock::{notes, on};
use interleave::runtime::{Backend, Runtime};
use interleave::sync::Barrier;
use interleave::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use interleave::{check, model, thread};
use std::sync::Arc;

/// What one thread saw: the count after its first meeting, and whether it led each meeting.
type Seen = (usize, bool, bool);

/// Main and two threads each count themselves in, wait at a barrier for `size`, read the count
/// and wait again. Returns the fewest counted any thread read after its first wait, and how
/// many threads led the first and the second meeting.
fn count_then_meet_twice<R: Runtime>(size: usize) -> (usize, usize, usize) {
    let barrier = Arc::new(Barrier::<R>::named("barrier", size));
    let counted = Arc::new(AtomicUsize::<R>::named("counted", 0));
    let take_part = {
        let (barrier, counted) = (barrier.clone(), counted.clone());
        move || -> Seen {
            counted.fetch_add(1, SeqCst);
            let first = barrier.wait().is_leader();
            let seen = counted.load(SeqCst);
            let second = barrier.wait().is_leader();
            (seen, first, second)
        }
    };
    let workers: Vec<_> = (0..2)
        .map(|_| thread::spawn::<R, _, _>(take_part.clone()))
        .collect();
    let mut seen = vec![take_part()];
    seen.extend(workers.into_iter().map(thread::JoinHandle::join));
    let fewest = seen.iter().map(|s| s.0).min().expect("three threads");
    let leaders = |nth: fn(&Seen) -> bool| seen.iter().filter(|s| nth(s)).count();
    (fewest, leaders(|s| s.1), leaders(|s| s.2))
}

fn read_too_early(&(fewest, _, _): &(usize, usize, usize)) -> Option<&'static str> {
    (fewest < 3).then_some("read the count before everyone counted")
}

/// A barrier of 2 for three threads that meet twice (six waits, three meetings of two): two
/// threads can meet twice between themselves, stranding the third at the barrier alone, which
/// the report names; and (seen under shuttle) a pair goes through before the third has counted
/// itself in, and reads 2.
/// A barrier of 3 holds: every thread reads 3, and each of its two meetings has one leader.
fn a_barrier_one_short(backend: Backend) {
    // Loom's search ends at its first deadlock, so only shuttle's sample counts the outcomes
    // around one.
    if backend != Backend::Loom {
        let short = on(
            check(model!(|R| count_then_meet_twice::<R>(2))),
            backend,
            300,
        )
        .outcomes()
        .run()
        .unwrap();
        let short = short.outcomes.texts();
        assert!(short.iter().any(|o| o.starts_with("(2, ")), "{short:?}");
        assert!(short.contains(&"deadlock".to_owned()), "{short:?}");
    }

    let failure = on(
        check(model!(|R| count_then_meet_twice::<R>(2))),
        backend,
        300,
    )
    .assert_deadlock();
    let at_barrier: Vec<_> = failure
        .trace
        .blocked
        .iter()
        .filter(|b| b.waits_for.name == "a notify on barrier")
        .collect();
    assert_eq!(at_barrier.len(), 1, "{:?}", failure.trace.blocked);
    let stranded = &at_barrier[0].thread.name;
    let expected = format!("deadlock: {stranded} waits for a notify on barrier that never comes");
    assert!(
        failure.message.starts_with(&expected),
        "{}",
        failure.message
    );
    let notes = notes(&failure.trace);
    let last = notes.iter().rev().find(|(thread, _)| thread == stranded);
    assert_eq!(
        last.map(|(_, text)| &**text),
        Some("arrives at barrier (1 of 2)"),
        "{notes:?}"
    );

    let sized = on(
        check(model!(|R| count_then_meet_twice::<R>(3))),
        backend,
        300,
    )
    .forbid(read_too_early)
    .outcomes()
    .assert_holds();
    assert_eq!(outcomes(&sized, backend), ["(3, 1, 1)"]);
}

/// std's calls, in one thread: a barrier of 0 or 1 lets every wait through, each its leader.
fn one_thread_calls<R: Runtime>() {
    for n in [0, 1] {
        let barrier = Barrier::<R>::new(n);
        assert!(barrier.wait().is_leader(), "a barrier of {n}");
        assert!(barrier.wait().is_leader(), "a barrier of {n}, reused");
    }
}

#[test]
fn shuttle_finds_a_barrier_one_short_reads_early_and_strands_a_thread() {
    a_barrier_one_short(Backend::Shuttle);
}

#[test]
fn barrier_calls_behave_as_std_on_shuttle_and_natively() {
    for backend in [Backend::Shuttle, Backend::Native] {
        on(check(model!(one_thread_calls)), backend, 3).assert_holds();
    }
}

/// Natively nothing is explored: the barrier of 3 holds in every run.
#[test]
fn natively_a_barrier_of_three_holds() {
    let sized = check(model!(|R| count_then_meet_twice::<R>(3)))
        .forbid(read_too_early)
        .executions(20)
        .backend(Backend::Native)
        .assert_holds();
    assert_eq!(outcomes(&sized, Backend::Native), ["(3, 1, 1)"]);
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_finds_a_barrier_one_short_reads_early_and_strands_a_thread() {
        a_barrier_one_short(Backend::Loom);
    }
}
