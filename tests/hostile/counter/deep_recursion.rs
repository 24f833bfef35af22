//! expect: fail no-lost-update crash
//! says: SIGSEGV
//! Recurses without end: the stack overflows and the process dies of a signal, so the supervisor,
//! not the submission, reports it: a failure of the property it was checking.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct RecursiveCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

fn deeper(depth: u64, pad: [u64; 64]) -> u64 {
    deeper(depth + 1, pad) + pad[(depth % 64) as usize]
}

impl<R: Runtime> Counter<R> for RecursiveCounter<R> {
    fn new(start: usize) -> Self {
        RecursiveCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let depth = deeper(0, [1; 64]);
        *self.n.lock() -= depth as usize;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = RecursiveCounter<R>;
