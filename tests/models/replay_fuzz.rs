//! Hostile replay tokens: random text, and real tokens with one character changed. `replay`
//! either refuses the token (a bad token: exit 2 on the command line) or replays an execution of
//! the model, whose verdict is the model's own; never the backend's panic dressed as a verdict,
//! never a crash.

use interleave::checker::{self, Budget, CheckError, Mode, ReplayToken, Verdict};
use interleave::lesson::Variant;
use interleave::models::{counter_race, rlock};
use interleave::runtime::Backend;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// A real failing token for `variant` with `threads` threads.
fn real_token(variant: &Variant, threads: usize) -> String {
    let params = variant.params(Backend::Shuttle, Some(threads)).unwrap();
    let budget = Budget::for_variant(variant, Backend::Shuttle, Mode::Check);
    let report = checker::check(variant, Backend::Shuttle, &params, &budget, Mode::Check).unwrap();
    let failure = report.verdict.failure().expect("the seeded bug is found");
    failure
        .replay
        .as_ref()
        .expect("shuttle failures replay")
        .to_string()
}

/// What `replay` may answer: a refusal, or the model's own verdict.
fn assert_honest(variant: &Variant, text: &str) -> Result<(), TestCaseError> {
    let token: ReplayToken = match text.parse() {
        Ok(token) => token,
        Err(CheckError::BadToken(_)) => return Ok(()),
        Err(other) => return Err(TestCaseError::fail(format!("{text}: {other}"))),
    };
    match checker::replay(variant, &token) {
        // A loom token in a build without loom is refused, as a usage error.
        Err(CheckError::BadToken(_) | CheckError::NotBuilt(Backend::Loom)) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!("{text}: {other}"))),
        Ok(report) => {
            if let Some(failure) = report.verdict.failure() {
                for backend_text in ["schedule step", "preemption_bound", "self.threads.len()"] {
                    prop_assert!(
                        !failure.message.contains(backend_text),
                        "{text}: the backend's panic as a verdict: {}",
                        failure.message
                    );
                }
            }
            prop_assert!(matches!(
                report.verdict,
                Verdict::Holds
                    | Verdict::Violated(_)
                    | Verdict::Deadlock(_)
                    | Verdict::StepLimit(_)
            ));
            Ok(())
        }
    }
}

fn one_character_changed(token: String) -> impl Strategy<Value = String> {
    let len = token.len();
    (
        0..len,
        prop::sample::select("0123456789abcdefxyzABC._-".chars().collect::<Vec<_>>()),
    )
        .prop_map(move |(at, c)| {
            let mut chars: Vec<char> = token.chars().collect();
            chars[at] = c;
            chars.into_iter().collect()
        })
}

proptest! {
    #![proptest_config(Config {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x1e55_0b5e),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn random_text_is_refused_or_replayed_honestly(text in "[a-z0-9._-]{0,40}") {
        assert_honest(&counter_race::UNLOCKED.variant(), &text)?;
    }

    #[test]
    fn a_counter_race_token_with_one_character_changed(
        text in one_character_changed(real_token(&counter_race::UNLOCKED.variant(), 3))
    ) {
        assert_honest(&counter_race::UNLOCKED.variant(), &text)?;
    }

    #[test]
    fn an_rlock_token_with_one_character_changed(
        text in one_character_changed(real_token(&rlock::LOST_WAKEUP.variant(), 2))
    ) {
        assert_honest(&rlock::LOST_WAKEUP.variant(), &text)?;
    }

    #[test]
    fn loom_shaped_tokens_are_refused_or_replayed_honestly(
        threads in 0usize..12, bound in 0usize..400, execution in 0usize..50,
    ) {
        let tag = real_token(&rlock::LOST_WAKEUP.variant(), 2).split('.').nth(1).unwrap().to_owned();
        assert_honest(&rlock::LOST_WAKEUP.variant(), &format!("loom.{tag}.{threads}.{bound}.{execution}"))?;
    }
}

#[test]
fn a_token_for_another_model_is_refused() {
    let token: ReplayToken = real_token(&counter_race::UNLOCKED.variant(), 3)
        .parse()
        .unwrap();
    match checker::replay(&counter_race::LOCKED.variant(), &token) {
        Err(CheckError::BadToken(why)) => assert!(why.contains("another model"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A 100-thread failure is named in under 80 characters, and its token replays that failure:
/// the same message and the same outcome.
#[test]
fn hundred_thread_failures_have_short_tokens_that_replay_them() {
    use interleave::models::{gil, thread_api};
    for variant in [
        counter_race::UNLOCKED.variant(),
        gil::COUNTER_RACE.variant(),
        thread_api::RACY_COUNT.variant(),
    ] {
        let params = variant.params(Backend::Shuttle, Some(100)).unwrap();
        let mut budget = Budget::for_variant(&variant, Backend::Shuttle, Mode::Check);
        budget.executions = budget.executions.min(200);
        let report =
            checker::check(&variant, Backend::Shuttle, &params, &budget, Mode::Check).unwrap();
        let failure = report
            .verdict
            .failure()
            .unwrap_or_else(|| panic!("{}: the seeded bug is found with 100 threads", variant.id));
        let token = failure.replay.clone().expect("shuttle failures replay");
        let text = token.to_string();
        assert!(
            text.len() < 80,
            "{}: {text} has {} characters",
            variant.id,
            text.len()
        );
        let replayed = checker::replay(&variant, &text.parse().unwrap()).unwrap();
        let again = replayed.verdict.failure().expect("the failure reproduces");
        assert_eq!(
            replayed.verdict.kind(),
            report.verdict.kind(),
            "{}",
            variant.id
        );
        assert_eq!(again.message, failure.message, "{}", variant.id);
        assert_eq!(again.outcome, failure.outcome, "{}", variant.id);
    }
}

/// A seeded token is replayed within the most executions a check of its model runs: one naming
/// a later execution is refused by that number, before anything runs; [`checker::replay_within`]
/// holds a token to the budget of the check that printed it.
#[test]
fn a_seeded_execution_past_the_models_budget_is_refused_by_the_budget() {
    let variant = rlock::LOST_WAKEUP.variant();
    let token = real_token(&variant, 2);
    let (search, execution) = token.rsplit_once('.').unwrap();
    let budget = variant.check_executions;
    for past in [budget + 1, usize::MAX] {
        let token: ReplayToken = format!("{search}.{past}").parse().unwrap();
        match checker::replay(&variant, &token) {
            Err(CheckError::BadToken(why)) => assert!(
                why.starts_with(&format!(
                    "execution {past} is beyond the {budget} executions"
                )),
                "{why}"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let execution: usize = execution.parse().unwrap();
    let token: ReplayToken = token.parse().unwrap();
    match checker::replay_within(&variant, &token, execution - 1) {
        Err(CheckError::BadToken(why)) => assert!(
            why.contains(&format!("set INTERLEAVE_EXECUTIONS={execution}")),
            "{why}"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let report = checker::replay_within(&variant, &token, execution).unwrap();
    assert_eq!(report.verdict.failure().unwrap().execution, execution);
}

/// Tokens printed before tokens named their jobs (a job's seed and its own execution number)
/// still replay the execution they named: the first job of a search keeps the run's seed, so the
/// old token for execution 3 of a two-job search is its job 0's second execution.
#[test]
fn an_old_token_without_jobs_replays_the_execution_it_named() {
    let variant = counter_race::UNLOCKED.variant();
    let old: ReplayToken = "shuttle.55edf2.3.portfolio.508889950.2".parse().unwrap();
    assert_eq!(old.to_string(), "shuttle.55edf2.3.portfolio.508889950.1.2");
    let new: ReplayToken = "shuttle.55edf2.3.portfolio.508889950.2.3".parse().unwrap();
    let (old, new) = (
        checker::replay(&variant, &old).unwrap(),
        checker::replay(&variant, &new).unwrap(),
    );
    let (old, new) = (
        old.verdict.failure().unwrap(),
        new.verdict.failure().unwrap(),
    );
    assert_eq!((old.execution, new.execution), (2, 3));
    assert_eq!(old.message, new.message);
    assert_eq!(old.outcome, new.outcome);
    assert_eq!(old.trace.lost_update, new.trace.lost_update);
}
