//! expect: fail no-lost-update violation
//! says: thread limit: more than 64 threads
//! Spawns threads without end (the facade's, the only ones a submission has): the gate's limit
//! of 64 threads in one execution stops the run, with the loop in its timeline, before the
//! model checker runs out of memory.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct MultiplyingCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

fn multiply<R: Runtime>() {
    loop {
        drop(interleave::thread::spawn::<R, _, _>(multiply::<R>));
    }
}

impl<R: Runtime> Counter<R> for MultiplyingCounter<R> {
    fn new(start: usize) -> Self {
        MultiplyingCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        multiply::<R>();
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = MultiplyingCounter<R>;
