//! Threads: daemon exit ordering, both creation styles, start order, the thread registry.

use crate::support::{assert_holds, assert_violation, outcome_set, run_variant};
use interleave::checker::Mode;
#[cfg(loom)]
use interleave::checker::Verdict;
use interleave::lesson::{Class, Params, Variant};
use interleave::models::{daemon, start_order, thread_api, thread_create};
use interleave::runtime::Backend;

/// The outcomes the variant declares possible, as texts.
fn declared(variant: &Variant, threads: usize) -> Vec<String> {
    let params = Params { threads };
    let mut texts: Vec<String> = variant
        .possible_outcomes(&params)
        .unwrap()
        .into_iter()
        .map(|o| o.text)
        .collect();
    texts.sort();
    texts
}

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
    let report = run_variant(
        &daemon::EXAMPLE_2.variant(),
        Backend::Shuttle,
        2,
        Mode::Outcomes,
        None,
    );
    assert_holds(&report);
    let all = declared(&daemon::EXAMPLE_2.variant(), 2);
    let seen = outcome_set(&report);
    assert!(seen.iter().all(|o| all.contains(o)), "{seen:?}");
    assert!(
        seen.len() >= 30,
        "random scheduling spreads over the set: {}",
        seen.len()
    );
    for observed in report.outcomes.rows.keys() {
        let expected = if observed.text.contains("end123") {
            Class::Interesting
        } else {
            Class::Acceptable
        };
        assert_eq!(observed.class, expected, "{}", observed.text);
    }
}

#[test]
fn daemon_example_1_sampled_outputs_are_its_six() {
    let report = run_variant(
        &daemon::EXAMPLE_1.variant(),
        Backend::Shuttle,
        2,
        Mode::Outcomes,
        None,
    );
    assert_holds(&report);
    assert_eq!(
        outcome_set(&report),
        declared(&daemon::EXAMPLE_1.variant(), 2)
    );
}

#[test]
fn a_harness_that_exits_without_waiting_loses_end456() {
    let report = run_variant(
        &daemon::EXIT_EARLY.variant(),
        Backend::Shuttle,
        2,
        Mode::Check,
        None,
    );
    let failure = assert_violation(&report, "end456 missing");
    assert!(!failure.outcome.unwrap().text.contains("end456"));
    assert!(failure.replay.is_some());
}

#[test]
fn a_daemon_blocked_at_exit_is_stopped_not_a_deadlock() {
    for backend in [Backend::Shuttle, Backend::Native] {
        let report = run_variant(
            &daemon::BLOCKED_SERVER.variant(),
            backend,
            2,
            Mode::Check,
            Some(200),
        );
        assert_holds(&report);
        assert_eq!(outcome_set(&report), vec!["main done".to_owned()]);
    }
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
        let variant = row.variant();
        let report = run_variant(&variant, Backend::Shuttle, 1, Mode::Outcomes, Some(200));
        assert_holds(&report);
        assert_eq!(outcome_set(&report), declared(&variant, 1), "{}", row.id);
    }
}

#[test]
fn start_order_has_both_orders_for_threads_and_processes() {
    for row in [start_order::THREAD, start_order::PROCESS] {
        let report = run_variant(
            &row.variant(),
            Backend::Shuttle,
            1,
            Mode::Outcomes,
            Some(200),
        );
        assert_holds(&report);
        assert_eq!(
            outcome_set(&report),
            vec!["hello | main".to_owned(), "main | hello".to_owned()]
        );
    }
}

#[test]
fn start_order_histograms_count_every_native_run() {
    let timing = interleave::models::start_order::timing();
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
    for backend in [Backend::Shuttle, Backend::Native] {
        let report = run_variant(
            &thread_api::REGISTRY.variant(),
            backend,
            3,
            Mode::Check,
            Some(300),
        );
        assert_holds(&report);
        assert_eq!(
            outcome_set(&report),
            vec!["3 threads: MainThread, Thread-1, Thread-2, Thread-3".to_owned()]
        );
    }
}

#[test]
fn a_registry_with_a_racy_live_count_is_caught_with_the_lost_update() {
    let report = run_variant(
        &thread_api::RACY_COUNT.variant(),
        Backend::Shuttle,
        3,
        Mode::Check,
        None,
    );
    let failure = assert_violation(&report, "lost update");
    let lost = failure
        .trace
        .lost_update
        .expect("the timeline pins the lost update");
    assert_eq!(lost.var, "live threads");
}

#[cfg(loom)]
mod under_loom {
    use super::*;

    #[test]
    fn loom_daemon_example_2_outcome_set_is_exactly_the_45() {
        let report = run_variant(
            &daemon::EXAMPLE_2.variant(),
            Backend::Loom,
            2,
            Mode::Outcomes,
            None,
        );
        assert!(matches!(report.verdict, Verdict::Holds));
        assert_eq!(
            outcome_set(&report),
            declared(&daemon::EXAMPLE_2.variant(), 2)
        );
    }

    #[test]
    fn loom_daemon_example_1_outcome_set_is_exactly_the_6() {
        let report = run_variant(
            &daemon::EXAMPLE_1.variant(),
            Backend::Loom,
            2,
            Mode::Outcomes,
            None,
        );
        assert_eq!(
            outcome_set(&report),
            declared(&daemon::EXAMPLE_1.variant(), 2)
        );
    }

    #[test]
    fn loom_shuttle_samples_are_a_subset_of_the_loom_set() {
        for row in [daemon::EXAMPLE_1, daemon::EXAMPLE_2] {
            let variant = row.variant();
            let exhaustive = outcome_set(&run_variant(
                &variant,
                Backend::Loom,
                2,
                Mode::Outcomes,
                None,
            ));
            let sampled = outcome_set(&run_variant(
                &variant,
                Backend::Shuttle,
                2,
                Mode::Outcomes,
                Some(300),
            ));
            assert!(
                sampled.iter().all(|o| exhaustive.contains(o)),
                "{}: {sampled:?}",
                row.id
            );
        }
    }

    #[test]
    fn loom_exit_early_and_racy_count_are_caught_and_the_rest_hold() {
        assert_violation(
            &run_variant(
                &daemon::EXIT_EARLY.variant(),
                Backend::Loom,
                2,
                Mode::Check,
                None,
            ),
            "end456 missing",
        );
        assert_violation(
            &run_variant(
                &thread_api::RACY_COUNT.variant(),
                Backend::Loom,
                2,
                Mode::Check,
                None,
            ),
            "lost update",
        );
        for (variant, threads) in [
            (daemon::BLOCKED_SERVER.variant(), 2),
            (thread_create::TARGET.variant(), 1),
            (thread_create::RUN_TRAIT.variant(), 1),
            (start_order::THREAD.variant(), 1),
            (thread_api::REGISTRY.variant(), 2),
        ] {
            let report = run_variant(&variant, Backend::Loom, threads, Mode::Outcomes, None);
            assert_holds(&report);
            assert_eq!(
                outcome_set(&report),
                declared(&variant, threads),
                "{}",
                variant.id
            );
        }
    }
}

#[test]
fn a_short_failing_execution_is_shown_whole() {
    let report = run_variant(
        &daemon::EXIT_EARLY.variant(),
        Backend::Shuttle,
        2,
        Mode::Check,
        None,
    );
    let failure = assert_violation(&report, "end456 missing");
    let timeline = interleave::report::timeline(&failure.trace);
    let shown = format!("all {} events:", failure.trace.events.len());
    assert!(timeline.contains(&shown), "{timeline}");
    assert!(timeline.contains("exits the program"), "{timeline}");
}
