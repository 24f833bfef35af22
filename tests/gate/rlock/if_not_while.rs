//! expect: fail spurious-wakeups
//! "A release notifies me, so once I wake up the lock is free": `if` around the wait, not `while`.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

struct State<R: Runtime> {
    owner: Option<R::ThreadId>,
    depth: usize,
}

pub struct IfRLock<R: Runtime> {
    state: Mutex<R, State<R>>,
    released: Condvar<R>,
}

impl<R: Runtime> ReentrantLock<R> for IfRLock<R> {
    fn new() -> Self {
        IfRLock {
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
        if state.depth > 0 && state.owner != Some(me) {
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
            state.owner = None;
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

pub type Submission<R> = IfRLock<R>;
