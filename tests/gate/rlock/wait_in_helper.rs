//! expect: fail no-lost-wakeup
//! "Never sleep holding a lock": the state is checked, its guard dropped, and a helper waits.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

struct State<R: Runtime> {
    owner: Option<R::ThreadId>,
    depth: usize,
}

pub struct PoliteRLock<R: Runtime> {
    state: Mutex<R, State<R>>,
    released: Condvar<R>,
}

impl<R: Runtime> PoliteRLock<R> {
    /// Sleeps until the next release.
    fn wait_for_release(&self) {
        let state = self.state.lock();
        drop(self.released.wait(state));
    }
}

impl<R: Runtime> ReentrantLock<R> for PoliteRLock<R> {
    fn new() -> Self {
        PoliteRLock {
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
        loop {
            {
                let mut state = self.state.lock();
                if state.depth == 0 || state.owner == Some(me) {
                    state.owner = Some(me);
                    state.depth += 1;
                    return;
                }
            }
            self.wait_for_release();
        }
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

pub type Submission<R> = PoliteRLock<R>;
