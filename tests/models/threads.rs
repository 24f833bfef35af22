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
    // Acceptable: the daemon finished before bar, as the tutorial's sleeps lead to (its
    // expected output is one of these); interesting: the exit cut the daemon off, or it finished
    // only after bar.
    assert_classes(&report, |text| {
        match (text.find("end123"), text.find("end456")) {
            (Some(daemon), Some(bar)) if daemon < bar => Class::Acceptable,
            _ => Class::Interesting,
        }
    });
    let tutorial = "123 | 456 | main------- | end123 | end456";
    let classes = classes_of_declared(daemon::EXAMPLE_2);
    assert_eq!(classes[tutorial], Class::Acceptable);
    let interesting = classes
        .values()
        .filter(|&&class| class == Class::Interesting)
        .count();
    // 15 outputs without end123, and 15 of the 30 with it have it after end456.
    assert_eq!(interesting, 30);
}

/// Every declared outcome of `row` and its class.
fn classes_of_declared(
    row: interleave::lesson::Row<daemon::DaemonExit>,
) -> std::collections::BTreeMap<String, Class> {
    let variant = row.variant();
    let params = variant
        .params(Backend::Shuttle, None)
        .expect("default threads");
    variant
        .possible_outcomes(&params)
        .expect("declared")
        .into_iter()
        .map(|observed| (observed.text, observed.class))
        .collect()
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
    // The two examples do different work: no ratio between them.
    assert_eq!([timing.ratio(0), timing.ratio(1)], [None, None]);
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
    for row in [
        start_order::THREAD,
        start_order::START_WAITS,
        start_order::PROCESS,
    ] {
        let report = run_variant(row, Backend::Shuttle, 1, Mode::Outcomes, 200);
        assert_holds_with(&report, &["hello | main", "main | hello"]);
    }
}

/// The common order is the acceptable one: main first after Rust's spawn and after starting a
/// process, hello first after CPython's start (the tutorial's order for a thread).
#[test]
fn start_order_classes_name_the_usual_order_of_each_start() {
    let class_of = |row: interleave::lesson::Row<start_order::StartOrder>, order: &str| {
        let report = run_variant(row, Backend::Shuttle, 1, Mode::Outcomes, 200);
        let (observed, _) = report
            .outcomes
            .rows
            .iter()
            .find(|(observed, _)| observed.text == order)
            .unwrap_or_else(|| panic!("{}: {order} not seen", row.id));
        observed.class
    };
    for (row, usual, rare) in [
        (start_order::THREAD, "main | hello", "hello | main"),
        (start_order::START_WAITS, "hello | main", "main | hello"),
        (start_order::PROCESS, "main | hello", "hello | main"),
    ] {
        assert_eq!(class_of(row, usual), Class::Acceptable, "{}", row.id);
        assert_eq!(class_of(row, rare), Class::Interesting, "{}", row.id);
    }
}

/// One row per way of starting, each a histogram of both orders over every native run; all
/// three rows do the same work (start, print, wait), so each is compared with the first.
#[test]
fn start_order_histograms_count_every_native_run() {
    let timing = interleave::models::start_order::measure(std::path::Path::new(env!(
        "CARGO_BIN_EXE_interleave"
    )));
    let counted = |row: &interleave::lesson::TimingRow| -> usize {
        row.note
            .split(", ")
            .map(|order| {
                let (_, count) = order.split_once(": ").expect("order: count (share)");
                count.split(' ').next().unwrap().parse::<usize>().unwrap()
            })
            .sum()
    };
    let [spawn, start_waits, processes] = &timing.rows[..] else {
        panic!("three rows: {:?}", timing.rows)
    };
    assert!(spawn.label.starts_with("threads, spawn returns at once"));
    assert!(start_waits.label.starts_with("threads, start waits"));
    assert_eq!(
        [spawn, start_waits, processes].map(counted),
        [1000, 1000, 50]
    );
    assert_eq!(timing.ratios, interleave::lesson::Ratios::ToFirst);
    assert!((0..3).all(|row| timing.ratio(row).is_some()));
}

#[test]
fn the_registry_keeps_its_promises_under_shuttle_and_natively() {
    let all = "active_count() = 4: MainThread, Thread-1, Thread-2, Thread-3";
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
            start_order::START_WAITS.variant(),
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
