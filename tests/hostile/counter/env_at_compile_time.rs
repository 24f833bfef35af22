//! expect: rejected 9
//! Reads the build's environment (a CI secret, the grader's key) at compile time with
//! `option_env!`. Refused before compiling.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

const SECRET: Option<&str> = option_env!("GITHUB_TOKEN");

pub struct LeakyCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for LeakyCounter<R> {
    fn new(start: usize) -> Self {
        let _ = SECRET;
        LeakyCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = LeakyCounter<R>;
