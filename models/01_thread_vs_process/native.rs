//! Real OS processes: this binary re-executes itself with the hidden command `__child ROLE`, and
//! the child answers on its stdout (the message channel) with one line of `key=value` words.
//!
//! Which binary: `INTERLEAVE_BIN` if set; else this executable when it is `interleave` itself
//! (`cargo run`); else the `interleave` next to the directory this executable is in, because a
//! cargo test binary lives in `target/<profile>/deps/` and the project's binary in
//! `target/<profile>/`. Tests that can should pass `env!("CARGO_BIN_EXE_interleave")` to
//! [`measure`] directly. A missing or foreign binary is a [`ChildError`], never a panic.

use super::START_N;
use crate::lesson::{Timing, TimingRow};
use crate::runtime::Native;
use crate::thread;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The tutorial's global `n`. Each process has its own: a child's is a different variable.
pub static N: AtomicUsize = AtomicUsize::new(START_N);

/// Demos reset and read [`N`]; tests run in parallel, so one demo at a time.
static ONE_DEMO: Mutex<()> = Mutex::new(());

/// The hidden command a child is started with (not in the usage text: it is not for people).
pub const CHILD_COMMAND: &str = "__child";

/// Threads and processes started (alternately) for the cost comparison.
pub const ROUNDS: usize = 20;

/// Why a child process could not do its part.
#[derive(Debug)]
pub enum ChildError {
    NotFound(PathBuf),
    Start(PathBuf, std::io::Error),
    Failed(PathBuf, ExitStatus, String),
    BadReply(PathBuf, String),
}

impl fmt::Display for ChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::NotFound(path) => write!(
                f,
                "no interleave binary at {} (build it with `cargo build`, or set INTERLEAVE_BIN)",
                path.display()
            ),
            ChildError::Start(path, error) => write!(f, "cannot start {}: {error}", path.display()),
            ChildError::Failed(path, status, stderr) => {
                write!(
                    f,
                    "{} {CHILD_COMMAND} failed ({status}): {}",
                    path.display(),
                    stderr.trim()
                )
            }
            ChildError::BadReply(path, reply) => write!(
                f,
                "{} is not an interleave binary that knows `{CHILD_COMMAND}` (it replied {reply:?})",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ChildError {}

/// The hidden command's body, run in the child: `pid` reports the pid; `set-n COPY` starts from
/// the parent's value (what fork would have copied), runs the tutorial's `work` on this process's
/// own `n` and reports it. Returns the exit code.
pub fn child_main(args: &[&str]) -> i32 {
    let pid = std::process::id();
    match args {
        ["pid"] => println!("pid={pid}"),
        ["set-n", copy] => {
            let Ok(copy) = copy.parse() else {
                eprintln!("error: {CHILD_COMMAND} set-n takes a number, not {copy:?}");
                return 2;
            };
            N.store(copy, Ordering::SeqCst);
            N.store(0, Ordering::SeqCst);
            println!("pid={pid} copy={copy} n={}", N.load(Ordering::SeqCst));
        }
        ["append", file, line] => {
            if let Err(error) =
                crate::models::start_order::append_line(std::path::Path::new(file), line)
            {
                eprintln!("error: {error}");
                return 1;
            }
        }
        _ => {
            eprintln!("error: {CHILD_COMMAND} is internal; roles: pid, set-n N, append FILE LINE");
            return 2;
        }
    }
    0
}

/// What a child said: its pid, and its own `n` if it was asked to set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildReply {
    pub pid: u32,
    pub n: Option<usize>,
}

fn run_child(program: &Path, args: &[&str]) -> Result<ChildReply, ChildError> {
    if !program.is_file() {
        return Err(ChildError::NotFound(program.to_owned()));
    }
    let output = Command::new(program)
        .arg(CHILD_COMMAND)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| ChildError::Start(program.to_owned(), error))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(ChildError::Failed(
            program.to_owned(),
            output.status,
            stderr,
        ));
    }
    let field = |key: &str| {
        text.split_whitespace()
            .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
    };
    let pid = field("pid").and_then(|pid| pid.parse().ok());
    let n = field("n").map(str::parse);
    match (pid, n) {
        (Some(pid), None) => Ok(ChildReply { pid, n: None }),
        (Some(pid), Some(Ok(n))) => Ok(ChildReply { pid, n: Some(n) }),
        _ => Err(ChildError::BadReply(program.to_owned(), text)),
    }
}

/// The `interleave` binary to re-execute (see the module docs for the order it looks in).
pub fn locate_program() -> Result<PathBuf, ChildError> {
    if let Some(path) = std::env::var_os("INTERLEAVE_BIN") {
        return Ok(PathBuf::from(path));
    }
    let name = format!("interleave{}", std::env::consts::EXE_SUFFIX);
    let exe =
        std::env::current_exe().map_err(|error| ChildError::Start(PathBuf::from(&name), error))?;
    if exe.file_name().is_some_and(|file| file == name.as_str()) {
        return Ok(exe);
    }
    let beside_deps = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join(&name));
    beside_deps.ok_or(ChildError::NotFound(PathBuf::from(name)))
}

/// The pid a thread of this process sees.
pub fn thread_pid() -> u32 {
    thread::spawn::<Native, _, _>(std::process::id).join()
}

/// The pid a child process reports.
pub fn process_pid(program: &Path) -> Result<u32, ChildError> {
    run_child(program, &["pid"]).map(|reply| reply.pid)
}

/// `n = 100`, a thread runs `work`, join: the parent's `n` afterwards.
pub fn n_after_thread() -> usize {
    let _one = ONE_DEMO.lock().unwrap_or_else(|p| p.into_inner());
    N.store(START_N, Ordering::SeqCst);
    thread::spawn::<Native, _, _>(|| N.store(0, Ordering::SeqCst)).join();
    N.load(Ordering::SeqCst)
}

/// `n = 100`, a child process runs `work`, join: (the child's `n`, the parent's `n`).
pub fn n_after_process(program: &Path) -> Result<(usize, usize), ChildError> {
    let _one = ONE_DEMO.lock().unwrap_or_else(|p| p.into_inner());
    N.store(START_N, Ordering::SeqCst);
    let copy = N.load(Ordering::SeqCst).to_string();
    let reply = run_child(program, &["set-n", &copy])?;
    let child = reply.n.ok_or_else(|| {
        ChildError::BadReply(program.to_owned(), format!("pid={} without n", reply.pid))
    })?;
    Ok((child, N.load(Ordering::SeqCst)))
}

/// The pids and the global `n` for threads and for processes, then `rounds` threads and
/// `rounds` processes started and joined alternately (so both see the same machine load).
pub fn measure(program: &Path, rounds: usize) -> Result<Timing, ChildError> {
    let parent = std::process::id();
    let thread_pids = [thread_pid(), thread_pid()];
    let process_pids = [process_pid(program)?, process_pid(program)?];
    let thread_n = n_after_thread();
    let (child_n, parent_n) = n_after_process(program)?;
    let (mut thread_cost, mut process_cost) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        thread_pid();
        thread_cost += started.elapsed();
        let started = Instant::now();
        process_pid(program)?;
        process_cost += started.elapsed();
    }
    let same = |pids: &[u32]| {
        if pids.iter().all(|&p| p == parent) {
            "="
        } else {
            "!="
        }
    };
    let each = |cost: Duration| cost / rounds.max(1) as u32;
    let ratio = process_cost.as_secs_f64() / thread_cost.as_secs_f64().max(f64::MIN_POSITIVE);
    let rows = vec![
        TimingRow {
            label: format!("{rounds} threads: start + join"),
            seconds: thread_cost.as_secs_f64(),
            note: format!(
                "{:?} each; pids {thread_pids:?} {} parent's {parent}; thread set n = 0, parent sees n = {thread_n} (shared)",
                each(thread_cost),
                same(&thread_pids)
            ),
        },
        TimingRow {
            label: format!("{rounds} processes: start + join"),
            seconds: process_cost.as_secs_f64(),
            note: format!(
                "{:?} each; pids {process_pids:?} {} parent's {parent}; child set its n = {child_n}, parent sees n = {parent_n} (not shared)",
                each(process_cost),
                same(&process_pids)
            ),
        },
    ];
    Ok(Timing {
        title: format!(
            "thread vs process: pid, the global n, start + join cost (thread:process = 1:{ratio:.0})"
        ),
        setup: format!(
            "a process is this binary re-executed ({} {CHILD_COMMAND}), replying on its stdout; n starts at {START_N}",
            program.display()
        ),
        rows,
    })
}

/// The native table for `time thread-vs-process`; if no child can be started, says why.
pub fn timing() -> Timing {
    locate_program()
        .and_then(|program| measure(&program, ROUNDS))
        .unwrap_or_else(|error| Timing {
            title: "thread vs process: not measured".to_owned(),
            setup: format!("error: {error}"),
            rows: Vec::new(),
        })
}
