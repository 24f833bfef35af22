//! Where a thread can be stopped from outside: every facade operation is an exit point. What
//! decides that a thread must stop is an [`ExitHook`] that a client installs on the thread
//! (a `program` does, for Python's exit rules); the facade itself knows no such rule.
//!
//! A stopped thread unwinds with [`StoppedAtExit`], which whoever installed the hook catches
//! where the thread started. One that still holds a facade lock goes on until it has released
//! them all (nothing it does after the exit is observable), because unwinding with a lock held
//! would poison loom's mutex.

use crate::local;
use crate::runtime::Runtime;
use std::any::Any;
use std::panic::resume_unwind;

/// The unwinding payload that stops a thread at an exit (no panic hook runs for it).
#[derive(Debug)]
pub struct StoppedAtExit;

pub use crate::local::{ExitHook, Waker};

/// Makes `hook` decide when the calling thread stops (`None`: never).
pub fn install<R: Runtime>(hook: Option<std::sync::Arc<dyn ExitHook>>) {
    local::get_or_create::<R>().set_exit_hook(hook);
}

/// The calling thread's hook.
pub fn current<R: Runtime>() -> Option<std::sync::Arc<dyn ExitHook>> {
    local::get::<R>()?.exit_hook()
}

/// Whether the calling thread's hook says it must stop.
pub fn stopping<R: Runtime>() -> bool {
    current::<R>().is_some_and(|hook| hook.stops_now())
}

/// Called by every facade operation: a thread that must stop goes no further, once it holds
/// no facade lock.
pub fn exit_point<R: Runtime>() {
    if stopping::<R>() && held::<R>() == 0 {
        stop();
    }
}

/// [`exit_point`] for an operation that holds `guard`: drops it first if it is the last one.
pub fn exit_point_releasing<R: Runtime, G>(guard: G) -> G {
    if stopping::<R>() && held::<R>() == 1 {
        drop(guard);
        stop();
    }
    guard
}

/// The calling thread took (`true`) or released a facade lock.
pub fn count_held<R: Runtime>(taken: bool) {
    if let Some(local) = local::get::<R>() {
        local.count_held(taken);
    }
}

fn held<R: Runtime>() -> usize {
    local::get::<R>().map_or(0, |local| local.held())
}

/// Registers the waker that `make` builds, if the calling thread can be stopped; the caller
/// holds the lock the waker takes, so the exit's notify cannot slip in before the wait.
pub fn wake_at_exit<R: Runtime>(make: impl FnOnce() -> Waker) -> Option<Box<dyn Any>> {
    current::<R>()?.wake_at_exit(make())
}

/// Unwinds the calling thread with [`StoppedAtExit`].
pub fn stop() -> ! {
    resume_unwind(Box::new(StoppedAtExit))
}
