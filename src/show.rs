//! What a command shows of a run: the report as the terminal prints it (without the source
//! lines kept for the pictures, and with the outcome table held against the declared outcomes),
//! the run as data (the `--format json` document, what the pictures are drawn from), and the
//! page `--report DIR` writes.

use crate::checker::{Budget, Report, Verdict};
use crate::exit::{ExitCode, Refused, usage};
use crate::lesson::Variant;
use crate::picture::{self, data};
use crate::runtime::Backend;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The report as the terminal shows it: without the source lines recorded for the pictures, so
/// the text stays the same with `--report` as without it.
pub fn as_text(report: &Report) -> Cow<'_, Report> {
    let located = report
        .verdict
        .failure()
        .is_some_and(|f| f.trace.events.iter().any(|e| e.at.is_some()));
    if !located {
        return Cow::Borrowed(report);
    }
    let mut text = report.clone();
    if let Verdict::Violated(failure) | Verdict::Deadlock(failure) | Verdict::StepLimit(failure) =
        &mut text.verdict
    {
        for event in &mut failure.trace.events {
            event.at = None;
        }
    }
    Cow::Owned(text)
}

/// The run as data: what its report says, and how it was asked for (`command`, the budget's
/// seed or bound; under loom, the `variant`'s declared outcomes, if it is given).
pub fn run_data(
    report: &Report,
    command: &str,
    budget: &Budget,
    variant: Option<&Variant>,
) -> data::Run {
    let backend = report.backend;
    data::Run::from_report(
        report,
        data::Asked {
            command,
            seed: (backend == Backend::Shuttle).then_some(budget.seed),
            preemption_bound: (backend == Backend::Loom).then_some(budget.preemption_bound),
            declared: variant
                .filter(|_| backend == Backend::Loom)
                .and_then(|variant| variant.possible_outcomes(&report.params)),
        },
    )
}

/// `DIR/index.html`, with `DIR` made ready for it, or a usage error saying why it cannot be.
pub fn report_page(dir: &str) -> Result<PathBuf, Refused> {
    picture::prepare_report_dir(dir).map_err(usage)
}

/// Writes the report page; a write that fails is an output error (exit code 3).
pub fn write_page(page: &Path, html: &str) -> Result<(), Refused> {
    std::fs::write(page, html).map_err(|error| {
        Refused(
            format!("cannot write {}: {error}", page.display()),
            ExitCode::Output,
        )
    })
}

/// The outcome table's last word: the outcomes seen against those the variant declares. Under
/// loom the set is exhaustive; a sample's note never claims anything about the rest.
pub fn exhaustive_note(variant: &Variant, report: &Report) -> String {
    let Some(declared) = variant.possible_outcomes(&report.params) else {
        return String::new();
    };
    let mut declared: Vec<String> = declared.into_iter().map(|o| o.text).collect();
    declared.sort();
    let seen = report.outcomes.texts();
    let missing: Vec<&String> = declared.iter().filter(|d| !seen.contains(d)).collect();
    if report.backend != Backend::Loom {
        return sampled_note(&declared, &seen, &missing);
    }
    if !report.exhaustive || report.interrupted {
        // The table already says it was cut short; its failure row (a deadlock, a step limit)
        // is the verdict, not an outcome the lesson forgot to declare.
        return format!(
            "  declared: {} of {} possible outcomes seen before the stop\n",
            declared.len() - missing.len(),
            declared.len()
        );
    }
    let unexpected: Vec<&String> = seen.iter().filter(|s| !declared.contains(s)).collect();
    match (missing.is_empty(), unexpected.is_empty()) {
        (true, true) => format!(
            "  exhaustive: all {} possible outcomes seen, and nothing else\n",
            declared.len()
        ),
        (_, true) => format!(
            "  exhaustive: {} of {} possible outcomes seen; not seen: {missing:?}\n",
            seen.len(),
            declared.len()
        ),
        _ => format!("  exhaustive: outcomes outside the declared set: {unexpected:?}\n"),
    }
}

/// A sample's outcomes against the declared set: what was seen, never a claim about the rest.
fn sampled_note(declared: &[String], seen: &[String], missing: &[&String]) -> String {
    let unexpected: Vec<&String> = seen.iter().filter(|s| !declared.contains(s)).collect();
    if !unexpected.is_empty() {
        format!("  sampled: outcomes outside the declared set: {unexpected:?}\n")
    } else if missing.is_empty() {
        format!(
            "  sampled: all {} possible outcomes seen, and nothing else\n",
            declared.len()
        )
    } else {
        format!(
            "  sampled: {} of {} possible outcomes seen; not seen: {missing:?}\n",
            declared.len() - missing.len(),
            declared.len()
        )
    }
}
