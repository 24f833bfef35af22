//! Threads: daemon exit ordering, both creation styles, start order, the thread registry.

use crate::support::{
    IntoVariant, assert_classes, assert_declared_outcomes, assert_holds, assert_holds_with,
    assert_lost_update, assert_violation, check, declared, outcome_set, run_variant,
};
use interleave::checker::Failure;
use interleave::checker::Mode;
use interleave::lesson::Class;
use interleave::models::{daemon, start_order, thread_api, thread_create};
use interleave::runtime::Backend;

#[test]
fn daemon_example_2_declares_the_45_outputs_and_the_tutorials_is_one_of_them() {
    let all = declared(&daemon::EXAMPLE_2.variant(), 2);
    assert_eq!(all.len(), 45);
    assert!(all.contains(&"123 | 456 | main------- | end123 | end456".to_owned()));
    assert!(
        all.iter()
            .all(|o| o.contains("end456") && o.contains("main-------"))
    );
    assert_eq!(all.iter().filter(|o| !o.contains("end123")).count(), 15);
}

#[test]
fn daemon_example_2_sampled_outputs_are_within_the_declared_set_and_classified() {
    let report = run_variant(daemon::EXAMPLE_2, Backend::Shuttle, 2, Mode::Outcomes, None);
    assert_holds(&report);
    let all = declared(&daemon::EXAMPLE_2.variant(), 2);
    let seen = outcome_set(&report);
    assert!(seen.iter().all(|o| all.contains(o)), "{seen:?}");
    let spread = seen.len();
    assert!(
        spread >= 30,
        "random scheduling spreads over the set: {spread}"
    );
    assert_classes(&report, |text| {
        if text.contains("end123") {
            Class::Interesting
        } else {
            Class::Acceptable
        }
    });
}

#[test]
fn daemon_example_1_sampled_outputs_are_its_six() {
    let report = run_variant(daemon::EXAMPLE_1, Backend::Shuttle, 2, Mode::Outcomes, None);
    assert_holds(&report);
    assert_declared_outcomes(&report, daemon::EXAMPLE_1);
}

/// The failure `check` finds in a harness that exits without waiting for the non-daemon thread.
fn exit_early_failure() -> Failure {
    let report = check(daemon::EXIT_EARLY, Backend::Shuttle, 2, None);
    assert_violation(&report, "end456 missing")
}

#[test]
fn a_harness_that_exits_without_waiting_loses_end456() {
    let failure = exit_early_failure();
    assert!(!failure.outcome.unwrap().text.contains("end456"));
    assert!(failure.replay.is_some());
}

/// Under shuttle and natively, `variant` holds with exactly the one outcome `expected`.
fn assert_holds_on_both_with(
    variant: impl IntoVariant,
    threads: usize,
    executions: usize,
    expected: &str,
) {
    let variant = variant.into_variant();
    for backend in [Backend::Shuttle, Backend::Native] {
        assert_holds_with(&check(&variant, backend, threads, executions), &[expected]);
    }
}

#[test]
fn a_daemon_blocked_at_exit_is_stopped_not_a_deadlock() {
    assert_holds_on_both_with(daemon::BLOCKED_SERVER, 2, 200, "main done");
}

#[test]
fn daemon_examples_natively_print_what_the_tutorial_shows() {
    let timing = interleave::models::daemon::timing();
    assert_eq!(timing.rows[0].note, "main thread | True");
    let example_2: Vec<&str> = timing.rows[1].note.split(" | ").collect();
    let mut sorted = example_2.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["123", "456", "end123", "end456", "main-------"],
        "{example_2:?}"
    );
}

#[test]
fn both_creation_styles_have_the_same_two_outputs() {
    for row in [thread_create::TARGET, thread_create::RUN_TRAIT] {
        let report = run_variant(row, Backend::Shuttle, 1, Mode::Outcomes, 200);
        assert_holds(&report);
        assert_declared_outcomes(&report, row);
    }
}

#[test]
fn start_order_has_both_orders_for_threads_and_processes() {
    for row in [start_order::THREAD, start_order::PROCESS] {
        let report = run_variant(row, Backend::Shuttle, 1, Mode::Outcomes, 200);
        assert_holds_with(&report, &["hello | main", "main | hello"]);
    }
}

#[test]
fn start_order_histograms_count_every_native_run() {
    let timing = interleave::models::start_order::measure(std::path::Path::new(env!(
        "CARGO_BIN_EXE_interleave"
    )));
    let counted = |kind: &str| -> usize {
        timing
            .rows
            .iter()
            .filter(|r| r.label.starts_with(kind))
            .map(|r| {
                r.note
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            })
            .sum()
    };
    assert_eq!(counted("threads"), 1000);
    assert_eq!(counted("processes"), 50);
}

#[test]
fn the_registry_keeps_its_promises_under_shuttle_and_natively() {
    let all = "3 threads: MainThread, Thread-1, Thread-2, Thread-3";
    assert_holds_on_both_with(thread_api::REGISTRY, 3, 300, all);
}

#[test]
fn a_registry_with_a_racy_live_count_is_caught_with_the_lost_update() {
    let report = check(thread_api::RACY_COUNT, Backend::Shuttle, 3, None);
    let failure = assert_violation(&report, "lost update");
    assert_lost_update(&failure, "live threads");
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use crate::support::loom;
    use interleave::checker::{Mode, Verdict};

    #[test]
    fn loom_daemon_example_2_outcome_set_is_exactly_the_45() {
        let report = loom(daemon::EXAMPLE_2, Mode::Outcomes);
        assert!(matches!(report.verdict, Verdict::Holds));
        assert_declared_outcomes(&report, daemon::EXAMPLE_2);
    }

    #[test]
    fn loom_daemon_example_1_outcome_set_is_exactly_the_6() {
        let report = loom(daemon::EXAMPLE_1, Mode::Outcomes);
        assert_declared_outcomes(&report, daemon::EXAMPLE_1);
    }

    #[test]
    fn loom_shuttle_samples_are_a_subset_of_the_loom_set() {
        for row in [daemon::EXAMPLE_1, daemon::EXAMPLE_2] {
            let exhaustive = outcome_set(&loom(row, Mode::Outcomes));
            let sampled = outcome_set(&run_variant(row, Backend::Shuttle, 2, Mode::Outcomes, 300));
            let within = sampled.iter().all(|o| exhaustive.contains(o));
            assert!(within, "{}: {sampled:?}", row.id);
        }
    }

    #[test]
    fn loom_exit_early_and_racy_count_are_caught_and_the_rest_hold() {
        assert_violation(&loom(daemon::EXIT_EARLY, Mode::Check), "end456 missing");
        assert_violation(&loom(thread_api::RACY_COUNT, Mode::Check), "lost update");
        let creation = [thread_create::TARGET, thread_create::RUN_TRAIT].map(|row| row.variant());
        let others = [
            daemon::BLOCKED_SERVER.variant(),
            start_order::THREAD.variant(),
            thread_api::REGISTRY.variant(),
        ];
        for variant in creation.iter().chain(&others) {
            let report = loom(variant, Mode::Outcomes);
            assert_holds(&report);
            assert_declared_outcomes(&report, variant);
        }
    }
}

#[test]
fn a_short_failing_execution_is_shown_whole() {
    let failure = exit_early_failure();
    let timeline = interleave::report::timeline(&failure.trace);
    let shown = format!("all {} events:", failure.trace.events.len());
    assert!(timeline.contains(&shown), "{timeline}");
    assert!(timeline.contains("exits the program"), "{timeline}");
}
