//! The lock-vs-join table (`time counter-race`): the scale it picks keeps the tutorial's premise
//! (every thread reads `n` before any writes), or the table says why it cannot; it prints the
//! unlocked run's final `n` and the tutorial's three times next to the measured ones.

use interleave::lesson::Ratios;
use interleave::models::counter_race::{
    Final, MIN_DIVISOR, PREMISE_MARGIN, Scale, choose_scale, lock_vs_join, setup,
};
use interleave::runtime::sleep_scale;
use std::time::Duration;

#[test]
fn the_scale_keeps_the_sleep_longer_than_starting_the_threads() {
    // 5 ms to start the threads: 0.5 s / (4 x 5 ms) = 25.
    let scale = choose_scale(Duration::from_millis(5));
    assert_eq!((scale.divisor, scale.keeps_premise), (25, true));
    let scaled_sleep = Duration::from_millis(500) / scale.divisor;
    assert!(scaled_sleep >= Duration::from_millis(5) * PREMISE_MARGIN);
    // A fast start-up keeps the native default, and never goes past it.
    let fast = choose_scale(Duration::from_micros(100));
    assert_eq!((fast.divisor, fast.keeps_premise), (sleep_scale(), true));
}

#[test]
fn a_start_up_too_slow_for_the_premise_runs_at_the_smallest_divisor_and_says_why() {
    let scale = choose_scale(Duration::from_millis(50));
    assert_eq!((scale.divisor, scale.keeps_premise), (MIN_DIVISOR, false));
    let text = setup(&scale, Final(93));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[1].contains("this machine cannot keep the tutorial's premise"),
        "{text}"
    );
    assert!(lines[2].contains("unlocked: n = 93, not 99"), "{text}");
}

#[test]
fn the_setup_names_the_unlocked_result_against_the_tutorials_99() {
    let kept = Scale {
        divisor: 25,
        start_up: Duration::from_millis(5),
        keeps_premise: true,
    };
    let text = setup(&kept, Final(99));
    assert!(text.contains("scaled by 1/25 (0.5 s -> 20ms)"), "{text}");
    assert!(
        text.contains("every thread reads n before any writes"),
        "{text}"
    );
    assert!(
        text.contains("unlocked: n = 99, as the tutorial printed"),
        "{text}"
    );
}

/// At the native default scale (3.5 s of sleeps in join-each): the rows, the tutorial's times
/// next to them, every row compared with the unlocked one, and the setup naming the unlocked
/// row's own final value.
#[test]
fn the_table_prints_the_unlocked_value_and_the_tutorials_three_times() {
    let scale = Scale {
        divisor: sleep_scale(),
        start_up: Duration::from_millis(1),
        keeps_premise: true,
    };
    let timing = lock_vs_join(&scale);
    assert_eq!(timing.ratios, Ratios::ToFirst);
    let [unlocked, locked, join_each] = &timing.rows[..] else {
        panic!("three rows: {:?}", timing.rows)
    };
    assert!(unlocked.note.contains("tutorial: 0.52 s = 1x, n = 99"));
    assert!(locked.note.starts_with("n = 0 "), "{}", locked.note);
    assert!(locked.note.contains("tutorial: 53.29 s = 102x, n = 0"));
    assert!(join_each.note.contains("tutorial: 350.69 s = 672x, n = 0"));
    let n = unlocked
        .note
        .strip_prefix("n = ")
        .and_then(|rest| rest.split(' ').next())
        .expect("the unlocked note starts with its final n");
    assert!(
        timing.setup.contains(&format!("unlocked: n = {n}")),
        "{}",
        timing.setup
    );
    assert!((0..3).all(|row| timing.ratio(row).is_some()));
}
