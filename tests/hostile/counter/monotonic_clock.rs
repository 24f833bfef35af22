//! expect: rejected 22
//! says: `Instant` reads a clock, so a grade could depend on when it runs
//! Loses an update only when the machine is slow: the decrement that took longer than a few
//! microseconds writes back a stale value. Graded on a loaded and an idle machine, the same file
//! and seed would fail and then pass. The screen refuses `Instant`, at its first use.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;
use std::time::Duration;

pub struct StopwatchCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for StopwatchCounter<R> {
    fn new(start: usize) -> Self {
        StopwatchCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let started = std::time::Instant::now();
        let value = *self.n.lock();
        if started.elapsed() > Duration::from_micros(5) {
            *self.n.lock() = value - 1;
        } else {
            *self.n.lock() -= 1;
        }
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = StopwatchCounter<R>;
