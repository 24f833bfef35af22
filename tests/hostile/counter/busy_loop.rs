//! expect: timeout
//! says: one execution ran over 20 s without finishing
//! Loops forever without a facade operation: the checker's thread never gets a scheduling point
//! back, so nothing inside the run can stop it. The child's watchdog sees no execution finish
//! for 20 s and reports the property it was checking as a timeout (the wall-clock kill of the
//! child's process group stands behind it).

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct SpinningCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for SpinningCounter<R> {
    fn new(start: usize) -> Self {
        SpinningCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let mut spins: u64 = 0;
        while spins != 1 {
            spins = spins.wrapping_add(2);
        }
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = SpinningCounter<R>;
