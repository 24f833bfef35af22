//! expect: fail no-lost-update crash
//! says: SIGABRT
//! Panics, then panics again in a destructor while unwinding: Rust aborts the whole process, so
//! the checker cannot report anything itself. The supervisor sees the child killed by a signal
//! before it reported, and fails the property it was checking.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

struct Grenade;

impl Drop for Grenade {
    fn drop(&mut self) {
        panic!("a second panic, during unwinding");
    }
}

pub struct AbortingCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for AbortingCounter<R> {
    fn new(start: usize) -> Self {
        AbortingCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let _pin = Grenade;
        *self.n.lock() -= 1;
        panic!("the first panic");
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = AbortingCounter<R>;
