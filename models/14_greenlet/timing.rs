//! # What a switch costs (tutorial 三.2, `greenlet`'s 效率对比)
//!
//! The tutorial runs `f1` (100,000,000 additions) and `f2` (as many multiplications) one after
//! the other in 10.99 s, then again as two greenlets that `switch()` to each other after every
//! step, in 52.76 s: switching "costs efficiency", 4.8x in CPython. `time greenlet` measures the
//! same handoff natively, side by side, from the cheapest to the dearest way to pass control:
//!
//! - a plain function call (kept out of line with `black_box`);
//! - a stackful coroutine (corosensei, which is what a greenlet is: a stack of its own);
//! - the tutorial's `f1`/`f2` as two coroutines calling `g2.switch()` / `g1.switch()`: a
//!   corosensei coroutine can only suspend to whoever resumed it, so a switch is a suspend that
//!   asks a small hub to resume the other (two context switches where greenlet makes one);
//! - two tasks of tokio's current-thread runtime taking turns with `yield_now`;
//! - two OS threads taking turns over a Mutex and a Condvar.
//!
//! Every row is one handoff **there and back** (a call and its return, a resume and its suspend,
//! one iteration of `f1`/`f2`), and the note says it in ns. The last row is the
//! tutorial's comparison: `f1(); f2()` with no switch, per iteration, against the `f1`/`f2` row.
//! CPython spends about 110 ns on an iteration and 530 ns with the two switches; natively both
//! take a few nanoseconds, a hundred times less, while the ratio between them stays of the same
//! order: a stackful switch costs a few plain steps, in either world. Handing off to a task of
//! an async runtime costs a hundred times more, and to another OS thread thousands of times more.

use crate::lesson::{Ratios, Timing, TimingRow};
use corosensei::{Coroutine, CoroutineResult};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// Round trips for each in-process kind in `time greenlet`.
pub const ROUND_TRIPS: u64 = 200_000;
/// Round trips for the OS-thread kind: each costs microseconds, not nanoseconds.
pub const THREAD_ROUND_TRIPS: u64 = 5_000;
/// Each kind runs this many times, round-robin, and its fastest run counts: a busy machine slows
/// some runs down, never speeds one up.
pub const REPEATS: usize = 3;

/// The tutorial's CPython times, in seconds: `f1(); f2()` and the two switching greenlets, for
/// [`CPYTHON_ITERATIONS`] iterations each.
pub const CPYTHON_PLAIN: f64 = 10.985_628_366_470_337;
pub const CPYTHON_SWITCHING: f64 = 52.763_017_892_837_524;
pub const CPYTHON_ITERATIONS: f64 = 1e8;

/// One way to hand control to someone else and get it back, as a row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handoff {
    FunctionCall,
    CoroutineSwitch,
    GreenletPingPong,
    TokioTasks,
    OsThreads,
    /// No handoff at all: the tutorial's `f1(); f2()`, per iteration of both loops.
    PlainLoops,
}

impl Handoff {
    /// In the table's order.
    pub const ALL: [Handoff; 6] = [
        Handoff::FunctionCall,
        Handoff::CoroutineSwitch,
        Handoff::GreenletPingPong,
        Handoff::TokioTasks,
        Handoff::OsThreads,
        Handoff::PlainLoops,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Handoff::FunctionCall => "function call + return",
            Handoff::CoroutineSwitch => "corosensei resume + suspend",
            Handoff::GreenletPingPong => "greenlet f1/f2: g2.switch(), g1.switch() via a hub",
            Handoff::TokioTasks => "tokio current-thread tasks, yield_now ping-pong",
            Handoff::OsThreads => "OS threads, Mutex + Condvar ping-pong",
            Handoff::PlainLoops => "f1(); f2() with no switch, per iteration",
        }
    }

    /// What one of the row's seconds is.
    pub fn unit(self) -> &'static str {
        match self {
            Handoff::PlainLoops => "iteration",
            _ => "round trip",
        }
    }

    /// A short name for a benchmark id.
    pub fn bench_name(self) -> &'static str {
        match self {
            Handoff::FunctionCall => "function-call",
            Handoff::CoroutineSwitch => "corosensei",
            Handoff::GreenletPingPong => "greenlet-hub",
            Handoff::TokioTasks => "tokio-tasks",
            Handoff::OsThreads => "os-threads",
            Handoff::PlainLoops => "plain-loops",
        }
    }

    /// Runs `round_trips` handoffs of this kind and says what the run computed.
    pub fn run(self, round_trips: u64) -> String {
        match self {
            Handoff::FunctionCall => format!("sum {}", function_calls(round_trips)),
            Handoff::CoroutineSwitch => {
                format!("{} values yielded", coroutine_switches(round_trips))
            }
            Handoff::GreenletPingPong => greenlet_ping_pong(round_trips).to_string(),
            Handoff::TokioTasks => tokio_ping_pong(round_trips).to_string(),
            Handoff::OsThreads => format!("{} turns", thread_ping_pong(round_trips)),
            Handoff::PlainLoops => {
                let (f1, f2) = plain_loops(round_trips);
                format!("f1 res = {f1}, f2 res = {f2}")
            }
        }
    }
}

#[inline(never)]
fn add(sum: u64, i: u64) -> u64 {
    sum.wrapping_add(i)
}

/// `round_trips` calls of a function the compiler may not inline; the sum of `0..round_trips`.
pub fn function_calls(round_trips: u64) -> u64 {
    let call: fn(u64, u64) -> u64 = black_box(add);
    (0..round_trips).fold(0, call)
}

/// A coroutine suspends `round_trips` times, each resumed by the caller; the number of values
/// the caller received.
pub fn coroutine_switches(round_trips: u64) -> u64 {
    let mut coroutine = Coroutine::new(move |yielder, ()| {
        for i in 0..round_trips {
            yielder.suspend(i);
        }
    });
    let mut received = 0;
    while let CoroutineResult::Yield(i) = coroutine.resume(()) {
        debug_assert_eq!(i, received);
        received += 1;
    }
    received
}

/// What the tutorial's `f1` and `f2` computed, and how many switches the hub made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingPong {
    /// `f1`'s `res`: 1 plus every `i`.
    pub f1: u64,
    /// `f2`'s `res`: 1 times every `i` (so 0, as in the tutorial, since `i` starts at 0).
    pub f2: u64,
    pub switches: u64,
}

impl std::fmt::Display for PingPong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} switches, f1 res = {}, f2 res = {}",
            self.switches, self.f1, self.f2
        )
    }
}

/// A greenlet: a coroutine that yields the index of the greenlet to switch to.
type Greenlet = Coroutine<(), usize, u64>;

const G1: usize = 0;
const G2: usize = 1;

/// The tutorial's switching `f1` and `f2`, `iterations` each: after every step a greenlet asks
/// the hub to switch to the other. When one returns the hub finishes the other (greenlet would
/// drop `g2` unfinished; finishing it gives its `res`).
pub fn greenlet_ping_pong(iterations: u64) -> PingPong {
    let g1: Greenlet = Coroutine::new(move |yielder, ()| {
        let mut res: u64 = 1;
        for i in 0..iterations {
            res = res.wrapping_add(i);
            yielder.suspend(G2);
        }
        res
    });
    let g2: Greenlet = Coroutine::new(move |yielder, ()| {
        let mut res: u64 = 1;
        for i in 0..iterations {
            res = res.wrapping_mul(i);
            yielder.suspend(G1);
        }
        res
    });
    let mut greenlets = [g1, g2];
    let mut results = [None, None];
    let mut switches = 0;
    let mut current = G1;
    while results.iter().any(Option::is_none) {
        match greenlets[current].resume(()) {
            CoroutineResult::Yield(next) => {
                switches += 1;
                current = next;
            }
            CoroutineResult::Return(res) => {
                results[current] = Some(res);
                current = 1 - current;
            }
        }
    }
    PingPong {
        f1: results[G1].unwrap_or_default(),
        f2: results[G2].unwrap_or_default(),
        switches,
    }
}

/// What two tasks taking turns counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turns {
    /// Turns taken, both tasks together: two per round trip.
    pub turns: u64,
    /// `yield_now`s awaited: one per handoff, more if the runtime polled a task out of turn.
    pub yields: u64,
}

impl std::fmt::Display for Turns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} turns, {} yields", self.turns, self.yields)
    }
}

/// Two tasks on one tokio current-thread runtime take `round_trips` turns each: a task whose
/// turn it is not yields, so the other runs.
pub fn tokio_ping_pong(round_trips: u64) -> Turns {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds");
    let turn = Arc::new(AtomicU64::new(0));
    let yields = Arc::new(AtomicU64::new(0));
    let player = |me: u64| {
        let (turn, yields) = (turn.clone(), yields.clone());
        async move {
            for _ in 0..round_trips {
                while turn.load(Ordering::Relaxed) % 2 != me {
                    yields.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
                turn.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
    runtime.block_on(async {
        let players = [tokio::spawn(player(0)), tokio::spawn(player(1))];
        for task in players {
            task.await.expect("a player finishes");
        }
    });
    Turns {
        turns: turn.load(Ordering::Relaxed),
        yields: yields.load(Ordering::Relaxed),
    }
}

/// Two OS threads take `round_trips` turns each, waiting on one Condvar for their turn; the
/// turns taken, both threads together.
pub fn thread_ping_pong(round_trips: u64) -> u64 {
    let shared = Arc::new((Mutex::new(0u64), Condvar::new()));
    let players: Vec<_> = (0..2)
        .map(|me| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let (turn, changed) = &*shared;
                for _ in 0..round_trips {
                    let mut turn = turn.lock().expect("no player panics");
                    while *turn % 2 != me {
                        turn = changed.wait(turn).expect("no player panics");
                    }
                    *turn += 1;
                    changed.notify_one();
                }
            })
        })
        .collect();
    for player in players {
        player.join().expect("a player finishes");
    }
    *shared.0.lock().expect("no player panics")
}

/// The tutorial's `f1(); f2()`: `iterations` additions, then as many multiplications.
pub fn plain_loops(iterations: u64) -> (u64, u64) {
    let f1 = (0..iterations).fold(1u64, |res, i| res.wrapping_add(black_box(i)));
    let f2 = (0..iterations).fold(1u64, |res, i| res.wrapping_mul(black_box(i)));
    (f1, f2)
}

/// `time greenlet`: the switch-cost table.
pub fn timing() -> Timing {
    measure(ROUND_TRIPS, THREAD_ROUND_TRIPS)
}

/// The table with `round_trips` per in-process kind and `thread_round_trips` for OS threads.
pub fn measure(round_trips: u64, thread_round_trips: u64) -> Timing {
    let count = |kind: Handoff| {
        match kind {
            Handoff::OsThreads => thread_round_trips,
            _ => round_trips,
        }
        .max(1)
    };
    let mut fastest = [f64::INFINITY; Handoff::ALL.len()];
    let mut results = [const { String::new() }; Handoff::ALL.len()];
    for _ in 0..REPEATS {
        for (i, kind) in Handoff::ALL.into_iter().enumerate() {
            let started = Instant::now();
            results[i] = kind.run(count(kind));
            let each = started.elapsed().as_secs_f64() / count(kind) as f64;
            fastest[i] = fastest[i].min(each.max(f64::MIN_POSITIVE));
        }
    }
    let fastest_of =
        |kind: Handoff| fastest[Handoff::ALL.iter().position(|k| *k == kind).unwrap_or(0)];
    let native_ratio = fastest_of(Handoff::GreenletPingPong) / fastest_of(Handoff::PlainLoops);
    let rows = Handoff::ALL
        .into_iter()
        .zip(fastest.iter().zip(&results))
        .map(|(kind, (&seconds, result))| {
            let mut note = format!("{:.1} ns per {}; {result}", seconds * 1e9, kind.unit());
            if kind == Handoff::PlainLoops {
                note.push_str(&format!(
                    "; f1/f2 switching each iteration takes {native_ratio:.1}x as long \
                     (CPython: {CPYTHON_SWITCHING:.2} s / {CPYTHON_PLAIN:.2} s = {:.1}x, \
                     {:.0} ns vs {:.0} ns per iteration)",
                    CPYTHON_SWITCHING / CPYTHON_PLAIN,
                    CPYTHON_SWITCHING / CPYTHON_ITERATIONS * 1e9,
                    CPYTHON_PLAIN / CPYTHON_ITERATIONS * 1e9,
                ));
            }
            TimingRow {
                label: kind.label().to_owned(),
                seconds,
                note,
            }
        })
        .collect();
    Timing {
        title: "greenlet: the cost of one handoff, there and back".to_owned(),
        setup: format!(
            "{round_trips} round trips per kind ({thread_round_trips} for OS threads), best of \
             {REPEATS}; a round trip: a call and its return, a resume and its suspend, one \
             iteration of f1/f2 (two switches); f1/f2 vs f1(); f2(): {native_ratio:.1}x here, \
             {:.1}x in CPython",
            CPYTHON_SWITCHING / CPYTHON_PLAIN
        ),
        rows,
        ratios: Ratios::Groups(HANDOFF_GROUPS.to_vec()),
    }
}

/// The five handoffs are one round trip each, compared with a function call; the plain loops are
/// an iteration with no handoff at all, so they get no ratio (their note compares them with the
/// greenlet row, as the tutorial does).
pub const HANDOFF_GROUPS: [usize; 2] = [Handoff::ALL.len() - 1, 1];
