//! What the benches share: criterion set up for short runs, where it writes, and reading back the
//! means it wrote, for each bench's closing note. (A folder, so cargo does not take it for a
//! bench of its own.)

use criterion::Criterion;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where criterion writes its estimates: `$CRITERION_HOME`, or `target/criterion`.
pub fn output_directory() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion"))
}

/// Criterion's mean for one benchmark (`group/function[/input]`), in nanoseconds, from the
/// estimates it just wrote.
pub fn mean_ns(benchmark: &str) -> Option<f64> {
    let path = output_directory()
        .join(benchmark)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let mean = &text[text.find("\"mean\"")?..];
    let value = &mean[mean.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    value[..value.find([',', '}'])?].trim().parse().ok()
}

/// Runs `benches` with a short warm-up and measurement (on purpose: about a minute a bench), then
/// prints the bench's `closing_note`.
pub fn main(benches: fn(&mut Criterion), closing_note: fn()) {
    let mut criterion = Criterion::default()
        .output_directory(&output_directory())
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
    closing_note();
}
