//! std's `Once` and `OnceLock` over any [`Runtime`]: code that runs once, however many threads
//! ask, and a value set once. A thread that asks while another runs the initialisation blocks
//! until it has completed, as in std. Built on the facade's own [`Mutex`] and [`Condvar`], both
//! named after the object, so every look at it is a step of the checker, in timelines and
//! deadlock reports under its name, with a note where the initialisation starts and ends
//! (`initialises config`, `initialised config`).
//!
//! What differs from std:
//! - `new` is not `const`: a `static` becomes one the model makes and shares (an `Arc`).
//! - A panic in the initialisation: natively it poisons a `Once` (later `call_once`s panic with
//!   std's message) and leaves a `OnceLock` empty for the next caller, as std does; under
//!   shuttle and loom the panic ends the execution.
//! - No `call_once_force`, `wait`, `get_or_try_init` or `take`.

use super::built::{note, release};
use super::{Condvar, Mutex};
use crate::runtime::Runtime;
use crate::trace;
use std::fmt::{self, Debug};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Incomplete,
    Running,
    Complete,
    Poisoned,
}

struct Progress {
    stage: Stage,
    /// Threads waiting for the running initialisation to end.
    waiting: usize,
}

/// Runs a closure once: the first `call_once` runs it, every other returns once it has run.
pub struct Once<R: Runtime> {
    progress: Mutex<R, Progress>,
    done: Condvar<R>,
}

impl<R: Runtime> Debug for Once<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "Once", self.progress.id).finish_non_exhaustive()
    }
}

impl<R: Runtime> Default for Once<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> Once<R> {
    /// A `Once` named `once`, not yet run.
    pub fn new() -> Self {
        Self::named("once")
    }

    /// A `Once` named `name` in timelines and deadlock reports, not yet run.
    pub fn named(name: &str) -> Self {
        let progress = Progress {
            stage: Stage::Incomplete,
            waiting: 0,
        };
        Once {
            progress: Mutex::named(name, progress),
            done: Condvar::named(name),
        }
    }

    /// Its name in this execution; empty when nothing records (a native timing run).
    pub fn name(&self) -> String {
        self.progress.name()
    }

    /// Runs `f` if no call has run it yet; if another thread is running it, blocks until that
    /// has completed. Either way, `f`'s effects are done when this returns. Panics, as std's
    /// does, if an earlier `f` panicked (natively: see the module's notes).
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        self.call(false, f);
    }

    /// Whether a `call_once` has completed (a step: it looks under the lock).
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        self.progress.lock().stage == Stage::Complete
    }

    /// `call_once`; `force` runs `f` after a poisoning one, as `OnceLock` does.
    #[track_caller]
    fn call(&self, force: bool, f: impl FnOnce()) {
        let mut progress = self.progress.lock();
        loop {
            match progress.stage {
                Stage::Complete => return,
                Stage::Running => {
                    progress.waiting += 1;
                    progress = self.done.wait(progress);
                    progress.waiting -= 1;
                }
                Stage::Poisoned if !force => {
                    drop(progress);
                    panic!("Once instance has previously been poisoned");
                }
                Stage::Incomplete | Stage::Poisoned => break,
            }
        }
        progress.stage = Stage::Running;
        note::<R>(|| format!("initialises {}", self.name()));
        drop(progress);
        let mut running = Running {
            once: self,
            completed: false,
        };
        f();
        running.completed = true;
    }
}

/// The initialisation running: its end, or its panic, is recorded when this is dropped.
struct Running<'a, R: Runtime> {
    once: &'a Once<R>,
    completed: bool,
}

impl<R: Runtime> Drop for Running<'_, R> {
    fn drop(&mut self) {
        let (once, completed) = (self.once, self.completed);
        release(&once.progress, &once.done, |progress| {
            progress.stage = if completed {
                note::<R>(|| format!("initialised {}", once.name()));
                Stage::Complete
            } else {
                Stage::Poisoned
            };
            progress.waiting > 0
        });
    }
}

/// A value set at most once: [`OnceLock::get_or_init`] runs its closure once, however many
/// threads call it, and each gets the one value.
pub struct OnceLock<R: Runtime, T> {
    once: Once<R>,
    /// std's own, which `once` only lets one thread set: it hands out `&T` with no `unsafe`.
    value: std::sync::OnceLock<T>,
}

impl<R: Runtime, T> Debug for OnceLock<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        trace::debug_object(f, "OnceLock", self.once.progress.id).finish_non_exhaustive()
    }
}

impl<R: Runtime, T> Default for OnceLock<R, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime, T> OnceLock<R, T> {
    /// An empty cell named `once_lock`.
    pub fn new() -> Self {
        Self::named("once_lock")
    }

    /// An empty cell named `name` in timelines and deadlock reports.
    pub fn named(name: &str) -> Self {
        OnceLock {
            once: Once::named(name),
            value: std::sync::OnceLock::new(),
        }
    }

    /// Its name in this execution; empty when nothing records (a native timing run).
    pub fn name(&self) -> String {
        self.once.name()
    }

    /// The value, if it has been set; `None` while it is being set (a step).
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        if self.once.is_completed() {
            self.value.get()
        } else {
            None
        }
    }

    /// Sets the value if none has been set: `Ok(())` then, `Err(value)` (yours back) if one
    /// had. Blocks while another thread is setting it, as std's does.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        self.once.call(true, || {
            let value = value.take().expect("the once runs its closure once");
            _ = self.value.set(value);
        });
        value.map_or(Ok(()), Err)
    }

    /// The value, set to `f()` first if none has been: `f` runs in one thread only, and the
    /// others block until it has returned, then get its value.
    #[track_caller]
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        self.once.call(true, || _ = self.value.set(f()));
        self.value
            .get()
            .expect("the once completed: the value is set")
    }

    /// The value, if it was set, taking no step: the caller has the cell to itself.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// The value, mutably, if it was set, taking no step: the caller has the cell to itself.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }
}
