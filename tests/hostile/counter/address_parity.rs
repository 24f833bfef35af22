//! expect: rejected 23
//! says: `as_ptr` gives a memory address, another number in every run
//! Loses an update only when the allocator placed the counter at an address with a set bit 4:
//! the same file and seed graded twice could fail and then pass, as addresses move with the
//! environment and the allocator's state. The screen refuses every way to read an address.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;
use std::sync::Arc;

pub struct AddressCounter<R: Runtime> {
    n: Arc<Mutex<R, usize>>,
}

impl<R: Runtime> Counter<R> for AddressCounter<R> {
    fn new(start: usize) -> Self {
        AddressCounter { n: Arc::new(Mutex::named("n", start)) }
    }

    fn decrement(&self) {
        let value = *self.n.lock();
        if Arc::as_ptr(&self.n) as usize & 16 != 0 {
            *self.n.lock() = value - 1;
        } else {
            *self.n.lock() -= 1;
        }
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = AddressCounter<R>;
