//! What a switch costs: a ping-pong of one byte over a pair of pipes, between two threads of
//! this process and between this process and a child, so both rows do the same work. Each round
//! trip is two switches (to the other side and back), each a blocking read woken by a write.
//!
//! The tutorial says a thread switch is much cheaper than a process switch. On Linux both are a
//! switch between two kernel tasks; a process switch also changes the address space, which
//! costs a little more (a TLB flush, cold caches), not an order of magnitude: the table shows
//! how much on this machine. What is much cheaper for a thread is starting one (the rows above).

use super::child::{
    CHILD_COMMAND, ChildError, DEADLINE, FROM_PARENT, OwnedChild, PipeCut, read_some,
};
use crate::runtime::Native;
use crate::thread;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Round trips a ping-pong row times: two switches each, a few milliseconds in all.
pub const ROUND_TRIPS: usize = 2_000;

/// The child's side (`__child pong`): echoes every byte on stdin to stdout until stdin ends.
pub fn pong() -> i32 {
    let (mut input, mut output) = (io::stdin().lock(), io::stdout().lock());
    let mut byte = [0u8; 1];
    loop {
        match input.read(&mut byte) {
            Ok(0) => return 0,
            Ok(_) => {
                if output
                    .write_all(&byte)
                    .and_then(|()| output.flush())
                    .is_err()
                {
                    return 1;
                }
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return 1,
        }
    }
}

/// `round_trips` bytes sent to an echoing thread of this process and read back: the time taken
/// (after one warm-up trip, so that starting the thread is not counted).
pub fn between_threads(round_trips: usize) -> io::Result<Duration> {
    let (mut to_echo_read, mut to_echo) = io::pipe()?;
    let (mut back, mut back_write) = io::pipe()?;
    let echo = thread::spawn::<Native, _, _>(move || {
        let mut byte = [0u8; 1];
        while matches!(to_echo_read.read(&mut byte), Ok(1)) {
            if back_write.write_all(&byte).is_err() {
                break;
            }
        }
    });
    let mut byte = [0u8; 1];
    let mut trip = |to_echo: &mut io::PipeWriter| -> io::Result<()> {
        to_echo.write_all(&byte)?;
        back.read_exact(&mut byte)
    };
    trip(&mut to_echo)?;
    let started = Instant::now();
    for _ in 0..round_trips {
        trip(&mut to_echo)?;
    }
    let took = started.elapsed();
    drop(to_echo);
    echo.join();
    Ok(took)
}

/// `round_trips` bytes sent to an echoing child process (`program __child pong`) and read back:
/// the time taken, after one warm-up trip. The child is bounded by [`DEADLINE`] and reaped on
/// every path ([`OwnedChild`]).
pub fn between_processes(program: &Path, round_trips: usize) -> Result<Duration, ChildError> {
    if !program.is_file() {
        return Err(ChildError::NotFound(program.to_owned()));
    }
    let failed = |error| ChildError::Start(program.to_owned(), error);
    let mut command = Command::new(program);
    command
        .args([CHILD_COMMAND, "pong", FROM_PARENT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = OwnedChild::spawn(command).map_err(failed)?;
    let deadline = Instant::now() + DEADLINE;
    let (Some(mut to_child), Some(mut back)) = (
        child.child_mut().stdin.take(),
        child.child_mut().stdout.take(),
    ) else {
        unreachable!("both pipes were asked for")
    };
    let mut reply = Vec::with_capacity(2);
    // `None`: the child said nothing by the deadline.
    let mut trip = || -> Result<(), Option<ChildError>> {
        to_child
            .write_all(b"x")
            .map_err(|error| Some(ChildError::Read(program.to_owned(), error)))?;
        reply.clear();
        match read_some(&mut back, &mut reply, 1, deadline) {
            Ok(1) => Ok(()),
            Ok(_) => Err(Some(ChildError::BadReply(
                program.to_owned(),
                "end of its output".to_owned(),
            ))),
            Err(PipeCut::Late) => Err(None),
            Err(PipeCut::TooMuch) => Err(Some(ChildError::BadReply(
                program.to_owned(),
                "more than one byte".to_owned(),
            ))),
            Err(PipeCut::Failed(error)) => Err(Some(ChildError::Read(program.to_owned(), error))),
        }
    };
    let mut trips = || -> Result<Duration, Option<ChildError>> {
        trip()?;
        let started = Instant::now();
        for _ in 0..round_trips {
            trip()?;
        }
        Ok(started.elapsed())
    };
    let took = match trips() {
        Ok(took) => took,
        Err(Some(error)) => return Err(error),
        Err(None) => return Err(child.cut_short(program, PipeCut::Late, DEADLINE)),
    };
    drop(to_child);
    match child.exit_by(program, deadline, DEADLINE)? {
        status if status.success() => Ok(took),
        status => Err(ChildError::Failed(
            program.to_owned(),
            status,
            String::new(),
        )),
    }
}
