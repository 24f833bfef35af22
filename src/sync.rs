//! The sync facade: std's names (`Mutex`, `Condvar`, `AtomicUsize`) over any [`Runtime`], each
//! operation recorded for timelines and deadlock reports, plus [`Shared`], the racy variable.

use crate::runtime::Runtime;
use crate::thread::current_name;
use crate::trace::{self, Action, ObjId, Waiting};
use std::fmt::Debug;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

/// A non-poisoning mutual-exclusion lock with a name that reports use.
pub struct Mutex<R: Runtime, T: Send> {
    inner: R::Mutex<T>,
    id: ObjId,
}

pub struct MutexGuard<'a, R: Runtime, T: Send + 'a> {
    inner: Option<R::Guard<'a, T>>,
    /// To lock again after a timed wait that the facade models itself (see `Condvar::wait_timeout`).
    mutex: &'a R::Mutex<T>,
    id: ObjId,
}

impl<R: Runtime, T: Send> Mutex<R, T> {
    pub fn new(value: T) -> Self {
        Self::named("lock", value)
    }

    pub fn named(name: &str, value: T) -> Self {
        Mutex {
            inner: R::new_mutex(value),
            id: trace::register(name.to_owned()),
        }
    }

    pub fn name(&self) -> String {
        trace::object_name(self.id)
    }

    /// Blocks until the lock is free; locking it again in the same thread deadlocks.
    pub fn lock(&self) -> MutexGuard<'_, R, T> {
        let me = current_name::<R>();
        if let Some(me) = &me {
            trace::begin_wait(me, Waiting::Lock(self.id));
        }
        let inner = R::lock(&self.inner);
        if let Some(me) = &me {
            trace::acquired(me, self.id);
        }
        MutexGuard {
            inner: Some(inner),
            mutex: &self.inner,
            id: self.id,
        }
    }

    /// `None` when another holder has it (or this thread does).
    pub fn try_lock(&self) -> Option<MutexGuard<'_, R, T>> {
        let me = current_name::<R>();
        let inner = R::try_lock(&self.inner);
        if let Some(me) = &me {
            match inner {
                Some(_) => trace::acquired(me, self.id),
                None => trace::record(
                    me,
                    Action::TryLockFailed {
                        lock: trace::object_name(self.id),
                    },
                ),
            }
        }
        inner.map(|inner| MutexGuard {
            inner: Some(inner),
            mutex: &self.inner,
            id: self.id,
        })
    }
}

impl<'a, R: Runtime, T: Send + 'a> Deref for MutexGuard<'a, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard is held")
    }
}

impl<'a, R: Runtime, T: Send + 'a> DerefMut for MutexGuard<'a, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("guard is held")
    }
}

impl<'a, R: Runtime, T: Send + 'a> Drop for MutexGuard<'a, R, T> {
    fn drop(&mut self) {
        if let Some(me) = current_name::<R>() {
            trace::released(&me, self.id);
        }
        self.inner.take();
    }
}

/// A condition variable; `wait` releases the guard's lock while it waits.
pub struct Condvar<R: Runtime> {
    inner: R::Condvar,
    id: ObjId,
}

impl<R: Runtime> Condvar<R> {
    pub fn new() -> Self {
        Self::named("condvar")
    }

    pub fn named(name: &str) -> Self {
        Condvar {
            inner: R::new_condvar(),
            id: trace::register(name.to_owned()),
        }
    }

    pub fn wait<'a, T: Send + 'a>(&self, guard: MutexGuard<'a, R, T>) -> MutexGuard<'a, R, T> {
        self.wait_inner(guard, None).0
    }

    /// Waits until `condition` is false, re-checking after every wake-up.
    pub fn wait_while<'a, T: Send + 'a>(
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
    /// shuttle 0.9's own `wait_timeout` never times out: the lock is released, any other threads
    /// may run for as long as the scheduler likes, the lock is taken again and the wait reports a
    /// timeout. A caller that re-checks its condition (as it must) sees every order a real timer
    /// allows; a notification is not needed to end the wait.
    pub fn wait_timeout<'a, T: Send + 'a>(
        &self,
        guard: MutexGuard<'a, R, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, R, T>, bool) {
        self.wait_inner(guard, Some(timeout))
    }

    fn wait_inner<'a, T: Send + 'a>(
        &self,
        mut guard: MutexGuard<'a, R, T>,
        timeout: Option<Duration>,
    ) -> (MutexGuard<'a, R, T>, bool) {
        let me = current_name::<R>();
        let lock = guard.id;
        if let Some(me) = &me {
            let (condvar, lock_name) = (trace::object_name(self.id), trace::object_name(lock));
            trace::released_silently(me, lock);
            trace::record(
                me,
                Action::Wait {
                    condvar,
                    lock: lock_name,
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
        let (inner, timed_out) = match timeout {
            None => (R::wait(&self.inner, inner), false),
            Some(_) if R::NAME == "shuttle" => {
                drop(inner);
                R::yield_now();
                (R::lock(guard.mutex), true)
            }
            Some(timeout) => R::wait_timeout(&self.inner, inner, timeout),
        };
        guard.inner = Some(inner);
        if let Some(me) = &me {
            trace::record(
                me,
                Action::Woken {
                    condvar: trace::object_name(self.id),
                    timed_out,
                },
            );
            trace::acquired_silently(me, lock);
        }
        (guard, timed_out)
    }

    pub fn notify_one(&self) {
        if let Some(me) = current_name::<R>() {
            trace::record(
                &me,
                Action::Notify {
                    condvar: trace::object_name(self.id),
                    all: false,
                },
            );
        }
        R::notify_one(&self.inner);
    }

    pub fn notify_all(&self) {
        if let Some(me) = current_name::<R>() {
            trace::record(
                &me,
                Action::Notify {
                    condvar: trace::object_name(self.id),
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

    pub fn load(&self) -> usize {
        let value = R::load(&self.inner);
        if let Some(me) = current_name::<R>() {
            trace::read(&me, self.id, value.to_string());
        }
        value
    }

    pub fn store(&self, value: usize) {
        R::store(&self.inner, value);
        if let Some(me) = current_name::<R>() {
            trace::write(&me, self.id, value.to_string());
        }
    }

    pub fn fetch_add(&self, value: usize) -> usize {
        let old = R::fetch_add(&self.inner, value);
        self.record_update(old, old.wrapping_add(value));
        old
    }

    pub fn fetch_sub(&self, value: usize) -> usize {
        let old = R::fetch_sub(&self.inner, value);
        self.record_update(old, old.wrapping_sub(value));
        old
    }

    pub fn compare_exchange(&self, current: usize, new: usize) -> Result<usize, usize> {
        let result = R::compare_exchange(&self.inner, current, new);
        match result {
            Ok(old) => self.record_update(old, new),
            Err(seen) => {
                if let Some(me) = current_name::<R>() {
                    trace::read(&me, self.id, seen.to_string());
                }
            }
        }
        result
    }

    fn record_update(&self, old: usize, new: usize) {
        if let Some(me) = current_name::<R>() {
            trace::update(&me, self.id, format!("{old} -> {new}"));
        }
    }
}

/// A shared variable with no protection, like the tutorial's global `n`: `load` and `store` are
/// two separate steps, and a checker may run other threads between them. Each is recorded with
/// its value, and a store computed from a stale load is flagged as a lost update.
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

    pub fn load(&self) -> T {
        let cell = R::lock(&self.cell);
        let value = *cell;
        if let Some(me) = current_name::<R>() {
            trace::read(&me, self.id, format!("{value:?}"));
        }
        value
    }

    pub fn store(&self, value: T) {
        let mut cell = R::lock(&self.cell);
        *cell = value;
        if let Some(me) = current_name::<R>() {
            trace::write(&me, self.id, format!("{value:?}"));
        }
    }
}
