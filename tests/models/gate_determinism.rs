//! Grades that depend on the submission and the seed only: the same class graded twice gives
//! the same JSON, byte for byte, apart from the fields the report's schema marks as timing; a
//! correct submission graded twenty times gets one verdict; and sharded four ways and merged,
//! the class gets the same report again.

use crate::gate_support::{timing_fields, without_timing};
use crate::support::{interleave, stderr};
use std::path::{Path, PathBuf};

const COPIES: usize = 20;
const SHARDS: u32 = 4;

fn scratch() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gate-determinism");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 scratch path")
}

/// A class as a course has one: twenty copies of a correct submission that keeps a `HashMap`
/// with a fixed hasher (the screen's suggestion), one that loses updates, one that reads the
/// clock (refused), and the builtins' reference.
fn class(dir: &Path) -> Vec<String> {
    let correct = include_str!("../gate/counter/fixed_hasher_tally.rs");
    let mut class: Vec<String> = (0..COPIES)
        .map(|i| {
            let file = dir.join(format!("student-{i:02}.rs"));
            std::fs::write(&file, correct).expect("a copy");
            text(&file).to_owned()
        })
        .collect();
    class.extend([
        "tests/gate/counter/lock_around_read.rs".to_owned(),
        "tests/hostile/counter/wall_clock.rs".to_owned(),
        "builtin:reference".to_owned(),
    ]);
    class
}

fn grade(class: &[String], out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["grade", "counter"];
    args.extend(class.iter().map(String::as_str));
    args.extend(["--format", "json", "--out", text(out)]);
    args.extend(extra);
    let output = interleave(&args);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    json(out)
}

fn json(file: &Path) -> serde_json::Value {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn bytes_without_timing(mut report: serde_json::Value) -> String {
    without_timing(&mut report);
    serde_json::to_string_pretty(&report).expect("JSON")
}

#[test]
fn the_schema_marks_only_the_elapsed_times_as_timing() {
    assert_eq!(timing_fields(), ["elapsed_ms"]);
}

#[test]
#[ignore = "grades a class of 23 submissions three times (minutes in a debug build): ci/gate.sh runs it"]
fn gate_a_class_graded_twice_and_sharded_gets_the_same_report_byte_for_byte() {
    let dir = scratch();
    let class = class(&dir);
    let first = grade(&class, &dir.join("first.json"), &[]);
    let statuses: Vec<&str> = first["submissions"]
        .as_array()
        .expect("submissions")
        .iter()
        .map(|s| s["status"].as_str().expect("a status"))
        .collect();
    let mut expected = vec!["pass"; COPIES];
    expected.extend(["fail", "rejected", "pass"]);
    assert_eq!(statuses, expected, "twenty copies, one verdict");

    let second = grade(&class, &dir.join("second.json"), &[]);
    let whole = bytes_without_timing(first);
    assert_eq!(whole, bytes_without_timing(second), "graded twice");

    let shards: Vec<PathBuf> = (1..=SHARDS)
        .map(|index| dir.join(format!("shard-{index}.json")))
        .collect();
    for (index, file) in (1..=SHARDS).zip(&shards) {
        let shard = format!("{index}/{SHARDS}");
        let mut args = vec!["grade", "counter"];
        args.extend(class.iter().map(String::as_str));
        args.extend(["--format", "json", "--out", text(file), "--shard", &shard]);
        interleave(&args);
    }
    let merged = dir.join("merged.json");
    let mut args = vec!["merge-reports"];
    args.extend(shards.iter().map(|file| text(file)));
    args.extend(["--format", "json", "--out", text(&merged)]);
    let output = interleave(&args);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let mut sorted: serde_json::Value = serde_json::from_str(&whole).expect("JSON");
    sorted["submissions"]
        .as_array_mut()
        .expect("submissions")
        .sort_by(|a, b| a["submission"].as_str().cmp(&b["submission"].as_str()));
    assert_eq!(
        bytes_without_timing(json(&merged)),
        bytes_without_timing(sorted),
        "sharded {SHARDS} ways and merged"
    );
}
