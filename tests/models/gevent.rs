//! gevent: `joinall` gives the values in spawn order whatever the finish order; with no await
//! between a read and its write, tasks need no lock, and an await there loses an update; an
//! unpatched `time.sleep` stalls every other task; two tasks awaiting each other deadlock.

use crate::support::{
    assert_deadlock, assert_declared_outcomes, assert_holds, assert_holds_with, assert_lost_update,
    assert_outcomes, assert_update_lost, assert_violation, check, interleave, run_variant, stdout,
};
use interleave::checker::{self, Failure, Mode, Report};
use interleave::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use interleave::models::gevent::{
    AWAIT_BETWEEN, AWAIT_EACH_OTHER, JOINALL, NO_LOCK_NEEDED, PATCHED_SLEEP, UNPATCHED_SLEEP,
};
use interleave::runtime::{Backend, Runtime};
use interleave::task;

/// Every finish order of three tasks, each with the values in spawn order.
const EVERY_FINISH_ORDER: [&str; 6] = [
    "finished g1 g2 g3; values 3 1 2",
    "finished g1 g3 g2; values 3 1 2",
    "finished g2 g1 g3; values 3 1 2",
    "finished g2 g3 g1; values 3 1 2",
    "finished g3 g1 g2; values 3 1 2",
    "finished g3 g2 g1; values 3 1 2",
];

const NOBODY_STALLED: &str = "no task waited behind a sleep";

fn stalled(others: usize) -> String {
    format!("time.sleep blocked the hub: {others} ready tasks waited")
}

/// A deadlock in which each of the two tasks waits for the other to finish.
fn assert_tasks_await_each_other(report: &Report) -> Failure {
    let failure = assert_deadlock(report);
    let waits: Vec<(String, String)> = failure
        .trace
        .blocked
        .iter()
        .map(|b| (b.thread.name.clone(), b.waits_for.name.clone()))
        .collect();
    for (task, other) in [("Greenlet-1", "Greenlet-2"), ("Greenlet-2", "Greenlet-1")] {
        let wait = (task.to_owned(), format!("{other} to finish"));
        assert!(waits.contains(&wait), "{}: {waits:?}", report.id);
    }
    crate::support::assert_message(
        &failure,
        "Greenlet-1 waits for Greenlet-2 to finish, which waits for Greenlet-1 to finish",
    );
    assert_eq!(
        crate::support::ring(&failure),
        "cycle: Greenlet-1 waits for Greenlet-2 to finish; Greenlet-2 waits for Greenlet-1 to finish"
    );
    failure
}

#[test]
fn joinall_sampled_outcomes_are_every_finish_order_with_values_in_spawn_order() {
    let report = run_variant(JOINALL, Backend::Shuttle, 3, Mode::Outcomes, 1_000);
    assert_holds(&report);
    assert_outcomes(&report, &EVERY_FINISH_ORDER);
    assert_declared_outcomes(&report, JOINALL);
}

/// Natively the sleeps (3, 1, 2) order the finish, shortest first.
#[test]
fn natively_joinall_finishes_the_shortest_sleep_first() {
    let report = run_variant(JOINALL, Backend::Native, 3, Mode::Outcomes, 3);
    assert_holds_with(&report, &["finished g2 g3 g1; values 3 1 2"]);
}

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

#[test]
fn patched_sleep_never_stalls_a_task_under_shuttle() {
    let report = check(PATCHED_SLEEP, Backend::Shuttle, 10, 500);
    assert_holds_with(&report, &[NOBODY_STALLED]);
}

/// Whichever task runs first, the other nine are ready and wait behind its blocking sleep.
#[test]
fn unpatched_sleep_stalls_every_other_task_under_shuttle() {
    let failure = assert_violation(
        &check(UNPATCHED_SLEEP, Backend::Shuttle, 10, None),
        &stalled(9),
    );
    assert!(failure.replay.is_some());
    let report = run_variant(UNPATCHED_SLEEP, Backend::Shuttle, 10, Mode::Outcomes, 200);
    assert_outcomes(&report, &[&stalled(9)]);
    assert_declared_outcomes(&report, UNPATCHED_SLEEP);
}

/// Natively `blocking_sleep` really sleeps; the verdicts are the checkers' (the times are the
/// concept's timing table's).
#[test]
fn natively_patched_sleep_holds_and_unpatched_sleep_stalls() {
    assert_holds_with(
        &check(PATCHED_SLEEP, Backend::Native, 10, 2),
        &[NOBODY_STALLED],
    );
    assert_violation(&check(UNPATCHED_SLEEP, Backend::Native, 10, 2), &stalled(9));
}

#[test]
fn await_each_other_deadlocks_under_shuttle_each_task_waiting_for_the_other() {
    let report = check(AWAIT_EACH_OTHER, Backend::Shuttle, 2, None);
    let failure = assert_tasks_await_each_other(&report);
    let token = failure.replay.as_ref().expect("the deadlock is replayable");
    let replayed = checker::replay(&AWAIT_EACH_OTHER.variant(), token).expect("the token fits");
    assert_eq!(
        assert_tasks_await_each_other(&replayed).trace.blocked,
        failure.trace.blocked
    );
}

#[test]
fn await_each_other_check_exits_1_with_a_deadlock_report() {
    let output = interleave(&["check", "gevent/await-each-other"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("DEADLOCK"), "{}", stdout(&output));
}

/// Natively the hub has nothing to run: the watchdog reports the stall and the run moves on.
#[test]
fn natively_await_each_other_stalls_and_the_watchdog_reports_it() {
    let variant = AWAIT_EACH_OTHER.variant();
    let mut budget = crate::support::test_budget(&variant, Backend::Native, Mode::Check);
    budget.watchdog = std::time::Duration::from_millis(200);
    let params = Params { threads: 2 };
    let report = checker::check(&variant, Backend::Native, &params, &budget, Mode::Check)
        .expect("native is built");
    let failure = assert_tasks_await_each_other(&report);
    crate::support::assert_message(&failure, "deadlock likely");
}

/// Not a lesson: every task that awaits one [`task::SharedHandle`] gets its value, whether it
/// asked before the task finished (and was woken) or after.
struct ManyAskers;

impl Lesson for ManyAskers {
    type Version = ();
    type Outcome = u32;
    const THREADS: Threads = Threads::same(3);

    fn run<R: Runtime>(_: (), params: &Params) -> u32 {
        let askers = params.threads - 1;
        task::block_on::<R, _>(async move {
            let answer = task::spawn_shared::<R, _>(async {
                task::yield_now::<R>().await;
                7
            });
            let handles = (0..askers)
                .map(|_| {
                    let answer = answer.clone();
                    task::spawn::<R, _>(async move { answer.get().await })
                })
                .collect();
            let theirs: u32 = task::join_all(handles).await.into_iter().sum();
            theirs + answer.get().await
        })
    }

    fn classify(_: (), sum: &u32, params: &Params) -> (Class, &'static str) {
        if *sum == 7 * params.threads as u32 {
            (Class::Acceptable, "every asker got the value")
        } else {
            (Class::Forbidden, "an asker got something else")
        }
    }

    fn possible_outcomes(_: (), params: &Params) -> Option<Vec<u32>> {
        Some(vec![7 * params.threads as u32])
    }
}

const MANY_ASKERS: Row<ManyAskers> = Row::new(
    "shared-handle/many-askers",
    (),
    Expect::Holds,
    "a task's value, awaited by main and two other tasks",
);

#[test]
fn a_shared_handle_gives_its_value_to_every_asker_under_shuttle() {
    assert_holds_with(&check(MANY_ASKERS, Backend::Shuttle, 3, 500), &["21"]);
    assert_holds_with(&check(MANY_ASKERS, Backend::Native, 3, 2), &["21"]);
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use crate::support::loom;

    #[test]
    fn loom_joinall_outcome_set_is_every_finish_order() {
        let report = loom(JOINALL, Mode::Outcomes);
        assert_holds(&report);
        assert_outcomes(&report, &EVERY_FINISH_ORDER);
        assert_declared_outcomes(&report, JOINALL);
    }

    #[test]
    fn loom_patched_sleep_holds_exhaustively() {
        let report = loom(PATCHED_SLEEP, Mode::Outcomes);
        assert_holds_with(&report, &[NOBODY_STALLED]);
        assert_declared_outcomes(&report, PATCHED_SLEEP);
    }

    #[test]
    fn loom_unpatched_sleep_stalls_the_other_two_in_every_execution() {
        let report = loom(UNPATCHED_SLEEP, Mode::Outcomes);
        assert_outcomes(&report, &[&stalled(2)]);
        assert_declared_outcomes(&report, UNPATCHED_SLEEP);
        assert_violation(&loom(UNPATCHED_SLEEP, Mode::Check), &stalled(2));
    }

    #[test]
    fn loom_await_each_other_deadlocks_each_task_waiting_for_the_other() {
        assert_tasks_await_each_other(&loom(AWAIT_EACH_OTHER, Mode::Check));
    }

    #[test]
    fn loom_a_shared_handle_gives_its_value_to_every_asker() {
        let report = loom(MANY_ASKERS, Mode::Outcomes);
        assert_holds_with(&report, &["21"]);
    }

    #[test]
    fn loom_await_each_other_check_exits_1_with_a_deadlock_report() {
        let output = interleave(&["check", "gevent/await-each-other", "--backend", "loom"]);
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        assert!(stdout(&output).contains("DEADLOCK"), "{}", stdout(&output));
    }

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
