//! Queues (tutorial 5): the demos' orders and outcome sets, the core's properties under
//! producers and consumers, and each broken variant caught with the property it breaks.

use crate::support::{
    assert_deadlock_where, assert_holds, assert_holds_with, assert_lost_update, assert_violation,
    check, outcome_set, run_variant,
};
use interleave::checker::{Mode, Report};
use interleave::lesson::{Class, Expect, Lesson, Params, Row, Threads, Variant};
use interleave::models::queue::broken::{self, QueueFlaws};
use interleave::models::queue::demos::{
    self, FifoDemo, LifoDemo, PriorityDemo, PriorityStringsDemo, PriorityTuplesDemo, TutorialQueue,
};
use interleave::models::queue::{Empty, Fifo, properties};
use interleave::runtime::{Backend, Native, Runtime};
use interleave::trace::Action;
use std::time::Duration;

fn reachable<L: TutorialQueue>() -> Vec<String> {
    demos::reachable::<L>()
        .into_iter()
        .map(|order| order.to_string())
        .collect()
}

/// Each demo holds, and `explore` sees exactly the orders one producer and one consumer can see.
fn assert_demos_see_exactly_the_reachable_orders(explore: impl Fn(&Variant) -> Report) {
    for (demo, orders) in [
        (demos::FIFO.variant(), reachable::<FifoDemo>()),
        (demos::LIFO.variant(), reachable::<LifoDemo>()),
        (demos::PRIORITY.variant(), reachable::<PriorityDemo>()),
        (
            demos::PRIORITY_TUPLES.variant(),
            reachable::<PriorityTuplesDemo>(),
        ),
        (
            demos::PRIORITY_STRINGS.variant(),
            reachable::<PriorityStringsDemo>(),
        ),
    ] {
        let report = explore(&demo);
        assert_holds(&report);
        assert_eq!(outcome_set(&report), orders, "{}", demo.id);
    }
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

/// Non-numeric priorities leave in the order Python 3.11's `PriorityQueue` gives for the same
/// puts: tuples element by element, strings by code point (capitals first).
#[test]
fn non_numeric_priorities_leave_in_pythons_order() {
    assert_eq!(
        demos::tutorial::<Native, PriorityTuplesDemo>(),
        ["((0, 'z'), 'w')", "((1, 'a'), 'y')", "((1, 'b'), 'x')"]
    );
    assert_eq!(
        demos::tutorial::<Native, PriorityStringsDemo>(),
        ["('Zebra', 'y')", "('apple', 'z')", "('banana', 'x')"]
    );
    let sorted = |mut orders: Vec<String>| {
        orders.sort();
        orders
    };
    assert_eq!(
        sorted(reachable::<PriorityTuplesDemo>()),
        [
            "((0, 'z'), 'w') ((1, 'a'), 'y') ((1, 'b'), 'x')",
            "((1, 'a'), 'y') ((0, 'z'), 'w') ((1, 'b'), 'x')",
            "((1, 'a'), 'y') ((1, 'b'), 'x') ((0, 'z'), 'w')",
            "((1, 'b'), 'x') ((0, 'z'), 'w') ((1, 'a'), 'y')",
            "((1, 'b'), 'x') ((1, 'a'), 'y') ((0, 'z'), 'w')",
        ]
    );
    assert_eq!(
        sorted(reachable::<PriorityStringsDemo>()),
        [
            "('Zebra', 'y') ('apple', 'z') ('banana', 'x')",
            "('Zebra', 'y') ('banana', 'x') ('apple', 'z')",
            "('banana', 'x') ('Zebra', 'y') ('apple', 'z')",
        ]
    );
}

#[test]
fn demos_hold_and_shuttle_sees_every_possible_order() {
    assert_demos_see_exactly_the_reachable_orders(|demo| {
        assert_holds(&check(demo, Backend::Shuttle, 2, 300));
        run_variant(demo, Backend::Shuttle, 2, Mode::Outcomes, 500)
    });
}

#[test]
fn producers_and_consumers_lose_nothing_duplicate_nothing_reorder_nothing() {
    for threads in [2, 3, 4] {
        let report = check(
            properties::PRODUCERS_CONSUMERS,
            Backend::Shuttle,
            threads,
            500,
        );
        assert_holds(&report);
        assert_eq!(outcome_set(&report).len(), 1, "{threads} threads");
    }
}

#[test]
fn join_returns_only_after_every_task_done_and_an_extra_one_is_an_error() {
    let report = check(properties::JOIN, Backend::Shuttle, 3, 500);
    assert_holds_with(&report, &["join returned with 3 of 3 items processed"]);
}

#[test]
fn timed_get_and_put_return_with_an_item_or_a_timeout() {
    let report = run_variant(
        properties::TIMEOUT,
        Backend::Shuttle,
        2,
        Mode::Outcomes,
        500,
    );
    assert_holds_with(
        &report,
        &[
            "get got 1, second put timed out, 0 left",
            "get got 1, second put went in, 1 left",
            "get timed out, second put timed out, 1 left",
        ],
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

#[test]
fn a_timed_get_on_a_queue_nobody_fills_returns_empty() {
    for backend in [Backend::Shuttle, Backend::Native] {
        assert_holds_with(&check(TIMEOUT_ALONE, backend, 1, 50), &["Err(Empty)"]);
    }
    assert_eq!(
        Fifo::<Native, u32>::new(0).get(true, Some(Duration::ZERO)),
        Err(Empty)
    );
}

/// Checks that `fix` holds, then checks `bug` (the same queue with one flaw) to its failure.
fn broken_and_fixed(bug: Row<QueueFlaws>, fix: Row<QueueFlaws>, threads: usize) -> Report {
    assert_holds(&check(fix, Backend::Shuttle, threads, 500));
    check(bug, Backend::Shuttle, threads, None)
}

#[test]
fn if_instead_of_while_wakes_a_consumer_to_an_empty_queue() {
    let report = broken_and_fixed(broken::IF_NOT_WHILE, broken::WHILE, 3);
    let failure = assert_violation(&report, "get woke to an empty queue");
    assert!(failure.replay.is_some());
}

#[test]
fn one_condvar_with_notify_one_loses_the_producers_wake_up() {
    let report = broken_and_fixed(broken::ONE_CONDVAR, broken::TWO_CONDVARS, 3);
    assert_deadlock_where(&report, |b| b.waits_for.contains("not_empty"));
}

#[test]
fn a_size_check_outside_the_lock_overfills_a_bounded_queue() {
    let fix = broken::SIZE_CHECK_UNDER_LOCK;
    let report = broken_and_fixed(broken::SIZE_CHECK_OUTSIDE_LOCK, fix, 2);
    assert_violation(&report, "over capacity: 2 items in a queue of maxsize 1");
}

#[test]
fn an_unprotected_task_counter_loses_an_update_and_join_hangs() {
    let report = broken_and_fixed(broken::TASK_DONE_UNLOCKED, broken::TASK_DONE_LOCKED, 2);
    let failure = assert_deadlock_where(&report, |b| {
        b.thread == "main" && b.waits_for.contains("all_tasks_done")
    });
    assert_lost_update(&failure, "unfinished");
}

/// A timed wait ends by a notify too: a consumer that takes that for "an item is there" pops
/// the item another consumer took between the notify and its taking the lock again.
#[test]
fn a_timed_get_that_trusts_its_notify_pops_an_item_another_consumer_took() {
    let fix = broken::TIMED_GET_RECHECKS;
    let report = broken_and_fixed(broken::TIMED_GET_TRUSTS_NOTIFY, fix, 3);
    let failure = assert_violation(
        &report,
        "get(timeout) was notified and found the queue empty: it trusted `timed_out == false`, and another consumer took the item",
    );
    let notified_wait_ended = failure.trace.events.iter().any(|event| {
        matches!(
            event.action,
            Action::Woken {
                timed_out: false,
                ..
            }
        )
    });
    assert!(notified_wait_ended, "a notify ended a timed wait");
    assert!(failure.replay.is_some());
}

/// Under shuttle each timed get may end by its timer or by the producer's notify: both items,
/// one, or none.
#[test]
fn timed_gets_that_look_again_get_each_item_once_or_time_out() {
    let report = run_variant(
        broken::TIMED_GET_RECHECKS,
        Backend::Shuttle,
        3,
        Mode::Outcomes,
        500,
    );
    assert_holds_with(&report, &["Empty, Empty", "Empty, got 1", "got 1, got 2"]);
}

#[test]
fn natively_the_fixed_queues_hold() {
    for variant in [
        demos::FIFO.variant(),
        properties::PRODUCERS_CONSUMERS.variant(),
        properties::JOIN.variant(),
        properties::TIMEOUT.variant(),
        broken::TWO_CONDVARS.variant(),
        broken::TIMED_GET_RECHECKS.variant(),
    ] {
        let threads = variant.threads;
        assert_holds(&check(variant, Backend::Native, threads, 3));
    }
}

#[cfg(loom)]
mod loom {
    use super::*;
    use crate::support::{assert_deadlock, loom};
    use interleave::checker::Mode;

    #[test]
    fn loom_demo_outcome_sets_are_exactly_the_reachable_orders() {
        assert_demos_see_exactly_the_reachable_orders(|demo| loom(demo, Mode::Outcomes));
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
            let report = loom(&variant, Mode::Outcomes);
            assert_holds(&report);
            assert_eq!(outcome_set(&report).len(), 1, "{}", variant.id);
        }
    }

    /// loom 0.7 has no clock: a timed wait is a plain wait, so only the no-timeout outcome exists,
    /// and a thread left in one is recorded as waiting with a timeout.
    #[test]
    fn loom_timeouts_never_fire() {
        let report = loom(properties::TIMEOUT, Mode::Outcomes);
        assert_holds_with(&report, &["get got 1, second put went in, 1 left"]);
        // Alone, its get(timeout) has no way on but the timer: loom's blind spot, not a deadlock.
        let alone = check(TIMEOUT_ALONE, Backend::Loom, 1, 50);
        let text = interleave::report::verdict(&alone);
        assert!(
            matches!(alone.verdict, interleave::checker::Verdict::NotChecked(_))
                && text.contains(
                    "relies on a timeout, which loom does not fire: main waits with a timeout for a notify on not_empty"
                ),
            "{text}"
        );
    }

    /// loom never fires a timer, but a notify ends its timed waits: the trusting get is caught.
    #[test]
    fn loom_finds_a_timed_get_that_trusts_its_notify() {
        let bug = loom(broken::TIMED_GET_TRUSTS_NOTIFY, Mode::Check);
        assert_violation(
            &bug,
            "get(timeout) was notified and found the queue empty: it trusted `timed_out == false`",
        );
        let fix = loom(broken::TIMED_GET_RECHECKS, Mode::Outcomes);
        assert_holds_with(&fix, &["got 1, got 2"]);
    }

    #[test]
    fn loom_finds_every_broken_queue() {
        let check = |row: Row<QueueFlaws>| loom(row, Mode::Check);
        assert_violation(&check(broken::IF_NOT_WHILE), "get woke to an empty queue");
        assert_deadlock(&check(broken::ONE_CONDVAR));
        assert_violation(&check(broken::SIZE_CHECK_OUTSIDE_LOCK), "over capacity");
        assert_deadlock(&check(broken::TASK_DONE_UNLOCKED));
    }
}
