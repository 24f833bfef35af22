//! The sync facade: std's names (`Mutex`, `Condvar`, `AtomicUsize`) over any [`Runtime`], each
//! operation recorded for timelines and deadlock reports, plus [`Shared`], the racy variable.
//! Every operation is also an exit point ([`crate::exit_hook`]): a thread that something outside
//! stops (a daemon, once its program has exited) goes no further.

use crate::exit_hook::{count_held, exit_point, exit_point_releasing, wake_at_exit};
use crate::runtime::Runtime;
use crate::thread::current_tid;
use crate::trace::{self, Action, ObjId, Waiting};
use std::fmt::Debug;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

/// A non-poisoning mutual-exclusion lock with a name that reports use.
pub struct Mutex<R: Runtime, T: Send> {
    /// Shared so that a program's exit can take it to wake a daemon waiting on a condvar.
    inner: Arc<R::Mutex<T>>,
    id: ObjId,
}

pub struct MutexGuard<'a, R: Runtime, T: Send + 'static> {
    inner: Option<R::Guard<'a, T>>,
    mutex: &'a Mutex<R, T>,
}

impl<R: Runtime, T: Send + 'static> Mutex<R, T> {
    pub fn new(value: T) -> Self {
        Self::named("lock", value)
    }

    pub fn named(name: &str, value: T) -> Self {
        Mutex {
            inner: Arc::new(R::new_mutex(value)),
            id: trace::register(name.to_owned()),
        }
    }

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
        if let Some(me) = current_tid::<R>() {
            trace::released(me, self.mutex.id);
        }
        self.inner.take();
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

impl<R: Runtime> Condvar<R> {
    pub fn new() -> Self {
        Self::named("condvar")
    }

    pub fn named(name: &str) -> Self {
        Condvar {
            inner: Arc::new(R::new_condvar()),
            id: trace::register(name.to_owned()),
        }
    }

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

    /// Returns the guard and whether the wait timed out (see [`crate::runtime`] for what each
    /// backend can do with time). Under shuttle the facade models the timer itself, because
    /// shuttle 0.9's own `wait_timeout` never times out: the lock is released, other threads may
    /// run for as long as the scheduler likes, the lock is taken again and the wait reports a
    /// timeout. A caller that re-checks its condition (as it must) sees every order a real timer
    /// allows; no notification is needed to end the wait.
    #[track_caller]
    pub fn wait_timeout<'a, T: Send + 'static>(
        &self,
        guard: MutexGuard<'a, R, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, R, T>, bool) {
        self.wait_inner(guard, Some(timeout))
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
        let lock = guard.mutex.id;
        if let Some(me) = me {
            trace::released_silently(lock);
            trace::record(
                me,
                Action::Wait {
                    condvar: self.id,
                    lock,
                },
            );
            trace::begin_wait(
                me,
                Waiting::Condvar {
                    condvar: self.id,
                    lock,
                },
            );
        }
        let inner = guard.inner.take().expect("guard is held");
        // Asked before waiting, so that a schedule replays the same choice.
        let spurious = timeout.is_none() && R::spurious_wakeup();
        let (inner, timed_out) = match timeout {
            // POSIX and Rust let a wait end with no notify: the caller must look again.
            None if spurious => {
                drop(inner);
                R::yield_now();
                (R::lock(&guard.mutex.inner), false)
            }
            None => (R::wait(&self.inner, inner), false),
            Some(_) if R::TIMEOUT_BY_YIELDING => {
                drop(inner);
                R::yield_now();
                (R::lock(&guard.mutex.inner), true)
            }
            Some(timeout) => R::wait_timeout(&self.inner, inner, timeout),
        };
        guard.inner = Some(inner);
        drop(exit_waker);
        if let Some(me) = me {
            let woken = if spurious {
                Action::WokenSpuriously { condvar: self.id }
            } else {
                Action::Woken {
                    condvar: self.id,
                    timed_out,
                }
            };
            trace::record(me, woken);
            trace::acquired_silently(me, lock);
        }
        (exit_point_releasing::<R, _>(guard), timed_out)
    }

    #[track_caller]
    pub fn notify_one(&self) {
        exit_point::<R>();
        if let Some(me) = current_tid::<R>() {
            trace::record(
                me,
                Action::Notify {
                    condvar: self.id,
                    all: false,
                },
            );
        }
        R::notify_one(&self.inner);
    }

    #[track_caller]
    pub fn notify_all(&self) {
        exit_point::<R>();
        if let Some(me) = current_tid::<R>() {
            trace::record(
                me,
                Action::Notify {
                    condvar: self.id,
                    all: true,
                },
            );
        }
        R::notify_all(&self.inner);
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

impl<R: Runtime> AtomicUsize<R> {
    pub fn new(value: usize) -> Self {
        Self::named("atomic", value)
    }

    pub fn named(name: &str, value: usize) -> Self {
        AtomicUsize {
            inner: R::new_atomic(value),
            id: trace::register(name.to_owned()),
        }
    }

    #[track_caller]
    pub fn load(&self) -> usize {
        exit_point::<R>();
        let value = R::load(&self.inner);
        if let Some(me) = current_tid::<R>() {
            trace::read(me, self.id, value.to_string());
        }
        value
    }

    #[track_caller]
    pub fn store(&self, value: usize) {
        exit_point::<R>();
        R::store(&self.inner, value);
        if let Some(me) = current_tid::<R>() {
            trace::write(me, self.id, value.to_string());
        }
    }

    #[track_caller]
    pub fn fetch_add(&self, value: usize) -> usize {
        exit_point::<R>();
        let old = R::fetch_add(&self.inner, value);
        self.record_update(old, old.wrapping_add(value));
        old
    }

    #[track_caller]
    pub fn fetch_sub(&self, value: usize) -> usize {
        exit_point::<R>();
        let old = R::fetch_sub(&self.inner, value);
        self.record_update(old, old.wrapping_sub(value));
        old
    }

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

impl<R: Runtime, T: Copy + Debug + Send> Shared<R, T> {
    pub fn named(name: &str, value: T) -> Self {
        Shared {
            cell: R::new_mutex(value),
            id: trace::register(name.to_owned()),
        }
    }

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

impl LockEvents {
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
