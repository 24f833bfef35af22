//! Each message shuttle 0.9.10 and loom 0.7.3 raise on their own, provoked for real, and what
//! the checker makes of it: a verdict about the model (deadlock, step limit, one schedule) or a
//! checker error, never a violation of the model.

use interleave::checker::{self, Budget, CheckError, Mode, Verdict};
use interleave::lesson::{Class, Expect, Lesson, Params, Row};
use interleave::runtime::{Backend, Runtime};
use interleave::sync::Mutex;
use interleave::thread;
use std::sync::Arc;

struct Provoke;

#[derive(Clone, Copy)]
enum What {
    /// A thread that never stops yielding: the backend's step bound ends it.
    Spin,
    /// One thread only: PCT has nothing to choose.
    Alone,
    /// Two threads take two locks in opposite orders.
    Ring,
    /// `params.threads` threads, however many the backend allows.
    #[cfg_attr(not(loom), allow(dead_code))]
    Threads,
}

impl Lesson for Provoke {
    type Version = What;
    type Outcome = usize;

    fn run<R: Runtime>(what: What, params: &Params) -> usize {
        match what {
            What::Spin => {
                let spinner = thread::spawn::<R, _, _>(|| {
                    loop {
                        thread::yield_now::<R>();
                    }
                });
                spinner.join()
            }
            What::Alone => 1,
            What::Ring => {
                let (a, b) = (
                    Arc::new(Mutex::<R, ()>::new(())),
                    Arc::new(Mutex::<R, ()>::new(())),
                );
                let other = {
                    let (a, b) = (a.clone(), b.clone());
                    thread::spawn::<R, _, _>(move || {
                        let _b = b.lock();
                        let _a = a.lock();
                    })
                };
                {
                    let _a = a.lock();
                    let _b = b.lock();
                }
                other.join();
                2
            }
            What::Threads => {
                let all: Vec<_> = (0..params.threads)
                    .map(|_| thread::spawn::<R, _, _>(|| ()))
                    .collect();
                all.into_iter().for_each(thread::JoinHandle::join);
                params.threads
            }
        }
    }

    fn classify(_: What, _: &usize, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "ran")
    }
}

fn check(what: What, backend: Backend, threads: usize) -> Result<Verdict, CheckError> {
    let variant = Row::<Provoke>::new("provoke/it", what, Expect::Holds, "").variant();
    let mut budget = Budget::for_variant(&variant, backend, Mode::Check);
    budget.executions = 50;
    budget.max_steps = 2_000;
    checker::check(&variant, backend, &Params { threads }, &budget, Mode::Check)
        .map(|report| report.verdict)
}

#[test]
fn shuttle_s_step_bound_is_a_step_limit() {
    match check(What::Spin, Backend::Shuttle, 1).unwrap() {
        Verdict::StepLimit(failure) => assert!(
            failure
                .message
                .starts_with("step limit: exceeded max_steps bound"),
            "{}",
            failure.message
        ),
        other => panic!("expected a step limit, got {}", other.name()),
    }
}

#[test]
fn shuttle_s_deadlock_is_a_deadlock_with_its_ring() {
    let mut found = None;
    for seed in 1..20 {
        let variant =
            Row::<Provoke>::new("provoke/ring", What::Ring, Expect::Deadlock, "").variant();
        let mut budget = Budget::for_variant(&variant, Backend::Shuttle, Mode::Check);
        budget.seed = seed;
        let report = checker::check(
            &variant,
            Backend::Shuttle,
            &Params { threads: 2 },
            &budget,
            Mode::Check,
        )
        .unwrap();
        if let Verdict::Deadlock(failure) = report.verdict {
            found = Some(failure);
            break;
        }
    }
    let failure = found.expect("the ring is found");
    assert!(
        failure.message.contains("2 threads wait in a ring"),
        "{}",
        failure.message
    );
}

#[test]
fn pct_with_one_thread_says_one_schedule_is_all_schedules() {
    let variant = Row::<Provoke>::new("provoke/alone", What::Alone, Expect::Holds, "").variant();
    let budget = Budget::for_variant(&variant, Backend::Shuttle, Mode::Check);
    let report = checker::check(
        &variant,
        Backend::Shuttle,
        &Params { threads: 1 },
        &budget,
        Mode::Check,
    )
    .unwrap();
    assert!(matches!(report.verdict, Verdict::Holds));
    assert!(
        report.bounds.contains("one schedule is all schedules"),
        "{}",
        report.bounds
    );
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_deadlock_is_a_deadlock() {
        match check(What::Ring, Backend::Loom, 2).unwrap() {
            Verdict::Deadlock(failure) => assert!(
                failure.message.contains("2 threads wait in a ring"),
                "{}",
                failure.message
            ),
            other => panic!("expected a deadlock, got {}", other.name()),
        }
    }

    #[test]
    fn loom_thread_limit_is_a_checker_error_not_a_violation() {
        match check(What::Threads, Backend::Loom, 6) {
            Err(CheckError::Backend { message, .. }) => {
                assert!(
                    message.contains("self.threads.len() < self.max()"),
                    "{message}"
                )
            }
            other => panic!("expected a checker error, got {other:?}"),
        }
    }

    /// Loom counts preemptions in a byte: a larger bound is refused before loom sees it.
    #[test]
    fn a_preemption_bound_loom_cannot_count_is_refused_first() {
        let variant =
            Row::<Provoke>::new("provoke/alone", What::Alone, Expect::Holds, "").variant();
        let mut budget = Budget::for_variant(&variant, Backend::Loom, Mode::Check);
        budget.preemption_bound = 256;
        match checker::check(
            &variant,
            Backend::Loom,
            &Params { threads: 1 },
            &budget,
            Mode::Check,
        ) {
            Err(CheckError::BadBudget(why)) => assert!(why.contains("over loom's 255"), "{why}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
