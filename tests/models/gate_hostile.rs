//! The gate against hostile submissions: the corpus under `tests/hostile/EXERCISE/`, each file's
//! first line naming the verdict it must get (`//! expect: rejected LINE`, `//! expect: timeout`
//! or `//! expect: fail PROPERTY FINDING`), graded through the command line as a course's CI
//! grades it; and the screen, which must let every honest submission of the project through.

use crate::support::{interleave, stderr, stdout};
use interleave::gate::harness::Submission;
use interleave::gate::report::{GateReport, Status};
use interleave::gate::screen::screen;
use std::path::{Path, PathBuf};

/// The wall-clock limit the corpus is graded with (a loop with no facade operation runs to it).
const TIMEOUT_SECONDS: &str = "10";

#[derive(Debug, PartialEq)]
enum Expect {
    Rejected { line: u32 },
    Timeout,
    Fail { property: String, finding: String },
}

fn expectation(path: &Path) -> Expect {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap_or_default();
    let words: Vec<&str> = first
        .strip_prefix("//! expect: ")
        .unwrap_or_else(|| panic!("{}: no `//! expect:` first line", path.display()))
        .split_whitespace()
        .collect();
    match words.as_slice() {
        ["rejected", line] => Expect::Rejected {
            line: line.parse().unwrap(),
        },
        ["timeout"] => Expect::Timeout,
        ["fail", property, finding] => Expect::Fail {
            property: (*property).to_owned(),
            finding: (*finding).to_owned(),
        },
        _ => panic!("{}: bad expect line {first:?}", path.display()),
    }
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

fn screened(path: &Path) -> Vec<(u32, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    screen(&[(path.display().to_string(), text)])
        .into_iter()
        .map(|breach| (breach.line, breach.rule))
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
    for file in rust_files(Path::new("tests/hostile/counter")) {
        let found = screened(&file);
        match expectation(&file) {
            Expect::Rejected { line } if !found.is_empty() => {
                assert_eq!(found[0].0, line, "{}: {found:?}", file.display());
                refused += 1;
            }
            // Refused by the compiler instead (a crate the harness lacks, a private module).
            Expect::Rejected { .. } => {}
            _ => assert_eq!(found, vec![], "{}", file.display()),
        }
    }
    assert!(refused >= 12, "the screen refused only {refused} files");
}

/// Harness binaries of `files` still running (`gate-counter-DIGEST`).
fn still_running(files: &[PathBuf]) -> Vec<String> {
    let names: Vec<String> = files
        .iter()
        .map(|file| {
            let submission = Submission::read(file.to_str().unwrap()).unwrap();
            format!("gate-counter-{}", submission.digest("counter"))
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
    let files = rust_files(Path::new("tests/hostile/counter"));
    assert!(files.len() >= 12, "a corpus of {} files", files.len());
    let mut words = vec!["grade", "counter"];
    words.extend(files.iter().map(|f| f.to_str().unwrap()));
    words.extend(["--format", "json", "--timeout", TIMEOUT_SECONDS]);
    let output = interleave(&words);
    let report: GateReport = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}): {}", stderr(&output)));
    // A rejection outranks a failure in the exit code.
    assert_eq!(output.status.code(), Some(3), "{}", stdout(&output));
    for (file, graded) in files.iter().zip(&report.submissions) {
        let name = file.display().to_string();
        assert_eq!(graded.submission, name);
        let failing: Vec<(&str, Status, Option<&str>)> = graded
            .properties
            .iter()
            .filter(|p| p.status != Status::Pass)
            .map(|p| (p.property.as_str(), p.status, p.finding.as_deref()))
            .collect();
        match expectation(file) {
            Expect::Rejected { line } => {
                assert_eq!(graded.status, Status::Rejected, "{name}: {graded:?}");
                let location = graded.location.as_ref().expect("a location");
                assert_eq!(
                    (location.file.as_str(), location.line),
                    (name.as_str(), line)
                );
            }
            Expect::Timeout => {
                assert_eq!(graded.status, Status::Timeout, "{name}: {graded:?}");
                let first = &graded.properties[0];
                let message = first.message.as_deref().unwrap_or_default();
                assert!(message.contains("wall-clock"), "{name}: {message}");
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
        if graded.status != Status::Rejected {
            assert!(
                graded.elapsed_ms < 60_000,
                "{name}: {} ms",
                graded.elapsed_ms
            );
        }
    }
    assert_eq!(report.submissions.len(), files.len());
    assert_eq!(still_running(&files), Vec::<String>::new());
}
