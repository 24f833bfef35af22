//! What the primitives built over the facade's [`Mutex`] and [`Condvar`] share (`RwLock`,
//! `Barrier`, `Once`, the channels): a step of their own in the timeline, and giving back what a
//! guard or a handle holds when it is dropped, which a thread unwinding from a panic does too.

use super::{Condvar, Mutex};
use crate::runtime::Runtime;
use crate::thread;

/// Puts `text` in the timeline as the calling thread's step (`read-locks table`), made only
/// while an execution is recorded. Not a scheduling point: the caller holds the object's mutex,
/// so the note sits between that mutex's acquire and release.
#[track_caller]
pub(super) fn note<R: Runtime>(text: impl FnOnce() -> String) {
    if crate::trace::recording() {
        thread::note::<R>(text());
    }
}

/// Runs `update` on the value under `mutex`, then wakes every waiter of `condvar` if it says so:
/// what a guard's or a handle's `drop` does. Through the facade, recorded; but a thread unwinding
/// from a panic takes no facade step (an exit point there would unwind again, which aborts):
/// natively it goes to the backend itself, unrecorded, so the others go on as they would after
/// std's unpoisoned guard; under the checkers it does nothing, because the panic ends the
/// execution, which the backend may be tearing down.
pub(super) fn release<R: Runtime, S: Send + 'static>(
    mutex: &Mutex<R, S>,
    condvar: &Condvar<R>,
    update: impl FnOnce(&mut S) -> bool,
) {
    if !std::thread::panicking() {
        let mut state = mutex.lock();
        if update(&mut state) {
            condvar.notify_all();
        }
    } else if !R::EXPLORES {
        let mut state = R::lock(&mutex.inner);
        if update(&mut state) {
            R::notify_all(&condvar.inner);
        }
    }
}
