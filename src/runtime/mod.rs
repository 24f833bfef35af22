//! The backend trait: the few primitives a concept needs, implemented once per backend.
//!
//! Models never call these directly; they use the recording facade in `sync` and
//! `thread`, which is generic over `R: Runtime`. This module is the only place where
//! `cfg(loom)` decides what exists.
//!
//! | backend   | threads                | `sleep`                       | built            |
//! |-----------|------------------------|-------------------------------|------------------|
//! | [`Native`]  | std OS threads         | really sleeps (scaled, see [`set_sleep_scale`]) | always |
//! | [`Shuttle`] | shuttle tasks          | a scheduling point, no time   | always           |
//! | `Loom`    | loom threads           | nothing at all (see below)    | `--cfg loom`     |
//!
//! What a backend cannot model, where it happens:
//! - loom: `wait_timeout` never times out (loom 0.7 has no notion of time); at most 5 threads,
//!   main included; `sleep` is a no-op, because loom treats a `yield_now` as a spinning thread and
//!   prunes the interleavings around it (outcomes go missing). Every facade operation on shared
//!   state is already a scheduling point, so nothing is lost by sleeping for no time. loom's
//!   `Condvar::wait` switches before it registers the waiter, and the facade cannot note that
//!   moment: a timeline records the wait before that switch, so a notify that loom runs there is
//!   drawn after the wait it came before.
//! - shuttle: time is not modelled either: `sleep` is a plain context switch. shuttle 0.9's own
//!   `wait_timeout` never times out, so the condvar is our own (`shuttle/sync.rs`): a timed wait
//!   ends by a notify or by its timer, at any point, both explored, and a wait is recorded at the
//!   moment it registers.
//! - native: no exploration at all; what happens is what the hardware does this time.
//!
//! Memory is Python's on every backend: each facade `AtomicUsize` and `Shared` is sequentially
//! consistent (one order of all their operations that every thread agrees on), which
//! `tests/models/litmus.rs` checks on all three (store buffering, Dekker's flags, Peterson's
//! lock, IRIW, message passing). `Shared` is a value under the backend's mutex everywhere, SC by
//! construction. `AtomicUsize` is the backend's `SeqCst` atomic under shuttle (which runs one
//! thread at a time) and natively, where `SeqCst` is SC; loom models `SeqCst` as acquire/release,
//! so under loom it is a value under a loom mutex too (`loom::SeqCstAtomicUsize`, which says why
//! that and not fences).
//!
//! std's atomics (`sync::atomic`, each over a [`Runtime::Atomic`] cell) take std's orderings:
//! under shuttle and loom every operation runs as `SeqCst` all the same (a switch of shuttle's
//! scheduler, then std's atomic; a value under a loom mutex, as `AtomicUsize` is), so a bug that
//! needs a weaker ordering is not found there. Natively the cell is std's own atomic of the type,
//! with the orderings given.
//!
//! Cooperative tasks (the [`crate::task`] facade, gevent's greenlets) map onto each backend so
//! that an `.await` that returns `Pending` is the only place a task can lose the processor:
//!
//! | backend   | a task is                                   | `yield`/`sleep`                     | `join`              |
//! |-----------|---------------------------------------------|-------------------------------------|---------------------|
//! | [`Native`]  | a task of tokio's current-thread runtime  | tokio's; `sleep` really sleeps      | its `JoinHandle`    |
//! | [`Shuttle`] | a shuttle future task                     | `shuttle::future::yield_now`        | its `JoinHandle`    |
//! | `Loom`    | a loom thread polling it, parked on a loom condvar between polls | a future that wakes itself once | the thread's `join` |
//!
//! - loom: no task spawn of its own, so every task is a thread (at most 4 besides main); a task
//!   is the only code on its thread, so a blocking `join` inside its poll is an await. Tasks
//!   that wait for each other are threads parked on condvars: loom reports the deadlock like any
//!   other, and the process goes on (`loom::future::block_on` would make it abort).
//! - native in a loom build (no tokio there), or without the `tokio` feature: a std-only hub
//!   of the same rules (`hub`).
//! - shuttle and loom: time is not modelled; an async `sleep` is a switch point and nothing more.

mod atomic;
#[cfg(any(loom, not(feature = "tokio")))]
pub mod hub;

#[cfg(loom)]
mod loom;
mod native;
mod panics;
mod shuttle;
pub mod sight;
mod std_shaped;

pub use self::atomic::{AtomicCell, AtomicValue};
#[cfg(loom)]
pub use self::loom::Loom;
pub use self::native::{Native, set_sleep_scale, sleep_scale};
pub use self::panics::{BackendFinding, backend_finding, panic_text};
pub use self::shuttle::Shuttle;

use std::any::Any;
use std::future::Future;
use std::ops::DerefMut;
use std::sync::Arc;
use std::time::Duration;

/// The sync primitives of one backend, as associated types (GATs) and functions.
pub trait Runtime: Sized + Send + Sync + 'static {
    /// `"native"`, `"shuttle"` or `"loom"`.
    const NAME: &'static str;
    /// A model checker: it picks every switch, and a panic ends the execution where it happens.
    const EXPLORES: bool;
    /// Explores every interleaving (loom): a model keeps its sizes small there, since the search
    /// grows with every step.
    const EXHAUSTIVE: bool;
    /// Time passes (native): elapsed time can be measured. The checkers have no clock.
    const HAS_CLOCK: bool;

    /// The backend's mutex, non-poisoning through [`Runtime::lock`].
    type Mutex<T: Send>: Send + Sync;
    /// Holds a [`Runtime::Mutex`] locked; dropping it unlocks.
    type Guard<'a, T: Send + 'a>: DerefMut<Target = T>;
    /// The backend's condition variable.
    type Condvar: Send + Sync;
    /// The backend's atomic counter, sequentially consistent (see the notes above for loom).
    type AtomicUsize: Send + Sync;
    /// The backend's atomic cell of a `T`, under the facade's `sync::atomic` types: each
    /// operation one step, sequentially consistent under shuttle and loom, std's own atomic with
    /// the orderings given natively (see [`AtomicCell`]).
    type Atomic<T: AtomicValue>: AtomicCell<T>;
    /// Joins a thread from [`Runtime::spawn_thread`].
    type JoinHandle<T: Send + 'static>: Send;
    /// Tells threads apart (an owner check, say): unique among the threads alive in one execution.
    type ThreadId: Copy + Eq + std::fmt::Debug + Send + Sync + 'static;

    /// Starts a named thread, unrecorded: models start theirs through the facade
    /// ([`crate::thread::spawn`], or `R::spawn` with [`crate::thread::Threads`]), which records
    /// it and ends the execution at its panic.
    fn spawn_thread<F, T>(name: String, body: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// Waits for the thread; `Err` carries its panic payload.
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T>;
    /// Offers the processor to another thread: a scheduling point under the checkers.
    fn yield_now();
    /// `duration` is in the tutorial's units; see the table above for what each backend does.
    fn sleep(duration: Duration);
    /// The name given at spawn; `None` for a thread the backend started itself.
    fn current_name() -> Option<String>;
    /// One opaque value per model thread, in the backend's own thread-local storage (under the
    /// checkers every model thread shares one OS thread, so std's would not do). The facade
    /// keeps its per-thread state there (`local`); the backend never looks inside.
    fn thread_slot() -> Option<Arc<dyn Any + Send + Sync>>;
    /// Replaces the calling thread's slot (see [`Runtime::thread_slot`]).
    fn set_thread_slot(value: Option<Arc<dyn Any + Send + Sync>>);
    /// The calling thread's id; cheap, and needs no recorder (unlike names in a timing run).
    fn current_id() -> Self::ThreadId;

    /// A mutex holding `value`, unlocked.
    fn new_mutex<T: Send>(value: T) -> Self::Mutex<T>;
    /// Non-poisoning: a panic in another holder does not make this fail.
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T>;
    /// The guard if the mutex is free right now, `None` if anyone holds it (the caller too).
    fn try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::Guard<'_, T>>;

    /// A condvar with no waiters.
    fn new_condvar() -> Self::Condvar;
    /// Releases `guard`'s mutex, waits for a notify, and takes the mutex back.
    fn wait<'a, T: Send>(condvar: &Self::Condvar, guard: Self::Guard<'a, T>) -> Self::Guard<'a, T>;
    /// Returns the guard and whether the wait timed out.
    fn wait_timeout<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        timeout: Duration,
    ) -> (Self::Guard<'a, T>, bool);
    /// `wait`, or `wait_timeout` with a `timeout`, calling `waiting` once the thread counts as a
    /// waiter (a notify from then on reaches it): the facade records the wait there, so that a
    /// timeline draws it where it took effect. Returns the guard and whether the wait timed out.
    /// By default `waiting` runs first, before the backend's own wait (see the notes above).
    fn wait_noting<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        timeout: Option<Duration>,
        waiting: &mut dyn FnMut(),
    ) -> (Self::Guard<'a, T>, bool) {
        waiting();
        match timeout {
            None => (Self::wait(condvar, guard), false),
            Some(timeout) => Self::wait_timeout(condvar, guard, timeout),
        }
    }
    /// Whether this `Condvar::wait` wakes up with no notify, as POSIX and Rust allow. Only
    /// shuttle says yes (one wait in [`SPURIOUS_WAKEUP_ONE_IN`], decided by its scheduler's
    /// random source, so a schedule replays it); loom cannot choose, and natively the OS does.
    fn spurious_wakeup() -> bool;
    /// Wakes one waiter of `condvar`, if any waits.
    fn notify_one(condvar: &Self::Condvar);
    /// Wakes every waiter of `condvar`.
    fn notify_all(condvar: &Self::Condvar);

    /// An atomic counter starting at `value`.
    fn new_atomic(value: usize) -> Self::AtomicUsize;
    /// The counter's value.
    fn load(atomic: &Self::AtomicUsize) -> usize;
    /// Sets the counter to `value`.
    fn store(atomic: &Self::AtomicUsize, value: usize);
    /// Adds `value` (wrapping) in one step; returns the value before.
    fn fetch_add(atomic: &Self::AtomicUsize, value: usize) -> usize;
    /// Subtracts `value` (wrapping) in one step; returns the value before.
    fn fetch_sub(atomic: &Self::AtomicUsize, value: usize) -> usize;
    /// Sets the counter to `new` if it holds `current`, in one step: `Ok` with the value before
    /// when it did, `Err` with the value it found when it did not.
    fn compare_exchange(
        atomic: &Self::AtomicUsize,
        current: usize,
        new: usize,
    ) -> Result<usize, usize>;

    /// A cooperative task's handle (see [`crate::task`], which records what tasks do).
    type Task<T: Send + 'static>: Send;
    /// Starts a task; it runs only when the task holding the processor awaits.
    fn spawn_task<F>(name: String, future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Completes when the task has; `Err` carries its panic payload.
    fn join_task<T: Send + 'static>(
        task: Self::Task<T>,
    ) -> impl Future<Output = std::thread::Result<T>> + Send;
    /// Runs `future` to completion on the calling thread, running other tasks while it waits.
    fn block_on<F: Future>(future: F) -> F::Output;
    /// Lets every other ready task run before this one goes on.
    fn yield_task() -> impl Future<Output = ()> + Send;
    /// Sleeps without blocking the thread; `duration` in the tutorial's units.
    fn sleep_task(duration: Duration) -> impl Future<Output = ()> + Send;
}

/// Under shuttle, one `Condvar::wait` in this many wakes up with no notify.
pub const SPURIOUS_WAKEUP_ONE_IN: u32 = 8;

/// Which backend to explore with, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// std OS threads: each run as the OS schedules it; nothing is explored.
    Native,
    /// shuttle: schedules explored by its seeded schedulers; a failure replays from a token.
    Shuttle,
    /// loom: every interleaving, up to its bounds; only in a `--cfg loom` build.
    Loom,
}

impl Backend {
    /// Its name on the command line and in reports: `"native"`, `"shuttle"` or `"loom"`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Native => "native",
            Backend::Shuttle => "shuttle",
            Backend::Loom => "loom",
        }
    }

    /// The backend [`Backend::name`] gives `text`, if any.
    pub fn parse(text: &str) -> Option<Backend> {
        match text {
            "native" => Some(Backend::Native),
            "shuttle" => Some(Backend::Shuttle),
            "loom" => Some(Backend::Loom),
            _ => None,
        }
    }

    /// Worker threads the backend can run besides main, if it has a limit (loom: 4 of its 5).
    pub fn max_workers(self) -> Option<usize> {
        match self {
            Backend::Loom => Some(4),
            Backend::Native | Backend::Shuttle => None,
        }
    }

    /// Whether this binary was built with the backend (`loom` needs `RUSTFLAGS="--cfg loom"`).
    pub fn is_built(self) -> bool {
        self != Backend::Loom || cfg!(loom)
    }
}
