//! expect: fail no-lost-update violation
//! says: bytes cut
//! Panics with a 42 MB message: the result the child sends is cut to a few KiB (its head and its
//! end), so the gate reads it and grades a failure, never an unreadable result or the grader's error.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct Loud<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for Loud<R> {
    fn new(start: usize) -> Self {
        Loud { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let words = "a lost update ".repeat(3_000_000);
        panic!("{words}");
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = Loud<R>;
