//! Real worker processes: this binary re-executed with the hidden command `__worker`, reading one
//! [`Task`] line at a time on its stdin and answering one [`Reply`] line on its stdout.
//!
//! The pool's side never blocks on a pipe without a bound: a reader thread per child turns its
//! stdout into messages, and the proxy waits for one with a timeout. End-of-file (the child died),
//! a line that is not a reply, or silence past the timeout each fail the task with their error,
//! and the child is killed and replaced; the pool carries on.

use super::future::TaskError;
use super::process_pool::{Channel, Reply, Spawner, Task, execute};
use crate::models::thread_vs_process::native::locate_program;
use crate::runtime::panic_text;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// The hidden command a worker process is started with.
pub const WORKER_COMMAND: &str = "__worker";

/// The body of `__worker`: answer task lines until stdin closes. Returns the exit code.
pub fn worker_main(args: &[&str]) -> i32 {
    if !args.is_empty() {
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
    /// The project's binary as [`locate_program`] finds it, with a 30 s reply timeout.
    pub fn locate() -> Result<Self, TaskError> {
        let program = locate_program().map_err(|error| TaskError::WorkerDied(error.to_string()))?;
        Ok(ProcessSpawner {
            program,
            reply_timeout: Duration::from_secs(30),
        })
    }
}

/// One live worker process.
pub struct ChildWorker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Option<String>>,
    reply_timeout: Duration,
}

impl Spawner for ProcessSpawner {
    type Channel = ChildWorker;

    fn start(&self, _index: usize) -> Result<ChildWorker, TaskError> {
        if !self.program.is_file() {
            return Err(TaskError::WorkerDied(format!(
                "no interleave binary at {} (build it, or set INTERLEAVE_BIN)",
                self.program.display()
            )));
        }
        let mut child = Command::new(&self.program)
            .arg(WORKER_COMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| TaskError::WorkerDied(format!("cannot start a worker: {error}")))?;
        let stdout = child.stdout.take().expect("piped");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(Some(line)).is_err() {
                    return;
                }
            }
            let _ = sender.send(None);
        });
        Ok(ChildWorker {
            stdin: child.stdin.take(),
            child,
            lines,
            reply_timeout: self.reply_timeout,
        })
    }
}

impl ChildWorker {
    fn died(&mut self, why: &str) -> TaskError {
        let _ = self.child.kill();
        let status = self
            .child
            .wait()
            .map_or_else(|e| e.to_string(), |s| s.to_string());
        TaskError::WorkerDied(format!(
            "worker process {} {why} ({status})",
            self.child.id()
        ))
    }
}

impl Channel for ChildWorker {
    fn call(&mut self, request: &str) -> Result<String, TaskError> {
        let sent = self
            .stdin
            .as_mut()
            .map(|stdin| writeln!(stdin, "{request}").and_then(|()| stdin.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.died("closed its stdin"));
        }
        match self.lines.recv_timeout(self.reply_timeout) {
            Ok(Some(line)) => Ok(line),
            Ok(None) | Err(RecvTimeoutError::Disconnected) => Err(self.died("exited")),
            Err(RecvTimeoutError::Timeout) => Err(self.died(&format!(
                "sent nothing for {:?} and was killed",
                self.reply_timeout
            ))),
        }
    }
}

impl Drop for ChildWorker {
    /// Closing stdin ends the worker's loop; one that does not go is killed.
    fn drop(&mut self) {
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
