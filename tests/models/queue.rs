//! Queues (tutorial 5): the demos' orders and outcome sets, the core's properties under
//! producers and consumers, and each broken variant caught with the property it breaks.

use crate::support::{assert_deadlock, assert_holds, assert_violation, outcome_set, run};
use interleave::checker::{self, Budget, Mode};
use interleave::model::{Class, Expect, Params, Program, Variant};
use interleave::models::queue::demos::{self, FifoLesson, Lesson, LifoLesson, PriorityLesson};
use interleave::models::queue::{Empty, Fifo};
use interleave::runtime::{Backend, Native, Runtime};
use std::time::Duration;

fn reachable<L: Lesson>() -> Vec<String> {
    demos::reachable::<L>()
        .into_iter()
        .map(|order| order.to_string())
        .collect()
}

#[test]
fn the_tutorials_code_prints_the_tutorials_order() {
    assert_eq!(
        demos::tutorial::<Native, FifoLesson>(),
        ["first", "second", "third"]
    );
    assert_eq!(
        demos::tutorial::<Native, LifoLesson>(),
        ["third", "second", "first"]
    );
    assert_eq!(
        demos::tutorial::<Native, PriorityLesson>(),
        ["(10, 'b')", "(20, 'a')", "(30, 'c')"]
    );
}

#[test]
fn one_producer_one_consumer_can_see_these_orders() {
    assert_eq!(reachable::<FifoLesson>(), ["first second third"]);
    assert_eq!(
        reachable::<LifoLesson>(),
        [
            "first second third",
            "first third second",
            "second first third",
            "second third first",
            "third second first"
        ]
    );
    assert_eq!(
        reachable::<PriorityLesson>(),
        [
            "(10, 'b') (20, 'a') (30, 'c')",
            "(20, 'a') (10, 'b') (30, 'c')"
        ]
    );
}

#[test]
fn demos_hold_and_shuttle_sees_every_possible_order() {
    for (id, expected) in [
        ("queue/fifo", reachable::<FifoLesson>()),
        ("queue/lifo", reachable::<LifoLesson>()),
        ("queue/priority", reachable::<PriorityLesson>()),
    ] {
        assert_holds(&run(id, Backend::Shuttle, 2, Mode::Check, Some(300)));
        let outcomes = run(id, Backend::Shuttle, 2, Mode::Outcomes, Some(500));
        assert_holds(&outcomes);
        assert_eq!(outcome_set(&outcomes), expected, "{id}");
    }
}

#[test]
fn producers_and_consumers_lose_nothing_duplicate_nothing_reorder_nothing() {
    for threads in [2, 3, 4] {
        let report = run(
            "queue/producers-consumers",
            Backend::Shuttle,
            threads,
            Mode::Check,
            Some(500),
        );
        assert_holds(&report);
        assert_eq!(outcome_set(&report).len(), 1);
    }
}

#[test]
fn join_returns_only_after_every_task_done_and_an_extra_one_is_an_error() {
    let report = run("queue/join", Backend::Shuttle, 3, Mode::Check, Some(500));
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        ["join returned with 3 of 3 items processed"]
    );
}

#[test]
fn timed_get_and_put_return_with_an_item_or_a_timeout() {
    let report = run(
        "queue/timeout",
        Backend::Shuttle,
        2,
        Mode::Outcomes,
        Some(500),
    );
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        [
            "get got 1, second put timed out, 0 left",
            "get got 1, second put went in, 1 left",
            "get timed out, second put timed out, 1 left",
        ]
    );
}

/// A `get(timeout)` on a queue nobody ever puts to: it must return `Empty`, not hang.
struct AloneWithATimeout;

impl Program for AloneWithATimeout {
    const ID: &'static str = "queue/timeout-alone";
    const SUMMARY: &'static str = "get(timeout) with no producer at all";
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 1;
    const LOOM_THREADS: usize = 1;
    type Outcome = String;

    fn run<R: Runtime>(_: &Params) -> String {
        let queue = Fifo::<R, u32>::new(0);
        format!("{:?}", queue.get(true, Some(Duration::from_millis(100))))
    }

    fn classify(outcome: &String, _: &Params) -> (Class, &'static str) {
        match outcome.as_str() {
            "Err(Empty)" => (Class::Acceptable, "the timeout returned"),
            _ => (Class::Forbidden, "an item from nowhere"),
        }
    }
}

fn check_alone(backend: Backend) -> checker::Report {
    let budget = Budget {
        executions: 50,
        ..Budget::defaults(backend, Mode::Check)
    };
    checker::check(
        &Variant::of::<AloneWithATimeout>(),
        backend,
        &Params { threads: 1 },
        &budget,
        Mode::Check,
    )
    .expect("backend is built")
}

#[test]
fn a_timed_get_on_a_queue_nobody_fills_returns_empty() {
    for backend in [Backend::Shuttle, Backend::Native] {
        let report = check_alone(backend);
        assert_holds(&report);
        assert_eq!(outcome_set(&report), ["Err(Empty)"], "{backend:?}");
    }
    assert_eq!(
        Fifo::<Native, u32>::new(0).get(true, Some(Duration::ZERO)),
        Err(Empty)
    );
}

#[test]
fn if_instead_of_while_wakes_a_consumer_to_an_empty_queue() {
    let report = run("queue/if-not-while", Backend::Shuttle, 3, Mode::Check, None);
    let failure = assert_violation(&report, "get woke to an empty queue");
    assert!(failure.replay.is_some());
    assert_holds(&run(
        "queue/while",
        Backend::Shuttle,
        3,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn one_condvar_with_notify_one_loses_the_producers_wake_up() {
    let report = run("queue/one-condvar", Backend::Shuttle, 3, Mode::Check, None);
    let failure = assert_deadlock(&report);
    assert!(
        failure
            .trace
            .blocked
            .iter()
            .any(|b| b.waits_for.contains("not_empty")),
        "{:?}",
        failure.trace.blocked
    );
    assert_holds(&run(
        "queue/two-condvars",
        Backend::Shuttle,
        3,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn a_size_check_outside_the_lock_overfills_a_bounded_queue() {
    let report = run(
        "queue/size-check-outside-lock",
        Backend::Shuttle,
        2,
        Mode::Check,
        None,
    );
    assert_violation(&report, "over capacity: 2 items in a queue of maxsize 1");
    assert_holds(&run(
        "queue/size-check-under-lock",
        Backend::Shuttle,
        2,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn an_unprotected_task_counter_loses_an_update_and_join_hangs() {
    let report = run(
        "queue/task-done-unlocked",
        Backend::Shuttle,
        2,
        Mode::Check,
        None,
    );
    let failure = assert_deadlock(&report);
    assert!(
        failure
            .trace
            .blocked
            .iter()
            .any(|b| b.thread == "main" && b.waits_for.contains("all_tasks_done"))
    );
    let lost = failure
        .trace
        .lost_update
        .as_ref()
        .expect("the timeline shows the lost update");
    assert_eq!(lost.var, "unfinished");
    assert_holds(&run(
        "queue/task-done-locked",
        Backend::Shuttle,
        2,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn natively_the_fixed_queues_hold() {
    for id in [
        "queue/fifo",
        "queue/producers-consumers",
        "queue/join",
        "queue/timeout",
        "queue/two-condvars",
    ] {
        let variant = interleave::models::find(id).expect("registered");
        assert_holds(&run(
            id,
            Backend::Native,
            variant.threads,
            Mode::Check,
            Some(3),
        ));
    }
}

#[cfg(loom)]
mod loom {
    use super::*;

    fn exhaustive(id: &str) -> interleave::checker::Report {
        let variant = interleave::models::find(id).expect("registered");
        let report = run(
            id,
            Backend::Loom,
            variant.loom_threads,
            Mode::Outcomes,
            None,
        );
        eprintln!(
            "{id}: {} loom executions in {:.2?}",
            report.executions, report.elapsed
        );
        report
    }

    #[test]
    fn loom_demo_outcome_sets_are_exactly_the_reachable_orders() {
        for (id, expected) in [
            ("queue/fifo", reachable::<FifoLesson>()),
            ("queue/lifo", reachable::<LifoLesson>()),
            ("queue/priority", reachable::<PriorityLesson>()),
        ] {
            let report = exhaustive(id);
            assert_holds(&report);
            assert_eq!(outcome_set(&report), expected, "{id}");
        }
    }

    #[test]
    fn loom_core_properties_hold_in_every_interleaving() {
        for id in [
            "queue/producers-consumers",
            "queue/join",
            "queue/while",
            "queue/two-condvars",
            "queue/size-check-under-lock",
            "queue/task-done-locked",
        ] {
            let report = exhaustive(id);
            assert_holds(&report);
            assert_eq!(outcome_set(&report).len(), 1, "{id}");
        }
    }

    /// loom 0.7 has no clock: a timed wait is a plain wait, so only the no-timeout outcome exists.
    #[test]
    fn loom_timeouts_never_fire() {
        let report = exhaustive("queue/timeout");
        assert_holds(&report);
        assert_eq!(
            outcome_set(&report),
            ["get got 1, second put went in, 1 left"]
        );
        assert_deadlock(&check_alone(Backend::Loom));
    }

    #[test]
    fn loom_finds_every_broken_queue() {
        let check = |id: &str| {
            let variant = interleave::models::find(id).expect("registered");
            let report = run(id, Backend::Loom, variant.loom_threads, Mode::Check, None);
            eprintln!(
                "{id}: {} after {} loom executions",
                report.verdict.name(),
                report.executions
            );
            report
        };
        assert_violation(&check("queue/if-not-while"), "get woke to an empty queue");
        assert_deadlock(&check("queue/one-condvar"));
        assert_violation(&check("queue/size-check-outside-lock"), "over capacity");
        assert_deadlock(&check("queue/task-done-unlocked"));
    }
}
