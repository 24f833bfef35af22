//! expect: fail no-lost-update
//! The read is locked; the write happens after the guard is gone.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::{Mutex, Shared};

pub struct ReadLockedCounter<R: Runtime> {
    n: Shared<R, usize>,
    lock: Mutex<R, ()>,
}

impl<R: Runtime> Counter<R> for ReadLockedCounter<R> {
    fn new(start: usize) -> Self {
        ReadLockedCounter {
            n: Shared::named("n", start),
            lock: Mutex::named("lock", ()),
        }
    }

    fn decrement(&self) {
        let temp = {
            let _held = self.lock.lock();
            self.n.load()
        };
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        let _held = self.lock.lock();
        self.n.load()
    }
}

pub type Submission<R> = ReadLockedCounter<R>;
