//! What the terminal shows while a command runs: its output on stdout (a write that fails ends
//! the process with exit code 3), the progress line of a long search on stderr, and stderr
//! silenced while a backend explores (shuttle prints its own notes on every failure).

use crate::checker::{Budget, Progress};
use crate::exit::ExitCode;
use crate::signals;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Writes to stdout; a write that fails (a full disk) ends the process with one line on stderr
/// and exit code 3. (A reader that went away ends it quietly: SIGPIPE. A stdout closed at start
/// is refused before anything runs, by `main.rs`: std puts /dev/null in its place.)
pub fn emit(text: &str) {
    if let Err(error) = try_emit(text) {
        eprintln!("error: cannot write the output: {error}");
        std::process::exit(ExitCode::Output.code());
    }
}

/// Writes to stdout, and says whether it could: for a caller whose failed write means something
/// else than [`emit`]'s exit code 3 (the gate's report: its 3 is a rejected submission).
pub fn try_emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}

/// `print!` through [`emit`].
macro_rules! say {
    ($($arg:tt)*) => { $crate::console::emit(&format!($($arg)*)) };
}

/// `println!` through [`emit`].
macro_rules! sayln {
    () => { $crate::console::emit("\n") };
    ($($arg:tt)*) => { $crate::console::emit(&format!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {say, sayln};

/// Runs `body` with a [`Progress`] that a stop signal (see [`signals`]) stops, and that, when
/// `show`n, is shown on stderr (executions, rate, failures) once the run has taken a second, if
/// stderr is a terminal.
pub fn with_progress<T>(budget: &Budget, show: bool, body: impl FnOnce(&Arc<Progress>) -> T) -> T {
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

/// Shuttle reports failures on stderr itself; the report already says it all better, so the
/// command line sends the process's stderr to /dev/null while it explores
/// (`INTERLEAVE_SHOW_PANICS` keeps it).
pub fn quiet_stderr<T>(body: impl FnOnce() -> T) -> T {
    if crate::checker::env::show_panics() {
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
