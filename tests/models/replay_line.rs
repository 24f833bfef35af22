//! The replay line a failing check prints in a `cargo test` test, run as printed: it names the
//! test's target and the test exactly and includes ignored tests, so it runs that one check again,
//! to the same failure, and nothing else.

use interleave::checker::ReplayToken;
use interleave::model::{EXPLORER, REPLAY_VAR};
use interleave::runtime::Runtime;
use interleave::sync::Shared;
use interleave::{check, model, thread};
use std::process::Command;
use std::sync::Arc;

/// Set in a child's environment by the tests below: only then do the checks that follow fail.
const FAIL_ON_PURPOSE: &str = "INTERLEAVE_TEST_FAIL_ON_PURPOSE";

fn withdraw_twice<R: Runtime>() -> i64 {
    let balance = Arc::new(Shared::<R, i64>::named("balance", 100));
    let withdraw = || {
        let balance = balance.clone();
        thread::spawn::<R, _, _>(move || {
            if balance.load() >= 60 {
                balance.store(balance.load() - 60);
            }
        })
    };
    let (first, second) = (withdraw(), withdraw());
    first.join();
    second.join();
    balance.load()
}

/// A check that finds the overdraft, when a test below asks for it; otherwise nothing.
fn an_overdraft_when_asked() {
    if std::env::var_os(FAIL_ON_PURPOSE).is_some() {
        check(model!(withdraw_twice))
            .forbid(|&balance| (balance < 0).then_some("overdraft"))
            .assert_holds();
    }
}

const IGNORED: &str = "replay_line::ignored_overdraft";

#[test]
#[ignore = "fails on purpose when asked; run by the tests below as a child process"]
fn ignored_overdraft() {
    an_overdraft_when_asked();
}

/// `PREFIX` begins the name of the test after it: libtest's filter alone runs both.
const PREFIX: &str = "replay_line::overdraft";

/// Passes at once in the suite; fails when a test below runs it as a child process.
#[test]
fn overdraft() {
    an_overdraft_when_asked();
}

/// Passes at once in the suite; fails when a test below runs it as a child process.
#[test]
fn overdraft_again() {
    an_overdraft_when_asked();
}

/// What this test binary prints when run with `args`, with `env` the only variables of ours set.
fn run(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(std::env::current_exe().expect("this test binary"))
        .args(args)
        .env_remove(REPLAY_VAR)
        .env_remove(FAIL_ON_PURPOSE)
        .envs(env.iter().copied())
        .output()
        .expect("the test binary runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `test`'s first run, failing: what it printed.
fn first_run(test: &str) -> String {
    run(
        &[test, "--exact", "--include-ignored"],
        &[(FAIL_ON_PURPOSE, "1")],
    )
}

/// The line after `replay: ` in a report.
fn printed_line(text: &str) -> &str {
    text.lines()
        .find_map(|line| line.trim().strip_prefix("replay: "))
        .unwrap_or_else(|| panic!("no replay line in:\n{text}"))
}

/// The line `test`'s check prints to replay `token` in this suite.
pub fn expected_line(token: &str, test: &str) -> String {
    let rerun = format!("{test} -- --exact --include-ignored");
    if cfg!(loom) {
        format!(
            "{REPLAY_VAR}={token} RUSTFLAGS=\"--cfg loom\" cargo test --release --test models \
             --target-dir target/loom {rerun}"
        )
    } else {
        format!("{REPLAY_VAR}={token} cargo test --test models {rerun}")
    }
}

/// Runs `line` as the shell would, through this test binary: `cargo test` gives it the words
/// between its own flags and `--` (the test's name) and those after `--`; the variable is set.
fn run_as_printed(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let token = words[0]
        .strip_prefix(&format!("{REPLAY_VAR}="))
        .unwrap_or_else(|| panic!("not an {REPLAY_VAR}= line: {line}"));
    let after_cargo_test = words
        .windows(2)
        .position(|pair| pair == ["cargo", "test"])
        .map(|at| &words[at + 2..])
        .unwrap_or_else(|| panic!("no `cargo test` in: {line}"));
    let (cargo_words, libtest_words) = after_cargo_test
        .iter()
        .position(|word| *word == "--")
        .map(|at| (&after_cargo_test[..at], &after_cargo_test[at + 1..]))
        .unwrap_or_else(|| panic!("no `--` in: {line}"));
    let mut filters = Vec::new();
    let mut cargo_words = cargo_words.iter();
    while let Some(word) = cargo_words.next() {
        match *word {
            "--release" | "--lib" => {}
            "--test" | "--target-dir" => {
                cargo_words.next();
            }
            filter => filters.push(filter),
        }
    }
    let args: Vec<&str> = filters
        .into_iter()
        .chain(libtest_words.iter().copied())
        .collect();
    run(&args, &[(FAIL_ON_PURPOSE, "1"), (REPLAY_VAR, token)])
}

/// The tests a run ran (libtest's `test NAME ... RESULT` lines, sorted), after checking that it
/// said it runs as many.
fn tests_run(text: &str) -> Vec<&str> {
    let mut ran: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("test ") && line.contains(" ... "))
        .collect();
    let plural = if ran.len() == 1 { "test" } else { "tests" };
    assert!(
        text.contains(&format!("running {} {plural}\n", ran.len())),
        "{ran:?} in:\n{text}"
    );
    ran.sort_unstable();
    ran
}

/// The report from its verdict to its replay line, without how long the search took.
fn the_failure(text: &str) -> Vec<String> {
    let report: Vec<String> = text
        .lines()
        .skip_while(|line| !line.contains(": VIOLATED "))
        .take_while(|line| !line.trim_start().starts_with("replay: "))
        .map(|line| match line.split_once(" in ") {
            Some((verdict, timed)) if line.contains(": VIOLATED ") => {
                let (_, bounds) = timed.split_once(" (").expect("the search's bounds");
                format!("{verdict} ({bounds}")
            }
            _ => line.to_owned(),
        })
        .collect();
    assert!(report.len() > 4, "no failure with a timeline in:\n{text}");
    report
}

/// `first`'s failure as its replay by `line` reports it: the same, its bounds saying it replays
/// the token's execution.
fn as_replayed_by(line: &str, mut first: Vec<String>) -> Vec<String> {
    let token = line.split(' ').next().unwrap_or_default();
    let (_, execution) = token.rsplit_once('.').expect(line);
    first[0] = first[0].replacen(" (", &format!(" (replay of execution {execution}: "), 1);
    first
}

#[test]
fn the_printed_line_is_the_tests_exact_cargo_test_command() {
    let line = printed_line(&first_run(IGNORED)).to_owned();
    let words: Vec<&str> = line.split(' ').collect();
    let token = words[0].strip_prefix("INTERLEAVE_REPLAY=").expect(&line);
    let parsed: ReplayToken = token.parse().expect("the token parses");
    assert_eq!(parsed.backend(), EXPLORER);
    let assignment = format!("INTERLEAVE_REPLAY={token}");
    let mut expected = vec![assignment.as_str()];
    if cfg!(loom) {
        expected.extend(["RUSTFLAGS=\"--cfg", "loom\"", "cargo", "test", "--release"]);
    } else {
        expected.extend(["cargo", "test"]);
    }
    expected.extend(["--test", "models"]);
    if cfg!(loom) {
        // ci/loom.sh's target directory: the line builds nothing again elsewhere.
        expected.extend(["--target-dir", "target/loom"]);
    }
    expected.extend([
        "replay_line::ignored_overdraft",
        "--",
        "--exact",
        "--include-ignored",
    ]);
    assert_eq!(words, expected);
    assert_eq!(line, expected_line(token, IGNORED));
}

#[test]
fn the_printed_line_runs_the_ignored_test_alone_to_the_same_failure() {
    assert_eq!(
        tests_run(&run(&[IGNORED, "--exact"], &[])),
        [format!(
            "test {IGNORED} ... ignored, fails on purpose when asked; run by the tests below as a child process"
        )],
        "without --include-ignored it would not run"
    );
    let first = first_run(IGNORED);
    let line = printed_line(&first);
    let replayed = run_as_printed(line);
    assert_eq!(tests_run(&replayed), [format!("test {IGNORED} ... FAILED")]);
    assert_eq!(
        the_failure(&replayed),
        as_replayed_by(line, the_failure(&first))
    );
    assert_eq!(printed_line(&replayed), line);
}

#[test]
fn the_printed_line_runs_no_test_whose_name_it_only_begins() {
    assert_eq!(
        tests_run(&run(&[PREFIX], &[])),
        [
            format!("test {PREFIX} ... ok"),
            format!("test {PREFIX}_again ... ok")
        ],
        "without --exact both would run"
    );
    let first = first_run(PREFIX);
    let line = printed_line(&first);
    let replayed = run_as_printed(line);
    assert_eq!(tests_run(&replayed), [format!("test {PREFIX} ... FAILED")]);
    assert_eq!(
        the_failure(&replayed),
        as_replayed_by(line, the_failure(&first))
    );
    assert_eq!(printed_line(&replayed), line);
}

/// A token from the other explorer names this check but cannot be replayed in this build: the
/// check says so and how, instead of running a search of its own that fails as the replay would.
#[test]
fn a_token_from_the_other_explorer_is_refused_with_where_to_replay_it() {
    let line = printed_line(&first_run(IGNORED)).to_owned();
    let token: ReplayToken = line
        .split(' ')
        .next()
        .unwrap_or_default()
        .strip_prefix("INTERLEAVE_REPLAY=")
        .expect(&line)
        .parse()
        .expect("the token parses");
    let (other, says) = if cfg!(loom) {
        (
            format!("shuttle.{}.2.portfolio.1.2.3", token.tag),
            "the token is from a shuttle run, and this build checks the model under loom",
        )
    } else {
        (
            format!("loom.{}.2.3.4", token.tag),
            "the token is from a loom run: replay it in a loom build",
        )
    };
    let text = run(
        &[IGNORED, "--exact", "--include-ignored"],
        &[(FAIL_ON_PURPOSE, "1"), (REPLAY_VAR, &other)],
    );
    assert!(text.contains(says), "{text}");
    assert!(!text.contains(": VIOLATED "), "no search ran: {text}");
}
