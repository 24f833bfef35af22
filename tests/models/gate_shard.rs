//! A class graded across CI runners: `grade --shard K/N` grades each submission in exactly one
//! shard, and `merge-reports` of the shards is the unsharded report (timing fields aside), sorted by
//! name; what does not fit together is refused in one line.

use crate::gate_support::without_timing;
use crate::support::{interleave, report_schema_errors, stderr, stdout};
use interleave::gate::formats;
use interleave::gate::report::{GateReport, Shard};
use interleave::gate::shard::shard_of;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

const SHARDS: u32 = 3;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("gate-shard")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 scratch path")
}

/// The counter exercise's own implementations that lose updates, and a file that is no Rust
/// source (rejected at once, so the class's exit code is 3: the worst status decides it). Those that pass are left
/// out: a pass runs the property's whole budget (5,000 executions, seconds in a debug build),
/// and sharding does not depend on the verdicts.
fn class() -> Vec<String> {
    let counter = interleave::gate::find_exercise("counter").expect("counter is an exercise");
    let builtins = (counter.builtins)();
    assert!(builtins.len() >= 4, "{} builtins", builtins.len());
    let mut class: Vec<String> = builtins
        .iter()
        .filter(|b| b.fails == Some("no-lost-update"))
        .map(|b| format!("builtin:{}", b.name))
        .collect();
    assert!(class.len() >= 2, "{class:?}");
    // No Rust source (the project's own manifest, a path that is the same on every machine).
    class.push("Cargo.toml".to_owned());
    class
}

/// `grade counter CLASS... --format json --out FILE [EXTRA...]`, one property only.
fn grade_class(class: &[String], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["grade", "counter"];
    args.extend(class.iter().map(String::as_str));
    args.extend(["--property", "no-lost-update", "--format", "json"]);
    args.extend(["--out", text(out)]);
    args.extend(extra);
    interleave(&args)
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn report_of(value: &Value) -> GateReport {
    serde_json::from_value(value.clone()).expect("a gate report")
}

fn names(report: &GateReport) -> Vec<String> {
    report
        .submissions
        .iter()
        .map(|s| s.submission.clone())
        .collect()
}

#[test]
fn the_shards_of_a_class_merge_into_its_unsharded_report() {
    let dir = scratch("merge");
    let class = class();
    let whole = dir.join("class.json");
    let shard_file = |index: u32| dir.join(format!("shard-{index}.json"));
    // The four gradings at once: the machine's cores, not one after the other.
    let (unsharded, sharded) = std::thread::scope(|scope| {
        let unsharded = scope.spawn(|| grade_class(&class, &whole, &[]));
        let sharded: Vec<_> = (1..=SHARDS)
            .map(|index| {
                let file = shard_file(index);
                let class = &class;
                scope.spawn(move || {
                    let shard = format!("{index}/{SHARDS}");
                    grade_class(class, &file, &["--shard", &shard])
                })
            })
            .collect();
        (
            unsharded.join().expect("graded"),
            sharded
                .into_iter()
                .map(|h| h.join().expect("graded"))
                .collect::<Vec<_>>(),
        )
    });
    assert_eq!(unsharded.status.code(), Some(3), "{}", stderr(&unsharded));
    let whole_json = read_json(&whole);
    assert!(
        whole_json.get("shard").is_none(),
        "an unsharded report is as before"
    );
    assert_eq!(names(&report_of(&whole_json)), class);

    let mut seen: Vec<String> = Vec::new();
    let mut nonempty = 0;
    for (index, output) in (1..=SHARDS).zip(&sharded) {
        let value = read_json(&shard_file(index));
        let errors = report_schema_errors(&value);
        assert!(errors.is_empty(), "shard {index}: {errors:?}");
        let report = report_of(&value);
        assert_eq!(
            report.shard,
            Some(Shard {
                index,
                count: SHARDS
            })
        );
        assert_eq!(output.status.code(), Some(report.exit_code()));
        let expected: Vec<String> = class
            .iter()
            .filter(|name| shard_of(name, SHARDS) == index)
            .cloned()
            .collect();
        assert_eq!(
            names(&report),
            expected,
            "shard {index}, in the given order"
        );
        nonempty += usize::from(!expected.is_empty());
        seen.extend(expected);
    }
    assert!(nonempty >= 2, "the class is really split: {seen:?}");
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no submission in two shards");
    assert_eq!(
        unique,
        class.iter().collect(),
        "every submission in a shard"
    );

    let merged_file = dir.join("merged.json");
    // The shards in any order: the merge sorts by name.
    let merged = interleave(&[
        "merge-reports",
        text(&shard_file(3)),
        text(&shard_file(1)),
        text(&shard_file(2)),
        "--format",
        "json",
        "--out",
        text(&merged_file),
    ]);
    assert_eq!(merged.status.code(), unsharded.status.code());
    let mut merged_json = read_json(&merged_file);
    assert!(
        stdout(&merged).ends_with(&formats::summary_text(&report_of(&merged_json))),
        "{}",
        stdout(&merged)
    );
    let mut expected = whole_json;
    expected["submissions"]
        .as_array_mut()
        .expect("submissions")
        .sort_by(|a, b| a["submission"].as_str().cmp(&b["submission"].as_str()));
    without_timing(&mut expected);
    without_timing(&mut merged_json);
    assert_eq!(merged_json, expected);
}

#[test]
fn a_shard_with_no_submission_is_an_empty_report() {
    let holder = shard_of("builtin:reference", 2);
    let empty = format!("{}/2", 3 - holder);
    let output = interleave(&[
        "grade",
        "counter",
        "builtin:reference",
        "--shard",
        &empty,
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: GateReport = serde_json::from_slice(&output.stdout).expect("a report");
    assert!(report.submissions.is_empty());
    assert_eq!(report.summary.submissions, 0);
    assert_eq!(
        report.shard,
        Some(Shard {
            index: 3 - holder,
            count: 2
        })
    );
}

/// Exit 2, and one line on stderr that says `word`.
fn assert_refused(output: &Output, word: &str) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(message.contains(word), "{word:?} not in {message}");
}

#[test]
fn bad_shards_and_reports_that_do_not_fit_are_refused_in_one_line() {
    for bad in ["0/3", "4/3", "x"] {
        let output = interleave(&["grade", "counter", "builtin:reference", "--shard", bad]);
        assert_refused(&output, "--shard");
    }
    let replay = ["grade", "counter", "builtin:starter", "--shard", "1/2"];
    assert_refused(
        &interleave(&[&replay[..], &["--replay", "shuttle.0.1.random.1.1"]].concat()),
        "--replay",
    );
    assert_refused(
        &interleave(&[&replay[..], &["--format", "gradescope"]].concat()),
        "gradescope",
    );

    // Shard reports made at once: a submission that is rejected without running.
    let dir = scratch("refusals");
    let shard = |exercise: &str, index: u32| {
        let file = dir.join(format!("{exercise}-{index}.json"));
        let output = interleave(&[
            "grade",
            exercise,
            "Cargo.toml",
            "--shard",
            &format!("{index}/3"),
            "--format",
            "json",
            "--out",
            text(&file),
        ]);
        assert!(
            matches!(output.status.code(), Some(0 | 3)),
            "{}",
            stderr(&output)
        );
        file.to_str().expect("UTF-8").to_owned()
    };
    let [one, two, three] = [1, 2, 3].map(|index| shard("counter", index));
    let merge = |files: &[&str]| interleave(&[&["merge-reports"][..], files].concat());
    assert_eq!(
        merge(&[&one, &two, &three]).status.code(),
        Some(3),
        "the three shards merge"
    );
    let twice = merge(&[&one, &one, &two]);
    assert_refused(&twice, "twice");
    assert!(stderr(&twice).contains("1/3"), "{}", stderr(&twice));
    let missing = merge(&[&one, &two]);
    assert_refused(&missing, "missing");
    assert!(stderr(&missing).contains("3/3"), "{}", stderr(&missing));
    let other = shard("rlock", 3);
    assert_refused(&merge(&[&one, &two, &other]), "exercise");

    let not_json = dir.join("notes.json");
    std::fs::write(&not_json, "grades: see the spreadsheet\n").unwrap();
    let refused = merge(&[&one, text(&not_json)]);
    assert_refused(&refused, "not JSON");
    assert!(stderr(&refused).contains("notes.json"), "names the file");
    assert_refused(
        &interleave(&["merge-reports", &one, "--format", "gradescope"]),
        "gradescope",
    );
}

/// Files whose names a report makes plain (an ESC, U+202E, a newline) are found by the merge in
/// the shard that graded them: the shard is computed from the name as reports write it.
#[test]
fn shards_of_files_with_hostile_names_merge() {
    let dir = scratch("hostile-names");
    let class: Vec<String> = [
        "esc\u{1b}[31m.txt",
        "bidi\u{202e}evil.txt",
        "nl\n::error::x.txt",
        "plain.txt",
    ]
    .iter()
    .map(|name| {
        let file = dir.join(name);
        std::fs::write(&file, "not Rust\n").expect("a file");
        text(&file).to_owned()
    })
    .collect();
    let shards: Vec<PathBuf> = (1..=SHARDS)
        .map(|k| dir.join(format!("shard-{k}.json")))
        .collect();
    for (index, file) in (1..=SHARDS).zip(&shards) {
        let shard = format!("{index}/{SHARDS}");
        let output = grade_class(&class, file, &["--shard", &shard]);
        assert!(file.is_file(), "{}", stderr(&output));
    }
    let mut args = vec!["merge-reports"];
    args.extend(shards.iter().map(|file| text(file)));
    args.extend(["--format", "json"]);
    let merged = interleave(&args);
    assert_eq!(merged.status.code(), Some(3), "{}", stderr(&merged));
    let report: GateReport = serde_json::from_slice(&merged.stdout).expect("a report");
    assert_eq!(report.submissions.len(), class.len());
}

/// A shard a stop signal cut short says so in its report, and the merge refuses it: the
/// submissions it did not grade would be missing from the class's report without a word.
#[test]
fn a_cut_short_shard_is_refused_by_the_merge() {
    let shard = |index: u32, cut_short: Option<&str>| {
        let mut report = crate::gate_support::report_of("counter", &["shuttle"], Vec::new());
        report.shard = Some(Shard { index, count: 2 });
        report.cut_short = cut_short.map(str::to_owned);
        report
    };
    let whole = interleave::gate::shard::merge(vec![
        ("1.json".to_owned(), shard(1, None)),
        ("2.json".to_owned(), shard(2, None)),
    ]);
    assert!(whole.is_ok(), "{whole:?}");
    let refused = interleave::gate::shard::merge(vec![
        ("1.json".to_owned(), shard(1, None)),
        (
            "2.json".to_owned(),
            shard(2, Some("by SIGTERM: 4 of 5 submissions graded")),
        ),
    ]);
    assert_eq!(
        refused.unwrap_err(),
        "2.json was cut short (by SIGTERM: 4 of 5 submissions graded): the submissions it did \
         not grade would be missing; grade that part again"
    );
}

/// A JUnit report of a grade cut short carries an error saying so (as JSON's `cut_short` does):
/// a CI dashboard reading it shows that students are missing, instead of a clean run.
#[test]
fn a_junit_report_cut_short_has_an_error_that_says_so() {
    let mut report = crate::gate_support::report_of("counter", &["shuttle"], Vec::new());
    let whole = formats::junit(&report);
    assert!(!whole.contains("cut-short"), "{whole}");
    report.cut_short = Some("by SIGTERM: 2 of 5 submissions graded".to_owned());
    let junit = formats::junit(&report);
    let document = roxmltree::Document::parse(&junit).expect("JUnit parses");
    let error = document
        .descendants()
        .find(|node| node.has_tag_name("error"))
        .expect("an error element");
    assert_eq!(error.attribute("type"), Some("cut-short"));
    assert_eq!(
        error.attribute("message"),
        Some("by SIGTERM: 2 of 5 submissions graded")
    );
}
