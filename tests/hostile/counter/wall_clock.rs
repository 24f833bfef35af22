//! expect: rejected 16
//! says: reads a clock, so a grade could depend on when it runs
//! Loses an update only in odd seconds of the wall clock: graded twice, a second apart, the same
//! file and seed would fail and then pass. The screen refuses the clock, at its first use.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct ClockCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> ClockCounter<R> {
    fn odd_second() -> bool {
        let now = std::time::UNIX_EPOCH.elapsed().map(|d| d.as_secs()).unwrap_or(0);
        let _ = std::time::SystemTime::now();
        now % 2 == 1
    }
}

impl<R: Runtime> Counter<R> for ClockCounter<R> {
    fn new(start: usize) -> Self {
        ClockCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let value = *self.n.lock();
        if Self::odd_second() {
            *self.n.lock() = value - 1;
        } else {
            *self.n.lock() -= 1;
        }
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = ClockCounter<R>;
