//! The coroutine lessons' timing tables (`time greenlet`, `time gevent`), run small: the rows
//! come in the lesson's order, every time is a real duration, and every run computed what it
//! should. No row is asserted faster than another: the tables show ratios, tests do not pin them.

use interleave::lesson::Timing;
use interleave::models::gevent::timing::{self as gevent, Schedule};
use interleave::models::greenlet::timing::{self as greenlet, Handoff, PingPong, Turns};
use std::time::Duration;

fn assert_times_are_real(timing: &Timing) {
    for row in &timing.rows {
        assert!(
            row.seconds.is_finite() && row.seconds > 0.0,
            "{}: {} s",
            row.label,
            row.seconds
        );
    }
}

fn labels(timing: &Timing) -> Vec<&str> {
    timing.rows.iter().map(|r| r.label.as_str()).collect()
}

/// The sum of `0..n`.
fn triangle(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

#[test]
fn each_handoff_kind_does_its_round_trips() {
    assert_eq!(greenlet::function_calls(1_000), triangle(1_000));
    assert_eq!(greenlet::coroutine_switches(1_000), 1_000);
    assert_eq!(
        greenlet::thread_ping_pong(200),
        400,
        "two turns per round trip"
    );
    let Turns { turns, yields } = greenlet::tokio_ping_pong(1_000);
    assert_eq!(turns, 2_000, "two turns per round trip");
    assert!(
        yields >= 1_998,
        "each task yields after each turn but its last: {yields}"
    );
}

#[test]
fn the_greenlets_compute_what_the_tutorials_loops_compute() {
    let iterations = 1_000;
    let switching = greenlet::greenlet_ping_pong(iterations);
    let (f1, f2) = greenlet::plain_loops(iterations);
    assert_eq!(
        switching,
        PingPong {
            f1: 1 + triangle(iterations),
            f2: 0,
            switches: 2 * iterations,
        }
    );
    assert_eq!((switching.f1, switching.f2), (f1, f2));
}

#[test]
fn the_switch_cost_table_has_every_kind_in_order_with_ns_and_results() {
    let timing = greenlet::measure(500, 50);
    assert_eq!(
        labels(&timing),
        Handoff::ALL.map(Handoff::label).to_vec(),
        "{timing:#?}"
    );
    assert_times_are_real(&timing);
    let expected_results = [
        format!("sum {}", triangle(500)),
        "500 values yielded".to_owned(),
        format!("1000 switches, f1 res = {}, f2 res = 0", 1 + triangle(500)),
        "1000 turns".to_owned(),
        "100 turns".to_owned(),
        format!("f1 res = {}, f2 res = 0", 1 + triangle(500)),
    ];
    for (row, result) in timing.rows.iter().zip(&expected_results) {
        assert!(
            row.note.contains(" ns per ") && row.note.contains(result.as_str()),
            "{}: {:?} should give ns and {result:?}",
            row.label,
            row.note
        );
    }
    let comparison = &timing.rows[5].note;
    assert!(
        comparison.contains("52.76 s / 10.99 s = 4.8x"),
        "{comparison}"
    );
    assert!(timing.setup.contains("in CPython"), "{}", timing.setup);
    let ratios: Vec<bool> = (0..6).map(|row| timing.ratio(row).is_some()).collect();
    assert_eq!(
        ratios,
        [true, true, true, true, true, false],
        "handoffs compare with a function call; the plain loops, no handoff, with nothing"
    );
}

#[test]
fn every_schedule_finishes_every_task() {
    for schedule in Schedule::ALL {
        let mut order = schedule.run(4, Duration::from_millis(2));
        order.sort_unstable();
        assert_eq!(order, [0, 1, 2, 3], "{schedule:?}");
    }
}

#[test]
fn one_at_a_time_schedules_finish_in_spawn_order() {
    for schedule in [Schedule::Sequential, Schedule::BlockingSleepTasks] {
        assert_eq!(
            schedule.run(4, Duration::from_millis(1)),
            [0, 1, 2, 3],
            "{schedule:?}"
        );
    }
}

#[test]
fn the_gevent_table_has_the_tutorials_four_schedules_in_order() {
    let timing = gevent::measure(4, Duration::from_millis(2));
    assert_eq!(
        labels(&timing),
        [
            "sequential: 4 sleeps in a row",
            "4 tasks, each awaits sleep",
            "4 tasks, each calls a blocking sleep",
            "4 OS threads, each sleeps",
        ]
    );
    assert_times_are_real(&timing);
    let tutorial = [
        "synchronous()",
        "asynchronous() with monkey.patch_all()",
        "asynchronous() without patch_all",
        "threads",
    ];
    for (row, words) in timing.rows.iter().zip(tutorial) {
        assert!(
            row.note.starts_with(words) && row.note.contains("; 4 done: "),
            "{}: {:?}",
            row.label,
            row.note
        );
    }
    assert!(
        timing.setup.contains("2 ms of real time"),
        "{}",
        timing.setup
    );
    assert!(
        (0..4).all(|row| timing.ratio(row).is_some()),
        "every schedule does the same work"
    );
}
