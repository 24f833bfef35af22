//! Grading a class across many CI runners: `grade --shard K/N` grades only the submissions of
//! shard K, and `merge-reports` joins the N JSON reports into the one an unsharded run writes
//! (times aside), its submissions sorted by name.
//!
//! A submission's shard is `1 + fnv1a(name) % N`, its name the path as given with any trailing
//! `/` trimmed. It depends on nothing but the name and N, so every runner picks its part of the
//! same list of paths (the same glob) without knowing what the others were given.

use super::report::{GateReport, SCHEMA, Shard, SubmissionReport, Summary};
use super::sandbox::{NAMESPACES, NONE_BECAUSE};
use crate::util::fnv1a;
use std::collections::HashMap;
use std::io::Read;

/// The most shards a class may be split into.
pub const MAX_SHARDS: u32 = 1000;

/// The largest report file `merge-reports` reads.
pub const MAX_REPORT_BYTES: u64 = 64 << 20;

/// Shards named in one message at most (a run split a thousand ways may miss most of them).
const SHARDS_NAMED: usize = 10;

/// The shard (1-based) of `count` that the submission at `path` belongs to.
pub fn shard_of(path: &str, count: u32) -> u32 {
    // The name as every report writes it (made plain), so that a merge, which reads only the
    // reports, finds each submission in the shard that graded it, whatever its raw name holds.
    let plain = super::sanitise::line(path);
    let name = plain.trim_end_matches('/');
    let index = fnv1a(name.as_bytes()) % u64::from(count.max(1));
    1 + u32::try_from(index).expect("below a u32 count")
}

impl Shard {
    /// `K/N` with `1 <= K <= N <=` [`MAX_SHARDS`].
    pub fn parse(text: &str) -> Option<Shard> {
        let (index, count) = text.split_once('/')?;
        let shard = Shard {
            index: index.parse().ok()?,
            count: count.parse().ok()?,
        };
        shard.is_valid().then_some(shard)
    }

    /// `1 <= index <= count <=` [`MAX_SHARDS`] (a report read from a file may claim anything).
    pub fn is_valid(&self) -> bool {
        1 <= self.index && self.index <= self.count && self.count <= MAX_SHARDS
    }

    /// Whether the submission at `path` is one of this shard's.
    pub fn holds(&self, path: &str) -> bool {
        shard_of(path, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The refusal of a `--shard` value that [`Shard::parse`] does not read.
pub fn bad_shard(value: &str) -> String {
    format!("--shard {value:?} is not K/N with 1 <= K <= N <= {MAX_SHARDS}")
}

/// A report file: JSON of this schema, at most [`MAX_REPORT_BYTES`], its shard (if any) valid.
pub fn read(file: &str) -> Result<GateReport, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {file}: {e}"))?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(format!(
            "{file} is over {} MiB: not a report grade writes",
            MAX_REPORT_BYTES >> 20
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        format!("{file} is not JSON ({e}); merge-reports reads grade --format json's reports")
    })?;
    match value.get("schema").and_then(serde_json::Value::as_str) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(format!(
                "{file} is a report of schema {other:?}; this interleave reads {SCHEMA}"
            ));
        }
        None => {
            return Err(format!(
                "{file} is not an interleave gate report (no schema)"
            ));
        }
    }
    let report: GateReport = serde_json::from_value(value)
        .map_err(|e| format!("{file} is not an interleave gate report: {e}"))?;
    if report.sandbox != NAMESPACES && !report.sandbox.starts_with(NONE_BECAUSE) {
        return Err(format!(
            "{file} says its sandbox was {:?}, which grade never writes",
            report.sandbox
        ));
    }
    if let Some(shard) = report.shard
        && !shard.is_valid()
    {
        return Err(format!(
            "{file} claims shard {shard}, outside 1 <= K <= N <= {MAX_SHARDS}"
        ));
    }
    Ok(report)
}

/// The reports (each with the file it came from) as one: every one of a run's shards, or
/// unsharded reports of one exercise graded alike, with no submission twice.
pub fn merge(reports: Vec<(String, GateReport)>) -> Result<GateReport, String> {
    let Some((_, first)) = reports.first() else {
        return Err("no report to merge".to_owned());
    };
    if let Some((file, report)) = reports.iter().find(|(_, r)| r.cut_short.is_some()) {
        return Err(format!(
            "{file} was cut short ({}): the submissions it did not grade would be missing; \
             grade that part again",
            report.cut_short.as_deref().unwrap_or_default()
        ));
    }
    agree(&reports)?;
    check_shards(&reports)?;
    check_unique(&reports)?;
    let (schema, interleave, exercise, backends, seed_override) = (
        first.schema.clone(),
        first.interleave.clone(),
        first.exercise.clone(),
        first.backends.clone(),
        first.seed_override,
    );
    let sandbox = merged_sandbox(&reports);
    let mut submissions: Vec<SubmissionReport> = reports
        .into_iter()
        .flat_map(|(_, report)| report.submissions)
        .collect();
    submissions.sort_by(|a, b| a.submission.cmp(&b.submission));
    Ok(GateReport {
        schema,
        interleave,
        exercise,
        backends,
        seed_override,
        sandbox,
        summary: Summary::of(&submissions),
        submissions,
        shard: None,
        cut_short: None,
    })
}

/// The reports were graded alike: the same version, exercise, backends and seed (the schema is
/// checked as each is read).
fn agree(reports: &[(String, GateReport)]) -> Result<(), String> {
    type Field = fn(&GateReport) -> String;
    let fields: [(&str, Field); 4] = [
        ("interleave", |r| r.interleave.clone()),
        ("exercise", |r| r.exercise.clone()),
        ("backends", |r| r.backends.join("+")),
        ("seed_override", |r| {
            r.seed_override
                .map_or_else(|| "none".to_owned(), |seed| seed.to_string())
        }),
    ];
    let (first_file, first) = &reports[0];
    for (field, value) in fields {
        if let Some((file, report)) = reports.iter().find(|(_, r)| value(r) != value(first)) {
            return Err(format!(
                "the reports disagree on {field}: {first_file} has {:?}, {file} has {:?}",
                value(first),
                value(report)
            ));
        }
    }
    Ok(())
}

/// The merged report's sandbox: the shards' if they all say the same; else none, naming each
/// shard that had none and why. Shards that differ are merged, not refused: a sandbox changes no
/// honest submission's grade, and a runner without one must not cost the class its report
/// (grade never fails for want of a sandbox); the merge claims only what held for all of it.
fn merged_sandbox(reports: &[(String, GateReport)]) -> String {
    let first = &reports[0].1.sandbox;
    if reports.iter().all(|(_, r)| &r.sandbox == first) {
        return first.clone();
    }
    let without: Vec<String> = reports
        .iter()
        .filter(|(_, r)| r.sandbox != NAMESPACES)
        .map(|(file, r)| format!("{file} had {}", r.sandbox))
        .collect();
    format!(
        "{NONE_BECAUSE}not every shard ran in one: {}",
        without.join("; ")
    )
}

/// Shards of one run: all of one count, each index once, each holding only its own submissions.
fn check_shards(reports: &[(String, GateReport)]) -> Result<(), String> {
    let sharded: Vec<(&str, Shard)> = reports
        .iter()
        .filter_map(|(file, r)| r.shard.map(|shard| (file.as_str(), shard)))
        .collect();
    let Some(&(first_file, first)) = sharded.first() else {
        return Ok(());
    };
    if let Some((file, _)) = reports.iter().find(|(_, r)| r.shard.is_none()) {
        return Err(format!(
            "{first_file} is shard {first} but {file} is no shard: merge the shards of one run"
        ));
    }
    if let Some((file, shard)) = sharded.iter().find(|(_, s)| s.count != first.count) {
        return Err(format!(
            "the shards disagree on their count: {first_file} is {first}, {file} is {shard}"
        ));
    }
    let mut given: Vec<Option<&str>> = vec![None; first.count as usize];
    for &(file, shard) in &sharded {
        let slot = &mut given[shard.index as usize - 1];
        if let Some(earlier) = slot {
            return Err(format!(
                "shard {shard} is given twice: {earlier} and {file}"
            ));
        }
        *slot = Some(file);
    }
    let missing: Vec<String> = (1..=first.count)
        .filter(|index| given[*index as usize - 1].is_none())
        .map(|index| Shard { index, ..first }.to_string())
        .collect();
    if !missing.is_empty() {
        let more = missing.len().saturating_sub(SHARDS_NAMED);
        return Err(format!(
            "shard{} missing: {}{}; merge all {} shards of the run",
            if missing.len() == 1 { "" } else { "s" },
            missing[..missing.len().min(SHARDS_NAMED)].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            },
            first.count
        ));
    }
    for (file, report) in reports {
        let shard = report.shard.unwrap_or(first);
        if let Some(stray) = report
            .submissions
            .iter()
            .find(|s| !shard.holds(&s.submission))
        {
            return Err(format!(
                "{file} is shard {shard} but holds {}, which is shard {}/{}",
                stray.submission,
                shard_of(&stray.submission, shard.count),
                shard.count
            ));
        }
    }
    Ok(())
}

/// No submission is in two reports (nor twice in one).
fn check_unique(reports: &[(String, GateReport)]) -> Result<(), String> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (file, report) in reports {
        for submission in &report.submissions {
            if let Some(earlier) = seen.insert(&submission.submission, file) {
                return Err(format!(
                    "{} is graded twice: in {earlier} and in {file}",
                    submission.submission
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_k_of_n_within_bounds_only() {
        assert_eq!(Shard::parse("2/3"), Some(Shard { index: 2, count: 3 }));
        assert_eq!(Shard::parse("1000/1000").map(|s| s.index), Some(1000));
        for bad in [
            "0/3", "4/3", "1/0", "1/1001", "x", "1/", "/3", "1/3/5", "-1/3", " 1/3",
        ] {
            assert_eq!(Shard::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_trailing_slash_does_not_move_a_submission() {
        for count in [2, 7, 1000] {
            assert_eq!(shard_of("class/ada/", count), shard_of("class/ada", count));
            assert_eq!(shard_of("class/ada//", count), shard_of("class/ada", count));
        }
    }

    #[test]
    fn the_shard_is_fnv1a_of_the_name_modulo_the_count() {
        let expected = 1 + (fnv1a(b"submissions/counter/ada.rs") % 4) as u32;
        assert_eq!(shard_of("submissions/counter/ada.rs", 4), expected);
        assert_eq!(shard_of("anything", 1), 1);
    }

    #[test]
    fn every_name_falls_in_exactly_one_shard() {
        let names: Vec<String> = (0..200).map(|i| format!("s/{i}.rs")).collect();
        let shards: Vec<Shard> = (1..=5).map(|index| Shard { index, count: 5 }).collect();
        for name in &names {
            assert_eq!(shards.iter().filter(|s| s.holds(name)).count(), 1, "{name}");
        }
        // Spread: no shard of 200 names is empty.
        for shard in &shards {
            assert!(names.iter().any(|n| shard.holds(n)), "{shard} is empty");
        }
    }
}
