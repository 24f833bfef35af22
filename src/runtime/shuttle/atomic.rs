//! The atomic cell under shuttle: one switch of shuttle's scheduler, then the operation on std's
//! atomic, sequentially consistent, as shuttle's own atomics do it (one thread runs at a time, so
//! every operation falls in the one order the scheduler ran them).
//!
//! Not shuttle's atomic types, for two reasons. Their public `fetch_update` is a load and then a
//! compare-exchange loop, several steps, and shuttle has no public read-modify-write of a given
//! function in one step (its `compare_exchange` and `fetch_add` are one, through a private
//! `try_update`): the facade needs one for every width's `fetch_add`, `fetch_max`, `swap`...
//! And they print a warning on stderr at the first ordering other than `SeqCst`, which the
//! facade documents instead (it runs every operation as `SeqCst` under shuttle).

use crate::runtime::atomic::{AtomicCell, AtomicValue};
use shuttle_engine::runtime::thread::switch;
use std::fmt::{self, Debug};
use std::sync::atomic::Ordering::{self, SeqCst};

/// A `T` in std's atomic, each operation after one switch of shuttle's scheduler.
pub struct ShuttleAtomic<T: AtomicValue>(T::Std);

impl<T: AtomicValue> Debug for ShuttleAtomic<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ShuttleAtomic").field(&self.0).finish()
    }
}

/// The orderings are moot: every operation is sequentially consistent.
impl<T: AtomicValue> AtomicCell<T> for ShuttleAtomic<T> {
    fn new(value: T) -> Self {
        ShuttleAtomic(T::Std::new(value))
    }

    fn load(&self, _: Ordering) -> T {
        switch();
        self.0.load(SeqCst)
    }

    fn store(&self, value: T, _: Ordering) {
        switch();
        self.0.store(value, SeqCst)
    }

    fn read_modify_write(
        &self,
        _: Ordering,
        _: Ordering,
        f: &mut dyn FnMut(T) -> Option<T>,
    ) -> Result<T, T> {
        switch();
        self.0.read_modify_write(SeqCst, SeqCst, f)
    }

    fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    fn into_inner(self) -> T {
        self.0.into_inner()
    }
}
