//! expect: rejected 10
//! An atomic from `core`, named in a group import and in full: an atomic the checker cannot
//! see. Refused before compiling, at its first use.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use std::marker::PhantomData;

pub struct CoreAtomicCounter<R: Runtime> {
    n: core::sync::atomic::AtomicUsize,
    runtime: PhantomData<R>,
}

impl<R: Runtime> Counter<R> for CoreAtomicCounter<R> {
    fn new(start: usize) -> Self {
        CoreAtomicCounter { n: core::sync::atomic::AtomicUsize::new(start), runtime: PhantomData }
    }

    fn decrement(&self) {
        self.n.fetch_sub(1, core::sync::atomic::Ordering::SeqCst);
    }

    fn value(&self) -> usize {
        self.n.load(core::sync::atomic::Ordering::SeqCst)
    }
}

pub type Submission<R> = CoreAtomicCounter<R>;
