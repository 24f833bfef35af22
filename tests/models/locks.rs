//! Locks and deadlocks: double acquire, the RLock and its broken twins, noodle/fork, the ring.
//! Each buggy variant's test pins what the checker reports; each fix's test that it holds.

use crate::support::{assert_deadlock, assert_holds, assert_violation};
use interleave::checker::{self, Budget, Failure, Mode, Report};
use interleave::model::Params;
use interleave::runtime::Backend;
use std::time::Duration;

/// Runs `id` with the default budget for `backend`, adjusted by `tune`.
fn check(id: &str, backend: Backend, threads: usize, tune: impl FnOnce(&mut Budget)) -> Report {
    let variant = interleave::models::find(id).unwrap_or_else(|| panic!("no variant {id}"));
    let mut budget = Budget::defaults(backend, Mode::Check);
    tune(&mut budget);
    checker::check(&variant, backend, &Params { threads }, &budget, Mode::Check)
        .expect("backend is built")
}

fn shuttle(id: &str, threads: usize, executions: usize) -> Report {
    check(id, Backend::Shuttle, threads, |b| b.executions = executions)
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
    assert_self_wait(&assert_deadlock(&shuttle("double-acquire/lock", 1, 10)));
}

#[test]
fn double_acquire_rlock_holds_shuttle() {
    assert_holds(&shuttle("double-acquire/rlock", 1, 10));
}

#[test]
fn double_acquire_lock_native_watchdog_moves_on() {
    let report = check("double-acquire/lock", Backend::Native, 1, |b| {
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
    let report = shuttle("noodle-fork/two-locks", 6, 1_000);
    let failure = assert_deadlock(&report);
    assert_noodle_fork_ring(&failure);
    let text = interleave::report::verdict(&report);
    assert!(
        text.contains("replay: cargo run --release -- replay noodle-fork/two-locks shuttle.6."),
        "{text}"
    );
    let variant = interleave::models::find("noodle-fork/two-locks").unwrap();
    let replayed = checker::replay(&variant, failure.replay.as_ref().expect("a token"))
        .expect("the token fits");
    assert_eq!(cycle(&assert_deadlock(&replayed)), cycle(&failure));
}

#[test]
fn noodle_fork_fixes_hold_shuttle() {
    for id in [
        "noodle-fork/one-rlock",
        "noodle-fork/ordered",
        "noodle-fork/try-lock",
    ] {
        assert_holds(&shuttle(id, 6, 300));
    }
}

/// Try-lock with back-off: both sides can collide and retry, but no schedule explored ran into
/// the step bound (no livelock within it).
#[test]
fn noodle_fork_try_lock_does_not_livelock_within_the_step_bound_shuttle() {
    let report = check("noodle-fork/try-lock", Backend::Shuttle, 2, |b| {
        b.executions = 1_000;
        b.max_steps = 10_000;
    });
    assert_holds(&report);
}

#[test]
fn noodle_fork_native_timing_reports_the_deadlock_and_moves_on() {
    let timing = interleave::models::noodle_fork::timing();
    let text = interleave::report::timing(&timing);
    let row = |id: &str| {
        timing
            .rows
            .iter()
            .find(|r| r.label == id)
            .unwrap_or_else(|| panic!("{text}"))
    };
    assert!(
        row("noodle-fork/two-locks")
            .note
            .contains("deadlock likely"),
        "{text}"
    );
    assert!(
        row("noodle-fork/two-locks")
            .note
            .contains("holds noodle, waits for fork"),
        "{text}"
    );
    for fixed in [
        "noodle-fork/one-rlock",
        "noodle-fork/ordered",
        "noodle-fork/try-lock",
    ] {
        assert_eq!(row(fixed).note, "6 of 6 ate", "{text}");
    }
}

#[test]
fn rlock_correct_holds_shuttle() {
    assert_holds(&shuttle("rlock/correct", 3, 500));
}

#[test]
fn rlock_no_owner_check_breaks_only_the_owner_releases_shuttle() {
    assert_violation(
        &shuttle("rlock/no-owner-check", 3, 1_000),
        "only the owner releases",
    );
}

#[test]
fn rlock_if_not_while_breaks_mutual_exclusion_shuttle() {
    assert_violation(&shuttle("rlock/if-not-while", 3, 1_000), "mutual exclusion");
}

#[test]
fn rlock_lost_wakeup_breaks_no_lost_wake_up_shuttle() {
    let failure = assert_deadlock(&shuttle("rlock/lost-wakeup", 3, 1_000));
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
    assert_violation(&shuttle("rlock/forgets-count", 3, 1_000), "reentrancy");
}

#[test]
fn philosophers_naive_ring_of_five_shuttle() {
    let failure = assert_deadlock(&shuttle("philosophers/naive", 5, 1_000));
    assert!(
        failure.message.contains("5 threads wait in a ring"),
        "{}",
        failure.message
    );
    assert!(cycle(&failure).contains("philosopher-4 holds fork-4, waits for fork-0"));
}

#[test]
fn philosophers_fixes_hold_shuttle() {
    for id in ["philosophers/ordered", "philosophers/footman"] {
        assert_holds(&shuttle(id, 5, 300));
    }
}

#[cfg(loom)]
mod loom {
    use super::*;

    fn loom(id: &str, threads: usize) -> Report {
        check(id, Backend::Loom, threads, |_| {})
    }

    #[test]
    fn double_acquire_loom() {
        assert_self_wait(&assert_deadlock(&loom("double-acquire/lock", 1)));
        assert_holds(&loom("double-acquire/rlock", 1));
    }

    #[test]
    fn noodle_fork_two_locks_deadlock_replays_loom() {
        let report = loom("noodle-fork/two-locks", 2);
        let failure = assert_deadlock(&report);
        assert_noodle_fork_ring(&failure);
        let variant = interleave::models::find("noodle-fork/two-locks").unwrap();
        let replayed = checker::replay(&variant, failure.replay.as_ref().expect("a token"))
            .expect("the token fits");
        assert_eq!(cycle(&assert_deadlock(&replayed)), cycle(&failure));
    }

    #[test]
    fn noodle_fork_fixes_hold_loom() {
        for id in [
            "noodle-fork/one-rlock",
            "noodle-fork/ordered",
            "noodle-fork/try-lock",
        ] {
            assert_holds(&loom(id, 2));
        }
    }

    #[test]
    fn rlock_loom() {
        assert_holds(&loom("rlock/correct", 2));
        assert_violation(&loom("rlock/no-owner-check", 2), "only the owner releases");
        assert_violation(&loom("rlock/if-not-while", 2), "mutual exclusion");
        let lost = assert_deadlock(&loom("rlock/lost-wakeup", 2));
        assert!(
            lost.message
                .contains("a notify on rlock.freed that never comes"),
            "{}",
            lost.message
        );
        assert_violation(&loom("rlock/forgets-count", 2), "reentrancy");
    }

    #[test]
    fn philosophers_loom() {
        let failure = assert_deadlock(&loom("philosophers/naive", 4));
        assert!(
            failure.message.contains("4 threads wait in a ring"),
            "{}",
            failure.message
        );
        assert_holds(&loom("philosophers/ordered", 4));
        // The footman's semaphore multiplies the schedules: bound 2 keeps it to seconds.
        assert_holds(&check("philosophers/footman", Backend::Loom, 4, |b| {
            b.preemption_bound = 2
        }));
    }
}
