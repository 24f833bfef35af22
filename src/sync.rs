//! The sync facade: std's names (`Mutex`, `Condvar`, `AtomicUsize`) over any [`Runtime`], each
//! operation recorded for timelines and deadlock reports, plus [`Shared`], the racy variable.
//! Every operation is also an exit point ([`crate::exit_hook`]): a thread that something outside
//! stops (a daemon, once its program has exited) goes no further. std's atomics, with their
//! orderings, are in [`atomic`].

pub mod atomic;
mod barrier;
mod built;
pub mod mpsc;
mod once;
mod rwlock;

pub use barrier::{Barrier, BarrierWaitResult};
pub use once::{Once, OnceLock};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// std's own `Arc`, here so that std code's `use std::sync::{Arc, Mutex}` ports as
/// `use interleave::sync::{Arc, Mutex}`: the checkers need no `Arc` of their own (loom's would
/// also report a leaked one; this one does not).
pub use std::sync::Arc;

use crate::exit_hook::{count_held, exit_point, exit_point_releasing, wake_at_exit};
use crate::runtime::Runtime;
use crate::thread::current_tid;
use crate::trace::{self, Action, ObjId, Waiting};
use std::fmt::{self, Debug};
use std::ops::{Deref, DerefMut};
use std::time::Duration;

/// A non-poisoning mutual-exclusion lock with a name that reports use.
pub struct Mutex<R: Runtime, T: Send> {
    /// Shared so that a program's exit can take it to wake a daemon waiting on a condvar.
    inner: Arc<R::Mutex<T>>,
    id: ObjId,
}

impl<R: Runtime, T: Send> Debug for Mutex<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "Mutex", self.id).finish_non_exhaustive()
    }
}

/// A held [`Mutex`]: derefs to the value; dropping it releases the lock (and records that).
pub struct MutexGuard<'a, R: Runtime, T: Send + 'static> {
    inner: Option<R::Guard<'a, T>>,
    mutex: &'a Mutex<R, T>,
}

/// The value, as std's guard shows it (read through the guard already held: no step).
impl<R: Runtime, T: Send + Debug + 'static> Debug for MutexGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Debug::fmt(&**self, f)
    }
}

impl<R: Runtime, T: Send + 'static> Mutex<R, T> {
    /// A mutex named `lock`, holding `value`.
    pub fn new(value: T) -> Self {
        Self::named("lock", value)
    }

    /// A mutex holding `value`, named `name` in timelines and deadlock reports.
    pub fn named(name: &str, value: T) -> Self {
        Mutex {
            inner: Arc::new(R::new_mutex(value)),
            id: trace::register(name.to_owned()),
        }
    }

    /// Its name in this execution; empty when nothing records (a native timing run).
    pub fn name(&self) -> String {
        trace::object_name(self.id)
    }

    /// Blocks until the lock is free; locking it again in the same thread deadlocks.
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, R, T> {
        exit_point::<R>();
        let me = current_tid::<R>();
        if let Some(me) = me {
            trace::begin_wait(me, Waiting::Lock(self.id));
        }
        let inner = R::lock(&self.inner);
        if let Some(me) = me {
            trace::acquired(me, self.id);
        }
        count_held::<R>(true);
        exit_point_releasing::<R, _>(MutexGuard {
            inner: Some(inner),
            mutex: self,
        })
    }

    /// `None` when another holder has it (or this thread does).
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, R, T>> {
        exit_point::<R>();
        let inner = R::try_lock(&self.inner);
        trace::try_lock_called(self.id);
        if let Some(me) = current_tid::<R>() {
            match inner {
                Some(_) => trace::acquired(me, self.id),
                None => trace::record(me, Action::TryLockFailed { lock: self.id }),
            }
        }
        inner.map(|inner| {
            count_held::<R>(true);
            MutexGuard {
                inner: Some(inner),
                mutex: self,
            }
        })
    }
}

impl<'a, R: Runtime, T: Send + 'static> Deref for MutexGuard<'a, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard is held")
    }
}

impl<'a, R: Runtime, T: Send + 'static> DerefMut for MutexGuard<'a, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("guard is held")
    }
}

impl<'a, R: Runtime, T: Send + 'static> Drop for MutexGuard<'a, R, T> {
    fn drop(&mut self) {
        // Released first, then recorded: the backend may switch before its release takes effect.
        self.inner.take();
        if let Some(me) = current_tid::<R>() {
            trace::released(me, self.mutex.id);
        }
        // A checker's failure unwinds with the backend in no state to be asked anything; a
        // thread the exit stops has already released every guard (see `program::exit_point`).
        if !std::thread::panicking() {
            count_held::<R>(false);
        }
    }
}

/// A condition variable; `wait` releases the guard's lock while it waits.
pub struct Condvar<R: Runtime> {
    inner: Arc<R::Condvar>,
    id: ObjId,
}

impl<R: Runtime> Debug for Condvar<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "Condvar", self.id).finish_non_exhaustive()
    }
}

impl<R: Runtime> Condvar<R> {
    /// A condvar named `condvar`.
    pub fn new() -> Self {
        Self::named("condvar")
    }

    /// A condvar named `name` in timelines and deadlock reports.
    pub fn named(name: &str) -> Self {
        Condvar {
            inner: Arc::new(R::new_condvar()),
            id: trace::register(name.to_owned()),
        }
    }

    /// Releases `guard`'s lock, waits for a notify (or a spurious wake-up: shuttle injects
    /// them), and returns holding the lock again. Check the condition again after it.
    #[track_caller]
    pub fn wait<'a, T: Send + 'static>(&self, guard: MutexGuard<'a, R, T>) -> MutexGuard<'a, R, T> {
        self.wait_inner(guard, None).0
    }

    /// Waits until `condition` is false, re-checking after every wake-up.
    #[track_caller]
    pub fn wait_while<'a, T: Send + 'static>(
        &self,
        mut guard: MutexGuard<'a, R, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, R, T> {
        while condition(&mut guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Returns the guard and whether the wait timed out: `false` when a notify ended it (or it
    /// woke spuriously), so the caller must still look at its condition. See
    /// [`crate::runtime`] for what each backend does with time:
    /// - natively the OS's timer runs;
    /// - under shuttle either ending may come, both explored: the waiter registers like any
    ///   other and, instead of blocking, polls each time the scheduler runs it; it returns when a
    ///   notify reached it, or when its timer fires (a choice of shuttle's random source at each
    ///   poll, which a replay token repeats). The timer can fire before any notify, between two,
    ///   or once every other thread is blocked: a timed waiter is never in a deadlock, because
    ///   while nothing else can run, it runs until its timer fires, as a real one would. (A
    ///   coin flipped once, before waiting, between a wait that only times out and a plain
    ///   blocking wait would not do: when the blocking branch is taken and no notify comes, the
    ///   execution ends as a deadlock that a real timer would have ended.)
    /// - under loom it never times out (loom 0.7 has no clock): a notify ends it, or nothing
    ///   does, and a thread stuck there is recorded as waiting with a timeout.
    #[track_caller]
    pub fn wait_timeout<'a, T: Send + 'static>(
        &self,
        guard: MutexGuard<'a, R, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, R, T>, bool) {
        self.wait_inner(guard, Some(timeout))
    }

    /// Waits until `condition` is false or `timeout` has passed; returns the guard and whether
    /// it timed out with the condition still true (std's `WaitTimeoutResult::timed_out`). The
    /// time is measured natively; under the checkers, which have no clock, each wait is a timed
    /// wait whose timer may fire (shuttle) or never fires (loom), as [`Condvar::wait_timeout`].
    #[track_caller]
    pub fn wait_timeout_while<'a, T: Send + 'static>(
        &self,
        mut guard: MutexGuard<'a, R, T>,
        timeout: Duration,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> (MutexGuard<'a, R, T>, bool) {
        let deadline = R::HAS_CLOCK.then(|| std::time::Instant::now() + timeout);
        while condition(&mut guard) {
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(std::time::Instant::now()),
                None => timeout,
            };
            let (woken, timed_out) = self.wait_timeout(guard, left);
            guard = woken;
            if timed_out {
                let still = condition(&mut guard);
                return (guard, still);
            }
        }
        (guard, false)
    }

    #[track_caller]
    fn wait_inner<'a, T: Send + 'static>(
        &self,
        mut guard: MutexGuard<'a, R, T>,
        timeout: Option<Duration>,
    ) -> (MutexGuard<'a, R, T>, bool) {
        guard = exit_point_releasing::<R, _>(guard);
        let (mutex, condvar) = (guard.mutex.inner.clone(), self.inner.clone());
        let exit_waker = wake_at_exit::<R>(|| {
            Box::new(move || {
                let _held = R::lock(&mutex);
                R::notify_all(&condvar);
            })
        });
        guard = exit_point_releasing::<R, _>(guard);
        let me = current_tid::<R>();
        let (lock, condvar, at) = (guard.mutex.id, self.id, trace::here());
        // Recorded where the thread becomes a waiter, not before the backend's switch point.
        let mut waiting = || {
            if let Some(me) = me {
                trace::released_silently(lock);
                trace::record_at(me, Action::Wait { condvar, lock }, at);
                let timed = timeout.is_some();
                trace::begin_wait(
                    me,
                    Waiting::Condvar {
                        condvar,
                        lock,
                        timed,
                    },
                );
            }
        };
        let inner = guard.inner.take().expect("guard is held");
        // Asked before waiting, so that a schedule replays the same choice.
        let spurious = timeout.is_none() && R::spurious_wakeup();
        let (inner, timed_out) = if spurious {
            // POSIX and Rust let a wait end with no notify: the caller must look again.
            drop(inner);
            waiting();
            R::yield_now();
            (R::lock(&guard.mutex.inner), false)
        } else {
            R::wait_noting(&self.inner, inner, timeout, &mut waiting)
        };
        guard.inner = Some(inner);
        drop(exit_waker);
        if let Some(me) = me {
            let woken = if spurious {
                Action::WokenSpuriously { condvar }
            } else {
                Action::Woken { condvar, timed_out }
            };
            trace::record(me, woken);
            trace::acquired_silently(me, lock);
        }
        (exit_point_releasing::<R, _>(guard), timed_out)
    }

    /// Wakes one waiter, if any waits. Recorded once it has taken effect: the backend may
    /// switch before that.
    #[track_caller]
    pub fn notify_one(&self) {
        exit_point::<R>();
        R::notify_one(&self.inner);
        if let Some(me) = current_tid::<R>() {
            trace::record(
                me,
                Action::Notify {
                    condvar: self.id,
                    all: false,
                },
            );
        }
    }

    /// Wakes every waiter; recorded once it has taken effect.
    #[track_caller]
    pub fn notify_all(&self) {
        exit_point::<R>();
        R::notify_all(&self.inner);
        if let Some(me) = current_tid::<R>() {
            trace::record(
                me,
                Action::Notify {
                    condvar: self.id,
                    all: true,
                },
            );
        }
    }
}

impl<R: Runtime, T: Send + Default + 'static> Default for Mutex<R, T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<R: Runtime> Default for Condvar<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// A sequentially consistent atomic counter; each operation is one indivisible step.
///
/// Sequentially consistent on every backend, as Python's memory is: all its operations (and
/// every [`Shared`]'s) fall in one order every thread agrees on, so a store-buffering test never
/// ends with both threads reading 0. std's and shuttle's `SeqCst` give that; loom's `SeqCst` is
/// only acquire/release, so under loom the value sits under a loom mutex instead (see
/// [`crate::runtime`]). `tests/models/litmus.rs` checks it on every backend.
pub struct AtomicUsize<R: Runtime> {
    inner: R::AtomicUsize,
    id: ObjId,
}

impl<R: Runtime> Debug for AtomicUsize<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "AtomicUsize", self.id).finish_non_exhaustive()
    }
}

impl<R: Runtime> AtomicUsize<R> {
    /// A counter named `atomic`, starting at `value`.
    pub fn new(value: usize) -> Self {
        Self::named("atomic", value)
    }

    /// A counter starting at `value`, named `name` in timelines.
    pub fn named(name: &str, value: usize) -> Self {
        AtomicUsize {
            inner: R::new_atomic(value),
            id: trace::register(name.to_owned()),
        }
    }

    /// The value, recorded as a read.
    #[track_caller]
    pub fn load(&self) -> usize {
        exit_point::<R>();
        let value = R::load(&self.inner);
        if let Some(me) = current_tid::<R>() {
            trace::read(me, self.id, value.to_string());
        }
        value
    }

    /// Sets the value, recorded as a write (one computed from a stale load is a lost update, as
    /// for [`Shared`]).
    #[track_caller]
    pub fn store(&self, value: usize) {
        exit_point::<R>();
        R::store(&self.inner, value);
        if let Some(me) = current_tid::<R>() {
            trace::write(me, self.id, value.to_string());
        }
    }

    /// Adds `value` (wrapping) in one indivisible step; returns the value before.
    #[track_caller]
    pub fn fetch_add(&self, value: usize) -> usize {
        exit_point::<R>();
        let old = R::fetch_add(&self.inner, value);
        self.record_update(old, old.wrapping_add(value));
        old
    }

    /// Subtracts `value` (wrapping) in one indivisible step; returns the value before.
    #[track_caller]
    pub fn fetch_sub(&self, value: usize) -> usize {
        exit_point::<R>();
        let old = R::fetch_sub(&self.inner, value);
        self.record_update(old, old.wrapping_sub(value));
        old
    }

    /// Sets the value to `new` if it is `current`, in one indivisible step: `Ok` with the value
    /// before if it did, `Err` with the value found (recorded as a read) if not.
    #[track_caller]
    pub fn compare_exchange(&self, current: usize, new: usize) -> Result<usize, usize> {
        exit_point::<R>();
        let result = R::compare_exchange(&self.inner, current, new);
        match result {
            Ok(old) => self.record_update(old, new),
            Err(seen) => {
                if let Some(me) = current_tid::<R>() {
                    trace::read(me, self.id, seen.to_string());
                }
            }
        }
        result
    }

    #[track_caller]
    fn record_update(&self, old: usize, new: usize) {
        if let Some(me) = current_tid::<R>() {
            trace::update(me, self.id, format!("{old} -> {new}"));
        }
    }
}

/// A shared variable with no protection, like the tutorial's global `n`: `load` and `store` are
/// two separate steps, and a checker may run other threads between them. Each is recorded with
/// its value, and a store computed from a stale load is flagged as a lost update. Sequentially
/// consistent on every backend, like [`AtomicUsize`]: the value sits under the backend's mutex,
/// so a load sees the last store in the order the backend ran them.
pub struct Shared<R: Runtime, T: Copy + Debug + Send> {
    cell: R::Mutex<T>,
    id: ObjId,
}

impl<R: Runtime, T: Copy + Debug + Send> Debug for Shared<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "Shared", self.id).finish_non_exhaustive()
    }
}

impl<R: Runtime, T: Copy + Debug + Send> Shared<R, T> {
    /// A variable holding `value`, named `name` in timelines and lost-update reports.
    pub fn named(name: &str, value: T) -> Self {
        Shared {
            cell: R::new_mutex(value),
            id: trace::register(name.to_owned()),
        }
    }

    /// The value, in one step, recorded as a read.
    #[track_caller]
    pub fn load(&self) -> T {
        exit_point::<R>();
        let cell = R::lock(&self.cell);
        let value = *cell;
        if let Some(me) = current_tid::<R>() {
            trace::read(me, self.id, format!("{value:?}"));
        }
        value
    }

    /// Sets the value, in one step, recorded as a write: a store computed from a load that
    /// another thread's store has since overtaken is flagged as a lost update.
    #[track_caller]
    pub fn store(&self, value: T) {
        exit_point::<R>();
        let mut cell = R::lock(&self.cell);
        *cell = value;
        if let Some(me) = current_tid::<R>() {
            trace::write(me, self.id, format!("{value:?}"));
        }
    }
}

/// The timeline events of a lock written over the facade (an RLock, a student's own lock), so
/// that it shows in timelines and deadlock reports like a facade [`Mutex`].
pub struct LockEvents {
    id: ObjId,
}

impl Debug for LockEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "LockEvents", self.id).finish()
    }
}

impl LockEvents {
    /// The events of a lock named `name` in timelines and deadlock reports.
    pub fn named(name: &str) -> Self {
        LockEvents {
            id: trace::register(name.to_owned()),
        }
    }

    /// The calling thread now holds the lock (once more, for a reentrant lock).
    #[track_caller]
    pub fn acquired<R: Runtime>(&self) {
        if let Some(me) = current_tid::<R>() {
            trace::acquired(me, self.id);
        }
    }

    /// The calling thread gave up one hold of the lock.
    #[track_caller]
    pub fn released<R: Runtime>(&self) {
        if let Some(me) = current_tid::<R>() {
            trace::released(me, self.id);
        }
    }
}
