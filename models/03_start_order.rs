//! # Which prints first, the new thread or the main one? (tutorial 3.3.2, "start-up speed")
//!
//! The tutorial starts a thread that prints `hello` and then prints from the main thread: it
//! shows `hello` first, because a thread starts in microseconds. With a process instead of a
//! thread, the main line comes first, because a process takes milliseconds to start.
//! Both are typical, neither is guaranteed: the outcome set has both orders for both, and only
//! which one is *common* differs. The native histograms (`time start-order`) measure that.
//!
//! In the models a "process" is a worker that shares nothing with the parent; what it prints
//! still lands in the same terminal, so its outcome set is the thread's.
//!
//! Natively, Rust differs from the tutorial for threads: `thread::spawn` returns at once and
//! main's line usually wins, while CPython's `start()` waits until the new thread runs and its
//! GIL hand-off then lets `hello` go first. Same outcome set, different favourite.

use crate::lesson::{
    Class, Concept, Expect, Lesson, Params, Ratios, Row, Threads, Timing, TimingRow,
};
use crate::models::thread_create::TwoLines;
use crate::models::thread_vs_process::native::{
    CHILD_COMMAND, DEADLINE, FROM_PARENT, OwnedChild, PipeCut, REPLY_LIMIT, read_to_end_within,
    this_program,
};
use crate::program::{self, Printed, Shutdown};
use crate::runtime::{Native, Runtime};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn hello_then_main<R: Runtime>() -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        let out = main.clone();
        main.thread(move || out.print("hello")).start();
        main.print("main");
    });
    Printed(exit.output)
}

/// One program, `hello` from a new thread and `main` from main; what differs is what starts it.
pub struct StartOrder;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Started as a thread: `hello` first is typical.
    Thread,
    /// Started as a process: `main` first is typical.
    Process,
}

impl Version {
    /// `hello` and `main`: the order that is typical for what was started, and why.
    fn lines(self) -> TwoLines {
        match self {
            Version::Thread => TwoLines {
                typical: ["hello", "main"],
                why_typical: "the tutorial's order for a thread: it starts before main's next line",
                why_rare: "main first: the thread had not been scheduled yet",
                why_missing: "a line went missing",
            },
            Version::Process => TwoLines {
                typical: ["main", "hello"],
                why_typical: "the tutorial's order for a process: starting one is slow",
                why_rare: "hello first: the process won the race",
                why_missing: "a line went missing",
            },
        }
    }
}

impl Lesson for StartOrder {
    type Version = Version;
    type Outcome = Printed;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>(_: Version, _: &Params) -> Printed {
        hello_then_main::<R>()
    }

    fn classify(version: Version, outcome: &Printed, _: &Params) -> (Class, &'static str) {
        version.lines().classify(outcome)
    }

    fn possible_outcomes(version: Version, _: &Params) -> Option<Vec<Printed>> {
        Some(version.lines().both_orders())
    }
}

pub const THREAD: Row<StartOrder> = Row::new(
    "start-order/thread",
    Version::Thread,
    Expect::Holds,
    "a thread prints hello, main prints main: both orders occur",
)
.max_threads(1);
pub const PROCESS: Row<StartOrder> = Row::new(
    "start-order/process",
    Version::Process,
    Expect::Holds,
    "a process prints hello, main prints main: both orders occur",
)
.max_threads(1);

pub fn concept() -> Concept {
    Concept::new(
        "start-order",
        "start order: hello before main is typical, not promised (tutorial 3.3.2)",
        file!(),
    )
    .rows(&[THREAD, PROCESS])
    .timing(timing)
}

/// One run with a real child process: the child prints `hello` and the parent `main` into the
/// same pipe, as two processes print to one terminal, and the pipe says who came first. (No
/// file: nothing is left behind if the run is interrupted.) The child is bounded like every
/// child ([`REPLY_LIMIT`], [`DEADLINE`]) and reaped on every path ([`OwnedChild`]).
fn process_order(program: &Path) -> Result<Printed, String> {
    let start = |e: std::io::Error| format!("cannot start {}: {e}", program.display());
    let (mut printed, terminal) = std::io::pipe().map_err(start)?;
    let mut main_end = terminal.try_clone().map_err(start)?;
    let mut command = Command::new(program);
    command
        .args([CHILD_COMMAND, "print", "hello", FROM_PARENT])
        .stdin(Stdio::null())
        .stdout(terminal.try_clone().map_err(start)?)
        .stderr(terminal);
    let mut child = OwnedChild::spawn(command).map_err(start)?;
    let deadline = Instant::now() + DEADLINE;
    // This process holds the read end, so this write cannot meet a closed pipe.
    main_end
        .write_all(b"main\n")
        .map_err(|e| format!("cannot print main: {e}"))?;
    drop(main_end);
    let text = match read_to_end_within(&mut printed, REPLY_LIMIT, deadline) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(PipeCut::TooMuch) => {
            return Err(format!(
                "the child printed more than {REPLY_LIMIT} bytes and was killed"
            ));
        }
        Err(PipeCut::Late) => {
            return Err(format!(
                "the child had not finished within {DEADLINE:?} and was killed"
            ));
        }
        Err(PipeCut::Failed(e)) => return Err(format!("cannot read the pipe: {e}")),
    };
    match child.wait_until(deadline) {
        Ok(Some(status)) if status.success() => {
            Ok(Printed(text.lines().map(str::to_owned).collect()))
        }
        Ok(Some(status)) => Err(format!("the child failed ({status}): {}", text.trim())),
        Ok(None) => Err(format!(
            "the child had not exited within {DEADLINE:?} and was killed"
        )),
        Err(e) => Err(format!("cannot wait for the child: {e}")),
    }
}

/// Runs `count` rounds of `one_run` and turns the orders seen into histogram rows.
fn histogram(
    kind: &str,
    count: usize,
    mut one_run: impl FnMut() -> Result<Printed, String>,
) -> Vec<TimingRow> {
    let started = Instant::now();
    // The same two orders whichever was started.
    let both_orders = Version::Thread.lines().both_orders();
    let mut seen: Vec<(Printed, usize)> = both_orders.into_iter().map(|o| (o, 0)).collect();
    for _ in 0..count {
        match one_run() {
            Ok(order) => match seen.iter_mut().find(|(o, _)| *o == order) {
                Some((_, n)) => *n += 1,
                None => seen.push((order, 1)),
            },
            Err(error) => {
                return vec![TimingRow {
                    label: kind.to_owned(),
                    seconds: 0.0,
                    note: format!("not measured: {error}"),
                }];
            }
        }
    }
    let per_run = started.elapsed().as_secs_f64() / count as f64;
    seen.into_iter()
        .map(|(order, n)| TimingRow {
            label: format!("{kind} ({count} runs): {order}"),
            seconds: per_run,
            note: format!("{n:>4} ({:.1}%)", 100.0 * n as f64 / count as f64),
        })
        .collect()
}

/// The two histograms, threads then processes, side by side in one run, with child processes of
/// this very executable.
pub fn timing() -> Timing {
    match this_program() {
        Ok(program) => measure(&program),
        Err(error) => {
            let mut rows = histogram("threads", 1000, || Ok(hello_then_main::<Native>()));
            rows.push(TimingRow {
                label: "processes".into(),
                seconds: 0.0,
                note: format!("not measured: {error}"),
            });
            table(rows)
        }
    }
}

/// The two histograms, threads then processes, with child processes of `program` (a test
/// binary passes `env!("CARGO_BIN_EXE_interleave")`).
pub fn measure(program: &Path) -> Timing {
    let mut rows = histogram("threads", 1000, || Ok(hello_then_main::<Native>()));
    rows.extend(histogram("processes", 50, || process_order(program)));
    table(rows)
}

fn table(rows: Vec<TimingRow>) -> Timing {
    Timing {
        title: "start order: who prints first, natively".to_owned(),
        setup: "seconds = mean wall time of one run (start, print, wait); the ratio compares it with the first row's"
            .to_owned(),
        rows,
        ratios: Ratios::ToFirst,
    }
}
