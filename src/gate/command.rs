//! The gate's commands: `exercises`, `starter EXERCISE [DIR]`, `grade EXERCISE PATH... [OPTIONS]`,
//! `merge-reports REPORT.json... [OPTIONS]` (a class graded in shards, see [`super::shard`]).
//! Exit codes of `grade` and `merge-reports`: 0 every property of every submission holds,
//! 1 a property fails or times out, 2 a usage error, 3 a submission was rejected (did not
//! compile, broke a rule), 4 the grader itself failed, 130 `grade` was cut short by SIGINT or
//! SIGTERM (the report has the submissions graded before the signal).

use super::formats::{self, Format};
use super::report::{GateReport, Shard};
use super::run::{self, DEFAULT_LIMIT, Options};
use super::shard;
use super::{Exercise, exercises};
use crate::runtime::Backend;
use crate::signals::{self, CUT_SHORT};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

pub const USAGE: &str = "  interleave exercises
  interleave starter EXERCISE [DIR]
  interleave grade EXERCISE PATH... [--backend shuttle|loom|both] [--format text|json|junit|github|gradescope]
                   [--out FILE] [--seed S] [--timeout SECONDS] [--property NAME] [--replay TOKEN]
                   [--shard K/N]
  interleave merge-reports REPORT.json... [--format text|json|junit|github] [--out FILE]";

pub use crate::util::Refused;
use crate::util::usage;

fn find(name: &str) -> Result<Exercise, Refused> {
    exercises::find(name).ok_or_else(|| {
        usage(format!(
            "unknown exercise {name:?}; the exercises are: {}",
            exercises::names().join(", ")
        ))
    })
}

/// `interleave exercises`: one per line, name and statement.
pub fn list() -> String {
    exercises::all()
        .iter()
        .map(|e| format!("{:<16} {}\n", e.name, e.statement))
        .collect()
}

/// `interleave starter EXERCISE [DIR]`: writes `submission.rs` and `README.md` into DIR
/// (default: a folder named after the exercise); never overwrites.
pub fn starter(name: &str, dir: Option<&str>) -> Result<String, Refused> {
    let exercise = find(name)?;
    let dir = Path::new(dir.unwrap_or(exercise.name));
    let files = [
        ("submission.rs", exercise.starter),
        ("README.md", exercise.readme),
    ];
    for (file, _) in &files {
        if dir.join(file).exists() {
            return Err(Refused(
                format!(
                    "{} exists already; starter never overwrites (choose another folder)",
                    dir.join(file).display()
                ),
                2,
            ));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Refused(format!("cannot create {}: {e}", dir.display()), 2))?;
    for (file, text) in files {
        std::fs::write(dir.join(file), text)
            .map_err(|e| Refused(format!("cannot write {}: {e}", dir.join(file).display()), 2))?;
    }
    let file = dir.join("submission.rs");
    Ok(format!(
        "wrote {} and {}\ngrade it with: interleave grade {} {}\n",
        file.display(),
        dir.join("README.md").display(),
        exercise.name,
        file.display()
    ))
}

/// The longest wall-clock limit accepted: a day.
const MAX_TIMEOUT_SECONDS: u64 = 86_400;

struct GradeOptions {
    paths: Vec<String>,
    options: Options,
    format: Format,
    out: Option<String>,
    replay: Option<String>,
    shard: Option<Shard>,
}

/// A command's words: its positional arguments, and each `--option value` in order.
struct Words<'a> {
    positional: Vec<String>,
    options: Vec<(&'a str, &'a str)>,
}

fn split_words<'a>(words: &[&'a str]) -> Result<Words<'a>, Refused> {
    let mut split = Words {
        positional: Vec::new(),
        options: Vec::new(),
    };
    let mut words = words.iter().copied();
    while let Some(word) = words.next() {
        if !word.starts_with("--") {
            split.positional.push(word.to_owned());
            continue;
        }
        let value = words
            .next()
            .ok_or_else(|| usage(format!("{word} needs a value")))?;
        split.options.push((word, value));
    }
    Ok(split)
}

fn parse_format(value: &str) -> Result<Format, Refused> {
    Format::parse(value)
        .ok_or_else(|| usage(format!("unknown format {value:?} ({})", Format::NAMES)))
}

fn parse(words: &[&str]) -> Result<GradeOptions, Refused> {
    let words = split_words(words)?;
    let mut parsed = GradeOptions {
        paths: words.positional,
        options: Options {
            backends: vec![Backend::Shuttle],
            seed: None,
            limit: DEFAULT_LIMIT,
            property: None,
        },
        format: Format::Text,
        out: None,
        replay: None,
        shard: None,
    };
    for (word, value) in words.options {
        match word {
            "--backend" => {
                parsed.options.backends = match value {
                    "shuttle" => vec![Backend::Shuttle],
                    "loom" => vec![Backend::Loom],
                    "both" => vec![Backend::Shuttle, Backend::Loom],
                    other => {
                        return Err(usage(format!(
                            "unknown backend {other:?} for grade (shuttle|loom|both)"
                        )));
                    }
                };
                if parsed.options.backends.contains(&Backend::Loom) && !Backend::Loom.is_built() {
                    return Err(usage(
                        "this binary was built without loom; grade under loom with: \
                         RUSTFLAGS=\"--cfg loom\" cargo run --release --target-dir target/loom -- grade ...",
                    ));
                }
            }
            "--format" => parsed.format = parse_format(value)?,
            "--out" => parsed.out = Some(value.to_owned()),
            "--seed" => {
                parsed.options.seed = Some(value.parse().map_err(|_| {
                    usage(format!(
                        "--seed {value:?} is not a whole number in 0..=2^64-1"
                    ))
                })?);
            }
            "--timeout" => {
                let seconds: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_TIMEOUT_SECONDS).contains(s))
                    .ok_or_else(|| {
                        usage(format!(
                            "--timeout {value:?} is not a whole number of seconds in 1..={MAX_TIMEOUT_SECONDS}"
                        ))
                    })?;
                parsed.options.limit = Duration::from_secs(seconds);
            }
            "--replay" => parsed.replay = Some(value.to_owned()),
            "--property" => parsed.options.property = Some(value.to_owned()),
            "--shard" => {
                parsed.shard =
                    Some(Shard::parse(value).ok_or_else(|| usage(shard::bad_shard(value)))?);
            }
            other => return Err(usage(format!("unknown option {other:?} for grade"))),
        }
    }
    if parsed.paths.is_empty() {
        return Err(usage(
            "grade needs at least one PATH (a .rs file or a folder with src/lib.rs)",
        ));
    }
    if parsed.shard.is_some() && parsed.replay.is_some() {
        return Err(usage(
            "--replay re-runs one submission's execution; it takes no --shard",
        ));
    }
    if parsed.shard.is_some() && parsed.format == Format::Gradescope {
        return Err(usage(
            "--format gradescope grades one student; it takes no --shard",
        ));
    }
    if parsed.format == Format::Gradescope && parsed.paths.len() > 1 {
        return Err(usage(
            "--format gradescope grades one submission (Gradescope runs once per student)",
        ));
    }
    if parsed.replay.is_some() && (parsed.paths.len() > 1 || parsed.options.backends.len() > 1) {
        return Err(usage("--replay takes one PATH and one backend"));
    }
    Ok(parsed)
}

/// `interleave grade ...`: what to print on stdout, and the exit code.
pub fn grade(name: &str, words: &[&str]) -> Result<(String, i32), Refused> {
    let exercise = find(name)?;
    let parsed = parse(words)?;
    if let Some(property) = &parsed.options.property {
        let names: Vec<&str> = exercise.properties().iter().map(|p| p.name).collect();
        if !names.contains(&property.as_str()) {
            return Err(usage(format!(
                "{} has no property {property:?}; its properties are: {}",
                exercise.name,
                names.join(", ")
            )));
        }
    }
    if let Some(token) = &parsed.replay {
        let replayed = run::replay(&exercise, &parsed.paths[0], &parsed.options, token);
        if let Some(signal) = signals::received() {
            return Err(Refused(
                format!("cut short by {signal} before the replay reported"),
                CUT_SHORT,
            ));
        }
        return match replayed {
            Ok((text, failed)) => Ok((text, i32::from(failed))),
            Err(refusal) => Err(Refused(
                refusal.message,
                match refusal.status {
                    super::report::Status::Error => 4,
                    _ => 2,
                },
            )),
        };
    }
    let paths: Vec<String> = parsed
        .paths
        .iter()
        .filter(|path| parsed.shard.is_none_or(|shard| shard.holds(path)))
        .cloned()
        .collect();
    let watching = std::io::stderr().is_terminal();
    let total = paths.len();
    let mut done = 0;
    let mut report = run::grade(&exercise, &paths, &parsed.options, &mut |submission| {
        done += 1;
        if watching && total > 1 {
            eprintln!(
                "[{done}/{total}] {} {}",
                submission.submission,
                submission.status.name()
            );
        }
    });
    report.shard = parsed.shard;
    let (mut shown, code) = deliver(&report, parsed.format, parsed.out.as_deref())?;
    let Some(signal) = signals::received().filter(|_| report.submissions.len() < total) else {
        return Ok((shown, code));
    };
    let cut_short = format!(
        "cut short by {signal}: {} of {total} submissions graded; the others were not",
        report.submissions.len()
    );
    if parsed.format == Format::Text || parsed.out.is_some() {
        shown.push_str(&cut_short);
        shown.push('\n');
    } else {
        // The document on stdout stays whole; the note goes beside it.
        eprintln!("{cut_short}");
    }
    Ok((shown, CUT_SHORT))
}

/// `interleave merge-reports REPORT.json... [--format F] [--out FILE]`: what to print on stdout,
/// and the merged report's exit code (as `grade`'s).
pub fn merge_reports(words: &[&str]) -> Result<(String, i32), Refused> {
    let Words {
        positional: files,
        options,
    } = split_words(words)?;
    let mut format = Format::Text;
    let mut out = None;
    for (word, value) in options {
        match word {
            "--format" => format = parse_format(value)?,
            "--out" => out = Some(value.to_owned()),
            other => return Err(usage(format!("unknown option {other:?} for merge-reports"))),
        }
    }
    if files.is_empty() {
        return Err(usage(
            "merge-reports needs at least one REPORT.json (written by grade --format json)",
        ));
    }
    if format == Format::Gradescope {
        return Err(usage(
            "merge-reports makes a class's report; --format gradescope is one student's",
        ));
    }
    let reports = files
        .into_iter()
        .map(|file| shard::read(&file).map(|report| (file, report)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let merged = shard::merge(reports).map_err(usage)?;
    deliver(&merged, format, out.as_deref())
}

/// `report` in `format`, written to `out` or returned to be shown (with a file, what is shown is
/// the text, or only its summary line when the file holds the text); and the report's exit code.
fn deliver(
    report: &GateReport,
    format: Format,
    out: Option<&str>,
) -> Result<(String, i32), Refused> {
    let rendered = formats::render(report, format);
    let shown = match out {
        Some(file) => {
            std::fs::write(file, &rendered)
                .map_err(|e| Refused(format!("cannot write {file}: {e}"), 4))?;
            if format == Format::Text {
                formats::summary_text(report)
            } else {
                formats::text(report)
            }
        }
        None => rendered,
    };
    Ok((shown, report.exit_code()))
}
