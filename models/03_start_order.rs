//! # Which prints first, the new thread or the main one? (tutorial 3.3.2, "start-up speed")
//!
//! The tutorial starts a thread that prints `hello` and then prints from the main thread, and
//! shows `hello` first; with a process instead, `main` first. Here, natively, a Rust thread
//! usually shows `main` first, like the process (`time start-order` counts how often):
//! `thread::spawn` returns at once, and main's next line is already running while the new
//! thread is still being scheduled. CPython's `start()` does not return at once: it waits until
//! the new thread has begun, and the new thread, already running and holding the GIL, usually
//! prints before main gets the GIL back. The `start-waits` variant does what CPython does (a
//! handshake: the thread signals that it has begun, `start` waits for it; and a GIL, which a
//! waiting main gets only if it asks, after a switch interval, before the thread's next switch
//! point), and shows the tutorial's order.
//!
//! None of these orders is promised: the outcome set has both orders for every variant, and only
//! which one is common differs. The classes say which: the common order is acceptable, the other
//! interesting.
//!
//! In the models a "process" is a worker that shares nothing with the parent; what it prints
//! still lands in the same terminal, so its outcome set is the thread's. The native table runs
//! real child processes.

use crate::lesson::{
    Class, Concept, Expect, Lesson, Params, Ratios, Row, Threads, Timing, TimingRow,
};
use crate::models::thread_create::TwoLines;
use crate::models::thread_vs_process::child::{
    CHILD_COMMAND, DEADLINE, FROM_PARENT, OwnedChild, PipeCut, REPLY_LIMIT, read_to_end_within,
    this_program,
};
use crate::program::{self, Printed, Shutdown};
use crate::runtime::{Native, Runtime};
use crate::sync::{Condvar, Mutex};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn hello_then_main<R: Runtime>() -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        let out = main.clone();
        main.thread(move || out.print("hello")).start();
        main.print("main");
    });
    Printed(exit.output)
}

/// CPython's GIL, as far as this program needs it: who holds it, and whether a waiting thread
/// has asked the holder to let go (CPython's `gil_drop_request`).
#[derive(Default)]
struct Gil {
    held: bool,
    drop_request: bool,
}

/// CPython's switch interval (5 ms), in the tutorial's time: natively it is divided by the sleep
/// scale (1/100) like every duration, and comes out at 5 ms.
const SWITCH_INTERVAL: Duration = Duration::from_millis(500);

/// The GIL of [`hello_then_main_start_waits`]: a flag under a lock, and a condvar for its release.
struct EmulatedGil<R: Runtime> {
    state: Mutex<R, Gil>,
    released: Condvar<R>,
}

impl<R: Runtime> EmulatedGil<R> {
    fn new() -> Self {
        EmulatedGil {
            state: Mutex::named("GIL", Gil::default()),
            released: Condvar::named("GIL released"),
        }
    }

    /// Waits for the GIL as CPython does: a switch interval at a time, asking the holder to drop
    /// it once one has passed. A backend with no clock (shuttle, loom) cannot tell when one has,
    /// so there the waiter may ask at once: every order a real interval allows is reachable.
    fn take(&self) {
        let mut gil = self.state.lock();
        while gil.held {
            if R::HAS_CLOCK {
                let (woken, timed_out) = self.released.wait_timeout(gil, SWITCH_INTERVAL);
                gil = woken;
                if timed_out && gil.held {
                    gil.drop_request = true;
                }
            } else {
                gil.drop_request = true;
                gil = self.released.wait(gil);
            }
        }
        gil.held = true;
    }

    fn release(&self) {
        self.state.lock().held = false;
        self.released.notify_all();
    }

    /// A point where the holder checks for a drop request, and hands the GIL over if asked.
    fn switch_point(&self) {
        let asked = std::mem::take(&mut self.state.lock().drop_request);
        if asked {
            self.release();
            self.take();
        }
    }
}

/// The same program as CPython runs it. `start()` returns only once the new thread has begun
/// (it waits on the thread's `_started` event, set first thing in the new thread), and the new
/// thread then holds the GIL, which main needs to print. Main gets it only if the new thread
/// lets go first: at its switch point, if main has asked by then, which it does only after
/// waiting a switch interval. Printing `hello` takes microseconds, so main first is possible
/// but rare.
fn hello_then_main_start_waits<R: Runtime>() -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        let gil = Arc::new(EmulatedGil::<R>::new());
        let started = Arc::new((
            Mutex::<R, bool>::named("started", false),
            Condvar::named("thread began"),
        ));
        let (out, began, thread_gil) = (main.clone(), started.clone(), gil.clone());
        main.thread(move || {
            thread_gil.take();
            let (flag, signal) = &*began;
            *flag.lock() = true;
            signal.notify_all();
            thread_gil.switch_point();
            out.print("hello");
            thread_gil.release();
        })
        .start();
        let (flag, signal) = &*started;
        drop(signal.wait_while(flag.lock(), |began| !*began));
        gil.take();
        main.print("main");
        gil.release();
    });
    Printed(exit.output)
}

/// One program, `hello` from a new thread and `main` from main; what differs is what starts it.
pub struct StartOrder;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Started as a Rust thread: `spawn` returns at once, `main` first is typical.
    Thread,
    /// Started as CPython starts a thread: `start` waits until it has begun; `hello` first is
    /// typical.
    StartWaits,
    /// Started as a process: `main` first is typical.
    Process,
}

impl Version {
    /// `hello` and `main`: the order that is typical for what was started, and why.
    fn lines(self) -> TwoLines {
        match self {
            Version::Thread => TwoLines {
                typical: ["main", "hello"],
                why_typical: "spawn returned at once: main's next line ran before the thread was scheduled",
                why_rare: "hello first: the new thread ran before main's next line",
                why_missing: "a line went missing",
            },
            Version::StartWaits => TwoLines {
                typical: ["hello", "main"],
                why_typical: "the tutorial's order: start waited until the thread began, which held the GIL to print",
                why_rare: "main first: main asked for the GIL before the thread's switch point",
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

    fn run<R: Runtime>(version: Version, _: &Params) -> Printed {
        match version {
            Version::Thread | Version::Process => hello_then_main::<R>(),
            Version::StartWaits => hello_then_main_start_waits::<R>(),
        }
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
    "a Rust thread prints hello, main prints main: both orders occur, main first is usual",
)
.max_threads(1);
pub const START_WAITS: Row<StartOrder> = Row::new(
    "start-order/start-waits",
    Version::StartWaits,
    Expect::Holds,
    "CPython's start: waits until the thread has begun, which then holds the GIL: hello first is usual",
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
        "start order: main first after Rust's spawn, hello first after CPython's start; neither promised (tutorial 3.3.2)",
        file!(),
    )
    .rows(&[THREAD, START_WAITS, PROCESS])
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

/// Runs `count` rounds of `one_run`: one row, the mean time of a run and how often each order
/// came.
fn histogram(
    kind: &str,
    count: usize,
    mut one_run: impl FnMut() -> Result<Printed, String>,
) -> TimingRow {
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
                return TimingRow {
                    label: kind.to_owned(),
                    seconds: 0.0,
                    note: format!("not measured: {error}"),
                };
            }
        }
    }
    let per_run = started.elapsed().as_secs_f64() / count as f64;
    let counts: Vec<String> = seen
        .into_iter()
        .map(|(order, n)| format!("{order}: {n} ({:.1}%)", 100.0 * n as f64 / count as f64))
        .collect();
    TimingRow {
        label: format!("{kind} ({count} runs)"),
        seconds: per_run,
        note: counts.join(", "),
    }
}

/// The three kinds of start natively, side by side in one run, with child processes of this
/// very executable.
pub fn timing() -> Timing {
    match this_program() {
        Ok(program) => measure(&program),
        Err(error) => {
            let mut rows = thread_rows();
            rows.push(TimingRow {
                label: "processes".into(),
                seconds: 0.0,
                note: format!("not measured: {error}"),
            });
            table(rows)
        }
    }
}

fn thread_rows() -> Vec<TimingRow> {
    vec![
        histogram("threads, spawn returns at once", 1000, || {
            Ok(hello_then_main::<Native>())
        }),
        histogram("threads, start waits (CPython)", 1000, || {
            Ok(hello_then_main_start_waits::<Native>())
        }),
    ]
}

/// The three kinds of start, threads then processes, with child processes of `program` (a test
/// binary passes `env!("CARGO_BIN_EXE_interleave")`).
pub fn measure(program: &Path) -> Timing {
    let mut rows = thread_rows();
    rows.push(histogram("processes", 50, || process_order(program)));
    table(rows)
}

fn table(rows: Vec<TimingRow>) -> Timing {
    Timing {
        title: "start order: who prints first, natively".to_owned(),
        setup: "time = mean wall time of one run (start, print hello and main, wait): the same work, started three ways".to_owned(),
        rows,
        ratios: Ratios::ToFirst,
    }
}
