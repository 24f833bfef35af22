//! One way to run any variant under any backend, and the assertions every concept's tests share.

#![allow(dead_code)]

use interleave::checker::{self, Budget, Mode, Report, Verdict};
use interleave::lesson::{Class, Params, Variant};
use interleave::runtime::Backend;

/// Runs `variant` on `backend` with the default budget (optionally fewer executions for speed).
pub fn run_variant(
    variant: &Variant,
    backend: Backend,
    threads: usize,
    mode: Mode,
    executions: Option<usize>,
) -> Report {
    let mut budget = Budget::for_variant(variant, backend, mode);
    if let Some(executions) = executions {
        budget.executions = executions;
    }
    checker::check(variant, backend, &Params { threads }, &budget, mode).expect("backend is built")
}

/// Runs `id` on `backend` with the default budget (optionally fewer executions for speed).
pub fn run(
    id: &str,
    backend: Backend,
    threads: usize,
    mode: Mode,
    executions: Option<usize>,
) -> Report {
    let variant = interleave::models::find(id).unwrap_or_else(|| panic!("no variant {id}"));
    let mut budget = Budget::for_variant(&variant, backend, mode);
    if let Some(executions) = executions {
        budget.executions = executions;
    }
    checker::check(&variant, backend, &Params { threads }, &budget, mode).expect("backend is built")
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

/// A violation was found, and its message names what went wrong.
pub fn assert_violation(report: &Report, message: &str) -> checker::Failure {
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
pub fn assert_deadlock(report: &Report) -> checker::Failure {
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

/// The distinct outcome texts, sorted.
pub fn outcome_set(report: &Report) -> Vec<String> {
    report.outcomes.texts()
}

pub fn strings(items: &[&str]) -> Vec<String> {
    let mut items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    items.sort();
    items
}
