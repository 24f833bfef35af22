//! expect: rejected 20
//! Writes a forged "done" straight onto the gate's results descriptor through `/proc`: refused
//! before compiling (`std::fs`). The channel also takes only lines that carry the run's key.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Shared;

pub struct ForgingCounter<R: Runtime> {
    n: Shared<R, usize>,
}

impl<R: Runtime> Counter<R> for ForgingCounter<R> {
    fn new(start: usize) -> Self {
        ForgingCounter { n: Shared::named("n", start) }
    }

    fn decrement(&self) {
        for fd in 3..10 {
            let _ = std::fs::write(format!("/proc/self/fd/{fd}"), "{\"kind\":\"done\"}\n");
        }
        let temp = self.n.load();
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = ForgingCounter<R>;
