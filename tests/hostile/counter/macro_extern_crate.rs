//! expect: rejected 10
//! says: `extern` (crates, functions, blocks)
//! `extern crate std` made by a `macro_rules!`, under another name, then its atomics: a text
//! search for `std::sync` finds nothing. The screen walks the macro's body.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use std::marker::PhantomData;

macro_rules! bring { ($name:ident) => { extern crate std as $name; } }
bring!(hidden);

pub struct SneakyCounter<R: Runtime> {
    n: hidden::sync::atomic::AtomicUsize,
    runtime: PhantomData<R>,
}

impl<R: Runtime> Counter<R> for SneakyCounter<R> {
    fn new(start: usize) -> Self {
        SneakyCounter { n: hidden::sync::atomic::AtomicUsize::new(start), runtime: PhantomData }
    }

    fn decrement(&self) {
        self.n.fetch_sub(1, hidden::sync::atomic::Ordering::SeqCst);
    }

    fn value(&self) -> usize {
        self.n.load(hidden::sync::atomic::Ordering::SeqCst)
    }
}

pub type Submission<R> = SneakyCounter<R>;
