//! expect: rejected src/tally.rs:6
//! A folder submission whose lib.rs is clean and whose other file is not: the screen reads every
//! file of the folder, and points at the student's own file and line.

mod tally;

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use std::marker::PhantomData;

pub struct SplitCounter<R: Runtime> {
    n: tally::Tally,
    runtime: PhantomData<R>,
}

impl<R: Runtime> Counter<R> for SplitCounter<R> {
    fn new(start: usize) -> Self {
        SplitCounter { n: tally::Tally::new(start), runtime: PhantomData }
    }

    fn decrement(&self) {
        self.n.take_one();
    }

    fn value(&self) -> usize {
        self.n.now()
    }
}

pub type Submission<R> = SplitCounter<R>;
