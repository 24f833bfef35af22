//! expect: fail reentrancy
//! "Reentrant means the owner is let in again": an owner and no count, so one release lets go.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

pub struct OwnerOnlyRLock<R: Runtime> {
    owner: Mutex<R, Option<R::ThreadId>>,
    released: Condvar<R>,
}

impl<R: Runtime> ReentrantLock<R> for OwnerOnlyRLock<R> {
    fn new() -> Self {
        OwnerOnlyRLock {
            owner: Mutex::named("owner", None),
            released: Condvar::named("released"),
        }
    }

    fn acquire(&self) {
        let me = R::current_id();
        let mut owner = self.owner.lock();
        while owner.is_some() && *owner != Some(me) {
            owner = self.released.wait(owner);
        }
        *owner = Some(me);
    }

    fn release(&self) -> Result<(), NotOwner> {
        let mut owner = self.owner.lock();
        if *owner != Some(R::current_id()) {
            return Err(NotOwner::unacquired());
        }
        *owner = None;
        self.released.notify_one();
        Ok(())
    }

    fn depth(&self) -> usize {
        usize::from(*self.owner.lock() == Some(R::current_id()))
    }
}

pub type Submission<R> = OwnerOnlyRLock<R>;
