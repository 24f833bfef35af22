//! Locks and deadlocks: double acquire, the RLock and its broken twins, noodle/fork, the ring.
//! Each buggy variant's test pins what the checker reports; each fix's test that it holds.

use crate::support::{
    assert_deadlock, assert_holds, assert_message, assert_replays_the_same_ring, assert_ring,
    assert_violation, check, ring, run_variant,
};
use interleave::checker::{self, Budget, Failure, Mode, Report};
use interleave::lesson::{Class, Lesson, Params, Row};
use interleave::models::noodle_fork::NoodleFork;
use interleave::models::rlock::RLockProperties;
use interleave::models::{double_acquire, noodle_fork, philosophers, rlock};
use interleave::runtime::Backend;
use std::time::Duration;

const NOODLE_FORK_FIXES: [Row<NoodleFork>; 3] = [
    noodle_fork::ONE_RLOCK,
    noodle_fork::ORDERED,
    noodle_fork::TRY_LOCK,
];

/// Each broken RLock (but the lost wake-up, a deadlock) and the property its check finds broken.
const RLOCK_FLAWS: [(Row<RLockProperties>, &str); 3] = [
    (rlock::NO_OWNER_CHECK, "only the owner releases"),
    (rlock::IF_NOT_WHILE, "mutual exclusion"),
    (rlock::FORGETS_COUNT, "reentrancy"),
];

/// A `check` of `row` with the default budget for `backend`, adjusted by `tune`.
fn tuned<L: Lesson>(
    row: Row<L>,
    backend: Backend,
    threads: usize,
    tune: impl FnOnce(&mut Budget),
) -> Report {
    let variant = row.variant();
    let mut budget = crate::support::test_budget(&variant, backend, Mode::Check);
    tune(&mut budget);
    checker::check(&variant, backend, &Params { threads }, &budget, Mode::Check)
        .expect("backend is built")
}

fn assert_self_wait(failure: &Failure) {
    assert_message(failure, "mutexA, a lock it already holds");
    let main = failure
        .trace
        .blocked
        .iter()
        .find(|b| b.waits_for == "mutexA")
        .expect("a thread waits for mutexA");
    assert_eq!(main.holds, ["mutexA"]);
    assert!(ring(failure).starts_with("self-deadlock:"));
}

/// The noodle/fork ring: one diner holds the noodle and waits for the fork, another the reverse;
/// and its replay token gives the same ring again.
fn assert_noodle_fork_ring(report: &Report) {
    let links = [
        "holds noodle, waits for fork",
        "holds fork, waits for noodle",
    ];
    let failure = assert_ring(report, 2, &links);
    assert_replays_the_same_ring(noodle_fork::TWO_LOCKS, &failure);
}

#[test]
fn double_acquire_lock_is_a_self_wait_shuttle() {
    let report = check(double_acquire::LOCK, Backend::Shuttle, 1, 10);
    assert_self_wait(&assert_deadlock(&report));
}

#[test]
fn double_acquire_rlock_holds_shuttle() {
    assert_holds(&check(double_acquire::RLOCK, Backend::Shuttle, 1, 10));
}

#[test]
fn double_acquire_lock_native_watchdog_moves_on() {
    let report = tuned(double_acquire::LOCK, Backend::Native, 1, |b| {
        b.watchdog = Duration::from_millis(200)
    });
    let failure = assert_deadlock(&report);
    assert_message(&failure, "deadlock likely");
    assert_self_wait(&failure);
}

#[test]
fn noodle_fork_two_locks_deadlock_has_a_cycle_and_replays_shuttle() {
    let report = check(noodle_fork::TWO_LOCKS, Backend::Shuttle, 6, 1_000);
    assert_noodle_fork_ring(&report);
    let text = interleave::report::verdict(&report);
    assert!(
        text.contains("replay: cargo run --release -- replay noodle-fork/two-locks shuttle."),
        "{text}"
    );
}

/// An outcome table cut short by a deadlock counts the deadlock as an outcome of its own, says
/// it is not every outcome, and does not claim to be exhaustive.
fn assert_cut_short_by_the_deadlock(report: &Report) {
    assert_noodle_fork_ring(report);
    assert!(!report.exhaustive, "the search stopped at the deadlock");
    let deadlocks: Vec<_> = report
        .outcomes
        .rows
        .iter()
        .filter(|(observed, _)| observed.text == "deadlock")
        .collect();
    assert_eq!(deadlocks.len(), 1, "{:?}", report.outcomes.rows);
    let (deadlock, count) = deadlocks[0];
    assert_eq!((deadlock.class, *count), (Class::Forbidden, 1));
    assert_eq!(report.outcomes.total(), report.executions);
    let table = interleave::report::outcomes(report);
    assert!(
        table.contains("cut short: the search stopped at the deadlock"),
        "{table}"
    );
}

#[test]
fn noodle_fork_two_locks_outcome_table_is_cut_short_by_the_deadlock_shuttle() {
    let report = run_variant(
        noodle_fork::TWO_LOCKS,
        Backend::Shuttle,
        2,
        Mode::Outcomes,
        1_000,
    );
    assert_cut_short_by_the_deadlock(&report);
}

#[test]
fn noodle_fork_fixes_hold_shuttle() {
    for row in NOODLE_FORK_FIXES {
        assert_holds(&check(row, Backend::Shuttle, 6, 300));
    }
}

/// Try-lock with back-off: both sides can collide and retry, but no schedule explored ran into
/// the step bound (no livelock within it).
#[test]
fn noodle_fork_try_lock_does_not_livelock_within_the_step_bound_shuttle() {
    let report = tuned(noodle_fork::TRY_LOCK, Backend::Shuttle, 2, |b| {
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
    // Natively the deadlock is likely, not certain: on a loaded machine a diner can finish its
    // meal before the other has started (the nap is 10 ms), or a starved diner can make the
    // watchdog call a stall before the ring has formed. Five runs, the first that shows the ring.
    let deadlocked = |timing: &interleave::lesson::Timing| {
        timing.rows.iter().any(|r| {
            r.label == noodle_fork::TWO_LOCKS.id
                && r.note.contains("deadlock likely")
                && r.note.contains("holds noodle, waits for fork")
        })
    };
    let mut timing = interleave::cli::measure(&source);
    for _ in 1..5 {
        if deadlocked(&timing) {
            break;
        }
        timing = interleave::cli::measure(&source);
    }
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
    for fixed in NOODLE_FORK_FIXES {
        assert_eq!(row(fixed.id).note, "6 of 6 ate", "{text}");
    }
    // The fixes are compared with each other; the deadlock, timed by the watchdog, is not.
    let labels: Vec<&str> = timing.rows.iter().map(|r| r.label.as_str()).collect();
    let fixes = NOODLE_FORK_FIXES.map(|row| row.id);
    assert_eq!(
        labels,
        [fixes[0], fixes[1], fixes[2], noodle_fork::TWO_LOCKS.id]
    );
    let compared: Vec<bool> = (0..4).map(|row| timing.ratio(row).is_some()).collect();
    assert_eq!(compared, [true, true, true, false], "{text}");
}

#[test]
fn rlock_correct_holds_shuttle() {
    assert_holds(&check(rlock::CORRECT, Backend::Shuttle, 3, 500));
}

/// No owner check breaks "only the owner releases"; `if` for `while` breaks mutual exclusion;
/// forgetting the count breaks reentrancy.
#[test]
fn rlock_flaws_each_break_their_property_shuttle() {
    for (flaw, property) in RLOCK_FLAWS {
        assert_violation(&check(flaw, Backend::Shuttle, 3, 1_000), property);
    }
}

#[test]
fn rlock_lost_wakeup_breaks_no_lost_wake_up_shuttle() {
    let failure = assert_deadlock(&check(rlock::LOST_WAKEUP, Backend::Shuttle, 3, 1_000));
    assert_message(&failure, "a notify on rlock.freed that never comes");
    // The lock is free, yet a thread sleeps: the release's notify went to nobody.
    assert!(failure.trace.blocked.iter().all(|b| b.holds.is_empty()));
}

#[test]
fn philosophers_naive_ring_of_five_shuttle() {
    let report = check(philosophers::NAIVE, Backend::Shuttle, 5, 1_000);
    assert_ring(
        &report,
        5,
        &["philosopher-4 holds fork-4, waits for fork-0"],
    );
}

#[test]
fn philosophers_fixes_hold_shuttle() {
    for row in [philosophers::ORDERED, philosophers::FOOTMAN] {
        assert_holds(&check(row, Backend::Shuttle, 5, 300));
    }
}

#[cfg(loom)]
mod loom {
    use super::*;
    use crate::support::loom;

    #[test]
    fn double_acquire_loom() {
        assert_self_wait(&assert_deadlock(&loom(double_acquire::LOCK, Mode::Check)));
        assert_holds(&loom(double_acquire::RLOCK, Mode::Check));
    }

    #[test]
    fn noodle_fork_two_locks_deadlock_replays_loom() {
        assert_noodle_fork_ring(&loom(noodle_fork::TWO_LOCKS, Mode::Check));
    }

    #[test]
    fn noodle_fork_two_locks_outcome_table_is_cut_short_by_the_deadlock_loom() {
        assert_cut_short_by_the_deadlock(&loom(noodle_fork::TWO_LOCKS, Mode::Outcomes));
        let fixed = loom(noodle_fork::ORDERED, Mode::Outcomes);
        assert!(
            fixed.exhaustive,
            "a search that ran to its end is every execution"
        );
    }

    #[test]
    fn noodle_fork_fixes_hold_loom() {
        for row in NOODLE_FORK_FIXES {
            assert_holds(&loom(row, Mode::Check));
        }
    }

    #[test]
    fn rlock_loom() {
        assert_holds(&loom(rlock::CORRECT, Mode::Check));
        for (flaw, property) in RLOCK_FLAWS {
            assert_violation(&loom(flaw, Mode::Check), property);
        }
        let lost = assert_deadlock(&loom(rlock::LOST_WAKEUP, Mode::Check));
        assert_message(&lost, "a notify on rlock.freed that never comes");
    }

    #[test]
    fn philosophers_loom() {
        assert_ring(&loom(philosophers::NAIVE, Mode::Check), 4, &[]);
        assert_holds(&loom(philosophers::ORDERED, Mode::Check));
        // The footman's semaphore multiplies the schedules: bound 2 keeps it to seconds.
        assert_holds(&tuned(philosophers::FOOTMAN, Backend::Loom, 4, |b| {
            b.preemption_bound = 2
        }));
    }
}
