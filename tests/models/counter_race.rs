//! counter-race: the lost update is found, explained and replayed; both fixes hold.

use crate::support::{assert_holds, assert_violation, outcome_set, run, strings};
use interleave::checker::{self, Mode};
use interleave::lesson::Class;
use interleave::runtime::Backend;

#[test]
fn unlocked_loses_an_update_under_shuttle_at_the_tutorials_scale() {
    let report = run(
        "counter-race/unlocked",
        Backend::Shuttle,
        100,
        Mode::Check,
        None,
    );
    let failure = assert_violation(&report, "lost update");
    let outcome = failure.outcome.expect("the execution ran to the end");
    assert_eq!(outcome.class, Class::Forbidden);
    assert_ne!(outcome.text, "n = 0");
    let lost = failure
        .trace
        .lost_update
        .expect("the timeline pins the lost update");
    assert_eq!(lost.var, "n");
    assert_ne!(lost.stale, lost.overwritten);
    assert_eq!(lost.events.len(), 4, "read, read, write, write");
}

#[test]
fn the_replay_token_reproduces_the_same_final_value() {
    let report = run(
        "counter-race/unlocked",
        Backend::Shuttle,
        100,
        Mode::Check,
        None,
    );
    let failure = assert_violation(&report, "lost update");
    let token = failure.replay.expect("a shuttle failure is replayable");
    let variant = interleave::models::find("counter-race/unlocked").unwrap();
    let replayed = checker::replay(&variant, &token).expect("the token is valid");
    assert_eq!(replayed.executions, 1);
    let again = assert_violation(&replayed, "lost update");
    assert_eq!(again.outcome, failure.outcome);
    assert_eq!(again.trace.lost_update, failure.trace.lost_update);
}

#[test]
fn unlocked_sampled_outcomes_are_all_values_below_the_start() {
    let report = run(
        "counter-race/unlocked",
        Backend::Shuttle,
        3,
        Mode::Outcomes,
        None,
    );
    assert_eq!(outcome_set(&report), strings(&["n = 0", "n = 1", "n = 2"]));
    for observed in report.outcomes.rows.keys() {
        let expected = if observed.text == "n = 0" {
            Class::Acceptable
        } else {
            Class::Forbidden
        };
        assert_eq!(observed.class, expected, "{}", observed.text);
    }
}

#[test]
fn locked_holds_under_shuttle_with_100_threads() {
    let report = run(
        "counter-race/locked",
        Backend::Shuttle,
        100,
        Mode::Check,
        Some(200),
    );
    assert_holds(&report);
    assert_eq!(report.executions, 200);
    assert_eq!(outcome_set(&report), strings(&["n = 0"]));
}

#[test]
fn join_each_holds_under_shuttle_with_100_threads() {
    let report = run(
        "counter-race/join-each",
        Backend::Shuttle,
        100,
        Mode::Check,
        Some(50),
    );
    assert_holds(&report);
    // Each thread is joined before the next starts: there is only one schedule to explore.
    assert!(
        report.bounds.contains("one schedule is all schedules"),
        "{}",
        report.bounds
    );
    let random = run(
        "counter-race/join-each",
        Backend::Shuttle,
        100,
        Mode::Outcomes,
        Some(50),
    );
    assert_holds(&random);
    assert_eq!(random.executions, 50);
}

#[test]
fn both_fixes_hold_natively() {
    for id in ["counter-race/locked", "counter-race/join-each"] {
        let report = run(id, Backend::Native, 20, Mode::Check, Some(3));
        assert_holds(&report);
        assert_eq!(outcome_set(&report), strings(&["n = 0"]));
    }
}

#[test]
fn native_unlocked_outcomes_stay_within_the_possible_set() {
    let report = run(
        "counter-race/unlocked",
        Backend::Native,
        20,
        Mode::Outcomes,
        Some(3),
    );
    let possible: Vec<String> = (0..20).map(|n| format!("n = {n}")).collect();
    assert!(
        outcome_set(&report).iter().all(|o| possible.contains(o)),
        "{:?}",
        outcome_set(&report)
    );
}

#[test]
fn lock_vs_join_timing_keeps_the_fixes_correct_and_orders_the_costs() {
    let timing = interleave::models::counter_race::timing();
    let [unlocked, locked, join_each] = &timing.rows[..] else {
        panic!("three rows: {:?}", timing.rows)
    };
    assert!(locked.note.starts_with("n = 0 "), "{}", locked.note);
    assert!(join_each.note.starts_with("n = 0 "), "{}", join_each.note);
    assert!(unlocked.note.starts_with("n = "));
    // The locked run sleeps 100 x 0.5 s one after another, join-each 100 x 3.5 s: each is a floor.
    let scale = f64::from(interleave::runtime::sleep_scale());
    assert!(locked.seconds >= 100.0 * 0.5 / scale);
    assert!(join_each.seconds >= 100.0 * 3.5 / scale);
}

#[cfg(loom)]
mod under_loom {
    use super::*;

    #[test]
    fn loom_unlocked_outcome_set_is_exactly_0_1_2() {
        let report = run(
            "counter-race/unlocked",
            Backend::Loom,
            3,
            Mode::Outcomes,
            None,
        );
        assert_eq!(outcome_set(&report), strings(&["n = 0", "n = 1", "n = 2"]));
        let variant = interleave::models::find("counter-race/unlocked").unwrap();
        let declared = variant.possible_outcomes(&report.params).unwrap();
        assert_eq!(
            report.outcomes.rows.keys().cloned().collect::<Vec<_>>(),
            declared
        );
    }

    #[test]
    fn loom_unlocked_check_is_violated_and_replayable() {
        let report = run("counter-race/unlocked", Backend::Loom, 3, Mode::Check, None);
        let failure = assert_violation(&report, "lost update");
        let token = failure.replay.expect("loom failures are replayable");
        let variant = interleave::models::find("counter-race/unlocked").unwrap();
        let replayed = checker::replay(&variant, &token).unwrap();
        assert_eq!(
            assert_violation(&replayed, "lost update").outcome,
            failure.outcome
        );
    }

    #[test]
    fn loom_both_fixes_hold_exhaustively() {
        for id in ["counter-race/locked", "counter-race/join-each"] {
            let report = run(id, Backend::Loom, 3, Mode::Check, None);
            assert_holds(&report);
            assert_eq!(outcome_set(&report), strings(&["n = 0"]));
        }
    }
}
