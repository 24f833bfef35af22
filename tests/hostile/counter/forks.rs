//! expect: rejected 20
//! Starts processes of its own (a fork bomb, or a shell): refused before compiling
//! (`std::process`); the child's process limit and the kill of its whole process group stand
//! behind that.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

pub struct ForkingCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for ForkingCounter<R> {
    fn new(start: usize) -> Self {
        ForkingCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        let _ = ::std::process::Command::new("/bin/sh").arg("-c").arg(":(){ :|:& };:").spawn();
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = ForkingCounter<R>;
