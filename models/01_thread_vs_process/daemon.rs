//! Daemon processes next to daemon threads, with real child processes. The tutorial's rule for
//! both: a daemon is destroyed once its parent "has finished running", but finished means
//! different things. A process has finished when its own code has ended: `multiprocessing`
//! then terminates its daemonic children at once, and only after that waits for the others. A
//! thread has finished only when every non-daemon thread has ended, so a daemon thread keeps
//! running while main waits for them.
//!
//! The tutorial's daemon example 2 with processes: daemon `foo` prints `123`, sleeps 1 s, prints
//! `end123`; non-daemon `bar` prints `456`, sleeps 3 s, prints `end456`; the parent prints
//! `main-------`. With threads, `end123` comes while main waits for `bar`; with processes the
//! daemon is terminated as soon as the parent's code ends, and `end123` never comes.

use super::child::{
    CHILD_COMMAND, ChildError, DEADLINE, FROM_PARENT, OwnedChild, REPLY_LIMIT, read_to_end_within,
};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Long enough for a 12-byte write into a pipe that is not full; a full one means a flood.
const FULL_PIPE_WAIT: Duration = Duration::from_secs(1);

/// The child's side (`__child print-sleep-print FIRST MILLIS LAST`): prints `FIRST`, sleeps,
/// prints `LAST`. Exit code 2 for a bad duration.
pub fn print_sleep_print(first: &str, millis: &str, last: &str) -> i32 {
    let Ok(millis) = millis.parse() else {
        eprintln!("error: {CHILD_COMMAND} print-sleep-print takes milliseconds, not {millis:?}");
        return 2;
    };
    let print = |line: &str| {
        let mut out = std::io::stdout().lock();
        out.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| out.flush())
            .is_ok()
    };
    if !print(first) {
        return 1;
    }
    std::thread::sleep(Duration::from_millis(millis));
    if print(last) { 0 } else { 1 }
}

/// Example 2 with processes, as `multiprocessing` ends a program: `foo` (daemon, sleeping
/// `daemon_sleep`) and `bar` (sleeping `worker_sleep`) started in that order, `main-------`
/// printed, then the exit: the daemon terminated at once, `bar` waited for. Every line goes into
/// one pipe, as into one terminal: the lines in the order they were printed.
pub fn example_2_with_processes(
    program: &Path,
    daemon_sleep: Duration,
    worker_sleep: Duration,
) -> Result<Vec<String>, ChildError> {
    if !program.is_file() {
        return Err(ChildError::NotFound(program.to_owned()));
    }
    let failed = |error| ChildError::Start(program.to_owned(), error);
    let (mut printed, terminal) = std::io::pipe().map_err(failed)?;
    let start = |first: &str, sleep: Duration, last: &str| -> Result<OwnedChild, ChildError> {
        let millis = sleep.as_millis().to_string();
        let mut command = Command::new(program);
        command
            .args([
                CHILD_COMMAND,
                "print-sleep-print",
                first,
                &millis,
                last,
                FROM_PARENT,
            ])
            .stdin(Stdio::null())
            .stdout(terminal.try_clone().map_err(failed)?)
            .stderr(terminal.try_clone().map_err(failed)?);
        OwnedChild::spawn(command).map_err(failed)
    };
    let mut daemon = start("123", daemon_sleep, "end123")?;
    let mut worker = start("456", worker_sleep, "end456")?;
    let deadline = Instant::now() + DEADLINE;
    // Main's line goes into the pipe from another thread: children that flood the pipe would
    // block this write for good, since nothing reads the pipe until the exit below.
    let mut main_end = terminal;
    let (written, main_printed) = std::sync::mpsc::channel();
    let printing_main = std::thread::spawn(move || {
        let _ = written.send(main_end.write_all(b"main-------\n"));
    });
    match main_printed.recv_timeout(FULL_PIPE_WAIT) {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(ChildError::Read(program.to_owned(), error)),
        Err(_) => {
            // The pipe stayed full: the children wrote far more than two lines each.
            let _ = daemon.kill_and_reap();
            let status = worker.stop(program)?;
            drop(printed);
            let _ = printing_main.join();
            return Err(ChildError::TooMuch(program.to_owned(), status));
        }
    }
    let _ = printing_main.join();
    // The parent's code has ended: its daemonic child is terminated, then the others joined.
    daemon.stop(program)?;
    drop(daemon);
    let text = match read_to_end_within(&mut printed, REPLY_LIMIT, deadline) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(cut) => return Err(worker.cut_short(program, cut, DEADLINE)),
    };
    match worker.exit_by(program, deadline, DEADLINE)? {
        status if status.success() => Ok(text.lines().map(str::to_owned).collect()),
        status => Err(ChildError::Failed(program.to_owned(), status, text)),
    }
}
