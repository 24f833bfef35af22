//! One way to run any variant under any backend, and the assertions every concept's tests share.

#![allow(dead_code)]

use interleave::checker::{self, Budget, Failure, Mode, Report, Verdict};
use interleave::lesson::{Class, Lesson, Params, Row, Variant};
use interleave::runtime::Backend;
use interleave::trace::{Blocked, LostUpdate};

/// What the run helpers take: a row constant, or a variant already built from one.
pub trait IntoVariant {
    fn into_variant(self) -> Variant;
}

impl<L: Lesson> IntoVariant for Row<L> {
    fn into_variant(self) -> Variant {
        self.variant()
    }
}

impl IntoVariant for Variant {
    fn into_variant(self) -> Variant {
        self
    }
}

impl IntoVariant for &Variant {
    fn into_variant(self) -> Variant {
        self.clone()
    }
}

/// Runs `variant` (a row or a variant) on `backend` with the default budget, or `executions` of
/// them (a number, or `None` for the default).
pub fn run_variant(
    variant: impl IntoVariant,
    backend: Backend,
    threads: usize,
    mode: Mode,
    executions: impl Into<Option<usize>>,
) -> Report {
    let variant = variant.into_variant();
    let mut budget = test_budget(&variant, backend, mode);
    if let Some(executions) = executions.into() {
        budget.executions = executions;
    }
    checker::check(&variant, backend, &Params { threads }, &budget, mode).expect("backend is built")
}

/// Shuttle executions a test samples at most by default: a debug build is about ten times
/// slower than the release build the command line's budgets are sized for. The full default
/// budgets, seed after seed, are `tests/seed_sweep.rs`'s (release, in CI).
pub const TEST_EXECUTIONS: usize = 1_000;

/// The budget a test gives `variant`: a check samples what the tour does (a tenth of the
/// command line's), at most [`TEST_EXECUTIONS`]; an outcome table gets the command line's.
pub fn test_budget(variant: &Variant, backend: Backend, mode: Mode) -> Budget {
    let mut budget = match mode {
        Mode::Check => Budget::for_tour(variant, backend),
        Mode::Outcomes => Budget::for_variant(variant, backend, mode),
    };
    // Loom's budget is a bound on an exhaustive search, not a sample: kept as the variant's.
    if mode == Mode::Check && backend != Backend::Loom {
        budget.executions = budget.executions.min(TEST_EXECUTIONS);
    }
    budget
}

/// A `check` of `variant` on `backend`: the default budget, or `executions`.
pub fn check(
    variant: impl IntoVariant,
    backend: Backend,
    threads: usize,
    executions: impl Into<Option<usize>>,
) -> Report {
    run_variant(variant, backend, threads, Mode::Check, executions)
}

/// An exhaustive loom run of `variant` at its loom thread count (and default budget), with what
/// it cost on stderr.
pub fn loom(variant: impl IntoVariant, mode: Mode) -> Report {
    let variant = variant.into_variant();
    let threads = variant.loom_threads;
    let report = run_variant(&variant, Backend::Loom, threads, mode, None);
    eprintln!(
        "{} [loom, {threads} threads]: {} after {} executions in {:.2?}",
        variant.id,
        report.verdict.name(),
        report.executions,
        report.elapsed
    );
    report
}

/// The property holds in every execution explored, and every outcome is acceptable or interesting.
pub fn assert_holds(report: &Report) {
    assert!(
        matches!(report.verdict, Verdict::Holds),
        "{} should hold:\n{}",
        report.id,
        interleave::report::verdict(report)
    );
    assert!(report.executions > 0);
    assert!(
        report
            .outcomes
            .rows
            .keys()
            .all(|o| o.class != Class::Forbidden)
    );
}

/// The distinct outcomes seen are exactly `expected` (in any order).
pub fn assert_outcomes(report: &Report, expected: &[&str]) {
    let (id, backend) = (report.id, report.backend.name());
    assert_eq!(
        outcome_set(report),
        strings(expected),
        "{id} under {backend}"
    );
}

/// The property holds, and the distinct outcomes seen are exactly `expected`.
pub fn assert_holds_with(report: &Report, expected: &[&str]) {
    assert_holds(report);
    assert_outcomes(report, expected);
}

/// The distinct outcomes seen are exactly the ones `variant` declares possible.
pub fn assert_declared_outcomes(report: &Report, variant: impl IntoVariant) {
    let declared = declared(&variant.into_variant(), report.params.threads);
    assert_eq!(outcome_set(report), declared, "{}", report.id);
}

/// Every outcome seen has the class `class_of` gives its text.
pub fn assert_classes(report: &Report, class_of: impl Fn(&str) -> Class) {
    for observed in report.outcomes.rows.keys() {
        let expected = class_of(&observed.text);
        assert_eq!(observed.class, expected, "{}: {}", report.id, observed.text);
    }
}

/// A violation was found, and its message names what went wrong.
pub fn assert_violation(report: &Report, message: &str) -> Failure {
    match &report.verdict {
        Verdict::Violated(failure) => {
            assert!(
                failure.message.contains(message),
                "{}: message {:?} lacks {message:?}",
                report.id,
                failure.message
            );
            failure.clone()
        }
        other => panic!(
            "{} should be violated ({message}), got {}",
            report.id,
            other.name()
        ),
    }
}

/// A deadlock was found; returns it for the test to inspect who holds and waits for what.
pub fn assert_deadlock(report: &Report) -> Failure {
    match &report.verdict {
        Verdict::Deadlock(failure) => failure.clone(),
        other => panic!(
            "{} should deadlock, got {}:\n{}",
            report.id,
            other.name(),
            interleave::report::verdict(report)
        ),
    }
}

/// The failure's message says `text`.
pub fn assert_message(failure: &Failure, text: &str) {
    assert!(
        failure.message.contains(text),
        "message {:?} lacks {text:?}",
        failure.message
    );
}

/// A deadlock in which some blocked thread is as `stuck` says (who it is, what it waits for).
pub fn assert_deadlock_where(report: &Report, stuck: impl Fn(&Blocked) -> bool) -> Failure {
    let failure = assert_deadlock(report);
    assert!(
        failure.trace.blocked.iter().any(stuck),
        "{}: {:?}",
        report.id,
        failure.trace.blocked
    );
    failure
}

/// The one-line wait-for ring of a deadlock.
pub fn ring(failure: &Failure) -> String {
    interleave::report::cycle(&failure.trace)
        .unwrap_or_else(|| panic!("no wait-for ring in {:?}", failure.trace.blocked))
}

/// A deadlock of `size` threads waiting in a ring, and the ring shows each of `links`.
pub fn assert_ring(report: &Report, size: usize, links: &[&str]) -> Failure {
    let failure = assert_deadlock(report);
    assert_message(&failure, &format!("{size} threads wait in a ring"));
    let ring = ring(&failure);
    for link in links {
        assert!(ring.contains(link), "{}: {link:?} not in {ring}", report.id);
    }
    failure
}

/// `failure`'s replay token, run on `variant`, gives the same deadlock ring again.
pub fn assert_replays_the_same_ring(variant: impl IntoVariant, failure: &Failure) -> Failure {
    let token = failure.replay.as_ref().expect("a replay token");
    let replayed = checker::replay(&variant.into_variant(), token).expect("the token fits");
    let again = assert_deadlock(&replayed);
    assert_eq!(ring(&again), ring(failure));
    again
}

/// The failing execution's timeline pins an update lost on `var`.
pub fn assert_lost_update(failure: &Failure, var: &str) -> LostUpdate {
    let lost = failure
        .trace
        .lost_update
        .clone()
        .unwrap_or_else(|| panic!("no lost update in the timeline of: {}", failure.message));
    assert_eq!(lost.var, var, "{lost:?}");
    lost
}

/// A lost update on `var` was found: the execution ran to the end, with a forbidden outcome.
pub fn assert_update_lost(report: &Report, var: &str) -> Failure {
    let failure = assert_violation(report, "lost update");
    let outcome = failure
        .outcome
        .as_ref()
        .expect("the execution ran to the end");
    assert_eq!(outcome.class, Class::Forbidden, "{}", outcome.text);
    assert_lost_update(&failure, var);
    failure
}

/// The outcomes `variant` declares possible with `threads` workers, as sorted texts.
pub fn declared(variant: &Variant, threads: usize) -> Vec<String> {
    let params = Params { threads };
    let possible = variant.possible_outcomes(&params);
    let possible = possible.unwrap_or_else(|| panic!("{} declares no outcomes", variant.id));
    let mut texts: Vec<String> = possible.into_iter().map(|o| o.text).collect();
    texts.sort();
    texts
}

/// The distinct outcome texts, sorted.
pub fn outcome_set(report: &Report) -> Vec<String> {
    report.outcomes.texts()
}

pub fn strings(items: &[&str]) -> Vec<String> {
    let mut items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    items.sort();
    items
}

/// The command line, run as a user runs it. A `grade` of a file or folder first waits for
/// [`prepared_harness`].
pub fn interleave(args: &[&str]) -> std::process::Output {
    let grades_a_file = args.first() == Some(&"grade")
        && args
            .iter()
            .skip(2)
            .any(|arg| arg.ends_with(".rs") || std::path::Path::new(arg).is_dir());
    if grades_a_file {
        prepared_harness();
    } else {
        start_preparing_harness();
    }
    std::process::Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Builds, once per test process, the harness library every compiled submission links: the
/// counter exercise's reference, built as a student's file is, in the gate's shared directory
/// (`target/interleave-gate`, where the command line builds too). Every test that grades a
/// compiled submission waits here first (through [`interleave`]), so the library is compiled by
/// one build (minutes on 2 cores after a change to `src/`) while the other tests wait for it,
/// instead of each test's cargo queueing on the shared target directory's lock with its build
/// limit running; afterwards each build compiles only its submission.
pub fn prepared_harness() {
    use interleave::gate::harness::{Harness, Submission};
    static PREPARED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    PREPARED.get_or_init(|| {
        let exercise = interleave::gate::find_exercise("counter").expect("counter is an exercise");
        let reference = Submission::read("src/gate/exercises/counter/reference.rs")
            .expect("the counter reference reads as a submission");
        let harness = Harness::locate(false).expect("the gate finds this project");
        if let Err(refusal) = harness.build(&exercise, &reference) {
            panic!("the harness library does not build: {}", refusal.message);
        }
    });
}

/// On a run of the whole suite (no name filter), the first command-line test starts
/// [`prepared_harness`] in the background: after a change to `src/` the library builds while the
/// tests before the gate's run, instead of every test thread waiting for it at the first grade.
/// A filtered run builds it only when a test needs it (a test process may not leave a build
/// running behind it).
fn start_preparing_harness() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let filtered = std::env::args().skip(1).any(|arg| !arg.starts_with('-'));
        if !filtered {
            std::thread::spawn(prepared_harness);
        }
    });
}

/// Starts `command` with SIGINT and SIGTERM at their default actions, as from a terminal: a
/// suite run in a shell's background inherits SIGINT ignored, which the command line would keep
/// ignoring, so a test that stops it by a signal would wait for ever.
pub fn with_default_stop_signals(
    command: &mut std::process::Command,
) -> &mut std::process::Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: only `signal`, which is async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
            Ok(())
        })
    }
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Where `report` breaks the gate's documented JSON schema (`src/gate/report.schema.json`).
pub fn report_schema_errors(report: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../src/gate/report.schema.json")).unwrap();
    crate::schema::Schema::new(&schema).errors(report)
}
