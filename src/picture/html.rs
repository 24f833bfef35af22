//! The self-contained HTML page (`--report DIR` writes it as `DIR/index.html`): the verdicts, each
//! failure's timeline and replay command, the outcome histograms and the timing charts, all drawn
//! from the [`data`](super::data) documents. XHTML-clean, inline CSS, no script, no URL.

use super::data::{ConceptData, Run, TimingData, Tour};
use super::{chart, escape, histogram, svg};
use std::fmt::Write;

const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; color: #1d2430; margin: 2em auto; max-width: 78em; padding: 0 1.5em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #d5dbe5; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
code, .headline { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em; }
.headline { background: #f4f6fa; padding: 0.4em 0.6em; border-radius: 4px; white-space: pre-wrap; }
.verdict-holds { border-left: 4px solid #4c9a5b; }
.verdict-violated, .verdict-deadlock, .verdict-step-limit { border-left: 4px solid #c8413b; }
.replay code { background: #1d2430; color: #f4f6fa; padding: 0.3em 0.5em; border-radius: 4px; display: inline-block; }
.setup { white-space: pre-line; }
.figure { overflow-x: auto; margin: 0.4em 0 1em; }
.key { color: #5a6475; font-size: 0.88em; margin: 0.2em 0; }
nav ul { columns: 2; }
details summary { cursor: pointer; color: #445; }
svg text { font: 12px ui-monospace, Menlo, Consolas, monospace; fill: #1d2430; }
svg .lane-head { fill: #e3e9f3; }
svg .lane-name { font-weight: bold; }
svg .lane-line { stroke: #9aa6b8; stroke-width: 2; }
svg .step, svg .step-heading { fill: #7a8496; }
svg .event rect { fill: #eef3fb; stroke: #5b7db1; }
svg .event.stale rect { fill: #fde2e0; stroke: #c8413b; stroke-width: 2; }
svg .event.overwritten rect { fill: #fff1c9; stroke: #d9a400; stroke-width: 2; }
svg .event.exit rect { fill: #f1f1f1; stroke: #666; }
svg .at { fill: #6a7385; font-size: 10.5px; }
svg .hold rect { fill: #7a9a3a; opacity: 0.85; }
svg .hold-label { font-size: 10px; fill: #4b6020; }
svg .folded line { stroke: #b0b7c3; stroke-dasharray: 4 4; }
svg .folded text { fill: #6a7385; font-style: italic; }
svg .blocked rect { fill: #f3e5f5; stroke: #8e24aa; stroke-width: 2; }
svg .ring path { fill: none; stroke: #8e24aa; stroke-width: 2.5; }
svg .ring polygon { fill: #8e24aa; }
svg .lost-update path { fill: none; stroke: #c8413b; stroke-width: 2.5; }
svg .lost-update polygon, svg .lost-update text { fill: #c8413b; }
svg .overwrite line { stroke: #d9a400; stroke-width: 2; stroke-dasharray: 6 3; }
svg .cut { fill: none; stroke: #c8413b; stroke-width: 2; }
svg .cut-label { fill: #c8413b; font-size: 10.5px; }
svg .acceptable { fill: #4c9a5b; }
svg .interesting { fill: #d9a400; }
svg .forbidden { fill: #c8413b; }
svg .missing { fill: #ffffff; stroke: #7a8496; stroke-dasharray: 4 3; }
svg .missing.acceptable { stroke: #4c9a5b; }
svg .missing.interesting { stroke: #d9a400; }
svg .missing.forbidden { stroke: #c8413b; }
svg .chart .bar, svg.chart .bar { fill: #4a78b5; }
svg .figures { fill: #445; }
";

/// A page with one `check`, `outcomes` or `replay` run.
pub fn run_page(run: &Run) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>interleave {}: {}</h1>",
        escape(&run.command),
        escape(&run.id)
    );
    body.push_str(&run_section(run, true));
    page(&format!("interleave {} {}", run.command, run.id), &body)
}

/// A page with one concept's timing chart.
pub fn timing_page(concept: &str, timing: &TimingData) -> String {
    let mut body = String::new();
    let _ = write!(body, "<h1>interleave time: {}</h1>", escape(concept));
    body.push_str(&timing_section(timing));
    page(&format!("interleave time {concept}"), &body)
}

/// The tour's page: an index of concepts, then each concept's runs and timing chart.
pub fn tour_page(tour: &Tour) -> String {
    let mut body = String::from(
        "<h1>interleave: the tutorial's concurrency lessons, explored</h1><nav><h2>Concepts</h2><ul>",
    );
    for concept in &tour.concepts {
        let failures = concept.runs.iter().filter(|r| r.failure.is_some()).count();
        let _ = write!(
            body,
            r##"<li><a href="#{}">{}</a> ({} runs, {} with a counterexample)</li>"##,
            anchor(&concept.id),
            escape(&concept.title),
            concept.runs.len(),
            failures
        );
    }
    body.push_str("</ul></nav>");
    for concept in &tour.concepts {
        body.push_str(&concept_section(concept));
    }
    page("interleave: the tour", &body)
}

fn concept_section(concept: &ConceptData) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="concept" id="{}"><h2>{} <small>({})</small></h2>"#,
        anchor(&concept.id),
        escape(&concept.title),
        escape(&concept.file)
    );
    for run in &concept.runs {
        out.push_str(&run_section(run, false));
    }
    if let Some(timing) = &concept.timing {
        out.push_str(&timing_section(timing));
    }
    out.push_str("</section>");
    out
}

/// A run's verdict, its failure's timeline and replay command, and its outcome histogram (folded
/// away in the tour, where `open` is false).
fn run_section(run: &Run, open: bool) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="run" id="{}"><h3>{} [{}, {} threads]</h3><p class="headline verdict-{}">{}</p>"#,
        anchor(&format!("{}-{}", run.id, run.backend)),
        escape(&run.id),
        escape(&run.backend),
        run.threads,
        anchor(&run.verdict),
        escape(&run.headline)
    );
    if let Some(failure) = &run.failure {
        let _ = write!(
            out,
            r#"<p class="message">{} (execution {})</p>"#,
            escape(&failure.message),
            failure.execution
        );
        if let Some(cycle) = &failure.cycle {
            let _ = write!(out, r#"<p class="cycle">{}</p>"#, escape(cycle));
        }
        if let Some(picture) = svg::timeline(failure) {
            let key = if failure.lost_update.is_some() {
                "red: the stale thread's read and its write, joined by the arrow; amber: the write it overwrites"
            } else if !failure.ring.is_empty() {
                "green bars: locks held; purple: each blocked thread's arrow to the lock it waits for"
            } else {
                "green bars: locks held"
            };
            let _ = write!(
                out,
                r#"<p class="heading">{}</p><p class="key">{key}</p><div class="figure">{picture}</div>"#,
                escape(&failure.shown.heading)
            );
        }
        match &failure.replay_command {
            Some(command) => {
                let _ = write!(
                    out,
                    r#"<p class="replay">replay: <code>{}</code></p>"#,
                    escape(command)
                );
            }
            None => out.push_str(
                r#"<p class="replay">(a native run cannot be replayed; check it under shuttle or loom for a replayable schedule)</p>"#,
            ),
        }
    }
    if let Some(picture) = histogram::histogram(&run.outcomes) {
        let summary = outcomes_summary(run);
        if open {
            let _ = write!(
                out,
                r#"<h3>{}</h3><div class="figure">{picture}</div>"#,
                escape(&summary)
            );
        } else {
            let _ = write!(
                out,
                r#"<details><summary>{}</summary><div class="figure">{picture}</div></details>"#,
                escape(&summary)
            );
        }
    }
    out.push_str("</section>");
    out
}

/// What the histogram counts. A failing execution that ended without an outcome (a panic) is
/// counted in the verdict's executions but has no bar: the summary says so, by its number.
fn outcomes_summary(run: &Run) -> String {
    let (distinct, total) = (run.outcomes.rows.len(), run.outcomes.total);
    let executions = |n: usize| format!("{n} execution{}", if n == 1 { "" } else { "s" });
    let without = run.executions.saturating_sub(total);
    match &run.failure {
        Some(failure) if without == 1 && failure.outcome.is_none() => format!(
            "outcomes: {distinct} distinct in {}; execution {} ended without one",
            executions(total),
            failure.execution
        ),
        _ if without > 0 => format!(
            "outcomes: {distinct} distinct in {total} of {}",
            executions(run.executions)
        ),
        _ => format!("outcomes: {distinct} distinct in {}", executions(total)),
    }
}

fn timing_section(timing: &TimingData) -> String {
    format!(
        r#"<section class="timing"><h3>{}</h3><p class="setup">{}</p><div class="figure">{}</div></section>"#,
        escape(&timing.title),
        escape(&timing.setup),
        chart::chart(timing)
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        escape(title)
    )
}

/// An id for an element: letters, digits and dashes.
fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
