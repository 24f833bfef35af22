//! The project's solution to `counter`: the read and the write under one lock.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct LockedCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for LockedCounter<R> {
    fn new(start: usize) -> Self {
        LockedCounter {
            n: Mutex::named("n", start),
        }
    }

    fn decrement(&self) {
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = LockedCounter<R>;
