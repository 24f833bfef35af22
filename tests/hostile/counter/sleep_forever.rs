//! expect: fail no-lost-update step-limit
//! Sleeps forever, a second at a time, instead of waiting on anything: under the checker a sleep
//! is a switch to other threads, so the run goes on without end until the step limit stops it.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;
use std::time::Duration;

pub struct SleepyCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for SleepyCounter<R> {
    fn new(start: usize) -> Self {
        SleepyCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        loop {
            interleave::thread::sleep::<R>(Duration::from_secs(1));
        }
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = SleepyCounter<R>;
