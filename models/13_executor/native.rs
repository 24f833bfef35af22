//! Real worker processes: this binary re-executed with the hidden command `__worker`, reading one
//! [`Task`] line at a time on its stdin and answering one [`Reply`] line on its stdout.
//!
//! The pool's side never trusts a worker: a request that meets a worker that is gone is an error
//! (`EPIPE`), not the SIGPIPE that would kill this process (`send_line`); a reply is read with
//! a deadline ([`ProcessSpawner::reply_timeout`]) and a size bound ([`REPLY_LIMIT`] bytes per
//! line). End-of-file (the worker died), a line that is not a reply, a line too long, or silence
//! past the timeout each fail the task with their error, and the worker is killed and reaped
//! (an [`OwnedChild`]) and replaced; the pool carries on.

use super::future::TaskError;
use super::process_pool::{Channel, Reply, Spawner, Task, execute};
use crate::models::thread_vs_process::child::{
    FROM_PARENT, OwnedChild, PipeCut, REPLY_LIMIT, read_some, this_program, without_mark,
};
use crate::runtime::panic_text;
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The hidden command a worker process is started with.
pub const WORKER_COMMAND: &str = "__worker";

/// How long a worker has for one reply before it is declared dead and killed.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// The body of `__worker`: answer task lines until stdin closes. Returns the exit code.
///
/// The tasks `exit`, `garbage`, `panic` and `sleep` are test aids (a worker that dies, answers
/// garbage, panics, hangs): they are reachable only by writing to a worker's stdin, never from
/// the command line.
pub fn worker_main(args: &[&str]) -> i32 {
    if !without_mark(args).is_empty() {
        eprintln!("error: {WORKER_COMMAND} is internal and takes no arguments");
        return 2;
    }
    // A panicking task is answered, not printed: the pool reports it.
    std::panic::set_hook(Box::new(|_| {}));
    let pid = std::process::id();
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return 1 };
        let reply = match Task::decode(&line) {
            Some(Task::Exit(code)) => std::process::exit(i32::from(code)),
            Some(Task::Garbage) => "%%% not a reply %%%".to_owned(),
            Some(Task::Panic) => {
                let caught = std::panic::catch_unwind(|| panic!("the task panicked on purpose"));
                let message = caught
                    .err()
                    .map(|payload| panic_text(&*payload))
                    .unwrap_or_default();
                Reply::encode(pid, &Err(message))
            }
            Some(task) => Reply::encode(pid, &execute(&task)),
            None => Reply::encode(pid, &Err(format!("unknown task {line:?}"))),
        };
        if writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return 1;
        }
    }
    0
}

/// Starts real worker processes.
#[derive(Clone, Debug)]
pub struct ProcessSpawner {
    pub program: PathBuf,
    /// How long a proxy waits for one reply before it declares the worker dead.
    pub reply_timeout: Duration,
}

impl ProcessSpawner {
    /// Workers of this very executable ([`this_program`]), with the [`REPLY_TIMEOUT`].
    pub fn this_program() -> Result<Self, TaskError> {
        let program = this_program().map_err(|error| TaskError::WorkerDied(error.to_string()))?;
        Ok(ProcessSpawner {
            program,
            reply_timeout: REPLY_TIMEOUT,
        })
    }
}

/// A worker's stdout, read a bounded line at a time.
struct ReplyLines {
    stdout: ChildStdout,
    /// Bytes read and not yet returned as a line.
    pending: Vec<u8>,
}

/// Why no reply line came.
enum NoReply {
    /// End-of-file: the worker exited.
    Ended,
    Cut(PipeCut),
}

impl ReplyLines {
    /// The next line (without its newline), if one of at most `limit` bytes comes by `deadline`.
    fn next(&mut self, limit: usize, deadline: Instant) -> Result<String, NoReply> {
        loop {
            if let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return Ok(String::from_utf8_lossy(&line[..end]).into_owned());
            }
            match read_some(&mut self.stdout, &mut self.pending, limit, deadline) {
                Ok(0) => return Err(NoReply::Ended),
                Ok(_) => {}
                Err(cut) => return Err(NoReply::Cut(cut)),
            }
        }
    }
}

/// One live worker process.
pub struct ChildWorker {
    child: OwnedChild,
    stdin: Option<ChildStdin>,
    replies: ReplyLines,
    reply_timeout: Duration,
}

impl Spawner for ProcessSpawner {
    type Channel = ChildWorker;

    fn start(&self, _index: usize) -> Result<ChildWorker, TaskError> {
        if !self.program.is_file() {
            return Err(TaskError::WorkerDied(format!(
                "no program file at {} to start a worker from",
                self.program.display()
            )));
        }
        let mut command = Command::new(&self.program);
        command
            .args([WORKER_COMMAND, FROM_PARENT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = OwnedChild::spawn(command)
            .map_err(|error| TaskError::WorkerDied(format!("cannot start a worker: {error}")))?;
        let process = child.child_mut();
        let (stdin, stdout) = (process.stdin.take(), process.stdout.take());
        Ok(ChildWorker {
            child,
            stdin,
            replies: ReplyLines {
                stdout: stdout.expect("piped"),
                pending: Vec::new(),
            },
            reply_timeout: self.reply_timeout,
        })
    }
}

impl ChildWorker {
    /// Kills (if need be) and reaps the worker: the task's error says `why` and how it ended.
    fn died(&mut self, why: &str) -> TaskError {
        let status = self
            .child
            .kill_and_reap()
            .map_or_else(|e| e.to_string(), |s| s.to_string());
        TaskError::WorkerDied(format!(
            "worker process {} {why} ({status})",
            self.child.id()
        ))
    }
}

/// Blocks SIGPIPE in the calling thread while `write` runs, and takes a SIGPIPE that `write`
/// raised off the pending set before the old mask comes back: a write to a pipe whose reader is
/// gone then fails with `BrokenPipe` instead of killing this process (the command line's `main`
/// gives SIGPIPE its default action, for `| head`).
fn without_sigpipe<T>(write: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    fn sigpipe_pending() -> bool {
        // SAFETY: sigpending fills the set it is given; sigismember reads it.
        unsafe {
            let mut pending: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut pending) == 0 && libc::sigismember(&pending, libc::SIGPIPE) == 1
        }
    }
    // SAFETY: the sets are initialised by sigemptyset/pthread_sigmask before use; these calls
    // change only this thread's signal mask (restored below) and its pending SIGPIPE, which is
    // known to be pending when sigwait is called, so sigwait returns at once.
    unsafe {
        let mut sigpipe: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut sigpipe);
        libc::sigaddset(&mut sigpipe, libc::SIGPIPE);
        let mut before: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &sigpipe, &mut before);
        let pending_before = sigpipe_pending();
        let written = write();
        if !pending_before && sigpipe_pending() {
            let mut taken = 0;
            libc::sigwait(&sigpipe, &mut taken);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
        written
    }
}

/// Writes `line` and a newline to a worker's stdin; a worker that is gone is an `Err`.
fn send_line(stdin: &mut ChildStdin, line: &str) -> io::Result<()> {
    let bytes = format!("{line}\n");
    without_sigpipe(|| {
        stdin
            .write_all(bytes.as_bytes())
            .and_then(|()| stdin.flush())
    })
}

impl Channel for ChildWorker {
    fn call(&mut self, request: &str) -> Result<String, TaskError> {
        let sent = match self.stdin.as_mut() {
            Some(stdin) => send_line(stdin, request),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        };
        if let Err(error) = sent {
            let why = if error.kind() == io::ErrorKind::BrokenPipe {
                "closed its stdin".to_owned()
            } else {
                format!("could not be sent the task: {error}")
            };
            return Err(self.died(&why));
        }
        let deadline = Instant::now() + self.reply_timeout;
        match self.replies.next(REPLY_LIMIT, deadline) {
            Ok(line) => Ok(line),
            Err(NoReply::Ended) => Err(self.died("exited")),
            Err(NoReply::Cut(PipeCut::Late)) => Err(self.died(&format!(
                "sent nothing for {:?} and was killed",
                self.reply_timeout
            ))),
            Err(NoReply::Cut(PipeCut::TooMuch)) => Err(self.died(&format!(
                "sent more than {REPLY_LIMIT} bytes without a newline and was killed"
            ))),
            Err(NoReply::Cut(PipeCut::Failed(error))) => {
                Err(self.died(&format!("could not be read ({error}) and was killed")))
            }
        }
    }
}

impl Drop for ChildWorker {
    /// Closing stdin ends the worker's loop; one that has not gone 100 ms later is killed (by
    /// the [`OwnedChild`], which reaps it either way).
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self
            .child
            .wait_until(Instant::now() + Duration::from_millis(100));
    }
}
