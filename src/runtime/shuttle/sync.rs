//! The locks the facade uses under shuttle: shuttle's `Mutex` (its guard remembers its mutex, to
//! lock it again after a wait), and a `Condvar` of our own, because shuttle 0.9's cannot do two
//! things the facade needs.
//!
//! - **A timed wait that ends either way.** shuttle's `wait_timeout` never times out. Here a timed
//!   waiter stays runnable and polls: each time the scheduler runs it, it returns if a notify
//!   reached it, or its timer fires (one poll in [`TIMER_FIRES_ONE_IN`], a choice of shuttle's
//!   random source, so a schedule replays it), or it yields. A notify may end the wait, or the
//!   timer may end it before any notify, after one, or long after, while the other threads run.
//!   A timed waiter is never part of a deadlock: when every other thread is blocked, it is the
//!   one left to run, until its timer fires, as a real timer would.
//! - **A wait that says when it took effect.** shuttle's `wait` switches (releasing the lock)
//!   before it registers as a waiter, with no way for the caller to note the moment. Here
//!   [`Condvar::wait_noting`] tells its caller right after the release, when the thread counts as
//!   a waiter, so a timeline draws a notify that came in the switch before the wait it missed.
//!
//! Scheduling points are shuttle's: one before the lock's release (the wait), one before a notify
//! takes effect, one before the lock is taken again. `notify_one` picks among several waiters
//! with shuttle's random source, so which one wakes is explored and replayed too.

use shuttle::rand::Rng;
use shuttle_engine::runtime::execution::ExecutionState;
use shuttle_engine::runtime::task::TaskId;
use shuttle_engine::runtime::thread::switch;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};
use std::time::Duration;

/// A timed waiter's timer fires at one poll in this many (when the scheduler runs it).
pub(crate) const TIMER_FIRES_ONE_IN: u32 = 4;

/// shuttle's mutex, with std's API.
#[derive(Debug, Default)]
pub struct Mutex<T: ?Sized>(shuttle::sync::Mutex<T>);

/// A held [`Mutex`]; it knows its mutex, so that a [`Condvar`] can release it and lock it again.
#[derive(Debug)]
pub struct MutexGuard<'a, T: ?Sized> {
    guard: shuttle::sync::MutexGuard<'a, T>,
    mutex: &'a Mutex<T>,
}

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Mutex(shuttle::sync::Mutex::new(value))
    }
}

impl<T: ?Sized> Mutex<T> {
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        match self.0.lock() {
            Ok(guard) => Ok(self.held(guard)),
            Err(poisoned) => Err(PoisonError::new(self.held(poisoned.into_inner()))),
        }
    }

    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(guard) => Ok(self.held(guard)),
            Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(PoisonError::new(
                self.held(poisoned.into_inner()),
            ))),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
    }

    fn held<'a>(&'a self, guard: shuttle::sync::MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        MutexGuard { guard, mutex: self }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

/// A condition variable whose waiters the facade can see (see the module's doc).
#[derive(Debug, Default)]
pub struct Condvar {
    /// Never held across a scheduling point: shuttle runs one task at a time.
    waiters: std::sync::Mutex<Vec<Waiter>>,
}

#[derive(Debug)]
struct Waiter {
    task: TaskId,
    /// Polls for its timer instead of blocking.
    timed: bool,
    notified: bool,
}

/// Whether a timed wait timed out, as std's type says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl Condvar {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        Ok(self.wait_noting(guard, None, &mut || {}).0)
    }

    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let (guard, timed_out) = self.wait_noting(guard, Some(timeout), &mut || {});
        Ok((guard, WaitTimeoutResult(timed_out)))
    }

    /// Releases `guard`, calls `waiting` (the thread is a waiter from here: nothing runs between),
    /// waits until notified or, with a `timeout`, until its timer fires (`true`), and locks again.
    pub fn wait_noting<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Option<Duration>,
        waiting: &mut dyn FnMut(),
    ) -> (MutexGuard<'a, T>, bool) {
        let MutexGuard { guard, mutex } = guard;
        drop(guard);
        waiting();
        let me = ExecutionState::me();
        self.waiters().push(Waiter {
            task: me,
            timed: timeout.is_some(),
            notified: false,
        });
        // Teardown may unwind this task from a switch below; it is no longer a waiter then.
        let _leave = Leave {
            condvar: self,
            task: me,
        };
        let timed_out = match timeout {
            None => {
                while !self.notified(me) {
                    ExecutionState::with(|s| s.current_mut().block(false));
                    switch();
                }
                false
            }
            Some(_) => loop {
                if self.notified(me) {
                    break false;
                }
                if shuttle::rand::thread_rng().gen_ratio(1, TIMER_FIRES_ONE_IN) {
                    break true;
                }
                shuttle::thread::yield_now();
            },
        };
        drop(_leave);
        let guard = mutex.lock().unwrap_or_else(PoisonError::into_inner);
        (guard, timed_out)
    }

    /// Wakes one waiter, chosen by the scheduler's random source when there are several.
    pub fn notify_one(&self) {
        switch();
        let mut waiters = self.waiters();
        let waiting: Vec<usize> = (0..waiters.len())
            .filter(|&i| !waiters[i].notified)
            .collect();
        let chosen = match waiting.len() {
            0 => return,
            1 => waiting[0],
            n => waiting[shuttle::rand::thread_rng().gen_range(0..n)],
        };
        wake(&mut waiters[chosen]);
    }

    pub fn notify_all(&self) {
        switch();
        self.waiters().iter_mut().for_each(wake);
    }

    fn notified(&self, task: TaskId) -> bool {
        self.waiters()
            .iter()
            .any(|waiter| waiter.task == task && waiter.notified)
    }

    fn waiters(&self) -> std::sync::MutexGuard<'_, Vec<Waiter>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks `waiter` notified; a blocked one becomes runnable (a timed one polls, and will see it).
fn wake(waiter: &mut Waiter) {
    if !waiter.notified {
        waiter.notified = true;
        if !waiter.timed {
            ExecutionState::with(|s| s.get_mut(waiter.task).unblock());
        }
    }
}

/// Takes a waiter off its condvar however its wait ends.
struct Leave<'a> {
    condvar: &'a Condvar,
    task: TaskId,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.condvar
            .waiters()
            .retain(|waiter| waiter.task != self.task);
    }
}
