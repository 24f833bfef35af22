//! Exercise `counter`: the tutorial's 4.1 counter. Threads call `decrement` at once; when they
//! are done, no decrement may be lost. This is the tutorial's code, and it loses updates: make
//! it correct. Grade it with `interleave grade counter THIS_FILE`.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Shared;

pub struct TutorialCounter<R: Runtime> {
    n: Shared<R, usize>,
}

impl<R: Runtime> Counter<R> for TutorialCounter<R> {
    fn new(start: usize) -> Self {
        TutorialCounter {
            n: Shared::named("n", start),
        }
    }

    fn decrement(&self) {
        let temp = self.n.load();
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

/// The type the gate grades.
pub type Submission<R> = TutorialCounter<R>;
