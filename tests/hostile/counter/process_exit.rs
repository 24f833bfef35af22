//! expect: rejected 20
//! Ends the process with status 0 in the middle of a run, hoping an exit code of 0 reads as a
//! pass. Refused before compiling (`std::process`); were it run, the supervisor would see a
//! child that exited before reporting, a failure.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Shared;

pub struct QuittingCounter<R: Runtime> {
    n: Shared<R, usize>,
}

impl<R: Runtime> Counter<R> for QuittingCounter<R> {
    fn new(start: usize) -> Self {
        QuittingCounter { n: Shared::named("n", start) }
    }

    fn decrement(&self) {
        std::process::exit(0);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = QuittingCounter<R>;
