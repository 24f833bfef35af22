//! A child process of this binary, started and answered for: the hidden command it is started
//! with (`__child ROLE`), the bounds it is held to, and the errors it can end in. The roles
//! themselves are [`super::native::child_main`]'s; the ping-pong ([`super::switch`]) and the
//! daemon example ([`super::daemon`]) start children with these too, and so do other lessons
//! (`start-order`, the executor's process pool).
//!
//! Which binary: always this very executable, [`this_program`] (`std::env::current_exe()`),
//! wherever it was copied to; nothing is guessed and no environment variable can swap it.
//! (Code running inside a test binary passes `env!("CARGO_BIN_EXE_interleave")` to
//! [`super::native::measure`], [`super::native::process_pid`] and the rest, which take the program
//! as an argument.)
//!
//! A child is never trusted to behave. Its stdout and stderr share one pipe, read at most
//! [`REPLY_LIMIT`] bytes ([`read_to_end_within`]); it has [`DEADLINE`] to answer and exit; and it
//! is an [`OwnedChild`], killed if still running and always reaped, on every path out. A child
//! that cannot start, dies, answers garbage, too much, or nothing in time is a [`ChildError`]
//! and a "not measured" row in the table: never a panic, a hang, or unbounded memory.

use std::fmt;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The hidden command a child is started with (not in the usage text: it is not for people).
pub const CHILD_COMMAND: &str = "__child";

/// The word a parent appends to every child's command line. This binary's hidden commands accept
/// it (and do not need it); a program that is not this command line refuses it. That matters when
/// the library runs inside a cargo test binary: re-executed, it would take `__child pid` for test
/// name filters and run tests, maybe ones that start children again; it refuses an unknown
/// option at once instead.
pub const FROM_PARENT: &str = "--from-interleave";

/// The words of a hidden command without the [`FROM_PARENT`] mark at their end.
pub fn without_mark<'a, 'b>(args: &'a [&'b str]) -> &'a [&'b str] {
    match args {
        [rest @ .., last] if *last == FROM_PARENT => rest,
        _ => args,
    }
}

/// The most a child may say (stdout and stderr together; for a worker, one reply line): a few
/// KiB, where a real answer is a few dozen bytes.
pub const REPLY_LIMIT: usize = 4096;

/// How long a child has to answer and exit before it is killed.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Why a child process could not do its part.
#[derive(Debug)]
pub enum ChildError {
    /// There is no file at the program's path (this executable was deleted or replaced).
    NotFound(PathBuf),
    /// It could not be started.
    Start(PathBuf, io::Error),
    /// It exited unsuccessfully, after saying this.
    Failed(PathBuf, ExitStatus, String),
    /// It exited successfully, but what it said is not a reply.
    BadReply(PathBuf, String),
    /// It said more than [`REPLY_LIMIT`] bytes, and was killed.
    TooMuch(PathBuf, ExitStatus),
    /// It had not answered and exited by the deadline, and was killed.
    Silent(PathBuf, Duration, ExitStatus),
    /// Its pipe could not be read.
    Read(PathBuf, io::Error),
    /// It could not be waited for.
    Wait(PathBuf, io::Error),
}

impl fmt::Display for ChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::NotFound(path) => write!(
                f,
                "no program file at {} to re-execute (deleted or replaced while running?)",
                path.display()
            ),
            ChildError::Start(path, error) => write!(f, "cannot start {}: {error}", path.display()),
            ChildError::Failed(path, status, said) => {
                write!(
                    f,
                    "{} {CHILD_COMMAND} failed ({status}): {}",
                    path.display(),
                    said.trim()
                )
            }
            ChildError::BadReply(path, reply) => write!(
                f,
                "{} is not an interleave binary that knows `{CHILD_COMMAND}` (it replied {reply:?})",
                path.display()
            ),
            ChildError::TooMuch(path, status) => write!(
                f,
                "{} {CHILD_COMMAND} said more than {REPLY_LIMIT} bytes and was killed ({status})",
                path.display()
            ),
            ChildError::Silent(path, deadline, status) => write!(
                f,
                "{} {CHILD_COMMAND} had not answered and exited within {deadline:?} and was killed ({status})",
                path.display()
            ),
            ChildError::Read(path, error) => {
                write!(f, "cannot read what {} said: {error}", path.display())
            }
            ChildError::Wait(path, error) => {
                write!(f, "cannot wait for {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for ChildError {}

/// This very executable: the only program a child process is ever started from.
pub fn this_program() -> Result<PathBuf, ChildError> {
    std::env::current_exe().map_err(|error| ChildError::Start(PathBuf::from("this program"), error))
}

/// A child process this process answers for: when dropped, on any path (an early return, an
/// error, a panic unwinding), it is killed if it still runs, and reaped either way: no zombie,
/// no orphan left running.
#[derive(Debug)]
pub struct OwnedChild {
    child: Child,
}

impl OwnedChild {
    /// Starts `command`. Taking it by value drops it here, and with it this process's copies of
    /// the pipe ends it was given, so that reading the other end sees end-of-file when the child
    /// exits.
    pub fn spawn(mut command: Command) -> io::Result<OwnedChild> {
        command.spawn().map(|child| OwnedChild { child })
    }

    /// Its pid.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The child, for its pipes.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Its exit status once it has exited, or `None` if it still runs at `deadline`. Polls: first
    /// briefly without sleeping (a child that has just closed its stdout is exiting, and the
    /// timing tables must not count a sleep), then with sleeps growing to 10 ms.
    pub fn wait_until(&mut self, deadline: Instant) -> io::Result<Option<ExitStatus>> {
        let spin_until = Instant::now() + Duration::from_millis(1);
        let mut pause = Duration::from_micros(50);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            if now < spin_until {
                std::thread::yield_now();
            } else {
                std::thread::sleep(pause.min(deadline - now));
                pause = (pause * 2).min(Duration::from_millis(10));
            }
        }
    }

    /// [`OwnedChild::kill_and_reap`] on an error path: a failure to reap is `program`'s error.
    pub fn stop(&mut self, program: &Path) -> Result<ExitStatus, ChildError> {
        self.kill_and_reap()
            .map_err(|error| ChildError::Wait(program.to_owned(), error))
    }

    /// Its exit status by `deadline`; still running then, it is killed and reported silent for
    /// `within`.
    pub fn exit_by(
        &mut self,
        program: &Path,
        deadline: Instant,
        within: Duration,
    ) -> Result<ExitStatus, ChildError> {
        match self.wait_until(deadline) {
            Ok(Some(status)) => Ok(status),
            Ok(None) => Err(ChildError::Silent(
                program.to_owned(),
                within,
                self.stop(program)?,
            )),
            Err(error) => Err(ChildError::Wait(program.to_owned(), error)),
        }
    }

    /// Why reading its output stopped, as `program`'s error: a flood or a silence (for
    /// `within`) also kills it.
    pub fn cut_short(&mut self, program: &Path, cut: PipeCut, within: Duration) -> ChildError {
        match cut {
            PipeCut::Failed(error) => ChildError::Read(program.to_owned(), error),
            PipeCut::TooMuch => match self.stop(program) {
                Ok(status) => ChildError::TooMuch(program.to_owned(), status),
                Err(failed) => failed,
            },
            PipeCut::Late => match self.stop(program) {
                Ok(status) => ChildError::Silent(program.to_owned(), within, status),
                Err(failed) => failed,
            },
        }
    }

    /// Kills it (if it still runs) and reaps it: its exit status.
    pub fn kill_and_reap(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.child.try_wait()? {
            return Ok(status);
        }
        // It may exit on its own between the two calls: then kill fails harmlessly.
        let _ = self.child.kill();
        self.child.wait()
    }
}

impl Drop for OwnedChild {
    fn drop(&mut self) {
        let _ = self.kill_and_reap();
    }
}

/// Why reading a child's pipe stopped before its end.
#[derive(Debug)]
pub enum PipeCut {
    /// More than the limit arrived.
    TooMuch,
    /// Nothing more arrived by the deadline.
    Late,
    Failed(io::Error),
}

/// Waits until `deadline` for `pipe` to have something, then reads what is there (at most up
/// to one byte past `limit` in `buffer`, through [`Read::take`]). `Ok(0)` is end-of-file.
pub fn read_some<P: Read + AsRawFd>(
    pipe: &mut P,
    buffer: &mut Vec<u8>,
    limit: usize,
    deadline: Instant,
) -> Result<usize, PipeCut> {
    if buffer.len() > limit {
        return Err(PipeCut::TooMuch);
    }
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(PipeCut::Late);
        }
        let mut ready = libc::pollfd {
            fd: pipe.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd, and its count.
        let polled = unsafe { libc::poll(&mut ready, 1, millis) };
        if polled < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(PipeCut::Failed(error));
        }
        if polled == 0 {
            continue;
        }
        // Readable, closed or failed: a read now does not block.
        let room = (limit + 1).saturating_sub(buffer.len()) as u64;
        let mut chunk = [0u8; 1024];
        match pipe.by_ref().take(room).read(&mut chunk) {
            Ok(read) => {
                buffer.extend_from_slice(&chunk[..read]);
                return if buffer.len() > limit {
                    Err(PipeCut::TooMuch)
                } else {
                    Ok(read)
                };
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(PipeCut::Failed(error)),
        }
    }
}

/// Everything `pipe` carries until its end, if that is at most `limit` bytes by `deadline`.
pub fn read_to_end_within<P: Read + AsRawFd>(
    pipe: &mut P,
    limit: usize,
    deadline: Instant,
) -> Result<Vec<u8>, PipeCut> {
    let mut said = Vec::new();
    while read_some(pipe, &mut said, limit, deadline)? > 0 {}
    Ok(said)
}

/// Starts `program` with `args` (stdin empty, stdout and stderr into one pipe), reads what it
/// says until it exits and waits for it, all bounded by [`REPLY_LIMIT`] and `within`: (its exit
/// status, what it said). A child that breaks a bound is killed and reaped first.
pub fn run_bounded(
    program: &Path,
    args: &[&str],
    within: Duration,
) -> Result<(ExitStatus, String), ChildError> {
    if !program.is_file() {
        return Err(ChildError::NotFound(program.to_owned()));
    }
    let start = |error| ChildError::Start(program.to_owned(), error);
    let (mut said, to_parent) = io::pipe().map_err(start)?;
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(to_parent.try_clone().map_err(start)?)
        .stderr(to_parent);
    let mut child = OwnedChild::spawn(command).map_err(start)?;
    let deadline = Instant::now() + within;
    let text = match read_to_end_within(&mut said, REPLY_LIMIT, deadline) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(cut) => return Err(child.cut_short(program, cut, within)),
    };
    Ok((child.exit_by(program, deadline, within)?, text))
}
