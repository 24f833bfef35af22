//! # Code written for std, ported to interleave
//!
//! Each type was first written over `std::sync` and `std::thread`; porting it meant changing the
//! imports to `interleave::sync` and making it generic over the runtime `R` (so that one test
//! runs it under shuttle, under loom and on std threads). Two of them are wrong in the classic
//! ways, next to their fixes:
//!
//! - [`Bank::transfer`] locks the two accounts in the order given: two opposite transfers can
//!   each hold one account and wait for the other. [`Bank::transfer_ordered`] locks the lower
//!   account first.
//! - [`RacyLazy`] checks a flag, then builds the value and sets the flag: two threads can both
//!   find it unset and both build. [`Lazy`] builds it under a lock.
//! - [`Bounded`] is a bounded queue on a `Mutex` and two `Condvar`s, correct.

use interleave::runtime::Runtime;
use interleave::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use interleave::sync::{Condvar, Mutex};
use std::collections::VecDeque;

/// Accounts, each behind its own lock.
pub struct Bank<R: Runtime> {
    accounts: Vec<Mutex<R, i64>>,
}

impl<R: Runtime> Bank<R> {
    /// Accounts named `account 0`, `account 1`, … holding these balances.
    pub fn new(balances: &[i64]) -> Self {
        let accounts = balances
            .iter()
            .enumerate()
            .map(|(number, &balance)| Mutex::named(&format!("account {number}"), balance))
            .collect();
        Bank { accounts }
    }

    /// Moves `amount` from one account to another, locking `from` first: two transfers in
    /// opposite directions can deadlock.
    pub fn transfer(&self, from: usize, to: usize, amount: i64) {
        let mut source = self.accounts[from].lock();
        let mut target = self.accounts[to].lock();
        *source -= amount;
        *target += amount;
    }

    /// Moves `amount`, locking the lower-numbered account first: every thread takes the locks
    /// in one order, so no two wait for each other.
    pub fn transfer_ordered(&self, from: usize, to: usize, amount: i64) {
        let (first, second) = (from.min(to), from.max(to));
        let mut low = self.accounts[first].lock();
        let mut high = self.accounts[second].lock();
        let (source, target) = match from < to {
            true => (&mut *low, &mut *high),
            false => (&mut *high, &mut *low),
        };
        *source -= amount;
        *target += amount;
    }

    /// Every balance, in order.
    pub fn balances(&self) -> Vec<i64> {
        self.accounts
            .iter()
            .map(|account| *account.lock())
            .collect()
    }
}

/// A value built on first use, by checking a flag: racy.
pub struct RacyLazy<R: Runtime> {
    ready: AtomicBool<R>,
    value: AtomicUsize<R>,
    /// How many times the value was built.
    pub builds: AtomicUsize<R>,
}

impl<R: Runtime> Default for RacyLazy<R> {
    fn default() -> Self {
        RacyLazy {
            ready: AtomicBool::named("ready", false),
            value: AtomicUsize::named("value", 0),
            builds: AtomicUsize::named("builds", 0),
        }
    }
}

impl<R: Runtime> RacyLazy<R> {
    /// The value, built by `build` if the flag says it is not there yet.
    pub fn get_or_init(&self, build: impl FnOnce() -> usize) -> usize {
        if !self.ready.load(Ordering::Acquire) {
            self.builds.fetch_add(1, Ordering::Relaxed);
            self.value.store(build(), Ordering::Relaxed);
            self.ready.store(true, Ordering::Release);
        }
        self.value.load(Ordering::Relaxed)
    }
}

/// A value built on first use, under a lock: built once.
pub struct Lazy<R: Runtime> {
    value: Mutex<R, Option<usize>>,
    /// How many times the value was built.
    pub builds: AtomicUsize<R>,
}

impl<R: Runtime> Default for Lazy<R> {
    fn default() -> Self {
        Lazy {
            value: Mutex::named("value", None),
            builds: AtomicUsize::named("builds", 0),
        }
    }
}

impl<R: Runtime> Lazy<R> {
    /// The value, built by `build` by the first caller; the others wait for it.
    pub fn get_or_init(&self, build: impl FnOnce() -> usize) -> usize {
        let mut value = self.value.lock();
        *value.get_or_insert_with(|| {
            self.builds.fetch_add(1, Ordering::Relaxed);
            build()
        })
    }
}

/// A bounded FIFO queue: `put` waits while it is full, `get` while it is empty.
pub struct Bounded<R: Runtime, T: Send + 'static> {
    items: Mutex<R, VecDeque<T>>,
    not_full: Condvar<R>,
    not_empty: Condvar<R>,
    capacity: usize,
}

impl<R: Runtime, T: Send + 'static> Bounded<R, T> {
    /// An empty queue of at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        Bounded {
            items: Mutex::named("queue", VecDeque::new()),
            not_full: Condvar::named("not full"),
            not_empty: Condvar::named("not empty"),
            capacity,
        }
    }

    /// Adds `item` at the back, waiting for room.
    pub fn put(&self, item: T) {
        let mut items = self
            .not_full
            .wait_while(self.items.lock(), |items| items.len() == self.capacity);
        items.push_back(item);
        self.not_empty.notify_one();
    }

    /// Takes the front item, waiting for one.
    pub fn get(&self) -> T {
        let mut items = self
            .not_empty
            .wait_while(self.items.lock(), |items| items.is_empty());
        let item = items.pop_front().expect("not empty");
        self.not_full.notify_one();
        item
    }
}
