//! expect: rejected 23
//! says: names the gate's harness, not the submission
//! Locks only when its module is called `submission`, as in its own harness: graded with a class
//! (where its module has another name) it would lose updates, graded alone it would pass. The
//! screen refuses what names the harness.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::{Mutex, Shared};

pub struct Chameleon<R: Runtime> {
    lock: Mutex<R, ()>,
    n: Shared<R, usize>,
}

impl<R: Runtime> Counter<R> for Chameleon<R> {
    fn new(start: usize) -> Self {
        Chameleon { lock: Mutex::named("lock", ()), n: Shared::named("n", start) }
    }

    fn decrement(&self) {
        let _held = self.lock.lock();
        if module_path!().ends_with("::submission") {
            self.n.store(self.n.load() - 1);
        } else {
            drop(_held);
            self.n.store(self.n.load() - 1);
        }
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = Chameleon<R>;
