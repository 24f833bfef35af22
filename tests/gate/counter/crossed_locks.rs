//! expect: fail no-deadlock
//! Two locks, one for writers and one for readers, taken in opposite orders.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::{Mutex, Shared};

pub struct TwoLockCounter<R: Runtime> {
    n: Shared<R, usize>,
    write_lock: Mutex<R, ()>,
    read_lock: Mutex<R, ()>,
}

impl<R: Runtime> Counter<R> for TwoLockCounter<R> {
    fn new(start: usize) -> Self {
        TwoLockCounter {
            n: Shared::named("n", start),
            write_lock: Mutex::named("write_lock", ()),
            read_lock: Mutex::named("read_lock", ()),
        }
    }

    fn decrement(&self) {
        let _writing = self.write_lock.lock();
        let _reading = self.read_lock.lock();
        let temp = self.n.load();
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        let _reading = self.read_lock.lock();
        let _writing = self.write_lock.lock();
        self.n.load()
    }
}

pub type Submission<R> = TwoLockCounter<R>;
