//! std's `Barrier` over any [`Runtime`]: `n` threads wait until all `n` have arrived, then all
//! go on, one of them told it is the leader; the barrier is then ready for the next `n`, as
//! std's is. Built on the facade's own [`Mutex`] and [`Condvar`], both named after the barrier,
//! so arriving and waiting are steps of the checker, in timelines and deadlock reports under its
//! name, with a note of each arrival (`arrives at barrier (1 of 2)`).
//!
//! What differs from std: `new` is not `const`, and [`BarrierWaitResult`] is this module's own
//! (std's cannot be made outside std), with the same `is_leader`.

use super::built::note;
use super::{Condvar, Mutex};
use crate::runtime::Runtime;
use crate::trace;
use std::fmt::{self, Debug};

/// Who has arrived in the current generation.
struct Arrivals {
    /// Threads waiting in this generation.
    count: usize,
    /// Generations completed; a waiter leaves when it moves on.
    generation: usize,
}

/// Makes `n` threads meet: each `wait` blocks until `n` have called it, then all return.
pub struct Barrier<R: Runtime> {
    n: usize,
    arrivals: Mutex<R, Arrivals>,
    all_here: Condvar<R>,
}

impl<R: Runtime> Debug for Barrier<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "Barrier", self.arrivals.id)
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

/// What [`Barrier::wait`] tells a thread: whether it is the generation's leader.
#[derive(Debug)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// Whether this thread is the leader: exactly one per generation (the last to arrive).
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl<R: Runtime> Barrier<R> {
    /// A barrier for `n` threads, named `barrier`. As in std, `n` of 0 or 1 lets every `wait`
    /// through at once, each its own leader.
    pub fn new(n: usize) -> Self {
        Self::named("barrier", n)
    }

    /// A barrier for `n` threads, named `name` in timelines and deadlock reports.
    pub fn named(name: &str, n: usize) -> Self {
        Barrier {
            n,
            arrivals: Mutex::named(
                name,
                Arrivals {
                    count: 0,
                    generation: 0,
                },
            ),
            all_here: Condvar::named(name),
        }
    }

    /// Its name in this execution; empty when nothing records (a native timing run).
    pub fn name(&self) -> String {
        self.arrivals.name()
    }

    /// Blocks until `n` threads have called `wait` in this generation; the last to arrive is
    /// the leader and wakes the others, and the barrier starts the next generation.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let mut arrivals = self.arrivals.lock();
        arrivals.count += 1;
        let (count, n) = (arrivals.count, self.n.max(1));
        note::<R>(|| format!("arrives at {} ({count} of {n})", self.name()));
        if count < n {
            let generation = arrivals.generation;
            drop(
                self.all_here
                    .wait_while(arrivals, |a| a.generation == generation),
            );
            BarrierWaitResult { leader: false }
        } else {
            arrivals.count = 0;
            arrivals.generation = arrivals.generation.wrapping_add(1);
            if n > 1 {
                self.all_here.notify_all();
            }
            BarrierWaitResult { leader: true }
        }
    }
}
