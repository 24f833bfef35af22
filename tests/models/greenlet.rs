//! greenlet: an explicit switch names who runs next, so every schedule prints the same lines;
//! a greenlet nobody switches back to is a deadlock report naming who waits for whom.

use crate::support::{assert_deadlock, assert_holds_with, assert_message, check, run_variant};
use interleave::checker::{self, Mode};
use interleave::greenlet::Greenlets;
use interleave::models::greenlet::{LINES, MISSING_SWITCH_BACK, SWITCH};
use interleave::runtime::{Backend, Native};
use interleave::task;
use interleave::trace::Waiting;

const ORDER: &str = "egon eat 1 | egon play 1 | egon eat 2 | egon play 2";

#[test]
fn switch_prints_the_tutorial_s_order_under_every_sampled_schedule() {
    let report = check(SWITCH, Backend::Shuttle, 2, 500);
    assert_holds_with(&report, &[ORDER]);
    assert_eq!(report.executions, 500);
    assert_eq!(ORDER, LINES.join(" | "));
}

#[test]
fn switch_natively_prints_the_same_order() {
    assert_holds_with(&check(SWITCH, Backend::Native, 2, 5), &[ORDER]);
}

/// The deadlock as the checker reports it: `eat` waits for a switch back, main for `eat`.
fn assert_eat_never_switched_back(report: &checker::Report) {
    let failure = assert_deadlock(report);
    assert_message(
        &failure,
        "deadlock: eat waits for a switch back to it that never comes",
    );
    assert_message(&failure, "main waits for eat to finish");
    let waits: Vec<(String, Waiting)> = failure
        .trace
        .blocked
        .iter()
        .map(|b| (b.thread.name.clone(), b.waits_for.id.clone()))
        .collect();
    let eat = failure
        .trace
        .threads
        .iter()
        .position(|name| name == "eat")
        .expect("eat is in the trace");
    assert_eq!(
        waits,
        [
            ("eat".to_owned(), Waiting::Switch),
            (
                "main".to_owned(),
                Waiting::Join(interleave::trace::Tid(eat))
            )
        ]
    );
    let printed: Vec<&String> = failure.trace.output.iter().collect();
    assert_eq!(
        printed,
        LINES.iter().collect::<Vec<_>>(),
        "all four lines ran"
    );
}

#[test]
fn missing_switch_back_is_a_deadlock_naming_eat_and_main_under_shuttle() {
    assert_eat_never_switched_back(&check(MISSING_SWITCH_BACK, Backend::Shuttle, 2, None));
}

#[test]
fn missing_switch_back_replays_to_the_same_deadlock() {
    let report = check(MISSING_SWITCH_BACK, Backend::Shuttle, 2, None);
    let failure = assert_deadlock(&report);
    let token = failure.replay.as_ref().expect("the deadlock is replayable");
    let replayed =
        checker::replay(&MISSING_SWITCH_BACK.variant(), token).expect("the token is valid");
    assert_eat_never_switched_back(&replayed);
}

#[test]
fn missing_switch_back_natively_stalls_and_the_watchdog_says_so() {
    let mut budget =
        crate::support::test_budget(&MISSING_SWITCH_BACK.variant(), Backend::Native, Mode::Check);
    budget.executions = 1;
    budget.watchdog = std::time::Duration::from_millis(300);
    let report = checker::check(
        &MISSING_SWITCH_BACK.variant(),
        Backend::Native,
        &interleave::lesson::Params { threads: 2 },
        &budget,
        Mode::Check,
    )
    .expect("native is built");
    let failure = assert_deadlock(&report);
    assert_message(&failure, "no progress for");
    assert_message(&failure, "eat waits for a switch back to it");
}

#[test]
fn a_switch_returns_the_value_switched_back_and_a_return_goes_to_main() {
    let got = task::block_on::<Native, _>(async {
        let greenlets = Greenlets::<Native, u32>::new();
        let (ping, pong) = (greenlets.greenlet("ping"), greenlets.greenlet("pong"));
        let other = pong.clone();
        ping.run(move |first| async move {
            let back = other.switch(first + 1).await;
            back * 10
        });
        let other = ping.clone();
        pong.run(move |first| async move {
            other.switch(first + 1).await;
            unreachable!("nobody switches back to pong")
        });
        let from_ping = ping.switch(1).await;
        (from_ping, greenlets.printed())
    });
    assert_eq!(
        got,
        (30, Vec::<String>::new()),
        "1 -> pong 2 -> ping 3, times 10"
    );
}

#[test]
fn outcomes_of_missing_switch_back_are_only_the_deadlock() {
    let report = run_variant(MISSING_SWITCH_BACK, Backend::Shuttle, 2, Mode::Outcomes, 50);
    assert_eat_never_switched_back(&report);
    let texts: Vec<&str> = report
        .outcomes
        .rows
        .keys()
        .map(|o| o.text.as_str())
        .collect();
    assert_eq!(texts, ["deadlock"], "{:?}", report.outcomes.rows);
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use crate::support::{assert_declared_outcomes, assert_outcomes, loom};

    #[test]
    fn loom_switch_has_exactly_one_outcome_exhaustively() {
        let report = loom(SWITCH, Mode::Outcomes);
        assert_outcomes(&report, &[ORDER]);
        assert_declared_outcomes(&report, SWITCH);
        assert!(report.exhaustive, "loom explored every schedule");
    }

    #[test]
    fn loom_missing_switch_back_is_a_deadlock_and_the_process_goes_on() {
        assert_eat_never_switched_back(&loom(MISSING_SWITCH_BACK, Mode::Check));
        // The same process explores again: loom did not abort on the deadlock.
        assert_eat_never_switched_back(&loom(MISSING_SWITCH_BACK, Mode::Check));
    }
}
