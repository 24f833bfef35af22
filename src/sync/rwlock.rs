//! std's `RwLock` over any [`Runtime`]: many readers or one writer. It is built on the facade's
//! own [`Mutex`] and [`Condvar`], both named after the lock, so every step (taking, waiting,
//! releasing) is a step of the checker and shows in timelines and deadlock reports under the
//! lock's name, with a note of what the thread did (`read-locks table`, `write-unlocks table`).
//!
//! What differs from std:
//! - No poisoning: `read` and `write` return their guards directly, as the facade's
//!   `Mutex::lock` does, and `try_read`/`try_write` return an `Option`, as its `try_lock` does.
//! - The policy is the one std has on Linux, fixed on every backend: a writer waiting keeps new
//!   readers out. So a thread that takes `read` twice while another waits in `write` deadlocks
//!   (std says it might), and a checker finds it.
//! - A guard dropped by a panic: natively it releases the lock; under shuttle and loom the panic
//!   ends the execution, and the lock is left as it is.
//! - `new` is not `const`, and `get_mut`/`into_inner` take no step (the caller has it to itself).

use super::built::{note, release};
use super::{Condvar, Mutex};
use crate::runtime::Runtime;
use crate::trace;
use std::fmt::{self, Debug};
use std::ops::{Deref, DerefMut};
use std::sync::{PoisonError, TryLockError};

/// Who holds the lock, and who waits for it.
struct Holders {
    readers: usize,
    writer: bool,
    readers_waiting: usize,
    writers_waiting: usize,
}

impl Holders {
    /// A reader may come in: no writer holds the lock or waits for it.
    fn readable(&self) -> bool {
        !self.writer && self.writers_waiting == 0
    }

    /// A writer may come in: nobody holds the lock.
    fn writable(&self) -> bool {
        !self.writer && self.readers == 0
    }
}

/// A reader-writer lock: many threads may read at once, one may write, and no one reads then.
pub struct RwLock<R: Runtime, T> {
    holders: Mutex<R, Holders>,
    changed: Condvar<R>,
    /// The value. std's own lock, which the holders above only ever let in uncontended: it
    /// turns a `&RwLock` into shared or exclusive access with no `unsafe`.
    value: std::sync::RwLock<T>,
}

impl<R: Runtime, T> Debug for RwLock<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "RwLock", self.holders.id).finish_non_exhaustive()
    }
}

impl<R: Runtime, T> RwLock<R, T> {
    /// A lock named `rwlock`, holding `value`.
    pub fn new(value: T) -> Self {
        Self::named("rwlock", value)
    }

    /// A lock holding `value`, named `name` in timelines and deadlock reports.
    pub fn named(name: &str, value: T) -> Self {
        let holders = Holders {
            readers: 0,
            writer: false,
            readers_waiting: 0,
            writers_waiting: 0,
        };
        RwLock {
            holders: Mutex::named(name, holders),
            changed: Condvar::named(name),
            value: std::sync::RwLock::new(value),
        }
    }

    /// Its name in this execution; empty when nothing records (a native timing run).
    pub fn name(&self) -> String {
        self.holders.name()
    }

    /// Blocks while a writer holds the lock or waits for it, then reads, alongside any other
    /// readers.
    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, R, T> {
        let mut holders = self.holders.lock();
        if !holders.readable() {
            holders.readers_waiting += 1;
            holders = self.changed.wait_while(holders, |h| !h.readable());
            holders.readers_waiting -= 1;
        }
        self.enter_reading(&mut holders)
    }

    /// Reads if [`RwLock::read`] would not block; `None` if a writer holds the lock or waits.
    #[track_caller]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, R, T>> {
        let mut holders = self.holders.lock();
        holders.readable().then(|| self.enter_reading(&mut holders))
    }

    /// Blocks until no one holds the lock, then writes, alone.
    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, R, T> {
        let mut holders = self.holders.lock();
        if !holders.writable() {
            holders.writers_waiting += 1;
            holders = self.changed.wait_while(holders, |h| !h.writable());
            holders.writers_waiting -= 1;
        }
        self.enter_writing(&mut holders)
    }

    /// Writes if no one holds the lock; `None` if anyone does (the caller too).
    #[track_caller]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, R, T>> {
        let mut holders = self.holders.lock();
        holders.writable().then(|| self.enter_writing(&mut holders))
    }

    /// The value, taking no step: the caller has the lock to itself.
    pub fn into_inner(self) -> T {
        self.value
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The value, mutably, taking no step: the caller has the lock to itself.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    #[track_caller]
    fn enter_reading(&self, holders: &mut Holders) -> RwLockReadGuard<'_, R, T> {
        holders.readers += 1;
        note::<R>(|| format!("read-locks {}", self.name()));
        let value = match self.value.try_read() {
            Ok(value) => value,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => unreachable!("a reader let in while a writer holds"),
        };
        RwLockReadGuard {
            lock: self,
            value: Some(value),
        }
    }

    #[track_caller]
    fn enter_writing(&self, holders: &mut Holders) -> RwLockWriteGuard<'_, R, T> {
        holders.writer = true;
        note::<R>(|| format!("write-locks {}", self.name()));
        let value = match self.value.try_write() {
            Ok(value) => value,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => unreachable!("a writer let in while others hold"),
        };
        RwLockWriteGuard {
            lock: self,
            value: Some(value),
        }
    }
}

impl<R: Runtime, T: Default> Default for RwLock<R, T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

/// Shared access to an [`RwLock`]'s value; dropping it lets the lock go (a step, recorded).
pub struct RwLockReadGuard<'a, R: Runtime, T> {
    lock: &'a RwLock<R, T>,
    /// Taken in `drop`: std's lock is let go before the holders say it is free.
    value: Option<std::sync::RwLockReadGuard<'a, T>>,
}

/// The value, as std's guard shows it (read through the guard already held: no step).
impl<R: Runtime, T: Debug> Debug for RwLockReadGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Debug::fmt(&**self, f)
    }
}

impl<R: Runtime, T> Deref for RwLockReadGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("guard is held")
    }
}

impl<R: Runtime, T> Drop for RwLockReadGuard<'_, R, T> {
    fn drop(&mut self) {
        self.value.take();
        let lock = self.lock;
        release(&lock.holders, &lock.changed, |holders| {
            holders.readers -= 1;
            note::<R>(|| format!("read-unlocks {}", lock.name()));
            // Readers wait only while writers do: the last reader out lets a writer in.
            holders.readers == 0 && holders.writers_waiting > 0
        });
    }
}

/// Exclusive access to an [`RwLock`]'s value; dropping it lets the lock go (a step, recorded).
pub struct RwLockWriteGuard<'a, R: Runtime, T> {
    lock: &'a RwLock<R, T>,
    /// Taken in `drop`: std's lock is let go before the holders say it is free.
    value: Option<std::sync::RwLockWriteGuard<'a, T>>,
}

/// The value, as std's guard shows it (read through the guard already held: no step).
impl<R: Runtime, T: Debug> Debug for RwLockWriteGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Debug::fmt(&**self, f)
    }
}

impl<R: Runtime, T> Deref for RwLockWriteGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("guard is held")
    }
}

impl<R: Runtime, T> DerefMut for RwLockWriteGuard<'_, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("guard is held")
    }
}

impl<R: Runtime, T> Drop for RwLockWriteGuard<'_, R, T> {
    fn drop(&mut self) {
        self.value.take();
        let lock = self.lock;
        release(&lock.holders, &lock.changed, |holders| {
            holders.writer = false;
            note::<R>(|| format!("write-unlocks {}", lock.name()));
            holders.readers_waiting + holders.writers_waiting > 0
        });
    }
}
