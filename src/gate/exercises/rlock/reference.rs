//! The project's solution to `rlock`: who owns the lock and how deep, under one mutex, and a
//! condition variable that waiters wait on in a loop until the depth is back to zero.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};
use interleave::thread::current_name;

struct State<R: Runtime> {
    /// The owner, while `depth > 0`.
    owner: Option<R::ThreadId>,
    /// Its name, for the error others get.
    owner_name: Option<String>,
    depth: usize,
}

pub struct RLock<R: Runtime> {
    state: Mutex<R, State<R>>,
    free: Condvar<R>,
}

impl<R: Runtime> RLock<R> {
    fn owned_by_me(state: &State<R>) -> bool {
        state.depth > 0 && state.owner == Some(R::current_id())
    }
}

impl<R: Runtime> ReentrantLock<R> for RLock<R> {
    fn new() -> Self {
        RLock {
            state: Mutex::named(
                "rlock",
                State {
                    owner: None,
                    owner_name: None,
                    depth: 0,
                },
            ),
            free: Condvar::named("free"),
        }
    }

    fn acquire(&self) {
        let mut state = self.state.lock();
        if !Self::owned_by_me(&state) {
            // `while`, not `if`: a wake-up says "look again", not "it is yours".
            state = self.free.wait_while(state, |state| state.depth > 0);
            state.owner = Some(R::current_id());
            state.owner_name = current_name::<R>();
        }
        state.depth += 1;
    }

    fn release(&self) -> Result<(), NotOwner> {
        let mut state = self.state.lock();
        if !Self::owned_by_me(&state) {
            return Err(match &state.owner_name {
                Some(owner) if state.depth > 0 => NotOwner::held_by(owner),
                _ => NotOwner::unacquired(),
            });
        }
        state.depth -= 1;
        if state.depth == 0 {
            state.owner = None;
            state.owner_name = None;
            self.free.notify_one();
        }
        Ok(())
    }

    fn depth(&self) -> usize {
        let state = self.state.lock();
        if Self::owned_by_me(&state) {
            state.depth
        } else {
            0
        }
    }
}

pub type Submission<R> = RLock<R>;
