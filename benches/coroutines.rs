//! Switch cost (models/14_greenlet/timing.rs, `time greenlet`): one handoff there and back by a
//! function call, a corosensei coroutine, the tutorial's greenlet `f1`/`f2` through a hub, two
//! tokio tasks and two OS threads, and the tutorial's `f1(); f2()` with no switch, per
//! iteration. Each benchmark runs a batch of round trips of the lesson's own functions; criterion
//! reports the time per round trip (its throughput is one element per round trip). The closing
//! note prints each mean in ns and as a ratio to the function call.
//!
//! `cargo bench --features bench --bench coroutines` (about 30 s: short warm-up and measurement
//! on purpose).

// A bench binary has no outside: its `pub` helpers are for its own modules, not an API.
#![allow(unreachable_pub, missing_docs)]

#[cfg(not(loom))]
mod common;

#[cfg(not(loom))]
mod switch_cost {
    use super::common;
    use criterion::{BenchmarkId, Criterion, Throughput};
    use interleave::models::greenlet::timing::Handoff;

    const GROUP: &str = "switch cost";
    /// Round trips per iteration: enough to hide a coroutine's stack, a runtime's or a thread's
    /// start-up in the in-process kinds.
    const BATCH: u64 = 100_000;
    /// OS threads hand off in microseconds: a smaller batch keeps a sample short.
    const THREAD_BATCH: u64 = 1_000;

    fn batch(kind: Handoff) -> u64 {
        if kind == Handoff::OsThreads {
            THREAD_BATCH
        } else {
            BATCH
        }
    }

    pub fn benches(c: &mut Criterion) {
        let mut group = c.benchmark_group(GROUP);
        for kind in Handoff::ALL {
            let round_trips = batch(kind);
            group.throughput(Throughput::Elements(round_trips));
            group.bench_with_input(
                BenchmarkId::new(kind.bench_name(), round_trips),
                &round_trips,
                |b, &round_trips| b.iter(|| kind.run(round_trips)),
            );
        }
        group.finish();
    }

    pub fn closing_note() {
        println!(
            "\nclosing note: mean time per round trip (there and back), and ratio to a function call"
        );
        let per_round_trip = |kind: Handoff| {
            common::mean_ns(&format!("{GROUP}/{}/{}", kind.bench_name(), batch(kind)))
                .map(|ns| ns / batch(kind) as f64)
        };
        let Some(call) = per_round_trip(Handoff::FunctionCall) else {
            println!(
                "  no estimates found under {}",
                common::output_directory().display()
            );
            return;
        };
        for kind in Handoff::ALL {
            if let Some(ns) = per_round_trip(kind) {
                println!(
                    "  {:<52} {:>10.1} ns  {:>8.1}x",
                    kind.label(),
                    ns,
                    ns / call
                );
            }
        }
    }
}

#[cfg(not(loom))]
fn main() {
    common::main(switch_cost::benches, switch_cost::closing_note);
}

#[cfg(loom)]
fn main() {}
