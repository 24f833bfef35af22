//! # Daemon threads (tutorial 3.3.5): who gets to print before the program exits
//!
//! A Python program ends in two steps. When the main thread's code is done, the interpreter
//! waits for every non-daemon thread; then the process exits, and daemon threads simply stop,
//! wherever they are. So a daemon's output may be cut short, while a non-daemon's never is.
//!
//! - `example-1`: a daemon sleeps, then prints `egon say hello`; main prints `main thread` and
//!   whether the daemon is alive. Usually the daemon is still asleep, so the output is
//!   `main thread | True` and the greeting is lost; but a checker finds all six outputs.
//! - `example-2`: daemon `foo` prints `123`, sleeps 1, prints `end123`; non-daemon `bar` prints
//!   `456`, sleeps 3, prints `end456`; main prints `main-------`. `end456` and `main-------` are
//!   always printed; `end123` only if the daemon gets there before the exit. 45 outputs are
//!   possible. The tutorial prints no output for this one; what its sleeps lead to (foo's 1 s
//!   ends inside bar's 3 s) is `123 | 456 | main------- | end123 | end456`. The classes follow
//!   the project's rules (`docs/curriculum.md`: the tutorial's expected output is acceptable; `end123`
//!   cut off is interesting): acceptable when `end123` comes before `end456` (the daemon finished
//!   while the exit waited for `bar`, as the sleeps intend), interesting when the exit stopped
//!   the daemon first (no `end123`) or it printed only after `bar` had ended.
//! - `exit-early`: example 2 under a broken harness that exits as soon as main's code is done,
//!   without waiting for `bar`: `end456` goes missing, which the rules forbid.
//! - `blocked-server`: a daemon that waits forever for a request that never comes, like the
//!   server the tutorial describes. It is still blocked at exit: no deadlock, nothing printed.
//!
//! The tutorial says `t.setDaemon(True)` must come before `t.start()` (Python raises
//! `RuntimeError` otherwise); here the late call cannot be written: `daemon(true)` is a method of
//! the builder, and `start()` consumes the builder and returns a handle that has no such method,
//! so setting it after the start is a compile error, not a run-time one. Actually `setDaemon`
//! is deprecated since Python 3.10: write `t.daemon = True`, or `Thread(..., daemon=True)`.
//!
//! Daemon processes follow the same rule with one difference: a daemon process is terminated
//! when the parent's code ends, without waiting for the non-daemon children first
//! (`thread-vs-process`'s native table shows it next to a daemon thread).

use crate::lesson::{Class, Concept, Expect, Lesson, Params, Ratios, Row, Timing, TimingRow};
use crate::program::{self, Printed, Shutdown};
use crate::runtime::{Native, Runtime, sleep_scale};
use crate::sync::{Condvar, Mutex};
use crate::thread;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A program with daemon threads, and what it printed before it exited.
pub struct DaemonExit;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// The tutorial's first example: a sleeping daemon, main asks `is_alive()`.
    Example1,
    /// The tutorial's second example: daemon `foo`, non-daemon `bar`.
    Example2,
    /// Example 2 under a harness that exits without waiting for `bar`.
    ExitEarly,
    /// A daemon blocked waiting for a request that never comes.
    BlockedServer,
}

fn example_1<R: Runtime>() -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        let out = main.clone();
        let egon = main
            .thread(move || {
                thread::sleep::<R>(Duration::from_secs(2));
                out.print("egon say hello");
            })
            .daemon(true)
            .start();
        main.print("main thread");
        main.print(if egon.is_alive() { "True" } else { "False" });
    });
    Printed(exit.output)
}

fn example_2<R: Runtime>(shutdown: Shutdown) -> Printed {
    let exit = program::run::<R, _>(shutdown, |main| {
        let out = main.clone();
        let foo_prints_123 = move || {
            out.print("123");
            thread::sleep::<R>(Duration::from_secs(1));
            out.print("end123");
        };
        let out = main.clone();
        let bar_prints_456 = move || {
            out.print("456");
            thread::sleep::<R>(Duration::from_secs(3));
            out.print("end456");
        };
        main.thread(foo_prints_123).daemon(true).start();
        main.thread(bar_prints_456).start();
        main.print("main-------");
    });
    Printed(exit.output)
}

fn blocked_server<R: Runtime>() -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        let requests = Arc::new((
            Mutex::<R, Vec<String>>::named("requests", Vec::new()),
            Condvar::named("new request"),
        ));
        let out = main.clone();
        main.thread(move || {
            let (queue, arrived) = &*requests;
            let mut queue = arrived.wait_while(queue.lock(), |queue| queue.is_empty());
            let request = queue.remove(0);
            out.print(format!("served {request}"));
        })
        .daemon(true)
        .start();
        main.print("main done");
    });
    Printed(exit.output)
}

/// Every interleaving of the given sequences, each kept in its own order.
fn interleavings(sequences: &[Vec<&'static str>]) -> Vec<Vec<String>> {
    if sequences.iter().all(Vec::is_empty) {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for (i, sequence) in sequences.iter().enumerate().filter(|(_, s)| !s.is_empty()) {
        let mut rest = sequences.to_vec();
        rest[i] = sequence[1..].to_vec();
        for mut tail in interleavings(&rest) {
            tail.insert(0, sequence[0].to_owned());
            all.push(tail);
        }
    }
    all
}

fn example_1_outputs() -> Vec<Printed> {
    let (hello, main) = ("egon say hello", "main thread");
    let mut all = vec![
        Printed::lines(&[main, "True"]),
        Printed::lines(&[main, "True", hello]),
        Printed::lines(&[main, hello, "True"]),
        Printed::lines(&[main, hello, "False"]),
        Printed::lines(&[hello, main, "True"]),
        Printed::lines(&[hello, main, "False"]),
    ];
    all.sort();
    all
}

fn classify_example_1(outcome: &Printed) -> (Class, &'static str) {
    if *outcome == Printed::lines(&["main thread", "True"]) {
        (
            Class::Acceptable,
            "the daemon was still asleep at exit, and stopped",
        )
    } else if example_1_outputs().contains(outcome) {
        (Class::Interesting, "the daemon greeted before the exit")
    } else {
        (Class::Forbidden, "an output the exit rules do not allow")
    }
}

fn example_2_outputs() -> Vec<Printed> {
    let daemon = ["123", "end123"];
    let mut all: Vec<Printed> = (0..=daemon.len())
        .flat_map(|cut| {
            interleavings(&[
                vec!["456", "end456"],
                vec!["main-------"],
                daemon[..cut].to_vec(),
            ])
        })
        .map(Printed)
        .collect();
    all.sort();
    all
}

fn classify_example_2(outcome: &Printed) -> (Class, &'static str) {
    let printed = |line: &str| outcome.0.iter().any(|l| l == line);
    if !example_2_outputs().contains(outcome) {
        if !printed("end456") {
            return (
                Class::Forbidden,
                "end456 missing: the program exited before its non-daemon thread finished",
            );
        }
        return (Class::Forbidden, "an output the exit rules do not allow");
    }
    let position = |line: &str| outcome.0.iter().position(|l| l == line);
    match (position("end123"), position("end456")) {
        (Some(daemon), Some(bar)) if daemon < bar => (
            Class::Acceptable,
            "the daemon finished while the exit waited for bar, as the sleeps intend",
        ),
        (Some(_), _) => (
            Class::Interesting,
            "the daemon finished after bar, just before the exit",
        ),
        (None, _) => (Class::Interesting, "the daemon was stopped by the exit"),
    }
}

fn classify_blocked_server(outcome: &Printed) -> (Class, &'static str) {
    if *outcome == Printed::lines(&["main done"]) {
        (Class::Acceptable, "the server was stopped by the exit")
    } else {
        (Class::Forbidden, "the server ran without a request")
    }
}

impl Lesson for DaemonExit {
    type Version = Version;
    type Outcome = Printed;

    fn run<R: Runtime>(version: Version, _: &Params) -> Printed {
        match version {
            Version::Example1 => example_1::<R>(),
            Version::Example2 => example_2::<R>(Shutdown::WaitForNonDaemons),
            Version::ExitEarly => example_2::<R>(Shutdown::ExitAtOnce),
            Version::BlockedServer => blocked_server::<R>(),
        }
    }

    fn classify(version: Version, outcome: &Printed, _: &Params) -> (Class, &'static str) {
        match version {
            Version::Example1 => classify_example_1(outcome),
            Version::Example2 | Version::ExitEarly => classify_example_2(outcome),
            Version::BlockedServer => classify_blocked_server(outcome),
        }
    }

    fn possible_outcomes(version: Version, _: &Params) -> Option<Vec<Printed>> {
        match version {
            Version::Example1 => Some(example_1_outputs()),
            Version::Example2 => Some(example_2_outputs()),
            Version::ExitEarly => None,
            Version::BlockedServer => Some(vec![Printed::lines(&["main done"])]),
        }
    }
}

pub const EXAMPLE_1: Row<DaemonExit> = Row::new(
    "daemon/example-1",
    Version::Example1,
    Expect::Holds,
    "a sleeping daemon, main prints and asks is_alive(), the program exits",
)
.max_threads(2);
pub const EXAMPLE_2: Row<DaemonExit> = Row::new(
    "daemon/example-2",
    Version::Example2,
    Expect::Holds,
    "daemon foo (123, end123) and non-daemon bar (456, end456); exit waits for bar only",
)
.max_threads(2)
// Bound 3 reaches 37 of the 45 outputs; 4 reaches them all (about 7,000 executions).
.loom_preemption_bound(4);
pub const EXIT_EARLY: Row<DaemonExit> = Row::new(
    "daemon/exit-early",
    Version::ExitEarly,
    Expect::Violation,
    "a broken harness: exits when main's code ends, without waiting for bar",
)
.max_threads(2);
pub const BLOCKED_SERVER: Row<DaemonExit> = Row::new(
    "daemon/blocked-server",
    Version::BlockedServer,
    Expect::Holds,
    "a daemon blocked waiting for a request at exit: stopped, not a deadlock",
)
.max_threads(2);

pub fn concept() -> Concept {
    Concept::new(
        "daemon",
        "daemon threads: what is printed before the exit (tutorial 3.3.5)",
        file!(),
    )
    .rows(&[EXAMPLE_1, EXAMPLE_2, EXIT_EARLY, BLOCKED_SERVER])
    .timing(timing)
}

type NativeRun = fn() -> Printed;

/// Example 2 natively, with the tutorial's sleeps scaled down (`thread-vs-process` shows it next
/// to the same program with daemon processes).
pub fn example_2_natively() -> Printed {
    example_2::<Native>(Shutdown::WaitForNonDaemons)
}

/// Both examples natively, with the tutorial's sleeps scaled down: the tutorial's outputs. The
/// two examples do different work: their times are not compared.
pub fn timing() -> Timing {
    let runs: [(&str, NativeRun); 2] = [
        ("example 1 (daemon sleeps 2 s)", example_1::<Native>),
        ("example 2 (foo 1 s daemon, bar 3 s)", || {
            example_2::<Native>(Shutdown::WaitForNonDaemons)
        }),
    ];
    let rows = runs
        .into_iter()
        .map(|(label, run)| {
            let started = Instant::now();
            let output = run();
            TimingRow {
                label: label.to_owned(),
                seconds: started.elapsed().as_secs_f64(),
                note: output.to_string(),
            }
        })
        .collect();
    Timing {
        title: "daemon threads natively: what was printed before the exit".to_owned(),
        setup: format!(
            "tutorial sleeps scaled by 1/{} (1 s -> {:?})",
            sleep_scale(),
            Duration::from_secs(1) / sleep_scale()
        ),
        rows,
        ratios: Ratios::None,
    }
}
