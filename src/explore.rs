//! `interleave check`, `outcomes` and `replay`: one variant explored (or one execution
//! replayed) as the command line asked, its report printed as text or as one JSON document, and
//! drawn on a page with `--report`.

use crate::checker::{self, Budget, CheckError, Mode, ReplayToken};
use crate::console::{quiet_stderr, say, sayln, with_progress};
use crate::exit::{ExitCode, Refused, usage};
use crate::lesson::Variant;
use crate::picture;
use crate::report;
use crate::runtime::Backend;
use crate::show::{as_text, exhaustive_note, run_data, write_page};
use crate::signals;
use std::path::PathBuf;
use std::time::Duration;

/// What `check` or `outcomes` was asked: the variant, the backend, and what overrides the
/// variant's own budget (`None`: its default).
pub struct Request {
    pub variant: Variant,
    pub backend: Backend,
    pub threads: Option<usize>,
    pub executions: Option<usize>,
    pub seed: Option<u64>,
    pub preemption_bound: Option<usize>,
    pub jobs: Option<usize>,
    /// Explore this long instead of a count of executions.
    pub time: Option<Duration>,
    /// `DIR/index.html`, made ready (see [`crate::show::report_page`]).
    pub page: Option<PathBuf>,
    /// One JSON document on stdout instead of the text.
    pub json: bool,
}

/// Explores the variant as asked, prints the report, and returns the exit code: a check's
/// verdict, or the outcome table's (see [`ExitCode::of_outcomes`]).
pub fn check(request: &Request, mode: Mode) -> Result<ExitCode, Refused> {
    let Request {
        variant, backend, ..
    } = request;
    if !backend.is_built() {
        return Err(CheckError::NotBuilt(*backend).into());
    }
    let params = variant
        .params(*backend, request.threads)
        .map_err(|refused| usage(refused.describe("--threads")))?;
    let budget = budget(request, mode);
    let pictured = request.json || request.page.is_some();
    if pictured {
        // The pictures label each step with the reader's own source line.
        crate::trace::record_locations(true);
    }
    let report = with_progress(&budget, true, |progress| {
        quiet_stderr(|| checker::check_with(variant, *backend, &params, &budget, mode, progress))
    })?;
    if report.executions == 0 {
        return Err(nothing_explored(&budget));
    }
    if pictured {
        let command = if mode == Mode::Outcomes {
            "outcomes"
        } else {
            "check"
        };
        let run = run_data(&report, command, &budget, Some(variant));
        if let Some(page) = &request.page {
            write_page(page, &picture::html::run_page(&run))?;
        }
        if request.json {
            let json = serde_json::to_string_pretty(&run).map_err(|error| {
                Refused(
                    format!("cannot write the JSON report: {error}"),
                    ExitCode::Output,
                )
            })?;
            sayln!("{json}");
        }
    }
    if !request.json {
        say!("{}", report::verdict(&as_text(&report)));
        say!("{}", report::outcomes(&report));
    }
    if mode == Mode::Outcomes {
        if !request.json {
            say!("{}", exhaustive_note(variant, &report));
        }
        return Ok(ExitCode::of_outcomes(&report));
    }
    Ok(ExitCode::of_report(&report))
}

/// The variant's budget for `mode` under the backend, with what the request overrides.
fn budget(request: &Request, mode: Mode) -> Budget {
    let mut budget = Budget::for_variant(&request.variant, request.backend, mode);
    if let Some(executions) = request.executions {
        budget.executions = executions;
    }
    if let Some(seed) = request.seed {
        budget.seed = seed;
    }
    if let Some(bound) = request.preemption_bound {
        budget.preemption_bound = bound;
    }
    if let Some(jobs) = request.jobs {
        budget.jobs = jobs;
    }
    budget.time = request.time;
    budget
}

/// A search that finished no execution has nothing to say about the model: never a verdict.
fn nothing_explored(budget: &Budget) -> Refused {
    match (signals::received(), budget.time) {
        (Some(signal), _) => Refused(
            format!("cut short by {signal} before any execution finished"),
            ExitCode::CutShort,
        ),
        (None, Some(time)) => usage(format!(
            "no execution finished within --time ({time:?}); give it more time"
        )),
        (None, None) => Refused(
            "checker error: the search ran no execution".to_owned(),
            ExitCode::CHECKER_ERROR,
        ),
    }
}

/// `interleave replay ID TOKEN`: re-runs exactly the execution the token names and prints its
/// report; the exit code is its verdict's.
pub fn replay(variant: &Variant, token: &str) -> Result<ExitCode, Refused> {
    let token: ReplayToken = token.parse()?;
    let report = quiet_stderr(|| checker::replay(variant, &token))?;
    say!("{}", report::verdict(&report));
    say!("{}", report::outcomes(&report));
    Ok(ExitCode::of_report(&report))
}
