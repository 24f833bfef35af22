//! expect: fail no-deadlock
//! "The count is back at zero, that is enough": the last release leaves the old owner's id behind.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

struct State<R: Runtime> {
    owner: Option<R::ThreadId>,
    depth: usize,
}

pub struct StickyRLock<R: Runtime> {
    state: Mutex<R, State<R>>,
    released: Condvar<R>,
}

impl<R: Runtime> ReentrantLock<R> for StickyRLock<R> {
    fn new() -> Self {
        StickyRLock {
            state: Mutex::named(
                "state",
                State {
                    owner: None,
                    depth: 0,
                },
            ),
            released: Condvar::named("released"),
        }
    }

    fn acquire(&self) {
        let me = R::current_id();
        let mut state = self.state.lock();
        while state.owner.is_some() && state.owner != Some(me) {
            state = self.released.wait(state);
        }
        state.owner = Some(me);
        state.depth += 1;
    }

    fn release(&self) -> Result<(), NotOwner> {
        let mut state = self.state.lock();
        if state.depth == 0 || state.owner != Some(R::current_id()) {
            return Err(NotOwner::unacquired());
        }
        state.depth -= 1;
        if state.depth == 0 {
            self.released.notify_one();
        }
        Ok(())
    }

    fn depth(&self) -> usize {
        let state = self.state.lock();
        if state.owner == Some(R::current_id()) {
            state.depth
        } else {
            0
        }
    }
}

pub type Submission<R> = StickyRLock<R>;
