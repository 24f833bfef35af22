//! interleave as a library: a user's model, written once as a generic function, checked through
//! `interleave::check` under shuttle, natively and (with `--cfg loom`) under loom; a failing
//! check's replay line, run as printed, reproduces the same execution.

use interleave::checker::Verdict;
use interleave::model::{EXPLORER, REPLAY_VAR, replay_line};
use interleave::runtime::Runtime;
use interleave::sync::{Mutex, Shared};
use interleave::{Backend, Class, Model, check, model, thread};
use std::process::Command;
use std::sync::Arc;

/// Two withdrawals of 60 from 100, each checking the balance, then taking the money: the
/// check-then-act race lets both through.
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

/// The same withdrawals, each holding the account's lock from the check to the act.
fn withdraw_twice_locked<R: Runtime>() -> i64 {
    let balance = Arc::new(Mutex::<R, i64>::named("account", 100));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let balance = balance.clone();
            thread::spawn::<R, _, _>(move || {
                let mut balance = balance.lock();
                if *balance >= 60 {
                    *balance -= 60;
                }
            })
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    *balance.lock()
}

fn overdraft(balance: &i64) -> Option<&'static str> {
    (*balance < 0).then_some("overdraft")
}

#[test]
fn the_overdraft_is_found_with_its_outcome_and_a_replay_token() {
    let failure = check(model!(withdraw_twice))
        .forbid(overdraft)
        .backend(Backend::Shuttle)
        .assert_violation("forbidden outcome -20: overdraft");
    assert_eq!(failure.outcome.expect("it ran to the end").text, "-20");
    let token = failure.replay.expect("a shuttle failure is replayable");
    assert!(token.to_string().starts_with("shuttle."), "{token}");
}

#[test]
fn a_failure_debugs_as_one_line_of_what_failed_and_its_token() {
    let failure = check(model!(withdraw_twice))
        .forbid(overdraft)
        .backend(Backend::Shuttle)
        .assert_violation("overdraft");
    let token = failure.replay.as_ref().expect("replayable").to_string();
    let expected = format!(
        "Failure {{ message: \"forbidden outcome -20: overdraft\", execution: {}, replay: Some(\"{token}\") }}",
        failure.execution
    );
    assert_eq!(format!("{failure:?}"), expected);
    assert_eq!(format!("{failure:#?}"), expected);
}

#[test]
fn a_report_prints_itself_with_its_tests_replay_line() {
    let test = "library::a_report_prints_itself_with_its_tests_replay_line";
    let report = check(model!(withdraw_twice))
        .forbid(overdraft)
        .shuttle()
        .unwrap();
    let failure = report.verdict.failure().expect("the overdraft");
    let token = failure.replay.as_ref().expect("replayable").to_string();
    let for_the_command_line = interleave::report::verdict(&report);
    let (story, cli_line) = for_the_command_line.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(
        cli_line,
        format!("  replay: cargo run --release -- replay {test} {token}")
    );
    let for_the_test = format!(
        "{story}\n  replay: {}",
        crate::replay_line::expected_line(&token, test)
    );
    assert_eq!(report.to_string(), for_the_test);
    assert_eq!(interleave::model::verdict(&report), for_the_test);
}

#[test]
fn the_overdraft_outcomes_are_exactly_one_refusal_or_both_paid() {
    let report = check(model!(withdraw_twice))
        .forbid(overdraft)
        .outcomes()
        .shuttle()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["-20", "40"]);
    let classes: Vec<_> = report.outcomes.rows.keys().map(|o| o.class).collect();
    assert_eq!(classes, [Class::Forbidden, Class::Acceptable]);
}

#[test]
fn the_locked_withdrawals_hold_under_shuttle_and_natively() {
    let report = check(model!(withdraw_twice_locked))
        .forbid(overdraft)
        .backend(Backend::Shuttle)
        .executions(300)
        .assert_holds();
    assert_eq!(report.backend, Backend::Shuttle);
    assert_eq!(
        (report.executions, report.outcomes.texts()),
        (300, vec!["40".to_owned()])
    );
    let native = check(model!(withdraw_twice_locked))
        .forbid(overdraft)
        .backend(Backend::Native)
        .executions(5)
        .assert_holds();
    assert_eq!(native.outcomes.texts(), ["40"]);
}

#[test]
fn a_block_model_sees_the_thread_count_and_its_assert_is_a_violation() {
    let failure = check(model!(|R, threads| {
        let count = Arc::new(Shared::<R, usize>::named("count", 0));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let count = count.clone();
                thread::spawn::<R, _, _>(move || count.store(count.load() + 1))
            })
            .collect();
        workers.into_iter().for_each(thread::JoinHandle::join);
        assert_eq!(count.load(), threads, "an increment was lost");
    }))
    .threads(3)
    .assert_violation("an increment was lost");
    assert!(failure.outcome.is_none(), "the execution panicked");
}

#[test]
fn a_deadlock_in_a_model_is_found() {
    let failure = check(model!(|R| {
        let (a, b) = (
            Arc::new(Mutex::<R, ()>::named("a", ())),
            Arc::new(Mutex::<R, ()>::named("b", ())),
        );
        let (a2, b2) = (a.clone(), b.clone());
        let other = thread::spawn::<R, _, _>(move || {
            let _b = b2.lock();
            let _a = a2.lock();
        });
        {
            let _a = a.lock();
            let _b = b.lock();
        }
        other.join();
    }))
    .assert_deadlock();
    assert_eq!(
        failure.trace.blocked.len(),
        2,
        "{:?}",
        failure.trace.blocked
    );
}

/// A model as a type, for one with parameters of its own.
struct Withdrawals {
    amount: i64,
}

impl Model for Withdrawals {
    type Outcome = i64;

    fn run<R: Runtime>(&self, threads: usize) -> i64 {
        let balance = Arc::new(Shared::<R, i64>::named("balance", 100));
        let amount = self.amount;
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let balance = balance.clone();
                thread::spawn::<R, _, _>(move || {
                    if balance.load() >= amount {
                        balance.store(balance.load() - amount);
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(thread::JoinHandle::join);
        balance.load()
    }
}

#[test]
fn a_model_type_is_checked_the_same_way() {
    let small = check(Withdrawals { amount: 30 })
        .forbid(overdraft)
        .threads(3)
        .assert_holds();
    assert!(matches!(small.verdict, Verdict::Holds));
    check(Withdrawals { amount: 60 })
        .forbid(overdraft)
        .assert_violation("overdraft");
}

#[test]
fn a_thread_count_the_backend_refuses_is_an_error_not_a_panic() {
    let refused = check(model!(withdraw_twice))
        .threads(0)
        .shuttle()
        .unwrap_err();
    assert!(
        refused.to_string().contains("thread count 0 is outside"),
        "{refused}"
    );
}

#[cfg(not(loom))]
#[test]
fn loom_is_refused_in_a_build_without_it() {
    let refused = check(model!(withdraw_twice))
        .backend(Backend::Loom)
        .run()
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("built without the loom backend"),
        "{refused}"
    );
}

/// The failing test the replay tests run as a child process (it fails: that is its job).
const CHILD: &str = "library::an_unlocked_bank_that_must_hold";

#[test]
#[ignore = "fails on purpose; run by the replay tests as a child process"]
fn an_unlocked_bank_that_must_hold() {
    check(model!(withdraw_twice))
        .forbid(overdraft)
        .assert_holds();
}

/// Runs the ignored test `test` in this test binary, with `replay` in the environment (or
/// none); it must fail. Returns what it printed.
fn run_test(test: &str, replay: Option<&str>) -> String {
    match replay {
        Some(token) => run_test_with(test, &[(REPLAY_VAR, token)]),
        None => run_test_with(test, &[]),
    }
}

/// [`run_test`], with `env` as the only variables of ours set.
fn run_test_with(test: &str, env: &[(&str, &str)]) -> String {
    let mut child = Command::new(std::env::current_exe().expect("this test binary"));
    child.args([test, "--exact", "--ignored", "--test-threads=1"]);
    child.env_remove(REPLAY_VAR);
    child.envs(env.iter().copied());
    let output = child.output().expect("the test binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "the child must fail:\n{text}");
    text
}

fn run_child(replay: Option<&str>) -> String {
    run_test(CHILD, replay)
}

/// The token in the `replay:` line of `test`'s report, which must be the command that replays
/// it (`INTERLEAVE_REPLAY=<token> cargo test --test models <test> -- --exact --include-ignored`).
fn replay_token_of(test: &str, text: &str) -> String {
    let line = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay: "))
        .unwrap_or_else(|| panic!("no replay line in:\n{text}"));
    let (token, _) = line
        .strip_prefix(&format!("{REPLAY_VAR}="))
        .and_then(|rest| rest.split_once(' '))
        .unwrap_or_else(|| panic!("not an {REPLAY_VAR}= line: {line}"));
    assert_eq!(line, crate::replay_line::expected_line(token, test));
    assert_eq!(line, replay_line(EXPLORER, token, Some(test)));
    token.to_owned()
}

fn replay_token(text: &str) -> String {
    replay_token_of(CHILD, text)
}

/// The verdict without its time, what the failure was, at which execution, and its timeline:
/// the report's lines from the verdict to the replay line.
fn the_failing_execution(text: &str) -> Vec<String> {
    let story: Vec<String> = text
        .lines()
        .skip_while(|line| !line.contains(": VIOLATED "))
        .take_while(|line| !line.trim_start().starts_with("replay:"))
        .map(|line| match line.split_once(": VIOLATED ") {
            Some(_) => line.split(" in ").next().unwrap_or(line).to_owned(),
            None => line.to_owned(),
        })
        .collect();
    assert!(story.len() > 4, "no failure with a timeline in:\n{text}");
    story
}

#[test]
fn the_printed_replay_line_reproduces_the_same_failing_execution() {
    let first = run_child(None);
    let token = replay_token(&first);
    let replayed = run_child(Some(&token));
    // The same execution by the same number, after as many executions.
    assert_eq!(
        the_failing_execution(&replayed),
        the_failing_execution(&first)
    );
    assert!(
        replayed.contains(&format!(
            "{CHILD} [{}, 2 threads]: VIOLATED after ",
            EXPLORER.name()
        )),
        "{replayed}"
    );
    assert_eq!(replay_token(&replayed), token);
}

#[test]
fn a_token_for_another_model_is_ignored_and_a_malformed_one_fails_in_one_line() {
    let first = run_child(None);
    let token = replay_token(&first);
    let (backend, rest) = token.split_once('.').unwrap();
    let (_tag, rest) = rest.split_once('.').unwrap();
    let another = format!(
        "{backend}.{}.{rest}",
        interleave::checker::token_tag("someone/else")
    );
    let unaffected = run_child(Some(&another));
    assert_eq!(replay_token(&unaffected), token, "the search ran as usual");
    let malformed = run_child(Some("shuttle.nonsense"));
    assert!(
        malformed.contains("bad replay token: expected shuttle.<tag>"),
        "{malformed}"
    );
    let at_the_check = "panicked at tests/models/library.rs:";
    assert!(malformed.contains(at_the_check), "{malformed}");
}

/// A token naming an execution past the check's own executions (1000 by default) fails the
/// check in one line, before it runs.
#[test]
fn a_token_past_the_checks_executions_fails_it_before_it_runs() {
    let token = replay_token(&run_child(None));
    let (search, _) = token.rsplit_once('.').unwrap();
    let text = run_child(Some(&format!("{search}.1001")));
    assert!(
        text.contains(&format!(
            "bad replay token: execution 1001 is beyond the 1000 executions a check of {CHILD} runs"
        )),
        "{text}"
    );
}

#[test]
fn a_budget_variable_that_is_not_a_number_fails_the_check_in_one_line() {
    let text = run_test_with(CHILD, &[("INTERLEAVE_EXECUTIONS", "lots")]);
    assert!(
        text.contains(
            "bad budget: INTERLEAVE_EXECUTIONS=\"lots\" is not a whole number in 1..=18446744073709551615\n"
        ),
        "{text}"
    );
}

#[test]
fn a_backend_variable_that_would_change_the_search_fails_the_check_in_one_line() {
    let text = run_test_with(CHILD, &[("SHUTTLE_RANDOM_SEED", "7")]);
    assert!(
        text.contains("bad budget: SHUTTLE_RANDOM_SEED is set: interleave sets the backends' seeds and limits itself"),
        "{text}"
    );
}

#[cfg(loom)]
mod under_loom {
    use super::*;

    #[test]
    fn the_overdraft_is_found_exhaustively_and_replays() {
        let failure = check(model!(withdraw_twice))
            .forbid(overdraft)
            .assert_violation("overdraft");
        let token = failure.replay.expect("a loom failure is replayable");
        assert_eq!(token.backend(), Backend::Loom, "{token}");
    }

    #[test]
    fn the_locked_withdrawals_hold_in_every_execution() {
        let report = check(model!(withdraw_twice_locked))
            .forbid(overdraft)
            .assert_holds();
        assert!(report.exhaustive);
        assert_eq!(report.outcomes.texts(), ["40"]);
    }
}

/// The README's "Use it on your own code": the same test written for interleave, shuttle and
/// loom, each finding the overdraft (the README's versions assert it never happens).
mod readme {
    use interleave::prelude::*;

    #[test]
    #[ignore = "the README's test, which fails on purpose; run by the next test as a child process"]
    fn overdraft() {
        check(model!(|R| {
            let balance = Arc::new(Shared::<R, i64>::named("balance", 100));
            let withdraw = || {
                let balance = balance.clone();
                R::spawn(move || {
                    if balance.load() >= 60 {
                        balance.store(balance.load() - 60);
                    }
                })
            };
            let (first, second) = (withdraw(), withdraw());
            first.join();
            second.join();
            assert!(balance.load() >= 0, "overdraft");
        }))
        .assert_holds();
    }

    #[test]
    fn the_interleave_version_fails_with_the_overdraft_and_its_replay_line() {
        let test = "library::readme::overdraft";
        let text = super::run_test(test, None);
        assert!(text.contains("  panicked: overdraft (execution "), "{text}");
        super::replay_token_of(test, &text);
    }

    #[test]
    #[should_panic(expected = "overdraft")]
    fn the_shuttle_version_finds_the_overdraft() {
        use shuttle::sync::atomic::{AtomicI64, Ordering::SeqCst};
        use shuttle::{sync::Arc, thread};

        shuttle::check_random(
            || {
                let balance = Arc::new(AtomicI64::new(100));
                let withdraw = || {
                    let balance = balance.clone();
                    thread::spawn(move || {
                        if balance.load(SeqCst) >= 60 {
                            balance.store(balance.load(SeqCst) - 60, SeqCst);
                        }
                    })
                };
                let (first, second) = (withdraw(), withdraw());
                first.join().unwrap();
                second.join().unwrap();
                assert!(balance.load(SeqCst) >= 0, "overdraft");
            },
            1000,
        );
    }

    #[cfg(loom)]
    #[test]
    #[should_panic(expected = "overdraft")]
    fn the_loom_version_finds_the_overdraft() {
        use loom::sync::atomic::{AtomicI64, Ordering::SeqCst};
        use loom::{sync::Arc, thread};

        loom::model(|| {
            let balance = Arc::new(AtomicI64::new(100));
            let withdraw = || {
                let balance = balance.clone();
                thread::spawn(move || {
                    if balance.load(SeqCst) >= 60 {
                        balance.store(balance.load(SeqCst) - 60, SeqCst);
                    }
                })
            };
            let (first, second) = (withdraw(), withdraw());
            first.join().unwrap();
            second.join().unwrap();
            assert!(balance.load(SeqCst) >= 0, "overdraft");
        });
    }
}

/// What a library check's user sees of the backends: nothing. The ignored test below runs
/// checks that hold and checks that find a violation, under the portfolio and the random
/// scheduler, then fails on purpose; the next test runs it uncaptured.
const QUIET_CHILD: &str = "library::checks_print_nothing_of_their_own";
const QUIET_MARK: &str = "every check above has run";

#[test]
#[ignore = "fails on purpose; run by the next test as a child process"]
fn checks_print_nothing_of_their_own() {
    let locked = || check(model!(withdraw_twice_locked)).forbid(overdraft);
    locked().executions(50).assert_holds();
    locked().outcomes().executions(50).assert_holds();
    check(model!(withdraw_twice))
        .forbid(overdraft)
        .assert_violation("overdraft");
    check(model!(|R| {
        let refuses = thread::spawn::<R, _, _>(|| panic!("a worker gives up"));
        refuses.join();
    }))
    .assert_violation("a worker gives up");
    check(model!(|R| {
        let idle = thread::spawn::<R, _, _>(|| ());
        assert!(
            Shared::<R, i64>::named("balance", 1).load() == 0,
            "main gives up"
        );
        idle.join();
    }))
    .assert_violation("main gives up");
    eprintln!("{QUIET_MARK}");
    check(model!(withdraw_twice))
        .forbid(overdraft)
        .assert_holds();
}

#[test]
fn shuttle_says_nothing_in_a_user_s_test_output_passing_or_failing() {
    let output = Command::new(std::env::current_exe().expect("this test binary"))
        .args([QUIET_CHILD, "--exact", "--ignored", "--nocapture"])
        .env_remove(REPLAY_VAR)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the test binary runs");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the child must fail:\n{err}");
    let (before, after) = err
        .split_once(&format!("{QUIET_MARK}\n"))
        .unwrap_or_else(|| panic!("no mark in:\n{err}"));
    assert_eq!(before, "", "the checks printed");
    assert!(after.contains("VIOLATED after"), "{after}");
    for shuttle_says in [
        "failing seed",
        "To replay the failure",
        "Task failed",
        "test panicked in task",
        "ExecutionState",
        "SHUTTLE_",
    ] {
        assert!(
            !after.contains(shuttle_says),
            "{shuttle_says:?} in:\n{after}"
        );
    }
}

/// Code written against 0.1.0 names the lesson types where 0.1.0 had them, in `model`.
#[test]
fn the_0_1_0_paths_in_model_name_the_lesson_types() {
    use std::any::TypeId;
    assert_eq!(
        [
            TypeId::of::<interleave::model::Params>(),
            TypeId::of::<interleave::model::Expect>(),
            TypeId::of::<interleave::model::Class>(),
            TypeId::of::<interleave::model::Observed>(),
            TypeId::of::<interleave::model::Variant>(),
            TypeId::of::<interleave::model::Concept>(),
        ],
        [
            TypeId::of::<interleave::lesson::Params>(),
            TypeId::of::<interleave::lesson::Expect>(),
            TypeId::of::<interleave::lesson::Class>(),
            TypeId::of::<interleave::lesson::Observed>(),
            TypeId::of::<interleave::lesson::Variant>(),
            TypeId::of::<interleave::lesson::Concept>(),
        ]
    );
}
