//! The gate's command line, run as a user runs it: exercises, starter, grade, its formats and
//! exit codes (0 pass, 1 fail, 2 usage, 3 rejected, 4 grader error).

use crate::gate_support::without_timing;
use crate::support::{interleave, report_schema_errors, stderr, stdout};
use interleave::gate::formats;
use interleave::gate::report::{
    Counterexample, GateReport, PropertyResult, SCHEMA, Status, Step, SubmissionReport, Summary,
};
use std::path::PathBuf;
use std::process::Output;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("gate-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn json_report(output: &Output) -> GateReport {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}): {}", stdout(output)))
}

#[test]
fn exercises_lists_each_exercise_with_its_statement() {
    let output = interleave(&["exercises"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for exercise in interleave::gate::exercises() {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(exercise.name))
            .unwrap_or_else(|| panic!("{} missing: {text}", exercise.name));
        assert!(line.contains(exercise.statement), "{line}");
    }
}

#[test]
fn every_starter_compiles_in_the_harness_and_fails_unchanged() {
    for exercise in interleave::gate::exercises() {
        let dir = scratch(&format!("starter-{}", exercise.name));
        let dir_text = dir.to_str().unwrap();
        let output = interleave(&["starter", exercise.name, dir_text]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(dir.join("README.md").is_file());
        let again = interleave(&["starter", exercise.name, dir_text]);
        assert_eq!(again.status.code(), Some(2), "starter must not overwrite");
        assert!(
            stderr(&again).contains("exists already"),
            "{}",
            stderr(&again)
        );
        // The starter's folder is graded as its one file, which the timeline names.
        let file = dir.join("submission.rs");
        let graded = interleave(&["grade", exercise.name, dir_text, "--format", "json"]);
        assert_eq!(
            graded.status.code(),
            Some(1),
            "{}: {}{}",
            exercise.name,
            stdout(&graded),
            stderr(&graded)
        );
        let report = json_report(&graded);
        let starter = exercise.builtin("starter").expect("a starter");
        let failed = report.submissions[0]
            .properties
            .iter()
            .find(|p| Some(p.property.as_str()) == starter.fails)
            .expect("the starter's property is reported");
        assert_eq!(failed.status, Status::Fail, "{failed:?}");
        let example = failed.counterexample.as_ref().expect("a counterexample");
        let file_text = file.to_str().unwrap();
        assert!(
            example
                .timeline
                .iter()
                .any(|s| s.location.as_ref().is_some_and(|l| l.file == file_text)),
            "the timeline points at the student's file: {:?}",
            example.timeline
        );
        // The replay command in the report re-runs exactly that execution.
        let replayed = interleave(&[
            "grade",
            exercise.name,
            file_text,
            "--property",
            &failed.property,
            "--replay",
            &example.replay,
        ]);
        assert_eq!(replayed.status.code(), Some(1), "{}", stderr(&replayed));
        assert!(
            stdout(&replayed).contains(&example.replay),
            "{}",
            stdout(&replayed)
        );
    }
}

#[test]
fn json_validates_against_the_documented_schema_and_grades_are_repeatable() {
    // One property: the report's shape is the same for any number of them, and the suite stays
    // quick. A file that is no Rust source: a submission rejected at once, without a compile.
    let dir = scratch("schema");
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "my answer is in the other file\n").unwrap();
    let notes_text = notes.to_str().unwrap();
    let args = [
        "grade",
        "counter",
        "builtin:starter",
        "builtin:reference",
        notes_text,
        "--property",
        "no-lost-update",
        "--format",
        "json",
    ];
    let first = interleave(&args);
    assert_eq!(
        first.status.code(),
        Some(3),
        "a rejected submission decides the exit code"
    );
    let value: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let errors = report_schema_errors(&value);
    assert!(errors.is_empty(), "{errors:?}");
    let report = json_report(&first);
    assert_eq!(report.schema, SCHEMA);
    let statuses: Vec<Status> = report.submissions.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Status::Fail, Status::Pass, Status::Rejected]);
    assert_eq!(
        report.summary,
        Summary {
            submissions: 3,
            pass: 1,
            not_checked: 0,
            unfinished: 0,
            fail: 1,
            timeout: 0,
            rejected: 1,
            error: 0
        }
    );
    // The same grade again: the same bytes, once the fields the schema marks as timing are set
    // to 0 (the counterexample's text says nothing of time).
    let second = interleave(&args);
    let mut first_json = value;
    let mut second_json: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    without_timing(&mut first_json);
    without_timing(&mut second_json);
    assert_eq!(
        serde_json::to_string(&first_json).unwrap(),
        serde_json::to_string(&second_json).unwrap()
    );
}

#[test]
fn junit_has_one_testcase_per_property() {
    let output = interleave(&["grade", "counter", "builtin:starter", "--format", "junit"]);
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout(&output);
    let document = roxmltree::Document::parse(&xml).expect("JUnit output is XML");
    let cases: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let properties = interleave::gate::find_exercise("counter")
        .unwrap()
        .properties();
    assert_eq!(cases.len(), properties.len());
    let failures = document
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    // The starter loses updates: no-lost-update fails, and value-is-the-count with it.
    assert_eq!(failures, 2, "{xml}");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        vec!["grade", "nope", "x.rs"],
        vec!["grade", "counter"],
        vec!["grade", "counter", "x.rs", "--format", "yaml"],
        vec!["grade", "counter", "x.rs", "--seed", "-1"],
        vec!["grade", "counter", "x.rs", "--timeout", "0"],
        vec!["grade", "counter", "x.rs", "--property", "nope"],
        vec!["grade", "counter", "a.rs", "b.rs", "--format", "gradescope"],
        vec!["grade", "counter", "x.rs", "--bogus", "1"],
        vec![
            "grade", "counter", "x.rs", "--replay", "T", "--format", "json",
        ],
        vec![
            "grade", "counter", "x.rs", "--replay", "T", "--out", "r.txt",
        ],
        vec!["starter", "nope"],
    ] {
        let output = interleave(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(
            stderr(&output).lines().count(),
            1,
            "{args:?}: {}",
            stderr(&output)
        );
    }
    if !cfg!(loom) {
        let output = interleave(&["grade", "counter", "x.rs", "--backend", "loom"]);
        assert_eq!(output.status.code(), Some(2));
    }
}

#[test]
fn usage_errors_say_what_was_wrong_and_what_was_meant() {
    for (args, says) in [
        (
            &["grade", "countr", "x.rs"][..],
            "unknown exercise \"countr\"; did you mean counter?",
        ),
        (&["grade", "counter"], "grade needs <PATH>..."),
        (
            &["grade", "counter", "x.rs", "--format", "yaml"],
            "unknown format \"yaml\": --format takes text, json, junit, github or gradescope",
        ),
        (
            &["grade", "counter", "x.rs", "--backend", "bothh"],
            "unknown backend \"bothh\": --backend takes shuttle, loom or both; did you mean both?",
        ),
        (
            &["grade", "counter", "x.rs", "--timeout", "0"],
            "--timeout \"0\" is not a whole number",
        ),
        (
            &["grade", "counter", "x.rs", "--out"],
            "--out needs a value",
        ),
        (&["merge-reports"], "merge-reports needs <REPORT.json>..."),
        (&["starter"], "starter needs <EXERCISE>"),
    ] {
        let output = interleave(args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(says),
            "{args:?}: {err}"
        );
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
}

#[test]
fn grade_help_shows_its_flags_examples_and_exit_codes() {
    for args in [&["grade", "--help"][..], &["help", "grade"]] {
        let output = interleave(args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = stdout(&output);
        for said in [
            "Usage: interleave grade [OPTIONS] <EXERCISE> <PATH>...",
            "--shard <K/N>",
            "gradescope",
            "Examples:",
            "interleave grade rlock my-rlock/submission.rs",
            "4 the grader itself failed",
        ] {
            assert!(text.contains(said), "{said:?} not in\n{text}");
        }
    }
    let merge = interleave(&["merge-reports", "--help"]);
    assert_eq!(merge.status.code(), Some(0));
    assert!(stdout(&merge).contains("interleave merge-reports shard-*.json"));
}

#[test]
fn a_submission_that_does_not_compile_is_rejected_with_its_line() {
    let dir = scratch("rejected");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.rs");
    std::fs::write(&file, "pub type Submission<R> = NoSuchType<R>;\n").unwrap();
    let output = interleave(&[
        "grade",
        "counter",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let report = json_report(&output);
    let submission = &report.submissions[0];
    assert_eq!(submission.status, Status::Rejected);
    assert!(
        submission
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("did not compile")
    );
    let location = submission.location.as_ref().expect("the error's line");
    assert_eq!(
        (location.file.as_str(), location.line),
        (file.to_str().unwrap(), 1)
    );
}

fn failing(property: usize, message: &str) -> PropertyResult {
    PropertyResult {
        property: format!("property-{property}"),
        statement: "holds".to_owned(),
        backend: "shuttle".to_owned(),
        status: Status::Fail,
        finding: Some("violation".to_owned()),
        message: Some(message.to_owned()),
        coverage: None,
        counterexample: Some(Counterexample {
            execution: 1,
            timeline: vec![Step {
                step: 1,
                thread: "Thread-1".to_owned(),
                action: "read n = 1".to_owned(),
                location: Some(interleave::gate::report::Location {
                    file: "student/lock.rs".to_owned(),
                    line: 7,
                }),
            }],
            text: "the text".to_owned(),
            replay: "token".to_owned(),
            replay_command: "interleave grade x student/lock.rs --replay token".to_owned(),
        }),
        elapsed_ms: 0,
    }
}

#[test]
fn github_annotations_are_at_most_ten_and_student_text_cannot_issue_commands() {
    let hostile = "oops\n::error file=x.rs,line=1::PASS\n::set-output name=grade::100";
    let submissions = vec![SubmissionReport {
        submission: "student/lock.rs".to_owned(),
        status: Status::Fail,
        message: None,
        location: None,
        properties: (0..15).map(|i| failing(i, hostile)).collect(),
        output: Some("::error::fake\n::add-mask::x".to_owned()),
        elapsed_ms: 0,
    }];
    let report = crate::gate_support::report_of("counter", &["shuttle"], submissions);
    let out = formats::github(&report);
    let lines: Vec<&str> = out.lines().collect();
    let stop = lines[0]
        .strip_prefix("::stop-commands::")
        .expect("commands stopped first");
    assert!(stop.len() >= 32, "an unguessable token");
    let resume = lines
        .iter()
        .position(|l| *l == format!("::{stop}::"))
        .expect("commands resumed");
    let (notice, after) = lines[resume + 1..]
        .split_last()
        .expect("lines after the report");
    assert_eq!(
        *notice,
        "::notice title=interleave::5 more annotations left off (GitHub shows few): every \
         submission is in the report above",
        "the cap says what it left off"
    );
    let annotations: Vec<&&str> = after.iter().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), formats::MAX_ANNOTATIONS);
    assert_eq!(
        after.len(),
        annotations.len(),
        "nothing else after the annotations"
    );
    for annotation in annotations {
        assert!(
            annotation.starts_with("::error file=student/lock.rs,line=7,title="),
            "{annotation}"
        );
        assert!(!annotation.contains('\n'));
        let message = annotation.splitn(3, "::").nth(2).expect("a message");
        // Escaped onto one line; and its second line, were it printed, no command either.
        assert!(
            message.starts_with("oops%0A\\u{3a}:error"),
            "escaped onto one line: {message}"
        );
    }
}

/// The binary run as [`interleave`] runs it, but with stdout to `stdout` and without waiting for
/// the shared harness library: for a run that must end before any submission is built.
fn interleave_to(args: &[&str], stdout: std::process::Stdio) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("the binary runs")
}

fn interleave_alone(args: &[&str]) -> Output {
    interleave_to(args, std::process::Stdio::piped())
}

fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn a_fifo_inside_a_submission_folder_rejects_it_by_name_without_a_hang() {
    let dir = scratch("fifo-folder");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub type Submission<R> = NoSuchType<R>;\n",
    )
    .unwrap();
    let fifo = dir.join("src/pipe.rs");
    mkfifo(&fifo);
    let started = std::time::Instant::now();
    let output = interleave_alone(&[
        "grade",
        "counter",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let report = json_report(&output);
    let submission = &report.submissions[0];
    assert_eq!(submission.status, Status::Rejected);
    let message = submission.message.as_deref().unwrap_or_default();
    assert!(
        message.contains(fifo.to_str().unwrap()) && message.contains("not a regular file"),
        "{message}"
    );
}

/// Exit 2, nothing graded (nothing on stdout), and one `error:` line on stderr that says `says`.
fn assert_refused_before_grading(output: &Output, says: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("error: ") && err.contains(says),
        "{says:?} not in {err}"
    );
    assert!(
        stdout(output).is_empty(),
        "nothing graded: {}",
        stdout(output)
    );
}
#[test]
fn a_path_that_does_not_exist_is_a_usage_error_not_a_rejection() {
    let dir = scratch("missing");
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("nope.rs");
    let missing_text = missing.to_str().unwrap();
    // Even beside a real submission: nothing is graded.
    let output = interleave_alone(&["grade", "counter", "builtin:starter", missing_text]);
    assert_refused_before_grading(&output, missing_text);
    assert!(!stderr(&output).contains("glob"), "{}", stderr(&output));

    // A shell glob that matched nothing arrives as written.
    let glob = format!("{}/submissions/counter/*", dir.display());
    let output = interleave_alone(&["grade", "counter", &glob]);
    assert_refused_before_grading(&output, &glob);
    assert!(stderr(&output).contains("glob"), "{}", stderr(&output));

    let output = interleave_alone(&["grade", "counter", "builtin:nope"]);
    assert_refused_before_grading(&output, "no builtin implementation \"nope\"");
    assert!(stderr(&output).contains("reference"), "names the builtins");
    let output = interleave_alone(&["grade", "counter", "builtin:referenc"]);
    assert_refused_before_grading(&output, "did you mean builtin:reference?");
}
#[test]
fn a_fifo_given_as_a_path_is_refused_without_being_opened() {
    let dir = scratch("fifo-path");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("submission.rs");
    mkfifo(&fifo);
    let started = std::time::Instant::now();
    let output = interleave_alone(&["grade", "counter", fifo.to_str().unwrap()]);
    assert_refused_before_grading(&output, "FIFO");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn an_out_that_cannot_be_written_is_refused_before_grading() {
    let dir = scratch("out");
    std::fs::create_dir_all(&dir).unwrap();
    let folder = dir.to_str().unwrap();
    let output = interleave_alone(&["grade", "counter", "builtin:starter", "--out", folder]);
    assert_refused_before_grading(&output, "is a folder");
    let under_missing = dir.join("no-such-folder/report.json");
    let output = interleave_alone(&[
        "grade",
        "counter",
        "builtin:starter",
        "--out",
        under_missing.to_str().unwrap(),
    ]);
    assert_refused_before_grading(&output, "does not exist");
}

#[test]
fn a_report_that_cannot_be_written_is_the_graders_error() {
    let full = std::fs::File::create("/dev/full").expect("/dev/full");
    let output = interleave_to(
        &[
            "grade",
            "counter",
            "builtin:counter-race/unlocked",
            "--property",
            "no-lost-update",
        ],
        full.into(),
    );
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(interleave::exit::ExitCode::GraderError.code()),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: cannot write the report"), "{err}");
    // Standard output closed (`>&-`): refused at once, as the grader's error too.
    let closed = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} grade counter builtin:starter >&-",
            env!("CARGO_BIN_EXE_interleave")
        ))
        .output()
        .expect("sh runs");
    let err = stderr(&closed);
    assert_eq!(
        closed.status.code(),
        Some(interleave::exit::ExitCode::GraderError.code()),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn prepare_builds_the_harness_ahead_and_refuses_an_unknown_exercise() {
    crate::support::prepared_harness();
    let output = interleave(&["prepare", "counter"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let work = interleave::gate::harness::default_work();
    assert!(
        text.starts_with(&format!(
            "prepared the gate's harness for counter under shuttle in {}",
            work.display()
        )),
        "{text}"
    );
    assert!(
        work.join("crates").read_dir().unwrap().any(|crate_dir| {
            let manifest = crate_dir.unwrap().path().join("src/submission.rs");
            std::fs::read_to_string(manifest).is_ok_and(|text| {
                text == interleave::gate::find_exercise("counter").unwrap().starter
            })
        }),
        "the starter's harness crate is in {}",
        work.display()
    );
    let unknown = interleave(&["prepare", "countr"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        stderr(&unknown),
        "error: unknown exercise \"countr\"; did you mean counter?\n"
    );
}

/// From any folder, a grade under loom with a binary built without it names the loom binary
/// beside interleave's source, and the command that builds it when it is not there yet.
#[cfg(not(loom))]
#[test]
fn the_loom_hint_names_the_loom_binary_by_its_full_path() {
    for args in [
        &["grade", "counter", "builtin:reference", "--backend", "loom"][..],
        &["prepare", "counter", "--backend", "loom"],
        &["check", "counter-race/unlocked", "--backend", "loom"],
        &["outcomes", "counter-race/unlocked", "--backend", "loom"],
        &["replay", "counter-race/unlocked", "loom.55edf2.3.3.4"],
    ] {
        the_loom_hint_for(args);
    }
}

#[cfg(not(loom))]
fn the_loom_hint_for(args: &[&str]) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    let source = env!("CARGO_MANIFEST_DIR");
    let binary = format!("{source}/target/loom/release/interleave");
    let run = format!("run the same command with {binary}\n");
    let text = stderr(&output);
    assert!(
        text.starts_with("error: this binary was built without loom; "),
        "{text}"
    );
    assert!(text.ends_with(&run), "{text}");
    if !std::path::Path::new(&binary).is_file() {
        assert!(
            text.contains(&format!(
                "(cd {source} && RUSTFLAGS=\"--cfg loom\" cargo build --release --target-dir target/loom)"
            )),
            "{text}"
        );
    }
}

/// A submission given twice would be two entries of one student in the class's report (which a
/// merge of shards refuses): refused before grading, in one line.
#[test]
fn a_path_given_twice_is_refused_before_grading() {
    let output = interleave(&[
        "grade",
        "counter",
        "builtin:starter",
        "Cargo.toml",
        "Cargo.toml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: Cargo.toml is given twice; give each submission once\n"
    );
    assert_eq!(stdout(&output), "");
}

/// A folder submission is mounted by its `lib.rs`, whatever its other files are called: a
/// module whose name sorts before `lib` (`helper.rs`) is one of its modules, not its root.
#[test]
fn a_folder_submission_is_mounted_by_its_lib_rs_whatever_its_modules_are_called() {
    let dir = scratch("helper-before-lib");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "mod helper;\n\npub type Submission<R> = helper::LockedCounter<R>;\n",
    )
    .unwrap();
    let reference = include_str!("../../src/gate/exercises/counter/reference.rs")
        .replace("pub type Submission<R> = LockedCounter<R>;", "");
    std::fs::write(dir.join("src/helper.rs"), reference).unwrap();
    let output = interleave(&[
        "grade",
        "counter",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = json_report(&output);
    let submission = &report.submissions[0];
    assert_eq!(
        (output.status.code(), submission.status),
        (Some(0), Status::Pass),
        "{:?}",
        submission.message
    );
}

/// A refusal by the compiler points at the first error, not at a warning before it; a missing
/// plug is told as the gate's plug, not as a `src/main.rs` the student does not have.
#[test]
fn a_compile_refusal_points_at_the_first_error_and_names_the_plug_without_a_path() {
    let dir = scratch("first-error");
    std::fs::create_dir_all(&dir).unwrap();
    let wrong_type = dir.join("wrong_type.rs");
    std::fs::write(
        &wrong_type,
        "use interleave::runtime::Runtime;\nuse std::collections::VecDeque;\n\n\
         pub struct NotACounter<R: Runtime>(std::marker::PhantomData<R>);\n\
         pub type Submission<R> = NotACounter<R>;\n",
    )
    .unwrap();
    let no_plug = dir.join("no_plug.rs");
    std::fs::write(&no_plug, "pub struct Nothing;\n").unwrap();
    let output = interleave(&[
        "grade",
        "counter",
        wrong_type.to_str().unwrap(),
        no_plug.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = json_report(&output);
    let wrong = &report.submissions[0];
    assert_eq!(wrong.status, Status::Rejected);
    // The type lacks the trait, which the compiler says at the plug: no line of the student's
    // file is the failure, the unused import's warning (line 2) least of all.
    assert_eq!(wrong.location, None, "{:?}", wrong.message);
    let plug = &report.submissions[1];
    let message = plug.message.as_deref().unwrap_or_default();
    assert!(message.contains("in the gate's plug: "), "{message}");
    assert!(!message.contains("src/main.rs"), "{message}");
}
