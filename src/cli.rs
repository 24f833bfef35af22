//! The command line, parsed by clap: the tour (no command), `list`, `check`, `outcomes`, `replay`,
//! `time`, the gate's `exercises`, `starter`, `grade`, `merge-reports` (see
//! [`crate::gate::command`]), the real echo servers' `serve` and `load` (`crate::net::command`),
//! and `completions`. This module parses and dispatches; what the commands run lives beside what
//! they run ([`crate::tour`], [`crate::explore`], [`crate::timing`], [`crate::console`],
//! [`crate::show`]). Exit codes are [`ExitCode`]s: 0 the property holds, 1 a violation or
//! deadlock was found, 2 a usage error, 3 a checker error (the backend itself failed: no verdict
//! on the model) or output that cannot be written, 5 not checked, 130 cut short by SIGINT or
//! SIGTERM (what was done so far is reported; see [`crate::signals`]). The hidden child commands
//! (this binary re-executed) are dispatched before clap parses anything.

use crate::checker::{self, Mode};
use crate::console::{emit, say, sayln};
use crate::exit::{ExitCode, Refused, clap_line, usage};
use crate::explore::{self, Request};
use crate::gate;
use crate::lesson::Variant;
use crate::models::{self, ChildCommand};
use crate::runtime::Backend;
use crate::show::report_page;
use crate::signals;
use crate::suggest;
use crate::timing;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::time::Duration;

/// A concept's timing table, measured now (moved to [`crate::timing::measure`]).
pub use crate::timing::measure;

const ABOUT: &str = "A Python threading tutorial re-taught as model-checking tests: races,
deadlocks and exit ordering found, explained and replayed under shuttle, loom and std threads.
With no command: the tour (every concept, its verdicts, the first counterexample, the timings).";

const EXAMPLES: &str = "Examples:
  interleave                                   the tour
  interleave --report tour                     the tour, and tour/index.html with its pictures
  interleave list                              every concept/variant id
  interleave check counter-race/unlocked       a race, its timeline and its replay command
  interleave outcomes counter-race/unlocked --threads 3
  interleave grade rlock my-rlock/submission.rs
  interleave completions bash > ~/.local/share/bash-completion/completions/interleave

Exit codes: 0 holds, 1 a violation, deadlock or step limit, 2 a usage error, 3 a checker or
output error, 5 not checked, 130 cut short by Ctrl-C or SIGTERM (grade: 3 rejected, 4 grader
error; see `interleave grade --help`).";

const CHECK_EXAMPLES: &str = "Examples:
  interleave check counter-race/unlocked
  interleave check counter-race/unlocked --threads 3 --seed 7 --jobs 1
  interleave check rlock/correct --time 10              explore for ten seconds instead
  interleave check counter-race/unlocked --report out   also out/index.html, the timeline drawn
  interleave check counter-race/unlocked --format json  one JSON document on stdout
A failing check prints the command that replays it: interleave replay ID TOKEN.

Exit codes: 0 holds, 1 a violation, deadlock or step limit, 2 a usage error, 3 a checker or
output error, 5 not checked, 130 cut short by Ctrl-C or SIGTERM (the report says so).";

const OUTCOMES_EXAMPLES: &str = "Examples:
  interleave outcomes counter-race/unlocked --threads 3
  interleave outcomes counter-race/unlocked --backend loom --threads 3   exhaustive (a loom build)

Exit codes: 0 the table, 1 a panic or deadlock cut it short, 2 a usage error, 130 cut short by
a signal.";

#[derive(Parser, Debug)]
#[command(name = "interleave", version, about = ABOUT, after_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    /// With no command: also write DIR/index.html, every concept's pictures
    #[arg(long, value_name = "DIR")]
    report: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Every concept: each variant's verdict, the first counterexample, the timing tables
    #[command(
        after_help = "Example:\n  interleave tour --report tour   also tour/index.html\n\n\
        Exit codes: 0 every verdict is the one the lesson expects, 1 one is not, 130 cut short."
    )]
    Tour {
        /// Also write DIR/index.html, every concept's pictures with an index of links
        #[arg(long, value_name = "DIR")]
        report: Option<String>,
    },
    /// Every concept/variant id, with what it shows
    List,
    /// Explore one variant: its verdict, the first failure's timeline and its replay command
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// The outcome table: every distinct result, its count, frequency and class
    #[command(after_help = OUTCOMES_EXAMPLES)]
    Outcomes(CheckArgs),
    /// Re-run exactly the execution a replay token names
    #[command(after_help = "Example:\n  interleave replay counter-race/unlocked \
        shuttle.55edf2.3.portfolio.508889950.2.3\n\n\
        Exit codes: 1 the failure reproduces, 0 the execution holds, 2 a bad token.")]
    Replay {
        /// The variant the token was printed for (concept/variant)
        id: String,
        /// The token a failing check printed
        token: String,
    },
    /// A concept's native timing table: times and ratios side by side
    #[command(after_help = "Examples:\n  interleave time gil\n  \
        interleave time executor --report out   also out/index.html, the bar chart\n\n\
        Exit codes: 0 measured, 2 no timing table, 130 cut short.")]
    Time {
        /// A concept with a timing table
        concept: String,
        /// Also write DIR/index.html, the table drawn as a bar chart
        #[arg(long, value_name = "DIR")]
        report: Option<String>,
    },
    /// The grading gate's exercises, one per line with its statement
    Exercises,
    /// Write an exercise's starter (submission.rs and README.md) into DIR; never overwrites
    #[command(after_help = "Example:\n  interleave starter rlock my-rlock")]
    Starter {
        /// The exercise (`interleave exercises` lists them)
        exercise: String,
        /// Where [default: a folder named after the exercise]
        dir: Option<String>,
    },
    /// Grade submissions of an exercise against its properties
    Grade(gate::command::GradeArgs),
    /// Join the shard reports of `grade --shard` into the report of the whole class
    MergeReports(gate::command::MergeArgs),
    /// Build the gate's harness library ahead of grading (for a CI cache step)
    Prepare(gate::command::PrepareArgs),
    /// The tutorial's upper-case echo server on real TCP (until Ctrl-C or SIGTERM)
    #[cfg(not(loom))]
    Serve(crate::net::command::ServeArgs),
    /// N clients against an echo server, every reply checked
    #[cfg(not(loom))]
    Load(crate::net::command::LoadArgs),
    /// Not in a loom build: the echo servers need tokio
    #[cfg(loom)]
    #[command(hide = true)]
    Serve {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        _words: Vec<String>,
    },
    /// Not in a loom build: the echo servers need tokio
    #[cfg(loom)]
    #[command(hide = true)]
    Load {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        _words: Vec<String>,
    },
    /// Print a shell completion script
    #[command(after_help = "Examples:\n  \
        interleave completions bash > ~/.local/share/bash-completion/completions/interleave\n  \
        interleave completions zsh > ~/.zfunc/_interleave\n  \
        interleave completions fish > ~/.config/fish/completions/interleave.fish")]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

/// `check` and `outcomes`: a variant, and how to explore it.
#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// The variant, concept/variant as `interleave list` prints it
    id: String,
    /// Explore under shuttle (sampled), loom (exhaustive, a loom build) or std threads
    #[arg(long, value_name = "BACKEND", default_value = "shuttle", value_parser = backend())]
    backend: Backend,
    /// How many threads (default: the variant's own)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = whole("--threads"))]
    threads: Option<u64>,
    /// How many executions (default: sized per variant)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = executions)]
    executions: Option<u64>,
    /// The search's seed (shuttle)
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = whole("--seed"))]
    seed: Option<u64>,
    /// Loom's preemption bound, 0..=255 (default: 3, or the variant's own)
    #[arg(long, value_name = "P", allow_hyphen_values = true, value_parser = preemption_bound)]
    preemption_bound: Option<u64>,
    /// Shuttle's worker threads, 1..=64 (default: one per core)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = jobs)]
    jobs: Option<u64>,
    /// Explore for this long instead of a count of executions
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = seconds)]
    time: Option<Duration>,
    /// Also write DIR/index.html: the timeline, the outcome histogram
    #[arg(long, value_name = "DIR")]
    report: Option<String>,
    /// json: one document on stdout instead of the text
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The largest preemption bound loom accepts (it keeps the count in a `u8`).
const MAX_PREEMPTION_BOUND: u64 = checker::env::MAX_PREEMPTION_BOUND as u64;
/// Jobs past this only queue up for the same cores.
const MAX_JOBS: u64 = 64;
/// A day: longer explorations are a mistake, not a plan.
const MAX_SECONDS: f64 = 86_400.0;

fn backend() -> impl TypedValueParser<Value = Backend> {
    PossibleValuesParser::new(["shuttle", "loom", "native"])
        .try_map(|name| Backend::parse(&name).ok_or_else(|| format!("unknown backend {name:?}")))
}

fn whole(flag: &'static str) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |text| {
        text.parse()
            .map_err(|_| format!("{flag} takes a whole number, not {text:?}"))
    }
}

fn executions(text: &str) -> Result<u64, String> {
    match whole("--executions")(text)? {
        0 => Err("--executions takes a whole number of at least 1, not 0".to_owned()),
        n => Ok(n),
    }
}

fn preemption_bound(text: &str) -> Result<u64, String> {
    match whole("--preemption-bound")(text)? {
        bound if bound > MAX_PREEMPTION_BOUND => Err(format!(
            "--preemption-bound takes 0..={MAX_PREEMPTION_BOUND} (loom counts preemptions in a byte), not {bound}"
        )),
        bound => Ok(bound),
    }
}

fn jobs(text: &str) -> Result<u64, String> {
    match whole("--jobs")(text)? {
        jobs if (1..=MAX_JOBS).contains(&jobs) => Ok(jobs),
        jobs => Err(format!("--jobs takes 1..={MAX_JOBS}, not {jobs}")),
    }
}

/// Not a number, infinite, negative, over a day, or under a nanosecond: refused.
fn seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text.parse().unwrap_or(f64::NAN);
    (seconds > 0.0 && seconds <= MAX_SECONDS)
        .then(|| Duration::from_secs_f64(seconds))
        .filter(|time| !time.is_zero())
        .ok_or_else(|| {
            format!("--time takes a number of seconds from 1e-9 to {MAX_SECONDS}, not {text:?}")
        })
}

/// Runs the command line; returns the process exit code.
pub fn main(args: &[String]) -> i32 {
    match check_environment().and_then(|()| run(args)) {
        Ok(code) => code,
        Err(Refused(message, code)) => {
            // A path in the message may be a student's file name (a glob's match).
            eprintln!("error: {}", gate::sanitise::line(&message));
            code.code()
        }
    }
}

/// A variable of ours that is set must be readable, and the backends' own must not be set: a
/// silent fallback would explore something other than what the user asked for
/// ([`checker::env`] owns the rules; the library's checks use the same).
fn check_environment() -> Result<(), Refused> {
    checker::env::validate().map_err(|error| match error {
        checker::CheckError::BadBudget(why) => usage(why),
        other => usage(other.to_string()),
    })
}

/// The gate's builtin implementations, graded as a compiled submission is (see
/// [`gate::child::builtin_main`]).
static GATE_BUILTIN: ChildCommand = ChildCommand {
    name: gate::child::BUILTIN_COMMAND,
    main: gate::child::builtin_main,
};

/// The hidden commands (not in `--help`): the concepts' child processes and the gate's builtin
/// implementations, this binary re-executed.
fn child_command(name: &str) -> Option<&'static ChildCommand> {
    models::CHILD_COMMANDS
        .iter()
        .chain([&GATE_BUILTIN])
        .find(|child| child.name == name)
}

/// Parses and runs a command: its exit code (a hidden child command's own number).
fn run(args: &[String]) -> Result<i32, Refused> {
    if let [command, rest @ ..] = args
        && let Some(child) = child_command(command)
    {
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        return Ok((child.main)(&rest));
    }
    let cli = match Cli::try_parse_from(
        std::iter::once("interleave").chain(args.iter().map(String::as_str)),
    ) {
        Ok(cli) => cli,
        Err(error) if error.exit_code() == 0 => {
            // --help, --version, `help`: on stdout, as everything asked for.
            emit(&error.render().to_string());
            return Ok(ExitCode::Ok.code());
        }
        Err(error) => {
            let command = match args.first() {
                Some(word) if Cli::command().find_subcommand(word).is_some() => {
                    format!("interleave {word}")
                }
                _ => "interleave".to_owned(),
            };
            return Err(usage(clap_line(&error, &command)));
        }
    };
    dispatch(cli).map(ExitCode::code)
}

fn dispatch(cli: Cli) -> Result<ExitCode, Refused> {
    if matches!(
        cli.command,
        None | Some(
            Command::Tour { .. }
                | Command::Check(_)
                | Command::Outcomes(_)
                | Command::Time { .. }
                | Command::Grade(_)
        )
    ) {
        signals::catch();
    }
    // A gate's report that cannot be written is the grader's failure (4), not a rejection (3).
    let say_gate = |(text, code): (String, ExitCode)| {
        crate::console::try_emit(&text).map(|()| code).map_err(|e| {
            Refused(
                format!("cannot write the report: {e}"),
                ExitCode::GraderError,
            )
        })
    };
    match cli.command {
        None => tour(cli.report.as_deref()),
        Some(Command::Tour { report }) => tour(report.as_deref()),
        Some(Command::List) => {
            for concept in models::all() {
                for variant in &concept.variants {
                    sayln!("{:<28} {}", variant.id, variant.summary);
                }
            }
            Ok(ExitCode::Ok)
        }
        Some(Command::Check(args)) => check_command(args, Mode::Check),
        Some(Command::Outcomes(args)) => check_command(args, Mode::Outcomes),
        Some(Command::Replay { id, token }) => explore::replay(&find_variant(&id)?, &token),
        Some(Command::Time { concept, report }) => {
            let page = report.as_deref().map(report_page).transpose()?;
            timing::command(&concept, page.as_deref())
        }
        Some(Command::Exercises) => {
            say!("{}", gate::command::list());
            Ok(ExitCode::Ok)
        }
        Some(Command::Starter { exercise, dir }) => {
            let text = gate::command::starter(&exercise, dir.as_deref())?;
            say!("{text}");
            Ok(ExitCode::Ok)
        }
        Some(Command::Grade(args)) => gate::command::grade(&args).and_then(say_gate),
        Some(Command::MergeReports(args)) => gate::command::merge_reports(&args).and_then(say_gate),
        Some(Command::Prepare(args)) => {
            let text = gate::command::prepare(&args)?;
            say!("{text}");
            Ok(ExitCode::Ok)
        }
        #[cfg(not(loom))]
        Some(Command::Serve(args)) => crate::net::command::serve(&args, &emit),
        #[cfg(not(loom))]
        Some(Command::Load(args)) => crate::net::command::load(&args, &emit),
        #[cfg(loom)]
        Some(Command::Serve { .. }) => Err(usage(
            "serve is not in the loom build (it needs tokio): build without --cfg loom",
        )),
        #[cfg(loom)]
        Some(Command::Load { .. }) => Err(usage(
            "load is not in the loom build (it needs tokio): build without --cfg loom",
        )),
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "interleave", &mut script);
            emit(&String::from_utf8_lossy(&script));
            Ok(ExitCode::Ok)
        }
    }
}

fn tour(report: Option<&str>) -> Result<ExitCode, Refused> {
    let page = report.map(report_page).transpose()?;
    Ok(crate::tour::tour(page.as_deref()))
}

/// The variant `id` names; a concept's id, or a near miss, is answered with what was meant.
fn find_variant(id: &str) -> Result<Variant, Refused> {
    if let Some(variant) = models::find(id) {
        return Ok(variant);
    }
    let concepts = models::all();
    if let Some(concept) = concepts.iter().find(|c| c.id == id) {
        let ids: Vec<&str> = concept.variants.iter().map(|v| v.id).collect();
        return Err(usage(format!(
            "{id} is a concept; name one of its variants: {}",
            ids.join(", ")
        )));
    }
    let names = concepts
        .iter()
        .flat_map(|c| std::iter::once(c.id).chain(c.variants.iter().map(|v| v.id)));
    Err(usage(match suggest::nearest(id, names) {
        Some(near) => format!("no concept or variant '{id}' — did you mean {near}?"),
        None => format!("no concept or variant '{id}' (`interleave list` prints every id)"),
    }))
}

fn check_command(args: CheckArgs, mode: Mode) -> Result<ExitCode, Refused> {
    let request = Request {
        variant: find_variant(&args.id)?,
        page: args.report.as_deref().map(report_page).transpose()?,
        backend: args.backend,
        threads: args.threads.map(|n| n as usize),
        executions: args.executions.map(|n| n as usize),
        seed: args.seed,
        preemption_bound: args.preemption_bound.map(|n| n as usize),
        jobs: args.jobs.map(|n| n as usize),
        time: args.time,
        json: args.format == Format::Json,
    };
    explore::check(&request, mode)
}
