//! expect: rejected 8
//! says: unresolved import `parking_lot`
//! `parking_lot`'s mutex: a crate the harness does not have (a submission's own Cargo.toml is
//! never used), so it does not compile; the refusal points at the import.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use parking_lot::Mutex;
use std::marker::PhantomData;

pub struct ParkingLotCounter<R: Runtime> {
    n: Mutex<usize>,
    runtime: PhantomData<R>,
}

impl<R: Runtime> Counter<R> for ParkingLotCounter<R> {
    fn new(start: usize) -> Self {
        ParkingLotCounter { n: Mutex::new(start), runtime: PhantomData }
    }

    fn decrement(&self) {
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = ParkingLotCounter<R>;
