//! expect: fail no-lost-update step-limit
//! says: step limit
//! Waits for a flag that nothing ever clears, yielding as it spins: every thread keeps running
//! and none progresses (a livelock). Each spin is a facade operation, so the checker stops the
//! run at its step limit and shows the loop.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Shared;

pub struct BusyFlagCounter<R: Runtime> {
    n: Shared<R, usize>,
    busy: Shared<R, bool>,
}

impl<R: Runtime> Counter<R> for BusyFlagCounter<R> {
    fn new(start: usize) -> Self {
        BusyFlagCounter { n: Shared::named("n", start), busy: Shared::named("busy", true) }
    }

    fn decrement(&self) {
        while self.busy.load() {
            interleave::thread::yield_now::<R>();
        }
        let temp = self.n.load();
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = BusyFlagCounter<R>;
