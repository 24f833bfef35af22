//! expect: pass
//! Even seats take the left fork first, odd seats the right one: no ring of left hands can form.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use std::marker::PhantomData;

pub struct LeftAndRightHanded<R: Runtime> {
    runtime: PhantomData<R>,
}

impl<R: Runtime> TableManners<R> for LeftAndRightHanded<R> {
    fn new(_seats: usize) -> Self {
        LeftAndRightHanded {
            runtime: PhantomData,
        }
    }

    fn dine(&self, seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        let (first, second) = if seat.is_multiple_of(2) {
            (left, right)
        } else {
            (right, left)
        };
        let _first = first.lock();
        let _second = second.lock();
        eat();
    }
}

pub type Submission<R> = LeftAndRightHanded<R>;
