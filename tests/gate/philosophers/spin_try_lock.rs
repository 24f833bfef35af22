//! expect: fail everyone-eats
//! Take the left fork; if the right one is taken, put the left one down and try again at once.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use std::marker::PhantomData;

pub struct TryAgain<R: Runtime> {
    runtime: PhantomData<R>,
}

impl<R: Runtime> TableManners<R> for TryAgain<R> {
    fn new(_seats: usize) -> Self {
        TryAgain {
            runtime: PhantomData,
        }
    }

    fn dine(&self, _seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        loop {
            let _left = left.lock();
            if let Some(_right) = right.try_lock() {
                eat();
                return;
            }
            // `_left` goes back on the table here, and we reach for it again straight away.
        }
    }
}

pub type Submission<R> = TryAgain<R>;
