//! counter-race: the lost update is found, explained and replayed; both fixes hold.

use crate::support::{
    assert_classes, assert_holds_with, assert_lost_update, assert_outcomes, assert_update_lost,
    assert_violation, check, outcome_set, run_variant,
};
use interleave::check_variant;
use interleave::checker::Mode;
use interleave::checker::{self, Failure, Report};
use interleave::lesson::Class;
use interleave::models::counter_race::{JOIN_EACH, LOCKED, UNLOCKED};
use interleave::runtime::Backend;

/// What `check` finds in the unlocked counter at the tutorial's scale (100 threads).
fn unlocked_at_the_tutorials_scale() -> Failure {
    assert_update_lost(&check(UNLOCKED, Backend::Shuttle, 100, None), "n")
}

/// `failure`'s replay token, run again: a lost update again, ending in the same outcome.
fn assert_replays_the_same_outcome(failure: &Failure) -> Report {
    let token = failure.replay.as_ref().expect("the failure is replayable");
    let replayed = checker::replay(&UNLOCKED.variant(), token).expect("the token is valid");
    let again = assert_violation(&replayed, "lost update");
    assert_eq!(again.outcome, failure.outcome);
    replayed
}

#[test]
fn unlocked_loses_an_update_under_shuttle_at_the_tutorials_scale() {
    let failure = unlocked_at_the_tutorials_scale();
    assert_ne!(failure.outcome.as_ref().expect("an outcome").text, "n = 0");
    let lost = assert_lost_update(&failure, "n");
    assert_ne!(lost.stale, lost.overwritten);
    assert_eq!(lost.events.len(), 4, "read, read, write, write");
}

/// The replay names the execution by the check's number, after the check's count of executions
/// with the check's outcome table, and prints the same token.
#[test]
fn the_replay_token_reproduces_the_same_final_value_and_counts() {
    let report = check(UNLOCKED, Backend::Shuttle, 100, None);
    let failure = assert_update_lost(&report, "n");
    let replayed = assert_replays_the_same_outcome(&failure);
    assert_eq!(replayed.executions, report.executions);
    assert_eq!(replayed.outcomes, report.outcomes);
    let again = assert_violation(&replayed, "lost update");
    assert_eq!(again.execution, failure.execution);
    assert_eq!(
        again.execution, report.executions,
        "a check stops at its failure"
    );
    assert_eq!(again.replay, failure.replay);
    assert_eq!(again.trace.lost_update, failure.trace.lost_update);
}

#[test]
fn unlocked_sampled_outcomes_are_all_values_below_the_start() {
    let report = check_variant(UNLOCKED)
        .threads(3)
        .outcomes()
        .shuttle()
        .unwrap();
    assert_outcomes(&report, &["n = 0", "n = 1", "n = 2"]);
    assert_classes(&report, |text| {
        if text == "n = 0" {
            Class::Acceptable
        } else {
            Class::Forbidden
        }
    });
}

#[test]
fn locked_holds_under_shuttle_with_100_threads() {
    let report = check_variant(LOCKED)
        .backend(Backend::Shuttle)
        .threads(100)
        .executions(200)
        .assert_holds();
    assert_holds_with(&report, &["n = 0"]);
    assert_eq!(report.executions, 200);
}

#[test]
fn join_each_holds_under_shuttle_with_100_threads() {
    let report = check_variant(JOIN_EACH)
        .backend(Backend::Shuttle)
        .threads(100)
        .executions(50)
        .assert_holds();
    // Each thread is joined before the next starts: there is only one schedule to explore.
    let bounds = &report.bounds;
    assert!(bounds.contains("one schedule is all schedules"), "{bounds}");
    let random = check_variant(JOIN_EACH)
        .backend(Backend::Shuttle)
        .threads(100)
        .executions(50)
        .outcomes()
        .assert_holds();
    assert_eq!(random.executions, 50);
}

#[test]
fn both_fixes_hold_natively() {
    for row in [LOCKED, JOIN_EACH] {
        let report = check_variant(row).threads(20).executions(3).native();
        assert_holds_with(&report.unwrap(), &["n = 0"]);
    }
}

#[test]
fn native_unlocked_outcomes_stay_within_the_possible_set() {
    let report = run_variant(UNLOCKED, Backend::Native, 20, Mode::Outcomes, 3);
    let possible: Vec<String> = (0..20).map(|n| format!("n = {n}")).collect();
    let seen = outcome_set(&report);
    assert!(seen.iter().all(|o| possible.contains(o)), "{seen:?}");
}

#[test]
fn lock_vs_join_timing_keeps_the_fixes_correct_and_orders_the_costs() {
    use interleave::models::counter_race::{choose_scale, lock_vs_join};
    // The smallest scale (1/100): the table's own choice of scale is tested in counter_race_timing.
    let scale = choose_scale(std::time::Duration::from_millis(1));
    let timing = lock_vs_join(&scale);
    let [unlocked, locked, join_each] = &timing.rows[..] else {
        panic!("three rows: {:?}", timing.rows)
    };
    assert!(locked.note.starts_with("n = 0 "), "{}", locked.note);
    assert!(join_each.note.starts_with("n = 0 "), "{}", join_each.note);
    assert!(unlocked.note.starts_with("n = "));
    // The locked run sleeps 100 x 0.5 s one after another, join-each 100 x 3.5 s: each is a floor.
    let scale = f64::from(scale.divisor);
    assert!(locked.seconds >= 100.0 * 0.5 / scale);
    assert!(join_each.seconds >= 100.0 * 3.5 / scale);
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use crate::support::loom;
    use interleave::checker::Mode;

    #[test]
    fn loom_unlocked_outcome_set_is_exactly_0_1_2() {
        let report = loom(UNLOCKED, Mode::Outcomes);
        assert_outcomes(&report, &["n = 0", "n = 1", "n = 2"]);
        let declared = UNLOCKED.variant().possible_outcomes(&report.params);
        let seen: Vec<_> = report.outcomes.rows.keys().cloned().collect();
        assert_eq!(Some(seen), declared);
    }

    /// Loom's replay, too, names the execution by the check's number, after as many executions.
    #[test]
    fn loom_unlocked_check_is_violated_and_replayable() {
        let report = loom(UNLOCKED, Mode::Check);
        let failure = assert_violation(&report, "lost update");
        let replayed = assert_replays_the_same_outcome(&failure);
        assert_eq!(replayed.executions, report.executions);
        assert_eq!(replayed.outcomes, report.outcomes);
        let again = replayed.verdict.failure().unwrap();
        assert_eq!(again.execution, failure.execution);
        assert_eq!(again.replay, failure.replay);
    }

    #[test]
    fn loom_both_fixes_hold_exhaustively() {
        for row in [LOCKED, JOIN_EACH] {
            let report = check_variant(row).backend(Backend::Loom).assert_holds();
            assert!(report.exhaustive);
            assert_holds_with(&report, &["n = 0"]);
        }
    }
}
