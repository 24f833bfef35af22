//! expect: rejected 31
//! says: the attribute `#[no_mangle]`
//! Exports a symbol the linker would use in place of the C library's `exit` (`#[no_mangle]`):
//! a way to change how the grader's own process ends. Refused before compiling.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct LoudCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for LoudCounter<R> {
    fn new(start: usize) -> Self {
        LoudCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let temp = *self.n.lock();
        *self.n.lock() = temp - 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = LoudCounter<R>;

#[no_mangle]
pub fn exit(_code: i32) {}
