//! Locks and deadlocks: double acquire, the RLock and its broken twins, noodle/fork, the ring.
//! Each buggy variant's test pins what the checker reports; each fix's test that it holds.

use crate::support::{assert_deadlock, assert_holds, assert_violation};
use interleave::checker::{self, Budget, Failure, Mode, Report};
use interleave::lesson::{Lesson, Params, Row};
use interleave::models::{double_acquire, noodle_fork, philosophers, rlock};
use interleave::runtime::Backend;
use std::time::Duration;

/// Runs `row` with the default budget for `backend`, adjusted by `tune`.
fn check<L: Lesson>(
    row: Row<L>,
    backend: Backend,
    threads: usize,
    tune: impl FnOnce(&mut Budget),
) -> Report {
    let variant = row.variant();
    let mut budget = Budget::for_variant(&variant, backend, Mode::Check);
    tune(&mut budget);
    checker::check(&variant, backend, &Params { threads }, &budget, Mode::Check)
        .expect("backend is built")
}

fn shuttle<L: Lesson>(row: Row<L>, threads: usize, executions: usize) -> Report {
    check(row, Backend::Shuttle, threads, |b| {
        b.executions = executions
    })
}

/// The one-line wait-for ring of a deadlock.
fn cycle(failure: &Failure) -> String {
    interleave::report::cycle(&failure.trace)
        .unwrap_or_else(|| panic!("no wait-for ring in {:?}", failure.trace.blocked))
}

fn assert_self_wait(failure: &Failure) {
    assert!(
        failure.message.contains("mutexA, a lock it already holds"),
        "{}",
        failure.message
    );
    let main = failure
        .trace
        .blocked
        .iter()
        .find(|b| b.waits_for == "mutexA")
        .expect("a thread waits for mutexA");
    assert_eq!(main.holds, ["mutexA"]);
    assert!(cycle(failure).starts_with("self-deadlock:"));
}

/// The noodle/fork ring: one diner holds the noodle and waits for the fork, another the reverse.
fn assert_noodle_fork_ring(failure: &Failure) {
    assert!(
        failure.message.contains("2 threads wait in a ring"),
        "{}",
        failure.message
    );
    let cycle = cycle(failure);
    assert!(cycle.contains("holds noodle, waits for fork"), "{cycle}");
    assert!(cycle.contains("holds fork, waits for noodle"), "{cycle}");
}

#[test]
fn double_acquire_lock_is_a_self_wait_shuttle() {
    assert_self_wait(&assert_deadlock(&shuttle(double_acquire::LOCK, 1, 10)));
}

#[test]
fn double_acquire_rlock_holds_shuttle() {
    assert_holds(&shuttle(double_acquire::RLOCK, 1, 10));
}

#[test]
fn double_acquire_lock_native_watchdog_moves_on() {
    let report = check(double_acquire::LOCK, Backend::Native, 1, |b| {
        b.watchdog = Duration::from_millis(200)
    });
    let failure = assert_deadlock(&report);
    assert!(
        failure.message.contains("deadlock likely"),
        "{}",
        failure.message
    );
    assert_self_wait(&failure);
}

#[test]
fn noodle_fork_two_locks_deadlock_has_a_cycle_and_replays_shuttle() {
    let report = shuttle(noodle_fork::TWO_LOCKS, 6, 1_000);
    let failure = assert_deadlock(&report);
    assert_noodle_fork_ring(&failure);
    let text = interleave::report::verdict(&report);
    assert!(
        text.contains("replay: cargo run --release -- replay noodle-fork/two-locks shuttle.6."),
        "{text}"
    );
    let replayed = checker::replay(
        &noodle_fork::TWO_LOCKS.variant(),
        failure.replay.as_ref().expect("a token"),
    )
    .expect("the token fits");
    assert_eq!(cycle(&assert_deadlock(&replayed)), cycle(&failure));
}

#[test]
fn noodle_fork_fixes_hold_shuttle() {
    for row in [
        noodle_fork::ONE_RLOCK,
        noodle_fork::ORDERED,
        noodle_fork::TRY_LOCK,
    ] {
        assert_holds(&shuttle(row, 6, 300));
    }
}

/// Try-lock with back-off: both sides can collide and retry, but no schedule explored ran into
/// the step bound (no livelock within it).
#[test]
fn noodle_fork_try_lock_does_not_livelock_within_the_step_bound_shuttle() {
    let report = check(noodle_fork::TRY_LOCK, Backend::Shuttle, 2, |b| {
        b.executions = 1_000;
        b.max_steps = 10_000;
    });
    assert_holds(&report);
}

#[test]
fn noodle_fork_native_timing_reports_the_deadlock_and_moves_on() {
    let source = noodle_fork::concept()
        .timing
        .expect("noodle-fork has a timing table");
    let timing = interleave::cli::measure(&source);
    let text = interleave::report::timing(&timing);
    let row = |id: &str| {
        timing
            .rows
            .iter()
            .find(|r| r.label == id)
            .unwrap_or_else(|| panic!("{text}"))
    };
    assert!(
        row(noodle_fork::TWO_LOCKS.id)
            .note
            .contains("deadlock likely"),
        "{text}"
    );
    assert!(
        row(noodle_fork::TWO_LOCKS.id)
            .note
            .contains("holds noodle, waits for fork"),
        "{text}"
    );
    for fixed in [
        noodle_fork::ONE_RLOCK,
        noodle_fork::ORDERED,
        noodle_fork::TRY_LOCK,
    ] {
        assert_eq!(row(fixed.id).note, "6 of 6 ate", "{text}");
    }
}

#[test]
fn rlock_correct_holds_shuttle() {
    assert_holds(&shuttle(rlock::CORRECT, 3, 500));
}

#[test]
fn rlock_no_owner_check_breaks_only_the_owner_releases_shuttle() {
    assert_violation(
        &shuttle(rlock::NO_OWNER_CHECK, 3, 1_000),
        "only the owner releases",
    );
}

#[test]
fn rlock_if_not_while_breaks_mutual_exclusion_shuttle() {
    assert_violation(&shuttle(rlock::IF_NOT_WHILE, 3, 1_000), "mutual exclusion");
}

#[test]
fn rlock_lost_wakeup_breaks_no_lost_wake_up_shuttle() {
    let failure = assert_deadlock(&shuttle(rlock::LOST_WAKEUP, 3, 1_000));
    assert!(
        failure
            .message
            .contains("a notify on rlock.freed that never comes"),
        "{}",
        failure.message
    );
    // The lock is free, yet a thread sleeps: the release's notify went to nobody.
    assert!(failure.trace.blocked.iter().all(|b| b.holds.is_empty()));
}

#[test]
fn rlock_forgets_count_breaks_reentrancy_shuttle() {
    assert_violation(&shuttle(rlock::FORGETS_COUNT, 3, 1_000), "reentrancy");
}

#[test]
fn philosophers_naive_ring_of_five_shuttle() {
    let failure = assert_deadlock(&shuttle(philosophers::NAIVE, 5, 1_000));
    assert!(
        failure.message.contains("5 threads wait in a ring"),
        "{}",
        failure.message
    );
    assert!(cycle(&failure).contains("philosopher-4 holds fork-4, waits for fork-0"));
}

#[test]
fn philosophers_fixes_hold_shuttle() {
    for row in [philosophers::ORDERED, philosophers::FOOTMAN] {
        assert_holds(&shuttle(row, 5, 300));
    }
}

#[cfg(loom)]
mod loom {
    use super::*;

    fn loom<L: Lesson>(row: Row<L>, threads: usize) -> Report {
        check(row, Backend::Loom, threads, |_| {})
    }

    #[test]
    fn double_acquire_loom() {
        assert_self_wait(&assert_deadlock(&loom(double_acquire::LOCK, 1)));
        assert_holds(&loom(double_acquire::RLOCK, 1));
    }

    #[test]
    fn noodle_fork_two_locks_deadlock_replays_loom() {
        let report = loom(noodle_fork::TWO_LOCKS, 2);
        let failure = assert_deadlock(&report);
        assert_noodle_fork_ring(&failure);
        let replayed = checker::replay(
            &noodle_fork::TWO_LOCKS.variant(),
            failure.replay.as_ref().expect("a token"),
        )
        .expect("the token fits");
        assert_eq!(cycle(&assert_deadlock(&replayed)), cycle(&failure));
    }

    #[test]
    fn noodle_fork_fixes_hold_loom() {
        for row in [
            noodle_fork::ONE_RLOCK,
            noodle_fork::ORDERED,
            noodle_fork::TRY_LOCK,
        ] {
            assert_holds(&loom(row, 2));
        }
    }

    #[test]
    fn rlock_loom() {
        assert_holds(&loom(rlock::CORRECT, 2));
        assert_violation(&loom(rlock::NO_OWNER_CHECK, 2), "only the owner releases");
        assert_violation(&loom(rlock::IF_NOT_WHILE, 2), "mutual exclusion");
        let lost = assert_deadlock(&loom(rlock::LOST_WAKEUP, 2));
        assert!(
            lost.message
                .contains("a notify on rlock.freed that never comes"),
            "{}",
            lost.message
        );
        assert_violation(&loom(rlock::FORGETS_COUNT, 2), "reentrancy");
    }

    #[test]
    fn philosophers_loom() {
        let failure = assert_deadlock(&loom(philosophers::NAIVE, 4));
        assert!(
            failure.message.contains("4 threads wait in a ring"),
            "{}",
            failure.message
        );
        assert_holds(&loom(philosophers::ORDERED, 4));
        // The footman's semaphore multiplies the schedules: bound 2 keeps it to seconds.
        assert_holds(&check(philosophers::FOOTMAN, Backend::Loom, 4, |b| {
            b.preemption_bound = 2
        }));
    }
}
