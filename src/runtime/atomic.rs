//! The cells under [`crate::sync::atomic`]: the value types std has atomics of
//! ([`AtomicValue`]), and a backend's atomic cell of one ([`AtomicCell`]).

use std::fmt::Debug;
use std::sync::atomic::Ordering;

/// One backend's atomic cell holding a `T` ([`super::Runtime::Atomic`]), every operation one
/// step of the backend's scheduler:
///
/// | backend   | cell                                                  | orderings                |
/// |-----------|-------------------------------------------------------|--------------------------|
/// | [`Native`](super::Native) | std's own atomic of the type          | used as given            |
/// | [`Shuttle`](super::Shuttle) | std's atomic after one switch of shuttle's scheduler | every operation `SeqCst` |
/// | `Loom`    | a value under a loom mutex, one critical section each | every operation `SeqCst` |
///
/// The facade checks the orderings before it calls here (a load's is never `Release`, a failure's never `Release` or `AcqRel`), so a cell may
/// pass them to std as they come.
pub trait AtomicCell<T>: Send + Sync + 'static {
    /// A cell holding `value`.
    fn new(value: T) -> Self;
    /// The value, in one step.
    fn load(&self, order: Ordering) -> T;
    /// Sets the value, in one step.
    fn store(&self, value: T, order: Ordering);
    /// One indivisible read-modify-write: `f` is given the value and returns the new one, or
    /// `None` to leave it. `Ok` with the value before when it wrote, `Err` with the value seen
    /// when it did not. `set` orders the write, `fetch` the read (as std's `fetch_update`). `f`
    /// must be pure: natively it runs again each time another thread wins the race.
    fn read_modify_write(
        &self,
        set: Ordering,
        fetch: Ordering,
        f: &mut dyn FnMut(T) -> Option<T>,
    ) -> Result<T, T>;
    /// The value, borrowed from a cell the caller has to itself: no step.
    fn get_mut(&mut self) -> &mut T;
    /// The value, from a cell the caller owns: no step.
    fn into_inner(self) -> T;
}

/// A type std has an atomic of (`bool`, the integers up to 64 bits): what a
/// [`crate::sync::atomic`] type holds.
pub trait AtomicValue: Copy + Eq + Debug + Send + Sync + 'static {
    /// std's atomic of this type (`std::sync::atomic::AtomicU8` for `u8`), the native backend's
    /// cell.
    type Std: AtomicCell<Self> + Debug;
}

/// std's atomic of each type is its cell, the orderings passed through.
macro_rules! std_atomics {
    ($($value:ty => $atomic:ident),* $(,)?) => {$(
        impl AtomicValue for $value {
            type Std = std::sync::atomic::$atomic;
        }

        impl AtomicCell<$value> for std::sync::atomic::$atomic {
            fn new(value: $value) -> Self {
                std::sync::atomic::$atomic::new(value)
            }

            fn load(&self, order: Ordering) -> $value {
                std::sync::atomic::$atomic::load(self, order)
            }

            fn store(&self, value: $value, order: Ordering) {
                std::sync::atomic::$atomic::store(self, value, order)
            }

            fn read_modify_write(
                &self,
                set: Ordering,
                fetch: Ordering,
                f: &mut dyn FnMut($value) -> Option<$value>,
            ) -> Result<$value, $value> {
                self.fetch_update(set, fetch, f)
            }

            fn get_mut(&mut self) -> &mut $value {
                std::sync::atomic::$atomic::get_mut(self)
            }

            fn into_inner(self) -> $value {
                std::sync::atomic::$atomic::into_inner(self)
            }
        }
    )*};
}

std_atomics!(
    bool => AtomicBool,
    u8 => AtomicU8,
    u16 => AtomicU16,
    u32 => AtomicU32,
    u64 => AtomicU64,
    usize => AtomicUsize,
    i8 => AtomicI8,
    i16 => AtomicI16,
    i32 => AtomicI32,
    i64 => AtomicI64,
    isize => AtomicIsize,
);
