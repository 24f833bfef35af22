//! expect: fail no-lost-update
//! A lock, but a new one in every call: each thread locks its own, so none waits for another.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::{Mutex, Shared};

pub struct FreshLockCounter<R: Runtime> {
    n: Shared<R, usize>,
}

impl<R: Runtime> Counter<R> for FreshLockCounter<R> {
    fn new(start: usize) -> Self {
        FreshLockCounter {
            n: Shared::named("n", start),
        }
    }

    fn decrement(&self) {
        let lock = Mutex::<R, ()>::named("lock", ());
        let _held = lock.lock();
        let temp = self.n.load();
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = FreshLockCounter<R>;
