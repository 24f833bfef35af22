//! The pictures (`--report DIR`, `--format json`): every SVG and page parses as XML and shows what
//! it claims (a lane per thread, a box per shown event, the lost update's arrow, the deadlock's
//! ring, a bar per outcome, a bar per timing row), and the JSON document keeps to its schema.

use crate::support::{check, interleave, run_variant, stderr, stdout, test_budget};
use interleave::checker::{self, Mode, Report};
use interleave::lesson::{Ratios, Timing, TimingRow};
use interleave::picture::data::{self, Asked, Run, TimingData};
use interleave::picture::{chart, histogram, html, svg};
use interleave::runtime::Backend;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn parse(text: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|error| panic!("not well-formed XML: {error}\n{text}"))
}

fn has_class(node: &roxmltree::Node<'_, '_>, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|classes| classes.split_whitespace().any(|c| c == class))
}

fn with_class<'a>(doc: &'a roxmltree::Document<'a>, class: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|node| node.is_element() && has_class(node, class))
        .collect()
}

fn run_of(report: &Report, command: &str) -> Run {
    Run::from_report(
        report,
        Asked {
            command,
            seed: None,
            preemption_bound: None,
            declared: None,
        },
    )
}

/// The threads of the events a failure's timeline shows, and of its ring.
fn shown_threads(run: &Run) -> BTreeSet<usize> {
    let failure = run.failure.as_ref().expect("a failure");
    failure
        .shown
        .events
        .iter()
        .map(|&i| failure.events[i].thread)
        .chain(failure.ring.iter().copied())
        .collect()
}

/// The timeline has a lane per thread it shows and a box per shown event, and is well-formed.
fn assert_timeline_structure(run: &Run) -> String {
    let failure = run.failure.as_ref().expect("a failure");
    let picture = svg::timeline(failure).expect("a timeline");
    let doc = parse(&picture);
    let lanes: BTreeSet<usize> = with_class(&doc, "lane")
        .iter()
        .map(|lane| lane.attribute("data-thread").unwrap().parse().unwrap())
        .collect();
    assert_eq!(lanes, shown_threads(run));
    assert_eq!(
        with_class(&doc, "lane").len(),
        lanes.len(),
        "one lane per thread"
    );
    let boxes: Vec<usize> = with_class(&doc, "event")
        .iter()
        .map(|b| b.attribute("data-event").unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        boxes, failure.shown.events,
        "one box per shown event, in order"
    );
    picture
}

#[test]
fn a_lost_update_is_two_lanes_with_the_stale_read_joined_to_its_overwriting_write() {
    let race = interleave::models::find("counter-race/unlocked").unwrap();
    let run = run_of(&check(&race, Backend::Shuttle, 3, None), "check");
    let picture = assert_timeline_structure(&run);
    let doc = parse(&picture);
    assert_eq!(with_class(&doc, "lane").len(), 2, "{picture}");
    assert_eq!(with_class(&doc, "lost-update").len(), 1);
    let lost = run.failure.as_ref().unwrap().lost_update.as_ref().unwrap();
    let stale: Vec<usize> = with_class(&doc, "stale")
        .iter()
        .map(|b| b.attribute("data-event").unwrap().parse().unwrap())
        .collect();
    assert_eq!(stale.len(), 2, "the stale thread's read and write");
    let failure = run.failure.as_ref().unwrap();
    assert!(
        stale
            .iter()
            .all(|&i| failure.events[i].thread == lost.stale)
    );
    assert_eq!(with_class(&doc, "overwritten").len(), 1);
    assert!(with_class(&doc, "ring").is_empty());
}

#[test]
fn a_deadlock_draws_its_ring_as_one_arrow_per_thread_in_it() {
    let fork = interleave::models::find("noodle-fork/two-locks").unwrap();
    let run = run_of(&check(&fork, Backend::Shuttle, 6, None), "check");
    let failure = run.failure.as_ref().unwrap();
    assert_eq!(failure.ring.len(), 2, "{:?}", failure.blocked);
    let picture = assert_timeline_structure(&run);
    let doc = parse(&picture);
    assert_eq!(with_class(&doc, "ring").len(), 2);
    assert_eq!(with_class(&doc, "blocked").len(), 2);
    assert_eq!(with_class(&doc, "lane").len(), 2);
    // Each thread of the ring holds a lock to the end: a bar along its lane.
    let holds = with_class(&doc, "hold");
    assert!(holds.len() >= 2, "{picture}");
    assert!(with_class(&doc, "lost-update").is_empty());
}

#[test]
fn a_long_failure_folds_its_unshown_steps_into_markers_that_count_them() {
    let fork = interleave::models::find("noodle-fork/two-locks").unwrap();
    let run = run_of(&check(&fork, Backend::Shuttle, 6, None), "check");
    let failure = run.failure.as_ref().unwrap();
    let picture = svg::timeline(failure).unwrap();
    let doc = parse(&picture);
    let folded: usize = with_class(&doc, "folded")
        .iter()
        .map(|marker| {
            let text: String = marker
                .descendants()
                .filter_map(|n| n.text())
                .collect::<String>();
            text.split_whitespace()
                .find_map(|word| word.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("a count in {text:?}"))
        })
        .sum();
    assert_eq!(
        folded + failure.shown.events.len(),
        failure.events.len(),
        "every step is shown or counted in a fold"
    );
    assert!(folded > 0);
}

#[test]
fn a_thread_stopped_by_the_exit_is_a_cut_lane() {
    // No failing variant stops a thread mid-run, so the exit-early failure gets a stopped daemon
    // added to its shown events: the drawing, not the checker, is under test.
    let daemon = interleave::models::find("daemon/exit-early").unwrap();
    let mut run = run_of(&check(&daemon, Backend::Shuttle, 2, None), "check");
    let failure = run.failure.as_mut().expect("the program exits too early");
    assert!(failure.events.iter().all(|e| e.kind != "stopped_at_exit"));
    let mut stopped = failure.events[0].clone();
    stopped.thread = 1;
    stopped.kind = "stopped_at_exit".to_owned();
    stopped.text = "stopped by the exit".to_owned();
    failure.events.push(stopped);
    failure.shown.events.push(failure.events.len() - 1);
    let picture = assert_timeline_structure(&run);
    let doc = parse(&picture);
    assert_eq!(with_class(&doc, "cut").len(), 1);
    assert_eq!(with_class(&doc, "lane").len(), 2);
}

#[test]
fn an_outcome_histogram_has_one_bar_per_distinct_outcome_seen() {
    let daemon = interleave::models::find("daemon/example-2").unwrap();
    let report = run_variant(&daemon, Backend::Shuttle, 2, Mode::Outcomes, 300);
    let run = run_of(&report, "outcomes");
    let picture = histogram::histogram(&run.outcomes).unwrap();
    let doc = parse(&picture);
    let bars = with_class(&doc, "bar");
    assert_eq!(bars.len(), report.outcomes.rows.len());
    assert!(
        with_class(&doc, "missing")
            .iter()
            .all(|n| has_class(n, "swatch"))
    );
    let widths: f64 = bars
        .iter()
        .map(|b| b.attribute("width").unwrap().parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    assert!(widths > 100.0, "the most frequent outcome fills the scale");
    for bar in bars {
        let class = ["acceptable", "interesting", "forbidden"]
            .into_iter()
            .find(|c| has_class(&bar, c));
        assert!(class.is_some(), "coloured by class");
    }
}

/// A check stopped by a panic counts the panicking execution, which has no outcome and so no
/// bar: the page names the verdict's count, the histogram's, and the execution between them.
#[test]
fn the_page_says_which_execution_the_histogram_does_not_count() {
    let variant = interleave::models::find("rlock/if-not-while").unwrap();
    let mut budget = test_budget(&variant, Backend::Shuttle, Mode::Check);
    budget.jobs = 2;
    let params = variant.params(Backend::Shuttle, Some(3)).unwrap();
    let report = checker::check(&variant, Backend::Shuttle, &params, &budget, Mode::Check).unwrap();
    let failure = report.verdict.failure().expect("the broken rlock fails");
    assert!(
        failure.message.starts_with("panicked: "),
        "{}",
        failure.message
    );
    assert_eq!(
        failure.execution, report.executions,
        "a check stops at its failure"
    );
    assert_eq!(report.outcomes.total(), report.executions - 1);
    let page = html::run_page(&run_of(&report, "check"));
    let headline = format!("VIOLATED after {} executions", report.executions);
    assert!(page.contains(&headline), "{page}");
    let summary = format!(
        "outcomes: {} distinct in {} execution{}; execution {} ended without one",
        report.outcomes.rows.len(),
        report.outcomes.total(),
        if report.outcomes.total() == 1 {
            ""
        } else {
            "s"
        },
        failure.execution
    );
    assert!(page.contains(&summary), "{page}");
}

#[cfg(loom)]
#[test]
fn under_loom_the_histogram_draws_every_declared_outcome_seen_or_not() {
    let daemon = interleave::models::find("daemon/example-2").unwrap();
    let report = crate::support::loom(&daemon, Mode::Outcomes);
    let declared = daemon.possible_outcomes(&report.params);
    let run = Run::from_report(
        &report,
        Asked {
            command: "outcomes",
            seed: None,
            preemption_bound: Some(3),
            declared,
        },
    );
    let picture = histogram::histogram(&run.outcomes).unwrap();
    let doc = parse(&picture);
    let bars = with_class(&doc, "bar");
    assert_eq!(bars.len(), 45);
    let missing = bars.iter().filter(|b| has_class(b, "missing")).count();
    let declared = run.outcomes.declared.as_ref().unwrap();
    assert_eq!(missing, declared.iter().filter(|d| !d.seen).count());
    assert_eq!(bars.len() - missing, report.outcomes.rows.len());
}

#[test]
fn a_timing_chart_has_a_bar_per_row_and_a_ratio_only_where_the_table_compares() {
    let row = |label: &str, seconds| TimingRow {
        label: label.to_owned(),
        seconds,
        note: "<note & \"quote\">".to_owned(),
    };
    let timing = Timing {
        title: "lock <vs> join & each".to_owned(),
        setup: "s".to_owned(),
        rows: vec![row("a", 1.0), row("b", 3.0), row("c", 0.5)],
        ratios: Ratios::Groups(vec![2, 1]),
    };
    let data = TimingData::from_timing(&timing);
    let picture = chart::chart(&data);
    let doc = parse(&picture);
    let bars = with_class(&doc, "bar");
    assert_eq!(bars.len(), 3);
    let figures: Vec<String> = with_class(&doc, "figures")
        .iter()
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect();
    assert!(figures[1].contains("×3.0"), "{figures:?}");
    assert!(!figures[2].contains('×'), "a group of one has no ratio");
    let width = |i: usize| bars[i].attribute("width").unwrap().parse::<f64>().unwrap();
    assert!(width(1) > width(0) && width(0) > width(2));
}

#[test]
fn labels_with_markup_characters_are_escaped_and_read_back_as_written() {
    let race = interleave::models::find("counter-race/unlocked").unwrap();
    let mut run = run_of(&check(&race, Backend::Shuttle, 3, None), "check");
    let hostile = "<script>alert('x & y')</script>\"";
    let failure = run.failure.as_mut().unwrap();
    let first = failure.shown.events[0];
    failure.events[first].text = hostile.to_owned();
    failure.threads[failure.events[first].thread] = hostile.to_owned();
    run.outcomes.rows[0].text = hostile.to_owned();
    let page = html::run_page(&run);
    let doc = parse(&page);
    assert!(doc.descendants().all(|n| n.tag_name().name() != "script"));
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "title")
        .filter_map(|n| n.text())
        .collect();
    assert!(titles.contains(&hostile), "{titles:?}");
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pictures-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The page is well-formed, self-contained (no script, no URL), and holds `svgs` pictures.
fn assert_page(dir: &std::path::Path) -> String {
    let page = std::fs::read_to_string(dir.join("index.html")).expect("index.html written");
    assert!(page.starts_with("<!DOCTYPE html>"));
    let doc = parse(&page);
    for node in doc.descendants().filter(|n| n.is_element()) {
        assert_ne!(node.tag_name().name(), "script");
        for attribute in ["src", "href"] {
            if let Some(url) = node.attribute(attribute) {
                assert!(!url.contains("http") && !url.contains("//"), "{url}");
            }
        }
    }
    page
}

#[test]
fn check_with_report_writes_a_page_with_the_timeline_and_the_replay_command() {
    let dir = scratch("check");
    let output = interleave(&[
        "check",
        "counter-race/unlocked",
        "--threads",
        "3",
        "--report",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let plain = interleave(&["check", "counter-race/unlocked", "--threads", "3"]);
    let after_the_verdict = |text: String| text.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(
        after_the_verdict(stdout(&output)),
        after_the_verdict(stdout(&plain)),
        "the text is the same with --report as without"
    );
    let page = assert_page(&dir);
    let doc = parse(&page);
    assert_eq!(with_class(&doc, "timeline").len(), 1);
    assert_eq!(with_class(&doc, "lane").len(), 2);
    assert_eq!(with_class(&doc, "lost-update").len(), 1);
    assert_eq!(with_class(&doc, "histogram").len(), 1);
    let replay = with_class(&doc, "replay");
    let command: String = replay[0].descendants().filter_map(|n| n.text()).collect();
    assert!(
        command.contains("replay counter-race/unlocked shuttle."),
        "{command}"
    );
    // The boxes carry the model's own source lines.
    let at: Vec<&str> = with_class(&doc, "at")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    assert!(at.iter().any(|a| a.contains("counter_race.rs:")), "{at:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_is_the_only_output_keeps_to_its_schema_and_round_trips() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../src/picture/report.schema.json")).unwrap();
    let validator = crate::schema::Schema::new(&schema);
    for (args, code) in [
        (&["check", "counter-race/unlocked", "--threads", "3"][..], 1),
        (&["check", "noodle-fork/two-locks"][..], 1),
        (
            &["check", "counter-race/locked", "--executions", "20"][..],
            0,
        ),
        (
            &["outcomes", "daemon/example-2", "--executions", "200"][..],
            0,
        ),
    ] {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let output = interleave(&args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        let value: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
        let errors = validator.errors(&value);
        assert!(errors.is_empty(), "{args:?}: {errors:?}");
        let run: Run = serde_json::from_value(value.clone()).expect("reads back as a Run");
        assert_eq!(serde_json::to_value(&run).unwrap(), value, "round trip");
        let again: Run = serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
        assert_eq!(again, run);
        assert_eq!(run.schema, data::SCHEMA);
        assert_eq!(run.command, args[0]);
        assert_eq!(run.id, args[1]);
        assert_eq!(run.failure.is_some(), code == 1, "{args:?}");
    }
}

#[test]
fn bad_report_paths_and_formats_are_usage_errors() {
    let dir = scratch("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let under_file = file.join("sub");
    for (args, message) in [
        (
            vec![
                "check",
                "counter-race/unlocked",
                "--report",
                file.to_str().unwrap(),
            ],
            "is a file, not a directory",
        ),
        (
            vec![
                "check",
                "counter-race/unlocked",
                "--report",
                under_file.to_str().unwrap(),
            ],
            "cannot create the directory",
        ),
        (
            vec!["outcomes", "counter-race/unlocked", "--format", "yaml"],
            "unknown format \"yaml\"",
        ),
        (
            vec!["check", "counter-race/unlocked", "--format"],
            "--format needs a value",
        ),
        (vec!["--report"], "--report needs a value"),
        (
            vec!["tour", "--report", file.to_str().unwrap()],
            "is a file",
        ),
        (vec!["time", "gil", "--report"], "--report needs a value"),
        (vec!["time", "gil", "--frobnicate"], "unknown flag"),
    ] {
        let output = interleave(&args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(message),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_tour_page_links_each_concept_to_its_section_and_draws_its_pictures() {
    let concept = |id: &str, runs: Vec<Run>, timing: Option<TimingData>| data::ConceptData {
        id: id.to_owned(),
        title: format!("the {id} lesson"),
        file: format!("models/{id}.rs"),
        runs,
        timing,
    };
    let race = interleave::models::find("counter-race/unlocked").unwrap();
    let locked = interleave::models::find("counter-race/locked").unwrap();
    let fork = interleave::models::find("noodle-fork/two-locks").unwrap();
    let timing = TimingData::from_timing(&Timing {
        title: "t".to_owned(),
        setup: "s".to_owned(),
        rows: vec![TimingRow {
            label: "only".to_owned(),
            seconds: 0.25,
            note: String::new(),
        }],
        ratios: Ratios::ToFirst,
    });
    let tour = data::Tour {
        concepts: vec![
            concept(
                "counter-race",
                vec![
                    run_of(&check(&race, Backend::Shuttle, 3, None), "check"),
                    run_of(&check(&locked, Backend::Shuttle, 3, 20), "check"),
                ],
                Some(timing.clone()),
            ),
            concept(
                "noodle-fork",
                vec![run_of(&check(&fork, Backend::Shuttle, 6, None), "check")],
                None,
            ),
        ],
    };
    let page = html::tour_page(&tour);
    let doc = parse(&page);
    let ids: BTreeSet<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("id"))
        .collect();
    let links: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("href"))
        .collect();
    assert_eq!(links, ["#counter-race", "#noodle-fork"]);
    for link in links {
        assert!(ids.contains(&link[1..]), "{link} leads to a section");
    }
    assert_eq!(with_class(&doc, "concept").len(), 2);
    assert_eq!(with_class(&doc, "run").len(), 3);
    assert_eq!(with_class(&doc, "timeline").len(), 2, "one per failure");
    assert_eq!(with_class(&doc, "histogram").len(), 3);
    assert_eq!(with_class(&doc, "chart").len(), 1);
    assert_eq!(with_class(&doc, "replay").len(), 2);
    let time_page = html::timing_page("counter-race", &timing);
    assert_eq!(with_class(&parse(&time_page), "bar").len(), 1);
}
