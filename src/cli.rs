//! The command line: `tour` (no arguments), `list`, `check`, `outcomes`, `replay`, `time`, and
//! the gate's `exercises`, `starter`, `grade`, `merge-reports` (see [`crate::gate::command`] for their exit codes),
//! and the real echo servers' `serve` and `load` (their exit codes: `crate::net::command`).
//! Exit codes: 0 the property holds, 1 a violation or deadlock was found, 2 a usage error,
//! 3 a checker error (the backend itself failed: no verdict on the model) or output that cannot
//! be written, 130 cut short by SIGINT or SIGTERM (what was done so far is reported; see
//! [`crate::signals`]).

use crate::checker::{self, Budget, CheckError, Mode, Progress, ReplayToken, Report, Verdict};
use crate::gate;
use crate::lesson::{Timing, TimingRow, TimingSource, Variant, WatchedRuns};
use crate::models;
use crate::picture::{self, data};
use crate::report;
use crate::runtime::Backend;
use crate::signals::{self, CUT_SHORT};
use crate::util::{Refused, usage};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub const USAGE: &str = "usage: interleave [tour [--report DIR] | list | check ID [OPTIONS] | outcomes ID [OPTIONS] | replay ID TOKEN | time CONCEPT [--report DIR] | serve ... | load ...]
  OPTIONS: --backend shuttle|loom|native  --threads N  --executions N  --seed S  --preemption-bound P
           --jobs N (shuttle: worker threads, default one per core)  --time SECONDS (explore this long instead)
           --report DIR (also write DIR/index.html: timelines, histograms)  --format text|json (json: one document on stdout)
  ID is concept/variant, as `list` prints; a failing check prints the TOKEN that replays it.
the grading gate:
";

#[cfg(not(loom))]
const ECHO_USAGE: &str = crate::net::command::USAGE;
#[cfg(loom)]
const ECHO_USAGE: &str = "";

/// Writes to stdout; a write that fails (a full disk) ends the process with one line on stderr
/// and exit code 3. (A reader that went away ends it quietly: SIGPIPE. A stdout closed at start
/// is refused before anything runs, by `main.rs`: std puts /dev/null in its place.)
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        eprintln!("error: cannot write the output: {error}");
        std::process::exit(3);
    }
}

macro_rules! say {
    ($($arg:tt)*) => { emit(&format!($($arg)*)) };
}

macro_rules! sayln {
    () => { emit("\n") };
    ($($arg:tt)*) => { emit(&format!("{}\n", format_args!($($arg)*))) };
}

/// The largest preemption bound loom accepts (it keeps the count in a `u8`).
const MAX_PREEMPTION_BOUND: u64 = u8::MAX as u64;

/// A checker's refusal: a usage error (exit code 2) or the checker's own error (exit code 3).
impl From<CheckError> for Refused {
    fn from(error: CheckError) -> Self {
        let code = if error.is_usage() { 2 } else { 3 };
        Refused(error.to_string(), code)
    }
}

/// Runs the command line; returns the process exit code.
pub fn main(args: &[String]) -> i32 {
    match check_environment().and_then(|()| run(args)) {
        Ok(code) => code,
        Err(Refused(message, code)) => {
            eprintln!("error: {message}");
            code
        }
    }
}

/// A variable of ours that is set must be readable: a silent fallback to the default would
/// explore something other than what the user asked for.
fn check_environment() -> Result<(), Refused> {
    let rules: [(&str, u64, u64); 3] = [
        ("INTERLEAVE_EXECUTIONS", 1, u64::MAX),
        ("INTERLEAVE_SEED", 0, u64::MAX),
        ("INTERLEAVE_PREEMPTION_BOUND", 0, MAX_PREEMPTION_BOUND),
    ];
    for (name, min, max) in rules {
        let Some(value) = std::env::var_os(name) else {
            continue;
        };
        let number = value
            .to_str()
            .and_then(|text| text.trim().parse::<u64>().ok());
        if !number.is_some_and(|n| (min..=max).contains(&n)) {
            let range = if max == u64::MAX {
                format!("of at least {min}")
            } else {
                format!("in {min}..={max}")
            };
            return Err(usage(format!(
                "{name}={value:?} is not a whole number {range}"
            )));
        }
    }
    // The backends read these themselves and would quietly explore something else than what the
    // report says (shuttle's seed, loom's limits), or write files (loom's checkpoints).
    for name in [
        "SHUTTLE_RANDOM_SEED",
        "LOOM_MAX_BRANCHES",
        "LOOM_MAX_DURATION",
        "LOOM_MAX_PERMUTATIONS",
        "LOOM_MAX_PREEMPTIONS",
        "LOOM_CHECKPOINT_FILE",
        "LOOM_CHECKPOINT_INTERVAL",
    ] {
        if std::env::var_os(name).is_some() {
            return Err(usage(format!(
                "{name} is set: interleave sets the backends' seeds and limits itself (--seed, --preemption-bound, --executions, --time); unset it"
            )));
        }
    }
    Ok(())
}

fn run(args: &[String]) -> Result<i32, Refused> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    // Hidden (not in USAGE): a concept's child process, this binary re-executed.
    if let [command, rest @ ..] = words.as_slice()
        && let Some(child) = child_command(command)
    {
        return Ok((child.main)(rest));
    }
    if let []
    | [
        "tour" | "--report" | "check" | "outcomes" | "time" | "grade",
        ..,
    ] = words.as_slice()
    {
        signals::catch();
    }
    match words.as_slice() {
        [] | ["tour"] => Ok(tour(None)),
        ["--report", dir] | ["tour", "--report", dir] => {
            let page = report_page(dir)?;
            Ok(tour(Some(&page)))
        }
        ["--report"] | ["tour", "--report"] => Err(usage("--report needs a value")),
        ["list"] => {
            for concept in models::all() {
                for variant in &concept.variants {
                    sayln!("{:<28} {}", variant.id, variant.summary);
                }
            }
            Ok(0)
        }
        ["help" | "--help" | "-h"] => {
            sayln!("{USAGE}{}\n{ECHO_USAGE}", gate::command::USAGE);
            Ok(0)
        }
        ["check", id, options @ ..] => check_command(id, options, Mode::Check),
        ["outcomes", id, options @ ..] => check_command(id, options, Mode::Outcomes),
        ["replay", id, token] => replay_command(id, token),
        ["time", concept, options @ ..] => time_command(concept, options),
        ["exercises"] => {
            say!("{}", gate::command::list());
            Ok(0)
        }
        ["starter", exercise] => {
            gate_result(gate::command::starter(exercise, None).map(|t| (t, 0)))
        }
        ["starter", exercise, dir] => {
            gate_result(gate::command::starter(exercise, Some(dir)).map(|t| (t, 0)))
        }
        ["grade", exercise, rest @ ..] => gate_result(gate::command::grade(exercise, rest)),
        ["merge-reports", rest @ ..] => gate_result(gate::command::merge_reports(rest)),
        ["serve", rest @ ..] => echo_command("serve", rest),
        ["load", rest @ ..] => echo_command("load", rest),
        [command, ..]
            if [
                "tour",
                "list",
                "help",
                "check",
                "outcomes",
                "replay",
                "time",
                "exercises",
                "starter",
                "grade",
            ]
            .contains(command) =>
        {
            Err(usage(format!(
                "{command}: missing or extra arguments (`interleave help` shows the usage)"
            )))
        }
        [other, ..] => Err(usage(format!(
            "unknown command {other:?} (`interleave help` shows the usage)"
        ))),
    }
}

/// The real echo servers' `serve` and `load` (not in the loom build: they need tokio).
#[cfg(not(loom))]
fn echo_command(command: &str, words: &[&str]) -> Result<i32, Refused> {
    use crate::net::command;
    let say = |text: &str| emit(text);
    if command == "serve" {
        command::serve(words, &say)
    } else {
        command::load(words, &say)
    }
}

#[cfg(loom)]
fn echo_command(command: &str, _: &[&str]) -> Result<i32, Refused> {
    Err(usage(format!(
        "{command} is not in the loom build (it needs tokio): build without --cfg loom"
    )))
}

/// A gate command's text and exit code, or its one-line refusal.
fn gate_result(result: Result<(String, i32), Refused>) -> Result<i32, Refused> {
    result.map(|(text, code)| {
        say!("{text}");
        code
    })
}

fn child_command(name: &str) -> Option<&'static models::ChildCommand> {
    models::CHILD_COMMANDS
        .iter()
        .find(|child| child.name == name)
}

fn find_variant(id: &str) -> Result<Variant, Refused> {
    models::find(id).ok_or_else(|| {
        usage(format!(
            "unknown id {id:?}; the ids are: {}",
            models::ids().join(", ")
        ))
    })
}

struct Options {
    backend: Backend,
    threads: Option<usize>,
    executions: Option<usize>,
    seed: Option<u64>,
    preemption_bound: Option<usize>,
    jobs: Option<usize>,
    time: Option<std::time::Duration>,
    report: Option<std::path::PathBuf>,
    json: bool,
}

/// Jobs past this only queue up for the same cores.
const MAX_JOBS: u64 = 64;
/// A day: longer explorations are a mistake, not a plan.
const MAX_SECONDS: f64 = 86_400.0;

fn parse_options<'a>(options: &[&'a str]) -> Result<Options, Refused> {
    let mut parsed = Options {
        backend: Backend::Shuttle,
        threads: None,
        executions: None,
        seed: None,
        preemption_bound: None,
        jobs: None,
        time: None,
        report: None,
        json: false,
    };
    let mut rest = options.iter();
    while let Some(&flag) = rest.next() {
        let value = |rest: &mut std::slice::Iter<'_, &'a str>| -> Result<&'a str, Refused> {
            rest.next()
                .copied()
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        let number = |text: &str| -> Result<u64, Refused> {
            text.parse()
                .map_err(|_| usage(format!("{flag} takes a whole number, not {text:?}")))
        };
        match flag {
            "--backend" => {
                let name = value(&mut rest)?;
                parsed.backend = Backend::parse(name).ok_or_else(|| {
                    usage(format!(
                        "unknown backend {name:?}; choose shuttle, loom or native"
                    ))
                })?;
            }
            "--threads" => parsed.threads = Some(number(value(&mut rest)?)? as usize),
            "--executions" => {
                let executions = number(value(&mut rest)?)?;
                if executions == 0 {
                    return Err(usage(
                        "--executions takes a whole number of at least 1, not 0",
                    ));
                }
                parsed.executions = Some(executions as usize)
            }
            "--seed" => parsed.seed = Some(number(value(&mut rest)?)?),
            "--preemption-bound" => {
                let bound = number(value(&mut rest)?)?;
                if bound > MAX_PREEMPTION_BOUND {
                    return Err(usage(format!(
                        "--preemption-bound takes 0..={MAX_PREEMPTION_BOUND} (loom counts preemptions in a byte), not {bound}"
                    )));
                }
                parsed.preemption_bound = Some(bound as usize)
            }
            "--jobs" => {
                let jobs = number(value(&mut rest)?)?;
                if !(1..=MAX_JOBS).contains(&jobs) {
                    return Err(usage(format!("--jobs takes 1..={MAX_JOBS}, not {jobs}")));
                }
                parsed.jobs = Some(jobs as usize);
            }
            "--time" => {
                let text = value(&mut rest)?;
                let seconds: f64 = text.parse().unwrap_or(f64::NAN);
                // Not a number, infinite, negative, over a day, or under a nanosecond.
                let time = (seconds > 0.0 && seconds <= MAX_SECONDS)
                    .then(|| std::time::Duration::from_secs_f64(seconds))
                    .filter(|time| !time.is_zero())
                    .ok_or_else(|| {
                        usage(format!(
                            "--time takes a number of seconds from 1e-9 to {MAX_SECONDS}, not {text:?}"
                        ))
                    })?;
                parsed.time = Some(time);
            }
            "--report" => parsed.report = Some(report_page(value(&mut rest)?)?),
            "--format" => {
                parsed.json = match value(&mut rest)? {
                    "json" => true,
                    "text" => false,
                    other => {
                        return Err(usage(format!(
                            "unknown format {other:?}; choose text or json"
                        )));
                    }
                }
            }
            other => {
                return Err(usage(format!(
                    "unknown flag {other:?}; the flags are --backend, --threads, --executions, --seed, --preemption-bound, --jobs, --time, --report, --format"
                )));
            }
        }
    }
    Ok(parsed)
}

fn check_command(id: &str, options: &[&str], mode: Mode) -> Result<i32, Refused> {
    let variant = find_variant(id)?;
    let options = parse_options(options)?;
    if !options.backend.is_built() {
        return Err(CheckError::NotBuilt(options.backend).into());
    }
    let params = variant
        .params(options.backend, options.threads)
        .map_err(|refused| usage(refused.describe("--threads")))?;
    let mut budget = Budget::for_variant(&variant, options.backend, mode);
    if let Some(executions) = options.executions {
        budget.executions = executions;
    }
    if let Some(seed) = options.seed {
        budget.seed = seed;
    }
    if let Some(bound) = options.preemption_bound {
        budget.preemption_bound = bound;
    }
    if let Some(jobs) = options.jobs {
        budget.jobs = jobs;
    }
    budget.time = options.time;
    let pictured = options.json || options.report.is_some();
    if pictured {
        // The pictures label each step with the reader's own source line.
        crate::trace::record_locations(true);
    }
    let report = with_progress(&budget, true, |progress| {
        quiet_stderr(|| {
            checker::check_with(&variant, options.backend, &params, &budget, mode, progress)
        })
    })?;
    if report.executions == 0 {
        return Err(nothing_explored(&budget));
    }
    if pictured {
        let run = data::Run::from_report(
            &report,
            data::Asked {
                command: if mode == Mode::Outcomes {
                    "outcomes"
                } else {
                    "check"
                },
                seed: (options.backend == Backend::Shuttle).then_some(budget.seed),
                preemption_bound: (options.backend == Backend::Loom)
                    .then_some(budget.preemption_bound),
                declared: (options.backend == Backend::Loom)
                    .then(|| variant.possible_outcomes(&report.params))
                    .flatten(),
            },
        );
        if let Some(page) = &options.report {
            write_page(page, &picture::html::run_page(&run))?;
        }
        if options.json {
            let json = serde_json::to_string_pretty(&run)
                .map_err(|error| Refused(format!("cannot write the JSON report: {error}"), 3))?;
            sayln!("{json}");
        }
    }
    if !options.json {
        say!("{}", report::verdict(&as_text(&report)));
        say!("{}", report::outcomes(&report));
    }
    if mode == Mode::Outcomes {
        if !options.json {
            say!("{}", exhaustive_note(&variant, &report));
        }
        // Forbidden outcomes are what the table is for; a panic or a deadlock cut it short.
        let cut_short = report
            .verdict
            .failure()
            .is_some_and(|f| f.outcome.is_none());
        return Ok(if cut_short {
            1
        } else if stopped_by_signal(&report) {
            CUT_SHORT
        } else {
            0
        });
    }
    Ok(exit_code(&report))
}

/// A search that finished no execution has nothing to say about the model: never a verdict.
fn nothing_explored(budget: &Budget) -> Refused {
    match (signals::received(), budget.time) {
        (Some(signal), _) => Refused(
            format!("cut short by {signal} before any execution finished"),
            CUT_SHORT,
        ),
        (None, Some(time)) => usage(format!(
            "no execution finished within --time ({time:?}); give it more time"
        )),
        (None, None) => Refused("checker error: the search ran no execution".to_owned(), 3),
    }
}

/// Whether a stop signal cut the search short (rather than running out of --time).
fn stopped_by_signal(report: &Report) -> bool {
    report.interrupted && signals::received().is_some()
}

/// The report as the terminal shows it: without the source lines recorded for the pictures, so
/// the text stays the same with `--report` as without it.
fn as_text(report: &Report) -> std::borrow::Cow<'_, Report> {
    let located = report
        .verdict
        .failure()
        .is_some_and(|f| f.trace.events.iter().any(|e| e.at.is_some()));
    if !located {
        return std::borrow::Cow::Borrowed(report);
    }
    let mut text = report.clone();
    if let Verdict::Violated(failure) | Verdict::Deadlock(failure) | Verdict::StepLimit(failure) =
        &mut text.verdict
    {
        for event in &mut failure.trace.events {
            event.at = None;
        }
    }
    std::borrow::Cow::Owned(text)
}

/// `DIR/index.html`, with `DIR` made ready for it, or a usage error saying why it cannot be.
fn report_page(dir: &str) -> Result<std::path::PathBuf, Refused> {
    picture::prepare_report_dir(dir).map_err(usage)
}

/// Writes the report page; a write that fails is an output error (exit code 3).
fn write_page(page: &std::path::Path, html: &str) -> Result<(), Refused> {
    std::fs::write(page, html)
        .map_err(|error| Refused(format!("cannot write {}: {error}", page.display()), 3))
}

fn exit_code(report: &Report) -> i32 {
    match report.verdict {
        Verdict::Holds if stopped_by_signal(report) => CUT_SHORT,
        Verdict::Holds => 0,
        Verdict::NotChecked(_) => NOT_CHECKED,
        _ => 1,
    }
}

/// The exit code of a verdict the backend could not reach (it cannot see what it needs).
const NOT_CHECKED: i32 = 5;

/// Runs `body` with a [`Progress`] that a stop signal (see [`signals`]) stops, and that, when
/// `show`n, is shown on stderr (executions, rate, failures) once the run has taken a second, if
/// stderr is a terminal.
fn with_progress<T>(budget: &Budget, show: bool, body: impl FnOnce(&Arc<Progress>) -> T) -> T {
    let progress = Progress::new(budget);
    // SAFETY: plain descriptor calls; the copy of stderr is closed below.
    let terminal = show && unsafe { libc::isatty(2) == 1 };
    let stderr_copy = if terminal {
        unsafe { libc::dup(2) }
    } else {
        -1
    };
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut shown = false;
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(100));
                if signals::received().is_some() {
                    progress.interrupt();
                }
                let elapsed = progress.elapsed().as_secs_f64();
                if stderr_copy >= 0 && elapsed >= 1.0 {
                    let executions = progress.executions();
                    let line = format!(
                        "\r  {executions} executions, {:.0}/s, {} so far (Ctrl-C stops and reports)\x1b[K",
                        executions as f64 / elapsed,
                        if progress.failed() { "a failure found" } else { "no failure" }
                    );
                    // SAFETY: writing a buffer we own to a descriptor we own.
                    unsafe { libc::write(stderr_copy, line.as_ptr().cast(), line.len()) };
                    shown = true;
                }
            }
            if shown {
                let clear = "\r\x1b[K";
                // SAFETY: as above.
                unsafe { libc::write(stderr_copy, clear.as_ptr().cast(), clear.len()) };
            }
        });
        let result = body(&progress);
        done.store(true, Ordering::SeqCst);
        result
    });
    if stderr_copy >= 0 {
        // SAFETY: closing the copy made above.
        unsafe { libc::close(stderr_copy) };
    }
    result
}

/// Under loom the set is exhaustive: compare it with the outcomes the variant declares.
fn exhaustive_note(variant: &Variant, report: &Report) -> String {
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

fn replay_command(id: &str, token: &str) -> Result<i32, Refused> {
    let variant = find_variant(id)?;
    let token: ReplayToken = token.parse()?;
    let report = quiet_stderr(|| checker::replay(&variant, &token))?;
    say!("{}", report::verdict(&report));
    say!("{}", report::outcomes(&report));
    Ok(exit_code(&report))
}

fn time_command(concept: &str, options: &[&str]) -> Result<i32, Refused> {
    let page = match options {
        [] => None,
        ["--report", dir] => Some(report_page(dir)?),
        ["--report"] => return Err(usage("--report needs a value")),
        [other, ..] => {
            return Err(usage(format!(
                "unknown flag {other:?}; time takes only --report DIR"
            )));
        }
    };
    let all = models::all();
    let timed: Vec<&str> = all
        .iter()
        .filter(|c| c.timing.is_some())
        .map(|c| c.id)
        .collect();
    let timing = all
        .iter()
        .find(|c| c.id == concept)
        .and_then(|c| c.timing.as_ref())
        .ok_or_else(|| {
            usage(format!(
                "no timing for {concept:?}; concepts with a timing table: {}",
                timed.join(", ")
            ))
        })?;
    let rows = match timing {
        TimingSource::Watched(runs) => runs.variants.len(),
        TimingSource::Measured(_) => 0,
    };
    let timing = measure(timing);
    say!("{}", report::timing(&timing));
    if let Some(page) = page {
        let chart = data::TimingData::from_timing(&timing);
        write_page(&page, &picture::html::timing_page(concept, &chart))?;
    }
    if let Some(signal) = signals::received()
        && timing.rows.len() < rows
    {
        sayln!(
            "cut short by {signal}: {} of {rows} rows measured",
            timing.rows.len()
        );
        return Ok(CUT_SHORT);
    }
    Ok(0)
}

/// A concept's timing table, measured now. A table measured row by row stops after the row
/// running when a stop signal arrives; one measured as a whole is finished.
pub fn measure(source: &TimingSource) -> Timing {
    match source {
        TimingSource::Measured(timing) => timing(),
        TimingSource::Watched(runs) => run_watched(runs),
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
                        let cycle = report::cycle(&failure.trace).unwrap_or_default();
                        format!(
                            "{}: {}; {cycle}",
                            other.name().to_uppercase(),
                            failure.message
                        )
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

/// Every concept: each variant's verdict under shuttle (and loom in a loom build), the first
/// counterexample's timeline, then the native timing tables. Exit 1 if a verdict surprised.
/// With a `page`, also writes every run's pictures there. A stop signal ends it after the check
/// or table running then, with what was toured so far.
fn tour(page: Option<&std::path::Path>) -> i32 {
    if page.is_some() {
        crate::trace::record_locations(true);
    }
    let mut pictures = data::Tour::default();
    let mut surprises = 0;
    let backends: &[Backend] = if cfg!(loom) {
        &[Backend::Shuttle, Backend::Loom]
    } else {
        &[Backend::Shuttle]
    };
    sayln!("interleave: the tutorial's concurrency lessons, explored\n");
    let concepts = models::all();
    let mut toured = 0;
    for concept in &concepts {
        if signals::received().is_some() {
            break;
        }
        sayln!("== {} ({})", concept.title, concept.file);
        let mut explained = false;
        let mut runs = Vec::new();
        for variant in &concept.variants {
            for &backend in backends {
                let Ok(params) = variant.params(backend, None) else {
                    continue;
                };
                if signals::received().is_some() {
                    break;
                }
                let budget = Budget::for_tour(variant, backend);
                let report = match with_progress(&budget, false, |progress| {
                    quiet_stderr(|| {
                        checker::check_with(
                            variant,
                            backend,
                            &params,
                            &budget,
                            Mode::Check,
                            progress,
                        )
                    })
                }) {
                    Ok(report) => report,
                    Err(error) => {
                        surprises += 1;
                        sayln!("  {} [{}]: {error}", variant.id, backend.name());
                        continue;
                    }
                };
                if page.is_some() {
                    runs.push(data::Run::from_report(
                        &report,
                        data::Asked {
                            command: "check",
                            seed: (backend == Backend::Shuttle).then_some(budget.seed),
                            preemption_bound: (backend == Backend::Loom)
                                .then_some(budget.preemption_bound),
                            declared: None,
                        },
                    ));
                }
                if report.verdict.kind() != variant.expect && !report.interrupted {
                    surprises += 1;
                    sayln!("  UNEXPECTED: {} expected {:?}", variant.id, variant.expect);
                }
                let report = as_text(&report);
                if report.verdict.failure().is_some() && !explained {
                    say!("{}", report::verdict(&report));
                    explained = true;
                } else {
                    say!(
                        "{}",
                        report::verdict(&report)
                            .lines()
                            .next()
                            .map(|l| format!("{l}\n"))
                            .unwrap_or_default()
                    );
                }
            }
        }
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
                runs: std::mem::take(&mut runs),
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
        return CUT_SHORT;
    }
    if !cfg!(loom) {
        sayln!("(loom: build with RUSTFLAGS=\"--cfg loom\" to explore every interleaving as well)");
    }
    if surprises > 0 {
        sayln!("{surprises} verdict(s) differ from what the lessons expect");
    }
    i32::from(surprises > 0)
}

/// Shuttle reports failures on stderr itself; the report already says it all better, so the
/// CLI sends the process's stderr to /dev/null while it explores.
fn quiet_stderr<T>(body: impl FnOnce() -> T) -> T {
    if std::env::var_os("INTERLEAVE_SHOW_PANICS").is_some() {
        return body();
    }
    // SAFETY: plain descriptor calls; fd 2 is restored before returning.
    unsafe {
        let saved = libc::dup(2);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if saved < 0 || null < 0 {
            return body();
        }
        libc::dup2(null, 2);
        libc::close(null);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        libc::dup2(saved, 2);
        libc::close(saved);
        result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}
