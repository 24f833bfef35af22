//! expect: rejected 14
//! A plain `Cell` declared `Sync` by `unsafe impl`: a data race the checker cannot see (every
//! read-modify-write would look atomic to it). Refused before compiling.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use std::cell::Cell;
use std::marker::PhantomData;

pub struct CellCounter<R: Runtime> {
    n: Cell<usize>,
    runtime: PhantomData<R>,
}
unsafe impl<R: Runtime> Sync for CellCounter<R> {}

impl<R: Runtime> Counter<R> for CellCounter<R> {
    fn new(start: usize) -> Self {
        CellCounter { n: Cell::new(start), runtime: PhantomData }
    }

    fn decrement(&self) {
        self.n.set(self.n.get() - 1);
    }

    fn value(&self) -> usize {
        self.n.get()
    }
}

pub type Submission<R> = CellCounter<R>;
