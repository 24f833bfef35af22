//! The tour (`interleave`, `interleave tour`): every concept, each variant's verdict under
//! shuttle (and loom in a loom build), the first counterexample's timeline, then the native
//! timing tables; with `--report DIR`, every run's pictures on one page.

use crate::checker::{self, Budget, Mode};
use crate::console::{quiet_stderr, say, sayln, with_progress};
use crate::exit::{ExitCode, Refused};
use crate::lesson::Concept;
use crate::models;
use crate::picture::{self, data};
use crate::report;
use crate::runtime::Backend;
use crate::show::{as_text, run_data, write_page};
use crate::signals;
use crate::timing::measure;
use std::path::Path;

/// Tours every concept; exit 1 if a verdict surprised. With a `page`, also writes every run's
/// pictures there. A stop signal ends it after the check or table running then, with what was
/// toured so far (exit 130).
pub fn tour(page: Option<&Path>) -> ExitCode {
    if page.is_some() {
        crate::trace::record_locations(true);
    }
    let mut pictures = data::Tour::default();
    let mut surprises = 0;
    sayln!("interleave: the tutorial's concurrency lessons, explored\n");
    let concepts = models::all();
    let mut toured = 0;
    for concept in &concepts {
        if signals::received().is_some() {
            break;
        }
        sayln!("== {} ({})", concept.title, concept.file);
        let mut runs = Vec::new();
        surprises += check_variants(concept, page.is_some(), &mut runs);
        let mut timing_data = None;
        if let Some(timing) = &concept.timing
            && signals::received().is_none()
        {
            let timing = measure(timing);
            say!("{}", report::timing(&timing));
            timing_data = page.map(|_| data::TimingData::from_timing(&timing));
        }
        if page.is_some() {
            pictures.concepts.push(data::ConceptData {
                id: concept.id.to_owned(),
                title: concept.title.to_owned(),
                file: concept.file.to_owned(),
                runs,
                timing: timing_data,
            });
        }
        sayln!();
        if signals::received().is_none() {
            toured += 1;
        }
    }
    if let Some(page) = page
        && let Err(Refused(message, code)) = write_page(page, &picture::html::tour_page(&pictures))
    {
        eprintln!("error: {message}");
        return code;
    }
    if let Some(signal) = signals::received() {
        sayln!(
            "cut short by {signal}: {toured} of {} concepts toured in full",
            concepts.len()
        );
        return ExitCode::CutShort;
    }
    if !cfg!(loom) {
        sayln!("(loom: build with RUSTFLAGS=\"--cfg loom\" to explore every interleaving as well)");
    }
    if surprises > 0 {
        sayln!("{surprises} verdict(s) differ from what the lessons expect");
        return ExitCode::Violated;
    }
    ExitCode::Ok
}

/// Checks each of the concept's variants on each backend of the build, printing its verdict
/// (the first failure in full); with `pictured`, keeps each run's data in `runs`. Returns how
/// many verdicts surprised.
fn check_variants(concept: &Concept, pictured: bool, runs: &mut Vec<data::Run>) -> usize {
    let backends: &[Backend] = if cfg!(loom) {
        &[Backend::Shuttle, Backend::Loom]
    } else {
        &[Backend::Shuttle]
    };
    let mut surprises = 0;
    let mut explained = false;
    for variant in &concept.variants {
        for &backend in backends {
            let Ok(params) = variant.params(backend, None) else {
                continue;
            };
            if signals::received().is_some() {
                return surprises;
            }
            let budget = Budget::for_tour(variant, backend);
            let report = match with_progress(&budget, false, |progress| {
                quiet_stderr(|| {
                    checker::check_with(variant, backend, &params, &budget, Mode::Check, progress)
                })
            }) {
                Ok(report) => report,
                Err(error) => {
                    surprises += 1;
                    sayln!("  {} [{}]: {error}", variant.id, backend.name());
                    continue;
                }
            };
            if pictured {
                runs.push(run_data(&report, "check", &budget, None));
            }
            if report.verdict.kind() != variant.expect && !report.interrupted {
                surprises += 1;
                sayln!("  UNEXPECTED: {} expected {:?}", variant.id, variant.expect);
            }
            let report = as_text(&report);
            let verdict = report::verdict(&report);
            if report.verdict.failure().is_some() && !explained {
                say!("{verdict}");
                explained = true;
            } else if let Some(headline) = verdict.lines().next() {
                sayln!("{headline}");
            }
        }
    }
    surprises
}
