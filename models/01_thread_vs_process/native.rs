//! Real OS processes: this binary re-executes itself with the hidden command `__child ROLE`
//! ([`child_main`] is the child's side), and the child answers on its stdout (the message
//! channel) with one line of `key=value` words. How a child is started, bounded and reaped is
//! [`super::child`]'s.

pub use super::child::{
    CHILD_COMMAND, ChildError, DEADLINE, FROM_PARENT, OwnedChild, PipeCut, REPLY_LIMIT, read_some,
    read_to_end_within, run_bounded, this_program, without_mark,
};
use super::{START_N, switch};
use crate::lesson::{Ratios, Timing, TimingRow};
use crate::runtime::Native;
use crate::thread;
use std::fmt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The tutorial's global `n`. Each process has its own: a child's is a different variable.
pub static N: AtomicUsize = AtomicUsize::new(START_N);

/// Demos reset and read [`N`]; tests run in parallel, so one demo at a time.
static ONE_DEMO: Mutex<()> = Mutex::new(());

/// Threads and processes started (alternately) for the cost comparison.
pub const ROUNDS: usize = 20;

/// The hidden command's body, run in the child: `pid` reports the pid; `set-n COPY` starts from
/// the parent's value (what fork would have copied), runs the tutorial's `work` on this process's
/// own `n` and reports it; `print LINE` prints the line (for `time start-order`); `pong` echoes
/// its stdin (the switch ping-pong); `print-sleep-print FIRST MILLIS LAST` is a daemon example's
/// worker. Returns the exit code; anything else is refused with one line on stderr and code 2.
pub fn child_main(args: &[&str]) -> i32 {
    let pid = std::process::id();
    match without_mark(args) {
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
        ["pong"] => return super::switch::pong(),
        ["print-sleep-print", first, millis, last] => {
            return super::daemon::print_sleep_print(first, millis, last);
        }
        ["print", line] => {
            // One write, like the parent's: the pipe keeps the two lines whole, in write order.
            let mut out = std::io::stdout().lock();
            if std::io::Write::write_all(&mut out, format!("{line}\n").as_bytes())
                .and_then(|()| std::io::Write::flush(&mut out))
                .is_err()
            {
                return 1;
            }
        }
        _ => {
            eprintln!(
                "error: {CHILD_COMMAND} is internal; roles: pid, set-n N, print LINE, pong, print-sleep-print FIRST MILLIS LAST"
            );
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

/// Runs `program __child ARGS` within `within` and parses its one-line reply.
pub fn ask_child(
    program: &Path,
    args: &[&str],
    within: Duration,
) -> Result<ChildReply, ChildError> {
    let mut words = vec![CHILD_COMMAND];
    words.extend_from_slice(args);
    words.push(FROM_PARENT);
    let (status, text) = run_bounded(program, &words, within)?;
    if !status.success() {
        return Err(ChildError::Failed(program.to_owned(), status, text));
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

/// The pid a thread of this process sees.
pub fn thread_pid() -> u32 {
    thread::spawn::<Native, _, _>(std::process::id).join()
}

/// The pid a child process reports.
pub fn process_pid(program: &Path) -> Result<u32, ChildError> {
    ask_child(program, &["pid"], DEADLINE).map(|reply| reply.pid)
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
    let reply = ask_child(program, &["set-n", &copy], DEADLINE)?;
    let child = reply.n.ok_or_else(|| {
        ChildError::BadReply(program.to_owned(), format!("pid={} without n", reply.pid))
    })?;
    Ok((child, N.load(Ordering::SeqCst)))
}

/// What the processes showed: their pids, the child's `n` and the parent's, and their cost.
struct ProcessFacts {
    pids: [u32; 2],
    child_n: usize,
    parent_n: usize,
    cost: Duration,
}

/// The table, and why the processes' row is not measured (if it is not): the pids and the global
/// `n` for threads and for processes, then `rounds` threads and `rounds` processes started and
/// joined alternately (so both see the same machine load). The first child that fails stops the
/// processes' part; the threads' is measured regardless.
fn measure_rows(program: &Path, rounds: usize) -> (Timing, Option<ChildError>) {
    let rounds = rounds.max(1);
    let parent = std::process::id();
    let thread_pids = [thread_pid(), thread_pid()];
    let thread_n = n_after_thread();
    let mut processes = (|| -> Result<ProcessFacts, ChildError> {
        let pids = [process_pid(program)?, process_pid(program)?];
        let (child_n, parent_n) = n_after_process(program)?;
        Ok(ProcessFacts {
            pids,
            child_n,
            parent_n,
            cost: Duration::ZERO,
        })
    })();
    let mut thread_cost = Duration::ZERO;
    for _ in 0..rounds {
        let started = Instant::now();
        thread_pid();
        thread_cost += started.elapsed();
        if let Ok(facts) = &mut processes {
            let started = Instant::now();
            match process_pid(program) {
                Ok(_) => facts.cost += started.elapsed(),
                Err(error) => processes = Err(error),
            }
        }
    }
    let same = |pids: &[u32]| {
        if pids.iter().all(|&p| p == parent) {
            "="
        } else {
            "!="
        }
    };
    let each = |cost: Duration| cost / rounds as u32;
    let mut rows = vec![TimingRow {
        label: format!("{rounds} threads: start + join"),
        seconds: thread_cost.as_secs_f64(),
        note: format!(
            "{:?} each; pids {thread_pids:?} {} parent's {parent}; thread set n = 0, parent sees n = {thread_n} (shared)",
            each(thread_cost),
            same(&thread_pids)
        ),
    }];
    let label = format!("{rounds} processes: start + join");
    let (ratio, failure) = match processes {
        Ok(facts) => {
            rows.push(TimingRow {
                label,
                seconds: facts.cost.as_secs_f64(),
                note: format!(
                    "{:?} each; pids {:?} {} parent's {parent}; child set its n = {}, parent sees n = {} (not shared)",
                    each(facts.cost),
                    facts.pids,
                    same(&facts.pids),
                    facts.child_n,
                    facts.parent_n
                ),
            });
            let ratio = facts.cost.as_secs_f64() / thread_cost.as_secs_f64().max(f64::MIN_POSITIVE);
            (format!("1:{ratio:.0}"), None)
        }
        Err(error) => {
            rows.push(TimingRow {
                label,
                seconds: 0.0,
                note: format!("not measured: {error}"),
            });
            ("1:?".to_owned(), Some(error))
        }
    };
    let (switch_rows, switch_failure) = switch_rows(program);
    rows.extend(switch_rows);
    let (daemon_rows, daemon_failure) = daemon_rows(program);
    rows.extend(daemon_rows);
    let failure = failure.or(switch_failure).or(daemon_failure);
    let timing = Timing {
        title: format!(
            "thread vs process: pid, the global n, start + join cost (thread:process = {ratio}), a switch, a daemon"
        ),
        setup: format!(
            "a process is this binary re-executed ({} {CHILD_COMMAND}), replying on its stdout; n starts at {START_N}",
            program.display()
        ),
        rows,
        // Start + join, then the two ping-pongs: pairs of the same work. The daemon rows are
        // outputs, not times to compare.
        ratios: Ratios::Groups(vec![2, 2, 1, 1]),
    };
    (timing, failure)
}

/// A ping-pong between two threads and one between this process and a child, each
/// [`switch::ROUND_TRIPS`] round trips: their time, and the time of one switch (half a trip).
fn switch_rows(program: &Path) -> (Vec<TimingRow>, Option<ChildError>) {
    let trips = switch::ROUND_TRIPS;
    let row = |who: &str, took: Duration| TimingRow {
        label: format!("{who}: {trips} ping-pongs over a pipe pair"),
        seconds: took.as_secs_f64(),
        note: format!("{:?} per switch", took / (2 * trips as u32)),
    };
    let not_measured = |who: &str, error: &dyn fmt::Display| TimingRow {
        label: format!("{who}: {trips} ping-pongs over a pipe pair"),
        seconds: 0.0,
        note: format!("not measured: {error}"),
    };
    let threads = match switch::between_threads(trips) {
        Ok(took) => row("2 threads", took),
        Err(error) => not_measured("2 threads", &error),
    };
    match switch::between_processes(program, trips) {
        Ok(took) => (vec![threads, row("2 processes", took)], None),
        Err(error) => (
            vec![threads, not_measured("2 processes", &error)],
            Some(error),
        ),
    }
}

/// The daemon rows with processes divide the tutorial's sleeps by this (1 s -> 100 ms).
const PROCESS_SLEEP_SCALE: u32 = 10;

/// The tutorial's daemon example 2 natively with threads, then with processes: what each
/// printed before the exit, with the tutorial's sleeps scaled down.
fn daemon_rows(program: &Path) -> (Vec<TimingRow>, Option<ChildError>) {
    // Scaled less than the threads' sleeps: starting the second process can take tens of
    // milliseconds on a busy machine, and the daemon must still be asleep when main's code ends.
    let (daemon_sleep, worker_sleep) = (
        Duration::from_secs(1) / PROCESS_SLEEP_SCALE,
        Duration::from_secs(3) / PROCESS_SLEEP_SCALE,
    );
    let started = Instant::now();
    let threads = crate::models::daemon::example_2_natively();
    let threads = TimingRow {
        label: "daemon thread foo (1 s), thread bar (3 s)".to_owned(),
        seconds: started.elapsed().as_secs_f64(),
        note: format!("{threads}: foo ran on while the exit waited for bar"),
    };
    let started = Instant::now();
    let label = "daemon process foo (1 s), process bar (3 s)".to_owned();
    match super::daemon::example_2_with_processes(program, daemon_sleep, worker_sleep) {
        Ok(lines) => {
            let note = if lines.iter().any(|line| line == "end123") {
                "foo was not terminated in time"
            } else {
                "foo was terminated when the parent's code ended"
            };
            let processes = TimingRow {
                label,
                seconds: started.elapsed().as_secs_f64(),
                note: format!(
                    "{}: {note} (sleeps scaled by 1/{PROCESS_SLEEP_SCALE})",
                    lines.join(" | ")
                ),
            };
            (vec![threads, processes], None)
        }
        Err(error) => {
            let processes = TimingRow {
                label,
                seconds: 0.0,
                note: format!("not measured: {error}"),
            };
            (vec![threads, processes], Some(error))
        }
    }
}

/// The table of `measure_rows`, or the first child's failure.
pub fn measure(program: &Path, rounds: usize) -> Result<Timing, ChildError> {
    match measure_rows(program, rounds) {
        (timing, None) => Ok(timing),
        (_, Some(error)) => Err(error),
    }
}

/// The table of `measure_rows` whatever happens: a failed child is a "not measured" row.
pub fn measure_table(program: &Path, rounds: usize) -> Timing {
    measure_rows(program, rounds).0
}

/// The native table for `time thread-vs-process`, with children of this very executable.
pub fn timing() -> Timing {
    match this_program() {
        Ok(program) => measure_table(&program, ROUNDS),
        Err(error) => Timing {
            title: "thread vs process: not measured".to_owned(),
            setup: format!("error: {error}"),
            rows: Vec::new(),
            ratios: Ratios::None,
        },
    }
}
