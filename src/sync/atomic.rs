//! std's atomics, generic over the runtime: code written over `std::sync::atomic` ports by
//! changing its imports (and naming the runtime, `AtomicBool::<R>::new(false)`). Every atomic std
//! has on 64-bit targets is here, with std's methods, orderings and panics:
//!
//! ```
//! use interleave::sync::atomic::{AtomicU8, Ordering::SeqCst};
//! use interleave::{check, model, thread};
//! use std::sync::Arc;
//!
//! check(model!(|R| {
//!     let hits = Arc::new(AtomicU8::<R>::named("hits", 0));
//!     let worker = {
//!         let hits = hits.clone();
//!         thread::spawn::<R, _, _>(move || hits.fetch_add(1, SeqCst))
//!     };
//!     hits.fetch_add(1, SeqCst);
//!     worker.join();
//!     assert_eq!(hits.load(SeqCst), 2, "an increment was lost");
//! }))
//! .assert_holds();
//! ```
//!
//! Every operation is one step of the checker (a point where it may switch threads), recorded
//! in the timeline with the atomic's name and the value: a `load` as a read, a `store` as a
//! write, and a read-modify-write (`swap`, `fetch_add`, a `compare_exchange` that succeeds...)
//! as an update, `old -> new`, which is indivisible. So a `store` computed from an earlier
//! `load` that another thread's write has since overtaken is a lost update of the atomic
//! ([`crate::trace::LostUpdate`]), and a `fetch_add` never is. A `compare_exchange` that fails is
//! a read of the value it found.
//!
//! **Orderings.** Under shuttle and loom every operation runs as `SeqCst`, whatever ordering it
//! is given: all of them fall in one order every thread agrees on, as for the facade's other
//! objects (see the README's "What each backend can see"). A bug that needs a weaker ordering's
//! reordering (a `Relaxed` flag that publishes data) is not found there. Natively the operation
//! is std's own atomic of the type, with the orderings given: the ported code runs as it would.
//! An ordering std refuses panics with std's message on every backend, and the checker reports
//! that panic as the model's failure: `load(Release)`, `load(AcqRel)`, `store(Acquire)`,
//! `store(AcqRel)`, a failure ordering of `Release` or `AcqRel`.
//!
//! What differs from std:
//! - `new` is not `const` (the atomic is registered with the execution's recorder), so a
//!   `static` atomic becomes one the model makes and shares (an `Arc`).
//! - `compare_exchange_weak` never fails spuriously, on any backend (natively it is std's
//!   `fetch_update` loop, which retries); std allows it to, so code must loop on it anyway.
//! - `fetch_update`, `try_update` and `update` are std's loop: a `load`, then a
//!   `compare_exchange_weak` until one succeeds, each its own step, so the function runs again
//!   when another thread got in between, as in std.
//! - `get_mut` and `into_inner` take no step and are not recorded: the caller has the atomic to
//!   itself.
//! - `Debug` shows the atomic's name, not its value (reading it would be a step).
//!
//! `interleave::sync::AtomicUsize`, with no orderings, is another type and stays as it is.

use crate::exit_hook::exit_point;
use crate::runtime::{AtomicCell, AtomicValue, Runtime};
use crate::thread::current_tid;
use crate::trace::{self, ObjId};
use std::fmt::{self, Debug};

use Ordering::{AcqRel, Acquire, Relaxed, Release};
pub use std::sync::atomic::Ordering;

/// An atomic `T` with a name: what every type of this module is, with its own methods on top.
struct Atomic<R: Runtime, T: AtomicValue> {
    cell: R::Atomic<T>,
    id: ObjId,
}

impl<R: Runtime, T: AtomicValue> Atomic<R, T> {
    fn named(name: &str, value: T) -> Self {
        Atomic {
            cell: R::Atomic::<T>::new(value),
            id: trace::register(name.to_owned()),
        }
    }

    #[track_caller]
    fn load(&self, order: Ordering) -> T {
        check_load(order);
        exit_point::<R>();
        let value = self.cell.load(order);
        if let Some(me) = current_tid::<R>() {
            trace::read(me, self.id, format!("{value:?}"));
        }
        value
    }

    #[track_caller]
    fn store(&self, value: T, order: Ordering) {
        check_store(order);
        exit_point::<R>();
        self.cell.store(value, order);
        if let Some(me) = current_tid::<R>() {
            trace::write(me, self.id, format!("{value:?}"));
        }
    }

    /// A read-modify-write that always writes (`swap`, `fetch_add`...): the value before.
    #[track_caller]
    fn modify(&self, order: Ordering, f: impl Fn(T) -> T) -> T {
        match self.read_modify_write(order, read_part(order), |value| Some(f(value))) {
            Ok(old) | Err(old) => old,
        }
    }

    #[track_caller]
    fn compare_exchange(
        &self,
        current: T,
        new: T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<T, T> {
        check_failure(failure);
        self.read_modify_write(success, failure, |value| (value == current).then_some(new))
    }

    /// One step: `Ok` with the value before, recorded as an update, when `f` gave a new value;
    /// `Err` with the value seen, recorded as a read, when it gave none.
    #[track_caller]
    fn read_modify_write(
        &self,
        set: Ordering,
        fetch: Ordering,
        f: impl Fn(T) -> Option<T>,
    ) -> Result<T, T> {
        exit_point::<R>();
        let mut written = None;
        let result = self.cell.read_modify_write(set, fetch, &mut |value| {
            written = f(value);
            written
        });
        if let Some(me) = current_tid::<R>() {
            match (result, written) {
                (Ok(old), Some(new)) => trace::update(me, self.id, format!("{old:?} -> {new:?}")),
                (Ok(seen) | Err(seen), _) => trace::read(me, self.id, format!("{seen:?}")),
            }
        }
        result
    }

    /// std's `fetch_update`: a load, then a weak compare-exchange until one succeeds or `f`
    /// gives up, each its own step.
    #[track_caller]
    fn fetch_update(
        &self,
        set: Ordering,
        fetch: Ordering,
        mut f: impl FnMut(T) -> Option<T>,
    ) -> Result<T, T> {
        let mut previous = self.load(fetch);
        while let Some(next) = f(previous) {
            match self.compare_exchange(previous, next, set, fetch) {
                Ok(old) => return Ok(old),
                Err(seen) => previous = seen,
            }
        }
        Err(previous)
    }

    fn debug(&self, f: &mut fmt::Formatter<'_>, kind: &str) -> fmt::Result {
        trace::debug_object(f, kind, self.id).finish_non_exhaustive()
    }
}

/// std's panics for an ordering a load cannot have.
#[track_caller]
fn check_load(order: Ordering) {
    match order {
        Release => panic!("there is no such thing as a release load"),
        AcqRel => panic!("there is no such thing as an acquire-release load"),
        _ => {}
    }
}

/// std's panics for an ordering a store cannot have.
#[track_caller]
fn check_store(order: Ordering) {
    match order {
        Acquire => panic!("there is no such thing as an acquire store"),
        AcqRel => panic!("there is no such thing as an acquire-release store"),
        _ => {}
    }
}

/// std's panics for a compare-exchange's failure ordering: a failure writes nothing.
#[track_caller]
fn check_failure(order: Ordering) {
    match order {
        Release => panic!("there is no such thing as a release failure ordering"),
        AcqRel => panic!("there is no such thing as an acquire-release failure ordering"),
        _ => {}
    }
}

/// The ordering of the read within a read-modify-write ordered `order`.
fn read_part(order: Ordering) -> Ordering {
    match order {
        Release => Relaxed,
        AcqRel => Acquire,
        order => order,
    }
}

/// The methods every atomic of this module has, as std's.
macro_rules! atomic {
    ($(#[$doc:meta])* $atomic:ident, $value:ty, $zero:expr) => {
        $(#[$doc])*
        pub struct $atomic<R: Runtime>(Atomic<R, $value>);

        /// Its name, not its value (reading the value would be a step).
        impl<R: Runtime> Debug for $atomic<R> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.debug(f, stringify!($atomic))
            }
        }

        /// Named `atomic`, holding the type's default, as std's.
        impl<R: Runtime> Default for $atomic<R> {
            fn default() -> Self {
                Self::new($zero)
            }
        }

        /// Named `atomic`, as [`Self::new`].
        impl<R: Runtime> From<$value> for $atomic<R> {
            fn from(value: $value) -> Self {
                Self::new(value)
            }
        }

        impl<R: Runtime> $atomic<R> {
            /// An atomic named `atomic` in timelines, holding `value`.
            pub fn new(value: $value) -> Self {
                Self::named("atomic", value)
            }

            /// An atomic holding `value`, named `name` in timelines and lost-update reports.
            pub fn named(name: &str, value: $value) -> Self {
                $atomic(Atomic::named(name, value))
            }

            /// The value, recorded as a read. Panics, as std does, when `order` is `Release` or
            /// `AcqRel`.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                self.0.load(order)
            }

            /// Sets the value, recorded as a write: one computed from a load that another
            /// thread's write has since overtaken is a lost update. Panics, as std does, when
            /// `order` is `Acquire` or `AcqRel`.
            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                self.0.store(value, order)
            }

            /// Sets the value to `value` in one indivisible step; returns the value before.
            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |_| value)
            }

            /// Sets the value to `new` if it is `current`, in one indivisible step: `Ok` with
            /// the value before if it did, `Err` with the value found (recorded as a read) if
            /// not. `failure` orders the read of a failure; it panics, as std does, when it is
            /// `Release` or `AcqRel`.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                self.0.compare_exchange(current, new, success, failure)
            }

            /// [`Self::compare_exchange`]: std lets this one fail spuriously, and here it never
            /// does, on any backend (see the module's notes).
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                self.0.compare_exchange(current, new, success, failure)
            }

            /// Bitwise "and" with `value` in one indivisible step; returns the value before.
            #[track_caller]
            pub fn fetch_and(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| old & value)
            }

            /// Bitwise "nand" (`!(old & value)`) in one indivisible step; returns the value
            /// before.
            #[track_caller]
            pub fn fetch_nand(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| !(old & value))
            }

            /// Bitwise "or" with `value` in one indivisible step; returns the value before.
            #[track_caller]
            pub fn fetch_or(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| old | value)
            }

            /// Bitwise "xor" with `value` in one indivisible step; returns the value before.
            #[track_caller]
            pub fn fetch_xor(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| old ^ value)
            }

            /// std's loop: loads the value (with `fetch_order`), and while `f` gives a new one,
            /// tries to swap it in with [`Self::compare_exchange_weak`], `f` running again on
            /// the value found when another thread got in between. `Ok` with the value before
            /// once a new value is in; `Err` with the last value seen when `f` gives `None`. Each
            /// load and compare-exchange is its own step. Panics, as std does, when
            /// `fetch_order` is `Release` or `AcqRel`.
            #[track_caller]
            pub fn fetch_update(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                f: impl FnMut($value) -> Option<$value>,
            ) -> Result<$value, $value> {
                self.0.fetch_update(set_order, fetch_order, f)
            }

            /// [`Self::fetch_update`] under its newer name (std 1.95).
            #[track_caller]
            pub fn try_update(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                f: impl FnMut($value) -> Option<$value>,
            ) -> Result<$value, $value> {
                self.0.fetch_update(set_order, fetch_order, f)
            }

            /// [`Self::fetch_update`] with an `f` that always gives a new value: returns the
            /// value before.
            #[track_caller]
            pub fn update(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: impl FnMut($value) -> $value,
            ) -> $value {
                match self.0.fetch_update(set_order, fetch_order, |old| Some(f(old))) {
                    Ok(old) | Err(old) => old,
                }
            }

            /// The value, from an atomic the caller owns: no step, not recorded.
            pub fn into_inner(self) -> $value {
                self.0.cell.into_inner()
            }

            /// The value, borrowed from an atomic the caller has to itself: no step, not
            /// recorded.
            pub fn get_mut(&mut self) -> &mut $value {
                self.0.cell.get_mut()
            }
        }
    };
}

/// The methods of an integer atomic besides [`atomic`]'s, as std's.
macro_rules! atomic_integer {
    ($(#[$doc:meta])* $atomic:ident, $value:ty) => {
        atomic!($(#[$doc])* $atomic, $value, 0);

        impl<R: Runtime> $atomic<R> {
            /// Adds `value`, wrapping around at the type's bounds as std does, in one
            /// indivisible step; returns the value before.
            #[track_caller]
            pub fn fetch_add(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| old.wrapping_add(value))
            }

            /// Subtracts `value`, wrapping around at the type's bounds as std does, in one
            /// indivisible step; returns the value before.
            #[track_caller]
            pub fn fetch_sub(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| old.wrapping_sub(value))
            }

            /// Sets the value to the larger of it and `value`, in one indivisible step; returns
            /// the value before.
            #[track_caller]
            pub fn fetch_max(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| old.max(value))
            }

            /// Sets the value to the smaller of it and `value`, in one indivisible step; returns
            /// the value before.
            #[track_caller]
            pub fn fetch_min(&self, value: $value, order: Ordering) -> $value {
                self.0.modify(order, |old| old.min(value))
            }
        }
    };
}

atomic!(
    /// std's `AtomicBool`, generic over the runtime (see the module's notes).
    AtomicBool,
    bool,
    false
);

impl<R: Runtime> AtomicBool<R> {
    /// Negates the value in one indivisible step; returns the value before.
    #[track_caller]
    pub fn fetch_not(&self, order: Ordering) -> bool {
        self.0.modify(order, |old| !old)
    }
}

atomic_integer!(
    /// std's `AtomicU8`, generic over the runtime (see the module's notes).
    AtomicU8,
    u8
);
atomic_integer!(
    /// std's `AtomicU16`, generic over the runtime (see the module's notes).
    AtomicU16,
    u16
);
atomic_integer!(
    /// std's `AtomicU32`, generic over the runtime (see the module's notes).
    AtomicU32,
    u32
);
atomic_integer!(
    /// std's `AtomicU64`, generic over the runtime (see the module's notes).
    AtomicU64,
    u64
);
atomic_integer!(
    /// std's `AtomicUsize`, generic over the runtime, with std's orderings (see the module's
    /// notes); not [`crate::sync::AtomicUsize`], the lessons' counter, which takes none.
    AtomicUsize,
    usize
);
atomic_integer!(
    /// std's `AtomicI8`, generic over the runtime (see the module's notes).
    AtomicI8,
    i8
);
atomic_integer!(
    /// std's `AtomicI16`, generic over the runtime (see the module's notes).
    AtomicI16,
    i16
);
atomic_integer!(
    /// std's `AtomicI32`, generic over the runtime (see the module's notes).
    AtomicI32,
    i32
);
atomic_integer!(
    /// std's `AtomicI64`, generic over the runtime (see the module's notes).
    AtomicI64,
    i64
);
atomic_integer!(
    /// std's `AtomicIsize`, generic over the runtime (see the module's notes).
    AtomicIsize,
    isize
);
