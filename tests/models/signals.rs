//! Stop signals, sent as `timeout` (SIGTERM) and Ctrl-C (SIGINT) send them: a long command stops
//! where it can and reports what it did, marked cut short, with exit code 130.

use crate::support::{stderr, stdout};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a command may take to stop and report after the signal.
const STOPS_WITHIN: Duration = Duration::from_secs(30);

/// Runs `interleave args`, sends it `signal` after `after`, and returns what it printed; it must
/// end within [`STOPS_WITHIN`] of the signal.
fn signalled(args: &[&str], signal: libc::c_int, after: Duration) -> Output {
    signalled_times(args, signal, after, 1)
}

/// [`signalled`], with the signal sent `times` times back to back (as GNU `timeout` sends
/// SIGTERM to the command and then to its process group).
fn signalled_times(args: &[&str], signal: libc::c_int, after: Duration, times: usize) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interleave"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::support::with_default_stop_signals(&mut command);
    let mut child = command.spawn().expect("the binary runs");
    std::thread::sleep(after);
    for _ in 0..times {
        // SAFETY: signalling our own child, which has not been reaped.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    }
    let deadline = Instant::now() + STOPS_WITHIN;
    while child.try_wait().expect("waitable").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("interleave {args:?} still runs {STOPS_WITHIN:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("its output")
}

/// [`signalled`] once the search has had time to finish an execution: on a machine too busy
/// for that within the first wait, once more with a longer one.
fn search_signalled(args: &[&str], signal: libc::c_int) -> Output {
    search_signalled_times(args, signal, 1)
}

/// [`search_signalled`], with the signal sent `times` times back to back.
fn search_signalled_times(args: &[&str], signal: libc::c_int, times: usize) -> Output {
    let mut output = signalled_times(args, signal, Duration::from_millis(400), times);
    if stderr(&output).contains("before any execution finished") {
        output = signalled_times(args, signal, Duration::from_secs(8), times);
    }
    output
}

#[test]
fn sigterm_and_sigint_cut_check_and_outcomes_short_with_what_was_explored_and_exit_130() {
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT")] {
        for command in ["check", "outcomes"] {
            let args = [command, "rlock/correct", "--executions", "100000000"];
            let output = search_signalled(&args, signal);
            let (text, err) = (stdout(&output), stderr(&output));
            let what = format!("{command} after {name}:\n{text}{err}");
            assert_eq!(output.status.code(), Some(130), "{what}");
            let verdict = text.lines().next().unwrap_or_default();
            assert!(
                verdict.contains(": HOLDS: no failure in ")
                    && verdict
                        .contains("cut short (interrupted or out of time): not the whole search"),
                "{what}"
            );
            assert!(text.contains("  outcome "), "the table: {what}");
            assert_eq!(err, "", "{what}");
        }
    }
}

#[test]
fn two_sigterms_at_once_as_timeout_sends_them_are_one_stop_with_its_report() {
    let args = ["check", "rlock/correct", "--executions", "100000000"];
    let output = search_signalled_times(&args, libc::SIGTERM, 2);
    let (text, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(130), "{text}{err}");
    assert!(
        text.contains("cut short (interrupted or out of time): not the whole search"),
        "{text}{err}"
    );
}

#[test]
fn sigterm_ends_the_tour_after_the_check_running_with_what_was_toured() {
    let output = signalled(&[], libc::SIGTERM, Duration::from_secs(2));
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(130), "{text}{}", stderr(&output));
    assert!(text.starts_with("interleave: the tutorial's concurrency lessons, explored"));
    let concepts = interleave::models::all().len();
    let last = text.lines().last().unwrap_or_default();
    let toured: usize = last
        .strip_prefix("cut short by SIGTERM: ")
        .and_then(|rest| rest.strip_suffix(&format!(" of {concepts} concepts toured in full")))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no cut-short line last: {text}"));
    assert!(toured < concepts, "{text}");
    assert!(!text.contains("UNEXPECTED"), "{text}");
    assert!(!text.contains("verdict(s) differ"), "{text}");
}

/// `grade` of a buggy and a correct counter: the reference takes thousands of executions, and
/// the signal comes before it is graded.
#[test]
fn sigterm_ends_grade_with_the_submissions_graded_so_far_and_exit_130() {
    let submissions = [
        "builtin:starter",
        "builtin:reference",
        "builtin:counter-race/locked",
    ];
    for format in ["text", "json"] {
        let mut args = vec!["grade", "counter"];
        args.extend(submissions);
        args.extend(["--format", format]);
        let started = Instant::now();
        let output = signalled(&args, libc::SIGTERM, Duration::from_secs(1));
        let (text, err) = (stdout(&output), stderr(&output));
        assert_eq!(output.status.code(), Some(130), "{text}{err}");
        let graded = if format == "json" {
            let report: interleave::gate::report::GateReport =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(
                report.summary.submissions as usize,
                report.submissions.len()
            );
            assert_eq!(
                report.cut_short,
                Some(format!(
                    "by SIGTERM: {} of {} submissions graded",
                    report.submissions.len(),
                    submissions.len()
                )),
                "the report says it is not the whole class"
            );
            report.submissions.len()
        } else {
            text.lines()
                .find_map(|line| line.strip_prefix("counter "))
                .and_then(|summary| summary.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no summary line: {text}"))
        };
        assert!(graded < submissions.len(), "{text}");
        let cut_short = format!(
            "cut short by SIGTERM: {graded} of {} submissions graded; the others were not",
            submissions.len()
        );
        let said = if format == "json" { &err } else { &text };
        assert_eq!(said.lines().last(), Some(cut_short.as_str()), "{said}");
        assert!(
            started.elapsed() < Duration::from_secs(1) + STOPS_WITHIN,
            "the child being graded was stopped"
        );
    }
}

/// The processes whose command line names `dir` (a cargo or rustc building in it), but this one.
fn processes_naming(dir: &std::path::Path) -> Vec<u32> {
    let needle = dir.to_str().expect("a UTF-8 path").as_bytes();
    let own = std::process::id();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != own)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|line| line.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// A cold harness build (a gate directory of its own, so cargo and rustc are running), and the
/// grader stopped by Ctrl-C, SIGTERM or SIGKILL: no cargo or rustc of that build is left.
#[test]
#[ignore = "starts three cold harness builds: ci/gate.sh runs it"]
fn gate_a_cold_build_dies_with_its_grader_by_sigint_sigterm_or_sigkill() {
    let base = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cold-build-signals");
    for (signal, name) in [
        (libc::SIGINT, "SIGINT"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGKILL, "SIGKILL"),
    ] {
        let gate = base.join(name);
        let _ = std::fs::remove_dir_all(&gate);
        let mut command = Command::new(env!("CARGO_BIN_EXE_interleave"));
        command
            .args(["grade", "counter", "tests/gate/counter/fetch_sub.rs"])
            .env("INTERLEAVE_GATE_DIR", &gate)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        crate::support::with_default_stop_signals(&mut command);
        let mut grader = command.spawn().expect("the binary runs");
        let deadline = Instant::now() + STOPS_WITHIN;
        while processes_naming(&gate).is_empty() {
            assert!(Instant::now() < deadline, "{name}: the build never started");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Into the build: cargo has started compiling.
        std::thread::sleep(Duration::from_secs(2));
        // SAFETY: signalling our own child, which has not been reaped.
        unsafe { libc::kill(grader.id() as libc::pid_t, signal) };
        let deadline = Instant::now() + STOPS_WITHIN;
        while grader.try_wait().expect("waitable").is_none() {
            assert!(Instant::now() < deadline, "{name}: the grader still runs");
            std::thread::sleep(Duration::from_millis(20));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut left = processes_naming(&gate);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            left = processes_naming(&gate);
        }
        let shown: Vec<String> = left
            .iter()
            .map(|pid| {
                let line = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                format!(
                    "{pid}: {}",
                    String::from_utf8_lossy(&line).replace('\0', " ")
                )
            })
            .collect();
        assert!(shown.is_empty(), "{name}: left running: {shown:#?}");
    }
}
