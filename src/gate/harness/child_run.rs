//! Running a built submission: the supervised child process, and what of its output is believed.
//!
//! The child runs under [`limits`] (memory, CPU time, tasks, files), in the grade's
//! [`sandbox`] where the machine gave one, in a process group of its
//! own that is killed whole when it ends or at the wall-clock limit, and with an environment
//! holding nothing but a fresh random key: [`results_of`] believes only lines that start with
//! it, in the order the properties were asked for, and pins whatever the child did not report
//! (it was killed, crashed or exited early) on the property it was checking, never as a pass.

use super::{MAX_TEXT, cut_at, read_capped, wait_within};
use crate::gate::child::{KEY_VARIABLE, Message};
use crate::gate::limits::{self, Limits, MALLOC_ARENAS, MEMORY_LIMIT_BYTES};
use crate::gate::report::{PropertyResult, Status};
use crate::gate::sandbox::{self, Confinement, Sandbox};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A child's results are small; more than this is not a result.
const MAX_RESULTS_BYTES: u64 = 16 * 1024 * 1024;
/// How long the gate waits, after its child's group is gone, for the child's pipes to close.
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// What is shown of a line that is not a result.
const MAX_EXCERPT: usize = 200;

/// What a supervised child did.
#[derive(Debug)]
pub struct Run {
    /// Every message it sent with the key, in order, that parsed.
    pub messages: Vec<Message>,
    /// Why its results cannot be believed: a line on the results channel without the key (not
    /// written by the harness), or a keyed line that is not a message.
    pub garbled: Option<String>,
    /// What the submission printed (cut).
    pub output: String,
    /// How it ended; `None` when the wall-clock limit killed it.
    pub status: Option<ExitStatus>,
    pub elapsed: Duration,
    /// The limits it ran under.
    pub limits: Limits,
}

/// Runs `binary` as a submission's child: under [`Limits`], with an environment of its own (the
/// results channel's key and nothing else of the gate's), in a process group killed whole when
/// it ends or at `limit`, in the `sandbox` if the grade has one (a set-up that fails turns the
/// sandbox off for the rest of the grade, and the child runs without it).
pub fn run_child(binary: &Path, words: &[String], limit: Duration, sandbox: &Sandbox) -> Run {
    run_child_with_grace(binary, words, limit, PIPE_GRACE, sandbox)
}

/// [`run_child`], waiting `grace` (not [`PIPE_GRACE`]) for pipes still open after the group is
/// gone (a test of that wait need not take its full length).
pub(super) fn run_child_with_grace(
    binary: &Path,
    words: &[String],
    limit: Duration,
    grace: Duration,
    sandbox: &Sandbox,
) -> Run {
    let started = Instant::now();
    let limits = Limits::for_child(limit);
    let not_started = |why: String| Run {
        messages: Vec::new(),
        garbled: Some(why),
        output: String::new(),
        status: None,
        elapsed: started.elapsed(),
        limits,
    };
    let key = match new_key() {
        Ok(key) => key,
        Err(e) => return not_started(format!("cannot make a key for the results channel: {e}")),
    };
    // The sandboxed child starts in its scratch directory: a relative path would not reach it
    // (a bare name is looked up in PATH, as before).
    let binary = match binary.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => {
            std::path::absolute(binary).unwrap_or_else(|_| binary.to_owned())
        }
        _ => binary.to_owned(),
    };
    let spawned = match sandbox.confinement_for(&binary) {
        Some(confinement) => match spawn(&binary, words, &key, limits, Some(confinement)) {
            Err(e) => match sandbox::setup_failure(&e) {
                Some(why) => {
                    sandbox.fall_back(format!(
                        "setting it up for a child failed, and the rest of the grade ran \
                             without it: {why}"
                    ));
                    spawn(&binary, words, &key, limits, None)
                }
                None => Err(e),
            },
            started => started,
        },
        None => spawn(&binary, words, &key, limits, None),
    };
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return not_started(format!("cannot start the harness: {e}")),
    };
    let (results, output) = (child.stdout.take(), child.stderr.take());
    let (lines_sent, lines) = mpsc::channel();
    let (ended, reader_ended) = mpsc::channel();
    std::thread::spawn(move || {
        if let Some(results) = results {
            let mut reader = BufReader::new(results.take(MAX_RESULTS_BYTES));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if lines_sent.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        }
        let _ = ended.send(());
    });
    let (printed, printer) = mpsc::channel();
    std::thread::spawn(move || printed.send(read_capped(output, MAX_TEXT as u64)));
    let status = wait_within(&mut child, started + limit);
    // The pipes close when the child's group is gone; something that left the group (and so
    // escaped the kill) could hold them open: it is given a moment, never the gate's time.
    let _ = reader_ended.recv_timeout(grace);
    let mut messages = Vec::new();
    let (mut forged, mut unreadable) = (None, None);
    for line in lines.try_iter() {
        let line = line.strip_suffix('\n').unwrap_or(&line);
        let Some(json) = line
            .strip_prefix(key.as_str())
            .and_then(|rest| rest.strip_prefix(' '))
        else {
            forged.get_or_insert_with(|| {
                format!(
                    "a line without the gate's key reached the results channel, so something \
                     other than the harness wrote to it; none of the results are believed: {}",
                    cut_at(line, MAX_EXCERPT)
                )
            });
            continue;
        };
        match serde_json::from_str::<Message>(json) {
            Ok(message) => messages.push(message),
            Err(_) => {
                unreadable.get_or_insert_with(|| {
                    format!(
                        "the harness sent something that is not a result: {}",
                        cut_at(json, MAX_EXCERPT)
                    )
                });
            }
        }
    }
    Run {
        messages,
        garbled: forged.or(unreadable),
        output: printer.recv_timeout(grace).unwrap_or_default(),
        status,
        elapsed: started.elapsed(),
        limits,
    }
}

/// Starts `binary` with `words` as a child of the gate: the key and nothing else of the gate's
/// environment, results on stdout and what it prints on stderr (both piped), in a process group
/// of its own, under `limits` and, given a `confinement`, in the sandbox.
fn spawn(
    binary: &Path,
    words: &[String],
    key: &str,
    limits: Limits,
    confinement: Option<Confinement>,
) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(binary);
    command
        .args(words)
        .env_clear()
        .env("RUST_BACKTRACE", "0")
        .env("MALLOC_ARENA_MAX", MALLOC_ARENAS)
        .env(KEY_VARIABLE, key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: the hook runs between fork and exec and makes only async-signal-safe calls
    // (getrlimit, setrlimit, prctl, getppid; the sandbox's unshare, mount, fork, waitpid, ...),
    // allocating nothing.
    unsafe {
        command.pre_exec(move || {
            limits.apply()?;
            match &confinement {
                Some(confinement) => confinement.enter(false),
                None => Ok(()),
            }
        });
    }
    command.spawn()
}

/// 16 random bytes, in hex: the key a child's every result line must start with.
fn new_key() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The submission's property results from a run: what the child reported, and for what it did
/// not (it was killed, crashed or exited early) a timeout or a failure pinned on the property it
/// was checking, never a pass. Results count only as the child was asked for them: each
/// expected (property, backend), in order, announced by its start, then the end; anything else
/// means the results were tampered with, and the whole run is an error.
pub fn results_of(
    run: &Run,
    expected: &[(String, String, String)],
) -> Result<Vec<PropertyResult>, String> {
    if let Some(garbled) = &run.garbled {
        return Err(garbled.clone());
    }
    if let Some(message) = run.messages.iter().find_map(|m| match m {
        Message::Refused { message } => Some(message.clone()),
        _ => None,
    }) {
        return Err(format!("the harness refused its arguments: {message}"));
    }
    let mut results: Vec<PropertyResult> = Vec::new();
    // Whether the next expected property was started and has no result yet.
    let mut open = false;
    let mut done = false;
    let mut out_of_memory = None;
    let mut stuck = None;
    for message in &run.messages {
        let is_next = |property: &str, backend: &str| {
            expected
                .get(results.len())
                .is_some_and(|(p, _, b)| p == property && b == backend)
        };
        let in_order = match message {
            Message::OutOfMemory { bytes } => {
                out_of_memory = Some(*bytes);
                true
            }
            _ if done => false,
            Message::Start { property, backend } if !open && is_next(property, backend) => {
                open = true;
                true
            }
            Message::Result { result } if open && is_next(&result.property, &result.backend) => {
                results.push((**result).clone());
                open = false;
                true
            }
            Message::Stuck {
                property,
                backend,
                seconds,
            } if open && is_next(property, backend) => {
                stuck = Some(*seconds);
                true
            }
            Message::Done if !open && results.len() == expected.len() => {
                done = true;
                true
            }
            _ => false,
        };
        if !in_order {
            return Err(format!(
                "the harness's results came out of order (after {} of {} results, {}); none \
                 of them are believed",
                results.len(),
                expected.len(),
                what_came(message)
            ));
        }
    }
    if done {
        return Ok(results);
    }
    let (status, finding, ending) = if let Some(seconds) = stuck {
        (
            Status::Timeout,
            "timeout",
            format!(
                "one execution ran over {seconds} s without finishing: a loop with no \
                 scheduling point (no lock, atomic or other facade operation in it)?"
            ),
        )
    } else {
        match run.status {
            None => (
                Status::Timeout,
                "timeout",
                format!(
                    "the submission was stopped by the gate after {:.0} s of wall-clock time",
                    run.elapsed.as_secs_f64()
                ),
            ),
            Some(status) => ending_of(status, out_of_memory, &run.limits),
        }
    };
    let reported = results.len();
    for (index, (property, statement, backend)) in expected.iter().enumerate().skip(reported) {
        let message = if index == reported {
            ending.clone()
        } else {
            let (first, _, on) = &expected[reported];
            format!("not checked: the submission's process ended while {first} ({on}) was checked")
        };
        results.push(PropertyResult {
            property: property.clone(),
            statement: statement.clone(),
            backend: backend.clone(),
            status,
            finding: Some(finding.to_owned()),
            message: Some(message),
            coverage: None,
            counterexample: None,
            elapsed_ms: 0,
        });
    }
    Ok(results)
}

/// A message out of its place, in words.
fn what_came(message: &Message) -> String {
    match message {
        Message::Start { property, backend } => format!("a start of {property} ({backend})"),
        Message::Result { result } => {
            format!("a result for {} ({})", result.property, result.backend)
        }
        Message::Stuck {
            property, backend, ..
        } => format!("a stuck report for {property} ({backend})"),
        Message::Done => "the end".to_owned(),
        Message::Replay { .. } => "a replay".to_owned(),
        Message::Refused { .. } | Message::OutOfMemory { .. } => "a note".to_owned(),
    }
}

/// How a child that ended before reporting everything ended: its status, finding and message.
fn ending_of(
    status: ExitStatus,
    out_of_memory: Option<u64>,
    limits: &Limits,
) -> (Status, &'static str, String) {
    use std::os::unix::process::ExitStatusExt;
    let crashed = |how: String| {
        (
            Status::Fail,
            "crash",
            format!("the submission's process {how} before reporting"),
        )
    };
    if let Some(bytes) = out_of_memory {
        return crashed(format!(
            "was stopped by the memory limit ({} MiB): an allocation of {bytes} bytes failed",
            MEMORY_LIMIT_BYTES >> 20
        ));
    }
    match (status.code(), status.signal()) {
        (Some(code), _) => crashed(format!("exited (code {code})")),
        (_, Some(libc::SIGXCPU)) => (
            Status::Timeout,
            "timeout",
            format!(
                "the submission's process {} before reporting",
                limits::signal_ending(libc::SIGXCPU, limits)
            ),
        ),
        (_, Some(signal)) => crashed(limits::signal_ending(signal, limits)),
        _ => crashed("ended".to_owned()),
    }
}
