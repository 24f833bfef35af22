//! The gate against hostile submissions: the corpus under `tests/hostile/EXERCISE/` (files, and
//! folders with `src/lib.rs`), each one's first line naming the verdict it must get
//! (`//! expect: rejected [FILE:]LINE`, `//! expect: timeout` or
//! `//! expect: fail PROPERTY FINDING`), graded through the command line as a course's CI grades
//! it; and the screen, which must let every honest submission of the project through.
//!
//! A few submissions are slow by nature ([`SLOW`]: the watchdog's 20 s wait, builds that fail
//! only at a limit, and cargo does not keep a failed build, so they fail again on every run):
//! they are graded by an ignored test that `ci/gate.sh` runs; `cargo test` grades the rest, each
//! a fraction of a second once its harness is built.

use crate::support::{interleave, stderr, stdout};
use interleave::gate::harness::Submission;
use interleave::gate::report::{GateReport, Status, SubmissionReport};
use interleave::gate::screen::screen;
use std::path::{Path, PathBuf};

/// The wall-clock limit the corpus is graded with: past the child's watchdog (20 s without an
/// execution finished), which must be what stops a loop with no facade operation.
const TIMEOUT_SECONDS: &str = "60";

/// The submissions whose grading takes seconds whatever the machine (`EXERCISE/FILE`), graded
/// only by the slow test: a loop the watchdog stops after 20 s, a macro that doubles its tokens
/// until the build's memory limit (about 7 s), a constant evaluation that spins until the lint
/// stops it (about 4 s). Every other submission is graded in well under a second.
const SLOW: [&str; 3] = [
    "counter/busy_loop.rs",
    "counter/macro_bomb.rs",
    "counter/const_eval_loop.rs",
];

/// Whether `submission` (under `tests/hostile/`) is one of the [`SLOW`] ones.
fn is_slow(submission: &Path) -> bool {
    SLOW.iter()
        .any(|slow| submission.ends_with(Path::new(slow)))
}

#[derive(Debug, PartialEq)]
enum Expect {
    /// At `line` of the submission's file, or of `file` under a folder submission.
    /// At `line` of the submission's file, or of `file` under a folder submission; `line` 0
    /// (written `-`): with no line to point at.
    Rejected {
        file: Option<String>,
        line: u32,
    },
    Timeout,
    Fail {
        property: String,
        finding: String,
    },
}

/// A submission's first file: itself, or its folder's `src/lib.rs`.
fn first_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("src/lib.rs")
    } else {
        path.to_path_buf()
    }
}

fn expectation(path: &Path) -> Expect {
    let text = std::fs::read_to_string(first_file(path)).unwrap();
    let first = text.lines().next().unwrap_or_default();
    let words: Vec<&str> = first
        .strip_prefix("//! expect: ")
        .unwrap_or_else(|| panic!("{}: no `//! expect:` first line", path.display()))
        .split_whitespace()
        .collect();
    match words.as_slice() {
        ["rejected", place] => match place.rsplit_once(':') {
            Some((file, line)) => Expect::Rejected {
                file: Some(file.to_owned()),
                line: line.parse().unwrap(),
            },
            None if *place == "-" => Expect::Rejected {
                file: None,
                line: 0,
            },
            None => Expect::Rejected {
                file: None,
                line: place.parse().unwrap(),
            },
        },
        ["timeout"] => Expect::Timeout,
        ["fail", property, finding] => Expect::Fail {
            property: (*property).to_owned(),
            finding: (*finding).to_owned(),
        },
        _ => panic!("{}: bad expect line {first:?}", path.display()),
    }
}

/// What the verdict's message must say, from a `//! says: WORDS` line, if the submission has one.
fn says(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(first_file(path)).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("//! says: "))
        .map(str::to_owned)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// The hostile corpus: each exercise's folder, and its submissions (files and folders), sorted.
fn hostile_corpus() -> Vec<(String, Vec<PathBuf>)> {
    let mut corpus = Vec::new();
    for exercise in std::fs::read_dir("tests/hostile").unwrap() {
        let dir = exercise.unwrap().path();
        let mut submissions: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "rs"))
            .collect();
        submissions.sort();
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        corpus.push((name, submissions));
    }
    corpus.sort();
    corpus
}

/// The screen's breaches in a submission (every `.rs` file of a folder's `src/`), with the file
/// each is in relative to the submission.
fn screened(path: &Path) -> Vec<(Option<String>, u32, String)> {
    let files: Vec<(String, String)> = if path.is_dir() {
        rust_files(&path.join("src"))
            .into_iter()
            .map(|file| {
                let relative = file.strip_prefix(path).unwrap().display().to_string();
                (relative, std::fs::read_to_string(&file).unwrap())
            })
            .collect()
    } else {
        vec![(String::new(), std::fs::read_to_string(path).unwrap())]
    };
    screen(&files)
        .into_iter()
        .map(|breach| {
            let file = (!breach.file.is_empty()).then_some(breach.file);
            (file, breach.line, breach.rule)
        })
        .collect()
}

#[test]
fn every_honest_submission_of_the_project_passes_the_screen() {
    let mut checked = 0;
    for exercise in std::fs::read_dir("tests/gate").unwrap() {
        for file in rust_files(&exercise.unwrap().path()) {
            assert_eq!(screened(&file), vec![], "{}", file.display());
            checked += 1;
        }
    }
    for exercise in std::fs::read_dir("src/gate/exercises").unwrap() {
        let dir = exercise.unwrap().path();
        if dir.is_dir() {
            for name in ["starter.rs", "reference.rs"] {
                assert_eq!(screened(&dir.join(name)), vec![], "{}", dir.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 47, "only {checked} files screened");
}

/// The hostile corpus the screen itself refuses: refused at the expected line, in process.
#[test]
fn the_screen_refuses_the_hostile_corpus_at_the_offending_line() {
    let mut refused = 0;
    for (_, submissions) in hostile_corpus() {
        for submission in submissions {
            let found = screened(&submission);
            let shown = submission.display();
            match expectation(&submission) {
                Expect::Rejected { file, line } if !found.is_empty() => {
                    assert_eq!(
                        (&found[0].0, found[0].1),
                        (&file, line),
                        "{shown}: {found:?}"
                    );
                    refused += 1;
                }
                // Refused by the compiler instead (a crate the harness lacks, a private module).
                Expect::Rejected { .. } => {}
                _ => assert_eq!(found, vec![], "{shown}"),
            }
        }
    }
    assert!(
        refused >= 12,
        "the screen refused only {refused} submissions"
    );
}

/// Harness binaries of `submissions` of `exercise` still running (`gate-EXERCISE-DIGEST`).
fn still_running(exercise: &str, submissions: &[PathBuf]) -> Vec<String> {
    let names: Vec<String> = submissions
        .iter()
        .map(|path| {
            let submission = Submission::read(path.to_str().unwrap()).unwrap();
            format!("gate-{exercise}-{}", submission.digest(exercise))
        })
        .collect();
    let mut running = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(command) = std::fs::read(entry.path().join("cmdline")) {
            let command = String::from_utf8_lossy(&command).into_owned();
            if names.iter().any(|name| command.contains(name.as_str())) {
                running.push(command);
            }
        }
    }
    running
}

#[test]
fn the_hostile_corpus_gets_its_verdicts_and_leaves_no_process_behind() {
    let corpus = hostile_corpus();
    let total: usize = corpus
        .iter()
        .map(|(_, submissions)| submissions.len())
        .sum();
    assert!(total >= 12, "a corpus of {total} submissions");
    for slow in SLOW {
        assert!(
            Path::new("tests/hostile").join(slow).is_file(),
            "{slow} is not in the hostile corpus"
        );
    }
    for (exercise, submissions) in &corpus {
        let quick: Vec<PathBuf> = submissions
            .iter()
            .filter(|s| !is_slow(s))
            .cloned()
            .collect();
        grade_and_check(exercise, &quick);
    }
}

/// The [`SLOW`] submissions, graded as the rest are.
#[test]
#[ignore = "slow: ci/gate.sh runs it (cargo test --test models -- --ignored gate_)"]
fn the_slow_hostile_submissions_get_their_verdicts_and_leave_no_process_behind() {
    for (exercise, submissions) in &hostile_corpus() {
        let slow: Vec<PathBuf> = submissions.iter().filter(|s| is_slow(s)).cloned().collect();
        if !slow.is_empty() {
            grade_and_check(exercise, &slow);
        }
    }
}

/// Grades `submissions` of `exercise` in one run of the command line, as a course's CI does, and
/// checks each one's verdict, and that no harness of theirs is left running.
fn grade_and_check(exercise: &str, submissions: &[PathBuf]) {
    let mut words = vec!["grade", exercise];
    words.extend(submissions.iter().map(|f| f.to_str().unwrap()));
    words.extend(["--format", "json", "--timeout", TIMEOUT_SECONDS]);
    let output = interleave(&words);
    let report: GateReport = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}): {}", stderr(&output)));
    // Every part of the hostile corpus graded together has a rejection, which outranks a failure
    // in the exit code.
    assert_eq!(output.status.code(), Some(3), "{}", stdout(&output));
    assert_eq!(report.submissions.len(), submissions.len());
    for (path, graded) in submissions.iter().zip(&report.submissions) {
        check_verdict(path, graded);
    }
    assert_eq!(still_running(exercise, submissions), Vec::<String>::new());
}

fn check_verdict(path: &Path, graded: &SubmissionReport) {
    let name = path.display().to_string();
    assert_eq!(graded.submission, name);
    let failing: Vec<(&str, Status, Option<&str>)> = graded
        .properties
        .iter()
        .filter(|p| p.status != Status::Pass)
        .map(|p| (p.property.as_str(), p.status, p.finding.as_deref()))
        .collect();
    match expectation(path) {
        Expect::Rejected { file, line } => {
            assert_eq!(graded.status, Status::Rejected, "{name}: {graded:?}");
            if line == 0 {
                assert_eq!(graded.location, None, "{name}");
                return check_says(path, graded);
            }
            let location = graded.location.as_ref().expect("a location");
            let file = match file {
                Some(file) => format!("{name}/{file}"),
                None => name.clone(),
            };
            assert_eq!(
                (location.file.as_str(), location.line),
                (file.as_str(), line)
            );
        }
        Expect::Timeout => {
            assert_eq!(graded.status, Status::Timeout, "{name}: {graded:?}");
        }
        Expect::Fail { property, finding } => {
            assert_eq!(graded.status, Status::Fail, "{name}: {graded:?}");
            assert!(
                failing.iter().any(|(p, s, f)| *p == property
                    && *s == Status::Fail
                    && *f == Some(finding.as_str())),
                "{name}: expected {property} to fail with {finding}, got {failing:?}"
            );
        }
    }
    check_says(path, graded);
}

fn check_says(path: &Path, graded: &SubmissionReport) {
    let name = path.display();
    if let Some(words) = says(path) {
        let message = match graded.status {
            Status::Rejected => graded.message.clone(),
            _ => graded
                .properties
                .iter()
                .find(|p| p.status != Status::Pass)
                .and_then(|p| p.message.clone()),
        };
        let message = message.unwrap_or_default();
        assert!(
            message.contains(&words),
            "{name}: {message:?} lacks {words:?}"
        );
    }
}
