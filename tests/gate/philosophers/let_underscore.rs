//! expect: fail mutual-exclusion
//! `fork.acquire()` in Python is `let _ = fork.lock();` in Rust: but `_` drops the guard at once.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use std::marker::PhantomData;

pub struct PickUpBoth<R: Runtime> {
    runtime: PhantomData<R>,
}

impl<R: Runtime> TableManners<R> for PickUpBoth<R> {
    fn new(_seats: usize) -> Self {
        PickUpBoth {
            runtime: PhantomData,
        }
    }

    fn dine(&self, _seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        let (first, second) = if left.number() < right.number() {
            (left, right)
        } else {
            (right, left)
        };
        let _ = first.lock();
        let _ = second.lock();
        eat();
    }
}

pub type Submission<R> = PickUpBoth<R>;
