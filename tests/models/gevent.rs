//! gevent: with no await between a read and its write, tasks need no lock; an await there loses
//! an update, and the timeline names the two tasks.

use crate::support::{
    assert_holds_with, assert_lost_update, assert_outcomes, assert_update_lost, check, run_variant,
};
use interleave::checker::{self, Mode};
use interleave::models::gevent::{AWAIT_BETWEEN, NO_LOCK_NEEDED};
use interleave::runtime::Backend;

#[test]
fn no_lock_needed_holds_under_shuttle() {
    let report = check(NO_LOCK_NEEDED, Backend::Shuttle, 10, 500);
    assert_holds_with(&report, &["n = 10"]);
    assert_eq!(report.executions, 500);
}

#[test]
fn await_between_loses_an_update_under_shuttle_naming_the_tasks() {
    let failure = assert_update_lost(&check(AWAIT_BETWEEN, Backend::Shuttle, 10, None), "n");
    let lost = assert_lost_update(&failure, "n");
    assert_ne!(lost.stale, lost.overwritten);
    for task in [&lost.stale, &lost.overwritten] {
        assert!(task.starts_with("Greenlet-"), "{task}");
    }
    assert_eq!(lost.events.len(), 4, "read, read, write, write");
}

#[test]
fn await_between_replays_the_same_lost_update() {
    let failure = assert_update_lost(&check(AWAIT_BETWEEN, Backend::Shuttle, 3, None), "n");
    let token = failure.replay.as_ref().expect("the failure is replayable");
    let replayed = checker::replay(&AWAIT_BETWEEN.variant(), token).expect("the token is valid");
    let again = assert_update_lost(&replayed, "n");
    assert_eq!(again.outcome, failure.outcome);
    assert_eq!(again.trace.lost_update, failure.trace.lost_update);
}

#[test]
fn await_between_sampled_outcomes_are_every_count_from_one() {
    let report = run_variant(AWAIT_BETWEEN, Backend::Shuttle, 3, Mode::Outcomes, None);
    assert_outcomes(&report, &["n = 1", "n = 2", "n = 3"]);
}

/// Natively every task reads `n` before any wakes from its sleep: the update is lost every time.
#[test]
fn natively_no_lock_needed_holds_and_await_between_ends_at_one() {
    assert_holds_with(&check(NO_LOCK_NEEDED, Backend::Native, 10, 3), &["n = 10"]);
    let report = run_variant(AWAIT_BETWEEN, Backend::Native, 10, Mode::Outcomes, 3);
    assert_outcomes(&report, &["n = 1"]);
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use crate::support::{assert_declared_outcomes, assert_violation, loom};

    #[test]
    fn loom_no_lock_needed_holds_exhaustively() {
        let report = loom(NO_LOCK_NEEDED, Mode::Check);
        assert_holds_with(&report, &["n = 3"]);
    }

    #[test]
    fn loom_await_between_outcome_set_is_exactly_1_2_3() {
        let report = loom(AWAIT_BETWEEN, Mode::Outcomes);
        assert_outcomes(&report, &["n = 1", "n = 2", "n = 3"]);
        assert_declared_outcomes(&report, AWAIT_BETWEEN);
    }

    #[test]
    fn loom_await_between_is_a_lost_update_naming_the_tasks() {
        let failure = assert_violation(&loom(AWAIT_BETWEEN, Mode::Check), "lost update");
        let lost = assert_lost_update(&failure, "n");
        assert!(lost.stale.starts_with("Greenlet-"), "{}", lost.stale);
        assert!(
            lost.overwritten.starts_with("Greenlet-"),
            "{}",
            lost.overwritten
        );
    }
}
