//! expect: rejected 7
//! The facade's own types, but on the native runtime whatever backend grades it: real threads
//! and locks the checker does not control. Refused before compiling (only
//! `interleave::runtime::Runtime` is a submission's).

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::{Native, Runtime};
use interleave::sync::Mutex;
use std::marker::PhantomData;

pub struct NativeCounter<R: Runtime> {
    n: Mutex<Native, usize>,
    runtime: PhantomData<R>,
}

impl<R: Runtime> Counter<R> for NativeCounter<R> {
    fn new(start: usize) -> Self {
        NativeCounter { n: Mutex::named("n", start), runtime: PhantomData }
    }

    fn decrement(&self) {
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = NativeCounter<R>;
