//! expect: fail no-lost-update violation
//! says: thread limit: more than 64 threads
//! Spawns threads without end through the `Runtime` trait's own unrecorded `spawn_thread`, not
//! the facade's `thread::spawn` or `R::spawn`: every spawn path counts toward the gate's limit of
//! 64 threads in one execution, which stops the run before the model checker runs out of memory.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct RawMultiplyingCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

fn multiply<R: Runtime>() {
    loop {
        drop(R::spawn_thread("raw".to_owned(), multiply::<R>));
    }
}

impl<R: Runtime> Counter<R> for RawMultiplyingCounter<R> {
    fn new(start: usize) -> Self {
        RawMultiplyingCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        multiply::<R>();
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = RawMultiplyingCounter<R>;
