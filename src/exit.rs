//! The exit codes of every command (the command line's, the gate's and the echo servers'), as
//! one type; the README's two tables (the command line's and the gate's) say the same, and a test
//! holds them to it. A command that refuses says why in one line on stderr ([`Refused`]).

use crate::checker::{Report, Verdict};
use crate::signals;

/// A process exit code. Each number means one kind of ending; a number that means something
/// else to the gate has a second name (an associated constant) under which the gate uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ExitCode {
    /// The property holds in what was explored; every property of every submission holds; the
    /// echo server stopped cleanly, or every reply of a load was right.
    Ok = 0,
    /// A violation, deadlock or step limit was found; a gate property fails or a submission timed
    /// out; the echo server could not run, or a load saw an error or a wrong reply.
    Violated = 1,
    /// A usage error: an unknown command, id, flag or value, a bad number or token. One line.
    Usage = 2,
    /// The command line's checker error (the backend itself failed: no verdict on the model) or
    /// output that cannot be written. To the gate: a submission was rejected
    /// ([`ExitCode::REJECTED`]).
    Output = 3,
    /// The gate's grader itself failed (the harness could not build, a child sent no valid
    /// report, a report file could not be written).
    GraderError = 4,
    /// Not checked: the verdict depends on something the backend cannot see; to the gate also a
    /// loom search that spent its budget with executions left (`unfinished`). Nothing is claimed.
    NotChecked = 5,
    /// Cut short by SIGINT or SIGTERM (128 + SIGINT, as a shell reports a Ctrl-C): what was done
    /// so far is reported. The same number as [`signals::CUT_SHORT`].
    CutShort = 130,
}

impl ExitCode {
    /// Every code, in order.
    pub const ALL: [ExitCode; 7] = [
        ExitCode::Ok,
        ExitCode::Violated,
        ExitCode::Usage,
        ExitCode::Output,
        ExitCode::GraderError,
        ExitCode::NotChecked,
        ExitCode::CutShort,
    ];

    /// The gate's name for 3: a submission was rejected (it broke a rule or did not compile).
    pub const REJECTED: ExitCode = ExitCode::Output;
    /// The command line's other meaning of 3: the checker itself failed.
    pub const CHECKER_ERROR: ExitCode = ExitCode::Output;

    /// The number the process exits with.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The code with this number, if it is one of ours.
    pub fn from_code(code: i32) -> Option<ExitCode> {
        ExitCode::ALL.into_iter().find(|exit| exit.code() == code)
    }

    /// A check's or a replay's code: 0 holds, 5 not checked, 1 any failure; 130 when a stop
    /// signal cut a search that found nothing short.
    pub fn of_report(report: &Report) -> ExitCode {
        match report.verdict {
            Verdict::Holds if stopped_by_signal(report) => ExitCode::CutShort,
            Verdict::Holds => ExitCode::Ok,
            Verdict::NotChecked(_) => ExitCode::NotChecked,
            _ => ExitCode::Violated,
        }
    }

    /// `interleave outcomes`: forbidden outcomes are what the table is for (0); a panic or a
    /// deadlock that cut it short is 1, a stop signal 130.
    pub fn of_outcomes(report: &Report) -> ExitCode {
        let cut_short = report
            .verdict
            .failure()
            .is_some_and(|f| f.outcome.is_none());
        if cut_short {
            ExitCode::Violated
        } else if stopped_by_signal(report) {
            ExitCode::CutShort
        } else {
            ExitCode::Ok
        }
    }
}

impl From<ExitCode> for i32 {
    fn from(exit: ExitCode) -> i32 {
        exit.code()
    }
}

/// Whether a stop signal cut the search short (rather than running out of --time).
pub fn stopped_by_signal(report: &Report) -> bool {
    report.interrupted && signals::received().is_some()
}

/// A command's refusal: one line for stderr, and the exit code that says what kind (the command
/// line's, the gate's and the echo servers' commands share it).
#[derive(Debug)]
pub struct Refused(pub String, pub ExitCode);

/// A usage error: exit code 2.
pub fn usage(message: impl Into<String>) -> Refused {
    Refused(message.into(), ExitCode::Usage)
}

/// A checker's refusal: a usage error (exit code 2) or the checker's own error (exit code 3).
impl From<crate::checker::CheckError> for Refused {
    fn from(error: crate::checker::CheckError) -> Self {
        let code = if error.is_usage() {
            ExitCode::Usage
        } else {
            ExitCode::CHECKER_ERROR
        };
        match error {
            crate::checker::CheckError::NotBuilt(crate::runtime::Backend::Loom) => {
                Refused(without_loom(), code)
            }
            error => Refused(error.to_string(), code),
        }
    }
}

/// What to run instead of this binary, built without loom, for a command under loom, from any
/// folder: the loom binary beside interleave's source (`INTERLEAVE_SOURCE`, else where this one
/// was built from), with the command that builds it if it is not there yet.
pub fn without_loom() -> String {
    let source = std::env::var_os("INTERLEAVE_SOURCE").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        Into::into,
    );
    let binary = source.join("target/loom/release/interleave");
    let build = if binary.is_file() {
        String::new()
    } else {
        format!(
            "build it once with (cd {} && RUSTFLAGS=\"--cfg loom\" cargo build --release \
             --target-dir target/loom), then ",
            source.display()
        )
    };
    format!(
        "this binary was built without loom; {build}run the same command with {}",
        binary.display()
    )
}

#[cfg(feature = "cli")]
/// A parse error of clap's, as the one line a refusal is. `command` is what was being parsed,
/// as it is typed (`interleave check`, `interleave`), or another name for a parser that is not
/// the command line's (then no `--help` is offered). Help and version requests are no errors and
/// never come here.
pub fn clap_line(error: &clap::Error, command: &str) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => vec![text.clone()],
        Some(ContextValue::Strings(texts)) => texts.clone(),
        _ => Vec::new(),
    };
    let first = |kind| context(kind).into_iter().next().unwrap_or_default();
    let name = command.rsplit(' ').next().unwrap_or(command);
    let help = if command.starts_with("interleave") {
        format!(" (`{command} --help` shows the usage)")
    } else {
        String::new()
    };
    // "--threads <N>" names the flag "--threads"; a positional "<SHELL>" names itself.
    let arg = first(ContextKind::InvalidArg);
    let flag = arg.split_whitespace().next().unwrap_or_default().to_owned();
    let mut hints = context(ContextKind::SuggestedArg);
    hints.extend(context(ContextKind::SuggestedValue));
    hints.extend(context(ContextKind::SuggestedSubcommand));
    let did_you_mean = hints
        .first()
        .map(|hint| format!("; did you mean {hint}?"))
        .unwrap_or_default();
    match error.kind() {
        // Our own parsers' messages say it all.
        ErrorKind::ValueValidation => std::error::Error::source(error)
            .map(|source| source.to_string())
            .unwrap_or_else(|| format!("{flag}: a bad value{help}")),
        ErrorKind::InvalidValue if first(ContextKind::InvalidValue).is_empty() => {
            format!("{flag} needs a value")
        }
        ErrorKind::InvalidValue => {
            let value = first(ContextKind::InvalidValue);
            let what = arg
                .rsplit(['<', ' '])
                .next()
                .unwrap_or_default()
                .trim_matches(['<', '>', '.'])
                .to_lowercase();
            let choices = or_list(&context(ContextKind::ValidValue));
            if flag.starts_with('-') {
                format!("unknown {what} {value:?}: {flag} takes {choices}{did_you_mean}")
            } else {
                format!("unknown {what} {value:?}; choose {choices}{did_you_mean}")
            }
        }
        // The echo servers' commands have always called their flags arguments.
        ErrorKind::UnknownArgument if ["serve", "load"].contains(&name) => {
            format!("{name}: unknown argument {flag:?}{did_you_mean}{help}")
        }
        ErrorKind::UnknownArgument if flag.starts_with('-') => {
            format!("unknown flag {flag:?} for {name}{did_you_mean}{help}")
        }
        ErrorKind::UnknownArgument => {
            format!("{name}: unexpected argument {flag:?}, one too many{help}")
        }
        ErrorKind::InvalidSubcommand => {
            let word = first(ContextKind::InvalidSubcommand);
            format!(
                "unknown command {word:?}{did_you_mean} (`interleave --help` lists the commands)"
            )
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = context(ContextKind::InvalidArg).join(" and ");
            format!("{name} needs {missing}{help}")
        }
        _ => {
            // Any other kind: clap's own first line, without its "error: ".
            let rendered = error.render().to_string();
            let line = rendered.lines().next().unwrap_or_default();
            let line = line.strip_prefix("error: ").unwrap_or(line);
            format!("{}{did_you_mean}{help}", line.replace('\'', "\""))
        }
    }
}

/// `a`, `a or b`, `a, b or c`.
#[cfg(feature = "cli")]
fn or_list(items: &[String]) -> String {
    match items {
        [] => "a value".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
