//! The project's solution to `rlock`: who owns the lock and how many times over, under one
//! mutex, and a condition variable that others wait on, in a loop, until the count is back to
//! zero.
//!
//! It is also the lesson `rlock`'s correct lock (`rlock/correct`), and the RLock of the lessons
//! `double-acquire` and `noodle-fork`: `models/09_rlock.rs` compiles this very file. So it is
//! one implementation, graded here as a student's file and run there; the lesson's broken locks
//! are its own.

use interleave::gate::exercises::rlock::{NotOwner, ReentrantLock};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, LockEvents, Mutex};
use interleave::thread::current_name;

/// Who owns the lock and how many times over.
struct Ownership<R: Runtime> {
    /// The owner, while `count > 0`.
    owner: Option<R::ThreadId>,
    /// Its name, for the error others get.
    owner_name: Option<String>,
    count: usize,
}

/// A reentrant lock: `acquire` and `release` in pairs, nested as deep as the owner likes.
pub struct RLock<R: Runtime> {
    state: Mutex<R, Ownership<R>>,
    freed: Condvar<R>,
    /// Its acquires and releases, in timelines and deadlock reports as a facade `Mutex`'s are.
    events: LockEvents,
}

impl<R: Runtime> RLock<R> {
    /// A free lock, named `name` in timelines (its parts are `{name}.state`, `{name}.freed`).
    pub fn named(name: &str) -> Self {
        let state = Ownership {
            owner: None,
            owner_name: None,
            count: 0,
        };
        RLock {
            state: Mutex::named(&format!("{name}.state"), state),
            freed: Condvar::named(&format!("{name}.freed")),
            events: LockEvents::named(name),
        }
    }

    /// Another thread than `me` owns the lock.
    fn busy(state: &Ownership<R>, me: R::ThreadId) -> bool {
        state.count > 0 && state.owner != Some(me)
    }

    /// `me` holds the lock once more.
    fn take(&self, state: &mut Ownership<R>, me: R::ThreadId) {
        self.events.acquired::<R>();
        state.owner = Some(me);
        state.owner_name = current_name::<R>();
        state.count += 1;
    }

    /// Blocks while another thread owns the lock; then the calling thread owns it once more.
    /// The owner never blocks here.
    pub fn acquire(&self) {
        let me = R::current_id();
        let state = self.state.lock();
        // `while`, not `if`: a wake-up says "look again", not "it is yours".
        let mut state = self.freed.wait_while(state, |state| Self::busy(state, me));
        self.take(&mut state, me);
    }

    /// `false` at once when another thread owns the lock; otherwise an `acquire`.
    pub fn try_acquire(&self) -> bool {
        let me = R::current_id();
        let mut state = self.state.lock();
        if Self::busy(&state, me) {
            return false;
        }
        self.take(&mut state, me);
        true
    }

    /// Undoes one `acquire` of the calling thread; the last one lets a waiting thread in. Any
    /// other thread gets `Err(NotOwner)`, and nothing changes.
    pub fn release(&self) -> Result<(), NotOwner> {
        let mut state = self.state.lock();
        if state.count == 0 || state.owner != Some(R::current_id()) {
            return Err(match &state.owner_name {
                Some(owner) if state.count > 0 => NotOwner::held_by(owner),
                _ => NotOwner::unacquired(),
            });
        }
        self.events.released::<R>();
        state.count -= 1;
        if state.count == 0 {
            state.owner = None;
            state.owner_name = None;
            self.freed.notify_one();
        }
        Ok(())
    }

    /// How many times the calling thread holds the lock: 0 unless it owns it.
    pub fn depth(&self) -> usize {
        let state = self.state.lock();
        if state.count > 0 && state.owner == Some(R::current_id()) {
            state.count
        } else {
            0
        }
    }

    /// Whether the calling thread owns the lock.
    pub fn is_owned(&self) -> bool {
        self.depth() > 0
    }
}

/// The lock as the exercise asks for it.
impl<R: Runtime> ReentrantLock<R> for RLock<R> {
    fn new() -> Self {
        RLock::named("rlock")
    }

    fn acquire(&self) {
        RLock::acquire(self)
    }

    fn release(&self) -> Result<(), NotOwner> {
        RLock::release(self)
    }

    fn depth(&self) -> usize {
        RLock::depth(self)
    }
}

pub type Submission<R> = RLock<R>;
