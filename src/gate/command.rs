//! The gate's commands: `exercises`, `starter EXERCISE [DIR]`, `grade EXERCISE PATH... [OPTIONS]`,
//! `merge-reports REPORT.json... [OPTIONS]` (a class graded in shards, see [`super::shard`]).
//! Their arguments are parsed by clap ([`GradeArgs`], [`MergeArgs`]); their exit codes
//! ([`ExitCode`]): 0 every property of every submission holds, 1 a property fails or times out,
//! 2 a usage error, 3 a submission was rejected (did not compile, broke a rule), 4 the grader
//! itself failed, 5 a property could not be checked or its search did not finish, 130 `grade`
//! was cut short by SIGINT or SIGTERM (the report has the submissions graded before the signal).

use super::formats::{self, Format};
use super::harness::{Harness, STARTER_FILE};
use super::report::{GateReport, Shard};
use super::run::{self, DEFAULT_LIMIT, Options};
use super::sandbox;
use super::shard;
use super::{Exercise, exercises};
use crate::exit::{ExitCode, usage};
use crate::runtime::Backend;
use crate::signals;
use crate::suggest;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

pub use crate::exit::Refused;

const GRADE_EXAMPLES: &str = "Examples:
  interleave grade rlock my-rlock/submission.rs
  interleave grade counter submissions/counter/* --format junit --out junit.xml
  interleave grade counter builtin:starter --property no-lost-update --replay TOKEN
  interleave grade counter submissions/counter/* --shard 1/4 --format json --out shard-1.json

Exit codes: 0 every property of every submission holds, 1 a property fails or times out,
2 a usage error, 3 a submission was rejected, 4 the grader itself failed, 5 not checked or
unfinished, 130 cut short by SIGINT or SIGTERM.";

const MERGE_EXAMPLES: &str = "Examples:
  interleave merge-reports shard-*.json --format junit --out class.xml
  interleave merge-reports shard-1.json shard-2.json --format json

Exits as `grade` would have on the whole class.";

/// `interleave grade`: grades submissions of an exercise against its properties.
#[derive(clap::Args, Debug)]
#[command(after_help = GRADE_EXAMPLES)]
pub struct GradeArgs {
    /// The exercise (`interleave exercises` lists them)
    pub exercise: String,
    /// A submission: a .rs file, or a folder with src/lib.rs, lib.rs or submission.rs (a
    /// starter's folder) (builtin:NAME: one of the exercise's own implementations)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// The backends to grade with
    #[arg(long, value_name = "BACKEND", value_enum, default_value_t = Backends::Shuttle)]
    pub backend: Backends,
    /// What to print (or write to --out)
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = format_parser())]
    pub format: Format,
    /// Write the format to FILE and print the text report (or its summary line)
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// Every property's seed, instead of the one derived from its name
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = seed)]
    pub seed: Option<u64>,
    /// The wall-clock limit per submission, in seconds [default: 120]
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = timeout)]
    pub timeout: Option<Duration>,
    /// Grade only this property
    #[arg(long, value_name = "NAME")]
    pub property: Option<String>,
    /// Re-run the execution a report's replay token names (one PATH, one backend)
    #[arg(long, value_name = "TOKEN")]
    pub replay: Option<String>,
    /// Grade only shard K of N (1 <= K <= N <= 1000), a disjoint part of the PATHs
    #[arg(long, value_name = "K/N", value_parser = |value: &str| Shard::parse(value).ok_or_else(|| shard::bad_shard(value)))]
    pub shard: Option<Shard>,
    /// Run each submission in new network, PID and mount namespaces where the machine allows
    /// (auto), or never (off, for debugging); the report says which
    #[arg(long, value_name = "SANDBOX", value_enum, default_value_t = sandbox::Mode::Auto)]
    pub sandbox: sandbox::Mode,
}

/// `interleave merge-reports`: joins shard reports into the report of the whole class.
#[derive(clap::Args, Debug)]
#[command(after_help = MERGE_EXAMPLES)]
pub struct MergeArgs {
    /// A report written by `grade --format json`
    #[arg(required = true, value_name = "REPORT.json")]
    pub files: Vec<String>,
    /// What to print (or write to --out)
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = format_parser())]
    pub format: Format,
    /// Write the format to FILE and print the text report
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
}

/// `interleave prepare`: builds the gate's harness library ahead of grading.
#[derive(clap::Args, Debug)]
#[command(after_help = PREPARE_EXAMPLES)]
pub struct PrepareArgs {
    /// The exercise whose starter is built (`interleave exercises` lists them)
    pub exercise: String,
    /// The backends to prepare for (loom builds a library of its own)
    #[arg(long, value_name = "BACKEND", value_enum, default_value_t = Backends::Shuttle)]
    pub backend: Backends,
}

const PREPARE_EXAMPLES: &str = "Examples:
  interleave prepare counter
  INTERLEAVE_GATE_DIR=gate-cache interleave prepare counter   a folder a CI cache step keeps

Builds the library every submission's harness links (minutes on 2 cores, once per machine,
toolchain and interleave version), in INTERLEAVE_GATE_DIR or the per-user cache, so that
later grades compile only their submission.

Exit codes: 0 prepared, 2 a usage error, 4 the build failed.";

/// `grade --backend`: what to grade with (`both`: shuttle, then loom).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backends {
    Shuttle,
    Loom,
    Both,
}

impl Backends {
    pub fn backends(self) -> Vec<Backend> {
        match self {
            Backends::Shuttle => vec![Backend::Shuttle],
            Backends::Loom => vec![Backend::Loom],
            Backends::Both => vec![Backend::Shuttle, Backend::Loom],
        }
    }
}

/// `--format`, one of [`Format::NAMES`].
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::NAMES.split('|')).try_map(|name| {
        Format::parse(&name).ok_or_else(|| format!("unknown format {name:?} ({})", Format::NAMES))
    })
}

fn seed(value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("--seed {value:?} is not a whole number in 0..=2^64-1"))
}

/// The longest wall-clock limit accepted: a day.
const MAX_TIMEOUT_SECONDS: u64 = 86_400;

fn timeout(value: &str) -> Result<Duration, String> {
    value
        .parse()
        .ok()
        .filter(|s| (1..=MAX_TIMEOUT_SECONDS).contains(s))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            format!(
                "--timeout {value:?} is not a whole number of seconds in 1..={MAX_TIMEOUT_SECONDS}"
            )
        })
}

fn find(name: &str) -> Result<Exercise, Refused> {
    exercises::find(name).ok_or_else(|| {
        let names = exercises::names();
        let hint = match suggest::nearest(name, names.iter().copied()) {
            Some(near) => format!("did you mean {near}?"),
            None => format!("the exercises are: {}", names.join(", ")),
        };
        usage(format!("unknown exercise {name:?}; {hint}"))
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
        (STARTER_FILE, exercise.starter),
        ("README.md", exercise.readme),
    ];
    for (file, _) in &files {
        if dir.join(file).exists() {
            return Err(usage(format!(
                "{} exists already; starter never overwrites (choose another folder)",
                dir.join(file).display()
            )));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
    for (file, text) in files {
        std::fs::write(dir.join(file), text)
            .map_err(|e| usage(format!("cannot write {}: {e}", dir.join(file).display())))?;
    }
    let file = dir.join(STARTER_FILE);
    Ok(format!(
        "wrote {} and {}\ngrade it with: interleave grade {} {}\n",
        file.display(),
        dir.join("README.md").display(),
        exercise.name,
        file.display()
    ))
}

/// What clap cannot check alone: a backend this binary lacks, and the options that do not go
/// together.
fn options(args: &GradeArgs) -> Result<Options, Refused> {
    let backends = args.backend.backends();
    if backends.contains(&Backend::Loom) && !Backend::Loom.is_built() {
        return Err(usage(crate::exit::without_loom()));
    }
    if args.shard.is_some() && args.replay.is_some() {
        return Err(usage(
            "--replay re-runs one submission's execution; it takes no --shard",
        ));
    }
    if args.shard.is_some() && args.format == Format::Gradescope {
        return Err(usage(
            "--format gradescope grades one student; it takes no --shard",
        ));
    }
    if args.format == Format::Gradescope && args.paths.len() > 1 {
        return Err(usage(
            "--format gradescope grades one submission (Gradescope runs once per student)",
        ));
    }
    if args.replay.is_some() && (args.paths.len() > 1 || backends.len() > 1) {
        return Err(usage("--replay takes one PATH and one backend"));
    }
    if args.replay.is_some() && (args.format != Format::Text || args.out.is_some()) {
        return Err(usage(
            "--replay prints the execution as text; it takes no --format or --out",
        ));
    }
    Ok(Options {
        backends,
        seed: args.seed,
        limit: args.timeout.unwrap_or(DEFAULT_LIMIT),
        property: args.property.clone(),
        sandbox: args.sandbox,
    })
}

/// `interleave prepare ...`: what was built, where, and in how long.
pub fn prepare(args: &PrepareArgs) -> Result<String, Refused> {
    let exercise = find(&args.exercise)?;
    let backends = args.backend.backends();
    if backends.contains(&Backend::Loom) && !Backend::Loom.is_built() {
        return Err(usage(crate::exit::without_loom()));
    }
    let mut text = String::new();
    for backend in backends {
        let started = std::time::Instant::now();
        let harness = Harness::locate(backend == Backend::Loom)
            .map_err(|why| Refused(why, ExitCode::GraderError))?;
        harness.prepare(&exercise).map_err(|refusal| {
            Refused(
                format!("the harness did not build: {}", refusal.message),
                ExitCode::GraderError,
            )
        })?;
        text += &format!(
            "prepared the gate's harness for {} under {} in {} ({:.1} s)\n",
            exercise.name,
            backend.name(),
            harness.work.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(text)
}

/// `interleave grade ...`: what to print on stdout, and the exit code.
pub fn grade(args: &GradeArgs) -> Result<(String, ExitCode), Refused> {
    let exercise = find(&args.exercise)?;
    let options = options(args)?;
    if let Some(property) = &options.property {
        let names: Vec<&str> = exercise.properties().iter().map(|p| p.name).collect();
        if !names.contains(&property.as_str()) {
            let hint = match suggest::nearest(property, names.iter().copied()) {
                Some(near) => format!("did you mean {near}?"),
                None => format!("its properties are: {}", names.join(", ")),
            };
            return Err(usage(format!(
                "{} has no property {property:?}; {hint}",
                exercise.name
            )));
        }
    }
    check_paths(&exercise, &args.paths)?;
    if let Some(out) = &args.out {
        check_out(out)?;
    }
    if let Some(token) = &args.replay {
        let replayed = run::replay(&exercise, &args.paths[0], &options, token);
        if let Some(signal) = signals::received() {
            return Err(Refused(
                format!("cut short by {signal} before the replay reported"),
                ExitCode::CutShort,
            ));
        }
        return match replayed {
            Ok((text, failed)) => Ok((
                text,
                if failed {
                    ExitCode::Violated
                } else {
                    ExitCode::Ok
                },
            )),
            Err(refusal) => Err(Refused(
                refusal.message,
                match refusal.status {
                    super::report::Status::Error => ExitCode::GraderError,
                    _ => ExitCode::Usage,
                },
            )),
        };
    }
    let paths: Vec<String> = args
        .paths
        .iter()
        .filter(|path| args.shard.is_none_or(|shard| shard.holds(path)))
        .cloned()
        .collect();
    let watching = std::io::stderr().is_terminal();
    let total = paths.len();
    let mut done = 0;
    let mut report = run::grade(&exercise, &paths, &options, &mut |submission| {
        done += 1;
        if watching && total > 1 {
            eprintln!(
                "[{done}/{total}] {} {}",
                super::sanitise::line(&submission.submission),
                submission.status.name()
            );
        }
    });
    report.shard = args.shard;
    let signal = signals::received().filter(|_| report.submissions.len() < total);
    if let Some(signal) = signal {
        report.cut_short = Some(format!(
            "by {signal}: {} of {total} submissions graded",
            report.submissions.len()
        ));
    }
    let (mut shown, code) = deliver(&report, args.format, args.out.as_deref())?;
    let Some(signal) = signal else {
        return Ok((shown, code));
    };
    let cut_short = format!(
        "cut short by {signal}: {} of {total} submissions graded; the others were not",
        report.submissions.len()
    );
    if args.format == Format::Text || args.out.is_some() {
        shown.push_str(&cut_short);
        shown.push('\n');
    } else {
        // The document on stdout stays whole; the note goes beside it.
        eprintln!("{cut_short}");
    }
    Ok((shown, ExitCode::CutShort))
}

/// Every PATH before anything is graded: a path that does not exist is the caller's mistake (a
/// typo, or a shell glob that matched nothing and was passed as written), as is a builtin the
/// exercise lacks, or a FIFO, socket or device (opening one could block forever); none of them
/// is a student's submission, so the grade is refused (exit 2) instead of reporting a rejection.
/// A symbolic link is left to the reading, which rejects it as the student's.
fn check_paths(exercise: &Exercise, paths: &[String]) -> Result<(), Refused> {
    let mut missing = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for path in paths {
        // A class's report has one entry per submission (a merge refuses two): one PATH once.
        if !seen.insert(path.trim_end_matches('/')) {
            return Err(usage(format!(
                "{path} is given twice; give each submission once"
            )));
        }
        if let Some(name) = path.strip_prefix(run::BUILTIN_PREFIX) {
            if exercise.builtin(name).is_none() {
                let builtins = (exercise.builtins)();
                let names: Vec<&str> = builtins.iter().map(|b| b.name).collect();
                let hint = match suggest::nearest(name, names.iter().copied()) {
                    Some(near) => format!("did you mean {}{near}?", run::BUILTIN_PREFIX),
                    None => format!("its builtins are: {}", names.join(", ")),
                };
                return Err(usage(format!(
                    "{} has no builtin implementation {name:?}; {hint}",
                    exercise.name
                )));
            }
            continue;
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) => {
                let kind = meta.file_type();
                if !(kind.is_file() || kind.is_dir() || kind.is_symlink()) {
                    return Err(usage(format!(
                        "{path} is neither a file nor a folder (a FIFO, socket or device); \
                         a submission is a .rs file or a folder with src/lib.rs, lib.rs or \
                         submission.rs"
                    )));
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => missing.push(path),
            // Unreadable for another reason: the reading reports it as the student's.
            Err(_) => {}
        }
    }
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let more = match missing.len() {
        1 => String::new(),
        n => format!(" (and {} more PATHs that do not exist)", n - 1),
    };
    let glob = if missing.iter().any(|p| p.contains(['*', '?', '['])) {
        "; a shell glob that matches nothing is passed as it is written"
    } else {
        ""
    };
    Err(usage(format!(
        "no such file or folder: {first}{more}{glob}; nothing was graded"
    )))
}

/// `--out FILE` before anything is graded: a folder, a missing or unwritable parent folder, or an
/// unwritable file would lose the whole run's report at the end.
fn check_out(file: &str) -> Result<(), Refused> {
    let path = Path::new(file);
    if path.is_dir() {
        return Err(usage(format!(
            "--out {file} is a folder; give the file to write the report to"
        )));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(usage(format!(
            "--out {file}: the folder {} does not exist",
            parent.display()
        )));
    }
    let target = if path.exists() { path } else { parent };
    if !writable(target) {
        return Err(usage(format!(
            "--out {file}: {} is not writable",
            target.display()
        )));
    }
    Ok(())
}

/// Whether this process may write `path` (a file, or a folder to create a file in).
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(name) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: asks about a path given as a NUL-terminated string we own; changes nothing.
    unsafe { libc::access(name.as_ptr(), libc::W_OK) == 0 }
}

/// `interleave merge-reports REPORT.json... [--format F] [--out FILE]`: what to print on stdout,
/// and the merged report's exit code (as `grade`'s).
pub fn merge_reports(args: &MergeArgs) -> Result<(String, ExitCode), Refused> {
    if args.format == Format::Gradescope {
        return Err(usage(
            "merge-reports makes a class's report; --format gradescope is one student's",
        ));
    }
    let reports = args
        .files
        .iter()
        .map(|file| shard::read(file).map(|report| (file.clone(), report)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    if let Some(out) = &args.out {
        check_out(out)?;
    }
    let merged = shard::merge(reports).map_err(usage)?;
    deliver(&merged, args.format, args.out.as_deref())
}

/// `report` in `format`, written to `out` or returned to be shown (with a file, what
/// [`formats::beside_file`] shows); and the report's exit code.
fn deliver(
    report: &GateReport,
    format: Format,
    out: Option<&str>,
) -> Result<(String, ExitCode), Refused> {
    let rendered = formats::render(report, format);
    let shown = match out {
        Some(file) => {
            std::fs::write(file, &rendered)
                .map_err(|e| Refused(format!("cannot write {file}: {e}"), ExitCode::GraderError))?;
            formats::beside_file(report, format)
        }
        None => rendered,
    };
    // The report's own numbers are the gate's codes; one it does not know is the grader's fault.
    let code = ExitCode::from_code(report.exit_code()).unwrap_or(ExitCode::GraderError);
    Ok((shown, code))
}
