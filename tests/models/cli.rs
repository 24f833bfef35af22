//! The command line's contract: exit codes 0 / 1 / 2, one-line errors, replay commands that work,
//! help with examples, suggestions, completions, and the README's exit-code tables.

use crate::support::{interleave, stderr, stdout};
use interleave::exit::ExitCode;
use std::process::{Command, Output};

#[test]
fn list_prints_every_variant_id() {
    let output = interleave(&["list"]);
    assert_eq!(output.status.code(), Some(0));
    for id in interleave::models::ids() {
        assert!(stdout(&output).contains(id), "{id} missing from list");
    }
}

#[test]
fn check_of_a_race_exits_1_with_a_timeline_and_a_replay_command_that_reproduces_it() {
    let output = interleave(&["check", "counter-race/unlocked", "--threads", "20"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("VIOLATED"), "{text}");
    assert!(text.contains("lost update:"), "{text}");
    let replay = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: "))
        .expect("a replay line");
    let args: Vec<&str> = replay
        .split_whitespace()
        .skip_while(|w| *w != "--")
        .skip(1)
        .collect();
    assert_eq!(args[..2], ["replay", "counter-race/unlocked"]);
    let replayed = interleave(&args);
    assert_eq!(replayed.status.code(), Some(1));
    let final_value = |text: &str| {
        text.lines()
            .find(|l| l.contains("forbidden outcome"))
            .map(str::to_owned)
    };
    let (first, again) = (
        final_value(&text).unwrap(),
        final_value(&stdout(&replayed)).unwrap(),
    );
    assert_eq!(first.split(" (").next(), again.split(" (").next());
}

/// One execution, one number: the verdict's count, the failure's "execution N" and the token's
/// last field agree, and the token's replay prints the same lines (but for its time and what it
/// replays) and the same outcome table. Three jobs, so that the number is not a job's own.
#[test]
fn a_replay_prints_the_execution_and_the_counts_its_check_printed() {
    let check = [
        "check",
        "counter-race/unlocked",
        "--threads",
        "3",
        "--jobs",
        "3",
    ];
    let output = interleave(&check);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let token = text
        .split_whitespace()
        .find(|w| w.starts_with("shuttle."))
        .expect("a token");
    let fields: Vec<&str> = token.split('.').collect();
    assert_eq!(fields[3..6], ["portfolio", "508889950", "3"], "{token}");
    let execution = fields[6];
    assert!(execution.parse::<usize>().unwrap() > 3, "{text}");
    let (headline, rest) = text.split_once('\n').unwrap();
    assert!(
        headline.contains(&format!("VIOLATED after {execution} executions in ")),
        "{headline}"
    );
    assert!(
        rest.contains(&format!("(execution {execution})\n")),
        "{rest}"
    );

    let replayed = interleave(&["replay", "counter-race/unlocked", token]);
    assert_eq!(replayed.status.code(), Some(1));
    let again = stdout(&replayed);
    let (replay_headline, replay_rest) = again.split_once('\n').unwrap();
    assert_eq!(
        replay_rest, rest,
        "the failure, its timeline, token and outcome table"
    );
    let (verdict, bounds) = headline.split_once(" in ").unwrap();
    let (_, bounds) = bounds.split_once(" (").unwrap();
    assert_eq!(
        replay_headline.split_once(" in ").unwrap().0,
        verdict,
        "{replay_headline}"
    );
    assert!(
        replay_headline.ends_with(&format!("(replay of execution {execution}: {bounds}")),
        "{replay_headline}"
    );
}

/// A token no check could have printed is refused in one line before anything runs. The budget
/// a seeded execution is beyond is the model's, named in the refusal: no search ran to find it.
#[test]
fn tokens_past_any_budget_are_refused_before_anything_runs() {
    let id = "counter-race/unlocked";
    // A schedule header claiming 2,000,000 steps, then runs of 255 zero bytes.
    let schedule = |runs: usize| format!("shuttle.55edf2.3.kQGAiXoA{}", "__8A".repeat(runs));
    let (expands_far, claims_many) = (schedule(30_000), schedule(100));
    let cases = [
        (
            "shuttle.55edf2.3.portfolio.508889950.2.18446744073709551615",
            "execution 18446744073709551615 is beyond the 2000 executions a check of \
             counter-race/unlocked runs, and a replay runs no more; to replay a token from a \
             longer run, set INTERLEAVE_EXECUTIONS=18446744073709551615",
        ),
        (
            "shuttle.55edf2.3.portfolio.508889950.1000000",
            "execution 1000000 is beyond the 2000 executions",
        ),
        (
            "shuttle.55edf2.3.portfolio.508889950.0.3",
            "0 jobs is outside 1..=1024",
        ),
        (
            expands_far.as_str(),
            "the shuttle schedule is longer than any execution within the step limit (100000 steps)",
        ),
        (
            claims_many.as_str(),
            "the shuttle schedule has 2000000 steps, more than any execution within the step limit",
        ),
        (
            "loom.55edf2.3.3.18446744073709551615",
            "execution 18446744073709551615 is beyond the 10000000 executions a loom replay may run",
        ),
    ];
    for (token, message) in cases {
        assert_one_line_error(&interleave(&["replay", id, token]), 2, message);
    }
    let os = std::ffi::OsStr::new;
    let within_five = interleave_with(
        &[
            os("replay"),
            os(id),
            os("shuttle.55edf2.3.portfolio.508889950.2.6"),
        ],
        &[("INTERLEAVE_EXECUTIONS", "5")],
        std::process::Stdio::piped(),
    );
    assert_one_line_error(&within_five, 2, "execution 6 is beyond the 5 executions");
}

#[test]
fn check_of_a_fix_exits_0_and_reports_executions() {
    let output = interleave(&[
        "check",
        "counter-race/locked",
        "--threads",
        "10",
        "--executions",
        "50",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains("HOLDS: no failure in 50 sampled executions"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn usage_errors_exit_2_with_one_clear_line_and_no_panic() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["check", "no-such/variant"],
            "no concept or variant 'no-such/variant' (`interleave list` prints every id)",
        ),
        (
            &["check", "counter-race/locked", "--frobnicate"],
            "unknown flag \"--frobnicate\"",
        ),
        (
            &["check", "counter-race/locked", "--threads", "many"],
            "--threads takes a whole number",
        ),
        (
            &["check", "counter-race/locked", "--threads", "0"],
            "--threads 0 is outside",
        ),
        (
            &["check", "counter-race/locked", "--backend", "tokio"],
            "unknown backend \"tokio\"",
        ),
        (
            &["replay", "counter-race/unlocked", "shuttle.3.zz"],
            "bad replay token",
        ),
        (
            &["replay", "counter-race/unlocked", "garbage"],
            "bad replay token",
        ),
        (
            &["time", "no-such-concept"],
            "no timing for \"no-such-concept\"",
        ),
    ];
    for (args, message) in cases {
        let output = interleave(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr(&output);
        assert!(
            err.starts_with("error: ") && err.contains(message),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_token_for_another_model_or_thread_count_is_a_bad_token() {
    let output = interleave(&["check", "counter-race/unlocked", "--threads", "20"]);
    let text = stdout(&output);
    let token = text
        .split_whitespace()
        .find(|w| w.starts_with("shuttle."))
        .expect("a token");
    assert!(token.len() < 80, "{token}");
    let fields: Vec<&str> = token.split('.').collect();
    let fewer_threads = format!("{}.{}.3.{}", fields[0], fields[1], fields[3..].join("."));
    for (id, token, message) in [
        ("counter-race/locked", token, "made for another model"),
        (
            "counter-race/unlocked",
            fewer_threads.as_str(),
            "bad replay token",
        ),
    ] {
        let replayed = interleave(&["replay", id, token]);
        let err = stderr(&replayed);
        if replayed.status.code() == Some(2) {
            assert!(
                err.starts_with("error: bad replay token") && err.contains(message),
                "{err}"
            );
        } else {
            // Another thread count may name a real execution: then it is the model's own verdict.
            assert!(matches!(replayed.status.code(), Some(0 | 1)), "{err}");
            assert!(
                stdout(&replayed).contains("[shuttle, 3 threads]"),
                "{}",
                stdout(&replayed)
            );
        }
    }
}

#[cfg(not(loom))]
#[test]
fn loom_backend_in_a_plain_build_says_how_to_build_one() {
    // The hint depends on whether the loom binary exists yet, so the source folder is one of
    // the test's own: without the binary, then with it.
    let source = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("loom-hint-source");
    let _ = std::fs::remove_dir_all(&source);
    std::fs::create_dir_all(&source).expect("a scratch folder");
    let check_under_loom = || {
        let args = ["check", "counter-race/locked", "--backend", "loom"].map(std::ffi::OsStr::new);
        interleave_with(
            &args,
            &[("INTERLEAVE_SOURCE", source.to_str().expect("a UTF-8 path"))],
            std::process::Stdio::piped(),
        )
    };
    let binary = source.join("target/loom/release/interleave");
    let run = format!("run the same command with {}\n", binary.display());

    let unbuilt = check_under_loom();
    assert_eq!(unbuilt.status.code(), Some(2));
    assert_eq!(
        stderr(&unbuilt),
        format!(
            "error: this binary was built without loom; build it once with (cd {} && \
             RUSTFLAGS=\"--cfg loom\" cargo build --release --target-dir target/loom), then {run}",
            source.display()
        )
    );

    std::fs::create_dir_all(binary.parent().unwrap()).unwrap();
    std::fs::write(&binary, "").unwrap();
    let built = check_under_loom();
    assert_eq!(built.status.code(), Some(2));
    assert_eq!(
        stderr(&built),
        format!("error: this binary was built without loom; {run}")
    );
}

#[cfg(loom)]
#[test]
fn loom_outcomes_print_the_exhaustive_set() {
    let output = interleave(&[
        "outcomes",
        "counter-race/unlocked",
        "--backend",
        "loom",
        "--threads",
        "3",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("exhaustive: all 3 possible outcomes seen, and nothing else"));
}

/// A search stopped by a deadlock saw only part of the outcomes: the table says so, counts the
/// deadlock, and never calls itself exhaustive.
#[cfg(loom)]
#[test]
fn a_loom_outcome_table_cut_short_by_a_deadlock_does_not_claim_to_be_exhaustive() {
    let output = interleave(&["outcomes", "noodle-fork/two-locks", "--backend", "loom"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(!out.contains("exhaustive"), "{out}");
    assert!(
        out.contains("cut short: the search stopped at the deadlock"),
        "{out}"
    );
    assert!(
        out.contains("declared: 1 of 1 possible outcomes seen before the stop"),
        "{out}"
    );
    let deadlock_row = out
        .lines()
        .find(|line| line.trim_start().starts_with("deadlock "));
    assert!(
        deadlock_row.is_some_and(|row| row.contains("forbidden")),
        "{out}"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_tour_without_a_panic() {
    // The tour prints as it goes, so its next line meets a closed pipe.
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["tour"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("interleave:"), "{first}");
    let output = child.wait_with_output().unwrap();
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

/// Runs the binary with extra environment variables and stdout sent to `stdout`.
fn interleave_with(
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    stdout: std::process::Stdio,
) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(stdout)
        .output()
        .expect("the binary runs")
}

/// One line on stderr, starting `error: ` and saying `message`; no panic.
fn assert_one_line_error(output: &Output, code: i32, message: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    assert!(err.starts_with("error: ") && err.contains(message), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unreadable_input_and_environment_are_usage_errors() {
    use std::os::unix::ffi::OsStrExt;
    let os = |text: &'static str| std::ffi::OsStr::new(text);
    let piped = std::process::Stdio::piped;
    let not_utf8 = std::ffi::OsStr::from_bytes(b"\xff");
    let output = interleave_with(&[os("check"), not_utf8], &[], piped());
    assert_one_line_error(&output, 2, "is not valid UTF-8");
    for (name, value) in [
        ("INTERLEAVE_SEED", "garbage"),
        ("INTERLEAVE_EXECUTIONS", "lots"),
        ("INTERLEAVE_EXECUTIONS", "-3"),
        ("INTERLEAVE_EXECUTIONS", "0"),
        ("INTERLEAVE_PREEMPTION_BOUND", "xyz"),
        ("INTERLEAVE_PREEMPTION_BOUND", "1000"),
    ] {
        let output = interleave_with(
            &[os("outcomes"), os("daemon/example-2")],
            &[(name, value)],
            piped(),
        );
        assert_one_line_error(&output, 2, name);
    }
    let refused: [(&[&str], &str); 4] = [
        (
            &["check", "counter-race/unlocked", "--executions", "0"],
            "--executions takes a whole number of at least 1",
        ),
        (
            &["check", "counter-race/locked", "--preemption-bound", "256"],
            "--preemption-bound takes 0..=255",
        ),
        (&["list", "extra"], "list: unexpected argument \"extra\""),
        (
            &["check", "counter-race/locked", "--frobnicate"],
            "unknown flag",
        ),
    ];
    for (args, message) in refused {
        assert_one_line_error(&interleave(args), 2, message);
    }
}

#[test]
fn a_full_disk_is_one_line_and_exit_3_not_a_panic() {
    for args in [
        &["list"][..],
        &["check", "counter-race/locked", "--threads", "3"],
    ] {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let full = std::fs::File::create("/dev/full").expect("/dev/full exists on Linux");
        let output = interleave_with(&args, &[], full.into());
        assert_one_line_error(&output, 3, "cannot write the output");
    }
}

/// Ctrl-C during a long check ends it with a report of what it explored, marked as cut short.
#[test]
fn an_interrupted_check_reports_what_it_explored_and_exits_130() {
    // On a machine too busy to finish an execution within the first wait, once more with a
    // longer one (the report then says nothing was explored, which is not what this tests).
    for wait in [1_500, 8_000] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_interleave"));
        command
            .args(["check", "rlock/correct", "--executions", "100000000"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        crate::support::with_default_stop_signals(&mut command);
        let mut child = command.spawn().expect("the binary runs");
        std::thread::sleep(std::time::Duration::from_millis(wait));
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while child.try_wait().expect("waitable").is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "still running 30 s after Ctrl-C"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let output = child.wait_with_output().expect("its output");
        let text = stdout(&output);
        if wait < 8_000 && stderr(&output).contains("before any execution finished") {
            continue;
        }
        assert_eq!(output.status.code(), Some(130), "{text}{}", stderr(&output));
        assert!(text.contains("HOLDS: no failure in"), "{text}");
        assert!(text.contains("cut short"), "{text}");
        return;
    }
}

/// Output that cannot be written, whether stdout is closed (`>&-`, which std would take for
/// success) or full: exit 3 and one line, before a search runs.
#[test]
fn a_closed_or_full_stdout_is_one_line_and_exit_3() {
    let token = {
        let output = interleave(&["check", "counter-race/unlocked", "--threads", "3"]);
        stdout(&output)
            .lines()
            .find_map(|l| {
                l.split_once(" -- replay counter-race/unlocked ")
                    .map(|(_, t)| t)
            })
            .expect("a replay command")
            .to_owned()
    };
    let commands = [
        "list".to_owned(),
        "check counter-race/locked --threads 3 --executions 20".to_owned(),
        "outcomes counter-race/locked --threads 3 --executions 20".to_owned(),
        format!("replay counter-race/unlocked {token}"),
    ];
    for command in &commands {
        for redirect in [">&-", ">/dev/full"] {
            let output = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "{} {command} {redirect}",
                    env!("CARGO_BIN_EXE_interleave")
                ))
                .output()
                .expect("sh runs");
            let message = if redirect == ">&-" {
                "cannot write the output: standard output is closed"
            } else {
                "cannot write the output: No space left on device"
            };
            assert_one_line_error(&output, 3, message);
        }
    }
    // /dev/null is a place to write to, as the user asked.
    let null = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} list >/dev/null",
            env!("CARGO_BIN_EXE_interleave")
        ))
        .output()
        .expect("sh runs");
    assert_eq!(null.status.code(), Some(0), "{}", stderr(&null));
}

/// A search that finished no execution has seen nothing: an error, never HOLDS, under every
/// backend of the build; and a --time that is no length of time is refused.
#[test]
fn a_run_that_finished_no_execution_is_an_error_not_a_verdict() {
    let mut backends = vec!["shuttle", "native"];
    if cfg!(loom) {
        backends.push("loom");
    }
    for backend in backends {
        for command in ["check", "outcomes"] {
            for format in ["text", "json"] {
                let output = interleave(&[
                    command,
                    "counter-race/locked",
                    "--threads",
                    "3",
                    "--backend",
                    backend,
                    "--time",
                    "1e-9",
                    "--format",
                    format,
                ]);
                assert_one_line_error(
                    &output,
                    2,
                    "no execution finished within --time (1ns); give it more time",
                );
                assert_eq!(stdout(&output), "", "{command} {backend} {format}");
            }
        }
    }
    for time in ["1e-300", "0", "-1", "nan", "inf", "1e400", "86401", "soon"] {
        let output = interleave(&["check", "counter-race/locked", "--time", time]);
        assert_one_line_error(
            &output,
            2,
            &format!("--time takes a number of seconds from 1e-9 to 86400, not {time:?}"),
        );
    }
}

/// A token names the execution a check printed; one naming another execution of the same search
/// (made by hand, or by another version) is refused, never replayed as something else.
#[test]
fn a_token_for_an_execution_that_does_not_fail_there_is_refused() {
    let id = "counter-race/unlocked";
    // `check counter-race/unlocked --threads 3` fails at execution 3 of 2 jobs.
    let cases = [
        (
            "shuttle.55edf2.3.portfolio.508889950.2.2",
            "error: bad replay token: execution 2 of this search does not fail",
        ),
        (
            "shuttle.55edf2.3.portfolio.508889950.2.5",
            "error: bad replay token: no check prints this token: its search fails first at execution 3, not 5",
        ),
    ];
    for (token, says) in cases {
        let out = interleave(&["replay", id, token]);
        assert_eq!(out.status.code(), Some(2), "{token}: {}", stderr(&out));
        assert!(stderr(&out).starts_with(says), "{token}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    }
    let printed = interleave(&["replay", id, "shuttle.55edf2.3.portfolio.508889950.2.3"]);
    assert_eq!(printed.status.code(), Some(1), "{}", stderr(&printed));
}

#[test]
fn help_shows_the_usage_with_examples_and_exits_0() {
    for (args, says) in [
        (
            &["--help"][..],
            &["Usage: interleave", "check", "grade", "Examples:"][..],
        ),
        (&["-h"], &["Usage: interleave", "Examples:"]),
        (&["help"], &["Usage: interleave", "completions"]),
        (
            &["check", "--help"],
            &[
                "Usage: interleave check",
                "--preemption-bound",
                "Examples:",
                "interleave check counter-race/unlocked",
            ],
        ),
        (
            &["help", "outcomes"],
            &["Usage: interleave outcomes", "Examples:"],
        ),
        (
            &["time", "--help"],
            &["Usage: interleave time", "Examples:"],
        ),
    ] {
        let output = interleave(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        for said in says {
            assert!(text.contains(said), "{args:?}: {said:?} not in\n{text}");
        }
        // The hidden child commands stay hidden.
        for hidden in ["__child", "__worker", "gate-builtin"] {
            assert!(!text.contains(hidden), "{args:?}: {hidden} in\n{text}");
        }
        assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    }
    let version = interleave(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(
        stdout(&version).starts_with("interleave "),
        "{}",
        stdout(&version)
    );
}

#[test]
fn a_mistyped_id_command_or_flag_is_answered_with_the_nearest_one() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["check", "counter-rase/unlocked"],
            "no concept or variant 'counter-rase/unlocked' — did you mean counter-race/unlocked?",
        ),
        (
            &[
                "replay",
                "counter-race/unlokced",
                "shuttle.55edf2.3.portfolio.508889950.2.3",
            ],
            "did you mean counter-race/unlocked?",
        ),
        (
            &["outcomes", "counter-rase"],
            "no concept or variant 'counter-rase' — did you mean counter-race?",
        ),
        (
            &["chek", "counter-race/unlocked"],
            "unknown command \"chek\"; did you mean check?",
        ),
        (
            &["check", "counter-race/unlocked", "--thread", "3"],
            "unknown flag \"--thread\" for check; did you mean --threads?",
        ),
        (
            &["check", "counter-race/unlocked", "--backend", "shutle"],
            "unknown backend \"shutle\": --backend takes shuttle, loom or native; did you mean shuttle?",
        ),
        (
            &["time", "executr"],
            "no timing for \"executr\"; did you mean executor?",
        ),
    ];
    for (args, message) in cases {
        assert_one_line_error(&interleave(args), 2, message);
    }
}

#[test]
fn a_concept_without_a_variant_lists_its_variants() {
    let output = interleave(&["check", "counter-race"]);
    assert_one_line_error(
        &output,
        2,
        "counter-race is a concept; name one of its variants: ",
    );
    let concept = interleave::models::all()
        .into_iter()
        .find(|c| c.id == "counter-race")
        .expect("the concept");
    let err = stderr(&output);
    for variant in &concept.variants {
        assert!(err.contains(variant.id), "{} missing: {err}", variant.id);
    }
    assert!(!err.contains("rlock/"), "only its own variants: {err}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn missing_values_and_arguments_are_one_line_usage_errors() {
    let cases: [(&[&str], &str); 6] = [
        (&["check"], "check needs <ID>"),
        (&["replay", "counter-race/unlocked"], "replay needs <TOKEN>"),
        (
            &["check", "counter-race/unlocked", "--threads"],
            "--threads needs a value",
        ),
        (&["--report"], "--report needs a value"),
        (&["completions"], "completions needs <SHELL>"),
        (
            &["completions", "tcsh"],
            "unknown shell \"tcsh\"; choose bash, ",
        ),
    ];
    for (args, message) in cases {
        assert_one_line_error(&interleave(args), 2, message);
    }
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for (shell, says) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef interleave"),
        ("fish", "complete -c interleave"),
    ] {
        let output = interleave(&["completions", shell]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            stderr(&output)
        );
        let script = stdout(&output);
        assert!(script.contains(says), "{shell}: {script}");
        for word in [
            "check",
            "outcomes",
            "merge-reports",
            "preemption-bound",
            "gradescope",
        ] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
        assert!(
            !script.contains("gate-builtin"),
            "{shell}: a hidden command"
        );
    }
}

/// Both of the README's exit-code tables (the command line's and the gate's) name only codes of
/// [`ExitCode`], each with its meaning, and between them every code.
#[test]
fn the_readme_exit_code_tables_match_the_enum() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table = |header: &str| -> Vec<(i32, String)> {
        let start = readme
            .find(header)
            .unwrap_or_else(|| panic!("no table {header:?} in README.md"));
        readme[start..]
            .lines()
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let code = cells[1]
                    .parse()
                    .unwrap_or_else(|_| panic!("a code: {line}"));
                (code, cells[2].to_lowercase())
            })
            .collect()
    };
    let command_line = table("| exit code | meaning |");
    let gate = table("| exit | meaning |");
    // What each code's meaning says, in each table.
    let says = |exit: ExitCode, gate: bool| match exit {
        ExitCode::Ok => "holds",
        ExitCode::Violated if gate => "fails",
        ExitCode::Violated => "violation",
        ExitCode::Usage => "usage error",
        ExitCode::Output if gate => "rejected",
        ExitCode::Output => "could not be written",
        ExitCode::GraderError => "grader itself failed",
        ExitCode::NotChecked if gate => "not-checked",
        ExitCode::NotChecked => "not checked",
        ExitCode::CutShort => "cut short",
    };
    let mut seen = std::collections::BTreeSet::new();
    for (rows, is_gate) in [(&command_line, false), (&gate, true)] {
        let codes: Vec<i32> = rows.iter().map(|(code, _)| *code).collect();
        assert!(codes.is_sorted(), "{codes:?}");
        for (code, meaning) in rows {
            let exit = ExitCode::from_code(*code)
                .unwrap_or_else(|| panic!("README's code {code} is no ExitCode"));
            assert_eq!(exit.code(), *code);
            assert!(
                meaning.contains(says(exit, is_gate)),
                "README's {code} ({exit:?}) does not say {:?}: {meaning}",
                says(exit, is_gate)
            );
            seen.insert(*code);
        }
    }
    let all: std::collections::BTreeSet<i32> = ExitCode::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(seen, all, "every code in a README table, and nothing else");
    assert_eq!(ExitCode::CutShort.code(), interleave::signals::CUT_SHORT);
    assert_eq!(ExitCode::REJECTED, ExitCode::Output);
}
