//! expect: fail mutual-exclusion
//! My right fork is my neighbour's left one and they lock it, so each of us locks only our left.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use std::marker::PhantomData;

pub struct OwnForkOnly<R: Runtime> {
    runtime: PhantomData<R>,
}

impl<R: Runtime> TableManners<R> for OwnForkOnly<R> {
    fn new(_seats: usize) -> Self {
        OwnForkOnly {
            runtime: PhantomData,
        }
    }

    fn dine(&self, _seat: usize, left: &Fork<R>, _right: &Fork<R>, eat: impl FnOnce()) {
        // One lock per philosopher, one philosopher per lock: no ring of waits can form.
        let _mine = left.lock();
        eat();
    }
}

pub type Submission<R> = OwnForkOnly<R>;
