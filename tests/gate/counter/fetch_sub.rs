//! expect: pass
//! One indivisible read-modify-write: nothing can come between the read and the write.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::AtomicUsize;

pub struct AtomicCounter<R: Runtime> {
    n: AtomicUsize<R>,
}

impl<R: Runtime> Counter<R> for AtomicCounter<R> {
    fn new(start: usize) -> Self {
        AtomicCounter {
            n: AtomicUsize::named("n", start),
        }
    }

    fn decrement(&self) {
        self.n.fetch_sub(1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = AtomicCounter<R>;
