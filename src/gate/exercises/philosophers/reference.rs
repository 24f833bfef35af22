//! The project's solution to `philosophers`: every philosopher takes the lower-numbered of
//! their two forks first. A deadlock needs a ring of philosophers, each holding one fork and
//! waiting for the next; going round the ring, someone would have to hold a higher-numbered
//! fork while waiting for a lower one, and nobody ever does.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use std::marker::PhantomData;

pub struct LowerFirst<R: Runtime> {
    runtime: PhantomData<R>,
}

impl<R: Runtime> TableManners<R> for LowerFirst<R> {
    fn new(_seats: usize) -> Self {
        LowerFirst {
            runtime: PhantomData,
        }
    }

    fn dine(&self, _seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        let (first, second) = if left.number() < right.number() {
            (left, right)
        } else {
            (right, left)
        };
        let _first = first.lock();
        let _second = second.lock();
        eat();
    }
}

pub type Submission<R> = LowerFirst<R>;
