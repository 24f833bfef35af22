//! expect: rejected 13
//! says: constant evaluation is taking a long time
//! Spins at compile time, in a constant: the harness forbids the compiler's
//! `long_running_const_eval` lint to be allowed, so the build stops in seconds and the
//! refusal points at the loop.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

const SPIN: u64 = {
    let mut i: u64 = 0;
    while i < 1_000_000_000_000 {
        i += 1;
    }
    i
};

pub struct C<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for C<R> {
    fn new(start: usize) -> Self {
        C { n: Mutex::named("n", start + (SPIN as usize) * 0) }
    }
    fn decrement(&self) {
        *self.n.lock() -= 1;
    }
    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = C<R>;
