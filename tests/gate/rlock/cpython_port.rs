//! expect: pass
//! CPython's own `threading._RLock`: a plain lock underneath, owner and count written only by the owner.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex, Shared};

/// The tutorial's non-reentrant `Lock`.
struct Block<R: Runtime> {
    locked: Mutex<R, bool>,
    unlocked: Condvar<R>,
}

impl<R: Runtime> Block<R> {
    fn acquire(&self) {
        let mut locked = self.locked.lock();
        while *locked {
            locked = self.unlocked.wait(locked);
        }
        *locked = true;
    }

    fn release(&self) {
        *self.locked.lock() = false;
        self.unlocked.notify_one();
    }
}

pub struct PyRLock<R: Runtime> {
    block: Block<R>,
    owner: Shared<R, Option<R::ThreadId>>,
    count: Shared<R, usize>,
}

impl<R: Runtime> ReentrantLock<R> for PyRLock<R> {
    fn new() -> Self {
        PyRLock {
            block: Block {
                locked: Mutex::named("_block", false),
                unlocked: Condvar::named("_block.unlocked"),
            },
            owner: Shared::named("_owner", None),
            count: Shared::named("_count", 0),
        }
    }

    fn acquire(&self) {
        let me = R::current_id();
        if self.owner.load() == Some(me) {
            self.count.store(self.count.load() + 1);
            return;
        }
        self.block.acquire();
        self.owner.store(Some(me));
        self.count.store(1);
    }

    fn release(&self) -> Result<(), NotOwner> {
        if self.owner.load() != Some(R::current_id()) {
            return Err(NotOwner::unacquired());
        }
        let count = self.count.load() - 1;
        self.count.store(count);
        if count == 0 {
            self.owner.store(None);
            self.block.release();
        }
        Ok(())
    }

    fn depth(&self) -> usize {
        if self.owner.load() == Some(R::current_id()) {
            self.count.load()
        } else {
            0
        }
    }
}

pub type Submission<R> = PyRLock<R>;
