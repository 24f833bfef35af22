//! expect: fail no-lost-update crash
//! says: stopped by the memory limit (512 MiB)
//! Allocates without bound: stopped by the child's memory limit (512 MiB of address space; the
//! failed allocation is reported on the gate's channel before the process aborts) long before
//! it troubles the machine, and graded a failure of the property it was checking.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct HoardingCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for HoardingCounter<R> {
    fn new(start: usize) -> Self {
        HoardingCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1; 1 << 20]);
        }
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = HoardingCounter<R>;
