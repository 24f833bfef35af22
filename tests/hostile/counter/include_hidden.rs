//! expect: rejected 10
//! Reads the grader's own source at compile time (the hidden properties, the reference), and
//! the file system beyond it. Refused before compiling: `include_str!` reads files.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

/// What the checker does, to behave differently under it.
const PROPERTIES: &str = include_str!("../../../src/gate/exercises/counter/mod.rs");

pub struct PeekingCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for PeekingCounter<R> {
    fn new(start: usize) -> Self {
        PeekingCounter { n: Mutex::named("n", start + PROPERTIES.len() * 0) }
    }

    fn decrement(&self) {
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = PeekingCounter<R>;
