//! Grading submissions, one after the other, each in one pass that reads top to bottom in
//! `one_pass`: read the student's files, screen them, build their harness crate, run it in a
//! child process, believe what it reported in order, and make the report (paths as the student
//! knows them). The steps themselves are [`super::harness`]'s and [`super::screen`]'s; a step
//! that refuses ends the pass with a [`Refusal`]. [`replay`] takes the same path up to the run.

use super::Exercise;
use super::child::{Args, BUILTIN_COMMAND, Message};
use super::grade::REPLAY_MARK;
use super::harness::{
    BATCH_SIZE, Built, Harness, Member, Refusal, Run, Submission, results_of, run_child,
};
use super::report::{
    GateReport, Location, PropertyResult, SCHEMA, Status, SubmissionReport, Summary,
};
use super::sandbox::{self, Sandbox};
use super::sanitise;
use crate::runtime::Backend;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How a grading run was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub backends: Vec<Backend>,
    pub seed: Option<u64>,
    /// Wall-clock time one submission may run for, all its properties together.
    pub limit: Duration,
    /// Check only this property (it must be one of the exercise's).
    pub property: Option<String>,
    /// Whether the children run in the sandbox where the machine allows.
    pub sandbox: sandbox::Mode,
}

/// The default wall-clock limit per submission.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(120);

/// A submission named `builtin:NAME` is one of the project's own implementations.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// Grades every path, in order; `each` sees each submission's report as it is made. The paths
/// are taken [`BATCH_SIZE`] at a time: read and screened, then built together (see
/// [`Harness::build_together`]), then each run. A stop signal (see [`crate::signals`]) kills the
/// build or the submission being graded, whose report is dropped, and ends the run: the report
/// has the submissions graded before it.
pub fn grade(
    exercise: &Exercise,
    paths: &[String],
    options: &Options,
    each: &mut dyn FnMut(&SubmissionReport),
) -> GateReport {
    let harness = Harness::locate(options.backends.contains(&Backend::Loom));
    let sandbox = Sandbox::detect(options.sandbox);
    let mut submissions = Vec::new();
    'batches: for batch in paths.chunks(BATCH_SIZE) {
        if crate::signals::received().is_some() {
            break;
        }
        let screened: Vec<Option<Result<Submission, Refusal>>> = batch
            .iter()
            .map(|path| (!path.starts_with(BUILTIN_PREFIX)).then(|| screened(path)))
            .collect();
        let together = match &harness {
            Ok(harness) => {
                let ready: Vec<&Submission> = screened.iter().flatten().flatten().collect();
                harness.build_together(exercise, &ready)
            }
            Err(_) => HashMap::new(),
        };
        for (path, screened) in batch.iter().zip(screened) {
            if crate::signals::received().is_some() {
                break 'batches;
            }
            let graded = Graded {
                exercise,
                path,
                harness: &harness,
                together: &together,
            };
            let report = graded.report(screened, &sandbox, options);
            if crate::signals::received().is_some() {
                break 'batches;
            }
            each(&report);
            submissions.push(report);
        }
    }
    GateReport {
        schema: SCHEMA.to_owned(),
        interleave: env!("CARGO_PKG_VERSION").to_owned(),
        exercise: exercise.name.to_owned(),
        backends: options
            .backends
            .iter()
            .map(|b| b.name().to_owned())
            .collect(),
        seed_override: options.seed,
        sandbox: sandbox.describe(),
        summary: Summary::of(&submissions),
        submissions,
        shard: None,
        cut_short: None,
    }
}

/// One submission being graded: its exercise, its path, and what builds it (the harness, and
/// what was built together with others).
struct Graded<'a> {
    exercise: &'a Exercise,
    path: &'a str,
    harness: &'a Result<Harness, String>,
    together: &'a HashMap<String, Built>,
}

impl Graded<'_> {
    /// Its report: the pass's results, or the refusal that ended it. `screened` is its files read
    /// and screened (`None` for one of the project's own implementations).
    fn report(
        &self,
        screened: Option<Result<Submission, Refusal>>,
        sandbox: &Sandbox,
        options: &Options,
    ) -> SubmissionReport {
        let path = self.path;
        let started = Instant::now();
        let build_share = screened
            .as_ref()
            .and_then(|screened| screened.as_ref().ok())
            .and_then(|submission| self.together.get(&submission.digest(self.exercise.name)))
            .and_then(|built| built.member.as_ref())
            .map(|member| member.build_share)
            .unwrap_or_default();
        let graded = self.one_pass(screened, sandbox, options);
        let elapsed_ms = (started.elapsed() + build_share).as_millis() as u64;
        let report = match graded {
            Ok((properties, output)) => {
                let output = output.trim();
                SubmissionReport {
                    submission: path.to_owned(),
                    status: SubmissionReport::status_of(&properties),
                    message: None,
                    location: None,
                    properties,
                    output: (!output.is_empty()).then(|| output.to_owned()),
                    elapsed_ms,
                }
            }
            Err(refusal) => SubmissionReport {
                submission: path.to_owned(),
                status: refusal.status,
                message: Some(refusal.message),
                location: refusal.location,
                properties: Vec::new(),
                output: None,
                elapsed_ms,
            },
        };
        // Made plain here, so that whatever reads it (the progress line, each format) reads it so.
        sanitise::submission(&report)
    }

    /// The whole pass over one submission, each step in turn: read → screen ([`screened`]) → build
    /// (or find it built together with others) → run → believe → report; the first step that
    /// refuses ends it. Its property results, and what the submission printed.
    fn one_pass(
        &self,
        screened: Option<Result<Submission, Refusal>>,
        sandbox: &Sandbox,
        options: &Options,
    ) -> Result<(Vec<PropertyResult>, String), Refusal> {
        let (exercise, path, harness) = (self.exercise, self.path, self.harness);
        // Build it (or find it built, or find the project's own implementation).
        let (runnable, submission) = match screened {
            None => (builtin(exercise, &path[BUILTIN_PREFIX.len()..])?, None),
            Some(screened) => {
                let submission = screened?;
                let built = match self.together.get(&submission.digest(exercise.name)) {
                    Some(built) => built.clone(),
                    None => built(exercise, path, &submission, harness)?,
                };
                (Runnable::Harness(built), Some(submission))
            }
        };
        // Run it in a child, asking for every property on every backend, in order.
        let args = Args {
            backends: options.backends.clone(),
            seed: options.seed,
            replay: None,
            property: options.property.clone(),
        };
        let mut run = runnable.run(exercise, &args, options.limit, sandbox)?;
        // A batch's binary that died before its first word may have died of its classmates (their
        // statics add up to the memory limit), not of this submission: it is run from its own
        // harness instead, as if there had been no batch.
        if let (
            Runnable::Harness(Built {
                member: Some(_), ..
            }),
            Some(submission),
        ) = (&runnable, &submission)
            && run.messages.is_empty()
        {
            let alone = Runnable::Harness(built(exercise, path, submission, harness)?);
            run = alone.run(exercise, &args, options.limit, sandbox)?;
        }
        // Believe only what the child reported, in the order it was asked.
        let mut properties =
            results_of(&run, &expected(exercise, options)).map_err(Refusal::error)?;
        // Report in the student's own paths, with the command that replays each failure.
        let paths = Paths::new(submission.as_ref(), harness);
        for result in &mut properties {
            paths.student_facing(result, exercise.name, path);
        }
        Ok((properties, run.output))
    }
}

/// A refusal's message with every path of the submission's files in it (student-chosen names,
/// quoted by the compiler and the reading) as one plain line, so that a file name cannot break
/// the message's lines; the rest of the message is sanitised with the report.
fn plain_paths(mut refusal: Refusal, path: &str, submission: Option<&Submission>) -> Refusal {
    let mut paths: Vec<String> = submission
        .map(|s| {
            s.files
                .iter()
                .filter_map(|(file, _)| s.original_path(&format!("src/{}", file.display())))
                .collect()
        })
        .unwrap_or_default();
    paths.push(path.to_owned());
    // The longest first: a folder's path is the start of its files'.
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for raw in paths {
        let plain = sanitise::line(&raw);
        if plain != raw {
            refusal.message = refusal.message.replace(&raw, &plain);
        }
    }
    refusal
}

/// What runs a submission: a harness binary built from the student's files, or one of the
/// project's own implementations, run by this program's hidden command.
enum Runnable {
    Harness(Built),
    Builtin(String),
}

/// The first steps of a pass: `path` read, screened and built into a harness binary (with the
/// submission read, to map paths back), or the project's own implementation it names.
fn runnable(
    exercise: &Exercise,
    path: &str,
    harness: &Result<Harness, String>,
) -> Result<(Runnable, Option<Submission>), Refusal> {
    if let Some(name) = path.strip_prefix(BUILTIN_PREFIX) {
        return builtin(exercise, name).map(|runnable| (runnable, None));
    }
    let submission = screened(path)?;
    let built = built(exercise, path, &submission, harness)?;
    Ok((Runnable::Harness(built), Some(submission)))
}

/// The submission at `path`, read and passed by the static screen.
fn screened(path: &str) -> Result<Submission, Refusal> {
    let submission = Submission::read(path).map_err(|r| plain_paths(r, path, None))?;
    screen(&submission)?;
    Ok(submission)
}

/// `submission`'s own harness binary, built.
fn built(
    exercise: &Exercise,
    path: &str,
    submission: &Submission,
    harness: &Result<Harness, String>,
) -> Result<Built, Refusal> {
    let harness = harness.as_ref().map_err(Refusal::error)?;
    harness
        .build(exercise, submission)
        .map_err(|r| plain_paths(r, path, Some(submission)))
}

/// The project's own implementation `name` of `exercise`.
fn builtin(exercise: &Exercise, name: &str) -> Result<Runnable, Refusal> {
    match exercise.builtin(name) {
        Some(_) => Ok(Runnable::Builtin(name.to_owned())),
        None => Err(Refusal::rejected(format!(
            "{} has no implementation {name:?}; it has: {}",
            exercise.name,
            (exercise.builtins)()
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

impl Runnable {
    /// Runs it as a supervised child ([`run_child`]) with `args`, for at most `limit`, in the
    /// `sandbox` if there is one.
    fn run(
        &self,
        exercise: &Exercise,
        args: &Args,
        limit: Duration,
        sandbox: &Sandbox,
    ) -> Result<Run, Refusal> {
        match self {
            Runnable::Harness(Built {
                binary,
                member: None,
            }) => Ok(run_child(binary, &args.to_words(), limit, sandbox)),
            Runnable::Harness(Built {
                binary,
                member: Some(member),
            }) => {
                let mut words = vec![member.word.clone()];
                words.extend(args.to_words());
                Ok(as_if_alone(
                    run_child(binary, &words, limit, sandbox),
                    member,
                ))
            }
            Runnable::Builtin(name) => {
                let exe = std::env::current_exe().map_err(|e| {
                    Refusal::error(format!("cannot find this program to re-run it: {e}"))
                })?;
                let mut words = vec![
                    BUILTIN_COMMAND.to_owned(),
                    exercise.name.to_owned(),
                    name.clone(),
                ];
                words.extend(args.to_words());
                Ok(run_child(&exe, &words, limit, sandbox))
            }
        }
    }
}

/// A batch member's run as its own harness's would read: every message, what it printed and
/// why it was not believed, rewritten by [`Member::as_if_alone`].
fn as_if_alone(run: Run, member: &Member) -> Run {
    let messages = run
        .messages
        .into_iter()
        .map(|message| {
            let json = serde_json::to_string(&message).expect("a message serializes");
            serde_json::from_str(&member.as_if_alone(&json)).unwrap_or(message)
        })
        .collect();
    Run {
        messages,
        garbled: run.garbled.map(|why| member.as_if_alone(&why)),
        output: member.as_if_alone(&run.output),
        ..run
    }
}

/// The (property, statement, backend) results a run must report, in the order it reports them.
fn expected(exercise: &Exercise, options: &Options) -> Vec<(String, String, String)> {
    exercise
        .properties()
        .iter()
        .filter(|p| options.property.as_ref().is_none_or(|only| only == p.name))
        .flat_map(|p| {
            options.backends.iter().map(|b| {
                (
                    p.name.to_owned(),
                    p.statement.to_owned(),
                    b.name().to_owned(),
                )
            })
        })
        .collect()
}

/// The most breaches a refusal lists.
const BREACHES_SHOWN: usize = 5;

/// The static screen: a submission that breaks a rule is refused, pointing at its first breach.
fn screen(submission: &Submission) -> Result<(), Refusal> {
    let files: Vec<(String, String, usize)> = submission
        .files
        .iter()
        .map(|(path, text)| {
            let harness_path = format!("src/{}", path.display());
            let shown = submission
                .original_path(&harness_path)
                .unwrap_or(harness_path);
            (sanitise::line(&shown), text.clone(), module_depth(path))
        })
        .collect();
    let breaches = super::screen::screen_modules(&files);
    let Some(first) = breaches.first() else {
        return Ok(());
    };
    let mut message = format!(
        "refused by the gate's rules before compiling ({} breach{}):",
        breaches.len(),
        if breaches.len() == 1 { "" } else { "es" }
    );
    for breach in breaches.iter().take(BREACHES_SHOWN) {
        message.push_str(&format!(
            "\n{}:{}: {}",
            breach.file, breach.line, breach.rule
        ));
    }
    if breaches.len() > BREACHES_SHOWN {
        message.push_str(&format!("\n… and {} more", breaches.len() - BREACHES_SHOWN));
    }
    message.push_str(&format!("\n({})", super::screen::WHAT_IS_ALLOWED));
    Err(Refusal {
        status: Status::Rejected,
        message,
        location: Some(Location {
            file: first.file.clone(),
            line: first.line,
        }),
    })
}

/// How deep a submission's file is in its modules: `submission.rs` and `submission/lib.rs` are
/// its root (0), `submission/a.rs` and `submission/a/mod.rs` module `a` (1), `submission/a/b.rs`
/// module `a::b` (2).
fn module_depth(path: &std::path::Path) -> usize {
    let inside: Vec<_> = path.components().skip(1).collect();
    let last = path.file_name().and_then(|name| name.to_str());
    match (inside.len(), last) {
        (1, Some("lib.rs")) => 0,
        (n, Some("mod.rs")) => n - 1,
        (n, _) => n,
    }
}

/// Re-runs one failing execution of a submission; its text, and whether it failed. The same
/// pass as `grade_one` up to the run, which asks for the one execution `token` names.
pub fn replay(
    exercise: &Exercise,
    path: &str,
    options: &Options,
    token: &str,
) -> Result<(String, bool), Refusal> {
    let harness = Harness::locate(options.backends.contains(&Backend::Loom));
    let (runnable, submission) = runnable(exercise, path, &harness)?;
    let args = Args {
        backends: options.backends.clone(),
        seed: None,
        replay: Some(token.to_owned()),
        property: None,
    };
    let run = runnable.run(
        exercise,
        &args,
        options.limit,
        &Sandbox::detect(options.sandbox),
    )?;
    let paths = Paths::new(submission.as_ref(), &harness);
    for message in &run.messages {
        match message {
            Message::Replay { text, failed } => {
                let command =
                    replay_command(exercise.name, path, options.backends[0].name(), token);
                let text = paths.map_text(text).replace(REPLAY_MARK, &command);
                return Ok((sanitise::text(&text), *failed));
            }
            Message::Refused { message } => {
                return Err(Refusal::rejected(sanitise::text(message)));
            }
            _ => {}
        }
    }
    Err(Refusal::error(match run.status {
        None => "the replay ran past the wall-clock limit",
        Some(_) => "the submission's process ended before the replay reported",
    }))
}

/// The command that replays a counterexample of `path`.
pub fn replay_command(exercise: &str, path: &str, backend: &str, token: &str) -> String {
    let backend = if backend == "loom" {
        " --backend loom"
    } else {
        ""
    };
    format!(
        "interleave grade {exercise} {}{backend} --replay {token}",
        shell_word(path)
    )
}

/// `word` as one shell word on one line: quoted if it needs it, and a name with characters a
/// report shows as escapes (a newline, ESC, U+202E) in bash's `$'…'`, which spells each one
/// out, so the line can be pasted and names the very file.
fn shell_word(word: &str) -> String {
    // A path starting with `-` would be read as a flag: `./-x.rs` names the same file.
    if word.starts_with('-') {
        return shell_word(&format!("./{word}"));
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_owned();
    }
    if sanitise::line(word) == word {
        return format!("'{}'", word.replace('\'', "'\\''"));
    }
    let mut quoted = String::from("$'");
    for c in word.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '\'' => quoted.push_str("\\'"),
            '\n' => quoted.push_str("\\n"),
            c if c.is_ascii_graphic() || c == ' ' => quoted.push(c),
            c if (c as u32) < 0x80 => quoted.push_str(&format!("\\x{:02x}", c as u32)),
            c if sanitise::line(&c.to_string()) == c.to_string() => quoted.push(c),
            c => quoted.push_str(&format!("\\u{:04x}", c as u32)),
        }
    }
    quoted.push('\'');
    quoted
}

/// A place in code the student does not have, named for what it is: the exercise's own program
/// (`in the exercise (bounded_queue/scenarios.rs)`), the gate's harness, or interleave.
fn outside_the_submission(relative: &str) -> String {
    if let Some(rest) = relative.strip_prefix("src/exercises/") {
        format!("in the exercise ({rest})")
    } else if relative == "src/main.rs" {
        "in the gate's harness (main.rs)".to_owned()
    } else {
        format!("in interleave ({relative})")
    }
}

/// How the paths a child reports (the harness's, interleave's own) read for the student.
struct Paths<'a> {
    submission: Option<&'a Submission>,
    source: Option<String>,
}

impl<'a> Paths<'a> {
    fn new(submission: Option<&'a Submission>, harness: &Result<Harness, String>) -> Paths<'a> {
        Paths {
            submission,
            source: harness
                .as_ref()
                .ok()
                .map(|h| format!("{}/", h.source.display())),
        }
    }

    fn map(&self, file: &str) -> String {
        if let Some(original) = self.submission.and_then(|s| s.original_path(file)) {
            // The student's own file name, made plain: a newline in it must not end the line.
            return sanitise::line(&original);
        }
        let inside = self
            .source
            .as_deref()
            .and_then(|source| file.strip_prefix(source));
        match inside {
            Some(file) => outside_the_submission(file),
            // A harness path that is not the student's: the plug the gate wrote.
            None if file == "src/main.rs" => outside_the_submission(file),
            None => file.to_owned(),
        }
    }

    /// A result as the student reads it: its counterexample's files in their paths, and the
    /// command that replays it (grading `path` of `exercise`) in place of the mark.
    fn student_facing(&self, result: &mut PropertyResult, exercise: &str, path: &str) {
        let Some(example) = &mut result.counterexample else {
            return;
        };
        for step in &mut example.timeline {
            if let Some(location) = &mut step.location {
                location.file = self.map(&location.file);
            }
        }
        example.replay_command = replay_command(exercise, path, &result.backend, &example.replay);
        example.text = self
            .map_text(&example.text)
            .replace(REPLAY_MARK, &example.replay_command);
    }

    /// Every `@ file:line` in a text report, mapped as [`Paths::map`] maps the file.
    fn map_text(&self, text: &str) -> String {
        text.lines()
            .map(|line| match line.rsplit_once("  @ ") {
                Some((before, at)) => match at.rsplit_once(':') {
                    Some((file, number)) => format!("{before}  @ {}:{number}", self.map(file)),
                    None => line.to_owned(),
                },
                None => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
            + if text.ends_with('\n') { "\n" } else { "" }
    }
}

#[cfg(test)]
mod tests {
    use super::{Paths, shell_word};

    #[test]
    fn a_replay_line_names_any_file_on_one_line_that_bash_reads_back() {
        for name in [
            "plain/sub.rs",
            "with space's.rs",
            "nl\n::error file=x,line=1::owned.rs",
            "esc\u{1b}[31m.rs",
            "bidi\u{202e}evil.rs",
            "back\\slash'quote\t.rs",
            "-starts-like-a-flag.rs",
        ] {
            let word = shell_word(name);
            assert!(!word.contains('\n'), "{word}");
            assert_eq!(
                crate::gate::sanitise::line(&word),
                word,
                "{word} shows as it is"
            );
            let read = std::process::Command::new("bash")
                .args(["-c", &format!("printf %s {word}")])
                .output()
                .expect("bash runs");
            let named = if name.starts_with('-') {
                format!("./{name}")
            } else {
                name.to_owned()
            };
            assert_eq!(String::from_utf8_lossy(&read.stdout), named, "{word}");
        }
    }
    use crate::gate::harness::Submission;

    #[test]
    fn steps_outside_the_submission_are_named_not_given_a_path_the_student_lacks() {
        let submission =
            Submission::read("src/gate/exercises/counter/reference.rs").expect("a submission");
        let paths = Paths {
            submission: Some(&submission),
            source: Some("/src/interleave/".to_owned()),
        };
        let cases = [
            (
                "src/submission.rs",
                "src/gate/exercises/counter/reference.rs",
            ),
            (
                "/src/interleave/src/exercises/bounded_queue/scenarios.rs",
                "in the exercise (bounded_queue/scenarios.rs)",
            ),
            ("src/main.rs", "in the gate's harness (main.rs)"),
            ("/src/interleave/src/sync.rs", "in interleave (src/sync.rs)"),
        ];
        for (reported, shown) in cases {
            assert_eq!(paths.map(reported), shown, "{reported}");
        }
        let text =
            "  step\n     4  read  n = 6  @ /src/interleave/src/exercises/counter/mod.rs:40\n";
        assert_eq!(
            paths.map_text(text),
            "  step\n     4  read  n = 6  @ in the exercise (counter/mod.rs):40\n"
        );
    }
}
