//! Queues (tutorial 5): the demos' orders and outcome sets, the core's properties under
//! producers and consumers, and each broken variant caught with the property it breaks.

use crate::support::{assert_deadlock, assert_holds, assert_violation, outcome_set, run_variant};
use interleave::checker::{self, Budget, Mode};
use interleave::lesson::{Class, Expect, Lesson, Params, Row, Threads, Variant};
use interleave::models::queue::demos::{self, FifoDemo, LifoDemo, PriorityDemo, TutorialQueue};
use interleave::models::queue::{Empty, Fifo, broken, properties};
use interleave::runtime::{Backend, Native, Runtime};
use std::time::Duration;

fn reachable<L: TutorialQueue>() -> Vec<String> {
    demos::reachable::<L>()
        .into_iter()
        .map(|order| order.to_string())
        .collect()
}

#[test]
fn the_tutorials_code_prints_the_tutorials_order() {
    assert_eq!(
        demos::tutorial::<Native, FifoDemo>(),
        ["first", "second", "third"]
    );
    assert_eq!(
        demos::tutorial::<Native, LifoDemo>(),
        ["third", "second", "first"]
    );
    assert_eq!(
        demos::tutorial::<Native, PriorityDemo>(),
        ["(10, 'b')", "(20, 'a')", "(30, 'c')"]
    );
}

#[test]
fn one_producer_one_consumer_can_see_these_orders() {
    assert_eq!(reachable::<FifoDemo>(), ["first second third"]);
    assert_eq!(
        reachable::<LifoDemo>(),
        [
            "first second third",
            "first third second",
            "second first third",
            "second third first",
            "third second first"
        ]
    );
    assert_eq!(
        reachable::<PriorityDemo>(),
        [
            "(10, 'b') (20, 'a') (30, 'c')",
            "(20, 'a') (10, 'b') (30, 'c')"
        ]
    );
}

#[test]
fn demos_hold_and_shuttle_sees_every_possible_order() {
    for (demo, expected) in [
        (demos::FIFO.variant(), reachable::<FifoDemo>()),
        (demos::LIFO.variant(), reachable::<LifoDemo>()),
        (demos::PRIORITY.variant(), reachable::<PriorityDemo>()),
    ] {
        assert_holds(&run_variant(
            &demo,
            Backend::Shuttle,
            2,
            Mode::Check,
            Some(300),
        ));
        let outcomes = run_variant(&demo, Backend::Shuttle, 2, Mode::Outcomes, Some(500));
        assert_holds(&outcomes);
        assert_eq!(outcome_set(&outcomes), expected, "{}", demo.id);
    }
}

#[test]
fn producers_and_consumers_lose_nothing_duplicate_nothing_reorder_nothing() {
    for threads in [2, 3, 4] {
        let report = run_variant(
            &properties::PRODUCERS_CONSUMERS.variant(),
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
    let report = run_variant(
        &properties::JOIN.variant(),
        Backend::Shuttle,
        3,
        Mode::Check,
        Some(500),
    );
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        ["join returned with 3 of 3 items processed"]
    );
}

#[test]
fn timed_get_and_put_return_with_an_item_or_a_timeout() {
    let report = run_variant(
        &properties::TIMEOUT.variant(),
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

impl Lesson for AloneWithATimeout {
    type Version = ();
    type Outcome = String;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>((): (), _: &Params) -> String {
        let queue = Fifo::<R, u32>::new(0);
        format!("{:?}", queue.get(true, Some(Duration::from_millis(100))))
    }

    fn classify((): (), outcome: &String, _: &Params) -> (Class, &'static str) {
        match outcome.as_str() {
            "Err(Empty)" => (Class::Acceptable, "the timeout returned"),
            _ => (Class::Forbidden, "an item from nowhere"),
        }
    }
}

const TIMEOUT_ALONE: Row<AloneWithATimeout> = Row::new(
    "queue/timeout-alone",
    (),
    Expect::Holds,
    "get(timeout) with no producer at all",
);

fn check_alone(backend: Backend) -> checker::Report {
    let budget = Budget {
        executions: 50,
        ..Budget::defaults(backend, Mode::Check)
    };
    let alone: Variant = TIMEOUT_ALONE.variant();
    checker::check(
        &alone,
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
    let report = run_variant(
        &broken::IF_NOT_WHILE.variant(),
        Backend::Shuttle,
        3,
        Mode::Check,
        None,
    );
    let failure = assert_violation(&report, "get woke to an empty queue");
    assert!(failure.replay.is_some());
    assert_holds(&run_variant(
        &broken::WHILE.variant(),
        Backend::Shuttle,
        3,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn one_condvar_with_notify_one_loses_the_producers_wake_up() {
    let report = run_variant(
        &broken::ONE_CONDVAR.variant(),
        Backend::Shuttle,
        3,
        Mode::Check,
        None,
    );
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
    assert_holds(&run_variant(
        &broken::TWO_CONDVARS.variant(),
        Backend::Shuttle,
        3,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn a_size_check_outside_the_lock_overfills_a_bounded_queue() {
    let report = run_variant(
        &broken::SIZE_CHECK_OUTSIDE_LOCK.variant(),
        Backend::Shuttle,
        2,
        Mode::Check,
        None,
    );
    assert_violation(&report, "over capacity: 2 items in a queue of maxsize 1");
    assert_holds(&run_variant(
        &broken::SIZE_CHECK_UNDER_LOCK.variant(),
        Backend::Shuttle,
        2,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn an_unprotected_task_counter_loses_an_update_and_join_hangs() {
    let report = run_variant(
        &broken::TASK_DONE_UNLOCKED.variant(),
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
    assert_holds(&run_variant(
        &broken::TASK_DONE_LOCKED.variant(),
        Backend::Shuttle,
        2,
        Mode::Check,
        Some(500),
    ));
}

#[test]
fn natively_the_fixed_queues_hold() {
    for variant in [
        demos::FIFO.variant(),
        properties::PRODUCERS_CONSUMERS.variant(),
        properties::JOIN.variant(),
        properties::TIMEOUT.variant(),
        broken::TWO_CONDVARS.variant(),
    ] {
        assert_holds(&run_variant(
            &variant,
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

    fn exhaustive(variant: &Variant) -> interleave::checker::Report {
        let report = run_variant(
            variant,
            Backend::Loom,
            variant.loom_threads,
            Mode::Outcomes,
            None,
        );
        eprintln!(
            "{}: {} loom executions in {:.2?}",
            variant.id, report.executions, report.elapsed
        );
        report
    }

    #[test]
    fn loom_demo_outcome_sets_are_exactly_the_reachable_orders() {
        for (demo, expected) in [
            (demos::FIFO.variant(), reachable::<FifoDemo>()),
            (demos::LIFO.variant(), reachable::<LifoDemo>()),
            (demos::PRIORITY.variant(), reachable::<PriorityDemo>()),
        ] {
            let report = exhaustive(&demo);
            assert_holds(&report);
            assert_eq!(outcome_set(&report), expected, "{}", demo.id);
        }
    }

    #[test]
    fn loom_core_properties_hold_in_every_interleaving() {
        for variant in [
            properties::PRODUCERS_CONSUMERS.variant(),
            properties::JOIN.variant(),
            broken::WHILE.variant(),
            broken::TWO_CONDVARS.variant(),
            broken::SIZE_CHECK_UNDER_LOCK.variant(),
            broken::TASK_DONE_LOCKED.variant(),
        ] {
            let report = exhaustive(&variant);
            assert_holds(&report);
            assert_eq!(outcome_set(&report).len(), 1, "{}", variant.id);
        }
    }

    /// loom 0.7 has no clock: a timed wait is a plain wait, so only the no-timeout outcome exists.
    #[test]
    fn loom_timeouts_never_fire() {
        let report = exhaustive(&properties::TIMEOUT.variant());
        assert_holds(&report);
        assert_eq!(
            outcome_set(&report),
            ["get got 1, second put went in, 1 left"]
        );
        assert_deadlock(&check_alone(Backend::Loom));
    }

    #[test]
    fn loom_finds_every_broken_queue() {
        let check = |row: Row<broken::QueueFlaws>| {
            let variant = row.variant();
            let report = run_variant(
                &variant,
                Backend::Loom,
                variant.loom_threads,
                Mode::Check,
                None,
            );
            eprintln!(
                "{}: {} after {} loom executions",
                variant.id,
                report.verdict.name(),
                report.executions
            );
            report
        };
        assert_violation(&check(broken::IF_NOT_WHILE), "get woke to an empty queue");
        assert_deadlock(&check(broken::ONE_CONDVAR));
        assert_violation(&check(broken::SIZE_CHECK_OUTSIDE_LOCK), "over capacity");
        assert_deadlock(&check(broken::TASK_DONE_UNLOCKED));
    }
}
