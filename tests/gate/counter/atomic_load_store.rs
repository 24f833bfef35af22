//! expect: fail no-lost-update
//! "An atomic is thread-safe", so load and store on one must be too.

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
        let now = self.n.load();
        self.n.store(now - 1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = AtomicCounter<R>;
