//! expect: rejected 8
//! says: `std::sync::Mutex` goes around the facade
//! A correct counter behind `std::sync::Mutex`: the checker cannot switch threads inside a lock
//! it does not see, so a race hidden this way would never be found. Refused before compiling.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use std::sync::Mutex;
use std::marker::PhantomData;

pub struct StdCounter<R: Runtime> {
    n: Mutex<usize>,
    runtime: PhantomData<R>,
}

impl<R: Runtime> Counter<R> for StdCounter<R> {
    fn new(start: usize) -> Self {
        StdCounter { n: Mutex::new(start), runtime: PhantomData }
    }

    fn decrement(&self) {
        *self.n.lock().unwrap() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock().unwrap()
    }
}

pub type Submission<R> = StdCounter<R>;
