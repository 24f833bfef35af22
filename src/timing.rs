//! A concept's timing table, measured now (`interleave time CONCEPT` and the tour): either the
//! concept's own measurement, or one native run per variant side by side, each watched for a
//! run that stops making progress.

use crate::checker::{self, Budget, Mode, Verdict};
use crate::console::{say, sayln};
use crate::exit::{ExitCode, Refused, usage};
use crate::lesson::{Timing, TimingRow, TimingSource, WatchedRuns};
use crate::models;
use crate::picture::{self, data};
use crate::report;
use crate::runtime::Backend;
use crate::show::write_page;
use crate::signals;
use crate::suggest;
use std::path::Path;

/// `interleave time CONCEPT [--report DIR]`: measures the concept's table and prints it (and
/// draws it on `page`). Exit 130 when a stop signal left rows unmeasured.
pub fn command(concept: &str, page: Option<&Path>) -> Result<ExitCode, Refused> {
    let all = models::all();
    let timed: Vec<&str> = all
        .iter()
        .filter(|c| c.timing.is_some())
        .map(|c| c.id)
        .collect();
    let source = all
        .iter()
        .find(|c| c.id == concept)
        .and_then(|c| c.timing.as_ref())
        .ok_or_else(|| {
            usage(match suggest::nearest(concept, timed.iter().copied()) {
                Some(near) => format!("no timing for {concept:?}; did you mean {near}?"),
                None => format!(
                    "no timing for {concept:?}; concepts with a timing table: {}",
                    timed.join(", ")
                ),
            })
        })?;
    let timing = measure(source);
    say!("{}", report::timing(&timing));
    if let Some(page) = page {
        let chart = data::TimingData::from_timing(&timing);
        write_page(page, &picture::html::timing_page(concept, &chart))?;
    }
    let rows = rows(source);
    if let Some(signal) = signals::received()
        && timing.rows.len() < rows
    {
        sayln!(
            "cut short by {signal}: {} of {rows} rows measured",
            timing.rows.len()
        );
        return Ok(ExitCode::CutShort);
    }
    Ok(ExitCode::Ok)
}

/// A concept's timing table, measured now. A table measured row by row stops after the row
/// running when a stop signal arrives; one measured as a whole is finished.
pub fn measure(source: &TimingSource) -> Timing {
    match source {
        TimingSource::Measured(timing) => timing(),
        TimingSource::Watched(runs) => run_watched(runs),
    }
}

/// How many rows a table measured row by row has (0 for one measured as a whole), to tell a
/// table cut short by a stop signal from a whole one.
fn rows(source: &TimingSource) -> usize {
    match source {
        TimingSource::Watched(runs) => runs.variants.len(),
        TimingSource::Measured(_) => 0,
    }
}

/// One native run per variant, side by side; a run that stops making progress is reported
/// with the ring of locks its threads wait in.
fn run_watched(runs: &WatchedRuns) -> Timing {
    let rows = runs
        .variants
        .iter()
        .take_while(|_| signals::received().is_none())
        .map(|variant| {
            let mut budget = Budget::defaults(Backend::Native, Mode::Check);
            budget.executions = 1;
            budget.watchdog = runs.watchdog;
            let started = std::time::Instant::now();
            let note = match variant
                .params(Backend::Native, None)
                .map_err(|refused| refused.to_string())
                .and_then(|params| {
                    checker::check(variant, Backend::Native, &params, &budget, Mode::Check)
                        .map_err(|error| error.to_string())
                }) {
                Ok(report) => match &report.verdict {
                    Verdict::Holds => report.outcomes.texts().join(", "),
                    Verdict::NotChecked(blind) => format!("not checked: {}", blind.why),
                    other => {
                        let failure = other.failure().expect("a failure");
                        let verdict = other.name().to_uppercase();
                        match report::cycle(&failure.trace) {
                            Some(cycle) => format!("{verdict}: {}; {cycle}", failure.message),
                            None => format!("{verdict}: {}", failure.message),
                        }
                    }
                },
                Err(error) => format!("not measured: {error}"),
            };
            TimingRow {
                label: variant.id.to_owned(),
                seconds: started.elapsed().as_secs_f64(),
                note,
            }
        })
        .collect();
    Timing {
        title: runs.title.to_owned(),
        setup: (runs.setup)(),
        rows,
        ratios: runs.ratios.clone(),
    }
}
