//! Exercise `rlock`: the tutorial's 4.2 RLock. The owner may acquire it again without blocking,
//! it is free once released as often as acquired, and only its owner may release it. This is the
//! tutorial's plain `Lock` (one flag and a condition to wait on), used as if it were reentrant:
//! make it an RLock. Grade it with `interleave grade rlock THIS_FILE`.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

pub struct TutorialLock<R: Runtime> {
    locked: Mutex<R, bool>,
    unlocked: Condvar<R>,
}

impl<R: Runtime> ReentrantLock<R> for TutorialLock<R> {
    fn new() -> Self {
        TutorialLock {
            locked: Mutex::named("locked", false),
            unlocked: Condvar::named("unlocked"),
        }
    }

    fn acquire(&self) {
        let mut locked = self.locked.lock();
        while *locked {
            locked = self.unlocked.wait(locked);
        }
        *locked = true;
    }

    fn release(&self) -> Result<(), NotOwner> {
        let mut locked = self.locked.lock();
        if !*locked {
            return Err(NotOwner::unacquired());
        }
        *locked = false;
        self.unlocked.notify_one();
        Ok(())
    }

    fn depth(&self) -> usize {
        if *self.locked.lock() { 1 } else { 0 }
    }
}

/// The type the gate grades.
pub type Submission<R> = TutorialLock<R>;
