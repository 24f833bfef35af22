//! Grading in this process: each property checked, its report turned into a [`PropertyResult`].
//! The child process of a submission runs this ([`super::child`]); the tests run it directly on
//! the project's own implementations.

use super::Property;
use super::report::{
    Counterexample, Coverage, CoverageKind, Location, PropertyResult, Status, Step,
};
use crate::checker::{self, Budget, Mode, Progress, Report, Strategy, Verdict};
use crate::report::{action_text, explaining_events, verdict_untimed};
use crate::runtime::Backend;
use std::sync::Arc;
use std::time::Instant;

/// Shuttle jobs per search: fixed, not one per core, so that a submission gets the same
/// counterexample on a laptop and on a CI runner.
pub const JOBS: usize = 2;

/// Loom executions a property's search may run before it is `unfinished`: a count, so a grade
/// is the same on a fast and a slow runner, and small enough that every property of a
/// submission fits well within the wall-clock limit on a slow one (the references' whole
/// searches are at most 4,603 executions).
pub const LOOM_EXECUTIONS: usize = 20_000;

/// Loom's preemption bound for a property that does not set its own.
pub const PREEMPTION_BOUND: usize = 3;

/// Stands for the replay command in a counterexample's text, until the supervisor, which knows
/// the submission's path, writes the command in.
pub const REPLAY_MARK: &str = "{replay}";

/// A property's own seed: derived from its exercise and name, so every property of every
/// submission is searched the same way on every run.
pub fn property_seed(exercise: &str, property: &str) -> u64 {
    crate::util::fnv1a(format!("{exercise}/{property}").as_bytes())
}

/// How a grading run differs from the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Shuttle, loom, or both, in that order.
    pub backends: Vec<Backend>,
    /// Every property's seed, instead of its own.
    pub seed: Option<u64>,
    /// Shuttle executions per property, instead of the property's own budget (the project's
    /// debug-build tests use fewer; the gate never sets it). Loom's budget is the property's.
    pub executions: Option<usize>,
}

impl Settings {
    pub fn on(backend: Backend) -> Settings {
        Settings {
            backends: vec![backend],
            seed: None,
            executions: None,
        }
    }
}

/// The budget a property is checked with: set here in full, so that no environment variable
/// changes a grade.
pub fn budget(
    exercise: &str,
    property: &Property,
    backend: Backend,
    settings: &Settings,
) -> Budget {
    let mut budget = Budget::defaults(backend, Mode::Check);
    budget.executions = match backend {
        Backend::Loom => property.variant.loom_executions.min(LOOM_EXECUTIONS),
        _ => settings
            .executions
            .unwrap_or(property.variant.check_executions),
    };
    budget.seed = settings
        .seed
        .unwrap_or_else(|| property_seed(exercise, property.name));
    budget.strategy = Strategy::Portfolio;
    budget.preemption_bound = property
        .variant
        .loom_preemption_bound
        .unwrap_or(PREEMPTION_BOUND);
    budget.max_steps = 100_000;
    budget.jobs = JOBS;
    budget.time = None;
    budget
}

/// Checks one property on one backend.
pub fn grade(
    exercise: &str,
    property: &Property,
    backend: Backend,
    settings: &Settings,
) -> PropertyResult {
    let progress = Progress::new(&budget(exercise, property, backend, settings));
    grade_with(exercise, property, backend, settings, &progress)
}

/// [`grade`], its search's progress shared through `progress` (the child's watchdog reads it).
pub fn grade_with(
    exercise: &str,
    property: &Property,
    backend: Backend,
    settings: &Settings,
    progress: &Arc<Progress>,
) -> PropertyResult {
    let started = Instant::now();
    let variant = &property.variant;
    let mut result = PropertyResult {
        property: property.name.to_owned(),
        statement: property.statement.to_owned(),
        backend: backend.name().to_owned(),
        status: Status::Error,
        finding: None,
        message: None,
        coverage: None,
        counterexample: None,
        elapsed_ms: 0,
    };
    let outcome = variant
        .params(backend, None)
        .map_err(|refused| refused.to_string())
        .and_then(|params| {
            let budget = budget(exercise, property, backend, settings);
            checker::check_with(variant, backend, &params, &budget, Mode::Check, progress)
                .map(|mut report| {
                    super::sanitise::checker_report(&mut report);
                    (report, budget)
                })
                .map_err(|error| error.to_string())
        });
    match outcome {
        Ok((report, budget)) => fill(&mut result, &report, &budget),
        Err(error) => result.message = Some(error),
    }
    result.elapsed_ms = started.elapsed().as_millis() as u64;
    bound(&mut result);
    result
}

/// The most of a failure's message a result carries (a submission's panic may say anything).
const MAX_MESSAGE: usize = 4 * 1024;
/// The most of a failure's text report a result carries.
const MAX_REPORT_TEXT: usize = 64 * 1024;
/// The most of one timeline step's thread name or action.
const MAX_STEP_TEXT: usize = 512;

/// Cuts what a submission's own words fill (panic messages, thread names) to a few KiB, so a
/// result is always small enough for the gate to read.
fn bound(result: &mut PropertyResult) {
    if let Some(message) = &mut result.message {
        cut_middle(message, MAX_MESSAGE);
    }
    if let Some(example) = &mut result.counterexample {
        cut_middle(&mut example.text, MAX_REPORT_TEXT);
        for step in &mut example.timeline {
            cut_middle(&mut step.thread, MAX_STEP_TEXT);
            cut_middle(&mut step.action, MAX_STEP_TEXT);
        }
    }
}

/// Keeps the first three quarters and the last quarter of `limit` bytes of `text` (the end of a
/// report holds its replay line), with a mark where the rest was.
fn cut_middle(text: &mut String, limit: usize) {
    if text.len() <= limit {
        return;
    }
    let floor = |mut at: usize| {
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let head = floor(limit / 4 * 3);
    let tail = floor(text.len() - limit / 4);
    let cut = text.len() - head - (text.len() - tail);
    *text = format!("{} … ({cut} bytes cut) … {}", &text[..head], &text[tail..]);
}

fn fill(result: &mut PropertyResult, report: &Report, budget: &Budget) {
    let exhaustive = report.exhaustive && !report.interrupted;
    result.coverage = Some(Coverage {
        kind: if exhaustive {
            CoverageKind::Exhaustive
        } else {
            CoverageKind::Sampled
        },
        executions: report.executions as u64,
        threads: report.params.threads as u32,
        seed: (report.backend == Backend::Shuttle).then_some(budget.seed),
        strategy: (report.backend == Backend::Shuttle).then(|| budget.strategy.describe()),
        preemption_bound: (report.backend == Backend::Loom)
            .then_some(budget.preemption_bound as u32),
    });
    if let Verdict::NotChecked(blind) = &report.verdict {
        result.status = Status::NotChecked;
        result.message = Some(format!(
            "not checked under {}: {}; {}",
            report.backend.name(),
            blind.why,
            blind
                .detail
                .clone()
                .unwrap_or_else(|| format!("the property needs {}", blind.spot.name()))
        ));
        return;
    }
    let Some(failure) = report.verdict.failure() else {
        result.status = if report.interrupted {
            Status::Timeout
        } else if report.unfinished {
            result.message = Some(format!(
                "explored {} executions without finishing; lower the preemption bound or raise the property's loom budget",
                report.executions
            ));
            Status::Unfinished
        } else {
            Status::Pass
        };
        return;
    };
    result.status = Status::Fail;
    result.finding = Some(
        match report.verdict {
            Verdict::Deadlock(_) => "deadlock",
            Verdict::StepLimit(_) => "step-limit",
            _ => "violation",
        }
        .to_owned(),
    );
    result.message = Some(failure.message.clone());
    let trace = &failure.trace;
    let (indices, _) = explaining_events(trace);
    let timeline = indices
        .iter()
        .filter_map(|&i| trace.events.get(i).map(|event| (i, event)))
        .map(|(i, event)| Step {
            step: i as u64 + 1,
            thread: trace.thread_name(event.thread).into_owned(),
            action: action_text(trace, &event.action),
            location: event.at.map(|at| Location {
                file: at.file().to_owned(),
                line: at.line(),
            }),
        })
        .collect();
    result.counterexample = Some(Counterexample {
        execution: failure.execution as u64,
        timeline,
        text: verdict_untimed(report, &|_| REPLAY_MARK.to_owned()),
        replay: failure
            .replay
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        replay_command: String::new(),
    });
}

/// Every property on every backend, in order.
pub fn grade_all(
    exercise: &str,
    properties: &[Property],
    settings: &Settings,
) -> Vec<PropertyResult> {
    properties
        .iter()
        .flat_map(|property| {
            settings
                .backends
                .iter()
                .map(move |&backend| grade(exercise, property, backend, settings))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::cut_middle;

    #[test]
    fn a_long_text_keeps_its_head_and_its_end() {
        let mut text = format!("{}é{}replay: TOKEN", "a".repeat(5000), "b".repeat(5000));
        cut_middle(&mut text, 1000);
        assert!(text.len() < 1100, "{}", text.len());
        assert!(
            text.starts_with("aaa") && text.ends_with("replay: TOKEN"),
            "{text}"
        );
        assert!(text.contains("bytes cut"));
        let mut short = "short".to_owned();
        cut_middle(&mut short, 1000);
        assert_eq!(short, "short");
    }
}
